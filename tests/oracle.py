"""Independent oracles for the tests: plain-Python evaluation, one vector at a
time, with none of the engines' machinery (no levels, no slots, no numpy)."""

from __future__ import annotations

import re


def evaluate_flat(circuit, inputs: dict[str, int]) -> dict[str, int]:
    """Evaluate a compiled circuit gate by gate from its truth tables' rows,
    repeating passes until every gate has fired (so any order works)."""
    value = {0: 0, 1: 1}
    for port in circuit.inputs:
        for i, s in enumerate(port.signals):
            value[s] = (inputs[port.name] >> i) & 1
    rows = {name: dict(tt.rows()) for name, tt in circuit.primitives.items()}
    pending = list(circuit.gates)
    while pending:
        later = []
        for g in pending:
            if all(s in value for s in g.inputs):
                out = rows[g.prim][tuple(value[s] for s in g.inputs)]
                for s, v in zip(g.outputs, out):
                    value[s] = v
            else:
                later.append(g)
        if len(later) == len(pending):
            raise AssertionError("circuit does not settle")
        pending = later
    return {p.name: sum(value[s] << i for i, s in enumerate(p.signals))
            for p in circuit.outputs}


def parse_bench(text: str) -> tuple[list[str], list[str], list[tuple[str, str, list[str]]]]:
    """An ISCAS ``.bench`` netlist as its inputs, outputs and gates
    ``(out, KIND, args)`` in file order, DFFs included -- a plain reading,
    independent of circuitnn's reader, for the oracles that rebuild a
    netlist elsewhere (iverilog, PyRTL)."""
    ins, outs, gates = [], [], []
    for line in text.splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"(INPUT|OUTPUT)\((\S+)\)", line)
        if m:
            (ins if m.group(1) == "INPUT" else outs).append(m.group(2))
            continue
        m = re.fullmatch(r"(\S+)\s*=\s*(\w+)\((.*)\)", line)
        gates.append((m.group(1), m.group(2).upper(), [a.strip() for a in m.group(3).split(",")]))
    return ins, outs, gates
