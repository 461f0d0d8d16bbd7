"""Small inputs that used to take minutes, and every parser's growth with its input.

Each case builds its netlist (a few KB for the hostile ones) in a temporary
folder and reads and compiles it in a fresh process, which reports its wall
time, peak memory and result (the circuit, or the first words of its
message).  With ``--baseline DIR`` (a checkout of another circuitnn, such as
main before a change) every case also runs on that code, side by side in the
same run, so the ratio is not at the mercy of the machine's load.

The ``linear:`` cases read one input at two sizes (the second twice the
first): a time ratio near 2 is linear, near 4 quadratic.

Run: ``python benchmarks/bench_small_inputs.py [--baseline DIR] [--timeout S] [--only NAME]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from test_small_inputs import doubling  # noqa: E402  (the suite's generator, one copy)

ROOT = Path(__file__).resolve().parent.parent

# the child: read (and compile) one file, report time, memory and the outcome
CHILD = r"""
import json, resource, sys, time
from circuitnn.errors import CircuitError
from circuitnn.read import load_circuit, read_design
path, compile_it = sys.argv[1], sys.argv[2] == "1"
start = time.perf_counter()
try:
    got = repr(load_circuit(path) if compile_it else read_design(path).top_module.name)
except CircuitError as e:
    got = "refused: " + str(e).splitlines()[0].split(": ", 1)[-1][:70]
