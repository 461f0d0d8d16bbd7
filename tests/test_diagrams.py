"""Diagrams (issue 18): pins where order matters, hierarchy as clusters, names on
small circuits, and a quick summary or refusal for large ones."""

import re
import shutil
from pathlib import Path

import pytest

from circuitnn import CircuitError, load_circuit
from circuitnn.cli import main
from circuitnn.write.dot import MAX_GATES, circuit_to_dot

ROOT = Path(__file__).resolve().parent.parent
C6288 = ROOT / "data/benchmarks/iscas85/c6288.bench"


def _edges(text):
    return re.findall(r"^  (\S+) -> (\S+?)(?: \[.*\])?;$", text, re.M)


def test_full_adder_shows_clusters_names_pins_and_nets():
    c = load_circuit(ROOT / "circuits/full_adder.yaml")
    text = circuit_to_dot(c)
    for inst in ("ha1", "ha2"):
        block = text.split(f"subgraph cluster_{inst} {{")[1].split("\n  }")[0]
        assert f'label="{inst}"' in block
        names = {g.name for g in c.gates if g.name.startswith(inst + ".")}
        assert len(re.findall(r"tooltip=\"" + inst + r"\.", block)) == len(names) == 2
    assert 'label="{{<i0> a|<i1> b}|x1\\nXOR2}"' in text
    assert 'label="{{<i0> a|<i1> b}|o1\\nOR2}"' in text
    # every pin has one edge, entering at that pin, from the gate driving its net
    gates = {f"g{i}": g for i, g in enumerate(c.gates)}
    drivers = {s: f"g{i}" for i, g in enumerate(c.gates) for s in g.outputs}
    pin_edges = [(a, b) for a, b in _edges(text) if ":i" in b]
    assert len(pin_edges) == sum(len(g.inputs) for g in c.gates)
    for a, b in pin_edges:
        node, pin = b.split(":")[0], int(b.split(":")[1][1:])
        s = gates[node].inputs[pin]
        assert a == drivers.get(s, a) and (s in drivers or a.startswith("in"))
    assert 'label="s1"' in text and 'label="c1"' in text


def test_order_sensitive_pins_are_labelled_in_a_large_circuit_too():
    big = load_circuit(ROOT / "data/benchmarks/iscas85/c432.bench")
    assert len(big.gates) > 60
    text = circuit_to_dot(big)
    assert "shape=record, label=\"{{" not in text  # symmetric gates: no pins, no clutter
    mux = load_circuit(ROOT / "circuits/mux4.yaml")
    text = circuit_to_dot(mux)
    assert 'label="{{<i0> s|<i1> a|<i2> b}|m0\\nMUX2}"' in text
    sel = f"in{[p.name for p in mux.inputs].index('s')}:b"
    into_select = [a for a, b in _edges(text) if b.endswith(":i0:w")]
    assert len(into_select) == 3 and all(a.startswith(sel) for a in into_select)


def test_a_large_circuit_is_refused_quickly_with_the_way_to_a_summary(store, capsys,
                                                                        tmp_path):
    c = load_circuit(C6288)
    assert len(c.gates) > MAX_GATES
    with pytest.raises(CircuitError, match=r"2,416 gates; .* \(summary=True: "):
        circuit_to_dot(c)
    out = tmp_path / "c.svg"
    assert main(["convert", str(C6288), str(out), "--store", str(store.root)]) == 2
    err = capsys.readouterr().err
    assert f"circuitnn graph {C6288} --summary -o {out}" in err and not out.exists()


def test_the_summary_of_a_flat_netlist_counts_every_gate_and_output():
    c = load_circuit(C6288)
    text = circuit_to_dot(c, summary=True)
    counts = [int(n.replace(",", "")) for n in re.findall(r"\\n([\d,]+) gates", text)]
    assert sum(counts) == len(c.gates) and len(counts) <= 10
    to_outputs = sum(int(n) for a, b in _edges(text) if b.startswith("out")
                     for n in re.findall(r'label="(\d+)"', text.split(f"{a} -> {b}")[1]
                                          .split("\n")[0]))
    assert to_outputs == c.n_output_bits


def test_the_summary_of_a_hierarchy_has_a_box_per_instance(tmp_path):
    from circuitnn.library import ripple_carry_adder

    c = ripple_carry_adder(4).compile().circuit
    text = circuit_to_dot(c, summary=True)
    assert sorted(re.findall(r'label="(fa\d)\\n', text)) == ["fa0", "fa1", "fa2", "fa3"]


@pytest.mark.skipif(shutil.which("dot") is None and __import__("os").environ.get("CI")
                    != "true", reason="graphviz is not installed")
def test_graph_summary_renders_and_respects_existing_files(store, capsys, tmp_path):
    out = tmp_path / "c.svg"
    args = ["graph", str(C6288), "--summary", "-o", str(out), "--store", str(store.root)]
    assert main(args) == 0 and out.read_text().lstrip().startswith("<?xml")
    assert main(args) == 2
    assert "exists; give --force to replace it" in capsys.readouterr().err
    assert main([*args, "--force"]) == 0
