"""Formal equivalence (circuitnn.prove, ``circuitnn equiv``, ``verify --spec``).

Oracles: every counterexample is replayed on the exact engine of each side
and checked against Python integer arithmetic; the CNF of each primitive is
checked row by row against its truth table; mutants must be found, so a
prover that always answered "equivalent" fails here.
"""

from __future__ import annotations

import csv
import functools
import itertools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from circuitnn.compile import compile_design
from circuitnn.errors import UsageError
from circuitnn.hdl import Builder
from circuitnn.ir.primitives import STANDARD
from circuitnn.library import (
    array_multiplier,
    carry_lookahead_adder,
    kogge_stone_adder,
    ripple_carry_adder,
)
from circuitnn.prove import as_circuit, equivalent
from circuitnn.prove.cover import cnf_cover
from circuitnn.prove.miter import _columns
from circuitnn.read import load_circuit
from circuitnn.read.yaml import loads_yaml
from circuitnn.run.bits import decode, encode
from circuitnn.run.exact import ExactEngine
from circuitnn.write.yaml import circuit_to_yaml

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "data" / "benchmarks"
needs_yosys = pytest.mark.skipif(shutil.which("yosys") is None and os.environ.get("CI") != "true",
                                 reason="yosys is not installed")
ADDERS = {"ripple": ripple_carry_adder, "lookahead": carry_lookahead_adder,
          "kogge_stone": kogge_stone_adder}


@functools.cache
def epfl_adder():
    return load_circuit(BENCH / "epfl" / "adder.blif")


@functools.cache
def rca128():
    return as_circuit(ripple_carry_adder(128))


def exact_outputs(circuit, values: dict[str, int]) -> dict[str, int]:
    bits = ExactEngine(circuit).run(encode(circuit, {k: [v] for k, v in values.items()}))
    return {k: int(v[0]) for k, v in decode(circuit.outputs, bits).items()}


def adder_sum(n: int, a: int, b: int, cin: int) -> dict[str, int]:
    total = a + b + cin
    return {"sum": total & ((1 << n) - 1), "cout": total >> n}


# ------------------------------------------------------------- encoding
def _clauses_allow(table: int, k: int) -> list[list[int]]:
    """For each input row, the output values the clauses of y = f(x) allow."""
    on, off = cnf_cover(table, k)
    allowed = []
    for row in range(1 << k):
        x = [(row >> i) & 1 for i in range(k)]
        ok = []
        for y in (0, 1):
            on_ok = all(any(x[i] != v for i, v in c) or y == 1 for c in on)
            off_ok = all(any(x[i] != v for i, v in c) or y == 0 for c in off)
            if on_ok and off_ok:
                ok.append(y)
        allowed.append(ok)
    return allowed


@pytest.mark.parametrize("name", sorted(STANDARD))
def test_each_standard_primitive_clauses_allow_exactly_its_truth_table(name):
    tt = STANDARD[name]
    for j, col in enumerate(_columns(tt)):
        allowed = _clauses_allow(col, tt.n_inputs)
        for r, row in enumerate(tt.table.tolist()):
            # row r of the TruthTable has inputs[0] as the most significant bit
            mine = sum(((r >> (tt.n_inputs - 1 - i)) & 1) << i for i in range(tt.n_inputs))
            assert allowed[mine] == [row[j]], (name, r)


def test_random_tables_up_to_six_inputs_clauses_match_and_beat_one_clause_per_row():
    rng = np.random.default_rng(5)
    fewer = 0
    for k in range(1, 7):
        for _ in range(20):
            table = int(rng.integers(0, 2**63)) & ((1 << (1 << k)) - 1)
            allowed = _clauses_allow(table, k)
            assert allowed == [[(table >> r) & 1] for r in range(1 << k)]
            on, off = cnf_cover(table, k)
            fewer += len(on) + len(off) < (1 << k)
    assert fewer > 60  # minimised covers, not one clause per row


# ------------------------------------------------------- equivalences
@pytest.mark.parametrize("n", [8, 32, 64])
@pytest.mark.parametrize("pair", list(itertools.combinations(ADDERS, 2)),
                         ids=lambda p: "-".join(p))
def test_library_adders_are_pairwise_equivalent(n, pair):
    a, b = (ADDERS[k](n) for k in pair)
    result = equivalent(a, b)
    assert result.status == "equivalent" and result
    assert result.variables > 0 and result.clauses > result.variables
    assert re.fullmatch(r"equivalent \(proved by SAT: [\d,]+ variables, [\d,]+ clauses, "
                        r"[\d.]+ s\)", str(result))


