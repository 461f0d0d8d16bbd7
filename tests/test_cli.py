"""The circuitnn command, end to end: output shapes, options, exit codes."""

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from circuitnn.cli import main

ROOT = Path(__file__).resolve().parent.parent
CIRCUITS = sorted((ROOT / "circuits").glob("*.yaml"))


@pytest.fixture
def cli(cli, monkeypatch):
    """The CLI (tests/conftest.py), run from the repository's root."""
    monkeypatch.chdir(ROOT)
    return cli


def test_quickstart_prints_the_half_adder_truth_table(cli):
    code, out, err = cli("run", "circuits/half_adder.yaml")
    assert code == 0 and err == ""
    assert out == (
        "a  b | sum  carry\n"
        "-----+-----------\n"
        "0  0 |   0      0\n"
        "0  1 |   1      0\n"
        "1  0 |   1      0\n"
        "1  1 |   0      1\n"
    )


def test_quickstart_in_a_fresh_process_with_an_empty_store(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "circuitnn", "run", "circuits/half_adder.yaml"],
        cwd=ROOT, capture_output=True, text=True, check=False,
        env={**__import__("os").environ, "CIRCUITNN_STORE": str(tmp_path / "empty")},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[2:] == ["0  0 |   0      0", "0  1 |   1      0",
                                            "1  0 |   1      0", "1  1 |   0      1"]


