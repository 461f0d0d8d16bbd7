"""Small inputs that blew up (issue 19): every one is built here, under 5 KB.

Each gives one clear message (exit 2) or the right result, without runaway work:
the design budget, imports of regular files read once, deep or long
expressions, constants of no inputs, and the Yosys JSON reader's edge cases.
"""

import json
import os
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from circuitnn.cli import main
from circuitnn.compile import Budget, BudgetError, compile_design
from circuitnn.errors import CircuitError, NetlistError
from circuitnn.ir.truthtable import TruthTable
from circuitnn.read import load_circuit, read_design
from circuitnn.read.yaml import loads_yaml
from circuitnn.read.yosys_json import reads_yosys_json

DATA = Path(__file__).resolve().parent.parent / "data" / "benchmarks"


def refused(capsys, argv, pattern):
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1, err
    assert pattern in err, err


def doubling(levels: int) -> str:
    """Each circuit instantiates the one below twice: 2**(levels-1) gates."""
    lines = ["circuits:"]
    for k in range(levels):
        lines += [f"  m{k}:", "    inputs: [a]", "    outputs: [y]", "    gates:"]
        if k == 0:
            lines += ["      - {name: g, type: NOT, in: [a], out: y}"]
        else:
            lines += [f"      - {{name: u, type: m{k - 1}, ports: {{a: a, y: t}}}}",
                      f"      - {{name: v, type: m{k - 1}, ports: {{a: t, y: y}}}}"]
    return "\n".join(lines + [f"top: m{levels - 1}"]) + "\n"


# --------------------------------------------------------------- the budget
def test_exponential_hierarchy_is_refused_before_flattening(tmp_path, capsys, monkeypatch,
                                                            hang_guard):
    path = tmp_path / "exp.yaml"
    path.write_text(doubling(30))
    assert len(path.read_bytes()) < 5000
    design = read_design(path)
    # refused from the counts, before a gate is built: the compiler's peak
    # memory is that of a few dicts (the 5,000,000 gates of the flattener's
    # backstop would take gigabytes, and the hours of flattening a hang)
    tracemalloc.start()
    try:
        with hang_guard(60), pytest.raises(
                BudgetError, match=r"would have 536,870,912 gates, more than the budget of "
                                   r"5,000,000; raise it with Budget\(gates=N\) if"):
            compile_design(design)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20, f"{peak:,} bytes"
    with pytest.raises(BudgetError, match="536,870,912 gates"):
        load_circuit(path)
    refused(capsys, ["info", str(path)], "raise it with --max-gates N (or $CIRCUITNN_MAX_GATES)")
    # the three ways to raise it
    small = tmp_path / "small.yaml"
    small.write_text(doubling(12))  # 2,048 gates
    assert len(load_circuit(small).gates) == 2048
    with pytest.raises(BudgetError, match="2,048 gates, more than the budget of 1,000"):
        load_circuit(small, budget=Budget(gates=1000))
    refused(capsys, ["info", str(small), "--max-gates", "1000"], "budget of 1,000")
    monkeypatch.setenv("CIRCUITNN_MAX_GATES", "1000")
    refused(capsys, ["info", str(small)], "budget of 1,000")
    assert main(["info", str(small), "--max-gates", "3000"]) == 0
    assert "gates: 2,048" in capsys.readouterr().out
    monkeypatch.setenv("CIRCUITNN_MAX_GATES", "x")
    refused(capsys, ["info", str(small)], "$CIRCUITNN_MAX_GATES: 'x' is not a whole number")


def test_wide_port_pairs_are_counted_as_signal_bits(tmp_path):
    ins = ", ".join(f"'a{k}[1048576]'" for k in range(20))
    outs = ", ".join(f"'y{k}[1048576]'" for k in range(20))
    assigns = ", ".join(f"y{k}: a{k}" for k in range(20))
    d = loads_yaml(f"inputs: [{ins}]\noutputs: [{outs}]\nassign: {{{assigns}}}\n", "w.yaml")
    with pytest.raises(BudgetError, match=r"41,943,040 signal bits, more than the budget of "
                                          r"25,000,000; raise it with Budget\(bits=N\)"):
        compile_design(d)


