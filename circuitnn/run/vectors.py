"""Input vectors: integers per bus at the edges, bits (LSB = bit 0) inside.

Vectors are columns: a block of input bits is ``(input bits, vectors)``.
Between files and bits, vectors travel as *columns*, one numpy array per
port: uint64 ``(N,)`` for ports up to 64 bits, and ``(N, ceil(w/64))`` uint64
words, least significant word first, for wider ones (the layout of the
``.npz`` files circuitnn reads and writes).  Converting columns to bits and
back, range checks and the CSV reader work on whole columns at once; only
buses wider than 64 bits go through Python integers.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import numpy as np

from ..errors import Loc, UsageError, VectorError
from ..ir.numbers import whole_number

__all__ = [
    "MAX_EXHAUSTIVE_BITS",
    "ints_to_bits",
    "bits_to_ints",
    "column_to_bits",
    "bits_to_column",
    "column_to_ints",
    "encode",
    "input_values",
    "decode",
    "decode_columns",
    "exhaustive",
    "random_vectors",
    "random_block",
    "pick_vectors",
    "choose_vectors",
    "Vectors",
    "ColumnVectors",
    "RandomVectors",
    "ExhaustiveVectors",
    "read_csv",
    "read_csv_columns",
    "read_npz",
    "read_vectors",
    "check_columns",
    "parse_int",
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
#: Characters of a CSV file parsed at a time.
CSV_BLOCK_CHARS = 1 << 21

_U64 = np.uint64
_ONE = np.uint64(1)


def n_words(width: int) -> int:
    """uint64 words of a ``width``-bit value in the wide column layout."""
    return -(-width // 64)


# ------------------------------------------------------------ bits <-> columns
def column_to_bits(column: np.ndarray, width: int) -> np.ndarray:
    """``(width, N)`` uint8 bits of a column (uint64 ``(N,)``, or words ``(N, W)``).

    Examples
    --------
    >>> column_to_bits(np.array([5, 2], dtype=np.uint64), 3).tolist()
    [[1, 0], [0, 1], [1, 0]]
    """
    col = np.ascontiguousarray(column, dtype="<u8")
    n = col.shape[0]
    if width <= 8 and col.ndim == 1:
        low = col.astype(np.uint8)
        out = np.empty((width, n), dtype=np.uint8)
        for i in range(width):
            np.bitwise_and(low >> np.uint8(i), 1, out=out[i])
        return out
    raw = col.reshape(n, -1).view(np.uint8)[:, :-(-width // 8)]
    return np.unpackbits(np.ascontiguousarray(raw.T), axis=0, bitorder="little")[:width]


def bits_to_column(bits: np.ndarray) -> np.ndarray:
    """The column of ``(width, N)`` bits: uint64 ``(N,)`` up to 64 bits, else
    ``(N, ceil(width/64))`` words, least significant first.

    Examples
    --------
    >>> bits_to_column(np.array([[1, 0], [0, 1], [1, 0]], dtype=np.uint8)).tolist()
    [5, 2]
    """
    bits = np.asarray(bits, dtype=np.uint8)
    width, n = bits.shape
    if width <= 64:
        col = np.zeros(n, dtype=_U64)
        for j in range(0, width, 8):
            byte = _byte(bits, j)
            col |= byte.astype(_U64) << _U64(j) if j else byte
        return col
    raw = np.zeros((n, n_words(width) * 8), dtype=np.uint8)
    for j in range(0, width, 8):
        raw[:, j // 8] = _byte(bits, j)
    return raw.view("<u8").astype(_U64, copy=False)


def _byte(bits: np.ndarray, j: int) -> np.ndarray:
    """Bits ``j`` to ``j + 7`` of each vector as one byte."""
    byte = bits[j].copy()
    for i in range(1, min(8, len(bits) - j)):
        byte |= bits[j + i] << np.uint8(i)
    return byte


def column_to_ints(column: np.ndarray) -> np.ndarray:
    """Python integers (an object array) from a column of either layout.

    Examples
    --------
    >>> column_to_ints(np.array([[1, 1]], dtype=np.uint64)).tolist()
    [18446744073709551617]
    """
    col = np.asarray(column)
    if col.ndim == 1:
        return col.astype(object)
    raw = np.ascontiguousarray(col, dtype="<u8")
    out = np.empty(len(raw), dtype=object)
    out[:] = [int.from_bytes(row.tobytes(), "little") for row in raw]
    return out


def _ints_to_column(values: Iterable, width: int) -> np.ndarray:
    """A column from Python integers already known to fit ``width`` bits."""
    if width <= 64:
        return np.array(list(values), dtype=_U64)
    nbytes = n_words(width) * 8
    raw = b"".join(int(v).to_bytes(nbytes, "little") for v in values)
    return np.frombuffer(raw, dtype="<u8").reshape(-1, nbytes // 8).astype(_U64)


def ints_to_bits(values, width: int) -> np.ndarray:
    """``(width, V)`` uint8 bits of integers, least significant first.

    Examples
    --------
    >>> ints_to_bits([5, 2], 3).tolist()
    [[1, 0], [0, 1], [1, 0]]
    """
    if width <= 64:
        return column_to_bits(np.asarray(values, dtype=_U64).reshape(-1), width)
    return column_to_bits(_ints_to_column(values, width), width)


def bits_to_ints(bits: np.ndarray) -> np.ndarray:
    """Integers from ``(width, V)`` bits, least significant first: uint64 up
    to 64 bits, Python integers (an object array) beyond.

    Examples
    --------
    >>> bits_to_ints(np.array([[1, 0], [0, 1], [1, 0]])).tolist()
    [5, 2]
    """
    col = bits_to_column(bits)
    return col if col.ndim == 1 else column_to_ints(col)


# ------------------------------------------------------------ range checks
def input_values(name: str, value, width: int = 1) -> int | np.ndarray:
    """One input's value as given to a compiled circuit, checked: a whole number
    (an ``int``) or a 1-D sequence of them (an integer array); for a port of
    more than 64 bits also ``(N, words)`` uint64 words.

    Whole floats such as ``3.0`` are accepted; NaN, ``1.5``, strings, ``None``,
    empty sequences and 2-D arrays are refused with a :class:`VectorError`.

    Examples
    --------
    >>> input_values("a", 5), input_values("a", [1, 2.0]).tolist()
    (5, [1, 2])
    >>> input_values("a", [[1, 2]])
    Traceback (most recent call last):
    ...
    circuitnn.errors.VectorError: input 'a' has a 2-D array of values (shape (1, 2)); ...
    """
    def refuse(what: str):
        raise VectorError(f"input {name!r} {what}; give one whole number or a 1-D "
                          "sequence of them")

    if isinstance(value, (str, bytes)):
        refuse(f"has the value {value!r}, which is not a number")
    try:
        arr = np.asarray(value)
    except ValueError:  # ragged nesting
        refuse("has values nested unevenly")
    if arr.ndim == 2 and width > 64 and arr.dtype.kind in "ui":
        return arr  # uint64 words, checked with the port
    if arr.ndim > 1:
        refuse(f"has a {arr.ndim}-D array of values (shape {arr.shape})")
    if arr.ndim == 1 and arr.size == 0:
        refuse("has no values")
    if arr.dtype.kind in "iu":
        out = arr
    elif arr.dtype.kind == "b":
        out = arr.astype(np.uint8)
    elif arr.dtype.kind in "fO":
        flat = arr.reshape(-1)
        for v in flat:
            whole = isinstance(v, (int, np.integer)) or (
                isinstance(v, (float, np.floating)) and np.isfinite(v) and v == int(v))
            if not whole:
                shown = v.item() if isinstance(v, np.generic) else v
                refuse(f"has the value {shown!r}, which is not a whole number")
        out = np.array([int(v) for v in flat], dtype=object)
        if all(-(1 << 63) <= v < (1 << 63) for v in out):
            out = out.astype(np.int64)
    else:
        refuse(f"has values of type {arr.dtype}, which are not whole numbers")
    return int(out.reshape(-1)[0]) if arr.ndim == 0 else out


def _fits(width: int) -> str:
    return f"{width} bit{'s' if width > 1 else ''}: 0 to {_short((1 << width) - 1)}"


def _value_column(values, port, what: str) -> np.ndarray:
    """A range-checked column for ``port`` from integers of any kind."""
    width = port.width
    if width > 64:
        arr = np.asarray(values)
        if arr.ndim == 2 and arr.dtype.kind in "ui" and arr.shape[1] == n_words(width):
            return _checked_words(arr, port, what)
        ints = [int(x) for x in np.atleast_1d(np.asarray(values, dtype=object))]
        bad = next((x for x in ints if x < 0 or x >> width), None)
        if bad is not None:
            raise VectorError(f"value {_short(bad)} does not fit {what} ({_fits(width)})")
        return _ints_to_column(ints, width)
    arr = np.atleast_1d(np.asarray(values))
    if arr.ndim != 1:
        raise VectorError(f"{what} takes a list of values, got an array of shape {arr.shape}")
    if arr.dtype.kind == "f":
        whole = np.isfinite(arr) & (arr == np.round(arr))
        if not whole.all():
            raise VectorError(f"value {arr[np.argmin(whole)]!r} for {what} is not a whole "
                              "number")
        arr = arr.astype(object) if np.abs(arr).max(initial=0) >= 2.0**63 else arr.astype(
            np.int64)
    if arr.dtype.kind not in "biu":
        # Python integers beyond int64 (or mixed objects): check them one by one
        ints = [int(x) for x in arr]
        bad = next((x for x in ints if x < 0 or x >> width), None)
        if bad is not None:
            raise VectorError(f"value {_short(bad)} does not fit {what} ({_fits(width)})")
        return np.array(ints, dtype=_U64)
    if arr.dtype.kind == "i":
        neg = arr < 0
        if neg.any():
            raise VectorError(f"value {int(arr[np.argmax(neg)])} does not fit {what} "
                              f"({_fits(width)})")
    col = arr.astype(_U64)
    if width < 64:
        over = (col >> _U64(width)) != 0
        if over.any():
            raise VectorError(f"value {int(col[np.argmax(over)])} does not fit {what} "
                              f"({_fits(width)})")
    return col


def _checked_words(arr: np.ndarray, port, what: str) -> np.ndarray:
    if arr.dtype.kind == "i" and (arr < 0).any():
        raise VectorError(f"{what}: words must not be negative (give uint64 words)")
    col = arr.astype(_U64)
    spare = port.width % 64
    if spare and len(col):
        over = (col[:, -1] >> _U64(spare)) != 0
        if over.any():
            bad = int(column_to_ints(col[np.argmax(over)][None])[0])
            raise VectorError(f"value {_short(bad)} does not fit {what} ({_fits(port.width)})")
    return col


def encode(circuit, values: Mapping[str, Iterable[int]]) -> np.ndarray:
    """Input bits ``(input bits, V)`` from integers per input port.

    Values may be Python integers, numpy integer arrays, or for ports wider
    than 64 bits ``(V, ceil(w/64))`` uint64 words; ranges are checked.

    Examples
    --------
    >>> from circuitnn.library import half_adder
    >>> ha = half_adder().compile().circuit
    >>> encode(ha, {"a": [0, 1], "b": [1, 1]}).tolist()
    [[0, 1], [1, 1]]
    """
    return columns_to_bits(circuit.inputs, check_columns(circuit, values, exact=False))


def check_columns(circuit, values: Mapping, exact: bool = True, what: str = "input",
                  loc: Loc | None = None) -> dict[str, np.ndarray]:
    """Range-checked columns for every input port of ``circuit``, in port order.

    ``exact`` asks for arrays in the column layout (as read from ``.npz``);
    otherwise any integers are accepted (as :func:`encode` takes them).

    Examples
    --------
    >>> from circuitnn.library import half_adder
    >>> ha = half_adder().compile().circuit
    >>> check_columns(ha, {"a": [0, 1], "b": [1, 1]}, exact=False)["b"].tolist()
    [1, 1]
    """
    names = [p.name for p in circuit.inputs]
    unknown = [k for k in values if k not in names]
    if unknown:
        raise VectorError(f"{unknown[0]!r} is not an input of {circuit.name!r}; inputs are "
                          f"{', '.join(names)}", loc)
    missing = [n for n in names if n not in values]
    if missing:
        raise VectorError(f"no value for input{'s' if len(missing) > 1 else ''} "
                          f"{', '.join(missing)}", loc)
    out: dict[str, np.ndarray] = {}
    n = None
    for p in circuit.inputs:
        v = values[p.name]
        label = f"{what} {p.name!r}"
        try:
            if exact:
                col = _exact_column(v, p, label)
            else:
                col = _value_column(v, p, label)
        except VectorError as e:
            raise VectorError(e.message, loc) from None
        if n is None:
            n = len(col)
        elif len(col) != n:
            raise VectorError(f"input {p.name!r} has {len(col)} values, others have {n}", loc)
        out[p.name] = col
    return out


def _exact_column(arr, port, what: str) -> np.ndarray:
    arr = np.asarray(arr)
    if arr.dtype.kind not in "biu":
        raise VectorError(f"{what} has dtype {arr.dtype}; give unsigned integers (uint64)")
    if port.width <= 64:
        if arr.ndim == 2 and arr.shape[1] == 1:
            arr = arr[:, 0]
        if arr.ndim != 1:
            raise VectorError(f"{what} has shape {arr.shape}; a port of {port.width} bit"
                              f"{'s' if port.width > 1 else ''} takes a 1-d array (N,)")
        return _value_column(arr, port, what)
    w = n_words(port.width)
    if arr.ndim != 2 or arr.shape[1] != w:
        raise VectorError(f"{what} has shape {arr.shape}; a port of {port.width} bits takes "
                          f"(N, {w}) uint64 words, least significant first")
    return _checked_words(arr, port, what)


def columns_to_bits(ports, columns: Mapping[str, np.ndarray], lo: int = 0,
                    hi: int | None = None) -> np.ndarray:
    """``(port bits, hi - lo)`` bits of vectors ``lo:hi`` of columns, in port order."""
    parts = [column_to_bits(columns[p.name][lo:hi], p.width) for p in ports]
    if not parts:
        return np.zeros((0, 0 if hi is None else hi - lo), dtype=np.uint8)
    return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=0)


def decode_columns(ports, bits: np.ndarray) -> dict[str, np.ndarray]:
    """Columns per port (see the module notes) from ``(port bits, V)`` rows."""
    out, row = {}, 0
    for p in ports:
        out[p.name] = bits_to_column(bits[row:row + p.width])
        row += p.width
    return out


def decode(ports, bits: np.ndarray) -> dict[str, np.ndarray]:
    """Integers per port from ``(port bits, V)`` rows in port order: uint64 up
    to 64 bits, Python integers (object arrays) beyond."""
    out, row = {}, 0
    for p in ports:
        out[p.name] = bits_to_ints(bits[row:row + p.width])
        row += p.width
    return out


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


# ------------------------------------------------------------------ numbers
def parse_int(text: str, what: str) -> int:
    """A whole number written in decimal, ``0b...`` or ``0x...``
    (:func:`circuitnn.ir.numbers.whole_number`: ``07`` is seven).

    Examples
    --------
    >>> parse_int(" 0x1_f ", "x")
    31
    """
    body = text.strip()
    sign = body[:1] if body[:1] in "+-" else ""
    value = whole_number(body[len(sign):])
    if value is not None and sign == "-":
        value = -value
    if value is None:
        shown = repr(text) if len(text) <= 40 else repr(text[:20]) + f"... ({len(text)} characters)"
        limit = (" (decimal numbers have at most 4300 digits)"
                 if text.strip().isdigit() else "")
        raise VectorError(f"{what}: {shown} is not a whole number{limit}; write decimal, "
                          "0b... or 0x...") from None
    if value < 0:
        raise VectorError(f"{what}: {value} is negative; values are 0 or more")
    return value


def _short(value: int) -> str:
    """A number for a message (str() refuses more than 4300 digits)."""
    if value.bit_length() <= 64:
        return str(value)
    h = f"{value:x}"
    return f"0x{h[:8]}...{h[-8:]} ({value.bit_length()} bits)" if len(h) > 20 else f"0x{h}"


# ---------------------------------------------------------------- vector files
def read_vectors(source: str, circuit) -> ColumnVectors:
    """Vectors from a file: ``.npz`` (or ``.npy``) by extension, else CSV
    (``-`` is CSV on stdin).

    Examples
    --------
    >>> import tempfile, os
    >>> from circuitnn.library import half_adder
    >>> ha = half_adder().compile().circuit
    >>> path = os.path.join(tempfile.mkdtemp(), "v.csv")
    >>> _ = open(path, "w").write("b,a\\n1,0\\n")
    >>> read_vectors(path, ha).columns["b"].tolist()
    [1]
    """
    if source != "-" and Path(source).suffix.lower() in (".npz", ".npy"):
        return ColumnVectors(circuit, read_npz(source, circuit), checked=True)
    return ColumnVectors(circuit, read_csv_columns(source, circuit), checked=True)


def read_npz(source: str, circuit) -> dict[str, np.ndarray]:
    """Columns from a ``.npz`` file holding one array per input port (uint64
    ``(N,)``, or ``(N, ceil(w/64))`` words for ports wider than 64 bits), or
    from a ``.npy`` file holding a circuit's only input.

    Examples
    --------
    >>> import tempfile, os
    >>> from circuitnn.library import half_adder
    >>> ha = half_adder().compile().circuit
    >>> path = os.path.join(tempfile.mkdtemp(), "v.npz")
    >>> np.savez(path, a=np.array([0, 1], dtype=np.uint64), b=np.array([1, 1], dtype=np.uint64))
    >>> read_npz(path, ha)["a"].tolist()
    [0, 1]
    """
    loc = Loc(source)
    is_npy = Path(source).suffix.lower() == ".npy"
    try:
        with open(source, "rb") as f:
            if is_npy:
                arrays = {"": np.load(f, allow_pickle=False)}
            else:
                with np.load(f, allow_pickle=False) as z:
                    arrays = {k: z[k] for k in z.files}
    except FileNotFoundError:
        raise VectorError("no such file; check the path", loc) from None
    except IsADirectoryError:
        raise VectorError("is a directory; give a vector file", loc) from None
    except (ValueError, OSError, EOFError) as e:
        kind = ".npy" if is_npy else ".npz"
        why = ("it holds Python objects; store uint64 arrays"
               if "allow_pickle" in str(e) or "Object arrays" in str(e) else
               f"it is not a {kind} file ({e})")
        raise VectorError(f"cannot be read: {why}", loc) from None
    except Exception as e:  # zipfile and numpy raise many kinds for a damaged archive
        raise VectorError(f"cannot be read: it is not a valid archive ({e})", loc) from None
    if is_npy:
        if len(circuit.inputs) != 1:
            raise VectorError(f"a .npy file holds one array, but {circuit.name!r} has "
                              f"{len(circuit.inputs)} inputs; give a .npz file with one "
                              "array per input", loc)
        arrays = {circuit.inputs[0].name: arrays[""]}
    return check_columns(circuit, arrays, exact=True, what="array", loc=loc)


def read_csv(source: str, circuit) -> np.ndarray:
    """Input bits ``(input bits, N)`` from a CSV file (see :func:`read_csv_columns`)."""
    return ColumnVectors(circuit, read_csv_columns(source, circuit), checked=True).all_bits()


def read_csv_columns(source: str, circuit) -> dict[str, np.ndarray]:
    """Columns from a CSV file (``-`` for stdin): a header naming the input
    ports in any order, then one row per vector with a whole number per port
    (decimal, ``0x...``, ``0b...``, ``_`` separators allowed).  Blank lines
    and lines starting with ``#`` are skipped; a UTF-8 byte order mark is
    skipped; lines may end in LF, CRLF or CR.

    The text is read in blocks and each block parsed column-wise with numpy
    (no Python work per row or value) for ports up to 64 bits; a block the
    fast parser does not accept as plainly valid (a wide bus, quoting, an
    error) is read again row by row, which reports the first problem with its
    line.  Memory grows with the values (8 bytes per value), not the text.

    Examples
    --------
    >>> import tempfile, os
    >>> from circuitnn.library import half_adder
    >>> ha = half_adder().compile().circuit
    >>> path = os.path.join(tempfile.mkdtemp(), "v.csv")
    >>> _ = open(path, "w").write("# a comment\\nb,a\\n0x1,0b0\\n1,1\\n")
    >>> read_csv_columns(path, ha)["a"].tolist()
    [0, 1]
    """
    label = "<stdin>" if source == "-" else source
    try:
        if source == "-":
            return _read_csv_stream(sys.stdin, label, circuit)
        with open(source, encoding="utf-8-sig", newline=None) as f:
            return _read_csv_stream(f, label, circuit)
    except FileNotFoundError:
        raise VectorError("no such file; check the path", Loc(label)) from None
    except IsADirectoryError:
        raise VectorError("is a directory; give a CSV file", Loc(label)) from None
    except UnicodeDecodeError:
        raise VectorError("is not UTF-8 text; save the vectors as UTF-8", Loc(label)) from None
    except OSError as e:
        raise VectorError(f"cannot be read: {e.strerror}", Loc(label)) from None


def _text_blocks(stream) -> Iterator[str]:
    """The text in pieces of about :data:`CSV_BLOCK_CHARS` that end at a line end."""
    first = True
    while True:
        text = stream.read(CSV_BLOCK_CHARS)
        if not text:
            return
        if not text.endswith("\n"):
            text += stream.readline()
        if first and text.startswith("\ufeff"):
            text = text[1:]
        first = False
        yield text


def _is_skipped(row: list[str]) -> bool:
    return not row or not any(c.strip() for c in row) or row[0].lstrip().startswith("#")


def _read_csv_stream(stream, label: str, circuit) -> dict[str, np.ndarray]:
    names = [p.name for p in circuit.inputs]
    blocks = _text_blocks(stream)
    pending = ""
    header = None
    for text in blocks:
        pending += text
        header, header_line, rest = _find_header(pending, label)
        if header is not None:
            break
    if header is None:
        raise VectorError(f"is empty; the first line must name the inputs "
                          f"({','.join(names)})", Loc(label, 1))
    for h in header:
        if h not in names:
            raise VectorError(f"column {h!r} is not an input of {circuit.name!r}; the "
                              f"header should be {','.join(names)}", Loc(label, header_line))
    if len(set(header)) != len(header):
        raise VectorError("a column is named twice in the header", Loc(label, header_line))
    missing = [n for n in names if n not in header]
    if missing:
        raise VectorError(f"no column for input{'s' if len(missing) > 1 else ''} "
                          f"{', '.join(missing)}; the header should be {','.join(names)}",
                          Loc(label, header_line))
    widths = [circuit.inputs[names.index(h)].width for h in header]
    parts: list[list[np.ndarray]] = [[] for _ in header]
    line = header_line + 1
    for text in _chain_first(rest, blocks):
        cols = None
        if max(widths, default=0) <= 64:
            cols = _parse_block_fast(text, widths)
        if cols is None:
            cols = _parse_block_rows(text, header, widths, label, line)
        for part, col in zip(parts, cols):
            part.append(col)
        line += text.count("\n")
    n_rows = sum(len(c) for c in parts[0]) if parts else 0
    if not n_rows:
        raise VectorError("has a header but no rows of values", Loc(label, header_line))
    return {p.name: _join(parts[header.index(p.name)], p.width) for p in circuit.inputs}


def _chain_first(first: str, rest: Iterator[str]) -> Iterator[str]:
    if first:
        yield first
    yield from rest


def _join(parts: list[np.ndarray], width: int) -> np.ndarray:
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts, axis=0)


def _lines(text: str) -> Iterator[str]:
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end + 1
        yield text[start:end]
        start = end


def _find_header(text: str, label: str) -> tuple[list[str] | None, int, str]:
    """The header row of ``text`` (None if it holds only blank and comment
    lines), its line number, and the text after it."""
    import csv

    lines = _lines(text)
    rows = csv.reader(lines)
    try:
        for row in rows:
            if not _is_skipped(row):
                line = rows.line_num
                end = -1
                for _ in range(line):
                    end = text.find("\n", end + 1)
                    if end < 0:
                        return [c.strip() for c in row], line, ""
                return [c.strip() for c in row], line, text[end + 1:]
    except csv.Error as e:
        raise VectorError(f"cannot read the row: {e}", Loc(label, rows.line_num)) from None
    return None, 0, ""


def _parse_block_rows(text: str, header: list[str], widths: list[int], label: str,
                      first_line: int) -> list[np.ndarray]:
    """A block read row by row with the csv module: the slow path that accepts
    every form and reports the first problem with its line."""
    import csv
    import io

    rows = csv.reader(io.StringIO(text))
    cols: list[list[int]] = [[] for _ in header]
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as e:
            raise VectorError(f"cannot read the row: {e}",
                              Loc(label, first_line - 1 + rows.line_num)) from None
        line_no = first_line - 1 + rows.line_num
        if _is_skipped(row):
            continue
        if len(row) != len(header):
            raise VectorError(f"row has {len(row)} value{'s' if len(row) != 1 else ''}; "
                              f"the header has {len(header)}", Loc(label, line_no))
        for col, h, width, cell in zip(cols, header, widths, row):
            try:
                v = parse_int(cell, f"column {h!r}")
            except VectorError as e:
                raise VectorError(e.message, Loc(label, line_no)) from None
            if v >> width:
                raise VectorError(f"value {_short(v)} does not fit input {h!r} "
                                  f"({_fits(width)})", Loc(label, line_no))
            col.append(v)
    return [_ints_to_column(c, w) for c, w in zip(cols, widths)]


# The fast path: a block of text parsed as bytes, all cells at once.
_DIGIT = np.full(256, 255, dtype=np.uint8)
_DIGIT[np.frombuffer(b"0123456789", np.uint8)] = np.arange(10)
_DIGIT[np.frombuffer(b"abcdef", np.uint8)] = np.arange(10, 16)
_DIGIT[np.frombuffer(b"ABCDEF", np.uint8)] = np.arange(10, 16)
_PREFIX_BASE = np.zeros(256, dtype=np.uint8)  # base index after a leading 0
_PREFIX_BASE[np.frombuffer(b"xXbBoO", np.uint8)] = [1, 1, 2, 2, 3, 3]
_BASES = np.array([10, 16, 2, 8], dtype=np.uint8)
#: The most significant digits that can fit 64 bits, per base index.
_MAX_DIGITS = np.array([20, 16, 64, 21])
#: Comment lines and blank lines (only spaces, tabs and commas), as the row
#: reader skips them.
_SKIPPED_LINES = re.compile(rb"(?m)^(?:[ \t]*#[^\n]*|[ \t,]*)\n")
#: A space or tab between two characters of one cell.
_INNER_SPACE = re.compile(rb"[^\s,][ \t]+[^\s,]")


def _weights() -> np.ndarray:
    """``base ** e`` as uint64 for e < 64, rows per base index; decimal rows
    hold ``10 ** (e % 10)``, the digits from e = 10 up being summed apart."""
    w = np.zeros((4, 64), dtype=_U64)
    for bi, base in enumerate((10, 16, 2, 8)):
        for e in range(64):
            v = base ** (e % 10) if base == 10 else base ** e
            w[bi, e] = v if v < 1 << 64 else 0
    return w.ravel()


_WEIGHTS = _weights()
_TEN10 = _U64(10**10)
_U64_MAX = (1 << 64) - 1
#: 2**64 - 1 as hi * 10**10 + lo
_MAX_HI, _MAX_LO = (_U64(x) for x in divmod((1 << 64) - 1, 10**10))


def _parse_block_fast(text: str, widths: list[int]) -> list[np.ndarray] | None:
    """Columns of a block of data lines, or None when the block holds anything
    but plainly valid rows (the row reader then decides, and words the error)."""
    data = text.encode("utf-8")
    if not data.endswith(b"\n"):
        data += b"\n"
    if b'"' in data or b"\0" in data:
        return None
    if b"#" in data or b"\n\n" in data or b" " in data or b"\t" in data or b"\n," in data \
            or data[:1] in (b"\n", b","):
        data = _SKIPPED_LINES.sub(b"", data)
        if _INNER_SPACE.search(data):
            return None
    # the row reader drops surrounding spaces, then every underscore
    data = data.translate(None, b" \t_")
    k = len(widths)
    n_rows = data.count(b"\n")
    if n_rows == 0:
        return [np.zeros(0, dtype=_U64) for _ in widths]
    b = np.frombuffer(data, dtype=np.uint8)
    seps = np.flatnonzero((b == 44) | (b == 10))
    if len(seps) != n_rows * k or (b[seps[k - 1::k]] != 10).any():
        return None  # a row with too few or too many values
    begins = np.empty_like(seps)
    begins[0] = 0
    begins[1:] = seps[:-1] + 1
    if not data.translate(None, b"0123456789,\n"):
        return _plain_decimal(data, b, begins, seps, widths)
    begins += b[begins] == ord("+")
    lens = seps - begins
    if (lens <= 0).any():
        return None
    # 0x.., 0b.., 0o..: the prefix is dropped from the body and sets the base
    two = lens >= 3
    base_idx = np.where(two & (b[begins] == ord("0")),
                        _PREFIX_BASE[b[np.minimum(begins + 1, len(b) - 1)]], 0)
    begins += 2 * (base_idx > 0)
    lens = seps - begins
    offsets = np.zeros(len(lens), dtype=np.int64)
    np.cumsum(lens[:-1], out=offsets[1:])
    total = int(offsets[-1] + lens[-1])
    pos = np.repeat(begins - offsets, lens) + np.arange(total)
    d = _DIGIT[b[pos]]
    plain = not base_idx.any()
    if plain:
        if (d >= 10).any():
            return None
        # decimal numbers may not start with 0 (Python's rule, as the row reader)
        if ((d[offsets] == 0) & (lens > 1)).any() or lens.max() > 20:
            return None
        sig = lens
    else:
        if (d >= np.repeat(_BASES[base_idx], lens)).any():
            return None
        if ((d[offsets] == 0) & (lens > 1) & (base_idx == 0)).any():
            return None
    e = np.repeat(offsets + lens - 1, lens) - np.arange(total)
    if not plain:
        sig = np.maximum.reduceat(np.where(d != 0, e + 1, 0), offsets)
        if (sig > _MAX_DIGITS[base_idx]).any():
            return None
    base_of = np.repeat(base_idx, lens) if not plain else 0
    term = d.astype(_U64) * _WEIGHTS[base_of * 64 + np.minimum(e, 63)]
    long = (e >= 10) & (np.repeat(base_idx == 0, lens) if not plain else True)
    if (sig > 10).any():
        hi = np.add.reduceat(np.where(long, term, _U64(0)), offsets, dtype=_U64)
        lo = np.add.reduceat(np.where(long, _U64(0), term), offsets, dtype=_U64)
        decimal = base_idx == 0
        over = decimal & ((hi > _MAX_HI) | ((hi == _MAX_HI) & (lo > _MAX_LO)))
        if over.any():
            return None
        value = np.where(decimal, hi * _TEN10 + lo, lo)
    else:
        value = np.add.reduceat(term, offsets, dtype=_U64)
    return _width_checked(value.reshape(n_rows, k), widths)


def _plain_decimal(data: bytes, b: np.ndarray, begins: np.ndarray, seps: np.ndarray,
                   widths: list[int]) -> list[np.ndarray] | None:
    """The common case, only decimal digits: numpy's C number scanner reads
    them, after the checks Python's int() would make (no empty cell, no
    leading zero) and a test for values beyond 64 bits (which it clamps)."""
    lens = seps - begins
    if (lens <= 0).any() or lens.max() > 20:
        return None
    if ((b[begins] == ord("0")) & (lens > 1)).any():
        return None
    value = np.fromstring(data.replace(b"\n", b","), dtype=_U64, sep=",")
    if len(value) != len(seps):
        return None
    if lens.max() == 20 and (value == _U64_MAX).sum() != data.count(str(_U64_MAX).encode()):
        return None
    return _width_checked(value.reshape(-1, len(widths)), widths)


def _width_checked(value: np.ndarray, widths: list[int]) -> list[np.ndarray] | None:
    cols = []
    for j, width in enumerate(widths):
        col = value[:, j].copy()
        if width < 64 and ((col >> _U64(width)) != 0).any():
            return None
        cols.append(col)
    return cols
