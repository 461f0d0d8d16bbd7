"""Logic reductions: parity, the XOR of a bus as a tree of XOR2 gates."""

from __future__ import annotations

from ..hdl import Builder, Subcircuit
from ._util import _tree, _width, cached


@cached
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
