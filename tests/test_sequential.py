"""Registers and clocked simulation: records, checker, front ends, the
simulator and the CLI, each result against an independent oracle (Python
integer arithmetic, or a direct evaluation of the netlist text)."""

import re

import numpy as np
import pytest

from circuitnn.cli import main
from circuitnn.compile import compile_design
from circuitnn.errors import CircuitError, UsageError, ValidationError
from circuitnn.hdl import Builder
from circuitnn.library import accumulator, counter, lfsr, shift_register
from circuitnn.read import load_circuit
from circuitnn.read.bench import reads_bench
from circuitnn.read.yaml import loads_yaml
from circuitnn.run.session import Session
from circuitnn.run.sim import random_stimulus

S27 = """\
INPUT(G0)
INPUT(G1)
INPUT(G2)
INPUT(G3)
OUTPUT(G17)
G5 = DFF(G10)
G6 = DFF(G11)
G7 = DFF(G13)
G14 = NOT(G0)
G17 = NOT(G11)
G8 = AND(G14, G6)
G15 = OR(G12, G8)
G16 = OR(G3, G8)
G9 = NAND(G16, G15)
G10 = NOR(G14, G11)
G11 = NOR(G5, G9)
G12 = NOR(G1, G7)
G13 = NOR(G2, G12)
"""


def bench_oracle(text: str, stimulus: list[dict[str, int]]) -> list[dict[str, int]]:
    """Evaluate a .bench text cycle by cycle in plain Python (outputs sampled
    before the edge, every DFF starting at 0): the oracle for the reader and
    the simulator together."""
    gates, outputs, dffs = {}, [], {}
    for line in text.splitlines():
        m = re.match(r"OUTPUT\((\w+)\)", line)
        if m:
            outputs.append(m.group(1))
        m = re.match(r"(\w+) = (\w+)\(([\w, ]+)\)", line)
        if m:
            out, kind, args = m.group(1), m.group(2), [a.strip() for a in m.group(3).split(",")]
            (dffs if kind == "DFF" else gates)[out] = (kind, args)
    ops = {"AND": all, "OR": any, "NAND": lambda v: not all(v), "NOR": lambda v: not any(v),
           "NOT": lambda v: not v[0]}
    def val(n, values):
        if n not in values:
            kind, args = gates[n]
            values[n] = int(ops[kind]([val(a, values) for a in args]))
        return values[n]

    state = dict.fromkeys(dffs, 0)
    rows = []
    for ins in stimulus:
        values = {**ins, **state}
        rows.append({o: val(o, values) for o in outputs})
        state = {q: val(dffs[q][1][0], values) for q in dffs}
    return rows


# ----------------------------------------------------------------- library
def test_library_circuits_match_python_arithmetic(store):
    rng = np.random.default_rng(3)
    en = rng.integers(0, 2, 60)
    count, want = 0, []
    for e in en:
        want.append(count)
        count = (count + e) % 256
    assert counter(8).compile(store=store).sim(en=en)["count"].tolist() == want

    x, clr = rng.integers(0, 256, 60), (rng.random(60) < 0.1).astype(int)
    acc, want = 0, []
    for xi, ci in zip(x, clr):
        want.append(acc)
        acc = 0 if ci else (acc + xi) % 256
    assert accumulator(8).compile(store=store).sim(x=x, clr=clr)["acc"].tolist() == want

    state, want = 0xACE1, []
    for _ in range(100):
        want.append(state)
        fb = ((state >> 15) ^ (state >> 13) ^ (state >> 12) ^ (state >> 10)) & 1
        state = ((state << 1) | fb) & 0xFFFF
    assert lfsr(16, seed=0xACE1).compile(store=store).sim(cycles=100)["q"].tolist() == want

    din = rng.integers(0, 2, 30)
    q, want = 0, []
    for d in din:
        want.append(q)
        q = ((q << 1) | int(d)) & 0xF
    assert shift_register(4).compile(store=store).sim(din=din)["q"].tolist() == want


