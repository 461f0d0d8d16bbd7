"""Netlist formats other than YAML: readers for ISCAS ``.bench``, BLIF and
Yosys JSON, and writers for YAML, structural Verilog and graphviz DOT.

Importing this package registers the readers with :mod:`circuitnn.loaders`,
so :func:`~circuitnn.loaders.load_circuit` picks them by file extension.
"""

from __future__ import annotations

from ..loaders import register_reader
from .bench import read_bench
from .blif import read_blif
from .yosys_json import read_yosys_json

__all__ = ["read_bench", "read_blif", "read_yosys_json"]

register_reader("bench", (".bench",), read_bench)
register_reader("blif", (".blif",), read_blif)
register_reader("json", (".json",), read_yosys_json)
