"""Every function compiles: how often one net, how often a decomposition, how long.

For each group of truth tables it compiles every function into certified
nets (:func:`circuitnn.compile.lower.lower`), verifies the result against
the table exhaustively, re-proves each net's certificate, and prints:

* the share that became a single net, the share decomposed, and failures
  (a function that did not compile, or compiled wrong: the target is 0);
* the mean number of gates a decomposed function became;
* the median and worst compile time per function, wall clock and CPU time
  of this process (the machine is shared: CPU time is what the function
  cost, wall time what a user waited while others ran).

Each function starts from a store holding only the standard gates (AND2,
MUX2, XOR2... as any store has after its first circuit), so its own tables
and their decompositions are trained from nothing; ``--shared`` keeps one
store per group instead (reuse across functions).

Groups: ``npn4`` (one function of each of the 222 NPN classes of 4-input
functions), ``rand5`` ``rand6`` ``rand8`` ``rand10`` (random functions),
``parity`` (2 to 10 inputs), ``two5`` ``two6`` (random, two outputs),
``adder32`` (yosys ``synth; abc -lut 6`` of a 32-bit adder, whole netlist
from an empty store, then ``verify`` on 10,000 random vectors).

Run: ``python benchmarks/compile_all.py [--n N] [--groups a,b] [--budget B]``.
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_compile_all import circuit_of  # noqa: E402

from circuitnn.compile.lower import lower  # noqa: E402
from circuitnn.ir.primitives import STANDARD  # noqa: E402
from circuitnn.ir.truthtable import TruthTable  # noqa: E402
from circuitnn.nn import TrainSettings, certified_margin  # noqa: E402
from circuitnn.run.exact import ExactEngine  # noqa: E402
from circuitnn.run.neural import NeuralEngine  # noqa: E402
from circuitnn.run.vectors import exhaustive  # noqa: E402
from circuitnn.store import ModelStore  # noqa: E402

PINS = "abcdefghij"


def npn4_classes() -> list[int]:
    """The smallest 16-bit table of each NPN class of 4-input functions."""
    rows = np.arange(16)
    bits = (np.arange(65536)[:, None] >> rows[None, :]) & 1  # bit r = output of row r
    best = np.arange(65536)
    weights = 1 << rows
    for perm in itertools.permutations(range(4)):
        for neg in range(16):
            # row r of the transformed function reads row src[r] of the original
            src = np.zeros(16, dtype=int)
            for r in range(16):
                x = [(r >> (3 - i)) & 1 for i in range(4)]
                y = [x[perm[i]] ^ ((neg >> i) & 1) for i in range(4)]
                src[r] = sum(b << (3 - i) for i, b in enumerate(y))
            t = bits[:, src] @ weights
            best = np.minimum(best, np.minimum(t, 65535 - t))
    return sorted(set(best.tolist()))


def tables(group: str, n: int, seed: int) -> list[TruthTable]:
    rng = np.random.default_rng(seed)
    if group == "npn4":
        reps = npn4_classes()
        assert len(reps) == 222, len(reps)
        chosen = reps if n >= len(reps) else sorted(rng.choice(reps, n, replace=False))
        return [TruthTable(tuple(PINS[:4]), ("y",),
                           np.array([(v >> r) & 1 for r in range(16)])[:, None],
                           name=f"NPN4_{v:04x}") for v in chosen]
    if group == "parity":
        return [TruthTable.from_function(tuple(PINS[:k]), ("y",), lambda *x: sum(x) % 2,
                                         name=f"PARITY{k}") for k in range(2, 11)]
    k, m = {"rand5": (5, 1), "rand6": (6, 1), "rand8": (8, 1), "rand10": (10, 1),
            "two5": (5, 2), "two6": (6, 2)}[group]
    return [TruthTable(tuple(PINS[:k]), tuple(f"o{j}" for j in range(m)),
                       rng.integers(0, 2, (2**k, m)), name=f"{group.upper()}_{i}")
            for i in range(n)]


def check(low, settings: TrainSettings, bits: np.ndarray) -> bool:
    """Neural (analog) == exact on ``bits``, and every net's certificate re-proved."""
    want = ExactEngine(low.source).run(bits)
    got = NeuralEngine(low.circuit, low.nets).run(bits) > 0.5
    ok = bool((got == want).all())
    for name, net in low.nets.items():
        ok &= certified_margin(net, low.circuit.primitives[name], settings.delta) \
            <= settings.delta
    return ok


def compile_one(tt: TruthTable, root: Path, settings: TrainSettings):
    circuit = circuit_of(tt)
    store = ModelStore(root, settings)
    w0, c0 = time.perf_counter(), time.process_time()
    low = lower(circuit, store)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    return low, wall, cpu, check(low, settings, exhaustive(circuit))


