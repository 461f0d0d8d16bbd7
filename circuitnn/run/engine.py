"""Evaluating a compiled circuit for many input vectors at once.

Two engines share one schedule (levels of gates grouped by primitive):

* :class:`NeuralEngine` runs every gate's trained net.  Values are arrays
  shaped ``(signals, vectors)``; each group is one gather, one matrix product
  per layer and one scatter.  ``analog`` mode passes sigmoid values on
  unthresholded; ``digital`` mode thresholds every gate output at 0.5.
* :class:`ExactEngine` is the reference: the same schedule evaluated from
  the truth tables, with no nets involved.

Signals are stored in slots that are reused once a signal's last reader has
run, and vectors are processed in chunks, so memory stays bounded for any
number of vectors.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

import numpy as np

from ..compile import Circuit
from ..errors import UsageError

__all__ = ["NeuralEngine", "ExactEngine", "Plan", "DEFAULT_MEMORY_BUDGET"]

#: Steps over at most this many values (gates x vectors) use a matrix product.
_SMALL = 128

#: Bytes of signal storage one chunk of vectors may use.
DEFAULT_MEMORY_BUDGET = 256 * 1024 * 1024


@dataclass(frozen=True)
class _Step:
    prim: str
    ins: np.ndarray   # (k, G) slots
    outs: np.ndarray  # (m, G) slots
    n_gates: int


@dataclass(frozen=True)
class Plan:
    """The schedule mapped onto reusable storage slots."""

    steps: tuple[_Step, ...]
    n_slots: int
    input_slots: np.ndarray
    output_slots: np.ndarray
    signal_slots: np.ndarray  # slot per signal while it is live

    @classmethod
    def build(cls, circuit: Circuit, keep_all: bool = False) -> Plan:
        """Give each signal a slot, reusing slots after their last reader
        (``keep_all`` keeps every signal, for probing internal values)."""
        n = circuit.n_signals
        last_read = np.full(n, -1, dtype=np.int64)
        never = len(circuit.levels) + 1
        for li, groups in enumerate(circuit.levels):
            for grp in groups:
                last_read[grp.ins.ravel()] = li
        last_read[circuit.output_signals] = never
        last_read[[0, 1]] = never
        last_read[circuit.input_signals] = np.maximum(last_read[circuit.input_signals], 0)
        if keep_all:
            last_read[:] = never
        slot = np.full(n, -1, dtype=np.intp)
        slot[0], slot[1] = 0, 1
        free: list[int] = []
        n_slots = 2

        def take() -> int:
            nonlocal n_slots
            if free:
                return free.pop()
            n_slots += 1
            return n_slots - 1

        for s in circuit.input_signals:
            slot[s] = take()
        expiring: dict[int, list[int]] = {}
        for s in circuit.input_signals:
            expiring.setdefault(int(last_read[s]), []).append(int(s))
        steps = []
        for li, groups in enumerate(circuit.levels):
            for grp in groups:
                outs = grp.outs
                for s in outs.ravel():
                    slot[s] = take()
                    expiring.setdefault(int(last_read[s]) if last_read[s] >= 0 else li,
                                        []).append(int(s))
                steps.append(_Step(grp.prim, slot[grp.ins], slot[outs], grp.ins.shape[1]))
            for s in expiring.pop(li, []):
                free.append(int(slot[s]))
        return cls(tuple(steps), n_slots, slot[circuit.input_signals].copy(),
                   slot[circuit.output_signals].copy(), slot)


def _chunks(n_vectors: int, n_slots: int, itemsize: int, budget: int):
    per_vector = max(1, n_slots * itemsize * 2)
    size = max(64, budget // per_vector)
    for start in range(0, n_vectors, size):
        yield start, min(n_vectors, start + size)


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


def pack(bits: np.ndarray) -> np.ndarray:
    """``(rows, V)`` 0/1 -> ``(rows, ceil(V/64))`` uint64, vector j in bit j % 64."""
    bits = np.asarray(bits, dtype=np.uint8)
    n_words = (bits.shape[1] + 63) // 64
    padded = np.zeros((bits.shape[0], n_words * 64), dtype=np.uint8)
    padded[:, :bits.shape[1]] = bits
    return np.packbits(padded, axis=1, bitorder="little").view(np.uint64)


def unpack(words: np.ndarray, n_vectors: int) -> np.ndarray:
    """The inverse of :func:`pack`: ``(rows, n_vectors)`` uint8."""
    as_bytes = np.ascontiguousarray(words).view(np.uint8)
    return np.unpackbits(as_bytes, axis=1, count=n_vectors, bitorder="little")


_ONES = np.uint64(0xFFFFFFFFFFFFFFFF)


def _bitwise_op(table: np.ndarray):
    """A direct bitwise formula for one output column, when the column is an
    AND/OR/XOR (or complement) of all its pins; else None."""
    k = int(np.log2(len(table)))
    if k == 0:
        return None
    idx = np.arange(len(table))
    ones = np.array([bin(r).count("1") for r in idx])
    shapes = {
        "and": (idx == len(table) - 1).astype(np.uint8),
        "or": (idx != 0).astype(np.uint8),
        "xor": (ones % 2).astype(np.uint8),
    }
    for op, col in shapes.items():
        if np.array_equal(table, col):
            return op, False
        if np.array_equal(table, 1 - col):
            return op, True
    return None


class ExactEngine:
    """The exact reference: the same schedule, evaluated from the truth tables
    on bit-packed words (64 vectors per uint64), with no nets involved.

    A column that is the AND, OR or XOR of its pins (or a complement) is one
    bitwise reduction; any other table is evaluated by Shannon expansion,
    folding the table's rows pin by pin.
    """

    def __init__(self, circuit: Circuit, keep_all: bool = False):
        self.circuit = circuit
        self.plan = Plan.build(circuit, keep_all=keep_all)
        self.ops = {}
        for name, tt in circuit.primitives.items():
            cols = []
            for j in range(tt.n_outputs):
                col = tt.table[:, j]
                op = _bitwise_op(col)
                words = np.where(col.astype(bool), _ONES, np.uint64(0))[:, None, None]
                cols.append((op, words))
            self.ops[name] = cols

    def run_packed(self, words: np.ndarray) -> np.ndarray:
        """Output words from input words, both ``(bits, n_words)`` uint64."""
        n_words = words.shape[1]
        vals = np.empty((self.plan.n_slots, n_words), dtype=np.uint64)
        vals[0], vals[1] = 0, _ONES
        vals[self.plan.input_slots] = words
        for step in self.plan.steps:
            x = vals[step.ins]  # (k, G, W)
            for j, (op, table_words) in enumerate(self.ops[step.prim]):
                vals[step.outs[j]] = _eval_column(x, op, table_words)
        return vals

    def run(self, inputs: np.ndarray, probe: bool = False) -> np.ndarray:
        """Output bits ``(output bits, vectors)`` as uint8 (and with ``probe``,
        every signal's bits, which needs ``keep_all=True``)."""
        inputs = np.asarray(inputs)
        n_vec = inputs.shape[1]
        out = np.empty((len(self.plan.output_slots), n_vec), dtype=np.uint8)
        every = np.empty((self.circuit.n_signals, n_vec), np.uint8) if probe else None
        chunk = max(64, (DEFAULT_MEMORY_BUDGET // (self.plan.n_slots * 8 * 2)) * 64)
        for lo in range(0, n_vec, chunk):
            hi = min(n_vec, lo + chunk)
            vals = self.run_packed(pack(inputs[:, lo:hi]))
            out[:, lo:hi] = unpack(vals[self.plan.output_slots], hi - lo)
            if probe:
                live = self.plan.signal_slots >= 0
                every[live, lo:hi] = unpack(vals[self.plan.signal_slots[live]], hi - lo)
        return (out, every) if probe else out


def _eval_column(x: np.ndarray, op, table_words: np.ndarray) -> np.ndarray:
    if op is not None:
        kind, invert = op
        red = {"and": np.bitwise_and, "or": np.bitwise_or, "xor": np.bitwise_xor}[kind]
        y = red.reduce(x, axis=0)
        return ~y if invert else y
    f = table_words
    for pin in range(x.shape[0] - 1, -1, -1):
        xp = x[pin]
        f = (f[0::2] & ~xp) | (f[1::2] & xp)
    return f[0]
