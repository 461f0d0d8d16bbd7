"""The one session object: a compiled circuit with its nets (run/session.py)."""

import numpy as np
import pytest

from circuitnn import library as lib
from circuitnn.errors import UsageError
from circuitnn.read import load_circuit
from circuitnn.run.bits import encode
from circuitnn.run.exact import ExactEngine
from circuitnn.run.session import Session, train_nets
from circuitnn.run.vectors import exhaustive, pick_vectors


def test_session_from_nets_equals_session_from_store(store):
    circuit = load_circuit("circuits/full_adder.yaml")
    nets = train_nets(circuit, store)
    direct, fetched = Session(circuit, nets), Session.from_store(circuit, store)
    bits = exhaustive(circuit)
    assert np.array_equal(direct.run_bits(bits).analog, fetched.run_bits(bits).analog)
    for a in (0, 1):
        for b in (0, 1):
            for c in (0, 1):
                assert direct(a=a, b=b, cin=c) == {"sum": (a + b + c) % 2,
                                                   "cout": (a + b + c) // 2}


def test_missing_net_is_a_usage_error(store):
    circuit = load_circuit("circuits/full_adder.yaml")
    nets = train_nets(circuit, store)
    del nets["OR2"]
    with pytest.raises(UsageError, match=r"no trained net for primitive OR2$"):
        Session(circuit, nets)


def test_probe_gives_every_internal_signal_close_to_the_exact_value(store):
    fa = lib.ripple_carry_adder(4).compile(store=store)
    a, b = np.meshgrid(np.arange(16), np.arange(16))
    values = fa.probe(a=a.ravel(), b=b.ravel(), cin=1)
    circuit = fa.circuit
    exact_engine = ExactEngine(circuit, keep_all=True)
    bits = encode(circuit, {"a": a.ravel(), "b": b.ravel(), "cin": [1] * a.size})
    _, every = exact_engine.run(bits, probe=True)
    assert len(values) == circuit.n_signals - 2
    for s, name in enumerate(circuit.signal_names[2:], 2):
        assert np.abs(values[name] - every[s]).max() < 0.1, name
    internal = [g.outputs[0] for g in circuit.gates
                if g.outputs[0] not in set(circuit.output_signals.tolist())]
    # internal signals are analog values, not bits the engine rounded
    assert any(0 < np.abs(values[circuit.signal_names[s]] - every[s]).max() for s in internal)


def test_verify_uses_the_one_vector_choice(store):
    small = lib.full_adder().compile(store=store)
    assert small.verify().how == "exhaustive"
    big = lib.ripple_carry_adder(16).compile(store=store)
    report = big.verify(n=50, seed=4)
    assert report.ok and report.how == "random, seed 4"
    assert np.array_equal(report.result.inputs, pick_vectors(big.circuit, seed=4,
                                                             otherwise=50)[0])
