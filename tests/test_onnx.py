"""ONNX export, checked against independent oracles.

Each model is written to a file and read back by onnx and by a fresh
onnxruntime ``InferenceSession`` (the docs test runs one in another process).
Its thresholded outputs must equal the exact engine (truth tables, no nets)
and Python arithmetic where the circuit has one; its analog outputs must agree
with the numpy neural engine within ``TOL``, which is far inside the
certified margin (delta = 0.1).  Under CI=true onnx and onnxruntime must be
installed (the ``onnx`` extra); elsewhere the tests skip without them.
"""

from __future__ import annotations

import hashlib
import json
import operator
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

if os.environ.get("CI") != "true":
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")

import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402

from circuitnn.cli import main  # noqa: E402
from circuitnn.compile import compile_design  # noqa: E402
from circuitnn.hdl import Builder  # noqa: E402
from circuitnn.library import accumulator, counter, kogge_stone_adder, lfsr  # noqa: E402
from circuitnn.nn.certify import SIGMOID_ERROR, runtime_certificate, runtime_error_bound  # noqa: E402
from circuitnn.read import load_circuit  # noqa: E402
from circuitnn.run.exact import ExactEngine  # noqa: E402
from circuitnn.run.neural import NeuralEngine  # noqa: E402
from circuitnn.run.session import train_nets  # noqa: E402
from circuitnn.write import onnx as onnx_writer  # noqa: E402
from circuitnn.write.onnx import STATE_INPUT, STATE_OUTPUT, feed, to_onnx  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "data" / "benchmarks"
#: analog outputs of onnxruntime and the numpy engine agree to this (float32);
#: measured differences are about 2e-7, the certified margin is 0.1
TOL = {"float32": 1e-5, "float64": 1e-12}

CIRCUITS = {p.stem: p for p in sorted((ROOT / "circuits").rglob("*.yaml"))}
CIRCUITS["c6288"] = BENCH / "iscas85" / "c6288.bench"
CIRCUITS["epfl_adder"] = BENCH / "epfl" / "adder.blif"
CIRCUITS["kogge_stone_64"] = None  # the library's, built in Python


def _load(name: str):
    if name == "kogge_stone_64":
        return compile_design(kogge_stone_adder(64).design)
    return load_circuit(CIRCUITS[name])


def _ints(bits: np.ndarray) -> list[int]:
    """Python integers from (width, V) bits, LSB first (independent of circuitnn)."""
    return [sum(int(b) << i for i, b in enumerate(col)) for col in np.asarray(bits).T]


def _ports(ports, bits):
    out, row = {}, 0
    for p in ports:
        out[p.name] = _ints(bits[row:row + p.width])
        row += p.width
    return out


def _adder(v, o, width):
    cin = v.get("cin", [0] * len(v["a"]))
    want = [a + b + c for a, b, c in zip(v["a"], v["b"], cin)]
    return {"sum": [w % (1 << width) for w in want], "cout": [w >> width for w in want]}


def _oracle(name, v):
    """What the circuit computes, by Python arithmetic (None: no formula)."""
    if name in ("half_adder", "half_adder_learned"):
        return {"sum": [a ^ b for a, b in zip(v["a"], v["b"])],
                "carry": [a & b for a, b in zip(v["a"], v["b"])]}
    if name == "full_adder":
        s = [a + b + c for a, b, c in zip(v["a"], v["b"], v["cin"])]
        return {"sum": [x & 1 for x in s], "cout": [x >> 1 for x in s]}
    if m := re.fullmatch(r"ripple_carry_adder_(\d+)|kogge_stone_(\d+)", name):
        return _adder(v, None, int(m.group(1) or m.group(2)))
    if name == "multiplier_2x2":
        return {"p": [a * b for a, b in zip(v["a"], v["b"])]}
    if name == "majority":
        return {"y": [int(a + b + c >= 2) for a, b, c in zip(v["a"], v["b"], v["c"])]}
    if name == "parity_8":
        return {"p": [bin(d).count("1") & 1 for d in v["d"]]}
    if name == "mux4":
        return {"y": [(d >> s) & 1 for d, s in zip(v["d"], v["s"])]}
    if name == "decoder_2to4":
        return {"y": [e << a for a, e in zip(v["a"], v["en"])]}
    if name == "comparator_4":
        return {"lt": [int(a < b) for a, b in zip(v["a"], v["b"])],
                "eq": [int(a == b) for a, b in zip(v["a"], v["b"])],
                "gt": [int(a > b) for a, b in zip(v["a"], v["b"])]}
    return None  # the exact and neural engines are the oracles


