"""The one record builder: how every front end (the YAML reader, the format
readers, the Python builder) turns what the user wrote into a
:class:`~circuitnn.ir.records.Module`.

A front end records, with its location, every port, gate, subcircuit
instance, assignment and test the user wrote, mistakes included: a net
driven twice, a port that does not exist, an input left unconnected.  It
judges none of them; :mod:`circuitnn.compile.check` reports them all, the
same way for every front end.

:class:`Names` is the one name allocator (names as written, ``name_2``
style, or ``stem0`` style); :meth:`RecordBuilder.bind` is the one place that
turns connections by port (or by port bit) into a subcircuit instance's
connections.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..errors import Loc
from .records import (
    Assign,
    Bits,
    Concat,
    Expr,
    Instance,
    Module,
    Port,
    Register,
    TestSequence,
    TestVector,
)

__all__ = ["Names", "RecordBuilder"]


class Names:
    """The names taken in one scope (nets, or instances), with where each was
    first taken, and fresh names that avoid them.

    Examples
    --------
    >>> n = Names()
    >>> n.add("a"), n.unique("a"), n.unique("a"), n.fresh("g"), n.fresh("g")
    ('a', 'a_2', 'a_3', 'g0', 'g1')
    """

    def __init__(self, taken: Iterable[str] = ()):
        self._where: dict[str, Loc | None] = dict.fromkeys(taken)
        # per stem, where counting continues: n clashes cost n steps, not n**2/2
        self._unique_next: dict[str, int] = {}
        self._fresh_next: dict[str, int] = {}

    def __contains__(self, name: str) -> bool:
        return name in self._where

    def __iter__(self):
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)

    def where(self, name: str) -> Loc | None:
        """Where ``name`` was first taken."""
        return self._where.get(name)

    def add(self, name: str, loc: Loc | None = None) -> str:
        """Take ``name`` as written (a second use keeps the first location)."""
        self._where.setdefault(name, loc)
        return name

    def unique(self, name: str, loc: Loc | None = None) -> str:
        """``name`` if free, else ``name_2``, ``name_3``..."""
        if name not in self._where:
            return self.add(name, loc)
        i = self._unique_next.get(name, 2)
        while f"{name}_{i}" in self._where:
            i += 1
        self._unique_next[name] = i + 1
        return self.add(f"{name}_{i}", loc)

    def fresh(self, stem: str, loc: Loc | None = None) -> str:
        """The first free name of ``stem0``, ``stem1``..."""
        k = self._fresh_next.get(stem, 0)
        while f"{stem}{k}" in self._where:
            k += 1
        self._fresh_next[stem] = k + 1
        return self.add(f"{stem}{k}", loc)


class RecordBuilder:
    """Collects one module's records in the order the user wrote them.

    Examples
    --------
    >>> rb = RecordBuilder("inv")
    >>> rb.declare("a", "input"), rb.declare("y", "output")
    (Port(input a), Port(output y))
    >>> rb.gate("NOT", (Bits("a"),), (Bits("y"),), name="g")
    Instance(g: y <-- NOT -- a)
    >>> rb.build().ports
    (Port(input a), Port(output y))
    """

    def __init__(self, name: str, loc: Loc | None = None):
        self.name = name
        self.loc = loc
        self.inputs: list[Port] = []
        self.outputs: list[Port] = []
        self.wires: list[Port] = []
        self.instances: list[Instance] = []
        self.assigns: list[Assign] = []
        self.tests: list[TestVector | TestSequence] = []
        self.registers: list[Register] = []
        self.clock: str | None = None
        self.nets = Names()
        self.instance_names = Names()
        self._fresh = 0

    # ............................................................ nets
    def declare(self, name: str, direction: str, width: int = 1, bus: bool = False,
                loc: Loc | None = None) -> Port:
        """Record a port (``direction`` "input" or "output") or a declared
        wire ("wire"); a name declared twice is recorded twice."""
        port = Port(name, direction, width, bus, loc)
        {"input": self.inputs, "output": self.outputs, "wire": self.wires}[direction].append(
            port)
        self.nets.add(name, loc)
        return port

    def fresh(self, hint: str) -> Bits:
        """A new internal net named after ``hint``."""
        self._fresh += 1
        return Bits(self.nets.unique(f"{hint}.t{self._fresh}"))

    # ....................................................... contents
    def gate(self, type_: str, inputs: Sequence[Expr], outputs: Sequence[Expr],
             loc: Loc | None = None, name: str = "g") -> Instance:
        """Record a primitive connected by position."""
        inst = Instance(self.instance_names.add(name, loc), type_, tuple(inputs),
                        tuple(outputs), loc=loc)
        self.instances.append(inst)
        return inst

    def instance(self, type_: str, ports: Iterable[tuple[str, Expr]],
                 loc: Loc | None = None, name: str = "u") -> Instance:
        """Record a subcircuit instance connected by port name, as written."""
        inst = Instance(self.instance_names.add(name, loc), type_, ports=tuple(ports),
                        loc=loc)
        self.instances.append(inst)
        return inst

    def bind(self, child: Sequence[Port], given: Iterable[tuple[str, int | None, Expr]],
             hint: str) -> tuple[tuple[str, Expr], ...]:
        """The connections of an instance of a circuit with ports ``child``,
        from ``(port, bit, expr)`` triples (``bit`` None: the whole port).

        Known ports come in the child's port order, the bits of a bus given
        one by one joined least significant first, a bit left out on a fresh
        net (``hint`` names it).  What is wrong is kept for the checker: a
        port or bit given twice is connected twice, a name that is no port is
        connected as written, a port not given is left out.
        """
        by_name = {p.name: p for p in child}
        whole: dict[str, list[Expr]] = {}
        bits: dict[str, dict[int, Expr]] = {}
        again: list[tuple[str, Expr]] = []
        unknown: list[tuple[str, Expr]] = []
        for port, bit, expr in given:
            if port not in by_name:
                unknown.append((port if bit is None else f"{port}[{bit}]", expr))
            elif bit is None:
                whole.setdefault(port, []).append(expr)
            elif bit in bits.setdefault(port, {}):
                again.append((port, expr))
            else:
                bits[port][bit] = expr
        out: list[tuple[str, Expr]] = []
        for p in child:
            for expr in whole.get(p.name, ()):
                out.append((p.name, expr))
            got = bits.get(p.name)
            if not got:
                continue
            parts: list[Expr] = []
            for i in range(p.width):
                if i in got:
                    parts.append(got[i])
                elif p.direction == "input":
                    parts.append(Bits(self.nets.unique(f"{hint}.{p.name}[{i}]")))
                else:
                    parts.append(self.fresh(f"{hint}.{p.name}"))
            out.append((p.name, Concat(tuple(parts)) if p.bus else parts[0]))
        return tuple(out + again + unknown)

    def register(self, d: Expr, q: Expr, loc: Loc | None = None, name: str = "r",
                 **options) -> Register:
        """Record a register (``options``: ``init``, ``reset``, ``reset_value``,
        ``reset_active``, ``enable``, ``enable_active``, ``priority``, as in
        :class:`~circuitnn.ir.records.Register`), judged by the checker."""
        reg = Register(self.instance_names.add(name, loc), d, q, loc=loc, **options)
        self.registers.append(reg)
        return reg

    def assign(self, target: Expr, source: Expr, loc: Loc | None = None) -> Assign:
        """Record ``target = source``."""
        a = Assign(target, source, loc)
        self.assigns.append(a)
        return a

    def test(self, values: Iterable[tuple[str, int]], loc: Loc | None = None) -> None:
        """Record an embedded test vector."""
        self.tests.append(TestVector(tuple(values), loc))

    def test_sequence(self, cycles: Iterable[TestVector], loc: Loc | None = None) -> None:
        """Record an embedded test of consecutive clock cycles."""
        self.tests.append(TestSequence(tuple(cycles), loc))

    def build(self) -> Module:
        """The module record."""
        return Module(self.name, tuple(self.inputs), tuple(self.outputs), tuple(self.wires),
                      tuple(self.instances), tuple(self.assigns), tuple(self.tests),
                      self.loc, tuple(self.registers), self.clock)
