"""Reading a netlist file: regular files only, of bounded size, never blocking."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..errors import Loc, NetlistError

__all__ = ["MAX_SOURCE_BYTES", "read_source"]

#: The largest netlist file read (the largest EPFL circuit's BLIF is about 30 MB).
MAX_SOURCE_BYTES = 256 << 20


def read_source(path: str | os.PathLike) -> bytes:
    """The bytes of a netlist file: a regular file of at most
    :data:`MAX_SOURCE_BYTES`, else a NetlistError naming it.

    A FIFO or a device (``/dev/zero``) is refused without reading from it.

    Examples
    --------
    >>> read_source("/dev/zero")
    Traceback (most recent call last):
    ...
    circuitnn.errors.NetlistError: /dev/zero: is not a regular file; give a netlist file
    """
    path = Path(path)
    where = Loc(str(path))
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except ValueError:  # a NUL character
        raise NetlistError("the path has a NUL character; give a file name without one",
                           where) from None
    except FileNotFoundError:
        raise NetlistError("no such file; check the path", where) from None
    except IsADirectoryError:
        raise NetlistError("is a directory; give a netlist file", where) from None
    except OSError as e:
        raise NetlistError(f"cannot be read: {e.strerror}", where) from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise NetlistError("is a directory; give a netlist file", where)
        if not stat.S_ISREG(st.st_mode):
            raise NetlistError("is not a regular file; give a netlist file", where)
        if st.st_size > MAX_SOURCE_BYTES:
            raise NetlistError(f"is {st.st_size:,} bytes; a netlist file may have at most "
                               f"{MAX_SOURCE_BYTES:,}", where)
        # A read's buffer is as large as asked for: ask for what the size says,
        # then probe for more with one byte (a /proc file says 0; a file growing
        # as it is read goes on to the limit).
        parts, total, want = [], 0, st.st_size + 1 if st.st_size else 1 << 16
        while total <= MAX_SOURCE_BYTES:
            part = os.read(fd, min(want, MAX_SOURCE_BYTES + 1 - total))
            if not part:
                break
            parts.append(part)
            total += len(part)
            want = 1 << 16 if len(part) == want else 1
        data = b"".join(parts)
    except OSError as e:
        raise NetlistError(f"cannot be read: {e.strerror}", where) from None
    finally:
        os.close(fd)
    if len(data) > MAX_SOURCE_BYTES:
        raise NetlistError(f"is larger than {MAX_SOURCE_BYTES:,} bytes, the most a netlist "
                           "file may have", where)
    return data
