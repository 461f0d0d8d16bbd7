"""Vector sources: the input vectors a run streams, and the one rule that
picks them when the user names none (every combination up to
:data:`MAX_EXHAUSTIVE_BITS` input bits, random vectors beyond).

A source makes ``(input bits, hi - lo)`` bits at a time (see
:mod:`circuitnn.run.bits` for the layout), so a run never holds more than a
chunk.  Vectors read from files are :mod:`circuitnn.run.vector_files`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..errors import UsageError
from .bits import check_columns, column_to_bits, columns_to_bits

__all__ = [
    "MAX_EXHAUSTIVE_BITS",
    "Vectors",
    "ColumnVectors",
    "ExhaustiveVectors",
    "RandomVectors",
    "random_block",
    "exhaustive",
    "check_random_count",
    "random_vectors",
    "choose_vectors",
    "pick_vectors",
]

#: Circuits with at most this many input bits get a full truth table by default.
MAX_EXHAUSTIVE_BITS = 16
#: Hard limit for an exhaustive run (``2**24`` vectors).
EXHAUSTIVE_LIMIT = 24
#: The most input bits (one byte each) :func:`random_vectors` makes at once.
RANDOM_BITS_LIMIT = 4 << 30
#: Random vectors are made in blocks of this many, block ``k`` from
#: ``(seed, k)`` alone: a vector's value does not depend on how a run is cut
#: into chunks, nor on how many vectors are asked for.
RANDOM_BLOCK = 1 << 16

_U64 = np.uint64


# --------------------------------------------------------- vector sources
class Vectors:
    """A sequence of ``n`` input vectors, made ``(input bits, hi - lo)`` bits
    at a time by :meth:`bits`, so a run can stream them."""

    n: int

    def bits(self, lo: int, hi: int) -> np.ndarray:
        raise NotImplementedError

    def all_bits(self) -> np.ndarray:
        return self.bits(0, self.n)


class ColumnVectors(Vectors):
    """Vectors held as checked columns (from a CSV or ``.npz`` file, or ``--set``).

    Examples
    --------
    >>> from circuitnn.library import half_adder
    >>> ha = half_adder().compile().circuit
    >>> ColumnVectors(ha, {"a": [0, 1], "b": [1, 1]}).bits(1, 2).tolist()
    [[1], [1]]
    """

    def __init__(self, circuit, columns: Mapping, checked: bool = False):
        self.circuit = circuit
        self.columns = dict(columns) if checked else check_columns(circuit, columns,
                                                                   exact=False)
        self.n = len(next(iter(self.columns.values()))) if self.columns else 1

    def bits(self, lo: int, hi: int) -> np.ndarray:
        if not self.circuit.inputs:
            return np.zeros((0, hi - lo), dtype=np.uint8)
        return columns_to_bits(self.circuit.inputs, self.columns, lo, hi)


class ExhaustiveVectors(Vectors):
    """Every input combination in counting order, the first input port's most
    significant bit varying slowest (as :func:`exhaustive`)."""

    def __init__(self, circuit, limit: int = EXHAUSTIVE_LIMIT):
        n = circuit.n_input_bits
        if n > limit:
            text = (f"{circuit.name!r} has {n} input bits; an exhaustive run is limited to "
                    f"{limit} bits ({2**limit:,} vectors); ")
            raise UsageError(text + "give input values, or random ones "
                             "(circuitnn.run.vectors.random_vectors)",
                             cli=text + "use --random N or --vectors FILE")
        self.circuit = circuit
        self.n = 2**n

    def bits(self, lo: int, hi: int) -> np.ndarray:
        n = self.circuit.n_input_bits
        r = np.arange(lo, hi, dtype=_U64)
        # counting order puts the first port's MSB first; each port's bits are LSB first
        msb_first = column_to_bits(r, max(n, 1))[:n][::-1]
        out = np.empty_like(msb_first)
        row = 0
        for p in self.circuit.inputs:
            out[row:row + p.width] = msb_first[row:row + p.width][::-1]
            row += p.width
        return out


class RandomVectors(Vectors):
    """``n`` uniformly random vectors from ``seed``, made in blocks of
    :data:`RANDOM_BLOCK`, block ``k`` from ``(seed, k)`` only: the values do
    not depend on how the run is chunked, and ``n`` vectors are a prefix of
    ``n + m``.

    Examples
    --------
    >>> from circuitnn.library import half_adder
    >>> ha = half_adder().compile().circuit
    >>> v = RandomVectors(ha, 100_000, seed=3)
    >>> bool((v.bits(70_000, 70_010) == v.all_bits()[:, 70_000:70_010]).all())
    True
    """

    def __init__(self, circuit, n: int, seed: int | None = 0):
        if n < 1:
            raise _positive(n)
        self.circuit = circuit
        self.n = n
        self.seed = seed if seed is not None else np.random.SeedSequence().entropy

    def bits(self, lo: int, hi: int) -> np.ndarray:
        first, last = lo // RANDOM_BLOCK, (hi - 1) // RANDOM_BLOCK if hi > lo else lo
        blocks = [random_block(self.circuit.n_input_bits, self.seed, k)
                  for k in range(first, last + 1)] if hi > lo else []
        if not blocks:
            return np.zeros((self.circuit.n_input_bits, 0), dtype=np.uint8)
        whole = blocks[0] if len(blocks) == 1 else np.concatenate(blocks, axis=1)
        start = lo - first * RANDOM_BLOCK
        return np.ascontiguousarray(whole[:, start:start + hi - lo])


def random_block(n_bits: int, seed: int, block: int) -> np.ndarray:
    """Block ``block`` of random vectors: ``(n_bits, RANDOM_BLOCK)`` uint8 bits
    drawn from ``(seed, block)`` alone.

    Examples
    --------
    >>> random_block(3, 0, 5).shape
    (3, 65536)
    >>> bool((random_block(3, 0, 5) == random_block(3, 0, 5)).all())
    True
    """
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed,
                                                                     spawn_key=(block,))))
    raw = np.frombuffer(rng.bytes(n_bits * RANDOM_BLOCK // 8), dtype=np.uint8)
    return np.unpackbits(raw.reshape(n_bits, RANDOM_BLOCK // 8), axis=1, bitorder="little")


def exhaustive(circuit, limit: int = EXHAUSTIVE_LIMIT) -> np.ndarray:
    """Every input combination, ``(input bits, 2**bits)``, in counting order
    with the first input port's most significant bit varying slowest."""
    return ExhaustiveVectors(circuit, limit).all_bits()


