"""The model store under stress: killed processes, concurrent processes, hostile
or outdated entries, and a full disk. Nothing may corrupt the store, and a bad
entry is refused and retrained, never loaded."""

import errno
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from circuitnn.ir.primitives import STANDARD
from circuitnn.store import FORMAT_VERSION, ModelStore

ROOT = Path(__file__).resolve().parent.parent
AND2 = STANDARD["AND2"]


def assert_store_valid(root: Path) -> int:
    """Every committed entry loads; a stray npz without json is harmless."""
    store = ModelStore(root)
    count = 0
    for meta_path in root.glob("*.json"):
        meta = json.loads(meta_path.read_text())
        data = meta_path.with_suffix(".npz").read_bytes()
        assert hashlib.sha256(data).hexdigest() == meta["sha256"], meta_path.name
        tt = STANDARD[meta["name"]]
        assert store.key(tt) == meta_path.stem
        net = store.get(tt)
        assert net is not None and (net.forward(tt.input_matrix()).round() == tt.table).all()
        count += 1
    return count


# a child that keeps training and rewriting entries until it is killed
_WRITER = """
import sys
from circuitnn.ir.primitives import STANDARD
from circuitnn.store import ModelStore
store = ModelStore(sys.argv[1], retrain=True)
names = ["AND2", "OR2", "XOR2", "NAND3", "MUX2", "AND9"]
while True:
    for n in names:
        store.get_or_train(STANDARD[n])
        print(n, flush=True)
"""


@pytest.mark.parametrize("delay", [0.3, 0.9, 1.7, 2.6])
def test_kill_9_during_training_and_writing_leaves_the_store_valid(tmp_path, delay):
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_path)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert_store_valid(tmp_path)
    # the next user simply gets (or trains) what it needs
    store = ModelStore(tmp_path)
    for name in ("AND2", "XOR2"):
        assert store.get_or_train(STANDARD[name]).name == name
    assert_store_valid(tmp_path)
    # and clearing the store also sweeps a killed writer's temporary files
    store.clear()
    assert list(tmp_path.iterdir()) == []


_TRAINER = """
import sys
from circuitnn.cli import main
sys.exit(main([sys.argv[2], "circuits/full_adder.yaml", "--store", sys.argv[1]]))
"""


@pytest.mark.parametrize("n_procs", [2, 8])
def test_concurrent_train_and_run_on_an_empty_store(tmp_path, n_procs):
    commands = ["train", "run"] * (n_procs // 2)
    procs = [subprocess.Popen([sys.executable, "-c", _TRAINER, str(tmp_path), cmd], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for cmd in commands]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0] * n_procs, outs
    assert all(err == "" for _, err in outs), outs
    for (out, _), cmd in zip(outs, commands):
        if cmd == "run":
            assert out.splitlines()[-1].split() == ["1", "1", "1", "|", "1", "1"]
    # one valid entry per function: AND2, OR2, XOR2
    assert assert_store_valid(tmp_path) == 3
    assert not [p for p in tmp_path.iterdir() if p.suffix not in (".json", ".npz")]


def _rewrite_meta(store, tt, **changes):
    meta_path = store.root / f"{store.key(tt)}.json"
    meta = json.loads(meta_path.read_text())
    meta.update(changes)
    meta_path.write_text(json.dumps(meta))


def test_newer_format_version_is_refused_and_retrained(tmp_path):
    store = ModelStore(tmp_path)
    store.get_or_train(AND2)
    _rewrite_meta(store, AND2, format=FORMAT_VERSION + 1)
    fresh = ModelStore(tmp_path)
    with pytest.warns(UserWarning, match=fr"format version {FORMAT_VERSION + 1}, expected "
                                         fr"{FORMAT_VERSION}\); retraining"):
        net = fresh.get_or_train(AND2)
    assert fresh.trained == 1 and net.name == "AND2"
    assert assert_store_valid(tmp_path) == 1


def test_pickle_inside_an_entry_is_never_loaded(tmp_path):
    store = ModelStore(tmp_path)
    store.get_or_train(AND2)
    npz = tmp_path / f"{store.key(AND2)}.npz"
    buf = io.BytesIO()
    # an object array is stored as a pickle; loading it could run code
    np.savez(buf, W1=np.array([{"evil": 1}, None], dtype=object), b1=np.zeros(1))
    npz.write_bytes(buf.getvalue())
    _rewrite_meta(store, AND2, sha256=hashlib.sha256(buf.getvalue()).hexdigest())
    fresh = ModelStore(tmp_path)
    with pytest.warns(UserWarning, match="allow_pickle=False"):
        net = fresh.get_or_train(AND2)
    assert fresh.trained == 1
    assert (net.forward(AND2.input_matrix()).round() == AND2.table).all()
    assert assert_store_valid(tmp_path) == 1


def test_full_disk_trains_in_memory_and_warns(tmp_path, monkeypatch):
    import circuitnn.store as store_mod

    def no_space(path, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(store_mod, "_atomic_write", no_space)
    with pytest.warns(UserWarning, match="No space left on device"):
        net = ModelStore(tmp_path).get_or_train(AND2)
    assert (net.forward(AND2.input_matrix()).round() == AND2.table).all()
    assert not list(tmp_path.iterdir())
