"""The Python builder: signals, wiring, errors at the user's line, records
identical to the YAML front end's, round trips, and the compiled-circuit API."""

from __future__ import annotations

import inspect
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from circuitnn import library as lib
from circuitnn.compile import compile_design
from circuitnn.errors import CircuitError, NetlistError, UsageError, ValidationError, VectorError
from circuitnn.hdl import Builder, CompiledCircuit, Signal, Subcircuit, cat
from circuitnn.ir.records import Bits, Const, Instance
from circuitnn.ir.truthtable import TruthTable
from circuitnn.read.yaml import load_yaml, loads_yaml
from circuitnn.run.exact import ExactEngine
from circuitnn.run.vectors import exhaustive, random_vectors
from circuitnn.write.yaml import to_yaml

CIRCUITS = Path(__file__).resolve().parent.parent / "circuits"



def here(offset: int = 1) -> str:
    """A regex matching ``this_file:line`` for the caller's line + offset."""
    line = inspect.currentframe().f_back.f_lineno + offset
    return rf"^(.*[/\\])?test_builder\.py:{line}: "


def exact_equal(c1, c2, n_random: int = 2000) -> None:
    """Two compiled circuits compute the same function (exact engine)."""
    assert [(p.name, p.width) for p in c1.inputs] == [(p.name, p.width) for p in c2.inputs]
    assert [(p.name, p.width) for p in c1.outputs] == [(p.name, p.width) for p in c2.outputs]
    bits = (exhaustive(c1) if c1.n_input_bits <= 16 else random_vectors(c1, n_random, seed=1))
    assert (ExactEngine(c1).run(bits) == ExactEngine(c2).run(bits)).all()


# ----------------------------------------------------------------- signals
def test_slicing_is_python_style_lsb_first():
    b = Builder("t")
    a = b.input("a", 8)
    assert a[0].bits == (("a", 0),)
    assert a[-1].bits == (("a", 7),)
    assert [bit[1] for bit in a[2:5].bits] == [2, 3, 4]
    assert [bit[1] for bit in a[::-1].bits] == list(range(7, -1, -1))
    assert a[2:5].expr == Bits("a", 2, 4)
    assert a.expr == Bits("a")
    assert len(a[4:]) == 4 and len(list(a)) == 8


def test_cat_and_const():
    b = Builder("t")
    a, c = b.input("a", 2), b.input("c")
    s = cat(a, c, 1, 0)
    assert s.width == 5
    assert b.const(6, 3).bits == (0, 1, 1)
    assert cat(a[1], a[0]).expr.parts == (Bits("a", 1, 1), Bits("a", 0, 0))


def test_operators_make_one_gate_per_bit(store):
    b = Builder("ops")
    x, y = b.input("x", 4), b.input("y", 4)
    b.output("and_", x & y)
    b.output("or_", x | 3)
    b.output("xor_", 5 ^ y)
    b.output("not_", ~x)
    sub = b.build()
    types = [i.type for i in sub.module.instances]
    assert types == ["AND2"] * 4 + ["OR2"] * 4 + ["XOR2"] * 4 + ["NOT"] * 4
    cc = sub.compile(store=store)
    xs, ys = np.meshgrid(np.arange(16), np.arange(16))
    got = cc(x=xs.ravel(), y=ys.ravel())
    assert (got["and_"] == xs.ravel() & ys.ravel()).all()
    assert (got["or_"] == xs.ravel() | 3).all()
    assert (got["xor_"] == 5 ^ ys.ravel()).all()
    assert (got["not_"] == 15 - xs.ravel()).all()


