"""Minimised covers of small boolean functions, for Tseitin clauses and for
bit-parallel simulation.

A function of ``k`` inputs is an integer of ``2**k`` bits: bit ``r`` is the
output for the input row ``r``, whose bit ``i`` is input ``i`` (input 0 is
the least significant bit of the row index).  A *cube* is a tuple of
``(input, value)`` pairs; a *cover* is a list of cubes whose OR is the
function.  :func:`isop` computes an irredundant sum of products by the
Minato–Morreale recursion, which is what a two-level minimiser such as
Espresso aims for, in a few lines and exactly.
"""

from __future__ import annotations

from functools import cache

from ..errors import InternalError

__all__ = ["isop", "cnf_cover", "full_mask", "var_mask"]

Cube = tuple[tuple[int, int], ...]


@cache
def full_mask(k: int) -> int:
    """All ``2**k`` rows set."""
    return (1 << (1 << k)) - 1


@cache
def var_mask(k: int, i: int) -> int:
    """The rows of a ``k``-input table in which input ``i`` is 1.

    Examples
    --------
    >>> bin(var_mask(2, 0)), bin(var_mask(2, 1))
    ('0b1010', '0b1100')
    """
    s = 1 << i
    block = ((1 << s) - 1) << s
    m = 0
    for lo in range(0, 1 << k, 2 * s):
        m |= block << lo
    return m


def _cofactors(t: int, k: int, i: int) -> tuple[int, int]:
    """``t`` with input ``i`` fixed to 0 and to 1, both still over ``k`` inputs."""
    s = 1 << i
    hi = var_mask(k, i)
    lo = full_mask(k) ^ hi
    t0, t1 = t & lo, t & hi
    return t0 | (t0 << s), t1 | (t1 >> s)


def _isop(lower: int, upper: int, top: int, k: int) -> tuple[list[Cube], int]:
    if lower == 0:
        return [], 0
    full = full_mask(k)
    if upper == full:
        return [()], full
    i = top - 1
    while i >= 0:
        l0, l1 = _cofactors(lower, k, i)
        u0, u1 = _cofactors(upper, k, i)
        if l0 != l1 or u0 != u1:
            break
        i -= 1
    c0, r0 = _isop(l0 & ~u1 & full, u0, i, k)
    c1, r1 = _isop(l1 & ~u0 & full, u1, i, k)
    rest = (l0 & ~r0 & full) | (l1 & ~r1 & full)
    cs, rs = _isop(rest, u0 & u1, i, k)
    x = var_mask(k, i)
    cover = ([c + ((i, 0),) for c in c0] + [c + ((i, 1),) for c in c1] + cs)
    return cover, (r0 & ~x & full) | (r1 & x) | rs


@cache
def isop(table: int, k: int) -> tuple[Cube, ...]:
    """An irredundant sum-of-products cover of a ``k``-input function.

    Examples
    --------
    >>> isop(0b1000, 2)          # a AND b
    (((0, 1), (1, 1)),)
    >>> sorted(isop(0b0110, 2))  # a XOR b
    [((0, 0), (1, 1)), ((0, 1), (1, 0))]
    >>> isop(0b11101000, 3)      # majority: three cubes, not four minterms
    (((0, 1), (1, 1)), ((0, 1), (2, 1)), ((1, 1), (2, 1)))
    """
    cover, got = _isop(table, table, k, k)
    if got != table:
        raise InternalError(f"the cover of {table:#x} over {k} inputs is "
                           f"{got:#x}")
    return tuple(tuple(sorted(c)) for c in sorted(cover, key=lambda c: sorted(c)))


@cache
def cnf_cover(table: int, k: int) -> tuple[tuple[Cube, ...], tuple[Cube, ...]]:
    """The covers of the on-set and of the off-set: the Tseitin clauses of
    ``y = f(x)`` are ``(not cube or y)`` for each on-cube and
    ``(not cube or not y)`` for each off-cube.

    Examples
    --------
    >>> on, off = cnf_cover(0b1000, 2)   # AND: 1 + 2 clauses, as by hand
    >>> len(on), len(off)
    (1, 2)
    """
    return isop(table, k), isop(full_mask(k) ^ table, k)
