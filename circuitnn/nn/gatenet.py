"""The notebook's network: sigmoid layers, the loss 0.5*sum((y - yhat)**2) and
hand-written backpropagation, for any number of inputs, layers and outputs."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


# --------------------------------------------------------------------- math
def sigmoid(x):
    """The logistic function ``1 / (1 + exp(-x))``, as in the notebook.

    Examples
    --------
    >>> float(sigmoid(0.0)), float(sigmoid(-1000.0))
    (0.5, 0.0)
    """
    # exp(-x) overflows to inf for x < -709, and 1/inf = 0 is the right answer.
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-np.asarray(x, dtype=float)))


def sigmoid_prime(x):
    """The derivative ``sigmoid(x) * (1 - sigmoid(x))``.

    Examples
    --------
    >>> float(sigmoid_prime(0.0))
    0.25
    """
    z = sigmoid(x)
    return z * (1 - z)


# -------------------------------------------------------------------- GateNet
@dataclass(frozen=True, eq=False)
class GateNet:
    """A trained sigmoid MLP for one truth table, in the notebook's orientation.

    Layer ``i`` computes ``z = sigmoid(z_prev @ weights[i] + biases[i])`` with
    ``weights[i]`` shaped ``(n_in_i, n_out_i)``.

    Examples
    --------
    >>> from circuitnn.nn import notebook_nets
    >>> net = notebook_nets()["AND"]
    >>> net
    GateNet(AND 2-1, max_err=nan)
    >>> round(float(net.forward(np.array([[0, 0]]))[0, 0]), 6)
    0.675243
    """

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    name: str | None = None
    max_err: float = math.nan
    delta: float | None = None
    epochs: int = 0
    seconds: float = 0.0
    hidden: tuple[int, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden", tuple(W.shape[1] for W in self.weights[:-1]))

    @property
    def n_inputs(self) -> int:
        return self.weights[0].shape[0]

    @property
    def n_outputs(self) -> int:
        return self.weights[-1].shape[1]

    @property
    def arch(self) -> str:
        """Layer widths joined by dashes, e.g. ``"2-3-1"``."""
        return "-".join(str(n) for n in (self.n_inputs, *self.hidden, self.n_outputs))

    def __repr__(self) -> str:
        label = f"{self.name} " if self.name else ""
        return f"GateNet({label}{self.arch}, max_err={self.max_err:.3g})"

    def _layers(self, X) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Every layer's ``s`` and ``z``, input included as ``z[0]``."""
        z = [np.asarray(X, dtype=float)]
        s = []
        for W, b in zip(self.weights, self.biases):
            s.append(z[-1] @ W + b)
            z.append(sigmoid(s[-1]))
        return s, z

    def forward(self, X) -> np.ndarray:
        """Outputs for input rows ``X`` of shape ``(rows, n_inputs)``.

        Examples
        --------
        >>> from circuitnn.nn import notebook_nets
        >>> net = notebook_nets()["OR"]
        >>> net.forward(np.array([[0, 0], [1, 1]])).round(8).ravel().tolist()
        [0.53891974, 0.71313758]
        """
        return self._layers(X)[1][-1]

    def loss(self, X, y) -> float:
        """The notebook's loss ``0.5 * sum((y - yhat)**2)`` over rows and outputs.

        Examples
        --------
        >>> from circuitnn.nn import notebook_nets
        >>> X, y = np.array([[0, 0], [0, 1], [1, 0], [1, 1]]), np.array([[0], [0], [0], [1]])
        >>> round(notebook_nets()["AND"].loss(X, y), 10)
        0.8723062542
        """
        y = np.asarray(y, dtype=float).reshape(len(X), self.n_outputs)
        return float(0.5 * np.sum((y - self.forward(X)) ** 2))

    def backward(self, X, y) -> tuple[np.ndarray, ...]:
        """Gradients of :meth:`loss`: ``(dW1, dW2, ..., db1, db2, ...)``.

        Hand-written backprop, as in the notebook: the error ``err`` (the
        notebook's ``delta``; renamed, since ``delta`` is the certificate's
        margin everywhere else) at the output is ``(yhat - y) * sigmoid'(s)``,
        and each layer passes ``err @ W.T`` back, times its own ``sigmoid'(s)``.

        Examples
        --------
        >>> from circuitnn.nn import notebook_nets
        >>> X, y = np.array([[0, 0], [0, 1], [1, 0], [1, 1]]), np.array([[0], [0], [0], [1]])
        >>> dW1, db1 = notebook_nets()["AND"].backward(X, y)
        >>> dW1.ravel().round(8).tolist(), db1.round(8).tolist()
        ([0.12895769, 0.10006797], [0.38848624])
        """
        y = np.asarray(y, dtype=float).reshape(len(X), self.n_outputs)
        s, z = self._layers(X)
        dW, db = [], []
        err = (z[-1] - y) * sigmoid_prime(s[-1])
        for i in range(len(self.weights) - 1, -1, -1):
            dW.append(z[i].T @ err)
            db.append(err.sum(axis=0))
            if i:
                err = (err @ self.weights[i].T) * sigmoid_prime(s[i - 1])
        return (*dW[::-1], *db[::-1])

    def bound(self, lo, hi) -> tuple[np.ndarray, np.ndarray]:
        """Sound bounds of the outputs over every input box ``[lo, hi]``.

        Interval arithmetic: through ``s = z @ W + b`` the lower bound takes
        ``lo`` where ``W > 0`` and ``hi`` where ``W < 0``; the sigmoid is
        monotone, so it maps bounds to bounds.

        Parameters
        ----------
        lo, hi : array_like
            ``(rows, n_inputs)`` corners of one box per row.

        Returns
        -------
        out_lo, out_hi : numpy.ndarray
            ``(rows, n_outputs)``; every point of a box maps inside its bounds.

        Examples
        --------
        >>> from circuitnn.nn import notebook_nets
        >>> net = notebook_nets()["AND"]
        >>> lo, hi = net.bound(np.array([[0.0, 0.0]]), np.array([[1.0, 1.0]]))
        >>> bool(lo[0, 0] <= net.forward(np.array([[0.5, 0.5]]))[0, 0] <= hi[0, 0])
        True
        """
        lo = np.asarray(lo, dtype=float)
        hi = np.asarray(hi, dtype=float)
        for W, b in zip(self.weights, self.biases):
            Wp, Wn = np.maximum(W, 0), np.minimum(W, 0)
            lo, hi = sigmoid(lo @ Wp + hi @ Wn + b), sigmoid(hi @ Wp + lo @ Wn + b)
        return lo, hi


def _sig(x: np.ndarray) -> np.ndarray:
    """``sigmoid`` for the float32 training loop (keeps dtype).

    The argument is clipped to +-40: in float32 that changes no output above
    4e-18 and keeps ``exp`` out of overflow and of its slow denormal path.
    """
    return 1 / (1 + np.exp(-np.clip(x, -40, 40)))
