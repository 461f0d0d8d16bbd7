"""Signals: a bit or a bus inside one builder, with the bitwise operators,
slicing and :func:`cat`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from .._where import _user_loc
from ..errors import NetlistError, UsageError
from ..ir.records import (
    Expr,
    format_expr,
)

if TYPE_CHECKING:
    from .builder import Builder


def _is_bus(width) -> bool:
    # as in the YAML reader: a port is a bus exactly when it has several bits
    return isinstance(width, (int, np.integer)) and width > 1


def _plural(n: int, word: str = "bit") -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


# ------------------------------------------------------------------ signals
class Signal:
    """A bit or a bus of bits inside one :class:`Builder`, least significant first.

    Signals come from :meth:`Builder.input`, :meth:`Builder.wire`, gate
    outputs and subcircuit outputs.  Operators make gates, one per bit:
    ``a & b`` (AND2), ``a | b`` (OR2), ``a ^ b`` (XOR2), ``~a`` (NOT).  An
    ``int`` operand is a constant as wide as the other side.  Indexing is
    python-style: ``a[0]`` is the least significant bit, ``a[-1]`` the most
    significant, ``a[2:5]`` bits 2 to 4.  ``wire <<= value`` drives a wire or
    an output declared without a value.

    Examples
    --------
    >>> from circuitnn.hdl import Builder, cat
    >>> b = Builder("demo")
    >>> a = b.input("a", 4)
    >>> a, a[1:3], a[-1], len(a)
    (Signal(a, 4 bits), Signal(a[2:1], 2 bits), Signal(a[3], 1 bit), 4)
    >>> a[0] ^ a[3]
    Signal(_xor0, 1 bit)
    """

    __slots__ = ("bits", "builder")

    def __init__(self, builder: Builder, bits: tuple):
        self.builder = builder
        self.bits = tuple(bits)

    def __len__(self) -> int:
        return len(self.bits)

    @property
    def width(self) -> int:
        """The number of bits."""
        return len(self.bits)

    @property
    def expr(self) -> Expr:
        """The netlist expression naming these bits."""
        return self.builder._expr(self.bits)

    def __repr__(self) -> str:
        return f"Signal({format_expr(self.expr)}, {_plural(self.width)})"

    def __iter__(self) -> Iterator[Signal]:
        return (Signal(self.builder, (bit,)) for bit in self.bits)

    def __getitem__(self, key) -> Signal:
        if isinstance(key, slice):
            bits = self.bits[key]
            if not bits:
                raise UsageError(f"slice [{_slice_text(key)}] of {self!r} is empty; a signal "
                                 "has at least one bit (bit 0 is the least significant)",
                                 _user_loc())
            return Signal(self.builder, bits)
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            if not -self.width <= key < self.width:
                raise UsageError(f"bit {key} of {self!r} is out of range; it has bits 0 to "
                                 f"{self.width - 1} (or -1 to -{self.width})", _user_loc())
            return Signal(self.builder, (self.bits[key],))
        raise UsageError(f"cannot index a signal with {key!r}; use a bit number like 3 or a "
                         "slice like 2:5 (bits 2, 3 and 4)", _user_loc())

    def __setitem__(self, key, value) -> None:
        # ``w[2:4] <<= x`` ends with ``w[2:4] = <what <<= returned>>``; allow just that.
        if isinstance(value, _Driven) and value.bits == self[key].bits:
            return
        raise UsageError("signals cannot be assigned by index; drive bits with "
                         "'w[2:4] <<= value'", _user_loc())

    def __bool__(self):
        raise UsageError(f"{self!r} has no truth value while the circuit is being built; "
                         "use '&', '|', '^' and '~' for logic, not 'and', 'or', 'not' or "
                         "'if'", _user_loc())

    # operators: one gate per bit
    def _binary(self, other, prim: str, op: str, swap: bool = False) -> Signal:
        other = self.builder._coerce(other, self.width, f"operand of {op!r}")
        if other.width != self.width:
            lhs, rhs = (other, self) if swap else (self, other)
            raise NetlistError(f"operands of {op!r} have different widths: {lhs!r} and "
                               f"{rhs!r}; slice one or extend it with cat()", _user_loc())
        x, y = (other, self) if swap else (self, other)
        return self.builder._bitwise(prim, (x, y))

    def __and__(self, other: Signal | int) -> Signal:
        return self._binary(other, "AND2", "&")

    def __rand__(self, other: Signal | int) -> Signal:
        return self._binary(other, "AND2", "&", swap=True)

    def __or__(self, other: Signal | int) -> Signal:
        return self._binary(other, "OR2", "|")

    def __ror__(self, other: Signal | int) -> Signal:
        return self._binary(other, "OR2", "|", swap=True)

    def __xor__(self, other: Signal | int) -> Signal:
        return self._binary(other, "XOR2", "^")

    def __rxor__(self, other: Signal | int) -> Signal:
        return self._binary(other, "XOR2", "^", swap=True)

    def __invert__(self) -> Signal:
        return self.builder._bitwise("NOT", (self,))

    # arithmetic: instances of the library's circuits (so, neural gates too)
    def _pair(self, other, op: str, swap: bool = False) -> tuple[Signal, Signal]:
        """Both operands, zero-extended to the wider one.

        Anything else is refused here rather than left to Python: for ``==``
        Python's fallback is identity, so ``a == 3.0`` would be the constant
        False, which ``Builder.output`` takes as a 0 without a word.
        """
        if isinstance(other, bool) or not isinstance(other, (Signal, int, np.integer)):
            raise UsageError(f"operand of {op!r} {other!r} is not a signal or a whole number "
                             "(int)", _user_loc())
        if isinstance(other, Signal):
            other = self.builder._coerce(other, other.width, f"operand of {op!r}")
        else:
            if other < 0:
                raise NetlistError(f"operand {other} of {op!r} is negative; signals are "
                                   "unsigned whole numbers", _user_loc())
            other = self.builder._coerce(other, max(self.width, int(other).bit_length()),
                                         f"operand of {op!r}")
        w = max(self.width, other.width)
        x, y = _extend(self, w), _extend(other, w)
        return (y, x) if swap else (x, y)

    def __add__(self, other: Signal | int) -> Signal:
        """``a + b``: as wide as the wider operand plus a carry bit, so it never
        overflows (a ripple-carry adder).

        Examples
        --------
        >>> from circuitnn.hdl import Builder
        >>> b = Builder("add")
        >>> x, y = b.input("x", 4), b.input("y", 3)
        >>> b.output("s", x + y)
        Signal(s, 5 bits)
        >>> b.build().compile()(x=15, y=7)
        {'s': 22}
        """
        return self._add(other, swap=False)

    def __radd__(self, other: int) -> Signal:
        return self._add(other, swap=True)

    def _add(self, other, swap: bool) -> Signal:
        from ..library import ripple_carry_adder

        x, y = self._pair(other, "+", swap)
        r = ripple_carry_adder(x.width)(a=x, b=y, cin=0)
        return cat(r.sum, r.cout)

    def __sub__(self, other: Signal | int) -> Signal:
        """``a - b`` modulo ``2**n``, ``n`` the wider operand's width (a subtractor).

        Examples
        --------
        >>> from circuitnn.hdl import Builder
        >>> b = Builder("sub")
        >>> x, y = b.input("x", 4), b.input("y", 4)
        >>> b.output("d", x - y)
        Signal(d, 4 bits)
        >>> b.build().compile()(x=3, y=5)
        {'d': 14}
        """
        return self._sub(other, swap=False)

    def __rsub__(self, other: int) -> Signal:
        return self._sub(other, swap=True)

    def _sub(self, other, swap: bool) -> Signal:
        from ..library import subtractor

        x, y = self._pair(other, "-", swap)
        return subtractor(x.width)(a=x, b=y).diff

    def _compare(self, other, op: str):
        from ..library import comparator

        x, y = self._pair(other, op)
        return comparator(x.width)(a=x, b=y)

    def __eq__(self, other: Signal | int) -> Signal:  # type: ignore[override]
        """``a == b``: one bit (unsigned, the narrower operand zero-extended).

        ``<``, ``<=``, ``>``, ``>=`` and ``!=`` are alike, all from one
        comparator; :meth:`lt_signed` compares two's-complement values.

        Examples
        --------
        >>> from circuitnn.hdl import Builder
        >>> b = Builder("cmp")
        >>> x, y = b.input("x", 4), b.input("y", 4)
        >>> b.output("eq", x == y), b.output("lt", x < y), b.output("ge", x >= 9)
        (Signal(eq, 1 bit), Signal(lt, 1 bit), Signal(ge, 1 bit))
        >>> b.build().compile()(x=9, y=12)
        {'eq': 0, 'lt': 1, 'ge': 1}
        """
        c = self._compare(other, "==")
        return c.eq

    def __ne__(self, other: Signal | int) -> Signal:  # type: ignore[override]
        c = self._compare(other, "!=")
        return ~c.eq

    def __lt__(self, other: Signal | int) -> Signal:
        c = self._compare(other, "<")
        return c.lt

    def __le__(self, other: Signal | int) -> Signal:
        c = self._compare(other, "<=")
        return ~c.gt

    def __gt__(self, other: Signal | int) -> Signal:
        c = self._compare(other, ">")
        return c.gt

    def __ge__(self, other: Signal | int) -> Signal:
        c = self._compare(other, ">=")
        return ~c.lt

    def lt_signed(self, other: Signal) -> Signal:
        """``a < b`` for two's-complement signals of one width: one bit.

        Flipping both sign bits maps -2**(n-1)..2**(n-1)-1 onto 0..2**n-1 in
        order, so the unsigned comparator decides.

        Examples
        --------
        >>> from circuitnn.hdl import Builder
        >>> b = Builder("slt")
        >>> x, y = b.input("x", 4), b.input("y", 4)
        >>> b.output("lt", x.lt_signed(y))
        Signal(lt, 1 bit)
        >>> b.build().compile()(x=0b1111, y=1)  # -1 < 1
        {'lt': 1}
        """
        other = self.builder._coerce(other, self.width, "operand of lt_signed()")
        if other.width != self.width:
            raise NetlistError(f"operands of lt_signed() have different widths: {self!r} and "
                               f"{other!r}; a signed value cannot be zero-extended",
                               _user_loc())
        if self.width == 1:
            return self & ~other  # one bit: -1 < 0 only
        flip = Signal(self.builder, (0,) * (self.width - 1) + (1,))
        return (self ^ flip) < (other ^ flip)

    def __lshift__(self, n: int) -> Signal:
        """``a << n`` for a constant ``n``: as wide as ``a``, high bits dropped.

        Examples
        --------
        >>> from circuitnn.hdl import Builder
        >>> b = Builder("shift")
        >>> x = b.input("x", 4)
        >>> x << 1, x >> 3
        (Signal([0, x[2:0]], 4 bits), Signal([x[3], 0, 0, 0], 4 bits))
        """
        n = _shift_amount(n, "<<")
        return Signal(self.builder, ((0,) * min(n, self.width) + self.bits)[:self.width])

    def __rshift__(self, n: int) -> Signal:
        """``a >> n`` for a constant ``n`` (logical: zeros shift in); see ``<<``."""
        n = _shift_amount(n, ">>")
        return Signal(self.builder, (self.bits[n:] + (0,) * self.width)[:self.width])

    def __ilshift__(self, value: Signal | int) -> Signal:  # noqa: PYI034 (see _Driven)
        self.builder._drive(self, value, _user_loc())
        return _Driven(self.builder, self.bits)

    __hash__ = object.__hash__


class Register(Signal):
    """A register's state (a signal); ``next`` is the signal it loads at the
    clock edge, to drive with ``r.next <<= value``."""

    __slots__ = ("next",)

    def __init__(self, builder: Builder, bits: tuple, next: Signal):
        super().__init__(builder, bits)
        self.next = next


class _Driven(Signal):
    """What ``<<=`` returns, so that ``w[i] <<= x`` can store it back."""

    __slots__ = ()


def _slice_text(s: slice) -> str:
    parts = ["" if v is None else str(v) for v in (s.start, s.stop)]
    if s.step is not None:
        parts.append(str(s.step))
    return ":".join(parts)


def _extend(x: Signal, width: int) -> Signal:
    return x if x.width == width else cat(x, *([0] * (width - x.width)))


def _shift_amount(n, op: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise UsageError(f"shift {op} {n!r}: shift by a constant whole number of 0 or more; "
                         "a shift by a signal is a barrel shifter, built from mux()",
                         _user_loc())
    return int(n)


def mux(sel: Signal, a: Signal | int, b: Signal | int) -> Signal:
    """``a`` when the one-bit ``sel`` is 0, ``b`` when it is 1 (as
    ``multiplexer``'s ``d0``, ``d1``); as wide as the wider of ``a``, ``b``.

    Examples
    --------
    >>> from circuitnn.hdl import Builder, mux
    >>> b = Builder("pick")
    >>> s, x, y = b.input("s"), b.input("x", 4), b.input("y", 4)
    >>> b.output("z", mux(s, x, y))
    Signal(z, 4 bits)
    >>> pick = b.build().compile()
    >>> pick(s=0, x=3, y=9), pick(s=1, x=3, y=9)
    ({'z': 3}, {'z': 9})
    """
    from ..library import multiplexer

    if not isinstance(sel, Signal):
        raise UsageError(f"mux() selects with a signal, not {sel!r}; for a constant choice "
                         "use the operand itself", _user_loc())
    if sel.width != 1:
        raise NetlistError(f"mux() select {sel!r} has {_plural(sel.width)}; it takes one "
                           "(nest mux() or use library.multiplexer for more ways)", _user_loc())
    widths = [v.width if isinstance(v, Signal) else max(1, int(v).bit_length())
              for v in (a, b) if isinstance(v, (Signal, int, np.integer))]
    w = max(widths) if widths else 1
    x = _extend(sel.builder._coerce(a, w, "operand of mux()"), w)
    y = _extend(sel.builder._coerce(b, w, "operand of mux()"), w)
    return multiplexer(w, 2)(sel=sel, d0=x, d1=y).y


def cat(*parts: Signal | int) -> Signal:
    """Join signals into one bus, least significant part first.

    An ``int`` part is a 1-bit constant (0 or 1).

    Examples
    --------
    >>> from circuitnn.hdl import Builder, cat
    >>> b = Builder("demo")
    >>> lo, hi = b.input("lo", 2), b.input("hi", 3)
    >>> cat(lo, hi)
    Signal([lo, hi], 5 bits)
    >>> cat(hi[0], 1)
    Signal([hi[0], 1], 2 bits)
    """
    builder = next((p.builder for p in parts if isinstance(p, Signal)), None)
    if builder is None:
        raise UsageError("cat() needs at least one signal; it learns its builder from them",
                         _user_loc())
    bits: list = []
    for p in parts:
        bits.extend(builder._coerce(p, 1, "part of cat()").bits)
    return Signal(builder, tuple(bits))
