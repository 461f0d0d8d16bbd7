"""The long fuzzing run: the strategies of tests/test_fuzz.py, many more cases.

    python benchmarks/fuzz_long.py                  # 100,000+ cases, all targets
    python benchmarks/fuzz_long.py --cases 2000     # a quick look
    python benchmarks/fuzz_long.py --targets json,csv --seed 7 --jobs 2

Prints, per target, the cases run, how many were accepted and refused (with a
CircuitError naming the file), failures (anything else escaping, a refusal
without a file, a case slower than the time limit, a valid netlist the exact
engine evaluates differently from the oracle), the slowest case and the
time.  Failures are printed with their input; the exit code is 1 if any.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import fuzz_strategies as fs  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import seed as hseed  # noqa: E402

#: target -> share of the cases
TARGETS = {
    "yaml-valid": 0.08, "bench-valid": 0.08, "blif-valid": 0.08,
    "yaml-mutated": 0.16, "bench-mutated": 0.16, "blif-mutated": 0.16,
    "yaml-deep": 0.02, "json": 0.14, "csv": 0.12,
}


def _strategy_and_check(target: str, tmp: str):
    if target.endswith("-valid"):
        fmt = target.split("-")[0]

        def check(case):
            spec, text = case
            fs.check_valid(fmt, spec, text, tmp)
            return True
        return fs.valid_netlists(fmt), check
    if target.endswith("-mutated"):
        return fs.mutated(target.split("-")[0]), lambda c: fs.check_input(*c, tmp).accepted
    if target == "yaml-deep":
        return fs.deep_yaml(), lambda c: fs.check_input(*c, tmp).accepted
    if target == "json":
        return fs.json_docs(), lambda c: fs.check_input(*c, tmp).accepted
    if target == "csv":
        from circuitnn.compile import compile_design
        from circuitnn.read.yaml import loads_yaml

        circuit = compile_design(loads_yaml(fs.CSV_CIRCUIT, "vectors.yaml"))
        return fs.csv_files(), lambda c: fs.check_csv(c[1], circuit, tmp).accepted
    raise SystemExit(f"unknown target {target!r}; targets are {', '.join(TARGETS)}")


def run_target(job: tuple[str, int, int]) -> dict:
    target, n, seed = job
    stats = {"target": target, "cases": 0, "accepted": 0, "refused": 0, "failures": [],
             "slowest": 0.0, "seconds": 0.0}
    with tempfile.TemporaryDirectory() as tmp:
        strategy, check = _strategy_and_check(target, tmp)

        @hseed(seed)
        @settings(max_examples=n, deadline=None, database=None, derandomize=False,
                  phases=[Phase.generate], suppress_health_check=list(HealthCheck))
        @given(strategy)
        def body(case):
            t = time.perf_counter()
            try:
                ok = check(case)
            except (fs.FuzzFailure, AssertionError) as e:
                stats["failures"].append(str(e)[:3000])
                ok = None
            stats["cases"] += 1
            stats["slowest"] = max(stats["slowest"], time.perf_counter() - t)
            if ok is True:
                stats["accepted"] += 1
            elif ok is False:
                stats["refused"] += 1

        start = time.perf_counter()
        body()
        stats["seconds"] = time.perf_counter() - start
    return stats


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=100_000, help="total cases (default 100000)")
    ap.add_argument("--targets", default=",".join(TARGETS),
                    help=f"comma-separated, from {', '.join(TARGETS)}")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=max(1, min(4, mp.cpu_count())))
    ap.add_argument("--chunk", type=int, default=2000,
                    help="cases per hypothesis run (each run has its own seed)")
    args = ap.parse_args(argv)
    targets = [t for t in args.targets.split(",") if t]
    share = sum(TARGETS.get(t, 0.1) for t in targets)
    jobs = []
    for t in targets:
        n = max(1, round(args.cases * TARGETS.get(t, 0.1) / share))
        for k, lo in enumerate(range(0, n, args.chunk)):
            jobs.append((t, min(args.chunk, n - lo), args.seed * 1000 + k))
    start = time.perf_counter()
    totals: dict[str, dict] = {}
    with mp.Pool(args.jobs) as pool:
        for st in pool.imap_unordered(run_target, jobs):
            tot = totals.setdefault(st["target"], {"cases": 0, "accepted": 0, "refused": 0,
                                                   "failures": [], "slowest": 0.0,
                                                   "seconds": 0.0})
            for key in ("cases", "accepted", "refused", "seconds"):
                tot[key] += st[key]
            tot["failures"] += st["failures"]
            tot["slowest"] = max(tot["slowest"], st["slowest"])
            done = sum(v["cases"] for v in totals.values())
            print(f"  ... {st['target']}: +{st['cases']} ({done:,} done, "
                  f"{time.perf_counter() - start:.0f}s)", file=sys.stderr, flush=True)
    wall = time.perf_counter() - start
    print(f"{'target':<15} {'cases':>8} {'accepted':>9} {'refused':>8} {'failures':>9} "
          f"{'slowest':>8} {'cpu-s':>8}")
    n_fail = 0
    for t in targets:
        v = totals.get(t)
        if v is None:
            continue
        n_fail += len(v["failures"])
        print(f"{t:<15} {v['cases']:>8,} {v['accepted']:>9,} {v['refused']:>8,} "
              f"{len(v['failures']):>9} {v['slowest']:>7.2f}s {v['seconds']:>8.0f}")
    total = sum(v["cases"] for v in totals.values())
    print(f"{'total':<15} {total:>8,}   failures: {n_fail}   wall time: {wall:.0f}s "
          f"({args.jobs} jobs)")
    for t, v in totals.items():
        for f in v["failures"][:5]:
            print(f"\nFAILURE [{t}]\n{f}")
    return 1 if n_fail else 0


if __name__ == "__main__":
    sys.exit(main())
