"""Design records -> one flat circuit: the hierarchy expanded, aliases
resolved, every gate reading and writing numbered signals."""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

import numpy as np

from ..errors import InternalError, Loc, NetlistError, ValidationError
from ..ir.primitives import MAX_PRIMITIVE_INPUTS, did_you_mean
from ..ir.records import Concat, Const, Design, Expr, Module
from ..ir.truthtable import TruthTable
from .check import _Checker, _dedupe
from .circuit import CONST0, CONST1, Circuit, Gate, PortMap
from .schedule import _levelise

#: Hierarchy deeper than this is refused (it is almost surely recursion).
MAX_DEPTH = 200


# ------------------------------------------------------ what drives a var
class ConstDriver(NamedTuple):
    """The variable is the constant ``value`` (0 or 1)."""

    value: int


class InputDriver(NamedTuple):
    """The variable is a bit of a primary input."""


class GateDriver(NamedTuple):
    """The variable is output pin ``pin`` of flat gate number ``gate``."""

    gate: int
    pin: int


class AliasDriver(NamedTuple):
    """The variable is variable ``source`` (an assignment, at ``loc``)."""

    source: int
    loc: Loc | None


#: None: nothing drives the variable (the checker refuses that where it is read)
Driver = ConstDriver | InputDriver | GateDriver | AliasDriver | None


class FlatGate(NamedTuple):
    """A gate of the flattened hierarchy, over variables (not yet signals)."""

    name: str
    prim: str
    inputs: list[int]
    outputs: list[int]
    loc: Loc | None


# -------------------------------------------------------------- flattening
class _Flattener:
    def __init__(self, design: Design, checker: _Checker):
        self.design = design
        self.checker = checker
        self.var_names: list[str] = ["0", "1"]
        self.driver: list[Driver] = [ConstDriver(0), ConstDriver(1)]
        self.gates: list[FlatGate] = []
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
            self.gates.append(FlatGate(f"{prefix}{inst.name}", key, ins, outs, inst.loc))
            for pin, v in enumerate(outs):
                self.driver[v] = GateDriver(gi, pin)
        for a in mod.assigns:
            t = self.vars_of(a.target, netvars, 1)
            s = self.vars_of(a.source, netvars, len(t))
            for tv, sv in zip(t, s):
                self.driver[tv] = AliasDriver(sv, a.loc)


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
            dym = did_you_mean(top, design.modules)
            raise NetlistError(f"no circuit named {top!r}{dym}; the file defines "
                               f"{', '.join(design.modules)}", Loc(design.source))
        design = replace(design, top=top)
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

    top_mod = design.top_module
    fl = _Flattener(design, checker)
    portvars = {}
    for p in top_mod.inputs:
        vs = [fl.new_var(f"{p.name}[{i}]" if p.bus else p.name) for i in range(p.width)]
        for v in vs:
            fl.driver[v] = InputDriver()
        portvars[p.name] = vs
    for p in top_mod.outputs:
        portvars[p.name] = [fl.new_var(f"{p.name}[{i}]" if p.bus else p.name)
                            for i in range(p.width)]
    fl.flatten(top_mod, "", portvars, 0)
    warns = tuple(_dedupe([*design.warnings, *checker.warnings]))
    return _assemble(design, top_mod, fl, portvars, warns)


def _assemble(design, top_mod, fl: _Flattener, portvars, warns) -> Circuit:
    n_vars = len(fl.var_names)
    signal_of = np.full(n_vars, -1, dtype=np.int64)
    signal_of[0], signal_of[1] = CONST0, CONST1
    names = ["0", "1"]
    for p in top_mod.inputs:
        for v in portvars[p.name]:
            signal_of[v] = len(names)
            names.append(fl.var_names[v])
    for g in fl.gates:
        for v in g.outputs:
            signal_of[v] = len(names)
            names.append(fl.var_names[v])

    def resolve_var(v: int) -> int:
        return _resolve(v, signal_of, fl.driver, fl.var_names)

    gates = []
    for g in fl.gates:
        gates.append(Gate(g.name, g.prim, tuple(resolve_var(v) for v in g.inputs),
                          tuple(int(signal_of[v]) for v in g.outputs), g.loc))
    inputs = tuple(PortMap(p.name, tuple(int(signal_of[v]) for v in portvars[p.name]), p.bus)
                   for p in top_mod.inputs)
    outputs = tuple(PortMap(p.name, tuple(resolve_var(v) for v in portvars[p.name]), p.bus)
                    for p in top_mod.outputs)
    levels = _levelise(gates, len(names), names)
    return Circuit(top_mod.name, inputs, outputs, tuple(gates), fl.prims, names, levels,
                   top_mod.tests, warns, design.source)


def _resolve(v: int, signal_of: np.ndarray, driver: list[Driver], names: list[str]) -> int:
    """The signal of variable ``v``, following assignments (and remembering
    the answer along the way)."""
    chain = []
    while signal_of[v] < 0:
        d = driver[v]
        if not isinstance(d, AliasDriver):
            # never a -1 here: numpy would read it as "the last signal"
            raise InternalError(f"variable {names[v]!r} is read but has no signal (its "
                                f"driver is {d!r}); the checker should have refused it")
        if v in chain:
            loop = " -> ".join(names[c] for c in chain[chain.index(v):] + [v])
            raise ValidationError([NetlistError(
                f"combinational loop through assignments: {loop}", d.loc)])
        chain.append(v)
        v = d.source
    for c in chain:
        signal_of[c] = signal_of[v]
    return int(signal_of[v])
