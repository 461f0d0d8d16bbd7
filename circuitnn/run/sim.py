"""Clocked simulation of a sequential circuit, many independent streams at once.

One clock, rising edge, PyRTL's ``step`` convention.  At cycle k the inputs
take row k, the combinational logic settles (through the trained nets, or
the truth tables for the exact reference), the outputs are sampled -- they
show the state before edge k plus any combinational path from the inputs --
and then every register loads its next value.

Registers store bits: what a register loads is thresholded at 0.5, as a
flip-flop regenerates its level.  Within a cycle values stay analog.  So if
every net is certified, each cycle's logic is exact on bits, every state is
a bit vector, and by induction every cycle is exact (docs/certification.md).

The combinational part is :attr:`Circuit.step`: the inputs and the register
states in, the outputs and what the registers load out.  Streams are the
engines' vectors (one lane each), so N streams cost one engine call per
cycle, not N.  Results are yielded cycle by cycle and never held whole.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from ..compile import Circuit
from ..errors import UsageError
from .exact import ExactEngine
from .kernel import FEW_VECTORS, NUMPY_RATE, KernelEngine, rent
from .neural import NeuralEngine
from .scalar import ScalarEngine

__all__ = ["Cycle", "Clocked", "SimReport", "SimResult", "Window", "compare", "initial_state",
           "random_stimulus", "RANDOM_CYCLE_BLOCK"]

#: Random stimulus is drawn in blocks of this many cycles, from (seed, stream, block).
RANDOM_CYCLE_BLOCK = 1024
#: Which analog values a :class:`Clocked` simulation keeps (its ``analog``).
ANALOG = ("step", "outputs", "none")
#: At most this many cycles are computed together (a window).
WINDOW_CYCLES = 1024
#: Bytes a window's step outputs may take: it stays in cache.
WINDOW_BYTES = 2 * 1024 * 1024
#: Predicted seconds per gate and cycle of one stream outside the kernel (the
#: generated-Python engine), and per group of gates and cycle of many streams
#: (the numpy engine's calls): what the kernel's loading time is weighed against.
SCALAR_GATE_SECONDS = 2e-6
NUMPY_STEP_SECONDS = 1e-5
#: Cycles of Clocked.step written into one block of memory (each cycle's
#: result is a view of its slot, and keeps the block).
STEP_POOL = 64
NO_ANALOG = ("this simulation kept no analog values (Clocked(..., analog='none')); "
             "analog='outputs' keeps the outputs'")


@dataclass
class Cycle:
    """One clock cycle of every stream: ``(bits, streams)`` arrays.

    ``outputs`` are sampled before the rising edge; ``state`` is the
    registers' value during the cycle (before the edge).  ``analog`` is the
    neural engine's output values (the exact engine gives the bits again).
    """

    index: int
    inputs: np.ndarray
    analog: np.ndarray
    outputs: np.ndarray
    state: np.ndarray


class Window:
    """Consecutive cycles of every stream, computed together.

    Arrays are ``(bits, cycles, streams)``: ``inputs``, ``analog`` (the
    outputs' values; the exact engine gives bits), ``outputs`` (thresholded
    at 0.5), ``states`` (the registers before each cycle's edge) and
    ``loads`` (what they loaded at it); ``step`` holds the step's raw
    outputs, the outputs then what the registers load (the first
    ``Clocked.n_analog`` of them: what the simulation's ``analog`` keeps).  Iterating gives one
    :class:`Cycle`-like view per cycle; arrays are made when first asked for.

    Examples
    --------
    >>> from circuitnn.library import counter
    >>> c = counter(3).compile_circuit()
    >>> w = Clocked(c, ExactEngine(c.step)).run_window(np.ones((1, 4, 1), np.uint8))
    >>> w.first, len(w), w.states[:, :, 0].T.tolist()
    (0, 4, [[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0]])
    """

    def __init__(self, first: int, inputs: np.ndarray, step: np.ndarray, start: np.ndarray,
                 n_out: int, neural: bool, bits: np.ndarray | None = None):
        self.first, self.inputs, self.step, self.start = first, inputs, step, start
        self.n_out, self.neural = n_out, neural
        self._outputs = self._loads = self._states = None
        if bits is not None:  # the kernel thresholds as it goes
            self._outputs, self._loads = bits[:n_out], bits[n_out:]

    def __len__(self) -> int:
        return self.inputs.shape[1]

    def __repr__(self) -> str:
        return (f"Window(cycles {self.first}..{self.first + len(self) - 1}, "
                f"{self.inputs.shape[2]} streams)")

    @property
    def analog(self) -> np.ndarray:
        if self.step.shape[0] < self.n_out:
            raise UsageError(NO_ANALOG)
        return self.step[:self.n_out]

    @property
    def outputs(self) -> np.ndarray:
        if self._outputs is None:
            out = self.step[:self.n_out]
            self._outputs = (out > 0.5).view(np.uint8) if self.neural else out
        return self._outputs

    @property
    def loads(self) -> np.ndarray:
        if self._loads is None:
            # a flip-flop regenerates its level: what a register loads is a bit
            nxt = self.step[self.n_out:]
            self._loads = (nxt > 0.5).view(np.uint8) if self.neural else nxt
        return self._loads

    @property
    def states(self) -> np.ndarray:
        if self._states is None:
            self._states = np.concatenate([self.start[:, None, :], self.loads[:, :-1]], axis=1)
        return self._states

    def __iter__(self) -> Iterator[_WindowCycle]:
        return (_WindowCycle(self, i) for i in range(len(self)))


class _WindowCycle:
    """One cycle of a :class:`Window`, as a :class:`Cycle` (views, made when asked)."""

    __slots__ = ("window", "i")

    def __init__(self, window: Window, i: int):
        self.window, self.i = window, i

    @property
    def index(self) -> int:
        return self.window.first + self.i

    @property
    def inputs(self) -> np.ndarray:
        return self.window.inputs[:, self.i]

    @property
    def analog(self) -> np.ndarray:
        return self.window.analog[:, self.i]

    @property
    def outputs(self) -> np.ndarray:
        return self.window.outputs[:, self.i]

    @property
    def state(self) -> np.ndarray:
        return self.window.states[:, self.i]


class _FastStep:
    """:meth:`Clocked.step` in the compiled kernel, prepared once: one C call
    of one argument per cycle, which writes the cycle into the next slot of
    a pool of :data:`STEP_POOL` slots (rows of ``streams`` bytes: the analog
    values kept, the inputs, the state before the edge, the bits of the
    outputs and of what the registers load); the cycle's result is a view of
    its slot.  A ctypes call costs about 0.2 us per argument and numpy about
    0.2 us per array made or copied, against about a microsecond of
    arithmetic for a small circuit: the general path's ten arrays and
    seventeen arguments cost several times what the cycle computes."""

    __slots__ = ("pool", "k", "inputs", "stepper", "call", "shape", "analog_rows", "in_rows",
                 "state_rows", "out_rows", "dtype", "n_analog", "n_out", "streams")

    def __init__(self, clock: Clocked):
        engine = clock.engine
        self.dtype, self.streams = engine.dtype, clock.streams
        self.n_analog, self.n_out = clock.n_analog, clock.n_out
        a = clock.n_analog * self.dtype.itemsize  # the values first: aligned
        i, b = a + clock.n_in, a + clock.n_in + clock.n_state
        rows = b + clock.n_out + clock.n_state
        # slots of a multiple of 8 bytes: every slot's values stay aligned
        self.shape = (STEP_POOL, -(-rows // 8) * 8, clock.streams)
        self.analog_rows, self.in_rows = slice(0, a), slice(a, i)
        self.state_rows, self.out_rows = slice(i, b), slice(b, b + clock.n_out)
        self.inputs = np.zeros((clock.n_in, clock.streams), np.uint8)
        self.pool, self.k = np.zeros(self.shape, np.uint8), 0
        S = clock.streams
        # the stepper holds the C call's argument block: kept while the call is
        self.stepper = engine.stepper(engine._native, self.inputs, clock._state, self.pool,
                                      0, clock.n_analog, a * S, i * S, b * S)
        self.call = self.stepper.call

    def renew(self) -> None:
        """A new pool once the last one is full (the cycles given out keep theirs)."""
        self.pool, self.k = np.zeros(self.shape, np.uint8), 0
        self.stepper.renew(self.pool)

    def values(self, raw: np.ndarray) -> np.ndarray:
        """The analog values kept in a cycle's slot, ``(kept, streams)``."""
        flat = raw[self.analog_rows].reshape(-1)
        return flat.view(self.dtype).reshape(self.n_analog, self.streams)


class _StepCycle:
    """One cycle computed by :meth:`Clocked.step` in the compiled kernel, as
    a :class:`Cycle` (views of its slot, ``raw``, made when asked)."""

    __slots__ = ("raw", "index", "fast")

    def __init__(self, raw: np.ndarray, index: int, fast: _FastStep):
        self.raw, self.index, self.fast = raw, index, fast

    @property
    def inputs(self) -> np.ndarray:
        return self.raw[self.fast.in_rows]

    @property
    def outputs(self) -> np.ndarray:
        return self.raw[self.fast.out_rows]

    @property
    def state(self) -> np.ndarray:
        return self.raw[self.fast.state_rows]

    @property
    def analog(self) -> np.ndarray:
        if self.fast.n_analog < self.fast.n_out:
            raise UsageError(NO_ANALOG)
        return self.fast.values(self.raw)[:self.fast.n_out]


def initial_state(circuit: Circuit, streams: int = 1) -> np.ndarray:
    """Every register's initial value as bits ``(state bits, streams)``.

    Examples
    --------
    >>> from circuitnn.library import counter
    >>> initial_state(counter(3, init=5).compile_circuit()).ravel().tolist()
    [1, 0, 1]
    """
    bits = [(r.init >> i) & 1 for r in circuit.registers for i in range(r.width)]
    col = np.array(bits, dtype=np.uint8).reshape(-1, 1)
    return np.repeat(col, streams, axis=1)


class Clocked:
    """Runs ``circuit`` cycle by cycle with ``streams`` independent streams.

    Parameters
    ----------
    circuit : Circuit
        A sequential circuit (one with registers; a combinational one works
        too, with no state).
    engine : KernelEngine, NeuralEngine, ScalarEngine or ExactEngine
        An engine over ``circuit.step``.  A :class:`KernelEngine` (what
        :meth:`Session.clocked` gives) runs whole windows of cycles in its
        compiled loop, registers thresholded between cycles, once the kernel
        pays for its loading (see :mod:`circuitnn.run.kernel`); until then,
        or without a C compiler, one stream runs the generated-Python
        :class:`ScalarEngine` and several the numpy engine, cycle by cycle.
        The other engines run cycle by cycle (a ScalarEngine one stream).
    streams : int
        How many independent streams run side by side.
    cycles : int, optional
        How many cycles are expected, for the kernel's loading decision
        (:meth:`expect`).
    analog : {"step", "outputs", "none"}
        Which analog values the windows keep: the outputs' and what the
        registers load (``"step"``, the default; :func:`compare`'s margin
        reads both), the outputs' only (``Window.analog``), or none (bits
        only).  The kernel writes only those, which saves it memory traffic;
        the bits of the outputs and of the loads are always kept.

    Examples
    --------
    >>> from circuitnn.library import counter
    >>> c = counter(4).compile_circuit()
    >>> clock = Clocked(c, ExactEngine(c.step), streams=1)
    >>> [int(cyc.outputs[:, 0] @ (1 << np.arange(4))) for cyc in
    ...  clock.run([np.ones((1, 1), np.uint8)] * 5)]
    [0, 1, 2, 3, 4]
    """

    def __init__(self, circuit: Circuit,
                 engine: KernelEngine | NeuralEngine | ScalarEngine | ExactEngine,
                 streams: int = 1, cycles: int | None = None, analog: str = "step"):
        if analog not in ANALOG:
            raise UsageError(f"analog {analog!r} is not known; use one of "
                             f"{', '.join(map(repr, ANALOG))}")
        if streams < 1:
            raise UsageError(f"streams needs a positive count, got {streams}",
                             cli=f"--streams needs a positive count, got {streams}")
        if engine.circuit is not circuit.step:
            raise UsageError("the engine must run the circuit's step (Circuit.step)")
        if isinstance(engine, ScalarEngine) and streams != 1:
            raise UsageError("the scalar engine runs one stream")
        self.circuit = circuit
        self.engine = engine
        self.streams = streams
        self.neural = not isinstance(engine, ExactEngine)
        self.n_in = circuit.n_input_bits
        self.n_out = circuit.n_output_bits
        self.n_state = circuit.n_state_bits
        #: how many of the step's outputs keep their analog values
        self.n_analog = {"step": self.n_out + self.n_state, "outputs": self.n_out,
                         "none": 0}[analog] if self.neural else self.n_out + self.n_state
        #: which engine computed the last window: kernel, numpy, scalar or exact
        self.path: str | None = None
        self._expected = cycles or 0
        self._scalar: ScalarEngine | None | bool = False  # False: not built yet
        self._last: Window | _StepCycle | None = None
        # one array for the run: the kernel's one-cycle calls keep its address
        self._state = np.zeros((self.n_state, streams), np.uint8)
        self._in_shape = (self.n_in, streams)
        self._fast: _FastStep | None = None
        self.reset()

    def __repr__(self) -> str:
        return (f"Clocked({self.circuit.name}: {self.streams} stream"
                f"{'s' if self.streams != 1 else ''}, cycle {self.cycle})")

    def reset(self) -> None:
        """Back to every register's initial value, at cycle 0."""
        self.load(initial_state(self.circuit, self.streams), 0)

    def load(self, state: np.ndarray, cycle: int) -> None:
        """Continue from ``state`` (bits ``(state bits, streams)``) at cycle
        ``cycle``: a run cut into windows carries its state across them."""
        state = np.asarray(state)
        if state.shape != (self.n_state, self.streams):
            raise UsageError(f"a state is {self.n_state} bits for {self.streams} streams, "
                             f"got an array of shape {state.shape}")
        self._state[...] = state
        self.cycle = cycle

    def expect(self, cycles: int) -> None:
        """Announce about ``cycles`` more cycles: the compiled kernel is loaded
        when they would cost more elsewhere than its loading time."""
        self._expected = max(self._expected, self.cycle + cycles)

    @property
    def state(self) -> np.ndarray:
        """The registers' bits now, ``(state bits, streams)``."""
        return self._state.copy()

    @property
    def last(self) -> np.ndarray:
        """The last cycle's step outputs ``(outputs + state bits, streams)``:
        the outputs, then what the registers loaded (analog for the nets; of
        those only what ``analog`` keeps)."""
        if self._last is None:
            return np.empty((0, self.streams))
        if isinstance(self._last, _StepCycle):
            return self._last.fast.values(self._last.raw)
        return self._last.step[:, -1]

    def step(self, inputs: np.ndarray) -> _WindowCycle | _StepCycle:
        """One cycle: ``inputs`` bits ``(input bits, streams)``; the outputs
        sampled before the edge, then the edge.  Returns the cycle as a
        :class:`Cycle` (its arrays are the cycle's own: later steps leave
        them alone)."""
        fast = self._fast
        if fast is not None and type(inputs) is np.ndarray and inputs.shape == self._in_shape:
            # the compiled kernel, once loaded: one call of one argument
            if self.n_in:
                fast.inputs[...] = inputs
            if fast.call():
                raise MemoryError("the fused kernel could not allocate its working block")
            k = fast.k
            cyc = self._last = _StepCycle(fast.pool[k], self.cycle, fast)
            self.cycle += 1
            fast.k = k + 1
            if k + 1 == STEP_POOL:
                fast.renew()
            return cyc
        inputs = np.asarray(inputs)
        self._check_cycle(inputs)
        cyc = _WindowCycle(self._window(inputs[:, None, :]), 0)
        if fast is None and self.path == "kernel" and self.streams <= FEW_VECTORS:
            self._fast = _FastStep(self)
        return cyc

    def _check_cycle(self, inputs) -> None:
        if np.shape(inputs) != (self.n_in, self.streams):
            raise UsageError(f"a cycle's inputs are {self.n_in} bits for {self.streams} "
                             f"stream{'s' if self.streams != 1 else ''}, got an array of "
                             f"shape {np.shape(inputs)}")

    def run_window(self, inputs: np.ndarray) -> Window:
        """Cycles for input bits ``(input bits, cycles, streams)``, computed
        together (in the compiled kernel, one call)."""
        inputs = np.asarray(inputs)
        if inputs.ndim != 3 or inputs.shape[0] != self.n_in or inputs.shape[2] != self.streams:
            raise UsageError(f"a window's inputs are ({self.n_in} bits, cycles, "
                             f"{self.streams} streams), got an array of shape {inputs.shape}")
        return self._window(inputs)

    @property
    def window_cycles(self) -> int:
        """How many cycles :meth:`run_windows` computes together."""
        # the values kept, the bits of the step and the inputs
        itemsize = np.dtype(getattr(self.engine, "dtype", np.uint8)).itemsize
        per_cycle = self.streams * (self.n_analog * itemsize + self.n_out + self.n_state
                                    + self.n_in)
        return max(1, min(WINDOW_CYCLES, WINDOW_BYTES // max(1, per_cycle)))

    def run_windows(self, stimulus: np.ndarray | Iterable[np.ndarray]) -> Iterator[Window]:
        """:class:`Window` after window for ``stimulus``: input bits
        ``(input bits, cycles, streams)``, or an iterable of each cycle's
        ``(input bits, streams)``, read a window at a time."""
        size = self.window_cycles
        if isinstance(stimulus, np.ndarray) and stimulus.ndim == 3:
            self.expect(stimulus.shape[1])
            for c in range(0, stimulus.shape[1], size):
                yield self.run_window(stimulus[:, c:c + size])
            return
        rows = iter(stimulus)
        while True:
            chunk = list(itertools.islice(rows, size))
            if not chunk:
                return
            try:
                inputs = np.stack(chunk, axis=1)
            except ValueError:
                inputs = None
            if inputs is None or inputs.shape[::2] != (self.n_in, self.streams):
                for x in chunk:
                    self._check_cycle(x)
            yield self.run_window(inputs)

    def run(self, stimulus: np.ndarray | Iterable[np.ndarray]) -> Iterator[_WindowCycle]:
        """A :class:`Cycle` for each cycle's input bits in ``stimulus``,
        yielded as they are computed (a window at a time, see :meth:`run_windows`)."""
        for window in self.run_windows(stimulus):
            yield from window

    # ............................................................ engines
    def _window(self, inputs: np.ndarray) -> Window:
        start = self._state.copy()
        step, bits = self._advance(inputs)
        window = Window(self.cycle, inputs, step, start, self.n_out, self.neural, bits)
        self.cycle += inputs.shape[1]
        self._last = window
        return window

    def _advance(self, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """The step outputs of every cycle of ``inputs`` (and their bits, when
        the engine gives them); the state moves on."""
        engine = self.engine
        if not isinstance(engine, KernelEngine):
            self.path = ("exact" if isinstance(engine, ExactEngine) else
                         "scalar" if isinstance(engine, ScalarEngine) else "numpy")
            return self._per_cycle(engine, inputs), None
        lib = engine._native
        if lib is None:
            cycles = max(inputs.shape[1], self._expected - self.cycle)
            lib = engine.kernel_for(cycles * self._fallback_seconds())
        if lib is not None:
            self.path = "kernel"
            return engine.run_cycles(lib, inputs, self._state, self.n_analog)
        fallback = self._scalar_engine() if self.streams == 1 else None
        if fallback is None:
            fallback = engine.numpy_engine
        self.path = "scalar" if fallback is self._scalar else "numpy"
        begin = time.perf_counter()
        step = self._per_cycle(fallback, inputs)
        rent(time.perf_counter() - begin)
        return step[:self.n_analog], (step > 0.5).view(np.uint8)

    def _fallback_seconds(self) -> float:
        """Predicted seconds per cycle outside the compiled kernel."""
        gates = len(self.circuit.gates)
        if self.streams == 1:
            return gates * SCALAR_GATE_SECONDS
        return (len(self.engine.plan.steps) * NUMPY_STEP_SECONDS
                + self.streams * gates / NUMPY_RATE)

    def _scalar_engine(self) -> ScalarEngine | None:
        if self._scalar is False:
            engine = self.engine
            try:
                self._scalar = ScalarEngine(engine.circuit, engine.nets, mode=engine.mode)
            except UsageError:  # a net out of the generated code's range
                self._scalar = None
        return self._scalar

    def _per_cycle(self, engine, inputs: np.ndarray) -> np.ndarray:
        """The step outputs of every cycle, one engine call per cycle."""
        n_in, n_cycles, streams = inputs.shape
        n_out = self.n_out
        if isinstance(engine, ScalarEngine):
            state = self._state[:, 0].astype(float).tolist()
            rows = []
            for x in inputs[:, :, 0].T.tolist():
                y = engine.run_list(x + state)
                rows.append(y)
                # a flip-flop regenerates its level: the state is always bits
                state = [1.0 if v > 0.5 else 0.0 for v in y[n_out:]]
            self._state[:, 0] = state
            width = n_out + self.n_state
            return np.array(rows, np.float64).reshape(n_cycles, width).T[:, :, None]
        neural = not isinstance(engine, ExactEngine)
        x = np.empty((n_in + self.n_state, streams), engine.dtype if neural else np.uint8)
        out = None
        for c in range(n_cycles):
            x[:n_in] = inputs[:, c]
            x[n_in:] = self._state
            y = engine.run(x)
            if out is None:
                out = np.empty((y.shape[0], n_cycles, streams), y.dtype)
            out[:, c] = y
            if neural:
                np.greater(y[n_out:], 0.5, out=self._state, casting="unsafe")
            else:
                self._state[:] = y[n_out:]
        if out is None:
            out = np.empty((n_out + self.n_state, 0, streams))
        return out


def random_stimulus(n_bits: int, cycles: int, streams: int = 1, seed: int = 0,
                    first: int = 0, start: int = 0) -> Iterator[np.ndarray]:
    """Random input bits ``(n_bits, streams)`` for each of ``cycles`` cycles.

    Stream k's values depend only on ``(seed, k)``: stream k is the same
    whatever the number of streams.  ``first`` is the first stream's number,
    ``start`` the first cycle's (a run cut into windows of cycles draws the
    same values as one run).

    Examples
    --------
    >>> a = list(random_stimulus(3, 5, streams=4, seed=1))
    >>> b = list(random_stimulus(3, 5, streams=2, seed=1))
    >>> all((x[:, :2] == y).all() for x, y in zip(a, b))
    True
    >>> c = list(random_stimulus(3, 2000, seed=1))
    >>> d = list(random_stimulus(3, 700, seed=1, start=1300))
    >>> all((x == y).all() for x, y in zip(c[1300:], d))
    True
    """
    done = 0
    block, skip = divmod(start, RANDOM_CYCLE_BLOCK)
    while done < cycles:
        n = min(RANDOM_CYCLE_BLOCK - skip, cycles - done)
        # (streams, n_bits, RANDOM_CYCLE_BLOCK) drawn per stream, then cut per cycle
        lanes = np.empty((n_bits, RANDOM_CYCLE_BLOCK, streams), dtype=np.uint8)
        for k in range(streams):
            seq = np.random.SeedSequence(seed, spawn_key=(first + k, block))
            rng = np.random.Generator(np.random.PCG64(seq))
            raw = np.frombuffer(rng.bytes(-(-n_bits * RANDOM_CYCLE_BLOCK // 8)), np.uint8)
            lanes[:, :, k] = np.unpackbits(raw, count=n_bits * RANDOM_CYCLE_BLOCK,
                                           bitorder="little").reshape(n_bits, RANDOM_CYCLE_BLOCK)
        for c in range(skip, skip + n):
            yield lanes[:, c, :]
        done += n
        block += 1
        skip = 0


class SimResult(dict):
    """What :meth:`~circuitnn.run.session.Session.sim` returns: each output
    port's integers, one per cycle (or ``(cycles, streams)``), as a dict.

    It keeps the inputs of the same cycles too, so a notebook shows the run
    as a waveform (:meth:`waveform`), and :meth:`to_pandas` gives a row per
    cycle.

    Examples
    --------
    >>> from circuitnn.library import counter
    >>> res = counter(4).compile().sim(en=[1, 1, 0, 1])
    >>> res["count"].tolist(), res.inputs["en"].tolist(), res.cycles
    ([0, 1, 2, 2], [1, 1, 0, 1], 4)
    """

    def __init__(self, circuit: Circuit, outputs: dict[str, np.ndarray],
                 inputs: dict[str, np.ndarray], exact: bool = False):
        super().__init__(outputs)
        self.circuit = circuit
        #: each input port's integers, shaped as the outputs
        self.inputs = inputs
        #: True when the truth tables ran instead of the nets
        self.exact = exact
        shape = next(iter({**outputs, **inputs}.values()), np.empty(0)).shape
        self.cycles = shape[0]
        self.streams = shape[1] if len(shape) == 2 else 1

    def _ports(self, stream: int) -> list[tuple[str, int, list[int]]]:
        if not 0 <= stream < self.streams:
            raise UsageError(f"stream {stream}: this run has streams 0 to {self.streams - 1}")
        cols = [(p, self.inputs[p.name]) for p in self.circuit.inputs]
        cols += [(p, self[p.name]) for p in self.circuit.outputs]
        return [(p.name, p.width, (v if v.ndim == 1 else v[:, stream]).tolist())
                for p, v in cols]

    def waveform(self, stream: int = 0, max_cycles: int | None = None,
                 max_rows: int | None = None, radix: str = "dec") -> str:
        """The run as an SVG waveform: a row per port (inputs, then outputs),
        1-bit ports as digital traces and buses as values, under a cycle axis.

        Parameters
        ----------
        stream : int
            Which stream to draw, when the run has several.
        max_cycles, max_rows : int, optional
            Draw at most this many cycles and ports (default 64 and 48);
            beyond, the drawing says how many were left out.
        radix : {'dec', 'hex', 'bin'}
            How bus values are written.

        Examples
        --------
        >>> from circuitnn.library import counter
        >>> svg = counter(4).compile().sim(en=[1] * 20).waveform(max_cycles=8)
        >>> ">7<" in svg, "12 more cycles (of 20) not drawn" in svg
        (True, True)
        """
        from .display import MAX_WAVE_CYCLES, MAX_WAVE_ROWS, waveform_svg

        return waveform_svg(self._ports(stream), self.cycles,
                            MAX_WAVE_CYCLES if max_cycles is None else max_cycles,
                            MAX_WAVE_ROWS if max_rows is None else max_rows, radix,
                            self.circuit.clock or "clk")

    def to_pandas(self):
        """A DataFrame with a row per cycle (per cycle and stream when there
        are several streams) and a column per input and output port (needs
        pandas: ``pip install 'circuitnn[notebook]'``).

        Examples
        --------
        >>> from circuitnn.library import counter
        >>> counter(4).compile().sim(en=[1, 0, 1]).to_pandas()["count"].tolist()
        [0, 1, 1]
        """
        from .display import _pandas

        pd = _pandas()
        cols = {**self.inputs, **self}
        if self.streams == 1 and all(v.ndim == 1 for v in cols.values()):
            return pd.DataFrame(cols, index=pd.RangeIndex(self.cycles, name="cycle"))
        index = pd.MultiIndex.from_product([range(self.cycles), range(self.streams)],
                                           names=["cycle", "stream"])
        return pd.DataFrame({k: np.asarray(v).reshape(-1) for k, v in cols.items()},
                            index=index)

    def _repr_html_(self) -> str:
        import html

        streams = f", stream 0 of {self.streams}" if self.streams > 1 else ""
        how = "exact reference (truth tables)" if self.exact else "neural outputs"
        caption = (f"{self.circuit.name}: {self.cycles:,} cycle{'s' if self.cycles != 1 else ''}"
                   f"{streams}, {how}")
        return (f'<div class="circuitnn-waveform" style="overflow-x:auto">'
                f"<div>{html.escape(caption)}</div>{self.waveform()}</div>")


@dataclass
class SimReport:
    """The neural engine against the exact one, cycle by cycle.

    ``mismatches`` counts (cycle, stream) pairs where an output or the
    state differs; ``first`` is the first such ``(cycle, stream)``.
    """

    cycles: int
    streams: int
    mismatches: int
    first: tuple[int, int] | None
    min_margin: float

    @property
    def ok(self) -> bool:
        return self.mismatches == 0


def compare(neural: Clocked, exact: Clocked, cycles: int, seed: int = 0) -> SimReport:
    """Run ``neural`` and ``exact`` on the same random stimulus and compare
    their outputs and what the registers load, every cycle.

    Examples
    --------
    >>> from circuitnn.library import counter
    >>> c = counter(3).compile_circuit()
    >>> a, b = Clocked(c, ExactEngine(c.step)), Clocked(c, ExactEngine(c.step))
    >>> compare(a, b, 20).ok
    True
    """
    if cycles < 1:
        raise UsageError(f"cycles needs a positive count, got {cycles}",
                         cli=f"--cycles needs a positive count, got {cycles}")
    streams = neural.streams
    mismatches, first, margin = 0, None, 0.5
    neural.expect(cycles)
    for a in neural.run_windows(random_stimulus(neural.n_in, cycles, streams, seed)):
        b = exact.run_window(a.inputs)
        wrong = (a.outputs != b.outputs).any(axis=0) | (a.loads != b.loads).any(axis=0)
        if wrong.any():
            mismatches += int(wrong.sum())
            if first is None:
                c, s = np.argwhere(wrong)[0]
                first = (a.first + int(c), int(s))
        if neural.neural and a.step.size:
            # the outputs and what the registers load: both are thresholded
            margin = min(margin, float(np.abs(a.step.astype(np.float64) - 0.5).min()))
    return SimReport(cycles, streams, mismatches, first, margin)
