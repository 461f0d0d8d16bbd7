"""The miter: both circuits over shared input variables, each pair of
corresponding outputs compared, and the counterexample when one differs.

Both circuits are laid into one :class:`~circuitnn.prove.network.Network`
(A first, then B), so structural hashing and sweeping merge the logic they
have in common.  Each output pair is then settled in turn: equal literals
are proved equal; a simulated pattern that tells them apart is a
counterexample at once; otherwise the SAT solver decides ``x != y`` under
assumptions.  :func:`embed` takes the literals of a circuit's inputs and
returns those of every signal, so a sequential check can call it once per
clock cycle, feeding one frame's register inputs to the next frame's
register outputs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from ..compile import Circuit
from ..errors import InternalError
from ..ir.truthtable import TruthTable, input_matrix
from .network import FALSE, TRUE, Network
from .ports import Matching
from .solver import Solver, Timeout

__all__ = ["Equivalence", "Counterexample", "Trace", "embed", "prove", "prove_bounded",
           "registers_correspond"]


@dataclass(frozen=True)
class Counterexample:
    """Input values on which A and B differ, with each side's outputs from the
    exact reference engine.

    ``inputs_a``/``inputs_b`` and ``outputs_a`` are integers per port of that
    side.  ``outputs_b`` holds B's output bits arranged in A's output ports
    (through the port pairing), so ``outputs_a[p] != outputs_b[p]`` names the
    ports that differ.
    """

    inputs_a: dict[str, int]
    inputs_b: dict[str, int]
    outputs_a: dict[str, int]
    outputs_b: dict[str, int]

    @property
    def differing(self) -> list[str]:
        """A's output ports whose value differs from B's."""
        return [p for p in self.outputs_a if self.outputs_a[p] != self.outputs_b[p]]


@dataclass(frozen=True)
class Trace:
    """A sequential counterexample: each side's inputs for each cycle from
    reset, the cycle whose outputs differ, and each cycle's outputs on the
    exact engine (B's in A's port layout).  The result's ``counterexample``
    holds the failing cycle's values."""

    inputs_a: list[dict[str, int]]
    inputs_b: list[dict[str, int]]
    cycle: int
    outputs_a: list[dict[str, int]] = field(default_factory=list)
    outputs_b: list[dict[str, int]] = field(default_factory=list)


@dataclass(frozen=True)
class Equivalence:
    """The answer of :func:`~circuitnn.prove.equivalent`.

    ``status`` is ``"equivalent"``, ``"different"`` (see ``counterexample``)
    or ``"unknown"`` (the time ran out).  Truthy only when proved equivalent.
    """

    status: str
    variables: int
    clauses: int
    seconds: float
    counterexample: Counterexample | None = None
    stats: dict = field(default_factory=dict)
    matching: Matching | None = field(default=None, repr=False)
    trace: Trace | None = None

    def __bool__(self) -> bool:
        return self.status == "equivalent"

    def __str__(self) -> str:
        if self.status == "equivalent":
            how = {"bounded": f"for the first {self.stats.get('cycles')} cycles from reset "
                              "(bounded check; ",
                   "register-matched": "in every cycle from reset (register-matched: same "
                                       "outputs and register loads from any state; "}.get(
                self.stats.get("method"), "(")
            return (f"equivalent {how}proved by SAT: {self.variables:,} variables, "
                    f"{self.clauses:,} clauses, {self.seconds:.2f} s)")
        if self.status == "unknown":
            done = (f"; {self.stats['outputs_proved']} of {self.stats['outputs']} output "
                    "bits proved equal" if "outputs" in self.stats else "")
            return (f"unknown: no proof and no counterexample within {self.seconds:.2f} s "
                    f"({self.variables:,} variables, {self.clauses:,} clauses{done})")
        cex = self.counterexample
        when = (f" in cycle {self.trace.cycle} from reset, after the input sequence of the "
                "trace" if self.trace is not None else "")
        return (f"not equivalent: {', '.join(cex.differing)} differ"
                f" for {_show(cex.inputs_a)}{when}")


def _show(values: dict[str, int]) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items())


