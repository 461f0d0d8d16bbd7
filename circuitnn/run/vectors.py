"""Input vectors: integers per bus at the edges, bits (LSB = bit 0) inside.

Vectors are columns: a block of input bits is ``(input bits, vectors)``.
Buses up to 64 bits travel as uint64 arrays, wider ones as arrays of Python
integers.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Mapping

import numpy as np

from ..compile import Circuit, PortMap
from ..errors import Loc, UsageError, VectorError

__all__ = [
    "MAX_EXHAUSTIVE_BITS",
    "ints_to_bits",
    "bits_to_ints",
    "encode",
    "decode",
    "exhaustive",
    "random_vectors",
    "pick_vectors",
    "read_csv",
    "parse_int",
]

#: Circuits with at most this many input bits get a full truth table by default.
MAX_EXHAUSTIVE_BITS = 16
#: Hard limit for an exhaustive run (``2**24`` vectors).
EXHAUSTIVE_LIMIT = 24
#: The most input bits (one byte each) :func:`random_vectors` makes at once.
RANDOM_BITS_LIMIT = 4 << 30


def ints_to_bits(values, width: int) -> np.ndarray:
    """``(width, V)`` uint8 bits of integers, least significant first.

    Examples
    --------
    >>> ints_to_bits([5, 2], 3).tolist()
    [[1, 0], [0, 1], [1, 0]]
    """
    if width <= 64:
        v = np.asarray(values, dtype=np.uint64)
        shifts = np.arange(width, dtype=np.uint64)[:, None]
        return ((v[None, :] >> shifts) & np.uint64(1)).astype(np.uint8)
    vals = [int(x) for x in values]
    out = np.empty((width, len(vals)), dtype=np.uint8)
    for lo in range(0, width, 64):
        w = min(64, width - lo)
        words = np.array([(x >> lo) & ((1 << w) - 1) for x in vals], dtype=np.uint64)
        out[lo:lo + w] = ints_to_bits(words, w)
    return out


def bits_to_ints(bits: np.ndarray) -> np.ndarray:
    """Integers from ``(width, V)`` bits, least significant first.

    Examples
    --------
    >>> bits_to_ints(np.array([[1, 0], [0, 1], [1, 0]])).tolist()
    [5, 2]
    """
    bits = np.asarray(bits)
    width = bits.shape[0]
    if width <= 64:
        weights = np.uint64(1) << np.arange(width, dtype=np.uint64)
        return (bits.astype(np.uint64) * weights[:, None]).sum(axis=0, dtype=np.uint64)
    out = np.zeros(bits.shape[1], dtype=object)
    for lo in range(0, width, 64):
        part = bits_to_ints(bits[lo:lo + 64])
        out += np.array([int(x) << lo for x in part], dtype=object)
    return out


def _limit(port: PortMap) -> int:
    return 1 << port.width


def encode(circuit: Circuit, values: Mapping[str, Iterable[int]]) -> np.ndarray:
    """Input bits ``(input bits, V)`` from integers per input port."""
    unknown = [k for k in values if k not in {p.name for p in circuit.inputs}]
    if unknown:
        raise VectorError(f"{unknown[0]!r} is not an input of {circuit.name!r}; inputs are "
                          f"{', '.join(p.name for p in circuit.inputs)}")
    missing = [p.name for p in circuit.inputs if p.name not in values]
    if missing:
        raise VectorError(f"no value for input{'s' if len(missing) > 1 else ''} "
                          f"{', '.join(missing)}")
    cols = []
    n = None
    for p in circuit.inputs:
        v = values[p.name]
        arr = np.atleast_1d(np.asarray(v, dtype=object if p.width > 64 else None))
        if n is None:
            n = len(arr)
        elif len(arr) != n:
            raise VectorError(f"input {p.name!r} has {len(arr)} values, others have {n}")
        if arr.size and (min(arr) < 0 or max(int(x) for x in arr) >= _limit(p)):
            bad = next(int(x) for x in arr if int(x) < 0 or int(x) >= _limit(p))
            raise VectorError(f"value {bad} does not fit input {p.name!r} "
                              f"({p.width} bit{'s' if p.width > 1 else ''}: 0 to "
                              f"{_limit(p) - 1})")
        cols.append(ints_to_bits(arr, p.width))
    if not cols:
        return np.zeros((0, n or 1), dtype=np.uint8)
    return np.concatenate(cols, axis=0)


def decode(ports: tuple[PortMap, ...], bits: np.ndarray) -> dict[str, np.ndarray]:
    """Integers per port from ``(port bits, V)`` rows in port order."""
    out, row = {}, 0
    for p in ports:
        out[p.name] = bits_to_ints(bits[row:row + p.width])
        row += p.width
    return out


def exhaustive(circuit: Circuit, limit: int = EXHAUSTIVE_LIMIT) -> np.ndarray:
    """Every input combination, ``(input bits, 2**bits)``, in counting order
    with the first input port's most significant bit varying slowest."""
    n = circuit.n_input_bits
    if n > limit:
        raise UsageError(f"{circuit.name!r} has {n} input bits; an exhaustive run is "
                         f"limited to {limit} bits ({2**limit:,} vectors); use --random N "
                         "or --vectors FILE")
    r = np.arange(2**n, dtype=np.uint64)
    # bit order: ports in declaration order, MSB first within the whole word
    msb_first = ((r[None, :] >> np.arange(n - 1, -1, -1, dtype=np.uint64)[:, None])
                 & np.uint64(1)).astype(np.uint8)
    out = np.empty_like(msb_first)
    row = 0
    pos = 0
    for p in circuit.inputs:
        # the port's MSB is the first of its bits in MSB-first order
        out[row:row + p.width] = msb_first[pos:pos + p.width][::-1]
        row += p.width
        pos += p.width
    return out