def repeated(counts) -> str:
    """One line per count: a NOT gate repeated that many times."""
    offsets = [sum(counts[:k]) for k in range(len(counts))]
    return (f"inputs: [a]\noutputs: [y]\nwires: ['t[{min(sum(counts), 1 << 20)}]']\ngates:\n"
            + "".join(f"  - {{name: g{k}, type: NOT, repeat: {n}, in: [a], "
                      f"out: 't[{{i+{off}}}]'}}\n"
                      for k, (n, off) in enumerate(zip(counts, offsets)))
            + "  - {name: h, type: BUF, in: [a], out: y}\n")


def test_repeat_counts_are_checked_against_the_budget_before_expanding(tmp_path, capsys,
                                                                        monkeypatch):
    from circuitnn.ir.build import RecordBuilder

    made = []
    real = RecordBuilder.gate
    monkeypatch.setattr(RecordBuilder, "gate", lambda self, *a, **k: made.append(1)
                        or real(self, *a, **k))
    # refused before a single record is made; the budget given reaches the reader,
    # from the API, the CLI and the environment
    small = tmp_path / "small.yaml"
    small.write_text(repeated([600, 600]))
    with pytest.raises(BudgetError, match=r"small\.yaml:6: the netlist expands to at least "
                                          r"1,200 gates, more than the budget of 1,000"):
        load_circuit(small, budget=Budget(gates=1000))
    assert made == []
    refused(capsys, ["info", str(small), "--max-gates", "1000"], "at least 1,200 gates")
    monkeypatch.setenv("CIRCUITNN_MAX_GATES", "1000")
    assert main(["test", str(small)]) == 2
    assert "small.yaml:6: the netlist expands to at least 1,200 gates" in capsys.readouterr().out
    monkeypatch.delenv("CIRCUITNN_MAX_GATES")
    c = load_circuit(small, budget=Budget(gates=1201))
    assert len(c.gates) == 1201 and len(made) == 1201
    made.clear()
    path = tmp_path / "rep.yaml"
    path.write_text(repeated([1_000_000] * 6))  # six lines, six million gates
    with pytest.raises(BudgetError, match=r"rep\.yaml:10: the netlist expands to at least "
                                          r"6,000,000 gates, more than the budget of "
                                          r"5,000,000; raise it with Budget\(gates=N\)"):
        load_circuit(path)
    refused(capsys, ["info", str(path)], "expands to at least 6,000,000 gates")
    assert made == []


def test_a_million_bit_port_pair_is_handled_per_bus(monkeypatch):
    from circuitnn.compile.flatten import _Flattener

    calls = []
    real = _Flattener.new_var
    monkeypatch.setattr(_Flattener, "new_var", lambda self, name: calls.append(name)
                        or real(self, name))
    w = 1 << 20
    c = compile_design(loads_yaml(f"inputs: ['a[{w}]', b]\noutputs: ['y[{w}]', z]\n"
                                  "assign: {y: a, z: b}\n", "w.yaml"))
    assert c.outputs[0].signals == c.inputs[0].signals and len(c.outputs[0].signals) == w
    assert c.outputs[1].signals == c.inputs[1].signals
    assert calls == ["b", "z"]  # the buses were made in one step each, not bit by bit
    # mistakes on such buses are reported per range, the first bits named
    d = loads_yaml(f"inputs: ['a[{w}]']\noutputs: ['y[{w}]']\nwires: ['t[{w}]']\n"
                   f"assign: {{'y[{w - 1}:1]': 'a[{w - 2}:0]', 't[{w - 1}:2]': 'a[{w - 3}:0]', "
                   f"'t[{w - 1}:0]': a}}\n", "w.yaml")
    with pytest.raises(CircuitError) as info:
        compile_design(d)
    assert str(info.value).splitlines() == [
        f"w.yaml:4: net 't[2, 3, 4, 5, 6, 7, 8, 9, ...]' has two drivers: assign to "
        f"'t[{w - 1}:2]' (line 4) and assign to 't[{w - 1}:0]'; a net has exactly one driver",
        "w.yaml:2: circuit 'w': output 'y[0]' is never driven; connect it to a gate output",
        "2 problems found"]


