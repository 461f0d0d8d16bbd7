"""Throughput measurement: the neural engine against the exact reference.

Both engines run the same circuit on the same random vectors in the same
process, so the ratio is meaningful even on a noisy machine.  The exact
engine is the bit-packed truth-table reference, not a neural run.
"""

from __future__ import annotations

import resource
import statistics
import sys
import time
from dataclasses import dataclass

from ..compile import Circuit
from .exact import ExactEngine
from .neural import NeuralEngine
from .vectors import random_vectors

__all__ = ["BenchRow", "measure", "measure_onnx", "peak_rss_mb"]


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


@dataclass
class BenchRow:
    """Median seconds per run of each engine on ``vectors`` vectors."""

    vectors: int
    gates: int
    neural_s: float
    exact_s: float

    @property
    def neural_rate(self) -> float:
        """Neural gate-evaluations per second."""
        return self.gates * self.vectors / self.neural_s

    @property
    def exact_rate(self) -> float:
        return self.gates * self.vectors / self.exact_s

    @property
    def ratio(self) -> float:
        """How many times faster the exact reference is."""
        return self.neural_s / self.exact_s


def _median_time(fn, repeats: int) -> float:
    fn()  # warm: caches, buffers, thread pool
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(circuit: Circuit, nets: dict, vectors: int, repeats: int = 3, seed: int = 0,
            mode: str = "analog", neural: NeuralEngine | None = None,
            exact: ExactEngine | None = None) -> BenchRow:
    """Time both engines on the same ``vectors`` random input vectors."""
    bits = random_vectors(circuit, vectors, seed)
    neural = neural or NeuralEngine(circuit, nets, mode=mode)
    exact = exact or ExactEngine(circuit)
    n_s = _median_time(lambda: neural.run(bits), repeats)
    e_s = _median_time(lambda: exact.run(bits), repeats)
    return BenchRow(vectors, len(circuit.gates), n_s, e_s)


def measure_onnx(circuit: Circuit, nets: dict, vectors: int, repeats: int = 3, seed: int = 0,
                 mode: str = "analog") -> float | None:
    """Median seconds of onnxruntime running the exported model (float32) on
    the same random vectors as :func:`measure`, fed as float32 arrays made
    beforehand; None without the ``onnx`` extra."""
    try:
        import onnxruntime as ort
    except ImportError:
        return None
    from ..write.onnx import build_model, feed, run_session

    model = build_model(circuit, nets, mode=mode)
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    inputs = feed(circuit, random_vectors(circuit, vectors, seed))
    return _median_time(lambda: run_session(sess, circuit, inputs), repeats)