def _run_onnx(path: Path, circuit, bits: np.ndarray, dtype: str = "float32") -> np.ndarray:
    """A fresh session on the file: analog outputs as (output bits, V)."""
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feed, row = {}, 0
    for p in circuit.inputs:
        feed[p.name] = np.ascontiguousarray(bits[row:row + p.width].T, dtype=dtype)
        row += p.width
    outs = sess.run([p.name for p in circuit.outputs], feed)
    for p, o in zip(circuit.outputs, outs):
        assert o.shape == (bits.shape[1], p.width) and o.dtype == np.dtype(dtype)
    return np.concatenate([o.T for o in outs])


def _vectors(circuit, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if circuit.n_input_bits <= 10:  # every input combination
        rows = np.arange(1 << circuit.n_input_bits)
        return ((rows[None, :] >> np.arange(circuit.n_input_bits)[:, None]) & 1).astype(np.uint8)
    return rng.integers(0, 2, size=(circuit.n_input_bits, n), dtype=np.uint8)


def _run_cycles(path, circuit, nets, cycles: int, streams: int, seed: int = 0,
               stimulus=None):
    """Loop the model over ``cycles`` cycles of ``streams`` streams; check each
    cycle against the exact and neural engines on ``circuit.step``; return
    the thresholded outputs per cycle, ``(cycles, output bits, streams)``."""
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    meta = sess.get_modelmeta().custom_metadata_map
    state_meta = json.loads(meta["state"])
    assert state_meta["width"] == circuit.n_state_bits
    # the initial state from the registers, and from the metadata: the same
    init = np.array([(r.init >> i) & 1 for r in circuit.registers for i in range(r.width)],
                    np.uint8)
    from_meta = np.zeros(state_meta["width"], np.uint8)
    for r in state_meta["registers"]:
        for i in range(r["width"]):
            from_meta[r["offset"] + i] = (r["init"] >> i) & 1
    assert (init == from_meta).all()
    state = np.repeat(init[None, :].astype(np.float32), streams, axis=0)
    exact_state = np.repeat(init[:, None], streams, axis=1)
    exact, neural = ExactEngine(circuit.step), NeuralEngine(circuit.step, nets)
    names = [p.name for p in circuit.outputs] + [STATE_OUTPUT]
    n_out = circuit.n_output_bits
    rng = np.random.default_rng(seed)
    seen = []
    for k in range(cycles):
        bits = (stimulus(k) if stimulus else
                rng.integers(0, 2, size=(circuit.n_input_bits, streams), dtype=np.uint8))
        inputs = feed(circuit, bits)
        inputs[STATE_INPUT] = state
        *outs, nxt = sess.run(names, inputs)
        analog = (np.concatenate([o.T for o in outs]) if outs
                  else np.zeros((0, streams), np.float32))
        want = exact.run(np.concatenate([bits, exact_state]))
        assert ((analog > 0.5) == want[:n_out]).all(), f"cycle {k}: outputs"
        assert set(np.unique(nxt)) <= {0.0, 1.0}
        assert (nxt.T == want[n_out:]).all(), f"cycle {k}: next state"
        same = neural.run(np.concatenate([bits, state.T.astype(np.uint8)]))
        assert np.abs(analog - same[:n_out]).max(initial=0) <= TOL["float32"]
        seen.append((analog > 0.5).astype(np.uint8))
        state, exact_state = nxt, want[n_out:]
    return np.array(seen)


@pytest.mark.parametrize("name", list(CIRCUITS))
def test_onnxruntime_agrees_with_exact_arithmetic_and_the_neural_engine(name, store, tmp_path):
    circuit = _load(name)
    nets = train_nets(circuit, store)
    path = tmp_path / f"{name}.onnx"
    to_onnx(circuit, nets, path)
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    if getattr(circuit, "registers", ()):  # one cycle per run, looped
        _run_cycles(path, circuit, nets, cycles=30, streams=32)
        return

    bits = _vectors(circuit, 1500, seed=len(name))
    analog = _run_onnx(path, circuit, bits)
    got = (analog > 0.5).astype(np.uint8)
    assert (got == ExactEngine(circuit).run(bits)).all()
    neural = NeuralEngine(circuit, nets).run(bits)
    assert np.abs(analog - neural).max() <= TOL["float32"]
    assert np.abs(analog - 0.5).min() >= 0.4  # every output within delta=0.1 of a level

    ins, outs = _ports(circuit.inputs, bits), _ports(circuit.outputs, got)
    if name == "c6288":
        # inputs a (first 16) and b (next 16), LSB first; the product's last two
        # listed outputs are bits 31 and 30
        a = _ints(bits[:16])
        b = _ints(bits[16:32])
        order = list(range(30)) + [31, 30]
        prod = [sum(int(got[k, j]) << bit for k, bit in enumerate(order))
                for j in range(bits.shape[1])]
        assert prod == [x * y for x, y in zip(a, b)]
    elif name == "epfl_adder":
        total = _ints(got)  # the outputs in port order: the 129-bit sum
        assert total == [x + y for x, y in zip(ins["a"], ins["b"])]
    elif _oracle(name, ins) is not None:
        assert outs == _oracle(name, ins)


@pytest.mark.parametrize("name", ["ripple_carry_adder_32", "c6288"])
def test_digital_mode_and_float64(name, store, tmp_path):
    circuit = _load(name)
    nets = train_nets(circuit, store)
    bits = _vectors(circuit, 1000, seed=3)
    exact = ExactEngine(circuit).run(bits)

    to_onnx(circuit, nets, tmp_path / "d.onnx", mode="digital")
    digital = _run_onnx(tmp_path / "d.onnx", circuit, bits)
    assert set(np.unique(digital)) <= {0.0, 1.0}
    assert (digital == exact).all()

    model = to_onnx(circuit, nets, tmp_path / "f64.onnx", dtype="float64")
    assert model.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
    analog = _run_onnx(tmp_path / "f64.onnx", circuit, bits, dtype="float64")
    neural = NeuralEngine(circuit, nets, dtype=np.float64).run(bits)
    assert np.abs(analog - neural).max() <= TOL["float64"]
    assert ((analog > 0.5) == exact).all()

    to_onnx(circuit, nets, tmp_path / "d64.onnx", mode="digital", dtype="float64")
    assert (_run_onnx(tmp_path / "d64.onnx", circuit, bits, "float64") == exact).all()


def test_graph_is_grouped_by_level_and_primitive(store, tmp_path):
    circuit = _load("c6288")
    model = to_onnx(circuit, train_nets(circuit, store), tmp_path / "c6288.onnx")
    groups = sum(len(level) for level in circuit.levels)
    ops = [n.op_type for n in model.graph.node]
    # one Gemm and one Sigmoid per layer per group (the nets here have one layer)
    assert ops.count("Gemm") == ops.count("Sigmoid") == groups == 126
    ports = len(circuit.inputs) + len(circuit.outputs)
    # nodes grow with the groups, not the gates: 2,416 gates, 1,210 nodes
    assert len(ops) <= 10 * groups + 2 * ports and len(ops) < len(circuit.gates) / 1.9
    assert model.opset_import[0].version >= 17
    batch = model.graph.input[0].type.tensor_type.shape.dim[0]
    assert batch.dim_param == "batch"


def test_metadata_says_what_the_file_computes_and_guarantees(store, tmp_path):
    circuit = load_circuit(ROOT / "circuits" / "ripple_carry_adder_32.yaml")
    nets = train_nets(circuit, store)
    to_onnx(circuit, nets, tmp_path / "rca.onnx")
    model = onnx.load(str(tmp_path / "rca.onnx"))
    meta = {p.key: p.value for p in model.metadata_props}
    assert json.loads(meta["inputs"]) == [{"name": "a", "width": 32},
                                          {"name": "b", "width": 32},
                                          {"name": "cin", "width": 1}]
    assert json.loads(meta["outputs"]) == [{"name": "sum", "width": 32},
                                           {"name": "cout", "width": 1}]
    assert [i.name for i in model.graph.input] == ["a", "b", "cin"]
    assert "LSB first" in meta["bit_order"]
    assert meta["circuitnn.version"] == __import__("circuitnn").__version__
    prims = json.loads(meta["primitives"])
    assert set(prims) == set(circuit.primitives)
    for name, entry in prims.items():
        assert entry["arch"] == nets[name].arch
        assert entry["delta"] == nets[name].delta == 0.1
        assert entry["runtime_margin"] + entry["runtime_error_bound"] <= entry["delta"]
    assert meta["certified_delta"] == "0.1"
    assert meta["guarantee"].startswith("certified at delta=0.1: when every input bit is "
                                        "within 0.1 of 0 or 1 (in [0, 0.1] or [0.9, 1])")
    files = ["full_adder.yaml", "half_adder.yaml", "ripple_carry_adder_32.yaml"]
    digests = {f: hashlib.sha256((ROOT / "circuits" / f).read_bytes()).hexdigest()
               for f in files}
    assert json.loads(meta["sources"]) == [{"file": f, "sha256": digests[f]} for f in files]
    total = hashlib.sha256("".join(f"{f}\0{digests[f]}\n" for f in files).encode())
    assert meta["sources_sha256"] == total.hexdigest()


def test_no_guarantee_claimed_without_certified_nets(store, tmp_path):
    circuit = load_circuit(ROOT / "circuits" / "full_adder.yaml")
    nets = train_nets(circuit, store)
    bare = {k: replace(v, delta=None) for k, v in nets.items()}
    meta = {p.key: p.value for p in to_onnx(circuit, bare, tmp_path / "u.onnx").metadata_props}
    assert meta["certified_delta"] == ""
    assert meta["guarantee"].startswith("no guarantee (uncertified nets")
    assert {v["delta"] for v in json.loads(meta["primitives"]).values()} == {None}
    # nets labelled with different deltas: each reported, and no composed claim
    mixed = dict(nets, XOR2=replace(nets["XOR2"], delta=0.05))
    meta = {p.key: p.value for p in to_onnx(circuit, mixed, tmp_path / "m.onnx").metadata_props}
    assert json.loads(meta["primitives"])["XOR2"]["delta"] == 0.05
    assert meta["certified_delta"] == ""
    assert meta["guarantee"].startswith("no guarantee (nets certified at different deltas do "
                                        "not compose: ")
    # python-built circuits have no source files to hash
    b = Builder("xor")
    x = b.input("x", 2)
    b.output("y", x[0] ^ x[1])
    xor = compile_design(b.build().design)
    meta = {p.key: p.value for p in to_onnx(xor, train_nets(xor, store),
                                            tmp_path / "x.onnx").metadata_props}
    assert "sources" not in meta and meta["certified_delta"] == "0.1"


def test_runtime_sigmoid_is_within_the_error_the_certificate_assumes():
    graph = onnx.helper.make_graph(
        [onnx.helper.make_node("Sigmoid", ["x"], ["y"])], "s",
        [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [None])],
        [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [None])])
    model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 17)])
    model.ir_version = 8
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    x = np.linspace(-60, 60, 2_000_001, dtype=np.float32)
    y = sess.run(None, {"x": x})[0].astype(np.float64)
    exact = 1 / (1 + np.exp(-x.astype(np.float64)))
    assert np.abs(y - exact).max() <= SIGMOID_ERROR["float32"]