@pytest.mark.parametrize("name", ["iscas85/c6288.bench", "iscas89/s5378.bench",
                                  "epfl/bar.blif"])
def test_the_default_budget_admits_real_circuits(name):
    assert Budget().gates >= 5_000_000
    c = load_circuit(DATA / name)  # under the default budget
    assert len(c.gates) > 2000


# ----------------------------------------------------------------- imports
@pytest.mark.parametrize("target", ["/dev/zero", "fifo.yaml"])
def test_imports_read_regular_files_only(tmp_path, target):
    if target == "fifo.yaml":
        os.mkfifo(tmp_path / target)
    top = tmp_path / "top.yaml"
    top.write_text(f"imports: [{target}]\ninputs: [a]\noutputs: [y]\n"
                   "gates: [{name: g, type: NOT, in: [a], out: y}]\n")
    with pytest.raises(CircuitError, match=rf"top\.yaml:1: import '{target}': is not a "
                                           "regular file; give a netlist file"):
        load_circuit(top)


def test_reading_a_small_file_allocates_what_it_holds(tmp_path):
    """A read's buffer is as large as asked for: asking for the size limit
    allocated 256 MiB for every file read."""
    from circuitnn.read.source import read_source

    f = tmp_path / "small.yaml"
    f.write_bytes(b"# x\n" * 1000)
    tracemalloc.start()
    try:
        data = read_source(f)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert data == f.read_bytes()
    assert peak < 64 * 1024, peak


def test_a_nul_byte_in_an_import_path(tmp_path):
    top = tmp_path / "top.yaml"
    top.write_text('imports: ["a\\0b.yaml"]\ninputs: [a]\noutputs: [y]\n'
                   "gates: [{name: g, type: NOT, in: [a], out: y}]\n")
    with pytest.raises(CircuitError, match=r"top\.yaml:1: import 'a\\x00b\.yaml': the path has "
                                           "a NUL character"):
        load_circuit(top)


def test_a_file_imported_many_times_is_read_once(tmp_path, monkeypatch):
    import circuitnn.read.yaml as yaml_reader

    (tmp_path / "l0.yaml").write_text("name: c0\ninputs: [a]\noutputs: [y]\n"
                                      "gates: [{name: g, type: NOT, in: [a], out: y}]\n")
    for k in range(1, 13):
        (tmp_path / f"l{k}.yaml").write_text(
            f"name: c{k}\nimports: [l{k - 1}.yaml, l{k - 1}.yaml, ./l{k - 1}.yaml]\n"
            "inputs: [a]\noutputs: [y]\n"
            f"gates: [{{name: g, type: c{k - 1}, ports: {{a: a, y: y}}}}]\n")
    reads = []
    real = yaml_reader.read_source
    monkeypatch.setattr(yaml_reader, "read_source", lambda p: reads.append(p) or real(p))
    c = load_circuit(tmp_path / "l12.yaml")
    assert len(c.gates) == 1 and len(reads) == 13  # 3**12 reads before


# ------------------------------------------------------------ expressions
@pytest.mark.parametrize("expr, want", [
    (" & ".join(["a"] * 1000) + " & b", lambda a, b: a & b),
    (" ^ ".join(["a"] * 999) + " ^ b", lambda a, b: a ^ b),
    ("~" * 1001 + "a", lambda a, b: 1 - a),
    ("(" * 100 + "a | b" + ")" * 100, lambda a, b: a | b),
])
def test_long_expressions_evaluate(expr, want):
    tt = TruthTable.from_expr(expr, inputs=["a", "b"])
    rows = tt.input_matrix()
    assert tt.table[:, 0].tolist() == [want(int(a), int(b)) for a, b in rows]


