"""The traps a new user hit first (issue 18): each test failed before its fix."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from circuitnn import CircuitError, load_circuit
from circuitnn.read import read_design
from circuitnn.run.session import Session
from circuitnn.run.vector_files import parse_int

ROOT = Path(__file__).resolve().parent.parent
AND = "inputs: [a, b]\noutputs: [y]\ngates: [{name: g, type: AND, in: [a, b], out: y}]\n"


# --------------------------------------------------- circuitnn test
def test_test_compiles_every_named_file_and_reports_each(cli, tmp_path):
    (tmp_path / "good.yaml").write_text(AND + "tests:\n  - {a: 1, b: 1, y: 1}\n")
    (tmp_path / "broken.yaml").write_text(AND.replace("AND,", "ANDD,"))
    shutil.copy(ROOT / "data/benchmarks/iscas85/c17.bench", tmp_path / "c17.bench")
    code, out, _ = cli("test", "good.yaml", "broken.yaml", "c17.bench")
    assert code == 2, out
    assert "ERROR broken.yaml:3: gate 'g' has unknown type 'ANDD'" in out
    assert "note c17.bench: compiles, has no tests" in out
    assert out.splitlines()[-1] == "1 passed, 0 failed, 1 error; 1 file without tests"


def test_test_strict_fails_a_file_without_tests(cli, tmp_path):
    (tmp_path / "plain.yaml").write_text(AND)
    assert cli("test", "plain.yaml")[0] == 0
    code, out, _ = cli("test", "--strict", "plain.yaml")
    assert code == 1
    assert "FAIL plain.yaml: compiles, has no tests" in out
    assert out.splitlines()[-1].endswith("1 file without tests (--strict: failed)")


def test_a_bad_test_vector_is_located_and_the_run_goes_on(cli, tmp_path):
    (tmp_path / "t.yaml").write_text(AND + "tests:\n  - {a: 1, c: 1, y: 1}\n"
                                     "  - {a: 1, b: 0, y: 1}\n  - {a: 1, b: 1, y: 1}\n")
    (tmp_path / "u.yaml").write_text(AND + "tests:\n  - {a: 0, b: 1, y: 0}\n")
    code, out, _ = cli("test", "t.yaml", "u.yaml")
    assert code == 2
    assert "ERROR t.yaml:5: test names 'c', which is not a port of 't'" in out
    assert "FAIL t.yaml:6: expected y=1, got y=0" in out
    assert out.splitlines()[-1] == "2 passed, 1 failed, 1 error"


# --------------------------------------------------- diamond imports
def test_a_file_imported_along_two_paths_is_one_module(tmp_path, store):
    sub = tmp_path / "sub"
    sub.mkdir()
    for name in ("half_adder.yaml", "full_adder.yaml"):
        shutil.copy(ROOT / "circuits" / name, sub / name)
    (tmp_path / "top.yaml").write_text(
        "imports: [sub/full_adder.yaml, ./sub/../sub/half_adder.yaml]\n"
        "name: top\ninputs: [a, b, c]\noutputs: [s, co, hs, hc]\ngates:\n"
        "  - {name: f, type: full_adder, ports: {a: a, b: b, cin: c, sum: s, cout: co}}\n"
        "  - {name: h, type: half_adder, ports: {a: a, b: b, sum: hs, carry: hc}}\n")
    design = read_design(tmp_path / "top.yaml")
    assert sorted(design.modules) == ["full_adder", "half_adder", "top"]
    circuit = load_circuit(tmp_path / "top.yaml")
    assert len(circuit.gates) == 7
    sim = Session.from_store(circuit, store)
    assert sim.reference(a=1, b=1, c=1) == {"s": 1, "co": 1, "hs": 0, "hc": 1}


def test_two_different_circuits_of_one_name_still_clash(tmp_path):
    (tmp_path / "a.yaml").write_text("name: half_adder\n" + AND)
    shutil.copy(ROOT / "circuits/half_adder.yaml", tmp_path / "half_adder.yaml")
    (tmp_path / "top.yaml").write_text("imports: [a.yaml, half_adder.yaml]\nname: top\n"
                                       "inputs: [a]\noutputs: [y]\nassign: {y: a}\n")
    with pytest.raises(CircuitError, match="clashes with a circuit of the same name"):
        read_design(tmp_path / "top.yaml")


# --------------------------------------------------- numbers and YAML 1.1
def test_leading_zeros_are_decimal_in_embedded_tests_set_and_csv(cli, tmp_path):
    (tmp_path / "w.yaml").write_text(
        "name: w\ninputs: {x: 4}\noutputs: {y: 4}\nassign: {y: x}\n"
        "tests:\n  - {x: 010, y: 10}\n  - {x: '07', y: 0b0111}\n")
    code, out, _ = cli("test", "w.yaml")
    assert (code, out.splitlines()[-1]) == (0, "2 passed, 0 failed"), out
    code, out, _ = cli("run", "w.yaml", "--set", "x=012", "--format", "csv")
    assert (code, out) == (0, "x,y\n12,12\n")
    (tmp_path / "v.csv").write_text("x\n07\n0010\n")
    code, out, _ = cli("run", "w.yaml", "--vectors", "v.csv", "--format", "csv")
    assert (code, out) == (0, "x,y\n7,7\n10,10\n")
    assert parse_int("0009", "x") == 9


def test_ports_named_on_off_yes_no_stay_names(tmp_path):
    (tmp_path / "t.yaml").write_text(
        "name: t\ninputs: [on, off]\noutputs: [yes, no]\ngates:\n"
        "  - {name: g, type: AND, in: [on, off], out: yes}\n"
        "  - {name: h, type: OR, in: [on, off], out: no}\n")
    circuit = load_circuit(tmp_path / "t.yaml")
    assert [p.name for p in circuit.inputs] == ["on", "off"]
    assert [p.name for p in circuit.outputs] == ["yes", "no"]


# --------------------------------------------------- the Python API
@pytest.mark.parametrize("value", [1.9, "1", ["1", "0"], [0.5, 1.0], np.float32(0.25)],
                         ids=repr)
def test_the_api_refuses_fractions_and_text(store, value):
    sim = Session.from_store(load_circuit(ROOT / "circuits/half_adder.yaml"), store)
    with pytest.raises(CircuitError, match=r"input 'a' has (the value|values of type) .*, "
                       r"which (is|are) not (a |whole )*numbers?"):
        sim(a=value, b=1)
    with pytest.raises(CircuitError, match=r"test_user_traps\.py:\d+: input 'a'"):
        sim.reference(a=value, b=1)


def test_the_api_still_takes_ints_and_whole_floats(store):
    sim = Session.from_store(load_circuit(ROOT / "circuits/half_adder.yaml"), store)
    assert sim(a=1, b=np.int64(1)) == {"sum": 0, "carry": 1}
    assert sim(a=1.0, b=0) == {"sum": 1, "carry": 0}
    assert sim(a=[0, 1, True], b=1)["sum"].tolist() == [1, 0, 0]