print(json.dumps({"seconds": time.perf_counter() - start, "got": got,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def imports(folder: Path, levels: int) -> Path:
    (folder / "l0.yaml").write_text("name: c0\ninputs: [a]\noutputs: [y]\n"
                                    "gates: [{name: g, type: NOT, in: [a], out: y}]\n")
    for k in range(1, levels + 1):
        (folder / f"l{k}.yaml").write_text(
            f"name: c{k}\nimports: [l{k - 1}.yaml, l{k - 1}.yaml, ./l{k - 1}.yaml]\n"
            "inputs: [a]\noutputs: [y]\n"
            f"gates: [{{name: g, type: c{k - 1}, ports: {{a: a, y: y}}}}]\n")
    return folder / f"l{levels}.yaml"


def chain(n: int) -> str:
    return (f"inputs: [a]\noutputs: [y]\nwires: ['t[{n + 1}]']\n"
            f"assign: {{'t[0]': a, y: 't[{n}]'}}\n"
            f"gates:\n  - {{name: g, type: NOT, repeat: {n}, in: ['t[{{i}}]'], "
            "out: 't[{i+1}]'}\n")


def repeats(k: int, n: int) -> str:
    return (f"inputs: [a]\noutputs: [y]\nwires: ['t[{n}]']\ngates:\n"
            + "".join(f"  - {{name: g{j}, type: NOT, repeat: {n}, in: [a], out: 't[{{i}}]'}}\n"
                      for j in range(k))
            + "  - {name: h, type: BUF, in: [a], out: y}\n")


def port_pairs(k: int, w: int = 1 << 20) -> str:
    ins = ", ".join(f"'a{j}[{w}]'" for j in range(k))
    outs = ", ".join(f"'y{j}[{w}]'" for j in range(k))
    assigns = ", ".join(f"y{j}: a{j}" for j in range(k))
    return f"inputs: [{ins}]\noutputs: [{outs}]\nassign: {{{assigns}}}\n"


def yaml_gates(n: int) -> str:
    return (f"inputs: ['a[{n}]']\noutputs: ['y[{n}]']\ngates:\n"
            + "".join(f"  - {{name: g{i}, type: NOT, in: 'a[{i}]', out: 'y[{i}]'}}\n"
                      for i in range(n)))


def yaml_gates_pure(n: int) -> str:
    # an explicit tag sends the file to the pure-Python loader
    return (f"name: !!str pure\ninputs: ['a[{n}]']\noutputs: ['y[{n}]']\ngates:\n"
            + "".join(f"  - {{name: g{i}, type: NOT, in: 'a[{i}]', out: 'y[{i}]'}}\n"
                      for i in range(n)))


def blif_long_line(n: int) -> str:
    names = " ".join(f"a{i}" for i in range(n))
    return (f".model wide\n.inputs {names}\n.outputs y\n.names a0 a1 y\n11 1\n.end\n")


def bench_long_line(n: int) -> str:
    names = ", ".join(f"a{i}" for i in range(n))
    return "".join(f"INPUT(a{i})\n" for i in range(n)) + f"OUTPUT(y)\ny = XOR({names})\n"


def json_quotes(n: int) -> str:
    cells = {"g": {"type": "$_NOT_", "connections": {"A": [2], "Y": [3]},
                   "attributes": {"src": '\\"' * n}}}
    return json.dumps({"modules": {"top": {
        "attributes": {"top": 1},
        "ports": {"a": {"direction": "input", "bits": [2]},
                  "y": {"direction": "output", "bits": [3]}},
        "cells": cells}}}).replace("\\\\\\\"", "\\\"")


def json_cells(n: int) -> str:
    cells = {f"g{i}": {"type": "$_NOT_", "connections": {"A": [2 + i], "Y": [2 + n + i]}}
             for i in range(n)}
    return json.dumps({"modules": {"top": {
        "attributes": {"top": 1},
        "ports": {"a": {"direction": "input", "bits": list(range(2, 2 + n))},
                  "y": {"direction": "output", "bits": list(range(2 + n, 2 + 2 * n))}},
        "cells": cells}}})


#: name -> (file name, writer(folder) -> path, compile too)
HOSTILE = {
    "exponential hierarchy, 20 levels (524,288 gates)": ("exp20.yaml", lambda d: doubling(20),
                                                         True),
    "exponential hierarchy, 30 levels (over budget)": ("exp30.yaml", lambda d: doubling(30),
                                                       True),
    "imports, 3 per level, 12 levels": (None, lambda d: imports(d, 12), True),
    "repeat: 1000000, a chain (within budget)": ("chain.yaml", lambda d: chain(1_000_000), True),
    "repeat: 1000000 on six gates (over budget)": ("rep6.yaml", lambda d: repeats(6, 1_000_000),
                                                   True),
    "one 1,048,576-bit port pair": ("pair1.yaml", lambda d: port_pairs(1), True),
    "ten 1,048,576-bit port pairs": ("pair10.yaml", lambda d: port_pairs(10), True),
    "twenty 1,048,576-bit port pairs (over budget)": ("pair20.yaml", lambda d: port_pairs(20),
                                                      True),
}
#: name -> (suffix, text(n), n, compile too)
LINEAR = {
    "YAML gates (libyaml)": (".yaml", yaml_gates, 50_000, False),
    "YAML gates, pure-Python loader": (".yaml", yaml_gates_pure, 10_000, False),
    "BLIF .inputs line (1 MB)": (".blif", blif_long_line, 150_000, False),
    "bench XOR line (1 MB)": (".bench", bench_long_line, 100_000, False),
    "Yosys JSON string of \\\" (100 KB)": (".json", json_quotes, 50_000, False),
    "Yosys JSON cells": (".json", json_cells, 20_000, False),
}


def run(code: Path, path: Path, compile_it: bool, timeout: float) -> dict:
    env = dict(os.environ, PYTHONPATH=str(code), CIRCUITNN_STORE=str(path.parent / "store"))
    try:
        # run from the code's folder: 'python -c' puts the working folder first on the path
        proc = subprocess.run([sys.executable, "-c", CHILD, str(path), "1" if compile_it else "0"],
                              env=env, cwd=code, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"seconds": None, "got": f"still running after {timeout:.0f} s", "rss_mb": None}
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return {"seconds": None, "got": f"crashed: {last[:70]}", "rss_mb": None}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def show(r: dict) -> str:
    t = "      -" if r["seconds"] is None else f"{r['seconds']:7.2f}"
    m = "     -" if r["rss_mb"] is None else f"{r['rss_mb']:6.0f}"
    return f"{t} s {m} MB  {r['got'][:60]}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", type=Path, help="another circuitnn checkout to compare with")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--only", help="run only the cases whose name contains this")
    args = ap.parse_args()
    codes = [("this", ROOT)] + ([("baseline", args.baseline)] if args.baseline else [])
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name, (fname, make, compile_it) in HOSTILE.items():
            if args.only and args.only not in name:
                continue
            folder = tmp / f"h{abs(hash(name))}"
            folder.mkdir()
            made = make(folder)
            path = made if isinstance(made, Path) else folder / fname
            if not isinstance(made, Path):
                path.write_text(made)
            print(f"{name}  ({path.stat().st_size:,} bytes)", flush=True)
            for label, code in codes:
                print(f"  {label:9} {show(run(code, path, compile_it, args.timeout))}", flush=True)
        for name, (suffix, text, n, compile_it) in LINEAR.items():
            if args.only and args.only not in name:
                continue
            print(f"linear: {name}", flush=True)
            for label, code in codes:
                times = []
                for size in (n, 2 * n):
                    path = tmp / f"lin{size}{suffix}"
                    path.write_text(text(size))
                    r = run(code, path, compile_it, args.timeout)
                    times.append(r["seconds"])
                    print(f"  {label:9} n={size:<8,} {path.stat().st_size / 1e6:6.2f} MB "
                          f"{show(r)}", flush=True)
                if None not in times:
                    print(f"  {label:9} time ratio for twice the input: "
                          f"{times[1] / times[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
