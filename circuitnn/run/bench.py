"""Throughput measurement: the fused kernel, the numpy engine and the exact
reference side by side.

All engines run the same circuit on the same random vectors in the same
process, so their ratios are meaningful even on a noisy machine.  The two
neural engines run every gate's trained net; the exact engine is the
bit-packed truth-table reference, not a neural run.
"""

from __future__ import annotations

import resource
import statistics
import sys
import time
from dataclasses import dataclass, field

from ..compile import Circuit
from .exact import ExactEngine
from .kernel import KernelEngine, kernel_available
from .neural import NeuralEngine
from .vectors import random_vectors

__all__ = ["BenchRow", "measure", "measure_onnx", "peak_rss_mb", "KERNEL", "NUMPY", "ONNX",
           "EXACT"]

KERNEL, NUMPY, ONNX, EXACT = "neural kernel", "neural numpy", "onnxruntime", "exact"


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MiB.

    Examples
    --------
    >>> peak_rss_mb() > 0
    True
    """
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


@dataclass
class BenchRow:
    """Median seconds per run of each engine on ``vectors`` vectors.

    ``seconds`` maps an engine (:data:`KERNEL`, :data:`NUMPY`, :data:`ONNX`,
    :data:`EXACT`) to its median; the kernel is missing without a C
    compiler, and onnxruntime without the ``onnx`` extra.
    ``first_call_s`` is the kernel's first call, which loads (or first
    builds) its C library.
    """

    vectors: int
    gates: int
    seconds: dict[str, float] = field(default_factory=dict)
    first_call_s: float | None = None

    def rate(self, engine: str) -> float:
        """Gate evaluations per second of ``engine``."""
        return self.gates * self.vectors / self.seconds[engine]

    def speedup(self, engine: str, over: str = NUMPY) -> float:
        """How many times faster ``engine`` runs than ``over``."""
        return self.seconds[over] / self.seconds[engine]


def _median_time(fn, repeats: int) -> tuple[float, float]:
    start = time.perf_counter()
    fn()  # warm: caches, buffers, the compiled kernel
    first = time.perf_counter() - start
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), first


def measure(circuit: Circuit, nets: dict, vectors: int, repeats: int = 3, seed: int = 0,
            mode: str = "analog") -> BenchRow:
    """Time the kernel, the numpy engine and the exact engine on the same
    ``vectors`` random input vectors (median of ``repeats`` after a warm run).

    Examples
    --------
    >>> from circuitnn.library import half_adder
    >>> ha = half_adder().compile()
    >>> row = measure(ha.circuit, ha.nets, 1000, repeats=1)
    >>> row.rate(EXACT) > 0 and NUMPY in row.seconds
    True
    """
    bits = random_vectors(circuit, vectors, seed)
    row = BenchRow(vectors, len(circuit.gates))
    if kernel_available():
        kernel = KernelEngine(circuit, nets, mode=mode, compiled=True)
        row.seconds[KERNEL], row.first_call_s = _median_time(lambda: kernel.run(bits), repeats)
    numpy_engine = NeuralEngine(circuit, nets, mode=mode)
    row.seconds[NUMPY], _ = _median_time(lambda: numpy_engine.run(bits), repeats)
    onnx_s = measure_onnx(circuit, nets, vectors, repeats, seed, mode)
    if onnx_s is not None:
        row.seconds[ONNX] = onnx_s
    exact = ExactEngine(circuit)
    row.seconds[EXACT], _ = _median_time(lambda: exact.run(bits), repeats)
    return row


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
    return _median_time(lambda: run_session(sess, circuit, inputs), repeats)[0]
