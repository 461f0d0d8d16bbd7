"""The ``circuitnn`` command.

Exit codes: 0 ok, 1 a check failed, 2 bad input or usage, 3 unknown (a proof
ran out of time), 70 a bug in circuitnn (an
:class:`~circuitnn.errors.InternalError`).  Every user error
is one message on stderr, with no traceback (``--debug`` shows it).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import time
import warnings

from .. import __version__
from ..errors import CircuitError, InternalError, UsageError

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
#: a bug in circuitnn (sysexits' EX_SOFTWARE)
EXIT_BUG = 70


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit code 2."""

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")

    def _get_values(self, action, arg_strings):
        # An empty word (`--check "$GOLDEN"` with the variable unset) would
        # otherwise read as "not given" wherever a command tests the value's
        # truth, and the check, the output file or the vectors silently vanish.
        if "" in arg_strings and not isinstance(action, argparse._SubParsersAction):
            name = argparse._get_action_name(action) or action.dest
            want = (f"one of {', '.join(map(str, action.choices))}" if action.choices
                    else action.metavar or "a value")
            raise argparse.ArgumentError(None, f"argument {name}: the value is empty; give {want}")
        return super()._get_values(action, arg_strings)


class _Sources(argparse.Action):
    """CIRCUIT...: ``args.sources`` every file named, ``args.circuit`` the
    first (the one messages name)."""

    def __call__(self, parser, namespace, values, option_string=None):
        namespace.sources = list(values)
        namespace.circuit = values[0]


def _count(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    value = _whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"give a count of at least 1, not {text}")
    return value


def _seed(text: str) -> int:
    """argparse type: a random seed, a whole number of at least 0."""
    value = _whole(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"a seed is a whole number of at least 0, not {text}")
    return value


def _whole(text: str) -> int:
    try:
        return int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def _store(args, circuit=None):
    """The store with the training settings: defaults, then the netlist's
    ``train:`` section (of ``circuit``, a Circuit or a Design), then the
    command line's options."""
    from ..nn import TrainSettings
    from ..nn.settings import with_options
    from ..store import ModelStore, default_store

    settings = TrainSettings(certify=not getattr(args, "uncertified", False))
    if circuit is not None and circuit.train:
        settings = with_options(settings, circuit.train)
    given = {k: getattr(args, _TRAIN_FLAGS[k]) for k in _TRAIN_FLAGS
             if getattr(args, _TRAIN_FLAGS[k], None) is not None}
    try:
        settings = with_options(settings, given)
    except ValueError as e:
        key = str(e).split(":")[0]
        flag = "--" + _TRAIN_FLAGS.get(key, key).replace("_", "-")
        raise UsageError(f"{flag}{str(e)[len(key):]}") from None
    if args.store and os.path.exists(args.store) and not os.path.isdir(args.store):
        # else every net is trained again on each run, with a warning per net
        raise UsageError(f"model store {args.store} is a file, not a folder; give --store DIR "
                         "(or $CIRCUITNN_STORE) naming a folder, which is made if missing")
    return ModelStore(args.store, settings) if args.store else default_store(settings=settings)


#: Training settings (keys of USER_OPTIONS) -> their command-line option's dest.
_TRAIN_FLAGS = {"restarts": "restarts", "max_epochs": "max_epochs", "hidden": "hidden",
                "delta": "delta", "seed": "train_seed", "budget": "budget"}


def _guarantee(nets) -> tuple[float | None, str]:
    """The delta every net is certified at (None if any is not), and a label."""
    deltas = [getattr(n, "delta", None) for n in nets.values()]
    if not deltas:  # wires and constants alone: every output is exactly 0 or 1
        return 0.0, "exact: no nets, only wires and constants"
    if None in deltas:
        return None, "uncertified nets: analog results are not guaranteed"
    return min(deltas), f"certified at delta={min(deltas):g}"


def _progress(args):
    if not sys.stderr.isatty():
        return None
    start = time.perf_counter()

    def report(message: str) -> None:
        elapsed = time.perf_counter() - start
        print(f"\rtraining: {message} ({elapsed:.1f}s)\033[K", end="", file=sys.stderr,
              flush=True)

    return report


