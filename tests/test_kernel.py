"""The fused kernel against the numpy engine (the reference it must reproduce)
and the exact engine, on every circuit and benchmark, both modes and dtypes.

Tolerance on analog values: float32 within 1e-6, float64 within 1e-12 of
the numpy engine (they differ in the exponential, polynomial against libm,
and in summation order); thresholded bits identical, and equal to the exact
engine's.  Digital mode values are 0 or 1 and must be equal."""

import glob
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from circuitnn.compile import compile_design
from circuitnn.ir.primitives import STANDARD
from circuitnn.nn import GateNet, certified_margin
from circuitnn.nn.certify import runtime_error_bound
from circuitnn.read import load_circuit
from circuitnn.read.yaml import loads_yaml
from circuitnn.run import kernel
from circuitnn.run.exact import ExactEngine
from circuitnn.run.kernel import (
    KernelEngine,
    certificate_holds,
    exp2_error,
    kernel_available,
    safe_dtype,
    sigmoid_error,
)
from circuitnn.run.neural import NeuralEngine
from circuitnn.run.session import train_nets
from circuitnn.run.vectors import random_vectors

ROOT = Path(__file__).resolve().parent.parent
FILES = (sorted(glob.glob(str(ROOT / "circuits" / "*.yaml")))
         + sorted(glob.glob(str(ROOT / "data" / "benchmarks" / "iscas85" / "*.bench")))
         + sorted(glob.glob(str(ROOT / "data" / "benchmarks" / "epfl" / "*.blif"))))
TOL = {np.float32: 1e-6, np.float64: 1e-12}

# the compiled kernel is the C library; under CI (gcc installed) it must run
pytestmark = pytest.mark.skipif(not kernel_available() and os.environ.get("CI") != "true",
                                reason="no C compiler (cc, or $CC)")


def test_every_circuit_and_benchmark_is_covered():
    assert len(FILES) == 12 + 11 + 7


@pytest.mark.parametrize("path", FILES, ids=lambda p: Path(p).stem)
def test_kernel_matches_numpy_engine(path, store):
    circuit = load_circuit(path)
    nets = train_nets(circuit, store)
    bits = random_vectors(circuit, 600, seed=11)
    exact = ExactEngine(circuit).run(bits)
    for mode in ("analog", "digital"):
        for dtype in (np.float32, np.float64):
            want = NeuralEngine(circuit, nets, mode=mode, dtype=dtype).run(bits)
            engine = KernelEngine(circuit, nets, mode=mode, dtype=dtype, compiled=True)
            assert engine.dtype == dtype
            # 600 vectors take the block path (two blocks and a partial one),
            # the first two the one-vector-at-a-time path
            for got, ref in [(engine.run(x), want[:, :x.shape[1]]) for x in (bits, bits[:, :2])]:
                assert engine._native.__name__ == "circuitnn.run._native"
                assert got.dtype == dtype
                if mode == "digital":
                    assert set(np.unique(got)) <= {0.0, 1.0}
                    assert (got == ref).all()
                else:
                    assert np.abs(got - ref).max() <= TOL[dtype]
                assert ((got > 0.5) == (ref > 0.5)).all()
                assert ((got > 0.5) == exact[:, :got.shape[1]]).all()


def test_probe_gives_every_internal_signal(store):
    circuit = load_circuit(ROOT / "data" / "benchmarks" / "iscas85" / "c6288.bench")
    nets = train_nets(circuit, store)
    bits = random_vectors(circuit, 300, seed=2)
    out, every = KernelEngine(circuit, nets, keep_all=True, compiled=True).run(bits, probe=True)
    ref_out, ref_every = NeuralEngine(circuit, nets, keep_all=True).run(bits, probe=True)
    _, exact_every = ExactEngine(circuit, keep_all=True).run(bits, probe=True)
    assert every.shape == (circuit.n_signals, 300)
    assert np.abs(every - ref_every).max() <= TOL[np.float32]
    assert ((every > 0.5) == exact_every).all()
    assert (out == every[circuit.output_signals]).all()
    # certified nets keep every signal within delta = 0.1 of its exact value
    assert np.abs(every - exact_every).max() <= 0.1