@pytest.mark.parametrize("sweep", [True, False])
def test_epfl_adder_equals_a_library_128_bit_adder_with_carry_in_tied_to_0(sweep):
    result = equivalent(epfl_adder(), rca128(), map="f=sum,cOut=cout", const=["B.cin=0"],
                        sweep=sweep)
    assert result.status == "equivalent"


def test_epfl_adder_differs_from_the_library_adder_with_carry_in_tied_to_1():
    result = equivalent(epfl_adder(), rca128(), map={"f": "sum", "cOut": "cout"},
                        const={"B.cin": 1})
    cex = result.counterexample
    assert result.status == "different"
    want = adder_sum(128, cex.inputs_a["a"], cex.inputs_a["b"], 0)
    assert cex.outputs_a == {"f": want["sum"], "cOut": want["cout"]}
    got = adder_sum(128, cex.inputs_b["a"], cex.inputs_b["b"], 1)
    assert cex.outputs_b == {"f": got["sum"], "cOut": got["cout"]}


@needs_yosys
@pytest.mark.parametrize("cells", ["abc -g AND,NAND,OR,NOR,XOR,XNOR,MUX", "abc -lut 4"])
def test_yaml_32_bit_adder_equals_yosys_blif_of_the_verilog_sum(cells, tmp_path):
    (tmp_path / "add.v").write_text(
        "module add(input [31:0] a, input [31:0] b, input cin, output [31:0] sum, "
        "output cout);\n  assign {cout, sum} = a + b + cin;\nendmodule\n")
    subprocess.run(["yosys", "-q", "-p", f"read_verilog add.v; synth -flatten -top add; "
                    f"{cells}; opt_clean; write_blif add.blif"], cwd=tmp_path, check=True,
                   capture_output=True)
    spec = load_circuit(tmp_path / "add.blif")
    assert equivalent(ROOT / "circuits" / "ripple_carry_adder_32.yaml", spec)
    wrong = equivalent(ROOT / "circuits" / "ripple_carry_adder_32.yaml", spec,
                       const=["A.cin=0", "B.cin=1"])
    cex = wrong.counterexample
    assert wrong.status == "different"
    assert cex.outputs_b == adder_sum(32, cex.inputs_b["a"], cex.inputs_b["b"], 1)


# -------------------------------------------------------------- mutants
def _flat(sub) -> str:
    return circuit_to_yaml(as_circuit(sub))


def _mutant(text: str) -> object:
    return compile_design(loads_yaml(text))


def _gate_line(text: str, pattern: str) -> str:
    lines = [ln for ln in text.splitlines() if re.search(pattern, ln)]
    assert len(lines) == 1, (pattern, lines)
    return lines[0]


