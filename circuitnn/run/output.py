"""Writers of run results: an aligned table, CSV, JSON, JSON lines and ``.npz``.

A writer takes a run chunk by chunk (:meth:`Writer.write` once per chunk of
vectors), so memory stays bounded however many vectors there are, and writes
what it is given at once.  The text formats are assembled column-wise: each
number column becomes a matrix of digit bytes with a mask of the ones that
are part of the number, the literal text between columns is broadcast, and
one boolean selection turns the whole chunk into the output bytes.  Ports
wider than 64 bits go through Python integers.

The JSON formats give, per vector, the inputs, the outputs and each output
port's ``confidence``: the smallest ``|analog - 0.5|`` over the port's bits,
so 0.5 is certain and 0 is on the threshold.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np

from ..errors import UsageError
from .bits import column_to_ints, decode_columns, n_words

__all__ = ["Writer", "TableWriter", "CsvWriter", "JsonWriter", "JsonLinesWriter",
           "NpzWriter", "FORMATS", "format_of", "make_writer"]

#: The output formats, by name.
FORMATS = ("table", "csv", "json", "jsonl", "npz")
_EXTENSIONS = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".npz": "npz",
               ".txt": "table"}
_U64 = np.uint64


def format_of(path: str, given: str | None = None) -> str:
    """The output format for ``path``: from its extension, or ``given``.

    Examples
    --------
    >>> format_of("out.npz"), format_of("out.txt", "csv")
    ('npz', 'csv')
    """
    ext = Path(path).suffix.lower()
    by_ext = _EXTENSIONS.get(ext)
    if given is not None and by_ext is not None and given != by_ext and ext != ".txt":
        raise UsageError(f"output file {path} has the extension {ext}, but the format is "
                         f"{given}; give one of them, or make them agree",
                         cli=f"--output {path} has the extension {ext}, but --format is "
                             f"{given}; give one of them, or make them agree")
    if given is not None:
        return given
    if by_ext is None:
        text = (f"cannot tell the format from the extension {ext or '(none)'!r}; use .csv, "
                ".json, .jsonl or .npz (or give ")
        raise UsageError(f"output file {path}: {text}the format)",
                         cli=f"--output {path}: {text}--format)")
    return by_ext


# ----------------------------------------------------------- byte columns
def _digits(col: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Decimal digits of a uint64 column: ``(N, D)`` ASCII bytes, right-aligned,
    and the mask of the bytes that belong to each number (None: all do)."""
    n = len(col)
    top = int(col.max()) if n else 0
    width = len(str(top))
    if width == 1:
        return (col.astype(np.uint8) + np.uint8(ord("0")))[:, None], None
    # 32-bit division is several times faster where the values allow it
    q = col.astype(np.uint32) if top < 1 << 32 else col.copy()
    ten = q.dtype.type(10)
    text = np.empty((n, width), dtype=np.uint8)
    ndig = np.ones(n, dtype=np.int8)
    for j in range(width - 1, -1, -1):
        text[:, j] = q % ten
        q //= ten
        if j:
            ndig += q != 0
    text += ord("0")
    mask = np.arange(width, dtype=np.int8)[None, :] >= (width - ndig)[:, None]
    return text, mask


#: Ports wider than this are written in hex: Python's int() and str() refuse
#: decimal numbers of more than 4300 digits.
HEX_BITS = 14_000


