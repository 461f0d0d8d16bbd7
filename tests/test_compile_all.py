"""Every function compiles into certified nets: random tables of 1 to 10
inputs, decomposition when a table does not train, progress kept after a
failure, remembered failures.

The trainer runs with small budgets here (few epochs), so that many tables
fail as one net and the decomposition is exercised, and the tests stay fast.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from circuitnn.compile import compile_design
from circuitnn.compile.lower import lower
from circuitnn.hdl import Builder
from circuitnn.ir.primitives import STANDARD
from circuitnn.ir.truthtable import TruthTable
from circuitnn.nn import TrainingError, TrainSettings, certified_margin
from circuitnn.nn.decompose import shannon
from circuitnn.run.session import Session
from circuitnn.run.vectors import exhaustive
from circuitnn.store import ModelStore

#: Small enough that most tables of 5 or more inputs fail as one net.
CHEAP = TrainSettings(max_epochs=500, budget=5e6)


@pytest.fixture(scope="module")
def cheap_store(tmp_path_factory):
    return ModelStore(tmp_path_factory.mktemp("cheap-store"), CHEAP)


def circuit_of(tt: TruthTable):
    """A circuit of the one gate ``tt`` (benchmarks/compile_all.py uses it too)."""
    b = Builder("f")
    outs = b.gate(tt, b.input("x", tt.n_inputs))
    outs = outs if isinstance(outs, tuple) else (outs,)
    for j, o in enumerate(outs):
        b.output(f"y{j}", o)
    return compile_design(b.build().design)


def _check_compiles(tt: TruthTable, store: ModelStore):
    circuit = circuit_of(tt)
    sim = Session.from_store(circuit, store)
    bits = exhaustive(circuit)
    report = sim.verify(bits)
    assert report.ok, f"{len(report.mismatched_rows)} mismatches"
    # the exact engine of the source is the oracle; check it against the
    # table itself too, so a wrong oracle cannot hide a wrong decomposition
    want = tt.evaluate(bits)
    np.testing.assert_array_equal(sim.exact.run(bits), want)
    # every net the circuit runs is certified, re-proved here
    for name, net in sim.nets.items():
        assert net.delta == CHEAP.delta
        assert certified_margin(net, sim.circuit.primitives[name], CHEAP.delta) <= CHEAP.delta
    assert report.min_margin >= 0.5 - CHEAP.delta
    return sim


@settings(max_examples=12, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(k=st.integers(1, 10), m=st.integers(1, 2), seed=st.integers(0, 2**32 - 1))
def test_random_tables_compile_and_verify_exactly(cheap_store, k, m, seed):
    rng = np.random.default_rng(seed)
    table = rng.integers(0, 2, size=(2**k, m))
    tt = TruthTable(tuple("abcdefghij"[:k]), tuple(f"o{j}" for j in range(m)), table,
                    name=f"R{k}_{m}_{seed}")
    _check_compiles(tt, cheap_store)


def test_ten_input_parity_and_random_table_are_decomposed(cheap_store):
    parity = TruthTable.from_function(tuple("abcdefghij"), ("y",),
                                      lambda *x: sum(x) % 2).renamed(name="PAR10")
    sim = _check_compiles(parity, cheap_store)
    assert "PAR10" in sim.lowered.decomposed
    assert set(sim.circuit.primitives) <= {"XOR2", "XNOR2", "XOR3", "XOR4", "NOT"}
    rng = np.random.default_rng(7)
    rand = TruthTable(tuple("abcdefghij"), ("y",), rng.integers(0, 2, (1024, 1)), name="RND10")
    sim = _check_compiles(rand, cheap_store)
    assert sim.lowered.gates_per_instance("RND10") > 10
    assert all(tt.n_inputs <= 4 for tt in sim.circuit.primitives.values())


def test_sixteen_input_table_compiles_through_the_decomposition(cheap_store):
    # wider than any single net (10 inputs): never trained, always decomposed
    k = 12
    tt = TruthTable.from_function(tuple(f"i{j}" for j in range(k)), ("y",),
                                  lambda *x: (sum(x[:6]) >= 3) ^ (x[6] & x[7]) ^ x[11],
                                  name="WIDE12")
    sim = Session.from_store(circuit_of(tt), cheap_store)
    assert sim.verify(exhaustive(sim.source)).ok
    assert all(p.n_inputs <= 10 for p in sim.circuit.primitives.values())


def test_shannon_decomposition_is_exact_for_every_leaf_size():
    rng = np.random.default_rng(3)
    for k in range(1, 9):
        tt = TruthTable(tuple("abcdefgh"[:k]), ("y", "z"), rng.integers(0, 2, (2**k, 2)))
        X = tt.input_matrix().T
        for leaf in range(1, 5):
            d = shannon(tt, leaf)
            np.testing.assert_array_equal(d.evaluate(X), tt.evaluate(X))
            assert all(s.table.n_inputs <= max(leaf, 3) for s in d.steps)


# ------------------------------------------------------------ the store
def test_every_accepted_net_is_kept_when_another_table_fails(tmp_path):
    # hidden_sizes=(0,): a perceptron, so AND2 trains and XOR2 cannot
    store = ModelStore(tmp_path, TrainSettings(hidden_sizes=(0,)))
    with pytest.raises(TrainingError, match=r"^could not train XOR2: none of hidden sizes"):
        store.get_or_train_many([STANDARD["XOR2"], STANDARD["AND2"]])
    assert store.contains(STANDARD["AND2"])
    assert store.failure(STANDARD["XOR2"]) is not None
    assert ModelStore(tmp_path, TrainSettings(hidden_sizes=(0,))).get(STANDARD["AND2"]).arch \
        == "2-1"


def test_nets_accepted_before_an_interruption_are_kept(tmp_path):
    store = ModelStore(tmp_path)

    def interrupt(message):
        if "accepted" in message:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        store.get_or_train_many([STANDARD["AND2"], STANDARD["MUX2"]], progress=interrupt)
    assert store.contains(STANDARD["AND2"]) and not store.contains(STANDARD["MUX2"])


def test_a_remembered_failure_skips_training(tmp_path, monkeypatch):
    rng = np.random.default_rng(11)
    tt = TruthTable(tuple("abcdef"), ("y",), rng.integers(0, 2, (64, 1)), name="R6")
    first = ModelStore(tmp_path, CHEAP)
    low = lower(circuit_of(tt), first)
    assert "R6" in low.decomposed and first.failure(tt) is not None
    trained_first = first.trained
    assert trained_first >= 2

    import circuitnn.store as store_mod

    def no_training(*args, **kwargs):
        raise AssertionError("trained again")

    monkeypatch.setattr(store_mod, "train_some", no_training)
    again = ModelStore(tmp_path, CHEAP)
    low2 = lower(circuit_of(tt), again)
    assert again.trained == 0
    assert [g.prim for g in low2.circuit.gates] == [g.prim for g in low.circuit.gates]
    # other settings are another key: the failure does not carry over
    assert ModelStore(tmp_path, TrainSettings(max_epochs=501, budget=5e6)).failure(tt) is None


def test_retrain_ignores_a_remembered_failure(tmp_path):
    store = ModelStore(tmp_path, TrainSettings(hidden_sizes=(0,)))
    assert store.get_or_train_some([STANDARD["XOR2"]]) == [None]
    assert store.get_or_train_some([STANDARD["XOR2"]]) == [None]
    assert store.trained == 0
    wider = ModelStore(tmp_path, TrainSettings(hidden_sizes=(0,)), retrain=True)
    fails = []
    assert wider.get_or_train_some([STANDARD["XOR2"]], failures=fails) == [None]
    assert fails and fails[0].hidden_sizes == ()
    assert store.clear().left == [] and store.failure(STANDARD["XOR2"]) is None


def test_joining_gates_that_cannot_train_are_an_error(tmp_path):
    # nothing but a perceptron: a parity cannot be built from MUX2/XOR2 either
    tt = TruthTable.from_expr("a ^ b ^ c ^ d ^ e").renamed(name="P5")
    with pytest.raises(TrainingError, match=r"^could not train XOR4: none of hidden sizes "
                       r"\[0\] can compute it .*; XOR4 cannot be decomposed into gates that "
                       r"train$"):
        lower(circuit_of(tt), ModelStore(tmp_path, TrainSettings(hidden_sizes=(0,))))
