"""Vector files and run output: CSV and .npz round trips at every width class,
the column-wise CSV parser against the row reader, streamed output against
one chunk, JSON lines, and the --output file rules."""

import io
import json
import random
import re

import numpy as np
import pytest

from circuitnn.cli import main
from circuitnn.cli import run as cli_run
from circuitnn.errors import CircuitError
from circuitnn.hdl import Builder
from circuitnn.run import vector_files
from circuitnn.run.bits import column_to_ints
from circuitnn.run.output import CsvWriter, JsonLinesWriter, NpzWriter
from circuitnn.run.vector_files import (
    _parse_block_fast,
    _parse_block_rows,
    read_csv_columns,
    read_npz,
)

WIDTHS = [1, 63, 64, 65, 1000]


@pytest.fixture(scope="module")
def inverters(store):
    """For each width, a session computing y = ~x on a bus of that width."""
    out = {}
    for w in WIDTHS:
        b = Builder(f"inv{w}")
        b.output("y", ~b.input("x", w))
        out[w] = b.compile(store=store)
    return out


def _values(width, n=40, seed=0):
    rng = random.Random(seed * 1000 + width)
    vals = [rng.getrandbits(width) for _ in range(n)] + [0, (1 << width) - 1]
    return vals


def _ints(col):
    return [int(v) for v in column_to_ints(col)]


def _json_lines(sess, res) -> list[dict]:
    """``res`` written by the JSON-lines writer, each line parsed."""
    out = io.StringIO()
    w = JsonLinesWriter(out, sess.circuit)
    w.begin(res.analog.shape[1])
    w.write(res)
    w.end()
    return [json.loads(line) for line in out.getvalue().splitlines()]


@pytest.mark.parametrize("width", WIDTHS)
def test_csv_round_trip(inverters, tmp_path, width):
    sess = inverters[width]
    xs = _values(width)
    path = tmp_path / "out.csv"
    with open(path, "wb") as f:
        w = CsvWriter(f, sess.circuit)
        w.begin(len(xs))
        w.write(sess.run(x=np.array(xs, dtype=object)))
        w.end()
    lines = path.read_text().splitlines()
    assert lines[0] == "x,y"
    mask = (1 << width) - 1
    assert lines[1:] == [f"{x},{~x & mask}" for x in xs]  # Python integers: the oracle
    # the file reads back as vectors (the y column dropped)
    (tmp_path / "in.csv").write_text("\n".join(line.split(",")[0] for line in lines) + "\n")
    assert _ints(read_csv_columns(str(tmp_path / "in.csv"), sess.circuit)["x"]) == xs


