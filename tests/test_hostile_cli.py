"""Hostile command lines and API calls (hostile3): each test failed before its fix."""

import pytest

from circuitnn.nn.settings import TrainSettings, with_options

AND = "inputs: [a, b]\noutputs: [y]\ngates: [{name: g, type: AND, in: [a, b], out: y}]\n"


@pytest.mark.parametrize("args, option", [
    (["run", "c.yaml", "--check", ""], "--check"),
    (["run", "c.yaml", "--vectors", ""], "--vectors"),
    (["run", "c.yaml", "--random", "2", "--output", ""], "--output/-o"),
    (["equiv", "c.yaml", "c.yaml", "--map", ""], "--map"),
    (["run", "c.yaml", "--format", ""], "--format"),
])
def test_an_empty_option_value_is_refused_not_read_as_absent(cli, tmp_path, capsys, args,
                                                             option):
    # `--check "$GOLDEN"` with the variable unset used to skip the check and exit 0
    (tmp_path / "c.yaml").write_text(AND)
    with pytest.raises(SystemExit) as e:
        cli(*args)
    err = capsys.readouterr().err
    assert e.value.code == 2
    assert f"error: argument {option}: the value is empty; give " in err.splitlines()[-1]


def test_chunk_must_be_a_positive_count_even_without_a_cluster(cli, tmp_path, capsys):
    (tmp_path / "c.yaml").write_text(AND)
    with pytest.raises(SystemExit) as e:
        cli("run", "c.yaml", "--random", "2", "--chunk", "-5")
    assert e.value.code == 2
    assert "argument --chunk: give a count of at least 1, not -5" in capsys.readouterr().err


@pytest.mark.parametrize("option, value", [("hidden", "4,100000000"), ("restarts", 10**9)])
def test_training_sizes_that_cannot_fit_in_memory_are_refused(option, value):
    # they used to reach numpy and die with a MemoryError traceback
    with pytest.raises(ValueError, match=rf"{option}: \d+ is more than 1024"):
        with_options(TrainSettings(), {option: value})


def test_a_huge_hidden_size_is_one_cli_message(cli, tmp_path):
    (tmp_path / "c.yaml").write_text(AND)
    code, out, err = cli("run", "c.yaml", "--hidden", "100000000", "--train-seed", "77")
    assert (code, out, err) == (2, "", "error: --hidden: 100000000 is more than 1024\n")


@pytest.mark.parametrize("content, why", [
    (b"a,b\n1,0\n", "is not a .npz file (it starts with 'a,b\\n1,'); it looks like text, and a "
                    "CSV vector file must end in .csv"),
    (b"", "is not a .npz file (it is empty); write it with numpy.savez"),
])
def test_a_file_that_is_no_npz_is_named_as_such_not_as_python_objects(cli, tmp_path, content,
                                                                       why):
    # numpy falls back to unpickling, and the message blamed "Python objects"
    (tmp_path / "c.yaml").write_text(AND)
    (tmp_path / "v.npz").write_bytes(content)
    code, out, err = cli("run", "c.yaml", "--vectors", "v.npz")
    assert (code, out, err) == (2, "", f"error: v.npz: {why}\n")


HALF = ("inputs: [a, b]\noutputs: [y]\n"
        "gates: [{name: g, type: AND, in: [a, b], out: y}]\n")
TOP = ("imports: [lib.yaml]\ninputs: [a, b]\noutputs: [y]\n"
       "gates: [{name: u, type: lib, ports: {a: a, b: b, y: y}}]\n")


@pytest.mark.parametrize("args, option", [
    (["run", "top.yaml", "--random", "2", "--format", "csv", "-o", "lib.yaml"], "--output "),
    (["equiv", "top.yaml", "top.yaml", "--emit-test", "lib.yaml"], "--emit-test "),
    (["convert", "top.yaml", "lib.yaml"], ""),
])
def test_no_output_overwrites_a_file_the_netlist_imports(cli, tmp_path, args, option):
    # run -o lib.yaml --force used to replace the imported netlist with results
    (tmp_path / "lib.yaml").write_text("name: lib\n" + HALF)
    (tmp_path / "top.yaml").write_text("name: top\n" + TOP)
    before = (tmp_path / "lib.yaml").read_text()
    code, out, err = cli(*args, "--force")
    assert (code, err) == (2, f"error: {option}lib.yaml is an input of this command; write to "
                              "another file\n")
    assert (tmp_path / "lib.yaml").read_text() == before


def test_sim_output_never_overwrites_an_imported_netlist(cli, tmp_path):
    (tmp_path / "lib.yaml").write_text("name: lib\n" + HALF)
    (tmp_path / "top.yaml").write_text(
        "name: top\nimports: [lib.yaml]\ninputs: [a, b]\noutputs: [q]\ngates:\n"
        "  - {name: u, type: lib, ports: {a: a, b: b, y: y}}\n"
        "  - {name: r, type: DFF, in: y, out: q}\n")
    code, out, err = cli("sim", "top.yaml", "--random", "2", "--vcd", "lib.yaml", "--force")
    assert (code, err) == (2, "error: --vcd lib.yaml is an input of this command; write to "
                              "another file\n")
    assert (tmp_path / "lib.yaml").read_text().startswith("name: lib")


def test_library_widths_accept_numpy_integers_and_refuse_unhashables_clearly():
    import numpy as np

    from circuitnn import CircuitError
    from circuitnn.library import lfsr, ripple_carry_adder

    # np.int64(4) was refused as "not a whole number"; a list gave a TypeError
    assert ripple_carry_adder(np.int64(4)) is ripple_carry_adder(4)
    assert lfsr(4, taps=[4, 3]) is lfsr(4, taps=(4, 3))
    with pytest.raises(CircuitError, match=r"ripple_carry_adder\(\) takes whole numbers \(and "
                                           r"tuples of them\), not dict \{'n': 4\}"):
        ripple_carry_adder({"n": 4})
    with pytest.raises(CircuitError, match=r"n is np.True_; use a whole number of 1 or more"):
        ripple_carry_adder(np.True_)


