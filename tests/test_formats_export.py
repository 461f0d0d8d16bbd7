"""Export: YAML netlists that re-import with identical behaviour, DOT
drawings, and the ``convert`` / ``graph`` / ``run`` commands."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from circuitnn import cli
from circuitnn.compile import compile_design
from circuitnn.read import load_circuit
from circuitnn.read.yaml import loads_yaml
from circuitnn.run.bits import decode
from circuitnn.run.exact import ExactEngine
from circuitnn.run.vector_files import read_csv
from circuitnn.write.dot import circuit_to_dot
from circuitnn.write.yaml import circuit_to_yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "formats"
BENCH = ROOT / "data" / "benchmarks"
SOURCES = ([str(p.relative_to(ROOT)) for p in sorted((ROOT / "circuits").glob("*.yaml"))]
           + ["data/benchmarks/iscas85/c17.bench", "data/benchmarks/iscas85/c2670.bench",
              "data/benchmarks/iscas85/alt_numeric/c6288.bench",
              "data/benchmarks/epfl/int2float.blif", "data/benchmarks/epfl/router.blif",
              "data/benchmarks/epfl/ctrl.blif", "tests/data/formats/add2.blif"])
needs_dot = pytest.mark.skipif(shutil.which("dot") is None and os.environ.get("CI") != "true",
                               reason="graphviz is not installed")


@pytest.fixture
def commands():
    return cli.main


@pytest.mark.parametrize("rel", SOURCES)
def test_yaml_round_trip_same_behaviour(rel):
    c = load_circuit(ROOT / rel)
    text = circuit_to_yaml(c)
    back = compile_design(loads_yaml(text, "back.yaml"))
    assert [(p.name, p.width, p.bus) for p in back.inputs + back.outputs] == [
        (p.name, p.width, p.bus) for p in c.inputs + c.outputs]
    assert len(back.gates) == len(c.gates)
    bits = np.random.default_rng(0).integers(0, 2, (c.n_input_bits, 500), dtype=np.uint8)
    assert np.array_equal(ExactEngine(back).run(bits), ExactEngine(c).run(bits))
    assert back.tests == c.tests


def test_yaml_writes_custom_primitives_as_rows():
    c = load_circuit(BENCH / "epfl" / "int2float.blif")
    text = circuit_to_yaml(c)
    assert "primitives:\n  LUT2_4:\n    inputs: [a, b]\n    outputs: [y]\n    rows:\n" \
           '      - "00 0"\n' in text
    assert '"B[11]"' in text


def test_dot_layout():
    c = load_circuit(DATA / "add2.blif")
    text = circuit_to_dot(c)
    assert "rankdir=LR;" in text
    assert "subgraph inputs { rank=source;" in text and "subgraph outputs { rank=sink;" in text
    assert 'label="a|<b0> 0|<b1> 1"' in text
    assert re.search(r'label="\{\{<i0> [^"]*\\nX(N)?OR3\}"', text)  # pins, name, type
    assert text.count(" -> ") == sum(len(g.inputs) for g in c.gates) + c.n_output_bits


@needs_dot
def test_convert_and_graph_commands(commands, tmp_path, capsys):
    src = str(DATA / "add2.blif")
    for ext in ("yaml", "v", "dot", "svg", "png"):
        assert commands(["convert", src, str(tmp_path / f"out.{ext}")]) == 0
    assert (tmp_path / "out.svg").read_text().lstrip().startswith("<?xml")
    assert (tmp_path / "out.png").read_bytes()[:4] == b"\x89PNG"
    back = load_circuit(tmp_path / "out.yaml")
    assert [p.name for p in back.inputs] == ["a", "b", "cin"]
    capsys.readouterr()
    assert commands(["graph", src]) == 0
    assert capsys.readouterr().out.startswith('digraph "add2"')
    assert commands(["graph", src, "-o", str(tmp_path / "g.svg")]) == 0
    assert commands(["convert", src, str(tmp_path / "out.txt")]) == 2
    assert "cannot tell the output format from '.txt'" in capsys.readouterr().err


def test_bus_csv_contract_with_exact_engine(tmp_path):
    c = load_circuit(DATA / "add2.blif")
    csv = tmp_path / "v.csv"
    csv.write_text("a,b,cin\n" + "".join(f"{a},{b},{ci}\n" for a in range(4)
                                          for b in range(4) for ci in range(2)))
    bits = read_csv(str(csv), c)
    got = decode(c.outputs, ExactEngine(c).run(bits))
    ins = decode(c.inputs, bits)
    assert (got["s"] + 4 * got["cout"] == ins["a"] + ins["b"] + ins["cin"]).all()


def test_bus_csv_contract_with_the_cli(commands, tmp_path, capsys):
    csv = tmp_path / "v.csv"
    rows = [(3, 2, 1), (1, 1, 0), (0, 0, 0), (3, 3, 1)]
    csv.write_text("a,b,cin\n" + "".join(f"{a},{b},{c}\n" for a, b, c in rows))
    code = commands(["run", str(DATA / "add2.blif"), "--vectors", str(csv), "--format", "csv",
                     "--store", str(tmp_path / "store"), "--mode", "digital"])
    out = capsys.readouterr().out.split()
    assert code == 0
    assert out[0] == "a,b,cin,s,cout"
    assert out[1:] == [f"{a},{b},{c},{(a + b + c) % 4},{(a + b + c) // 4}" for a, b, c in rows]


def test_yaml_quotes_names_yaml_would_read_as_other_types():
    from circuitnn.hdl import Builder

    b = Builder("null")
    on, no = b.input("on"), b.input("no", 2)
    b.output("off", on ^ no[1])
    sub = b.build()
    assert loads_yaml(sub.to_yaml()).modules == sub.modules
    flat = compile_design(sub.design)
    back = compile_design(loads_yaml(circuit_to_yaml(flat)))
    assert back.signal_names == flat.signal_names


@pytest.mark.parametrize("name", ["counter_8", "cpu", "serial_adder", "traffic_light"])
def test_verilog_registers_write_only_the_wires_they_use(name):
    """The reset and enable of a register are written in its always block;
    the gates the flattener adds to compute them for the nets are not
    written.  Every wire the file assigns is read in it, except the outputs
    of gates that nothing reads in the circuit itself either."""
    from circuitnn.write.verilog import circuit_to_verilog

    circuit = load_circuit(ROOT / "circuits" / "sequential" / f"{name}.yaml")
    text = re.sub(r"//[^\n]*", "", circuit_to_verilog(circuit))
    assert "always @(posedge clk)" in text
    read = {s for g in circuit.gates for s in g.inputs}
    read |= set(circuit.output_signals)
    read |= {s for r in circuit.registers for s in (*r.d, r.reset, r.enable)}
    dead = {circuit.signal_names[s] for g in circuit.gates for s in g.outputs
            if s not in read and not any(s in r.next for r in circuit.registers)}
    ports = {p.name for p in circuit.outputs}
    assigned = [w for w in re.findall(r"^\s*assign (\S+) =", text, re.M)
                if w.split("[")[0] not in ports]
    unread = [w for w in assigned
              if len(re.findall(rf"(?<![\w$]){re.escape(w)}(?![\w$])", text)) < 3]
    assert set(unread) <= {re.sub(r"\W", "_", n) for n in dead}
    assert any(r.reset is not None or r.enable is not None for r in circuit.registers)
