"""BLIF import: covers, phases, constants, hierarchy, errors, primitive
deduplication, wide-cover decomposition, and the 7 EPFL circuits."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from circuitnn import NetlistError, ValidationError, compile_design
from circuitnn.ir.primitives import MAX_PRIMITIVE_INPUTS
from circuitnn.read import load_circuit
from circuitnn.read.blif import reads_blif
from circuitnn.run.bits import decode, encode
from circuitnn.run.exact import ExactEngine
from circuitnn.run.vectors import exhaustive

ROOT = Path(__file__).resolve().parent.parent
EPFL = ROOT / "data" / "benchmarks" / "epfl"
EPFL_NAMES = ["adder", "bar", "cavlc", "ctrl", "dec", "int2float", "router"]


def compiled(text, top=None):
    return compile_design(reads_blif(text, "t.blif", top))


def outputs(circuit, **values):
    bits = ExactEngine(circuit).run(encode(circuit, values))
    return {k: v.tolist() for k, v in decode(circuit.outputs, bits).items()}


def truth(c):
    """Exhaustive output bits, one row per input combination."""
    return ExactEngine(c).run(exhaustive(c)).T.tolist()


def test_dont_cares_comments_continuations():
    c = compiled(".model m # a comment\n.inputs a \\\n b c\n.outputs y\n"
                 "# full-line comment\n.names a b c y\n1-0 1\n-11 1\n.end\n")
    bits = exhaustive(c)
    a, b, cc = bits
    assert ExactEngine(c).run(bits)[0].tolist() == ((a & (1 - cc)) | (b & cc)).tolist()


def test_offset_cover_is_the_complement():
    c = compiled(".model m\n.inputs a b\n.outputs y\n.names a b y\n00 0\n.end\n")
    assert c.gates[0].prim == "OR2"
    c = compiled(".model m\n.inputs a b c\n.outputs y\n.names a b c y\n1-1 0\n01- 0\n.end\n")
    rows = list(itertools.product([0, 1], repeat=3))
    want = [[int(not ((a and cc) or (not a and b)))] for a, b, cc in rows]
    assert truth(c) == want


def test_mixed_phase_rejected():
    with pytest.raises(NetlistError, match=r"^t\.blif:4: \.names 'y' mixes on-set rows "
                                           r"\(output 1, line 5\) and off-set rows \(output 0,"
                                           r" line 6\); a cover lists one phase only \(SOP has cubes in both phases\)$"):
        reads_blif(".model m\n.inputs a b\n.outputs y\n.names a b y\n11 1\n00 0\n", "t.blif")


def test_constants():
    c = compiled(".model m\n.inputs a\n.outputs z o p q\n.names z\n.names o\n1\n"
                 ".names p\n 0\n.names a q\n1 1\n.end\n")
    assert outputs(c, a=[0, 1]) == {"z": [0, 0], "o": [1, 1], "p": [0, 0], "q": [0, 1]}


def test_standard_gates_and_lut_deduplication():
    text = [".model m", ".inputs a b c d", ".outputs " + " ".join(f"y{i}" for i in range(8))]
    covers = [("a b", "11 1"), ("c d", "11 1"), ("a", "0 1"), ("a b", "01 1"),
              ("c d", "10 1"), ("a b c", "0-1 1\n11- 1"), ("b a c", "11- 1\n-01 1"),
              ("a b c", "1-- 1\n-1- 1\n--1 1")]
    for i, (ins, rows) in enumerate(covers):
        text += [f".names {ins} y{i}", rows]
    d = reads_blif("\n".join(text) + "\n.end\n", "t.blif")
    types = [inst.type for inst in d.top_module.instances]
    assert types[:3] == ["AND2", "AND2", "NOT"]
    assert types[3] == types[4] and types[3].startswith("LUT2_")  # ~a&b == c&~d, reordered
    assert types[5] == types[6] == "MUX2"
    assert types[7] == "OR3"
    assert set(d.primitives) == {types[3]}
    c = compile_design(d)
    vals = outputs(c, a=[0, 1, 1, 0], b=[1, 1, 0, 0], c=[1, 0, 1, 0], d=[0, 0, 0, 1])
    assert vals["y3"] == [1, 0, 0, 0] and vals["y4"] == [1, 0, 1, 0]
    assert vals["y5"] == [1, 1, 0, 0] and vals["y6"] == [1, 1, 0, 0]


@pytest.mark.filterwarnings("ignore:.*is never used")
def test_unused_cover_inputs_dropped():
    c = compiled(".model m\n.inputs a b c\n.outputs y\n.names a b c y\n1-1 1\n1-0 1\n.end\n")
    assert [g.prim for g in c.gates] == ["BUF"]


@pytest.mark.parametrize("offset", [False, True])
def test_wide_cover_decomposed(offset):
    rng = np.random.default_rng(11)
    k = 14
    cubes = ["".join(rng.choice(list("01--"), k)) for _ in range(12)]
    cubes.append("1" * 12 + "0-")  # a cube with 13 literals
    names = [f"x{i}" for i in range(k)]
    bit = "0" if offset else "1"
    text = (f".model m\n.inputs {' '.join(names)}\n.outputs y\n.names {' '.join(names)} y\n"
            + "".join(f"{cb} {bit}\n" for cb in cubes) + ".end\n")
    c = compiled(text)
    assert all(len(g.inputs) <= MAX_PRIMITIVE_INPUTS for g in c.gates)
    assert all(tt.n_inputs <= MAX_PRIMITIVE_INPUTS for tt in c.primitives.values())
    bits = exhaustive(c)
    on = np.zeros(bits.shape[1], dtype=bool)
    for cb in cubes:
        m = np.ones(bits.shape[1], dtype=bool)
        for i, ch in enumerate(cb):
            if ch != "-":
                m &= bits[i] == int(ch)
        on |= m
    assert np.array_equal(ExactEngine(c).run(bits)[0], (on ^ offset).astype(np.uint8))


HIER = """\
# two models: the first is the top
.model top
.inputs x[0] x[1] y[0] y[1] ci
.outputs s[0] s[1] co
.subckt fa a=x[0] b=y[0] cin=ci s=s[0] cout=c1
.subckt fa a=x[1] b=y[1] cin=c1 s=s[1] cout=co
.end
.model fa
.inputs a b cin
.outputs s cout
.names a b cin s
100 1
010 1
001 1
111 1
.names a b cin cout
11- 1
1-1 1
-11 1
.end
"""


def test_hierarchy_by_subckt():
    c = compiled(HIER)
    vals = [(x, y, ci) for x in range(4) for y in range(4) for ci in range(2)]
    got = outputs(c, x=[v[0] for v in vals], y=[v[1] for v in vals], ci=[v[2] for v in vals])
    assert [s + 4 * co for s, co in zip(got["s"], got["co"])] == [x + y + ci
                                                                  for x, y, ci in vals]
    fa = compiled(HIER, top="fa")
    assert [p.name for p in fa.inputs] == ["a", "b", "cin"]


@pytest.mark.parametrize("text,line,message", [
    (".model m\n.inputs d c\n.outputs q\n.latch d q fe c 0\n.end\n", 4,
     r"\.latch type 'fe' \(a falling-edge flip-flop\) is not supported; .*"),
    (".model m\n.inputs d c\n.outputs q\n.latch d q re\n.end\n", 4,
     r"'\.latch d q re' has type 're' but no clock; write '\.latch D Q re clock \[init\]' "
     r"or .*"),
    (".model m\n.inputs a\n.outputs y\n.gate inv A=a Y=y\n", 4,
     r"not supported: \.gate inv \(a cell of a technology library\); .*"),
    (".model m\n.inputs a\n.outputs y\n.start_kiss\n", 4, r"not supported: \.start_kiss; .*"),
    (".model m\n.inputs a b\n.outputs y\n.names a b y\n1 1\n", 5,
     (r"cover row '1 1': the input plane must be 2 characters from 0, 1, - \(one per "
     r"input\)")),
    (".model m\n.inputs a\n.outputs y\n.subckt nope x=a\n", 4,
     r"\.subckt 'nope': no such model in the file; models are m"),
])
def test_errors(text, line, message):
    with pytest.raises(NetlistError, match=rf"^t\.blif:{line}: {message}$"):
        reads_blif(text, "t.blif")


def test_subckt_port_errors_come_from_the_checker():
    # the reader records the connections as written; the one checker judges them
    d = reads_blif(".model m\n.inputs a\n.outputs y\n.subckt n q=a z=y\n.end\n.model n\n"
                   ".inputs x\n.outputs z\n.names x z\n1 1\n.end\n", "t.blif")
    with pytest.raises(ValidationError) as e:
        compile_design(d)
    assert [str(p) for p in e.value.problems] == [
        "t.blif:4: gate 'u0_n': circuit 'n' has no port 'q'; its ports are x, z",
        "t.blif:4: gate 'u0_n': input 'x' of circuit 'n' is not connected"]


def test_two_drivers_reported_with_lines():
    d = reads_blif(".model m\n.inputs a\n.outputs y\n.names a y\n1 1\n.names a y\n0 1\n",
                   "t.blif")
    with pytest.raises(ValidationError, match=r"t\.blif:6: net 'y' has two drivers"):
        compile_design(d)


@pytest.mark.parametrize("name", EPFL_NAMES)
def test_epfl_imports_and_compiles(name):
    c = load_circuit(EPFL / f"{name}.blif")
    text = (EPFL / f"{name}.blif").read_text()
    assert len(c.primitives) <= 6
    print(f"{name}: {len(c.gates)} gates, {len(c.primitives)} primitives")
    assert len(c.gates) + sum(1 for _ in c.outputs) >= text.count(".names") // 2


def test_epfl_adder_adds():
    c = load_circuit(EPFL / "adder.blif")
    assert [(p.name, p.width) for p in c.inputs] == [("a", 128), ("b", 128)]
    rng = np.random.default_rng(2)
    a = [int.from_bytes(rng.bytes(16), "little") for _ in range(300)]
    b = [int.from_bytes(rng.bytes(16), "little") for _ in range(300)]
    a[0], b[0] = (1 << 128) - 1, 1
    got = outputs(c, a=a, b=b)
    assert [f + (co << 128) for f, co in zip(got["f"], got["cOut"])] == [
        x + y for x, y in zip(a, b)]


def test_epfl_bar_rotates_left():
    c = load_circuit(EPFL / "bar.blif")
    rng = np.random.default_rng(4)
    a = [int.from_bytes(rng.bytes(16), "little") for _ in range(100)]
    s = rng.integers(0, 128, 100).tolist()
    mask = (1 << 128) - 1
    got = outputs(c, a=a, shift=s)["result"]
    assert got == [((x << k) | (x >> (128 - k))) & mask for x, k in zip(a, s)]


def test_epfl_dec_is_one_hot():
    c = load_circuit(EPFL / "dec.blif")
    out = ExactEngine(c).run(exhaustive(c))
    assert (out.sum(axis=0) == 1).all() and (out.sum(axis=1) == 1).all()
