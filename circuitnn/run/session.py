"""A compiled circuit with its trained nets: the one object that evaluates.

:class:`Session` is what the command line and the Python API both use
(``Builder.compile()`` and ``Subcircuit.compile()`` return one).  It holds a
:class:`~circuitnn.compile.Circuit` and a trained net per primitive, and
offers every way of evaluating them: call it with integers, :meth:`~Session.run`
for analog values and confidences, :meth:`~Session.verify` against the exact
reference, :meth:`~Session.truth_table`, and :meth:`~Session.probe` for the
values of internal signals.

The nets are passed in (``Session(circuit, nets)``) or fetched from a model
store that is passed in (:meth:`Session.from_store`); nothing here reads the
environment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from .._where import _user_loc, _warn_user
from ..compile import Circuit
from ..compile.lower import Lowered, lower
from ..errors import CircuitError, UsageError
from .bits import decode, encode, input_values
from .exact import ExactEngine
from .kernel import KernelEngine
from .vectors import MAX_EXHAUSTIVE_BITS, exhaustive, pick_vectors

if TYPE_CHECKING:
    from .sim import SimResult

__all__ = ["Session", "Result", "VerifyReport", "train_nets", "check_mode",
           "UncertifiedMismatch"]

MODES = ("analog", "digital")


def check_mode(mode: str) -> None:
    """A UsageError at the user's line unless ``mode`` is analog or digital."""
    if mode not in MODES:
        raise UsageError(f"mode {mode!r} is not known; use 'analog' or 'digital'", _user_loc())


def train_nets(circuit: Circuit, store, retrain: bool = False,
               progress: Callable[[str], None] | None = None, trainer=None) -> dict:
    """A trained net for every primitive of ``circuit``, from ``store``.

    The ones not stored yet train together (tables of one shape share one
    batched computation), or with ``trainer`` (see
    :meth:`~circuitnn.store.ModelStore.get_or_train_many`); ``progress``
    receives a line about each step.
    A primitive that does not train as one net is refused here: use
    :func:`~circuitnn.compile.lower.lower`, which decomposes it and gives
    the circuit to run with the nets (:meth:`Session.from_store` does).

    Examples
    --------
    >>> import tempfile
    >>> from circuitnn.read import load_circuit
    >>> from circuitnn.store import ModelStore
    >>> nets = train_nets(load_circuit("circuits/half_adder.yaml"), ModelStore(tempfile.mkdtemp()))
    >>> sorted(nets)
    ['AND2', 'XOR2']
    """
    low = lower(circuit, store, progress=progress, retrain=retrain, trainer=trainer)
    if low.decomposed:
        raise UsageError(
            f"{', '.join(p for p in circuit.primitives if p in low.decomposed)} did not "
            "train as one net each; use circuitnn.compile.lower.lower(circuit, store), which "
            "decomposes them, and run its .circuit with its .nets")
    return low.nets


class UncertifiedMismatch(UserWarning):
    """Uncertified nets in analog mode gave bits the exact reference does not
    (``cli_message``: the same, worded for the command line)."""

    def __init__(self, message: str, cli: str | None = None):
        super().__init__(message)
        self.cli_message = cli