def _type_changed(n):
    text = _flat(kogge_stone_adder(n))
    # one OR of the prefix tree, deep in the carry chain, becomes an AND
    ors = [ln for ln in text.splitlines() if "type: OR2" in ln]
    line = ors[len(ors) * 3 // 4]
    return text.replace(line, line.replace("type: OR2", "type: AND2")), kogge_stone_adder(n)


def _inputs_swapped(n):
    text = _flat(ripple_carry_adder(n))
    swapped = (text.replace(f'"a[{n - 3}]"', "@@").replace(f'"a[{n - 2}]"', f'"a[{n - 3}]"')
               .replace("@@", f'"a[{n - 2}]"'))
    # the port declaration "a[n]" is untouched: only the gates' wiring changes
    return swapped, carry_lookahead_adder(n)


def _output_inverted(n):
    text = _flat(ripple_carry_adder(n))
    line = _gate_line(text, rf'out: "sum\[{n // 2}\]"')
    new = line.replace(f'out: "sum[{n // 2}]"', "out: pre_inv") + "\n" + \
        f'  - {{name: inv, type: NOT, in: [pre_inv], out: "sum[{n // 2}]"}}'
    return text.replace(line, new), ripple_carry_adder(n)


def _plus_const(n, k):
    b = Builder(f"plus{k}")
    a = b.input("a", n)
    out = ripple_carry_adder(n)(a=a, b=b.const(k, n), cin=b.const(0))
    b.output("sum", out["sum"])
    b.output("cout", out["cout"])
    return b.build()


def _constant_changed(n):
    text = _flat(_plus_const(n, 0x5A))
    # bit 3 of the constant 0x5A (a 1) feeds one XOR and one AND: it becomes 0 in the XOR
    line = _gate_line(text, r'fa3_half_adder0_xor0.*in: \["a\[3\]", 1\]')
    return text.replace(line, line.replace('"a[3]", 1]', '"a[3]", 0]')), _plus_const(n, 0x5A)


MUTANTS = {"gate type changed": _type_changed, "two inputs swapped": _inputs_swapped,
           "output inverted": _output_inverted, "constant changed": _constant_changed}


@pytest.mark.parametrize("sweep", [True, False], ids=["sweep", "no-sweep"])
@pytest.mark.parametrize("kind", list(MUTANTS))
def test_each_mutant_is_found_with_a_valid_counterexample(kind, sweep):
    n = 32
    text, spec = MUTANTS[kind](n)
    mutant = _mutant(text)
    assert text != _flat(spec) or kind == "constant changed"
    result = equivalent(mutant, spec, sweep=sweep)
    assert result.status == "different" and not result
    cex = result.counterexample
    # the spec side: Python arithmetic
    a = cex.inputs_b["a"]
    b = cex.inputs_b.get("b", 0x5A)
    cin = cex.inputs_b.get("cin", 0)
    assert cex.outputs_b == adder_sum(n, a, b, cin)
    # the mutant side: its own exact engine, independently of the prover
    assert exact_outputs(mutant, cex.inputs_a) == cex.outputs_a
    assert cex.outputs_a != adder_sum(n, a, b, cin)
    assert cex.differing


# ----------------------------------------------------------- timeouts
@functools.cache
def _c6288_map() -> str:
    c = load_circuit(BENCH / "iscas85" / "c6288.bench")
    ins = [p.name for p in c.inputs]
    pairs = [f"{n}=a[{i}]" for i, n in enumerate(ins[:16])]
    pairs += [f"{n}=b[{i}]" for i, n in enumerate(ins[16:])]
    pairs += [f"{p.name}=p[{i}]" for i, p in enumerate(c.outputs)]
    return ",".join(pairs)


# ---------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs, message", [
    ({}, r"^the ports do not match: A \(top\) has output f\[128\], output cOut with no "
         r"partner; B \(ripple_carry_adder_128\) has input cin, output sum\[128\], output "
         r"cout with no partner\n"
         r"  A \(top\): inputs a\[128\], b\[128\]; outputs f\[128\], cOut\n"
         r"  B \(ripple_carry_adder_128\): inputs a\[128\], b\[128\], cin; outputs "
         r"sum\[128\], cout\n  pair ports with --map A_PORT=B_PORT, tie inputs with "
         r"--const SIDE.PORT=VALUE$"),
    ({"map": "f=sum[0:64]"}, r"^--map f=sum\[0:64\]: 128 bits of A \(top\) against 64 of B "
                             r"\(ripple_carry_adder_128\); the widths must agree\n"),
    ({"map": "f=sum", "const": "A.cOut=0"}, r"^--const A.cOut=0: 'cOut' is an output of A "
                                            r"\(top\); only inputs can be tied to a constant$"),
    ({"map": "f=sum", "const": "B.cin=2"}, r"^--const B.cin=2: 2 does not fit 1 bit \(0 to "
                                           r"1\)$"),
    ({"map": "f=a"}, r"^--map f=a: 'f' is an output of A \(top\) but 'a' is an input of B "),
    ({"map": "f=nope"}, r"^--map f=nope: B \(ripple_carry_adder_128\) has no port 'nope'; "
                        r"its ports are a, b, cin, sum, cout$"),
    ({"const": "C.cin=0"}, r"^--const 'C.cin=0': write SIDE.PORT=VALUE with SIDE A or B"),
], ids=["no-map", "width", "const-output", "const-too-big", "kind", "no-port", "bad-side"])
def test_mismatched_ports_and_bad_options_are_one_clear_message(kwargs, message):
    with pytest.raises(UsageError) as e:
        equivalent(epfl_adder(), rca128(), **kwargs)
    # the command line's words; the API's name its parameters, never an option
    assert re.match(message, e.value.cli_text())
    assert "--" not in str(e.value) and ("map" in str(e.value) or "const" in str(e.value))


def test_a_missing_python_sat_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "pysat", None)
    with pytest.raises(UsageError, match=r"pip install 'circuitnn\[sat\]'"):
        equivalent(ripple_carry_adder(4), kogge_stone_adder(4))


# ------------------------------------------------------------------ CLI
@pytest.fixture
def cli(cli, monkeypatch):
    """The CLI (tests/conftest.py), run from the repository's root."""
    monkeypatch.chdir(ROOT)
    return cli


@pytest.fixture
def files(tmp_path):
    (tmp_path / "ks32.yaml").write_text(_flat(kogge_stone_adder(32)))
    (tmp_path / "mutant.yaml").write_text(_type_changed(32)[0])
    return tmp_path


def test_cli_equiv_proves_and_exits_0(cli, files):
    code, out, err = cli("equiv", "circuits/ripple_carry_adder_32.yaml", str(files / "ks32.yaml"))
    assert code == 0, err
    assert re.search(r"^equivalent \(proved by SAT: [\d,]+ variables, [\d,]+ clauses, "
                     r"[\d.]+ s\)$", out, re.M)
    assert "compared 33 output bits over 65 shared input bits" in out


