"""Decomposition: a function that does not train as one net becomes a small
DAG of functions that do.

The decomposition is Shannon's expansion ``f = x ? f1 : f0``, applied
recursively until every cofactor depends on at most ``leaf`` inputs:

* a cofactor is first reduced to the inputs it depends on, so cofactors that
  ignore an input get smaller faster, and equal cofactors (within one
  decomposition, across outputs too) are built once;
* the split input is the one whose two cofactors depend on the fewest inputs
  together (ties: the first such input);
* the two halves are joined by a ``MUX2`` gate, or by a 2-input gate when
  the halves allow it: ``f1 = ~f0`` gives ``XOR2(x, f0)`` (so parity becomes
  a chain of XOR2 gates), a constant half gives an AND/OR-like 2-input gate;
* a cofactor that is a constant or an input itself needs no gate (a negated
  input gets a ``NOT``).

Every gate of the result is an ordinary truth-table primitive: the compiler
trains a net for each one, certified at the same ``delta`` as every other
gate, and the composition theorem of ``docs/certification.md`` then covers the
decomposed function as it covers any circuit.  Nothing here trains; see
:mod:`circuitnn.compile.lower` for when a decomposition is used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..ir.primitives import STANDARD
from ..ir.truthtable import TruthTable, input_matrix

__all__ = ["Decomposition", "Step", "shannon", "primitive_for", "LEAF_INPUTS"]

#: Cofactors are split until they depend on at most this many inputs: every
#: 4-input function trains as one certified net (benchmarks/compile_all.py).
LEAF_INPUTS = 4

_PINS = "abcdefghijklmnop"

_STANDARD_BY_TABLE = {
    (tt.n_inputs, tt.table[:, 0].tobytes()): name for name, tt in STANDARD.items()
}


@dataclass(frozen=True)
class Step:
    """One gate of a decomposition: ``table`` reading the signals ``inputs``.

    Signals are numbered like a circuit's: 0 and 1 are the constants, then
    come the decomposed function's inputs, then each step's outputs in order.
    """

    table: TruthTable
    inputs: tuple[int, ...]

    def __repr__(self) -> str:
        return f"Step({self.table.name} -- {', '.join(map(str, self.inputs))})"


@dataclass(frozen=True)
class Decomposition:
    """A function as a DAG of smaller primitives (see :func:`shannon`).

    Attributes
    ----------
    table : TruthTable
        The function decomposed.
    steps : tuple of Step
        The gates, in an order where each reads only earlier signals.
    outputs : tuple of int
        The signal of each output of ``table``.
    """

    table: TruthTable
    steps: tuple[Step, ...]
    outputs: tuple[int, ...]

    @property
    def n_nets(self) -> int:
        """Gates in the decomposition (each runs one trained net)."""
        return len(self.steps)

    def signal_count(self) -> int:
        return 2 + self.table.n_inputs + sum(s.table.n_outputs for s in self.steps)

    def evaluate(self, bits: np.ndarray) -> np.ndarray:
        """Exact evaluation through the steps' truth tables: ``(k, V)`` -> ``(m, V)``.

        Examples
        --------
        >>> from circuitnn.ir.primitives import STANDARD
        >>> d = shannon(STANDARD["XOR4"], leaf=2)
        >>> X = STANDARD["XOR4"].input_matrix().T
        >>> bool((d.evaluate(X) == STANDARD["XOR4"].evaluate(X)).all())
        True
        """
        bits = np.asarray(bits, dtype=np.uint8)
        vals = [np.zeros(bits.shape[1:], np.uint8), np.ones(bits.shape[1:], np.uint8)]
        vals += list(bits)
        for s in self.steps:
            vals += list(s.table.evaluate(np.stack([vals[i] for i in s.inputs])))
        return np.stack([vals[o] for o in self.outputs])

    def __repr__(self) -> str:
        name = self.table.name or "table"
        return f"Decomposition({name}: {self.n_nets} nets)"


def primitive_for(cube: np.ndarray) -> TruthTable:
    """The named single-output primitive of a function given as a ``(2,)*k`` cube.

    A standard gate's table gets its standard name (``AND2``, ``MUX2``...),
    any other ``LUT<k>_<hex>`` (``<digest>`` from 7 inputs on), as the netlist
    readers name them.

    Examples
    --------
    >>> primitive_for(np.array([[0, 1], [1, 0]])).name
    'XOR2'
    >>> primitive_for(np.array([[1, 1], [0, 1]])).name
    'LUT2_b'
    """
    cube = np.asarray(cube, dtype=np.uint8)
    k = cube.ndim
    col = np.ascontiguousarray(cube).reshape(-1)
    key = (k, col.tobytes())
    hit = _STANDARD_BY_TABLE.get(key)
    if hit is not None:
        return STANDARD[hit]
    hit = _NAMED.get(key)
    if hit is not None:
        return hit
    tt = TruthTable(tuple(_PINS[:k]), ("y",), col.reshape(-1, 1).copy())
    if k <= 6:
        value = int("".join(map(str, col[::-1])), 2)
        tt = tt.renamed(name=f"LUT{k}_{value:0{max(1, 2**k // 4)}x}")
    else:
        tt = tt.renamed(name=f"LUT{k}_{tt.digest[:8]}")
    if len(_NAMED) < 100_000:
        _NAMED[key] = tt
    return tt


#: primitive_for's tables by content (immutable, so shared safely).
_NAMED: dict[tuple[int, bytes], TruthTable] = {}


def _support(cube: np.ndarray) -> list[int]:
    return [i for i in range(cube.ndim)
            if not np.array_equal(np.take(cube, 0, axis=i), np.take(cube, 1, axis=i))]


def _split_scores(cube: np.ndarray) -> np.ndarray:
    """For each input ``i``: how many inputs its two cofactors depend on, summed.

    One matrix product instead of a support test per cofactor: ``D[r, j]``
    says whether flipping input ``j`` in row ``r`` changes the output, and
    cofactor ``x_i = b`` depends on ``j`` when some row with ``x_i = b`` has
    ``D[r, j]``.
    """
    n = cube.ndim
    f = cube.reshape(-1)
    rows = np.arange(f.size)
    bits = input_matrix(n).astype(np.int64)  # column i is input i (MSB first)
    D = np.stack([f != f[rows ^ (1 << (n - 1 - j))] for j in range(n)], axis=1)
    D = D.astype(np.int64)
    ones = D.T @ bits                     # [j, i]: rows with x_i = 1 where j matters
    zeros = D.sum(axis=0)[:, None] - ones
    off = ~np.eye(n, dtype=bool)
    return (((ones > 0) & off).sum(axis=0) + ((zeros > 0) & off).sum(axis=0))


def _reduce(vars_: tuple[int, ...], cube: np.ndarray) -> tuple[tuple[int, ...], np.ndarray]:
    """Drop the inputs the function does not depend on."""
    keep = _support(cube)
    for i in reversed(range(cube.ndim)):
        if i not in keep:
            cube = np.take(cube, 0, axis=i)
    return tuple(vars_[i] for i in keep), np.ascontiguousarray(cube)


class _Builder:
    def __init__(self, k: int, leaf: int):
        self.k = k
        self.leaf = leaf
        self.steps: list[Step] = []
        self.n_signals = 2 + k
        self.memo: dict[tuple[tuple[int, ...], bytes], int] = {}

    def gate(self, table: TruthTable, inputs: tuple[int, ...]) -> int:
        self.steps.append(Step(table, inputs))
        self.n_signals += 1
        return self.n_signals - 1

    def combine(self, cube2: list[list[int]], x: int, a: int) -> int:
        return self.gate(primitive_for(np.array(cube2)), (x, a))

    def node(self, vars_: tuple[int, ...], cube: np.ndarray) -> int:
        """The signal computing ``cube`` over the decomposed function's inputs ``vars_``."""
        vars_, cube = _reduce(vars_, cube)
        key = (vars_, cube.tobytes())
        hit = self.memo.get(key)
        if hit is not None:
            return hit
        ref = self._build(vars_, cube)
        self.memo[key] = ref
        return ref

    def _build(self, vars_: tuple[int, ...], cube: np.ndarray) -> int:
        n = len(vars_)
        if n == 0:
            return int(cube.item())
        if n == 1 and cube.tolist() == [0, 1]:
            return 2 + vars_[0]
        if n <= self.leaf:
            return self.gate(primitive_for(cube), tuple(2 + v for v in vars_))
        pos = int(np.argmin(_split_scores(cube)))
        x = 2 + vars_[pos]
        rest = vars_[:pos] + vars_[pos + 1:]
        c0, c1 = np.take(cube, 0, axis=pos), np.take(cube, 1, axis=pos)
        if np.array_equal(c1, 1 - c0):
            return self.combine([[0, 1], [1, 0]], x, self.node(rest, c0))
        const0 = c0.min() == c0.max()
        const1 = c1.min() == c1.max()
        if const0 or const1:
            # f = x ? c1 : c0 with one half constant: a 2-input gate of x and
            # the other half (rows: x, then the half, MSB first)
            if const0:
                v = int(c0.flat[0])
                return self.combine([[v, v], [0, 1]], x, self.node(rest, c1))
            v = int(c1.flat[0])
            return self.combine([[0, 1], [v, v]], x, self.node(rest, c0))
        r0, r1 = self.node(rest, c0), self.node(rest, c1)
        return self.gate(STANDARD["MUX2"], (x, r0, r1))


