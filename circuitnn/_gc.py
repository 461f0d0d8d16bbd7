"""Reading and compiling with Python's cycle collector paused."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cycle collector for the block, then restore it as it was.

    Reading and compiling allocate millions of small records that live on;
    the collector would walk all of them again and again (a third of the
    time of a 20,000-gate netlist) and find no garbage: the front end makes
    no cycles it drops.  Memory is still freed by reference counting, and
    any cycles made meanwhile are collected once the collector runs again.
    Nested blocks leave the collector to the outermost.

    Examples
    --------
    >>> with paused_gc():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
