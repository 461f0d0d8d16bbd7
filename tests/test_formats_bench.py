"""ISCAS .bench import: both dialects, quirks, errors, and the 11 ISCAS-85
circuits checked against independent oracles with the exact engine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from circuitnn import NetlistError, ValidationError, compile_design
from circuitnn.read import load_circuit
from circuitnn.read.bench import reads_bench
from circuitnn.run.bits import bits_to_ints, decode, encode, ints_to_bits
from circuitnn.run.exact import ExactEngine
from circuitnn.run.vectors import exhaustive

ROOT = Path(__file__).resolve().parent.parent
ISCAS = ROOT / "data" / "benchmarks" / "iscas85"
NAMES = ["c17", "c432", "c499", "c880", "c1355", "c1908", "c2670", "c3540", "c5315",
         "c6288", "c7552"]
ALT = ["c17", "c880", "c1908", "c2670", "c5315", "c6288", "c7552"]


def run(circuit, bits):
    return ExactEngine(circuit).run(bits)


def table(text, **values):
    c = compile_design(reads_bench(text, "t.bench"))
    return decode(c.outputs, run(c, encode(c, values)))


# ----------------------------------------------------------------- syntax
def test_both_dialects_crlf_comments_no_final_newline():
    text = ("# header \r\n\r\nINPUT(1)\r\ninput(2)\r\n  OUTPUT( 3 )  # out\r\n"
            "3=NAND(1,2)\r\n\r\n")
    d = reads_bench(text.rstrip("\r\n"), "t.bench")
    assert [p.name for p in d.top_module.inputs] == ["N1", "N2"]
    assert [p.name for p in d.top_module.outputs] == ["N3"]
    out = table(text, N1=[0, 0, 1, 1], N2=[0, 1, 0, 1])
    assert out["N3"].tolist() == [1, 1, 1, 0]


def test_lower_case_buf_and_upper_case_buff_any_order():
    text = "INPUT(a)\nOUTPUT(z)\nOUTPUT(w)\nz = buf(y)\ny = NOT(a)\nw = BUFF(a)\n"
    out = table(text, a=[0, 1])
    assert out["z"].tolist() == [1, 0] and out["w"].tolist() == [0, 1]


@pytest.mark.parametrize("kind,fn", [
    ("AND", lambda v: all(v)), ("NAND", lambda v: not all(v)), ("OR", lambda v: any(v)),
    ("NOR", lambda v: not any(v)), ("XOR", lambda v: sum(v) % 2),
    ("XNOR", lambda v: 1 - sum(v) % 2)])
@pytest.mark.parametrize("n", [1, 2, 5, 9, 11])
def test_any_fan_in(kind, fn, n):
    names = [f"i{k}" for k in range(n)]
    text = "".join(f"INPUT({x})\n" for x in names) + "OUTPUT(z)\n"
    text += f"z = {kind.lower()}({', '.join(names)})\n"
    c = compile_design(reads_bench(text, "t.bench"))
    assert all(len(g.inputs) <= (4 if "XOR" in kind else 9) for g in c.gates)
    bits = exhaustive(c)
    got = run(c, bits)[0]
    want = [int(bool(fn(col))) for col in bits.T.tolist()]
    assert got.tolist() == want


def test_same_net_twice_and_pass_through_output():
    text = "INPUT(a)\nINPUT(b)\nOUTPUT(z)\nOUTPUT(a)\nz = AND(a, a, b)\n"
    d = reads_bench(text, "t.bench")
    assert [p.name for p in d.top_module.outputs] == ["z", "a_out"]
    assert d.top_module.instances[0].inputs[0] == d.top_module.instances[0].inputs[1]
    out = table(text, a=[0, 1, 1], b=[1, 0, 1])
    assert out["z"].tolist() == [0, 0, 1] and out["a_out"].tolist() == [0, 1, 1]


def test_bus_bits_grouped_and_odd_names_mapped():
    text = ("INPUT(x[1])\nINPUT(x[0])\nINPUT(y[0])\nINPUT(y[2])\nINPUT(q.r)\n"
            "OUTPUT(s[0])\nOUTPUT(s[1])\ns[0] = AND(x[0], y[0])\ns[1] = OR(x[1], y[2], q.r)\n")
    d = reads_bench(text, "t.bench")
    ins = {p.name: (p.width, p.bus) for p in d.top_module.inputs}
    assert ins == {"x": (2, True), "y_0": (1, False), "y_2": (1, False), "q_r": (1, False)}
    out = table(text, x=[1, 3, 2], y_0=[1, 1, 0], y_2=[0, 0, 0], q_r=[0, 0, 0])
    assert out["s"].tolist() == [1, 3, 2]


# ----------------------------------------------------------------- errors
@pytest.mark.parametrize("text,line,message", [
    ("INPUT(a)\nOUTPUT(q)\nq = DFFR(a)\n", 3,
     r"not supported: sequential element DFFR driving 'q'; circuitnn supports DFF .*"),
    ("INPUT(a)\nOUTPUT(z)\nz = FROB(a)\n", 3,
     r"gate 'z' has unknown type 'FROB'; \.bench gate types are AND, .*"),
    ("INPUT(a)\nINPUT(b)\nOUTPUT(z)\nz = NOT(a, b)\n", 4,
     r"gate 'z': NOT takes 1 input, got 2 \(a, b\)"),
    ("INPUT(a)\nOUTPUT(z)\nz := AND(a)\n", 3, r"cannot read 'z := AND\(a\)'; .*"),
])
def test_errors_name_file_line_and_fix(text, line, message):
    with pytest.raises(NetlistError, match=rf"^t\.bench:{line}: {message}$") as e:
        reads_bench(text, "t.bench")
    assert e.value.loc.file == "t.bench" and e.value.loc.line == line


@pytest.mark.parametrize("text,line,message", [
    ("INPUT(a)\nOUTPUT(z)\nz = AND(a)\nz = OR(a)\n", 4,
     r"net 'z' has two drivers: gate 'z' \(line 3\) and gate 'z_2'; a net has exactly one "
     r"driver"),
    ("INPUT(a)\nINPUT(a)\nOUTPUT(z)\nz = NOT(a)\n", 2,
     r"circuit 'bench': name 'a' is declared twice \(first on line 1\)"),
    ("INPUT(a)\nINPUT(b)\nOUTPUT(z)\na = NOT(b)\nz = BUF(a)\n", 4,
     r"gate 'a' drives 'a', which is an input of circuit 'bench'; inputs are driven from "
     r"outside"),
])
def test_connection_errors_come_from_the_checker(text, line, message):
    # the reader records what the file says; the one checker judges it
    d = reads_bench(text, "t.bench")
    with pytest.raises(ValidationError, match=rf"^t\.bench:{line}: {message}$") as e:
        compile_design(d)
    assert e.value.loc.file == "t.bench" and e.value.loc.line == line


def test_several_errors_reported_together():
    with pytest.raises(ValidationError) as e:
        reads_bench("INPUT(a)\nOUTPUT(z)\nz = LATCH(a)\ny = FOO(a)\n", "t.bench")
    assert [p.loc.line for p in e.value.problems] == [3, 4]


def test_undriven_net_reported_by_compiler_with_line():
    d = reads_bench("INPUT(a)\nOUTPUT(z)\nz = AND(a, nope)\n", "t.bench")
    with pytest.raises(ValidationError, match=r"t\.bench:3: .*'nope' is read but nothing "
                                              r"drives it"):
        compile_design(d)


# ------------------------------------------------------------- benchmarks
@pytest.mark.parametrize("name", NAMES)
def test_iscas85_imports_and_compiles(name):
    c = load_circuit(ISCAS / f"{name}.bench")
    text = (ISCAS / f"{name}.bench").read_text()
    lines = [ln for ln in text.splitlines() if "=" in ln and not ln.startswith("#")]
    assert len(c.gates) == len(lines)
    assert c.n_input_bits == text.count("INPUT(")
    assert c.n_output_bits == text.count("OUTPUT(")
    print(f"{name}: {len(c.gates)} gates, {len(c.primitives)} primitives")


@pytest.mark.parametrize("name", ALT)
def test_alt_numeric_equals_main(name):
    a = load_circuit(ISCAS / f"{name}.bench")
    b = load_circuit(ISCAS / "alt_numeric" / f"{name}.bench")
    bits = np.random.default_rng(7).integers(0, 2, (a.n_input_bits, 1000), dtype=np.uint8)
    assert np.array_equal(run(a, bits), run(b, bits))


def test_c6288_multiplies():
    c = load_circuit(ISCAS / "c6288.bench")
    rng = np.random.default_rng(3)
    a = rng.integers(0, 1 << 16, 2000, dtype=np.uint64)
    b = rng.integers(0, 1 << 16, 2000, dtype=np.uint64)
    a[:3], b[:3] = [0, 65535, 65535], [0, 65535, 1]
    out = run(c, np.concatenate([ints_to_bits(a, 16), ints_to_bits(b, 16)]))
    # output lines are p0..p29, then p31, p30
    product = bits_to_ints(out[list(range(30)) + [31, 30]])
    assert np.array_equal(product, a * b)


def test_c17_exhaustive_against_nand_model():
    c = load_circuit(ISCAS / "c17.bench")
    bits = exhaustive(c)
    g1, g2, g3, g6, g7 = bits.astype(bool)

    def nand(x, y):
        return ~(x & y)

    g10, g11 = nand(g1, g3), nand(g3, g6)
    g16, g19 = nand(g2, g11), nand(g11, g7)
    want = np.stack([nand(g10, g16), nand(g16, g19)]).astype(np.uint8)
    assert np.array_equal(run(c, bits), want)


def test_c499_equals_c1355():
    a, b = load_circuit(ISCAS / "c499.bench"), load_circuit(ISCAS / "c1355.bench")
    bits = np.random.default_rng(5).integers(0, 2, (41, 2000), dtype=np.uint8)
    assert np.array_equal(run(a, bits), run(b, bits))
