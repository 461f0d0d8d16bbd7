"""Engine throughput: the neural engine against baselines measured in the same run.

For each circuit and vector count it prints, side by side:

* neural: the neural engine (analog, float32), every gate's trained net run;
* exact: the bit-packed exact reference engine (truth tables, no nets);
* notebook: the notebook's style, one vector at a time through each gate's
  net in Python, on a small vector count, for scale;
* PyRTL FastSimulation on the same 32-bit ripple-carry adder (exact), when
  pyrtl is installed (``pip install -e '.[bench]'``);
* peak RSS of a fresh process running 1,000,000 vectors through c6288.

Throughput is in gate-evaluations per second (gates x vectors / seconds),
medians of several runs. Run: ``python benchmarks/bench_engine.py [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from circuitnn.compile import compile_design  # noqa: E402
from circuitnn.library import kogge_stone_adder  # noqa: E402
from circuitnn.read import load_circuit  # noqa: E402
from circuitnn.run.exact import ExactEngine  # noqa: E402
from circuitnn.run.neural import NeuralEngine  # noqa: E402
from circuitnn.run.session import train_nets  # noqa: E402
from circuitnn.run.vectors import random_vectors  # noqa: E402
from circuitnn.store import ModelStore  # noqa: E402


def circuits():
    return {
        "rca32 (YAML)": load_circuit(ROOT / "circuits" / "ripple_carry_adder_32.yaml"),
        "kogge-stone 64 (API)": compile_design(kogge_stone_adder(64).design),
        "c6288 (ISCAS-85)": load_circuit(ROOT / "data/benchmarks/iscas85/c6288.bench"),
        "EPFL adder": load_circuit(ROOT / "data/benchmarks/epfl/adder.blif"),
    }


def median_seconds(engine, bits, repeats: int) -> float:
    engine.run(bits)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        engine.run(bits)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def notebook_style(circuit, nets, bits: np.ndarray) -> float:
    """Seconds for per-vector, per-gate Python propagation, as the notebook did."""
    def sigmoid(x):
        return 1 / (1 + np.exp(-x))

    order = [circuit.gates[i] for groups in circuit.levels for grp in groups for i in grp.gates]
    start = time.perf_counter()
    for v in range(bits.shape[1]):
        value = {0: 0.0, 1: 1.0}
        for s, b in zip(circuit.input_signals, bits[:, v]):
            value[int(s)] = float(b)
        for g in order:
            x = np.array([value[s] for s in g.inputs])
            net = nets[g.prim]
            for W, b in zip(net.weights, net.biases):
                x = sigmoid(np.dot(x, W) + b)
            for s, y in zip(g.outputs, x):
                value[s] = y
    return time.perf_counter() - start


def pyrtl_rca32(n_vectors: int) -> float | None:
    try:
        import pyrtl
    except ImportError:
        return None
    pyrtl.reset_working_block()
    a, b, cin = pyrtl.Input(32, "a"), pyrtl.Input(32, "b"), pyrtl.Input(1, "cin")
    sums, c = [], cin
    for i in range(32):  # the same 160 two-input gates as circuits/ripple_carry_adder_32
        x = a[i] ^ b[i]
        sums.append(x ^ c)
        c = (a[i] & b[i]) | (x & c)
    out, cout = pyrtl.Output(32, "sum"), pyrtl.Output(1, "cout")
    out <<= pyrtl.concat_list(sums)
    cout <<= c
    sim = pyrtl.FastSimulation()
    rng = random.Random(0)
    vecs = [{"a": rng.getrandbits(32), "b": rng.getrandbits(32), "cin": rng.getrandbits(1)}
            for _ in range(n_vectors)]
    start = time.perf_counter()
    for v in vecs:
        sim.step(v)
    return time.perf_counter() - start


PEAK_CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from circuitnn.read import load_circuit
from circuitnn.run.neural import NeuralEngine  # noqa: E402
from circuitnn.run.session import train_nets
from circuitnn.store import ModelStore
from circuitnn.run.vectors import random_vectors
c = load_circuit({path!r})
nets = train_nets(c, ModelStore({store!r}))
bits = random_vectors(c, {n})
t = time.perf_counter()
out = NeuralEngine(c, nets).run(bits)
dt = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"seconds": dt, "peak_mb": peak,
                  "inputs_mb": bits.nbytes / 2**20, "outputs_mb": out.nbytes / 2**20}}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="skip the 1,000,000-vector runs")
    ap.add_argument("--store", default=None, help="model store (default: a fresh temp dir)")
    args = ap.parse_args()
    store_dir = args.store or tempfile.mkdtemp(prefix="circuitnn-bench-")
    store = ModelStore(store_dir)
    counts = [1, 100, 10_000] + ([] if args.quick else [1_000_000])

    print(f"numpy {np.__version__}, {os.cpu_count()} cores; neural = float32 analog, "
          "exact = bit-packed truth tables (the reference, not neural)\n")
    header = (f"{'circuit':<22} {'gates':>6} {'depth':>5} {'vectors':>9} "
              f"{'neural ev/s':>13} {'exact ev/s':>13} {'exact/neural':>12}")
    print(header)
    print("-" * len(header))
    results = {}
    for name, c in circuits().items():
        nets = train_nets(c, store)
        neural, exact = NeuralEngine(c, nets), ExactEngine(c)
        for n in counts:
            bits = random_vectors(c, n, seed=1)
            reps = 5 if n <= 10_000 else 1
            tn = median_seconds(neural, bits, reps)
            te = median_seconds(exact, bits, reps)
            g = len(c.gates)
            results[(name, n)] = (g * n / tn, g * n / te)
            print(f"{name:<22} {g:>6} {c.depth:>5} {n:>9,} {g * n / tn:>13,.0f} "
                  f"{g * n / te:>13,.0f} {tn / te:>11.1f}x")
            if name.startswith("rca32") and n == 1:
                print(f"{'':<22} one warm vector through the 32-bit adder: {tn * 1e3:.2f} ms")
        if name.startswith("rca32"):
            small = random_vectors(c, 100, seed=1)
            tb = notebook_style(c, nets, small)
            print(f"{'':<22} notebook style (per vector, per gate, Python), 100 vectors: "
                  f"{len(c.gates) * 100 / tb:,.0f} ev/s")
            tp = pyrtl_rca32(10_000)
            if tp is None:
                print(f"{'':<22} PyRTL FastSimulation: pyrtl not installed")
            else:
                rate = len(c.gates) * 10_000 / tp
                print(f"{'':<22} PyRTL FastSimulation (exact), 10,000 vectors: {rate:,.0f} ev/s;"
                      f" neural is {results[(name, 10_000)][0] / rate:.1f}x that")
    if not args.quick:
        child = PEAK_CHILD.format(root=str(ROOT), store=store_dir, n=1_000_000,
                                  path=str(ROOT / "data/benchmarks/iscas85/c6288.bench"))
        got = json.loads(subprocess.run([sys.executable, "-c", child], check=True,
                                        capture_output=True, text=True).stdout)
        print(f"\nc6288, 1,000,000 vectors in a fresh process: {got['seconds']:.1f} s, peak RSS "
              f"{got['peak_mb']:.0f} MiB (of which inputs {got['inputs_mb']:.0f} MiB and "
              f"outputs {got['outputs_mb']:.0f} MiB)")


if __name__ == "__main__":
    main()
