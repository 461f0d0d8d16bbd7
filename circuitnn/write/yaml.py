"""The YAML writer: a :class:`~circuitnn.ir.records.Design` as a netlist in the
format of ``circuits/`` (docs/netlist-format.md).

There is one writer, of designs.  A hierarchical design (from the builder or
a netlist file) keeps its hierarchy: the top circuit at the top level, the
circuits it uses under ``circuits:``, user primitives as truth-table rows
under ``primitives:``.  A compiled circuit is written flat by first turning
it into a one-module design (:func:`flat_design`).  Reading the text back
gives equivalent records.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

from ..compile import Circuit
from ..ir.primitives import STANDARD
from ..ir.records import (
    Assign,
    Concat,
    Const,
    Design,
    Expr,
    Instance,
    Module,
    Port,
    Register,
    TestSequence,
    format_expr,
    join_exprs,
    parse_expr,
)
from ..read.build import FlatNames, module_name

__all__ = ["to_yaml", "flat_design", "circuit_to_yaml"]

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@lru_cache(maxsize=4096)
def _q(text: str) -> str:
    """``text`` as a YAML scalar that reads back as that string (``on``,
    ``no`` or ``null`` are quoted, since YAML reads them as other types)."""
    import yaml

    if _PLAIN.match(text) and yaml.resolver.Resolver().resolve(
            yaml.ScalarNode, text, (True, False)) == "tag:yaml.org,2002:str":
        return text
    return json.dumps(text)


def _expr(e: Expr) -> str | list:
    """An expression as a YAML value: a number, a net text, or a list (LSB first)."""
    if isinstance(e, Const):
        if e.width is None or e.width == 1:
            return str(e.value)
        return [str((e.value >> i) & 1) for i in range(e.width)]
    if isinstance(e, Concat):
        out: list = []
        for p in e.parts:
            v = _expr(p)
            out.extend(v if isinstance(v, list) else [v])
        return out
    return _q(format_expr(e))


def _flow(value: str | list) -> str:
    return "[" + ", ".join(_flow(v) for v in value) + "]" if isinstance(value, list) else value


def _ports(ports: tuple[Port, ...]) -> str:
    return _flow([_q(f"{p.name}[{p.width}]") if p.bus else _q(p.name) for p in ports])


def _gate(inst: Instance) -> str:
    head = f"name: {_q(inst.name)}, type: {_q(inst.type)}"
    if inst.ports:
        conns = ", ".join(f"{_q(p)}: {_flow(_expr(e))}" for p, e in inst.ports)
        return f"{{{head}, ports: {{{conns}}}}}"
    ins = _flow([_expr(e) for e in inst.inputs])
    outs = [_expr(e) for e in inst.outputs]
    out = outs[0] if len(outs) == 1 and not isinstance(outs[0], list) else _flow(outs)
    return f"{{{head}, in: {ins}, out: {out}}}"


def _register(reg: Register) -> str:
    def one(e: Expr) -> str:
        v = _expr(e)
        return v if isinstance(v, str) else _flow(v)

    parts = [f"name: {_q(reg.name)}, type: DFF, in: {one(reg.d)}, out: {one(reg.q)}"]
    if reg.init:
        parts.append(f"init: {reg.init}")
    if reg.reset is not None:
        parts.append(f"reset: {one(reg.reset)}")
        if reg.reset_value:
            parts.append(f"reset_value: {reg.reset_value}")
        if not reg.reset_active:
            parts.append("reset_active: 0")
    if reg.enable is not None:
        parts.append(f"enable: {one(reg.enable)}")
        if not reg.enable_active:
            parts.append("enable_active: 0")
    if reg.priority != "reset":
        parts.append(f"priority: {reg.priority}")
    return "{" + ", ".join(parts) + "}"


def _test(t) -> str:
    if isinstance(t, TestSequence):
        return "{cycles: [" + ", ".join(_test(c) for c in t.cycles) + "]}"
    return "{" + ", ".join(f"{_q(k)}: {v}" for k, v in t.values) + "}"


def _module(mod: Module, pad: str) -> list[str]:
    """The lines of a circuit's body (ports, wires, gates, assign, tests)."""
    lines = [f"{pad}inputs: {_ports(mod.inputs)}", f"{pad}outputs: {_ports(mod.outputs)}"]
    if mod.wires:
        lines.append(f"{pad}wires: {_ports(mod.wires)}")
    if mod.instances or mod.registers:
        lines.append(f"{pad}gates:")
        lines += [f"{pad}  - {_gate(inst)}" for inst in mod.instances]
        lines += [f"{pad}  - {_register(reg)}" for reg in mod.registers]
    if mod.assigns:
        lines.append(f"{pad}assign:")
        lines += [f"{pad}  {_q(format_expr(a.target))}: {_flow(_expr(a.source))}"
                  for a in mod.assigns]
    if mod.tests:
        lines.append(f"{pad}tests:")
        lines += [f"{pad}  - {_test(t)}" for t in mod.tests]
    return lines


