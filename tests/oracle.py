"""Independent oracles for the tests: plain-Python evaluation, one vector at a
time, with none of the engines' machinery (no levels, no slots, no numpy)."""

from __future__ import annotations


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