def _budget(args):
    """The design budget: --max-gates/--max-bits, else $CIRCUITNN_MAX_GATES/_BITS."""
    from ..compile import Budget

    values = {}
    for field, env in (("gates", "CIRCUITNN_MAX_GATES"), ("bits", "CIRCUITNN_MAX_BITS")):
        value = getattr(args, f"max_{field}", None)
        if value is None and os.environ.get(env):
            try:
                value = _count(os.environ[env])
            except argparse.ArgumentTypeError as e:
                raise UsageError(f"${env}: {e}") from None
        if value is not None:
            values[field] = value
    return Budget(**values)


def _load(args):
    """The circuit ``args`` names; ``args.read_files`` is set to every file
    read to make it (the netlists and what they import: no output may
    overwrite one)."""
    from ..read import load_with_files

    circuit, args.read_files = load_with_files(
        getattr(args, "sources", None) or [args.circuit], fmt=getattr(args, "from_", None),
        top=getattr(args, "top", None), budget=_budget(args), yosys_cache=_yosys_cache(args))
    _print_warnings(circuit)
    return circuit


def _yosys_cache(args):
    """Verilog's synthesised JSON is cached beside the models of --store."""
    return os.path.join(args.store, "yosys") if getattr(args, "store", None) else None


def _print_warnings(circuit) -> None:
    """The netlist warnings compiling returned with the circuit."""
    for w in circuit.warnings:
        print(f"warning: {w.cli_text()}", file=sys.stderr)


def _session(args, circuit):
    from ..run.session import Session

    progress = _progress(args)
    sim = Session.from_store(circuit, _store(args, circuit),
                             mode=getattr(args, "mode", "analog"),
                             progress=progress)
    if progress is not None:
        print("\r\033[K", end="", file=sys.stderr, flush=True)
    return sim


# ---------------------------------------------------------------- verify
def cmd_verify(args) -> int:
    from ..run.distributed import summarize, verify_chunks
    from .cluster import chunk_of, cluster_of, progress_of
    from .equiv import SPEC_ONLY

    given = [flag for dest, flag in SPEC_ONLY if getattr(args, dest, None)]
    if given and not args.spec:
        raise UsageError(f"{', '.join(given)} {'is' if len(given) == 1 else 'are'} used only "
                         "with --spec B (the netlist to prove the circuit equal to)")
    circuit = _load(args)
    if circuit.sequential:
        return _verify_sequential(args, circuit)
    spec = None
    if args.spec:  # read before the run: a mistake in it is found at once
        from ..read import load_circuit

        spec = load_circuit(args.spec)
    sim = _session(args, circuit)
    with cluster_of(args) as cluster:
        start = time.perf_counter()
        if cluster is None:
            from ..run.vectors import pick_vectors

            bits, how = pick_vectors(circuit, random=args.random, seed=args.seed,
                                     otherwise=10_000)
            summary = summarize(sim.verify(bits))
        else:
            from ..run.vectors import choose_vectors

            vectors, how = choose_vectors(circuit, random=args.random, seed=args.seed,
                                          otherwise=10_000)
            summary = verify_chunks(sim, vectors, chunk_of(args), cluster,
                                    progress=progress_of(args))
            if sys.stderr.isatty():
                print("\r\033[K", end="", file=sys.stderr)
        seconds = time.perf_counter() - start
    print(f"{circuit.name}: neural ({args.mode}) vs exact reference, {summary.rows:,} "
          f"vectors ({how}), {len(circuit.gates):,} gates")
    delta, label = _guarantee(sim.nets)
    bound = (f"certified bound: at least {0.5 - delta:.4f}, every gate being {label}"
             if delta is not None and args.mode == "analog" else f"no bound: {label}"
             if delta is None else "digital mode")
    _print_decomposition(sim.lowered)
    print(f"  mismatches: {summary.mismatches:,}")
    print(f"  smallest output margin: {summary.min_margin:.4f} (|output - 0.5|; {bound})")
    print(f"  time: {seconds:.3f}s")
    if summary.ok:
        print("  OK")
        if args.spec:
            from .equiv import spec_link

            return spec_link(args, circuit, sim, spec)
        return EXIT_OK
    from ..run.bits import decode

    for _, ins_bits, got_bits, want_bits in summary.first:
        ins = decode(circuit.inputs, ins_bits[:, None])
        got = decode(circuit.outputs, got_bits[:, None])
        want = decode(circuit.outputs, want_bits[:, None])
        args_txt = ", ".join(f"{n}={int(v[0])}" for n, v in ins.items())
        diff = ", ".join(f"{n}={int(got[n][0])} (exact {int(want[n][0])})" for n in got
                         if got[n][0] != want[n][0])
        print(f"  MISMATCH {args_txt}: {diff}")
    return EXIT_FAIL


