"""``circuitnn test``: compile every named netlist and check its embedded tests.

Every file is compiled, whether or not it has tests, and every file gets a
line in the report; a broken file or a broken test vector is reported with
its ``file:line`` and the run goes on to the rest, so the summary always
comes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import CircuitError, UsageError, show_int, show_mismatch

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2

EXAMPLES = """\
examples:
  circuitnn test circuits/                 every YAML netlist under circuits/
  circuitnn test adder.yaml mux.blif       compile both; check adder.yaml's tests
  circuitnn test --strict circuits/        a file without tests fails too
  circuitnn test adder.yaml --hidden 8 --max-epochs 500
                                           nets trained with these settings
"""


def _netlist_files(paths):
    from ..read import EXTENSIONS

    for p in paths:
        path = Path(p)
        if path.is_dir():
            # only YAML carries embedded tests; other netlists in a directory
            # (or JSON files that are not netlists) are left to be named
            yield from sorted(f for f in path.rglob("*") if f.suffix in (".yaml", ".yml"))
        elif path.exists() or path.suffix in EXTENSIONS:
            yield path
        else:
            raise UsageError(f"{p}: no such file or directory")


def _check_module(design, name, mod, store, mode, out, budget=None) -> tuple[int, int, int]:
    """Run one module's tests in one batch: (passed, failed, bad vectors)."""
    import numpy as np

    from ..compile import compile_design
    from ..ir.records import TestSequence
    from ..run.session import Session
    from . import _print_warnings, _progress

    circuit = compile_design(design, top=name, budget=budget)
    _print_warnings(circuit)
    ins = {p.name: p.width for p in circuit.inputs}
    outs = {p.name: p.width for p in circuit.outputs}
    good, bad = [], 0
    sequences = [tv for tv in mod.tests if isinstance(tv, TestSequence) or circuit.sequential]
    seq_passed = seq_failed = 0
    if sequences:
        sim = Session.from_store(circuit, store, mode=mode, progress=_progress(None))
        for tv in sequences:
            try:
                fail = _run_sequence(sim, tv, name)
            except CircuitError as e:
                print(f"ERROR {e.cli_text()}", file=out)
                bad += 1
                continue
            if fail:
                print(fail, file=out)
                seq_failed += 1
            else:
                seq_passed += 1
    for tv in mod.tests:
        if isinstance(tv, TestSequence) or circuit.sequential:
            continue
        values = dict(tv.values)
        problem = next((f"test names {k!r}, which is not a port of {name!r} (ports: "
                        f"{', '.join([*ins, *outs])})" for k in values
                        if k not in ins and k not in outs), None)
        problem = problem or next((f"test does not set input {k!r}" for k in ins
                                   if k not in values), None)
        problem = problem or next(
            (f"test value {show_int(v)} for {k!r} does not fit its {w} bit"
             f"{'s' if w > 1 else ''}"
             for k, v in values.items() for w in [ins.get(k) or outs.get(k)] if v >> w),
            None)
        if problem:
            print(f"ERROR {tv.loc}: {problem}", file=out)
            bad += 1
        else:
            good.append(tv)
    if not good:
        return seq_passed, seq_failed, bad
    sim = Session.from_store(circuit, store, mode=mode, progress=_progress(None))
    got = sim.run(**{k: [dict(tv.values)[k] for tv in good] for k in ins}).output_values()
    failed = 0
    for i, tv in enumerate(good):
        values = dict(tv.values)
        wrong = {k: int(np.asarray(got[k])[i]) for k, v in values.items()
                 if k in outs and int(np.asarray(got[k])[i]) != v}
        if wrong:
            failed += 1
            print(f"FAIL {tv.loc}: {_expected_got(values, wrong)}", file=out)
    return len(good) - failed + seq_passed, failed + seq_failed, bad


