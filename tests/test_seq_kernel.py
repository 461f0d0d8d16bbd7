"""The clocked simulator in the fused kernel against the numpy engine (the
reference it must reproduce) and the exact engine, on the sequential circuits
and ISCAS-89 benchmarks, over hundreds of random cycles, one stream and many.

Thresholded bits (the outputs and what the registers load) must be identical
in all three; analog values within the kernel's tolerance of the numpy
engine's (test_kernel.py: 1e-6 in float32, 1e-12 in float64)."""

import glob
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from circuitnn.library import counter
from circuitnn.read import load_circuit
from circuitnn.run import sim
from circuitnn.run.exact import ExactEngine
from circuitnn.run.kernel import KernelEngine, kernel_available
from circuitnn.run.neural import NeuralEngine
from circuitnn.run.session import Session
from circuitnn.run.sim import Clocked, random_stimulus

ROOT = Path(__file__).resolve().parent.parent
ISCAS89 = ROOT / "data" / "benchmarks" / "iscas89"
FILES = (sorted(glob.glob(str(ROOT / "circuits" / "sequential" / "*.yaml")))
         + [str(ISCAS89 / f"{name}.bench") for name in ("s27", "s298", "s1196")])
TOL = {np.float32: 1e-6, np.float64: 1e-12}

# the compiled kernel is the C library; under CI (gcc installed) it must run
pytestmark = pytest.mark.skipif(not kernel_available() and os.environ.get("CI") != "true",
                                reason="no C compiler (cc, or $CC)")
LIBRARY = "circuitnn.run._native"


def _simulate(clock: Clocked, stim: np.ndarray):
    """Step outputs and bits ``(bits, cycles, streams)`` of ``stim``, window by window."""
    windows = list(clock.run_windows(stim))
    step = np.concatenate([w.step for w in windows], axis=1)
    outputs = np.concatenate([w.outputs for w in windows], axis=1)
    loads = np.concatenate([w.loads for w in windows], axis=1)
    states = np.concatenate([w.states for w in windows], axis=1)
    return step, outputs, loads, states


def test_every_sequential_circuit_is_covered():
    assert len(FILES) == 5 + 3


@pytest.mark.parametrize("path", FILES, ids=lambda p: Path(p).stem)
def test_kernel_clocked_equals_numpy_and_exact(path, store, monkeypatch):
    circuit = load_circuit(path)
    nets = Session.from_store(circuit, store).nets
    step = circuit.step
    # windows of 64 cycles: the state is carried from call to call
    monkeypatch.setattr(sim, "WINDOW_CYCLES", 64)
    # one stream and two run on scalars, 300 in blocks (one full, one partial)
    for streams in (1, 2, 300):
        stim = np.stack(list(random_stimulus(circuit.n_input_bits, 200, streams, seed=5)),
                        axis=1)
        want = _simulate(Clocked(circuit, NeuralEngine(step, nets), streams), stim)
        exact = _simulate(Clocked(circuit, ExactEngine(step), streams), stim)
        engine = KernelEngine(step, nets, compiled=True)
        kernel = Clocked(circuit, engine, streams)
        got = _simulate(kernel, stim)
        assert kernel.path == "kernel" and engine._native.__name__ == LIBRARY
        assert got[0].dtype == np.float32
        assert np.abs(got[0] - want[0]).max() <= TOL[np.float32]
        for k in (1, 2, 3):
            assert (got[k] == want[k]).all() and (got[k] == exact[k]).all()
        assert (kernel.state == exact[2][:, -1]).all()
        # the registers change: the test runs through real state
        assert np.unique(exact[3].reshape(exact[3].shape[0], -1), axis=1).shape[1] > 1


@pytest.mark.parametrize("mode,dtype", [("digital", np.float32), ("analog", np.float64)])
def test_kernel_clocked_in_digital_mode_and_float64(mode, dtype, store):
    circuit = load_circuit(ISCAS89 / "s298.bench")
    nets = Session.from_store(circuit, store).nets
    for streams in (1, 40):
        stim = np.stack(list(random_stimulus(circuit.n_input_bits, 150, streams, seed=8)),
                        axis=1)
        engine = KernelEngine(circuit.step, nets, mode=mode, dtype=dtype, compiled=True)
        got = _simulate(Clocked(circuit, engine, streams), stim)
        want = _simulate(Clocked(circuit, NeuralEngine(circuit.step, nets, mode=mode,
                                                       dtype=dtype), streams), stim)
        assert got[0].dtype == dtype
        if mode == "digital":
            assert (got[0] == want[0]).all() and set(np.unique(got[0])) <= {0.0, 1.0}
        else:
            assert np.abs(got[0] - want[0]).max() <= TOL[dtype]
        assert (got[1] == want[1]).all() and (got[2] == want[2]).all()