@cache
def _columns(tt: TruthTable) -> tuple[int, ...]:
    """Each output column as a table integer with pin ``i`` as row bit ``i``
    (a TruthTable's row has its first input as the most significant bit)."""
    k = tt.n_inputs
    rows = input_matrix(k).astype(np.int64) @ (1 << np.arange(k, dtype=np.int64))
    cols = []
    for j in range(tt.n_outputs):
        bits = np.zeros(1 << k, dtype=np.uint8)
        bits[rows] = tt.table[:, j]
        cols.append(int.from_bytes(np.packbits(bits, bitorder="little").tobytes(), "little"))
    return tuple(cols)


def _cone(circuit: Circuit, signals) -> set[int]:
    """The gates (indices) in the transitive fan-in of ``signals``."""
    driver = {s: gi for gi, g in enumerate(circuit.gates) for s in g.outputs}
    seen: set[int] = set()
    stack = [driver[s] for s in signals if s in driver]
    while stack:
        gi = stack.pop()
        if gi in seen:
            continue
        seen.add(gi)
        stack.extend(driver[s] for s in circuit.gates[gi].inputs
                     if s in driver and driver[s] not in seen)
    return seen


def embed(net: Network, circuit: Circuit, inputs: dict[int, int],
          wanted) -> dict[int, int]:
    """Lay ``circuit``'s gates (those that ``wanted`` signals depend on) into
    ``net``; ``inputs`` gives the literal of each input signal.  Returns the
    literal of every signal laid."""
    lits = {0: FALSE, 1: TRUE, **inputs}
    cone = _cone(circuit, wanted)
    for level in circuit.levels:
        for group in level:
            tt = circuit.primitives[group.prim]
            cols = _columns(tt)
            for gi in group.gates.tolist():
                if gi not in cone:
                    continue
                gate = circuit.gates[gi]
                ins = [lits[s] for s in gate.inputs]
                for col, s in zip(cols, gate.outputs):
                    lits[s] = net.make(col, tt.n_inputs, ins)
    return lits


def _signal(circuit: Circuit, bit) -> int:
    name, i = bit
    return circuit.port(name).signals[i]


def _bind_inputs(net, a, b, matching, in_a: dict, in_b: dict) -> tuple[dict, dict]:
    """One fresh literal per matched input pair, shared by both sides, and
    the ``--const`` ties, added to the signal -> literal maps of A and B."""
    for bit_a, bit_b in matching.inputs:
        lit = net.input()
        in_a[_signal(a, bit_a)] = lit
        in_b[_signal(b, bit_b)] = lit
    for (side, port, i), value in matching.consts.items():
        circuit, lits = (a, in_a) if side == "A" else (b, in_b)
        lits[circuit.port(port).signals[i]] = TRUE if value else FALSE
    return in_a, in_b



def _miter(timeout: float | None, sweep: bool, seed: int) -> tuple[Solver, Network]:
    """A solver and an empty miter network, both stopping at the timeout."""
    deadline = None if timeout is None else time.monotonic() + timeout
    solver = Solver(deadline)
    return solver, Network(solver, sweep=sweep, seed=seed, deadline=deadline)


def _output_signals(a: Circuit, b: Circuit, matching: Matching) -> tuple[list, list]:
    return ([_signal(a, x) for x, _ in matching.outputs],
            [_signal(b, y) for _, y in matching.outputs])


@contextmanager
def _solving(solver: Solver):
    """Stop quietly at the timeout (the status stays "unknown"); close the solver either way."""
    try:
        yield
    except Timeout:
        pass
    finally:
        solver.close()


def _differ(net: Network, x: int, y: int) -> dict | None:
    """Inputs on which literals ``x`` and ``y`` differ: a simulation pattern
    that tells them apart, else the SAT solver's model; None when none is found."""
    cex = net.pattern_inputs(x, y)
    if cex is None and net.equal(x, y) is False:
        cex = net.model_inputs()
    return cex


def _stats(net: Network, solver: Solver, **more) -> dict:
    """The miter's and the solver's counts, then ``more``."""
    return {"nodes": net.n_nodes, "merged": net.merged, "refinements": net.refinements,
            "sat_calls": solver.calls, "patterns": net.n_patterns, **more}