def test_streams_run_side_by_side_and_each_equals_its_own_run(store):
    c = counter(6).compile(store=store)
    en = np.random.default_rng(0).integers(0, 2, (40, 5))
    together = c.sim(en=en)["count"]
    for k in range(5):
        assert together[:, k].tolist() == c.sim(en=en[:, k])["count"].tolist()


def test_random_stimulus_of_stream_k_does_not_depend_on_the_number_of_streams():
    a = np.stack(list(random_stimulus(5, 1500, streams=7, seed=4)))
    b = np.stack(list(random_stimulus(5, 1500, streams=3, seed=4)))
    assert (a[:, :, :3] == b).all()
    assert not (a[:, :, 3] == a[:, :, 4]).all()


def test_the_simulator_runs_the_nets(store):
    """A swapped net changes what the simulator computes: it is not the
    truth tables; and the registers load thresholded bits."""
    s = counter(4).compile(store=store)
    good = s.sim(en=[1] * 10)["count"].tolist()
    nets = dict(s.nets)
    nets["XOR2"] = nets["AND2"]
    bad = Session(s.circuit, nets).sim(en=[1] * 10)["count"].tolist()
    assert good == list(range(10))
    assert bad != good
    assert Session(s.circuit, nets).sim(en=[1] * 10, exact=True)["count"].tolist() == good


def test_the_one_stream_engine_computes_what_the_numpy_engine_computes(store):
    from circuitnn.run.kernel import KernelEngine
    from circuitnn.run.neural import NeuralEngine
    from circuitnn.run.scalar import ScalarEngine
    from circuitnn.run.sim import Clocked

    s = accumulator(6).compile(store=store)
    step = s.circuit.step
    x = np.random.default_rng(2).random((step.n_input_bits, 20))
    x[:, :10] = x[:, :10] > 0.5  # bits, and values inside the boxes
    want = NeuralEngine(step, s.nets, dtype=np.float64).run(x)
    scalar = ScalarEngine(step, s.nets)
    got = np.hstack([scalar.run(x[:, i:i + 1]) for i in range(20)])
    assert np.abs(got - want).max() < 1e-9
    # the one-stream fallback of the clocked simulator, before the kernel pays
    clock = Clocked(s.circuit, KernelEngine(step, s.nets, compiled=False))
    clock.step(np.zeros((step.n_input_bits - s.circuit.n_state_bits, 1)))
    assert clock.path == "scalar" and isinstance(clock._scalar, ScalarEngine)


def test_neural_and_exact_agree_on_random_cycles(store):
    c = compile_design(reads_bench(S27, "s27.bench", "s27"))
    report = Session.from_store(c, store).sim_verify(cycles=300, streams=4, seed=2)
    assert report.ok and report.mismatches == 0 and report.min_margin > 0.3


# ----------------------------------------------------------------- front ends
def test_bench_dff_matches_a_direct_evaluation_of_the_text(store):
    c = compile_design(reads_bench(S27, "s27.bench", "s27"))
    assert [r.name for r in c.registers] == ["G5", "G6", "G7"]
    rng = np.random.default_rng(7)
    stim = [{f"G{i}": int(rng.integers(0, 2)) for i in range(4)} for _ in range(80)]
    want = bench_oracle(S27, stim)
    got = Session.from_store(c, store).sim(**{k: [s[k] for s in stim] for k in stim[0]})
    assert got["G17"].tolist() == [w["G17"] for w in want]
    # the oracle is not constant: the check can fail
    assert len({w["G17"] for w in want}) == 2


