import textwrap

import pytest
from oracle import evaluate_flat

from circuitnn.compile import compile_design
from circuitnn.errors import CircuitError
from circuitnn.ir.records import Bits, Concat, Const, parse_expr
from circuitnn.read.yaml import load_yaml, loads_yaml


def compile_text(text, file="t.yaml"):
    return compile_design(loads_yaml(textwrap.dedent(text), file))


def test_parse_expr():
    assert parse_expr("a") == Bits("a")
    assert parse_expr("a[3]") == Bits("a", 3, 3)
    assert parse_expr("a[7:4]") == Bits("a", 4, 7)
    assert parse_expr("a[4:7]") == Bits("a", 4, 7)
    assert parse_expr(0) == Const(0)
    assert parse_expr("0x0f") == Const(15)
    assert parse_expr(["a[0]", 1]) == Concat((Bits("a", 0, 0), Const(1)))
    with pytest.raises(CircuitError, match="is not a net"):
        parse_expr("a[")


@pytest.mark.parametrize("ports", [
    "inputs: {a: 4, c: 1}",
    "inputs: ['a[4]', c]",
    "inputs: [{a: 4}, c]",
])
def test_port_forms(ports):
    c = compile_text(f"""
        {ports}
        outputs: {{y: 4}}
        gates:
          - {{name: g, type: AND, repeat: 4, in: ["a[{{i}}]", c], out: "y[{{i}}]"}}
    """)
    assert [(p.name, p.width, p.bus) for p in c.inputs] == [("a", 4, True), ("c", 1, False)]
    for a in range(16):
        for cv in (0, 1):
            assert evaluate_flat(c, {"a": a, "c": cv})["y"] == (a if cv else 0)


def test_slices_constants_and_concatenation():
    c = compile_text("""
        inputs: {a: 8}
        outputs: {y: 4, z: 2}
        gates:
          - {name: x, type: XOR4, in: ["a[7:4]"], out: "y[0]"}
          - {name: n, type: AND, in: ["a[0]", 1], out: "y[1]"}
          - {name: o, type: OR, in: ["a[1]", 0], out: "y[2]"}
          - {name: m, type: MUX2, in: ["a[2]", "a[3]", "a[3]"], out: "y[3]"}
        assign: {z: ["a[6]", 1]}
    """)
    for a in range(256):
        out = evaluate_flat(c, {"a": a})
        bits = [(a >> i) & 1 for i in range(8)]
        assert out["y"] == (bits[4] ^ bits[5] ^ bits[6] ^ bits[7]) | bits[0] << 1 | bits[1] << 2 | bits[3] << 3
        assert out["z"] == bits[6] | 2


def test_same_net_twice_on_one_gate_keeps_both_pins():
    c = compile_text("""
        inputs: [a, b]
        outputs: [y]
        gates:
          - {name: g, type: AND3, in: [a, a, b], out: y}
    """)
    assert c.gates[0].inputs[0] == c.gates[0].inputs[1]
    edges = c.graph.number_of_edges("a", "g")
    assert edges == 2


def test_hierarchy_names_survive_flattening():
    c = compile_design(load_yaml("circuits/ripple_carry_adder_4.yaml"))
    names = {g.name for g in c.gates}
    assert "fa3.ha1.x1" in names and "fa0.o1" in names
    assert "fa2.cout" in c.signal_names


def test_chain_and_repeat_expand_to_a_working_adder():
    c = compile_design(load_yaml("circuits/ripple_carry_adder_8.yaml"))
    assert len(c.gates) == 40
    for a, b, cin in [(0, 0, 0), (255, 1, 0), (200, 100, 1), (37, 91, 1)]:
        out = evaluate_flat(c, {"a": a, "b": b, "cin": cin})
        assert out["sum"] + (out["cout"] << 8) == a + b + cin


def test_repeat_substitutes_arithmetic():
    c = compile_text("""
        inputs: {a: 4}
        outputs: {y: 3}
        gates:
          - {name: x, type: XOR, repeat: 3, in: ["a[{i}]", "a[{i+1}]"], out: "y[{i}]"}
    """)
    for a in range(16):
        want = sum((((a >> i) ^ (a >> (i + 1))) & 1) << i for i in range(3))
        assert evaluate_flat(c, {"a": a})["y"] == want


