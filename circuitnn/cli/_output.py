"""One policy for every file a command writes.

* An input of the command (the netlist, a file it imports, a vector file) is
  never overwritten, ``--force`` or not.
* An existing file is replaced only with ``--force``.
* A folder, a device or FIFO, a missing folder or a place that cannot be
  written is refused with one message and exit code 2, before any work where
  possible (:func:`check_output`) and at the latest when writing
  (:func:`open_output`).
* The file is written beside its final place and renamed over it when
  complete, so a failure (a full disk, an interrupt) leaves no partial file
  and the old file, if any, intact.

Commands that write files call :func:`add_force_option` on their parser and
write through :func:`write_output` or :func:`open_output`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from ..errors import UsageError

__all__ = ["add_force_option", "check_output", "open_output", "output_errors", "write_output"]


def add_force_option(parser) -> None:
    """Add ``--force`` (replace an existing output file) to an argparse parser."""
    parser.add_argument("--force", action="store_true",
                        help="replace the output file if it exists (never an input file)")


def check_output(path: str | os.PathLike, inputs: Iterable[str | os.PathLike] = (),
                 force: bool = False, option: str | None = None) -> Path:
    """``path`` as a :class:`~pathlib.Path` if a command may write it; else a UsageError.

    Parameters
    ----------
    path : path
        The output file.
    inputs : iterable of paths
        Files the command reads; none of them may be written.
    force : bool
        Whether an existing file may be replaced.
    option : str, optional
        The option that named the file (``"--output"``), for the messages.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> check_output(folder / "out.v").name
    'out.v'
    >>> check_output(folder)
    Traceback (most recent call last):
    ...
    circuitnn.errors.UsageError: ... is a folder; name a file to write
    >>> (folder / "a.yaml").write_text("")
    0
    >>> check_output(folder / "a.yaml", inputs=[folder / "a.yaml"], force=True)
    Traceback (most recent call last):
    ...
    circuitnn.errors.UsageError: ...a.yaml is an input of this command; write to another file
    """
    out = Path(path)
    shown = f"{option} {out}" if option else str(out)
    for source in inputs:
        if _same_file(out, Path(source)):
            raise UsageError(f"{shown} is an input of this command; write to another file")
    if out.is_dir():
        raise UsageError(f"{shown} is a folder; name a file to write")
    parent = out.parent
    if not parent.is_dir():
        why = f"{parent} is not a folder" if parent.exists() else \
            f"the folder {parent} does not exist"
        raise UsageError(f"cannot write {shown}: {why}")
    if out.exists() and not out.is_file():
        # replacing a device or a FIFO with a file is never what was meant
        raise UsageError(f"{shown} is not a regular file; name a file to write")
    if (out.exists() or out.is_symlink()) and not force:
        raise UsageError(f"{shown} exists; give --force to replace it")
    return out


@contextlib.contextmanager
def open_output(path: str | os.PathLike, inputs: Iterable[str | os.PathLike] = (),
                force: bool = False, binary: bool = False) -> Iterator[IO]:
    """A file to write ``path`` through; it replaces ``path`` only when the block ends well.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "x.txt"
    >>> with open_output(out) as f:
    ...     _ = f.write("hello\\n")
    >>> out.read_text()
    'hello\\n'
    """
    out = check_output(path, inputs, force)
    tmp = out.parent / f".{out.name}.{os.urandom(4).hex()}.tmp"
    try:
        # created like any new file (mode 0666 less the umask), unlike mkstemp's 0600
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as e:
        raise UsageError(f"cannot write {out}: {e.strerror or e}") from None
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else
                                                         {"encoding": "utf-8"})) as f:
            yield f
        os.replace(tmp, out)
    except OSError as e:
        raise UsageError(f"cannot write {out}: {e.strerror or e}") from None
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def output_errors(path: str | os.PathLike) -> Iterator[None]:
    """Turn an OSError raised while writing ``path`` into one UsageError, for
    writers that make their own temporary file (the ONNX and npz writers)."""
    try:
        yield
    except OSError as e:
        raise UsageError(f"cannot write {path}: {e.strerror or e}") from None


def write_output(path: str | os.PathLike, data: str | bytes,
                 inputs: Iterable[str | os.PathLike] = (), force: bool = False) -> None:
    """Write ``data`` to ``path`` under the policy of :func:`open_output`.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "x.txt"
    >>> write_output(out, "one")
    >>> write_output(out, "two")
    Traceback (most recent call last):
    ...
    circuitnn.errors.UsageError: ...x.txt exists; give --force to replace it
    >>> write_output(out, "two", force=True); out.read_text()
    'two'
    """
    with open_output(path, inputs, force, binary=isinstance(data, bytes)) as f:
        f.write(data)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # either does not exist (yet)
        return False
