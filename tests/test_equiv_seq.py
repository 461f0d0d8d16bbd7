"""Sequential equivalence: bounded from reset, and register-matched.

Oracles: a Python model of the 8-bit counter (reset, load, enable) replays
every counterexample trace; yosys's netlists of a Verilog counter are the
independent implementation.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from circuitnn.cli import main
from circuitnn.compile import compile_design
from circuitnn.prove import equivalent
from circuitnn.read import load_circuit
from circuitnn.read.yaml import loads_yaml
from circuitnn.write.yaml import circuit_to_yaml

ROOT = Path(__file__).resolve().parent.parent
COUNTER = ROOT / "circuits" / "sequential" / "counter_8.yaml"
needs_yosys = pytest.mark.skipif(shutil.which("yosys") is None and os.environ.get("CI") != "true",
                                 reason="yosys is not installed")
VERILOG = """module counter_8(input clk, input rst, input en, input load, input [7:0] din,
                 output reg [7:0] count);
  always @(posedge clk)
    if (rst) count <= 0;
    else if (load) count <= din;
    else if (en) count <= count + STEP;
endmodule
"""
FLOWS = {
    "blif": "synth -flatten -top counter_8; dffunmap; abc -g AND,NAND,OR,NOR,XOR,XNOR,MUX; "
            "opt_clean; write_blif out.blif",
    "json": "synth -flatten -top counter_8; abc -g AND,NAND,OR,NOR,XOR,XNOR,MUX; opt_clean; "
            "write_json out.json",
}


def counter_model(inputs: list[dict[str, int]]) -> list[int]:
    """The counter's output in each cycle, sampled before the edge."""
    count, outs = 0, []
    for v in inputs:
        outs.append(count)
        count = 0 if v["rst"] else v["din"] if v["load"] else (count + v["en"]) & 0xFF
    return outs


def yosys_counter(tmp_path: Path, flow: str, step: str = "1") -> Path:
    (tmp_path / "counter.v").write_text(VERILOG.replace("STEP", step))
    subprocess.run(["yosys", "-q", "-p", f"read_verilog counter.v; {FLOWS[flow]}"],
                   cwd=tmp_path, check=True, capture_output=True)
    return tmp_path / f"out.{flow}"


@needs_yosys
@pytest.mark.parametrize("flow", list(FLOWS))
def test_yaml_counter_equals_yosys_netlist_for_20_cycles_from_reset(flow, tmp_path):
    result = equivalent(COUNTER, yosys_counter(tmp_path, flow), cycles=20)
    assert result.status == "equivalent"
    assert result.stats["method"] == "bounded" and result.stats["cycles"] == 20
    assert str(result).startswith("equivalent for the first 20 cycles from reset (bounded "
                                  "check; proved by SAT: ")


@needs_yosys
def test_a_counter_that_skips_201_is_found_with_a_trace_the_model_confirms(tmp_path):
    buggy = yosys_counter(tmp_path, "json", step="(count == 8'd200 ? 2 : 1)")
    result = equivalent(COUNTER, buggy, cycles=8)
    assert result.status == "different"
    trace = result.trace
    model = counter_model(trace.inputs_a)
    assert [o["count"] for o in trace.outputs_a] == model
    t = trace.cycle
    assert trace.outputs_b[t]["count"] != model[t]
    assert [o["count"] for o in trace.outputs_b[:t]] == model[:t]
    assert 200 in model  # the bug needs the counter to pass 200


def test_registers_with_the_same_names_are_compared_cycle_function_to_cycle_function(tmp_path):
    flat = tmp_path / "flat.yaml"
    flat.write_text(circuit_to_yaml(load_circuit(COUNTER)))
    result = equivalent(COUNTER, flat)
    assert result.status == "equivalent" and result.stats["method"] == "register-matched"
    assert "in every cycle from reset (register-matched" in str(result)


def test_a_failed_register_match_falls_back_to_the_bounded_check(tmp_path):
    text = COUNTER.read_text().replace("{name: move, type: OR,", "{name: move, type: AND,")
    design = loads_yaml(text, str(COUNTER))
    mutant = compile_design(design)
    notes: list[str] = []
    from circuitnn.prove import check

    result = check(load_circuit(COUNTER), mutant, ("A", "B"), cycles=5, notes=notes)
    assert result.status == "different" and result.stats["method"] == "bounded"
    assert notes and notes[0].startswith("the register-matched check failed")
    trace = result.trace
    assert [o["count"] for o in trace.outputs_a] == counter_model(trace.inputs_a)
    assert trace.outputs_b[trace.cycle] != trace.outputs_a[trace.cycle]


def test_cli_equiv_prints_the_trace_and_emits_a_cycle_test(store, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    text = COUNTER.read_text().replace("{name: move, type: OR,", "{name: move, type: AND,")
    (tmp_path / "imports").mkdir()
    mutant = tmp_path / "mutant.yaml"
    mutant.write_text(text.replace("../ripple_carry_adder_8.yaml",
                                   str(ROOT / "circuits" / "ripple_carry_adder_8.yaml")))
    out_csv = tmp_path / "cex.csv"
    code = main(["equiv", str(COUNTER), str(mutant), "--cycles", "5", "--emit-test",
                 str(out_csv), "--store", str(store.root)])
    out = capsys.readouterr().out
    assert code == 1
    assert "note: the register-matched check failed" in out
    assert "from reset, cycle by cycle" in out and "<- differs" in out
    assert "DISAGREES" not in out
    rows = [r.split(",") for r in out_csv.read_text().splitlines() if not r.startswith("#")]
    assert rows[0] == ["cycle", "rst", "en", "load", "din", "count"]
    inputs = [dict(zip(rows[0][1:5], map(int, r[1:5]))) for r in rows[1:]]
    expected = [int(r[5]) for r in rows[1:]]
    assert expected[:-1] == counter_model(inputs)[:-1]
    assert expected[-1] != counter_model(inputs)[-1]  # the mutant's output, as B gives it


def test_registers_with_other_names_are_paired_by_map():
    text = COUNTER.read_text().replace("{name: r, type: DFF", "{name: cnt, type: DFF")
    renamed = compile_design(loads_yaml(text, str(COUNTER)))
    assert equivalent(COUNTER, renamed, cycles=3).stats["method"] == "bounded"
    result = equivalent(COUNTER, renamed, map="r.q=cnt.q,r.next=cnt.next")
    assert result.status == "equivalent" and result.stats["method"] == "register-matched"