def test_step_by_step_equals_windows_and_the_cli_paths(store):
    """Cycle by cycle (``step``), by ``run`` over an iterable, and by windows:
    the same cycles; ``load`` continues a run from a saved state."""
    circuit = load_circuit(ROOT / "circuits" / "sequential" / "cpu.yaml")
    nets = Session.from_store(circuit, store).nets
    engine = KernelEngine(circuit.step, nets, compiled=True)
    for streams in (1, 5):
        stim = np.stack(list(random_stimulus(circuit.n_input_bits, 120, streams, seed=1)),
                        axis=1)
        whole = _simulate(Clocked(circuit, engine, streams), stim)
        clock = Clocked(circuit, engine, streams)
        by_step = [clock.step(stim[:, c]) for c in range(60)]
        assert clock.cycle == 60
        half = Clocked(circuit, engine, streams)
        half.load(clock.state, 60)
        rest = list(half.run(stim[:, c] for c in range(60, 120)))
        cycles = by_step + rest
        assert [c.index for c in cycles] == list(range(120))
        for c, cyc in enumerate(cycles):
            assert (cyc.outputs == whole[1][:, c]).all()
            assert (cyc.state == whole[3][:, c]).all()
            assert np.abs(cyc.analog - whole[0][:circuit.n_output_bits, c]).max() == 0
        assert (half.state == whole[2][:, -1]).all()


def test_the_kernel_runs_the_nets(store):
    """A swapped net changes what the kernel's clocked loop computes: it is not
    the truth tables."""
    circuit = load_circuit(ROOT / "circuits" / "sequential" / "counter_8.yaml")
    nets = dict(Session.from_store(circuit, store).nets)
    stim = np.stack(list(random_stimulus(circuit.n_input_bits, 50, 3, seed=2)), axis=1)
    exact = _simulate(Clocked(circuit, ExactEngine(circuit.step), 3), stim)
    good = _simulate(Clocked(circuit, KernelEngine(circuit.step, nets, compiled=True), 3), stim)
    nets["XOR2"] = nets["AND2"]
    bad = _simulate(Clocked(circuit, KernelEngine(circuit.step, nets, compiled=True), 3), stim)
    assert (good[1] == exact[1]).all()
    assert not (bad[1] == exact[1]).all()


def test_fallbacks_before_the_kernel_pays(store):
    """Without the kernel, one stream runs generated Python and several the
    numpy engine; the same bits."""
    circuit = load_circuit(ISCAS89 / "s27.bench")
    nets = Session.from_store(circuit, store).nets
    engine = KernelEngine(circuit.step, nets, compiled=False)
    for streams, path in ((1, "scalar"), (4, "numpy")):
        stim = np.stack(list(random_stimulus(circuit.n_input_bits, 100, streams, seed=4)),
                        axis=1)
        clock = Clocked(circuit, engine, streams)
        got = _simulate(clock, stim)
        assert clock.path == path
        exact = _simulate(Clocked(circuit, ExactEngine(circuit.step), streams), stim)
        assert (got[1] == exact[1]).all() and (got[2] == exact[2]).all()
        # the same values as the numpy engine's (float64 against float32)
        want = _simulate(Clocked(circuit, NeuralEngine(circuit.step, nets), streams), stim)
        assert np.abs(got[0] - want[0]).max() <= 1e-6


def test_a_short_sim_loads_no_compiled_kernel_and_a_long_one_does(store):
    counter(8).compile(store=store)
    code = """
import sys
import numpy as np
from circuitnn.library import counter
from circuitnn.store import default_store
s = counter(8).compile(store=default_store())
s.sim(en=[1] * 50)
clock = s.clocked(cycles=10)
clock.step(np.ones((1, 1)))
print("circuitnn.run._native" in sys.modules, clock.path, end=" ")
clock = s.clocked(cycles=10_000_000)
clock.step(np.ones((1, 1)))
print(clock.path, clock.engine._native.__name__)
"""
    env = dict(os.environ, PYTHONPATH=str(ROOT), CIRCUITNN_STORE=str(store.root))
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                         capture_output=True, text=True).stdout.strip()
    assert out == f"False scalar kernel {LIBRARY}"


