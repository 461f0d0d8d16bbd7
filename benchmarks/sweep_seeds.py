"""Train every standard primitive with seeds 0..N-1; print failures and timing.

Run: python benchmarks/sweep_seeds.py [--seeds 100] [--max-inputs 9] [--skip NAME ...]
"""

import argparse
import time

from circuitnn.nn import TrainingError, TrainSettings, train
from circuitnn.primitives import STANDARD


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--max-inputs", type=int, default=9)
    ap.add_argument("--skip", nargs="*", default=[])
    args = ap.parse_args()
    names = [n for n, t in STANDARD.items()
             if t.n_inputs <= args.max_inputs and n not in args.skip]
    failures: list[tuple[str, int]] = []
    t0 = time.perf_counter()
    for name in names:
        t = time.perf_counter()
        for seed in range(args.seeds):
            try:
                train(STANDARD[name], TrainSettings(seed=seed))
            except TrainingError:
                failures.append((name, seed))
        print(f"{name:<8}{time.perf_counter() - t:8.2f} s", flush=True)
    total = time.perf_counter() - t0
    print(f"{len(names)} primitives x {args.seeds} seeds: {len(failures)} failures, "
          f"{total:.1f} s")
    for name, seed in failures[:20]:
        print(f"  failed: {name} seed {seed}")


if __name__ == "__main__":
    main()