def test_parentheses_nest_at_most_100_deep():
    with pytest.raises(CircuitError, match=r"cannot parse expression '\(\(\(.*\.\.\.': "
                                           r"parentheses nest deeper than 100 levels"):
        TruthTable.from_expr("(" * 130 + "a" + ")" * 130, inputs=["a"])


def test_arithmetic_beyond_64_bits_is_refused():
    text = ("inputs: [a]\noutputs: [y]\ngates:\n  - {name: g, type: BUF, repeat: 2, "
            "in: [a], out: 'y{" + "*".join(["999999"] * 800) + "}'}\n")
    with pytest.raises(CircuitError, match=r"gives a number beyond 2\*\*64 for i=0"):
        loads_yaml(text, "x.yaml")


def test_a_chain_of_the_wrong_shape():
    text = ("circuits:\n  c: {inputs: [a], outputs: [y], gates: [{name: g, type: NOT, "
            "in: [a], out: y}]}\n  t:\n    inputs: [a]\n    outputs: [y]\n    gates:\n"
            "      - {name: u, type: c, repeat: 2, chain: {y: [a]}, ports: {a: a, y: y}}\n"
            "top: t\n")
    with pytest.raises(CircuitError, match=r"'chain' must map an output port name to an "
                                           r"input port name, such as \{cout: cin\}; got "
                                           r"\"y: \['a'\]\""):
        loads_yaml(text, "x.yaml")


# ---------------------------------------------------- constants of no input
def test_a_truth_table_of_no_inputs_is_a_constant(tmp_path, store):
    from circuitnn.run.session import Session, train_nets

    d = loads_yaml("inputs: [a]\noutputs: [y, z]\nprimitives:\n"
                   "  ONE: {inputs: [], outputs: [o], rows: ['1']}\n"
                   "gates:\n  - {name: g, type: ONE, in: [], out: y}\n"
                   "  - {name: h, type: NOT, in: [a], out: z}\n", "k.yaml")
    c = compile_design(d)
    assert [g.prim for g in c.gates] == ["NOT"]
    out = Session(c, train_nets(c, store))(a=np.array([0, 1]))
    assert out["y"].tolist() == [1, 1] and out["z"].tolist() == [1, 0]
    # and trained directly, it is a net of no weights
    k = TruthTable((), ("o", "p"), np.array([[1, 0]], dtype=np.uint8), name="K")
    net = store.get_or_train(k)
    assert net.delta == 0.1 and net.forward(np.zeros((1, 0))).round().tolist() == [[1, 0]]


# ------------------------------------------------------- linear reading
def _chain(fmt: str, n: int) -> str:
    """A chain of ``n`` NAND gates, t0 = NAND(a, b), t1 = NAND(t0, b), ... y."""
    def src(i):
        return "a" if i == 0 else f"t{i - 1}"

    def dst(i):
        return "y" if i == n - 1 else f"t{i}"

    if fmt == "bench":
        return "INPUT(a)\nINPUT(b)\nOUTPUT(y)\n" + "".join(
            f"{dst(i)} = NAND({src(i)}, b)\n" for i in range(n))
    if fmt == "blif":
        return ".model m\n.inputs a b\n.outputs y\n" + "".join(
            f".names {src(i)} b {dst(i)}\n0- 1\n-0 1\n" for i in range(n)) + ".end\n"
    if fmt == "yaml":
        return "inputs: [a, b]\noutputs: [y]\ngates:\n" + "".join(
            f"  - {{name: g{i}, type: NAND, in: [{src(i)}, b], out: {dst(i)}}}\n"
            for i in range(n))
    cells = {f"g{i}": {"type": "$_NAND_",
                       "connections": {"A": [2 if i == 0 else 3 + i], "B": [3], "Y": [4 + i]}}
             for i in range(n)}
    return _json(cells, {"a": {"direction": "input", "bits": [2]},
                         "b": {"direction": "input", "bits": [3]},
                         "y": {"direction": "output", "bits": [3 + n]}})