@pytest.mark.parametrize("width", WIDTHS)
def test_npz_round_trip(inverters, tmp_path, width):
    sess = inverters[width]
    xs = _values(width, seed=1)
    path = tmp_path / "out.npz"
    w = NpzWriter(path, sess.circuit)
    w.begin(len(xs))
    w.write(sess.run(x=np.array(xs, dtype=object)))
    w.end()
    z = np.load(path, allow_pickle=False)
    assert sorted(z.files) == ["x", "y"]
    words = -(-width // 64)
    assert z["x"].dtype == np.uint64 and z["y"].dtype == np.uint64
    assert z["x"].shape == ((len(xs),) if width <= 64 else (len(xs), words))
    mask = (1 << width) - 1
    assert _ints(z["y"]) == [~x & mask for x in xs]
    # least significant word first
    if width > 64:
        assert [int(r[0]) for r in z["x"]] == [x & (2**64 - 1) for x in xs]
    np.savez(tmp_path / "in.npz", x=z["x"])
    assert _ints(read_npz(str(tmp_path / "in.npz"), sess.circuit)["x"]) == xs


def test_cli_npz_in_and_out(cli_args, tmp_path):
    out = tmp_path / "r.npz"
    code, _, err = cli_args("run", "circuits/ripple_carry_adder_8.yaml", "--random", "300",
                            "--seed", "4", "--output", str(out))
    assert code == 0, err
    z = np.load(out)
    assert ((z["a"] + z["b"] + z["cin"]) & 255 == z["sum"]).all()
    assert ((z["a"] + z["b"] + z["cin"]) >> 8 == z["cout"]).all()
    np.savez(tmp_path / "v.npz", a=z["a"], b=z["b"], cin=z["cin"])
    code, csv_out, _ = cli_args("run", "circuits/ripple_carry_adder_8.yaml", "--vectors",
                                str(tmp_path / "v.npz"), "--format", "csv")
    rows = [list(map(int, r.split(","))) for r in csv_out.splitlines()[1:]]
    assert rows == [list(r) for r in zip(*(z[k].tolist() for k in
                                           ("a", "b", "cin", "sum", "cout")))]


@pytest.mark.parametrize("arrays, message", [
    ({"a": np.zeros(2, np.uint64), "b": np.zeros(2, np.uint64)},
     "no value for input cin"),
    ({"a": np.zeros(2), "b": np.zeros(2, np.uint64), "cin": np.zeros(2, np.uint64)},
     "array 'a' has dtype float64; give unsigned integers (uint64)"),
    ({"a": np.array([1, 300], np.uint64), "b": np.zeros(2, np.uint64),
      "cin": np.zeros(2, np.uint64)},
     "value 300 does not fit array 'a' (8 bits: 0 to 255)"),
    ({"a": np.zeros((2, 2), np.uint64), "b": np.zeros(2, np.uint64),
      "cin": np.zeros(2, np.uint64)},
     "array 'a' has shape (2, 2); a port of 8 bits takes a 1-d array (N,)"),
    ({"a": np.zeros(2, np.uint64), "b": np.zeros(3, np.uint64),
      "cin": np.zeros(2, np.uint64)}, "input 'b' has 3 values, others have 2"),
])
def test_npz_errors(cli_args, tmp_path, arrays, message):
    np.savez(tmp_path / "v.npz", **arrays)
    code, out, err = cli_args("run", "circuits/ripple_carry_adder_8.yaml", "--vectors",
                              str(tmp_path / "v.npz"))
    assert code == 2 and out == ""
    assert err == f"error: {tmp_path / 'v.npz'}: {message}\n"


def test_npz_with_objects_is_refused(tmp_path, inverters):
    np.save(tmp_path / "v.npy", np.array([1, 2], dtype=object), allow_pickle=True)
    with pytest.raises(CircuitError, match=r"cannot be read: it holds Python objects; store "
                                           r"uint64 arrays$"):
        read_npz(str(tmp_path / "v.npy"), inverters[1].circuit)


# ------------------------------------------------ the CSV parser, two ways
_CELLS = ["0", "1", "7", "00", "007", "255", "256", "0x1f", "0XfF", "0b101", "0o17", "1_000",
          "_", "+5", "-1", "-0", " 12 ", "1 2", "\t3", "0x", "x", "#5", "", "é", '"4"',
          "18446744073709551615", "18446744073709551616", "99999999999999999999",
          "0x" + "f" * 16, "0x1" + "0" * 16, "0b" + "1" * 64, "9223372036854775808"]


def test_fast_csv_parser_agrees_with_the_row_reader():
    """Random blocks: whatever the fast parser accepts, the row reader reads
    the same; whatever the row reader refuses, the fast parser leaves to it."""
    rng = random.Random(16)
    accepted = 0
    for _ in range(3000):
        widths = [rng.choice([1, 3, 8, 63, 64]) for _ in range(rng.randint(1, 3))]
        lines = []
        for _ in range(rng.randint(1, 4)):
            if rng.random() < 0.15:
                lines.append(rng.choice(["", "  ", "# note", " # a,b", ",,", " , "]))
            else:
                lines.append(",".join(
                    rng.choice(_CELLS) if rng.random() < 0.5
                    else str(rng.getrandbits(rng.choice(widths))) for _ in widths))
        text = "\n".join(lines) + rng.choice(["", "\n"])
        header = [f"c{i}" for i in range(len(widths))]
        try:
            slow = _parse_block_rows(text, header, widths, "v.csv", 2)
        except CircuitError:
            slow = None
        fast = _parse_block_fast(text, widths)
        if fast is None:
            continue
        accepted += 1
        assert slow is not None, (text, widths)
        assert [c.tolist() for c in fast] == [c.tolist() for c in slow], (text, widths)
    assert accepted > 600  # the fast path takes the ordinary files


def test_csv_errors_keep_their_lines_across_blocks(tmp_path, monkeypatch, inverters):
    monkeypatch.setattr(vector_files, "CSV_BLOCK_CHARS", 64)
    circuit = inverters[63].circuit
    rows = [str(i * 977) for i in range(200)]
    rows[150] = "0x12g"
    (tmp_path / "v.csv").write_text("# header next\nx\n" + "\n".join(rows) + "\n")
    with pytest.raises(CircuitError, match=r"v\.csv:153: column 'x': '0x12g' is not a whole "
                                           r"number; write decimal, 0b\.\.\. or 0x\.\.\.$"):
        read_csv_columns(str(tmp_path / "v.csv"), circuit)
    rows[150] = str(1 << 63)
    (tmp_path / "v.csv").write_text("x\n" + "\n".join(rows) + "\n")
    with pytest.raises(CircuitError, match=r"v\.csv:152: value 9223372036854775808 does not "
                                           r"fit input 'x' \(63 bits: "):
        read_csv_columns(str(tmp_path / "v.csv"), circuit)
    rows[150] = "1_2"
    (tmp_path / "v.csv").write_text("\ufeffx\r\n" + "\r\n".join(rows) + "\r\n")
    got = read_csv_columns(str(tmp_path / "v.csv"), circuit)["x"].tolist()
    assert got == [int(r.replace("_", "")) for r in rows]


# ----------------------------------------------------------- streamed runs
@pytest.fixture
def cli_args(store, capsysbinary, monkeypatch):
    """The CLI in-process, from the repository root; (code, stdout, stderr)."""
    from pathlib import Path

    monkeypatch.chdir(Path(__file__).resolve().parent.parent)

    def run(*args):
        code = main([*args, "--store", str(store.root)])
        out, err = capsysbinary.readouterr()
        return code, out.decode(), err.decode()

    return run


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "jsonl", "npz"])
def test_streamed_output_is_the_same_as_one_chunk(cli_args, monkeypatch, tmp_path, fmt):
    args = ["run", "circuits/ripple_carry_adder_8.yaml", "--random", "5000", "--seed", "9"]

    def run(chunk, name):
        monkeypatch.setattr(cli_run, "chunk_size", lambda circuit: chunk)
        if fmt == "npz":
            path = tmp_path / f"{name}.npz"
            assert cli_args(*args, "--output", str(path))[0] == 0
            return {k: v.tolist() for k, v in np.load(path).items()}
        code, out, _ = cli_args(*args, "--format", fmt)
        assert code == 0
        return out

    whole = run(10_000, "whole")
    assert run(777, "chunked") == whole  # 7 chunks, the last one short
    assert run(65_536, "other") == whole


