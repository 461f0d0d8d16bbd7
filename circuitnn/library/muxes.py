"""Selection and decoding: multiplexers and decoders."""

from __future__ import annotations

from .._where import _user_loc
from ..errors import UsageError
from ..hdl import Builder, Signal, Subcircuit, cat
from ._util import _width, cached


@cached
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


@cached
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
