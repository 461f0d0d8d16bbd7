"""Front ends: netlist text -> :class:`~circuitnn.ir.records.Design` records.

One reader per format, all chosen from one static table by the file's
extension (or named with ``fmt``).  Every reader, like the Python builder
(:mod:`circuitnn.hdl`), records what the file says through the one record
builder (:mod:`circuitnn.ir.build`; the importers through
:mod:`circuitnn.read.build` on top of it) and judges none of it: one checker
and compiler (:mod:`circuitnn.compile`) serve them all.  A reader module is
imported only when a file of its format is read.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Sequence
from pathlib import Path

from .._gc import paused_gc
from ..errors import CircuitError, Loc, NetlistError, UsageError

__all__ = ["READERS", "EXTENSIONS", "read_design", "load_circuit", "load_with_files"]

#: format name -> (module, function) of its reader, ``function(path, top=None)``
READERS: dict[str, tuple[str, str]] = {
    "yaml": ("circuitnn.read.yaml", "read_yaml"),
    "bench": ("circuitnn.read.bench", "read_bench"),
    "blif": ("circuitnn.read.blif", "read_blif"),
    "json": ("circuitnn.read.yosys_json", "read_yosys_json"),
    "verilog": ("circuitnn.read.verilog", "read_verilog"),
}
#: file extension -> format name
EXTENSIONS: dict[str, str] = {
    ".yaml": "yaml", ".yml": "yaml", ".bench": "bench", ".blif": "blif", ".json": "json",
    ".v": "verilog", ".sv": "verilog",
}


Source = str | os.PathLike
#: the formats whose sources may be several files, read together
SEVERAL = ("verilog",)


def read_design(path: Source | Sequence[Source], fmt: str | None = None,
                top: str | None = None, yosys_cache: str | os.PathLike | None = None,
                budget=None):
    """The design records of a netlist file, or of several Verilog or
    SystemVerilog files read together (``yosys_cache``: where Verilog's
    synthesised JSON is cached, see :func:`circuitnn.read.verilog.synthesise`;
    ``budget``: a :class:`circuitnn.compile.Budget`, which the YAML reader
    checks before expanding ``repeat``).

    Examples
    --------
    >>> read_design("circuits/half_adder.yaml").top
    'half_adder'
    >>> try:
    ...     read_design(["circuits/half_adder.yaml", "circuits/full_adder.yaml"])
    ... except UsageError as e:
    ...     print(e.message[:60])
    several netlist files are read together only for Verilog and
    """
    with paused_gc():
        return _read_design(path, fmt, top, yosys_cache, budget)


def _read_design(path, fmt, top, yosys_cache, budget):
    paths = [path] if isinstance(path, (str, os.PathLike)) else list(path)
    if len(paths) != 1:
        return _read_several([Path(p) for p in paths], fmt, top, yosys_cache)
    path = Path(paths[0])
    if fmt is None:
        fmt = EXTENSIONS.get(path.suffix.lower())
        if fmt is None:
            text = (f"cannot tell the format from the extension {path.suffix or '(none)'!r}; "
                    f"known extensions are {', '.join(sorted(EXTENSIONS))} (or name it with ")
            raise UsageError(f"{text}fmt={'|'.join(map(repr, sorted(READERS)))})",
                             Loc(str(path)), cli=f"{text}--from {'|'.join(sorted(READERS))})")
    if fmt not in READERS:
        raise UsageError(f"unknown format {fmt!r}; known formats are "
                         f"{', '.join(sorted(READERS))}")
    reader = _reader(fmt)
    try:
        if fmt == "verilog":
            return reader(path, top=top, cache=yosys_cache)
        if fmt == "yaml":
            return reader(path, top=top, budget=budget)
        return reader(path, top=top)
    except CircuitError as e:
        wrong = _other_format(path, fmt)
        if wrong is None:
            raise
        raise wrong from e


#: format -> (how its files start, what that looks like, its extension)
_OPENINGS: dict[str, tuple[re.Pattern, str, str]] = {
    "json": (re.compile(r'^\{\s*("|$)'), "JSON", ".json"),  # not YAML's {a: 1}
    "blif": (re.compile(r"^\.(model|inputs|outputs|names|latch|subckt)\b"), "BLIF", ".blif"),
    "bench": (re.compile(r"^(INPUT|OUTPUT)\s*\(", re.IGNORECASE), "an ISCAS .bench netlist",
              ".bench"),
    "verilog": (re.compile(r"^(module|`timescale|`include|`define|package)\b"), "Verilog",
                ".v"),
    "yaml": (re.compile(r"^(name|circuit|inputs|outputs|gates|primitives|circuits|top)\s*:"),
             "a YAML netlist", ".yaml"),
}


#: a JSON netlist is Yosys's: YAML is a superset of JSON, so a YAML netlist in
#: JSON's syntax is no sign of the wrong format
_YOSYS_MODULES = re.compile(r'"modules"\s*:')


def _other_format(path: Path, fmt: str) -> CircuitError | None:
    """Where a file that failed to read as ``fmt`` plainly begins as another
    format: one message saying so, instead of one per line of it."""
    from .source import read_source

    try:
        head = read_source(path)[:4096].decode("utf-8", "replace").removeprefix("\ufeff")
    except CircuitError:
        return None
    for line_no, line in enumerate(head.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith(("#", "//", "/*", "---")):
            continue
        for other, (opening, what, ext) in _OPENINGS.items():
            if other != fmt and opening.match(line) and (
                    other != "json" or _YOSYS_MODULES.search(head)):
                text = (f"the file is {what}, not {_OPENINGS[fmt][1]} ({line[:40]!r}); "
                        f"rename it to {path.stem}{ext}")
                return NetlistError(f"{text} or read it with fmt={other!r}",
                                    Loc(str(path), line_no), cli=f"{text} or give --from {other}")
        return None
    return None


def _read_several(paths: list[Path], fmt: str | None, top: str | None, yosys_cache):
    if not paths:
        raise UsageError("no netlist file given")
    kinds = {p: fmt or EXTENSIONS.get(p.suffix.lower()) for p in paths}
    other = next((p for p, k in kinds.items() if k not in SEVERAL), None)
    if other is not None:
        raise UsageError("several netlist files are read together only for Verilog and "
                         f"SystemVerilog (.v, .sv); {other} is "
                         f"{kinds[other] or 'not a known format'}: give one file")
    return _reader("verilog")(paths, top=top, cache=yosys_cache)


def _reader(fmt: str):
    """The reader function of a format in :data:`READERS`, imported on first use."""
    module, function = READERS[fmt]
    return getattr(importlib.import_module(module), function)


def load_circuit(path: Source | Sequence[Source], fmt: str | None = None,
                 top: str | None = None, budget=None,
                 yosys_cache: str | os.PathLike | None = None):
    """Read and compile a netlist file, or several Verilog files (``budget``:
    a :class:`circuitnn.compile.Budget` bounding the flattened design;
    ``yosys_cache`` as for :func:`read_design`).

    Examples
    --------
    >>> load_circuit("circuits/half_adder.yaml")
    Circuit(half_adder: 2 in, 2 out, 2 gates, depth 1)
    """
    return load_with_files(path, fmt, top, budget, yosys_cache)[0]


def load_with_files(path: Source | Sequence[Source], fmt: str | None = None,
                    top: str | None = None, budget=None,
                    yosys_cache: str | os.PathLike | None = None) -> tuple[object, list[str]]:
    """:func:`load_circuit`, and the sorted paths of every file read to make
    the circuit: the netlists named and every file they import.

    Examples
    --------
    >>> load_with_files("circuits/full_adder.yaml")[1]
    ['circuits/full_adder.yaml', 'circuits/half_adder.yaml']
    """
    from ..compile import compile_design

    with paused_gc():
        design = read_design(path, fmt, top, yosys_cache, budget)
        named = [path] if isinstance(path, (str, os.PathLike)) else list(path)
        files = set(map(str, named))
        files.update(m.loc.file for m in design.modules.values() if m.loc and m.loc.file)
        files.update(loc.file for loc in design.primitive_locs.values() if loc and loc.file)
        return compile_design(design, top=top, budget=budget), sorted(files)
