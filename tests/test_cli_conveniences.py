"""``run --radix``, ``--set`` sweeping the rest, ``run --check`` and the
examples in every command's ``--help`` (issue 18)."""

import re
import shlex
from pathlib import Path

import pytest

from circuitnn.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
RCA4 = str(ROOT / "circuits/ripple_carry_adder_4.yaml")


def _table_rows(out):
    return [re.split(r"\s+\|?\s*", ln.strip()) for ln in out.splitlines()[2:]]


@pytest.mark.parametrize("radix,fmt", [("bin", "{:#06b}"), ("hex", "{:#03x}")])
def test_radix_writes_every_number_in_that_base(cli, radix, fmt):
    code, out, _ = cli("run", RCA4, "--random", "40", "--radix", radix)
    assert code == 0
    rows = _table_rows(out)
    assert len(rows) == 40
    for row in rows:
        a, b, cin, s, cout = (int(v, 0) for v in row)
        assert (s + 16 * cout) == a + b + cin
        assert row[0] == fmt.format(a) and row[3] == fmt.format(s)
        assert row[2] == f"{'0b' if radix == 'bin' else '0x'}{cin}"
    code, out, _ = cli("run", RCA4, "--set", "a=1", "--set", "b=2", "--set", "cin=0",
                       "--radix", radix, "--format", "csv")
    assert out.splitlines()[1].split(",")[3] == fmt.format(3)


def test_radix_is_refused_for_json(cli):
    code, _, err = cli("run", RCA4, "--random", "2", "--radix", "hex", "--format", "json")
    assert code == 2 and "--radix hex is for table and csv output" in err


def test_set_sweeps_the_inputs_it_leaves_out(cli):
    code, out, _ = cli("run", RCA4, "--set", "a=0b1011", "--set", "cin=1", "--format", "csv")
    assert code == 0
    rows = [list(map(int, r.split(","))) for r in out.splitlines()[1:]]
    assert [r[1] for r in rows] == list(range(16))
    for a, b, cin, s, cout in rows:
        assert (a, cin) == (11, 1) and s + 16 * cout == a + b + cin


def test_set_refuses_a_sweep_of_more_than_16_bits(cli):
    code, out, err = cli("run", str(ROOT / "circuits/ripple_carry_adder_32.yaml"),
                         "--set", "cin=1")
    assert (code, out) == (2, "")
    assert err == ("error: --set leaves a (32 bits), b (32 bits) free: 64 bits, more than "
                   "the 16 a sweep covers; --set them too, or use --random N\n")


def test_check_passes_a_golden_file_and_fails_a_changed_one(cli, tmp_path):
    code, golden, _ = cli("run", RCA4, "--random", "200", "--format", "csv")
    lines = golden.splitlines()
    for line in lines[1:]:
        a, b, cin, s, cout = map(int, line.split(","))
        assert s + 16 * cout == a + b + cin  # the golden file is right (Python's +)
    (tmp_path / "golden.csv").write_text(golden)
    code, out, _ = cli("run", RCA4, "--check", "golden.csv")
    assert code == 0 and out == "golden.csv: 200 vectors match (sum, cout; neural, analog)\n"
    a, b, cin, s, cout = map(int, lines[7].split(","))
    lines[7] = f"{a},{b},{cin},{(s + 1) % 16},{cout}"
    (tmp_path / "bad.csv").write_text("\n".join(lines) + "\n")
    code, out, _ = cli("run", RCA4, "--check", "bad.csv")
    assert code == 1
    assert out.splitlines() == [
        f"row 7: a={a} b={b} cin={cin}: sum expected {(s + 1) % 16}, got {s}",
        "bad.csv: 1 of 200 vectors differ (sum, cout; neural, analog)"]


def test_check_with_only_some_outputs_and_bad_files(cli, tmp_path):
    (tmp_path / "cout.csv").write_text("a,b,cin,cout\n15,1,0,1\n3,4,0,0\n")
    assert cli("run", RCA4, "--check", "cout.csv")[0] == 0
    (tmp_path / "none.csv").write_text("a,b,cin\n1,1,0\n")
    code, _, err = cli("run", RCA4, "--check", "none.csv")
    assert code == 2 and err.startswith("error: none.csv: names no output of")
    code, _, err = cli("run", RCA4, "--check", "cout.csv", "--random", "3")
    assert code == 2 and "drop --random" in err
    (tmp_path / "extra.csv").write_text("a,b,cin,cout,note\n15,1,0,1,7\n")
    code, _, err = cli("run", RCA4, "--check", "extra.csv")  # not "an input": cout is named
    assert (code, err) == (2, "error: extra.csv:1: column 'note' is not a port of "
                              "'ripple_carry_adder_4'; the header should be a,b,cin,cout\n")


def test_every_command_has_examples_that_parse():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, command in sub.choices.items():
        text = command.format_help()
        assert "\nexamples:\n" in text, name
        examples = [ln.strip() for ln in text.split("\nexamples:\n")[1].splitlines()
                    if ln.strip().startswith("circuitnn ")]
        assert examples, name
        for ex in examples:
            argv = shlex.split(re.split(r"\s{2,}", ex)[0])[1:]
            assert argv[0] == name
            parser.parse_args(argv)  # every flag shown exists
            # a command line naming the command builds its parser alone: the same one
            alone = build_parser(name)
            assert vars(alone.parse_args(argv)) == vars(parser.parse_args(argv)), ex
        alone = next(a for a in build_parser(name)._actions if a.dest == "command")
        assert name in alone.choices and len(alone.choices) <= 2  # convert comes with graph
        assert alone.choices[name].format_help() == text, name