def to_yaml(design: Design, comment: str | None = None) -> str:
    """A YAML netlist of ``design``, readable by :func:`~circuitnn.read.yaml.loads_yaml`.

    The top circuit is written at the top level, every other circuit under
    ``circuits``, user primitives as truth-table rows under ``primitives``.
    Reading the text back gives the same records.  ``comment`` lines go
    first, each behind a ``#``.

    Examples
    --------
    >>> from circuitnn.library import half_adder
    >>> print(to_yaml(half_adder().design))
    name: half_adder
    inputs: [a, b]
    outputs: [sum, carry]
    gates:
      - {name: xor0, type: XOR2, in: [a, b], out: sum}
      - {name: and0, type: AND2, in: [a, b], out: carry}
    <BLANKLINE>
    """
    lines = [f"# {line}" for line in (comment.splitlines() if comment else [])]
    lines.append(f"name: {_q(design.top)}")
    top = design.top_module
    body = _module(top, "")
    lines += body[:3 if top.wires else 2]
    if design.primitives:
        lines.append("primitives:")
        for name, tt in design.primitives.items():
            lines += [f"  {_q(name)}:",
                      f"    inputs: {_flow([_q(n) for n in tt.inputs])}",
                      f"    outputs: {_flow([_q(n) for n in tt.outputs])}",
                      "    rows:"]
            lines += [f"      - \"{''.join(map(str, i))} {''.join(map(str, o))}\""
                      for i, o in tt.rows()]
    others = [(n, m) for n, m in design.modules.items() if n != design.top]
    if others:
        lines.append("circuits:")
        for name, mod in others:
            lines.append(f"  {_q(name)}:")
            lines += _module(mod, "    ")
    lines += body[3 if top.wires else 2:]
    return "\n".join(lines) + "\n"


def flat_design(circuit: Circuit) -> Design:
    """A compiled circuit as a one-module design: a gate instance per gate over
    named nets, the primitives that are not standard gates, and its tests.

    Examples
    --------
    >>> from circuitnn.read import load_circuit
    >>> design = flat_design(load_circuit("circuits/full_adder.yaml"))
    >>> list(design.modules), [i.type for i in design.top_module.instances]
    (['full_adder'], ['XOR2', 'AND2', 'XOR2', 'AND2', 'OR2'])
    """
    names = FlatNames(circuit)

    def net(s: int) -> Expr:
        return parse_expr(names.text[s])

    def ports(kind: str, maps) -> tuple[Port, ...]:
        return tuple(Port(p.name, kind, p.width, p.bus) for p in maps)

    instances = tuple(Instance(gname, g.prim, tuple(map(net, g.inputs)),
                               tuple(map(net, g.outputs)), loc=g.loc)
                      for gname, g in zip(names.gate_names, circuit.gates))
    assigns = tuple(Assign(parse_expr(bit), net(s)) for bit, s in names.out_assigns)

    def bus(signals) -> Expr:
        return join_exprs(map(net, signals))

    # the flat gates already compute each register's reset and enable: the
    # register loads ``next``
    registers = tuple(Register(rname, bus(r.next), bus(r.q), r.init, loc=r.loc)
                      for rname, r in zip(names.register_names, circuit.registers))
    top = module_name(circuit.name)
    module = Module(top, ports("input", circuit.inputs), ports("output", circuit.outputs),
                    (), instances, assigns, tuple(circuit.tests), registers=registers)
    custom = {n: tt for n, tt in circuit.primitives.items()
              if n not in STANDARD or STANDARD[n] != tt}
    return Design(top, {top: module}, custom, {}, circuit.source)


def circuit_to_yaml(circuit: Circuit) -> str:
    """The flat YAML netlist of a compiled circuit: :func:`to_yaml` of its
    :func:`flat_design`.

    Examples
    --------
    >>> from circuitnn.read import load_circuit
    >>> print(circuit_to_yaml(load_circuit("circuits/half_adder.yaml")))
    # Written by circuitnn from circuits/half_adder.yaml; flat netlist.
    # 2 gates, depth 1.
    name: half_adder
    inputs: [a, b]
    outputs: [sum, carry]
    gates:
      - {name: x1, type: XOR2, in: [a, b], out: sum}
      - {name: a1, type: AND2, in: [a, b], out: carry}
    tests:
      - {a: 0, b: 0, sum: 0, carry: 0}
      - {a: 0, b: 1, sum: 1, carry: 0}
      - {a: 1, b: 0, sum: 1, carry: 0}
      - {a: 1, b: 1, sum: 0, carry: 1}
    <BLANKLINE>
    """
    comment = (f"Written by circuitnn from {circuit.source or 'a circuit'}; flat netlist.\n"
               f"{len(circuit.gates)} gate{'s' if len(circuit.gates) != 1 else ''}, "
               f"depth {circuit.depth}.")
    return to_yaml(flat_design(circuit), comment)
