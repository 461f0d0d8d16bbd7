"""``circuitnn run design.v``: Verilog in through Yosys, checked against iverilog
simulating the same source (the independent oracle).  Under CI=true both tools
must be installed; the tests never skip there."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import numpy as np
import pytest
from test_formats_verilog import iverilog, needs_iverilog, needs_yosys

from circuitnn import CircuitError
from circuitnn.read import load_circuit
from circuitnn.read.verilog import synthesise

DATA = Path(__file__).resolve().parent / "data" / "formats"

SV = """// SystemVerilog: logic, always_comb, a parameterised submodule
module add #(parameter int W = 4) (input logic [W-1:0] x, y, output logic [W:0] s);
  assign s = x + y;
endmodule
module top_sv (input logic [4:0] a, input logic [4:0] b, input logic sel,
               output logic [5:0] y);
  logic [5:0] s;
  add #(.W(5)) u (.x(a), .y(b), .s(s));
  always_comb y = sel ? s : {1'b0, a ^ b};
endmodule
"""


def _rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def _check_against_iverilog(cli, sources, top, tmp_path, n=200, extra=()):
    """Run the design through the CLI on random vectors; iverilog on the same."""
    circuit = load_circuit(sources, top=top, yosys_cache=tmp_path / "cache")
    rng = np.random.default_rng(7)
    bits = rng.integers(0, 2, (circuit.n_input_bits, n), dtype=np.uint8)
    lo, cols = 0, {}
    for p in circuit.inputs:
        weights = 1 << np.arange(p.width, dtype=object)
        cols[p.name] = [int(v) for v in (bits[lo:lo + p.width].astype(object).T @ weights)]
        lo += p.width
    vec = tmp_path / "in.csv"
    vec.write_text(",".join(cols) + "\n" + "".join(
        ",".join(str(cols[k][i]) for k in cols) + "\n" for i in range(n)))
    code, out, err = cli("run", *map(str, sources), "--vectors", str(vec), "--format", "csv",
                         *extra)
    assert code == 0, err
    got = _rows(out)
    want_bits = iverilog(sources, top, circuit, bits, tmp_path)
    lo = 0
    for p in circuit.outputs:
        weights = 1 << np.arange(p.width, dtype=object)
        want = [int(v) for v in (want_bits[lo:lo + p.width].astype(object).T @ weights)]
        lo += p.width
        assert [int(r[p.name]) for r in got] == want, p.name
    return circuit


@needs_yosys
@needs_iverilog
@pytest.mark.parametrize("design", ["adder8", "mult4", "alu4", "cmp6"])
def test_run_design_v_matches_iverilog(cli, design, tmp_path):
    src = tmp_path / f"{design}.v"
    shutil.copy(DATA / f"{design}.v", src)
    _check_against_iverilog(cli, [src], design, tmp_path)


@needs_yosys
@needs_iverilog
def test_systemverilog_with_top_and_include(cli, tmp_path):
    (tmp_path / "add.svh").write_text(SV.split("module top_sv")[0])
    src = tmp_path / "top.sv"
    src.write_text('`include "add.svh"\nmodule top_sv' + SV.split("module top_sv")[1])
    # iverilog's -g2005 does not read this SystemVerilog: it simulates a
    # plain-Verilog statement of the same logic instead
    plain = tmp_path / "plain.v"
    plain.write_text("module top_sv (input [4:0] a, input [4:0] b, input sel, "
                     "output [5:0] y);\n  assign y = sel ? a + b : {1'b0, a ^ b};\nendmodule\n")
    circuit = _same_as(cli, src, plain, tmp_path)
    assert [(p.name, p.width) for p in circuit.inputs] == [("a", 5), ("b", 5), ("sel", 1)]


def _same_as(cli, src, plain, tmp_path):
    circuit = load_circuit(src, top="top_sv", yosys_cache=tmp_path / "cache")
    rng = np.random.default_rng(3)
    bits = rng.integers(0, 2, (circuit.n_input_bits, 300), dtype=np.uint8)
    want = iverilog([plain], "top_sv", circuit, bits, tmp_path)
    a = bits[:5].T @ (1 << np.arange(5))
    b = bits[5:10].T @ (1 << np.arange(5))
    sel = bits[10]
    vec = tmp_path / "in.csv"
    vec.write_text("a,b,sel\n" + "".join(f"{x},{y},{s}\n" for x, y, s in zip(a, b, sel)))
    code, out, err = cli("run", str(src), "--top", "top_sv", "--vectors", str(vec),
                         "--format", "csv")
    assert code == 0, err
    assert [int(r["y"]) for r in _rows(out)] == (want.T @ (1 << np.arange(6))).tolist()
    return circuit


ADDSUB = """module addsub (input [5:0] a, input [5:0] b, input sub, output [6:0] y);
  add6 u (.x(a), .y(sub ? ~b : b), .ci(sub), .s(y));
endmodule
"""
ADD6 = """module add6 (input [5:0] x, input [5:0] y, input ci, output [6:0] s);
  assign s = x + y + ci;
endmodule
"""


@needs_yosys
@needs_iverilog
def test_several_verilog_files_on_the_command_line(cli, capsys, tmp_path):
    top, add = tmp_path / "addsub.v", tmp_path / "add6.v"
    top.write_text(ADDSUB)
    add.write_text(ADD6)
    _check_against_iverilog(cli, [top, add], "addsub", tmp_path, extra=("--top", "addsub"))
    # every file is in the cache key: an edit to the second one is synthesised anew
    add.write_text(ADD6.replace("x + y + ci", "x - y + ci"))
    _check_against_iverilog(cli, [top, add], "addsub", tmp_path, extra=("--top", "addsub"))
    code, out, err = cli("info", str(top), str(add))
    assert code == 0 and "addsub" in out, err
    # sources may come on both sides of options
    assert cli("info", str(top), "--top", "addsub", str(add)) == (code, out, err)
    with pytest.raises(SystemExit) as stop:  # a word that is no Verilog file is still refused
        cli("info", str(top), "--top", "addsub", "notes.txt")
    assert stop.value.code == 2
    assert "unrecognized arguments: notes.txt" in capsys.readouterr().err
    # other formats stay one file
    for name in ("a.yaml", "b.yaml"):
        shutil.copy(Path(__file__).resolve().parent.parent / "circuits" / "half_adder.yaml",
                    tmp_path / name)
    code, out, err = cli("run", "a.yaml", "b.yaml")
    assert (code, out) == (2, "")
    assert err == ("error: several netlist files are read together only for Verilog and "
                   "SystemVerilog (.v, .sv); a.yaml is yaml: give one file\n")


@needs_yosys
def test_the_synthesised_json_is_cached_by_source_and_top(tmp_path):
    src = tmp_path / "cmp6.v"
    shutil.copy(DATA / "cmp6.v", src)
    cache = tmp_path / "cache"
    first = synthesise(src, cache=cache)
    assert synthesise(src, cache=cache) == first
    first.write_text(first.read_text().replace('"lt"', '"lt_cached"'))
    assert "lt_cached" in [p.name for p in load_circuit(src, yosys_cache=cache).outputs]
    assert synthesise(src, top="cmp6", cache=cache) != first
    src.write_text(src.read_text() + "// an edit\n")
    assert synthesise(src, cache=cache) != first


@needs_yosys
def test_a_verilog_syntax_error_is_located(cli, tmp_path):
    (tmp_path / "bad.v").write_text("module m(input [3:0] a, output y);\n"
                                    "  assign y = a +;\nendmodule\n")
    code, out, err = cli("run", "bad.v")
    assert (code, out) == (2, "")
    assert err.startswith("error: bad.v:2: Yosys: syntax error")


def test_missing_yosys_says_how_to_install_it(cli, tmp_path, monkeypatch):
    (tmp_path / "m.v").write_text("module m(input a, output y); assign y = a; endmodule\n")
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    code, out, err = cli("run", "m.v")
    assert code == 2
    assert err.startswith("error: m.v: reading Verilog needs Yosys, which is not installed")
    assert "apt install yosys" in err
    with pytest.raises(CircuitError, match="needs Yosys"):
        load_circuit(tmp_path / "m.v")