@pytest.mark.parametrize("fmt", ["bench", "blif", "yaml", "json"])
def test_reading_and_compiling_is_linear_in_the_netlist(fmt, work_done):
    from circuitnn.read.bench import reads_bench
    from circuitnn.read.blif import reads_blif

    reads = {"bench": reads_bench, "blif": reads_blif, "yaml": loads_yaml,
             "json": reads_yosys_json}[fmt]

    def compile_chain(n):
        c = compile_design(reads(_chain(fmt, n), f"chain.{fmt}"))
        assert len(c.gates) == n

    compile_chain(100)  # the caches (tables, patterns) warm, so both counts are steady
    small, large = work_done(lambda: compile_chain(100)), work_done(lambda: compile_chain(400))
    # four times the gates, four times the Python work (quadratic work would be 16 times)
    assert large < 4.4 * small, (small, large)


# ---------------------------------------------------------- Yosys JSON
def _json(cells, ports=None, name="m", extra=None):
    ports = ports or {"a": {"direction": "input", "bits": [2, 4]},
                      "y": {"direction": "output", "bits": [3]}}
    mods = {name: {"ports": ports, "cells": cells}, **(extra or {})}
    return json.dumps({"modules": mods})


def test_json_strings_with_many_escaped_quotes_read_in_linear_time(hang_guard):
    text = _json({"g": {"type": "$_AND_", "connections": {"A": [2], "B": [4], "Y": [3]}}})
    text = text[:-1] + ', "creator": "' + '\\"' * 150_000 + '"}'
    # the work is inside one regex call, which no count of Python work sees:
    # a hang guard, not a speed claim (0.05 s on a quiet machine; the
    # quadratic scan took 107 s for 100,000 quotes, about 240 s for these)
    with hang_guard(60):
        assert len(reads_yosys_json(text, "q.json").modules) == 1


@pytest.mark.parametrize("text, message", [
    ('{"modules": {"m": {"ports": {}, "ports": {}}}}',
     r"q\.json:1: key 'ports' appears twice in one JSON object; each key may appear once"),
    (_json({"g": {"type": "$_AND_", "connections": {"A": [2], "B": [4], "Y": [3], "Q": [2]}}}),
     r"cell 'g' \(\$_AND_\): has no port 'Q'; its ports are A, B, Y"),
    (_json({"g": {"type": "$lut", "parameters": {"LUT": "1" * 100_000},
                  "connections": {"A": [2, 4], "Y": [3]}}}),
     r"cannot read LUT '11111111111111111111\.\.\. \(100,000 characters\)' over 2 inputs"),
    (_json({"g": {"type": "m", "connections": {"a": [2, 4], "y": [3]}}}),
     r"q\.json:1: module 'm' contains itself: m -> m; hierarchy must not be recursive"),
    (_json({"u": {"type": "c", "connections": {"a": [2], "y": [3], "zz": [4]}}},
           extra={"c": {"ports": {"a": {"direction": "input", "bits": [2]},
                                  "y": {"direction": "output", "bits": [3]}},
                        "cells": {"g": {"type": "$_NOT_", "connections": {"A": [2], "Y": [3]}}}}}),
     r"cell 'u' \(c\): module 'c' has no port 'zz'; its ports are a, y"),
])
def test_json_mistakes_are_reported(text, message):
    with pytest.raises(NetlistError, match=message):
        reads_yosys_json(text, "q.json")


def test_a_padded_lut_parameter_is_read():
    text = _json({"g": {"type": "$lut", "parameters": {"LUT": "0" * 28 + "0110"},
                        "connections": {"A": [2, 4], "Y": [3]}}})
    c = compile_design(reads_yosys_json(text, "q.json"))
    assert len(c.gates) == 1


def test_blif_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "bad.blif"
    path.write_bytes(b".model m\n.inputs a\xff\n.outputs y\n.names a\xff y\n1 1\n.end\n")
    with pytest.raises(NetlistError, match=r"bad\.blif:2: is not UTF-8 text; save the netlist "
                                           "as UTF-8"):
        load_circuit(path)
