"""Netlists as real tools write them today: ABC's ``write_bench`` (LUTs with
hexadecimal tables, ``vdd``/``gnd``, ``DFFRSE``), Yosys's ``write_blif``
without ``dffunmap`` and with ``-icells`` / ``-impltf``.

Oracles: Python integer evaluation of the LUT tables as ABC defines them
(first input least significant) and of the cells' functions, Python models
of the Verilog, and the ISCAS originals ABC was given, read by circuitnn's
reader of the classic dialect.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from circuitnn import NetlistError, ValidationError, compile_design
from circuitnn.read import load_circuit, read_design
from circuitnn.read.bench import reads_bench
from circuitnn.read.blif import reads_blif
from circuitnn.run.bits import decode, encode
from circuitnn.run.exact import ExactEngine
from circuitnn.run.sim import Clocked

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "data" / "benchmarks"
needs_yosys = pytest.mark.skipif(shutil.which("yosys") is None and os.environ.get("CI") != "true",
                                 reason="yosys is not installed")
needs_abc = pytest.mark.skipif(shutil.which("yosys-abc") is None
                               and os.environ.get("CI") != "true",
                               reason="yosys-abc is not installed")

ABC_STYLE = """# Benchmark "t" written by ABC on Fri Nov 27 12:03:27 2026
INPUT(a)
INPUT(b)
INPUT(c)
OUTPUT(maj)
OUTPUT(odd)
OUTPUT(one)
OUTPUT(zero)
OUTPUT(k)
OUTPUT(f)
maj         = LUT 0xe8 ( a, b, c )
odd         = LUT 0x96 ( a, b, c )
f           = LUT 0x02 ( a, b, c )
one         = vdd
zero        = gnd
k           = AND(vdd, a)
"""


def _lut(value: int, *ins: int) -> int:
    return (value >> sum(v << j for j, v in enumerate(ins))) & 1


def test_abc_luts_and_constants_match_their_tables():
    c = compile_design(reads_bench(ABC_STYLE, "t.bench"))
    rows = [(a, b, c_) for a in (0, 1) for b in (0, 1) for c_ in (0, 1)]
    a, b, cc = (np.array(col) for col in zip(*rows))
    out = decode(c.outputs, ExactEngine(c).run(encode(c, {"a": a, "b": b, "c": cc})))
    for i, (x, y, z) in enumerate(rows):
        assert out["maj"][i] == _lut(0xE8, x, y, z)
        assert out["odd"][i] == _lut(0x96, x, y, z)
        # 0x02: only row 1, the first input (a) alone set; an order-sensitive table
        assert out["f"][i] == (x == 1 and y == 0 and z == 0)
        assert out["one"][i] == 1 and out["zero"][i] == 0 and out["k"][i] == x


@pytest.mark.parametrize("line,message", [
    ("y = LUT 0x1ff ( a, b )", r"^t\.bench:3: LUT 'y' has the table '0x1ff', of more than the "
     r"4 bits 2 inputs have; expected up to 1 hexadecimal digits$"),
    ("y = LUT 8 ( a, b )", r"^t\.bench:3: LUT 'y' has the table '8'; expected a hexadecimal "
     r"number such as 0x8, of up to 1 digits for 2 inputs$"),
    ("y = LUT ( a, b )", r"^t\.bench:3: LUT 'y' has no table; write it as y = LUT 0x8 \( a, b "
     r"\): bit i of the hexadecimal table is the output for the inputs spelling i, the first "
     r"input least significant$"),
    ("y = DFFRSE( a, b, gnd, gnd, gnd )", r"^t\.bench:3: not supported: sequential element "
     r"DFFRSE driving 'y'; .*"),
])
def test_bad_abc_lines_are_one_message(line, message):
    with pytest.raises(NetlistError, match=message):
        reads_bench(f"INPUT(a)\nINPUT(b)\n{line}\nOUTPUT(y)\n", "t.bench")


def _abc(src: Path, script: str, out: Path) -> Path:
    subprocess.run(["yosys-abc", "-c", f"read_bench {src}; {script}; write_bench {out}"],
                   check=True, capture_output=True)
    return out


@needs_abc
@pytest.mark.parametrize("script", ["strash", "strash; if -K 4", "strash; if -K 7"])
def test_abc_write_bench_of_c880_matches_the_original(tmp_path, script):
    original = load_circuit(BENCH / "iscas85" / "c880.bench")
    again = load_circuit(_abc(BENCH / "iscas85" / "c880.bench", script, tmp_path / "c.bench"))
    rng = np.random.default_rng(5)
    bits = rng.integers(0, 2, (original.n_input_bits, 3000), dtype=np.uint8)
    assert ([p.name for p in again.inputs] == [p.name for p in original.inputs])
    np.testing.assert_array_equal(ExactEngine(again).run(bits), ExactEngine(original).run(bits))


def _sim(circuit, bits):
    clock = Clocked(circuit, ExactEngine(circuit.step))
    return np.concatenate([clock.step(bits[:, k:k + 1]).outputs for k in range(bits.shape[1])],
                          axis=1)


@needs_abc
def test_abc_write_bench_of_s298_flip_flops_match_the_original(tmp_path):
    original = load_circuit(BENCH / "iscas89" / "s298.bench")
    out = _abc(BENCH / "iscas89" / "s298.bench", "strash; if -K 4", tmp_path / "s.bench")
    assert "DFFRSE" in out.read_text()
    again = load_circuit(out)
    bits = np.random.default_rng(2).integers(0, 2, (original.n_input_bits, 200), dtype=np.uint8)
    np.testing.assert_array_equal(_sim(again, bits), _sim(original, bits))


# ------------------------------------------------- Yosys's BLIF dialects
COUNTER = """
module counter(input clk, input rst, input en, input [3:0] x, output reg [3:0] q,
               output big, output one, output [1:0] hi);
  always @(posedge clk) if (rst) q <= 4'd0; else if (en) q <= q + x;
  assign big = q > x;
  assign one = 1'b1;
  assign hi = x[3] ? 2'd3 : {1'b0, x[2]};
