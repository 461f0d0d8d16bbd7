# ruff: noqa: E501
"""The error catalogue beyond YAML: one file under tests/bad/ per kind of
mistake in a .bench, BLIF or Yosys JSON netlist or a vector file, each with
its exact message pinned, the CLI contract for them (exit code 2, nothing on
stdout, exactly "error: <message>" on stderr; the netlists' with the YAML
catalogue's in test_bad_inputs.py), and the resource limits."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from circuitnn.cli import main
from circuitnn.errors import CircuitError
from circuitnn.read import load_circuit
from circuitnn.run.vector_files import read_csv

BAD = Path(__file__).parent / "bad"
SYNTH = "run 'synth -flatten; abc -g AND,NAND,OR,NOR,XOR,XNOR,MUX; opt_clean' first"
YOSYS = "give a file written by Yosys 'write_json'"

NETLISTS = {
    # ISCAS .bench
    "bench_bad_input.bench": "bench_bad_input.bench:4: gate 'y' has a bad input ''; list signal names separated by commas, e.g. y = AND(a, b)",
    "bench_dff.bench": "bench_dff.bench:4: flip-flop 'q': DFF takes 1 input (the value it loads at each clock edge), got 2 (d, a)",
    "bench_driven_twice.bench": "bench_driven_twice.bench:5: net 'y' has two drivers: gate 'y' (line 4) and gate 'y_2'; a net has exactly one driver",
    "bench_mux_arity.bench": "bench_mux_arity.bench:4: gate 'y': MUX takes 3 inputs (select, when-1, when-0), got 2",
    "bench_not_arity.bench": "bench_not_arity.bench:4: gate 'y': NOT takes 1 input, got 2 (a, b)",
    "bench_syntax.bench": "bench_syntax.bench:3: cannot read 'y := NOT(a)'; a .bench line is INPUT(name), OUTPUT(name) or name = TYPE(input, input, ...)",
    "bench_undriven.bench": "bench_undriven.bench:4: circuit 'bench_undriven': net 't' is read but nothing drives it; drive it from a gate output or an input",
    "bench_unknown_gate.bench": "bench_unknown_gate.bench:4: gate 'y' has unknown type 'NAN'; .bench gate types are AND, NAND, OR, NOR, XOR, XNOR, NOT, BUF (BUFF), MUX",
    # BLIF
    "blif_bad_row.blif": "blif_bad_row.blif:5: cover row '1 1': the input plane must be 2 characters from 0, 1, - (one per input)",
    "blif_gate.blif": "blif_gate.blif:4: not supported: .gate nand2 (a cell of a technology library); write the logic as .names covers, e.g. with ABC or Yosys without a liberty file",
    "blif_latch.blif": "blif_latch.blif:4: .latch type 'ah' (a level-sensitive latch, active high) is not supported; circuitnn simulates rising-edge flip-flops on one clock (type 're', or no type for the global clock)",
    "blif_mixed_phase.blif": "blif_mixed_phase.blif:4: .names 'y' mixes on-set rows (output 1, line 5) and off-set rows (output 0, line 6); a cover lists one phase only (SOP has cubes in both phases)",
    "blif_no_model.blif": "blif_no_model.blif:1: no .model in the file; a BLIF netlist needs one",
    "blif_two_drivers.blif": "blif_two_drivers.blif:6: net 'y' has two drivers: gate 'y' (line 4) and gate 'y_2'; a net has exactly one driver",
    "blif_unknown_subckt.blif": "blif_unknown_subckt.blif:4: .subckt 'inv': no such model in the file; models are m",
    # Yosys JSON
    "json_bad_shape.json": f"json_bad_shape.json:6: module 'm': port 'y' 'bits' is 3; expected a list of bits ({YOSYS})",
    "json_dff.json": "json_dff.json:10: cell 'ff' ($_DFF_N_): not supported: a falling-edge flip-flop; circuitnn simulates rising-edge flip-flops on one clock",
    "json_no_modules.json": f"json_no_modules.json:1: no 'modules' mapping; {YOSYS}",
    "json_syntax.json": f"json_syntax.json:4: not valid JSON: Expecting property name enclosed in double quotes; {YOSYS}",
    "json_tristate.json": "json_tristate.json:9: module 'm': constant bit 'z' (high impedance) is not supported; circuitnn has no tri-state logic",
    "json_word_cell.json": f"json_word_cell.json:10: cell '$add$add.v:3$1' ($add): $add: word-level or unsupported cell; {SYNTH}",
}

#: vector files, read for vectors_circuit.bench (inputs a[2], b)
VECTORS = {
    "vectors_bad_value.csv": "vectors_bad_value.csv:3: column 'b': 'x' is not a whole number; write decimal, 0b... or 0x...",
    "vectors_negative.csv": "vectors_negative.csv:2: column 'b': -1 is negative; values are 0 or more",
    "vectors_no_rows.csv": "vectors_no_rows.csv:1: has a header but no rows of values",
    "vectors_not_utf8.csv": "vectors_not_utf8.csv: is not UTF-8 text; save the vectors as UTF-8",
    "vectors_short_row.csv": "vectors_short_row.csv:3: row has 1 value; the header has 2",
    "vectors_too_wide.csv": "vectors_too_wide.csv:3: value 4 does not fit input 'a' (2 bits: 0 to 3)",
    "vectors_unknown_column.csv": "vectors_unknown_column.csv:1: column 'c' is not an input of 'vectors_circuit'; the header should be a,b",
}

#: valid circuits the CLI cases use
HELPERS = {"vectors_circuit.bench", "too_many_inputs.bench"}


def test_every_bad_file_is_pinned():
    files = {p.name for p in BAD.iterdir() if p.suffix in (".bench", ".blif", ".json", ".csv")}
    assert files == set(NETLISTS) | set(VECTORS) | HELPERS


@pytest.mark.parametrize("name", sorted(NETLISTS))
def test_netlist_message(name, monkeypatch):
    monkeypatch.chdir(BAD)
    with pytest.raises(CircuitError, match=f"^{re.escape(NETLISTS[name])}$") as info:
        load_circuit(name)
    assert info.value.loc is not None and info.value.loc.file == name


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_vector_file_message(name, monkeypatch):
    monkeypatch.chdir(BAD)
    circuit = load_circuit("vectors_circuit.bench")
    with pytest.raises(CircuitError, match=f"^{re.escape(VECTORS[name])}$"):
        read_csv(name, circuit)


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_vector_file_cli(name, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(BAD)
    # the vectors are read before any net is trained or loaded
    assert main(["run", "vectors_circuit.bench", "--vectors", name, "--store",
                 str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"error: {VECTORS[name]}\n"


# ------------------------------------------------------------ CLI usage
def test_too_many_input_bits_for_a_full_truth_table(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(BAD)
    assert main(["run", "too_many_inputs.bench", "--store", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == ("error: 'too_many_inputs' has 17 input bits, too many for a full truth "
                   "table (at most 16); give --set NAME=VALUE, --vectors FILE.csv or "
                   "--random N\n")


@pytest.mark.parametrize("argv, message", [
    (["--set", "a"], "--set 'a': write NAME=VALUE, e.g. --set a=5"),
    (["--set", "a=1", "--random", "3"], "give one of --set, --vectors and --random, not --set and --random"),
    (["--set", "a=x", "--set", "b=0"], "--set a: 'x' is not a whole number; write decimal, 0b... or 0x..."),
    (["--set", "a=9", "--set", "b=0"], "value 9 does not fit input 'a' (2 bits: 0 to 3)"),
    (["--random", "0"], "--random needs a positive count, got 0"),
    (["--random", str(10**12)], "--random 1000000000000: 3,000,000,000,000 input bits do not fit in memory; give at most 1,431,655,765 vectors of 3 bits at once"),
])
def test_cli_usage_errors(argv, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(BAD)
    assert main(["run", "vectors_circuit.bench", *argv, "--store", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"error: {message}\n"


def test_unknown_extension(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("c.vhd").write_text("entity m is end;\n")
    assert main(["info", "c.vhd", "--store", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("error: c.vhd: cannot tell the format from the extension '.vhd'; ")


# ------------------------------------------------------- resource limits
def _refused(tmp_path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    with pytest.raises(CircuitError) as info:
        load_circuit(path)
    assert info.value.loc is not None and info.value.loc.file == str(path)
    return str(info.value)[len(str(path)):]


@pytest.mark.parametrize("text", ["[" * 10_000 + "]" * 10_000,
                                  "{a: " * 10_000 + "1" + "}" * 10_000,
                                  "".join("  " * k + "- \n" for k in range(1000))])
def test_yaml_nesting(tmp_path, text, yaml_loader):
    msg = _refused(tmp_path, "deep.yaml", text)
    assert re.fullmatch(r":\d+: YAML nesting is deeper than 100 levels; a netlist needs a few",
                        msg)


def test_yaml_control_character(tmp_path, yaml_loader):
    assert _refused(tmp_path, "c.yaml", "inputs: [a]\noutputs: [\x07y]\n") == (
        ":2: character U+0007 is not allowed in YAML (a control character); remove it")


def test_yaml_top_must_be_a_name(tmp_path, yaml_loader):
    assert _refused(tmp_path, "t.yaml", "circuits: {m: {inputs: [a], outputs: [y], "
                    "assign: {y: a}}}\ntop: [m]\n") == ":2: 'top' is ['m']; it names one circuit"


@pytest.mark.parametrize("ref", ["t[999999999999]", "t[1000000000:0]"])
def test_huge_bit_index_is_refused_quickly(tmp_path, ref):
    msg = _refused(tmp_path, "b.yaml", f"inputs: [a]\noutputs: [y]\nassign: {{y: a, '{ref}': 0}}\n")
    assert re.fullmatch(r":3: circuit 'b': bit \d+ of net 't' is out of range; a net has at "
                        r"most 1048576 bits \(0 to 1048575\)", msg)


def test_huge_numbers(tmp_path, yaml_loader):
    assert _refused(tmp_path, "w.yaml", "inputs: {a: 1000000000}\noutputs: [y]\n") == (
        ":1: input 'a' of circuit 'w' has width 1000000000; use a whole number from 1 to 1048576")
    assert _refused(tmp_path, "d.yaml", "inputs: [a]\noutputs: [y]\nassign: {y: " + "9" * 5000
                    + "}\n") == (":3: a number has more than 4300 decimal digits; write wide "
                                 "constants in hex (0x...)")
    assert _refused(tmp_path, "h.yaml", "inputs: [a]\noutputs: [y]\nassign: {y: 0x" + "f" * 1000
                    + "}\n") == (":3: assign source: constant 0xffffffff...ffffffff (4000 bits) "
                                 "does not fit in 1 bit")
    assert _refused(tmp_path, "r.yaml", "inputs: [a]\noutputs: [y]\ngates:\n  - {name: g, "
                    "type: BUF, repeat: 1000000000000, in: a, out: y}\n") == (
        ":4: gate 'g': 'repeat' is 1000000000000; use a whole number from 1 to 1000000")


def test_deep_hierarchy_chain(tmp_path):
    """300 distinct modules, each instantiating the next: refused at depth 200
    with a short message (3000 must not exhaust Python's stack either)."""
    for n in (300, 3000):
        text = "".join(f".model m{k}\n.inputs a\n.outputs y\n"
                       + (f".subckt m{k + 1} a=a y=y\n" if k < n - 1 else ".names a y\n1 1\n")
                       + ".end\n" for k in range(n))
        msg = _refused(tmp_path, f"chain{n}.blif", text)
        assert msg == (":1006: hierarchy deeper than 200 levels (at 'u0_m1.u0_m2.u0_m3 ... "
                       "u0_m200.u0_m201', circuit 'm201'); flatten some levels")


def test_json_nesting_and_big_numbers(tmp_path):
    assert _refused(tmp_path, "d.json", "[" * 100_000 + "]" * 100_000) == (
        f": JSON nesting is too deep; {YOSYS}")
    assert _refused(tmp_path, "n.json", '{"modules": {"m": {"ports": {"a": {"direction": '
                    '"input", "bits": [' + "9" * 5000 + ']}}}}}') == (
        f": not valid JSON: a number has more than 4300 digits; {YOSYS}")


def test_gigantic_fan_in_is_decomposed(tmp_path):
    n = 10_000
    bench = tmp_path / "wide.bench"
    bench.write_text("".join(f"INPUT(i{k})\n" for k in range(n)) + "OUTPUT(y)\nOUTPUT(z)\n"
                     + f"y = AND({', '.join(f'i{k}' for k in range(n))})\n"
                     + f"z = XOR({', '.join(f'i{k}' for k in range(n))})\n")
    c = load_circuit(bench)
    assert c.n_input_bits == n and len(c.gates) > n // 9
    ins = " ".join(f"i{k}" for k in range(100))
    cubes = "".join("".join("01-"[(k * 7 + j * 3) % 3] for k in range(100)) + " 1\n"
                    for j in range(50))
    blif = tmp_path / "wide.blif"
    blif.write_text(f".model m\n.inputs {ins}\n.outputs y\n.names {ins} y\n{cubes}.end\n")
    c = load_circuit(blif)
    assert all(len(g.inputs) <= 10 for g in c.gates)


def test_csv_hostile_rows(tmp_path, monkeypatch):
    monkeypatch.chdir(BAD)
    circuit = load_circuit("vectors_circuit.bench")
    f = tmp_path / "v.csv"
    f.write_bytes(b"a,b\n1,1," + b"1" * 200_000 + b"\n")
    with pytest.raises(CircuitError, match=r"v\.csv:2: cannot read the row: field larger than "
                                           r"field limit \(131072\)$"):
        read_csv(str(f), circuit)
    f.write_bytes(b"\xef\xbb\xbfa,b\r3,1\r")  # a BOM and CR line ends are fine
    assert read_csv(str(f), circuit).tolist() == [[1], [1], [1]]


def test_long_white_space_inside_a_name(tmp_path, yaml_loader):
    """parse_expr's pattern used to backtrack quadratically: 'i' + 200,000
    spaces + '0' took five minutes (now linear: a fraction of a second)."""
    msg = _refused(tmp_path, "s.yaml", "inputs: [i0]\noutputs: [y]\nassign: {y: 'i"
                   + " " * 200_000 + "0'}\n")
    assert msg.startswith(":3: source 'i     ")
    assert msg.endswith("0' is not a net; write a name like 'a', 'a[3]' or 'a[7:4]', "
                        "or a constant 0 or 1")


def test_json_null_sections(tmp_path):
    path = tmp_path / "n.json"
    path.write_text('{"modules": {"m": {"ports": null, "cells": null, "netnames": null}}}')
    assert load_circuit(path).n_input_bits == 0
    assert _refused(tmp_path, "b.json", '{"modules": {"m": {"ports": {"a": {"direction": '
                    '"input", "bits": null}}}}}') == (
        f": module 'm': port 'a' 'bits' is null; expected a list of bits ({YOSYS})")
