"""Helpers the library circuits share: width checks and gate trees."""

from __future__ import annotations

import functools
import operator

from .._where import _user_loc
from ..errors import UsageError
from ..hdl import Builder, Signal


def cached(fn):
    """``functools.cache`` for the library's builders, taking what a user
    passes: numpy integers are ints (``ripple_carry_adder(np.int64(8))`` is
    ``ripple_carry_adder(8)``, the same object), lists are tuples (``taps=[4, 3]``),
    and a value that is neither (a dict, an array) is a UsageError naming it,
    not a TypeError from the cache."""
    memo = functools.cache(fn)

    @functools.wraps(fn)
    def call(*args, **kwargs):
        args = tuple(_plain(a) for a in args)
        kwargs = {k: _plain(v) for k, v in kwargs.items()}
        for value in (*args, *kwargs.values()):
            try:
                hash(value)
            except TypeError:
                raise UsageError(f"{fn.__name__}() takes whole numbers (and tuples of them), "
                                 f"not {type(value).__name__} {value!r}", _user_loc()) from None
        return memo(*args, **kwargs)

    call.cache_clear = memo.cache_clear
    return call


def _plain(value):
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return tuple(_plain(v) for v in value)
    if not isinstance(value, int) and hasattr(value, "__index__"):  # numpy integers
        try:
            return operator.index(value)
        except TypeError:
            return value
    return value


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
