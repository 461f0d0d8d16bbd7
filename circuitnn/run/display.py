"""Rich display in Jupyter: circuits as SVG diagrams, results and truth tables
as HTML tables, clocked runs as waveforms, results as pandas DataFrames.

Everything is static markup: an SVG drawn by graphviz's ``dot`` or written
here, and plain HTML tables, with no JavaScript and nothing fetched from a
CDN, so a saved notebook shows the same offline.
"""

from __future__ import annotations

import html
import shutil
import subprocess

import numpy as np

from ..errors import UsageError

__all__ = ["circuit_svg", "columns_html", "result_columns", "to_pandas", "waveform_svg",
           "MAX_HTML_ROWS", "MAX_WAVE_CYCLES", "MAX_WAVE_ROWS"]

#: rows an HTML table shows before it says how many more there are
MAX_HTML_ROWS = 64
#: cycles a waveform draws before it says how many more there are
MAX_WAVE_CYCLES = 64
#: signals a waveform draws before it says how many more there are
MAX_WAVE_ROWS = 48


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
    return _pandas().DataFrame(result_columns(result))


def _pandas():
    """pandas, or a UsageError naming the extra that installs it."""
    try:
        import pandas as pd
    except ImportError:
        raise UsageError("to_pandas() needs pandas, which is not installed: "
                         "pip install 'circuitnn[notebook]'") from None
    return pd


# ---------------------------------------------------------------- waveforms
_CHAR = 7.2     # width of a character of the 12 px monospace font
_ROW = 26       # height of a signal's row
_AXIS = 20      # height of the cycle axis
_TRACE = "#1a5fb4"


def _show(value: int, width: int, radix: str) -> str:
    """A bus value as the waveform writes it (hex and bin zero-padded, as
    the command line's --radix)."""
    if radix == "hex":
        return f"0x{value:0{-(-width // 4)}x}"
    if radix == "bin":
        return f"0b{value:0{width}b}"
    return str(value)


def waveform_svg(signals: list[tuple[str, int, list[int]]], cycles: int,
                 max_cycles: int = MAX_WAVE_CYCLES, max_rows: int = MAX_WAVE_ROWS,
                 radix: str = "dec", clock: str | None = "clk") -> str:
    """A waveform as inline SVG: a row per signal, a cycle axis, and a clock
    row when ``clock`` names it.

    ``signals`` are ``(name, width, values)``, one value per cycle: a 1-bit
    signal is drawn as a digital trace, a wider one as segments of equal
    value with the value written inside (``radix`` dec, hex or bin; a value
    too long for its segment is cut with an ellipsis, and every segment's
    tooltip has it whole).  Cycle k spans one column; the clock rises in its
    middle, where the registers load (the outputs are sampled before).  Runs
    longer than ``max_cycles``, or with more than ``max_rows`` signals, are
    cut, with a line saying what was left out.

    Examples
    --------
    >>> svg = waveform_svg([("en", 1, [0, 1, 1]), ("q", 4, [0, 0, 1])], 3)
    >>> svg.startswith("<svg") and ">q<" in svg and "<script" not in svg
    True
    """
    if radix not in ("dec", "hex", "bin"):
        raise UsageError(f"radix {radix!r}: use 'dec', 'hex' or 'bin'")
    shown = min(cycles, max_cycles)
    rows = signals[:max_rows]
    texts = {name: [_show(int(v), w, radix) for v in vals[:shown]]
             for name, w, vals in rows if w > 1}
    longest = max([len(t) for ts in texts.values() for t in ts] + [1])
    cw = min(max(28.0, longest * _CHAR + 14), 96.0)
    names = [name for name, _, _ in rows] + ([clock] if clock else [])
    x0 = max(len(n) for n in names + ["cycle"]) * _CHAR + 20
    notes = []
    if cycles > shown:
        notes.append(f"... {cycles - shown:,} more cycles (of {cycles:,}) not drawn: "
                     "waveform(max_cycles=N) draws more, to_pandas() has every cycle")
    if len(signals) > len(rows):
        notes.append(f"... {len(signals) - len(rows):,} more signals (of {len(signals):,}) "
                     "not drawn: waveform(max_rows=N) draws more")
    n_rows = len(rows) + (1 if clock else 0)
    height = _AXIS + n_rows * _ROW + 18 * len(notes) + 6
    width = max(x0 + shown * cw + 10, max([len(n) * _CHAR + 10 for n in notes] + [0]))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" '
           f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
           'font-family="monospace" font-size="12">',
           f'<rect width="{width:.0f}" height="{height:.0f}" fill="white"/>']
    # the cycle axis: numbers at the columns' centres, thinned when they crowd
    digits = len(str(max(shown - 1, 0))) * _CHAR + 6
    step = next(s for s in (1, 2, 5, 10, 20, 50, 100, 1000) if s * cw >= digits or s == 1000)
    out.append('<g class="axis" fill="#555" text-anchor="middle">')
    out += [f'<text class="cycle" x="{x0 + (k + 0.5) * cw:.1f}" y="14">{k}</text>'
            for k in range(0, shown, step)]
    out.append("</g>")
    bottom = _AXIS + n_rows * _ROW
    out.append('<g class="grid" stroke="#ddd">')
    out += [f'<line x1="{x0 + k * cw:.1f}" y1="{_AXIS}" x2="{x0 + k * cw:.1f}" '
            f'y2="{bottom}"/>' for k in range(shown + 1)]
    out.append("</g>")
    y = _AXIS
    if clock:
        hi, lo = y + 6, y + _ROW - 6
        d = [f"M{x0:.1f},{lo}"]
        for k in range(shown):
            mid = x0 + (k + 0.5) * cw
            d.append(f"H{mid:.1f} V{hi} H{x0 + (k + 1) * cw:.1f} V{lo}")
        out.append(f'<g class="clock">{_label(clock, y, "#777")}<path d="{" ".join(d)}" '
                   'fill="none" stroke="#777"/></g>')
        y += _ROW
    for name, w, vals in rows:
        vals = [int(v) for v in vals[:shown]]
        body = _bit_trace(vals, x0, cw, y) if w == 1 else _bus(name, texts[name], vals,
                                                                  x0, cw, y)
        out.append(f'<g class="signal" data-name="{html.escape(name)}">'
                   f'<title>{html.escape(name)}: {w} bit{"s" if w > 1 else ""}</title>'
                   f'{_label(name, y, "#222")}{body}</g>')
        y += _ROW
    for i, note in enumerate(notes):
        out.append(f'<text class="note" x="4" y="{bottom + 16 + 18 * i}" fill="#a00">'
                   f"{html.escape(note)}</text>")
    out.append("</svg>")
    return "".join(out)