endmodule
"""


def _counter_oracle(stimulus):
    q, rows = 0, []
    for rst, en, x in stimulus:
        rows.append({"q": q, "big": int(q > x), "one": 1, "hi": 3 if x >> 3 else (x >> 2) & 1})
        q = 0 if rst else (q + x) % 16 if en else q
    return rows


def _runs_as_the_counter(circuit, seed: int) -> None:
    """80 random cycles (resets now and then) against :func:`_counter_oracle`."""
    rng = np.random.default_rng(seed)
    stimulus = [(int(k == 0 or rng.random() < 0.1), int(rng.random() < 0.7),
                 int(rng.integers(16))) for k in range(80)]
    bits = encode(circuit, {"rst": [s[0] for s in stimulus], "en": [s[1] for s in stimulus],
                            "x": [s[2] for s in stimulus]})
    got = decode(circuit.outputs, _sim(circuit, bits))
    assert [{k: int(v[i]) for k, v in got.items()} for i in range(80)] == \
        _counter_oracle(stimulus)


@needs_yosys
@pytest.mark.parametrize("options", ["", "-icells", "-impltf", "-icells -impltf", "-gates",
                                     "-icells -gates"])
def test_yosys_write_blif_without_dffunmap_runs_as_its_verilog(tmp_path, options):
    """``synth; write_blif`` writes flip-flops as ``.subckt $_SDFFE_PP0P_``
    (``.gate`` under ``-gates``); ``-icells`` writes gates as ``.subckt
    $_AND_``; ``-impltf`` reads ``$true``/``$false`` without defining them."""
    (tmp_path / "c.v").write_text(COUNTER)
    out = tmp_path / "c.blif"
    subprocess.run(["yosys", "-q", "-p", f"read_verilog {tmp_path / 'c.v'}; synth -flatten "
                    f"-top counter; write_blif {options} {out}"], check=True, capture_output=True)
    assert f".{'gate' if 'gates' in options else 'subckt'} $_SDFFE_" in out.read_text()
    circuit = load_circuit(out)
    _runs_as_the_counter(circuit, seed=4)


def test_blif_yosys_cells_and_implicit_constants_match_their_functions():
    text = (".model m\n.inputs a b c\n.outputs y z k w\n"
            ".subckt $_AOI3_ A=a B=b C=c Y=y\n.subckt $_ORNOT_ A=a B=b Y=z\n"
            ".names $true a k\n11 1\n.subckt $_MUX_ A=$false B=c S=a Y=w\n.end\n")
    c = compile_design(reads_blif(text, "m.blif"))
    rows = [(a, b, c_) for a in (0, 1) for b in (0, 1) for c_ in (0, 1)]
    a, b, cc = (np.array(col) for col in zip(*rows))
    out = decode(c.outputs, ExactEngine(c).run(encode(c, {"a": a, "b": b, "c": cc})))
    for i, (x, y, z) in enumerate(rows):
        assert out["y"][i] == 1 - ((x & y) | z) and out["z"][i] == x | (1 - y)
        assert out["k"][i] == x and out["w"][i] == (z if x else 0)


@pytest.mark.parametrize("line,message", [
    (".subckt $_AND_ A=a Y=y", r"^m\.blif:4: \.subckt \$_AND_ connects A, Y; the cell's pins "
     r"are A, B and Y, each once$"),
    (".subckt $_DFF_PN0_ C=a D=b Q=y", r"^m\.blif:4: \.subckt \$_DFF_PN0_: not supported: a "
     r"flip-flop with an asynchronous reset or set; .*"),
    (".subckt $_DFF_N_ C=a D=b Q=y", r"^m\.blif:4: .subckt \$_DFF_N_: not supported: a "
     r"falling-edge flip-flop; .*"),
    (".subckt $add A=a B=b Y=y", r"^m\.blif:4: \.subckt \$add: not a model in the file nor a "
     r"Yosys gate or flip-flop circuitnn knows; .*"),
])
def test_bad_yosys_cells_in_blif_are_one_message(line, message):
    with pytest.raises(NetlistError, match=message):
        reads_blif(f".model m\n.inputs a b\n.outputs y\n{line}\n.end\n", "m.blif")


# ------------------------------------------------------- files as users have them
C17 = (BENCH / "iscas85" / "c17.bench").read_text()


@pytest.mark.parametrize("suffix,text", [
    (".bench", C17.replace("\n", "\r\n")),
    (".blif", ".model m\n.inputs a b\n.outputs y\n.names a b y\n11 1\n.end\n"),
    (".json", '{"modules": {"m": {"ports": {"a": {"direction": "input", "bits": [2]}, '
              '"y": {"direction": "output", "bits": [3]}}, "cells": {"n": {"type": "$_NOT_", '
              '"connections": {"A": [2], "Y": [3]}}}}}}'),
    (".yaml", "name: m\ninputs: [a]\noutputs: [y]\ngates:\n  - {name: g, type: NOT, in: [a], out: y}\n"),
])
def test_a_byte_order_mark_is_no_part_of_the_netlist(tmp_path, suffix, text):
    """Windows editors start UTF-8 files with U+FEFF; it was read as a line."""
    plain, marked = tmp_path / f"plain{suffix}", tmp_path / f"marked{suffix}"
    plain.write_text(text, newline="")
    marked.write_bytes(b"\xef\xbb\xbf" + text.encode())
    a, b = load_circuit(plain), load_circuit(marked)
    bits = np.random.default_rng(0).integers(0, 2, (a.n_input_bits, 64), dtype=np.uint8)
    assert [p.name for p in b.inputs] == [p.name for p in a.inputs]
    np.testing.assert_array_equal(ExactEngine(b).run(bits), ExactEngine(a).run(bits))


@needs_yosys
def test_verilog_with_a_byte_order_mark_is_one_message_not_an_empty_design(tmp_path):
    f = tmp_path / "m.v"
    f.write_bytes(b"\xef\xbb\xbfmodule m(input a, output y); assign y = ~a; endmodule\n")
    with pytest.raises(NetlistError, match=r"^.*m\.v:1: the file starts with a UTF-8 "
                       r"byte-order mark, and Yosys then reads no Verilog from it at all; "
                       r"save it without the mark$"):
        load_circuit(f, yosys_cache=tmp_path / "cache")


@pytest.mark.parametrize("text", ["", "# only a comment\n\n"])
def test_an_empty_bench_file_is_an_error_not_an_empty_circuit(tmp_path, text):
    f = tmp_path / "e.bench"
    f.write_text(text)
    with pytest.raises(NetlistError, match=r"^.*e\.bench:1: the file has no INPUT, OUTPUT or "
                       r"gate line; a \.bench netlist lists INPUT\(name\), OUTPUT\(name\) and "
                       r"name = TYPE\(inputs\) lines$"):
        load_circuit(f)


def test_a_yaml_netlist_in_json_syntax_is_read_as_yaml_and_its_errors_are_yaml_errors(tmp_path):
    """YAML is a superset of JSON: such a file is no sign of the wrong format."""
    gate = '{"name": "g", "type": "NOT", "in": ["a"], "out": "y"}'
    f = tmp_path / "j.yaml"
    f.write_text(f'{{"name": "t", "inputs": ["a"], "outputs": ["y"], "gates": [{gate}]}}\n')
    c = load_circuit(f)
    assert [p.name for p in c.inputs] == ["a"] and [p.name for p in c.outputs] == ["y"]
    f.write_text(f'{{"name": "t", "inputs": ["a"] "outputs": ["y"], "gates": [{gate}]}}\n')
    with pytest.raises(NetlistError, match=r"j\.yaml:1: YAML syntax error"):
        load_circuit(f)


@pytest.mark.parametrize("name,text,message", [
    ("x.blif", '{\n  "creator": "Yosys",\n  "modules": {}\n}\n',
     r"x\.blif:1: the file is JSON, not BLIF \('\{'\); rename it to x\.json or read it with "
     r"fmt='json'"),
    ("x.blif", "# Benchmark\nINPUT(a)\nOUTPUT(y)\ny = NOT(a)\n",
     r"x\.blif:2: the file is an ISCAS \.bench netlist, not BLIF \('INPUT\(a\)'\); rename it "
     r"to x\.bench or read it with fmt='bench'"),
    ("x.bench", "// a\nmodule m(input a, output y);\nassign y = a;\nendmodule\n",
     r"x\.bench:2: the file is Verilog, not an ISCAS \.bench netlist \('module m\(input a, "
     r"output y\);'\); rename it to x\.v or read it with fmt='verilog'"),
    ("x.json", ".model m\n.inputs a\n.outputs y\n.names a y\n1 1\n.end\n",
     r"x\.json:1: the file is BLIF, not JSON \('\.model m'\); rename it to x\.blif or read it "
     r"with fmt='blif'"),
    ("x.bench", "name: m\ninputs: [a]\noutputs: [y]\n",
     r"x\.bench:1: the file is a YAML netlist, not an ISCAS \.bench netlist \('name: m'\); "
     r"rename it to x\.yaml or read it with fmt='yaml'"),
])
def test_a_netlist_in_another_format_than_its_extension_is_one_message(tmp_path, name, text,
                                                                       message):
    """Read as its extension says, it gave one complaint per line (486 for a JSON file)."""
    f = tmp_path / name
    f.write_text(text)
    with pytest.raises(NetlistError, match=rf"^.*{message}$") as e:
        load_circuit(f)
    assert e.value.cli_text().endswith(f"or give --from {e.value.message.split('=')[-1][1:-1]}")


def test_sim_stimulus_with_a_byte_order_mark_and_crlf_reads_as_without(tmp_path):
    """``run --vectors`` skipped the mark already; ``sim --stimulus`` took
    '\\ufeffen' for a column name."""
    from circuitnn.cli.sim import read_stimulus
    from circuitnn.library import counter

    c = counter(4).compile_circuit()
    f = tmp_path / "s.csv"
    f.write_bytes(b"\xef\xbb\xbfcycle,en\r\n0,1\r\n1,0\r\n2,0x1\r\n")
    assert [b.ravel().tolist() for b in read_stimulus(str(f), c)[1]] == [[1], [0], [1]]


def test_sim_stimulus_that_is_not_utf8_is_one_message_at_its_line(tmp_path):
    from circuitnn.cli.sim import read_stimulus
    from circuitnn.errors import VectorError
    from circuitnn.library import counter

    c = counter(4).compile_circuit()
    f = tmp_path / "s.csv"
    f.write_bytes(b"en\n1\n0\n\xff\n")
    with pytest.raises(VectorError, match=r"^.*s\.csv:4: is not UTF-8 text; save the stimulus "
                       r"as UTF-8$"):
        list(read_stimulus(str(f), c)[1])


@needs_yosys
@pytest.mark.parametrize("write", ["write_json {out}.json", "write_blif -icells {out}.blif"])
def test_muxcover_wide_multiplexers_select_the_indexed_bit(tmp_path, write):
    """``muxcover -mux4 -mux8 -mux16`` (FPGA flows) leaves $_MUX4_, $_MUX8_ and
    $_MUX16_ cells; they were refused as word-level cells."""
    (tmp_path / "mx.v").write_text(
        "module mx(input [15:0] d, input [3:0] s, input [7:0] e, input [2:0] t, input [3:0] f,"
        " input [1:0] u, output y, output z, output w);\n"
        "  assign y = d[s]; assign z = e[t]; assign w = f[u];\nendmodule\n")
    out = tmp_path / "mx"
    subprocess.run(["yosys", "-q", "-p", f"read_verilog {tmp_path / 'mx.v'}; synth -flatten; "
                    "muxcover -mux4 -mux8 -mux16; " + write.format(out=out)],
                   check=True, capture_output=True)
    path = next(tmp_path.glob("mx.*[nf]"))
    assert all(f"$_MUX{n}_" in path.read_text() for n in (4, 8, 16))
    c = load_circuit(path)
    rng = np.random.default_rng(8)
    v = {n: rng.integers(0, 2**w, 500) for n, w in
         [("d", 16), ("s", 4), ("e", 8), ("t", 3), ("f", 4), ("u", 2)]}
    out = decode(c.outputs, ExactEngine(c).run(encode(c, v)))
    assert out["y"].tolist() == ((v["d"] >> v["s"]) & 1).tolist()
    assert out["z"].tolist() == ((v["e"] >> v["t"]) & 1).tolist()
    assert out["w"].tolist() == ((v["f"] >> v["u"]) & 1).tolist()


def test_blif_flip_flop_cells_warn_that_they_start_at_0():
    """Yosys writes no initial value for a flip-flop it writes as .subckt:
    the Verilog's ``initial`` is lost, so say so rather than differ silently."""
    d = reads_blif(".model m\n.inputs clk d\n.outputs q\n.subckt $_DFF_P_ C=clk D=d Q=q\n.end\n",
                   "m.blif")
    assert [str(w) for w in d.warnings] == [
        "m.blif:4: 1 flip-flop written as Yosys's $_DFF*_ cells start at 0: BLIF keeps no "
        "initial value for them (for initial values, run dffunmap before write_blif, whose "
        ".latch lines keep them)"]


