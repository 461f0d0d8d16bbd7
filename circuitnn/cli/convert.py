"""The ``convert`` and ``graph`` commands of the ``circuitnn`` CLI.

``circuitnn convert IN OUT`` reads any netlist format and writes the one
OUT's extension names: ``.yaml`` (flat YAML netlist), ``.v`` (structural
Verilog), ``.dot``/``.svg``/``.png`` (a drawing).  ``circuitnn graph CIRCUIT
-o FILE`` draws a circuit (DOT on standard output without ``-o``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import UsageError

__all__ = ["WRITERS", "add_commands", "convert"]

#: output extension -> what it writes
WRITERS = {".yaml": "YAML netlist", ".yml": "YAML netlist", ".v": "structural Verilog",
           ".dot": "graphviz DOT", ".gv": "graphviz DOT", ".svg": "SVG drawing",
           ".png": "PNG drawing", ".pdf": "PDF drawing"}


def convert(circuit, out: str | Path) -> None:
    """Write a compiled circuit in the format of ``out``'s extension.

    Examples
    --------
    >>> import tempfile
    >>> from circuitnn import load_circuit
    >>> out = Path(tempfile.mkdtemp()) / "half_adder.v"
    >>> convert(load_circuit("circuits/half_adder.yaml"), out)
    >>> out.read_text().splitlines()[1]
    'module half_adder (a, b, sum, carry);'
    """
    from ..write.dot import circuit_to_dot, render
    from ..write.verilog import circuit_to_verilog
    from ..write.yaml import circuit_to_yaml

    out = Path(out)
    ext = out.suffix.lower()
    if ext not in WRITERS:
        raise UsageError(f"cannot tell the output format from {ext or '(no extension)'!r}; "
                         f"use one of {', '.join(WRITERS)}")
    if ext in (".yaml", ".yml"):
        out.write_text(circuit_to_yaml(circuit), encoding="utf-8")
    elif ext == ".v":
        out.write_text(circuit_to_verilog(circuit), encoding="utf-8")
    else:
        render(circuit_to_dot(circuit), out)


def cmd_convert(args) -> int:
    from . import _load

    circuit = _load(args)
    convert(circuit, args.output)
    print(f"{args.output}: {WRITERS[Path(args.output).suffix.lower()]} of {circuit.name} "
          f"({len(circuit.gates):,} gates)")
    return 0


def cmd_graph(args) -> int:
    from ..write.dot import circuit_to_dot, render
    from . import _load

    circuit = _load(args)
    text = circuit_to_dot(circuit)
    if args.output is None or args.output == "-":
        sys.stdout.write(text)
    else:
        render(text, args.output)
    return 0


def add_commands(sub, common, circ, mode) -> None:
    """Add ``convert`` and ``graph`` to the CLI's subcommands (``mode`` is
    unused: neither command evaluates the circuit)."""
    c = sub.add_parser("convert", parents=[common, circ],
                       help="write a netlist in another format (.yaml, .v, .dot, .svg, "
                            ".png)")
    c.add_argument("output", metavar="OUT", help="output file; its extension picks the "
                   "format")
    c.set_defaults(func=cmd_convert)
    g = sub.add_parser("graph", parents=[common, circ],
                       help="draw a circuit with graphviz (.dot, .svg, .png)")
    g.add_argument("-o", "--output", metavar="FILE",
                   help="output file (.dot, .svg, .png, .pdf); default: DOT on stdout")
    g.set_defaults(func=cmd_graph)
