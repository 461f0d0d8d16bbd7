"""The ``convert`` and ``graph`` commands of the ``circuitnn`` CLI.

``circuitnn convert IN OUT`` reads any netlist format and writes the one
OUT's extension names: ``.yaml`` (flat YAML netlist), ``.v`` (structural
Verilog), ``.dot``/``.svg``/``.png`` (a drawing), or ``.onnx``: the circuit
compiled with its trained nets into one ONNX model (``--mode``, ``--dtype``;
the nets come from the model store, trained if missing).  ``circuitnn graph CIRCUIT
-o FILE`` draws a circuit (DOT on standard output without ``-o``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from ..errors import UsageError
from ._output import add_force_option, check_output, output_errors, write_output

__all__ = ["WRITERS", "add_commands", "convert"]

#: output extension -> what it writes
WRITERS = {".yaml": "YAML netlist", ".yml": "YAML netlist", ".v": "structural Verilog",
           ".dot": "graphviz DOT", ".gv": "graphviz DOT", ".svg": "SVG drawing",
           ".png": "PNG drawing", ".pdf": "PDF drawing",
           ".onnx": "ONNX model"}


def convert(circuit, out: str | Path, nets: dict | None = None, mode: str = "analog",
            dtype: str = "float32", inputs=(), force: bool = True) -> None:
    """Write a compiled circuit in the format of ``out``'s extension.

    ``.onnx`` compiles the circuit with ``nets`` (primitive -> trained net;
    by default from the default model store) in ``mode`` and ``dtype``; see
    :func:`circuitnn.write.onnx.to_onnx`.  ``inputs`` (files never to be
    overwritten) and ``force`` (replace an existing file) are the output
    policy of :mod:`circuitnn.cli._output`.

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
    if ext == ".onnx":
        from ..write.onnx import require_onnx, to_onnx

        require_onnx()
        if nets is None:
            from ..run.session import train_nets
            from ..store import default_store

            nets = train_nets(circuit, default_store())
        check_output(out, inputs, force)
        with output_errors(out):
            to_onnx(circuit, nets, out, mode=mode, dtype=dtype)
    elif ext in (".yaml", ".yml"):
        write_output(out, circuit_to_yaml(circuit), inputs, force)
    elif ext == ".v":
        write_output(out, circuit_to_verilog(circuit), inputs, force)
    else:
        render(circuit_to_dot(circuit), out, inputs, force)


def _convert_onnx(args, circuit, sources) -> int:
    from ..run.session import train_nets
    from ..write.onnx import require_onnx
    from . import _progress, _store

    require_onnx()  # before training: a missing extra should not cost a training run
    progress = _progress(args)
    nets = train_nets(circuit, _store(args), progress=progress)
    if progress is not None:
        print("\r\033[K", end="", file=sys.stderr, flush=True)
    start = time.perf_counter()
    convert(circuit, args.output, nets=nets, mode=args.mode, dtype=args.dtype,
            inputs=sources, force=args.force)
    took = time.perf_counter() - start
    import onnx

    model = onnx.load(args.output)
    meta = {p.key: p.value for p in model.metadata_props}
    if not meta["certified_delta"]:
        print(f"warning: {meta['guarantee']}", file=sys.stderr)
    size = Path(args.output).stat().st_size
    print(f"{args.output}: ONNX model of {circuit.name} ({len(circuit.gates):,} gates, depth "
          f"{circuit.depth}) as {len(model.graph.node):,} nodes, {size / 1024:,.0f} KiB; "
          f"{args.mode}, {args.dtype}, opset {model.opset_import[0].version}; "
          + (f"certified at delta={meta['certified_delta']}" if meta["certified_delta"]
             else "not certified") + f" ({took:.2f}s)")
    return 0


def cmd_convert(args) -> int:
    from . import _load

    check_output(args.output, args.sources, args.force)  # before any work
    onnx_out = Path(args.output).suffix.lower() == ".onnx"
    if args.dtype is not None and not onnx_out:
        raise UsageError(f"--dtype applies to .onnx output only, not {args.output}; drop it, "
                         "or write a .onnx file")
    args.dtype = args.dtype or "float32"
    circuit, sources = _load(args), args.read_files
    if onnx_out:
        return _convert_onnx(args, circuit, sources)
    if Path(args.output).suffix.lower() in (".dot", ".gv", ".svg", ".png", ".pdf"):
        _drawable(circuit, False,
                  f"circuitnn graph {' '.join(args.sources)} --summary -o {args.output}")
    convert(circuit, args.output, inputs=sources, force=args.force)
    print(f"{args.output}: {WRITERS[Path(args.output).suffix.lower()]} of {circuit.name} "
          f"({len(circuit.gates):,} gates)")
    return 0


def _drawable(circuit, summary: bool, how: str) -> None:
    """Refuse, quickly and saying what to do, a drawing graphviz would take
    minutes over."""
    from ..write.dot import MAX_GATES

    if not summary and len(circuit.gates) > MAX_GATES:
        raise UsageError(f"{circuit.name!r} has {len(circuit.gates):,} gates; a drawing of "
                         f"more than {MAX_GATES:,} takes graphviz minutes and cannot be read; "
                         f"draw a summary (modules or logic levels as boxes): {how}")


def cmd_graph(args) -> int:
    from ..write.dot import circuit_to_dot, render
    from . import _load

    to_stdout = args.output is None or args.output == "-"
    if not to_stdout:
        check_output(args.output, args.sources, args.force)  # before any work
    circuit, sources = _load(args), args.read_files
    _drawable(circuit, args.summary,
              f"circuitnn graph {' '.join(args.sources)} --summary -o "
              f"{args.output or 'FILE.svg'}")
    text = circuit_to_dot(circuit, summary=args.summary)
    if to_stdout:
        sys.stdout.write(text)
    else:
        render(text, args.output, sources, args.force)
    return 0


def add_commands(sub, common, circ, mode) -> None:
    """Add ``convert`` and ``graph`` to the CLI's subcommands (``--mode``
    and ``--dtype`` apply to ``.onnx`` output only)."""
    c = sub.add_parser("convert", parents=[common, circ, mode],
                       help="write a netlist in another format (.yaml, .v, .dot, .svg, "
                            ".png), or compile it with its trained nets to .onnx")
    c.add_argument("output", metavar="OUT", help="output file; its extension picks the "
                   "format (.onnx: the neural circuit as an ONNX model, needs "
                   "pip install 'circuitnn[onnx]')")
    c.add_argument("--dtype", choices=("float32", "float64"),
                   help=".onnx only: the model's tensor type (default float32)")
    add_force_option(c)
    c.set_defaults(func=cmd_convert)
    g = sub.add_parser("graph", parents=[common, circ],
                       help="draw a circuit with graphviz (.dot, .svg, .png)")
    g.add_argument("-o", "--output", metavar="FILE",
                   help="output file (.dot, .svg, .png, .pdf); default: DOT on stdout")
    add_force_option(g)
    g.add_argument("--summary", action="store_true",
                   help="one box per top-level instance (per band of logic levels for a "
                        "flat netlist) with gate counts, and the nets between them; for "
                        "circuits too large to draw gate by gate")
    g.set_defaults(func=cmd_graph)
