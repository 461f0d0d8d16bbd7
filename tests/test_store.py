"""The model store: reuse, keys, corruption, concurrency, read-only roots."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from circuitnn.ir.primitives import STANDARD
from circuitnn.nn import TrainSettings
from circuitnn.store import ModelStore, default_store

AND2, XOR2 = STANDARD["AND2"], STANDARD["XOR2"]


def test_second_get_or_train_reuses(tmp_path):
    store = ModelStore(tmp_path)
    net = store.get_or_train(XOR2)
    npz = tmp_path / f"{store.key(XOR2)}.npz"
    mtime = npz.stat().st_mtime_ns
    again = ModelStore(tmp_path)
    net2 = again.get_or_train(XOR2)
    assert again.trained == 0 and npz.stat().st_mtime_ns == mtime
    for p, q in zip(net.weights + net.biases, net2.weights + net2.biases):
        np.testing.assert_array_equal(p, q)
    assert (net2.forward(XOR2.input_matrix()).round() == XOR2.table).all()
    assert net2.name == "XOR2" and net2.delta == 0.1
    meta = store.entries()[0]
    assert meta["table"] == ["0", "1", "1", "0"] and meta["arch"] == net.arch


def test_keys_differ_by_function_and_settings(tmp_path):
    a, b = ModelStore(tmp_path), ModelStore(tmp_path, TrainSettings(seed=1))
    assert a.key(AND2) != a.key(XOR2)
    assert a.key(AND2) != b.key(AND2)
    assert a.key(AND2) == a.key(AND2.renamed(inputs=("p", "q")))  # names are not identity


def _corrupt(path, how):
    if how == "truncate":
        path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    elif how == "flip":
        data = bytearray(path.read_bytes())
        data[-10] ^= 0xFF
        path.write_bytes(bytes(data))
    elif how == "garbage":
        path.write_text("not json {")
    elif how == "newer":
        meta = json.loads(path.read_text())
        meta["format"] = 999
        path.write_text(json.dumps(meta))


@pytest.mark.parametrize("suffix, how", [
    (".npz", "truncate"), (".npz", "flip"), (".json", "garbage"), (".json", "truncate"),
    (".json", "newer"),
])
def test_corrupt_entries_warn_and_retrain(tmp_path, suffix, how):
    store = ModelStore(tmp_path)
    store.get_or_train(AND2)
    path = tmp_path / f"{store.key(AND2)}{suffix}"
    _corrupt(path, how)
    fresh = ModelStore(tmp_path)
    with pytest.warns(UserWarning, match=rf"^model store entry {store.key(AND2)}\.json is unusable"):
        net = fresh.get_or_train(AND2)
    assert fresh.trained == 1
    assert (net.forward(AND2.input_matrix()).round() == AND2.table).all()
    assert ModelStore(tmp_path).get(AND2) is not None  # overwritten with a good entry


def test_wrong_shapes_are_rejected(tmp_path):
    store = ModelStore(tmp_path)
    store.get_or_train(AND2)
    key = store.key(AND2)
    # a valid entry for another function, moved under AND2's key
    store.get_or_train(STANDARD["AND3"])
    k3 = store.key(STANDARD["AND3"])
    for suffix in (".npz", ".json"):
        os.replace(tmp_path / f"{k3}{suffix}", tmp_path / f"{key}{suffix}")
    with pytest.warns(UserWarning, match="unusable"):
        assert ModelStore(tmp_path).get(AND2) is None


_CHILD = """
import sys
from circuitnn.ir.primitives import STANDARD
from circuitnn.store import ModelStore
net = ModelStore(sys.argv[1]).get_or_train(STANDARD["MUX2"])
print(net.arch)
"""


def test_concurrent_training_processes_both_succeed(tmp_path):
    procs = [subprocess.Popen([sys.executable, "-c", _CHILD, str(tmp_path)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert all("Warning" not in err for _, err in outs), outs
    store = ModelStore(tmp_path)
    assert store.get(STANDARD["MUX2"]) is not None and len(store.entries()) == 1
    assert not list(tmp_path.glob("*.tmp"))


def test_read_only_store_trains_in_memory(tmp_path, monkeypatch):
    import errno

    import circuitnn.store as store_mod

    # file modes do not stop root, so refuse the write the way a read-only
    # directory or file system does
    def read_only(path, data):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    monkeypatch.setattr(store_mod, "_atomic_write", read_only)
    with pytest.warns(UserWarning, match="is not writable .Permission denied.; keeping the net"):
        net = ModelStore(tmp_path).get_or_train(AND2)
    assert (net.forward(AND2.input_matrix()).round() == AND2.table).all()
    assert not list(tmp_path.iterdir())


def test_unwritable_root_trains_in_memory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the store directory should be")
    with pytest.warns(UserWarning, match="is not writable"):
        net = ModelStore(blocker / "store").get_or_train(AND2)
    assert net.name == "AND2"


def test_clear_and_retrain(tmp_path):
    store = ModelStore(tmp_path)
    store.get_or_train_many([AND2, XOR2])
    store.get_or_train(AND2, retrain=True)
    assert store.trained == 3
    assert store.clear().removed == 2 and store.entries() == []


def test_default_root_env(monkeypatch, tmp_path):
    monkeypatch.setenv("CIRCUITNN_STORE", str(tmp_path / "s"))
    assert default_store().root == tmp_path / "s"
    monkeypatch.delenv("CIRCUITNN_STORE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_store().root == tmp_path / "circuitnn"


def test_a_store_needs_its_root(monkeypatch, tmp_path):
    monkeypatch.setenv("CIRCUITNN_STORE", str(tmp_path))
    with pytest.raises(TypeError):
        ModelStore()  # the environment is read by default_store() only
