"""Golden truth tables of the example circuits, ``circuits/*.yaml``.

Every example ``circuits/<name>.yaml`` has a table ``tests/golden/<name>.csv``:
a ``#`` comment line, a header naming the input ports then the output ports,
then one row of decimal integers per input vector.  The rows are every input
combination when the circuit has at most 16 input bits, else 1000 random
vectors drawn with seed 0.  The outputs are what the neural engine gives in
analog mode, so a change in any trained net, in the compiler or in an engine
that alters a single output bit fails here, showing the first differing rows.

After an intended change (or for a new example), regenerate the tables::

    CIRCUITNN_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py

Regeneration checks every table against the exact truth-table engine first
and refuses to write one that disagrees.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import numpy as np
import pytest

from circuitnn.compile import compile_design
from circuitnn.read.yaml import load_yaml
from circuitnn.run.bits import decode, encode
from circuitnn.run.exact import ExactEngine
from circuitnn.run.session import Session
from circuitnn.run.vectors import MAX_EXHAUSTIVE_BITS, exhaustive, random_vectors

ROOT = Path(__file__).resolve().parent.parent
CIRCUITS = ROOT / "circuits"
GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("CIRCUITNN_UPDATE_GOLDEN", "") not in ("", "0")
RANDOM_ROWS, SEED = 1000, 0
SHOW = 10

EXAMPLES = sorted(CIRCUITS.glob("*.yaml"))



def _input_bits(circuit) -> tuple[np.ndarray, str]:
    if circuit.n_input_bits <= MAX_EXHAUSTIVE_BITS:
        return exhaustive(circuit), "every input combination"
    return random_vectors(circuit, RANDOM_ROWS, SEED), f"{RANDOM_ROWS} random vectors, seed {SEED}"


def _write(path: Path, circuit, ins: dict, outs: dict, what: str) -> None:
    buf = io.StringIO()
    buf.write(f"# {circuit.name}: {what}; outputs from the neural engine, analog mode\n")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(list(ins) + list(outs))
    cols = list(ins.values()) + list(outs.values())
    for row in zip(*cols):
        w.writerow([int(v) for v in row])
    path.write_text(buf.getvalue(), encoding="utf-8")


def _read(path: Path) -> tuple[list[str], list[list[int]]]:
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines()
             if ln and not ln.startswith("#")]
    rows = list(csv.reader(lines))
    return rows[0], [[int(v) for v in r] for r in rows[1:]]


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_golden_truth_table(path, store):
    circuit = compile_design(load_yaml(path))
    golden = GOLDEN / f"{path.stem}.csv"
    sim = Session.from_store(circuit, store, mode="analog")
    in_names = [p.name for p in circuit.inputs]
    out_names = [p.name for p in circuit.outputs]

    if UPDATE:
        bits, what = _input_bits(circuit)
        report = sim.verify(bits)
        assert report.ok, (f"{path.name}: the neural engine disagrees with the exact engine "
                           f"on {len(report.mismatched_rows)} vectors; not writing a golden "
                           "table from wrong outputs")
        GOLDEN.mkdir(exist_ok=True)
        _write(golden, circuit, decode(circuit.inputs, bits),
               report.result.output_values(), what)

    if not golden.exists():
        pytest.fail(f"no golden table {golden.relative_to(ROOT)} for {path.name}; generate it "
                    "with CIRCUITNN_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py")
    header, rows = _read(golden)
    assert header == in_names + out_names, (
        f"{golden.name}: header {header} does not match the ports of {path.name} "
        f"({in_names + out_names}); regenerate the table")
    table = np.array(rows, dtype=object).reshape(len(rows), len(header))
    k = len(in_names)
    values = {name: table[:, i] for i, name in enumerate(in_names)}
    got = sim.run_bits(encode(circuit, values)).output_values()
    got_cols = [np.array([int(v) for v in got[name]], dtype=object) for name in out_names]
    want_cols = [table[:, k + j] for j in range(len(out_names))]
    bad = np.zeros(len(rows), dtype=bool)
    for g, w in zip(got_cols, want_cols):
        bad |= g != w
    if bad.any():
        idx = np.flatnonzero(bad)
        head = (f"{golden.name}: {len(idx)} of {len(rows)} rows differ from the golden "
                f"table (first {min(SHOW, len(idx))} shown):")
        lines = [head]
        for r in idx[:SHOW]:
            ins = " ".join(f"{n}={table[r, i]}" for i, n in enumerate(in_names))
            want = " ".join(f"{n}={want_cols[j][r]}" for j, n in enumerate(out_names))
            have = " ".join(f"{n}={got_cols[j][r]}" for j, n in enumerate(out_names))
            lines.append(f"  row {r + 1}: {ins} | golden {want} | now {have}")
        exact = decode(circuit.outputs, ExactEngine(circuit).run(encode(circuit, values)))
        exact_ok = all((np.array([int(v) for v in exact[n]], dtype=object) == w).all()
                       for n, w in zip(out_names, want_cols))
        lines.append("  the golden table agrees with the exact engine: "
                     + ("yes, so the neural engine changed" if exact_ok else
                        "no, so the circuit, the compiler or the table itself changed"))
        pytest.fail("\n".join(lines), pytrace=False)


def test_every_golden_table_has_an_example():
    stale = [p.name for p in sorted(GOLDEN.glob("*.csv"))
             if not (CIRCUITS / f"{p.stem}.yaml").exists()]
    assert not stale, f"golden tables without an example circuit: {', '.join(stale)}"


def test_golden_tables_are_complete():
    for path in EXAMPLES:
        golden = GOLDEN / f"{path.stem}.csv"
        if not golden.exists():
            continue
        circuit = compile_design(load_yaml(path))
        _, rows = _read(golden)
        expected = (2 ** circuit.n_input_bits if circuit.n_input_bits <= MAX_EXHAUSTIVE_BITS
                    else RANDOM_ROWS)
        assert len(rows) == expected, f"{golden.name}: {len(rows)} rows, expected {expected}"