@dataclass
class Result:
    """Outputs of one run: analog values and thresholded bits per output bit."""

    circuit: Circuit
    inputs: np.ndarray   # (input bits, V) uint8
    analog: np.ndarray   # (output bits, V) float
    bits: np.ndarray     # (output bits, V) uint8

    @property
    def confidence(self) -> np.ndarray:
        """Each output bit's distance from the 0.5 threshold."""
        return np.abs(self.analog - 0.5)

    def input_values(self) -> dict[str, np.ndarray]:
        """Integers per input port, one per vector."""
        return decode(self.circuit.inputs, self.inputs)

    def output_values(self) -> dict[str, np.ndarray]:
        """Integers per output port (the thresholded bits), one per vector."""
        return decode(self.circuit.outputs, self.bits)

    def port_confidence(self) -> dict[str, np.ndarray]:
        """The smallest confidence over each output port's bits, per vector."""
        out, row = {}, 0
        conf = self.confidence
        for p in self.circuit.outputs:
            out[p.name] = conf[row:row + p.width].min(axis=0)
            row += p.width
        return out

    def to_pandas(self):
        """A DataFrame: a column per input and output port, and ``confidence``
        (needs pandas: ``pip install 'circuitnn[notebook]'``).

        Examples
        --------
        >>> from circuitnn.library import half_adder
        >>> half_adder().compile().run(a=[0, 1], b=1).to_pandas()["sum"].tolist()
        [1, 0]
        """
        from .display import to_pandas

        return to_pandas(self)

    def _repr_html_(self) -> str:
        from .display import columns_html, result_columns

        n = self.inputs.shape[1]
        return columns_html(result_columns(self), len(self.circuit.inputs),
                            f"{self.circuit.name}: {n:,} vector{'s' if n != 1 else ''}, "
                            "neural outputs")


@dataclass
class VerifyReport:
    """Neural engine against the exact reference on the same vectors."""

    rows: int
    mismatched_rows: np.ndarray  # indices of vectors with any wrong output bit
    min_margin: float            # smallest |analog - 0.5| over all output bits
    result: Result
    exact_bits: np.ndarray
    how: str = ""                # how the vectors were chosen, e.g. "exhaustive"

    @property
    def ok(self) -> bool:
        return len(self.mismatched_rows) == 0


