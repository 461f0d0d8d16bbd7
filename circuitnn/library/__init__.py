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
counter(n, init)            en                                   count[n]      (registers)
shift_register(n)           din                                  q[n]          (registers)
lfsr(n, taps, seed)         (none)                               q[n]          (registers)
accumulator(n)              x[n], clr                            acc[n]        (registers)
==========================  ===================================  ==========================

The last four are sequential: run them clock cycle by clock cycle with
``compile().sim(...)``.

Only gates of fan-in 2 or 3 are used (NOT, AND2, OR2, XOR2, XNOR2, MUX2, MAJ3,
AND3, OR3): they train quickly into certified nets.
"""

from __future__ import annotations

from .adders import (
    carry_lookahead_adder,
    full_adder,
    half_adder,
    kogge_stone_adder,
    ripple_carry_adder,
)
from .arithmetic import (
    adder_subtractor,
    array_multiplier,
    comparator,
    incrementer,
    subtractor,
)
from .logic import parity
from .muxes import decoder, multiplexer
from .sequential import accumulator, counter, lfsr, shift_register

__all__ = [
    "accumulator",
    "counter",
    "lfsr",
    "shift_register",
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
