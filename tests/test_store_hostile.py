"""The store proves what it loads and deletes only its own files (issue 19).

Every hostile entry is built here from a good one: a net swapped for another
function's, weights negated or NaN with a recomputed checksum, fields of the
wrong type, an empty or bad-CRC zip, JSON nested 100,000 deep, FIFOs and
folders where files belong.  Each must be refused with a warning and
retrained, and the retrained net must compute its table.
"""

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest

import circuitnn.store as store_mod
from circuitnn.cli import main
from circuitnn.ir.primitives import STANDARD
from circuitnn.nn import GateNet, TrainSettings, certified_margin
from circuitnn.store import ModelStore

ROOT = Path(__file__).resolve().parent.parent
HALF_ADDER = str(ROOT / "circuits" / "half_adder.yaml")
AND2, XOR2 = STANDARD["AND2"], STANDARD["XOR2"]


def computes(net: GateNet, tt, delta=0.1) -> bool:
    """The independent check: rows exact after thresholding, certificate holds."""
    exact = (net.forward(tt.input_matrix()).round() == tt.table).all()
    return bool(exact) and certified_margin(net, tt, delta) <= delta


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A store with AND2 and XOR2, trained once for this module."""
    root = tmp_path_factory.mktemp("pristine")
    ModelStore(root).get_or_train_many([AND2, XOR2])
    return root


@pytest.fixture
def store(pristine, tmp_path):
    root = tmp_path / "store"
    shutil.copytree(pristine, root)
    store_mod._PROVEN.clear()  # as in a fresh process
    return ModelStore(root)


def entry(store, tt, suffix):
    return store.root / f"{store.key(tt)}{suffix}"


def write_weights(store, tt, arrays: dict, raw: bytes | None = None):
    """Replace tt's weights and record their checksum, as an attacker would."""
    if raw is None:
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        raw = buf.getvalue()
    entry(store, tt, ".npz").write_bytes(raw)
    meta = json.loads(entry(store, tt, ".json").read_text())
    meta["sha256"] = hashlib.sha256(raw).hexdigest()
    entry(store, tt, ".json").write_text(json.dumps(meta))


def weights_of(store, tt) -> dict:
    with np.load(entry(store, tt, ".npz")) as z:
        return {k: z[k] for k in z.files}


def reloaded(store, tt, match):
    """Load tt through a fresh store object: it must warn with ``match`` and retrain."""
    fresh = ModelStore(store.root, store.settings)
    with pytest.warns(UserWarning, match=match):
        net = fresh.get_or_train(tt)
    assert fresh.trained == 1
    assert computes(net, tt)
    store_mod._PROVEN.clear()
    again = ModelStore(store.root, store.settings)
    assert computes(again.get_or_train(tt), tt) and again.trained == 0  # repaired on disk
    return net


def run_half_adder(root) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["run", HALF_ADDER, "--store", str(root), "--format", "csv"])
    return code, out.getvalue(), err.getvalue()


HALF_ADDER_CSV = "a,b,sum,carry\n0,0,0,0\n0,1,1,0\n1,0,1,0\n1,1,0,1\n"


# ------------------------------------------------------------ the re-proof
def test_another_functions_entry_is_refused_and_the_run_is_right(store):
    for suffix in (".npz", ".json"):
        shutil.copy(entry(store, AND2, suffix), entry(store, XOR2, suffix))
    code, out, err = run_half_adder(store.root)
    assert (code, out) == (0, HALF_ADDER_CSV)
    assert re.search(r"is unusable \(its net does not compute 'XOR2': at a=1 b=1 output 'y' is 0\.9\d+, expected 0 \(tolerance 0\.1\)\); retraining\n$", err)


