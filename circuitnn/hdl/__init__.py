"""The Python front end: build circuits in code instead of YAML.

``signals``     :class:`Signal` (a bit or a bus) with operators, and :func:`cat`
``builder``     :class:`Builder`: ports, gates, subcircuit instances -> records
``subcircuit``  :class:`Subcircuit`, a finished reusable definition
"""

from .builder import Builder
from .signals import Signal, cat
from .subcircuit import CompiledCircuit, Outputs, Subcircuit

__all__ = ["Builder", "Signal", "cat", "Subcircuit", "Outputs", "CompiledCircuit"]
