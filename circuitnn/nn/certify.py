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


#: Largest absolute error assumed of a runtime's float32 / float64 sigmoid.
#: onnxruntime's float32 kernel (a rational approximation) measures 1.8e-7 on
#: a dense grid over [-40, 40] and its float64 one 2.2e-16; the assumed values
#: leave headroom, and ``tests/test_onnx.py`` measures the runtime against them.
SIGMOID_ERROR = {"float32": 1e-6, "float64": 1e-14}


def runtime_error_bound(net: GateNet, dtype: str = "float32",
                        sigmoid_error: float | None = None, eta: float = 1e-4) -> float:
    """A bound on ``|computed - exact|`` for one evaluation of ``net`` in ``dtype``.

    The inputs are taken as they are (within ``[-eta, 1 + eta]``); the bound
    covers rounding the weights to ``dtype``, every product and sum of each
    affine layer (``gamma_(k+1) = (k+1) u / (1 - (k+1) u)`` times the sum of
    magnitudes, for any summation order, fused or not), a sigmoid that is off
    by at most ``sigmoid_error``, and the errors of earlier layers carried
    through ``|W|`` and the sigmoid's slope of at most 1/4.

    Examples
    --------
    >>> from circuitnn.nn import notebook_nets
    >>> bound = runtime_error_bound(notebook_nets()["AND"])
    >>> 1e-7 < bound < 1e-5
    True
    """
    u = float(np.finfo(dtype).eps) / 2
    if sigmoid_error is None:
        sigmoid_error = SIGMOID_ERROR[str(np.dtype(dtype))]
    err = 0.0
    # every value a layer reads lies in [-eta, 1 + eta]: logic levels, or a
    # runtime sigmoid's output, which is within sigmoid_error of [0, 1]
    scale = 1.0 + eta
    for W, b in zip(net.weights, net.biases):
        k = W.shape[0] + 1  # k products and the bias
        gamma = k * u / (1 - k * u)
        absW = np.abs(W)
        ds = absW.sum(axis=0) * err + (gamma + u) * (absW.sum(axis=0) * scale + np.abs(b))
        err = float(np.max(ds)) / 4 + sigmoid_error
    return err


def runtime_certificate(net: GateNet, tt: TruthTable, delta: float, dtype: str = "float32",
                        eta: float = 1e-4,
                        sigmoid_error: float | None = None) -> dict:
    """Whether ``net``'s certificate survives a runtime's arithmetic in ``dtype``.

    The certificate proves outputs within ``delta`` for inputs within
    ``delta`` of their levels, in exact arithmetic, for inputs in ``[0, 1]``.
    A runtime computes each gate with a small error ``e``
    (:func:`runtime_error_bound`) and its sigmoid may step a hair outside
    ``[0, 1]`` (onnxruntime's float32 one returns 1.0000001), by at most its
    own error.  So the margin is recomputed over boxes widened by ``eta`` on
    both sides, ``[-eta, delta + eta]`` and ``[1 - delta - eta, 1 + eta]``;
    the certificate holds at runtime when ``margin + e <= delta`` and the
    sigmoid's error is at most ``eta``: then by induction over the gates
    every computed signal stays in its widened box and within ``delta`` of
    its exact level.

    Returns
    -------
    dict
        ``margin`` (over the widened boxes), ``error`` (the bound ``e``),
        ``eta``, ``slack`` (``delta - margin - error``) and ``ok``.

    Examples
    --------
    >>> from circuitnn.ir.primitives import STANDARD
    >>> from circuitnn.nn import train
    >>> cert = runtime_certificate(train(STANDARD["XOR2"]), STANDARD["XOR2"], 0.1)
    >>> cert["ok"], cert["error"] < 1e-3 < cert["slack"]
    (True, True)
    """
    X = tt.input_matrix().astype(float)
    lo, hi = box(X, delta)
    lo, hi = net.bound(lo - eta, hi + eta)
    y = tt.table.astype(float)
    margin = float(np.max(np.maximum(np.abs(lo - y), np.abs(hi - y)), initial=0.0))
    if sigmoid_error is None:
        sigmoid_error = SIGMOID_ERROR[str(np.dtype(dtype))]
    error = runtime_error_bound(net, dtype, sigmoid_error, eta)
    slack = delta - margin - error
    return {"margin": margin, "error": error, "eta": eta, "slack": slack,
            "ok": bool(slack >= 0 and sigmoid_error <= eta)}
