"""Netlist records: what every front end (YAML, builder, BLIF, bench, Yosys
JSON) produces and the compiler consumes.

The records are immutable and carry their source location.  The networkx
graph is derived from them by :mod:`circuitnn.compile`, never the other way
round.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import Loc, NetlistError
from .truthtable import TruthTable

__all__ = [
    "Bits",
    "Const",
    "Concat",
    "Expr",
    "Port",
    "Instance",
    "Assign",
    "Register",
    "Module",
    "TestVector",
    "TestSequence",
    "Design",
    "parse_expr",
    "format_expr",
    "bit_refs",
    "join_exprs",
]


@dataclass(frozen=True)
class Bits:
    """Bits ``lo..hi`` (inclusive, ascending) of net ``net``; whole net if None."""

    net: str
    lo: int | None = None
    hi: int | None = None


@dataclass(frozen=True)
class Const:
    """A constant: ``value`` on ``width`` bits (None: as wide as needed)."""

    value: int
    width: int | None = None


@dataclass(frozen=True)
class Concat:
    """Several expressions side by side, least significant part first."""

    parts: tuple[Expr, ...]


Expr = Bits | Const | Concat


@dataclass(frozen=True)
class Port:
    """A module port: a single bit (``width`` 1, ``bus`` False) or a bus."""

    name: str
    direction: str  # "input" | "output"
    width: int = 1
    bus: bool = False
    loc: Loc | None = field(default=None, compare=False)

    def __repr__(self) -> str:
        w = f"[{self.width}]" if self.bus else ""
        return f"Port({self.direction} {self.name}{w})"


@dataclass(frozen=True)
class Instance:
    """One gate or subcircuit instance.

    ``inputs``/``outputs`` connect a primitive by position, one bit per pin.
    ``ports`` connects a subcircuit by port name.
    """

    name: str
    type: str
    inputs: tuple[Expr, ...] = ()
    outputs: tuple[Expr, ...] = ()
    ports: tuple[tuple[str, Expr], ...] = ()
    loc: Loc | None = field(default=None, compare=False)

    def __repr__(self) -> str:
        if self.ports:
            conns = ", ".join(f"{p}={format_expr(e)}" for p, e in self.ports)
            return f"Instance({self.name}: {self.type}({conns}))"
        outs = ", ".join(map(format_expr, self.outputs))
        ins = ", ".join(map(format_expr, self.inputs))
        return f"Instance({self.name}: {outs} <-- {self.type} -- {ins})"


@dataclass(frozen=True)
class Assign:
    """``target`` is the same signal as ``source`` (a wire, no gate)."""

    target: Expr
    source: Expr
    loc: Loc | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Register:
    """A D flip-flop (one bit or a bus) on the design's one clock, rising edge.

    At each rising edge ``q`` loads ``d``, unless a synchronous reset or an
    enable says otherwise; ``q`` starts at ``init``.  With ``reset`` (a
    1-bit expression) active, that is equal to ``reset_active``, ``q`` loads
    ``reset_value``; with ``enable`` given and not equal to
    ``enable_active``, ``q`` keeps its value.  ``priority`` says which wins
    when both are given: ``"reset"`` (yosys ``$sdffe``: a reset loads even
    when disabled) or ``"enable"`` (yosys ``$sdffce``: a disabled register
    ignores the reset).
    """

    name: str
    d: Expr
    q: Expr
    init: int = 0
    reset: Expr | None = None
    reset_value: int = 0
    reset_active: int = 1
    enable: Expr | None = None
    enable_active: int = 1
    priority: str = "reset"
    loc: Loc | None = field(default=None, compare=False)

    def __repr__(self) -> str:
        extra = "".join([
            f", init={self.init}" if self.init else "",
            f", reset={'' if self.reset_active else '!'}{format_expr(self.reset)}"
            f"->{self.reset_value}" if self.reset is not None else "",
            f", enable={'' if self.enable_active else '!'}{format_expr(self.enable)}"
            if self.enable is not None else "",
        ])
        return f"Register({self.name}: {format_expr(self.q)} <= {format_expr(self.d)}{extra})"


@dataclass(frozen=True)
class TestVector:
    """One embedded test: port values as integers (inputs and expected outputs)."""

    __test__ = False  # not a pytest class

    values: tuple[tuple[str, int], ...]
    loc: Loc | None = field(default=None, compare=False)


@dataclass(frozen=True)
class TestSequence:
    """An embedded test of a sequential circuit: one :class:`TestVector` per
    clock cycle, from the initial state; outputs are sampled before the
    cycle's rising edge."""

    __test__ = False  # not a pytest class

    cycles: tuple[TestVector, ...]
    loc: Loc | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Module:
    """A circuit definition: ports, declared internal nets, instances."""

    name: str
    inputs: tuple[Port, ...]
    outputs: tuple[Port, ...]
    wires: tuple[Port, ...] = ()
    instances: tuple[Instance, ...] = ()
    assigns: tuple[Assign, ...] = ()
    tests: tuple[TestVector | TestSequence, ...] = ()
    loc: Loc | None = field(default=None, compare=False)
    registers: tuple[Register, ...] = ()
    #: the clock port a format reader took out of the inputs (None: implicit)
    clock: str | None = None

    @property
    def ports(self) -> tuple[Port, ...]:
        return self.inputs + self.outputs

    def port(self, name: str) -> Port | None:
        for p in self.ports:
            if p.name == name:
                return p
        return None


