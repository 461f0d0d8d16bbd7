"""What re-proving every loaded net costs, for a design with thousands of distinct nets.

The store re-checks every net it loads against the truth table it is needed
for (every row within tolerance, the delta certificate re-proved), batched by
net shape and at most once per net per process.  This script builds a store
of N distinct 4-input functions plus all 254 non-constant 3-input ones, and
a BLIF design that uses every one of them, then prints side by side:

* read: reading, checksumming and unpacking every entry (what loading cost
  before the re-proof; the baseline);
* proof, batched: :func:`circuitnn.nn.certify.prove_many` over every net;
* proof, one net at a time: ``net.forward`` and ``certified_margin`` per net,
  the unbatched way, for scale;
* get_many, first and second call in one process (the second finds every
  net proved already);
* the whole ``Simulator`` for the design (compile, load, prove) and one run
  of 10,000 vectors through it.

The 3-input nets are trained; the 4-input ones are built (one hidden unit per
1-row, an OR at the output) because training thousands of random 4-input
functions takes about 20 minutes here.  They are checked to prove like
trained ones; the cost of a proof depends only on the nets' shapes.

Run: ``python benchmarks/bench_store_proof.py [--nets 3000]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import circuitnn.store as store_mod  # noqa: E402
from circuitnn.ir.truthtable import TruthTable  # noqa: E402
from circuitnn.nn import GateNet, certified_margin, train_many  # noqa: E402
from circuitnn.nn.certify import prove_many  # noqa: E402
from circuitnn.read import load_circuit  # noqa: E402
from circuitnn.run.session import Simulator  # noqa: E402
from circuitnn.store import ModelStore  # noqa: E402


def table(k: int, f: int) -> TruthTable:
    rows = np.array([[(f >> r) & 1] for r in range(1 << k)], dtype=np.uint8)
    return TruthTable(tuple(f"i{j}" for j in range(k)), ("y",), rows, name=f"f{k}_{f:x}")


def minterm_net(tt: TruthTable) -> GateNet:
    """One hidden unit per 1-row (certifiable while 2*k*delta < 1), OR at the output."""
    X = tt.input_matrix().astype(float)
    ones = X[tt.table[:, 0] == 1]
    W1 = 60.0 * (2 * ones.T - 1)
    b1 = -60.0 * (ones.sum(axis=1) - 0.5)
    W2 = np.full((len(ones), 1), 20.0)
    return GateNet([W1, W2], [b1, np.array([-10.0])], name=tt.name, max_err=0.0, delta=0.1)


def blif(tts: list[TruthTable], n_inputs: int = 16, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    signals = [f"x{i}" for i in range(n_inputs)]
    lines = [".model many_luts", ".inputs " + " ".join(signals)]
    body = []
    for g, tt in enumerate(tts):
        ins = rng.choice(len(signals), tt.n_inputs, replace=False)
        body.append(".names " + " ".join(signals[i] for i in ins) + f" g{g}")
        for row, bits in zip(tt.input_matrix(), tt.table[:, 0]):
            if bits:
                body.append("".join(str(int(b)) for b in row) + " 1")
        signals.append(f"g{g}")
    lines.append(".outputs " + " ".join(signals[-16:]))
    return "\n".join(lines + body + [".end", ""])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nets", type=int, default=3000, help="distinct 4-input functions")
    args = ap.parse_args()
    rng = np.random.default_rng(1)
    fours = [table(4, int(f)) for f in rng.choice(np.arange(1, 0xFFFF), args.nets, replace=False)]
    threes = [table(3, f) for f in range(1, 255)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "many_luts.blif"
        path.write_text(blif(threes + fours))
        t = time.perf_counter()
        circuit = load_circuit(path)
        compile_s = time.perf_counter() - t
        # the tables as the reader made them (it drops inputs a function ignores)
        tts = list(circuit.primitives.values())
        small = [tt for tt in tts if tt.n_inputs < 4]
        store = ModelStore(Path(tmp) / "store")
        t = time.perf_counter()
        trained = train_many(small)
        print(f"trained {len(small)} nets of 1-3 inputs in {time.perf_counter() - t:.1f}s; "
              f"built {len(tts) - len(small)} 4-input nets")
        built = {tt: minterm_net(tt) for tt in tts if tt.n_inputs == 4}
        nets_in = dict(zip(small, trained)) | built
        for tt in tts:
            store._save(tt, nets_in[tt])
        keys = [store.key(tt) for tt in tts]

        store_mod._PROVEN.clear()
        t = time.perf_counter()
        loaded = [store._read_entry(k, tt) for k, tt in zip(keys, tts)]
        read_s = time.perf_counter() - t
        nets = [n for n, _ in loaded]
        t = time.perf_counter()
        proofs = prove_many(nets, tts, 0.1)
        batched_s = time.perf_counter() - t
        assert all(e <= 0.1 and m <= 0.1 for e, m in proofs), "a net does not prove"
        t = time.perf_counter()
        for net, tt in zip(nets, tts):
            np.abs(net.forward(tt.input_matrix()) - tt.table).max()
            certified_margin(net, tt, 0.1)
        single_s = time.perf_counter() - t
        t = time.perf_counter()
        got = store.get_many(tts)
        first_s = time.perf_counter() - t
        assert all(n is not None and n.delta == 0.1 for n in got)
        t = time.perf_counter()
        store.get_many(tts)
        second_s = time.perf_counter() - t

        store_mod._PROVEN.clear()
        t = time.perf_counter()
        sim = Simulator(circuit, store)
        sim_s = time.perf_counter() - t
        bits = (np.random.default_rng(0).random((circuit.n_input_bits, 10_000)) < 0.5)
        t = time.perf_counter()
        sim.run_bits(bits.astype(np.uint8))
        run_s = time.perf_counter() - t

    n = len(tts)
    shapes = len({n.arch for n in nets})
    print(f"{n:,} distinct nets ({shapes} shapes), {len(circuit.gates):,} gates in the design")
    print(f"  {'step':<46} {'seconds':>9} {'per net':>10} {'vs read':>8}")
    for label, s in [("read + checksum + unpack (baseline)", read_s),
                     ("proof, batched by shape (prove_many)", batched_s),
                     ("proof, one net at a time", single_s),
                     ("get_many, first call (read + proof)", first_s),
                     ("get_many, second call (proved already)", second_s),
                     ("load_circuit (read + compile the BLIF)", compile_s),
                     ("Simulator (nets loaded and proved)", sim_s),
                     ("run 10,000 vectors (neural)", run_s)]:
        print(f"  {label:<46} {s:>9.3f} {s / n * 1e6:>8.0f}us {s / read_s:>7.2f}x")
    print(f"  batched proof is {single_s / batched_s:.0f}x faster than one net at a time, "
          f"{batched_s / first_s:.0%} of the first get_many")


if __name__ == "__main__":
    main()
