"""Arithmetic built on the adders: adder-subtractor, subtractor, incrementer,
comparator and array multiplier."""

from __future__ import annotations

from ..hdl import Builder, Subcircuit, cat
from ._util import _width, cached
from .adders import full_adder, half_adder, ripple_carry_adder


@cached
def adder_subtractor(n: int) -> Subcircuit:
    """``y = a + b`` when ``sub`` is 0, ``y = a - b`` (mod ``2**n``) when 1.

    ``b`` is inverted by XOR with ``sub``, which is also the carry in, so
    ``cout`` is the carry of ``a + b`` or, subtracting, 1 when ``a >= b``.

    Examples
    --------
    >>> addsub = adder_subtractor(4).compile()
    >>> addsub(a=9, b=3, sub=1), addsub(a=9, b=3, sub=0)
    ({'y': 6, 'cout': 1}, {'y': 12, 'cout': 0})
    """
    n = _width(n)
    b = Builder(f"adder_subtractor_{n}")
    x, y, sub = b.input("a", n), b.input("b", n), b.input("sub")
    flip = cat(*([sub] * n))
    r = ripple_carry_adder(n)(a=x, b=y ^ flip, cin=sub)
    b.output("y", r.sum)
    b.output("cout", r.cout)
    return b.build()


@cached
def subtractor(n: int) -> Subcircuit:
    """``diff = a - b`` (mod ``2**n``); ``borrow`` is 1 when ``a < b``.

    Examples
    --------
    >>> sub = subtractor(8).compile()
    >>> sub(a=3, b=5)
    {'diff': 254, 'borrow': 1}
    """
    n = _width(n)
    b = Builder(f"subtractor_{n}")
    x, y = b.input("a", n), b.input("b", n)
    r = ripple_carry_adder(n)(a=x, b=~y, cin=1)
    b.output("diff", r.sum)
    b.output("borrow", ~r.cout)
    return b.build()


@cached
def incrementer(n: int) -> Subcircuit:
    """``y = a + 1`` (mod ``2**n``); ``cout`` is 1 when ``a`` is all ones.

    A chain of half adders with the first carry in tied to 1.

    Examples
    --------
    >>> inc = incrementer(4).compile()
    >>> inc(a=7), inc(a=15)
    ({'y': 8, 'cout': 0}, {'y': 0, 'cout': 1})
    """
    n = _width(n)
    b = Builder(f"incrementer_{n}")
    x = b.input("a", n)
    bits, carry = [~x[0]], x[0]
    for i in range(1, n):
        s, carry = half_adder()(a=x[i], b=carry, name=f"ha{i}")
        bits.append(s)
    b.output("y", cat(*bits))
    b.output("cout", carry)
    return b.build()


@cached
def comparator(n: int) -> Subcircuit:
    """Unsigned comparison of two ``n``-bit numbers: ``lt``, ``eq``, ``gt``.

    Exactly one output is 1.  Bits are compared from the least significant
    up: a higher bit that differs decides, equal bits pass the lower verdict.

    Examples
    --------
    >>> cmp = comparator(8).compile()
    >>> cmp(a=3, b=200), cmp(a=7, b=7)
    ({'lt': 1, 'eq': 0, 'gt': 0}, {'lt': 0, 'eq': 1, 'gt': 0})
    """
    n = _width(n)
    b = Builder(f"comparator_{n}")
    x, y = b.input("a", n), b.input("b", n)
    lt = eq = gt = None
    for i in range(n):
        e = b.gate("XNOR2", x[i], y[i])
        gi, li = x[i] & ~y[i], ~x[i] & y[i]
        if i == 0:
            lt, eq, gt = li, e, gi
        else:
            lt = li | (e & lt)
            gt = gi | (e & gt)
            eq = e & eq
    b.output("lt", lt)
    b.output("eq", eq)
    b.output("gt", gt)
    return b.build()


@cached
def array_multiplier(n: int, m: int | None = None) -> Subcircuit:
    """An ``n`` x ``m`` unsigned array multiplier: ``p = a * b`` on ``n + m`` bits.

    Partial products ``a[i] & b[j]`` are summed row by row by rows of half
    and full adders (carry-ripple array).  ``m`` defaults to ``n``.

    Examples
    --------
    >>> mul = array_multiplier(4).compile()
    >>> mul(a=13, b=11)
    {'p': 143}
    """
    n = _width(n)
    m = n if m is None else _width(m, "m")
    b = Builder(f"array_multiplier_{n}x{m}")
    x, y = b.input("a", n), b.input("b", m)

    def cell(*bits):
        bits = [t for t in bits if t is not None]
        if len(bits) < 2:
            return (bits[0] if bits else None), None
        if len(bits) == 2:
            return tuple(half_adder()(a=bits[0], b=bits[1]))
        return tuple(full_adder()(a=bits[0], b=bits[1], cin=bits[2]))

    acc: list = [x[i] & y[0] for i in range(n)]
    top = None
    out: list = []
    for j in range(1, m):
        out.append(acc[0])
        upper = acc[1:] + [top]
        carry, row = None, []
        for i in range(n):
            s, carry = cell(upper[i], x[i] & y[j], carry)
            row.append(s)
        acc, top = row, carry
    out += acc + [top]
    b.output("p", cat(*(0 if t is None else t for t in out)))
    return b.build()
