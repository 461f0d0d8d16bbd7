"""Adders: half and full adders, ripple-carry, carry-lookahead and Kogge-Stone."""

from __future__ import annotations

from ..hdl import Builder, Signal, Subcircuit, cat
from ._util import _tree, _width, cached


@cached
def half_adder() -> Subcircuit:
    """A half adder: ``sum = a ^ b``, ``carry = a & b``.

    Examples
    --------
    >>> ha = half_adder().compile()
    >>> ha(a=1, b=1)
    {'sum': 0, 'carry': 1}
    """
    b = Builder("half_adder")
    x, y = b.input("a"), b.input("b")
    b.output("sum", x ^ y)
    b.output("carry", x & y)
    return b.build()


@cached
def full_adder() -> Subcircuit:
    """A full adder from two half adders and an OR gate.

    Examples
    --------
    >>> fa = full_adder().compile()
    >>> fa(a=1, b=0, cin=1)
    {'sum': 0, 'cout': 1}
    """
    b = Builder("full_adder")
    x, y, cin = b.input("a"), b.input("b"), b.input("cin")
    s1, c1 = half_adder()(a=x, b=y)
    s2, c2 = half_adder()(a=s1, b=cin)
    b.output("sum", s2)
    b.output("cout", c1 | c2)
    return b.build()


def _adder_ports(b: Builder, n: int):
    return b.input("a", n), b.input("b", n), b.input("cin")


@cached
def ripple_carry_adder(n: int) -> Subcircuit:
    """An ``n``-bit ripple-carry adder: ``n`` chained full adders.

    ``sum + 2**n * cout == a + b + cin``.

    Examples
    --------
    >>> add = ripple_carry_adder(8).compile()
    >>> add(a=200, b=100, cin=1)
    {'sum': 45, 'cout': 1}
    """
    n = _width(n)
    b = Builder(f"ripple_carry_adder_{n}")
    x, y, carry = _adder_ports(b, n)
    bits = []
    for i in range(n):
        s, carry = full_adder()(a=x[i], b=y[i], cin=carry, name=f"fa{i}")
        bits.append(s)
    b.output("sum", cat(*bits))
    b.output("cout", carry)
    return b.build()


@cached
def carry_lookahead_adder(n: int, block: int = 4) -> Subcircuit:
    """An ``n``-bit carry-lookahead adder: lookahead blocks of ``block`` bits.

    Inside a block every carry is computed directly from the bit
    generates ``g = a & b``, propagates ``p = a ^ b`` and the block's carry
    in (``c[i+1] = g[i] | p[i] g[i-1] | ... | p[i]..p[0] cin``); the block
    carries ripple from block to block.

    Examples
    --------
    >>> add = carry_lookahead_adder(8).compile()
    >>> add(a=255, b=1, cin=0)
    {'sum': 0, 'cout': 1}
    """
    n = _width(n)
    block = _width(block, "block")
    b = Builder(f"carry_lookahead_adder_{n}" + (f"_b{block}" if block != 4 else ""))
    x, y, carry = _adder_ports(b, n)
    g = [x[i] & y[i] for i in range(n)]
    p = [x[i] ^ y[i] for i in range(n)]
    carries = []
    for lo in range(0, n, block):
        cin = carry
        for i in range(lo, min(n, lo + block)):
            carries.append(carry)
            # terms g[j] p[j+1]..p[i] for j = i..lo, and cin p[lo]..p[i]
            terms = [g[i]]
            for j in range(i - 1, lo - 1, -1):
                terms.append(_tree(b, [g[j]] + p[j + 1:i + 1], "AND"))
            terms.append(_tree(b, [cin] + p[lo:i + 1], "AND"))
            carry = _tree(b, terms, "OR")
    b.output("sum", cat(*(p[i] ^ carries[i] for i in range(n))))
    b.output("cout", carry)
    return b.build()


@cached
def kogge_stone_adder(n: int) -> Subcircuit:
    """An ``n``-bit Kogge–Stone parallel-prefix adder, carry in included.

    The carry in is bit -1 of the prefix: a generate of ``cin`` with no
    propagate, so every prefix that reaches it folds it in (unlike PyRTL
    1.0.3's ``kogge_stone``, which drops ``cin``).  Depth is
    ``ceil(log2(n + 1))`` prefix levels.

    Examples
    --------
    >>> add = kogge_stone_adder(16).compile()
    >>> add(a=40000, b=30000, cin=1)
    {'sum': 4465, 'cout': 1}
    """
    n = _width(n)
    b = Builder(f"kogge_stone_adder_{n}")
    x, y, cin = _adder_ports(b, n)
    p0 = [x[i] ^ y[i] for i in range(n)]
    # position 0 is the carry in, position i + 1 is bit i
    G: list[Signal] = [cin] + [x[i] & y[i] for i in range(n)]
    P: list[Signal | None] = [None] + p0[:]
    d = 1
    while d <= n:
        G_new, P_new = G[:], P[:]
        for j in range(d, n + 1):
            G_new[j] = G[j] | (P[j] & G[j - d])
            P_new[j] = None if P[j - d] is None else P[j] & P[j - d]
        G, P = G_new, P_new
        d *= 2
    b.output("sum", cat(*(p0[i] ^ G[i] for i in range(n))))
    b.output("cout", G[n])
    return b.build()