def test_yosys_json_debug_cells_of_newer_yosys_are_no_logic():
    """Yosys 0.49 and later write a $scopeinfo cell for every instance that
    ``flatten`` removed; a ``$display`` is a $print cell.  Both were refused
    as unsupported cells, so no flattened design of a newer Yosys read."""
    import json

    from circuitnn.read.yosys_json import reads_yosys_json

    design = {"modules": {"m": {
        "ports": {"a": {"direction": "input", "bits": [2, 3]},
                  "y": {"direction": "output", "bits": [4]}},
        "cells": {
            "$scopeinfo$u0": {"hide_name": 1, "type": "$scopeinfo",
                              "parameters": {"TYPE": "module"}, "port_directions": {},
                              "connections": {}},
            "g": {"type": "$_XOR_", "connections": {"A": [2], "B": [3], "Y": [4]}},
            "$print$t.v:3$1": {"type": "$print", "parameters": {"FORMAT": "{1:>u}"},
                               "port_directions": {"EN": "input", "ARGS": "input"},
                               "connections": {"EN": ["1"], "ARGS": [2], "TRG": []}}}}}}
    c = compile_design(reads_yosys_json(json.dumps(design), "m.json"))
    a = np.arange(4)
    out = decode(c.outputs, ExactEngine(c).run(encode(c, {"a": a})))
    assert out["y"].tolist() == [(v & 1) ^ (v >> 1) for v in a.tolist()]


