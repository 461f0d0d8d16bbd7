import glob

import numpy as np
import pytest
from oracle import evaluate_flat

from circuitnn.ir.primitives import STANDARD
from circuitnn.ir.truthtable import TruthTable
from circuitnn.read import load_circuit
from circuitnn.run.bits import decode, encode
from circuitnn.run.exact import ExactEngine, pack, unpack
from circuitnn.run.vectors import exhaustive, random_vectors

CIRCUITS = sorted(glob.glob("circuits/*.yaml"))


@pytest.mark.parametrize("n", [1, 63, 64, 65, 1000])
def test_pack_round_trip(n):
    bits = np.random.default_rng(n).integers(0, 2, (5, n), dtype=np.uint8)
    assert (unpack(pack(bits), n) == bits).all()


@pytest.mark.parametrize("path", CIRCUITS)
def test_exact_engine_against_plain_python(path):
    c = load_circuit(path)
    bits = exhaustive(c) if c.n_input_bits <= 10 else random_vectors(c, 300, seed=1)
    got = decode(c.outputs, ExactEngine(c).run(bits))
    ins = decode(c.inputs, bits)
    for i in range(bits.shape[1]):
        want = evaluate_flat(c, {k: int(v[i]) for k, v in ins.items()})
        assert {k: int(v[i]) for k, v in got.items()} == want


def _single_gate(tt, name="G"):
    from circuitnn.compile import compile_design
    from circuitnn.read.yaml import loads_yaml

    ins = ", ".join(f"i{j}" for j in range(tt.n_inputs))
    outs = ", ".join(f"o{j}" for j in range(tt.n_outputs))
    rows = [f"{''.join(map(str, i))} {''.join(map(str, o))}" for i, o in tt.rows()]
    text = (f"primitives:\n  {name}:\n    inputs: [{ins}]\n    outputs: [{outs}]\n"
            f"    rows: {rows}\ninputs: [{ins}]\noutputs: [{outs}]\n"
            f"gates:\n  - {{name: g, type: {name}, in: [{ins}], out: [{outs}]}}\n")
    return compile_design(loads_yaml(text))


@pytest.mark.parametrize("name", ["AND9", "NOR5", "XNOR4", "MUX2", "MAJ3", "NOT", "BUF"])
def test_packed_engine_reproduces_each_table(name):
    tt = STANDARD[name]
    c = _single_gate(tt)
    got = ExactEngine(c).run(exhaustive(c))
    assert (got.T == tt.table).all()


def test_packed_engine_on_random_multi_output_tables():
    rng = np.random.default_rng(7)
    for k, m in [(1, 1), (2, 3), (5, 2), (7, 1)]:
        tt = TruthTable([f"a{i}" for i in range(k)], [f"y{i}" for i in range(m)],
                        rng.integers(0, 2, (2**k, m)))
        c = _single_gate(tt)
        assert (ExactEngine(c).run(exhaustive(c)).T == tt.table).all()


def test_exact_adder_against_python_arithmetic():
    c = load_circuit("circuits/ripple_carry_adder_32.yaml")
    bits = random_vectors(c, 5000, seed=3)
    ins = decode(c.inputs, bits)
    out = decode(c.outputs, ExactEngine(c).run(bits))
    total = out["sum"].astype(object) + (out["cout"].astype(object) << 32)
    want = ins["a"].astype(object) + ins["b"].astype(object) + ins["cin"].astype(object)
    assert (total == want).all()


def test_encode_then_run_single_vector():
    c = load_circuit("circuits/comparator_4.yaml")
    out = decode(c.outputs, ExactEngine(c).run(encode(c, {"a": [3, 9, 15], "b": [5, 9, 0]})))
    assert out["lt"].tolist() == [1, 0, 0]
    assert out["eq"].tolist() == [0, 1, 0]
    assert out["gt"].tolist() == [0, 0, 1]


def test_small_and_large_chunks_compute_the_same_values(store):
    from circuitnn.run.neural import NeuralEngine
    from circuitnn.run.session import train_nets

    c = load_circuit("circuits/ripple_carry_adder_32.yaml")
    nets = train_nets(c, store)
    bits = random_vectors(c, 3000, seed=4)
    big = NeuralEngine(c, nets, threads=1).run(bits)  # broadcast sums over many values
    small = np.concatenate([NeuralEngine(c, nets).run(bits[:, i:i + 1]) for i in range(40)],
                           axis=1)  # one vector at a time: matrix products
    np.testing.assert_allclose(small, big[:, :40], rtol=0, atol=2e-6)
    assert ((big > 0.5) == ExactEngine(c).run(bits)).all()
