"""``circuitnn run CIRCUIT --check expected.csv``: a golden-file check."""

from __future__ import annotations

import sys

from ..errors import UsageError, show_int, show_mismatch


def check_command(args, circuit) -> int:
    """Drive the golden CSV's inputs, compare its outputs; exit 1 showing the
    differences."""
    from ..run.golden import check_expected, read_expected
    from . import EXIT_FAIL, EXIT_OK, _session

    others = [o for o in ("set", "vectors", "random", "output", "format") if getattr(args, o)]
    if getattr(args, "radix", "dec") != "dec":  # the report is not a table: it would be ignored
        others.append("radix")
    if others:
        raise UsageError(f"--check takes its vectors from the golden file and prints a "
                         f"report; drop {' and '.join('--' + o for o in others)}")
    inputs, expected = read_expected(args.check, circuit)
    sim = _session(args, circuit)
    report = check_expected(sim, inputs, expected)
    checked = ", ".join(expected)
    if report.ok:
        print(f"{args.check}: {report.rows:,} vector{'s' if report.rows != 1 else ''} "
              f"match ({checked}; neural, {args.mode})")
        return EXIT_OK
    for row, ins, diff in report.differences:
        given = " ".join(f"{k}={show_int(v)}" for k, v in ins.items())
        shown = {k: show_mismatch(k, w, g) for k, (w, g) in diff.items()}
        what = ", ".join(f"{k} expected {w[len(k) + 1:]}, got {g[len(k) + 1:]}"
                         for k, (w, g) in shown.items())
        print(f"row {row + 1}: {given}: {what}")
    more = report.n_different - len(report.differences)
    if more:
        print(f"... and {more:,} more")
    print(f"{args.check}: {report.n_different:,} of {report.rows:,} vectors differ "
          f"({checked}; neural, {args.mode})", file=sys.stdout)
    return EXIT_FAIL
