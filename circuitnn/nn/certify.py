"""Certification: interval arithmetic proves that every input within delta of a
row's logic levels gives outputs within delta of that row's targets."""

from __future__ import annotations

import math

import numpy as np

from ..ir.truthtable import TruthTable
from .gatenet import GateNet, sigmoid


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


#: Elements of the largest intermediate array :func:`prove_many` builds at once.
_PROVE_BUDGET = 1 << 22


def prove_many(
    nets: list[GateNet], tts: list[TruthTable], delta: float
) -> list[tuple[float, float]]:
    """Each net's worst row error and certified margin on its own table, batched.

    The same numbers as ``max|net.forward(X) - y|`` and
    :func:`certified_margin`, computed for nets of one shape at once (one
    stacked matrix product per layer), so re-proving thousands of nets costs a
    few array operations per shape rather than a Python call per net.  A net
    with a NaN or infinite result gets ``nan``, which no bound accepts.

    Parameters
    ----------
    nets : list of GateNet
        The nets, each with ``tts[i].n_inputs`` inputs and ``tts[i].n_outputs``
        outputs.
    tts : list of TruthTable
        The function each net must compute.
    delta : float
        The box radius of the certificate.

    Returns
    -------
    list of (max_err, margin)
        Per net: the worst ``|output - target|`` over the rows, and over the
        ``delta``-boxes around them.

    Examples
    --------
    >>> from circuitnn.ir.primitives import STANDARD
    >>> from circuitnn.nn import train
    >>> tts = [STANDARD["AND2"], STANDARD["XOR2"]]
    >>> nets = [train(tt) for tt in tts]
    >>> [(err <= 0.1, margin <= 0.1) for err, margin in prove_many(nets, tts, 0.1)]
    [(True, True), (True, True)]
    >>> err, margin = prove_many(nets[:1], tts[1:], 0.1)[0]   # AND2's net as XOR2
    >>> err > 0.5
    True
    """
    out: list[tuple[float, float]] = [(math.nan, math.nan)] * len(nets)
    groups: dict[tuple, list[int]] = {}
    for i, net in enumerate(nets):
        shapes = tuple(W.shape for W in net.weights) + tuple(b.shape for b in net.biases)
        groups.setdefault(shapes, []).append(i)
    for members in groups.values():
        X = tts[members[0]].input_matrix().astype(float)
        widest = max(W.shape[1] for W in nets[members[0]].weights)
        step = max(1, _PROVE_BUDGET // (len(X) * max(widest, 1)))
        for start in range(0, len(members), step):
            chunk = members[start:start + step]
            for i, pair in zip(chunk, _prove_stack([nets[i] for i in chunk],
                                                   [tts[i] for i in chunk], X, delta)):
                out[i] = pair
    return out


def _prove_stack(nets, tts, X, delta):
    """:func:`prove_many` for nets of one shape: the layer products of
    :meth:`GateNet.forward` and :meth:`GateNet.bound`, each net a slice."""
    Y = np.stack([tt.table.astype(float) for tt in tts])
    z = X
    lo, hi = box(X, delta)
    with np.errstate(invalid="ignore", over="ignore"):
        for layer in range(len(nets[0].weights)):
            W = np.stack([n.weights[layer] for n in nets])
            b = np.stack([n.biases[layer] for n in nets])[:, None, :]
            Wp, Wn = np.maximum(W, 0), np.minimum(W, 0)
            z = sigmoid(z @ W + b)
            lo, hi = sigmoid(lo @ Wp + hi @ Wn + b), sigmoid(hi @ Wp + lo @ Wn + b)
        err = np.abs(z - Y).reshape(len(nets), -1)
        margin = np.maximum(np.abs(lo - Y), np.abs(hi - Y)).reshape(len(nets), -1)
    bad = ~(np.isfinite(err).all(axis=1) & np.isfinite(margin).all(axis=1))
    err_max = np.where(bad, np.nan, err.max(axis=1, initial=0.0))
    margin_max = np.where(bad, np.nan, margin.max(axis=1, initial=0.0))
    return [(float(e), float(m)) for e, m in zip(err_max, margin_max)]
