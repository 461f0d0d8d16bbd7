"""Reading a circuit from a file, whatever its format.

The format is chosen by the file's extension, or named explicitly.  Each
reader turns text into :class:`~circuitnn.records.Design` records; one
compiler serves them all.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from .compiler import Circuit, compile_design
from .errors import Loc, UsageError
from .netlist import load_yaml
from .records import Design

__all__ = ["READERS", "EXTENSIONS", "read_design", "load_circuit", "register_reader"]

#: format name -> function(path, top) -> Design
READERS: dict[str, Callable[..., Design]] = {
    "yaml": lambda path, top=None: load_yaml(path),
}
#: file extension -> format name
EXTENSIONS: dict[str, str] = {".yaml": "yaml", ".yml": "yaml"}


def register_reader(fmt: str, extensions: tuple[str, ...], reader: Callable[..., Design]):
    """Make ``reader(path, top=None)`` the reader of ``fmt`` and its extensions."""
    READERS[fmt] = reader
    for ext in extensions:
        EXTENSIONS[ext] = fmt


def _ensure_formats_loaded() -> None:
    try:
        from . import formats  # noqa: F401  (registers the netlist importers)
    except ImportError:
        pass


def read_design(path: str | os.PathLike, fmt: str | None = None,
                top: str | None = None) -> Design:
    """The design records of a netlist file."""
    _ensure_formats_loaded()
    path = Path(path)
    if fmt is None:
        fmt = EXTENSIONS.get(path.suffix.lower())
        if fmt is None:
            known = ", ".join(sorted(EXTENSIONS))
            raise UsageError(f"cannot tell the format from the extension "
                             f"{path.suffix or '(none)'!r}; known extensions are {known} "
                             f"(or name it with --from {'|'.join(sorted(READERS))})",
                             Loc(str(path)))
    if fmt not in READERS:
        raise UsageError(f"unknown format {fmt!r}; known formats are "
                         f"{', '.join(sorted(READERS))}")
    return READERS[fmt](path, top=top)


def load_circuit(path: str | os.PathLike, fmt: str | None = None,
                 top: str | None = None) -> Circuit:
    """Read and compile a netlist file.

    Examples
    --------
    >>> load_circuit("circuits/half_adder.yaml")  # doctest: +SKIP
    Circuit(half_adder: 2 in, 2 out, 2 gates, depth 1)
    """
    return compile_design(read_design(path, fmt, top), top=top)