def test_runtime_error_bound_bounds_onnxruntime(store, tmp_path):
    """One gate per net, fed anywhere in [-eta, 1 + eta]: onnxruntime's float32
    result is within the bound of the float64 net on the same inputs."""
    for op in (operator.xor, operator.and_, operator.or_):
        b = Builder("g")
        x = b.input("x", 2)
        b.output("y", op(x[0], x[1]))
        circuit = compile_design(b.build().design)
        nets = train_nets(circuit, store)
        net = next(iter(nets.values()))
        to_onnx(circuit, nets, tmp_path / "g.onnx")
        sess = ort.InferenceSession(str(tmp_path / "g.onnx"), providers=["CPUExecutionProvider"])
        pts = np.random.default_rng(0).uniform(-1e-4, 1 + 1e-4, (200_000, 2)).astype(np.float32)
        got = sess.run(None, {"x": pts})[0][:, 0].astype(np.float64)
        exact = net.forward(pts.astype(np.float64))[:, 0]
        assert np.abs(got - exact).max() <= runtime_error_bound(net)


def test_coarse_runtime_arithmetic_voids_the_guarantee(store, tmp_path, monkeypatch):
    circuit = load_circuit(ROOT / "circuits" / "half_adder.yaml")
    nets = train_nets(circuit, store)
    tt = circuit.primitives["XOR2"]
    assert runtime_certificate(nets["XOR2"], tt, 0.1)["ok"]
    assert not runtime_certificate(nets["XOR2"], tt, 0.1, sigmoid_error=0.05)["ok"]
    monkeypatch.setitem(SIGMOID_ERROR, "float32", 0.05)
    meta = {p.key: p.value for p in to_onnx(circuit, nets, tmp_path / "h.onnx").metadata_props}
    assert meta["certified_delta"] == ""
    assert meta["guarantee"].startswith("no guarantee (float32 arithmetic may leave")


