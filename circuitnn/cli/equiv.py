"""The ``equiv`` command, and the specification link of ``verify --spec``.

``circuitnn equiv A B`` proves that two netlists (any formats) compute the
same function, by SAT, or prints an input on which they differ, replayed on
both engines of both circuits.  Exit codes: 0 equivalent, 1 not equivalent,
2 bad input, 3 unknown (``--timeout`` ran out).
"""

from __future__ import annotations

import sys
import time

from ._output import add_force_option, check_output, write_output

__all__ = ["add_command", "cmd_equiv", "spec_link", "EXIT_UNKNOWN"]

EXIT_OK, EXIT_FAIL, EXIT_UNKNOWN = 0, 1, 3


def _fmt(value: int, width: int) -> str:
    return str(value) if width <= 16 else f"{value:#x}"


def _prove(args, a, b, label_a: str, label_b: str):
    from ..prove import DEFAULT_CYCLES, check

    progress = None
    if sys.stderr.isatty():
        start = time.perf_counter()

        def progress(message: str) -> None:
            print(f"\rproving: {message} ({time.perf_counter() - start:.1f}s)\033[K", end="",
                  file=sys.stderr, flush=True)

    notes: list[str] = []
    result = check(a, b, (label_a, label_b), args.map, args.const, timeout=args.timeout,
                   sweep=not args.no_sweep, seed=args.seed,
                   cycles=getattr(args, "cycles", None) or DEFAULT_CYCLES,
                   progress=progress, notes=notes)
    if progress is not None:
        print("\r\033[K", end="", file=sys.stderr, flush=True)
    return result.matching, result, notes


def _neural_outputs(args, circuit, values: dict[str, int],
                    sequence: list[dict[str, int]] | None = None) -> tuple[dict[str, int], str]:
    """The circuit's outputs on one input through its trained nets (for a
    sequential circuit, in the last cycle of ``sequence``, run from reset)."""
    from . import _guarantee, _session

    sim = _session(args, circuit)
    if getattr(circuit, "registers", ()):
        got = sim.sim(**{p.name: [step[p.name] for step in sequence] for p in circuit.inputs})
        return {k: int(v[-1]) for k, v in got.items()}, _guarantee(sim.nets)[1]
    res = sim.run(**{k: [v] for k, v in values.items()})
    return {k: int(v[0]) for k, v in res.output_values().items()}, _guarantee(sim.nets)[1]


def _report_counterexample(args, a, b, matching, cex, label_a: str, label_b: str,
                           trace=None) -> None:
    widths = {p.name: p.width for p in a.inputs + a.outputs}
    widths_b = {p.name: p.width for p in b.inputs}
    print("counterexample:")
    if trace is not None:
        print(f"  from reset, cycle by cycle (outputs sampled before each edge; cycle "
              f"{trace.cycle} differs):")
        for t, values in enumerate(trace.inputs_a):
            ins = ", ".join(f"{k}={_fmt(v, widths[k])}" for k, v in values.items())
            outs = ", ".join(f"{k}={_fmt(v, widths[k])}/{_fmt(trace.outputs_b[t][k], widths[k])}"
                             for k, v in trace.outputs_a[t].items())
            print(f"    cycle {t}: {ins}  ->  A/B {outs}")
        print(f"  cycle {trace.cycle}:")
    for side, values, w in (("A", cex.inputs_a, widths), ("B", cex.inputs_b, widths_b)):
        print(f"  inputs of {side}: {', '.join(f'{k}={_fmt(v, w[k])}' for k, v in values.items())}")
    neural_a, cert_a = _neural_outputs(args, a, cex.inputs_a,
                                       trace.inputs_a if trace is not None else None)
    neural_b_raw, cert_b = _neural_outputs(args, b, cex.inputs_b,
                                           trace.inputs_b if trace is not None else None)
    rows_b, r = {}, 0
    for p in b.outputs:
        rows_b[p.name] = r
        r += p.width
    neural_b = dict.fromkeys(cex.outputs_a, 0)
    for (pa, i), (pb, j) in matching.outputs:
        neural_b[pa] |= ((neural_b_raw[pb] >> j) & 1) << i
    partner = {}
    for (pa, _), (pb, _) in matching.outputs:
        partner.setdefault(pa, []).append(pb)
    header = ["output (A / B)", "A exact", "A neural", "B exact", "B neural", ""]
    rows = []
    for p in cex.outputs_a:
        names = sorted(set(partner[p]), key=partner[p].index)
        label = p if names == [p] else f"{p} / {','.join(names)}"
        w = widths[p]
        rows.append([label, _fmt(cex.outputs_a[p], w), _fmt(neural_a[p], w),
                     _fmt(cex.outputs_b[p], w), _fmt(neural_b[p], w),
                     "<- differs" if cex.outputs_a[p] != cex.outputs_b[p] else ""])
    cols = [max(len(row[i]) for row in [header] + rows) for i in range(len(header))]
    for row in [header] + rows:
        print("  " + "  ".join(c.ljust(cols[i]) for i, c in enumerate(row)).rstrip())
    for side, exact, neural, cert in (("A", cex.outputs_a, neural_a, cert_a),
                                      ("B", cex.outputs_b, neural_b, cert_b)):
        agree = "agrees with" if exact == neural else "DISAGREES with"
        print(f"  {side}: the neural engine ({cert}) {agree} the exact reference")
    print(f"  (B's bits are shown in A's port layout; A is {label_a}, B is {label_b})")


