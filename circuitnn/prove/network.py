"""The miter's logic network: canonical nodes, structural hashing, constant
propagation, random simulation and SAT sweeping, with each node's Tseitin
clauses given to the solver as the node is made.

A *literal* is ``2 * node + phase``: literal 0 is constant 0, literal 1 is
constant 1, and an odd literal is the complement of its node.  A node is an
input or a function of at most 16 other nodes, stored as a table integer
(see :mod:`circuitnn.prove.cover`).  Every function is put in a canonical
form before it is hashed: complemented inputs folded into the table,
constant inputs cofactored away, an input read twice read once, inputs the
function does not depend on dropped, the remaining inputs sorted, and the
output complemented so that the all-zero row gives 0.  So ``NAND(a, b)``,
``NOT(AND(b, a))`` and ``OR(NOT a, NOT b)`` all become one node, and
``AND(x, 0)`` becomes the constant literal.

Sweeping: every node carries a signature, its values on a few thousand
random input patterns, packed into one Python integer.  Nodes with equal
signatures (up to complement) are candidates; a new node is checked against
its candidates by SAT with a small conflict budget.  Proved equal, it is
replaced by the older node, so the two circuits being compared share their
logic from then on; disproved, the counterexample joins the patterns and
splits the candidates.
"""

from __future__ import annotations

import time
from functools import cache

import numpy as np

from .cover import cnf_cover, isop
from .solver import Solver, Timeout

__all__ = ["Network", "FALSE", "TRUE"]

FALSE, TRUE = 0, 1

#: Random input patterns simulated before any counterexample is added.
PATTERNS = 2048
#: Conflicts allowed for one candidate equivalence while sweeping.
SWEEP_CONFLICTS = 300
#: Candidates a new node is tried against before it becomes a class of its own.
CANDIDATES = 3
#: Counterexamples gathered before they are simulated together (one pass over
#: the network costs about the same for one pattern or for 64).
REFINE_BATCH = 64