# -------------------------------------------------------------- sequential
SEQUENTIAL = {
    "counter_8": lambda: counter(8).compile_circuit(),
    "accumulator_8": lambda: accumulator(8).compile_circuit(),
    "lfsr_16": lambda: lfsr(16).compile_circuit(),
    "s27": lambda: load_circuit(BENCH / "iscas89" / "s27.bench"),
    "s298": lambda: load_circuit(BENCH / "iscas89" / "s298.bench"),
}


@pytest.mark.parametrize("name", list(SEQUENTIAL))
def test_one_cycle_model_looped_matches_the_exact_engine(name, store, tmp_path):
    circuit = SEQUENTIAL[name]()
    assert circuit.registers
    nets = train_nets(circuit, store)
    model = to_onnx(circuit, nets, tmp_path / f"{name}.onnx")
    assert [i.name for i in model.graph.input][-1] == STATE_INPUT
    assert [o.name for o in model.graph.output][-1] == STATE_OUTPUT
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta["guarantee"].endswith("the guarantee holds at every cycle.")
    _run_cycles(tmp_path / f"{name}.onnx", circuit, nets, cycles=40, streams=32)


def test_counter_and_accumulator_count(store, tmp_path):
    c = counter(8).compile_circuit()
    nets = train_nets(c, store)
    to_onnx(c, nets, tmp_path / "c.onnx", mode="digital")
    rng = np.random.default_rng(1)
    en = rng.integers(0, 2, size=(300, 1, 8), dtype=np.uint8)
    seen = _run_cycles(tmp_path / "c.onnx", c, nets, 300, 8, stimulus=lambda k: en[k])
    want = np.cumsum(en[:, 0, :], axis=0) - en[:, 0, :]  # sampled before the edge
    assert [_ints(s) for s in seen] == (want % 256).tolist()

    a = accumulator(8).compile_circuit()
    nets = train_nets(a, store)
    to_onnx(a, nets, tmp_path / "a.onnx")
    xs = rng.integers(0, 256, size=(60, 4))
    clr = (rng.random((60, 4)) < 0.1).astype(int)

    def stimulus(k):
        x = ((xs[k][None, :] >> np.arange(8)[:, None]) & 1).astype(np.uint8)
        return np.concatenate([x, clr[k][None, :].astype(np.uint8)])

    seen = _run_cycles(tmp_path / "a.onnx", a, nets, 60, 4, stimulus=stimulus)
    acc, want = [0] * 4, []
    for k in range(60):
        want.append(list(acc))
        acc = [0 if clr[k][j] else (acc[j] + int(xs[k][j])) % 256 for j in range(4)]
    assert [_ints(s) for s in seen] == want