def random_vectors(circuit: Circuit, n: int, seed: int | None = 0) -> np.ndarray:
    """``n`` uniformly random input vectors as bits ``(input bits, n)``."""
    if n < 1:
        raise UsageError(f"--random needs a positive count, got {n}")
    bits = max(1, circuit.n_input_bits)
    if n * bits > RANDOM_BITS_LIMIT:
        raise UsageError(f"--random {n}: {n * bits:,} input bits do not fit in memory; give "
                         f"at most {RANDOM_BITS_LIMIT // bits:,} vectors of {bits} bit"
                         f"{'s' if bits > 1 else ''} at once")
    rng = np.random.default_rng(seed)
    return rng.integers(0, 2, size=(circuit.n_input_bits, n), dtype=np.uint8)


def pick_vectors(circuit: Circuit, random: int | None = None, seed: int | None = 0,
                 otherwise: int | None = None) -> tuple[np.ndarray, str]:
    """The input vectors to run when the user named none, and how they were chosen.

    ``random`` vectors when a count is given; else every input combination
    when the circuit has at most :data:`MAX_EXHAUSTIVE_BITS` input bits; else
    ``otherwise`` random vectors, or a :class:`~circuitnn.errors.UsageError`
    when ``otherwise`` is None.  The one place that makes this choice, for
    the command line and the API alike.

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
    n_bits = circuit.n_input_bits
    if random is None and n_bits <= MAX_EXHAUSTIVE_BITS:
        return exhaustive(circuit), "exhaustive"
    if random is None and otherwise is None:
        raise UsageError(f"{circuit.name!r} has {n_bits} input bits, too many for a full "
                         f"truth table (at most {MAX_EXHAUSTIVE_BITS}); give --set "
                         "NAME=VALUE, --vectors FILE.csv or --random N")
    count = random if random is not None else otherwise
    return random_vectors(circuit, count, seed), f"random, seed {seed}"


def parse_int(text: str, what: str) -> int:
    """A whole number written in decimal, ``0b...`` or ``0x...``."""
    try:
        value = int(text.strip().replace("_", ""), 0)
    except ValueError:
        shown = repr(text) if len(text) <= 40 else repr(text[:20]) + f"... ({len(text)} characters)"
        limit = (" (decimal numbers have at most 4300 digits)"
                 if text.strip().isdigit() else "")
        raise VectorError(f"{what}: {shown} is not a whole number{limit}; write decimal, "
                          "0b... or 0x...") from None
    if value < 0:
        raise VectorError(f"{what}: {value} is negative; values are 0 or more")
    return value


#: Rows converted to bits at a time while a vector file is read.
CSV_BLOCK_ROWS = 65_536


def read_csv(source: str, circuit: Circuit) -> np.ndarray:
    """Input bits from a CSV file (``-`` for stdin): a header naming the input
    ports, then one row per vector with a whole number per port.

    The file is read row by row and converted to bits in blocks of
    :data:`CSV_BLOCK_ROWS` rows, so memory grows with the bits of the vectors
    (one byte per input bit and row), not with the text.  A UTF-8 byte order
    mark is skipped; lines may end in LF, CRLF or CR."""
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


def _read_csv_stream(stream, label: str, circuit: Circuit) -> np.ndarray:
    rows = csv.reader(stream)

    def next_row():
        try:
            return next(rows)
        except StopIteration:
            return None
        except csv.Error as e:
            raise VectorError(f"cannot read the row: {e}", Loc(label, rows.line_num)) from None

    header = None
    header_line = 0
    while (row := next_row()) is not None:
        if row and any(c.strip() for c in row) and not row[0].lstrip().startswith("#"):
            header, header_line = [c.strip() for c in row], rows.line_num
            break
    names = [p.name for p in circuit.inputs]
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
    widths = {p.name: p.width for p in circuit.inputs}
    cols: dict[str, list[int]] = {h: [] for h in header}
    blocks: list[np.ndarray] = []
    n_rows = 0
    while (row := next_row()) is not None:
        line_no = rows.line_num
        if not row or not any(c.strip() for c in row) or row[0].lstrip().startswith("#"):
            continue
        if len(row) != len(header):
            raise VectorError(f"row has {len(row)} value{'s' if len(row) != 1 else ''}; "
                              f"the header has {len(header)}", Loc(label, line_no))
        for h, cell in zip(header, row):
            try:
                v = parse_int(cell, f"column {h!r}")
            except VectorError as e:
                raise VectorError(e.message, Loc(label, line_no)) from None
            if v >= 1 << widths[h]:
                raise VectorError(f"value {_short(v)} does not fit input {h!r} ({widths[h]} bit"
                                  f"{'s' if widths[h] > 1 else ''}: 0 to "
                                  f"{_short((1 << widths[h]) - 1)})", Loc(label, line_no))
            cols[h].append(v)
        n_rows += 1
        if len(cols[header[0]]) >= CSV_BLOCK_ROWS:
            blocks.append(encode(circuit, cols))
            cols = {h: [] for h in header}
    if not n_rows:
        raise VectorError("has a header but no rows of values", Loc(label, header_line))
    if cols[header[0]]:
        blocks.append(encode(circuit, cols))
    return blocks[0] if len(blocks) == 1 else np.concatenate(blocks, axis=1)


def _short(value: int) -> str:
    """A number for a message (str() refuses more than 4300 digits)."""
    if value.bit_length() <= 64:
        return str(value)
    h = f"{value:x}"
    return f"0x{h[:8]}...{h[-8:]} ({value.bit_length()} bits)" if len(h) > 20 else f"0x{h}"
