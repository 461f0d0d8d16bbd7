"""ONNX export against the numpy neural engine, measured in the same run.

For rca32 (YAML), the library's 64-bit Kogge–Stone adder and ISCAS-85 c6288
it prints the exported model's node count and file size, the onnxruntime
session start time (median of 5 ``InferenceSession`` loads of the file), and
throughput in gate-evaluations per second at 10,000 and 1,000,000 random
vectors for onnxruntime and for the numpy neural engine (both analog,
float32, on the same vectors, both with their default threads).
onnxruntime takes float32 ``[batch, width]`` arrays per port, made before
timing; it runs in chunks of 65,536 vectors (the numpy engine chunks by its
memory budget).  Every run's thresholded outputs are checked against the
exact engine, and the analog difference between the two engines is printed.

Run: ``python benchmarks/bench_onnx.py [--quick] [--store DIR]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import onnxruntime as ort  # noqa: E402

from circuitnn.compile import compile_design  # noqa: E402
from circuitnn.library import kogge_stone_adder  # noqa: E402
from circuitnn.read import load_circuit  # noqa: E402
from circuitnn.run.exact import ExactEngine  # noqa: E402
from circuitnn.run.neural import NeuralEngine  # noqa: E402
from circuitnn.run.session import train_nets  # noqa: E402
from circuitnn.run.vectors import random_vectors  # noqa: E402
from circuitnn.store import ModelStore  # noqa: E402
from circuitnn.write.onnx import feed, run_session, to_onnx  # noqa: E402


def circuits():
    return {
        "rca32 (YAML)": load_circuit(ROOT / "circuits" / "ripple_carry_adder_32.yaml"),
        "kogge-stone 64 (API)": compile_design(kogge_stone_adder(64).design),
        "c6288 (ISCAS-85)": load_circuit(ROOT / "data/benchmarks/iscas85/c6288.bench"),
    }


def median(fn, repeats: int) -> float:
    fn()  # warm: buffers, arenas, thread pools
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="skip the 1,000,000-vector runs")
    ap.add_argument("--store", default=None, help="model store (default: a fresh temp dir)")
    args = ap.parse_args()
    store = ModelStore(args.store or tempfile.mkdtemp(prefix="circuitnn-bench-"))
    out_dir = Path(tempfile.mkdtemp(prefix="circuitnn-onnx-"))
    counts = [10_000] + ([] if args.quick else [1_000_000])

    print(f"onnxruntime {ort.__version__}, numpy {np.__version__}, {os.cpu_count()} cores; "
          "both engines analog float32, every gate's trained net evaluated\n")
    head = (f"{'circuit':<21} {'gates':>5} {'nodes':>5} {'KiB':>5} {'start ms':>8} "
            f"{'vectors':>9} {'numpy ev/s':>12} {'onnxrt ev/s':>12} {'ort/numpy':>9} "
            f"{'max |diff|':>10}")
    print(head)
    print("-" * len(head))
    for name, c in circuits().items():
        nets = train_nets(c, store)
        path = out_dir / f"{c.name}.onnx"
        model = to_onnx(c, nets, path)
        size = path.stat().st_size / 1024
        starts = []
        for _ in range(5):
            t = time.perf_counter()
            sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
            starts.append(time.perf_counter() - t)
        start_ms = statistics.median(starts) * 1e3
        neural, exact = NeuralEngine(c, nets), ExactEngine(c)
        g = len(c.gates)
        for n in counts:
            bits = random_vectors(c, n, seed=1)
            inputs = feed(c, bits)
            reps = 5 if n <= 10_000 else 1
            tn = median(lambda: neural.run(bits), reps)  # noqa: B023
            to = median(lambda: run_session(sess, c, inputs), reps)  # noqa: B023
            a_np, a_ort = neural.run(bits), run_session(sess, c, inputs)
            assert ((a_ort > 0.5) == exact.run(bits)).all(), f"{name}: onnxruntime is wrong"
            diff = float(np.abs(a_np - a_ort).max())
            print(f"{name:<21} {g:>5} {len(model.graph.node):>5} {size:>5.0f} "
                  f"{start_ms:>8.0f} {n:>9,} {g * n / tn:>12,.0f} {g * n / to:>12,.0f} "
                  f"{tn / to:>8.2f}x {diff:>10.1e}")


if __name__ == "__main__":
    main()
