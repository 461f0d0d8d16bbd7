"""The neural engine for one vector at a time: each gate's trained net written
out as straight-line Python over floats, compiled once.

For one vector numpy's per-call overhead (about a microsecond per ufunc,
some ten calls per group of gates) costs more than the arithmetic; PyRTL's
``FastSimulation`` meets the same problem by generating Python code, and so
does this engine.  It computes the same function as
:class:`~circuitnn.run.neural.NeuralEngine` (every gate's net, sigmoid
layers, in float64), and is what a single-stream clocked simulation uses.
"""

from __future__ import annotations

import math

import numpy as np

from ..compile import Circuit
from ..errors import UsageError

__all__ = ["ScalarEngine"]

#: math.exp overflows beyond 709; a net whose inputs lie in [0, 1] and whose
#: weights and bias sum (in absolute value) below this never gets there
_EXP_LIMIT = 700.0


class ScalarEngine:
    """Evaluates ``circuit`` on one vector through generated Python code.

    Parameters
    ----------
    circuit : Circuit
    nets : dict
        Primitive name -> trained :class:`~circuitnn.nn.GateNet`.
    mode : {"analog", "digital"}

    Examples
    --------
    >>> from circuitnn.library import full_adder
    >>> fa = full_adder().compile()
    >>> engine = ScalarEngine(fa.circuit, fa.nets)
    >>> [round(v) for v in engine.run_list([1.0, 1.0, 0.0])]
    [0, 1]
    """

    def __init__(self, circuit: Circuit, nets: dict, mode: str = "analog"):
        if mode not in ("analog", "digital"):
            raise UsageError(f"mode {mode!r} is not known; use 'analog' or 'digital'")
        reach = max((float((np.abs(W).sum(axis=0) + np.abs(b)).max())
                     for name in circuit.primitives for W, b in zip(nets[name].weights,
                                                                  nets[name].biases)),
                    default=0.0)
        if reach > _EXP_LIMIT:
            # math.exp raises where numpy's exp2 saturates; such nets go to numpy
            raise UsageError(f"a net's pre-activation can reach {reach:.0f}; the scalar "
                             f"engine takes nets below {_EXP_LIMIT:.0f}")
        self.circuit = circuit
        self.mode = mode
        self.dtype = np.dtype(np.float64)
        self.run_list = _compile(circuit, nets, mode == "digital")

    def run(self, inputs: np.ndarray) -> np.ndarray:
        """Outputs ``(output bits, 1)`` for inputs ``(input bits, 1)``."""
        inputs = np.asarray(inputs, dtype=np.float64)
        if inputs.ndim != 2 or inputs.shape[1] != 1:
            raise UsageError(f"the scalar engine runs one vector; got shape {inputs.shape}")
        return np.array(self.run_list(inputs[:, 0].tolist()), dtype=np.float64)[:, None]


def _num(x: float) -> str:
    return repr(float(x))


def _compile(circuit: Circuit, nets: dict, digital: bool):
    lines = ["def run(x, e=exp):"]
    for i, s in enumerate(circuit.input_signals):
        lines.append(f"    v{s} = x[{i}]")
    lines += ["    v0 = 0.0", "    v1 = 1.0"]
    tmp = 0
    for groups in circuit.levels:
        for grp in groups:
            net = nets[grp.prim]
            for gi in grp.gates:
                gate = circuit.gates[gi]
                xs = [f"v{s}" for s in gate.inputs]
                for W, b in zip(net.weights, net.biases):
                    ys = []
                    for j in range(W.shape[1]):
                        terms = " + ".join(f"{_num(W[i, j])}*{x}" for i, x in enumerate(xs))
                        name = f"t{tmp}"
                        tmp += 1
                        lines.append(f"    {name} = 1.0/(1.0 + e(-({_num(b[j])} + {terms})))")
                        ys.append(name)
                    xs = ys
                for s, y in zip(gate.outputs, xs):
                    if digital:
                        lines.append(f"    v{s} = 1.0 if {y} > 0.5 else 0.0")
                    else:
                        lines.append(f"    v{s} = {y}")
    outs = ", ".join(f"v{s}" for s in circuit.output_signals)
    lines.append(f"    return [{outs}]")
    scope = {"exp": math.exp}
    exec(compile("\n".join(lines) + "\n", f"<circuitnn step {circuit.name}>", "exec"), scope)
    return scope["run"]
