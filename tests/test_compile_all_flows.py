"""Every function compiles, end to end: training settings from the command
line and YAML, wide gates in YAML and the builder, uncertified analog runs
checked, and yosys LUT netlists verified against iverilog's simulation."""

from __future__ import annotations

import json
import subprocess
import warnings

import numpy as np
import pytest
from test_formats_verilog import iverilog, needs_iverilog, needs_yosys

from circuitnn.cli import main
from circuitnn.compile import compile_design
from circuitnn.hdl import Builder
from circuitnn.ir.primitives import STANDARD
from circuitnn.nn import GateNet, TrainSettings, certified_margin
from circuitnn.read import load_circuit
from circuitnn.run.bits import decode
from circuitnn.run.session import Session, UncertifiedMismatch
from circuitnn.run.vectors import exhaustive, random_vectors
from circuitnn.store import ModelStore

HALF_ADDER = "circuits/half_adder.yaml"


def _archs(root) -> list[tuple[str, str, int, dict]]:
    return [(e["name"], e["arch"], e["epochs"], e["settings"])
            for e in ModelStore(root).entries()]


# ------------------------------------------------------- training settings
def test_cli_training_settings_change_the_nets(tmp_path, capsys):
    store = str(tmp_path / "s")
    assert main(["train", HALF_ADDER, "--store", store, "--hidden", "7",
                 "--max-epochs", "400", "--restarts", "3", "--train-seed", "5"]) == 0
    out = capsys.readouterr().out
    assert "restarts 3, max epochs 400, hidden 7, delta 0.1, seed 5" in out
    got = _archs(store)
    assert sorted((n, a) for n, a, _, _ in got) == [("AND2", "2-7-1"), ("XOR2", "2-7-1")]
    assert all(epochs <= 400 for _, _, epochs, _ in got)
    assert all(s["restarts"] == 3 and s["seed"] == 5 for _, _, _, s in got)
    # other settings are other nets: the defaults train their own architectures
    assert main(["train", HALF_ADDER, "--store", store]) == 0
    assert {a for _, a, _, s in _archs(store) if s["hidden_sizes"][0] == 0} \
        & {"2-7-1"} == set()
    capsys.readouterr()
    # --seed keeps its meaning (the --random vectors) on run
    assert main(["run", HALF_ADDER, "--store", store, "--random", "3", "--seed", "2",
                 "--hidden", "7", "--max-epochs", "400", "--restarts", "3",
                 "--train-seed", "5", "--format", "csv"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 4
    assert len(_archs(store)) == 4  # the run reused the --hidden 7 nets


def test_the_test_command_takes_the_same_training_settings(tmp_path, capsys):
    store = str(tmp_path / "s")
    assert main(["test", HALF_ADDER, "--store", store, "--hidden", "7",
                 "--max-epochs", "400", "--restarts", "3", "--train-seed", "5"]) == 0
    assert capsys.readouterr().out.endswith("4 passed, 0 failed\n")
    got = _archs(store)
    assert sorted((n, a) for n, a, _, _ in got) == [("AND2", "2-7-1"), ("XOR2", "2-7-1")]
    assert all(e <= 400 and s["restarts"] == 3 and s["seed"] == 5 for _, _, e, s in got)
    # each file's own train: section, the command line over it
    top = tmp_path / "t.yaml"
    top.write_text("train: {hidden: [5]}\ninputs: [a, b]\noutputs: [y]\n"
                   "gates: [{name: g, type: XOR, in: [a, b], out: y}]\n"
                   "tests: [{a: 1, b: 1, y: 0}, {a: 0, b: 1, y: 1}]\n")
    other = str(tmp_path / "o")
    assert main(["test", str(top), "--store", other]) == 0
    assert [a for _, a, _, _ in _archs(other)] == ["2-5-1"]
    assert main(["test", str(top), "--store", other, "--hidden", "6"]) == 0
    assert sorted(a for _, a, _, _ in _archs(other)) == ["2-5-1", "2-6-1"]
    capsys.readouterr()
    assert main(["test", str(top), "--store", other, "--delta", "0.5"]) == 2
    assert capsys.readouterr() == ("", "error: --delta: '0.5' is outside [0, 0.5)\n")


@pytest.mark.parametrize("args, message", [
    (["--delta", "0.5"], "error: --delta: '0.5' is outside [0, 0.5)\n"),
    (["--hidden", "4,x"], "error: --hidden: 'x' is not a whole number\n"),
    (["--restarts", "0"], "error: --restarts: 0 is less than 1\n"),
    (["--train-seed", "-2"], "error: --train-seed: -2 is less than 0\n"),
    (["--budget", "0"], "error: --budget: '0' is outside (0, inf)\n"),
])
def test_bad_training_settings_are_one_message(args, message, tmp_path, capsys):
    assert main(["train", HALF_ADDER, "--store", str(tmp_path), *args]) == 2
    assert capsys.readouterr().err == message


def test_yaml_train_section_applies_and_the_cli_overrides_it(tmp_path, capsys):
    (tmp_path / "lib.yaml").write_text(
        "train: {hidden: [9]}\ninputs: [a]\noutputs: [y]\n"
        "gates: [{name: g, type: NOT, in: [a], out: y}]\n")
    top = tmp_path / "top.yaml"
    top.write_text("imports: [lib.yaml]\ntrain:\n  hidden: [5]\n  max_epochs: 600\n"
                   "inputs: [a, b]\noutputs: [y]\n"
                   "gates: [{name: g, type: XOR, in: [a, b], out: y}]\n")
    store = str(tmp_path / "s")
    assert main(["train", str(top), "--store", store]) == 0
    captured = capsys.readouterr()
    assert "the 'train' section of imported" in captured.err
    assert "lib.yaml is ignored; training settings come from the top file only" \
        in captured.err
    assert [(n, a) for n, a, _, _ in _archs(store)] == [("XOR2", "2-5-1")]
    assert main(["train", str(top), "--store", store, "--hidden", "6"]) == 0
    assert sorted(a for _, a, _, _ in _archs(store)) == ["2-5-1", "2-6-1"]


def test_bad_yaml_train_section_names_the_line(tmp_path):
    from circuitnn.errors import ValidationError
    from circuitnn.read.yaml import loads_yaml

    text = ("inputs: [a]\noutputs: [y]\ngates: [{name: g, type: NOT, in: [a], out: y}]\n"
            "train:\n  max_epoch: 3\n  delta: 2\n")
    with pytest.raises(ValidationError) as e:
        loads_yaml(text, "t.yaml")
    assert [str(p) for p in e.value.problems] == [
        "t.yaml:5: 'train' has unknown key 'max_epoch' (did you mean 'max_epochs'?); known "
        "keys are restarts, max_epochs, hidden, delta, seed, budget",
        "t.yaml:6: train: delta: 2 is outside [0, 0.5)"]


# ------------------------------------------------------------- wide gates
WIDE_YAML = """
inputs: ["a[8]", "b[12]"]
outputs: [p, q, "n[8]", r]
gates:
  - {name: x, type: XOR, in: [a], out: p}
  - {name: y, type: NAND, in: [b], out: q}
  - {name: z, type: NOT, in: [a], out: n}
  - {name: w, type: XNOR8, in: [a], out: r}
"""


def _check_wide(sess, a, b):
    par = np.array([bin(int(x)).count("1") % 2 for x in a])
    out = sess(a=a, b=b)
    np.testing.assert_array_equal(out["p"], par)
    np.testing.assert_array_equal(out["r"], 1 - par)
    np.testing.assert_array_equal(out["q"], (b != 4095).astype(int))
    np.testing.assert_array_equal(out["n"], 255 - a)


def test_wide_gates_in_yaml(tmp_path, store):
    path = tmp_path / "wide.yaml"
    path.write_text(WIDE_YAML)
    sess = Session.from_store(load_circuit(path), store)
    assert set(sess.circuit.primitives) <= set(STANDARD)
    rng = np.random.default_rng(4)
    a, b = rng.integers(0, 256, 300), rng.integers(0, 4096, 300)
    b[:5] = 4095
    _check_wide(sess, a, b)
    assert sess.verify(n=2000).ok


def test_wide_gates_in_the_builder(store):
    bld = Builder("wide")
    a, b = bld.input("a", 8), bld.input("b", 12)
    bld.output("p", bld.gate("XOR", a))
    bld.output("q", bld.gate("NAND", b))
    bld.output("n", bld.gate("NOT", a))
    bld.output("r", bld.gate("XNOR8", a))
    sess = bld.compile(store)
    rng = np.random.default_rng(5)
    a, b = rng.integers(0, 256, 300), rng.integers(0, 4096, 300)
    b[:5] = 4095
    _check_wide(sess, a, b)
    # 20 inputs to one OR: a tree, and every gate of it a standard primitive
    c = Builder("or20")
    c.output("y", c.gate("OR", c.input("x", 20)))
    circuit = compile_design(c.build().design)
    assert circuit.gate_counts() == {"OR7": 2, "OR6": 1, "OR3": 1}


# -------------------------------------------------- uncertified analog runs
def _leaky_buf() -> GateNet:
    # fits BUF's rows (0.18, 0.71) but is not restoring: three in a row turn
    # an analog 1 into 0.46
    return GateNet([np.array([[2.4]])], [np.array([-1.5])], name="BUF")


def test_uncertified_analog_mismatch_is_a_warning_with_the_count():
    b = Builder("chain")
    x = b.input("x")
    for _ in range(4):
        x = b.gate("BUF", x)
    b.output("y", x)
    circuit = compile_design(b.build().design)
    sess = Session(circuit, {"BUF": _leaky_buf()})
    assert not sess.certified
    with pytest.warns(UncertifiedMismatch, match=r"^1 of 2 vectors differ from the exact "
                                                 r"reference: uncertified nets in analog "):
        res = sess.run_bits(np.array([[0, 1]]))
    assert res.bits.tolist() == [[0, 0]]  # the neural answer, wrong, and said so
    digital = Session(circuit, {"BUF": _leaky_buf()}, mode="digital")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert digital.run_bits(np.array([[0, 1]])).bits.tolist() == [[0, 1]]


# ----------------------------------------------- info and verify report it
def test_info_and_verify_say_what_was_decomposed(tmp_path, capsys):
    net = tmp_path / "p.yaml"
    net.write_text("primitives:\n  P6: {inputs: [a, b, c, d, e, f], expr: 'a^b^c^d^e^f'}\n"
                   "inputs: [a, b, c, d, e, f]\noutputs: [y]\n"
                   "gates: [{name: g, type: P6, in: [a, b, c, d, e, f], out: y}]\n")
    args = ["--store", str(tmp_path / "s"), "--max-epochs", "300", "--budget", "1e5"]
    assert main(["info", str(net), *args]) == 0
    assert "P6        1  6->1  not trained" in capsys.readouterr().out
    assert main(["verify", str(net), *args]) == 0
    out = capsys.readouterr().out
    # parity: a chain of XOR2, and the last 4 inputs' parity, too big for
    # this budget, as XOR2 + XOR3
    assert ("0 primitives as one net, 1 decomposed (P6: decomposed into 4 gates (2 distinct "
            "nets)); 4 gates run") in out
    assert "mismatches: 0" in out and "certified bound: at least 0.4000" in out
    assert main(["info", str(net), *args]) == 0
    assert "P6        1  6->1  decomposed into 4 gates (2 distinct nets)" \
        in capsys.readouterr().out


# -------------------------------------------- yosys LUT netlists, iverilog
DESIGNS = {
    "adder": ("module adder(input [5:0] a, input [5:0] b, input cin, output [6:0] y);\n"
              "  assign y = a + b + cin;\nendmodule\n"),
    "multiplier": ("module multiplier(input [3:0] a, input [3:0] b, output [7:0] p);\n"
                   "  assign p = a * b;\nendmodule\n"),
    "alu": ("module alu(input [3:0] a, input [3:0] b, input [1:0] op, output reg [3:0] y,\n"
            "           output z);\n"
            "  always @* case (op)\n"
            "    2'd0: y = a + b;  2'd1: y = a - b;  2'd2: y = a & b;  default: y = a ^ b;\n"
            "  endcase\n  assign z = y == 0;\nendmodule\n"),
    "comparator": ("module comparator(input [5:0] a, input [5:0] b, output lt, output eq,\n"
                   "                  output gt);\n"
                   "  assign lt = a < b;  assign eq = a == b;  assign gt = a > b;\n"
                   "endmodule\n"),
}

#: Small budgets keep these fast: many 8-input LUTs are decomposed.
LUT_SETTINGS = TrainSettings(max_epochs=600, budget=2e6)


@pytest.fixture(scope="module")
def lut_store(tmp_path_factory):
    return ModelStore(tmp_path_factory.mktemp("lut-store"), LUT_SETTINGS)


@needs_yosys
@needs_iverilog
@pytest.mark.parametrize("lut", [6, 8])
@pytest.mark.parametrize("design", sorted(DESIGNS))
def test_yosys_lut_netlists_verify_against_iverilog(design, lut, tmp_path, lut_store):
    src = tmp_path / f"{design}.v"
    src.write_text(DESIGNS[design])
    subprocess.run(["yosys", "-q", "-p", f"read_verilog {src.name}; synth -flatten -top "
                    f"{design}; abc -lut {lut}; opt_clean; write_blif out.blif"],
                   cwd=tmp_path, check=True, capture_output=True)
    circuit = load_circuit(tmp_path / "out.blif")
    widest = max(tt.n_inputs for tt in circuit.primitives.values())
    assert widest > 4  # real LUTs, the functions that used to fail to train
    sess = Session.from_store(circuit, lut_store)
    bits = (exhaustive(circuit) if circuit.n_input_bits <= 12
            else random_vectors(circuit, 3000, seed=2))
    want = iverilog([src], design, circuit, bits, tmp_path)
    got = sess.run_bits(bits).bits
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(sess.exact.run(bits), want)
    for name, net in sess.nets.items():
        assert certified_margin(net, sess.circuit.primitives[name], 0.1) <= 0.1
    if design == "multiplier":
        ins = decode(circuit.inputs, bits)
        np.testing.assert_array_equal(decode(circuit.outputs, got)["p"],
                                      ins["a"] * ins["b"])
    json.dumps(sess.lowered.summary())  # plain data, for reports
