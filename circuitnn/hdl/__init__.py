"""The Python front end: build circuits in code instead of YAML.

``signals``     :class:`Signal` (a bit or a bus) with operators, :func:`cat`, :func:`mux`
``builder``     :class:`Builder`: ports, gates, subcircuit instances -> records
``subcircuit``  :class:`Subcircuit`, a finished reusable definition
"""

from .builder import Builder
from .signals import Signal, cat, mux
from .subcircuit import CompiledCircuit, Outputs, Subcircuit

__all__ = ["Builder", "Signal", "cat", "mux", "Subcircuit", "Outputs", "CompiledCircuit"]
