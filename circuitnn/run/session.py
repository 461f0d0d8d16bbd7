"""A compiled circuit with its trained nets: run, check, verify.

:class:`Simulator` is what the CLI and the Python API use: it fetches (or
trains) a net for every primitive from the model store, runs the neural
engine, and compares with the exact reference.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..compile import Circuit
from .exact import ExactEngine
from .neural import NeuralEngine
from .vectors import decode, encode

__all__ = ["Simulator", "Result", "VerifyReport", "train_nets"]


def train_nets(circuit: Circuit, store, retrain: bool = False,
               progress: Callable[[str], None] | None = None) -> dict:
    """A trained net for every primitive of ``circuit``, from ``store``.

    The ones not stored yet train together (tables of one shape share one
    batched computation); ``progress`` receives a line about each step.
    """
    names = list(circuit.primitives)
    nets = store.get_or_train_many([circuit.primitives[n] for n in names], progress=progress,
                                   retrain=retrain)
    return dict(zip(names, nets))


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
        return decode(self.circuit.inputs, self.inputs)

    def output_values(self) -> dict[str, np.ndarray]:
        return decode(self.circuit.outputs, self.bits)

    def port_confidence(self) -> dict[str, np.ndarray]:
        """The smallest confidence over each output port's bits, per vector."""
        out, row = {}, 0
        conf = self.confidence
        for p in self.circuit.outputs:
            out[p.name] = conf[row:row + p.width].min(axis=0)
            row += p.width
        return out


@dataclass
class VerifyReport:
    """Neural engine against the exact reference on the same vectors."""

    rows: int
    mismatched_rows: np.ndarray  # indices of vectors with any wrong output bit
    min_margin: float            # smallest |analog - 0.5| over all output bits
    result: Result
    exact_bits: np.ndarray

    @property
    def ok(self) -> bool:
        return len(self.mismatched_rows) == 0


class Simulator:
    """A circuit ready to evaluate through its trained nets.

    Parameters
    ----------
    circuit : Circuit
    store : ModelStore
        Where nets are loaded from, or trained into.
    mode : {"analog", "digital"}
    dtype : numpy dtype, float32 by default
    """

    def __init__(self, circuit: Circuit, store, mode: str = "analog", dtype=np.float32,
                 progress=None, nets: dict | None = None):
        self.circuit = circuit
        self.nets = nets if nets is not None else train_nets(circuit, store,
                                                             progress=progress)
        self.engine = NeuralEngine(circuit, self.nets, mode=mode, dtype=dtype)
        self._exact: ExactEngine | None = None

    @property
    def exact(self) -> ExactEngine:
        if self._exact is None:
            self._exact = ExactEngine(self.circuit)
        return self._exact

    def run_bits(self, input_bits: np.ndarray) -> Result:
        analog = self.engine.run(input_bits)
        bits = (analog > 0.5).astype(np.uint8)
        return Result(self.circuit, np.asarray(input_bits, dtype=np.uint8), analog, bits)

    def run(self, **values) -> Result:
        """Run on integers (or arrays of them) per input port."""
        return self.run_bits(encode(self.circuit, values))

    def verify(self, input_bits: np.ndarray) -> VerifyReport:
        result = self.run_bits(input_bits)
        exact = self.exact.run(input_bits)
        wrong = np.flatnonzero((result.bits != exact).any(axis=0))
        margin = float(result.confidence.min()) if result.analog.size else 0.5
        return VerifyReport(input_bits.shape[1], wrong, margin, result, exact)
