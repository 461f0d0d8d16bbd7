"""Two conveniences of ``circuitnn run``: sweeping the inputs ``--set`` leaves
out, and checking a run against a golden CSV (``--check expected.csv``).
Their messages name the functions' parameters, with the command line's
options as their ``cli`` words."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np

from ..errors import Loc, VectorError
from .bits import column_to_ints, decode_columns
from .vector_files import read_csv_columns
from .vectors import MAX_EXHAUSTIVE_BITS

__all__ = ["sweep_rest", "read_expected", "CheckReport", "check_expected"]


def sweep_rest(circuit, given: dict[str, int], limit: int = MAX_EXHAUSTIVE_BITS
               ) -> dict[str, np.ndarray]:
    """Columns holding ``given`` fixed and every combination of the other
    inputs, in counting order (the first free input's MSB varying slowest),
    when the free inputs total at most ``limit`` bits.

    Examples
    --------
    >>> from circuitnn.library import ripple_carry_adder
    >>> rca = ripple_carry_adder(2).compile().circuit
    >>> cols = sweep_rest(rca, {"a": 3, "cin": 0})
    >>> cols["b"].tolist(), cols["a"].tolist()
    ([0, 1, 2, 3], [3, 3, 3, 3])
    """
    free = [p for p in circuit.inputs if p.name not in given]
    bits = sum(p.width for p in free)
    if bits > limit:
        names = ", ".join(f"{p.name} ({p.width} bit{'s' if p.width > 1 else ''})"
                          for p in free)
        text = f"leaves {names} free: {bits} bits, more than the {limit} a sweep covers; "
        raise VectorError(f"the given values {text}give them values too, or run random "
                          "vectors (circuitnn.run.vectors.random_vectors)",
                          cli=f"--set {text}--set them too, or use --random N")
    n = 1 << bits
    index = np.arange(n, dtype=np.uint64)
    cols: dict[str, np.ndarray] = {}
    shift = bits
    for p in free:
        shift -= p.width
        cols[p.name] = (index >> np.uint64(shift)) & np.uint64((1 << p.width) - 1)
    for p in circuit.inputs:
        if p.name in given:
            cols[p.name] = np.full(n, given[p.name], dtype=object if p.width > 64 else np.uint64)
    return {p.name: cols[p.name] for p in circuit.inputs}


def _header(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            for row in csv.reader(f):
                if row and any(c.strip() for c in row) and not row[0].lstrip().startswith("#"):
                    return [c.strip() for c in row]
    except FileNotFoundError:
        raise VectorError("no such file; check the path", Loc(path)) from None
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise VectorError(f"cannot be read: {e}", Loc(path)) from None
    raise VectorError("is empty; the first line names the inputs and outputs", Loc(path, 1))


def read_expected(path: str, circuit) -> tuple[dict, dict]:
    """Input columns and expected output columns of a golden CSV: every input,
    and the outputs it names (at least one), as ``run --format csv`` writes.

    Examples
    --------
    >>> import os, tempfile
    >>> from circuitnn.library import half_adder
    >>> ha = half_adder().compile().circuit
    >>> path = os.path.join(tempfile.mkdtemp(), "golden.csv")
    >>> _ = open(path, "w").write("a,b,sum\\n1,1,0\\n0,1,1\\n")
    >>> ins, want = read_expected(path, ha)
    >>> ins["a"].tolist(), want["sum"].tolist()
    ([1, 0], [0, 1])
    """
    if path == "-":
        raise VectorError("a golden CSV is read from a file, not standard input; give its "
                          "path", cli="--check reads a file, not standard input; give its path")
    header = _header(path)
    outs = [p for p in circuit.outputs if p.name in header]
    if not outs:
        raise VectorError(f"names no output of {circuit.name!r}; the header should name the "
                          f"inputs and the outputs to check "
                          f"({','.join(p.name for p in circuit.inputs + circuit.outputs)})",
                          Loc(path))
    # the CSV reader checks inputs: a circuit whose inputs are both sides
    both = SimpleNamespace(name=circuit.name, inputs=list(circuit.inputs) + outs)
    cols = read_csv_columns(path, both, columns="a port")
    return ({p.name: cols[p.name] for p in circuit.inputs},
            {p.name: cols[p.name] for p in outs})


@dataclass
class CheckReport:
    """Rows of a golden CSV where the outputs differ from the expected ones."""

    rows: int = 0
    #: (row, {input: value}, {output: (expected, got)}) for the first differences
    differences: list = field(default_factory=list)
    n_different: int = 0

    @property
    def ok(self) -> bool:
        return self.n_different == 0


def check_expected(sim, inputs: dict, expected: dict, chunk: int = 1 << 16,
                   keep: int = 10) -> CheckReport:
    """Run ``inputs`` through ``sim`` and compare with ``expected`` outputs.

    Examples
    --------
    >>> from circuitnn.library import half_adder
    >>> ha = half_adder().compile()
    >>> r = check_expected(ha, {"a": [1, 1], "b": [0, 1]}, {"carry": [0, 0]})
    >>> r.rows, r.n_different, r.differences[0][2]
    (2, 1, {'carry': (0, 1)})
    """
    from .vectors import ColumnVectors

    vectors = ColumnVectors(sim.circuit, inputs)
    report = CheckReport(rows=vectors.n)
    for lo in range(0, vectors.n, chunk):
        hi = min(vectors.n, lo + chunk)
        got = decode_columns(sim.circuit.outputs, sim.run_bits(vectors.bits(lo, hi)).bits)
        bad = np.zeros(hi - lo, dtype=bool)
        for name, want in expected.items():
            bad |= np.asarray(got[name] != np.asarray(want[lo:hi], dtype=got[name].dtype)
                              ).reshape(hi - lo, -1).any(axis=1)
        report.n_different += int(bad.sum())
        for i in np.flatnonzero(bad)[:keep - len(report.differences)]:
            row = lo + int(i)
            ins = {k: _int_at(v, row) for k, v in vectors.columns.items()}
            diff = {k: (_int_at(w, row), _int_at(got[k], int(i))) for k, w in expected.items()
                    if _int_at(w, row) != _int_at(got[k], int(i))}
            report.differences.append((row, ins, diff))
    return report


def _int_at(col, row: int) -> int:
    """One value of a column (uint64, or words of a wide port) as an int."""
    return int(column_to_ints(np.asarray(col)[row:row + 1])[0])
