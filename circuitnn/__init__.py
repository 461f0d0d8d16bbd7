"""circuitnn: compile logic circuits into networks of small trained neural nets.

The data flow, one package each::

    read/     netlist text (YAML, BLIF, .bench, Yosys JSON) -> records (ir/)
    hdl/      Python builder                                -> the same records
    compile/  records -> checked, flat, levelised circuit
    nn/       truth tables -> certified GateNets (kept in store.py)
    run/      circuit + nets + vectors -> analog values -> bits -> integers
    write/    YAML, Verilog, DOT
    prove/    two circuits -> equivalent by SAT, or a counterexample
    cli/      the ``circuitnn`` command

The public API below is imported lazily: ``import circuitnn`` loads only
this file, and each name loads its module on first use.

Examples
--------
>>> import circuitnn
>>> circuitnn.load_circuit("circuits/half_adder.yaml")
Circuit(half_adder: 2 in, 2 out, 2 gates, depth 1)
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: public name -> module that defines it
_API = {
    "CircuitError": "circuitnn.errors",
    "Loc": "circuitnn.errors",
    "NetlistError": "circuitnn.errors",
    "TruthTableError": "circuitnn.errors",
    "UsageError": "circuitnn.errors",
    "ValidationError": "circuitnn.errors",
    "TruthTable": "circuitnn.ir.truthtable",
    "STANDARD": "circuitnn.ir.primitives",
    "Circuit": "circuitnn.compile",
    "compile_design": "circuitnn.compile",
    "load_yaml": "circuitnn.read.yaml",
    "loads_yaml": "circuitnn.read.yaml",
    "load_circuit": "circuitnn.read",
    "read_design": "circuitnn.read",
    "ModelStore": "circuitnn.store",
    "default_store": "circuitnn.store",
    "Session": "circuitnn.run.session",
    "Builder": "circuitnn.hdl.builder",
    "cat": "circuitnn.hdl.builder",
    "GateNet": "circuitnn.nn",
    "TrainSettings": "circuitnn.nn",
    "equivalent": "circuitnn.prove",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str):
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'circuitnn' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