def _verify_sequential(args, circuit) -> int:
    if args.spec:
        raise UsageError("--spec proves combinational circuits; this one has registers")
    sim = _session(args, circuit)
    start = time.perf_counter()
    report = sim.sim_verify(cycles=args.cycles, streams=args.streams, seed=args.seed)
    seconds = time.perf_counter() - start
    print(f"{circuit.name}: neural ({args.mode}) vs exact reference, {report.cycles:,} random "
          f"cycles x {report.streams:,} stream{'s' if report.streams > 1 else ''} from the "
          f"initial state, {len(circuit.gates):,} gates, {circuit.n_state_bits:,} register bits")
    delta, label = _guarantee(sim.nets)
    print(f"  mismatching (cycle, stream) pairs: {report.mismatches:,}")
    print(f"  smallest margin (outputs and register loads): {report.min_margin:.4f} "
          f"({label})")
    print(f"  time: {seconds:.3f}s")
    if report.ok:
        print("  OK")
        return EXIT_OK
    print(f"  first MISMATCH at cycle {report.first[0]}, stream {report.first[1]} (seed "
          f"{args.seed})")
    return EXIT_FAIL


# ------------------------------------------------------------------ info
def cmd_info(args) -> int:
    from ..compile.lower import lower

    circuit = _load(args)
    store = _store(args, circuit)
    print(f"circuit {circuit.name}")
    for kind, ports in (("inputs", circuit.inputs), ("outputs", circuit.outputs)):
        txt = ", ".join(f"{p.name}[{p.width}]" if p.bus else p.name for p in ports)
        print(f"  {kind}: {txt}  ({sum(p.width for p in ports)} bits)")
    print(f"  gates: {len(circuit.gates):,}   depth: {circuit.depth}")
    if circuit.registers:
        bits = circuit.n_state_bits
        print(f"  registers: {len(circuit.registers):,} ({bits:,} bit{'s' if bits > 1 else ''}"
              f"; one clock{f' {circuit.clock!r}' if circuit.clock else ''}, rising edge)")
        for r in circuit.registers[:20]:
            extra = [f"init {r.init}"] if r.init else []
            if r.reset is not None:
                extra.append(f"sync reset ({'active low' if not r.reset_active else 'active high'})"
                             f" to {r.reset_value}")
            if r.enable is not None:
                extra.append(f"enable{' (active low)' if not r.enable_active else ''}")
            if r.reset is not None and r.enable is not None:
                extra.append(f"{r.priority} has priority")
            size = f"[{r.width}]" if r.width > 1 else ""
            print(f"    {r.name}{size}" + (f"  {', '.join(extra)}" if extra else ""))
        if len(circuit.registers) > 20:
            print(f"    ... and {len(circuit.registers) - 20:,} more")
    print("  primitives:")
    counts = circuit.gate_counts()
    width = max(len(n) for n in counts) if counts else 4
    low = lower(circuit, store, train=False)
    for name, count in counts.items():
        tt = circuit.primitives[name]
        print(f"    {name:<{width}}  {count:>7,}  {tt.n_inputs}->{tt.n_outputs}  "
              f"{_net_state(low, name)}")
    if low.decomposed:
        print(f"  after decomposition: {len(low.circuit.gates):,} gates, depth "
              f"{low.circuit.depth}, {len(low.circuit.primitives)} distinct nets")
    return EXIT_OK


