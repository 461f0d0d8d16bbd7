"""Finished circuit definitions: :class:`Subcircuit` (reusable, callable inside
another builder) and its :class:`Outputs`.  ``compile()`` gives a
:class:`~circuitnn.run.session.Session` (``CompiledCircuit`` is its old name)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from .._where import _user_loc, _warn_at
from ..compile import CircuitWarning, compile_design
from ..errors import UsageError
from ..ir.records import Design, Module
from ..run.session import Session, check_mode
from ..write.yaml import to_yaml
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

    def compile(self, store=None, mode: str = "analog") -> Session:
        """Check, flatten, and fetch a trained net for every primitive.

        Parameters
        ----------
        store : ModelStore, optional
            Where trained nets come from (and missing ones are trained into).
            When omitted, :func:`circuitnn.store.default_store` is used: the
            store at ``$CIRCUITNN_STORE``, else the user cache folder.
        mode : {"analog", "digital"}

        Examples
        --------
        >>> from circuitnn.library import ripple_carry_adder
        >>> ripple_carry_adder(4).compile()
        Session(ripple_carry_adder_4: a[4], b[4], cin -> sum[4], cout; 20 gates, analog)
        """
        check_mode(mode)  # before any compiling or training
        if store is None:
            from ..store import default_store

            store = default_store()
        circuit = compile_design(self.design)
        for w in circuit.warnings:
            _warn_at(w, CircuitWarning)
        return Session.from_store(circuit, store, mode=mode, design=self.design)

    def compile_circuit(self):
        """Check and flatten, without nets: the :class:`~circuitnn.compile.Circuit`.

        Examples
        --------
        >>> from circuitnn.library import half_adder
        >>> half_adder().compile_circuit()
        Circuit(half_adder: 2 in, 2 out, 2 gates, depth 1)
        """
        return compile_design(self.design)

    def to_yaml(self) -> str:
        """The circuit as a YAML netlist (see :func:`~circuitnn.write.yaml.to_yaml`)."""
        return to_yaml(self.design)


#: The name ``compile()`` results had before :class:`~circuitnn.run.session.Session`.
CompiledCircuit = Session
