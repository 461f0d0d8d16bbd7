import re

import numpy as np
import pytest

from circuitnn.errors import CircuitError
from circuitnn.hdl import Builder
from circuitnn.read import load_circuit
from circuitnn.run.bits import bits_to_ints, decode, encode, ints_to_bits
from circuitnn.run.vector_files import read_csv
from circuitnn.run.vectors import exhaustive


@pytest.fixture(scope="module")
def adder():
    return load_circuit("circuits/ripple_carry_adder_4.yaml")


@pytest.mark.parametrize("width", [1, 7, 63, 64, 65, 200])
def test_ints_bits_round_trip(width):
    rng = np.random.default_rng(width)
    values = [int.from_bytes(rng.bytes(32), "little") % (1 << width) for _ in range(50)]
    values += [0, (1 << width) - 1]
    bits = ints_to_bits(values, width)
    assert bits.shape == (width, len(values))
    for i, v in enumerate(values):
        assert sum(int(b) << k for k, b in enumerate(bits[:, i])) == v
    assert [int(x) for x in bits_to_ints(bits)] == values


def test_exhaustive_counts_with_first_port_most_significant(adder):
    bits = exhaustive(adder)
    vals = decode(adder.inputs, bits)
    n = np.arange(512)
    assert (vals["a"] == n >> 5).all() and (vals["b"] == (n >> 1) & 15).all()
    assert (vals["cin"] == n & 1).all()


def test_encode_checks_names_and_ranges(adder):
    with pytest.raises(CircuitError, match=r"^value 16 does not fit input 'a' \(4 bits: 0 to 15\)$"):
        encode(adder, {"a": [16], "b": [0], "cin": [0]})
    with pytest.raises(CircuitError, match=r"^'x' is not an input"):
        encode(adder, {"x": [1], "a": [0], "b": [0], "cin": [0]})
    with pytest.raises(CircuitError, match=r"^no value for input cin$"):
        encode(adder, {"a": [1], "b": [0]})


def test_encode_refuses_python_integers_too_wide_for_the_port(adder):
    # Python integers beyond int64 (object arrays) and ports wider than 64 bits
    # are checked one value at a time, apart from the numpy path above
    with pytest.raises(CircuitError, match=r"^value 1180591620717411303424 does not fit "
                                           r"input 'a' \(4 bits: 0 to 15\)$"):
        encode(adder, {"a": [1, 1 << 70], "b": [0, 0], "cin": [0, 0]})
    wide = Builder("wide")
    wide.output("y", ~wide.input("x", 65))
    circuit = wide.compile().circuit
    assert decode(circuit.inputs, encode(circuit, {"x": [(1 << 65) - 1]}))["x"].tolist() == [
        (1 << 65) - 1]
    with pytest.raises(CircuitError, match=r"does not fit input 'x' \(65 bits: 0 to "):
        encode(circuit, {"x": [1 << 65]})


def test_read_csv(tmp_path, adder):
    f = tmp_path / "v.csv"
    f.write_text("b,a,cin\n1,2,0\n# comment\n\n0x0f,0b1010,1\n")
    vals = decode(adder.inputs, read_csv(str(f), adder))
    assert vals["a"].tolist() == [2, 10] and vals["b"].tolist() == [1, 15]
    assert vals["cin"].tolist() == [0, 1]


@pytest.mark.parametrize("text, message", [
    ("", "v.csv:1: is empty; the first line must name the inputs (a,b,cin)"),
    ("a,b\n1,2\n", "v.csv:1: no column for input cin; the header should be a,b,cin"),
    ("a,b,c\n", "v.csv:1: column 'c' is not an input of 'ripple_carry_adder_4'; the header should be a,b,cin"),
    ("a,b,cin\n1,2\n", "v.csv:2: row has 2 values; the header has 3"),
    ("a,b,cin\n1,2,x\n", "v.csv:2: column 'cin': 'x' is not a whole number; write decimal, 0b... or 0x..."),
    ("a,b,cin\n1,2,0\n1,99,0\n", "v.csv:3: value 99 does not fit input 'b' (4 bits: 0 to 15)"),
    ("a,b,cin\n1,-2,0\n", "v.csv:2: column 'b': -2 is negative; values are 0 or more"),
    ("a,b,cin\n", "v.csv:1: has a header but no rows of values"),
])
def test_read_csv_errors_name_file_and_line(tmp_path, monkeypatch, adder, text, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "v.csv").write_text(text)
    with pytest.raises(CircuitError, match=f"^{re.escape(message)}$"):
        read_csv("v.csv", adder)