def _net_state(low, name: str) -> str:
    """How primitive ``name`` of ``low.source`` becomes nets, for ``info``."""
    if name in low.decomposed:
        leaves = low.nets_of(name)
        missing = sum(1 for n in leaves if n not in low.nets)
        tail = f", {missing} not trained yet" if missing else ""
        return f"{low.describe(name)}{tail}"
    net = low.nets.get(name)
    if net is None:
        return "not trained"
    cert = (f", certified at delta={net.delta:g}" if getattr(net, "delta", None)
            else ", not certified")
    return f"trained {net.arch}, max_err={net.max_err:.3g}{cert} (one net)"


# ----------------------------------------------------------------- train
def cmd_train(args) -> int:
    from .cluster import cluster_of

    with cluster_of(args) as cluster:
        return _train(args, cluster)


def _train(args, cluster) -> int:
    from ..compile.lower import lower
    from ..run.distributed import train_on

    trainer = train_on(cluster) if cluster is not None else None
    for path in args.circuits:
        args.circuit, args.sources = path, [path]
        circuit = _load(args)
        store = _store(args, circuit)
        start = time.perf_counter()
        low = lower(circuit, store, retrain=args.retrain, progress=_progress(args),
                    trainer=trainer)
        if sys.stderr.isatty():
            print("\r\033[K", end="", file=sys.stderr)
        took = time.perf_counter() - start
        n = len(circuit.primitives)
        print(f"{path}: {n} primitive{'s' if n != 1 else ''} ready ({took:.2f}s; "
              f"{_settings_text(store.settings)})")
        for name in circuit.primitives:
            if name in low.decomposed:
                print(f"  {name}: {low.describe(name)}")
            else:
                print(f"  {low.nets[name]!r}")
        _print_decomposition(low)
    return EXIT_OK


def _settings_text(settings) -> str:
    hidden = ",".join(map(str, settings.hidden_sizes))
    return (f"restarts {settings.restarts}, max epochs {settings.max_epochs}, hidden "
            f"{hidden}, delta {settings.delta:g}, seed {settings.seed}, budget "
            f"{settings.budget:g}" + ("" if settings.certify else ", uncertified"))


def _print_decomposition(low) -> None:
    """One line on what decomposition did to a circuit (nothing when nothing)."""
    if not low.decomposed:
        return
    single = [p for p in low.source.primitives if p not in low.decomposed]
    split = [p for p in low.source.primitives if p in low.decomposed]
    print(f"  {len(single)} primitive{'s' if len(single) != 1 else ''} as one net, "
          f"{len(split)} decomposed ({', '.join(f'{p}: {low.describe(p)}' for p in split)}); "
          f"{len(low.circuit.gates):,} gates run")


def cmd_models(args) -> int:
    store = _store(args)
    if args.clear:
        done = store.clear()
        print(f"removed {done.removed} model{'s' if done.removed != 1 else ''} from {store.root}")
        if done.left:
            print(f"left {len(done.left)} file{'s' if len(done.left) != 1 else ''} that "
                  "the store did not write:")
            for name in done.left[:_MAX_LISTED]:
                print(f"  {name}")
            if len(done.left) > _MAX_LISTED:
                print(f"  ... and {len(done.left) - _MAX_LISTED} more")
        return EXIT_OK
    entries = store.entries()
    print(f"{len(entries)} model{'s' if len(entries) != 1 else ''} in {store.root}")
    for e in entries:
        name = e.get("name") or "?"
        if "problem" in e:
            print(f"  {name:<10} unusable, will be retrained: {e['problem']}  {e['key'][:12]}")
            continue
        cert = f"delta={e['delta']:g}" if e["delta"] else "uncertified"
        print(f"  {name:<10} {e['arch']:<8} max_err={e['max_err']:.3g}  {cert}  {e['key'][:12]}")
    return EXIT_OK