def test_jsonl_rows_match_the_json_document(cli_args):
    _, doc, _ = cli_args("run", "circuits/full_adder.yaml", "--format", "json")
    _, lines, _ = cli_args("run", "circuits/full_adder.yaml", "--format", "jsonl")
    rows = json.loads(doc)["rows"]
    assert [json.loads(line) for line in lines.splitlines()] == rows
    for r in rows:
        a, b, cin = (r["inputs"][k] for k in ("a", "b", "cin"))
        assert r["outputs"] == {"sum": (a + b + cin) & 1, "cout": (a + b + cin) >> 1}
        assert all(0 < c <= 0.5 for c in r["confidence"].values())


def test_confidence_is_the_smallest_distance_from_the_threshold(inverters):
    sess = inverters[63]
    res = sess.run(x=[5, 7])
    got = [row["confidence"]["y"] for row in _json_lines(sess, res)]
    want = np.abs(res.analog - 0.5).min(axis=0)
    assert got == [round(float(c), 6) for c in want]


def test_output_file_rules(cli_args, tmp_path):
    target = tmp_path / "r.csv"
    target.write_text("keep me\n")
    code, _, err = cli_args("run", "circuits/half_adder.yaml", "--output", str(target))
    assert (code, err) == (2, f"error: --output {target} exists; give --force to replace "
                              "it\n")
    assert target.read_text() == "keep me\n"
    assert cli_args("run", "circuits/half_adder.yaml", "--output", str(target),
                    "--force")[0] == 0
    assert target.read_text().splitlines()[0] == "a,b,sum,carry"
    code, _, err = cli_args("run", "circuits/half_adder.yaml", "--vectors", str(target),
                            "--output", str(target), "--force")
    assert code == 2 and re.fullmatch(r"error: --output .* is an input of this command; write to another file\n", err)
    code, _, err = cli_args("run", "circuits/half_adder.yaml", "--output",
                            str(tmp_path / "r.txt"))
    assert code == 0 and (tmp_path / "r.txt").read_text().startswith("a  b | sum  carry")
    code, _, err = cli_args("run", "circuits/half_adder.yaml", "--output",
                            str(tmp_path / "r.xyz"))
    assert code == 2 and "cannot tell the format from the extension '.xyz'" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv", "r.txt"]



