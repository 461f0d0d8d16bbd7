"""circuitnn: compile logic circuits into networks of small trained neural nets.

The data flow, one module each: netlist text (:mod:`netlist`, :mod:`formats`)
-> records (:mod:`records`) -> flat circuit and schedule (:mod:`compiler`)
-> trained nets (:mod:`nn`, :mod:`store`) -> values (:mod:`engine`)
-> reports (:mod:`simulator`, :mod:`cli`).
"""

__version__ = "0.1.0"

from .compiler import Circuit, compile_design  # noqa: E402
from .errors import CircuitError, Loc, NetlistError, TruthTableError, UsageError, ValidationError  # noqa: E402
from .loaders import load_circuit  # noqa: E402
from .netlist import load_yaml, loads_yaml  # noqa: E402
from .primitives import STANDARD  # noqa: E402
from .truthtable import TruthTable  # noqa: E402

__all__ = [
    "__version__",
    "CircuitError",
    "Loc",
    "NetlistError",
    "TruthTableError",
    "UsageError",
    "ValidationError",
    "TruthTable",
    "STANDARD",
    "Circuit",
    "compile_design",
    "load_yaml",
    "loads_yaml",
    "load_circuit",
]