def test_gate_with_family_name_custom_table_and_several_outputs(store):
    ha_tt = TruthTable.from_expr({"s": "a ^ b", "c": "a & b"}, inputs=["a", "b"], name="HA")
    b = Builder("t")
    x, y, z = b.input("x"), b.input("y"), b.input("z")
    s, c = b.gate(ha_tt, x, y)
    b.output("s", s)
    b.output("c", c)
    b.output("m", b.gate("MAJ", x, y, z))
    b.output("a3", b.gate("AND", cat(x, y, z)))
    sub = b.build()
    assert sub.primitives == {"HA": ha_tt}
    cc = sub.compile(store=store)
    for v in range(8):
        x_, y_, z_ = v & 1, v >> 1 & 1, v >> 2
        assert cc(x=x_, y=y_, z=z_) == {"s": x_ ^ y_, "c": x_ & y_,
                                        "m": int(x_ + y_ + z_ >= 2), "a3": x_ & y_ & z_}


def test_wires_and_ilshift(store):
    b = Builder("t")
    a = b.input("a", 3)
    w = b.wire(3, "w")
    y = b.output("y", width=3)
    w[0] <<= a[2]
    w[1:] <<= a[:2]
    y <<= ~w
    cc = b.compile(store=store)
    for v in range(8):
        rot = ((v << 1) | (v >> 2)) & 7
        assert cc(a=v) == {"y": 7 - rot}


def test_subcircuit_call_and_outputs():
    b = Builder("t")
    x, y = b.input("x"), b.input("y")
    r = lib.half_adder()(a=x, b=y, name="ha")
    assert list(r.keys()) == ["sum", "carry"]
    assert r.sum is r["sum"]
    s, c = r
    assert (s.width, c.width) == (1, 1)
    with pytest.raises(AttributeError, match="no output named 'cout'; outputs are sum, carry"):
        _ = r.cout


def test_instance_can_drive_declared_output():
    b = Builder("t")
    x, y = b.input("x"), b.input("y")
    s = b.output("s", width=1)
    b.instance(lib.half_adder(), a=x, b=y, sum=s)
    b.output("c", x & y)
    sub = b.build()
    inst = sub.module.instances[0]
    assert dict(inst.ports)["sum"] == Bits("s")


# ---------------------------------------------------- one compiler, two front ends
def test_builder_emits_the_records_the_yaml_reader_emits():
    b = Builder("half_adder")
    a, c = b.input("a"), b.input("b")
    b.output("sum", a ^ c)
    b.output("carry", a & c)
    built = b.build().module
    read = loads_yaml("""
name: half_adder
inputs: [a, b]
outputs: [sum, carry]
gates:
  - {name: xor0, type: XOR2, in: [a, b], out: [sum]}
  - {name: and0, type: AND2, in: [a, b], out: [carry]}
""").top_module
    assert built == read
    assert built.instances[0] == Instance("xor0", "XOR2", (Bits("a"), Bits("b")),
                                          (Bits("sum"),))


def test_library_adder_matches_yaml_example():
    from_yaml = compile_design(load_yaml(CIRCUITS / "ripple_carry_adder_4.yaml"))
    built = compile_design(lib.ripple_carry_adder(4).design)
    exact_equal(from_yaml, built)


ROUND_TRIP = [
    lambda: lib.half_adder(),
    lambda: lib.full_adder(),
    lambda: lib.ripple_carry_adder(6),
    lambda: lib.carry_lookahead_adder(9),
    lambda: lib.kogge_stone_adder(7),
    lambda: lib.kogge_stone_adder(64),
    lambda: lib.adder_subtractor(5),
    lambda: lib.subtractor(5),
    lambda: lib.incrementer(5),
    lambda: lib.comparator(6),
    lambda: lib.array_multiplier(4, 3),
    lambda: lib.multiplexer(3, 4),
    lambda: lib.decoder(3, True),
    lambda: lib.parity(7),
]


@pytest.mark.parametrize("make", ROUND_TRIP, ids=lambda f: "")
def test_to_yaml_round_trip(make):
    sub = make()
    design = loads_yaml(sub.to_yaml(), "round_trip.yaml")
    assert design.top == sub.name
    assert design.modules == sub.modules   # the very same records
    exact_equal(compile_design(sub.design), compile_design(design))