def check_random_count(circuit, n: int) -> None:
    """Refuse a count of random vectors that cannot be held at once."""
    if n < 1:
        raise _positive(n)
    bits = max(1, circuit.n_input_bits)
    if n * bits > RANDOM_BITS_LIMIT:
        text = (f"{n * bits:,} input bits do not fit in memory; give at most "
                f"{RANDOM_BITS_LIMIT // bits:,} vectors of {bits} bit"
                f"{'s' if bits > 1 else ''} at once")
        raise UsageError(f"{n:,} random vectors: {text}", cli=f"--random {n}: {text}")


def _positive(n: int) -> UsageError:
    return UsageError(f"a count of random vectors must be positive, got {n}",
                      cli=f"--random needs a positive count, got {n}")


def random_vectors(circuit, n: int, seed: int | None = 0) -> np.ndarray:
    """``n`` uniformly random input vectors as bits ``(input bits, n)``
    (those of :class:`RandomVectors`)."""
    check_random_count(circuit, n)
    return RandomVectors(circuit, n, seed).all_bits()


def choose_vectors(circuit, random: int | None = None, seed: int | None = 0,
                   otherwise: int | None = None) -> tuple[Vectors, str]:
    """The input vectors to run when the user named none, and how they were
    chosen, as a :class:`Vectors` source that a run can stream.

    ``random`` vectors when a count is given; else every input combination
    when the circuit has at most :data:`MAX_EXHAUSTIVE_BITS` input bits; else
    ``otherwise`` random vectors, or a :class:`~circuitnn.errors.UsageError`
    when ``otherwise`` is None.  The one place that makes this choice, for
    the command line and the API alike.

    Examples
    --------
    >>> from circuitnn.read import load_circuit
    >>> wide = load_circuit("circuits/ripple_carry_adder_32.yaml")
    >>> vectors, how = choose_vectors(wide, random=10**9, seed=1)
    >>> vectors.n, how, vectors.bits(5, 7).shape
    (1000000000, 'random, seed 1', (65, 2))
    """
    n_bits = circuit.n_input_bits
    if random is None and n_bits <= MAX_EXHAUSTIVE_BITS:
        return ExhaustiveVectors(circuit), "exhaustive"
    if random is None and otherwise is None:
        text = (f"{circuit.name!r} has {n_bits} input bits, too many for a full truth table "
                f"(at most {MAX_EXHAUSTIVE_BITS}); give ")
        raise UsageError(text + "input values, or random=N",
                         cli=text + "--set NAME=VALUE, --vectors FILE.csv or --random N")
    count = random if random is not None else otherwise
    return RandomVectors(circuit, count, seed), f"random, seed {seed}"


def pick_vectors(circuit, random: int | None = None, seed: int | None = 0,
                 otherwise: int | None = None) -> tuple[np.ndarray, str]:
    """The input vectors to run when the user named none, and how they were chosen.

    Those of :func:`choose_vectors`, made at once.

    Returns
    -------
    bits : numpy.ndarray
        ``(input bits, vectors)`` uint8.
    how : str
        ``"exhaustive"`` or ``"random, seed S"``.

    Examples
    --------
    >>> from circuitnn.read import load_circuit
    >>> ha = load_circuit("circuits/half_adder.yaml")
    >>> bits, how = pick_vectors(ha)
    >>> bits.shape, how
    ((2, 4), 'exhaustive')
    >>> pick_vectors(ha, random=10, seed=3)[1]
    'random, seed 3'
    >>> wide = load_circuit("circuits/ripple_carry_adder_32.yaml")
    >>> pick_vectors(wide, otherwise=100)[0].shape
    (65, 100)
    >>> pick_vectors(wide)
    Traceback (most recent call last):
    ...
    circuitnn.errors.UsageError: 'ripple_carry_adder_32' has 65 input bits, too many ...
    """
    vectors, how = choose_vectors(circuit, random, seed, otherwise)
    if isinstance(vectors, RandomVectors):
        check_random_count(circuit, vectors.n)
    return vectors.all_bits(), how