def run_group(group: str, n: int, seed: int, settings: TrainSettings, base: Path,
              shared: bool) -> dict:
    tts = tables(group, n, seed)
    single = decomposed = failures = 0
    walls, cpus, sizes = [], [], []
    shared_root = None
    if shared:
        shared_root = Path(tempfile.mkdtemp(prefix=f"ca-{group}-"))
        shutil.copytree(base, shared_root, dirs_exist_ok=True)
    for tt in tts:
        root = shared_root or Path(tempfile.mkdtemp(prefix=f"ca-{group}-"))
        if not shared:
            shutil.copytree(base, root, dirs_exist_ok=True)
        try:
            low, wall, cpu, ok = compile_one(tt, root, settings)
        except Exception as e:  # a failure is a figure here, not a crash
            print(f"  {tt.name}: FAILED {type(e).__name__}: {e}", file=sys.stderr)
            failures += 1
            continue
        finally:
            if not shared:
                shutil.rmtree(root, ignore_errors=True)
        walls.append(wall)
        cpus.append(cpu)
        if not ok:
            failures += 1
            print(f"  {tt.name}: compiled WRONG or uncertified", file=sys.stderr)
        elif low.decomposed:
            decomposed += 1
            sizes.append(len(low.circuit.gates))
        else:
            single += 1
    if shared_root:
        shutil.rmtree(shared_root, ignore_errors=True)
    total = len(tts)
    return {
        "group": group, "n": total, "single": single / total, "decomposed": decomposed / total,
        "failures": failures, "gates": statistics.mean(sizes) if sizes else 0.0,
        "wall_med": statistics.median(walls) if walls else float("nan"),
        "wall_max": max(walls, default=float("nan")),
        "cpu_med": statistics.median(cpus) if cpus else float("nan"),
        "cpu_max": max(cpus, default=float("nan")),
    }


ADDER = """
module adder(input [31:0] a, input [31:0] b, output [32:0] y);
  assign y = a + b;
endmodule
"""


def run_adder32(settings: TrainSettings) -> dict:
    """yosys abc -lut 6 of a 32-bit adder, compiled from an empty store."""
    from circuitnn.read import load_circuit
    from circuitnn.run.session import Session
    from circuitnn.run.vectors import random_vectors

    work = Path(tempfile.mkdtemp(prefix="ca-adder-"))
    (work / "adder.v").write_text(ADDER)
    subprocess.run(["yosys", "-q", "-p", "read_verilog adder.v; synth -top adder; "
                    "abc -lut 6; opt_clean; write_blif adder.blif"], cwd=work, check=True)
    circuit = load_circuit(work / "adder.blif")
    store = ModelStore(work / "store", settings)
    w0, c0 = time.perf_counter(), time.process_time()
    sim = Session.from_store(circuit, store)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    bits = random_vectors(circuit, 10_000, 1)
    report = sim.verify(bits)
    a = sum(bits[i].astype(object) << i for i in range(32))
    b = sum(bits[32 + i].astype(object) << i for i in range(32))
    y = sum(report.result.bits[i].astype(object) << i for i in range(33))
    arith_ok = bool((y == a + b).all())
    low = sim.lowered
    n_dec = sum(1 for p in circuit.primitives if p in low.decomposed)
    shutil.rmtree(work, ignore_errors=True)
    return {"group": "adder32", "n": len(circuit.primitives),
            "single": 1 - n_dec / len(circuit.primitives),
            "decomposed": n_dec / len(circuit.primitives),
            "failures": int(not (report.ok and arith_ok)), "gates": len(low.circuit.gates),
            "wall_med": wall, "wall_max": wall, "cpu_med": cpu, "cpu_max": cpu}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--groups", default="npn4,rand5,rand6,rand8,rand10,parity,two5,two6,adder32")
    p.add_argument("--n", type=int, default=None,
                   help="functions per random group (default: the issue's sizes, 1000 "
                        "for 5 and 6 inputs, 100 for 8 and 10 and two outputs)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--budget", type=float, default=None, help="TrainSettings.budget")
    p.add_argument("--shared", action="store_true", help="one store per group")
    args = p.parse_args(argv)
    settings = TrainSettings() if args.budget is None else TrainSettings(budget=args.budget)
    base = Path(tempfile.mkdtemp(prefix="ca-base-"))
    ModelStore(base, settings).get_or_train_many(list(STANDARD.values()))
    default_n = {"rand5": 1000, "rand6": 1000}
    print(f"settings: budget={settings.budget:g}, max_epochs={settings.max_epochs}, "
          f"restarts={settings.restarts}, delta={settings.delta}")
    head = (f"{'group':<8} {'n':>5} {'single':>7} {'decomp':>7} {'fail':>5} {'gates':>6} "
            f"{'wall med':>9} {'wall max':>9} {'cpu med':>8} {'cpu max':>8}")
    print(head)
    for group in args.groups.split(","):
        if group == "adder32":
            r = run_adder32(settings)
        else:
            n = args.n if args.n is not None else default_n.get(group, 100)
            r = run_group(group, n, args.seed, settings, base, args.shared)
        print(f"{r['group']:<8} {r['n']:>5} {r['single']:>7.0%} {r['decomposed']:>7.0%} "
              f"{r['failures']:>5} {r['gates']:>6.1f} {r['wall_med']:>8.2f}s "
              f"{r['wall_max']:>8.2f}s {r['cpu_med']:>7.2f}s {r['cpu_max']:>7.2f}s",
              flush=True)
    shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