def test_two_threads_agree_with_one(store):
    circuit = load_circuit(ROOT / "circuits" / "ripple_carry_adder_32.yaml")
    nets = train_nets(circuit, store)
    bits = random_vectors(circuit, 20_000, seed=4)  # 3.2M gate evaluations: threaded
    two = KernelEngine(circuit, nets, threads=2, compiled=True).run(bits)
    one = KernelEngine(circuit, nets, threads=1, compiled=True).run(bits)
    assert np.abs(two - one).max() <= TOL[np.float32]
    assert (two > 0.5).sum() == (one > 0.5).sum()


def _threaded_run_in_child(engine, bits, want, conn) -> None:
    conn.send(bool((engine.run(bits) == want).all()))


def test_helper_threads_work_in_a_forked_child(store):
    """The helper threads kept for threaded calls are the process's: a child
    forked after a threaded call (a Dask or multiprocessing worker) starts its
    own instead of waiting on threads it does not have."""
    import multiprocessing

    circuit = load_circuit(ROOT / "circuits" / "ripple_carry_adder_32.yaml")
    engine = KernelEngine(circuit, train_nets(circuit, store), threads=2, compiled=True)
    bits = random_vectors(circuit, 20_000, seed=6)  # 3.2M gate evaluations: threaded
    want = engine.run(bits)
    fork = multiprocessing.get_context("fork")
    mine, theirs = fork.Pipe()
    child = fork.Process(target=_threaded_run_in_child, args=(engine, bits, want, theirs))
    child.start()
    child.join(30)
    if child.is_alive():
        child.kill()
    assert child.exitcode == 0 and mine.poll() and mine.recv() is True


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_exp2_error_within_its_bound(dtype):
    from circuitnn.run import _native

    lib = _native.load()
    assert lib is not None
    rng = np.random.default_rng(0)
    s = np.concatenate([np.linspace(-3, 3, 400_001), rng.uniform(-120, 120, 100_000)]).astype(dtype)
    got = lib.exp2(s).astype(np.float64)
    rel = np.abs(got / np.exp2(s.astype(np.float64)) - 1).max()
    assert rel <= exp2_error(dtype)
    if dtype == np.float32:
        assert rel < 2e-7  # the figure docs/certification.md quotes


def _one_gate(name):
    tt = STANDARD[name]
    ins = ", ".join(tt.inputs)
    outs = ", ".join(tt.outputs)
    text = f"inputs: [{ins}]\noutputs: [{outs}]\ngates:\n  - {{name: g, type: {name}, " \
           f"in: [{ins}], out: [{outs}]}}\n"
    return compile_design(loads_yaml(text))


def _standard_nets(store) -> dict:
    # one batch for the whole library, as other tests train it: a table
    # trained alone would get a different net and change what they load
    return dict(zip(STANDARD, store.get_or_train_many(list(STANDARD.values()))))


@pytest.mark.parametrize("name", ["AND2", "NOT", "MAJ3", "XOR2", "NAND9", "XNOR4"])
def test_error_bound_holds_on_analog_inputs(name, store):
    """On any inputs in [0, 1], the float32 kernel stays within the runtime
    error bound (with the kernel's sigmoid error) of the net computed exactly
    (float64, libm exp), and inside [0, 1]."""
    circuit = _one_gate(name)
    net = _standard_nets(store)[name]
    nets = {name: net}
    x = np.random.default_rng(1).uniform(0, 1, (net.n_inputs, 50_000))
    x[:, :2 ** net.n_inputs] = STANDARD[name].input_matrix().T  # the logic levels too
    got = KernelEngine(circuit, nets, compiled=True).run(x.astype(np.float32))
    want = net.forward(x.astype(np.float32).astype(np.float64).T).T
    bound = runtime_error_bound(net, "float32", sigmoid_error(np.float32))
    assert np.abs(got - want).max() <= bound
    assert got.min() >= 0 and got.max() <= 1


