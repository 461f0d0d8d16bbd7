import itertools
from functools import reduce

import pytest

from circuitnn.ir.primitives import STANDARD, resolve, standard, suggest

PYTHON = {
    "AND": lambda bits: int(all(bits)),
    "OR": lambda bits: int(any(bits)),
    "NAND": lambda bits: 1 - int(all(bits)),
    "NOR": lambda bits: 1 - int(any(bits)),
    "XOR": lambda bits: reduce(lambda x, y: x ^ y, bits),
    "XNOR": lambda bits: 1 - reduce(lambda x, y: x ^ y, bits),
}


def test_the_library_has_every_gate_and_fanin():
    names = set(STANDARD)
    for fam in ("AND", "OR", "NAND", "NOR"):
        assert {f"{fam}{n}" for n in range(2, 10)} <= names
    for fam in ("XOR", "XNOR"):
        assert {f"{fam}{n}" for n in range(2, 5)} <= names
    assert {"BUF", "NOT", "MUX2", "MAJ3"} <= names
    assert len(STANDARD) == 4 * 8 + 2 * 3 + 4 == len(standard())


@pytest.mark.parametrize("name", [n for n in STANDARD if n.rstrip("0123456789") in PYTHON])
def test_reduction_gates_against_python(name):
    tt = STANDARD[name]
    fn = PYTHON[name.rstrip("0123456789")]
    for r, bits in enumerate(itertools.product((0, 1), repeat=tt.n_inputs)):
        assert tt.table[r, 0] == fn(bits)


def test_small_gates_against_python():
    assert STANDARD["BUF"].table[:, 0].tolist() == [0, 1]
    assert STANDARD["NOT"].table[:, 0].tolist() == [1, 0]
    for r, (s, a, b) in enumerate(itertools.product((0, 1), repeat=3)):
        assert STANDARD["MUX2"].table[r, 0] == (b if s else a)
        assert STANDARD["MAJ3"].table[r, 0] == int(s + a + b >= 2)
    assert STANDARD["MUX2"].inputs == ("s", "a", "b")


def test_resolve():
    assert resolve("and", 3) is STANDARD["AND3"]
    assert resolve("BUFF") is STANDARD["BUF"]
    assert resolve("Xor2") is STANDARD["XOR2"]
    assert resolve("XOR", 5) is None
    assert resolve("FOO", 2) is None


def test_suggest():
    assert suggest("XNR", ["XOR", "XNOR", "AND"]) == "XNOR"
    assert suggest("zzz", ["XOR", "AND"]) is None
