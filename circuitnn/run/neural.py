"""The neural engine: every gate evaluated by its trained net.

Values are arrays shaped ``(signals, vectors)``; each group is one gather,
one matrix product per layer and one scatter.  ``analog`` mode passes sigmoid
values on unthresholded; ``digital`` mode thresholds every gate output at 0.5."""

from __future__ import annotations

import os
import threading

import numpy as np

from ..compile import Circuit
from ..errors import UsageError
from .plan import _SMALL, DEFAULT_MEMORY_BUDGET, Plan


class NeuralEngine:
    """Propagates values through each gate's trained net.

    Parameters
    ----------
    circuit : Circuit
    nets : dict
        Primitive name -> trained :class:`~circuitnn.nn.GateNet`.
    mode : {"analog", "digital"}
        ``analog`` passes sigmoid outputs on as they are; ``digital``
        thresholds every gate output at 0.5.
    dtype : numpy dtype
        float32 by default; float64 selectable.
    memory_budget : int
        Bytes of signal storage per chunk of vectors.
    threads : int
        Worker threads over vector chunks (numpy releases the GIL).

    Notes
    -----
    Each layer computes ``z = sigmoid(W.T @ x + b)`` as
    ``1 / (1 + 2**(W'.T @ x + b'))`` with ``W' = -log2(e) W`` and
    ``b' = -log2(e) b``: the same function, because ``exp(-s) = 2**(-s log2 e)``,
    but numpy's ``exp2`` is several times faster than ``exp`` in float32.  The
    affine part is a sum of broadcast products, one per input pin, which beats
    a matrix product for the tiny inner dimensions of gate nets.
    """

    def __init__(self, circuit: Circuit, nets: dict, mode: str = "analog",
                 dtype=np.float32, memory_budget: int = DEFAULT_MEMORY_BUDGET,
                 keep_all: bool = False, threads: int | None = None):
        if mode not in ("analog", "digital"):
            raise UsageError(f"mode {mode!r} is not known; use 'analog' or 'digital'")
        missing = [p for p in circuit.primitives if p not in nets]
        if missing:
            raise UsageError(f"no trained net for primitive(s) {', '.join(missing)}")
        self.circuit = circuit
        self.mode = mode
        self.dtype = np.dtype(dtype)
        self.memory_budget = memory_budget
        self.threads = threads if threads is not None else min(2, os.cpu_count() or 1)
        self.plan = Plan.build(circuit, keep_all=keep_all)
        scale = -np.log2(np.e)
        self.layers = {
            name: [(np.ascontiguousarray(scale * W.T, dtype=self.dtype),
                    np.asarray(scale * b, dtype=self.dtype)[:, None])
                   for W, b in zip(net.weights, net.biases)]
            for name, net in nets.items() if name in circuit.primitives
        }
        self._width = max((max(W.shape[0] for W, _ in self.layers[st.prim]) * st.n_gates
                           for st in self.plan.steps), default=1)
        self._pins = max((st.ins.size for st in self.plan.steps), default=1)
        self._scratches: dict[int, tuple] = {}

    def _chunk_size(self, n_vec: int) -> int:
        per_vector = self.dtype.itemsize * (self.plan.n_slots + self._pins + 3 * self._width)
        # each thread holds a chunk's buffers: the budget is for all of them
        size = max(64, self.memory_budget // max(1, per_vector * self.threads))
        if self.threads > 1 and n_vec > 4096:
            size = min(size, -(-n_vec // self.threads))
        return min(size, n_vec)

    def run(self, inputs: np.ndarray, probe: bool = False) -> np.ndarray:
        """Analog output values, ``(output bits, vectors)``, for input bits
        ``(input bits, vectors)``.  With ``probe`` also returns every signal's
        value (``(signals, vectors)``; needs ``keep_all=True``)."""
        inputs = np.asarray(inputs)
        n_vec = inputs.shape[1]
        out = np.empty((len(self.plan.output_slots), n_vec), dtype=self.dtype)
        every = np.empty((self.circuit.n_signals, n_vec), self.dtype) if probe else None
        size = self._chunk_size(n_vec)
        bounds = [(lo, min(n_vec, lo + size)) for lo in range(0, n_vec, size)]

        def work(chunks, worker=0):
            scratch = None
            for lo, hi in chunks:
                if scratch is None or scratch[0].shape[1] != hi - lo:
                    scratch = self._cached_scratch(worker, hi - lo)
                vals = self._run_chunk(inputs[:, lo:hi], scratch)
                out[:, lo:hi] = vals[self.plan.output_slots]
                if probe:
                    live = self.plan.signal_slots >= 0
                    every[live, lo:hi] = vals[self.plan.signal_slots[live]]

        if self.threads > 1 and len(bounds) > 1:
            # the calling thread takes the first share; each worker keeps its buffers
            parts = [bounds[t::self.threads] for t in range(self.threads)]
            helpers = [threading.Thread(target=work, args=(part, i))
                       for i, part in enumerate(parts[1:], 1)]
            for t in helpers:
                t.start()
            work(parts[0])
            for t in helpers:
                t.join()
        else:
            work(bounds)
        return (out, every) if probe else out

    def _cached_scratch(self, worker: int, n_vec: int):
        # each worker reuses its buffers and views across runs, so a warm call
        # costs no set-up (one engine serves one run at a time)
        got = self._scratches.get(worker)
        if got is None or got[0].shape[1] != n_vec:
            got = self._scratches[worker] = self._scratch(n_vec)
        return got

    def _scratch(self, n_vec: int):
        """Buffers for one chunk of ``n_vec`` vectors, and every view the hot
        loop needs into them, made once so the loop only calls ufuncs."""
        d = self.dtype
        vals = np.empty((self.plan.n_slots, n_vec), d)
        pins = np.empty(self._pins * n_vec, d)
        bufs = (np.empty(self._width * n_vec, d), np.empty(self._width * n_vec, d))
        tmp = np.empty(self._width * n_vec, d)
        program = []
        for step in self.plan.steps:
            k, g = step.ins.shape
            n = g * n_vec
            if n <= _SMALL:
                program.append(self._small_step(step, n_vec))
                continue
            x = pins[:k * n].reshape(k, n)
            gather = x.reshape(k, g, n_vec)
            layers = []
            for li, (Wn, bn) in enumerate(self.layers[step.prim]):
                h = Wn.shape[0]
                s = bufs[li % 2][:h * n].reshape(h, n)
                rows = list(x) if li == 0 else list(layers[-1][2])
                cols = [np.ascontiguousarray(Wn[:, j:j + 1]) for j in range(Wn.shape[1])]
                layers.append((cols, bn, s, tmp[:h * n].reshape(h, n), rows))
            out = layers[-1][2]
            program.append((step.ins, gather, layers, step.outs,
                            out.reshape(step.outs.shape[0], g, n_vec)))
        return vals, program

    def _small_step(self, step, n_vec: int):
        """A step over few values: one matrix product per layer, the bias
        riding on a constant row of ones, since call overhead dominates."""
        d = self.dtype
        k, g = step.ins.shape
        n = g * n_vec
        x = np.ones((k + 1, n), d)
        gather = x[:k].reshape(k, g, n_vec)
        layers = []
        for Wn, bn in self.layers[step.prim]:
            h = Wn.shape[0]
            y = np.ones((h + 1, n), d)
            layers.append((np.hstack([Wn, bn]), None, y[:h], None, x))
            x = y
        return (step.ins, gather, layers, step.outs,
                layers[-1][2].reshape(step.outs.shape[0], g, n_vec))

    def _run_chunk(self, inputs: np.ndarray, scratch) -> np.ndarray:
        vals, program = scratch
        vals[0] = 0
        vals[1] = 1
        vals[self.plan.input_slots] = inputs
        digital = self.mode == "digital"
        multiply, matmul, exp2, reciprocal = np.multiply, np.matmul, np.exp2, np.reciprocal
        with np.errstate(over="ignore"):
            for ins, gather, layers, outs, result in program:
                np.take(vals, ins, axis=0, out=gather)
                for cols, bn, s, t, rows in layers:
                    if bn is None:  # a small step: cols is [W' | b'], rows end in ones
                        matmul(cols, rows, out=s)
                    else:
                        multiply(cols[0], rows[0], out=s)
                        for col, row in zip(cols[1:], rows[1:]):
                            multiply(col, row, out=t)
                            s += t
                        s += bn
                    exp2(s, out=s)
                    s += 1
                    reciprocal(s, out=s)
                if digital:
                    np.greater(result, 0.5, out=result, casting="unsafe")
                vals[outs] = result
        return vals
