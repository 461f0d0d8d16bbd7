"""Train every standard primitive with seeds 0..N-1; print failures and timing.

Run: python benchmarks/sweep_seeds.py [--seeds 100] [--max-inputs 9] [--skip NAME ...]
                                      [--jobs 2] [--delta 0.1]
     python benchmarks/sweep_seeds.py --certified 0.05 0.1 0.2   (seed 0 only:
         how many primitives certify at each delta)
"""

import argparse
import time
from concurrent.futures import ProcessPoolExecutor

from circuitnn.ir.primitives import STANDARD
from circuitnn.nn import TrainingError, TrainSettings, train


def _run(job: tuple[str, int, float]) -> tuple[str, int, bool, float]:
    name, seed, delta = job
    t = time.perf_counter()
    try:
        train(STANDARD[name], TrainSettings(seed=seed, delta=delta))
        ok = True
    except TrainingError:
        ok = False
    return name, seed, ok, time.perf_counter() - t


def _certified(names: list[str], deltas: list[float]) -> None:
    for delta in deltas:
        t = time.perf_counter()
        bad = []
        for name in names:
            try:
                net = train(STANDARD[name], TrainSettings(delta=delta))
                if net.delta is None:
                    bad.append(name)
            except TrainingError:
                bad.append(name)
        print(f"delta={delta}: {len(names) - len(bad)}/{len(names)} certified "
              f"({time.perf_counter() - t:.1f} s)" + (f"; not: {' '.join(bad)}" if bad else ""),
              flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--max-inputs", type=int, default=9)
    ap.add_argument("--skip", nargs="*", default=[])
    ap.add_argument("--jobs", type=int, default=1, help="worker processes")
    ap.add_argument("--delta", type=float, default=TrainSettings().delta)
    ap.add_argument("--certified", type=float, nargs="*", metavar="DELTA",
                    help="only count certified primitives (seed 0) at each DELTA")
    args = ap.parse_args()
    names = [n for n, t in STANDARD.items()
             if t.n_inputs <= args.max_inputs and n not in args.skip]
    if args.certified:
        _certified(names, args.certified)
        return
    jobs = [(name, seed, args.delta) for name in names for seed in range(args.seeds)]
    per_name: dict[str, float] = dict.fromkeys(names, 0.0)
    failures: list[tuple[str, int]] = []
    t0 = time.perf_counter()
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            results = list(pool.map(_run, jobs, chunksize=20))
    else:
        results = map(_run, jobs)
    for name, seed, ok, seconds in results:
        per_name[name] += seconds
        if not ok:
            failures.append((name, seed))
    total = time.perf_counter() - t0
    for name in names:
        print(f"{name:<8}{per_name[name]:8.2f} s")
    print(f"{len(names)} primitives x {args.seeds} seeds: {len(failures)} failures, "
          f"{total:.1f} s wall ({args.jobs} jobs)")
    for name, seed in failures[:20]:
        print(f"  failed: {name} seed {seed}")


if __name__ == "__main__":
    main()
