"""Every ISCAS-85 and EPFL benchmark: the neural engine (analog) agrees with the
exact reference on 10,000 random vectors, and the two arithmetic ones compute
what they should by Python arithmetic."""

from pathlib import Path

import numpy as np
import pytest

from circuitnn.read import load_circuit
from circuitnn.run.bits import decode
from circuitnn.run.session import Session
from circuitnn.run.vectors import random_vectors

DATA = Path(__file__).resolve().parent.parent / "data" / "benchmarks"
FILES = sorted(DATA.glob("iscas85/*.bench")) + sorted(DATA.glob("epfl/*.blif"))


def test_all_benchmarks_are_here():
    assert len(FILES) == 11 + 7


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_neural_agrees_with_exact_on_10000_vectors(path, store):
    circuit = load_circuit(path)
    sim = Session.from_store(circuit, store)
    report = sim.verify(random_vectors(circuit, 10_000, seed=5))
    assert report.rows == 10_000
    assert len(report.mismatched_rows) == 0
    assert report.min_margin > 0.4  # certified nets keep outputs within 0.1 of a level


def test_c6288_multiplies_and_epfl_adder_adds(store):
    c6288 = load_circuit(DATA / "iscas85" / "c6288.bench")
    bits = random_vectors(c6288, 10_000, seed=6)
    out = Session.from_store(c6288, store).run_bits(bits)
    # c6288's 32 inputs are a (first 16) and b (next 16), each LSB first; its
    # 32 outputs are the product, LSB first except that the last two listed
    # are bits 31 and 30
    ins = bits.astype(np.uint64)
    a = sum(ins[i] << np.uint64(i) for i in range(16))
    b = sum(ins[16 + i] << np.uint64(i) for i in range(16))
    order = list(range(30)) + [31, 30]
    got = sum(out.bits[k].astype(np.uint64) << np.uint64(bit) for k, bit in enumerate(order))
    assert (got == a * b).all()

    adder = load_circuit(DATA / "epfl" / "adder.blif")
    bits = random_vectors(adder, 10_000, seed=7)
    res = Session.from_store(adder, store).run_bits(bits)
    ins = {k: v.astype(object) for k, v in decode(adder.inputs, bits).items()}
    outs = res.output_values()
    width = adder.port("a").width
    total = sum(outs[p.name].astype(object) << sum(q.width for q in adder.outputs[:i])
                for i, p in enumerate(adder.outputs))
    assert width == 128
    assert (total == ins["a"] + ins["b"]).all()