def test_32_bit_adder_csv_on_10000_random_vectors(cli):
    code, out, _ = cli("run", "circuits/ripple_carry_adder_32.yaml", "--random", "10000",
                       "--format", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["a", "b", "cin", "sum", "cout"]
    assert len(rows) == 10_001
    for a, b, cin, s, cout in rows[1:]:
        assert int(s) + (int(cout) << 32) == int(a) + int(b) + int(cin)


def test_set_values_in_any_base(cli):
    code, out, _ = cli("run", "circuits/ripple_carry_adder_8.yaml", "--set", "a=100",
                       "--set", "b=0x1f", "--set", "cin=0b1", "--format", "csv")
    assert code == 0
    assert out == "a,b,cin,sum,cout\n100,31,1,132,0\n"


def test_vectors_from_a_file_and_from_stdin(cli, tmp_path):
    f = tmp_path / "v.csv"
    f.write_text("a,b,cin\n1,2,0\n255,255,1\n")
    code, out, _ = cli("run", "circuits/ripple_carry_adder_8.yaml", "--vectors", str(f),
                       "--format", "csv")
    assert code == 0 and out == "a,b,cin,sum,cout\n1,2,0,3,0\n255,255,1,255,1\n"
    code, out2, _ = cli("run", "circuits/ripple_carry_adder_8.yaml", "--vectors", "-",
                        "--format", "csv", stdin=f.read_text())
    assert code == 0 and out2 == out


def test_json_has_confidences(cli):
    code, out, _ = cli("run", "circuits/half_adder_learned.yaml", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["engine"] == "neural (analog)"
    assert len(doc["rows"]) == 4
    last = doc["rows"][3]
    assert last["inputs"] == {"a": 1, "b": 1} and last["outputs"] == {"sum": 0, "carry": 1}
    assert all(0.4 < c <= 0.5 for c in last["confidence"].values())


def test_digital_mode_gives_the_same_bits(cli):
    _, analog, _ = cli("run", "circuits/comparator_4.yaml", "--format", "csv")
    code, digital, _ = cli("run", "circuits/comparator_4.yaml", "--format", "csv",
                           "--mode", "digital")
    assert code == 0 and digital == analog


def test_wide_circuit_without_vectors_is_refused(cli):
    code, out, err = cli("run", "circuits/ripple_carry_adder_32.yaml")
    assert code == 2 and out == ""
    assert err == ("error: 'ripple_carry_adder_32' has 65 input bits, too many for a full "
                   "truth table (at most 16); give --set NAME=VALUE, --vectors FILE.csv or "
                   "--random N\n")


@pytest.mark.parametrize("path", CIRCUITS, ids=lambda p: p.stem)
def test_verify_passes_for_every_example(cli, path):
    code, out, _ = cli("verify", str(path.relative_to(ROOT)))
    assert code == 0, out
    assert "mismatches: 0" in out and out.rstrip().endswith("OK")
    assert re.search(r"smallest output margin: 0\.4\d+", out)


def test_embedded_tests_pass_and_a_wrong_expectation_fails(cli, tmp_path):
    code, out, _ = cli("test", "circuits")
    assert code == 0 and out.rstrip().endswith("47 passed, 0 failed")
    bad = tmp_path / "bad.yaml"
    bad.write_text("inputs: [a, b]\noutputs: [y]\n"
                   "gates: [{name: g, type: AND, in: [a, b], out: y}]\n"
                   "tests:\n  - {a: 1, b: 1, y: 1}\n  - {a: 1, b: 0, y: 1}\n")
    code, out, _ = cli("test", str(bad))
    assert code == 1
    assert f"FAIL {bad}:6: expected y=1, got y=0" in out
    assert out.rstrip().endswith("1 passed, 1 failed")


def test_a_failing_test_on_a_wide_bus_is_a_message(cli, tmp_path):
    # Python will not print an int of more than 4300 digits: these values have
    # 6,021; the message abbreviates them and names the bits that differ
    w = 20_000
    ones, flipped = (1 << w) - 1, ((1 << w) - 1) ^ (1 << 7000)
    bad = tmp_path / "wide.yaml"
    bad.write_text(f"inputs: ['a[{w}]']\noutputs: ['y[{w}]']\n"
                   "gates: [{name: g, type: NOT, in: a, out: y}]\n"
                   f"tests:\n  - {{a: 0, y: {hex(ones)}}}\n  - {{a: 0, y: {hex(flipped)}}}\n"
                   f"  - {{a: {hex(1 << w)}, y: 0}}\n")
    code, out, _ = cli("test", str(bad))
    assert code == 2, out
    assert out.splitlines() == [
        f"ERROR {bad}:7: test value 0x10000000...00000000 (20001 bits) for 'a' does not fit "
        "its 20000 bits",
        f"FAIL {bad}:6: expected y=0xffffffff...ffffffff (20000 bits), got "
        "y=0xffffffff...ffffffff (20000 bits), differing in bit 7000",
        f"{bad}: 3 test vectors checked", "1 passed, 1 failed, 1 error"]
    # the same, one clock cycle at a time
    seq = tmp_path / "wide_seq.yaml"
    seq.write_text(f"inputs: ['a[{w}]']\noutputs: ['y[{w}]']\nwires: ['n[{w}]']\n"
                   "gates: [{name: g, type: NOT, in: a, out: n},"
                   " {name: r, type: DFF, in: n, out: y}]\n"
                   f"tests:\n  - cycles:\n    - {{a: 0, y: 0}}\n    - {{y: {hex(flipped)}}}\n")
    code, out, _ = cli("test", str(seq))
    assert code == 1, out
    assert (f"FAIL {seq}:8: cycle 1: expected y=0xffffffff...ffffffff (20000 bits), got "
            "y=0xffffffff...ffffffff (20000 bits), differing in bit 7000") in out


def test_info_train_and_models(cli, tmp_path):
    code, out, _ = cli("info", "circuits/full_adder.yaml")
    assert code == 0
    assert "gates: 5   depth: 3" in out and "inputs: a, b, cin  (3 bits)" in out
    assert re.search(r"XOR2\s+2\s+2->1\s+trained 2-\d+-1, max_err=\S+, certified at delta=0.1",
                     out)
    code, out, _ = cli("train", "circuits/mux4.yaml")
    assert code == 0 and "GateNet(MUX2 3-" in out
    code, out, _ = cli("models")
    assert code == 0 and re.search(r"MUX2\s+3-\d+-1\s+max_err=\S+\s+delta=0.1", out)


def test_models_clear_empties_the_store(tmp_path, capsys):
    store = str(tmp_path / "s")
    assert main(["train", "circuits/half_adder.yaml", "--store", store]) == 0
    capsys.readouterr()
    assert main(["models", "--clear", "--store", store]) == 0
    assert capsys.readouterr().out.startswith("removed 2 models")
    assert main(["models", "--store", store]) == 0
    assert capsys.readouterr().out.startswith("0 models")


@pytest.mark.parametrize("args, message", [
    (["run", "circuits/half_adder.yaml", "--set", "a"],
     "error: --set 'a': write NAME=VALUE, e.g. --set a=5\n"),
    (["run", "circuits/half_adder.yaml", "--set", "a=2", "--set", "b=0"],
     "error: value 2 does not fit input 'a' (1 bit: 0 to 1)\n"),
    (["run", "circuits/half_adder.yaml", "--set", "a=x1", "--set", "b=0"],
     "error: --set a: 'x1' is not a whole number; write decimal, 0b... or 0x...\n"),
    (["run", "circuits/half_adder.yaml", "--random", "3", "--set", "a=1"],
     "error: give one of --set, --vectors and --random, not --set and --random\n"),
    (["run", "circuits/half_adder.yaml", "--random", "0"],
     "error: --random needs a positive count, got 0\n"),
    (["run", "circuits/nope.yaml"], "error: circuits/nope.yaml: no such file; check the path\n"),
    (["run", "circuits/half_adder.txt"],
     "error: circuits/half_adder.txt: cannot tell the format from the extension '.txt'; "
     "known extensions are .bench, .blif, .json, .sv, .v, .yaml, .yml (or name it with "
     "--from bench|blif|json|verilog|yaml)\n"),
])
def test_usage_errors_exit_2_with_one_message(cli, args, message):
    code, out, err = cli(*args)
    assert (code, out, err) == (2, "", message)


def test_argparse_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as e:
        main(["run"])
    assert e.value.code == 2
    assert "error: the following arguments are required: CIRCUIT" in capsys.readouterr().err


def test_uncertified_results_are_labelled(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    store = str(tmp_path / "loose")
    assert main(["run", "circuits/majority.yaml", "--uncertified", "--store", store,
                 "--format", "json"]) == 0
    out, err = capsys.readouterr()
    doc = json.loads(out)
    # training stops at the tolerance, before AND2's net certifies
    assert doc["nets"] == "uncertified nets: analog results are not guaranteed"
    assert err == "warning: uncertified nets: analog results are not guaranteed\n"
    assert main(["verify", "circuits/majority.yaml", "--uncertified", "--store", store]) == 0
    assert "(|output - 0.5|; no bound: uncertified nets" in capsys.readouterr().out
    assert main(["verify", "circuits/majority.yaml", "--store", store]) == 0
    assert "certified bound: at least 0.4000" in capsys.readouterr().out


def test_bench_reports_the_engines_side_by_side(cli):
    code, out, _ = cli("bench", "circuits/ripple_carry_adder_8.yaml", "--vectors", "2000",
                       "--repeats", "1")
    assert code == 0
    assert out.startswith("ripple_carry_adder_8: 40 gates, depth 17, 2,000 random vectors")
    number = r"\s+\d+\.\d+\s+[\d,]+\s+\d+\.\dx"
    assert re.search(r"neural, fused kernel \(C, analog, float32\)" + number, out)
    assert re.search(r"neural, numpy engine \(analog, float32\)\s+\d+\.\d+\s+[\d,]+\s+1\.0x",
                     out)
    assert re.search(r"exact reference \(truth tables, not neural\)" + number, out)
    assert re.search(r"the kernel's first call \(loading it\) took \d+\.\d\d s", out)
    assert re.search(r"peak RSS: \d+ MiB", out)
