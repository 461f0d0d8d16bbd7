"""The ``run`` command: evaluate a circuit through its trained nets.

Vectors come from ``--set``, a vector file (CSV or ``.npz``), ``--random N``
or the full truth table; they are made, evaluated and written chunk by
chunk, so memory stays bounded however many there are.  ``--format`` (or
``--output FILE``'s extension) picks an aligned table, CSV, JSON, JSON lines
or ``.npz``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import UsageError
from ._output import add_force_option, check_output, open_output, output_errors

__all__ = ["add_command", "cmd_run", "chunk_size"]

#: Bytes a chunk of vectors may take while it is evaluated and written.
CHUNK_BYTES = 32 << 20
#: Inputs that --set leaves out are swept up to this many bits in all.
MAX_SWEEP_BITS = 16

EXAMPLES = """\
examples:
  circuitnn run circuits/half_adder.yaml                 the full truth table
  circuitnn run adder.yaml --set a=5 --set b=0x1f --set cin=0
  circuitnn run adder.yaml --set cin=1                   sweep a and b (<= 16 bits)
  circuitnn run adder.yaml --random 1000 --format csv -o golden.csv
  circuitnn run adder.yaml --check golden.csv            exit 1 on a difference
  circuitnn run alu.v --top alu4 --radix hex             Verilog through Yosys
  circuitnn run top.v alu.v --top top                    a design in several files
