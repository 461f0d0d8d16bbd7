"""Clocked simulation against PyRTL's FastSimulation, measured in the same run.

Designs: an 8-bit counter with enable (circuitnn.library.counter), a 16-bit
Fibonacci LFSR (circuitnn.library.lfsr) and ISCAS-89 s5378 (179 flip-flops,
2,779 gates).  PyRTL builds the same logic (the counter and LFSR with its
operators, s5378 gate by gate from the .bench file) and steps it with
``FastSimulation`` (its default tracer on, so it records every cycle); its
outputs are compared with circuitnn's exact engine before anything is timed,
and every circuitnn engine's timed outputs are compared with the exact
engine's.

circuitnn's engines, side by side:
* kernel: the fused kernel (every gate its trained net, in C), whole
  windows of cycles per call, registers thresholded at 0.5 between cycles,
  blocks of streams spread over both cores; it keeps the output bits only
  (``Clocked(..., analog="none")``, as ``Session.sim`` and ``circuitnn sim``
  do), so it writes no analog values;
  ``kernel 1 thr`` is the same on one thread (many streams);
  ``kernel+values`` also keeps every analog value (``analog="step"``, what
  ``sim_verify``'s margin reads; many streams);
  ``kernel step`` calls it once per cycle (``Clocked.step``, as PyRTL's
  ``sim.step``); ``kernel run`` iterates ``Clocked.run`` and reads each
  cycle's outputs;
* numpy: the numpy neural engine, one call per cycle (the fallback for many
  streams without a compiled kernel, or before it pays for its loading);
* python: generated straight-line Python over each gate's net, one call per
  cycle (the same fallback for one stream);
* exact: the truth tables (the reference, not neural), one call per cycle.

Figures: one stream, cycles per second; N streams (default 1,000),
stream-cycles per second (PyRTL has no lanes: N streams cost it N times one
stream, so its figure is its one-stream rate).  Times are wall-clock, best
of 3 (the kernel uses both cores for large windows; PyRTL one); the load
average is printed before and after, since other work on the machine slows
every figure.

Usage: python benchmarks/bench_seq.py [--cycles C] [--streams N] [--store DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from oracle import parse_bench  # noqa: E402

from circuitnn.library import counter, lfsr  # noqa: E402
from circuitnn.read import load_circuit  # noqa: E402
from circuitnn.run.exact import ExactEngine  # noqa: E402
from circuitnn.run.kernel import KernelEngine  # noqa: E402
from circuitnn.run.neural import NeuralEngine  # noqa: E402
from circuitnn.run.scalar import ScalarEngine  # noqa: E402
from circuitnn.run.session import Session  # noqa: E402
from circuitnn.run.sim import Clocked, random_stimulus  # noqa: E402
from circuitnn.store import ModelStore  # noqa: E402

S5378 = ROOT / "data" / "benchmarks" / "iscas89" / "s5378.bench"


# ------------------------------------------------------------------ PyRTL
def pyrtl_counter(n: int = 8):
    import pyrtl

    pyrtl.reset_working_block()
    en = pyrtl.Input(1, "en")
    r = pyrtl.Register(n, "r")
    r.next <<= pyrtl.select(en, (r + 1)[:n], r)
    out = pyrtl.Output(n, "count")
    out <<= r
    return ["en"], ["count"]


def pyrtl_lfsr(n: int = 16, seed: int = 1):
    import pyrtl

    pyrtl.reset_working_block()
    r = pyrtl.Register(n, "r", reset_value=seed)
    fb = r[15] ^ r[13] ^ r[12] ^ r[10]
    r.next <<= pyrtl.concat(r[:n - 1], fb)
    out = pyrtl.Output(n, "q")
    out <<= r
    return [], ["q"]


def pyrtl_bench(path: Path):
    """An ISCAS-89 .bench file gate by gate, every DFF a 1-bit Register at 0."""
    import pyrtl

    pyrtl.reset_working_block()
    ins, outs, rows = parse_bench(path.read_text())
    gates = {out: (kind, args) for out, kind, args in rows if kind != "DFF"}
    dffs = {out: (kind, args) for out, kind, args in rows if kind == "DFF"}
    wires = {n: pyrtl.Input(1, f"N{n}" if n[0].isdigit() else n) for n in ins}
    regs = {q: pyrtl.Register(1, f"r_{q}") for q in dffs}
    wires.update(regs)

    def get(n):
        if n not in wires:
            kind, args = gates[n]
            vals = [get(a) for a in args]
            if kind == "NOT":
                v = ~vals[0]
            elif kind in ("BUF", "BUFF"):
                v = vals[0]
            else:
                v = vals[0]
                for x in vals[1:]:
                    v = (v & x) if kind in ("AND", "NAND") else (v | x)
                if kind in ("NAND", "NOR"):
                    v = ~v
            wires[n] = v
        return wires[n]

    for q, (_, args) in dffs.items():
        regs[q].next <<= get(args[0])
    names = []
    for o in outs:
        name = f"N{o}" if o[0].isdigit() else o
        if o in ins:
            name += "_out"
        port = pyrtl.Output(1, name)
        port <<= get(o)
        names.append(name)
    return [f"N{n}" if n[0].isdigit() else n for n in ins], names


# ------------------------------------------------------------------ timing
#: CPU seconds (this process, all threads) of the best run of each best_of call
CPU: list[float] = []


def best_of(fn, repeats: int = 3) -> float:
    """Wall-clock seconds of the fastest of ``repeats`` runs (its CPU time
    goes to :data:`CPU`)."""
    times = []
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - start, time.process_time() - cpu))
    best = min(times)
    CPU.append(best[1])
    return best[0]


def engines(session: Session) -> dict:
    """The engines over one cycle, by label (the kernel compiled, not rented)."""
    step, nets = session.circuit.step, session.nets
    return {"kernel": KernelEngine(step, nets, compiled=True),
            "kernel 1 thr": KernelEngine(step, nets, compiled=True, threads=1),
            "numpy": NeuralEngine(step, nets),
            "python": ScalarEngine(step, nets),
            "exact": ExactEngine(step)}


def timed(circuit, engine, stim: np.ndarray, how: str, analog: str = "none"
          ) -> tuple[float, np.ndarray]:
    """Seconds to simulate ``stim`` (input bits, cycles, streams), best of 3,
    and the output bits."""
    clock = Clocked(circuit, engine, stim.shape[2], analog=analog)
    rows = [stim[:, c] for c in range(stim.shape[1])]
    clock.step(rows[0])  # built and warm before timing, as PyRTL's simulation is
    got = []

    def by_window():
        clock.reset()
        got[:] = [w.outputs for w in clock.run_windows(stim)]

    def by_cycle():
        clock.reset()
        got[:] = [cyc.outputs[:, None] for cyc in clock.run(rows)]

    def by_step():
        clock.reset()
        # each cycle's outputs kept as step returns them (PyRTL's tracer keeps
        # its values as they come too); joined into one array after timing
        got[:] = [clock.step(x).outputs for x in rows]

    seconds = best_of({"window": by_window, "run": by_cycle, "step": by_step}[how])
    if how == "step":
        return seconds, np.stack(got, axis=1)
    return seconds, np.concatenate(got, axis=1)


def run_pyrtl(ins: list[str], cycles: int, seed: int = 1) -> float:
    """Seconds for ``cycles`` steps of a FastSimulation built beforehand (its
    code generation is not timed, as circuitnn's compile is not)."""
    import pyrtl

    rng = np.random.default_rng(seed)
    stim = [{n: int(rng.integers(0, 2)) for n in ins} for _ in range(cycles)]
    sim = pyrtl.FastSimulation()

    def go():
        for row in stim:
            sim.step(row)

    return best_of(go)


def check_same(session: Session, ins: list[str], outs: list[str], cycles: int = 200) -> None:
    """PyRTL and circuitnn's exact engine agree on the same stimulus (the
    benchmark compares like with like)."""
    import pyrtl

    rng = np.random.default_rng(7)
    stim = [{n: int(rng.integers(0, 2)) for n in ins} for _ in range(cycles)]
    sim = pyrtl.FastSimulation(tracer=pyrtl.SimulationTrace())
    for row in stim:
        sim.step(row)
    trace = sim.tracer.trace
    names = [p.name for p in session.circuit.inputs]
    values = {n: [row[p] for row in stim] for n, p in zip(names, ins)} if ins else {}
    got = session.sim(cycles=cycles, exact=True, **values)
    for o, name in zip(outs, [p.name for p in session.circuit.outputs]):
        if list(map(int, got[name])) != list(trace[o]):
            raise SystemExit(f"PyRTL and circuitnn differ on {name}")


def rate(n: float, seconds: float) -> str:
    return f"{n / seconds:,.0f}" if seconds > 0 else "-"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cycles", type=int, default=5000,
                    help="one stream: cycles for PyRTL and the kernel (default 5000)")
    ap.add_argument("--slow-cycles", type=int, default=300,
                    help="one stream: cycles for the per-cycle engines (default 300)")
    ap.add_argument("--streams", type=int, default=1000)
    ap.add_argument("--stream-cycles", type=int, default=200,
                    help="N streams: cycles for the kernel (default 200; a tenth for the "
                         "per-cycle engines)")
    ap.add_argument("--store", default=None)
    args = ap.parse_args()
    store = ModelStore(args.store or tempfile.mkdtemp(prefix="bench-seq-"))
    designs = [
        ("counter 8-bit", counter(8).compile_circuit(), pyrtl_counter),
        ("LFSR 16-bit", lfsr(16).compile_circuit(), pyrtl_lfsr),
        ("s5378", load_circuit(S5378), lambda: pyrtl_bench(S5378)),
    ]
    load_before = os.getloadavg()
    one, many = [], []
    for label, circuit, build in designs:
        ins, outs = build()
        session = Session.from_store(circuit, store)
        check_same(session, ins, outs)
        t_py = run_pyrtl(ins, args.cycles)
        eng = engines(session)
        n_in = circuit.n_input_bits
        stim = np.stack(list(random_stimulus(n_in, args.cycles, 1, seed=1)), axis=1)
        slow = stim[:, :args.slow_cycles]
        t = {}
        t["kernel"], want = timed(circuit, eng["kernel"], stim, "window")
        cpu_one = args.cycles / CPU[-1]
        cpu_py = args.cycles / CPU[-2]  # run_pyrtl's, just before
        t["kernel run"], got = timed(circuit, eng["kernel"], stim, "run")
        t["kernel step"], got2 = timed(circuit, eng["kernel"], stim, "step")
        t["exact"], exact = timed(circuit, eng["exact"], slow, "window")
        assert (want[:, :slow.shape[1]] == exact).all() and (got == want).all()
        assert (got2 == want).all()
        for name in ("numpy", "python"):
            t[name], got = timed(circuit, eng[name], slow, "window")
            assert (got == exact).all(), name
        py = args.cycles / t_py
        r = {k: (args.cycles if k.startswith("kernel") else slow.shape[1]) / v
             for k, v in t.items()}
        one.append((label, len(circuit.gates), circuit.n_state_bits, py, r, cpu_py, cpu_one))

        n, c = args.streams, args.stream_cycles
        stim = np.stack(list(random_stimulus(n_in, c, n, seed=2)), axis=1)
        slow = stim[:, :max(2, c // 10)]
        t = {}
        t["kernel"], want = timed(circuit, eng["kernel"], stim, "window")
        cpu_many = c * n / CPU[-1]
        cores = CPU[-1] / t["kernel"]  # CPU seconds per wall second: cores in use
        t["kernel 1 thr"], got1 = timed(circuit, eng["kernel 1 thr"], stim, "window")
        cpu_1thr = c * n / CPU[-1]
        t["kernel+values"], got2 = timed(circuit, eng["kernel"], stim, "window", "step")
        t["exact"], exact = timed(circuit, eng["exact"], slow, "window")
        t["numpy"], got = timed(circuit, eng["numpy"], slow, "window")
        assert (want[:, :slow.shape[1]] == exact).all() and (got == exact).all()
        assert (got1 == want).all() and (got2 == want).all()
        r = {k: (c if k.startswith("kernel") else slow.shape[1]) * n / v
             for k, v in t.items()}
        many.append((label, r, py, cpu_many, cpu_1thr, cores))
    load_after = os.getloadavg()

    print(f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after; wall clock, "
          "best of 3; kernel (C), numpy and python run the nets; exact is the "
          "truth-table reference")
    print(f"\none stream, cycles/s ({args.cycles} cycles for PyRTL and the kernel, "
          f"{args.slow_cycles} for the others)")
    cols = ["PyRTL", "kernel", "kernel run", "kernel step", "numpy", "python", "exact"]
    print(f"{'design':<14} {'gates':>6} {'regs':>5} | " + " ".join(f"{c:>11}" for c in cols)
          + f" | {'kernel/PyRTL':>12} {'step/PyRTL':>10}")
    for label, gates, regs, py, r, _, _ in one:
        vals = [py] + [r[c] for c in cols[1:]]
        print(f"{label:<14} {gates:>6} {regs:>5} | " + " ".join(f"{v:>11,.0f}" for v in vals)
              + f" | {r['kernel'] / py:>12.2f} {r['kernel step'] / py:>10.2f}")
    print(f"\n{args.streams} streams, stream-cycles/s ({args.stream_cycles} cycles for the "
          f"kernel, {max(2, args.stream_cycles // 10)} for the others; PyRTL: its one-stream "
          "rate)")
    cols = ["PyRTL", "kernel", "kernel 1 thr", "kernel+values", "numpy", "exact"]
    print(f"{'design':<14} | " + " ".join(f"{c:>13}" for c in cols)
          + f" | {'kernel/PyRTL':>12} {'kernel/numpy':>12} {'cores used':>10}")
    for label, r, py, *_, cores in many:
        vals = [py] + [r[c] for c in cols[1:]]
        print(f"{label:<14} | " + " ".join(f"{v:>13,.0f}" for v in vals)
              + f" | {r['kernel'] / py:>12.1f} {r['kernel'] / r['numpy']:>12.1f} "
              f"{cores:>10.2f}")
    print("\nper CPU second (process time, all threads; less disturbed by the machine's "
          "load than wall clock; the kernel uses up to two cores, PyRTL one)")
    print(f"{'design':<14} | {'PyRTL c/s':>12} {'kernel c/s':>12} {'x':>6} | "
          f"{'kernel sc/s':>12} {'x':>6} | {'1 thr sc/s':>12} {'x':>6}")
    for (label, *_, cpu_py, cpu_one), (_, _, _, cpu_many, cpu_1thr, _) in zip(one, many):
        print(f"{label:<14} | {cpu_py:>12,.0f} {cpu_one:>12,.0f} {cpu_one / cpu_py:>6.1f} | "
              f"{cpu_many:>12,.0f} {cpu_many / cpu_py:>6.1f} | "
              f"{cpu_1thr:>12,.0f} {cpu_1thr / cpu_py:>6.1f}")


if __name__ == "__main__":
    main()