def write_test(path: str, a, cex, label_b: str, inputs=(), force: bool = True,
               trace=None) -> None:
    """Write the counterexample as a vectors CSV for A: its input columns, then
    its output columns holding the outputs B (the specification) gives; for a
    sequential counterexample, a leading ``cycle`` column and a row per cycle
    from reset."""
    names = [p.name for p in a.inputs] + [p.name for p in a.outputs]
    lines = [f"# counterexample from circuitnn equiv: expected outputs are {label_b}'s"]
    if trace is None:
        lines += [",".join(names),
                  ",".join([str(cex.inputs_a[p.name]) for p in a.inputs]
                           + [str(cex.outputs_b[p.name]) for p in a.outputs])]
    else:
        lines.append(",".join(["cycle"] + names))
        for t, values in enumerate(trace.inputs_a):
            lines.append(",".join([str(t)] + [str(values[p.name]) for p in a.inputs]
                                  + [str(trace.outputs_b[t][p.name]) for p in a.outputs]))
    write_output(path, "\n".join(lines) + "\n", inputs, force)


def cmd_equiv(args) -> int:
    from ..read import load_with_files

    if args.emit_test:
        check_output(args.emit_test, (args.a, args.b), args.force, option="--emit-test")
    a, files_a = load_with_files([args.a])
    b, files_b = load_with_files([args.b])
    read = files_a + files_b  # the netlists and every file they import
    if args.emit_test:
        check_output(args.emit_test, read, True, option="--emit-test")
    matching, result, notes = _prove(args, a, b, args.a, args.b)
    print(f"A: {args.a} ({a.name}, {len(a.gates):,} gates)   B: {args.b} ({b.name}, "
          f"{len(b.gates):,} gates)")
    print(f"compared {len(matching.outputs):,} output bits over {len(matching.inputs):,} "
          f"shared input bits" + (f", {len(matching.consts)} tied to constants"
                                  if matching.consts else ""))
    for note in notes:
        print(f"note: {note}")
    if result.status == "equivalent":
        print(result)
        return EXIT_OK
    if result.status == "unknown":
        print(f"{result}; give a longer --timeout (now {args.timeout:g} s)")
        return EXIT_UNKNOWN
    cex = result.counterexample
    print(f"not equivalent (found in {result.seconds:.2f} s); outputs that differ: "
          f"{', '.join(cex.differing)}")
    _report_counterexample(args, a, b, matching, cex, args.a, args.b, result.trace)
    if args.emit_test:
        write_test(args.emit_test, a, cex, args.b, read, args.force, result.trace)
        print(f"wrote the counterexample as a test vector for A to {args.emit_test}")
    return EXIT_FAIL