def test_blif_latches_with_a_clock_and_the_global_clock(store):
    from circuitnn.read.blif import reads_blif

    # q0 toggles on the named clock starting at 1; q1 (ABC's form) delays q0
    text = (".model t\n.inputs clk\n.outputs y0 y1\n.latch n0 q0 re clk 1\n"
            ".latch q0 q1 3\n.names q0 n0\n0 1\n.names q0 y0\n1 1\n.names q1 y1\n1 1\n"
            ".end\n")
    c = compile_design(reads_blif(text, "t.blif"))
    assert c.clock == "clk" and c.inputs == () and [r.init for r in c.registers] == [1, 0]
    got = Session.from_store(c, store).sim(cycles=6)
    assert got["y0"].tolist() == [1, 0, 1, 0, 1, 0]
    assert got["y1"].tolist() == [0, 1, 0, 1, 0, 1]
    two = text.replace(".latch q0 q1 3", ".latch q0 q1 re clk2 0").replace(
        ".inputs clk", ".inputs clk clk2")
    with pytest.raises(CircuitError, match=r"t\.blif:5: a second clock 'clk2' \(the "
                                              r"first is 'clk', line 4\)"):
        reads_blif(two, "t.blif")
    read = text.replace(".names q0 y0", ".names clk y0")
    with pytest.raises(CircuitError, match=r"the clock .clk. is also read by"):
        reads_blif(read, "t.blif")


YAML_REG = """
name: toggle
inputs: [en, rst]
outputs: ["q[2]"]
wires: {s: 2, n: 2}
gates:
  - {name: inv, type: NOT, in: "s[0]", out: "n[0]"}
  - {name: x, type: XOR, in: ["s[1]", "s[0]"], out: "n[1]"}
  - {name: r, type: DFF, in: n, out: s, enable: en, reset: rst, init: 2}
assign:
  q: s
tests:
  - cycles:
    - {en: 1, q: 2}
    - {q: 3}
    - {en: 0, q: 0}
    - {rst: 1, q: 0}
    - {rst: 0, en: 1, q: 0}
    - {q: 1}
"""


@pytest.mark.parametrize("priority", ["reset", "enable"])
@pytest.mark.parametrize("reset_active, enable_active", [(1, 1), (0, 0), (1, 0)])
def test_yaml_register_with_reset_enable_and_priority(store, priority, reset_active,
                                                      enable_active):
    text = YAML_REG.replace("init: 2}", f"init: 2, priority: {priority}, reset_value: 1, "
                                        f"reset_active: {reset_active}, "
                                        f"enable_active: {enable_active}}}")
    c = compile_design(loads_yaml(text))
    rng = np.random.default_rng(1)
    en, rst = rng.integers(0, 2, 200), rng.integers(0, 2, 200)
    s, want = 2, []
    for e, r in zip(en, rst):
        want.append(s)
        e, r = e == enable_active, r == reset_active
        if priority == "reset":
            s = 1 if r else ((s + 1) % 4 if e else s)
        else:
            s = (1 if r else (s + 1) % 4) if e else s
    assert Session.from_store(c, store).sim(en=en, rst=rst)["q"].tolist() == want


def test_registers_in_subcircuits_and_repeat(store):
    text = """
name: top
inputs: [d]
outputs: ["q[3]"]
gates:
  - {name: ff, type: DFF, repeat: 3, in: "t[{i}]", out: "q[{i}]"}
  - {name: u, type: delay, ports: {a: d, y: "t[0]"}}
assign:
  "t[1]": "q[0]"
  "t[2]": "q[1]"
circuits:
  delay:
    inputs: [a]
    outputs: [y]
    gates:
      - {name: r, type: DFF, in: a, out: y, init: 1}
"""
    c = compile_design(loads_yaml(text))
    assert len(c.registers) == 4
    d = [1, 0, 0, 1, 1, 0, 1, 0, 0, 0]
    # u.r delays d by one cycle (starting at 1), then q shifts it along
    line = [1] + d
    want = []
    q = [0, 0, 0]
    for k in range(len(d)):
        want.append(q[0] | q[1] << 1 | q[2] << 2)
        q = [line[k], q[0], q[1]]
    assert Session.from_store(c, store).sim(d=d)["q"].tolist() == want