def test_session_calls_with_positional_or_ragged_values_are_usage_errors():
    from circuitnn import CircuitError
    from circuitnn.library import counter, ripple_carry_adder

    # a TypeError and a numpy ValueError before
    with pytest.raises(CircuitError, match=r"give the inputs of 'ripple_carry_adder_2' by name "
                                           r"\(a=\.\.\., b=\.\.\., cin=\.\.\.\), not by position"):
        ripple_carry_adder(2).compile()(1, 2, 0)
    with pytest.raises(CircuitError, match=r"input 'en' has values nested unevenly"):
        counter(2).compile().sim(en=[[1], [1, 0]])


@pytest.mark.parametrize("args, message", [
    (["equiv", "c.yaml", "c.yaml", "--timeout", "-1"],
     "argument --timeout: give a number of seconds above 0, not -1"),  # was exit 3, 'unknown'
    (["equiv", "c.yaml", "c.yaml", "--timeout", "nan"],
     "argument --timeout: give a number of seconds above 0, not nan"),  # was no limit
    (["equiv", "c.yaml", "c.yaml", "--cycles", "0"],
     "argument --cycles: give a count of at least 1, not 0"),
])
def test_equiv_numbers_are_checked(cli, tmp_path, capsys, args, message):
    (tmp_path / "c.yaml").write_text(AND)
    with pytest.raises(SystemExit) as e:
        cli(*args)
    assert e.value.code == 2 and message in capsys.readouterr().err


def test_verify_refuses_spec_options_without_spec(cli, tmp_path):
    # --map/--const/--timeout were silently ignored: the user believed a proof ran
    (tmp_path / "c.yaml").write_text(AND)
    code, out, err = cli("verify", "c.yaml", "--map", "a=b", "--no-sweep")
    assert (code, out, err) == (2, "", "error: --map, --no-sweep are used only with --spec B "
                                       "(the netlist to prove the circuit equal to)\n")


COUNTER = ("inputs: [en]\noutputs: [q]\ngates:\n"
           "  - {name: n, type: XOR, in: [en, q], out: d}\n"
           "  - {name: r, type: DFF, in: d, out: q}\n")


@pytest.mark.parametrize("stimulus, message", [
    ("en\n", "s.csv:1: has a header but no rows of values"),  # ran 0 cycles, exit 0
    ("en,en\n1,1\n", "s.csv:1: column 'en' appears twice"),  # said "no column for ..."
    ("en\n2\n", "s.csv:2: en: 2 does not fit in 1 bit (0 to 1)"),  # after the table header
])
def test_stimulus_mistakes_are_one_message_and_no_output(cli, tmp_path, stimulus, message):
    (tmp_path / "t.yaml").write_text(COUNTER)
    (tmp_path / "s.csv").write_text(stimulus)
    code, out, err = cli("sim", "t.yaml", "--stimulus", "s.csv")
    assert (code, out, err) == (2, "", f"error: {message}\n")


def test_a_store_that_is_a_file_is_refused(tmp_path, capsys):
    from circuitnn.cli import main

    # `models` listed "0 models in FILE"; `run` retrained every net with a warning each
    (tmp_path / "c.yaml").write_text(AND)
    (tmp_path / "notdir").write_text("x")
    for args in (["models"], ["run", str(tmp_path / "c.yaml"), "--set", "a=1", "--set", "b=1"]):
        assert main([*args, "--store", str(tmp_path / "notdir")]) == 2
        out, err = capsys.readouterr()
        assert out == "" and err == (f"error: model store {tmp_path / 'notdir'} is a file, not a "
                                     "folder; give --store DIR (or $CIRCUITNN_STORE) naming a "
                                     "folder, which is made if missing\n")


def test_a_vector_column_named_twice_is_named(cli, tmp_path):
    (tmp_path / "c.yaml").write_text(AND)
    (tmp_path / "v.csv").write_text("a,b,a\n1,0,1\n")
    code, out, err = cli("run", "c.yaml", "--vectors", "v.csv")
    assert (code, out, err) == (2, "", "error: v.csv:1: column 'a' is named twice in the header\n")


def test_check_refuses_output_options_it_would_ignore(cli, tmp_path):
    (tmp_path / "c.yaml").write_text(AND)
    (tmp_path / "g.csv").write_text("a,b,y\n1,1,1\n")
    code, out, err = cli("run", "c.yaml", "--check", "g.csv", "--format", "json", "--radix", "hex")
    assert (code, out, err) == (2, "", "error: --check takes its vectors from the golden file and "
                                       "prints a report; drop --format and --radix\n")


def test_verify_reads_its_spec_before_the_run(cli, tmp_path):
    (tmp_path / "and.yaml").write_text(AND)
    code, out, err = cli("verify", "and.yaml", "--spec", "missing.yaml")
    # nothing verified, then refused: the mistake comes first and alone
    assert (code, out, err) == (2, "", "error: missing.yaml: no such file; check the path\n")


def test_convert_refuses_dtype_where_it_does_nothing(cli, tmp_path):
    (tmp_path / "and.yaml").write_text(AND)
    code, out, err = cli("convert", "and.yaml", "out.v", "--dtype", "float64")
    assert (code, out) == (2, "") and not (tmp_path / "out.v").exists()
    assert err == ("error: --dtype applies to .onnx output only, not out.v; drop it, or write "
                   "a .onnx file\n")
