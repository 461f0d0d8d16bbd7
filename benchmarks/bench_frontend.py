"""Front-end speed: reading and compiling a netlist (reader, checker,
flattener, scheduler), per gate, side by side with a baseline checkout.

Each case runs ``load_circuit`` in a fresh process, best of ``--repeat``;
with ``--baseline DIR`` (a checkout of another circuitnn, such as main
before a change) every case also runs on that code in the same run, so the
ratio is not at the mercy of the machine's load.

Run: ``python benchmarks/bench_frontend.py [--baseline DIR] [--repeat N] [--chain N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "benchmarks"

# the child: imports first (numpy alone is a third of a second), then one load
CHILD = r"""
import json, sys, time
import circuitnn.compile, circuitnn.read.bench, circuitnn.read.blif, circuitnn.read.yaml
from circuitnn.read import load_circuit
start = time.perf_counter()
c = load_circuit(sys.argv[1])
print(json.dumps({"seconds": time.perf_counter() - start, "gates": len(c.gates)}))
"""


def chain(n: int) -> str:
    """A chain of ``n`` NOT gates, one per YAML line."""
    lines = ["name: chain", "inputs: [a]", "outputs: [y]", "gates:"]
    prev = "a"
    for i in range(n):
        out = "y" if i == n - 1 else f"w{i}"
        lines.append(f"  - {{name: g{i}, type: NOT, in: {prev}, out: {out}}}")
        prev = out
    return "\n".join(lines) + "\n"


def run(code: Path, path: Path, repeat: int) -> tuple[float, int]:
    env = dict(os.environ, PYTHONPATH=str(code))
    best, gates = float("inf"), 0
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", CHILD, str(path)], env=env, cwd=code,
                             capture_output=True, text=True, check=True)
        got = json.loads(out.stdout.splitlines()[-1])
        best, gates = min(best, got["seconds"]), got["gates"]
    return best, gates


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", type=Path, help="another circuitnn checkout to compare")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--chain", type=int, default=100_000,
                    help="gates of the generated YAML chain (0: none)")
    ap.add_argument("files", nargs="*", type=Path, help="netlists to time (default: the "
                    "largest ISCAS-89 and EPFL circuits in data/benchmarks)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = list(args.files) or [DATA / "iscas89" / "s5378.bench",
                                     DATA / "epfl" / "bar.blif"]
        if args.chain:
            files.append(Path(tmp) / f"chain{args.chain}.yaml")
            files[-1].write_text(chain(args.chain))
        print(f"load average {os.getloadavg()[0]:.2f}; best of {args.repeat}")
        print(f"{'netlist':<22}{'gates':>9}{'this (s)':>10}{'us/gate':>9}"
              + (f"{'base (s)':>10}{'ratio':>7}" if args.baseline else ""))
        for path in files:
            t, n = run(ROOT, path, args.repeat)
            row = f"{path.name:<22}{n:>9,}{t:>10.3f}{t / max(n, 1) * 1e6:>9.1f}"
            if args.baseline:
                b, _ = run(args.baseline.resolve(), path, args.repeat)
                row += f"{b:>10.3f}{b / t:>7.2f}"
            print(row, flush=True)
        print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