def _table_bits(table: int, k: int) -> np.ndarray:
    n = 1 << k
    raw = np.frombuffer(table.to_bytes((n + 7) // 8, "little"), dtype=np.uint8)
    return np.unpackbits(raw, bitorder="little")[:n]


def _bits_table(bits: np.ndarray) -> int:
    return int.from_bytes(np.packbits(bits.astype(np.uint8), bitorder="little").tobytes(),
                          "little")


@cache
def _canonical(table: int, k: int, pattern: tuple[tuple[int, int], ...]):
    """``table`` over the inputs described by ``pattern`` (per pin: ``(rank,
    phase)`` of a distinct node, or ``(-1, value)`` for a constant), as
    ``(table, k, kept ranks, output phase)`` over the support, ranks sorted."""
    m = 1 + max((r for r, _ in pattern), default=-1)
    rows = np.arange(1 << m)
    idx = np.zeros(1 << m, dtype=np.int64)
    for i, (rank, phase) in enumerate(pattern):
        bit = np.full(1 << m, phase) if rank < 0 else ((rows >> rank) & 1) ^ phase
        idx |= bit.astype(np.int64) << i
    bits = _table_bits(table, k)[idx]
    kept = [j for j in range(m) if not np.array_equal(bits[(rows >> j) & 1 == 0],
                                                      bits[(rows >> j) & 1 == 1])]
    sub = np.arange(1 << len(kept))
    idx2 = np.zeros(len(sub), dtype=np.int64)
    for jj, j in enumerate(kept):
        idx2 |= ((sub >> jj) & 1) << j
    bits = bits[idx2]
    phase = int(bits[0])
    return _bits_table(bits ^ phase), len(kept), tuple(kept), phase


class Network:
    """An AND-inverter-like graph of small functions, with a SAT solver that
    holds the clauses of every node.

    Parameters
    ----------
    solver : Solver
    sweep : bool
        Merge nodes proved equal by simulation and SAT (else structural
        hashing and constant propagation only).
    seed : int
        Seed of the random simulation patterns.

    Examples
    --------
    >>> net = Network(Solver())
    >>> a, b = net.input(), net.input()
    >>> and_ab = net.make(0b1000, 2, [a, b])
    >>> net.make(0b0111, 2, [b, a]) == and_ab ^ 1     # NAND(b, a) is NOT AND(a, b)
    True
    >>> net.make(0b1000, 2, [a, FALSE])               # AND with 0 is 0
    0
    """

    def __init__(self, solver: Solver, sweep: bool = True, seed: int = 0,
                 deadline: float | None = None):
        self.solver = solver
        self.sweep = sweep
        self.deadline = deadline
        self.funcs: list[tuple[int, int, tuple[int, ...]] | None] = [None]
        self.inputs: list[int] = []
        self.sigs: list[int] = [0]
        self.n_patterns = PATTERNS
        self.mask = (1 << PATTERNS) - 1
        self._rng = np.random.default_rng(seed)
        self._strash: dict[tuple[int, int, tuple[int, ...]], int] = {}  # -> literal
        self._classes: dict[int, list[int]] = {0: [0]}
        self._reps: list[int] = [0]
        self._pending: list[dict[int, int]] = []
        self.merged = 0
        self.refinements = 0
        solver.add([-1])  # node 0, the constant, is variable 1 and false

    # ------------------------------------------------------------ building
    def input(self) -> int:
        """A new primary input; its literal."""
        n = self._new_node(None)
        self.inputs.append(n)
        sig = int.from_bytes(self._rng.bytes(self.n_patterns // 8), "little")
        self.sigs.append(sig & self.mask)
        self._add_rep(n)
        return 2 * n

    def make(self, table: int, k: int, lits: list[int]) -> int:
        """The literal of ``f(lits)`` for the ``k``-input function ``table``."""
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise Timeout
        nodes = sorted({lit >> 1 for lit in lits if lit > 1})
        rank = {n: r for r, n in enumerate(nodes)}
        pattern = tuple((-1, lit) if lit <= 1 else (rank[lit >> 1], lit & 1) for lit in lits)
        table, k, kept, phase = _canonical(table, k, pattern)
        if k == 0:
            return phase
        fanins = tuple(nodes[r] for r in kept)
        if k == 1:  # the identity, since the table is normalised to f(0) = 0
            return 2 * fanins[0] + phase
        key = (table, k, fanins)
        lit = self._strash.get(key)
        if lit is None:
            node = self._new_node(key)
            self._clauses(node, table, k, fanins)
            self.sigs.append(self._simulate(table, k, fanins))
            lit = self._swept(node)
            self._strash[key] = lit
            if lit == 2 * node:
                self._add_rep(node)
        return lit ^ phase

    def _new_node(self, func) -> int:
        self.funcs.append(func)
        return len(self.funcs) - 1

    def _clauses(self, node: int, table: int, k: int, fanins: tuple[int, ...]) -> None:
        y = node + 1
        on, off = cnf_cover(table, k)
        for cubes, out in ((on, y), (off, -y)):
            for cube in cubes:
                self.solver.add([-(fanins[i] + 1) if v else fanins[i] + 1 for i, v in cube]
                                + [out])

    # ---------------------------------------------------------- simulation
    def _simulate(self, table: int, k: int, fanins: tuple[int, ...]) -> int:
        sigs, full = [self.sigs[f] for f in fanins], self.mask
        acc = 0
        for cube in isop(table, k):
            term = full
            for i, v in cube:
                term &= sigs[i] if v else sigs[i] ^ full
            acc |= term
        return acc

    def _key(self, node: int) -> tuple[int, int]:
        sig = self.sigs[node]
        return (sig ^ self.mask, 1) if sig & 1 else (sig, 0)

    def _add_rep(self, node: int) -> None:
        self._reps.append(node)
        self._classes.setdefault(self._key(node)[0], []).append(node)

    def add_patterns(self, patterns: list[dict[int, int]]) -> None:
        """Simulate more input patterns (each input node -> bit) on every node
        and regroup the candidate classes."""
        w = len(patterns)
        if not w:
            return
        full = (1 << w) - 1
        words = [0] * len(self.funcs)
        for n in self.inputs:
            words[n] = sum(p.get(n, 0) << j for j, p in enumerate(patterns))
        for n, func in enumerate(self.funcs):
            if func is not None:
                table, k, fanins = func
                acc = 0
                for cube in isop(table, k):
                    term = full
                    for i, v in cube:
                        term &= words[fanins[i]] if v else words[fanins[i]] ^ full
                    acc |= term
                words[n] = acc
            self.sigs[n] = (self.sigs[n] << w) | words[n]
        self.n_patterns += w
        self.mask = (1 << self.n_patterns) - 1
        self._classes = {}
        for n in self._reps:
            self._classes.setdefault(self._key(n)[0], []).append(n)

    # ------------------------------------------------------------ sweeping
    def _swept(self, node: int) -> int:
        """The literal of an older node proved equal to ``node``, or ``node``'s own."""
        if not self.sweep:
            return 2 * node
        tried: set[int] = set()
        while True:
            key, phase = self._key(node)
            if key == 0:
                # Looking constant on thousands of patterns mostly means rarely 1
                # (a wide AND): refuting each costs a SAT call for little gain.
                return 2 * node
            bucket = self._classes.get(key, ())
            fresh = [r for r in bucket if r not in tried][:CANDIDATES]
            if not fresh:
                return 2 * node
            for rep in fresh:
                tried.add(rep)
                target = 2 * rep + (phase ^ self._key(rep)[1])
                verdict = self.equal(2 * node, target, SWEEP_CONFLICTS)
                if verdict is True:
                    self.merged += 1
                    return target
                if verdict is False:
                    self.refinements += 1
                    self._pending.append(self.model_inputs())
                    if len(self._pending) >= REFINE_BATCH:
                        self.add_patterns(self._pending)
                        self._pending = []
                        break
            else:
                return 2 * node

    def equal(self, x: int, y: int, conflicts: int | None = None) -> bool | None:
        """Prove ``x == y`` (True), refute it (False; the solver's model is a
        counterexample), or give up within ``conflicts`` (None)."""
        if x == y:
            return True
        if x == y ^ 1:
            self.solver.solve([])
            return False
        sx, sy = self.var(x), self.var(y)
        for assumption in ([sx, -sy], [-sx, sy]):
            answer = self.solver.solve(assumption, conflicts)
            if answer is None:
                return None
            if answer:
                return False
        self.solver.add([-sx, sy])
        self.solver.add([sx, -sy])
        return True

    @staticmethod
    def var(lit: int) -> int:
        """The solver literal of a network literal."""
        v = (lit >> 1) + 1
        return -v if lit & 1 else v

    def model_inputs(self) -> dict[int, int]:
        """Input node -> bit, from the solver's last satisfying assignment."""
        model = self.solver.model  # variable n + 1 is node n
        return {n: int(n < len(model) and model[n] > 0) for n in self.inputs}

    def pattern_inputs(self, x: int, y: int) -> dict[int, int] | None:
        """Input node -> bit of a simulated pattern on which ``x != y``, if any."""
        diff = self.sigs[x >> 1] ^ self.sigs[y >> 1]
        if (x ^ y) & 1:
            diff ^= self.mask
        if not diff:
            return None
        j = (diff & -diff).bit_length() - 1
        return {n: (self.sigs[n] >> j) & 1 for n in self.inputs}

    @property
    def n_nodes(self) -> int:
        return len(self.funcs)
