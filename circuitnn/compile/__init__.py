"""Design records -> one flat, validated, levelised circuit.

:func:`compile_design` checks every module once (reporting every problem with
its location), flattens the hierarchy into gates over numbered signals,
rejects combinational loops, and groups the gates by level and primitive so
the engines pay Python overhead per group, never per gate or per vector.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ..errors import CircuitError, Loc, NetlistError, ValidationError
from ..ir.primitives import MAX_PRIMITIVE_INPUTS, family_fanins, resolve, suggest
from ..ir.records import Bits, Concat, Const, Design, Expr, Instance, Module, TestVector
from ..ir.truthtable import TruthTable

__all__ = ["Gate", "Group", "PortMap", "Circuit", "compile_design", "CircuitWarning",
           "MAX_DEPTH"]

#: Hierarchy deeper than this is refused (it is almost surely recursion).
MAX_DEPTH = 200
#: The widest net (as the YAML reader's widest port): a bit index beyond it is
#: refused before anything is allocated per bit.
MAX_NET_WIDTH = 1 << 20

CONST0, CONST1 = 0, 1


class CircuitWarning(UserWarning):
    """Something legal but suspicious in a netlist, such as an unused input."""


@dataclass(frozen=True)
class Gate:
    """One flat gate: a primitive reading and writing numbered signals."""

    name: str
    prim: str
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    loc: Loc | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Group:
    """Gates of one primitive at one level, as index arrays.

    ``ins`` is ``(k, G)`` and ``outs`` is ``(m, G)``: pin-major, so that
    ``values[ins]`` gathers a ``(k, G, vectors)`` block in one step.
    """

    prim: str
    gates: np.ndarray
    ins: np.ndarray
    outs: np.ndarray


@dataclass(frozen=True)
class PortMap:
    """A port of the flat circuit: its signals, least significant bit first."""

    name: str
    signals: tuple[int, ...]
    bus: bool

    @property
    def width(self) -> int:
        return len(self.signals)


@dataclass(eq=False)
class Circuit:
    """A compiled circuit: flat gates over signals, with a levelised schedule.

    Signals 0 and 1 are the constants, then come the primary input bits in port
    order, then every gate output.
    """

    name: str
    inputs: tuple[PortMap, ...]
    outputs: tuple[PortMap, ...]
    gates: tuple[Gate, ...]
    primitives: dict[str, TruthTable]
    signal_names: list[str]
    levels: list[list[Group]]
    tests: tuple[TestVector, ...] = ()
    warnings: tuple[CircuitError, ...] = ()
    source: str | None = None

    @property
    def n_signals(self) -> int:
        return len(self.signal_names)

    @property
    def n_input_bits(self) -> int:
        return sum(p.width for p in self.inputs)

    @property
    def n_output_bits(self) -> int:
        return sum(p.width for p in self.outputs)

    @property
    def depth(self) -> int:
        return len(self.levels)

    @cached_property
    def input_signals(self) -> np.ndarray:
        return np.array([s for p in self.inputs for s in p.signals], dtype=np.intp)

    @cached_property
    def output_signals(self) -> np.ndarray:
        return np.array([s for p in self.outputs for s in p.signals], dtype=np.intp)

    def port(self, name: str) -> PortMap:
        for p in self.inputs + self.outputs:
            if p.name == name:
                return p
        raise KeyError(name)

    def gate_counts(self) -> dict[str, int]:
        """Gates per primitive, most common first."""
        counts: dict[str, int] = defaultdict(int)
        for g in self.gates:
            counts[g.prim] += 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    @cached_property
    def graph(self):
        """The circuit as a networkx DAG: a node per gate and per primary port
        bit, an edge per pin (parallel edges where a gate reads a net twice)."""
        import networkx as nx  # imported here: it costs a quarter second at start-up

        g = nx.MultiDiGraph(name=self.name)
        driver: dict[int, str] = {}
        for p in self.inputs:
            for i, s in enumerate(p.signals):
                node = f"{p.name}[{i}]" if p.bus else p.name
                g.add_node(node, kind="input", port=p.name, bit=i)
                driver[s] = node
        for gate in self.gates:
            g.add_node(gate.name, kind="gate", prim=gate.prim)
            for s in gate.outputs:
                driver[s] = gate.name
        for gate in self.gates:
            for pin, s in enumerate(gate.inputs):
                if s in driver:
                    g.add_edge(driver[s], gate.name, pin=pin, signal=self.signal_names[s])
        for p in self.outputs:
            for i, s in enumerate(p.signals):
                node = f"out:{p.name}[{i}]" if p.bus else f"out:{p.name}"
                g.add_node(node, kind="output", port=p.name, bit=i)
                if s in driver:
                    g.add_edge(driver[s], node, pin=0, signal=self.signal_names[s])
        return g

    def describe_gate(self, gate: Gate) -> str:
        """``Gate(sum <-- XOR2 -- a, b)`` with signal names."""
        outs = ", ".join(self.signal_names[s] for s in gate.outputs)
        ins = ", ".join(self.signal_names[s] for s in gate.inputs)
        return f"{gate.name}: {outs} <-- {gate.prim} -- {ins}"

    def __repr__(self) -> str:
        return (f"Circuit({self.name}: {self.n_input_bits} in, {self.n_output_bits} out, "
                f"{len(self.gates)} gates, depth {self.depth})")


# ------------------------------------------------------------- validation
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

    def err(self, msg: str, loc: Loc | None) -> None:
        self.problems.append(NetlistError(msg, loc))

    # types
    def primitive(self, type_name: str, n_inputs: int) -> TruthTable | None:
        if type_name in self.design.primitives:
            return self.design.primitives[type_name]
        return resolve(type_name, n_inputs)

    def known_types(self, exclude: str | None = None) -> list[str]:
        fams = ["BUF", "NOT", "AND", "OR", "NAND", "NOR", "XOR", "XNOR", "MUX2", "MAJ3"]
        own = (set(self.design.modules) | set(self.design.primitives)) - {exclude}
        return sorted(own) + fams

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
                first = seen[p.name]
                where = f" (first on line {first.line})" if first and first.line else ""
                self.err(f"circuit {mod.name!r}: name {p.name!r} is declared twice{where}",
                         p.loc)
                continue
            seen[p.name] = p.loc
            nets[p.name] = _Net(p.width, True, p.loc)
        # implicit nets take their width from use: whole-net connections to a
        # subcircuit port, or the highest bit index used
        for inst in mod.instances:
            child = self.design.modules.get(inst.type)
            for port_name, expr in inst.ports:
                port = child.port(port_name) if child else None
                for b in _bits_refs(expr):
                    if b.net in nets and nets[b.net].declared:
                        continue
                    want = (port.width if port is not None and b.lo is None
                            and isinstance(expr, Bits) else
                            (b.hi + 1 if b.lo is not None else 1))
                    self._implicit(nets, b.net, want, inst.loc)
            for expr in inst.inputs + inst.outputs:
                for b in _bits_refs(expr):
                    if b.net not in nets or not nets[b.net].declared:
                        self._implicit(nets, b.net, b.hi + 1 if b.lo is not None else 1,
                                       inst.loc)
        for a in mod.assigns:
            for expr in (a.target, a.source):
                for b in _bits_refs(expr):
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
        if isinstance(expr, Const):
            w = expr.width if expr.width is not None else (want if want else 1)
            if expr.value >= (1 << w):
                self.err(f"{what}: constant {_num(expr.value)} does not fit in {w} bit"
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
        drivers: dict[tuple[str, int], str] = {}
        driver_locs: dict[tuple[str, int], Loc | None] = {}
        readers: set[tuple[str, int]] = set()
        names: dict[str, Loc | None] = {}

        def drive(expr, who: str, loc, quiet: bool = False):
            if quiet:
                # a gate that is already wrong still drives its outputs, so that
                # one mistake is reported once, not again as undriven nets
                for b in _bits_refs(expr):
                    if b.net in nets:
                        lo, hi = (0, nets[b.net].width - 1) if b.lo is None else (b.lo, b.hi)
                        for i in range(lo, min(hi, nets[b.net].width - 1) + 1):
                            drivers.setdefault((b.net, i), who)
                return
            if isinstance(expr, Const) or (
                isinstance(expr, Concat) and any(isinstance(p, Const) for p in expr.parts)
            ):
                self.err(f"{who} drives the constant {_fmt(expr)}; outputs must go to "
                         "nets", loc)
                return
            for b in _bits_refs(expr):
                lo, hi = (0, nets[b.net].width - 1) if b.lo is None else (b.lo, b.hi)
                for i in range(lo, min(hi, nets[b.net].width - 1) + 1):
                    key = (b.net, i)
                    label = _bitname(b.net, i, nets)
                    if b.net in inputs:
                        self.err(f"{who} drives {label!r}, which is an input of circuit "
                                 f"{mod.name!r}; inputs are driven from outside", loc)
                    elif key in drivers:
                        first = driver_locs[key]
                        where = f" (line {first.line})" if first and first.line else ""
                        self.err(f"net {label!r} has two drivers: {drivers[key]}{where} and "
                                 f"{who}; a net has exactly one driver", loc)
                    else:
                        drivers[key] = who
                        driver_locs[key] = loc

        def read(expr):
            for b in _bits_refs(expr):
                lo, hi = (0, nets[b.net].width - 1) if b.lo is None else (b.lo, b.hi)
                for i in range(lo, min(hi, nets[b.net].width - 1) + 1):
                    readers.add((b.net, i))

        inputs = {p.name for p in mod.inputs}
        for inst in mod.instances:
            if inst.name in names:
                first = names[inst.name]
                where = f" (first on line {first.line})" if first and first.line else ""
                self.err(f"circuit {mod.name!r}: gate name {inst.name!r} is used twice{where}; "
                         "instance names must be unique", inst.loc)
            names[inst.name] = inst.loc
            who = f"gate {inst.name!r}"
            if inst.type in self.design.modules:
                self.check_instance(mod, inst, nets, drive, read)
                continue
            n_errors = len(self.problems)
            self.check_primitive(inst, nets, drive, read, mod.name)
            if len(self.problems) > n_errors:
                for e in inst.outputs:
                    drive(e, who, inst.loc, quiet=True)
        self.check_assigns(mod, nets, drive, read)
        self.check_drivers(mod, nets, drivers, readers)

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
        tt = self.primitive(inst.type, n_in)
        if tt is None:
            fanins = family_fanins(inst.type)
            if fanins is not None:
                self.err(f"{who} has {n_in} input{'s' if n_in != 1 else ''}; "
                         f"{inst.type.upper()} takes {_range_text(fanins)}", inst.loc)
            else:
                self.unknown_type(inst, mod_name)
            return
        if n_in != tt.n_inputs:
            self.err(f"{who} ({tt.name or inst.type}) has {n_in} input"
                     f"{'s' if n_in != 1 else ''}; it takes {tt.n_inputs} "
                     f"({', '.join(tt.inputs)})", inst.loc)
        if n_out != tt.n_outputs:
            self.err(f"{who} ({tt.name or inst.type}) has {n_out} output"
                     f"{'s' if n_out != 1 else ''}; it gives {tt.n_outputs} "
                     f"({', '.join(tt.outputs)})", inst.loc)
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

    def check_drivers(self, mod, nets, drivers, readers) -> None:
        inputs = {p.name for p in mod.inputs}
        for p in mod.outputs:
            for i in range(p.width):
                readers.add((p.name, i))
        for (net, i) in sorted(readers):
            if net in inputs or (net, i) in drivers or net not in nets:
                continue
            label = _bitname(net, i, nets)
            if any(p.name == net for p in mod.outputs):
                self.err(f"circuit {mod.name!r}: output {label!r} is never driven; connect "
                         "it to a gate output", mod.port(net).loc)
            else:
                self.err(f"circuit {mod.name!r}: net {label!r} is read but nothing drives "
                         "it; drive it from a gate output or an input", nets[net].loc)
        for p in mod.inputs:
            if not any((p.name, i) in readers for i in range(p.width)):
                self.warnings.append(NetlistError(
                    f"circuit {mod.name!r}: input {p.name!r} is never used", p.loc))

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
                hint = suggest(port_name, [p.name for p in child.ports])
                dym = f" (did you mean {hint!r}?)" if hint else ""
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
        known = self.known_types(exclude=mod_name)
        hint = suggest(inst.type, known)
        dym = f" (did you mean {hint!r}?)" if hint else ""
        self.err(f"gate {inst.name!r} has unknown type {inst.type!r}{dym}; known types are "
                 f"{', '.join(known)}", inst.loc)


def _bits_refs(expr: Expr):
    if isinstance(expr, Bits):
        yield expr
    elif isinstance(expr, Concat):
        for p in expr.parts:
            yield from _bits_refs(p)


def _fmt(expr: Expr) -> str:
    from ..ir.records import format_expr

    if isinstance(expr, Const) and expr.value.bit_length() > 64:
        return _num(expr.value)
    if isinstance(expr, Concat):
        return "[" + ", ".join(_fmt(p) for p in expr.parts) + "]"
    return format_expr(expr)


def _num(value: int) -> str:
    """A number for a message: decimal, or hex shortened when it is huge
    (str() refuses more than 4300 digits)."""
    if value.bit_length() <= 64:
        return str(value)
    h = f"{value:x}"
    return f"0x{h[:8]}...{h[-8:]} ({value.bit_length()} bits)" if len(h) > 20 else f"0x{h}"


def _bitname(net: str, i: int, nets) -> str:
    return f"{net}[{i}]" if nets[net].width > 1 else net


def _range_text(r: range) -> str:
    return f"{r.start} to {r.stop - 1} inputs" if len(r) > 1 else f"{r.start} input"


# -------------------------------------------------------------- flattening
class _Flattener:
    def __init__(self, design: Design, checker: _Checker):
        self.design = design
        self.checker = checker
        self.var_names: list[str] = ["0", "1"]
        self.driver: list = [("const", 0), ("const", 1)]
        self.gates: list[tuple[str, str, list[int], list[int], Loc | None]] = []
        self.prims: dict[str, TruthTable] = {}

    def new_var(self, name: str) -> int:
        self.var_names.append(name)
        self.driver.append(None)
        return len(self.var_names) - 1

    def vars_of(self, expr: Expr, netvars: dict[str, list[int]], want: int) -> list[int]:
        if isinstance(expr, Const):
            w = expr.width if expr.width is not None else want
            return [CONST1 if (expr.value >> i) & 1 else CONST0 for i in range(w)]
        if isinstance(expr, Concat):
            out = []
            for p in expr.parts:
                out += self.vars_of(p, netvars, 1)
            return out
        bits = netvars[expr.net]
        return bits if expr.lo is None else bits[expr.lo:expr.hi + 1]

    def flatten(self, mod: Module, prefix: str, portvars: dict[str, list[int]],
                depth: int) -> None:
        if depth > MAX_DEPTH:
            parts = prefix.rstrip(".").split(".")
            where = (".".join(parts[:3]) + " ... " + ".".join(parts[-2:])
                     if len(parts) > 6 else ".".join(parts))
            raise NetlistError(f"hierarchy deeper than {MAX_DEPTH} levels (at {where!r}, "
                               f"circuit {mod.name!r}); flatten some levels", mod.loc)
        nets = self.checker.nets_of(mod)
        netvars = dict(portvars)
        for name, net in nets.items():
            if name not in netvars:
                label = f"{prefix}{name}"
                netvars[name] = [self.new_var(f"{label}[{i}]" if net.width > 1 else label)
                                 for i in range(net.width)]
        for inst in mod.instances:
            child = self.design.modules.get(inst.type)
            if child is not None:
                sub = {}
                given = dict(inst.ports)
                for port in child.ports:
                    if port.name in given:
                        sub[port.name] = self.vars_of(given[port.name], netvars, port.width)
                    else:
                        label = f"{prefix}{inst.name}.{port.name}"
                        sub[port.name] = [
                            self.new_var(f"{label}[{i}]" if port.width > 1 else label)
                            for i in range(port.width)]
                self.flatten(child, f"{prefix}{inst.name}.", sub, depth + 1)
                continue
            ins = [v for e in inst.inputs for v in self.vars_of(e, netvars, 1)]
            outs = [v for e in inst.outputs for v in self.vars_of(e, netvars, 1)]
            tt = self.checker.primitive(inst.type, len(ins))
            key = tt.name or inst.type
            if key in self.prims and self.prims[key] != tt:
                key = f"{key}_{tt.digest[:8]}"
            self.prims[key] = tt if tt.name == key else tt.renamed(name=key)
            gi = len(self.gates)
            self.gates.append((f"{prefix}{inst.name}", key, ins, outs, inst.loc))
            for pin, v in enumerate(outs):
                self.driver[v] = ("gate", gi, pin)
        for a in mod.assigns:
            t = self.vars_of(a.target, netvars, 1)
            s = self.vars_of(a.source, netvars, len(t))
            for tv, sv in zip(t, s):
                self.driver[tv] = ("alias", sv, a.loc)


def _module_order(design: Design) -> list[str]:
    """Modules reachable from the top; refuses recursive hierarchy."""
    order, state = [], {}
    # depth-first, with an explicit stack: a hierarchy thousands deep must not
    # exhaust Python's
    path: list[str] = []
    stack = [(design.top, iter(()))]
    while stack:
        name, children = stack[-1]
        if name not in state:
            state[name] = "open"
            path.append(name)
            children = iter([i.type for i in design.modules[name].instances
                             if i.type in design.modules])
            stack[-1] = (name, children)
        child = next(children, None)
        if child is None:
            stack.pop()
            path.pop()
            state[name] = "done"
            order.append(name)
        elif state.get(child) == "open":
            cycle = path[path.index(child):] + [child]
            raise NetlistError(
                f"circuit {child!r} contains itself: {' -> '.join(cycle)}; hierarchy must "
                "not be recursive", design.modules[child].loc)
        elif child not in state:
            stack.append((child, iter(())))
    return order


def compile_design(design: Design, top: str | None = None) -> Circuit:
    """Validate, flatten and levelise a design.

    Raises
    ------
    ValidationError
        Listing every problem found, each with ``file:line``.

    Examples
    --------
    >>> from circuitnn.read.yaml import loads_yaml
    >>> d = loads_yaml('''
    ... inputs: [a, b]
    ... outputs: [s]
    ... gates: [{name: x, type: XOR, in: [a, b], out: s}]
    ... ''')
    >>> compile_design(d)
    Circuit(_string_: 2 in, 1 out, 1 gates, depth 1)
    """
    if top is not None:
        if top not in design.modules:
            hint = suggest(top, design.modules)
            dym = f" (did you mean {hint!r}?)" if hint else ""
            raise NetlistError(f"no circuit named {top!r}{dym}; the file defines "
                               f"{', '.join(design.modules)}", Loc(design.source))
        design = Design(top, design.modules, design.primitives, design.primitive_locs,
                        design.source)
    mod_names = _module_order(design)
    checker = _Checker(design)
    for name in mod_names:
        checker.check(design.modules[name])
    for tt_name, tt in design.primitives.items():
        if tt.n_inputs > MAX_PRIMITIVE_INPUTS:
            checker.err(f"primitive {tt_name!r} has {tt.n_inputs} inputs; a trained "
                        f"primitive has at most {MAX_PRIMITIVE_INPUTS}",
                        design.primitive_locs.get(tt_name))
    if checker.problems:
        raise ValidationError(_dedupe(checker.problems))
    for w in _dedupe(checker.warnings):
        warnings.warn(str(w), CircuitWarning, stacklevel=2)

    top_mod = design.top_module
    fl = _Flattener(design, checker)
    portvars = {}
    for p in top_mod.inputs:
        vs = [fl.new_var(f"{p.name}[{i}]" if p.bus else p.name) for i in range(p.width)]
        for v in vs:
            fl.driver[v] = ("input",)
        portvars[p.name] = vs
    for p in top_mod.outputs:
        portvars[p.name] = [fl.new_var(f"{p.name}[{i}]" if p.bus else p.name)
                            for i in range(p.width)]
    fl.flatten(top_mod, "", portvars, 0)
    return _assemble(design, top_mod, fl, portvars, tuple(_dedupe(checker.warnings)))


def _dedupe(problems):
    seen, out = set(), []
    for p in problems:
        key = str(p)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def _assemble(design, top_mod, fl: _Flattener, portvars, warns) -> Circuit:
    n_vars = len(fl.var_names)
    signal_of = np.full(n_vars, -1, dtype=np.int64)
    signal_of[0], signal_of[1] = CONST0, CONST1
    names = ["0", "1"]
    for p in top_mod.inputs:
        for v in portvars[p.name]:
            signal_of[v] = len(names)
            names.append(fl.var_names[v])
    for _, _, _, outs, _ in fl.gates:
        for v in outs:
            signal_of[v] = len(names)
            names.append(fl.var_names[v])

    def resolve_var(v: int) -> int:
        chain = []
        while signal_of[v] < 0:
            d = fl.driver[v]
            if d is None or d[0] != "alias":
                return -1
            if v in chain:
                loop = " -> ".join(fl.var_names[c] for c in chain[chain.index(v):] + [v])
                raise ValidationError([NetlistError(
                    f"combinational loop through assignments: {loop}", d[2])])
            chain.append(v)
            v = d[1]
        for c in chain:
            signal_of[c] = signal_of[v]
        return int(signal_of[v])

    gates = []
    for name, prim, ins, outs, loc in fl.gates:
        gates.append(Gate(name, prim, tuple(resolve_var(v) for v in ins),
                          tuple(int(signal_of[v]) for v in outs), loc))
    inputs = tuple(PortMap(p.name, tuple(int(signal_of[v]) for v in portvars[p.name]), p.bus)
                   for p in top_mod.inputs)
    outputs = tuple(PortMap(p.name, tuple(resolve_var(v) for v in portvars[p.name]), p.bus)
                    for p in top_mod.outputs)
    levels = _levelise(gates, len(names), names)
    return Circuit(top_mod.name, inputs, outputs, tuple(gates), fl.prims, names, levels,
                   top_mod.tests, warns, design.source)


def _levelise(gates: list[Gate], n_signals: int, names: list[str]) -> list[list[Group]]:
    level_of_signal = np.zeros(n_signals, dtype=np.int64)
    driver_gate = np.full(n_signals, -1, dtype=np.int64)
    for gi, g in enumerate(gates):
        for s in g.outputs:
            driver_gate[s] = gi
    # Kahn's algorithm over gates
    n = len(gates)
    pending = np.zeros(n, dtype=np.int64)
    readers: list[list[int]] = [[] for _ in range(n_signals)]
    for gi, g in enumerate(gates):
        for s in set(g.inputs):
            if driver_gate[s] >= 0:
                pending[gi] += 1
                readers[s].append(gi)
    ready = [gi for gi in range(n) if pending[gi] == 0]
    gate_level = np.zeros(n, dtype=np.int64)
    done = 0
    while ready:
        nxt = []
        for gi in ready:
            g = gates[gi]
            lvl = 1 + max((int(level_of_signal[s]) for s in g.inputs), default=0)
            gate_level[gi] = lvl
            done += 1
            for s in g.outputs:
                level_of_signal[s] = lvl
                for r in readers[s]:
                    pending[r] -= 1
                    if pending[r] == 0:
                        nxt.append(r)
        ready = nxt
    if done < n:
        raise ValidationError([_loop_error(gates, driver_gate, pending)])
    by_level: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for gi, g in enumerate(gates):
        by_level[int(gate_level[gi])][g.prim].append(gi)
    levels = []
    for lvl in sorted(by_level):
        groups = []
        for prim, idx in sorted(by_level[lvl].items()):
            ins = np.array([gates[i].inputs for i in idx], dtype=np.intp).T
            outs = np.array([gates[i].outputs for i in idx], dtype=np.intp).T
            groups.append(Group(prim, np.array(idx, dtype=np.intp),
                                np.ascontiguousarray(ins), np.ascontiguousarray(outs)))
        levels.append(groups)
    return levels


def _loop_error(gates, driver_gate, pending) -> CircuitError:
    import networkx as nx

    g = nx.DiGraph()
    stuck = [gi for gi in range(len(gates)) if pending[gi] > 0]
    for gi in stuck:
        for s in gates[gi].inputs:
            d = driver_gate[s]
            if d >= 0 and pending[d] > 0:
                g.add_edge(int(d), gi)
    cycle = nx.find_cycle(g)
    order = [gates[a].name for a, _ in cycle] + [gates[cycle[0][0]].name]
    first = gates[cycle[0][0]]
    return NetlistError(f"combinational loop: {' -> '.join(order)}; a circuit must be "
                        "acyclic (break the loop or add an input)", first.loc)
