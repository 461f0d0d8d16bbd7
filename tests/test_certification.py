"""The composition theorem, exercised (docs/certification.md): with certified
gates, analog evaluation keeps every internal signal within delta of its exact
value, at any depth."""

import numpy as np
import pytest

from circuitnn.compile import compile_design
from circuitnn.read import load_circuit
from circuitnn.read.yaml import loads_yaml
from circuitnn.run.bits import decode
from circuitnn.run.exact import ExactEngine
from circuitnn.run.neural import NeuralEngine
from circuitnn.run.session import train_nets
from circuitnn.run.vectors import random_vectors

CHAIN = """
name: chain
inputs: [a, b]
outputs: [y]
gates:
  - {{name: x, type: XOR, repeat: {n}, in: ["t[{{3*i}}]", b], out: "t[{{3*i+1}}]"}}
  - {{name: n, type: XNOR, repeat: {n}, in: ["t[{{3*i+1}}]", b], out: "t[{{3*i+2}}]"}}
  - {{name: u, type: BUF, repeat: {n}, in: ["t[{{3*i+2}}]"], out: "t[{{3*i+3}}]"}}
assign: {{"t[0]": a, y: "t[{last}]"}}
"""

ADDER = """
imports: [{full_adder}]
name: rca256
inputs: {{a: 256, b: 256, cin: 1}}
outputs: {{sum: 256, cout: 1}}
gates:
  - name: fa
    type: full_adder
    repeat: 256
    chain: {{cout: cin}}
    ports: {{a: "a[{{i}}]", b: "b[{{i}}]", sum: "sum[{{i}}]", cin: cin, cout: cout}}
"""


def _deviation(circuit, store, n_vectors, seed=0):
    nets = train_nets(circuit, store)
    deltas = {net.delta for net in nets.values()}
    assert None not in deltas, "every net in the store is certified"
    delta = min(deltas)
    bits = random_vectors(circuit, n_vectors, seed)
    analog, every = NeuralEngine(circuit, nets, keep_all=True).run(bits, probe=True)
    exact, every_exact = ExactEngine(circuit, keep_all=True).run(bits, probe=True)
    worst = float(np.abs(every[2:] - every_exact[2:]).max())
    mismatches = int(((analog > 0.5) != exact).any(axis=0).sum())
    return worst, delta, mismatches, bits, exact


def test_chain_of_10000_alternating_xor_xnor_buf(store):
    n = 3334
    circuit = compile_design(loads_yaml(CHAIN.format(n=n, last=3 * n), "chain.yaml"))
    assert len(circuit.gates) == 3 * n >= 10_000 and circuit.depth == 3 * n
    worst, delta, mismatches, bits, exact = _deviation(circuit, store, 256)
    assert mismatches == 0
    assert worst <= delta
    # XOR then XNOR with the same b inverts: an even number of inversions
    ins = decode(circuit.inputs, bits)
    assert (decode(circuit.outputs, exact)["y"] == ins["a"]).all()


def test_256_bit_ripple_carry_adder(store, tmp_path):
    path = tmp_path / "rca256.yaml"
    from pathlib import Path

    fa = Path(__file__).resolve().parent.parent / "circuits" / "full_adder.yaml"
    path.write_text(ADDER.format(full_adder=fa.as_posix()))
    circuit = load_circuit(path)
    worst, delta, mismatches, bits, exact = _deviation(circuit, store, 1000)
    assert mismatches == 0
    assert worst <= delta
    ins = {k: v.astype(object) for k, v in decode(circuit.inputs, bits).items()}
    out = decode(circuit.outputs, exact)
    assert ((out["cout"].astype(object) << 256) + out["sum"] ==
            ins["a"] + ins["b"] + ins["cin"]).all()


@pytest.mark.parametrize("name", ["c6288"])
def test_iscas_c6288(store, name):
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    circuit = load_circuit(root / "data" / "benchmarks" / "iscas85" / f"{name}.bench")
    worst, delta, mismatches, _, _ = _deviation(circuit, store, 2000)
    assert mismatches == 0
    assert worst <= delta