def test_imports_relative_to_the_importing_file(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "inv.yaml").write_text(textwrap.dedent("""
        name: inv
        inputs: [a]
        outputs: [y]
        gates: [{name: n, type: NOT, in: a, out: y}]
    """))
    (tmp_path / "lib" / "buf2.yaml").write_text(textwrap.dedent("""
        imports: [inv.yaml]
        name: buf2
        inputs: [a]
        outputs: [y]
        gates:
          - {name: i1, type: inv, ports: {a: a, y: t}}
          - {name: i2, type: inv, ports: {a: t, y: y}}
    """))
    (tmp_path / "top.yaml").write_text(textwrap.dedent("""
        imports: [lib/buf2.yaml]
        name: top
        inputs: [a]
        outputs: [y]
        gates: [{name: b, type: buf2, ports: {a: a, y: y}}]
    """))
    c = compile_design(load_yaml(tmp_path / "top.yaml"))
    assert sorted(g.name for g in c.gates) == ["b.i1.n", "b.i2.n"]
    assert evaluate_flat(c, {"a": 1})["y"] == 1


def test_truth_table_primitives_by_rows_and_expr():
    c = compile_text("""
        primitives:
          HA:
            inputs: [a, b]
            outputs: [carry, sum]
            rows: ["00 00", "01 01", "10 01", "11 10"]
          AOI:
            inputs: [a, b, c]
            expr: "~(a & b | c)"
        inputs: [a, b, c]
        outputs: [s, k, z]
        gates:
          - {name: h, type: HA, in: [a, b], out: [k, s]}
          - {name: q, type: AOI, in: [a, b, c], out: z}
    """)
    for a in (0, 1):
        for b in (0, 1):
            for cc in (0, 1):
                out = evaluate_flat(c, {"a": a, "b": b, "c": cc})
                assert (out["s"], out["k"]) == (a ^ b, a & b)
                assert out["z"] == int(not ((a and b) or cc))


def test_embedded_tests_are_read():
    d = load_yaml("circuits/half_adder.yaml")
    tests = d.top_module.tests
    assert len(tests) == 4 and dict(tests[3].values) == {"a": 1, "b": 1, "sum": 0, "carry": 1}
    assert tests[0].loc.line == 9


def test_schedule_is_levelised_and_grouped():
    c = compile_design(load_yaml("circuits/ripple_carry_adder_32.yaml"))
    level_of = {}
    for li, groups in enumerate(c.levels):
        for grp in groups:
            prims = {c.gates[g].prim for g in grp.gates}
            assert prims == {grp.prim}
            for g in grp.gates:
                level_of[int(g)] = li
    assert len(level_of) == len(c.gates)
    driver = {s: gi for gi, g in enumerate(c.gates) for s in g.outputs}
    for gi, g in enumerate(c.gates):
        for s in g.inputs:
            if s in driver:
                assert level_of[driver[s]] < level_of[gi]
    assert c.depth == 65


def test_repeat_with_affine_indices_builds_a_long_alternating_chain():
    c = compile_text("""
        inputs: [a, b]
        outputs: [y]
        gates:
          - {name: x, type: XOR, repeat: 5, in: ["t[{3*i}]", b], out: "t[{3*i+1}]"}
          - {name: n, type: XNOR, repeat: 5, in: ["t[{3*i+1}]", b], out: "t[{3*i+2}]"}
          - {name: u, type: BUF, repeat: 5, in: ["t[{3*i+2}]"], out: "t[{3*(i+1)}]"}
        assign: {"t[0]": a, y: "t[15]"}
    """)
    assert len(c.gates) == 15 and c.depth == 15
    for a in (0, 1):
        for b in (0, 1):
            # each XOR then XNOR with the same b inverts: five inversions
            assert evaluate_flat(c, {"a": a, "b": b})["y"] == 1 - a


def test_bad_substitution_is_reported():
    with pytest.raises(CircuitError, match=r"cannot substitute '\{j\}'"):
        compile_text("""
            inputs: {a: 2}
            outputs: {y: 2}
            gates:
              - {name: g, type: BUF, repeat: 2, in: ["a[{j}]"], out: "y[{i}]"}
        """)
