"""Design records -> one flat circuit: the hierarchy expanded, aliases
resolved, every gate reading and writing numbered signals."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from .._gc import paused_gc
from ..errors import InternalError, Loc, NetlistError, ValidationError
from ..ir.primitives import STANDARD, did_you_mean
from ..ir.records import Bits, Concat, Const, Design, Expr, Module
from ..ir.truthtable import TruthTable
from .check import _Checker, _dedupe
from .circuit import CONST0, CONST1, Circuit, Gate, PortMap, RegisterMap
from .schedule import _levelise

#: Hierarchy deeper than this is refused (it is almost surely recursion).
MAX_DEPTH = 200


@dataclass(frozen=True)
class Budget:
    """Upper bounds on a flattened design, checked before it is built.

    A few kilobytes of netlist can describe billions of gates (each circuit
    instantiating the next twice, ``repeat``, million-bit ports); the
    flattener works out the size of the result first, per module and without
    allocating, and refuses a design over budget with a message saying how to
    raise it.  The defaults admit every real circuit: ISCAS-89 s38584, the
    largest EPFL circuits and 10,000-gate chains are far below them.

    Parameters
    ----------
    gates : int
        Gates of the flattened design.  CLI: ``--max-gates``, environment:
        ``CIRCUITNN_MAX_GATES``.
    bits : int
        Signal bits of the flattened design: every net bit of every instance,
        ports included.  CLI: ``--max-bits``, environment: ``CIRCUITNN_MAX_BITS``.

    Examples
    --------
    >>> Budget().gates
    5000000
    """

    gates: int = 5_000_000
    bits: int = 25_000_000


class BudgetError(NetlistError):
    """A design larger than its :class:`Budget`."""


def _over(what: str, count: int, limit: int, field: str, loc,
          subject: str = "the flattened design would have") -> BudgetError:
    text = f"{subject} {count:,} {what}, more than the budget of {limit:,}"
    return BudgetError(f"{text}; raise it with Budget({field}=N) if the design is meant to "
                       "be this large", loc,
                       cli=f"{text}; raise it with --max-{field} N (or "
                           f"$CIRCUITNN_MAX_{field.upper()}) if the design is meant to be "
                           "this large")


def budget_error(what: str, count: int, budget: Budget, loc,
                 subject: str = "the flattened design would have") -> BudgetError:
    """The one message for a design over ``budget``: ``what`` is "gates" or
    "signal bits", ``count`` how many there would be, and how to raise it.

    Examples
    --------
    >>> print(budget_error("gates", 6_000_000, Budget(), None))
    the flattened design would have 6,000,000 gates, more than the budget of 5,000,000; \
