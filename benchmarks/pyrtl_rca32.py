"""PyRTL's FastSimulation doing what ``circuitnn run rca32 --vectors IN.csv
--format csv`` does: read a CSV of a, b, cin, simulate a 32-bit ripple-carry
adder built from full adders, write a, b, cin, sum, cout as CSV.

The baseline of benchmarks/bench_io.py.  Usage: python pyrtl_rca32.py IN.csv OUT.csv
"""

from __future__ import annotations

import csv
import sys


def build(width: int = 32):
    import pyrtl

    pyrtl.reset_working_block()
    a, b = pyrtl.Input(width, "a"), pyrtl.Input(width, "b")
    carry = pyrtl.Input(1, "cin")
    sums = []
    for i in range(width):
        x, y = a[i], b[i]
        t = x ^ y
        sums.append(t ^ carry)
        carry = (x & y) | (t & carry)
    total = pyrtl.Output(width, "sum")
    total <<= pyrtl.concat_list(sums)
    cout = pyrtl.Output(1, "cout")
    cout <<= carry
    return pyrtl


def main(src: str, dst: str) -> None:
    pyrtl = build()
    with open(src, newline="") as f:
        rows = csv.reader(f)
        header = [h.strip() for h in next(rows)]
        cols: dict[str, list[int]] = {h: [] for h in header}
        for row in rows:
            for h, cell in zip(header, row):
                cols[h].append(int(cell, 0))
    sim = pyrtl.FastSimulation(tracer=pyrtl.SimulationTrace())
    sim.step_multiple(cols)
    trace = sim.tracer.trace
    with open(dst, "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["a", "b", "cin", "sum", "cout"])
        out.writerows(zip(cols["a"], cols["b"], cols["cin"], trace["sum"], trace["cout"]))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