# --------------------------------------------------------------------- CLI
def test_convert_command_writes_a_model(store, tmp_path, capsys):
    out = tmp_path / "fa.onnx"
    code = main(["convert", str(ROOT / "circuits" / "full_adder.yaml"), str(out),
                 "--store", str(store.root), "--mode", "digital", "--dtype", "float64"])
    text = capsys.readouterr().out
    assert code == 0
    assert re.search(r"fa\.onnx: ONNX model of full_adder \(5 gates, depth 3\) as \d+ nodes, "
                     r"[\d,]+ KiB; digital, float64, opset 17; certified at delta=0\.1", text)
    model = onnx.load(str(out))
    assert model.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta["mode"].startswith("digital") and meta["dtype"] == "float64"


def test_convert_without_the_extra_names_it(store, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx now fails
    out = tmp_path / "fa.onnx"
    code = main(["convert", str(ROOT / "circuits" / "full_adder.yaml"), str(out),
                 "--store", str(store.root)])
    err = capsys.readouterr().err
    assert code == 2
    assert err == ("error: writing ONNX needs the onnx package: pip install "
                   "'circuitnn[onnx]'\n")
    assert not out.exists()


def test_interrupted_write_leaves_no_file(store, tmp_path, monkeypatch):
    circuit = load_circuit(ROOT / "circuits" / "half_adder.yaml")
    nets = train_nets(circuit, store)

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(onnx_writer.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        to_onnx(circuit, nets, tmp_path / "h.onnx")
    assert list(tmp_path.iterdir()) == []


def test_bench_has_an_onnxruntime_row(store, capsys):
    code = main(["bench", str(ROOT / "circuits" / "ripple_carry_adder_8.yaml"), "--vectors",
                 "2000", "--repeats", "1", "--store", str(store.root)])
    out = capsys.readouterr().out
    assert code == 0
    neural = re.search(r"neural, numpy engine \(analog, float32\)\s+(\d+\.\d+)\s+([\d,]+)", out)
    onnxrt = re.search(r"onnxruntime \(analog, float32\)\s+(\d+\.\d+)\s+([\d,]+)", out)
    assert neural and onnxrt
    assert float(onnxrt.group(1)) > 0 and int(onnxrt.group(2).replace(",", "")) > 0


# -------------------------------------------------------------------- docs
def test_docs_script_runs_without_circuitnn(store, tmp_path):
    """docs/onnx.md: convert a 32-bit adder, then its script (which imports
    only numpy and onnxruntime) runs in another process and prints what the
    page says."""
    page = (ROOT / "docs" / "onnx.md").read_text()
    command = re.search(r"```sh\n(circuitnn convert [^\n]+)\n```", page).group(1)
    script = re.search(r"```python\n(.*?)```", page, re.S).group(1)
    printed = re.search(r"prints\n\n```\n(.*?)```", page, re.S).group(1)
    assert len(script.strip().splitlines()) <= 10
    assert "circuitnn" not in script
    args = command.split()[2:]
    env = {**os.environ, "CIRCUITNN_STORE": str(store.root)}
    src = ROOT / args[0]
    assert main(["convert", str(src), str(tmp_path / args[1]), *args[2:],
                 "--store", str(store.root)]) == 0
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout == printed


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_standard_net_keeps_its_certificate_in_runtime_arithmetic(store, dtype):
    from circuitnn.ir.primitives import STANDARD

    nets = store.get_or_train_many(list(STANDARD.values()))
    for (name, tt), net in zip(STANDARD.items(), nets):
        cert = runtime_certificate(net, tt, net.delta, dtype)
        assert cert["ok"] and cert["slack"] > 0.01, (name, cert)


def test_session_to_onnx_uses_the_sessions_mode_and_dtype(store, tmp_path):
    from circuitnn.library import ripple_carry_adder

    adder = ripple_carry_adder(16).compile(store=store, mode="digital")
    model = adder.to_onnx(tmp_path / "add16.onnx")
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta["mode"].startswith("digital") and meta["dtype"] == "float32"
    rng = np.random.default_rng(1)
    bits = rng.integers(0, 2, size=(33, 500), dtype=np.uint8)
    out = _run_onnx(tmp_path / "add16.onnx", adder.circuit, bits)
    assert set(np.unique(out)) <= {0.0, 1.0}
    got = _ports(adder.circuit.outputs, out.astype(np.uint8))
    assert got == _adder(_ports(adder.circuit.inputs, bits), None, 16)
    f64 = adder.to_onnx(tmp_path / "add16_64.onnx", mode="analog", dtype="float64")
    assert f64.graph.output[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
