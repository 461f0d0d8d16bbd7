"""Train the standard library into an empty store, load it warm, and compare
with the notebook's own method (one XOR 2-2-1, 10,000 epochs of per-row loss).

Run: python benchmarks/bench_training.py [--skip NAME ...]
"""

import argparse
import tempfile
import time

import numpy as np

from circuitnn.ir.primitives import STANDARD
from circuitnn.nn import notebook_nets
from circuitnn.store import ModelStore


def notebook_xor_seconds() -> float:
    """The notebook's XOR cells 49 and 55 verbatim in spirit: lrt = 1, 10,000 epochs."""
    net = notebook_nets()["XOR"]
    w1, w2 = (W.copy() for W in net.weights)
    b1, b2 = (b.copy() for b in net.biases)
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    y = np.array([0, 1, 1, 0])

    def sig(x):
        return 1 / (1 + np.exp(-x))

    def forward(x):
        s1 = np.dot(x, w1) + b1
        z1 = sig(s1)
        s2 = np.dot(z1, w2) + b2
        return sig(s2), s2, z1, s1

    def loss():
        total = 0
        for y_true, y_pred in zip(y, forward(X)[0]):  # the notebook's per-row loop
            total += 0.5 * (y_true - y_pred) ** 2
        return total[0]

    t = time.perf_counter()
    for _ in range(10000):
        y_pred, s2, z1, s1 = forward(X)
        d2 = (y_pred.reshape(y.shape) - y) * (sig(s2) * (1 - sig(s2))).reshape(y.shape)
        dw2 = np.dot(z1.T, d2).reshape(w2.shape)
        d1 = np.tensordot(d2, w2.T, axes=0).reshape(z1.shape) * sig(s1) * (1 - sig(s1))
        w1 -= np.dot(X.T, d1)
        w2 -= dw2
        b1 -= d1.sum(axis=0)
        b2 -= d2.sum(axis=0)
        loss()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--skip", nargs="*", default=[], help="primitives to leave out")
    args = ap.parse_args()
    tts = [t for n, t in STANDARD.items() if n not in args.skip]
    with tempfile.TemporaryDirectory() as root:
        t = time.perf_counter()
        nets = ModelStore(root).get_or_train_many(tts)
        cold = time.perf_counter() - t
        warm_store = ModelStore(root)
        t = time.perf_counter()
        warm_store.get_or_train_many(tts)
        warm = time.perf_counter() - t
        assert warm_store.trained == 0
    nb = notebook_xor_seconds()
    certified = sum(n.delta is not None for n in nets)
    print(f"{'what':<52}{'seconds':>10}")
    print(f"{f'train {len(tts)} primitives into an empty store':<52}{cold:>10.3f}")
    print(f"{'notebook method: one XOR 2-2-1, 10,000 epochs':<52}{nb:>10.3f}")
    print(f"{f'load {len(tts)} primitives from the warm store':<52}{warm:>10.3f}")
    print(f"certified at delta=0.1: {certified}/{len(tts)}")
    slow = sorted(nets, key=lambda n: -n.seconds)[:5]
    print("slowest:", ", ".join(f"{n.name} {n.arch} {n.seconds:.2f}s" for n in slow))


if __name__ == "__main__":
    main()
