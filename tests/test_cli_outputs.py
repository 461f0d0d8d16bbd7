"""Output files, standard output, arguments and API values (issue 19).

Every command that writes a file goes through circuitnn.cli._output: an
input is never overwritten, an existing file only with --force, and a
folder, a device, a missing folder or an unwritable place gives exit 2 and
one message.  Standard output that cannot be written (/dev/full) is one
message and exit 2 as well.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from circuitnn.cli import main
from circuitnn.cli._output import open_output, write_output
from circuitnn.errors import CircuitError, NetlistError, UsageError, VectorError
from circuitnn.hdl import Builder

ROOT = Path(__file__).resolve().parent.parent
needs_dot = pytest.mark.skipif(shutil.which("dot") is None and os.environ.get("CI") != "true",
                               reason="graphviz is not installed")


@pytest.fixture
def adders(tmp_path):
    for name in ("half_adder.yaml", "full_adder.yaml"):
        shutil.copy(ROOT / "circuits" / name, tmp_path / name)
    return tmp_path


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def refused(capsys, argv, message):
    code, out, err = run_cli(capsys, *argv)
    assert (code, out, err) == (2, "", f"error: {message}\n")


# ---------------------------------------------------------- never an input
@pytest.mark.parametrize("force", [[], ["--force"]])
def test_convert_never_overwrites_its_input_or_an_import(adders, capsys, monkeypatch, force):
    monkeypatch.chdir(adders)
    before = {p.name: p.read_bytes() for p in adders.iterdir()}
    refused(capsys, ["convert", "full_adder.yaml", "full_adder.yaml", *force],
            "full_adder.yaml is an input of this command; write to another file")
    refused(capsys, ["graph", "full_adder.yaml", "-o", "./full_adder.yaml", *force],
            "full_adder.yaml is an input of this command; write to another file")
    if force:  # the imported half adder is an input too
        refused(capsys, ["convert", "full_adder.yaml", str(adders / "half_adder.yaml"), *force],
                f"{adders / 'half_adder.yaml'} is an input of this command; write to another file")
    assert {p.name: p.read_bytes() for p in adders.iterdir()} == before


def test_an_existing_file_is_replaced_only_with_force(adders, capsys):
    out = adders / "out.v"
    out.write_text("keep me\n")
    refused(capsys, ["convert", str(adders / "full_adder.yaml"), str(out)],
            f"{out} exists; give --force to replace it")
    assert out.read_text() == "keep me\n"
    code, stdout, _ = run_cli(capsys, "convert", str(adders / "full_adder.yaml"), str(out),
                              "--force")
    assert code == 0 and stdout == f"{out}: structural Verilog of full_adder (5 gates)\n"
    assert out.read_text().startswith("// ") and "module full_adder" in out.read_text()
    dot = adders / "g.dot"
    assert run_cli(capsys, "graph", str(adders / "full_adder.yaml"), "-o", str(dot))[0] == 0
    refused(capsys, ["graph", str(adders / "full_adder.yaml"), "-o", str(dot)],
            f"{dot} exists; give --force to replace it")


@pytest.mark.parametrize("command", ["convert", "graph"])
def test_unwritable_outputs_exit_2_with_one_message(adders, capsys, command):
    src = str(adders / "full_adder.yaml")
    (adders / "folder.v").mkdir()
    (adders / "folder.dot").mkdir()
    cases = {
        str(adders / "folder.v"): f"{adders / 'folder.v'} is a folder; name a file to write",
        str(adders / "missing" / "x.v"):
            f"cannot write {adders / 'missing' / 'x.v'}: the folder {adders / 'missing'} "
            "does not exist",
        str(adders / "full_adder.yaml" / "x.v"):
            f"cannot write {adders / 'full_adder.yaml' / 'x.v'}: {adders / 'full_adder.yaml'} "
            "is not a folder",
        "/proc/x.v": "cannot write /proc/x.v: No such file or directory",
        "/dev/full": "/dev/full is not a regular file; name a file to write",
    }
    for out, message in cases.items():
        if command == "graph":
            out, message = out.replace(".v", ".dot"), message.replace(".v", ".dot")
        argv = [command, src, out] if command == "convert" else [command, src, "-o", out]
        refused(capsys, argv, message)
        refused(capsys, [*argv, "--force"], message)
    assert Path("/dev/full").is_char_device()
    assert sorted(p.name for p in adders.iterdir()) == ["folder.dot", "folder.v",
                                                        "full_adder.yaml", "half_adder.yaml"]


@needs_dot
def test_drawings_follow_the_same_policy(adders, capsys):
    src = str(adders / "full_adder.yaml")
    svg = adders / "g.svg"
    assert run_cli(capsys, "graph", src, "-o", str(svg))[0] == 0
    assert svg.read_text().lstrip().startswith("<?xml")
    refused(capsys, ["convert", src, str(svg)], f"{svg} exists; give --force to replace it")
    refused(capsys, ["graph", src, "-o", "/proc/g.svg"],
            "cannot write /proc/g.svg: No such file or directory")


def test_a_failed_write_leaves_no_partial_file_and_the_old_one_intact(tmp_path):
    out = tmp_path / "out.txt"
    out.write_text("old")
    with pytest.raises(RuntimeError), open_output(out, force=True) as f:
        f.write("half of the new")
        raise RuntimeError("interrupted")
    assert out.read_text() == "old" and sorted(tmp_path.iterdir()) == [out]
    with pytest.raises(UsageError, match=r"^cannot write .*out\.txt: No space left on device$"):
        with open_output(out, force=True) as f:
            raise OSError(28, "No space left on device")
    assert out.read_text() == "old" and sorted(tmp_path.iterdir()) == [out]
    write_output(out, b"new", force=True)
    assert out.read_bytes() == b"new"


# ------------------------------------------------------------ standard output
@pytest.mark.parametrize("argv", [
    ["run", "circuits/half_adder.yaml"],
    ["run", "circuits/half_adder.yaml", "--random", "100000", "--format", "csv"],
    ["graph", "circuits/full_adder.yaml"],
    ["models"],
])
def test_standard_output_on_a_full_device_exits_2(tmp_path, argv):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CIRCUITNN_STORE": str(tmp_path)}
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "circuitnn", *argv], cwd=ROOT, env=env,
                              stdout=full, stderr=subprocess.PIPE, text=True, timeout=300)
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[-1:] == [
        "error: cannot write to standard output: No space left on device"]
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr


# ----------------------------------------------------------- CLI arguments
@pytest.mark.parametrize("argv, message", [
    (["run", "circuits/half_adder.yaml", "--random", "3", "--seed", "-1"],
     "argument --seed: a seed is a whole number of at least 0, not -1"),
    (["verify", "circuits/half_adder.yaml", "--seed", "-7"],
     "argument --seed: a seed is a whole number of at least 0, not -7"),
    (["bench", "circuits/half_adder.yaml", "--repeats", "0"],
     "argument --repeats: give a count of at least 1, not 0"),
    (["bench", "circuits/half_adder.yaml", "--vectors", "0"],
     "argument --vectors: give a count of at least 1, not 0"),
    (["bench", "circuits/half_adder.yaml", "--seed", "x"],
     "argument --seed: 'x' is not a whole number"),
])
def test_bad_counts_and_seeds_exit_2(capsys, monkeypatch, argv, message):
    monkeypatch.chdir(ROOT)
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.endswith(f": error: {message}\n") and "Traceback" not in err


def test_an_input_set_twice_is_refused(capsys, monkeypatch, store):
    monkeypatch.chdir(ROOT)
    refused(capsys, ["run", "circuits/half_adder.yaml", "--set", "a=1", "--set", " a = 0",
                     "--set", "b=1", "--store", str(store.root)],
            "--set a is given twice (a=1 and a=0); give each input once")


# ------------------------------------------------------------- Python API
def test_builder_widths_are_capped_before_allocating():
    b = Builder("wide")
    with pytest.raises(NetlistError, match=r"input 'a' has width 1000000000000; use a whole "
                                           r"number from 1 to 1,048,576$"):
        b.input("a", 10**12)
    with pytest.raises(NetlistError, match=r"constant 5 has width 4294967296; use"):
        b.const(5, 2**32)
    with pytest.raises(NetlistError, match=r"constant 0x10000000\.\.\.00000000 \(30001 bits\) "
                                           r"does not fit in 20000 bits \(0 to "
                                           r"0xffffffff\.\.\.ffffffff \(20000 bits\)\)$"):
        b.const(2**30000, 20000)
    assert b.input("a", 1 << 20).width == 1 << 20


@pytest.fixture(scope="module")
def xor4(tmp_path_factory):
    from circuitnn.store import ModelStore

    b = Builder("xor4")
    x, y = b.input("x", 4), b.input("y", 4)
    b.output("z", x ^ y)
    return b.compile(store=ModelStore(tmp_path_factory.mktemp("store")))


@pytest.mark.parametrize("values, message", [
    (dict(x=np.array([[1, 2], [3, 4]]), y=1), r"input 'x' has a 2-D array of values \(shape \(2, 2\)\)"),
    (dict(x=[[1]], y=[[1]]), r"input 'x' has a 2-D array of values \(shape \(1, 1\)\)"),
    (dict(x=[], y=[]), r"input 'x' has no values"),
    (dict(x=np.nan, y=1), r"input 'x' has the value nan, which is not a whole number"),
    (dict(x=[1, np.nan], y=[1, 2]), r"input 'x' has the value nan, which is not a whole number"),
    (dict(x=1.5, y=1), r"input 'x' has the value 1\.5, which is not a whole number"),
    (dict(x=np.inf, y=1), r"input 'x' has the value inf, which is not a whole number"),
    (dict(x=None, y=1), r"input 'x' has the value None, which is not a whole number"),
    (dict(x="3", y=1), r"input 'x' has the value '3', which is not a number"),
    (dict(x=[[1], [2, 3]], y=1), r"input 'x' has values nested unevenly"),
    (dict(x=1 + 2j, y=1), r"input 'x' has values of type complex128, which are not whole numbers"),
])
def test_a_compiled_circuit_refuses_values_that_are_not_whole_numbers(xor4, values, message):
    with pytest.raises(VectorError, match=rf"^[^:]+:\d+: {message}; give one whole number or "
                                          r"a 1-D sequence of them$"):
        xor4(**values)


def test_a_compiled_circuit_takes_whole_numbers_of_any_integer_type(xor4):
    xs, ys = [0, 3, 15, 9], [5, 5, 1, 9]
    want = [x ^ y for x, y in zip(xs, ys)]
    for x, y in [(xs, ys), (np.array(xs, dtype=float), np.array(ys, dtype=np.uint8)),
                 (np.array(xs, dtype=np.int64), [float(v) for v in ys])]:
        assert xor4(x=x, y=y)["z"].tolist() == want
    assert xor4(x=np.float64(6.0), y=True) == {"z": 7}
    with pytest.raises(CircuitError, match=r"value 0x10000000\.\.\.00000000 \(20001 bits\) "
                                           r"does not fit input 'x' \(4 bits: 0 to 15\)$"):
        xor4(x=2**20000, y=1)
