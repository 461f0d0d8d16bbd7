"""Bit packing and value checking: integers per port at the edges, bits inside.

A block of vectors is ``(port bits, vectors)`` uint8, least significant bit of
each port first, ports in order.  Between files and bits, vectors travel as
*columns*, one numpy array per port: uint64 ``(N,)`` for ports up to 64 bits,
and ``(N, ceil(w/64))`` uint64 words, least significant word first, for wider
ones (the layout of the ``.npz`` files circuitnn reads and writes).  This
module converts between integers, columns and bits, and range-checks values
against port widths, on whole columns at once; only buses wider than 64 bits
go through Python integers.

Where vectors come from is :mod:`circuitnn.run.vectors`; reading them from
CSV and ``.npz`` files is :mod:`circuitnn.run.vector_files`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from ..errors import Loc, VectorError, show_int

__all__ = [
    "n_words",
    "column_to_bits",
    "bits_to_column",
    "column_to_ints",
    "ints_to_bits",
    "bits_to_ints",
    "input_values",
    "encode",
    "check_columns",
    "columns_to_bits",
    "decode_columns",
    "decode",
]

_U64 = np.uint64


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
    return f"{width} bit{'s' if width > 1 else ''}: 0 to {show_int((1 << width) - 1)}"


def _value_column(values, port, what: str) -> np.ndarray:
    """A range-checked column for ``port`` from integers of any kind."""
    width = port.width
    if width > 64:
        arr = np.asarray(values)
        if arr.ndim == 2 and arr.dtype.kind in "ui" and arr.shape[1] == n_words(width):
            return _checked_words(arr, port, what)
        ints = [int(x) for x in np.atleast_1d(np.asarray(values, dtype=object))]
        return _ints_to_column(_checked_ints(ints, width, what), width)
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
        return np.array(_checked_ints([int(x) for x in arr], width, what), dtype=_U64)
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


def _checked_ints(ints: list[int], width: int, what: str) -> list[int]:
    """``ints``, refused with a message when one is negative or wider than ``width``."""
    bad = next((x for x in ints if x < 0 or x >> width), None)
    if bad is not None:
        raise VectorError(f"value {show_int(bad)} does not fit {what} ({_fits(width)})")
    return ints


def _checked_words(arr: np.ndarray, port, what: str) -> np.ndarray:
    if arr.dtype.kind == "i" and (arr < 0).any():
        raise VectorError(f"{what}: words must not be negative (give uint64 words)")
    col = arr.astype(_U64)
    spare = port.width % 64
    if spare and len(col):
        over = (col[:, -1] >> _U64(spare)) != 0
        if over.any():
            bad = int(column_to_ints(col[np.argmax(over)][None])[0])
            raise VectorError(f"value {show_int(bad)} does not fit {what} ({_fits(port.width)})")
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
    return {name: col if col.ndim == 1 else column_to_ints(col)
            for name, col in decode_columns(ports, bits).items()}