"""


def chunk_size(circuit) -> int:
    """Vectors evaluated and written at a time for ``circuit``.

    Examples
    --------
    >>> from circuitnn.library import half_adder
    >>> chunk_size(half_adder().compile().circuit)
    65536
    """
    per_vector = 16 * (circuit.n_input_bits + sum(p.width for p in circuit.outputs)) + 64
    return max(1024, min(1 << 16, CHUNK_BYTES // per_vector))


def _vectors(args, circuit):
    from ..run.vector_files import parse_int, read_vectors
    from ..run.vectors import ColumnVectors, choose_vectors

    chosen = [o for o in ("set", "vectors", "random") if getattr(args, o)]
    if len(chosen) > 1:
        raise UsageError(f"give one of --set, --vectors and --random, not "
                         f"{' and '.join('--' + c for c in chosen)}")
    if args.set:
        values, given = {}, {}
        for item in args.set:
            name, sep, value = item.partition("=")
            if not sep:
                raise UsageError(f"--set {item!r}: write NAME=VALUE, e.g. --set a=5")
            name = name.strip()
            if name in values:
                raise UsageError(f"--set {name} is given twice ({name}={given[name].strip()} "
                                 f"and {name}={value.strip()}); give each input once")
            given[name] = value
            values[name] = [parse_int(value, f"--set {name}")]
        if set(values) < {p.name for p in circuit.inputs}:
            from ..run.golden import sweep_rest

            return ColumnVectors(circuit, sweep_rest(circuit, {k: v[0] for k, v in
                                                               values.items()}))
        return ColumnVectors(circuit, values)
    if args.vectors:
        return read_vectors(args.vectors, circuit)
    if args.random is not None:
        from ..run.vectors import check_random_count

        check_random_count(circuit, args.random)
    return choose_vectors(circuit, random=args.random, seed=args.seed)[0]


def _output_path(args) -> Path | None:
    """The output file, refused when it exists (unless --force) or is an input."""
    if not args.output:
        return None
    return check_output(args.output, _inputs(args), args.force, option="--output")


def _inputs(args) -> list[str]:
    """The files this run reads: none may be its output."""
    return (args.sources + getattr(args, "read_files", [])
            + [f for f in (args.vectors, args.check) if f and f != "-"])


def cmd_run(args) -> int:
    from ..run.output import format_of, make_writer
    from . import EXIT_OK, _guarantee, _load, _session

    path = _output_path(args)
    fmt = format_of(str(path), args.format) if path else (args.format or "table")
    if fmt == "npz" and path is None:
        raise UsageError("npz output is binary; give --output FILE.npz")
    circuit = _load(args)
    if circuit.sequential:
        raise UsageError(f"{args.circuit}: circuit {circuit.name!r} is sequential "
                         f"({len(circuit.registers)} registers); 'run' evaluates combinational "
                         f"circuits; run it clock cycle by clock cycle with 'circuitnn sim "
                         f"{args.circuit} --stimulus FILE.csv' (or --random N)")
    if path is not None:  # again, now that the files the netlist imports are known
        path = check_output(path, _inputs(args), args.force, option="--output")
    if args.check:
        from .golden import check_command

        return check_command(args, circuit)
    vectors = _vectors(args, circuit)
    sim = _session(args, circuit)
    delta, label = _guarantee(sim.nets)
    if delta is None:
        print(f"warning: {label}", file=sys.stderr)
    engine = f"neural ({args.mode})"
    if args.radix != "dec" and fmt not in ("table", "csv"):
        raise UsageError(f"--radix {args.radix} is for table and csv output, not {fmt}")
    from .cluster import chunk_of, cluster_of, progress_of

    with cluster_of(args) as cluster:
        results = (_local_results(sim, vectors) if cluster is None else
                   _cluster_results(cluster, sim, vectors, chunk_of(args), progress_of(args)))
        if path is None:
            make_writer(fmt, sys.stdout, circuit, engine, label, args.radix).write_all(
                results, vectors.n)
        elif fmt == "npz":
            with output_errors(path):
                make_writer(fmt, path, circuit, engine, label).write_all(results, vectors.n)
        else:
            _write_file(path, fmt, circuit, engine, label, results, vectors.n, args.force,
                        args.radix)
    return EXIT_OK


def _local_results(sim, vectors):
    size = chunk_size(sim.circuit)
    sim.engine.expect(vectors.n)
    for lo in range(0, vectors.n, size):
        yield sim.run_bits(vectors.bits(lo, min(vectors.n, lo + size)))


def _cluster_results(cluster, sim, vectors, size: int, progress):
    from ..run.distributed import run_chunks

    yield from run_chunks(cluster, sim, vectors, size, progress)
    if progress is not None:
        print("\r\033[K", end="", file=sys.stderr)


def _write_file(path: Path, fmt: str, circuit, engine: str, label: str, results, n: int,
                force: bool, radix: str = "dec") -> None:
    """A text format into ``path``, through a temporary file that replaces it
    only when complete."""
    from ..run.output import make_writer

    with open_output(path, force=force, binary=True) as f:
        make_writer(fmt, f, circuit, engine, label, radix).write_all(results, n)


def add_command(sub, common, circ, mode, training) -> None:
    """Add ``run`` to the CLI's subparsers."""
    import argparse

    from . import _seed

    r = sub.add_parser("run", parents=[common, circ, mode, training],
                       help="evaluate a circuit through its trained nets",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    r.add_argument("--set", action="append", metavar="NAME=VALUE",
                   help="one input value (repeatable); decimal, 0b... or 0x...; inputs "
                        f"left out are swept when they total at most {MAX_SWEEP_BITS} bits")
    r.add_argument("--vectors", metavar="FILE",
                   help="input vectors: a CSV file (a header of input names, a row per "
                        "vector; - is stdin) or a .npz file (one array per input)")
    r.add_argument("--random", type=int, metavar="N", help="N random input vectors")
    r.add_argument("--seed", type=_seed, default=0, help="seed for --random (default 0)")
    r.add_argument("--format", choices=("table", "csv", "json", "jsonl"),
                   help="table (default), csv, json (one document) or jsonl (one object "
                        "per line); with --output, the extension decides")
    r.add_argument("--output", "-o", metavar="FILE",
                   help="write to FILE (.csv, .json, .jsonl or .npz) instead of standard "
                        "output")
    add_force_option(r)
    r.add_argument("--radix", choices=("dec", "hex", "bin"), default="dec",
                   help="numbers in table and csv output: dec (default), hex (0x...) or bin "
                        "(0b...), zero-padded to the port's width")
    r.add_argument("--check", metavar="EXPECTED.csv",
                   help="run the input columns of a golden CSV (as run --format csv writes "
                        "it) and compare the outputs with its output columns; exit 1 "
                        "showing the rows that differ")
    from .cluster import add_scheduler_option

    add_scheduler_option(r)
    r.set_defaults(func=cmd_run)