def test_round_trip_with_constants_custom_primitive_and_wires():
    tt = TruthTable.from_expr("a & ~b | c", name="AOI")
    b = Builder("mixed")
    x = b.input("x", 4)
    e = b.input("e", 1)
    w = b.wire(2, "w")
    w <<= cat(x[3], 1)
    y = b.gate(tt, x[0], e, w[1])
    r = lib.ripple_carry_adder(4)(a=x, b=5, cin=0)
    b.output("y", cat(y, w, 0))
    b.output("s", r.sum)
    b.output("k", b.const(2, 2))
    sub = b.build()
    text = sub.to_yaml()
    design = loads_yaml(text)
    assert design.modules == sub.modules and design.primitives == sub.primitives
    exact_equal(compile_design(sub.design), compile_design(design))


def test_yaml_designs_survive_to_yaml():
    for path in sorted(CIRCUITS.glob("*.yaml")):
        design = load_yaml(path)
        again = loads_yaml(to_yaml(design), str(path))
        exact_equal(compile_design(design), compile_design(again))


# --------------------------------------------------------------- errors
def test_width_mismatch_is_reported_at_the_users_line():
    # the checker reports it when the circuit is finished, at the line that
    # connected the port
    b = Builder("t")
    x = b.input("x", 4)
    b.output("y", lib.ripple_carry_adder(3)(a=x, b=x[:3], cin=0).cout)
    line = inspect.currentframe().f_lineno - 1
    b.output("z", b.instance(lib.ripple_carry_adder(3), a=x[:3], b=x, cin=0).cout)
    with pytest.raises(ValidationError) as info:
        b.build()
    assert [(p.loc.line, p.message) for p in info.value.problems] == [
        (line, "gate 'ripple_carry_adder_30': port 'a' of 'ripple_carry_adder_3' is 3 bits "
               "wide, but 'x' is 4"),
        (line + 2, "gate 'ripple_carry_adder_31': port 'b' of 'ripple_carry_adder_3' is 3 "
                   "bits wide, but 'x' is 4"),
    ]
    assert all(isinstance(p, CircuitError) for p in info.value.problems)


@pytest.mark.parametrize("make, error, message", [
    (lambda b, x: x & b.input("y", 3), NetlistError,
     (r"operands of '&' have different widths: Signal\(x, 4 bits\) and Signal\(y, 3 bits\); "
      r"slice one or extend it with cat\(\)")),
    (lambda b, x: x[4], UsageError,
     r"bit 4 of Signal\(x, 4 bits\) is out of range; it has bits 0 to 3 \(or -1 to -4\)"),
    (lambda b, x: x[3:1], UsageError,
     (r"slice \[3:1\] of Signal\(x, 4 bits\) is empty; a signal has at least one bit "
      r"\(bit 0 is the least significant\)")),
    (lambda b, x: x["a"], UsageError, r"cannot index a signal with 'a'; use a bit number .*"),
    (lambda b, x: b.input("x"), NetlistError,
     (r"circuit 't': name 'x' is already used by the input declared at .*test_builder\.py:"
      r"\d+; choose another")),
    (lambda b, x: b.input("2x"), NetlistError,
     (r"input name '2x' is not an identifier \(letters, digits and '_', not starting with a "
      r"digit\)")),
    (lambda b, x: b.gate("XNR", x[0], x[1]), NetlistError,
     (r"gate has unknown type 'XNR' \(did you mean 'XNOR'\?\); known types are BUF, NOT, "
      r"AND, OR, NAND, NOR, XOR, XNOR, MUX2, MAJ3 \(with a fan-in such as AND3\), or pass a "
      r"TruthTable; instantiate circuits by calling them")),
    (lambda b, x: b.output("o", x[0] ^ Builder("u").input("z")), UsageError,
     (r"operand of '\^' Signal\(z, 1 bit\) belongs to circuit 'u', not 't'; a signal is used "
      r"only in the builder that made it")),
    (lambda b, x: bool(x), UsageError,
     (r"Signal\(x, 4 bits\) has no truth value while the circuit is being built; use '&', "
      r"'\|', '\^' and '~' for logic, not 'and', 'or', 'not' or 'if'")),
    (lambda b, x: b.const(9, 3), NetlistError, r"constant 9 does not fit in 3 bits \(0 to 7\)"),
])
def test_mistakes_raise_at_the_call(make, error, message):
    b = Builder("t")
    x = b.input("x", 4)
    with pytest.raises(error, match=r"^(.*[/\\])?test_builder\.py:\d+: " + message + "$"):
        make(b, x)