def test_a_small_run_imports_no_heavy_dependency(store):
    """The half adder's run never loads a JIT, networkx, dask or onnx."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = ("import sys, io, contextlib\n"
              "from circuitnn.cli import main\n"
              "with contextlib.redirect_stdout(io.StringIO()):\n"
              f"    assert main(['run', 'circuits/half_adder.yaml', '--store', {str(store.root)!r}]) == 0\n"
              "heavy = ('networkx', 'dask', 'distributed', 'onnx',\n"
              "         'onnxruntime', 'pysat', 'scipy', 'pandas')\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n")
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(root)}, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "[]\n"


def test_random_vectors_do_not_depend_on_chunking(inverters):
    from circuitnn.run.vectors import RANDOM_BLOCK, ExhaustiveVectors, RandomVectors

    circuit = inverters[65].circuit
    n = 2 * RANDOM_BLOCK + 123
    whole = RandomVectors(circuit, n, seed=5).all_bits()
    assert whole.shape == (65, n)
    for step in (1000, RANDOM_BLOCK, 3 * RANDOM_BLOCK):
        v = RandomVectors(circuit, n, seed=5)
        parts = [v.bits(lo, min(n, lo + step)) for lo in range(0, n, step)]
        assert (np.concatenate(parts, axis=1) == whole).all()
    # a shorter run is a prefix; another seed is another sequence
    assert (RandomVectors(circuit, 500, seed=5).all_bits() == whole[:, :500]).all()
    assert (RandomVectors(circuit, 500, seed=6).all_bits() != whole[:, :500]).any()
    # about half the bits are ones
    assert abs(whole.mean() - 0.5) < 0.01
    small = inverters[1].circuit
    ex = ExhaustiveVectors(small)
    assert ex.bits(0, 2).tolist() == [[0, 1]]


def test_ports_beyond_decimal_limits_are_written_in_hex(store, tmp_path):
    """Python refuses decimal numbers of more than 4300 digits: a 20,000-bit
    port is written as 0x... (a string in JSON) and reads back."""
    b = Builder("huge")
    b.output("y", ~b.input("x", 20_000))
    sess = b.compile(store=store)
    xs = [3, (1 << 20_000) - 5]
    res = sess.run(x=np.array(xs, dtype=object))
    path = tmp_path / "out.csv"
    with open(path, "wb") as f:
        w = CsvWriter(f, sess.circuit)
        w.begin(2)
        w.write(res)
        w.end()
    mask = (1 << 20_000) - 1
    rows = [line.split(",") for line in path.read_text().splitlines()[1:]]
    assert [[int(c, 16) for c in r] for r in rows] == [[x, ~x & mask] for x in xs]
    (tmp_path / "in.csv").write_text("x\n" + "\n".join(r[0] for r in rows) + "\n")
    assert _ints(read_csv_columns(str(tmp_path / "in.csv"), sess.circuit)["x"]) == xs
    got = [row["outputs"]["y"] for row in _json_lines(sess, res)]
    assert [int(v, 16) for v in got] == [~x & mask for x in xs]
