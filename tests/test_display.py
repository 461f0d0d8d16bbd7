"""Notebook display (issue 18): circuits as SVG, results as HTML tables and
pandas DataFrames, no JavaScript; and the example notebook runs clean."""

import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from circuitnn import CircuitError
from circuitnn.library import full_adder, half_adder, ripple_carry_adder

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI") == "true"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None and not IN_CI,
                               reason="graphviz is not installed")


def _html_rows(text):
    body = text.split("<tbody>")[1].split("</tbody>")[0]
    return [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in body.split("</tr>")[:-1]]


@needs_dot
def test_a_session_and_a_circuit_show_as_their_diagram(store):
    fa = full_adder().compile(store)
    for obj in (fa, fa.circuit):
        svg = obj._repr_svg_()
        assert svg.startswith("<svg") and "<script" not in svg and "http" not in \
            svg.replace("http://www.w3.org", "")
        assert ">half_adder0<" in svg and ">XOR2<" in svg  # a cluster and a gate, as text


def test_run_with_no_inputs_is_the_truth_table_and_shows_as_html(store):
    fa = full_adder().compile(store)
    res = fa.run()
    text = res._repr_html_()
    assert "<script" not in text
    rows = _html_rows(text)
    assert len(rows) == 8
    for a, b, cin, s, cout, conf in rows:
        assert int(s) + 2 * int(cout) == int(a) + int(b) + int(cin)  # Python's +
        assert 0.3 < float(conf) <= 0.5
    assert np.array_equal(np.array([[int(v) for v in r[:5]] for r in rows]),
                          fa.truth_table().astype(int))


def test_long_results_are_cut_with_a_count(store):
    rca = ripple_carry_adder(8).compile(store)
    text = rca.run(a=np.arange(200) % 256, b=7, cin=0)._repr_html_()
    assert len(_html_rows(text)) == 64 and "136 more rows (of 200)" in text


def test_to_pandas_matches_python_integers(store):
    if not IN_CI:
        pytest.importorskip("pandas")
    rca = ripple_carry_adder(8).compile(store)
    a = np.arange(0, 256, 3)
    df = rca.run(a=a, b=255 - a // 2, cin=1).to_pandas()
    assert list(df.columns) == ["a", "b", "cin", "sum", "cout", "confidence"]
    assert (df["sum"] + 256 * df["cout"] == df["a"] + df["b"] + df["cin"]).all()


def test_to_pandas_without_pandas_names_the_extra(store, hide_pandas):
    hide_pandas()
    with pytest.raises(CircuitError, match=r"pip install 'circuitnn\[notebook\]'"):
        half_adder().compile(store).run().to_pandas()


def test_a_primitive_truth_table_shows_as_html():
    from circuitnn.ir.primitives import standard

    text = standard()["MUX2"]._repr_html_()
    rows = _html_rows(text)
    assert len(rows) == 8
    for s, a, b, y in rows:
        assert int(y) == (int(b) if int(s) else int(a))


@pytest.mark.skipif(not IN_CI and (shutil.which("dot") is None or any(
    __import__("importlib").util.find_spec(m) is None
    for m in ("nbclient", "nbformat", "ipykernel"))), reason="the notebook extra is missing")
def test_the_example_notebook_runs_clean(store, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("CIRCUITNN_STORE", str(store.root))
    path = ROOT / "examples" / "from_notebook_to_cpu.ipynb"
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    data = [o.get("data", {}) for o in outputs]
    assert sum("image/svg+xml" in d for d in data) >= 3  # half, full, 4-bit, summary
    assert sum("text/html" in d for d in data) >= 2
    waves = [d["text/html"] for d in data if "circuitnn-waveform" in d.get("text/html", "")]
    assert len(waves) == 1 and "cpu: 40 cycles, neural outputs" in waves[0]
    assert not any("<script" in str(v) for d in data for v in d.values())
    text = "".join(o.get("text", "") for o in outputs)
    assert "mismatches against Python's +: 0" in text
