"""Rich display in Jupyter: circuits as SVG diagrams, results and truth tables
as HTML tables, results as pandas DataFrames.

Everything is static markup: an SVG drawn by graphviz's ``dot`` and plain
HTML tables, with no JavaScript and nothing fetched from a CDN, so a saved
notebook shows the same offline.
"""

from __future__ import annotations

import html
import shutil
import subprocess

import numpy as np

from ..errors import UsageError

__all__ = ["circuit_svg", "columns_html", "result_columns", "to_pandas", "MAX_HTML_ROWS"]

#: rows an HTML table shows before it says how many more there are
MAX_HTML_ROWS = 64


def circuit_svg(circuit) -> str | None:
    """The circuit's diagram as SVG text, or None when graphviz's ``dot`` is
    not installed (the notebook then shows the text repr).  Circuits too large
    to draw gate by gate are drawn in summary.

    Examples
    --------
    >>> from circuitnn import load_circuit
    >>> svg = circuit_svg(load_circuit("circuits/half_adder.yaml"))
    >>> svg is None or (svg.lstrip().startswith("<svg") and "<script" not in svg)
    True
    """
    from ..write.dot import MAX_GATES, circuit_to_dot

    exe = shutil.which("dot")
    if exe is None:
        return None
    text = circuit_to_dot(circuit, summary=len(circuit.gates) > MAX_GATES)
    proc = subprocess.run([exe, "-Tsvg"], input=text.encode(), capture_output=True,
                          check=False)
    if proc.returncode != 0:
        return None
    svg = proc.stdout.decode("utf-8", "replace")
    # the XML prologue and DOCTYPE are for files; inline SVG starts at <svg
    return svg[svg.find("<svg"):] if "<svg" in svg else None


def result_columns(result) -> dict[str, np.ndarray]:
    """Inputs, outputs and each output port's confidence, as columns.

    Examples
    --------
    >>> from circuitnn.library import half_adder
    >>> cols = result_columns(half_adder().compile().run(a=[1], b=[1]))
    >>> list(cols), int(cols["carry"][0])
    (['a', 'b', 'sum', 'carry', 'confidence'], 1)
    """
    cols = dict(result.input_values())
    cols.update(result.output_values())
    conf = result.port_confidence()
    cols["confidence"] = (np.min(np.stack(list(conf.values())), axis=0) if conf
                          else np.full(result.inputs.shape[1], 0.5))
    return cols


def columns_html(columns: dict[str, np.ndarray], n_inputs: int, caption: str = "",
                 max_rows: int = MAX_HTML_ROWS) -> str:
    """An HTML table of columns, the first ``n_inputs`` of them inputs
    (a rule separates them from the outputs); long tables are cut with a
    line saying how many rows are left out.

    Examples
    --------
    >>> print(columns_html({"a": np.array([0, 1]), "y": np.array([1, 0])}, 1)[:60])
    <table class="circuitnn"><thead><tr><th>a</th><th style="bor...
    """
    names = list(columns)
    n = len(next(iter(columns.values()))) if columns else 0
    sep = "border-left:2px solid #888"

    def cell(tag: str, text: str, j: int) -> str:
        style = f' style="{sep}"' if j == n_inputs and j else ""
        return f"<{tag}{style}>{text}</{tag}>"

    def fmt(name: str, v) -> str:
        return f"{float(v):.4f}" if name == "confidence" else html.escape(str(int(v)))

    parts = ['<table class="circuitnn">']
    if caption:
        parts.append(f"<caption>{html.escape(caption)}</caption>")
    parts.append("<thead><tr>" + "".join(cell("th", html.escape(nm), j)
                                          for j, nm in enumerate(names)) + "</tr></thead>")
    parts.append("<tbody>")
    for i in range(min(n, max_rows)):
        parts.append("<tr>" + "".join(cell("td", fmt(nm, columns[nm][i]), j)
                                      for j, nm in enumerate(names)) + "</tr>")
    parts.append("</tbody></table>")
    if n > max_rows:
        parts.append(f"<p>... {n - max_rows:,} more rows (of {n:,}); "
                     "to_pandas() gives them all</p>")
    return "".join(parts)


def to_pandas(result):
    """A result as a pandas DataFrame: a column per input and output port
    (integers; Python ints for ports wider than 64 bits) and ``confidence``.

    Examples
    --------
    >>> from circuitnn.library import half_adder
    >>> df = to_pandas(half_adder().compile().run(a=[0, 1], b=1))
    >>> df[["a", "b", "sum", "carry"]].values.tolist()
    [[0, 1, 1, 0], [1, 1, 0, 1]]
    """
    try:
        import pandas as pd
    except ImportError:
        raise UsageError("to_pandas() needs pandas, which is not installed: "
                         "pip install 'circuitnn[notebook]'") from None
    return pd.DataFrame(result_columns(result))
