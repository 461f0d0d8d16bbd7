"""Certification: interval arithmetic proves that every input within delta of a
row's logic levels gives outputs within delta of that row's targets."""

from __future__ import annotations

import numpy as np

from ..ir.truthtable import TruthTable
from .gatenet import GateNet


def box(X: np.ndarray, delta: float) -> tuple[np.ndarray, np.ndarray]:
    """The inputs within ``delta`` of logic levels ``X`` that lie in ``[0, 1]``.

    Examples
    --------
    >>> [b.tolist() for b in box(np.array([[0.0, 1.0]]), 0.1)]
    [[[0.0, 0.9]], [[0.1, 1.0]]]
    """
    return np.clip(X - delta, 0.0, 1.0), np.clip(X + delta, 0.0, 1.0)


def certified_margin(net: GateNet, tt: TruthTable, delta: float) -> float:
    """Worst ``|output - target|`` over every ``delta``-box around the rows.

    The box of a row holds every input within ``delta`` of that row's logic
    level that a signal can take: ``[0, delta]`` for a 0 and ``[1 - delta, 1]``
    for a 1, because every signal in a circuit lies in ``[0, 1]`` (primary
    inputs and constants are exactly 0 or 1, gate outputs are sigmoids).
    The net is certified at ``delta`` when the result is ``<= delta``.

    Examples
    --------
    >>> from circuitnn.ir.primitives import STANDARD
    >>> from circuitnn.nn import train
    >>> net = train(STANDARD["AND2"])
    >>> certified_margin(net, STANDARD["AND2"], 0.1) <= 0.1
    True
    """
    X = tt.input_matrix().astype(float)
    lo, hi = box(X, delta)
    lo, hi = net.bound(lo, hi)
    y = tt.table.astype(float)
    return float(np.max(np.maximum(np.abs(lo - y), np.abs(hi - y)), initial=0.0))


def _perceptron_can_certify(k: int, delta: float) -> bool:
    """Whether one unit on ``k`` relevant inputs can be certified: ``k*delta < 1``.

    Boxes are clipped to ``[0, 1]``, so each input spans ``delta``.  For a row
    pair differing in input j with different outputs, the box condition forces
    ``|w_j| > delta*sum|w|``; summing over all k inputs gives ``1 > k*delta``.
    Training reaches the bound only with huge weights, so ask for ``2*k*delta <= 1``.
    """
    return 2 * k * delta <= 1
