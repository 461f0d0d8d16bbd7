"""The compiled circuit: flat gates over numbered signals, ports, and the
levelised schedule (groups of one primitive at one level)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ..errors import CircuitError, Loc
from ..ir.records import TestVector
from ..ir.truthtable import TruthTable

CONST0, CONST1 = 0, 1


class CircuitWarning(UserWarning):
    """Something legal but suspicious in a netlist, such as an unused input."""


@dataclass(frozen=True)
class Gate:
    """One flat gate: a primitive reading and writing numbered signals."""

    name: str
    prim: str
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    loc: Loc | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Group:
    """Gates of one primitive at one level, as index arrays.

    ``ins`` is ``(k, G)`` and ``outs`` is ``(m, G)``: pin-major, so that
    ``values[ins]`` gathers a ``(k, G, vectors)`` block in one step.
    """

    prim: str
    gates: np.ndarray
    ins: np.ndarray
    outs: np.ndarray


@dataclass(frozen=True)
class PortMap:
    """A port of the flat circuit: its signals, least significant bit first."""

    name: str
    signals: tuple[int, ...]
    bus: bool

    @property
    def width(self) -> int:
        return len(self.signals)


@dataclass(frozen=True)
class RegisterMap:
    """A register of the flat circuit, on the one clock (rising edge).

    ``q`` are the signals it drives (its state, least significant bit first);
    at each rising edge it loads ``next``, thresholded at 0.5.  ``next`` is
    ``d`` through the gates that implement the reset and the enable; ``d``,
    ``reset``, ``enable`` and the values describe the register as written,
    for the writers.
    """

    name: str
    q: tuple[int, ...]
    next: tuple[int, ...]
    init: int = 0
    d: tuple[int, ...] = ()
    reset: int | None = None
    reset_value: int = 0
    reset_active: int = 1
    enable: int | None = None
    enable_active: int = 1
    priority: str = "reset"
    loc: Loc | None = field(default=None, compare=False)

    @property
    def width(self) -> int:
        return len(self.q)

    @property
    def bus(self) -> bool:
        return len(self.q) > 1


@dataclass(eq=False)
class Circuit:
    """A compiled circuit: flat gates over signals, with a levelised schedule.

    Signals 0 and 1 are the constants, then come the primary input bits in port
    order, then the register outputs (a sequential circuit's state), then
    every gate output.
    """

    name: str
    inputs: tuple[PortMap, ...]
    outputs: tuple[PortMap, ...]
    gates: tuple[Gate, ...]
    primitives: dict[str, TruthTable]
    signal_names: list[str]
    levels: list[list[Group]]
    tests: tuple[TestVector, ...] = ()
    warnings: tuple[CircuitError, ...] = ()
    source: str | None = None
    registers: tuple[RegisterMap, ...] = ()
    #: the clock port of a design read from a format that names it
    clock: str | None = None

    #: Training settings from the netlist (see :attr:`Design.train`).
    train: dict = field(default_factory=dict)

    @property
    def sequential(self) -> bool:
        """Whether the circuit has registers (and so is run cycle by cycle)."""
        return bool(self.registers)

    @property
    def n_state_bits(self) -> int:
        return sum(r.width for r in self.registers)

    @cached_property
    def step(self) -> Circuit:
        """One clock cycle as a combinational circuit: the inputs and then
        the register states in, the outputs and then what the registers
        load out (the same signals and gates, so the same nets evaluate it).

        Examples
        --------
        >>> from circuitnn.library import counter
        >>> c = counter(3).compile_circuit()
        >>> c.step.n_input_bits, c.step.n_output_bits
        (1, 6)
        """
        if not self.registers:
            return self
        state = tuple(PortMap(f"{r.name}.q", r.q, r.bus) for r in self.registers)
        loads = tuple(PortMap(f"{r.name}.next", r.next, r.bus) for r in self.registers)
        return Circuit(self.name, self.inputs + state, self.outputs + loads, self.gates,
                       self.primitives, self.signal_names, self.levels, (), self.warnings,
                       self.source)

    @property
    def n_signals(self) -> int:
        return len(self.signal_names)

    @property
    def n_input_bits(self) -> int:
        return sum(p.width for p in self.inputs)

    @property
    def n_output_bits(self) -> int:
        return sum(p.width for p in self.outputs)

    @property
    def depth(self) -> int:
        return len(self.levels)

    @cached_property
    def input_signals(self) -> np.ndarray:
        return np.array([s for p in self.inputs for s in p.signals], dtype=np.intp)

    @cached_property
    def output_signals(self) -> np.ndarray:
        return np.array([s for p in self.outputs for s in p.signals], dtype=np.intp)

    def port(self, name: str) -> PortMap:
        for p in self.inputs + self.outputs:
            if p.name == name:
                return p
        raise KeyError(name)

    def gate_counts(self) -> dict[str, int]:
        """Gates per primitive, most common first."""
        counts: dict[str, int] = defaultdict(int)
        for g in self.gates:
            counts[g.prim] += 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    @cached_property
    def graph(self):
        """The circuit as a networkx DAG: a node per gate and per primary port
        bit, an edge per pin (parallel edges where a gate reads a net twice)."""
        import networkx as nx  # imported here: it costs a quarter second at start-up

        g = nx.MultiDiGraph(name=self.name)
        driver: dict[int, str] = {}
        for p in self.inputs:
            for i, s in enumerate(p.signals):
                node = f"{p.name}[{i}]" if p.bus else p.name
                g.add_node(node, kind="input", port=p.name, bit=i)
                driver[s] = node
        for gate in self.gates:
            g.add_node(gate.name, kind="gate", prim=gate.prim)
            for s in gate.outputs:
                driver[s] = gate.name
        for gate in self.gates:
            for pin, s in enumerate(gate.inputs):
                if s in driver:
                    g.add_edge(driver[s], gate.name, pin=pin, signal=self.signal_names[s])
        for p in self.outputs:
            for i, s in enumerate(p.signals):
                node = f"out:{p.name}[{i}]" if p.bus else f"out:{p.name}"
                g.add_node(node, kind="output", port=p.name, bit=i)
                if s in driver:
                    g.add_edge(driver[s], node, pin=0, signal=self.signal_names[s])
        return g

    def describe_gate(self, gate: Gate) -> str:
        """``Gate(sum <-- XOR2 -- a, b)`` with signal names."""
        outs = ", ".join(self.signal_names[s] for s in gate.outputs)
        ins = ", ".join(self.signal_names[s] for s in gate.inputs)
        return f"{gate.name}: {outs} <-- {gate.prim} -- {ins}"

    def _repr_svg_(self) -> str | None:
        """The diagram, for Jupyter (None without graphviz: the repr is shown)."""
        from ..run.display import circuit_svg

        return circuit_svg(self)

    def __repr__(self) -> str:
        return (f"Circuit({self.name}: {self.n_input_bits} in, {self.n_output_bits} out, "
                f"{len(self.gates)} gates, depth {self.depth})")