def test_float32_raised_to_float64_when_slack_is_too_small(store):
    circuit = _one_gate("AND2")
    net = _standard_nets(store)["AND2"]
    assert certificate_holds(net, STANDARD["AND2"], np.float32)
    assert safe_dtype(circuit, {"AND2": net}, np.float32) == np.float32
    # the same net claimed at the smallest delta where it holds in float64:
    # certified there, but with too little slack for float32's arithmetic
    def claimed(delta):
        return GateNet(net.weights, net.biases, "AND2", net.max_err, delta)

    lo, hi = 0.0, net.delta
    for _ in range(60):
        mid = (lo + hi) / 2
        holds = certificate_holds(claimed(mid), STANDARD["AND2"], np.float64)
        lo, hi = (lo, mid) if holds else (mid, hi)
    tight = claimed(hi)
    assert certified_margin(net, STANDARD["AND2"], hi) <= hi
    assert certificate_holds(tight, STANDARD["AND2"], np.float64)
    assert not certificate_holds(tight, STANDARD["AND2"], np.float32)
    assert safe_dtype(circuit, {"AND2": tight}, np.float32) == np.float64
    assert KernelEngine(circuit, {"AND2": tight}).dtype == np.float64


def _child(code: str, store, **env) -> str:
    env = dict(os.environ, PYTHONPATH=str(ROOT), CIRCUITNN_STORE=str(store.root), **env)
    return subprocess.run([sys.executable, "-c", code], env=env, check=True,
                          capture_output=True, text=True).stdout.strip()


PREAMBLE = """
import sys
import numpy as np
from circuitnn.read import load_circuit
from circuitnn.run.kernel import KernelEngine
from circuitnn.run.session import train_nets
from circuitnn.run.vectors import random_vectors
from circuitnn.store import default_store
c = load_circuit({path!r})
engine = KernelEngine(c, train_nets(c, default_store()))
"""


def test_built_c_library_serves_mid_sized_runs_with_the_same_bits(store, tmp_path):
    """Once the C library is built, a run worth 10 ms of numpy loads it; below
    that the numpy engine runs.  Either way the bits are the numpy engine's
    and the exact engine's."""
    path = str(ROOT / "data" / "benchmarks" / "iscas85" / "c6288.bench")
    circuit = load_circuit(path)
    nets = train_nets(circuit, store)
    _child("from circuitnn.run import _native; assert _native.load()", store)
    code = PREAMBLE.format(path=path) + f"""
small = engine.run(random_vectors(c, 100, seed=5))
print(engine._native is None, "circuitnn.run._native" in sys.modules, end=" ")
big = engine.run(random_vectors(c, 3000, seed=5))  # 7M gate evaluations, ~50 ms of numpy
print(engine._native.__name__)
np.save({str(tmp_path / "small.npy")!r}, small)
np.save({str(tmp_path / "big.npy")!r}, big)
"""
    assert _child(code, store) == "True False circuitnn.run._native"
    bits = random_vectors(circuit, 3000, seed=5)
    want = NeuralEngine(circuit, nets).run(bits)
    exact = ExactEngine(circuit).run(bits)
    for name, n in (("small", 100), ("big", 3000)):
        got = np.load(tmp_path / f"{name}.npy")
        assert np.abs(got - want[:, :n]).max() <= TOL[np.float32]
        assert ((got > 0.5) == exact[:, :n]).all()


def test_native_choice_follows_load_and_build_costs(monkeypatch):
    from circuitnn.run import _native

    load, build = kernel.NATIVE_LOAD_SECONDS, kernel.NATIVE_BUILD_SECONDS
    monkeypatch.setattr(_native, "load", lambda: "C library")
    monkeypatch.setattr(_native, "state", lambda: "built")
    assert kernel._pick(0.5 * load, 0.0) is None
    assert kernel._pick(2 * load, 0.0) == "C library"
    assert kernel._pick(0, 2 * load) == "C library"
    monkeypatch.setattr(_native, "state", lambda: "buildable")
    assert kernel._pick(2 * load, 0.0) is None
    assert kernel._pick(1.1 * build, 0.0) == "C library"
    assert kernel._pick(0, 0.0, forced=True) == "C library"
    monkeypatch.setattr(_native, "state", lambda: "unavailable")
    assert kernel._pick(1e12, 0.0, forced=True) is None