@dataclass(frozen=True)
class Design:
    """Everything a netlist file defines (and imports): modules, user
    primitives, and which module is the top."""

    top: str
    modules: dict[str, Module]
    primitives: dict[str, TruthTable] = field(default_factory=dict)
    primitive_locs: dict[str, Loc] = field(default_factory=dict)
    source: str | None = None
    #: what the reader found legal but suspicious, returned with the result
    warnings: tuple = field(default=(), compare=False)
    #: Training settings the top file asks for (a YAML ``train:`` section),
    #: keys of :data:`circuitnn.nn.settings.USER_OPTIONS`.
    train: dict = field(default_factory=dict)

    @property
    def top_module(self) -> Module:
        return self.modules[self.top]


# matched against stripped text: with no \s* at either end, no run of spaces
# can be split two ways, so matching stays linear in the length
_NUMBER = re.compile(r"0[xX][0-9a-fA-F_]+|0[bB][01_]+|\d+")
_BIT = re.compile(r"([A-Za-z_$\\][^\s\[\]]*)\s*(?:\[\s*(\d+)\s*(?::\s*(\d+)\s*)?\])?")


def parse_expr(text, loc: Loc | None = None, what: str = "connection") -> Expr:
    """Parse a connection: ``a``, ``a[3]``, ``a[7:4]``, ``0``, ``1``, ``0x0f``,
    or a list of those (least significant first).

    Examples
    --------
    >>> parse_expr("a[7:4]")
    Bits(net='a', lo=4, hi=7)
    >>> parse_expr(1)
    Const(value=1, width=None)
    """
    if isinstance(text, bool):
        return Const(int(text))
    if isinstance(text, int):
        if text < 0:
            raise NetlistError(f"{what} {text!r} is negative; constants are 0 or more", loc)
        return Const(text)
    if isinstance(text, (list, tuple)):
        if not text:
            raise NetlistError(f"{what} is an empty list; give at least one net", loc)
        return Concat(tuple(parse_expr(t, loc, what) for t in text))
    if not isinstance(text, str):
        raise NetlistError(
            f"{what} {text!r} is not a net; write a name like 'a', 'a[3]' or 'a[7:4]', "
            "or a constant 0 or 1",
            loc,
        )
    s = text.strip()
    if _NUMBER.fullmatch(s):
        return Const(int(s, 0))
    m = _BIT.fullmatch(s)
    if not m:
        raise NetlistError(
            f"{what} {text!r} is not a net; write a name like 'a', 'a[3]' or 'a[7:4]', "
            "or a constant 0 or 1",
            loc,
        )
    name, i, j = m.groups()
    if i is None:
        return Bits(name)
    i = int(i)
    j = i if j is None else int(j)
    return Bits(name, min(i, j), max(i, j))


def bit_refs(e: Expr):
    """The :class:`Bits` an expression reads, left to right (constants read none).

    Examples
    --------
    >>> list(bit_refs(Concat((Bits("a", 0, 0), Const(1, 1), Bits("b")))))
    [Bits(net='a', lo=0, hi=0), Bits(net='b', lo=None, hi=None)]
    """
    if isinstance(e, Bits):
        yield e
    elif isinstance(e, Concat):
        for p in e.parts:
            yield from bit_refs(p)


def join_exprs(parts) -> Expr:
    """Expressions side by side, least significant first: the one part itself,
    or a :class:`Concat` of several.

    Examples
    --------
    >>> join_exprs([Bits("a")])
    Bits(net='a', lo=None, hi=None)
    >>> format_expr(join_exprs([Bits("a", 0, 0), Bits("b", 3, 3)]))
    '[a[0], b[3]]'
    """
    parts = tuple(parts)
    return parts[0] if len(parts) == 1 else Concat(parts)


def format_expr(e: Expr) -> str:
    """The text form of an expression, as :func:`parse_expr` reads it."""
    if isinstance(e, Const):
        return str(e.value)
    if isinstance(e, Concat):
        return "[" + ", ".join(format_expr(p) for p in e.parts) + "]"
    if e.lo is None:
        return e.net
    if e.lo == e.hi:
        return f"{e.net}[{e.lo}]"
    return f"{e.net}[{e.hi}:{e.lo}]"