raise it with Budget(gates=N) if the design is meant to be this large
    """
    if what == "gates":
        return _over(what, count, budget.gates, "gates", loc, subject)
    return _over(what, count, budget.bits, "bits", loc, subject)


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


class RegisterDriver(NamedTuple):
    """The variable is bit ``bit`` of flat register number ``register``."""

    register: int
    bit: int


#: None: nothing drives the variable (the checker refuses that where it is read)
Driver = ConstDriver | InputDriver | GateDriver | AliasDriver | RegisterDriver | None
_INPUT = InputDriver()


class FlatRegister(NamedTuple):
    """A register of the flattened hierarchy, over variables.

    ``next`` is what the register loads at the rising edge: ``d`` through
    the gates the flattener added for the reset and the enable (neural
    gates like any other), or ``d`` itself.
    """

    name: str
    q: list[int]
    next: list[int]
    d: list[int]
    record: object  # the Register record (reset and enable as written)
    reset: int | None
    enable: int | None


class FlatGate(NamedTuple):
    """A gate of the flattened hierarchy, over variables (not yet signals)."""

    name: str
    prim: str
    inputs: list[int]
    outputs: list[int]
    loc: Loc | None


# -------------------------------------------------------------- flattening
class _Flattener:
    def __init__(self, design: Design, checker: _Checker, budget: Budget | None = None):
        self.design = design
        self.checker = checker
        self.budget = budget or Budget()
        self.var_names: list[str] = ["0", "1"]
        self.driver: list[Driver] = [ConstDriver(0), ConstDriver(1)]
        self.gates: list[FlatGate] = []
        self.registers: list[FlatRegister] = []
        self.prims: dict[str, TruthTable] = {}
        self.prim_keys: dict[tuple[int, str], tuple[TruthTable, str]] = {}
        #: (type, inputs) -> (key, table): one lookup per gate after the first
        self.gate_keys: dict[tuple[str, int], tuple[str | None, TruthTable]] = {}

    def new_var(self, name: str) -> int:
        if len(self.var_names) >= self.budget.bits:  # the estimate's backstop
            raise _over("signal bits", len(self.var_names) + 1, self.budget.bits, "bits",
                        self.design.top_module.loc)
        self.var_names.append(name)
        self.driver.append(None)
        return len(self.var_names) - 1

    def new_vars(self, label: str, width: int, bus: bool) -> list[int]:
        """The variables of a net of ``width`` bits, ``label[i]`` (or
        ``label`` for one bit), made in one step rather than bit by bit."""
        if not bus:
            return [self.new_var(label)]
        first = len(self.var_names)
        if first + width > self.budget.bits:  # the estimate's backstop
            raise _over("signal bits", first + width, self.budget.bits, "bits",
                        self.design.top_module.loc)
        self.var_names += [f"{label}[{i}]" for i in range(width)]
        self.driver += [None] * width
        return list(range(first, first + width))

    def vars_of(self, expr: Expr, netvars: dict[str, list[int]], want: int) -> list[int]:
        if type(expr) is Bits:  # nearly every connection: tested first
            bits = netvars[expr.net]
            return bits if expr.lo is None else bits[expr.lo:expr.hi + 1]
        if isinstance(expr, Const):
            w = expr.width if expr.width is not None else want
            if w > 64:  # bit by bit from the binary text, not w shifts of a w-bit int
                return [CONST1 if c == "1" else CONST0
                        for c in reversed(format(expr.value, f"0{w}b"))]
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
                netvars[name] = self.new_vars(f"{prefix}{name}", net.width, net.width > 1)
        for inst in mod.instances:
            child = self.design.modules.get(inst.type)
            if child is not None:
                sub = {}
                given = dict(inst.ports)
                for port in child.ports:
                    if port.name in given:
                        sub[port.name] = self.vars_of(given[port.name], netvars, port.width)
                    else:
                        sub[port.name] = self.new_vars(f"{prefix}{inst.name}.{port.name}",
                                                       port.width, port.width > 1)
                self.flatten(child, f"{prefix}{inst.name}.", sub, depth + 1)
                continue
            ins = [v for e in inst.inputs for v in self.vars_of(e, netvars, 1)]
            outs = [v for e in inst.outputs for v in self.vars_of(e, netvars, 1)]
            wide = self.checker.wide(inst.type, len(ins), len(outs))
            if wide is not None:
                self.wide_gate(wide, ins, outs, f"{prefix}{inst.name}", inst.loc)
                continue
            self.add_gate(inst.type, ins, outs, f"{prefix}{inst.name}", inst.loc)
        for reg in mod.registers:
            self.add_register(reg, prefix, netvars)
        for a in mod.assigns:
            t = self.vars_of(a.target, netvars, 1)
            s = self.vars_of(a.source, netvars, len(t))
            for tv, sv in zip(t, s):
                self.driver[tv] = AliasDriver(sv, a.loc)


    def wide_gate(self, gates, ins: list[int], outs: list[int], name: str, loc) -> None:
        """A wide family gate as the standard gates of its tree (or bit by bit)."""
        refs = {i: v for i, v in enumerate(ins + outs)}
        for j, (prim, in_refs, out_ref) in enumerate(gates):
            if out_ref not in refs:
                refs[out_ref] = self.new_var(f"{name}.t{j}")
            gi = len(self.gates)
            self.prims[prim] = STANDARD[prim]
            self.gates.append(FlatGate(name if len(gates) == 1 else f"{name}.{j}", prim,
                                       [refs[r] for r in in_refs], [refs[out_ref]], loc))
            self.driver[refs[out_ref]] = GateDriver(gi, 0)

    def add_gate(self, type_name: str, ins: list[int], outs: list[int], name: str,
                 loc: Loc | None) -> None:
        shape = (type_name, len(ins))
        known = self.gate_keys.get(shape)
        if known is None:  # once per type and fan-in: comparing tables hashes them
            known = self.gate_keys[shape] = self._gate_key(type_name, len(ins))
        key, tt = known
        if key is None:
            # a function of no inputs is a constant (yosys and ABC write them):
            # its outputs are the constant signals, with no net to train
            for pin, v in enumerate(outs):
                self.driver[v] = AliasDriver(CONST1 if tt.table[0, pin] else CONST0, loc)
            return
        gi = len(self.gates)
        if gi >= self.budget.gates:  # the estimate's backstop
            raise _over("gates", gi + 1, self.budget.gates, "gates",
                        self.design.top_module.loc)
        self.gates.append(FlatGate(name, key, ins, outs, loc))
        for pin, v in enumerate(outs):
            self.driver[v] = GateDriver(gi, pin)

    def _gate_key(self, type_name: str, n_inputs: int) -> tuple[str | None, TruthTable]:
        """The key of a gate type among the flat circuit's primitives (None
        for a constant), and its table."""
        tt = self.checker.primitive(type_name, n_inputs)
        if tt.n_inputs == 0:
            return None, tt
        # keyed by identity (comparing tables hashes them); the table is kept
        # with its key so that its id cannot be reused by another table
        memo = (id(tt), type_name)
        known = self.prim_keys.get(memo)
        if known is not None and known[0] is tt:
            return known[1], tt
        key = tt.name or type_name
        if key in self.prims and self.prims[key] != tt:
            key = f"{key}_{tt.digest[:8]}"
        self.prims[key] = tt if tt.name == key else tt.renamed(name=key)
        self.prim_keys[memo] = (tt, key)
        return key, tt

    def _gate_var(self, type_name: str, ins: list[int], name: str, loc) -> int:
        out = self.new_var(name)
        self.add_gate(type_name, ins, [out], name, loc)
        return out

    def add_register(self, reg, prefix: str, netvars) -> None:
        """The register's bits, with its reset and enable lowered to gates
        (MUX2 for the enable, AND2/OR2 for the reset) so that what it loads
        is computed by trained nets like the rest of the logic."""
        name = f"{prefix}{reg.name}"
        q = self.vars_of(reg.q, netvars, 1)
        d = self.vars_of(reg.d, netvars, len(q))
        ri = len(self.registers)
        for bit, v in enumerate(q):
            self.driver[v] = RegisterDriver(ri, bit)
        rst = self.vars_of(reg.reset, netvars, 1)[0] if reg.reset is not None else None
        en = self.vars_of(reg.enable, netvars, 1)[0] if reg.enable is not None else None
        nots: dict[int, int] = {}

        def inverted(v: int) -> int:
            if v not in nots:
                nots[v] = self._gate_var("NOT", [v], f"{name}.$not", reg.loc)
            return nots[v]

        def with_reset(x: int, bit: int) -> int:
            # active-high reset r: r ? 1 : x = x | r, and r ? 0 : x = x & ~r
            value = (reg.reset_value >> bit) & 1
            active = rst if reg.reset_active else inverted(rst)
            if value:
                return self._gate_var("OR", [x, active], f"{name}.$reset[{bit}]", reg.loc)
            idle = inverted(rst) if reg.reset_active else rst
            return self._gate_var("AND", [x, idle], f"{name}.$reset[{bit}]", reg.loc)

        def with_enable(x: int, bit: int) -> int:
            keep, load = (q[bit], x) if reg.enable_active else (x, q[bit])
            return self._gate_var("MUX2", [en, keep, load], f"{name}.$enable[{bit}]",
                                  reg.loc)

        nxt = []
        for bit, x in enumerate(d):
            if reg.priority == "enable" and rst is not None:
                x = with_reset(x, bit)
            if en is not None:
                x = with_enable(x, bit)
            if reg.priority != "enable" and rst is not None:
                x = with_reset(x, bit)
            nxt.append(x)
        self.registers.append(FlatRegister(name, q, nxt, d, reg, rst, en))


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


def _check_budget(design: Design, checker: _Checker | None, order: list[str],
                  budget: Budget) -> None:
    """Refuse a design over budget before flattening: the gates and signal bits
    of every module, its instances' included, counted bottom-up (Python ints,
    so 2**60 gates are counted, not allocated)."""
    gates: dict[str, int] = {}
    bits: dict[str, int] = {}
    for name in order:  # children before parents
        mod = design.modules[name]
        g = b = 0
        if checker is None:  # before checking: declared nets only, a lower bound
            b += sum(p.width for p in mod.inputs + mod.outputs + mod.wires)
        else:
            b += sum(net.width for net in checker.nets_of(mod).values())
        for inst in mod.instances:
            if inst.type in design.modules:
                child = design.modules[inst.type]
                g += gates[inst.type]
                b += bits[inst.type] + sum(p.width for p in child.ports)
            else:
                g += 1
        gates[name], bits[name] = g, b
    top = design.top
    loc = design.top_module.loc
    if gates[top] > budget.gates:
        raise _over("gates", gates[top], budget.gates, "gates", loc)
    if bits[top] > budget.bits:
        raise _over("signal bits", bits[top], budget.bits, "bits", loc)


def compile_design(design: Design, top: str | None = None,
                   budget: Budget | None = None) -> Circuit:
    """Validate, flatten and levelise a design.

    ``budget`` bounds the size of the result (:class:`Budget`; the defaults
    admit every real circuit).

    Raises
    ------
    ValidationError
        Listing every problem found, each with ``file:line``.
    BudgetError
        If the flattened design would exceed ``budget``.

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
    with paused_gc():
        return _compile_design(design, top, budget)


