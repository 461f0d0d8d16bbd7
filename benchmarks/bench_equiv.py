"""Equivalence checking times: ``circuitnn.prove`` against baselines measured in
the same run.

For each pair it prints, side by side:

* sweep: circuitnn's default (structural hashing, constant propagation,
  SAT sweeping, then the output checks);
* no sweep: the same miter with structural hashing and constant propagation
  only (``--no-sweep``);
* yosys: Yosys's own SAT proof of the same two circuits, written as
  structural Verilog by circuitnn (``miter -equiv -flatten -make_assert``,
  then ``sat -verify -prove-asserts``), when yosys is installed.  Its time
  includes reading the Verilog.

Targets on this machine: 64-bit adders of different architectures in at most
5 s, a mutant found in at most 1 s.  c6288 against the library's 16x16 array
multiplier is a hard SAT problem; its time or its timeout is printed as it
is.  Run: ``python benchmarks/bench_equiv.py [--quick] [--timeout S]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_equiv import MUTANTS, _c6288_map, _mutant  # noqa: E402

from circuitnn.library import (  # noqa: E402
    array_multiplier,
    carry_lookahead_adder,
    kogge_stone_adder,
    ripple_carry_adder,
)
from circuitnn.prove import as_circuit, equivalent  # noqa: E402
from circuitnn.write.verilog import circuit_to_verilog  # noqa: E402

BENCH = ROOT / "data" / "benchmarks"


def _yosys_blif_adder(tmp: Path, n: int) -> Path:
    (tmp / "add.v").write_text(f"module add(input [{n - 1}:0] a, input [{n - 1}:0] b, input cin,"
                               f" output [{n - 1}:0] sum, output cout);\n"
                               "  assign {cout, sum} = a + b + cin;\nendmodule\n")
    subprocess.run(["yosys", "-q", "-p", "read_verilog add.v; synth -flatten -top add; "
                    "abc -g AND,NAND,OR,NOR,XOR,XNOR,MUX; opt_clean; write_blif add.blif"],
                   cwd=tmp, check=True, capture_output=True)
    return tmp / "add.blif"


def _yosys_blif_multiplier(tmp: Path, n: int) -> Path:
    (tmp / "mul.v").write_text(f"module mul(input [{n - 1}:0] a, input [{n - 1}:0] b, "
                               f"output [{2 * n - 1}:0] p);\n  assign p = a * b;\nendmodule\n")
    subprocess.run(["yosys", "-q", "-p", "read_verilog mul.v; synth -flatten -top mul; "
                    "abc -g AND,NAND,OR,NOR,XOR,XNOR,MUX; opt_clean; write_blif mul.blif"],
                   cwd=tmp, check=True, capture_output=True)
    return tmp / "mul.blif"


def pairs(quick: bool, tmp: Path):
    """(label, A, B, options, yosys-comparable) for every benchmarked pair."""
    archs = {"ripple": ripple_carry_adder, "lookahead": carry_lookahead_adder,
             "kogge-stone": kogge_stone_adder}
    out = []
    for n in ([8, 64] if quick else [8, 32, 64, 128]):
        names = list(archs)
        for i, x in enumerate(names):
            for y in names[i + 1:]:
                out.append((f"{x} vs {y} {n}", archs[x](n), archs[y](n), {}, True))
    if shutil.which("yosys"):
        out.append(("YAML rca32 vs yosys BLIF of a+b+cin",
                    ROOT / "circuits" / "ripple_carry_adder_32.yaml", _yosys_blif_adder(tmp, 32),
                    {}, True))
    out.append(("EPFL adder vs ripple 128 (B.cin=0)", BENCH / "epfl" / "adder.blif",
                ripple_carry_adder(128), {"map": "f=sum,cOut=cout", "const": "B.cin=0"}, False))
    out.append(("EPFL adder vs kogge-stone 128 (B.cin=0)", BENCH / "epfl" / "adder.blif",
                kogge_stone_adder(128), {"map": "f=sum,cOut=cout", "const": "B.cin=0"}, False))
    for n in ([32] if quick else [32, 64]):
        for kind, make in MUTANTS.items():
            text, spec = make(n)
            out.append((f"mutant {n}: {kind}", _mutant(text), spec, {}, True))
    if shutil.which("yosys"):
        out.append(("array multiplier 8x8 vs yosys BLIF of a*b", array_multiplier(8),
                    _yosys_blif_multiplier(tmp, 8), {}, True))
    out.append(("c6288 vs array multiplier 16x16", BENCH / "iscas85" / "c6288.bench",
                array_multiplier(16), {"map": _c6288_map()}, False))
    return out


def yosys_time(a, b, tmp: Path, timeout: float) -> str:
    ca = dataclasses.replace(as_circuit(a), name="gold")
    cb = dataclasses.replace(as_circuit(b), name="gate")
    (tmp / "gold.v").write_text(circuit_to_verilog(ca))
    (tmp / "gate.v").write_text(circuit_to_verilog(cb))
    script = ("read_verilog gold.v gate.v; miter -equiv -flatten -make_assert gold gate miter; "
              "sat -verify -prove-asserts miter")
    start = time.perf_counter()
    try:
        proc = subprocess.run(["yosys", "-q", "-p", script], cwd=tmp, capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"timeout {timeout:g}s"
    took = time.perf_counter() - start
    verdict = "equal" if proc.returncode == 0 else (
        "differ" if re.search(r"proof did fail|FAIL", proc.stdout + proc.stderr) else "error")
    return f"{took:.2f}s {verdict}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer pairs")
    ap.add_argument("--timeout", type=float, default=60.0,
                    help="seconds per proof (default 60)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_equiv_"))
    have_yosys = shutil.which("yosys") is not None
    print(f"{'pair':<42} {'sweep':>18} {'no sweep':>18} {'yosys sat':>16}")
    for label, a, b, opts, comparable in pairs(args.quick, tmp):
        a, b = as_circuit(a), as_circuit(b)
        cells = []
        for sweep in (True, False):
            r = equivalent(a, b, timeout=args.timeout, sweep=sweep, **opts)
            cells.append(f"{r.seconds:.2f}s {r.status[:5]}")
        ys = (yosys_time(a, b, tmp, args.timeout) if have_yosys and comparable
              else "n/a")
        print(f"{label:<42} {cells[0]:>18} {cells[1]:>18} {ys:>16}", flush=True)
    shutil.rmtree(tmp, ignore_errors=True)
    print("status: equiv = proved equivalent, diffe = counterexample found (checked on the "
          "exact engine), unkno = timeout")


if __name__ == "__main__":
    main()