@pytest.mark.parametrize("how", ["negate", "nan", "inf", "zero"])
def test_rewritten_weights_with_a_valid_checksum_are_refused(store, how):
    arrays = weights_of(store, XOR2)
    W = arrays["W1"]
    arrays["W1"] = {"negate": -W, "nan": np.where(W == W.flat[0], np.nan, W),
                    "inf": np.full_like(W, np.inf), "zero": 0 * W}[how]
    if how == "negate":
        arrays = {k: -v for k, v in arrays.items()}
    write_weights(store, XOR2, arrays)
    reloaded(store, XOR2, r"unusable \((its net does not compute 'XOR2'|its weights W1 are not finite)")


def _only_rows_right(net: GateNet, tt):
    """``net`` scaled until its rows still pass but its certificate fails."""
    for a in np.linspace(1, 0.01, 400):
        cand = GateNet([a * W for W in net.weights], [a * b for b in net.biases])
        err = np.abs(cand.forward(tt.input_matrix()) - tt.table).max()
        if err <= 0.1 < certified_margin(cand, tt, 0.1):
            return cand
    raise AssertionError("no scale fails only the certificate")


def test_the_certificate_is_re_proved_not_read_from_the_metadata(store):
    good = store.get(AND2)
    weak = _only_rows_right(good, AND2)
    write_weights(store, AND2, {"W1": weak.weights[0], "b1": weak.biases[0]})
    # the metadata still says delta=0.1; the store must not believe it
    assert json.loads(entry(store, AND2, ".json").read_text())["delta"] == 0.1
    reloaded(store, AND2, r"its certificate for 'AND2' does not hold: inputs within delta=0.1")


def test_uncertified_settings_accept_rows_and_report_no_certificate(tmp_path):
    store = ModelStore(tmp_path, TrainSettings(certify=False))
    good = ModelStore(tmp_path / "certified").get_or_train(AND2)
    store.get_or_train(AND2)
    weak = _only_rows_right(good, AND2)
    write_weights(store, AND2, {"W1": weak.weights[0], "b1": weak.biases[0]})
    meta = json.loads(entry(store, AND2, ".json").read_text())
    meta["delta"] = 0.1  # a false claim
    entry(store, AND2, ".json").write_text(json.dumps(meta))
    store_mod._PROVEN.clear()
    net = ModelStore(tmp_path, TrainSettings(certify=False)).get(AND2)
    assert net is not None and net.delta is None
    np.testing.assert_array_equal(net.weights[0], weak.weights[0])


def test_each_net_is_proved_once_per_process_in_one_batch(store, monkeypatch):
    calls = []
    real = store_mod.prove_many

    def counting(nets, tts, delta):
        calls.append(len(nets))
        return real(nets, tts, delta)

    monkeypatch.setattr(store_mod, "prove_many", counting)
    nets = store.get_many([AND2, XOR2, AND2.renamed(name="AND")])
    assert [n.name for n in nets] == ["AND2", "XOR2", "AND"]
    ModelStore(store.root).get_or_train_many([XOR2, AND2])
    assert [c for c in calls if c] == [2]  # one batch of two nets, then nothing
    # changed weights are new content: proved again
    arrays = weights_of(store, AND2)
    write_weights(store, AND2, {k: v * 1.5 for k, v in arrays.items()})
    assert computes(ModelStore(store.root).get(AND2), AND2)
    assert [c for c in calls if c] == [2, 1]


def test_prove_many_is_what_the_trainer_proves():
    from circuitnn.nn import train_many
    from circuitnn.nn.certify import prove_many

    tts = [STANDARD[n] for n in ("AND2", "OR3", "XOR2", "XOR3", "MUX2", "MAJ3", "NAND4")]
    nets = train_many(tts)
    for (err, margin), net, tt in zip(prove_many(nets * 3, tts * 3, 0.1), nets * 3, tts * 3):
        assert err == float(np.abs(net.forward(tt.input_matrix()) - tt.table).max())
        assert margin == certified_margin(net, tt, 0.1)


# ------------------------------------------------------- damaged entries
def _meta_edit(text: str, field: str, raw: str) -> str:
    meta = json.loads(text)
    meta[field] = "@@"
    return json.dumps(meta).replace('"@@"', raw)


