"""A library of reusable circuits, each built with :mod:`circuitnn.hdl.builder`.

Every function takes a width and returns a :class:`~circuitnn.hdl.builder.Subcircuit`
(cached: the same arguments give the same object).  Compile one to evaluate
it, or call it with signals to use it inside another circuit.  Buses carry
integers least significant bit first; arithmetic is unsigned.

==========================  ===================================  ==========================
function                    inputs                               outputs
==========================  ===================================  ==========================
half_adder()                a, b                                 sum, carry
full_adder()                a, b, cin                            sum, cout
ripple_carry_adder(n)       a[n], b[n], cin                      sum[n], cout
carry_lookahead_adder(n)    a[n], b[n], cin                      sum[n], cout
kogge_stone_adder(n)        a[n], b[n], cin                      sum[n], cout
adder_subtractor(n)         a[n], b[n], sub                      y[n], cout
subtractor(n)               a[n], b[n]                           diff[n], borrow
incrementer(n)              a[n]                                 y[n], cout
comparator(n)               a[n], b[n]                           lt, eq, gt
array_multiplier(n, m)      a[n], b[m]                           p[n+m]
multiplexer(n, ways)        sel[log2 ways], d0[n] .. d{ways-1}   y[n]
decoder(n, enable)          a[n] (, en)                          y[2**n]
parity(n)                   a[n]                                 p
==========================  ===================================  ==========================

Only gates of fan-in 2 or 3 are used (NOT, AND2, OR2, XOR2, XNOR2, MUX2, MAJ3,
AND3, OR3): they train quickly into certified nets.
"""

from __future__ import annotations

from functools import cache

from .._where import _user_loc
from ..errors import UsageError
from ..hdl import Builder, Signal, Subcircuit, cat

__all__ = [
    "adder_subtractor",
    "array_multiplier",
    "carry_lookahead_adder",
    "comparator",
    "decoder",
    "full_adder",
    "half_adder",
    "incrementer",
    "kogge_stone_adder",
    "multiplexer",
    "parity",
    "ripple_carry_adder",
    "subtractor",
]


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


# ------------------------------------------------------------------ adders
@cache
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


@cache
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


@cache
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


@cache
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


@cache
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


@cache
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


@cache
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


@cache
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


# ------------------------------------------------------------- comparison
@cache
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


# -------------------------------------------------------------- multiplier
@cache
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


# ------------------------------------------------------------ select, decode
@cache
def multiplexer(n: int = 1, ways: int = 2) -> Subcircuit:
    """A ``ways``-input multiplexer of ``n``-bit words: ``y = d{sel}``.

    ``ways`` is a power of two; ``sel`` has ``log2(ways)`` bits (a single
    bit for 2 ways).  A tree of MUX2 gates, one level per select bit.

    Examples
    --------
    >>> mux = multiplexer(8, ways=4).compile()
    >>> mux(sel=2, d0=10, d1=11, d2=12, d3=13)
    {'y': 12}
    """
    n = _width(n)
    ways = _width(ways, "ways", 2)
    if ways & (ways - 1):
        raise UsageError(f"ways is {ways}; use a power of two (2, 4, 8, ...)", _user_loc())
    k = ways.bit_length() - 1
    b = Builder(f"mux{ways}_{n}")
    sel = b.input("sel") if k == 1 else b.input("sel", k)
    words = [b.input(f"d{w}", n) for w in range(ways)]
    for level in range(k):
        s = sel[level]
        words = [cat(*(b.gate("MUX2", s, lo[i], hi[i]) for i in range(n)))
                 for lo, hi in zip(words[0::2], words[1::2])]
    b.output("y", words[0])
    return b.build()


@cache
def decoder(n: int, enable: bool = False) -> Subcircuit:
    """An ``n``-to-``2**n`` one-hot decoder: bit ``a`` of ``y`` is 1.

    With ``enable``, an input ``en`` gates every output.  Built by
    predecoding halves of ``a`` and ANDing them (one AND2 per output).

    Examples
    --------
    >>> dec = decoder(3).compile()
    >>> dec(a=5)
    {'y': 32}
    """
    n = _width(n)
    b = Builder(f"decoder_{n}" + ("_en" if enable else ""))
    x = b.input("a", n)

    def dec(bits: list[Signal]) -> list[Signal]:
        if len(bits) == 1:
            return [~bits[0], bits[0]]
        half = len(bits) // 2
        lo, hi = dec(bits[:half]), dec(bits[half:])
        return [ll & hh for hh in hi for ll in lo]

    ys = dec(list(x))
    if enable:
        en = b.input("en")
        ys = [t & en for t in ys]
    b.output("y", cat(*ys))
    return b.build()


@cache
def parity(n: int) -> Subcircuit:
    """Odd parity: ``p`` is the XOR of the ``n`` bits of ``a`` (a tree of XOR2).

    Examples
    --------
    >>> par = parity(8).compile()
    >>> par(a=0b1011), par(a=0b1001)
    ({'p': 1}, {'p': 0})
    """
    n = _width(n)
    b = Builder(f"parity_{n}")
    x = b.input("a", n)
    b.output("p", _tree(b, list(x), "XOR"))
    return b.build()
