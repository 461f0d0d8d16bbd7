# ruff: noqa: E501
"""The error catalogue: one netlist under tests/bad/ per kind of mistake, each
with its exact message pinned, and the CLI contract for them (exit code 2, one
message on stderr, no traceback)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_bad_formats import NETLISTS

from circuitnn.cli import main
from circuitnn.compile import CircuitWarning
from circuitnn.errors import CircuitError
from circuitnn.read import load_circuit

BAD = Path(__file__).parent / "bad"

EXPECTED = {
    'alias_bomb.yaml': "alias_bomb.yaml:10: more than 64 YAML aliases; alias expansion is limited to keep hostile files small (write the netlist out, or use 'repeat')",
    'bad_expr.yaml': "bad_expr.yaml:2: primitive 'F': cannot parse expression 'a & (b |': it ends too early; use names, 0, 1, ~, &, ^, | and parentheses",
    'bad_truth_table.yaml': "bad_truth_table.yaml:2: primitive 'HALF': truth table: row 3 repeats inputs 01; each combination must appear once",
    'bit_out_of_range.yaml': "bit_out_of_range.yaml:4: gate 'g1' input: bit 4 of 'a' is out of range; 'a' has bits 0 to 3",
    'constant_output.yaml': "\n".join([
        "constant_output.yaml:4: gate 'g1' drives the constant 1; outputs must go to nets",
        "constant_output.yaml:2: circuit 'constant_output': output 'y' is never driven; connect it to a gate output",
        '2 problems found',
    ]),
    'duplicate_key.yaml': "duplicate_key.yaml:3: key 'outputs' appears twice in one mapping (first on line 2); each key may appear once",
    'duplicate_names.yaml': "\n".join([
        "duplicate_names.yaml:1: circuit 'duplicate_names': name 'a' is declared twice (first on line 1)",
        "duplicate_names.yaml:5: circuit 'duplicate_names': gate name 'g1' is used twice (first on line 4); instance names must be unique",
        '2 problems found',
    ]),
    'empty.yaml': 'empty.yaml:1: the file is empty; a netlist needs at least a circuit',
    'fanin_out_of_range.yaml': "fanin_out_of_range.yaml:4: gate 'wide' (MUX2) has 4 inputs; it takes 3 (s, a, b)",
    'import_cycle_a.yaml': "import_cycle_b.yaml:1: import 'import_cycle_a.yaml': import cycle: import_cycle_a.yaml -> import_cycle_b.yaml -> import_cycle_a.yaml; a file cannot import itself, even through others",
    'loop.yaml': 'loop.yaml:6: combinational loop: g3 -> g1 -> g2 -> g3; a circuit must be acyclic (break the loop or add an input)',
    'missing_port.yaml': "\n".join([
        "missing_port.yaml:5: gate 'ha': circuit 'half_adder' has no port 'cary' (did you mean 'carry'?); its ports are a, b, sum, carry",
        "missing_port.yaml:5: gate 'ha': input 'b' of circuit 'half_adder' is not connected",
        '2 problems found',
    ]),
    'not_a_mapping.yaml': "not_a_mapping.yaml:1: the file holds a list; a netlist is a mapping with keys such as 'inputs', 'outputs' and 'gates'",
    'not_utf8.yaml': 'not_utf8.yaml:4: is not UTF-8 text; save the netlist as UTF-8',
    'output_undriven.yaml': "output_undriven.yaml:2: circuit 'output_undriven': output 'z' is never driven; connect it to a gate output",
    'recursive.yaml': "recursive.yaml:2: circuit 'inner' contains itself: inner -> inner; hierarchy must not be recursive",
    'syntax_error.yaml': "syntax_error.yaml:2: YAML syntax error: expected ',' or ']', but got ':'",
    'two_drivers.yaml': "two_drivers.yaml:5: net 'y' has two drivers: gate 'g1' (line 4) and gate 'g2'; a net has exactly one driver",
    'undriven_net.yaml': "undriven_net.yaml:4: circuit 'undriven_net': net 't' is read but nothing drives it; drive it from a gate output or an input",
    'unknown_key.yaml': "unknown_key.yaml:4: gate has unknown key 'inputs'; known keys are name, type, in, out, ports, repeat, chain, description",
    'unknown_type.yaml': "unknown_type.yaml:4: gate 'g1' has unknown type 'XNR' (did you mean 'XNOR'?); known types are BUF, NOT, AND, OR, NAND, NOR, XOR, XNOR, MUX2, MAJ3",
    'width_mismatch.yaml': "width_mismatch.yaml:12: gate 'u1': port 'a' of 'add2' is 2 bits wide, but 'a' is 4",
    'wrong_connections.yaml': "\n".join([
        "wrong_connections.yaml:4: gate 'g1' (XOR2) has 3 inputs; it takes 2 (a, b)",
        "wrong_connections.yaml:5: gate 'g2' (NOT) has 2 outputs; it gives 1 (y)",
        '2 problems found',
    ]),
}
EXPECTED["import_cycle_b.yaml"] = (
    "import_cycle_a.yaml:1: import 'import_cycle_b.yaml': import cycle: import_cycle_b.yaml -> "
    "import_cycle_a.yaml -> import_cycle_b.yaml; a file cannot import itself, even through others"
)


def test_every_bad_file_is_pinned():
    assert sorted([*EXPECTED, "unused_input.yaml"]) == sorted(p.name for p in BAD.glob("*.yaml"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_message(name, monkeypatch, yaml_loader):
    monkeypatch.chdir(BAD)
    with pytest.raises(CircuitError, match=f"^{re.escape(EXPECTED[name])}$"):
        load_circuit(name)


def test_unused_input_is_a_warning_returned_with_the_circuit(monkeypatch, recwarn):
    # compiling has no side effect: the warning comes back in Circuit.warnings
    monkeypatch.chdir(BAD)
    circuit = load_circuit("unused_input.yaml")
    assert [str(w) for w in circuit.warnings] == [
        "unused_input.yaml:2: circuit 'unused_input': input 'c' is never used"]
    assert [p.name for p in circuit.inputs] == ["a", "b", "c"]
    assert not recwarn.list


def test_cli_prints_the_warnings_and_leaves_the_warnings_module_alone(monkeypatch, capsys,
                                                                      tmp_path):
    import warnings

    monkeypatch.chdir(BAD)
    hook, filters = warnings.showwarning, list(warnings.filters)
    assert main(["info", "unused_input.yaml", "--store", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert err == ("warning: unused_input.yaml:2: circuit 'unused_input': input 'c' is never "
                   "used\n")
    assert warnings.showwarning is hook and warnings.filters == filters


def test_python_api_warns_at_the_users_line():
    from circuitnn.hdl import Builder

    b = Builder("t")
    x, _ = b.input("x"), b.input("unused")
    line = sys._getframe().f_lineno - 1
    b.output("y", ~x)
    with pytest.warns(CircuitWarning, match=r"^circuit 't': input 'unused' is never used$"
                      ) as record:
        b.compile()
    assert [(Path(w.filename).name, w.lineno) for w in record] == [("test_bad_inputs.py",
                                                                     line)]


@pytest.mark.parametrize("name", sorted(EXPECTED) + sorted(NETLISTS))
def test_cli_exit_code_and_single_message(name, tmp_path, monkeypatch, capsys):
    # the YAML catalogue here and the other formats' (test_bad_formats.py)
    monkeypatch.chdir(BAD)
    assert main(["info", name, "--store", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"error: {EXPECTED.get(name) or NETLISTS[name]}\n"


def test_cli_in_a_real_process_has_no_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "circuitnn", "run", "loop.yaml", "--store", str(tmp_path)],
        cwd=BAD, capture_output=True, text=True,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == f"error: {EXPECTED['loop.yaml']}\n"
