"""Helpers the library circuits share: width checks and gate trees."""

from __future__ import annotations

from .._where import _user_loc
from ..errors import UsageError
from ..hdl import Builder, Signal


def _width(n, what: str = "n", minimum: int = 1) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < minimum:
        raise UsageError(f"{what} is {n!r}; use a whole number of {minimum} or more",
                         _user_loc())
    return n


def _tree(b: Builder, bits: list[Signal], family: str) -> Signal:
    """Reduce bits with 2- and 3-input gates of one family, as a balanced tree."""
    while len(bits) > 1:
        nxt = []
        i = 0
        while i < len(bits):
            take = 3 if family != "XOR" and len(bits) - i >= 3 else 2
            group = bits[i:i + take]
            nxt.append(group[0] if len(group) == 1 else b.gate(family, *group))
            i += take
        bits = nxt
    return bits[0]
