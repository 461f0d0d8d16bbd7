"""The Python front end: build circuits in code instead of YAML.

A :class:`Builder` declares ports, instantiates primitives and subcircuits and
wires them; :meth:`Builder.build` turns that into the same netlist records
(:class:`~circuitnn.ir.records.Module`, :class:`~circuitnn.ir.records.Design`) the
YAML reader produces, and :meth:`Subcircuit.compile` hands them to the one
compiler, :func:`~circuitnn.compile.compile_design`.

* :class:`Signal` is a bit or a bus inside one builder.  ``a & b``, ``a | b``,
  ``a ^ b`` and ``~a`` make one gate per bit; ``a[3]`` and ``a[2:5]`` slice
  python-style (bit 0 is the least significant, ``a[2:5]`` is bits 2, 3 and
  4); :func:`cat` joins signals, least significant first.
* :class:`Subcircuit` is a finished, reusable circuit definition.  Calling it
  with signals instantiates it inside the builder those signals belong to.
* :class:`CompiledCircuit` evaluates: ``adder(a=5, b=7, cin=0)`` gives
  ``{'sum': 12, 'cout': 0}``.

There is no global "current circuit": a signal knows its builder, and nothing
else is shared.  Mistakes raise :class:`~circuitnn.errors.CircuitError`
subclasses at the line of user code that made them.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from .._where import _user_loc
from ..compile.check import MAX_NET_WIDTH, check_module, type_problem
from ..errors import Loc, NetlistError, UsageError, show_int
from ..ir.build import RecordBuilder
from ..ir.primitives import FAMILY_NAMES, family_fanins, resolve, wide_gate
from ..ir.records import (
    Assign,
    Bits,
    Concat,
    Const,
    Design,
    Expr,
    Instance,
    Module,
    Port,
    join_exprs,
)
from ..ir.truthtable import TruthTable
from .signals import Register, Signal, _is_bus, _plural
from .subcircuit import CompiledCircuit, Outputs, Subcircuit

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


# ------------------------------------------------------------------ builder
class Builder:
    """A circuit under construction: ports, gates, subcircuit instances.

    The builder records what the user wrote, at the user's line, in a
    :class:`~circuitnn.ir.build.RecordBuilder`; :meth:`build` hands the
    records to the one checker, which reports every problem (a net driven
    twice, an input left unconnected...) at the line that made it.  Only
    what a call must know to return its signals is checked on the spot:
    names, widths of operands, the gate type.

    Parameters
    ----------
    name : str
        The circuit's name (an identifier); it becomes the module name when
        the circuit is used as a subcircuit.

    Examples
    --------
    >>> b = Builder("half_adder")
    >>> a, c = b.input("a"), b.input("b")
    >>> b.output("sum", a ^ c)
    Signal(sum, 1 bit)
    >>> b.output("carry", a & c)
    Signal(carry, 1 bit)
    >>> ha = b.compile()
    >>> ha(a=1, b=1)
    {'sum': 0, 'carry': 1}
    """

    def __init__(self, name: str):
        if not isinstance(name, str) or not _IDENT.match(name):
            raise UsageError(f"circuit name {name!r} is not an identifier (letters, digits "
                             "and '_', not starting with a digit)", _user_loc())
        self.name = name
        self.loc = _user_loc()
        self._rb = RecordBuilder(name, self.loc)
        self._ports: dict[str, Port] = {}
        self._modules: dict[str, Module] = {}
        self._primitives: dict[str, TruthTable] = {}
        self._auto: set[str] = set()

    def __repr__(self) -> str:
        return (f"Builder({self.name}: {len(self._rb.inputs)} inputs, "
                f"{len(self._rb.outputs)} outputs, {len(self._rb.instances)} instances)")

    # ........................................................... names
    def _declare(self, name: str, width: int, bus: bool, kind: str, loc: Loc) -> Signal:
        if not isinstance(name, str) or not _IDENT.match(name):
            raise NetlistError(f"{kind} name {name!r} is not an identifier (letters, digits "
                               "and '_', not starting with a digit)", loc)
        if name in self._ports:
            first = self._ports[name]
            raise NetlistError(f"circuit {self.name!r}: name {name!r} is already used by "
                               f"the {first.direction} declared at {first.loc}; choose "
                               "another", loc)
        width = _check_width(width, f"{kind} {name!r}", loc)
        self._ports[name] = self._rb.declare(name, kind, int(width), bus, loc)
        return Signal(self, tuple((name, i) for i in range(int(width))))

    def _instance_name(self, name: str | None, stem: str, loc: Loc) -> str:
        names = self._rb.instance_names
        if name is None:
            return names.fresh(stem, loc)
        if not isinstance(name, str) or not _IDENT.match(name):
            raise NetlistError(f"instance name {name!r} is not an identifier", loc)
        if name in names:
            raise NetlistError(f"circuit {self.name!r}: instance name {name!r} is already "
                               f"used (at {names.where(name)}); instance names must "
                               "be unique", loc)
        return names.add(name, loc)

    def input(self, name: str, width: int | None = None) -> Signal:
        """Declare an input: a single bit, or a bus of ``width`` bits.

        Examples
        --------
        >>> b = Builder("demo")
        >>> b.input("a", 8), b.input("en")
        (Signal(a, 8 bits), Signal(en, 1 bit))
        """
        width = 1 if width is None else width
        return self._declare(name, width, _is_bus(width), "input", _user_loc())

    def output(self, name: str, value: Signal | int | None = None, width: int | None = None
               ) -> Signal:
        """Declare an output, driven by ``value`` now or with ``<<=`` later.

        Parameters
        ----------
        name : str
        value : Signal or int, optional
            What drives the output; the output is as wide as a signal given.
        width : int, optional
            The width, when ``value`` is absent or an ``int`` (a constant).

        Examples
        --------
        >>> from circuitnn.hdl import cat
        >>> b = Builder("demo")
        >>> a = b.input("a", 2)
        >>> b.output("y", ~a)
        Signal(y, 2 bits)
        >>> z = b.output("z", width=3)
        >>> z <<= cat(a, 0)
        """
        loc = _user_loc()
        if isinstance(value, Signal):
            if width is not None and width != value.width:
                raise NetlistError(f"output {name!r} is declared {_plural(width)} wide but "
                                   f"driven by {value!r}", loc)
            width = value.width
        width = 1 if width is None else width
        out = self._declare(name, width, _is_bus(width), "output", loc)
        if value is not None:
            self._drive(out, value, loc)
        return out

    def wire(self, width: int = 1, name: str | None = None) -> Signal:
        """An internal net, to be driven later with ``<<=``.

        Examples
        --------
        >>> from circuitnn.hdl import cat
        >>> b = Builder("demo")
        >>> w = b.wire(2, "w")
        >>> w <<= cat(b.input("x"), 1)
        >>> w
        Signal(w, 2 bits)
        """
        loc = _user_loc()
        if name is None:
            name = self._rb.nets.fresh("_w")
        return self._declare(name, width, _is_bus(width), "wire", loc)

    def const(self, value: int, width: int = 1) -> Signal:
        """The constant ``value`` on ``width`` bits.

        Examples
        --------
        >>> Builder("demo").const(5, 4)
        Signal([1, 0, 1, 0], 4 bits)
        """
        return self._const(value, width, _user_loc())

    def _const(self, value, width, loc) -> Signal:
        if isinstance(value, bool):
            value = int(value)
        if not isinstance(value, (int, np.integer)) or value < 0:
            raise NetlistError(f"constant {value!r} is not a whole number of 0 or more", loc)
        value = int(value)
        width = _check_width(width, f"constant {show_int(value)}", loc)
        if value >> width:
            raise NetlistError(f"constant {show_int(value)} does not fit in {_plural(width)} "
                               f"(0 to {show_int((1 << width) - 1)})", loc)
        return Signal(self, tuple((value >> i) & 1 for i in range(width)))

    def _coerce(self, value, width: int, what: str) -> Signal:
        if isinstance(value, Signal):
            if value.builder is not self:
                raise UsageError(f"{what} {value!r} belongs to circuit "
                                 f"{value.builder.name!r}, not {self.name!r}; a signal is "
                                 "used only in the builder that made it", _user_loc())
            return value
        if isinstance(value, (int, np.integer)):
            return self._const(value, width, _user_loc())
        raise UsageError(f"{what} {value!r} is not a signal or an int", _user_loc())

    # ........................................................... wiring
    def _expr(self, bits) -> Expr:
        parts: list[Expr] = []
        run: list | None = None  # [net, lo, hi]
        for bit in bits:
            if isinstance(bit, tuple):
                if run is not None and run[0] == bit[0] and run[2] + 1 == bit[1]:
                    run[2] = bit[1]
                    continue
                if run is not None:
                    parts.append(self._bits_expr(*run))
                run = [bit[0], bit[1], bit[1]]
            else:
                if run is not None:
                    parts.append(self._bits_expr(*run))
                    run = None
                parts.append(Const(bit))
        if run is not None:
            parts.append(self._bits_expr(*run))
        return join_exprs(parts)

    def _bits_expr(self, net: str, lo: int, hi: int) -> Bits:
        n = self._ports[net]
        if lo == 0 and hi == n.width - 1 and (n.bus or n.width == 1):
            return Bits(net)
        return Bits(net, lo, hi)

    def _drive(self, target: Signal, value, loc: Loc) -> None:
        value = self._coerce(value, target.width, "value")
        if value.width != target.width:
            raise NetlistError(f"cannot drive {target!r} with {value!r}: widths differ; slice "
                               "one or extend it with cat()", loc)
        # one assignment per contiguous run of target bits (a constant bit, which
        # the checker refuses as a target, is a run of its own)
        bits = target.bits
        start = 0
        for i in range(1, len(bits) + 1):
            if (i == len(bits) or not isinstance(bits[i], tuple)
                    or not isinstance(bits[i - 1], tuple) or bits[i][0] != bits[start][0]
                    or bits[i][1] != bits[i - 1][1] + 1):
                self._rb.assign(self._expr(bits[start:i]), self._expr(value.bits[start:i]),
                                loc)
                start = i

    def _new_net(self, stem: str, width: int, bus: bool, loc: Loc) -> Signal:
        name = stem if stem not in self._rb.nets else self._rb.nets.fresh(stem)
        sig = self._declare(name, width, bus, "wire", loc)
        self._auto.add(name)
        return sig

    def _bitwise(self, prim: str, operands: tuple) -> Signal:
        loc = _user_loc()
        width = operands[0].width
        name = self._instance_name(None, prim.rstrip("0123456789").lower(), loc)
        out = self._new_net(f"_{name}", width, _is_bus(width), loc)
        for i in range(width):
            gname = name if width == 1 else self._instance_name(None, f"{name}_", loc)
            self._rb.gate(prim, tuple(self._expr((op.bits[i],)) for op in operands),
                          (self._expr((out.bits[i],)),), loc, gname)
        return out

    def register(self, width: int = 1, name: str | None = None, *, init: int = 0,
                 reset: Signal | None = None, reset_value: int = 0, reset_active: int = 1,
                 enable: Signal | None = None, enable_active: int = 1,
                 priority: str = "reset") -> Register:
        """A register (D flip-flop) of ``width`` bits on the one clock.

        The result is its state (the value before the clock edge); drive what
        it loads at the edge with ``r.next <<= value``.  With ``reset`` (a
        1-bit signal) equal to ``reset_active`` it loads ``reset_value``;
        with ``enable`` given and not equal to ``enable_active`` it keeps its
        value; ``priority`` ("reset" or "enable") says which wins when both
        apply.  It starts at ``init``.

        Examples
        --------
        >>> b = Builder("toggle")
        >>> en = b.input("en")
        >>> r = b.register(1, "state", enable=en)
        >>> r.next <<= ~r
        >>> b.output("q", r)
        Signal(q, 1 bit)
        >>> b.compile().sim(en=[1, 1, 0, 1])["q"].tolist()
        [0, 1, 0, 0]
        """
        loc = _user_loc()
        if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width < 1:
            raise NetlistError(f"register width {width!r} is not a whole number of 1 or "
                               "more", loc)
        width = int(width)
        name = self._instance_name(name, "reg", loc)
        q = self._new_net(name, width, _is_bus(width), loc)
        d = self._new_net(f"{name}_next", width, _is_bus(width), loc)
        controls = {}
        for what, sig in (("reset", reset), ("enable", enable)):
            if sig is None:
                continue
            sig = self._coerce(sig, 1, what)
            if sig.width != 1:
                raise NetlistError(f"register {name!r}: its {what} {sig!r} is "
                                   f"{_plural(sig.width)} wide; a {what} is one bit", loc)
            controls[what] = self._expr(sig.bits)
        self._rb.register(self._expr(d.bits), self._expr(q.bits), loc, name, init=init,
                          reset_value=reset_value, reset_active=reset_active,
                          enable_active=enable_active, priority=priority, **controls)
        return Register(self, q.bits, d)

    def gate(self, type: str | TruthTable, *inputs: Signal | int, name: str | None = None
             ) -> Signal | tuple[Signal, ...]:
        """Instantiate a primitive; every bit of ``inputs`` is one pin, in order.

        Parameters
        ----------
        type : str or TruthTable
            A standard gate (``"AND3"``, ``"MUX2"``, or a family name such as
            ``"AND"`` whose fan-in is the number of input bits), or a named
            :class:`~circuitnn.ir.truthtable.TruthTable` (a user primitive).
        *inputs : Signal or int
            The input pins; ints are 1-bit constants.
        name : str, optional
            The instance name.

        Returns
        -------
        Signal, or a tuple of 1-bit signals for a primitive with several outputs.

        Examples
        --------
        >>> b = Builder("demo")
        >>> s, x, y = b.input("s"), b.input("x"), b.input("y")
        >>> b.gate("MUX2", s, x, y, name="m")
        Signal(_m, 1 bit)
        >>> b.gate("MAJ", x, y, 1)
        Signal(_maj0, 1 bit)
        """
        loc = _user_loc()
        sigs = [self._coerce(v, 1, f"input of gate {type!r}") for v in inputs]
        n_in = sum(s.width for s in sigs)
        if isinstance(type, TruthTable):
            tt = type
            if not tt.name or not _IDENT.match(tt.name):
                raise UsageError(f"{tt!r} needs a name (an identifier) to be a primitive; "
                                 "give TruthTable(..., name='...')", loc)
            if resolve(tt.name) is not None and resolve(tt.name) != tt:
                raise NetlistError(f"primitive {tt.name!r} differs from the standard gate "
                                   "of that name; rename it", loc)
            old = self._primitives.get(tt.name)
            if old is not None and old != tt:
                raise NetlistError(f"two different truth tables are named {tt.name!r}; "
                                   "rename one", loc)
            type_name = tt.name
        elif isinstance(type, str) and type not in self._primitives and wide_gate(
                type, n_in, n_in if type.upper() in ("NOT", "BUF", "BUFF") else 1):
            # a family gate wider than the standard ones (XOR of 8, NOT of a
            # bus): the compiler turns it into standard gates
            width = n_in if type.upper() in ("NOT", "BUF", "BUFF") else 1
            iname = self._instance_name(name, re.sub(r"\d+$", "", type).lower(), loc)
            out = self._new_net(f"_{iname}", width, width > 1, loc)
            self._rb.gate(type, tuple(s.expr for s in sigs), (out.expr,), loc, iname)
            return out
        elif isinstance(type, str):
            tt = self._primitives.get(type) or resolve(type, n_in)
            type_name = type
            if tt is None:
                # the one thing checked on the spot: the output signal's width
                # comes from the type
                who = "gate" if name is None else f"gate {name!r}"
                hint = ("" if family_fanins(type) else " (with a fan-in such as AND3), or "
                        "pass a TruthTable; instantiate circuits by calling them")
                raise NetlistError(type_problem(who, type, n_in, [*FAMILY_NAMES,
                                                                  *self._primitives]) + hint,
                                   loc)
        else:
            raise UsageError(f"gate type {type!r} is not a name or a TruthTable", loc)
        if isinstance(type, TruthTable):
            self._primitives[tt.name] = tt
        stem = re.sub(r"\d+$", "", type_name).lower() or "g"
        iname = self._instance_name(name, stem, loc)
        out = self._new_net(f"_{iname}", tt.n_outputs, tt.n_outputs > 1, loc)
        self._rb.gate(type_name, tuple(s.expr for s in sigs), (out.expr,), loc, iname)
        return out if tt.n_outputs == 1 else tuple(out)

    def instance(self, sub: Subcircuit, name: str | None = None, **connections: Signal | int
                 ) -> Outputs:
        """Instantiate ``sub`` here; ``connections`` give each input port a value.

        An output port may also be given a signal (a wire or an output of
        this builder) to drive; every output is returned either way.
        ``sub(a=x, ...)`` is the same call when a connection is a signal.

        Examples
        --------
        >>> from circuitnn.library import full_adder
        >>> b = Builder("demo")
        >>> x, y = b.input("x"), b.input("y")
        >>> r = b.instance(full_adder(), a=x, b=y, cin=0)
        >>> r
        Outputs(sum=Signal(_full_adder0_sum, 1 bit), cout=Signal(_full_adder0_cout, 1 bit))
        """
        return self._instance(sub, name, connections, _user_loc())

    def _instance(self, sub: Subcircuit, name, connections, loc) -> Outputs:
        if not isinstance(sub, Subcircuit):
            raise UsageError(f"{sub!r} is not a Subcircuit; build one with Builder.build() "
                             "or a circuitnn.library function", loc)
        if sub.name == self.name:
            raise NetlistError(f"circuit {self.name!r} cannot contain itself", loc)
        mod = sub.module
        ports = {p.name: p for p in mod.ports}
        conns: dict[str, Signal] = {}
        for pname, value in connections.items():
            port = ports.get(pname)
            conns[pname] = self._coerce(value, port.width if port else 1,
                                        f"port {pname!r} of {sub.name!r}:")
        self._merge(sub, loc)
        iname = self._instance_name(name, sub.name, loc)
        outs = {}
        for port in mod.outputs:
            if port.name not in conns:
                conns[port.name] = self._new_net(f"_{iname}_{port.name}", port.width,
                                                 port.bus, loc)
            outs[port.name] = conns[port.name]
        given = [(pname, None, sig.expr) for pname, sig in conns.items()]
        self._rb.instance(sub.name, self._rb.bind(mod.ports, given, iname), loc, iname)
        return Outputs(outs)

    def _merge(self, sub: Subcircuit, loc: Loc) -> None:
        for mname, mod in sub.modules.items():
            have = self._modules.get(mname)
            if have is not None and have is not mod and have != mod:
                raise NetlistError(f"two different circuits are named {mname!r}; give one "
                                   "of them another name", loc)
            if mname == self.name:
                raise NetlistError(f"circuit {self.name!r} would contain a different circuit "
                                   "of the same name; rename one", loc)
        for pname, tt in sub.primitives.items():
            have = self._primitives.get(pname)
            if have is not None and have != tt:
                raise NetlistError(f"two different primitives are named {pname!r}; rename "
                                   "one", loc)
        self._modules.update(sub.modules)
        self._primitives.update(sub.primitives)

    # ........................................................... finish
    def build(self) -> Subcircuit:
        """The finished circuit as a reusable :class:`Subcircuit`.

        Raises
        ------
        ValidationError
            Listing every problem the checker finds in this circuit (an output
            never driven, a net driven twice, a port that is not connected...),
            each at the line of user code that made it.

        Examples
        --------
        >>> b = Builder("inv")
        >>> b.output("y", ~b.input("a"))
        Signal(y, 1 bit)
        >>> b.build()
        Subcircuit(inv: a -> y)
        """
        loc = _user_loc()
        if not self._rb.outputs:
            raise NetlistError(f"circuit {self.name!r} has no outputs; declare them with "
                               "Builder.output()", loc)
        recorded = self._rb.build()
        # An output or wire driven by a whole gate-output net takes that net's
        # place, so netlists read like hand-written ones (no extra wire).
        alias: dict[str, str] = {}
        assigns = []
        for a in recorded.assigns:
            src, dst = a.source, a.target
            if (isinstance(src, Bits) and src.lo is None and src.net in self._auto
                    and src.net not in alias and isinstance(dst, Bits) and dst.lo is None
                    and self._ports[src.net].width == self._ports[dst.net].width):
                alias[src.net] = dst.net
            else:
                assigns.append(a)
        sub = _renamer(alias)
        module = replace(
            recorded,
            wires=tuple(p for p in recorded.wires if p.name not in alias),
            instances=tuple(
                Instance(i.name, i.type, tuple(map(sub, i.inputs)),
                         tuple(map(sub, i.outputs)), tuple((n, sub(e)) for n, e in i.ports),
                         i.loc)
                for i in recorded.instances),
            assigns=tuple(Assign(sub(a.target), sub(a.source), a.loc) for a in assigns),
            registers=tuple(replace(r, d=sub(r.d), q=sub(r.q),
                                    reset=None if r.reset is None else sub(r.reset),
                                    enable=None if r.enable is None else sub(r.enable))
                            for r in recorded.registers))
        modules = dict(self._modules)
        modules[self.name] = module
        check_module(Design(self.name, modules, dict(self._primitives)), self.name)
        return Subcircuit(module, modules, dict(self._primitives))

    def compile(self, store=None, mode: str = "analog") -> CompiledCircuit:
        """``build()`` and compile: a circuit ready to evaluate.

        Examples
        --------
        >>> b = Builder("inv")
        >>> b.output("y", ~b.input("a", 3))
        Signal(y, 3 bits)
        >>> b.compile()(a=5)
        {'y': 2}
        """
        return self.build().compile(store=store, mode=mode)


def _renamer(alias: dict[str, str]):
    def sub(e: Expr) -> Expr:
        if isinstance(e, Bits):
            return Bits(alias[e.net], e.lo, e.hi) if e.net in alias else e
        if isinstance(e, Concat):
            return Concat(tuple(map(sub, e.parts)))
        return e

    return sub


def _check_width(width, what: str, loc: Loc) -> int:
    """``width`` as an int if it is a whole number from 1 to the widest net."""
    if isinstance(width, bool) or not isinstance(width, (int, np.integer)) \
            or not 1 <= width <= MAX_NET_WIDTH:
        shown = show_int(width) if isinstance(width, (int, np.integer)) else repr(width)
        raise NetlistError(f"{what} has width {shown}; use a whole number from 1 to "
                           f"{MAX_NET_WIDTH:,}", loc)
    return int(width)