def test_yaml_round_trip_keeps_registers(store):
    d = loads_yaml(YAML_REG.replace("init: 2}", "init: 2, priority: enable, "
                                               "reset_active: 0, enable_active: 0}"))
    from circuitnn.write.yaml import circuit_to_yaml, to_yaml

    again = loads_yaml(to_yaml(d))
    assert again.top_module.registers == d.top_module.registers
    assert again.top_module.tests == d.top_module.tests
    c = compile_design(d)
    flat = compile_design(loads_yaml(circuit_to_yaml(c)))
    rng = np.random.default_rng(5)
    stim = {"en": rng.integers(0, 2, 100), "rst": rng.integers(0, 2, 100)}
    a = Session.from_store(c, store).sim(exact=True, **stim)["q"].tolist()
    assert Session.from_store(flat, store).sim(exact=True, **stim)["q"].tolist() == a


def test_builder_register_api(store):
    b = Builder("acc2")
    x = b.input("x", 4)
    clr = b.input("clr")
    r = b.register(4, "r", reset=clr, init=9)
    r.next <<= r ^ x
    b.output("y", r)
    got = b.compile(store=store).sim(x=[1, 2, 4, 8, 3], clr=[0, 0, 1, 0, 0])["y"].tolist()
    assert got == [9, 8, 10, 0, 8]


# ----------------------------------------------------------------- mistakes
def _problems(text):
    with pytest.raises(ValidationError) as e:
        compile_design(loads_yaml(text, "bad.yaml"))
    return str(e.value)


def test_a_combinational_loop_not_through_a_register_is_still_named():
    msg = _problems("""
inputs: [a]
outputs: [y]
gates:
  - {name: g1, type: AND, in: [a, w], out: y}
  - {name: g2, type: NOT, in: y, out: w}
""")
    assert re.search(r"combinational loop: g\d -> g\d -> g\d", msg)
    # the same loop through a register is a circuit
    c = compile_design(loads_yaml("""
inputs: [a]
outputs: [y]
gates:
  - {name: g1, type: AND, in: [a, w], out: y}
  - {name: g2, type: NOT, in: v, out: w}
  - {name: r, type: DFF, in: y, out: v}
"""))
    assert c.sequential


def test_register_mistakes_are_located():
    msg = _problems("""
inputs: [a, "e[2]"]
outputs: ["y[2]"]
gates:
  - {name: r, type: DFF, in: a, out: y, init: 7}
  - {name: s, type: DFF, in: a, out: z, enable: e, priority: both}
""")
    assert "bad.yaml:5: register 'r': its input 'a' is 1 bit wide but its output 'y' is 2" \
           in msg
    assert "bad.yaml:5: register 'r': initial value 7 does not fit in 2 bits" in msg
    assert "bad.yaml:6: register 's': its enable 'e' is 2 bits wide; an enable is one bit" \
           in msg
    assert "bad.yaml:6: register 's': priority is 'both'" in msg


def test_a_net_driven_by_a_register_and_a_gate_has_two_drivers():
    msg = _problems("""
inputs: [a]
outputs: [y]
gates:
  - {name: r, type: DFF, in: a, out: y}
  - {name: g, type: NOT, in: a, out: y}
""")
    assert "bad.yaml:5: net 'y' has two drivers: gate 'g' (line 6) and register 'r'" in msg


def test_engines_refuse_a_sequential_circuit_for_combinational_runs(store):
    s = counter(3).compile(store=store)
    with pytest.raises(UsageError, match=r"is sequential .* use its session's sim\(\.\.\.\)") as e:
        s(en=1)
    assert e.value.cli_text().endswith("use 'circuitnn sim'")


# ----------------------------------------------------------------- the CLI
@pytest.fixture
def s27(tmp_path):
    path = tmp_path / "s27.bench"
    path.write_text(S27)
    return path