@pytest.mark.parametrize("analog", ["outputs", "none"])
def test_windows_keep_only_the_analog_values_asked_for(analog, store):
    """``analog="outputs"`` or ``"none"``: the kernel writes the outputs'
    values or none, and the fallbacks keep as much; the bits and states are
    those of a run that keeps every value, and the values kept are its."""
    from circuitnn.errors import UsageError

    circuit = load_circuit(ISCAS89 / "s298.bench")
    nets = Session.from_store(circuit, store).nets
    keep = {"outputs": circuit.n_output_bits, "none": 0}[analog]
    for streams in (1, 2, 300):
        stim = np.stack(list(random_stimulus(circuit.n_input_bits, 150, streams, seed=3)),
                        axis=1)
        full = _simulate(Clocked(circuit, KernelEngine(circuit.step, nets, compiled=True),
                                 streams), stim)
        for compiled, tol in ((True, 0.0), (False, TOL[np.float32])):
            clock = Clocked(circuit, KernelEngine(circuit.step, nets, compiled=compiled),
                            streams, analog=analog)
            got = _simulate(clock, stim)
            assert clock.path == ("kernel" if compiled else "scalar" if streams == 1 else "numpy")
            assert got[0].shape == (keep, 150, streams)
            assert np.abs(got[0] - full[0][:keep]).max(initial=0) <= tol
            for k in (1, 2, 3):
                assert (got[k] == full[k]).all()
            if analog == "none":
                window = clock.run_window(stim[:, :1])
                with pytest.raises(UsageError, match="kept no analog values"):
                    _ = window.analog
            else:
                assert (clock.run_window(stim[:, :1]).analog >= 0).all()


@pytest.mark.parametrize("path", FILES, ids=lambda p: Path(p).stem)
def test_one_call_steps_equal_the_exact_engine(path, store):
    """``Clocked.step`` once the kernel is loaded (one C call of one argument
    per cycle): over 200 random cycles, one stream and two, the outputs and
    states of every cycle equal the exact engine's and the values the kernel's
    windows; each cycle keeps its own arrays; ``load`` mid-run is followed."""
    from circuitnn.errors import UsageError

    circuit = load_circuit(path)
    nets = Session.from_store(circuit, store).nets
    n_out = circuit.n_output_bits
    for streams in (1, 2):
        stim = np.stack(list(random_stimulus(circuit.n_input_bits, 200, streams, seed=6)),
                        axis=1)
        exact = _simulate(Clocked(circuit, ExactEngine(circuit.step), streams), stim)
        engine = KernelEngine(circuit.step, nets, compiled=True)
        window = _simulate(Clocked(circuit, engine, streams), stim)
        clock = Clocked(circuit, engine, streams)
        cycles = [clock.step(stim[:, c]) for c in range(120)]
        assert clock._fast is not None and clock.path == "kernel"
        assert np.abs(clock.last - window[0][:, 119]).max(initial=0) == 0
        # back to cycle 60 (the state the exact engine had there), and on to 200
        clock.load(exact[3][:, 60], 60)
        cycles = cycles[:60] + [clock.step(stim[:, c]) for c in range(60, 200)]
        assert [cyc.index for cyc in cycles] == list(range(200))
        for c, cyc in enumerate(cycles):
            assert (cyc.inputs == stim[:, c]).all()
            assert (cyc.outputs == exact[1][:, c]).all(), c
            assert (cyc.state == exact[3][:, c]).all(), c
            assert np.abs(cyc.analog - window[0][:n_out, c]).max(initial=0) == 0
        assert (clock.state == exact[2][:, -1]).all()
        with pytest.raises(UsageError, match="a cycle's inputs are"):
            clock.step(np.zeros((circuit.n_input_bits + 1, streams), np.uint8))


@pytest.mark.parametrize("mode,dtype", [("digital", np.float32), ("analog", np.float64)])
def test_one_call_steps_in_digital_mode_and_float64(mode, dtype, store):
    """The one-call step path in the other builds of the kernel: the same
    values as the kernel's windows, the same bits as the exact engine's."""
    circuit = load_circuit(ISCAS89 / "s298.bench")
    nets = Session.from_store(circuit, store).nets
    stim = np.stack(list(random_stimulus(circuit.n_input_bits, 100, 1, seed=9)), axis=1)
    engine = KernelEngine(circuit.step, nets, mode=mode, dtype=dtype, compiled=True)
    window = _simulate(Clocked(circuit, engine, 1), stim)
    exact = _simulate(Clocked(circuit, ExactEngine(circuit.step), 1), stim)
    clock = Clocked(circuit, engine, 1)
    cycles = [clock.step(stim[:, c]) for c in range(100)]
    assert clock._fast is not None
    assert np.stack([cyc.analog for cyc in cycles], axis=1).dtype == dtype
    for c, cyc in enumerate(cycles):
        assert (cyc.analog == window[0][:circuit.n_output_bits, c]).all()
        assert (cyc.outputs == exact[1][:, c]).all() and (cyc.state == exact[3][:, c]).all()
