"""Every primitive to certified nets: one net where one trains, otherwise a
decomposition into smaller primitives that do, inlined into the circuit.

:func:`lower` asks the store for a net for every primitive of a compiled
circuit (loading, or training the missing ones together).  A primitive whose
table does not train within the budget, or failed before with the same
settings (the store remembers), or has more than
:data:`~circuitnn.ir.primitives.MAX_PRIMITIVE_INPUTS` inputs, is decomposed
(:mod:`circuitnn.nn.decompose`): a table with several outputs into one
table per output, a one-output table by Shannon expansion into tables of at
most four inputs (fewer if a 4-input table itself fails) joined by MUX2 and
2-input gates.  The new tables go through the same loop until every one has
a net, and each gate of a decomposed primitive is replaced by the gates of
its decomposition.

The result is an ordinary circuit of ordinary gates: both engines, the
writers, ONNX export and SAT see only primitives with trained nets, each
certified at the same ``delta``, so the circuit as a whole is certified
(``docs/certification.md``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from ..ir.primitives import MAX_PRIMITIVE_INPUTS
from ..ir.truthtable import TruthTable
from ..nn.decompose import LEAF_INPUTS, Decomposition, Step, primitive_for, shannon
from .circuit import Circuit, Gate
from .schedule import _levelise

__all__ = ["Lowered", "lower", "split_outputs"]


@dataclass(frozen=True)
class Lowered:
    """A circuit whose every primitive has a trained net.

    Attributes
    ----------
    circuit : Circuit
        What the engines run: ``source`` with each decomposed primitive's
        gates replaced by the gates of its decomposition.
    nets : dict
        Primitive name -> :class:`~circuitnn.nn.GateNet`, for every primitive
        of ``circuit``.
    source : Circuit
        The circuit as compiled.
    decomposed : dict
        Every primitive that was decomposed (original or intermediate) ->
        its :class:`~circuitnn.nn.decompose.Decomposition`.
    names : dict
        For each decomposition, the primitive name of each of its steps.
    """

    circuit: Circuit
    nets: dict
    source: Circuit
    decomposed: dict[str, Decomposition] = field(default_factory=dict)
    names: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def gates_per_instance(self, prim: str) -> int:
        """Gates (each one net evaluation) one instance of ``prim`` became."""
        if prim not in self.decomposed:
            return 1
        return sum(self.gates_per_instance(n) for n in self.names[prim])

    def nets_of(self, prim: str) -> set[str]:
        """The distinct trained primitives one instance of ``prim`` runs."""
        if prim not in self.decomposed:
            return {prim}
        return set().union(*(self.nets_of(n) for n in self.names[prim]))

    def summary(self) -> dict[str, tuple[int, int]]:
        """For each primitive of ``source``: (gates per instance, distinct nets);
        ``(1, 1)`` for a primitive that is one net."""
        return {p: (self.gates_per_instance(p), len(self.nets_of(p)))
                for p in self.source.primitives}

    def describe(self, prim: str) -> str:
        """``"one net"`` or ``"decomposed into 7 gates (5 nets)"``."""
        gates, nets = self.summary()[prim]
        if prim not in self.decomposed:
            return "one net"
        return (f"decomposed into {gates} gate{'s' if gates != 1 else ''} "
                f"({nets} distinct net{'s' if nets != 1 else ''})")


def split_outputs(tt: TruthTable) -> Decomposition:
    """One single-output table per output of ``tt``, each over the inputs it
    depends on (an output that is a constant or an input gets a BUF).

    Examples
    --------
    >>> from circuitnn.ir.truthtable import TruthTable
    >>> ha = TruthTable.from_rows("ab", ["s", "c"], ["00 00", "01 10", "10 10", "11 01"])
    >>> [s.table.name for s in split_outputs(ha).steps]
    ['XOR2', 'AND2']
    """
    k = tt.n_inputs
    steps = []
    for j in range(tt.n_outputs):
        cube = tt.table[:, j].reshape((2,) * k) if k else tt.table[:, j].reshape(())
        keep = [i for i in range(k) if not np.array_equal(np.take(cube, 0, axis=i),
                                                          np.take(cube, 1, axis=i))]
        for i in reversed(range(k)):
            if i not in keep:
                cube = np.take(cube, 0, axis=i)
        if not keep:
            steps.append(Step(primitive_for(np.array([0, 1])), (int(cube.item()),)))
        else:
            steps.append(Step(primitive_for(cube), tuple(2 + i for i in keep)))
    n = 2 + k
    return Decomposition(tt, tuple(steps), tuple(range(n, n + len(steps))))


def _decompose(tt: TruthTable) -> Decomposition:
    if tt.n_outputs > 1:
        return split_outputs(tt)
    return shannon(tt, leaf=min(LEAF_INPUTS, tt.n_inputs - 1))


def lower(circuit: Circuit, store, progress: Callable[[str], None] | None = None,
          retrain: bool = False, train: bool = True, trainer=None) -> Lowered:
    """A trained net for every primitive of ``circuit``, decomposing what does not train.

    Parameters
    ----------
    circuit : Circuit
        From :func:`~circuitnn.compile.compile_design`.
    store : ModelStore
        Where nets are loaded from or trained into, with its settings.
    progress : callable, optional
        Receives one-line messages about training and decomposition.
    retrain : bool
        Train every table again, ignoring stored nets and remembered failures.
    train : bool
        False: only look in the store (for reports); a table neither stored
        nor remembered as failed is left without a net, undecomposed.
    trainer : callable, optional
        Trains the missing tables instead of the local trainer (see
        :meth:`~circuitnn.store.ModelStore.get_or_train_many`).

    Raises
    ------
    TrainingError
        Only when the settings cannot train even the gates a decomposition
        joins its parts with (MUX2 and 2-input gates) or a 1-input gate.

    Examples
    --------
    A 5-input parity does not train with these (small) settings, nor does
    the 4-input parity its first decomposition leaves; the result is a chain
    of XOR gates:

    >>> import tempfile
    >>> from circuitnn.store import ModelStore
    >>> from circuitnn.nn import TrainSettings
    >>> from circuitnn.hdl import Builder
    >>> from circuitnn.compile import compile_design
    >>> b = Builder("p5")
    >>> parity = TruthTable.from_expr("a ^ b ^ c ^ d ^ e").renamed(name="PARITY5")
    >>> _ = b.output("y", b.gate(parity, b.input("x", 5)))
    >>> cheap = TrainSettings(hidden_sizes=(0, 2, 4), max_epochs=300)
    >>> low = lower(compile_design(b.build().design), ModelStore(tempfile.mkdtemp(), cheap))
    >>> low.describe("PARITY5"), sorted(low.circuit.primitives)
    ('decomposed into 3 gates (2 distinct nets)', ['XOR2', 'XOR3'])
    """
    from ..nn.train import training_error

    by_content: dict[bytes, str] = {}
    tables: dict[str, TruthTable] = {}

    def name_of(tt: TruthTable) -> str:
        key = tt.canonical_bytes()
        if key in by_content:
            return by_content[key]
        name = tt.name or f"T_{tt.digest[:8]}"
        if name in tables and tables[name] != tt:
            name = f"{name}_{tt.digest[:8]}"
        by_content[key] = name
        tables[name] = tt if tt.name == name else tt.renamed(name=name)
        return name

    for name, tt in circuit.primitives.items():
        by_content.setdefault(tt.canonical_bytes(), name)
        tables[name] = tt
    nets: dict = {}
    failed: dict[str, object] = {}
    decomposed: dict[str, Decomposition] = {}
    names: dict[str, tuple[str, ...]] = {}
    todo = list(circuit.primitives)
    while todo:
        trainable = [n for n in todo if tables[n].n_inputs <= MAX_PRIMITIVE_INPUTS]
        failures: list = []
        if train:
            got = store.get_or_train_some([tables[n] for n in trainable], progress, retrain,
                                          failures, trainer)
        else:
            got = [store.get(tables[n]) for n in trainable]
        nets.update({n: g for n, g in zip(trainable, got) if g is not None})
        failed.update({f.name: f for f in failures})
        nxt = []
        for n in todo:
            if n in nets or (not train and n in trainable
                             and store.failure(tables[n]) is None):
                continue
            tt = tables[n]
            d = _decompose(tt) if tt.n_inputs > 1 or tt.n_outputs > 1 else None
            step_names = () if d is None else tuple(name_of(s.table) for s in d.steps)
            if d is None or any(s == n or s in failed for s in step_names):
                # only the joining gates (2 and 3 inputs) remain, and they fail
                why = [f for f in (failed.get(s) for s in (n, *step_names)) if f is not None]
                raise training_error(why or failures, store.settings,
                                     f"; {n} cannot be decomposed into gates that train")
            decomposed[n] = d
            names[n] = step_names
            if progress:
                progress(f"{n}: decomposed into {len(d.steps)} gates")
            for s in step_names:
                if s not in nets and s not in decomposed and s not in nxt and s not in todo:
                    nxt.append(s)
        todo = nxt
    if not decomposed:
        return Lowered(circuit, {n: nets[n] for n in circuit.primitives if n in nets}, circuit)
    lowered = _expand(circuit, decomposed, names, tables)
    used = {n: nets[n] for n in lowered.primitives if n in nets}
    return Lowered(lowered, used, circuit, decomposed, names)


def _expand(circuit: Circuit, decomposed: dict[str, Decomposition],
            names: dict[str, tuple[str, ...]], tables: dict[str, TruthTable]) -> Circuit:
    """``circuit`` with every gate of a decomposed primitive replaced by its
    decomposition's gates (recursively), on new internal signals."""
    gates: list[Gate] = []
    signal_names = list(circuit.signal_names)
    prims: dict[str, TruthTable] = {}

    def emit(prim: str, ins: tuple[int, ...], outs: tuple[int, ...], gname: str, loc):
        d = decomposed.get(prim)
        if d is None:
            prims[prim] = tables[prim]
            gates.append(Gate(gname, prim, ins, outs, loc))
            return
        sig = [0, 1, *ins]
        out_of = {ref: outs[j] for j, ref in enumerate(d.outputs)}
        for idx, (step, sname) in enumerate(zip(d.steps, names[prim])):
            step_outs = []
            for _ in range(step.table.n_outputs):
                ref = len(sig)
                if ref in out_of:
                    s = out_of[ref]
                else:
                    s = len(signal_names)
                    signal_names.append(f"{gname}/{idx}")
                step_outs.append(s)
                sig.append(s)
            emit(sname, tuple(sig[r] for r in step.inputs), tuple(step_outs),
                 f"{gname}/{idx}", loc)

    for g in circuit.gates:
        emit(g.prim, g.inputs, g.outputs, g.name, g.loc)
    levels = _levelise(gates, len(signal_names), signal_names)
    # every other field (ports, registers, tests, settings) stays as compiled
    return replace(circuit, gates=tuple(gates), primitives=prims, signal_names=signal_names,
                   levels=levels)
