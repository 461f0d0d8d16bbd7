"""Waveforms of clocked runs (issue 18): the SVG a notebook shows is read back
(its geometry and its text) and compared with a counter computed by Python
arithmetic; to_pandas gives a row per cycle."""

import os
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from circuitnn import CircuitError
from circuitnn.hdl import Builder
from circuitnn.library import incrementer

IN_CI = os.environ.get("CI") == "true"
SVG = "{http://www.w3.org/2000/svg}"


def _counter(store):
    """A 4-bit counter with enable; ``msb`` is its top bit."""
    b = Builder("cnt")
    en = b.input("en")
    r = b.register(4, "r", enable=en)
    r.next <<= incrementer(4)(a=r).y
    b.output("count", r)
    b.output("msb", r[3])
    return b.build().compile(store)


def _python_counter(en):
    """The oracle: the count before each edge, by Python's integers."""
    return [sum(en[:k]) % 16 for k in range(len(en))]


def _read_waveform(svg: str) -> dict[str, list[int]]:
    """Each signal's value per drawn cycle, read off the drawing: the cycle
    axis gives the columns, a trace's height its bit, a segment's extent and
    text a bus value."""
    root = ET.fromstring(svg)
    axis = {int(t.text): float(t.get("x")) for t in root.iter(f"{SVG}text")
            if t.get("class") == "cycle"}
    cw = axis[1] - axis[0]
    x0 = axis[0] - cw / 2
    got = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("class") != "signal":
            continue
        name = g.get("data-name")
        label_y = next(float(t.get("y")) for t in g.iter(f"{SVG}text")
                       if t.get("class") == "label")
        path = next((p for p in g.iter(f"{SVG}path") if p.get("class") == "trace"), None)
        if path is not None:
            got[name] = _levels(path.get("d"), x0, cw, label_y - 4)
            continue
        values = {}
        for seg in g.iter(f"{SVG}g"):
            if seg.get("class") != "segment":
                continue
            xs = [float(p.split(",")[0]) for p in seg.find(f"{SVG}polygon").get("points").split()]
            first, end = round((min(xs) - x0) / cw), round((max(xs) - x0) / cw)
            value = int(seg.find(f"{SVG}text").text)
            for k in range(first, end):
                assert k not in values, f"{name}: two segments over cycle {k}"
                values[k] = value
        got[name] = [values[k] for k in range(len(values))]
        # a segment is a run of equal values: neighbours differ
        segs = [g2 for g2 in g.iter(f"{SVG}g") if g2.get("class") == "segment"]
        texts = [s.find(f"{SVG}text").text for s in segs]
        assert all(a != b for a, b in zip(texts, texts[1:])), name
    return got


def _levels(d: str, x0: float, cw: float, mid: float) -> list[int]:
    """The bit a step path draws in each column (high: above the row's middle)."""
    x = y = 0.0
    runs = []  # (x from, x to, y)
    for cmd, args in re.findall(r"([MHV])\s*([-\d.,]+)", d):
        if cmd == "M":
            x, y = map(float, args.split(","))
        elif cmd == "H":
            runs.append((x, float(args), y))
            x = float(args)
        else:
            y = float(args)
    n = round((runs[-1][1] - x0) / cw)
    out = []
    for k in range(n):
        xm = x0 + (k + 0.5) * cw
        ys = [yy for a, b, yy in runs if a <= xm <= b]
        assert len(set(ys)) == 1, f"column {k}: {ys}"
        out.append(int(ys[0] < mid))
    return out


def test_the_waveform_draws_the_counter_python_computes(store):
    rng = np.random.default_rng(3)
    en = [int(v) for v in rng.random(40) < 0.8]  # about 32 counts: it wraps once
    want = _python_counter(en)
    assert len(set(want)) == 16 and 0 in want[1:]
    res = _counter(store).sim(en=en)
    svg = res.waveform()
    assert svg.startswith("<svg") and "<script" not in svg
    got = _read_waveform(svg)
    assert got == {"en": en, "count": want, "msb": [v >> 3 for v in want]}
    html = res._repr_html_()
    assert "<script" not in html and "http" not in html.replace("http://www.w3.org", "")
    assert "cnt: 40 cycles, neural outputs" in html


def test_long_runs_are_cut_with_a_note_and_radix_is_honoured(store):
    en = [1] * 100
    svg = _counter(store).sim(en=en).waveform(radix="hex")
    assert "36 more cycles (of 100) not drawn" in svg
    hexes = re.findall(r">(0x[0-9a-f])<", svg)
    assert [int(h, 16) for h in hexes] == [k % 16 for k in range(64)]
    with pytest.raises(CircuitError, match=r"^radix 'oct': use 'dec', 'hex' or 'bin'$"):
        _counter(store).sim(en=en).waveform(radix="oct")


def test_each_stream_draws_its_own_values(store):
    en = np.array([[1, 0, 1]] * 6 + [[1, 1, 0]] * 6)
    res = _counter(store).sim(en=en)
    for k in range(3):
        assert _read_waveform(res.waveform(stream=k))["count"] == \
            _python_counter(en[:, k].tolist())
    with pytest.raises(CircuitError, match=r"^stream 3: this run has streams 0 to 2$"):
        res.waveform(stream=3)


def test_to_pandas_has_a_row_per_cycle(store):
    if not IN_CI:
        pytest.importorskip("pandas")
    en = [1, 1, 0, 1, 1, 1, 0, 1] * 3
    df = _counter(store).sim(en=en).to_pandas()
    assert df.index.name == "cycle" and list(df.columns) == ["en", "count", "msb"]
    assert df["count"].tolist() == _python_counter(en) and df["en"].tolist() == en
    two = _counter(store).sim(en=np.array([en, [1] * len(en)]).T).to_pandas()
    assert two.loc[(5, 1), "count"] == 5 and two.loc[(5, 0), "count"] == _python_counter(en)[5]


def test_to_pandas_without_pandas_names_the_extra(store, hide_pandas):
    res = _counter(store).sim(en=[1, 0])
    hide_pandas()
    with pytest.raises(CircuitError, match=r"pip install 'circuitnn\[notebook\]'"):
        res.to_pandas()


def test_a_run_of_no_cycles_is_one_clear_error(store):
    with pytest.raises(CircuitError, match=r"test_waveform\.py:\d+: nothing to run: 0 cycles "
                                           r"of 1 streams; give each input at least one value"):
        _counter(store).sim(en=[])
