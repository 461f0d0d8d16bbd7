"""Design records -> one flat, validated, levelised circuit.

:func:`compile_design` checks every module once (reporting every problem with
its location), flattens the hierarchy into gates over numbered signals,
rejects combinational loops, and groups the gates by level and primitive so
the engines pay Python overhead per group, never per gate or per vector.

``check``     the one checker (every problem, with locations, at once)
``flatten``   hierarchy -> flat gates over numbered signals
``schedule``  gates -> levels of same-primitive groups
``circuit``   the result, :class:`Circuit`
"""

from .circuit import Circuit, CircuitWarning, Gate, Group, PortMap
from .flatten import MAX_DEPTH, Budget, BudgetError, compile_design

__all__ = ["Gate", "Group", "PortMap", "Circuit", "compile_design", "CircuitWarning",
           "MAX_DEPTH", "Budget", "BudgetError"]