def prove(a: Circuit, b: Circuit, matching: Matching, timeout: float | None = None,
          sweep: bool = True, seed: int = 0,
          progress: Callable[[str], None] | None = None) -> Equivalence:
    """Decide whether ``a`` and ``b`` compute the same outputs for every input,
    under ``matching``.  See :func:`circuitnn.prove.equivalent`; ``progress``
    receives a line as each stage and each output bit starts."""
    say = progress or (lambda message: None)
    start = time.perf_counter()
    solver, net = _miter(timeout, sweep, seed)
    in_a, in_b = _bind_inputs(net, a, b, matching, {}, {})
    out_a, out_b = _output_signals(a, b, matching)
    status, cex, proved = "unknown", None, 0
    with _solving(solver):
        # Sweeping looks for B's signals among A's: equal signals inside one
        # circuit are rare, and checking their candidates costs more than it saves.
        net.sweep = False
        say(f"A: {len(a.gates):,} gates into the miter")
        lits_a = embed(net, a, in_a, out_a)
        net.sweep = sweep
        say(f"B: {len(b.gates):,} gates into the miter" + (", sweeping against A"
                                                            if sweep else ""))
        lits_b = embed(net, b, in_b, out_b)
        for (bit_a, _), sa, sb in zip(matching.outputs, out_a, out_b):
            say(f"output bit {proved + 1}/{len(out_a)} ({bit_a[0]}[{bit_a[1]}] of A)")
            cex = _differ(net, lits_a[sa], lits_b[sb])
            if cex is not None:
                break
            proved += 1
        status = "equivalent" if cex is None else "different"
    seconds = time.perf_counter() - start
    counterexample = None
    if cex is not None:
        counterexample = _replay(a, b, matching, in_a, in_b, cex)
    stats = _stats(net, solver, outputs_proved=proved, outputs=len(out_a))
    return Equivalence(status, solver.n_vars, solver.n_clauses, seconds, counterexample, stats,
                       matching)


def _port_values(circuit: Circuit, lits: dict[int, int], cex: dict[int, int]) -> dict:
    values = {}
    for p in circuit.inputs:
        v = 0
        for i, s in enumerate(p.signals):
            lit = lits[s]
            bit = lit if lit <= TRUE else cex[lit >> 1] ^ (lit & 1)
            v |= bit << i
        values[p.name] = v
    return values


def _replay(a: Circuit, b: Circuit, matching: Matching, in_a, in_b, cex) -> Counterexample:
    """Run the counterexample through both circuits on the exact engine."""
    from ..run.bits import decode, encode
    from ..run.exact import ExactEngine

    inputs_a, inputs_b = _port_values(a, in_a, cex), _port_values(b, in_b, cex)
    bits_a = ExactEngine(a).run(encode(a, {k: [v] for k, v in inputs_a.items()}))[:, 0]
    bits_b = ExactEngine(b).run(encode(b, {k: [v] for k, v in inputs_b.items()}))[:, 0]
    row_b = _rows(b.outputs)
    outputs_a = {k: int(v[0]) for k, v in decode(a.outputs, bits_a[:, None]).items()}
    outputs_b = dict.fromkeys(outputs_a, 0)
    for (pa, i), (pb, j) in matching.outputs:
        outputs_b[pa] |= int(bits_b[row_b[pb] + j]) << i
    result = Counterexample(inputs_a, inputs_b, outputs_a, outputs_b)
    if not result.differing:
        raise InternalError("the counterexample found by the prover gives "
                            f"equal outputs on the exact engine ({_show(inputs_a)})")
    return result


def _rows(ports) -> dict[str, int]:
    rows, r = {}, 0
    for p in ports:
        rows[p.name] = r
        r += p.width
    return rows


# ---------------------------------------------------------------- sequential
def _init_lits(circuit: Circuit) -> dict[int, int]:
    """Each register output signal at reset: its initial value as a constant."""
    lits = {}
    for r in circuit.registers:
        for i, s in enumerate(r.q):
            lits[s] = TRUE if (r.init >> i) & 1 else FALSE
    return lits


