"""Reading vector files: CSV (a header naming the input ports, one row per
vector) and ``.npz``/``.npy`` (one uint64 array per input port), checked
against a circuit's inputs and returned as columns (see
:mod:`circuitnn.run.bits`).

CSV is parsed in blocks, column-wise with numpy when a block is plainly valid
and every port is at most 64 bits wide; any other block is read row by row
with the csv module, which also words each error with its line.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ..errors import Loc, VectorError, show_int
from ..ir.numbers import whole_number
from .bits import _fits, _ints_to_column, check_columns
from .vectors import ColumnVectors

__all__ = [
    "parse_int",
    "read_vectors",
    "read_npz",
    "read_csv",
    "read_csv_columns",
]

#: Characters of a CSV file parsed at a time.
CSV_BLOCK_CHARS = 1 << 21

_U64 = np.uint64


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


def _check_magic(f, is_npy: bool, loc: Loc) -> None:
    """Refuse a file that is no .npz/.npy before numpy reads it: numpy falls
    back to unpickling anything else, and then blames 'Python objects'."""
    head = f.read(6)
    f.seek(0)
    if head.startswith(b"\x93NUMPY" if is_npy else b"PK"):
        return
    kind = ".npy" if is_npy else ".npz"
    text = head.decode("ascii", "replace")
    hint = ("; it looks like text, and a CSV vector file must end in .csv"
            if head and all(32 <= b < 127 or b in b"\t\r\n" for b in head) else
            f"; write it with numpy.{'save' if is_npy else 'savez'}")
    what = "is empty" if not head else f"starts with {text!r}"
    raise VectorError(f"is not a {kind} file (it {what}){hint}", loc)


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
            _check_magic(f, is_npy, loc)
            if is_npy:
                arrays = {"": np.load(f, allow_pickle=False)}
            else:
                with np.load(f, allow_pickle=False) as z:
                    arrays = {k: z[k] for k in z.files}
    except VectorError:
        raise
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


def read_csv_columns(source: str, circuit, columns: str = "an input") -> dict[str, np.ndarray]:
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
    ``columns`` says what the header names, in messages ("an input").

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
            return _read_csv_stream(sys.stdin, label, circuit, columns)
        with open(source, encoding="utf-8-sig", newline=None) as f:
            return _read_csv_stream(f, label, circuit, columns)
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


def _read_csv_stream(stream, label: str, circuit, columns: str) -> dict[str, np.ndarray]:
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
            raise VectorError(f"column {h!r} is not {columns} of {circuit.name!r}; the "
                              f"header should be {','.join(names)}", Loc(label, header_line))
    twice = next((h for i, h in enumerate(header) if h in header[:i]), None)
    if twice is not None:
        raise VectorError(f"column {twice!r} is named twice in the header",
                          Loc(label, header_line))
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
                raise VectorError(f"value {show_int(v)} does not fit input {h!r} "
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
