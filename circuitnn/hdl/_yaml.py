"""The hierarchical YAML writer of a design."""

from __future__ import annotations

import yaml

from ..ir.records import (
    Concat,
    Const,
    Design,
    Expr,
    Module,
    format_expr,
)


# -------------------------------------------------------------------- YAML
def _yaml_expr(e: Expr):
    if isinstance(e, Const):
        if e.width is None or e.width == 1:
            return e.value
        return [(e.value >> i) & 1 for i in range(e.width)]
    if isinstance(e, Concat):
        out = []
        for p in e.parts:
            v = _yaml_expr(p)
            out.extend(v if isinstance(v, list) else [v])
        return out
    return format_expr(e)


class _Flow(dict):
    """A mapping written on one line (one gate per line)."""


class _Dumper(yaml.SafeDumper):
    pass


def _yaml_ports(ports) -> list:
    return [{p.name: p.width} if p.bus else p.name for p in ports]


def _yaml_module(mod: Module, top: bool) -> dict:
    d: dict = {"name": mod.name} if top else {}
    d["inputs"] = _yaml_ports(mod.inputs)
    d["outputs"] = _yaml_ports(mod.outputs)
    if mod.wires:
        d["wires"] = _yaml_ports(mod.wires)
    gates = []
    for inst in mod.instances:
        g = _Flow(name=inst.name, type=inst.type)
        if inst.ports:
            g["ports"] = {p: _yaml_expr(e) for p, e in inst.ports}
        else:
            g["in"] = [_yaml_expr(e) for e in inst.inputs]
            g["out"] = [_yaml_expr(e) for e in inst.outputs]
        gates.append(g)
    if gates:
        d["gates"] = gates
    if mod.assigns:
        d["assign"] = {format_expr(a.target): _yaml_expr(a.source) for a in mod.assigns}
    if mod.tests:
        d["tests"] = [dict(t.values) for t in mod.tests]
    return d


def to_yaml(design: Design) -> str:
    """A YAML netlist of ``design``, readable by :func:`~circuitnn.read.yaml.loads_yaml`.

    The top module is written at the top level, every other module under
    ``circuits``, user primitives as truth-table rows under ``primitives``.
    Reading the text back gives an equivalent design.

    Examples
    --------
    >>> from circuitnn.library import half_adder
    >>> print(to_yaml(half_adder().design))
    name: half_adder
    inputs: [a, b]
    outputs: [sum, carry]
    gates:
    - {name: xor0, type: XOR2, in: [a, b], out: [sum]}
    - {name: and0, type: AND2, in: [a, b], out: [carry]}
    <BLANKLINE>
    """
    doc: dict = {}
    if design.primitives:
        doc["primitives"] = {
            name: {"inputs": list(tt.inputs), "outputs": list(tt.outputs),
                   "rows": [" ".join(("".join(map(str, i)), "".join(map(str, o))))
                            for i, o in tt.rows()]}
            for name, tt in design.primitives.items()
        }
    others = {n: _yaml_module(m, False) for n, m in design.modules.items() if n != design.top}
    if others:
        doc["circuits"] = others
    doc.update(_yaml_module(design.top_module, True))
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, default_flow_style=None,
                     width=100)