def prove_bounded(a: Circuit, b: Circuit, matching: Matching, cycles: int,
                  timeout: float | None = None, sweep: bool = True, seed: int = 0,
                  progress: Callable[[str], None] | None = None) -> Equivalence:
    """Bounded equivalence from reset: both circuits unrolled for ``cycles``
    clock cycles over shared inputs, every paired output compared in every
    cycle (sampled before the edge).  Registers need not correspond."""
    say = progress or (lambda message: None)
    start = time.perf_counter()
    solver, net = _miter(timeout, sweep, seed)
    state_a, state_b = _init_lits(a), _init_lits(b)
    out_a, out_b = _output_signals(a, b, matching)
    frames: list[tuple[dict, dict]] = []
    status, cex, fail_cycle = "unknown", None, None
    with _solving(solver):
        for t in range(cycles):
            say(f"cycle {t + 1}/{cycles}")
            in_a, in_b = _bind_inputs(net, a, b, matching, dict(state_a), dict(state_b))
            frames.append((in_a, in_b))
            next_a = [s for r in a.registers for s in r.next]
            next_b = [s for r in b.registers for s in r.next]
            net.sweep = False
            lits_a = embed(net, a, in_a, out_a + next_a)
            net.sweep = sweep
            lits_b = embed(net, b, in_b, out_b + next_b)
            for sa, sb in zip(out_a, out_b):
                cex = _differ(net, lits_a[sa], lits_b[sb])
                if cex is not None:
                    fail_cycle = t
                    break
            if cex is not None:
                break
            state_a = {q: lits_a[n] for r in a.registers for q, n in zip(r.q, r.next)}
            state_b = {q: lits_b[n] for r in b.registers for q, n in zip(r.q, r.next)}
        status = "equivalent" if cex is None else "different"
    seconds = time.perf_counter() - start
    counterexample = trace = None
    if cex is not None:
        counterexample, trace = _replay_trace(a, b, matching, frames, cex, fail_cycle)
    stats = _stats(net, solver, cycles=cycles,
                   cycles_proved=len(frames) - (status != "equivalent"), method="bounded")
    return Equivalence(status, solver.n_vars, solver.n_clauses, seconds, counterexample, stats,
                       matching, trace)


def _replay_trace(a, b, matching, frames, cex, fail_cycle):
    """Run the input sequence through both circuits' step functions on the
    exact engine, cycle by cycle from reset."""
    from ..run.bits import decode, encode
    from ..run.exact import ExactEngine

    inputs_a = [_port_values(a, fa, cex) for fa, _ in frames]
    inputs_b = [_port_values(b, fb, cex) for _, fb in frames]

    def run(circuit, inputs):
        step = circuit.step
        engine = ExactEngine(step)
        state = {f"{r.name}.q": r.init for r in circuit.registers}
        outs = []
        for values in inputs:
            bits = engine.run(encode(step, {k: [v] for k, v in {**values, **state}.items()}))
            got = {k: int(v[0]) for k, v in decode(step.outputs, bits).items()}
            outs.append({p.name: got[p.name] for p in circuit.outputs})
            state = {f"{r.name}.q": got[f"{r.name}.next"] for r in circuit.registers}
        return outs

    outs_a, outs_b = run(a, inputs_a), run(b, inputs_b)
    row = {}
    for (pa, i), (pb, j) in matching.outputs:
        row.setdefault(pa, []).append((i, pb, j))
    mapped = []
    for t in range(len(frames)):
        mapped_b = dict.fromkeys(outs_a[t], 0)
        for pa, bits in row.items():
            for i, pb, j in bits:
                mapped_b[pa] |= ((outs_b[t][pb] >> j) & 1) << i
        mapped.append(mapped_b)
    t = fail_cycle
    result = Counterexample(inputs_a[t], inputs_b[t], outs_a[t], mapped[t])
    if not result.differing:
        raise InternalError(f"the sequential counterexample gives equal outputs in cycle {t} "
                            "on the exact engine")
    return result, Trace(inputs_a, inputs_b, t, outs_a, mapped)


def registers_correspond(a: Circuit, b: Circuit, mapping=None, consts=None
                         ) -> Matching | None:
    """The pairing of both step functions (inputs and register outputs in,
    outputs and register loads out) when every register of A has a partner
    in B of the same width and initial value, by name or ``mapping``
    (``r.q=s.q,r.next=s.next``); else None."""
    from ..errors import UsageError
    from .ports import match_ports

    try:
        m = match_ports(a.step, b.step, ("A", "B"), mapping, consts)
    except UsageError:
        return None
    init_a = {s: (r.init >> i) & 1 for r in a.registers for i, s in enumerate(r.q)}
    init_b = {s: (r.init >> i) & 1 for r in b.registers for i, s in enumerate(r.q)}
    for bit_a, bit_b in m.inputs:
        sa, sb = _signal(a.step, bit_a), _signal(b.step, bit_b)
        if (sa in init_a) != (sb in init_b) or init_a.get(sa) != init_b.get(sb):
            return None
    return m