def _label(name: str, y: float, colour: str) -> str:
    return (f'<text class="label" x="6" y="{y + _ROW / 2 + 4:.1f}" fill="{colour}">'
            f"{html.escape(name)}</text>")


def _bit_trace(vals: list[int], x0: float, cw: float, y: float) -> str:
    """A 1-bit signal: a line high or low through each cycle, a shaded band
    under its high stretches."""
    hi, lo = y + 5, y + _ROW - 5
    d = [f"M{x0:.1f},{lo if not vals or not vals[0] else hi}"]
    shade = []
    for k, v in enumerate(vals):
        if k and v != vals[k - 1]:
            d.append(f"V{hi if v else lo}")
        d.append(f"H{x0 + (k + 1) * cw:.1f}")
        if v:
            shade.append(f'<rect x="{x0 + k * cw:.1f}" y="{hi}" width="{cw:.1f}" '
                         f'height="{lo - hi}" fill="{_TRACE}" fill-opacity="0.12"/>')
    return "".join(shade) + (f'<path class="trace" d="{" ".join(d)}" fill="none" '
                             f'stroke="{_TRACE}" stroke-width="1.5"/>')


def _bus(name: str, texts: list[str], vals: list[int], x0: float, cw: float,
         y: float) -> str:
    """A bus: one six-sided segment per run of equal values, the value inside."""
    top, bot, mid = y + 4, y + _ROW - 4, y + _ROW / 2
    parts, start = [], 0
    for k in range(1, len(vals) + 1):
        if k < len(vals) and vals[k] == vals[start]:
            continue
        a, b = x0 + start * cw, x0 + k * cw
        s = min(3.0, (b - a) / 4)
        pts = (f"{a:.1f},{mid} {a + s:.1f},{top} {b - s:.1f},{top} {b:.1f},{mid} "
               f"{b - s:.1f},{bot} {a + s:.1f},{bot}")
        fits = int((b - a - 2 * s - 4) // _CHAR)
        text = texts[start]
        shown = text if len(text) <= fits else (text[:fits - 1] + "\u2026" if fits > 1 else "")
        span = f"cycle {start}" if k - start == 1 else f"cycles {start}-{k - 1}"
        parts.append(f'<g class="segment"><title>{html.escape(name)} = {text} ({span})'
                     f'</title><polygon points="{pts}" fill="#e8f0fe" stroke="{_TRACE}"/>'
                     f'<text x="{(a + b) / 2:.1f}" y="{mid + 4:.1f}" text-anchor="middle" '
                     f'fill="#123">{html.escape(shown)}</text></g>')
        start = k
    return "".join(parts)