def test_cli_sim_csv_matches_the_oracle(s27, store, capsys, tmp_path):
    rng = np.random.default_rng(11)
    stim = [{f"G{i}": int(rng.integers(0, 2)) for i in range(4)} for _ in range(30)]
    csv = tmp_path / "stim.csv"
    csv.write_text("cycle,G3,G2,G1,G0\n" + "".join(
        f"{k},{s['G3']},{s['G2']},{s['G1']},{s['G0']}\n" for k, s in enumerate(stim)))
    assert main(["sim", str(s27), "--stimulus", str(csv), "--format", "csv",
                 "--store", str(store.root)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "cycle,G0,G1,G2,G3,G17"
    want = bench_oracle(S27, stim)
    assert [int(line.split(",")[-1]) for line in lines[1:]] == [w["G17"] for w in want]


def test_cli_sim_streams_and_vcd(s27, store, capsys, tmp_path):
    vcd = tmp_path / "w.vcd"
    assert main(["sim", str(s27), "--random", "20", "--streams", "3", "--seed", "5",
                 "--format", "csv", "--vcd", str(vcd), "--vcd-stream", "2",
                 "--store", str(store.root)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "stream,cycle,G0,G1,G2,G3,G17"
    assert len(lines) == 1 + 60
    rows = [list(map(int, line.split(","))) for line in lines[1:]]
    for k in range(3):
        mine = [r for r in rows if r[0] == k]
        stim = [dict(zip(["G0", "G1", "G2", "G3"], r[2:6])) for r in mine]
        assert [r[6] for r in mine] == [w["G17"] for w in bench_oracle(S27, stim)]
    from vcd.reader import TokenKind, tokenize

    with open(vcd, "rb") as f:
        kinds = [t.kind for t in tokenize(f)]
    assert TokenKind.VAR in kinds and TokenKind.CHANGE_SCALAR in kinds
    assert main(["sim", str(s27), "--random", "2", "--vcd", str(vcd),
                 "--store", str(store.root)]) == 2
    assert "exists; give --force" in capsys.readouterr().err


@pytest.mark.parametrize("text, message", [
    ("G0,G1,G2\n1,0,1\n", r"s\.csv:1: no column for input G3; the header names every "
                          r"input port"),
    ("G0,G1,G2,G3\n1,0,1,2\n", r"s\.csv:2: G3: 2 does not fit in 1 bit \(0 to 1\)"),
    ("clk,G0,G1,G2,G3\n", r"s\.csv:1: column 'clk' is not an input of 's27' \(a clock is "
                          r"not an input"),
])
def test_cli_sim_stimulus_mistakes(s27, store, capsys, tmp_path, text, message):
    csv = tmp_path / "s.csv"
    csv.write_text(text)
    assert main(["sim", str(s27), "--stimulus", str(csv), "--store", str(store.root)]) == 2
    assert re.search(message, capsys.readouterr().err)


def test_cli_run_points_to_sim_and_info_shows_registers(s27, store, capsys):
    assert main(["run", str(s27), "--random", "3", "--store", str(store.root)]) == 2
    assert "use 'circuitnn sim" in capsys.readouterr().err.replace("run it clock cycle by "
                                                                   "clock cycle with", "use")
    assert main(["info", str(s27), "--store", str(store.root)]) == 0
    assert "registers: 3 (3 bits; one clock, rising edge)" in capsys.readouterr().out


def test_cli_verify_and_test_on_sequential_circuits(s27, store, capsys, tmp_path):
    assert main(["verify", str(s27), "--cycles", "50", "--streams", "4",
                 "--store", str(store.root)]) == 0
    out = capsys.readouterr().out
    assert "50 random cycles x 4 streams" in out and "OK" in out
    good = tmp_path / "t.yaml"
    good.write_text(YAML_REG)
    assert main(["test", str(good), "--store", str(store.root)]) == 0
    bad = tmp_path / "b.yaml"
    bad.write_text(YAML_REG.replace("- {q: 1}", "- {q: 2}"))
    assert main(["test", str(bad), "--store", str(store.root)]) == 1
    assert "b.yaml:19: cycle 5: expected q=2, got q=1" in capsys.readouterr().out


def test_iscas89_copy_in_the_repository_loads():
    c = load_circuit("data/benchmarks/iscas89/s27.bench")
    assert c.sequential and len(c.registers) == 3