def spec_link(args, circuit, sim, spec) -> int:
    """``verify --spec B``: print the chain neural = boolean (certificate) and
    boolean = B (SAT, ``spec`` the circuit read from B), and an exit code for
    the whole chain."""
    from . import _guarantee

    delta, label = _guarantee(sim.nets)
    _, result, notes = _prove(args, circuit, spec, args.circuit, args.spec)
    for note in notes:
        print(f"note: {note}")
    bits = circuit.n_input_bits
    print(f"proof chain: the neural network of {circuit.name} computes {args.spec}")
    link1 = delta is not None
    print(f"  1. neural = boolean {circuit.name}: "
          + (f"every net is {label}, so by the composition theorem\n"
             "     (docs/certification.md) the thresholded outputs equal the boolean "
             "circuit's for every input [proved]" if link1 else f"{label} [NOT proved]"))
    print(f"  2. boolean {circuit.name} = {args.spec}: {result}"
          + (" [proved]" if result else ""))
    if link1 and result:
        print(f"  so the neural network computes {args.spec}'s function for all 2^{bits} "
              "inputs")
        return EXIT_OK
    if result.status == "unknown":
        return EXIT_UNKNOWN
    if result.status == "different":
        cex = result.counterexample
        print(f"  counterexample: {', '.join(f'{k}={v}' for k, v in cex.inputs_a.items())}"
              f" gives {', '.join(f'{p}={cex.outputs_a[p]}' for p in cex.differing)}, "
              f"{args.spec} gives "
              f"{', '.join(f'{p}={cex.outputs_b[p]}' for p in cex.differing)}")
    return EXIT_FAIL


def _seconds(text: str) -> float:
    """argparse type: a positive, finite number of seconds."""
    import argparse
    import math

    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"give a number of seconds above 0, not {text}")
    return value


#: verify's options that only --spec uses
SPEC_ONLY = (("map", "--map"), ("const", "--const"), ("timeout", "--timeout"),
             ("no_sweep", "--no-sweep"))


def add_spec_options(parser, seed: bool = True) -> None:
    """The options ``equiv`` and ``verify --spec`` share (``verify`` has its
    own ``--seed``, which serves both)."""
    parser.add_argument("--map", action="append", metavar="A_PORT=B_PORT,...",
                        help="pair ports with different names (repeatable); a side may be "
                             "a bit or slice, e.g. G1gat=a[0] or x[0:8]=y")
    parser.add_argument("--const", action="append", metavar="SIDE.PORT=VALUE",
                        help="tie an input of A or B to a constant (repeatable), e.g. "
                             "--const B.cin=0")
    parser.add_argument("--timeout", type=_seconds, metavar="S",
                        help="give up after S seconds with exit 3, 'unknown' (default: no "
                             "limit)")
    parser.add_argument("--no-sweep", action="store_true",
                        help="no SAT sweeping, only structural hashing and constant "
                             "propagation before the output checks")
    if seed:
        from . import _seed

        parser.add_argument("--seed", type=_seed, default=0,
                            help="seed of the random simulation patterns (default 0)")


def add_command(sub, common) -> None:
    """Add ``equiv`` to the CLI's subcommands."""
    e = sub.add_parser(
        "equiv", parents=[common],
        help="prove two circuits equivalent by SAT, or find an input where they differ",
        description="Prove that circuits A and B compute the same outputs for every "
                    "input (ports matched by name and width), or print a counterexample "
                    "replayed on both engines. Exit 0 equivalent, 1 not equivalent, 2 bad "
                    "input, 3 unknown (--timeout ran out).")
    e.add_argument("a", metavar="A", help="netlist (.yaml, .blif, .bench, .json)")
    e.add_argument("b", metavar="B", help="netlist playing the specification")
    add_spec_options(e)
    from . import _count

    e.add_argument("--cycles", type=_count, metavar="K",
                   help="sequential circuits whose registers do not correspond: compare "
                        "the first K cycles from reset (default 20)")
    e.add_argument("--emit-test", metavar="FILE.csv",
                   help="write a counterexample as a test vector for A: its inputs and "
                        "the outputs B gives")
    e.add_argument("--mode", choices=("analog", "digital"), default="analog",
                   help="neural engine mode for replaying a counterexample")
    add_force_option(e)
    e.set_defaults(func=cmd_equiv)
