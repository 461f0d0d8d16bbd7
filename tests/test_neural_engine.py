"""The neural engine runs each gate's trained net: its outputs are the
composition of every gate's ``GateNet.forward``, computed here independently
by walking the gates in topological order, one gate at a time."""

from pathlib import Path

import numpy as np
import pytest

from circuitnn.read import load_circuit
from circuitnn.run.neural import NeuralEngine
from circuitnn.run.session import train_nets
from circuitnn.run.vectors import exhaustive, random_vectors

ROOT = Path(__file__).resolve().parent.parent
CIRCUITS = ["circuits/half_adder.yaml", "circuits/ripple_carry_adder_4.yaml",
            "data/benchmarks/iscas85/c17.bench", "data/benchmarks/iscas85/c432.bench"]


def _composed(circuit, nets, bits, digital=False):
    """Every output bit's value: each gate's ``GateNet.forward`` (float64) on
    its drivers' values, gates taken in an order computed here, not the
    engine's schedule."""
    values = {0: np.zeros(bits.shape[1]), 1: np.ones(bits.shape[1])}
    for s, row in zip(circuit.input_signals, bits):
        values[int(s)] = row.astype(float)
    pending = list(circuit.gates)
    while pending:
        ready = [g for g in pending if all(s in values for s in g.inputs)]
        assert ready, "the circuit has a cycle"
        for g in ready:
            x = np.stack([values[s] for s in g.inputs], axis=1)  # (vectors, pins)
            y = nets[g.prim].forward(x)                          # (vectors, outputs)
            for j, s in enumerate(g.outputs):
                values[s] = (y[:, j] > 0.5).astype(float) if digital else y[:, j]
        pending = [g for g in pending if g not in ready]
    return np.stack([values[int(s)] for s in circuit.output_signals])


def _vectors(circuit):
    if circuit.n_input_bits <= 9:
        return exhaustive(circuit)
    return random_vectors(circuit, 200, seed=11)


@pytest.fixture(scope="module", params=CIRCUITS, ids=lambda p: Path(p).stem)
def case(request, store):
    circuit = load_circuit(ROOT / request.param)
    return circuit, train_nets(circuit, store), _vectors(circuit)


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_engine_is_the_composition_of_gate_nets(case, dtype, tol):
    circuit, nets, bits = case
    want = _composed(circuit, nets, bits)
    got = NeuralEngine(circuit, nets, dtype=dtype).run(bits)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, want, rtol=0, atol=tol)


def test_analog_outputs_are_not_saturated_bits(case):
    circuit, nets, bits = case
    got = NeuralEngine(circuit, nets, dtype=np.float64).run(bits)
    # sigmoid outputs: strictly between 0 and 1, except where a deep saturation
    # rounds to 1.0 in float64 (c432's NAND4 of four zeros is 1 - 1e-17)
    assert np.mean((got > 0) & (got < 1)) > 0.9
    # and far enough from 0 and 1 that no rounding of a bit explains them
    assert np.abs(got - np.round(got)).max() > 1e-3


def _swapped(circuit, nets):
    """``nets`` with the first primitive's net replaced by another net of its
    shape (or, when there is none, by its own net with the last layer negated:
    the opposite function)."""
    victim = sorted(circuit.gate_counts())[0]
    net = nets[victim]
    donor = next((n for n in nets.values() if n is not net and n.n_inputs == net.n_inputs
                  and n.n_outputs == net.n_outputs), None)
    if donor is None:
        w, b = net.weights, net.biases
        donor = type(net)(w[:-1] + [-w[-1]], b[:-1] + [-b[-1]], "negated")
    return dict(nets, **{victim: donor})


def test_digital_mode_thresholds_every_gate(case):
    circuit, nets, bits = case
    for which in (nets, _swapped(circuit, nets)):
        want = _composed(circuit, which, bits, digital=True)
        got = NeuralEngine(circuit, which, mode="digital", dtype=np.float64).run(bits)
        assert np.array_equal(got, want)


def test_swapping_one_primitives_net_changes_the_outputs(case):
    circuit, nets, bits = case
    swapped = _swapped(circuit, nets)
    before = NeuralEngine(circuit, nets, dtype=np.float64).run(bits)
    after = NeuralEngine(circuit, swapped, dtype=np.float64).run(bits)
    assert not np.allclose(before, after, atol=1e-3)
    assert ((before > 0.5) != (after > 0.5)).any()  # the bits change, not only the values
    np.testing.assert_allclose(after, _composed(circuit, swapped, bits), rtol=0, atol=1e-12)