@pytest.mark.parametrize("make, messages", [
    (lambda b, x: b.gate("AND2", x[0], x[1], x[2]),
     ["gate 'and0' (AND2) has 3 inputs; it takes 2 (a, b)"]),
    (lambda b, x: lib.half_adder()(a=x[0], bb=x[1]),
     ["gate 'half_adder0': circuit 'half_adder' has no port 'bb' (did you mean 'b'?); its "
      "ports are a, b, sum, carry",
      "gate 'half_adder0': input 'b' of circuit 'half_adder' is not connected"]),
    (lambda b, x: lib.full_adder()(a=x[0], b=x[1]),
     ["gate 'full_adder0': input 'cin' of circuit 'full_adder' is not connected"]),
    (lambda b, x: x.__ilshift__(0),
     ["assign to 'x' drives 'x[0, 1, 2, 3]', which is an input of circuit 't'; inputs are "
      "driven from outside"]),
])
def test_mistakes_the_checker_reports_at_the_users_line(make, messages):
    # what the builder need not judge on the spot goes to the one checker
    # (compile/check.py), as for YAML and the other formats; build() reports
    # it at the line that made the mistake
    b = Builder("t")
    x = b.input("x", 4)
    b.output("o", ~x)
    make(b, x)
    with pytest.raises(ValidationError) as info:
        b.build()
    assert [p.message for p in info.value.problems] == messages
    line = make.__code__.co_firstlineno
    assert all(p.loc.line == line and p.loc.file.endswith("test_builder.py")
               for p in info.value.problems)


def test_double_drive():
    b = Builder("t")
    x = b.input("x")
    y = b.output("y", ~x)
    first = inspect.currentframe().f_lineno - 1
    y <<= x
    with pytest.raises(ValidationError, match=here(-1) + rf"net 'y' has two drivers: gate "
                       rf"'not0' \(line {first}\) and assign to 'y'; a net has exactly one "
                       r"driver$"):
        b.build()


def test_build_reports_every_undriven_net():
    b = Builder("t")
    x = b.input("x", 2)
    b.output("y", width=2)
    w = b.wire(3, "w")
    b.output("z", w[1:] & x)
    with pytest.raises(ValidationError) as info:
        b.build()
    msgs = [p.message for p in info.value.problems]
    assert msgs == ["circuit 't': output 'y[0, 1]' is never driven; connect it to a gate "
                    "output",
                    "circuit 't': net 'w[1, 2]' is read but nothing drives it; drive it from "
                    "a gate output or an input"]
    assert all(p.loc.line for p in info.value.problems)


def test_no_outputs_and_name_clash():
    with pytest.raises(NetlistError, match=r"circuit 't' has no outputs; declare them with "
                       r"Builder\.output\(\)$"):
        b = Builder("t")
        b.input("x")
        b.build()
    other = Builder("full_adder")
    q = other.input("q")
    other.output("r", ~q)
    impostor = other.build()
    b = Builder("t")
    x = b.input("x", 3)
    lib.full_adder()(a=x[0], b=x[1], cin=x[2])
    with pytest.raises(NetlistError, match=here(1) + "two different circuits are named "):
        impostor(q=x[0])
    with pytest.raises(UsageError, match=here(1) + r"circuit name '1x' is not an identifier"):
        Builder("1x")


def test_compile_errors_are_validation_errors_with_locations(store):
    b = Builder("t")
    x = b.input("x")
    b.output("y", b.gate("NOT", x))
    b.gate("BUF", x)  # a dangling gate is legal
    assert isinstance(b.compile(store=store), CompiledCircuit)


