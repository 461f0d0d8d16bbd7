"""Cross-checks with external tools: circuitnn's Verilog simulated by
iverilog, Yosys synthesising hand-written Verilog to BLIF (gates and 4-LUTs)
and JSON for circuitnn to import, and Yosys reading circuitnn's Verilog back.

The oracle is always independent of circuitnn: iverilog simulating Verilog.
Under CI=true the tools must be installed; the tests never skip there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from circuitnn.read import load_circuit
from circuitnn.run.exact import ExactEngine
from circuitnn.write.verilog import circuit_to_verilog

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "formats"
BENCH = ROOT / "data" / "benchmarks"


def _tool(name):
    return pytest.mark.skipif(shutil.which(name) is None and os.environ.get("CI") != "true",
                              reason=f"{name} is not installed")


needs_iverilog = _tool("iverilog")
needs_yosys = _tool("yosys")
GATES = "AND,NAND,OR,NOR,XOR,XNOR,MUX"


def _conn(name):
    return f"\\{name} " if not name.isidentifier() or name in ("and", "or", "not") else name


def iverilog(sources, top, circuit, bits, workdir):
    """Simulate module ``top`` of ``sources`` on input bits ``(bits, V)`` laid
    out as circuitnn lays them out (ports in order, LSB first); returns the
    output bits the same way.  Ports are matched by name."""
    n_in, n_vec = bits.shape
    n_out = circuit.n_output_bits
    conns, lo = [], 0
    for p in circuit.inputs:
        conns.append(f".{_conn(p.name)}(cur[{lo} +: {p.width}])")
        lo += p.width
    lo = 0
    for p in circuit.outputs:
        conns.append(f".{_conn(p.name)}(res[{lo} +: {p.width}])")
        lo += p.width
    vec = workdir / "vectors.txt"
    vec.write_text("".join("".join(map(str, col[::-1])) + "\n" for col in bits.T.tolist()))
    tb = workdir / "tb.v"
    tb.write_text(f"""
module tb;
  reg [{n_in - 1}:0] mem [0:{n_vec - 1}];
  reg [{n_in - 1}:0] cur;
  wire [{n_out - 1}:0] res;
  integer i;
  {top} dut ({", ".join(conns)});
  initial begin
    $readmemb("{vec.name}", mem);
    for (i = 0; i < {n_vec}; i = i + 1) begin
      cur = mem[i];
      #1 $display("%b", res);
    end
    $finish;
  end
endmodule
""")
    subprocess.run(["iverilog", "-g2005", "-o", "sim", "tb.v", *map(str, sources)],
                   cwd=workdir, check=True, capture_output=True)
    run = subprocess.run(["vvp", "-n", "sim"], cwd=workdir, check=True, capture_output=True,
                         text=True)
    lines = [ln.strip() for ln in run.stdout.splitlines() if set(ln.strip()) <= set("01xz")
             and len(ln.strip()) == n_out]
    assert len(lines) == n_vec, run.stdout[-500:]
    assert not any(set(ln) - {"0", "1"} for ln in lines), "x or z in iverilog's outputs"
    return np.array([[int(ch) for ch in ln[::-1]] for ln in lines], dtype=np.uint8).T


def random_bits(circuit, n=256, seed=0):
    return np.random.default_rng(seed).integers(0, 2, (circuit.n_input_bits, n),
                                                dtype=np.uint8)


def written_verilog_matches(circuit, tmp_path, n=256):
    v = tmp_path / "dut.v"
    v.write_text(circuit_to_verilog(circuit, module="dut"))
    bits = random_bits(circuit, n)
    assert np.array_equal(iverilog([v], "dut", circuit, bits, tmp_path),
                          ExactEngine(circuit).run(bits))


# ------------------------------------------------------ circuitnn -> Verilog
@needs_iverilog
@pytest.mark.parametrize("path", sorted((ROOT / "circuits").glob("*.yaml")),
                         ids=lambda p: p.name)
def test_written_verilog_of_every_yaml_circuit(path, tmp_path):
    written_verilog_matches(load_circuit(path), tmp_path)


@needs_iverilog
@pytest.mark.parametrize("rel", ["iscas85/c17.bench", "iscas85/c432.bench",
                                 "iscas85/c2670.bench", "iscas85/c6288.bench",
                                 "iscas85/alt_numeric/c880.bench", "epfl/ctrl.blif",
                                 "epfl/int2float.blif", "epfl/router.blif",
                                 "epfl/adder.blif"])
def test_written_verilog_of_benchmarks(rel, tmp_path):
    written_verilog_matches(load_circuit(BENCH / rel), tmp_path)


@needs_iverilog
def test_written_verilog_of_luts_and_wide_covers(tmp_path):
    rng = np.random.default_rng(1)
    names = [f"x{i}" for i in range(12)]
    lines = [".model m", f".inputs {' '.join(names)}", ".outputs y z w"]
    lines += [f".names {' '.join(names)} y"]
    lines += ["".join(rng.choice(list("01--"), 12)) + " 1" for _ in range(6)]
    lines += [".names x0 x1 x2 x3 x4 z", "1-0-1 0", "01--1 0", ".names x5 x6 x7 w",
              "100 1", "011 1", ".end"]
    path = tmp_path / "t.blif"
    path.write_text("\n".join(lines) + "\n")
    written_verilog_matches(load_circuit(path), tmp_path, 1024)


@needs_yosys
@pytest.mark.parametrize("rel", ["iscas85/c432.bench", "epfl/int2float.blif"])
def test_yosys_reads_written_verilog_back(rel, tmp_path):
    c = load_circuit(BENCH / rel)
    (tmp_path / "dut.v").write_text(circuit_to_verilog(c, module="dut"))
    subprocess.run(["yosys", "-q", "-p", (f"read_verilog dut.v; synth -flatten -top dut; "
                    f"abc -g {GATES}; opt_clean; write_json back.json")],
                   cwd=tmp_path, check=True, capture_output=True)
    back = load_circuit(tmp_path / "back.json")
    assert [(p.name, p.width) for p in back.inputs] == [(p.name, p.width) for p in c.inputs]
    bits = random_bits(c, 1000)
    assert np.array_equal(ExactEngine(back).run(bits), ExactEngine(c).run(bits))


# ------------------------------------------------- Verilog -> yosys -> import
FLOWS = {
    "blif_gates": f"synth -flatten -top {{top}}; abc -g {GATES}; opt_clean; "
                  "write_blif out.blif",
    "blif_lut4": "synth -flatten -top {top}; abc -lut 4; opt_clean; write_blif out.blif",
    "json": f"synth -flatten -top {{top}}; abc -g {GATES}; opt_clean; write_json out.json",
}


@needs_yosys
@needs_iverilog
@pytest.mark.parametrize("flow", list(FLOWS))
@pytest.mark.parametrize("design", ["adder8", "mult4", "alu4", "cmp6"])
def test_yosys_synthesis_imports_equal_iverilog(design, flow, tmp_path):
    src = DATA / f"{design}.v"
    script = f"read_verilog {src}; " + FLOWS[flow].format(top=design)
    subprocess.run(["yosys", "-q", "-p", script], cwd=tmp_path, check=True,
                   capture_output=True)
    out = tmp_path / ("out.json" if flow == "json" else "out.blif")
    c = load_circuit(out)
    if flow == "blif_lut4":
        assert all(tt.n_inputs <= 4 for tt in c.primitives.values())
    bits = random_bits(c, 512, seed=3)
    want = iverilog([src], design, c, bits, tmp_path)
    assert np.array_equal(ExactEngine(c).run(bits), want)