def _bad_crc(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.infolist()[0]
    at = info.header_offset + 30 + len(info.filename) + 20  # inside W1's data
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:]


DAMAGE = {
    "epochs 1e999": (".json", lambda t: _meta_edit(t, "epochs", "1e999"), "bad 'epochs'"),
    "layers 1e999": (".json", lambda t: _meta_edit(t, "layers", "1e999"), "bad 'layers'"),
    "layers 10**9": (".json", lambda t: _meta_edit(t, "layers", "1000000000"), "bad 'layers'"),
    "seconds NaN": (".json", lambda t: _meta_edit(t, "seconds", "NaN"), "bad 'seconds'"),
    "nested 100000": (".json", lambda t: "[" * 100_000 + "]" * 100_000, "nested too deeply"),
    "nested in a field": (".json", lambda t: _meta_edit(t, "name", "[" * 100_000 + "]" * 100_000),
                          "nested too deeply"),
    "not utf-8": (".json", lambda t: b"\xff\xfe{}", "not JSON"),
    "empty npz": (".npz", lambda d: b"", "weights cannot be read"),
    "bad CRC": (".npz", _bad_crc, "Bad CRC-32"),
    "not a zip": (".npz", lambda d: b"PK" + bytes(200), "weights cannot be read"),
}


@pytest.mark.parametrize("name", list(DAMAGE))
def test_damaged_entries_warn_and_retrain(store, name):
    suffix, damage, match = DAMAGE[name]
    path = entry(store, XOR2, suffix)
    before = path.read_bytes() if suffix == ".npz" else path.read_text()
    after = damage(before)
    if isinstance(after, str):
        after = after.encode()
    path.write_bytes(after)
    if suffix == ".npz":  # the checksum matches: only the content is wrong
        meta = json.loads(entry(store, XOR2, ".json").read_text())
        meta["sha256"] = hashlib.sha256(after).hexdigest()
        entry(store, XOR2, ".json").write_text(json.dumps(meta))
    reloaded(store, XOR2, match)


def test_compressed_or_oversized_weights_are_refused_before_unpacking(store):
    arrays = weights_of(store, XOR2)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, a in arrays.items():
            one = io.BytesIO()
            np.lib.format.write_array(one, a)
            zf.writestr(f"{name}.npy", one.getvalue())
        zf.writestr("pad.npy", bytes(store_mod.MAX_NPZ_BYTES))  # a zip bomb, kilobytes packed
    assert len(buf.getvalue()) < 1 << 20
    write_weights(store, XOR2, {}, raw=buf.getvalue())
    reloaded(store, XOR2, "unpack to more than")


def _in_thread(fn, seconds=60):
    """fn() in a daemon thread; fails (instead of hanging the suite) if it blocks.
    A hang guard, not a speed claim: a loaded CI machine must never reach it."""
    result = {}

    def work():
        try:
            result["value"] = fn()
        except BaseException as e:  # noqa: BLE001 (reported below)
            result["error"] = e

    t = threading.Thread(target=work, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), "blocked"
    if "error" in result:
        raise result["error"]
    return result["value"]


@pytest.mark.parametrize("suffix", [".json", ".npz"])
@pytest.mark.parametrize("kind", ["fifo", "folder", "device"])
def test_fifos_devices_and_folders_in_the_store_never_block(store, suffix, kind):
    path = entry(store, XOR2, suffix)
    path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    else:
        path.symlink_to("/dev/zero")

    def load():
        with pytest.warns(UserWarning, match="is not a regular file|are missing|cannot be read"):
            return ModelStore(store.root).get_or_train(XOR2)

    assert computes(_in_thread(load), XOR2)
    code, out, err = _in_thread(lambda: run_half_adder(store.root))
    assert (code, out) == (0, HALF_ADDER_CSV)
    _in_thread(lambda: main(["models", "--store", str(store.root)]))