def shannon(tt: TruthTable, leaf: int = LEAF_INPUTS) -> Decomposition:
    """Decompose ``tt`` into primitives of at most ``leaf`` inputs (see the module).

    Parameters
    ----------
    tt : TruthTable
        Any function of up to 16 inputs, with any number of outputs.
    leaf : int
        The widest primitive left in the result (at least 1; the joining
        gates have 2 or 3 inputs whatever ``leaf`` is).

    Examples
    --------
    >>> from circuitnn.ir.primitives import STANDARD
    >>> d = shannon(STANDARD["XOR4"], leaf=2)
    >>> [s.table.name for s in d.steps]
    ['XOR2', 'XOR2', 'XOR2']
    >>> d = shannon(TruthTable.from_expr("a & b | c & d | e & ~f"), leaf=4)
    >>> sorted({s.table.name for s in d.steps})
    ['LUT4_f444', 'MUX2', 'OR2']
    """
    if leaf < 1:
        raise ValueError(f"leaf must be at least 1, not {leaf}")
    k = tt.n_inputs
    b = _Builder(k, leaf)
    full = tuple(range(k))
    outputs = []
    for j in range(tt.n_outputs):
        cube = tt.table[:, j].reshape((2,) * k) if k else tt.table[:, j].reshape(())
        outputs.append(b.node(full, cube))
    # Every output must be a step's own signal (a gate drives it in a
    # circuit); an output that is a constant, an input or another output's
    # signal gets a BUF.
    seen: set[int] = set()
    for j, ref in enumerate(outputs):
        if ref < 2 + k or ref in seen:
            outputs[j] = b.gate(STANDARD["BUF"], (ref,))
        seen.add(outputs[j])
    return Decomposition(tt, tuple(b.steps), tuple(outputs))
