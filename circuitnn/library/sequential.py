"""Sequential circuits: a counter, a shift register, an LFSR and an
accumulator, each built from registers and library logic (every gate a
trained net; the registers load thresholded bits at each rising edge)."""

from __future__ import annotations

from .._where import _user_loc
from ..errors import UsageError
from ..hdl import Builder, Subcircuit, cat
from ._util import _tree, _width, cached
from .adders import ripple_carry_adder
from .arithmetic import incrementer

#: Taps (1-based bit numbers) of maximal-length Fibonacci LFSRs.
LFSR_TAPS = {2: (2, 1), 3: (3, 2), 4: (4, 3), 5: (5, 3), 6: (6, 5), 7: (7, 6),
             8: (8, 6, 5, 4), 12: (12, 6, 4, 1), 16: (16, 14, 13, 11), 24: (24, 23, 22, 17),
             32: (32, 22, 2, 1)}


@cached
def counter(n: int, init: int = 0) -> Subcircuit:
    """An ``n``-bit counter: ``count`` goes up by one at each clock edge
    where ``en`` is 1 (wrapping at ``2**n``), starting at ``init``.

    Examples
    --------
    >>> counter(4).compile().sim(en=[1, 1, 1, 0, 1])["count"].tolist()
    [0, 1, 2, 3, 3]
    """
    n = _width(n)
    b = Builder(f"counter_{n}")
    en = b.input("en")
    r = b.register(n, "r", enable=en, init=init)
    r.next <<= incrementer(n)(a=r).y
    b.output("count", r)
    return b.build()


@cached
def shift_register(n: int) -> Subcircuit:
    """An ``n``-bit shift register: at each edge ``q`` shifts one place up
    (towards its most significant bit) and ``din`` enters at bit 0.

    Examples
    --------
    >>> shift_register(4).compile().sim(din=[1, 0, 1, 1, 0])["q"].tolist()
    [0, 1, 2, 5, 11]
    """
    n = _width(n, minimum=2)
    b = Builder(f"shift_register_{n}")
    din = b.input("din")
    r = b.register(n, "r")
    r.next <<= cat(din, r[0:n - 1])
    b.output("q", r)
    return b.build()


@cached
def lfsr(n: int, taps: tuple[int, ...] | None = None, seed: int = 1) -> Subcircuit:
    """An ``n``-bit Fibonacci LFSR with no inputs: at each edge ``q`` shifts
    one place up and bit 0 takes the XOR of the tap bits (1-based, so tap
    ``n`` is the top bit); it starts at ``seed``.  ``taps`` defaults to a
    maximal-length set (:data:`LFSR_TAPS`).

    Examples
    --------
    >>> lfsr(4).compile().sim(cycles=6)["q"].tolist()
    [1, 2, 4, 9, 3, 6]
    """
    n = _width(n, minimum=2)
    if taps is None:
        if n not in LFSR_TAPS:
            raise UsageError(f"no standard taps for a {n}-bit LFSR (known for "
                             f"{', '.join(map(str, LFSR_TAPS))}); pass taps=(...)",
                             _user_loc())
        taps = LFSR_TAPS[n]
    if not taps or any(not 1 <= t <= n for t in taps):
        raise UsageError(f"taps {taps!r} must be bit numbers from 1 to {n}", _user_loc())
    if not 0 < seed < (1 << n):
        raise UsageError(f"seed {seed!r} must be from 1 to {(1 << n) - 1} (an LFSR at 0 "
                         "stays at 0)", _user_loc())
    b = Builder(f"lfsr_{n}")
    r = b.register(n, "r", init=seed)
    feedback = _tree(b, [r[t - 1] for t in taps], "XOR") if len(taps) > 1 else r[taps[0] - 1]
    r.next <<= cat(feedback, r[0:n - 1])
    b.output("q", r)
    return b.build()


@cached
def accumulator(n: int) -> Subcircuit:
    """An ``n``-bit accumulator: at each edge ``acc`` becomes ``acc + x``
    (mod ``2**n``), or 0 when ``clr`` is 1 (a synchronous reset).

    Examples
    --------
    >>> accumulator(8).compile().sim(x=[5, 7, 250, 1, 9], clr=[0, 0, 0, 1, 0])["acc"].tolist()
    [0, 5, 12, 6, 0]
    """
    n = _width(n)
    b = Builder(f"accumulator_{n}")
    x = b.input("x", n)
    clr = b.input("clr")
    r = b.register(n, "r", reset=clr)
    r.next <<= ripple_carry_adder(n)(a=r, b=x, cin=0).sum
    b.output("acc", r)
    return b.build()
