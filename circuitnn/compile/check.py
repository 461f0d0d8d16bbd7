"""The one checker: every problem of every module, each with its location,
reported together."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import CircuitError, Loc, NetlistError, ValidationError, show_int
from ..ir.primitives import FAMILY_NAMES, did_you_mean, family_fanins, resolve, wide_gate
from ..ir.records import Bits, Concat, Const, Design, Expr, Instance, Module, bit_refs
from ..ir.truthtable import TruthTable

#: The widest net (as the YAML reader's widest port): a bit index beyond it is
#: refused before anything is allocated per bit.
MAX_NET_WIDTH = 1 << 20


# ------------------------------------------------------------- validation
#: gates with unread outputs warned of one by one, per circuit; the rest counted
_UNREAD_SHOWN = 5


@dataclass
class _Net:
    width: int
    declared: bool
    loc: Loc | None


class _Checker:
    """Checks one module definition; knows every type it may instantiate."""

    def __init__(self, design: Design):
        self.design = design
        self.problems: list[CircuitError] = []
        self.warnings: list[CircuitError] = []
        self._nets: dict[str, dict[str, _Net]] = {}
        self._wide: dict[tuple[str, int, int], list | None] = {}
        #: (type, inputs, outputs) of primitive gates found right: checked once
        self._fits: set[tuple[str, int, int]] = set()

    def err(self, msg: str, loc: Loc | None) -> None:
        self.problems.append(NetlistError(msg, loc))

    # types
    def primitive(self, type_name: str, n_inputs: int) -> TruthTable | None:
        if type_name in self.design.primitives:
            return self.design.primitives[type_name]
        return resolve(type_name, n_inputs)

    def wide(self, type_name: str, n_inputs: int, n_outputs: int):
        """A family gate beyond the standard fan-ins (XOR of 8, NOT of a bus)
        as standard gates (see :func:`~circuitnn.ir.primitives.wide_gate`)."""
        if type_name in self.design.primitives:
            return None
        key = (type_name, n_inputs, n_outputs)
        if key not in self._wide:  # asked again for every gate of the type
            self._wide[key] = wide_gate(type_name, n_inputs, n_outputs)
        return self._wide[key]

    def known_types(self, exclude: str | None = None) -> list[str]:
        own = (set(self.design.modules) | set(self.design.primitives)) - {exclude}
        return sorted(own) + list(FAMILY_NAMES)

    # nets
    def nets_of(self, mod: Module) -> dict[str, _Net]:
        """The module's nets and widths, worked out once per module (the
        flattener asks again for every instance)."""
        if mod.name not in self._nets:
            self._nets[mod.name] = self._find_nets(mod)
        return self._nets[mod.name]

    def _find_nets(self, mod: Module) -> dict[str, _Net]:
        nets: dict[str, _Net] = {}
        seen: dict[str, Loc | None] = {}
        for p in mod.inputs + mod.outputs + mod.wires:
            if p.name in seen:
                self.err(f"circuit {mod.name!r}: name {p.name!r} is declared twice"
                         f"{_first(seen[p.name], p.loc)}", p.loc)
                continue
            seen[p.name] = p.loc
            nets[p.name] = _Net(p.width, True, p.loc)
        # implicit nets take their width from use: whole-net connections to a
        # subcircuit port, or the highest bit index used
        for inst in mod.instances:
            child = self.design.modules.get(inst.type)
            for port_name, expr in inst.ports:
                port = child.port(port_name) if child else None
                for b in bit_refs(expr):
                    if b.net in nets and nets[b.net].declared:
                        continue
                    want = (port.width if port is not None and b.lo is None
                            and isinstance(expr, Bits) else
                            (b.hi + 1 if b.lo is not None else 1))
                    self._implicit(nets, b.net, want, inst.loc)
            for expr in inst.inputs + inst.outputs:
                for b in bit_refs(expr):
                    if b.net not in nets or not nets[b.net].declared:
                        self._implicit(nets, b.net, b.hi + 1 if b.lo is not None else 1,
                                       inst.loc)
        for reg in mod.registers:
            for expr in (reg.d, reg.q, reg.reset, reg.enable):
                for b in bit_refs(expr):
                    if b.net not in nets or not nets[b.net].declared:
                        self._implicit(nets, b.net, b.hi + 1 if b.lo is not None else 1,
                                       reg.loc)
        for a in mod.assigns:
            for expr in (a.target, a.source):
                for b in bit_refs(expr):
                    if b.net not in nets or not nets[b.net].declared:
                        self._implicit(nets, b.net, b.hi + 1 if b.lo is not None else 1,
                                       a.loc)
        return nets

    @staticmethod
    def _implicit(nets, name, width, loc):
        if name in nets:
            nets[name].width = max(nets[name].width, width)
        else:
            nets[name] = _Net(width, False, loc)

    def width(self, expr: Expr, nets, loc, what: str, want: int | None = None) -> int | None:
        if type(expr) is Bits:  # nearly every connection: tested first
            net = nets[expr.net]
            if expr.lo is None:
                return net.width
            if expr.hi < net.width:
                return expr.hi - expr.lo + 1
        if isinstance(expr, Const):
            w = expr.width if expr.width is not None else (want if want else 1)
            if expr.value >= (1 << w):
                self.err(f"{what}: constant {show_int(expr.value)} does not fit in {w} bit"
                         f"{'s' if w > 1 else ''}", loc)
                return None
            return w
        if isinstance(expr, Concat):
            total = 0
            for part in expr.parts:
                w = self.width(part, nets, loc, what, 1 if isinstance(part, Const) else None)
                if w is None:
                    return None
                total += w
            return total
        net = nets[expr.net]
        if expr.lo is None:
            return net.width
        if expr.hi >= net.width:
            self.err(f"{what}: bit {expr.hi} of {expr.net!r} is out of range; "
                     f"{expr.net!r} has bits 0 to {net.width - 1}", loc)
            return None
        return expr.hi - expr.lo + 1

    # the module
    def check(self, mod: Module) -> None:
        nets = self.nets_of(mod)
        too_wide = [(name, net) for name, net in nets.items()
                    if not net.declared and net.width > MAX_NET_WIDTH]
        for name, net in too_wide:
            self.err(f"circuit {mod.name!r}: bit {net.width - 1} of net {name!r} is out of "
                     f"range; a net has at most {MAX_NET_WIDTH} bits (0 to "
                     f"{MAX_NET_WIDTH - 1})", net.loc)
        if too_wide:
            return  # checking bit by bit would take forever
        # per net: the driver of each bit (0: none, k: whos[k - 1]) and whether
        # each bit is read; whole ranges are set by slice, so a million-bit
        # bus costs a few C loops, not a million Python steps
        owners: dict[str, list[int]] = {}
        readers: dict[str, bytearray] = {}
        whos: list[tuple[str, Loc | None]] = []
        names: dict[str, Loc | None] = {}

        def span(b):
            width = nets[b.net].width
            return (0, width - 1) if b.lo is None else (b.lo, min(b.hi, width - 1))

        def owner(net: str) -> list[int]:
            own = owners.get(net)
            if own is None:
                own = owners[net] = [0] * nets[net].width
            return own

        def drive(expr, who: str, loc, quiet: bool = False):
            whos.append((who, loc))
            k = len(whos)
            if quiet:
                # a gate that is already wrong still drives its outputs, so that
                # one mistake is reported once, not again as undriven nets
                for b in bit_refs(expr):
                    if b.net in nets:
                        lo, hi = span(b)
                        own = owner(b.net)
                        if own[lo:hi + 1].count(0) == hi - lo + 1:
                            own[lo:hi + 1] = [k] * (hi - lo + 1)
                            continue
                        for i in range(lo, hi + 1):
                            if not own[i]:
                                own[i] = k
                return
            if type(expr) is not Bits and (isinstance(expr, Const) or (
                isinstance(expr, Concat) and any(isinstance(p, Const) for p in expr.parts)
            )):
                self.err(f"{who} drives the constant {_fmt(expr)}; outputs must go to "
                         "nets", loc)
                return
            for b in ((expr,) if type(expr) is Bits else bit_refs(expr)):
                lo, hi = span(b)
                if hi < lo:
                    continue
                if b.net in inputs:
                    label = _bitsname(b.net, range(lo, hi + 1), nets)
                    self.err(f"{who} drives {label!r}, which is an input of circuit "
                             f"{mod.name!r}; inputs are driven from outside", loc)
                    continue
                own = owner(b.net)
                n = hi - lo + 1
                if own[lo:hi + 1].count(0) == n:
                    own[lo:hi + 1] = [k] * n
                    continue
                # one message per mistake, not per bit: bits grouped by their driver
                wrong: dict[int, list[int]] = {}
                for i in range(lo, hi + 1):
                    if own[i]:
                        wrong.setdefault(own[i], []).append(i)
                    else:
                        own[i] = k
                for first, idx in wrong.items():
                    label = _bitsname(b.net, idx, nets)
                    first_who, first_loc = whos[first - 1]
                    self.err(f"net {label!r} has two drivers: {first_who}"
                             f"{_first(first_loc, loc, '')} and {who}; a net has exactly "
                             "one driver", loc)

        def read(expr):
            for b in ((expr,) if type(expr) is Bits else bit_refs(expr)):
                lo, hi = span(b)
                if hi < lo:
                    continue
                rd = readers.get(b.net)
                if rd is None:
                    rd = readers[b.net] = bytearray(nets[b.net].width)
                rd[lo:hi + 1] = b"\x01" * (hi - lo + 1)

        inputs = {p.name for p in mod.inputs}

        def claim(kind: str, name: str, loc, rule: str) -> None:
            if name in names:
                self.err(f"circuit {mod.name!r}: {kind} name {name!r} is used twice"
                         f"{_first(names[name], loc)}; {rule} must be unique", loc)
            names[name] = loc

        for inst in mod.instances:
            claim("gate", inst.name, inst.loc, "instance names")
            who = f"gate {inst.name!r}"
            if inst.type in self.design.modules:
                self.check_instance(mod, inst, nets, drive, read)
                continue
            n_errors = len(self.problems)
            self.check_primitive(inst, nets, drive, read, mod.name)
            if len(self.problems) > n_errors:
                for e in inst.outputs:
                    drive(e, who, inst.loc, quiet=True)
        for reg in mod.registers:
            claim("register", reg.name, reg.loc, "gate and register names")
            self.check_register(reg, nets, drive, read)
        self.check_assigns(mod, nets, drive, read)
        self.check_drivers(mod, nets, owners, readers)

    def check_register(self, reg, nets, drive, read) -> None:
        who = f"register {reg.name!r}"
        n_errors = len(self.problems)
        qw = self.width(reg.q, nets, reg.loc, f"{who} output")
        dw = self.width(reg.d, nets, reg.loc, f"{who} input", qw)
        if qw is not None and dw is not None and qw != dw:
            self.err(f"{who}: its input {_fmt(reg.d)!r} is {dw} bit{'s' if dw > 1 else ''} "
                     f"wide but its output {_fmt(reg.q)!r} is {qw}; they must be as wide",
                     reg.loc)
        for what, expr in (("reset", reg.reset), ("enable", reg.enable)):
            if expr is None:
                continue
            w = self.width(expr, nets, reg.loc, f"{who} {what}", 1)
            if w is not None and w != 1:
                self.err(f"{who}: its {what} {_fmt(expr)!r} is {w} bits wide; "
                         f"{'an' if what == 'enable' else 'a'} {what} is one bit", reg.loc)
            read(expr)
        for what, value in (("initial value", reg.init), ("reset value", reg.reset_value)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                self.err(f"{who}: {what} {value!r} is not a whole number 0 or more", reg.loc)
            elif qw is not None and value >= (1 << qw):
                self.err(f"{who}: {what} {show_int(value)} does not fit in {qw} bit"
                         f"{'s' if qw > 1 else ''}", reg.loc)
        for what, value in (("reset_active", reg.reset_active),
                            ("enable_active", reg.enable_active)):
            if value not in (0, 1) or isinstance(value, bool):
                self.err(f"{who}: {what} is {value!r}; use 1 (active high) or 0 (active "
                         "low)", reg.loc)
        if reg.priority not in ("reset", "enable"):
            self.err(f"{who}: priority is {reg.priority!r}; use 'reset' (a reset loads even "
                     "when the register is disabled) or 'enable' (a disabled register "
                     "ignores the reset)", reg.loc)
        read(reg.d)
        drive(reg.q, who, reg.loc, quiet=len(self.problems) > n_errors)

    def check_primitive(self, inst: Instance, nets, drive, read, mod_name: str) -> None:
        who = f"gate {inst.name!r}"
        if inst.ports:
            if self.primitive(inst.type, len(inst.ports)) is not None or family_fanins(
                    inst.type):
                self.err(f"{who} connects the primitive {inst.type!r} by port name; "
                         "connect primitives by position with 'in' and 'out'", inst.loc)
            else:
                self.unknown_type(inst, mod_name)
            return
        in_w = [self.width(e, nets, inst.loc, f"{who} input") for e in inst.inputs]
        out_w = [self.width(e, nets, inst.loc, f"{who} output") for e in inst.outputs]
        if None in in_w or None in out_w:
            return
        n_in, n_out = sum(in_w), sum(out_w)
        shape = (inst.type, n_in, n_out)
        if shape in self._fits or self.wide(inst.type, n_in, n_out) is not None:
            for e in inst.inputs:
                read(e)
            for e in inst.outputs:
                drive(e, who, inst.loc)
            return
        tt = self.primitive(inst.type, n_in)
        if tt is None:
            self.err(type_problem(who, inst.type, n_in, self.known_types(exclude=mod_name)),
                     inst.loc)
            return
        if n_in != tt.n_inputs:
            self.err(f"{who} ({tt.name or inst.type}) has {n_in} input"
                     f"{'s' if n_in != 1 else ''}; it takes {tt.n_inputs} "
                     f"({', '.join(tt.inputs)})", inst.loc)
        if n_out != tt.n_outputs:
            self.err(f"{who} ({tt.name or inst.type}) has {n_out} output"
                     f"{'s' if n_out != 1 else ''}; it gives {tt.n_outputs} "
                     f"({', '.join(tt.outputs)})", inst.loc)
        if n_in == tt.n_inputs and n_out == tt.n_outputs:
            self._fits.add(shape)  # the type's checks hold for every gate of this shape
        for e in inst.inputs:
            read(e)
        for e in inst.outputs:
            drive(e, who, inst.loc)

    def check_assigns(self, mod, nets, drive, read) -> None:
        for a in mod.assigns:
            tw = self.width(a.target, nets, a.loc, "assign target")
            sw = self.width(a.source, nets, a.loc, "assign source", tw)
            if tw is not None and sw is not None and tw != sw:
                self.err(f"assign {_fmt(a.target)} = {_fmt(a.source)}: widths differ "
                         f"({tw} and {sw} bits)", a.loc)
                continue
            read(a.source)
            drive(a.target, f"assign to {_fmt(a.target)!r}", a.loc)

    def check_drivers(self, mod, nets, owners, readers) -> None:
        inputs = {p.name for p in mod.inputs}
        for p in mod.outputs:
            if p.name in nets:
                readers[p.name] = bytearray(b"\x01" * nets[p.name].width)
        outputs = {p.name for p in mod.outputs}
        for net in nets:  # in the order the nets were declared or first used
            if net in inputs or net not in readers:
                continue
            undriven = _undriven(readers[net], owners.get(net))
            if not len(undriven):
                continue
            label = _bitsname(net, undriven, nets)
            if net in outputs:
                self.err(f"circuit {mod.name!r}: output {label!r} is never driven; connect "
                         "it to a gate output", mod.port(net).loc)
            else:
                self.err(f"circuit {mod.name!r}: net {label!r} is read but nothing drives "
                         "it; drive it from a gate output or an input", nets[net].loc)
        for p in mod.inputs:
            if 1 not in readers.get(p.name, b""):
                self.warnings.append(NetlistError(
                    f"circuit {mod.name!r}: input {p.name!r} is never used", p.loc))
        self.check_unread_gates(mod, nets, readers)

    def check_unread_gates(self, mod, nets, readers) -> None:
        """Warn of gates whose outputs nothing reads (dead logic, or a
        connection the author forgot): by name, the first few one by one."""
        unread = []
        for inst in mod.instances:
            if inst.type in self.design.modules or not inst.outputs:
                continue
            has_bits = is_read = False
            for e in inst.outputs:
                for b in bit_refs(e):
                    if b.net not in nets:
                        continue
                    lo, hi = ((0, nets[b.net].width - 1) if b.lo is None else (b.lo, b.hi))
                    if hi < lo:
                        continue
                    has_bits = True
                    rd = readers.get(b.net)
                    if rd is not None and rd.find(1, lo, hi + 1) >= 0:
                        is_read = True
            if has_bits and not is_read:
                unread.append((inst, _fmt(inst.outputs[0]) if len(inst.outputs) == 1
                               else ", ".join(_fmt(e) for e in inst.outputs)))
        for inst, drives in unread[:_UNREAD_SHOWN]:
            self.warnings.append(NetlistError(
                f"circuit {mod.name!r}: gate {inst.name!r} drives {drives!r}, which nothing "
                "reads", inst.loc))
        if len(unread) > _UNREAD_SHOWN:
            rest = ", ".join(repr(i.name) for i, _ in unread[_UNREAD_SHOWN:_UNREAD_SHOWN + 5])
            more = ", ..." if len(unread) > _UNREAD_SHOWN + 5 else ""
            self.warnings.append(NetlistError(
                f"circuit {mod.name!r}: {len(unread) - _UNREAD_SHOWN} more gates drive nets "
                f"that nothing reads ({rest}{more})", mod.loc))

    def check_instance(self, mod, inst: Instance, nets, drive, read) -> None:
        child = self.design.modules[inst.type]
        who = f"gate {inst.name!r}"
        if inst.inputs or inst.outputs:
            self.err(f"{who} instantiates circuit {inst.type!r} with 'in'/'out'; connect "
                     f"circuits by port name with 'ports' (ports: "
                     f"{', '.join(p.name for p in child.ports)})", inst.loc)
            return
        given = {}
        for port_name, expr in inst.ports:
            port = child.port(port_name)
            if port is None:
                dym = did_you_mean(port_name, [p.name for p in child.ports])
                self.err(f"{who}: circuit {inst.type!r} has no port {port_name!r}{dym}; its "
                         f"ports are {', '.join(p.name for p in child.ports)}", inst.loc)
                continue
            if port_name in given:
                self.err(f"{who} connects port {port_name!r} twice", inst.loc)
                continue
            given[port_name] = expr
            w = self.width(expr, nets, inst.loc, f"{who} port {port_name!r}", port.width)
            if w is None:
                continue
            if w != port.width:
                self.err(f"{who}: port {port_name!r} of {inst.type!r} is {port.width} bit"
                         f"{'s' if port.width > 1 else ''} wide, but {_fmt(expr)!r} is {w}",
                         inst.loc)
                continue
            if port.direction == "input":
                read(expr)
            else:
                drive(expr, f"{who} port {port_name!r}", inst.loc)
        missing = [p.name for p in child.inputs if p.name not in given]
        if missing:
            self.err(f"{who}: input{'s' if len(missing) > 1 else ''} "
                     f"{', '.join(map(repr, missing))} of circuit {inst.type!r} "
                     f"{'are' if len(missing) > 1 else 'is'} not connected", inst.loc)

    def unknown_type(self, inst: Instance, mod_name: str) -> None:
        self.err(type_problem(f"gate {inst.name!r}", inst.type, None,
                              self.known_types(exclude=mod_name)), inst.loc)


def type_problem(who: str, type_name: str, n_inputs: int | None, known: list[str]) -> str:
    """Why no primitive of type ``type_name`` takes ``n_inputs`` inputs (a
    family's fan-in out of range, or an unknown name); the checker's and the
    Python builder's one wording.

    Examples
    --------
    >>> type_problem("gate 'g'", "XOR", 5, ["XOR"])
    "gate 'g' has 5 inputs; XOR takes 2 to 4 inputs"
    >>> type_problem("gate 'g'", "XNR", 2, ["XOR", "XNOR"])
    "gate 'g' has unknown type 'XNR' (did you mean 'XNOR'?); known types are XOR, XNOR"
    """
    fanins = family_fanins(type_name)
    if fanins is not None and n_inputs is not None:
        return (f"{who} has {n_inputs} input{'s' if n_inputs != 1 else ''}; "
                f"{type_name.upper()} takes {_range_text(fanins)}")
    return (f"{who} has unknown type {type_name!r}{did_you_mean(type_name, known)}; known "
            f"types are {', '.join(known)}")


def check_module(design: Design, name: str) -> None:
    """Check the module ``name`` of ``design``, its subcircuits taken as
    checked already (the Python builder checks each circuit it finishes).

    Raises
    ------
    ValidationError
        Listing every problem found, each at its location.
    """
    checker = _Checker(design)
    checker.check(design.modules[name])
    if checker.problems:
        raise ValidationError(_dedupe(checker.problems))


def _dedupe(problems):
    seen, out = set(), []
    for p in problems:
        key = str(p)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def _fmt(expr: Expr) -> str:
    from ..ir.records import format_expr

    if isinstance(expr, Const):
        return show_int(expr.value)
    if isinstance(expr, Concat):
        return "[" + ", ".join(_fmt(p) for p in expr.parts) + "]"
    return format_expr(expr)


def _undriven(read: bytearray, owner: list[int] | None):
    """The bits that are read but have no driver, in order: a list, or for a
    wide net an array (one numpy pass instead of a Python step per bit)."""
    if len(read) <= 64:
        return [i for i, r in enumerate(read) if r and not (owner and owner[i])]
    mask = np.frombuffer(read, np.uint8).astype(bool)
    if owner is not None:
        mask &= np.array(owner, dtype=np.int64) == 0
    return np.flatnonzero(mask)[:9].tolist()  # the message shows eight


def _bitsname(net: str, idx, nets) -> str:
    """``y``, ``y[3]`` or ``y[0, 1, 5]`` (the first 8 bits, then ``...``)."""
    if nets[net].width == 1:
        return net
    shown = ", ".join(map(str, idx[:8])) + (", ..." if len(idx) > 8 else "")
    return f"{net}[{shown}]"


def _first(first: Loc | None, here: Loc | None, word: str = "first ") -> str:
    """`` (first on line 4)``, or `` (first at lib.py:4)`` when that is
    another file, or nothing when the first place is not known."""
    if first is None or first.line is None:
        return ""
    if here is not None and here.file == first.file:
        return f" ({word}{'on ' if word else ''}line {first.line})"
    return f" ({word}at {first})"


def _range_text(r: range) -> str:
    return f"{r.start} to {r.stop - 1} inputs" if len(r) > 1 else f"{r.start} input"
