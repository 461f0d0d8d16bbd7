"""The exact reference engine: the same plan evaluated from the truth tables,
64 vectors per machine word.  No net is involved; ``verify`` compares the
neural engine with this one."""

from __future__ import annotations

import numpy as np

from ..compile import Circuit
from .plan import DEFAULT_MEMORY_BUDGET, Plan


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