@needs_yosys
def test_verilog_instance_of_an_undefined_module_is_located_at_the_instance(tmp_path):
    f = tmp_path / "top.v"
    f.write_text("module top(input a, output y);\n  wire t;\n  invv u1(.a(a), .y(t));\n"
                 "  assign y = t;\nendmodule\nmodule inv(input a, output y);\n"
                 "  assign y = ~a;\nendmodule\n")
    with pytest.raises(NetlistError, match=r"^.*top\.v:3: module 'invv' \(instance 'u1' in "
                       r"'top'\) is defined in none of the files given \(did you mean 'inv'\?\); "
                       r"give the file that defines it too$"):
        load_circuit(f, top="top", yosys_cache=tmp_path / "cache")


@needs_yosys
def test_verilog_top_that_is_not_defined_names_the_modules_that_are(tmp_path):
    f = tmp_path / "m.v"
    f.write_text("module adder(input a, output y); assign y = a; endmodule\n"
                 "module top(input a, output y); adder u(.a(a), .y(y)); endmodule\n")
    with pytest.raises(NetlistError, match=r"^.*m\.v: no module 'addr' in the files given "
                       r"\(did you mean 'adder'\?\); they define adder, top$"):
        load_circuit(f, top="addr", yosys_cache=tmp_path / "cache")


