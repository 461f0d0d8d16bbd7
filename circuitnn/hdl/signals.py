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