# --------------------------------------------------------- circuitnn models
@pytest.mark.parametrize("field, raw", [
    ("delta", '"0.1"'), ("delta", "[0.1]"), ("max_err", "null"), ("name", '{"a": 1}'),
    ("key", "5"), ("arch", "7"), ("max_err", "1e999"), ("name", "[[[]]]"),
])
def test_models_lists_wrong_typed_metadata(store, capsys, field, raw):
    path = entry(store, XOR2, ".json")
    path.write_text(_meta_edit(path.read_text(), field, raw))
    assert main(["models", "--store", str(store.root)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"2 models in {store.root}\n")
    assert "AND2" in out and out.count("delta=0.1") >= 1
    if field != "key":
        assert f"unusable, will be retrained: its metadata has a bad {field!r}" in out
    assert store.key(XOR2)[:12] in out


# ------------------------------------------------------------- clearing
def _user_files(root: Path) -> dict[str, bytes]:
    """Files a user might keep in a folder used as the store by mistake."""
    key = "ab" * 32
    buf = io.BytesIO()
    np.savez(buf, data=np.arange(5))
    files = {
        "notes.json": b'{"format": 1}',
        "data.npz": buf.getvalue(),                        # a user's own npz
        f"{key}.json": b'{"results": [1, 2, 3]}',          # store-like name, user content
        f"{key}.npz": buf.getvalue(),                       # store-like name, user arrays
        f".{key}.npz.abcd1234.tmp": b"my temporary data",
        "README": b"keep me",
    }
    for name, data in files.items():
        (root / name).write_bytes(data)
    (root / "x.json").mkdir()
    (root / "x.json" / "inside").write_text("keep")
    (root / f"{'cd' * 32}.json").symlink_to(root / "notes.json")
    return files


def test_clear_removes_only_the_stores_own_files(store, capsys):
    import circuitnn.nn.settings as nn_settings

    files = _user_files(store.root)
    key = store.key(XOR2)
    # entries written by other versions: another trainer, another format, and
    # what killed writers leave (an orphan npz, a partial temporary, an empty one)
    ModelStore(store.root, TrainSettings(seed=5)).get_or_train(AND2)
    old = json.loads(entry(store, AND2, ".json").read_text())
    old.update(format=0)
    del old["settings"]
    (store.root / f"{'0f' * 32}.json").write_text(json.dumps(old))
    shutil.copy(entry(store, AND2, ".npz"), store.root / f"{'0f' * 32}.npz")
    shutil.copy(entry(store, AND2, ".npz"), store.root / f"{'1e' * 32}.npz")
    npz = entry(store, XOR2, ".npz").read_bytes()
    (store.root / f".{key}.npz.k2j4_x9a.tmp").write_bytes(npz[:50])
    (store.root / f".{key}.json.q8w7e6r5.tmp").write_bytes(b'{\n "format": 1,\n "na')
    (store.root / f".{key}.json.zzzzzzzz.tmp").write_bytes(b"")
    assert nn_settings.TRAINER_VERSION  # entries of the current trainer are there too

    assert main(["models", "--clear", "--store", str(store.root)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"removed 4 models from {store.root}\n")
    left = sorted(p.name for p in store.root.iterdir())
    assert left == sorted([*files, "x.json", f"{'cd' * 32}.json"])
    for name, data in files.items():
        assert (store.root / name).read_bytes() == data
    assert (store.root / "x.json" / "inside").read_text() == "keep"
    assert "left 8 files that the store did not write:\n" in out
    for name in left:
        assert f"\n  {name}\n" in out


def test_clear_lists_at_most_50_names(tmp_path, capsys):
    for i in range(60):
        (tmp_path / f"user{i:02}.json").write_text("{}")
    assert main(["models", "--clear", "--store", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "left 60 files" in out and "  ... and 10 more\n" in out
    assert len(list(tmp_path.iterdir())) == 60