@needs_yosys
def test_yosys_lut_blif_with_an_undriven_carry_reads_it_as_undefined(tmp_path):
    """``abc -lut 4`` without a later opt_clean leaves a cover reading an
    adder's carry wire that nothing drives; Yosys takes it as 'x'."""
    (tmp_path / "c.v").write_text(COUNTER)
    out = tmp_path / "c.blif"
    subprocess.run(["yosys", "-q", "-p", f"read_verilog {tmp_path / 'c.v'}; synth -flatten "
                    f"-top counter; dffunmap; abc -lut 4; write_blif {out}"], check=True,
                   capture_output=True)
    design = read_design(out)
    assert any("that nothing drives" in str(w) for w in design.warnings)
    circuit = compile_design(design)
    _runs_as_the_counter(circuit, seed=6)


def test_an_undriven_net_in_a_hand_written_blif_is_still_an_error():
    text = ".model m\n.inputs a\n.outputs y\n.names a t y\n11 1\n.end\n"
    with pytest.raises(ValidationError, match=r"net 't' is read but nothing drives it"):
        compile_design(reads_blif(text, "m.blif"))
    d = reads_blif("# Generated by Yosys 0.23\n" + text, "m.blif")
    assert [str(w) for w in d.warnings] == [
        "m.blif:5: 1 net that nothing drives ('t'), undefined ('x') for Yosys, read as 0"]