def _run_sequence(sim, test, name: str) -> str | None:
    """Run an embedded cycle sequence from the initial state; a FAIL line, or
    None.  An input a cycle leaves out keeps its previous value (0 at first);
    an output it leaves out is not checked."""
    from ..ir.records import TestSequence

    cycles = test.cycles if isinstance(test, TestSequence) else (test,)
    ins = {p.name: 0 for p in sim.circuit.inputs}
    outs = {p.name for p in sim.circuit.outputs}
    rows = []
    for cyc in cycles:
        for k, v in cyc.values:
            if k not in ins and k not in outs:
                raise UsageError(f"test names {k!r}, which is not a port of {name!r}",
                                 cyc.loc)
            if k in ins:
                ins[k] = v
        rows.append(dict(ins))
    got = sim.sim(**{k: [r[k] for r in rows] for k in ins}, cycles=len(rows))
    for k, cyc in enumerate(cycles):
        bad = {p: int(got[p][k]) for p, v in cyc.values if p in outs and int(got[p][k]) != v}
        if bad:
            return f"FAIL {cyc.loc}: cycle {k}: {_expected_got(dict(cyc.values), bad)}"
    return None


def _expected_got(want: dict, got: dict) -> str:
    """``expected p=want, got p=got`` for the ports in ``got`` (wide values
    abbreviated, :func:`~circuitnn.errors.show_mismatch`)."""
    shown = [show_mismatch(p, want[p], v) for p, v in got.items()]
    return (f"expected {', '.join(w for w, _ in shown)}, "
            f"got {', '.join(g for _, g in shown)}")


def cmd_test(args) -> int:
    """Compile every file; check the tests of the circuits each file defines."""
    from ..compile import compile_design
    from ..read import read_design
    from . import _budget, _store, _yosys_cache

    out = sys.stdout
    _store(args)  # a bad training option is one error, before any file
    passed = failed = broken = untested = 0
    for path in _netlist_files(args.paths):
        try:
            design = read_design(path, yosys_cache=_yosys_cache(args), budget=_budget(args))
            # each file's own train: section, then the command line's options
            store = _store(args, design)
            own = {name: mod for name, mod in design.modules.items()
                   if mod.tests and (mod.loc is None or mod.loc.file == str(path))}
            if design.top not in own:
                # the top is compiled even without tests, so a broken file never passes
                compile_design(design, top=design.top, budget=_budget(args))
            counts = [_check_module(design, n, m, store, args.mode, out, _budget(args))
                      for n, m in own.items()]
        except CircuitError as e:
            broken += 1
            print(f"ERROR {e.cli_text()}", file=out)
            continue
        p, f, b = (sum(c[i] for c in counts) for i in range(3))
        passed, failed, broken = passed + p, failed + f, broken + b
        if not own:
            untested += 1
            print(f"{'FAIL' if args.strict else 'note'} {path}: compiles, has no tests")
        else:
            n = p + f + b
            print(f"{path}: {n} test vector{'s' if n != 1 else ''} checked")
    summary = f"{passed} passed, {failed} failed"
    if broken:
        summary += f", {broken} error{'s' if broken != 1 else ''}"
    if untested:
        summary += (f"; {untested} file{'s' if untested != 1 else ''} without tests"
                    + (" (--strict: failed)" if args.strict else ""))
    print(summary)
    if broken:
        return EXIT_USAGE
    return EXIT_FAIL if failed or (args.strict and untested) else EXIT_OK


def add_command(sub, common, mode, training) -> None:
    """The ``test`` subcommand (``training``: the training settings' options,
    shared with run, verify and train)."""
    import argparse

    t = sub.add_parser("test", parents=[common, mode, training],
                       help="compile netlists and check the test vectors embedded in them",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    t.add_argument("paths", nargs="+", metavar="PATH", help="netlist files or directories "
                   "(a directory: every .yaml/.yml file under it)")
    t.add_argument("--strict", action="store_true",
                   help="a file without embedded tests fails")
    t.set_defaults(func=cmd_test)
