"""Clocked simulation against PyRTL's FastSimulation, measured in the same run.

Designs: an 8-bit counter with enable (circuitnn.library.counter), a 16-bit
Fibonacci LFSR (circuitnn.library.lfsr) and ISCAS-89 s5378 (179 flip-flops,
2,779 gates).  PyRTL builds the same logic (the counter and LFSR with its
operators, s5378 gate by gate from the .bench file) and steps it with
``FastSimulation``; its outputs are compared with circuitnn's exact engine on
the same stimulus before anything is timed.

Figures:
* one stream: cycles per second, circuitnn's neural engine (every gate its
  trained net) and its exact engine (truth tables, labelled as such) beside
  PyRTL stepping one cycle at a time;
* N streams (default 1,000): stream-cycles per second of circuitnn's neural
  engine, one lane per stream, against PyRTL's cycles per second (PyRTL has
  no lanes: N streams cost it N times one stream).

Usage: python benchmarks/bench_seq.py [--cycles C] [--streams N] [--store DIR]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from circuitnn.library import counter, lfsr  # noqa: E402
from circuitnn.read import load_circuit  # noqa: E402
from circuitnn.run.session import Session  # noqa: E402
from circuitnn.run.sim import random_stimulus  # noqa: E402
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
    text = path.read_text()
    ins, outs, gates, dffs = [], [], {}, {}
    for line in text.splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"(INPUT|OUTPUT)\((\S+)\)", line)
        if m:
            (ins if m.group(1) == "INPUT" else outs).append(m.group(2))
            continue
        m = re.fullmatch(r"(\S+)\s*=\s*(\w+)\((.*)\)", line)
        out, kind, args = m.group(1), m.group(2).upper(), [a.strip() for a in
                                                             m.group(3).split(",")]
        (dffs if kind == "DFF" else gates)[out] = (kind, args)
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
def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def run_circuitnn(session: Session, cycles: int, streams: int, exact: bool) -> float:
    n_in = session.circuit.n_input_bits
    stim = list(random_stimulus(n_in, cycles, streams, seed=1))
    clock = session.clocked(streams, exact=exact)
    clock.step(stim[0])  # built before timing, as PyRTL's simulation is

    def go():
        clock.reset()
        for x in stim:
            clock.step(x)

    return best_of(go, 3)


def run_pyrtl(ins: list[str], cycles: int, seed: int = 1):
    """Seconds for ``cycles`` steps of a FastSimulation built beforehand (its
    code generation is not timed, as circuitnn's compile is not)."""
    import pyrtl

    rng = np.random.default_rng(seed)
    stim = [{n: int(rng.integers(0, 2)) for n in ins} for _ in range(cycles)]
    sim = pyrtl.FastSimulation()

    def go():
        for row in stim:
            sim.step(row)

    return best_of(go, 3), stim


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cycles", type=int, default=2000)
    ap.add_argument("--streams", type=int, default=1000)
    ap.add_argument("--store", default=None)
    args = ap.parse_args()
    store = ModelStore(args.store or tempfile.mkdtemp(prefix="bench-seq-"))
    designs = [
        ("counter 8-bit", counter(8).compile_circuit(), pyrtl_counter),
        ("LFSR 16-bit", lfsr(16).compile_circuit(), pyrtl_lfsr),
        ("s5378", load_circuit(S5378), lambda: pyrtl_bench(S5378)),
    ]
    print(f"one stream: {args.cycles} cycles; {args.streams} streams: "
          f"{max(10, args.cycles // 10)} cycles each; best of 3 (wall clock)")
    print(f"{'design':<14} {'gates':>6} {'regs':>5} | {'PyRTL c/s':>10} "
          f"{'neural c/s':>11} {'x':>6} {'exact c/s':>10} | "
          f"{'neural N-stream sc/s':>20} {'x PyRTL':>8}")
    for label, circuit, build in designs:
        ins, outs = build()
        session = Session.from_store(circuit, store)
        check_same(session, ins, outs)
        t_py, _ = run_pyrtl(ins, args.cycles)
        t_nn = run_circuitnn(session, args.cycles, 1, exact=False)
        t_ex = run_circuitnn(session, args.cycles, 1, exact=True)
        many = max(10, args.cycles // 10)
        t_many = run_circuitnn(session, many, args.streams, exact=False)
        py = args.cycles / t_py
        nn = args.cycles / t_nn
        sc = many * args.streams / t_many
        print(f"{label:<14} {len(circuit.gates):>6} {circuit.n_state_bits:>5} | "
              f"{py:>10,.0f} {nn:>11,.0f} {nn / py:>6.2f} {args.cycles / t_ex:>10,.0f} | "
              f"{sc:>20,.0f} {sc / py:>8.1f}")


if __name__ == "__main__":
    main()