_MAX_LISTED = 50


# ----------------------------------------------------------------- bench
def cmd_bench(args) -> int:
    from ..run.bench import EXACT, KERNEL, NUMPY, ONNX, measure, peak_rss_mb

    circuit = _load(args)
    sim = _session(args, circuit)
    repeats = args.repeats if args.repeats is not None else (3 if args.vectors <= 100_000 else 1)
    circuit = sim.circuit
    row = measure(circuit, sim.nets, args.vectors, repeats=repeats, seed=args.seed,
                  mode=args.mode)
    print(f"{circuit.name}: {len(circuit.gates):,} gates, depth {circuit.depth}, "
          f"{args.vectors:,} random vectors, median of {repeats}")
    print(f"  {'engine':<52} {'seconds':>10} {'gate-evals/s':>15} {'vs numpy':>9}")
    labels = {KERNEL: f"neural, fused kernel (C, {args.mode}, float32)",
              NUMPY: f"neural, numpy engine ({args.mode}, float32)",
              ONNX: f"onnxruntime ({args.mode}, float32)",
              EXACT: "exact reference (truth tables, not neural)"}
    for engine, label in labels.items():
        if engine not in row.seconds:
            why = ("pip install 'circuitnn[onnx]'" if engine == ONNX
                   else "no C compiler (cc, or set $CC) could build it")
            print(f"  {label:<52} not available: {why}")
            continue
        print(f"  {label:<52} {row.seconds[engine]:>10.4f} {row.rate(engine):>15,.0f} "
              f"{row.speedup(engine):>8.1f}x")
    if row.first_call_s is not None:
        print(f"  the kernel's first call (loading it) took {row.first_call_s:.2f} s")
    print(f"  peak RSS: {peak_rss_mb():.0f} MiB")
    return EXIT_OK


