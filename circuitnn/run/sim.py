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

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from ..compile import Circuit
from ..errors import UsageError
from .exact import ExactEngine
from .neural import NeuralEngine
from .scalar import ScalarEngine

__all__ = ["Cycle", "Clocked", "SimReport", "SimResult", "compare", "initial_state",
           "random_stimulus", "RANDOM_CYCLE_BLOCK"]

#: Random stimulus is drawn in blocks of this many cycles, from (seed, stream, block).
RANDOM_CYCLE_BLOCK = 1024


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


class _ScalarCycle:
    """A :class:`Cycle` of one stream, kept as Python lists until asked: a
    one-stream simulation pays for arrays only where they are used."""

    __slots__ = ("index", "inputs", "_analog", "_state")

    def __init__(self, index: int, inputs, analog: list, state: list):
        self.index, self.inputs, self._analog, self._state = index, inputs, analog, state

    @property
    def analog(self) -> np.ndarray:
        return np.array(self._analog, dtype=np.float64).reshape(-1, 1)

    @property
    def outputs(self) -> np.ndarray:
        return (self.analog > 0.5).astype(np.uint8)

    @property
    def state(self) -> np.ndarray:
        return np.array(self._state, dtype=np.uint8).reshape(-1, 1)


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
    engine : NeuralEngine, ScalarEngine or ExactEngine
        An engine over ``circuit.step`` (a ScalarEngine runs one stream).
    streams : int
        How many independent streams run side by side.

    Examples
    --------
    >>> from circuitnn.library import counter
    >>> c = counter(4).compile_circuit()
    >>> clock = Clocked(c, ExactEngine(c.step), streams=1)
    >>> [int(cyc.outputs[:, 0] @ (1 << np.arange(4))) for cyc in
    ...  clock.run([np.ones((1, 1), np.uint8)] * 5)]
    [0, 1, 2, 3, 4]
    """

    def __init__(self, circuit: Circuit, engine: NeuralEngine | ScalarEngine | ExactEngine,
                 streams: int = 1):
        if streams < 1:
            raise UsageError(f"--streams needs a positive count, got {streams}")
        if engine.circuit is not circuit.step:
            raise UsageError("the engine must run the circuit's step (Circuit.step)")
        self.circuit = circuit
        self.engine = engine
        self.streams = streams
        self.scalar = isinstance(engine, ScalarEngine)
        if self.scalar and streams != 1:
            raise UsageError("the scalar engine runs one stream")
        self.neural = isinstance(engine, (NeuralEngine, ScalarEngine))
        #: the last cycle's step outputs: the outputs, then what the registers load
        self.last = np.empty((0, streams))
        self.n_in = circuit.n_input_bits
        self.n_out = circuit.n_output_bits
        dtype = engine.dtype if self.neural else np.uint8
        # one buffer holds the inputs then the state, as the step reads them
        self._x = np.zeros((self.n_in + circuit.n_state_bits, streams), dtype=dtype)
        self.reset()

    def reset(self) -> None:
        """Back to every register's initial value, at cycle 0."""
        self._x[self.n_in:] = initial_state(self.circuit, self.streams)
        self._state = self._x[self.n_in:, 0].astype(float).tolist() if self.scalar else None
        self.cycle = 0

    def load(self, state: np.ndarray, cycle: int) -> None:
        """Continue from ``state`` (bits ``(state bits, streams)``) at cycle
        ``cycle``: a run cut into windows carries its state across them."""
        self._x[self.n_in:] = state
        if self.scalar:
            self._state = np.asarray(state)[:, 0].astype(float).tolist()
        self.cycle = cycle

    @property
    def state(self) -> np.ndarray:
        """The registers' bits now, ``(state bits, streams)``."""
        if self.scalar:
            return np.array(self._state, dtype=np.uint8).reshape(-1, 1)
        return self._x[self.n_in:].astype(np.uint8)

    def step(self, inputs: np.ndarray) -> Cycle:
        """One cycle: ``inputs`` bits ``(input bits, streams)``; the outputs
        sampled before the edge, then the edge."""
        inputs = np.asarray(inputs)
        if inputs.shape != (self.n_in, self.streams):
            raise UsageError(f"a cycle's inputs are {self.n_in} bits for {self.streams} "
                             f"stream{'s' if self.streams != 1 else ''}, got an array of "
                             f"shape {inputs.shape}")
        if self.scalar:
            return self._scalar_step(inputs)
        x = self._x
        x[:self.n_in] = inputs
        state = x[self.n_in:].astype(np.uint8)
        y = self.last = self.engine.run(x)
        if self.neural:
            analog = y[:self.n_out]
            bits = (analog > 0.5).astype(np.uint8)
            # a flip-flop regenerates its level: the state is always bits
            np.greater(y[self.n_out:], 0.5, out=x[self.n_in:], casting="unsafe")
        else:
            bits = y[:self.n_out]
            analog = bits
            x[self.n_in:] = y[self.n_out:]
        cyc = Cycle(self.cycle, np.asarray(inputs, dtype=np.uint8), analog, bits, state)
        self.cycle += 1
        return cyc

    def _scalar_step(self, inputs: np.ndarray) -> _ScalarCycle:
        state = self._state
        y = self.last = self.engine.run_list(inputs[:, 0].tolist() + state)
        # a flip-flop regenerates its level: the state is always bits
        self._state = [1.0 if v > 0.5 else 0.0 for v in y[self.n_out:]]
        self.cycle += 1
        return _ScalarCycle(self.cycle - 1, inputs, y[:self.n_out], state)

    def run(self, stimulus: Iterable[np.ndarray]) -> Iterator[Cycle]:
        """A :class:`Cycle` for each cycle's input bits in ``stimulus``,
        yielded as they are computed."""
        for inputs in stimulus:
            yield self.step(inputs)


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
        shape = next(iter(outputs.values())).shape if outputs else (0,)
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
    their outputs and states every cycle.

    Examples
    --------
    >>> from circuitnn.library import counter
    >>> c = counter(3).compile_circuit()
    >>> a, b = Clocked(c, ExactEngine(c.step)), Clocked(c, ExactEngine(c.step))
    >>> compare(a, b, 20).ok
    True
    """
    if cycles < 1:
        raise UsageError(f"--cycles needs a positive count, got {cycles}")
    streams = neural.streams
    mismatches, first, margin = 0, None, 0.5
    for inputs in random_stimulus(neural.n_in, cycles, streams, seed):
        a, b = neural.step(inputs), exact.step(inputs)
        wrong = (a.outputs != b.outputs).any(axis=0) | (a.state != b.state).any(axis=0)
        if wrong.any():
            mismatches += int(wrong.sum())
            if first is None:
                first = (a.index, int(np.flatnonzero(wrong)[0]))
        last = np.asarray(neural.last, dtype=np.float64)
        if neural.neural and last.size:
            # the outputs and what the registers load: both are thresholded
            margin = min(margin, float(np.abs(last - 0.5).min()))
    return SimReport(cycles, streams, mismatches, first, margin)
