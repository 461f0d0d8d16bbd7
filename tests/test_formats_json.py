"""Yosys JSON import: ports and bit numbering, constants, every gate cell,
hierarchy, LUT cells, top selection and errors (hand-made netlists)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from circuitnn import NetlistError, compile_design
from circuitnn.read.yosys_json import reads_yosys_json
from circuitnn.run.bits import decode, encode
from circuitnn.run.exact import ExactEngine
from circuitnn.run.vectors import exhaustive


def module(ports, cells=None, **extra):
    return {"ports": {n: {"direction": d, "bits": b} for n, (d, b) in ports.items()},
            "cells": cells or {}, **extra}


def cell(type_, **conns):
    return {"type": type_, "connections": {k: v for k, v in conns.items()}}


def load(modules, top=None):
    return compile_design(reads_yosys_json(json.dumps({"modules": modules}, indent=1),
                                           "t.json", top))


def outputs(circuit, **values):
    bits = ExactEngine(circuit).run(encode(circuit, values))
    return {k: v.tolist() for k, v in decode(circuit.outputs, bits).items()}


CELL_FUNCS = {
    "$_BUF_": lambda a, b, c, d, s: a, "$_NOT_": lambda a, b, c, d, s: 1 - a,
    "$_AND_": lambda a, b, c, d, s: a & b, "$_NAND_": lambda a, b, c, d, s: 1 - (a & b),
    "$_OR_": lambda a, b, c, d, s: a | b, "$_NOR_": lambda a, b, c, d, s: 1 - (a | b),
    "$_XOR_": lambda a, b, c, d, s: a ^ b, "$_XNOR_": lambda a, b, c, d, s: 1 - (a ^ b),
    "$_ANDNOT_": lambda a, b, c, d, s: a & (1 - b),
    "$_ORNOT_": lambda a, b, c, d, s: a | (1 - b),
    "$_MUX_": lambda a, b, c, d, s: b if s else a,
    "$_NMUX_": lambda a, b, c, d, s: 1 - (b if s else a),
    "$_AOI3_": lambda a, b, c, d, s: 1 - ((a & b) | c),
    "$_OAI3_": lambda a, b, c, d, s: 1 - ((a | b) & c),
    "$_AOI4_": lambda a, b, c, d, s: 1 - ((a & b) | (c & d)),
    "$_OAI4_": lambda a, b, c, d, s: 1 - ((a | b) & (c | d)),
}


def test_every_gate_cell_has_the_simcells_meaning():
    ids = {"A": 2, "B": 3, "C": 4, "D": 5, "S": 6}
    cells, outs = {}, []
    for i, t in enumerate(CELL_FUNCS):
        pins = {"$_BUF_": "A", "$_NOT_": "A", "$_MUX_": "ABS", "$_NMUX_": "ABS",
                "$_AOI3_": "ABC", "$_OAI3_": "ABC", "$_AOI4_": "ABCD",
                "$_OAI4_": "ABCD"}.get(t, "AB")
        cells[f"g{i}"] = cell(t, Y=[10 + i], **{p: [ids[p]] for p in pins})
        outs.append(10 + i)
    c = load({"m": module({"i": ("input", [2, 3, 4, 5, 6]), "y": ("output", outs)},
                          cells)})
    bits = exhaustive(c)
    got = ExactEngine(c).run(bits)
    for j, fn in enumerate(CELL_FUNCS.values()):
        want = [fn(*col) for col in bits.T.tolist()]
        assert got[j].tolist() == want, list(CELL_FUNCS)[j]


def test_ports_constants_and_pass_through_outputs():
    m = module({"a": ("input", [2, 3, 4]), "en": ("input", [5]),
                "y": ("output", [6, "1", 2, "0"]), "same": ("output", [5]),
                "twice": ("output", [6])},
               {"g": cell("$_AND_", A=[3], B=[5], Y=[6])})
    c = load({"m": m})
    assert [(p.name, p.width, p.bus) for p in c.inputs] == [("a", 3, True),
                                                            ("en", 1, False)]
    got = outputs(c, a=[0b011, 0b110, 0b111], en=[1, 1, 0])
    assert got["y"] == [0b0111, 0b0011, 0b0110]
    assert got["same"] == [1, 1, 0] and got["twice"] == [1, 1, 0]


def test_lut_cells_and_hierarchy_and_top_attribute():
    leaf = module({"p": ("input", [2, 3, 4]), "q": ("output", [5])},
                  {"l": {"type": "$lut", "parameters": {"WIDTH": "11", "LUT": "10010110"},
                         "connections": {"A": [2, 3, 4], "Y": [5]}}})
    top = module({"x": ("input", [2, 3, 4, 5]), "z": ("output", [6, 7])},
                 {"u0": cell("leaf", p=[2, 3, 4], q=[6]),
                  "u1": cell("leaf", p=[3, 4, 5], q=[7])},
                 attributes={"top": "00000000000000000000000000000001"})
    c = load({"leaf": leaf, "top": top})
    assert c.name == "top"
    assert set(c.primitives) == {"XOR3"}
    xs = list(range(16))
    par = [(x & 7).bit_count() % 2 + 2 * ((x >> 1).bit_count() % 2) for x in xs]
    assert outputs(c, x=xs)["z"] == par


def test_top_is_the_uninstantiated_module_or_named():
    leaf = module({"p": ("input", [2]), "q": ("output", [3])},
                  {"n": cell("$_NOT_", A=[2], Y=[3])})
    top = module({"x": ("input", [2]), "z": ("output", [3])}, {"u": cell("leaf", p=[2],
                                                                         q=[3])})
    assert load({"leaf": leaf, "top": top}).name == "top"
    assert load({"leaf": leaf, "top": top}, top="leaf").name == "leaf"


def test_undefined_bits_read_as_zero_with_a_warning():
    m = module({"a": ("input", [2]), "y": ("output", [3, "x"])},
               {"g": cell("$_BUF_", A=[2], Y=[3])})
    c = load({"m": m})
    assert [w.message for w in c.warnings] == ["module 'm': 1 undefined ('x') bits read as 0"]
    assert outputs(c, a=[1])["y"] == [1]


@pytest.mark.parametrize("type_,message", [
    ("$add", (r"cell 'g' \(\$add\): \$add: word-level or unsupported cell; run 'synth "
             r"-flatten; abc -g AND,NAND,OR,NOR,XOR,XNOR,MUX; opt_clean' first")),
    ("$_DFF_PP0_", r"cell 'g' \(\$_DFF_PP0_\): not supported: a flip-flop with an "
                   r"asynchronous reset or set; .*"),
    ("$_DLATCH_P_", r"cell 'g' \(\$_DLATCH_P_\): not supported: a level-sensitive latch; .*"),
    ("$_DFF_P_", r"cell 'g' \(\$_DFF_P_\): D and Q must connect the same number of bits "
                 r"\(got 0 and 0\)"),
    ("mystery", (r"cell 'g' \(mystery\): no module 'mystery' in the file \(a black box\?\); "
                r".*")),
])
def test_unsupported_cells_named(type_, message):
    m = module({"a": ("input", [2]), "y": ("output", [3])},
               {"g": cell(type_, A=[2], Y=[3])})
    with pytest.raises(NetlistError, match=rf"^t\.json:\d+: {message}$"):
        load({"m": m})


def test_bad_json_and_z_and_inout():
    with pytest.raises(NetlistError, match=r"^t\.json:2: not valid JSON"):
        reads_yosys_json('{"modules":\n ]', "t.json")
    m = module({"a": ("input", [2]), "y": ("output", ["z"])})
    with pytest.raises(NetlistError, match=r"high impedance\) is not supported"):
        load({"m": m})
    m = module({"a": ("inout", [2]), "y": ("output", [2])})
    with pytest.raises(NetlistError, match=r"port 'a' is 'inout'; only input and output"):
        load({"m": m})


def test_cells_sharing_a_bit_on_two_pins():
    m = module({"a": ("input", [2]), "y": ("output", [3])},
               {"g": cell("$_XOR_", A=[2], B=[2], Y=[3])})
    c = load({"m": m})
    assert np.all(ExactEngine(c).run(exhaustive(c)) == 0)


def test_committed_yosys_output_compares():
    """tests/data/formats/cmp6.json: cmp6.v through 'synth -flatten; abc -g ...'."""
    from pathlib import Path

    from circuitnn.read import load_circuit

    c = load_circuit(Path(__file__).parent / "data" / "formats" / "cmp6.json")
    rng = np.random.default_rng(9)
    a, b = rng.integers(0, 64, 300).tolist(), rng.integers(0, 64, 300).tolist()
    a[:5], b[:5] = [0, 63, 5, 7, 1], [0, 63, 7, 5, 1]
    en = rng.integers(0, 2, 300).tolist()
    got = outputs(c, a=a, b=b, en=en)
    assert got["lt"] == [e & (x < y) for x, y, e in zip(a, b, en)]
    assert got["eq"] == [e & (x == y) for x, y, e in zip(a, b, en)]
    assert got["gt"] == [e & (x > y) for x, y, e in zip(a, b, en)]
    assert got["same"] == en and got["one"] == [1] * 300
