"""The seed notebook's own nets, drawn as the notebook drew them."""

from __future__ import annotations

import numpy as np

from .gatenet import GateNet


# ------------------------------------------------------------ the notebook
def notebook_nets() -> dict[str, GateNet]:
    """The notebook's initial nets, drawn from seed 42 in its order.

    Keys: ``"AND"``, ``"OR"``, ``"XOR_first"`` (the first run of the XOR
    cell, which the forward, loss and backward cells used), ``"XOR"`` (the
    second run, whose weights the notebook printed and trained) and
    ``"HALF_ADDER"``.  A private ``np.random.RandomState(42)`` draws the same
    stream as the notebook's ``np.random.seed(42)``, without touching numpy's
    global random state.

    Examples
    --------
    >>> nets = notebook_nets()
    >>> nets["XOR"].weights[0].round(8).tolist()
    [[0.18340451, 0.30424224], [0.52475643, 0.43194502]]
    """
    r = np.random.RandomState(42).rand
    w1, w2, b = r(), r(), r()
    nets = {"AND": GateNet([np.array([[w1], [w2]])], [np.array([b])], "AND")}
    w, b = r(2), r(1)
    nets["OR"] = GateNet([w.reshape(2, 1)], [b], "OR")
    for key in ("XOR_first", "XOR"):
        w1, w2, b1, b2 = r(2, 2), r(2, 1), r(2), r(1)
        nets[key] = GateNet([w1, w2], [b1, b2], "XOR")
    w1, w2, b1, b2 = r(2, 2), r(2, 2), r(2), r(2)
    nets["HALF_ADDER"] = GateNet([w1, w2], [b1, b2], "HALF_ADDER")
    return nets
