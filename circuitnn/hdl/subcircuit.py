"""Finished circuit definitions: :class:`Subcircuit` (reusable, callable inside
another builder), its :class:`Outputs`, and :class:`CompiledCircuit`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ..compile import Circuit, compile_design
from ..errors import CircuitError, UsageError
from ..ir.records import (
    Design,
    Module,
)
from ..run.vectors import (
    MAX_EXHAUSTIVE_BITS,
    decode,
    encode,
    exhaustive,
    random_vectors,
)
from ._where import _user_loc
from ._yaml import to_yaml
from .signals import Signal


# --------------------------------------------------------------- subcircuit
class Outputs(Mapping):
    """The output signals of one subcircuit instance, by port name.

    Read them as attributes (``r.sum``), by name (``r["sum"]``) or unpack
    them in port order (``s, c = ha(a=x, b=y)``).
    """

    def __init__(self, signals: dict[str, Signal]):
        self._signals = signals

    def __getitem__(self, key: str) -> Signal:
        return self._signals[key]

    def __getattr__(self, key: str) -> Signal:
        try:
            return self.__dict__["_signals"][key]
        except KeyError:
            raise AttributeError(f"no output named {key!r}; outputs are "
                                 f"{', '.join(self._signals)}") from None

    def __iter__(self) -> Iterator[Signal]:  # type: ignore[override]
        return iter(self._signals.values())

    def __len__(self) -> int:
        return len(self._signals)

    def keys(self):
        return self._signals.keys()

    def items(self):
        return self._signals.items()

    def values(self):
        return self._signals.values()

    def __repr__(self) -> str:
        return "Outputs(" + ", ".join(f"{k}={v!r}" for k, v in self._signals.items()) + ")"


@dataclass(frozen=True, eq=False)
class Subcircuit:
    """A finished circuit definition, reusable inside other circuits.

    Attributes
    ----------
    module : Module
        Its netlist record.
    modules : dict
        Every module it needs, itself included, by name.
    primitives : dict
        User primitives (truth tables) it needs, by name.

    Examples
    --------
    >>> from circuitnn.hdl import Builder, cat
    >>> from circuitnn.library import half_adder
    >>> ha = half_adder()
    >>> ha
    Subcircuit(half_adder: a, b -> sum, carry)
    >>> b = Builder("demo")
    >>> s, c = ha(a=b.input("x"), b=b.input("y"))
    >>> s, c
    (Signal(_half_adder0_sum, 1 bit), Signal(_half_adder0_carry, 1 bit))
    """

    module: Module
    modules: dict = field(repr=False)
    primitives: dict = field(repr=False, default_factory=dict)

    @property
    def name(self) -> str:
        return self.module.name

    @property
    def inputs(self) -> dict[str, int]:
        """Input port widths by name."""
        return {p.name: p.width for p in self.module.inputs}

    @property
    def outputs(self) -> dict[str, int]:
        """Output port widths by name."""
        return {p.name: p.width for p in self.module.outputs}

    def __repr__(self) -> str:
        def side(ps):
            return ", ".join(f"{p.name}[{p.width}]" if p.bus else p.name for p in ps)

        return f"Subcircuit({self.name}: {side(self.module.inputs)} -> " \
               f"{side(self.module.outputs)})"

    @property
    def design(self) -> Design:
        """The netlist records with this circuit as the top."""
        return Design(self.name, dict(self.modules), dict(self.primitives), {}, None)

    def __call__(self, name: str | None = None, **connections: Signal | int) -> Outputs:
        """Instantiate inside the builder of the signals connected.

        Same as :meth:`Builder.instance`; at least one connection must be a
        signal so the builder is known.
        """
        loc = _user_loc()
        builder = next((v.builder for v in connections.values() if isinstance(v, Signal)),
                       None)
        if builder is None:
            raise UsageError(f"calling {self.name!r} needs at least one signal among the "
                             "connections to know which builder it goes into; use "
                             "builder.instance(...) to connect only constants", loc)
        return builder._instance(self, name, connections, loc)

    def compile(self, store=None, mode: str = "analog") -> CompiledCircuit:
        """Validate, flatten and wrap for evaluation.

        Parameters
        ----------
        store : ModelStore, optional
            Where trained nets come from; ``ModelStore()`` by default.
        mode : {"analog", "digital"}

        Examples
        --------
        >>> from circuitnn.library import ripple_carry_adder
        >>> ripple_carry_adder(4).compile()
        CompiledCircuit(ripple_carry_adder_4: a[4], b[4], cin -> sum[4], cout; 20 gates, analog)
        """
        return CompiledCircuit(compile_design(self.design), store=store, mode=mode,
                               design=self.design)

    def to_yaml(self) -> str:
        """The circuit as a YAML netlist (see :func:`to_yaml`)."""
        return to_yaml(self.design)


# ---------------------------------------------------------------- compiled
class CompiledCircuit:
    """A compiled circuit with its trained nets: call it with integers.

    Parameters
    ----------
    circuit : Circuit
        From :func:`~circuitnn.compile.compile_design`.
    store : ModelStore, optional
        Trained nets are fetched (or trained) on first evaluation;
        ``ModelStore()`` (``$CIRCUITNN_STORE``) by default.
    mode : {"analog", "digital"}
        ``analog`` passes each gate's sigmoid output on unthresholded.
    design : Design, optional
        The records it was compiled from (for :meth:`to_yaml`).

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

    def __init__(self, circuit: Circuit, store=None, mode: str = "analog",
                 design: Design | None = None):
        if mode not in ("analog", "digital"):
            raise UsageError(f"mode {mode!r} is not known; use 'analog' or 'digital'",
                             _user_loc())
        self.circuit = circuit
        self.design = design
        self.mode = mode
        self._store = store

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

    @property
    def store(self):
        if self._store is None:
            from ..store import ModelStore

            self._store = ModelStore()
        return self._store

    @cached_property
    def simulator(self):
        """The :class:`~circuitnn.run.session.Simulator` (trains missing nets once)."""
        from ..run.session import Simulator

        return Simulator(self.circuit, self.store, mode=self.mode)

    def __repr__(self) -> str:
        def side(ps):
            return ", ".join(f"{p.name}[{p.width}]" if p.bus else p.name for p in ps)

        return (f"CompiledCircuit({self.name}: {side(self.circuit.inputs)} -> "
                f"{side(self.circuit.outputs)}; {len(self.circuit.gates)} gates, {self.mode})")

    # ........................................................... running
    def _encode(self, values: dict) -> tuple[np.ndarray, bool]:
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

    def __call__(self, **values) -> dict:
        """Evaluate on integers per input port.

        Scalars give a dict of Python ints; arrays (all the same length,
        scalars broadcast) give a dict of arrays: uint64 for outputs up to 64
        bits, Python ints (object arrays) beyond.
        """
        bits, scalar = self._encode(values)
        out = self.simulator.run_bits(bits).output_values()
        if scalar:
            return {k: int(v[0]) for k, v in out.items()}
        return out

    def reference(self, **values) -> dict:
        """Like calling the circuit, but through the exact truth-table engine.

        Examples
        --------
        >>> from circuitnn.library import comparator
        >>> comparator(4).compile().reference(a=3, b=9)
        {'lt': 1, 'eq': 0, 'gt': 0}
        """
        from ..run.exact import ExactEngine

        bits, scalar = self._encode(values)
        out = decode(self.circuit.outputs, ExactEngine(self.circuit).run(bits))
        if scalar:
            return {k: int(v[0]) for k, v in out.items()}
        return out

    def run_bits(self, bits: np.ndarray):
        """Run on input bits ``(input bits, vectors)``; a
        :class:`~circuitnn.run.session.Result` with analog values and bits."""
        return self.simulator.run_bits(np.asarray(bits, dtype=np.uint8))

    # ........................................................... tables
    def _table_bits(self) -> np.ndarray:
        return exhaustive(self.circuit, limit=MAX_EXHAUSTIVE_BITS)

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
        bits = self._table_bits()
        res = self.simulator.run_bits(bits)
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

    def verify(self, vectors: np.ndarray | None = None, n: int = 1000, seed: int = 0):
        """Compare the neural engine with the exact reference.

        Parameters
        ----------
        vectors : numpy.ndarray, optional
            Input bits ``(input bits, vectors)``; by default every input
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
        >>> report.ok, report.rows
        (True, 512)
        """
        if vectors is None:
            if self.circuit.n_input_bits <= MAX_EXHAUSTIVE_BITS:
                vectors = self._table_bits()
            else:
                vectors = random_vectors(self.circuit, n, seed)
        return self.simulator.verify(np.asarray(vectors, dtype=np.uint8))

    def to_yaml(self) -> str:
        """The circuit as a YAML netlist (see :func:`to_yaml`)."""
        if self.design is None:
            raise UsageError(f"{self.name!r} was compiled without its design records; "
                             "compile it from a Builder or Subcircuit to export it",
                             _user_loc())
        return to_yaml(self.design)