def test_failed_build_is_remembered_and_falls_back(monkeypatch, tmp_path):
    from circuitnn.run import _native

    monkeypatch.setenv("CIRCUITNN_STORE", str(tmp_path))
    monkeypatch.setenv("CC", "false")
    monkeypatch.setattr(_native, "_lib", None)
    monkeypatch.setattr(_native, "_failed", False)
    assert _native.state() == "buildable"
    assert _native.load() is None
    assert _native.state() == "unavailable"
    monkeypatch.setattr(_native, "_failed", False)  # a later process
    assert _native.library_path().with_suffix(".fail").is_file()
    assert _native.state() == "unavailable"
    assert kernel._pick(1e12, 0.0) is None


def test_unwritable_store_runs_without_the_c_build(monkeypatch, tmp_path, store):
    from circuitnn.run import _native

    (tmp_path / "kernel").write_text("a file where the folder would go")
    monkeypatch.setenv("CIRCUITNN_STORE", str(tmp_path))
    monkeypatch.setattr(_native, "_lib", None)
    monkeypatch.setattr(_native, "_failed", False)
    monkeypatch.setattr(_native, "_FUNCTIONS", {})
    assert _native.load() is None
    circuit = load_circuit(ROOT / "circuits" / "half_adder.yaml")
    bits = random_vectors(circuit, 10, seed=1)
    engine = KernelEngine(circuit, train_nets(circuit, store))
    engine.expect(10**9)
    assert ((engine.run(bits) > 0.5) == ExactEngine(circuit).run(bits)).all()
    assert engine._native is None  # the numpy engine ran


def test_without_the_c_build_the_numpy_engine_runs(store):
    """CIRCUITNN_NATIVE=0 (as with no compiler): a large run gets the numpy
    engine's bits, and asking for the compiled kernel says what it needs."""
    path = str(ROOT / "circuits" / "ripple_carry_adder_8.yaml")
    circuit = load_circuit(path)
    nets = train_nets(circuit, store)
    code = PREAMBLE.format(path=path) + """
from circuitnn.run import _native
out = engine.run(random_vectors(c, 100_000, seed=3))
print(int((out > 0.5).sum()), engine._native, _native.state(), end=" ")
try:
    KernelEngine(c, engine.nets, compiled=True).run(random_vectors(c, 3))
except Exception as e:
    print(type(e).__name__, e)
"""
    want = (NeuralEngine(circuit, nets).run(random_vectors(circuit, 100_000, seed=3)) > 0.5).sum()
    assert _child(code, store, CIRCUITNN_NATIVE="0") == \
        f"{want} None unavailable UsageError {kernel.NEEDS}"


def test_one_vector_call_path(store):
    """A scalar call goes through the engine's per-call path and computes the
    sum that Python's integers do; anything else keeps the general path."""
    from circuitnn.errors import VectorError
    from circuitnn.run.session import Session

    adder = Session.from_store(load_circuit(ROOT / "circuits" / "ripple_carry_adder_32.yaml"),
                               store)
    adder.engine.compiled = True
    rng = np.random.default_rng(9)
    cases = [(0, 0, 0), (2**32 - 1, 1, 0), (2**32 - 1, 2**32 - 1, 1)]
    cases += [(int(a), int(b), int(c)) for a, b, c in rng.integers(0, 2**32, (20, 3))]
    for a, b, cin in cases:
        cin &= 1
        total = a + b + cin
        want = {"sum": total % 2**32, "cout": total >> 32}
        assert adder._call_one({"a": a, "b": b, "cin": cin}) == want
        assert adder(a=np.uint64(a), b=b, cin=bool(cin)) == want
    assert adder._call_one({"a": 2**32, "b": 0, "cin": 0}) is None
    with pytest.raises(VectorError, match=r"value 4294967296 does not fit input 'a'"):
        adder(a=2**32, b=0, cin=0)
    assert adder._call_one({"a": [1, 2], "b": 0, "cin": 0}) is None
    assert adder(a=[1, 2], b=3, cin=0)["sum"].tolist() == [4, 5]