def test_cli_equiv_counterexample_exits_1_and_emits_a_test(cli, files):
    test_csv = files / "cex.csv"
    code, out, err = cli("equiv", str(files / "mutant.yaml"), str(files / "ks32.yaml"),
                         "--emit-test", str(test_csv))
    assert code == 1, err
    assert "not equivalent" in out and "<- differs" in out
    assert "A: the neural engine (certified at delta=" in out
    assert "agrees with the exact reference" in out and "DISAGREES" not in out
    rows = [r for r in csv.reader(test_csv.read_text().splitlines()) if not r[0].startswith("#")]
    assert rows[0] == ["a", "b", "cin", "sum", "cout"] and len(rows) == 2
    a, b, cin, s, cout = (int(v) for v in rows[1])
    assert {"sum": s, "cout": cout} == adder_sum(32, a, b, cin)    # expected = the spec
    mutant = load_circuit(files / "mutant.yaml")
    assert exact_outputs(mutant, {"a": a, "b": b, "cin": cin}) != {"sum": s, "cout": cout}


def test_cli_equiv_timeout_exits_3_with_unknown(cli, tmp_path):
    (tmp_path / "mult.yaml").write_text(_flat(array_multiplier(16)))
    code, out, _ = cli("equiv", "data/benchmarks/iscas85/c6288.bench", str(tmp_path / "mult.yaml"),
                       "--map", _c6288_map(), "--timeout", "1")
    assert code == 3 and "not equivalent (" not in out and "counterexample:" not in out
    assert re.search(r"^unknown: no proof and no counterexample within [\d.]+ s \(.* output bits "
                     r"proved equal\); give a "
                     r"longer --timeout \(now 1 s\)$", out, re.M)


def test_cli_equiv_mismatched_ports_exit_2_listing_both_sides(cli):
    code, out, err = cli("equiv", "data/benchmarks/epfl/adder.blif",
                         "circuits/ripple_carry_adder_32.yaml")
    assert code == 2 and out == ""
    assert err.startswith("error: port 'a' has 128 bits in A (data/benchmarks/epfl/adder.blif)"
                          " but 32 in B (circuits/ripple_carry_adder_32.yaml)")
    assert "A (data/benchmarks/epfl/adder.blif): inputs a[128], b[128]; outputs f[128], cOut" in err
    assert "B (circuits/ripple_carry_adder_32.yaml): inputs a[32], b[32], cin; outputs " \
           "sum[32], cout" in err


def test_cli_verify_spec_prints_the_chain(cli, files):
    code, out, err = cli("verify", "circuits/ripple_carry_adder_32.yaml", "--random", "200",
                         "--spec", str(files / "ks32.yaml"))
    assert code == 0, err
    assert "  1. neural = boolean ripple_carry_adder_32: every net is certified at delta=" in out
    assert re.search(r"  2\. boolean ripple_carry_adder_32 = .*ks32\.yaml: equivalent \(proved "
                     r"by SAT: .*\) \[proved\]", out)
    assert "computes " in out and "for all 2^65 inputs" in out
    code, out, _ = cli("verify", "circuits/ripple_carry_adder_32.yaml", "--random", "200",
                       "--spec", str(files / "mutant.yaml"))
    assert code == 1
    assert "not equivalent" in out and "[proved]" in out.split("2.")[0]


def _all_ones_detector(n: int, invert_last: bool):
    """y = a[0] & ... & a[n-1], or with a[n-1] inverted: two circuits that
    differ on 2 of 2**n inputs, which no random pattern finds."""
    b = Builder("all_ones" if not invert_last else "all_ones_but_last")
    a = b.input("a", n)
    y = a[0]
    for i in range(1, n):
        y = y & (~a[i] if invert_last and i == n - 1 else a[i])
    b.output("y", y)
    return b.build()


@pytest.mark.parametrize("sweep", [True, False], ids=["sweep", "no-sweep"])
def test_a_difference_random_patterns_miss_is_found_by_the_solver(sweep):
    n = 64
    result = equivalent(_all_ones_detector(n, False), _all_ones_detector(n, True), sweep=sweep)
    assert result.status == "different"
    a = result.counterexample.inputs_a["a"]
    # Python's answer for each side: A is 1 only at all ones, B only at all ones but the top bit
    assert a in (2**n - 1, 2**(n - 1) - 1)
    assert result.counterexample.outputs_a == {"y": int(a == 2**n - 1)}
    assert result.counterexample.outputs_b == {"y": int(a == 2**(n - 1) - 1)}