class Session:
    """A compiled circuit with its trained nets: call it with integers.

    Parameters
    ----------
    circuit : Circuit
        From :func:`~circuitnn.compile.compile_design` or
        :func:`~circuitnn.read.load_circuit`.
    nets : mapping
        Primitive name -> trained :class:`~circuitnn.nn.GateNet`, one for
        every primitive of ``circuit`` (see :meth:`from_store`).
    mode : {"analog", "digital"}
        ``analog`` passes each gate's sigmoid output on unthresholded;
        ``digital`` thresholds every gate output at 0.5.
    dtype : numpy dtype
        Of the neural engine's values; float32 by default.
    design : Design, optional
        The records it was compiled from, for :meth:`to_yaml` to write the
        hierarchy; without them :meth:`to_yaml` writes the flat circuit.
    store : ModelStore, optional
        Where the nets came from (kept for reference only).
    lowered : Lowered, optional
        When ``circuit`` is the result of decomposing primitives that did not
        train as one net (:func:`~circuitnn.compile.lower.lower`, as
        :meth:`from_store` does): the exact reference then runs the circuit
        as compiled, ``lowered.source``.

    Examples
    --------
    >>> from circuitnn.library import ripple_carry_adder
    >>> adder = ripple_carry_adder(8).compile()
    >>> adder(a=5, b=7, cin=0)
    {'sum': 12, 'cout': 0}
    >>> out = adder(a=np.array([200, 100]), b=100, cin=1)
    >>> out["sum"].tolist(), out["cout"].tolist()
    ([45, 201], [1, 0])
    """

    def __init__(self, circuit: Circuit, nets: Mapping, mode: str = "analog",
                 dtype=np.float32, design=None, store=None, lowered: Lowered | None = None):
        check_mode(mode)
        missing = [p for p in circuit.primitives if p not in nets]
        if missing:
            raise UsageError(f"no trained net for primitive{'s' if len(missing) > 1 else ''} "
                             f"{', '.join(missing)}", _user_loc())
        self.circuit = circuit
        self.nets = dict(nets)
        self.mode = mode
        self.dtype = np.dtype(dtype)
        self.design = design
        self.store = store
        #: How each compiled primitive became nets (one, or a decomposition).
        self.lowered = lowered if lowered is not None else Lowered(circuit, self.nets, circuit)
        #: The circuit as compiled; ``circuit`` is what the neural engine runs.
        self.source = self.lowered.source

    @classmethod
    def from_store(cls, circuit: Circuit, store, mode: str = "analog", dtype=np.float32,
                   design=None, retrain: bool = False,
                   progress: Callable[[str], None] | None = None) -> Session:
        """A session whose nets come from ``store`` (trained into it when missing).

        Examples
        --------
        >>> import tempfile
        >>> from circuitnn.read import load_circuit
        >>> from circuitnn.store import ModelStore
        >>> ha = Session.from_store(load_circuit("circuits/half_adder.yaml"),
        ...                         ModelStore(tempfile.mkdtemp()))
        >>> ha(a=1, b=1)
        {'sum': 0, 'carry': 1}
        """
        check_mode(mode)  # before any training
        low = lower(circuit, store, progress=progress, retrain=retrain)
        return cls(low.circuit, low.nets, mode=mode, dtype=dtype, design=design, store=store,
                   lowered=low)

    # ........................................................... the circuit
    @property
    def name(self) -> str:
        return self.circuit.name

    @property
    def inputs(self) -> dict[str, int]:
        """Input port widths by name, in port order."""
        return {p.name: p.width for p in self.circuit.inputs}

    @property
    def outputs(self) -> dict[str, int]:
        """Output port widths by name, in port order."""
        return {p.name: p.width for p in self.circuit.outputs}

    @property
    def graph(self):
        """The flat circuit as a networkx ``MultiDiGraph`` (see :class:`Circuit`)."""
        return self.circuit.graph

    def _repr_svg_(self) -> str | None:
        """The circuit's diagram, for Jupyter."""
        return self.circuit._repr_svg_()

    def __repr__(self) -> str:
        def side(ps):
            return ", ".join(f"{p.name}[{p.width}]" if p.bus else p.name for p in ps)

        return (f"Session({self.name}: {side(self.circuit.inputs)} -> "
                f"{side(self.circuit.outputs)}; {len(self.circuit.gates)} gates, {self.mode})")

    # ........................................................... engines
    @cached_property
    def engine(self) -> KernelEngine:
        """The neural engine (every gate runs its trained net): the fused
        kernel, or the numpy engine until the kernel pays for its loading."""
        return KernelEngine(self.circuit, self.nets, mode=self.mode, dtype=self.dtype)

    @cached_property
    def exact(self) -> ExactEngine:
        """The exact reference engine (truth tables, no nets), on the circuit
        as compiled (before any decomposition)."""
        return ExactEngine(self.source)

    @cached_property
    def _probing(self) -> KernelEngine:
        return KernelEngine(self.circuit, self.nets, mode=self.mode, dtype=self.dtype,
                            keep_all=True)

    # ........................................................... running
    def _encode(self, values: dict) -> tuple[np.ndarray, bool]:
        """Input bits from integers per port (scalars broadcast), and whether
        every value was a scalar."""
        widths = {p.name: p.width for p in self.circuit.inputs}
        try:
            values = {k: input_values(k, v, widths.get(k, 1)) for k, v in values.items()}
        except CircuitError as e:
            raise type(e)(e.message, _user_loc()) from None
        scalar = all(np.ndim(v) == 0 for v in values.values())
        sizes = {len(v) for v in values.values() if np.ndim(v) > 0}
        if len(sizes) > 1:
            raise UsageError(f"inputs have different numbers of values: "
                             f"{ {k: len(v) for k, v in values.items() if np.ndim(v)} }; "
                             "give one value or the same number for every input",
                             _user_loc())
        n = sizes.pop() if sizes else 1
        wide = {p.name for p in self.circuit.inputs if p.width > 64}
        full = {}
        for k, v in values.items():
            if np.ndim(v) == 0:
                v = [int(v)] * n
            full[k] = np.asarray(v, dtype=object) if k in wide else v
        try:
            return encode(self.circuit, full), scalar
        except CircuitError as e:
            raise type(e)(e.message, _user_loc()) from None

    @property
    def certified(self) -> bool:
        """Whether every net carries a certificate (then analog runs are exact)."""
        return all(getattr(n, "delta", None) is not None for n in self.nets.values())

    def run_bits(self, input_bits: np.ndarray) -> Result:
        """Run on input bits ``(input bits, vectors)``: analog values and bits.

        With an uncertified net in analog mode nothing guarantees the result,
        so it is checked against the exact reference on the same vectors, and
        an :class:`UncertifiedMismatch` warning gives the number of vectors
        that differ (the bits returned are still the neural ones).
        """
        result = self._neural(input_bits)
        if self.mode == "analog" and not self.certified:
            wrong = int((result.bits != self.exact.run(result.inputs)).any(axis=0).sum())
            if wrong:
                text = (f"{wrong:,} of {result.bits.shape[1]:,} vectors differ from the exact "
                        "reference: uncertified nets in analog mode; use ")
                _warn_user(UncertifiedMismatch(
                    text + "mode='digital', or certified nets (TrainSettings(certify=True))",
                    cli=text + "--mode digital, or certified nets (without --uncertified)"))
        return result

    def _neural(self, input_bits: np.ndarray) -> Result:
        input_bits = np.asarray(input_bits, dtype=np.uint8)
        analog = self.engine.run(input_bits)
        bits = (analog > 0.5).astype(np.uint8)
        return Result(self.circuit, input_bits, analog, bits)

    def run(self, **values) -> Result:
        """Run on integers per input port (scalars, or arrays of one length);
        with no values, on every input combination (at most 16 input bits),
        which is the truth table (a notebook shows a result as a table).

        Examples
        --------
        >>> from circuitnn.library import half_adder
        >>> res = half_adder().compile().run(a=[0, 1], b=1)
        >>> res.output_values()["sum"].tolist(), bool((res.confidence > 0.3).all())
        ([1, 0], True)
        """
        if not values and self.circuit.inputs:
            return self.run_bits(exhaustive(self.circuit, limit=MAX_EXHAUSTIVE_BITS))
        return self.run_bits(self._encode(values)[0])

    def __call__(self, *args, **values) -> dict:
        """Evaluate on integers per input port, given by name.

        Scalars give a dict of Python ints; arrays (all the same length,
        scalars broadcast) give a dict of arrays: uint64 for outputs up to 64
        bits, Python ints (object arrays) beyond.
        """
        if args:
            names = ", ".join(f"{p.name}=..." for p in self.circuit.inputs)
            raise UsageError(f"give the inputs of {self.circuit.name!r} by name "
                             f"({names}), not by position", _user_loc())
        fast = self._call_one(values)
        if fast is not None:
            return fast
        bits, scalar = self._encode(values)
        out = self.run_bits(bits).output_values()
        return {k: int(v[0]) for k, v in out.items()} if scalar else out

    def _call_one(self, values: dict) -> dict | None:
        """One vector of in-range integers through the engine's per-call path
        (microseconds once the kernel is loaded); None leaves anything else,
        and every error message, to the general path."""
        ports = self._narrow_ports
        if ports is None or len(values) != len(ports):
            return None
        ints = []
        for name, limit in ports:
            v = values.get(name)
            if not isinstance(v, (int, np.integer)) or not 0 <= v < limit:
                return None
            ints.append(int(v))
        return dict(zip(self._output_names, self.engine.call(ints)))

    @cached_property
    def _narrow_ports(self) -> tuple[tuple[str, int], ...] | None:
        """(name, 2**width) per input port, or None if any port exceeds 64 bits."""
        if any(p.width > 64 for p in self.circuit.inputs + self.circuit.outputs):
            return None
        return tuple((p.name, 1 << p.width) for p in self.circuit.inputs)

    @cached_property
    def _output_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.circuit.outputs)

    def reference(self, **values) -> dict:
        """Like calling the circuit, but through the exact truth-table engine.

        Examples
        --------
        >>> from circuitnn.library import comparator
        >>> comparator(4).compile().reference(a=3, b=9)
        {'lt': 1, 'eq': 0, 'gt': 0}
        """
        bits, scalar = self._encode(values)
        out = decode(self.circuit.outputs, self.exact.run(bits))
        return {k: int(v[0]) for k, v in out.items()} if scalar else out

    def probe(self, **values) -> dict[str, np.ndarray]:
        """The value of every signal, internal ones included, by signal name.

        Values are the neural engine's (analog unless the mode is digital),
        an array per signal with one value per vector.

        Examples
        --------
        >>> from circuitnn.library import full_adder
        >>> fa = full_adder().compile()
        >>> values = fa.probe(a=1, b=1, cin=0)
        >>> sorted(values)[:3]
        ['_half_adder0_carry', '_half_adder0_sum', '_half_adder1_carry']
        >>> float(values["_half_adder0_carry"][0]) > 0.9
        True
        """
        bits = self._encode(values)[0]
        _, every = self._probing.run(bits, probe=True)
        names = self.circuit.signal_names
        return {names[s]: every[s] for s in range(2, self.circuit.n_signals)}

    # ........................................................... export
    def to_onnx(self, path, mode: str | None = None, dtype=None):
        """Write this circuit and its nets as one ONNX model at ``path``.

        ``mode`` and ``dtype`` default to the session's own.  Inputs and
        outputs are the ports, ``[batch, width]`` with bit 0 first; the
        outputs are analog.  Needs ``pip install 'circuitnn[onnx]'``; see
        :func:`circuitnn.write.onnx.to_onnx` and docs/onnx.md.  Returns the
        ``onnx.ModelProto``.

        Examples
        --------
        >>> import tempfile
        >>> from pathlib import Path
        >>> from circuitnn.library import ripple_carry_adder
        >>> out = Path(tempfile.mkdtemp()) / "adder8.onnx"
        >>> model = ripple_carry_adder(8).compile().to_onnx(out)
        >>> [i.name for i in model.graph.input], out.exists()
        (['a', 'b', 'cin'], True)
        """
        from ..write.onnx import to_onnx

        return to_onnx(self.circuit, self.nets, path, mode=mode or self.mode,
                       dtype=str(np.dtype(dtype if dtype is not None else self.dtype)))

    # ........................................................... tables
    def truth_table(self) -> np.ndarray:
        """Every input combination and its outputs, one row each, as integers.

        Columns are the input ports then the output ports, in port order
        (:attr:`inputs`, :attr:`outputs`); rows count up with the first
        input's most significant bit varying slowest.  Limited to circuits of
        at most 16 input bits; the dtype is uint64, or object beyond 64-bit
        ports.

        Examples
        --------
        >>> from circuitnn.library import half_adder
        >>> half_adder().compile().truth_table().tolist()
        [[0, 0, 0, 0], [0, 1, 1, 0], [1, 0, 1, 0], [1, 1, 0, 1]]
        """
        bits = exhaustive(self.circuit, limit=MAX_EXHAUSTIVE_BITS)
        res = self.run_bits(bits)
        cols = list(decode(self.circuit.inputs, bits).values())
        cols += list(res.output_values().values())
        dtype = object if any(c.dtype == object for c in cols) else np.uint64
        return np.stack([np.asarray(c, dtype=dtype) for c in cols], axis=1)

    def truth_rows(self) -> list[dict[str, int]]:
        """The truth table as one dict per row, inputs then outputs.

        Examples
        --------
        >>> from circuitnn.library import half_adder
        >>> half_adder().compile().truth_rows()[3]
        {'a': 1, 'b': 1, 'sum': 0, 'carry': 1}
        """
        names = list(self.inputs) + list(self.outputs)
        return [dict(zip(names, map(int, row))) for row in self.truth_table()]

    def verify(self, vectors: np.ndarray | None = None, n: int = 1000,
               seed: int = 0) -> VerifyReport:
        """Compare the neural engine with the exact reference.

        Parameters
        ----------
        vectors : numpy.ndarray, optional
            Input bits ``(input bits, vectors)``; by default chosen by
            :func:`~circuitnn.run.vectors.pick_vectors`: every input
            combination when there are at most 16 input bits, else ``n``
            random vectors drawn with ``seed``.

        Returns
        -------
        VerifyReport
            ``.ok``, ``.mismatched_rows``, ``.min_margin``.

        Examples
        --------
        >>> from circuitnn.library import kogge_stone_adder
        >>> report = kogge_stone_adder(4).compile().verify()
        >>> report.ok, report.rows, report.how
        (True, 512, 'exhaustive')
        """
        if vectors is None:
            vectors, how = pick_vectors(self.circuit, seed=seed, otherwise=n)
        else:
            how = "given"
        vectors = np.asarray(vectors, dtype=np.uint8)
        result = self._neural(vectors)
        exact = self.exact.run(vectors)
        wrong = np.flatnonzero((result.bits != exact).any(axis=0))
        margin = float(result.confidence.min()) if result.analog.size else 0.5
        return VerifyReport(vectors.shape[1], wrong, margin, result, exact, how)

    # ........................................................... clocked
    @cached_property
    def step_engine(self) -> KernelEngine:
        """The neural engine over one clock cycle (:attr:`Circuit.step`)."""
        return KernelEngine(self.circuit.step, self.nets, mode=self.mode, dtype=self.dtype)

    @cached_property
    def step_exact(self) -> ExactEngine:
        """The exact engine over one clock cycle (:attr:`Circuit.step`)."""
        return ExactEngine(self.circuit.step)

    def clocked(self, streams: int = 1, exact: bool = False, cycles: int | None = None,
                analog: str = "step"):
        """A :class:`~circuitnn.run.sim.Clocked` simulator of this circuit
        with ``streams`` streams, through the nets (or the truth tables).

        The nets run in the fused kernel, whole windows of cycles per call,
        once it pays for its loading (``cycles`` says how many are
        expected); until then one stream runs generated Python code and
        several the numpy engine.  ``analog`` says which analog values the
        windows keep (``"step"``, ``"outputs"`` or ``"none"``; see
        :class:`~circuitnn.run.sim.Clocked`).

        Examples
        --------
        >>> from circuitnn.library import lfsr
        >>> clock = lfsr(4, seed=1).compile().clocked(cycles=4)
        >>> window = clock.run_window(np.zeros((0, 4, 1), np.uint8))
        >>> (window.outputs[:, :, 0].T @ (1 << np.arange(4))).tolist()
        [1, 2, 4, 9]
        """
        from .sim import Clocked

        engine = self.step_exact if exact else self.step_engine
        return Clocked(self.circuit, engine, streams, cycles=cycles, analog=analog)

    def _cycle_bits(self, values: dict, cycles: int | None, streams: int | None
                    ) -> tuple[np.ndarray, int, int, bool]:
        """Input bits ``(input bits, cycles, streams)`` from integers per port,
        one per cycle (or ``(cycles, streams)``), and whether one stream."""
        arrays = {}
        for k, v in values.items():
            try:
                arrays[k] = np.asarray(v)
            except (ValueError, TypeError):  # numpy refuses ragged nesting
                raise UsageError(f"input {k!r} has values nested unevenly; give one value per "
                                 "cycle, or a (cycles, streams) array", _user_loc()) from None
        shapes = {a.shape for a in arrays.values() if a.ndim}
        if len(shapes) > 1:
            raise UsageError(f"inputs have different shapes: "
                             f"{ {k: a.shape for k, a in arrays.items()} }; give one value "
                             "per cycle (or a (cycles, streams) array) for every input",
                             _user_loc())
        if shapes:
            shape = shapes.pop()
        elif cycles is None:
            raise UsageError("give each input one value per cycle, or cycles=N",
                             _user_loc())
        else:
            shape = (cycles,) if streams is None else (cycles, streams)
        if len(shape) > 2:
            raise UsageError(f"inputs of shape {shape}: give one value per cycle, or a "
                             "(cycles, streams) array", _user_loc())
        cycles, streams = shape[0], shape[1] if len(shape) == 2 else 1
        if cycles < 1 or streams < 1:
            raise UsageError(f"nothing to run: {cycles} cycles of {streams} streams; give "
                             "each input at least one value (or cycles=N)", _user_loc())
        flat = {k: np.broadcast_to(a, shape).reshape(-1) for k, a in arrays.items()}
        if not self.circuit.inputs and not flat:
            return np.zeros((0, cycles, streams), np.uint8), cycles, streams, len(shape) == 1
        try:
            bits = encode(self.circuit, flat)
        except CircuitError as e:
            raise type(e)(e.message, _user_loc()) from None
        return bits.reshape(-1, cycles, streams), cycles, streams, len(shape) == 1

    def sim(self, cycles: int | None = None, streams: int | None = None, exact: bool = False,
            **values) -> SimResult:
        """Run the clocked circuit from its initial state, one cycle per value.

        Each input takes a sequence of integers, one per cycle, or a
        ``(cycles, streams)`` array for independent streams side by side.
        Outputs come back the same shape, sampled before each cycle's rising
        edge (PyRTL's ``step`` convention), in a
        :class:`~circuitnn.run.sim.SimResult`: a dict of them that a notebook
        draws as a waveform, with ``to_pandas()``.  ``exact`` runs the truth
        tables instead of the nets.  A circuit with no inputs takes ``cycles``
        (and ``streams``).

        Examples
        --------
        >>> from circuitnn.library import counter
        >>> c = counter(4).compile()
        >>> c.sim(en=[1, 1, 0, 1, 1])["count"].tolist()
        [0, 1, 2, 2, 3]
        >>> c.sim(en=[[1, 0], [1, 1], [1, 1]])["count"].tolist()
        [[0, 0], [1, 0], [2, 1]]
        """
        from .sim import SimResult

        bits, cycles, streams, single = self._cycle_bits(values, cycles, streams)
        # only the output bits are returned: the kernel writes no values
        clock = self.clocked(streams, exact=exact, cycles=cycles, analog="none")
        out = np.empty((self.circuit.n_output_bits, cycles, streams), dtype=np.uint8)
        for window in clock.run_windows(bits):
            out[:, window.first:window.first + len(window)] = window.outputs
        shape = (cycles,) if single else (cycles, streams)
        got = decode(self.circuit.outputs, out.reshape(-1, cycles * streams))
        ins = decode(self.circuit.inputs, bits.reshape(-1, cycles * streams))
        return SimResult(self.circuit, {k: v.reshape(shape) for k, v in got.items()},
                         {k: v.reshape(shape) for k, v in ins.items()}, exact)

    def sim_verify(self, cycles: int = 100, streams: int = 1, seed: int = 0):
        """Run the nets and the truth tables side by side on random stimulus
        (stream k seeded by ``(seed, k)``); a :class:`~circuitnn.run.sim.SimReport`.

        Examples
        --------
        >>> from circuitnn.library import lfsr
        >>> report = lfsr(8).compile().sim_verify(cycles=50, streams=3)
        >>> report.ok, report.cycles, report.streams
        (True, 50, 3)
        """
        from .sim import compare

        return compare(self.clocked(streams, cycles=cycles), self.clocked(streams, exact=True),
                       cycles, seed)

    def to_yaml(self) -> str:
        """The circuit as a YAML netlist: its hierarchy when the session has
        the design records, else the flat circuit.

        Examples
        --------
        >>> from circuitnn.library import half_adder
        >>> ha = half_adder().compile()
        >>> ha.to_yaml() == Session(ha.circuit, ha.nets, design=ha.design).to_yaml()
        True
        >>> print(Session(ha.circuit, ha.nets).to_yaml().splitlines()[2])
        name: half_adder
        """
        from ..write.yaml import circuit_to_yaml, to_yaml

        return circuit_to_yaml(self.circuit) if self.design is None else to_yaml(self.design)