# ----------------------------------------------------------- compiled circuit
def test_compiled_call_scalars_arrays_and_wide_buses(store):
    add = lib.ripple_carry_adder(8).compile(store=store)
    assert add(a=5, b=7, cin=0) == {"sum": 12, "cout": 0}
    out = add(a=np.arange(256), b=255, cin=1)
    assert out["sum"].dtype == np.uint64
    assert (out["sum"] + (out["cout"] << np.uint64(8)) == np.arange(256) + 256).all()
    wide = lib.kogge_stone_adder(80).compile(store=store)
    a, b = 3 ** 50, 2 ** 79 + 12345
    got = wide(a=a, b=b, cin=1)
    assert got["sum"] + (got["cout"] << 80) == a + b + 1
    arr = wide(a=[a, 1], b=[b, 2], cin=[0, 1])
    assert arr["sum"].dtype == object and list(arr["sum"]) == [(a + b) % 2 ** 80, 4]


def test_compiled_input_errors_point_at_the_call(store):
    add = lib.ripple_carry_adder(4).compile(store=store)
    with pytest.raises(VectorError, match=here(1) + r"value 16 does not fit input 'a'"):
        add(a=16, b=0, cin=0)
    with pytest.raises(VectorError, match=here(1) + r"'c' is not an input of "):
        add(a=1, b=0, c=0)
    with pytest.raises(UsageError, match=here(1) + r"inputs have different numbers of values"):
        add(a=[1, 2], b=[1, 2, 3], cin=0)
    with pytest.raises(UsageError, match=here(2) + r"mode 'fuzzy' is not known; use 'analog' "
                       r"or 'digital'$"):
        lib.half_adder().compile(store=store, mode="fuzzy")


def test_truth_table_rows_array_verify_graph(store):
    fa = lib.full_adder().compile(store=store)
    table = fa.truth_table()
    assert table.shape == (8, 5) and table.dtype == np.uint64
    for a, b, c, s, co in table.tolist():
        assert s + 2 * co == a + b + c
    rows = fa.truth_rows()
    assert rows[7] == {"a": 1, "b": 1, "cin": 1, "sum": 1, "cout": 1}
    report = fa.verify()
    assert report.ok and report.rows == 8 and report.min_margin > 0.3
    g = fa.graph
    assert isinstance(g, nx.MultiDiGraph) and nx.is_directed_acyclic_graph(g)
    assert sum(1 for _, d in g.nodes(data=True) if d["kind"] == "gate") == 5
    assert fa.mode == "analog"
    assert fa.reference(a=1, b=1, cin=0) == {"sum": 0, "cout": 1}
    big = lib.kogge_stone_adder(16).compile(store=store)
    assert big.verify(n=300, seed=2).rows == 300
    with pytest.raises(CircuitError, match="exhaustive run is limited to 16 bits"):
        big.truth_table()


def test_digital_mode_agrees(store):
    mul = lib.array_multiplier(4).compile(store=store, mode="digital")
    a, b = np.meshgrid(np.arange(16), np.arange(16))
    assert (mul(a=a.ravel(), b=b.ravel())["p"] == (a * b).ravel()).all()


def test_default_store_comes_from_environment(store, monkeypatch):
    monkeypatch.setenv("CIRCUITNN_STORE", str(store.root))
    ha = lib.half_adder().compile()
    assert ha(a=1, b=0) == {"sum": 1, "carry": 0}
    assert Path(ha.store.root) == Path(store.root)


def test_reprs():
    b = Builder("t")
    assert repr(b) == "Builder(t: 0 inputs, 0 outputs, 0 instances)"
    assert isinstance(b.input("x"), Signal)
    assert isinstance(lib.parity(3), Subcircuit)
    assert repr(lib.parity(3)) == "Subcircuit(parity_3: a[3] -> p)"
    rca = next(i for i in lib.subtractor(2).module.instances if i.type.startswith("ripple"))
    assert dict(rca.ports)["cin"] == Const(1)
