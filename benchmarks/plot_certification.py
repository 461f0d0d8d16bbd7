"""Certified nets against merely accurate ones: worst deviation against depth.

Trains three sets of nets for the same gates: certified at delta=0.1 (the
default), accurate (``certify=False``: every row within 0.1 of its target,
no certificate) and merely right (every row within 0.45: thresholding gives
the right bit, nothing more). Runs chains of alternating XOR, XNOR and BUF
gates and ripple-carry adders of growing depth in analog mode, and records
the worst deviation of any internal signal from its exact value, and the
number of mismatching output vectors. Prints a table and saves
``docs/certification_depth.png`` (needs matplotlib: ``pip install -e '.[plot]'``).

Run: ``python benchmarks/plot_certification.py``
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_certification import CHAIN  # noqa: E402

from circuitnn.compile import compile_design  # noqa: E402
from circuitnn.nn import TrainSettings  # noqa: E402
from circuitnn.read.yaml import loads_yaml  # noqa: E402
from circuitnn.run.exact import ExactEngine  # noqa: E402
from circuitnn.run.neural import NeuralEngine  # noqa: E402
from circuitnn.run.session import train_nets  # noqa: E402
from circuitnn.run.vectors import random_vectors  # noqa: E402
from circuitnn.store import ModelStore  # noqa: E402

ADDER = """
circuits:
  fa:
    inputs: [a, b, cin]
    outputs: [s, cout]
    gates:
      - {{name: x1, type: XOR, in: [a, b], out: p}}
      - {{name: x2, type: XOR, in: [p, cin], out: s}}
      - {{name: a1, type: AND, in: [a, b], out: g}}
      - {{name: a2, type: AND, in: [p, cin], out: k}}
      - {{name: o1, type: OR, in: [g, k], out: cout}}
  rca:
    inputs: {{a: {n}, b: {n}, cin: 1}}
    outputs: {{s: {n}, cout: 1}}
    gates:
      - {{name: f, type: fa, repeat: {n}, chain: {{cout: cin}},
         ports: {{a: "a[{{i}}]", b: "b[{{i}}]", s: "s[{{i}}]", cin: cin, cout: cout}}}}
top: rca
"""


def worst(circuit, nets, n_vectors=200):
    bits = random_vectors(circuit, n_vectors, seed=0)
    analog, every = NeuralEngine(circuit, nets, keep_all=True).run(bits, probe=True)
    exact, every_exact = ExactEngine(circuit, keep_all=True).run(bits, probe=True)
    dev = float(np.abs(every[2:] - every_exact[2:]).max())
    wrong = int(((analog > 0.5) != exact).any(axis=0).sum())
    return dev, wrong


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="circuitnn-cert-"))
    stores = {
        "certified (delta=0.1)": ModelStore(tmp / "certified"),
        "accurate (tol 0.1)": ModelStore(tmp / "accurate", TrainSettings(certify=False)),
        "rows right (tol 0.45)": ModelStore(
            tmp / "barely", TrainSettings(certify=False, tolerance=0.45)),
    }
    families = {
        "XOR/XNOR/BUF chain": [(CHAIN.format(n=n, last=3 * n)) for n in
                               (3, 10, 33, 100, 333, 1000, 3334)],
        "ripple-carry adder": [ADDER.format(n=n) for n in (2, 8, 32, 128, 256)],
    }
    rows = []
    for label, store in stores.items():
        t = time.perf_counter()
        for family, texts in families.items():
            for text in texts:
                c = compile_design(loads_yaml(text, "gen.yaml"))
                nets = train_nets(c, store)
                dev, wrong = worst(c, nets)
                rows.append((label, family, c.depth, len(c.gates), dev, wrong))
                print(f"{label:<22} {family:<20} depth {c.depth:>6} gates {len(c.gates):>6} "
                      f"worst deviation {dev:.4f} mismatching vectors {wrong}/200", flush=True)
        print(f"  ({time.perf_counter() - t:.1f} s including training)")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed; no plot (pip install -e '.[plot]')")
        return
    fig, ax = plt.subplots(figsize=(7, 4.2))
    styles = dict(zip(stores, ("o-", "s--", "^:")))
    for label in stores:
        for family, colour in zip(families, ("tab:blue", "tab:orange")):
            pts = [(d, dev) for lab, fam, d, _, dev, _ in rows if lab == label and fam == family]
            ax.plot(*zip(*pts), styles[label], color=colour, label=f"{label}, {family}")
    ax.axhline(0.1, color="grey", lw=0.8, ls=":")
    ax.axhline(0.5, color="red", lw=0.8, ls=":")
    ax.text(0.99, 0.105, "delta = 0.1", color="grey", fontsize=8, ha="right",
            transform=ax.get_yaxis_transform())
    ax.text(0.99, 0.51, "0.5: a bit flips", color="red", fontsize=8, ha="right",
            transform=ax.get_yaxis_transform())
    ax.set_xscale("log")
    ax.set_xlabel("circuit depth (gates on the longest path)")
    ax.set_ylabel("worst |analog - exact| of any signal")
    ax.set_ylim(0, 1)
    ax.set_title("Analog propagation: certified against merely accurate gate nets")
    ax.legend(fontsize=7, loc="upper left", ncol=2)
    fig.tight_layout()
    out = ROOT / "docs" / "certification_depth.png"
    fig.savefig(out, dpi=110)
    print(f"saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