def _compile_design(design: Design, top: str | None, budget: Budget | None) -> Circuit:
    if top is not None:
        if top not in design.modules:
            dym = did_you_mean(top, design.modules)
            raise NetlistError(f"no circuit named {top!r}{dym}; the file defines "
                               f"{', '.join(design.modules)}", Loc(design.source))
        design = replace(design, top=top)
    mod_names = _module_order(design)
    budget = budget or Budget()
    _check_budget(design, None, mod_names, budget)  # before the per-bit work of checking
    checker = _Checker(design)
    for name in mod_names:
        checker.check(design.modules[name])
    if checker.problems:
        raise ValidationError(_dedupe(checker.problems))
    _check_budget(design, checker, mod_names, budget)

    top_mod = design.top_module
    fl = _Flattener(design, checker, budget)
    portvars = {}
    for p in top_mod.inputs:
        vs = fl.new_vars(p.name, p.width, p.bus)
        fl.driver[vs[0]:vs[-1] + 1] = [_INPUT] * len(vs)
        portvars[p.name] = vs
    for p in top_mod.outputs:
        portvars[p.name] = fl.new_vars(p.name, p.width, p.bus)
    fl.flatten(top_mod, "", portvars, 0)
    warns = tuple(_dedupe([*design.warnings, *checker.warnings]))
    return _assemble(design, top_mod, fl, portvars, warns)