@needs_yosys
def test_verilog_without_top_warns_which_modules_yosys_left_out(tmp_path):
    """With two top-level modules Yosys picks one (the last here) and drops
    the other without a word; the user ran a module they did not mean."""
    f = tmp_path / "two.v"
    f.write_text("module w(input [3:0] a, output [3:0] y); assign y = a + 1; endmodule\n"
                 "module w2(input b, output z); assign z = ~b; endmodule\n")
    for _ in range(2):  # synthesised, then from the cache
        d = read_design(f, yosys_cache=tmp_path / "cache")
        assert [w.cli_text() for w in d.warnings] == [
            f"{f}: Yosys took {d.top!r} as the top module; "
            f"{'w' if d.top == 'w2' else 'w2'!r} is not under it and left out (pick the top "
            "with --top NAME)"]
    assert read_design(f, top="w", yosys_cache=tmp_path / "cache").warnings == ()
    g = tmp_path / "one.v"
    g.write_text("module inv(input a, output y); assign y = ~a; endmodule\n"
                 "module top(input a, output y); inv u(.a(a), .y(y)); endmodule\n")
    assert read_design(g, yosys_cache=tmp_path / "cache").warnings == ()


def test_blif_exdc_is_skipped_with_a_warning_and_library_gates_are_one_message():
    text = (".model m\n.inputs a b\n.outputs y\n.names a b y\n11 1\n"
            ".exdc\n.inputs a b\n.outputs y\n.names a b y\n00 1\n.end\n")
    d = reads_blif(text, "m.blif")
    assert [str(w) for w in d.warnings] == [
        "m.blif:6: model 'm': its .exdc network (external don't cares) is skipped: the model "
        "computes the function its covers give"]
    c = compile_design(d)
    a, b = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])
    assert decode(c.outputs, ExactEngine(c).run(encode(c, {"a": a, "b": b})))["y"].tolist() \
        == (a & b).tolist()
    mapped = ".model m\n.inputs a b\n.outputs y\n.gate NAND2 A=a B=b Y=t\n" \
             ".gate INV A=t Y=y\n.end\n"
    with pytest.raises(NetlistError, match=r"^m\.blif:4: not supported: \.gate NAND2 \(a cell "
                       r"of a technology library; 1 more \.gate lines follow\); write the logic "
                       r"as \.names covers, e\.g\. with ABC or Yosys without a liberty file$"):
        reads_blif(mapped, "m.blif")


@needs_yosys
def test_netlists_written_from_verilog_name_the_verilog_not_the_cache(tmp_path):
    """The header said 'Written by circuitnn from <store>/yosys/<hash>.json',
    a path of the machine that wrote it and no file of the user's."""
    from circuitnn.write.verilog import circuit_to_verilog

    f = tmp_path / "inv.v"
    f.write_text("module inv(input a, output y); assign y = ~a; endmodule\n")
    c = load_circuit(f, yosys_cache=tmp_path / "cache")
    assert circuit_to_verilog(c).splitlines()[0].startswith(f"// Written by circuitnn from {f}:")


def test_a_circuit_of_wires_and_constants_is_not_called_uncertified(tmp_path, store, capsys):
    """With no nets there is nothing to certify: the outputs are exact, but
    'run' warned 'uncertified nets: analog results are not guaranteed'."""
    from circuitnn.cli import main

    f = tmp_path / "k.bench"
    f.write_text("INPUT(a)\nOUTPUT(zero)\nOUTPUT(one)\nzero = gnd\none = vdd\n")
    assert main(["run", str(f), "--format", "csv", "--store", str(store.root)]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == ["a,zero,one", "0,0,1", "1,0,1"]
    assert "uncertified" not in err
