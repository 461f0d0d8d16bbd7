"""Write a compiled circuit as a YAML netlist (the format of ``circuits/``).

The circuit is written flat: one circuit, its gates over named nets, the
primitives that are not standard gates as truth tables (``rows``), and its
embedded tests.  Reading the file back gives a circuit with the same
behaviour.
"""

from __future__ import annotations

import json
import re

from ..compile import Circuit
from ..ir.primitives import STANDARD
from ..read.build import FlatNames, module_name

__all__ = ["circuit_to_yaml"]

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _q(text: str) -> str:
    return text if _PLAIN.match(text) else json.dumps(text)


def _val(text: str) -> str:
    return text if text in ("0", "1") else _q(text)


def circuit_to_yaml(circuit: Circuit) -> str:
    """The YAML netlist text of a circuit.

    Examples
    --------
    >>> from circuitnn import loads_yaml, compile_design
    >>> c = compile_design(loads_yaml('''
    ... name: ha
    ... inputs: [a, b]
    ... outputs: [s]
    ... gates: [{name: x, type: XOR, in: [a, b], out: s}]
    ... '''))
    >>> print(circuit_to_yaml(c).splitlines()[2])
    name: ha
    """
    names = FlatNames(circuit)
    out = [f"# Written by circuitnn from {circuit.source or 'a circuit'}; flat netlist.",
           f"# {len(circuit.gates)} gates, depth {circuit.depth}.",
           f"name: {module_name(circuit.name)}"]
    for kind, ports in (("inputs", circuit.inputs), ("outputs", circuit.outputs)):
        items = [_q(f"{p.name}[{p.width}]") if p.bus else p.name for p in ports]
        out.append(f"{kind}: [{', '.join(items)}]")
    custom = {n: tt for n, tt in circuit.primitives.items()
              if n not in STANDARD or STANDARD[n] != tt}
    if custom:
        out.append("primitives:")
        for name, tt in custom.items():
            out.append(f"  {name}:")
            out.append(f"    inputs: [{', '.join(tt.inputs)}]")
            out.append(f"    outputs: [{', '.join(tt.outputs)}]")
            out.append("    rows:")
            for ins, outs in tt.rows():
                out.append(f"      - \"{''.join(map(str, ins))} {''.join(map(str, outs))}\"")
    if circuit.gates:
        out.append("gates:")
        for gname, g in zip(names.gate_names, circuit.gates):
            ins = ", ".join(_val(names.text[s]) for s in g.inputs)
            outs = [_q(names.text[s]) for s in g.outputs]
            o = outs[0] if len(outs) == 1 else f"[{', '.join(outs)}]"
            out.append(f"  - {{name: {gname}, type: {g.prim}, in: [{ins}], out: {o}}}")
    if names.out_assigns:
        out.append("assign:")
        for bit, s in names.out_assigns:
            out.append(f"  {_q(bit)}: {_val(names.text[s])}")
    if circuit.tests:
        out.append("tests:")
        for tv in circuit.tests:
            out.append("  - {" + ", ".join(f"{_q(k)}: {v}" for k, v in tv.values) + "}")
    return "\n".join(out) + "\n"