def _assemble(design, top_mod, fl: _Flattener, portvars, warns) -> Circuit:
    n_vars = len(fl.var_names)
    signal_of = np.full(n_vars, -1, dtype=np.int64)
    signal_of[0], signal_of[1] = CONST0, CONST1
    # signals in order: the constants, inputs, register outputs, gate outputs
    order = [v for p in top_mod.inputs for v in portvars[p.name]]
    order += [v for r in fl.registers for v in r.q]
    order += [v for g in fl.gates for v in g.outputs]
    signal_of[np.array(order, dtype=np.int64)] = np.arange(2, 2 + len(order))
    names = ["0", "1"] + [fl.var_names[v] for v in order]
    own = signal_of.tolist()
    final = _resolve_all(signal_of, fl.driver).tolist()

    def resolved(vs) -> tuple[int, ...]:
        out = tuple(map(final.__getitem__, vs))
        if out and min(out) < 0:  # no signal: a loop, or a bug; _resolve says which
            out = tuple(_resolve(v, signal_of, fl.driver, fl.var_names) for v in vs)
        return out

    def resolve_var(v: int) -> int:
        return resolved((v,))[0]

    gates = [Gate(g.name, g.prim, resolved(g.inputs), tuple(map(own.__getitem__, g.outputs)),
                  g.loc) for g in fl.gates]
    inputs = tuple(PortMap(p.name, tuple(map(own.__getitem__, portvars[p.name])), p.bus)
                   for p in top_mod.inputs)
    outputs = tuple(PortMap(p.name, resolved(portvars[p.name]), p.bus)
                    for p in top_mod.outputs)
    registers = []
    for r in fl.registers:
        rec = r.record
        registers.append(RegisterMap(
            r.name, tuple(map(own.__getitem__, r.q)),
            resolved(r.next), rec.init,
            d=resolved(r.d),
            reset=None if r.reset is None else resolve_var(r.reset),
            reset_value=rec.reset_value, reset_active=rec.reset_active,
            enable=None if r.enable is None else resolve_var(r.enable),
            enable_active=rec.enable_active, priority=rec.priority,
            loc=rec.loc))
    levels = _levelise(gates, len(names), names)
    return Circuit(top_mod.name, inputs, outputs, tuple(gates), fl.prims, names, levels,
                   top_mod.tests, warns, design.source, tuple(registers), top_mod.clock,
                   dict(design.train))


def _resolve_all(signal_of: np.ndarray, driver: list[Driver]) -> np.ndarray:
    """Every variable's signal, following assignments, -1 where there is none
    (undriven, or a loop of assignments): pointer jumping over all variables
    at once, a few numpy passes instead of a Python step per bit."""
    source = np.array([d[0] if d.__class__ is AliasDriver else -1 for d in driver],
                      dtype=np.int64)
    sig = signal_of.copy()
    hop = np.where(sig >= 0, -1, source)
    pending = np.flatnonzero(hop >= 0)
    for _ in range(64):  # a chain of n assignments takes log2(n) passes
        if not len(pending):
            break
        nxt = hop[pending]
        got = sig[nxt]
        done = got >= 0
        sig[pending[done]] = got[done]
        hop[pending] = hop[nxt]
        pending = pending[~done & (hop[pending] >= 0)]
    return sig


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