# ---------------------------------------------------------------- parser
def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser; with ``only``, with that subcommand's alone."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--store", metavar="DIR",
                        default=os.environ.get("CIRCUITNN_STORE"),
                        help="model store directory (default: $CIRCUITNN_STORE, else the "
                             "user cache directory)")
    common.add_argument("--debug", action="store_true", help="show tracebacks")
    common.add_argument("--uncertified", action="store_true",
                        help="accept nets that fit the truth table without the delta "
                             "certificate (analog results are then not guaranteed)")

    circ = argparse.ArgumentParser(add_help=False)
    circ.add_argument("circuit", nargs="+", action=_Sources, metavar="CIRCUIT",
                      help="netlist file (several .v/.sv files are read together)")
    circ.add_argument("--from", dest="from_", metavar="FORMAT",
                      help="netlist format, when the extension does not tell")
    circ.add_argument("--top", metavar="NAME", help="the circuit to use as top")
    circ.add_argument("--max-gates", type=_count, metavar="N",
                      help="refuse designs of more gates, flattened (default "
                           "$CIRCUITNN_MAX_GATES, else 5,000,000)")
    circ.add_argument("--max-bits", type=_count, metavar="N",
                      help="refuse designs of more signal bits, flattened (default "
                           "$CIRCUITNN_MAX_BITS, else 25,000,000)")

    training = argparse.ArgumentParser(add_help=False)
    tg = training.add_argument_group(
        "training settings", "override the netlist's 'train:' section and the defaults; "
        "nets are stored per settings (see docs/certification.md)")
    tg.add_argument("--restarts", metavar="N", help="candidate nets trained at once per "
                    "table (default 8)")
    tg.add_argument("--max-epochs", metavar="N", help="epochs per hidden size (default 2000)")
    tg.add_argument("--hidden", metavar="SIZES", help="hidden layer sizes tried in order, "
                    "e.g. 0,4,8,16 (0: no hidden layer; default "
                    "0,2,3,4,6,8,12,16,24,32,48,64)")
    tg.add_argument("--delta", metavar="D", help="certified margin, 0 <= D < 0.5 "
                    "(default 0.1)")
    tg.add_argument("--train-seed", metavar="S", help="seed of the initial weights "
                    "(default 0; --seed is the seed of --random vectors)")
    tg.add_argument("--budget", metavar="B", help="training effort per table before it is "
                    "decomposed into smaller ones (default 1e7, about a second)")

    mode = argparse.ArgumentParser(add_help=False)
    mode.add_argument("--mode", choices=("analog", "digital"), default="analog",
                      help="analog: pass sigmoid values between gates (default); digital: "
                           "threshold every gate output")

    p = _Parser(prog="circuitnn",
                description="Compile logic circuits into networks of trained neural nets.")
    p.add_argument("--version", action="version", version=f"circuitnn {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for names, add in _COMMANDS:
        if only is None or only in names:
            add(sub, common, circ, mode, training)
    from .examples import add_examples

    add_examples(sub)
    return p


def _add_run(sub, common, circ, mode, training) -> None:
    from .run import add_command

    add_command(sub, common, circ, mode, training)


def _add_sim(sub, common, circ, mode, training) -> None:
    from .sim import add_command

    add_command(sub, common, circ, mode)


def _add_verify(sub, common, circ, mode, training) -> None:
    from ..run.vectors import MAX_EXHAUSTIVE_BITS
    from .cluster import add_scheduler_option
    from .equiv import add_spec_options

    v = sub.add_parser("verify", parents=[common, circ, mode, training],
                       help="compare the neural engine with the exact reference")
    v.add_argument("--random", type=int, metavar="N",
                   help="N random vectors (default: exhaustive up to "
                        f"{MAX_EXHAUSTIVE_BITS} input bits, else 10000)")
    v.add_argument("--seed", type=_seed, default=0)
    v.add_argument("--cycles", type=_count, default=1000, metavar="N",
                   help="sequential circuits: random cycles per stream (default 1000)")
    v.add_argument("--streams", type=_count, default=1, metavar="N",
                   help="sequential circuits: independent random streams (default 1)")
    v.add_argument("--spec", metavar="B", help="also prove the circuit equivalent to the "
                   "netlist B by SAT, and print the chain neural = boolean = B")
    add_spec_options(v.add_argument_group("with --spec"), seed=False)
    add_scheduler_option(v)
    v.set_defaults(func=cmd_verify)


def _add_test(sub, common, circ, mode, training) -> None:
    from .test import add_command

    add_command(sub, common, mode, training)


def _add_info(sub, common, circ, mode, training) -> None:
    i = sub.add_parser("info", parents=[common, circ, training],
                       help="ports, gate counts, depth and primitives of a circuit")
    i.set_defaults(func=cmd_info)


def _add_train(sub, common, circ, mode, training) -> None:
    from .cluster import add_scheduler_option

    tr = sub.add_parser("train", parents=[common, training],
                        help="train (or load) the nets a circuit needs")
    tr.add_argument("circuits", nargs="+", metavar="CIRCUIT")
    tr.add_argument("--retrain", action="store_true", help="train again even if stored")
    tr.add_argument("--from", dest="from_", metavar="FORMAT")
    add_scheduler_option(tr)
    tr.set_defaults(func=cmd_train)


def _add_models(sub, common, circ, mode, training) -> None:
    m = sub.add_parser("models", parents=[common], help="list the trained models")
    m.add_argument("--clear", action="store_true",
                   help="remove every model (only files the store wrote; others are listed)")
    m.set_defaults(func=cmd_models)


def _add_bench(sub, common, circ, mode, training) -> None:
    b = sub.add_parser("bench", parents=[common, circ, mode, training],
                       help="measure the neural kernel, numpy and exact engines side by side")
    b.add_argument("--vectors", type=_count, default=10_000, metavar="N",
                   help="random vectors per run (default 10000)")
    b.add_argument("--repeats", type=_count, metavar="R", help="runs per engine (median)")
    b.add_argument("--seed", type=_seed, default=0)
    b.set_defaults(func=cmd_bench)


def _add_convert(sub, common, circ, mode, training) -> None:
    from .convert import add_commands

    add_commands(sub, common, circ, mode)


def _add_equiv(sub, common, circ, mode, training) -> None:
    from .equiv import add_command

    add_command(sub, common)


#: Each subcommand's name(s) and the function that adds its parser, in the
#: order ``--help`` lists them.  A command line naming one builds only that
#: one's parser: building all of them took a third of a small run's start.
_COMMANDS = ((("run",), _add_run), (("sim",), _add_sim), (("verify",), _add_verify),
             (("test",), _add_test), (("info",), _add_info), (("train",), _add_train),
             (("models",), _add_models), (("bench",), _add_bench),
             (("convert", "graph"), _add_convert), (("equiv",), _add_equiv))


def _command_of(argv: list[str]) -> str | None:
    """The subcommand ``argv`` names, if it is one (the top level takes no
    option with a value, so it is the first word that is not an option)."""
    word = next((a for a in argv if not a.startswith("-")), None)
    return word if any(word in names for names, _ in _COMMANDS) else None


def _more_sources(args, extra: list[str]) -> bool:
    """Whether the words argparse left over are more Verilog sources (argparse
    takes one run of CIRCUIT... words, so files after an option are left over)."""
    sources = getattr(args, "sources", None)
    return bool(sources) and all(
        os.path.splitext(w)[1].lower() in (".v", ".sv") and not w.startswith("-")
        for w in [sources[0], *extra])


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"warning: {getattr(message, 'cli_message', None) or message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    # Before numpy's first import: OpenBLAS would start a thread per core,
    # which costs ~80 ms of a short run's start-up and buys nothing here (the
    # kernel runs its own threads, training limits BLAS to one thread, and
    # the numpy engine's small matrix products measured no faster with more).
    # A value the user set is kept.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(_command_of(argv))
    args, extra = parser.parse_known_args(argv)
    if extra and _more_sources(args, extra):
        args.sources += extra  # `run a.v --top t b.v`: Verilog files on both sides of options
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        with warnings.catch_warnings():
            # library warnings (an unusable store entry...) as one line each,
            # for this command only: catch_warnings puts the hook back after
            warnings.showwarning = _show_warning
            with contextlib.redirect_stdout(_Stdout(sys.stdout)) as out:
                code = args.func(args)
                out.flush()  # here, so that a full disk is reported, not lost at exit
            return code
    except CircuitError as e:
        if args.debug:
            raise
        print(f"error: {e.cli_text()}", file=sys.stderr)
        return EXIT_USAGE
    except InternalError as e:
        if args.debug:
            raise
        print(f"error: {e} (run with --debug for the traceback)", file=sys.stderr)
        return EXIT_BUG
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return EXIT_OK



class _Guard:
    """A stream whose failed writes (a full disk, /dev/full) are one UsageError;
    its file is then pointed at /dev/null so that the exit does not fail on it
    again.  A closed pipe (``| head``) stays a BrokenPipeError."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, data):
        return self._guard(self._stream.write, data)

    def flush(self) -> None:
        self._guard(self._stream.flush)

    def fileno(self) -> int:
        return self._stream.fileno()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def __getattr__(self, name):
        return getattr(self._stream, name)

    def _guard(self, fn, *args):
        try:
            return fn(*args)
        except BrokenPipeError:
            raise
        except OSError as e:
            with contextlib.suppress(OSError, ValueError, AttributeError):
                null = os.open(os.devnull, os.O_WRONLY)
                os.dup2(null, self._stream.fileno())
                os.close(null)
            raise UsageError(f"cannot write to standard output: {e.strerror or e}") from None


class _Stdout(_Guard, io.TextIOBase):
    """:class:`_Guard` for standard output, a text stream, and its byte buffer."""

    @property
    def encoding(self):
        return self._stream.encoding

    @property
    def errors(self):
        return self._stream.errors

    @property
    def buffer(self):
        return _Guard(self._stream.buffer)

    def close(self) -> None:
        """Closing the guard leaves standard output open."""


if __name__ == "__main__":
    sys.exit(main())
