"""Engine throughput against compiled and interpreted simulators, in one run.

For each circuit (32-bit ripple-carry adder, 64-bit Kogge-Stone adder,
ISCAS-85 c6288) and vector count, on the same random vectors, it prints
side by side, in gate evaluations per second (gates x vectors / seconds,
medians):

* kernel: the fused neural kernel (analog, float32): every gate's trained net,
  in C (compiled by cc, loaded with ctypes; the default engine);
* kern.cpu: the kernel again, per CPU second (user + system of both
  threads) rather than per wall second: the figure load changes least;
* numpy: the numpy neural engine (the portable fallback), the same nets;
* exact: circuitnn's bit-packed truth-table reference (not neural);
* verilator: the circuit written as Verilog, compiled by Verilator into C++,
  driven by a harness this script writes and builds in a temporary directory
  (exact logic, one vector per ``eval()``, inputs and outputs in arrays);
* icarus: the same Verilog under Icarus Verilog (``iverilog``/``vvp``), at
  10,000 vectors only (its start-up, measured on one vector, subtracted);
* pyrtl: the same netlist, gate for gate, in PyRTL's FastSimulation, one
  ``step`` per vector, at 10,000 vectors only.

Every simulator's outputs are compared with the exact engine; a mismatch
stops the script.  Then one vector through each engine in a warm process.
The machine's load average is printed before and after: the ratios, all
measured in this run, are what to read.

Run: ``python benchmarks/bench_engine.py [--quick] [--circuits rca32,c6288]``
(``--quick`` skips the 1,000,000-vector runs).  Needs a C compiler, the
``bench`` extra, ``verilator`` and ``iverilog`` for every column.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from circuitnn.compile import compile_design  # noqa: E402
from circuitnn.ir.primitives import STANDARD  # noqa: E402
from circuitnn.library import kogge_stone_adder  # noqa: E402
from circuitnn.read import load_circuit  # noqa: E402
from circuitnn.run.bits import decode  # noqa: E402
from circuitnn.run.exact import ExactEngine  # noqa: E402
from circuitnn.run.kernel import KernelEngine  # noqa: E402
from circuitnn.run.neural import NeuralEngine  # noqa: E402
from circuitnn.run.session import train_nets  # noqa: E402
from circuitnn.run.vectors import random_vectors  # noqa: E402
from circuitnn.store import ModelStore  # noqa: E402
from circuitnn.write.verilog import KEYWORDS, circuit_to_verilog  # noqa: E402

COLUMNS = ("kernel", "kern.cpu", "numpy", "exact", "verilator", "icarus", "pyrtl")


def circuits() -> dict:
    return {
        "rca32": lambda: load_circuit(ROOT / "circuits" / "ripple_carry_adder_32.yaml"),
        "ks64": lambda: compile_design(kogge_stone_adder(64).design),
        "c6288": lambda: load_circuit(ROOT / "data/benchmarks/iscas85/c6288.bench"),
    }


def median_seconds(fn, repeats: int, clock=time.perf_counter) -> float:
    fn()
    times = []
    for _ in range(repeats):
        t = clock()
        fn()
        times.append(clock() - t)
    return statistics.median(times)


def port_values(ports, bits) -> dict[str, np.ndarray]:
    return {k: np.asarray(v, dtype=np.uint64) for k, v in decode(ports, bits).items()}


def ctype(width: int) -> tuple[str, type]:
    for bits, c, np_t in ((8, "uint8_t", np.uint8), (16, "uint16_t", np.uint16),
                          (32, "uint32_t", np.uint32), (64, "uint64_t", np.uint64)):
        if width <= bits:
            return c, np_t
    raise ValueError("ports wider than 64 bits are not benchmarked")


# ------------------------------------------------------------- verilator
HARNESS = """#include "V{top}.h"
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {{
    const size_t n = std::strtoull(argv[3], nullptr, 10);
    const int reps = std::atoi(argv[4]);
    FILE* f = std::fopen(argv[1], "rb");
{read_inputs}    std::fclose(f);
{alloc_outputs}    V{top}* m = new V{top};
    std::vector<double> times;
    for (int r = 0; r < reps; ++r) {{
        auto t0 = std::chrono::steady_clock::now();
        for (size_t v = 0; v < n; ++v) {{
{set_inputs}            m->eval();
{get_outputs}        }}
        std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
        times.push_back(dt.count());
    }}
    std::sort(times.begin(), times.end());
    std::printf("%.9f\\n", times[times.size() / 2]);
    FILE* g = std::fopen(argv[2], "wb");
{write_outputs}    std::fclose(g);
    delete m;
    return 0;
}}
"""


class Verilator:
    """A circuit compiled by Verilator, with a harness reading port arrays."""

    def __init__(self, circuit, workdir: Path):
        self.circuit = circuit
        self.top = "top"
        ports = list(circuit.inputs) + list(circuit.outputs)
        if any(p.name in KEYWORDS or p.width > 64 for p in ports):
            raise ValueError("escaped or wide ports")
        d = workdir / "verilator"
        d.mkdir()
        (d / "top.v").write_text(circuit_to_verilog(circuit, module=self.top))
        parts = {k: "" for k in ("read_inputs", "alloc_outputs", "set_inputs", "get_outputs",
                                 "write_outputs")}
        for p in circuit.inputs:
            c, _ = ctype(p.width)
            parts["read_inputs"] += (f"    std::vector<{c}> in_{p.name}(n);\n"
                                     f"    if (std::fread(in_{p.name}.data(), sizeof({c}), n, f)"
                                     f" != n) return 2;\n")
            parts["set_inputs"] += f"            m->{p.name} = in_{p.name}[v];\n"
        for p in circuit.outputs:
            c, _ = ctype(p.width)
            parts["alloc_outputs"] += f"    std::vector<{c}> out_{p.name}(n);\n"
            parts["get_outputs"] += f"            out_{p.name}[v] = m->{p.name};\n"
            parts["write_outputs"] += (f"    std::fwrite(out_{p.name}.data(), sizeof({c}), n, g);"
                                       "\n")
        (d / "harness.cpp").write_text(HARNESS.format(top=self.top, **parts))
        subprocess.run(["verilator", "--cc", "top.v", "--exe", "harness.cpp", "--build",
                        "-O3", "--x-assign", "fast", "--x-initial", "fast", "--noassert",
                        "-CFLAGS", "-O2", "-j", "2", "-Wno-fatal", "--top-module", self.top],
                       cwd=d, check=True, capture_output=True)
        self.binary = d / "obj_dir" / f"V{self.top}"
        self.dir = d

    def run(self, bits: np.ndarray, reps: int) -> tuple[float, np.ndarray]:
        """Median seconds of the eval loop, and the output bits."""
        n = bits.shape[1]
        with open(self.dir / "in.bin", "wb") as f:
            for p in self.circuit.inputs:
                vals = port_values((p,), bits[self._rows(p, self.circuit.inputs)])[p.name]
                vals.astype(ctype(p.width)[1]).tofile(f)
        got = subprocess.run([str(self.binary), str(self.dir / "in.bin"),
                              str(self.dir / "out.bin"), str(n), str(reps)],
                             check=True, capture_output=True, text=True)
        raw = open(self.dir / "out.bin", "rb").read()
        rows, offset = [], 0
        for p in self.circuit.outputs:
            np_t = ctype(p.width)[1]
            vals = np.frombuffer(raw, np_t, n, offset).astype(np.uint64)
            offset += n * np.dtype(np_t).itemsize
            rows.append(((vals[None, :] >> np.arange(p.width, dtype=np.uint64)[:, None])
                         & np.uint64(1)).astype(np.uint8))
        return float(got.stdout.split()[-1]), np.concatenate(rows)

    @staticmethod
    def _rows(port, ports) -> slice:
        start = 0
        for p in ports:
            if p is port:
                return slice(start, start + p.width)
            start += p.width
        raise KeyError(port.name)


# ---------------------------------------------------------------- icarus
def icarus(circuit, bits: np.ndarray, workdir: Path) -> tuple[float, np.ndarray]:
    """Seconds for ``bits`` under vvp (minus a one-vector run), and the outputs."""
    d = workdir / "icarus"
    d.mkdir(exist_ok=True)
    (d / "top.v").write_text(circuit_to_verilog(circuit, module="top"))

    def run(n: int) -> tuple[float, np.ndarray]:
        ins = port_values(circuit.inputs, bits[:, :n])
        decl, load, drive, conn = [], [], [], []
        for p in circuit.inputs:
            (d / f"{p.name}.hex").write_text("".join(f"{int(x):x}\n" for x in ins[p.name]))
            decl += [f"reg [{p.width - 1}:0] m_{p.name} [0:{n - 1}];",
                     f"reg [{p.width - 1}:0] {p.name};"]
            load.append(f'$readmemh("{p.name}.hex", m_{p.name});')
            drive.append(f"{p.name} = m_{p.name}[i];")
            conn.append(f".{p.name}({p.name})")
        for p in circuit.outputs:
            decl.append(f"wire [{p.width - 1}:0] {p.name};")
            conn.append(f".{p.name}({p.name})")
        fmt = " ".join("%h" for _ in circuit.outputs)
        names = ", ".join(p.name for p in circuit.outputs)
        tb = (f"module tb;\n{chr(10).join(decl)}\ntop dut({', '.join(conn)});\n"
              f"integer i, fd;\ninitial begin\n{chr(10).join(load)}\n"
              f'fd = $fopen("out.txt", "w");\n'
              f"for (i = 0; i < {n}; i = i + 1) begin\n{' '.join(drive)}\n#1;\n"
              f'$fwrite(fd, "{fmt}\\n", {names});\nend\n$fclose(fd);\n$finish;\nend\nendmodule\n')
        (d / "tb.v").write_text(tb)
        subprocess.run(["iverilog", "-o", "sim", "tb.v", "top.v"], cwd=d, check=True,
                       capture_output=True)
        t = time.perf_counter()
        subprocess.run(["vvp", "-n", "sim"], cwd=d, check=True, capture_output=True)
        seconds = time.perf_counter() - t
        lines = (d / "out.txt").read_text().split("\n")[:n]
        cols = list(zip(*(line.split() for line in lines)))
        out = []
        for p, col in zip(circuit.outputs, cols):
            vals = np.array([int(x, 16) for x in col], dtype=np.uint64)
            out.append(((vals[None, :] >> np.arange(p.width, dtype=np.uint64)[:, None])
                        & np.uint64(1)).astype(np.uint8))
        return seconds, np.concatenate(out)

    start_up, _ = run(1)
    seconds, out = run(bits.shape[1])
    return max(seconds - start_up, 1e-9), out


# ----------------------------------------------------------------- pyrtl
_STD = {(tt.n_inputs, tt.table.tobytes()): name for name, tt in STANDARD.items()}


def to_pyrtl(circuit):
    """The flat circuit in PyRTL, gate for gate (standard gates as operators,
    others as sums of products)."""
    import pyrtl

    pyrtl.reset_working_block()
    wire = {0: pyrtl.Const(0, 1), 1: pyrtl.Const(1, 1)}
    for p in circuit.inputs:
        w = pyrtl.Input(p.width, p.name)
        for i, s in enumerate(p.signals):
            wire[s] = w[i]
    for groups in circuit.levels:
        for grp in groups:
            tt = circuit.primitives[grp.prim]
            std = _STD.get((tt.n_inputs, tt.table.tobytes()))
            for gi in grp.gates:
                g = circuit.gates[gi]
                x = [wire[s] for s in g.inputs]
                for j, s in enumerate(g.outputs):
                    wire[s] = _pyrtl_gate(std, tt.table[:, j], x) if std else _sop(tt, j, x)
    for p in circuit.outputs:
        out = pyrtl.Output(p.width, p.name)
        out <<= pyrtl.concat_list([wire[s] for s in p.signals])
    return pyrtl


def _pyrtl_gate(std: str, column, x):
    from functools import reduce

    fam = std if std in ("MUX2", "MAJ3") else std.rstrip("0123456789")
    if fam == "BUF":
        return x[0]
    if fam == "NOT":
        return ~x[0]
    if fam == "MUX2":
        return (x[0] & x[2]) | (~x[0] & x[1])
    if fam == "MAJ3":
        a, b, c = x
        return (a & b) | (a & c) | (b & c)
    op = {"AND": "__and__", "NAND": "__and__", "OR": "__or__", "NOR": "__or__",
          "XOR": "__xor__", "XNOR": "__xor__"}[fam]
    y = reduce(lambda u, v: getattr(u, op)(v), x)
    return ~y if fam in ("NAND", "NOR", "XNOR") else y


def _sop(tt, j, x):
    from functools import reduce

    import pyrtl

    terms = [reduce(lambda u, v: u & v, [xi if b else ~xi for xi, b in zip(x, bits)])
             for row, bits in enumerate(tt.input_matrix()) if tt.table[row, j]]
    return reduce(lambda u, v: u | v, terms) if terms else pyrtl.Const(0, 1)


def pyrtl_run(circuit, bits: np.ndarray) -> tuple[float, float, np.ndarray]:
    """Seconds for one ``step`` per vector, seconds for one warm step, outputs."""
    pyrtl = to_pyrtl(circuit)
    sim = pyrtl.FastSimulation(tracer=None)
    ins = {k: [int(x) for x in v] for k, v in port_values(circuit.inputs, bits).items()}
    names = [p.name for p in circuit.inputs]
    vecs = [{k: ins[k][i] for k in names} for i in range(bits.shape[1])]
    outs = {p.name: [] for p in circuit.outputs}
    t = time.perf_counter()
    for v in vecs:
        sim.step(v)
        for k, col in outs.items():
            col.append(sim.inspect(k))
    seconds = time.perf_counter() - t
    one = median_seconds(lambda: sim.step(vecs[0]), 200)
    rows = []
    for p in circuit.outputs:
        vals = np.array(outs[p.name], dtype=np.uint64)
        rows.append(((vals[None, :] >> np.arange(p.width, dtype=np.uint64)[:, None])
                     & np.uint64(1)).astype(np.uint8))
    return seconds, one, np.concatenate(rows)


# ------------------------------------------------------------------ main
def bench_circuit(name, c, store, counts, have, tmp: Path, singles: list) -> None:
    """Print one row per vector count; append one-vector timings to ``singles``."""
    g = len(c.gates)
    nets = train_nets(c, store)
    kernel = KernelEngine(c, nets, compiled=True)
    numpy_engine, exact = NeuralEngine(c, nets), ExactEngine(c)
    work = tmp / name
    work.mkdir()
    veril = Verilator(c, work) if have["verilator"] else None
    for n in counts:
        bits = random_vectors(c, n, seed=1)
        want = exact.run(bits)
        reps = 5 if n <= 10_000 else 3
        rate = {}
        for col, engine in (("kernel", kernel), ("numpy", numpy_engine), ("exact", exact)):
            r = 1 if (col == "numpy" and n > 10_000) else reps
            rate[col] = g * n / median_seconds(lambda e=engine, b=bits: e.run(b), r)
            assert ((engine.run(bits[:, :1000]) > 0.5) == want[:, :1000]).all(), col
        # per CPU second (both threads' time summed): what the machine's load changes least
        rate["kern.cpu"] = g * n / median_seconds(lambda b=bits: kernel.run(b), reps,
                                                   time.process_time)
        if veril is not None:
            secs, out = veril.run(bits, reps)
            assert (out == want).all(), "verilator disagrees with the exact engine"
            rate["verilator"] = g * n / secs
        if n == 10_000 and have["icarus"]:
            secs, out = icarus(c, bits, work)
            assert (out == want).all(), "icarus disagrees with the exact engine"
            rate["icarus"] = g * n / secs
        if n == 10_000 and have["pyrtl"]:
            secs, one, out = pyrtl_run(c, bits)
            assert (out == want).all(), "pyrtl disagrees with the exact engine"
            rate["pyrtl"] = g * n / secs
            singles.append((name, "pyrtl step", one))
        ratios = " ".join(f"{rate['kernel'] / rate[col]:>7.1f}x" if col in rate else f"{'-':>8}"
                          for col in ("numpy", "pyrtl", "verilator"))
        print(f"{name:<7} {g:>5} {n:>9,} "
              + " ".join(f"{fmt_rate(rate.get(col)):>9}" for col in COLUMNS) + " " + ratios,
              flush=True)
    one = random_vectors(c, 1, seed=2)
    for label, engine, reps in (("kernel", kernel, 2000), ("numpy", numpy_engine, 200),
                                ("exact", exact, 200)):
        singles.append((name, label, median_seconds(lambda e=engine: e.run(one), reps)))


def fmt_rate(rate: float | None) -> str:
    """M gate-evals/s: whole numbers from 10 up, three significant digits below."""
    if rate is None:
        return "-"
    m = rate / 1e6
    return f"{m:,.0f}" if m >= 10 else f"{m:.3g}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="skip the 1,000,000-vector runs")
    ap.add_argument("--circuits", default=",".join(circuits()),
                    help="comma-separated subset of " + ", ".join(circuits()))
    ap.add_argument("--store", default=None, help="model store (default: a fresh temp dir)")
    args = ap.parse_args()
    store = ModelStore(args.store or tempfile.mkdtemp(prefix="circuitnn-bench-"))
    counts = [10_000] + ([] if args.quick else [1_000_000])
    have = {"verilator": shutil.which("verilator"), "icarus": shutil.which("iverilog")}
    try:
        import pyrtl  # noqa: F401
        have["pyrtl"] = True
    except ImportError:
        have["pyrtl"] = False
    print(f"numpy {np.__version__}, {os.cpu_count()} cores, load average before: "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print("M gate-evals/s, medians; kernel and numpy are neural (every gate's trained net, "
          "analog float32); exact, verilator, icarus and pyrtl evaluate the exact logic\n")
    head = (f"{'circuit':<7} {'gates':>5} {'vectors':>9} "
            + " ".join(f"{c:>9}" for c in COLUMNS)
            + f" {'k/numpy':>8} {'k/pyrtl':>8} {'k/veril.':>8}")
    print(head)
    print("-" * len(head))
    singles: list[tuple[str, str, float]] = []
    with tempfile.TemporaryDirectory(prefix="circuitnn-bench-") as tmp:
        for name, make in circuits().items():
            if name in args.circuits.split(","):
                bench_circuit(name, make(), store, counts, have, Path(tmp), singles)
    print("\none warm vector (median, microseconds):")
    for name in dict.fromkeys(s[0] for s in singles):
        cells = "  ".join(f"{label} {secs * 1e6:,.1f}" for n2, label, secs in singles
                          if n2 == name)
        print(f"  {name:<7} {cells}")
    print(f"\nload average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
