"""Builder arithmetic (``+ - == != < <= > >=``, ``lt_signed``, ``mux``, constant
shifts) against Python integer arithmetic, exhaustively, on both engines."""

import numpy as np
import pytest

from circuitnn import CircuitError
from circuitnn.hdl import Builder, mux
from circuitnn.run.vectors import exhaustive


def _signed(v, w):
    return v - (1 << w) if v >> (w - 1) else v


WANT = {
    "add": lambda a, b, c, s: a + b,
    "sub": lambda a, b, c, s: (a - b) % 16,
    "add_c": lambda a, b, c, s: 5 + a,
    "sub_c": lambda a, b, c, s: (9 - a) % 16,
    "eq": lambda a, b, c, s: int(a == b),
    "ne": lambda a, b, c, s: int(a != c),
    "lt": lambda a, b, c, s: int(a < b),
    "le": lambda a, b, c, s: int(a <= c),
    "gt": lambda a, b, c, s: int(a > 6),
    "ge": lambda a, b, c, s: int(a >= c),
    "slt": lambda a, b, c, s: int(_signed(a, 4) < _signed(c, 4)),
    "mux": lambda a, b, c, s: b if s else a,
    "shl": lambda a, b, c, s: (a << 1) % 16,
    "shr": lambda a, b, c, s: a >> 2,
    "shr_all": lambda a, b, c, s: a >> 9,
}


@pytest.fixture(scope="module")
def arith():
    bld = Builder("arith")
    a, b, c, s = bld.input("a", 4), bld.input("b", 3), bld.input("c", 4), bld.input("s")
    outs = {
        "add": a + b, "sub": a - b, "add_c": 5 + a, "sub_c": 9 - a, "eq": a == b,
        "ne": a != c, "lt": a < b, "le": a <= c, "gt": a > 6, "ge": a >= c,
        "slt": a.lt_signed(c), "mux": mux(s, a, b), "shl": a << 1, "shr": a >> 2,
        "shr_all": a >> 9,
    }
    for name, sig in outs.items():
        bld.output(name, sig)
    return bld.build()


@pytest.mark.parametrize("engine", ["exact", "neural"])
def test_arithmetic_matches_python_integers(arith, store, engine):
    sim = arith.compile(store)
    circuit = sim.circuit
    assert {p.name: p.width for p in circuit.outputs} == {
        "add": 5, "sub": 4, "add_c": 5, "sub_c": 4, "eq": 1, "ne": 1, "lt": 1, "le": 1,
        "gt": 1, "ge": 1, "slt": 1, "mux": 4, "shl": 4, "shr": 4, "shr_all": 4}
    bits = exhaustive(circuit)
    res = sim.run_bits(bits)
    ins = {k: v.astype(int) for k, v in res.input_values().items()}
    got = (res.output_values() if engine == "neural"
           else sim.reference(**{k: v for k, v in ins.items()}))
    n = len(ins["a"])
    assert n == 4096
    for name, f in WANT.items():
        want = [f(ins["a"][i], ins["b"][i], ins["c"][i], ins["s"][i]) for i in range(n)]
        assert np.asarray(got[name]).tolist() == want, name


def test_a_constant_too_wide_widens_the_operation(store):
    bld = Builder("wide")
    a = bld.input("a", 2)
    bld.output("s", a + 100)
    bld.output("e", a == 100)
    sim = bld.build().compile(store)
    assert sim.reference(a=3) == {"s": 103, "e": 0}


def test_bad_operands_are_refused_with_the_users_line():
    bld = Builder("bad")
    a = bld.input("a", 4)
    with pytest.raises(CircuitError, match=r"test_builder_arith\.py:\d+: shift << 'x'"):
        a << "x"
    with pytest.raises(CircuitError, match=r"operand -1 of '\+' is negative"):
        a + -1
    with pytest.raises(CircuitError, match=r"mux\(\) select Signal\(a, 4 bits\) has 4 bits"):
        mux(a, 1, 2)
    with pytest.raises(CircuitError, match=r"operand of '\+' 1.5 is not a signal or a whole "):
        a + 1.5
    # Python's fallback for == is identity: `a == 3.0` was the constant False,
    # which output() took as a 0
    with pytest.raises(CircuitError, match=r"operand of '==' 3.0 is not a signal or a whole "):
        a == 3.0  # noqa: B015