def _wide_digits(col: np.ndarray, quote: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """Decimal digits of a column of words, through Python integers (``0x``
    hex beyond :data:`HEX_BITS` bits, as a JSON string when ``quote``)."""
    ints = column_to_ints(col)
    if col.shape[1] * 64 > HEX_BITS:
        fmt = '"0x{:x}"' if quote else "0x{:x}"
        text = np.array([fmt.format(v).encode() for v in ints], dtype=bytes)
    else:
        text = np.array([str(v).encode() for v in ints], dtype=bytes)
    width = max(text.dtype.itemsize, 1)
    raw = np.char.rjust(text, width).view(np.uint8).reshape(len(ints), width)
    return raw, raw != ord(" ")


def _number(col: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    return _digits(col) if col.ndim == 1 else _wide_digits(col)


def _json_number(col: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    return _digits(col) if col.ndim == 1 else _wide_digits(col, quote=True)


def _radix_number(col: np.ndarray, width: int, radix: str) -> tuple[np.ndarray, None]:
    """``0x...`` or ``0b...`` digits of a column, zero-padded to the port's width."""
    bits = 4 if radix == "hex" else 1
    ndig = -(-width // bits)
    words = col.astype(np.uint64).reshape(len(col), -1)  # wide ports: words, LS first
    text = np.empty((len(col), ndig + 2), dtype=np.uint8)
    text[:, 0] = ord("0")
    text[:, 1] = ord("x" if radix == "hex" else "b")
    for j in range(ndig):
        lo = j * bits  # a hex digit never straddles two 64-bit words
        digit = (words[:, lo // 64] >> np.uint64(lo % 64)) & np.uint64((1 << bits) - 1)
        text[:, ndig + 1 - j] = _HEX[digit.astype(np.uint8)]
    return text, None


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


#: The three ASCII digits of 0 to 999.
_TRIPLES = np.array([list(f"{i:03d}".encode()) for i in range(1000)], dtype=np.uint8)


def _confidence(conf: np.ndarray) -> tuple[np.ndarray, None]:
    """A confidence rounded to 6 decimals as JSON text (``0.499987``, ``0.500000``):
    one width, so rows of one-bit ports need no selection of bytes."""
    q = np.rint(np.asarray(conf, dtype=np.float64) * 1e6).astype(np.int32)
    whole, frac = np.divmod(q, 1_000_000)
    high, low = np.divmod(frac, 1000)
    text = np.empty((len(q), 8), dtype=np.uint8)
    text[:, 0] = ord("0") + whole
    text[:, 1] = ord(".")
    text[:, 2:5] = _TRIPLES[high]
    text[:, 5:8] = _TRIPLES[low]
    return text, None


def _pad_left(text: np.ndarray, mask: np.ndarray | None,
              width: int) -> tuple[np.ndarray, None]:
    """Right-aligned numbers padded with spaces to ``width`` columns."""
    n, w = text.shape
    out = np.full((n, max(width, w)), ord(" "), dtype=np.uint8)
    out[:, out.shape[1] - w:] = text if mask is None else np.where(mask, text, ord(" "))
    return out, None


def _join(pieces: list, n: int) -> memoryview:
    """Rows of ``n`` vectors from pieces: bytes (the same on every row) or
    ``(text, mask)`` columns; the bytes of all rows, in order (a view of them,
    which streams write without a copy).

    The literal text of a row is laid down once for all rows, the number
    columns are written into place, and the bytes outside each number (where
    numbers are narrower than their column) are dropped in one selection."""
    if n == 0:
        return memoryview(b"")
    template, fields, masks = [], [], []
    width = 0
    for piece in pieces:
        if isinstance(piece, bytes):
            template.append(piece)
            width += len(piece)
        else:
            text, mask = piece
            template.append(b"\0" * text.shape[1])
            fields.append((width, text))
            if mask is not None:
                masks.append((width, mask))
            width += text.shape[1]
    row = np.frombuffer(b"".join(template), dtype=np.uint8)
    out = np.empty((n, width), dtype=np.uint8)
    out[:] = row
    for at, text in fields:
        out[:, at:at + text.shape[1]] = text
    if masks:
        keep = np.ones((n, width), dtype=bool)
        for at, mask in masks:
            keep[:, at:at + mask.shape[1]] = mask
        out = out[keep]
    return memoryview(out).cast("B")


# ---------------------------------------------------------------- writers
class Writer:
    """Writes a run chunk by chunk: :meth:`begin`, then :meth:`write` per
    chunk of results, then :meth:`end`.

    Parameters
    ----------
    out : binary or text stream
    circuit : Circuit
    engine : str
        What produced the outputs, for formats that say so.
    nets : str
        The nets' guarantee, for formats that say so.
    """

    def __init__(self, out, circuit, engine: str = "", nets: str = ""):
        self.circuit = circuit
        self.engine = engine
        self.nets = nets
        self._out = out
        self._binary = None
        self.rows = 0

    def _emit(self, data: bytes | memoryview) -> None:
        if self._binary is None:
            # text streams with a byte buffer (stdout) take bytes directly
            buffer = getattr(self._out, "buffer", None)
            if buffer is not None:
                self._out.flush()
                self._binary = buffer
            else:
                self._binary = False if isinstance(self._out, io.TextIOBase) else self._out
        if self._binary is False:
            self._out.write(bytes(data).decode("utf-8"))
        else:
            self._binary.write(data)

    #: how table and csv write numbers: "dec", "hex" (0x...) or "bin" (0b...)
    radix = "dec"

    def begin(self, n: int) -> None:
        """Start a run of ``n`` vectors."""
        self.n = n

    def _text(self, col: np.ndarray, width: int):
        return _number(col) if self.radix == "dec" else _radix_number(col, width, self.radix)

    def write(self, result) -> None:
        """Write one chunk: a :class:`~circuitnn.run.session.Result`."""
        ins = decode_columns(self.circuit.inputs, result.inputs)
        outs = decode_columns(self.circuit.outputs, result.bits)
        self._write(ins, outs, result)
        self.rows += result.inputs.shape[1]

    def _write(self, ins: dict, outs: dict, result) -> None:
        raise NotImplementedError

    def end(self) -> None:
        """Finish the output."""
        flush = getattr(self._binary or self._out, "flush", None)
        if flush is not None:
            flush()

    def abort(self) -> None:
        """Give up a partial output (a stream is the caller's to discard)."""

    def write_all(self, results, n: int) -> None:
        """:meth:`begin`, :meth:`write` for each of ``results`` (``n`` vectors
        in all), :meth:`end`; :meth:`abort` on an error or an interruption.

        Examples
        --------
        >>> from circuitnn.library import half_adder
        >>> ha = half_adder().compile()
        >>> w = CsvWriter(io.StringIO(), ha.circuit)
        >>> w.write_all((ha.run(a=[a], b=[1]) for a in (0, 1)), 2)  # two chunks
        >>> w.rows
        2
        """
        self.begin(n)
        try:
            for result in results:
                self.write(result)
        except BaseException:
            self.abort()
            raise
        self.end()


def _port_confidence(circuit, analog: np.ndarray) -> dict[str, np.ndarray]:
    out, row = {}, 0
    for p in circuit.outputs:
        part = analog[row:row + p.width]
        out[p.name] = np.abs(part - 0.5).min(axis=0) if p.width else np.full(
            analog.shape[1], 0.5)
        row += p.width
    return out


class CsvWriter(Writer):
    """CSV: a header of port names, then one row per vector, inputs then outputs.

    Examples
    --------
    >>> from circuitnn.library import half_adder
    >>> ha = half_adder().compile()
    >>> out = io.StringIO()
    >>> CsvWriter(out, ha.circuit).write_all([ha.run(a=[0, 1], b=[1, 1])], 2)
    >>> print(out.getvalue(), end="")
    a,b,sum,carry
    0,1,1,0
    1,1,0,1
    """

    def begin(self, n: int) -> None:
        super().begin(n)
        names = [p.name for p in self.circuit.inputs + self.circuit.outputs]
        self._emit((",".join(names) + "\n").encode())

    def _write(self, ins, outs, result) -> None:
        cols = list(ins.values()) + list(outs.values())
        widths = [p.width for p in self.circuit.inputs + self.circuit.outputs]
        n = result.inputs.shape[1]
        pieces: list = []
        for i, (col, width) in enumerate(zip(cols, widths)):
            pieces.append(self._text(col, width))
            pieces.append(b"," if i < len(cols) - 1 else b"\n")
        self._emit(_join(pieces, n))


class TableWriter(Writer):
    """An aligned table: inputs, ``|``, outputs.  A column is as wide as its
    name or the largest value its port can hold, so chunks line up.

    Examples
    --------
    >>> from circuitnn.library import half_adder
    >>> ha = half_adder().compile()
    >>> out = io.StringIO()
    >>> TableWriter(out, ha.circuit).write_all([ha.run(a=[1], b=[1])], 1)
    >>> print(out.getvalue(), end="")
    a  b | sum  carry
    -----+-----------
    1  1 |   0      1
    """

    def begin(self, n: int) -> None:
        super().begin(n)
        ports = self.circuit.inputs + self.circuit.outputs
        self._widths = [max(len(p.name), len(str((1 << p.width) - 1)) if p.width <= 64
                            else _wide_width(p.width)) for p in ports]
        if self.radix != "dec":
            self._widths = [max(len(p.name), 2 + -(-p.width // (4 if self.radix == "hex"
                                                                 else 1))) for p in ports]
        self._port_widths = [p.width for p in ports]
        n_in = len(self.circuit.inputs)
        w_in, w_out = self._widths[:n_in], self._widths[n_in:]
        names = [p.name for p in ports]
        left = "  ".join(nm.rjust(w) for nm, w in zip(names[:n_in], w_in))
        right = "  ".join(nm.rjust(w) for nm, w in zip(names[n_in:], w_out))
        head = f"{left} | {right}".rstrip() if n_in else right
        lw = sum(w_in) + 2 * max(n_in - 1, 0)
        rw = sum(w_out) + 2 * max(len(w_out) - 1, 0)
        rule = f"{'-' * lw}-+-{'-' * rw}" if n_in else "-" * rw
        self._emit(f"{head}\n{rule}\n".encode())

    def _write(self, ins, outs, result) -> None:
        n_in = len(ins)
        cols = list(ins.values()) + list(outs.values())
        n = result.inputs.shape[1]
        pieces: list = []
        for i, (col, width) in enumerate(zip(cols, self._widths)):
            if i:
                pieces.append(b" | " if i == n_in else b"  ")
            pieces.append(_pad_left(*self._text(col, self._port_widths[i]), width))
        if not outs and n_in:
            pieces.append(b" |")
        pieces.append(b"\n")
        self._emit(_join(pieces, n))


def _wide_width(width: int) -> int:
    return len(str((1 << width) - 1)) if width <= 4000 else width // 3 + 1


class JsonLinesWriter(Writer):
    """JSON lines: one object per vector, ``{"inputs": {...}, "outputs":
    {...}, "confidence": {...}}``, where a port's confidence is the smallest
    ``|analog - 0.5|`` over its bits (0.5 is certain).

    Examples
    --------
    >>> from circuitnn.library import half_adder
    >>> ha = half_adder().compile()
    >>> out = io.StringIO()
    >>> JsonLinesWriter(out, ha.circuit).write_all([ha.run(a=[1], b=[1])], 1)
    >>> row = json.loads(out.getvalue())
    >>> row["inputs"], row["outputs"], row["confidence"]["carry"] > 0.4
    ({'a': 1, 'b': 1}, {'sum': 0, 'carry': 1}, True)
    """

    _row_prefix = b""
    _row_suffix = b"\n"

    def _rows(self, ins, outs, result) -> memoryview:
        n = result.inputs.shape[1]
        conf = _port_confidence(self.circuit, result.analog)
        pieces: list = [self._row_prefix + b'{"inputs":{']
        for group, cols, fmt in (("inputs", ins, _json_number), ("outputs", outs, _json_number),
                                 ("confidence", conf, _confidence)):
            if group != "inputs":
                pieces.append(f'}},"{group}":{{'.encode())
            for i, (name, col) in enumerate(cols.items()):
                pieces.append((("," if i else "") + json.dumps(name) + ":").encode())
                pieces.append(fmt(col))
        pieces.append(b"}}" + self._row_suffix)
        return _join(pieces, n)

    def _write(self, ins, outs, result) -> None:
        self._emit(self._rows(ins, outs, result))


class JsonWriter(JsonLinesWriter):
    """One JSON document: ``{"circuit", "engine", "nets", "rows": [...]}``
    with a row object per vector (as :class:`JsonLinesWriter`), one per line.

    Examples
    --------
    >>> from circuitnn.library import half_adder
    >>> ha = half_adder().compile()
    >>> out = io.StringIO()
    >>> JsonWriter(out, ha.circuit, engine="neural (analog)").write_all(
    ...     [ha.run(a=[0, 1], b=[1, 1])], 2)
    >>> doc = json.loads(out.getvalue())
    >>> doc["engine"], [r["outputs"]["sum"] for r in doc["rows"]]
    ('neural (analog)', [1, 0])
    """

    _row_prefix = b",\n"
    _row_suffix = b""

    def begin(self, n: int) -> None:
        super().begin(n)
        head = {"circuit": self.circuit.name, "engine": self.engine, "nets": self.nets}
        self._emit(json.dumps(head, separators=(",", ":"))[:-1].encode() + b',"rows":[')

    def _write(self, ins, outs, result) -> None:
        rows = self._rows(ins, outs, result)
        self._emit(rows[1:] if self.rows == 0 else rows)

    def end(self) -> None:
        self._emit(b"\n]}\n")
        super().end()


class NpzWriter(Writer):
    """A ``.npz`` file with one array per port, inputs and outputs: uint64
    ``(N,)`` for ports up to 64 bits, ``(N, ceil(w/64))`` uint64 words (least
    significant first) for wider ones.  Each array is filled chunk by chunk
    in a memory-mapped file beside the output; the archive replaces the
    output file only when complete.

    Examples
    --------
    >>> import os, tempfile
    >>> from circuitnn.library import half_adder
    >>> ha = half_adder().compile()
    >>> path = os.path.join(tempfile.mkdtemp(), "out.npz")
    >>> NpzWriter(path, ha.circuit).write_all([ha.run(a=[0, 1], b=[1, 1])], 2)
    >>> np.load(path)["carry"].tolist()
    [0, 1]
    """

    def __init__(self, path, circuit, engine: str = "", nets: str = ""):
        super().__init__(None, circuit, engine, nets)
        self.path = Path(path)

    def begin(self, n: int) -> None:
        import tempfile

        super().begin(n)
        self._tmp = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.", dir=self.path.parent
                                          if str(self.path.parent) else "."))
        self._arrays = {}
        for p in self.circuit.inputs + self.circuit.outputs:
            shape = (n,) if p.width <= 64 else (n, n_words(p.width))
            self._arrays[p.name] = np.lib.format.open_memmap(
                self._tmp / f"{len(self._arrays)}.npy", mode="w+", dtype=_U64, shape=shape)

    def _write(self, ins, outs, result) -> None:
        lo = self.rows
        hi = lo + result.inputs.shape[1]
        for name, col in {**ins, **outs}.items():
            self._arrays[name][lo:hi] = col

    def end(self) -> None:
        import zipfile

        try:
            part = self._tmp / "out.npz"
            with zipfile.ZipFile(part, "w", zipfile.ZIP_STORED, allowZip64=True) as z:
                for i, (name, arr) in enumerate(self._arrays.items()):
                    arr.flush()
                    z.write(self._tmp / f"{i}.npy", f"{name}.npy")
            self._arrays.clear()
            os.replace(part, self.path)
        finally:
            self.abort()

    def abort(self) -> None:
        """Remove the partial arrays (after an error or an interruption)."""
        import shutil

        self._arrays = {}
        shutil.rmtree(getattr(self, "_tmp", ""), ignore_errors=True)


_WRITERS = {"table": TableWriter, "csv": CsvWriter, "json": JsonWriter,
            "jsonl": JsonLinesWriter}


def make_writer(fmt: str, out, circuit, engine: str = "", nets: str = "",
                radix: str = "dec") -> Writer:
    """A writer of format ``fmt`` (one of :data:`FORMATS`) onto ``out``: a
    stream, or for ``npz`` a path.

    Examples
    --------
    >>> from circuitnn.library import half_adder
    >>> type(make_writer("jsonl", io.StringIO(), half_adder().compile().circuit)).__name__
    'JsonLinesWriter'
    """
    if fmt == "npz":
        return NpzWriter(out, circuit, engine, nets)
    writer = _WRITERS[fmt](out, circuit, engine, nets)
    writer.radix = radix
    return writer
