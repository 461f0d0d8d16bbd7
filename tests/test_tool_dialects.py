"""Netlists as real tools write them today: ABC's ``write_bench`` (LUTs with
hexadecimal tables, ``vdd``/``gnd``, ``DFFRSE``).

Oracles: Python integer evaluation of the LUT tables as ABC defines them
(first input least significant), and the ISCAS originals ABC was given,
read by circuitnn's reader of the classic dialect.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from circuitnn import NetlistError, compile_design
from circuitnn.read import load_circuit
from circuitnn.read.bench import reads_bench
from circuitnn.run.bits import decode, encode
from circuitnn.run.exact import ExactEngine
from circuitnn.run.sim import Clocked

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "data" / "benchmarks"
needs_abc = pytest.mark.skipif(shutil.which("yosys-abc") is None
                               and os.environ.get("CI") != "true",
                               reason="yosys-abc is not installed")

ABC_STYLE = """# Benchmark "t" written by ABC on Fri Nov 27 12:03:27 2026
INPUT(a)
INPUT(b)
INPUT(c)
OUTPUT(maj)
OUTPUT(odd)
OUTPUT(one)
OUTPUT(zero)
OUTPUT(k)
OUTPUT(f)
maj         = LUT 0xe8 ( a, b, c )
odd         = LUT 0x96 ( a, b, c )
f           = LUT 0x02 ( a, b, c )
one         = vdd
zero        = gnd
k           = AND(vdd, a)
"""


def _lut(value: int, *ins: int) -> int:
    return (value >> sum(v << j for j, v in enumerate(ins))) & 1


def test_abc_luts_and_constants_match_their_tables():
    c = compile_design(reads_bench(ABC_STYLE, "t.bench"))
    rows = [(a, b, c_) for a in (0, 1) for b in (0, 1) for c_ in (0, 1)]
    a, b, cc = (np.array(col) for col in zip(*rows))
    out = decode(c.outputs, ExactEngine(c).run(encode(c, {"a": a, "b": b, "c": cc})))
    for i, (x, y, z) in enumerate(rows):
        assert out["maj"][i] == _lut(0xE8, x, y, z)
        assert out["odd"][i] == _lut(0x96, x, y, z)
        # 0x02: only row 1, the first input (a) alone set; an order-sensitive table
        assert out["f"][i] == (x == 1 and y == 0 and z == 0)
        assert out["one"][i] == 1 and out["zero"][i] == 0 and out["k"][i] == x


@pytest.mark.parametrize("line,message", [
    ("y = LUT 0x1ff ( a, b )", r"^t\.bench:3: LUT 'y' has the table '0x1ff', of more than the "
     r"4 bits 2 inputs have; expected up to 1 hexadecimal digits$"),
    ("y = LUT 8 ( a, b )", r"^t\.bench:3: LUT 'y' has the table '8'; expected a hexadecimal "
     r"number such as 0x8, of up to 1 digits for 2 inputs$"),
    ("y = DFFRSE( a, b, gnd, gnd, gnd )", r"^t\.bench:3: not supported: sequential element "
     r"DFFRSE driving 'y'; .*"),
])
def test_bad_abc_lines_are_one_message(line, message):
    with pytest.raises(NetlistError, match=message):
        reads_bench(f"INPUT(a)\nINPUT(b)\n{line}\nOUTPUT(y)\n", "t.bench")


def _abc(src: Path, script: str, out: Path) -> Path:
    subprocess.run(["yosys-abc", "-c", f"read_bench {src}; {script}; write_bench {out}"],
                   check=True, capture_output=True)
    return out


@needs_abc
@pytest.mark.parametrize("script", ["strash", "strash; if -K 4", "strash; if -K 7"])
def test_abc_write_bench_of_c880_matches_the_original(tmp_path, script):
    original = load_circuit(BENCH / "iscas85" / "c880.bench")
    again = load_circuit(_abc(BENCH / "iscas85" / "c880.bench", script, tmp_path / "c.bench"))
    rng = np.random.default_rng(5)
    bits = rng.integers(0, 2, (original.n_input_bits, 3000), dtype=np.uint8)
    assert ([p.name for p in again.inputs] == [p.name for p in original.inputs])
    np.testing.assert_array_equal(ExactEngine(again).run(bits), ExactEngine(original).run(bits))


def _sim(circuit, bits):
    clock = Clocked(circuit, ExactEngine(circuit.step))
    return np.concatenate([clock.step(bits[:, k:k + 1]).outputs for k in range(bits.shape[1])],
                          axis=1)


@needs_abc
def test_abc_write_bench_of_s298_flip_flops_match_the_original(tmp_path):
    original = load_circuit(BENCH / "iscas89" / "s298.bench")
    out = _abc(BENCH / "iscas89" / "s298.bench", "strash; if -K 4", tmp_path / "s.bench")
    assert "DFFRSE" in out.read_text()
    again = load_circuit(out)
    bits = np.random.default_rng(2).integers(0, 2, (original.n_input_bits, 200), dtype=np.uint8)
    np.testing.assert_array_equal(_sim(again, bits), _sim(original, bits))
