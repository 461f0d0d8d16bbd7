"""The model store: train a truth table once, reuse the net forever after.

Entries are content-addressed: the key hashes the canonical truth table, the
training settings (architecture policy, seed, certificate) and
:data:`FORMAT_VERSION`.  Each entry is two files::

    <key>.npz    the weights and biases (loaded with allow_pickle=False)
    <key>.json   metadata, including the sha256 of the npz; written last,
                 so its presence marks a complete entry

Writes go to a temporary file in the same directory, are fsynced and moved
into place with ``os.replace``, so readers never see half an entry and two
processes training the same function both succeed (the last write wins, and
both wrote a valid entry).  Nothing loaded from the store is ever executed:
no pickle.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import warnings
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .ir.truthtable import TruthTable
from .nn import TRAINER_VERSION, GateNet, TrainSettings, train_many

__all__ = ["ModelStore", "FORMAT_VERSION", "default_root"]

#: Bumped whenever the entry layout or the training algorithm changes.
FORMAT_VERSION = 1


def default_root(environ=None) -> Path:
    """``$CIRCUITNN_STORE``, else ``$XDG_CACHE_HOME/circuitnn``, else ``~/.cache/circuitnn``.

    Examples
    --------
    >>> default_root({"CIRCUITNN_STORE": "/srv/nets"}).as_posix()
    '/srv/nets'
    >>> default_root({"XDG_CACHE_HOME": "/tmp/cache"}).as_posix()
    '/tmp/cache/circuitnn'
    """
    env = os.environ if environ is None else environ
    if env.get("CIRCUITNN_STORE"):
        return Path(env["CIRCUITNN_STORE"])
    cache = env.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "circuitnn"


def default_store(environ=None, **options) -> ModelStore:
    """The default store: a :class:`ModelStore` at :func:`default_root`.

    The one place where a store comes from the environment.  The command line
    uses it when ``--store`` is not given, and ``compile()`` in the Python API
    when no store is passed; everything else takes a store as an argument.
    ``options`` go to :class:`ModelStore` (``settings``, ``retrain``).

    Examples
    --------
    >>> default_store({"CIRCUITNN_STORE": "/srv/nets"})
    ModelStore('/srv/nets')
    """
    return ModelStore(default_root(environ), **options)


class ModelStore:
    """Trained nets on disk, keyed by function and settings.

    Parameters
    ----------
    root : path
        Directory of the store (created on first write).  Required: a store
        never guesses its place; :func:`default_store` gives the one at
        :func:`default_root` (the environment's choice).
    settings : TrainSettings
        Training settings for every net trained through this store.
    retrain : bool
        Ignore stored entries and train (then overwrite) every time.

    Examples
    --------
    >>> import tempfile
    >>> from circuitnn.ir.primitives import STANDARD
    >>> store = ModelStore(tempfile.mkdtemp())
    >>> net = store.get_or_train(STANDARD["AND2"])
    >>> store.contains(STANDARD["AND2"]), store.trained
    (True, 1)
    >>> store.get_or_train(STANDARD["AND2"]).arch, store.trained
    ('2-1', 1)
    """

    def __init__(
        self,
        root: str | os.PathLike,
        settings: TrainSettings = TrainSettings(),  # noqa: B008 (frozen, so sharing is safe)
        retrain: bool = False,
    ):
        self.root = Path(root)
        self.settings = settings
        self.retrain = retrain
        #: Nets trained (not loaded) by this store object; evidence of reuse.
        self.trained = 0

    def __repr__(self) -> str:
        return f"ModelStore({str(self.root)!r})"

    # ------------------------------------------------------------------ keys
    def key(self, tt: TruthTable) -> str:
        """The entry name: sha256 of the function, the settings and the format.

        Examples
        --------
        >>> from circuitnn.ir.primitives import STANDARD
        >>> s = ModelStore("unused")
        >>> s.key(STANDARD["AND2"]) != s.key(STANDARD["OR2"])
        True
        """
        h = hashlib.sha256()
        h.update(tt.canonical_bytes())
        h.update(json.dumps(self.settings.key(), sort_keys=True).encode())
        h.update(f"format{FORMAT_VERSION}:trainer{TRAINER_VERSION}".encode())
        return h.hexdigest()

    def _paths(self, tt: TruthTable) -> tuple[Path, Path]:
        k = self.key(tt)
        return self.root / f"{k}.npz", self.root / f"{k}.json"

    # --------------------------------------------------------------- reading
    def contains(self, tt: TruthTable) -> bool:
        """True when a complete entry (its json) exists for ``tt``."""
        return self._paths(tt)[1].exists()

    def get(self, tt: TruthTable) -> GateNet | None:
        """The stored net for ``tt``, or None; a corrupt entry warns and gives None."""
        npz, meta_path = self._paths(tt)
        if not meta_path.exists():
            return None
        try:
            return self._load(tt, npz, meta_path)
        except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError) as e:
            warnings.warn(f"model store entry {meta_path.name} is unusable ({e}); retraining",
                          stacklevel=2)
            return None

    def _load(self, tt: TruthTable, npz: Path, meta_path: Path) -> GateNet:
        meta = json.loads(meta_path.read_text())
        if not isinstance(meta, dict):
            raise ValueError("metadata is not a JSON object")
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"format version {meta.get('format')!r}, expected {FORMAT_VERSION}")
        data = npz.read_bytes()
        if hashlib.sha256(data).hexdigest() != meta["sha256"]:
            raise ValueError(f"checksum of {npz.name} does not match")
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            n = int(meta["layers"])
            weights = [np.asarray(z[f"W{i}"], dtype=float) for i in range(1, n + 1)]
            biases = [np.asarray(z[f"b{i}"], dtype=float) for i in range(1, n + 1)]
        widths = [tt.n_inputs] + [W.shape[1] for W in weights]
        for i, (W, b) in enumerate(zip(weights, biases)):
            if W.shape != (widths[i], widths[i + 1]) or b.shape != (widths[i + 1],):
                raise ValueError(f"layer {i + 1} has shapes {W.shape}, {b.shape}")
        if widths[-1] != tt.n_outputs:
            raise ValueError(f"net has {widths[-1]} outputs, table has {tt.n_outputs}")
        return GateNet(
            weights, biases, name=tt.name or meta.get("name"), max_err=float(meta["max_err"]),
            delta=None if meta["delta"] is None else float(meta["delta"]),
            epochs=int(meta["epochs"]), seconds=float(meta["seconds"]),
        )

    def entries(self) -> list[dict]:
        """Metadata of every valid-looking entry, sorted by name.

        Examples
        --------
        >>> import tempfile
        >>> ModelStore(tempfile.mkdtemp()).entries()
        []
        """
        out = []
        if not self.root.is_dir():
            return out
        for p in sorted(self.root.glob("*.json")):
            try:
                meta = json.loads(p.read_text())
            except (OSError, ValueError):
                continue
            if isinstance(meta, dict) and meta.get("format") == FORMAT_VERSION:
                out.append({"key": p.stem, **meta})
        return sorted(out, key=lambda m: (str(m.get("name")), m["key"]))

    def clear(self) -> int:
        """Remove every entry; returns how many there were."""
        if not self.root.is_dir():
            return 0
        count = 0
        for p in self.root.glob("*.json"):
            p.unlink(missing_ok=True)
            p.with_suffix(".npz").unlink(missing_ok=True)
            count += 1
        for p in self.root.glob("*.npz"):
            p.unlink(missing_ok=True)
        # temporary files of writers that were killed before their rename
        for p in self.root.glob(".*.tmp"):
            p.unlink(missing_ok=True)
        return count

    # --------------------------------------------------------------- training
    def get_or_train(self, tt: TruthTable, progress=None, retrain: bool | None = None) -> GateNet:
        """The stored net for ``tt``, training and storing it when absent.

        Examples
        --------
        >>> import tempfile
        >>> from circuitnn.ir.primitives import STANDARD
        >>> ModelStore(tempfile.mkdtemp()).get_or_train(STANDARD["NOT"]).name
        'NOT'
        """
        return self.get_or_train_many([tt], progress, retrain)[0]

    def get_or_train_many(
        self, tts: list[TruthTable], progress=None, retrain: bool | None = None
    ) -> list[GateNet]:
        """:meth:`get_or_train` for many tables; the missing ones train in one batch.

        Examples
        --------
        >>> import tempfile
        >>> from circuitnn.ir.primitives import STANDARD
        >>> nets = ModelStore(tempfile.mkdtemp()).get_or_train_many(
        ...     [STANDARD["AND2"], STANDARD["OR2"]])
        >>> [n.name for n in nets]
        ['AND2', 'OR2']
        """
        retrain = self.retrain if retrain is None else retrain
        nets: list[GateNet | None] = [None if retrain else self.get(tt) for tt in tts]
        missing = [i for i, n in enumerate(nets) if n is None]
        if missing:
            fresh = train_many([tts[i] for i in missing], self.settings, progress)
            self.trained += len(fresh)
            for i, net in zip(missing, fresh):
                nets[i] = net
                self._save(tts[i], net)
        return [_named(n, tt.name) for n, tt in zip(nets, tts)]  # type: ignore[arg-type]

    def _save(self, tt: TruthTable, net: GateNet) -> None:
        npz, meta_path = self._paths(tt)
        buf = io.BytesIO()
        arrays = {f"W{i}": W for i, W in enumerate(net.weights, 1)}
        arrays.update({f"b{i}": b for i, b in enumerate(net.biases, 1)})
        np.savez(buf, **arrays)
        data = buf.getvalue()
        meta = {
            "format": FORMAT_VERSION,
            "name": tt.name,
            "n_inputs": tt.n_inputs,
            "n_outputs": tt.n_outputs,
            "inputs": list(tt.inputs),
            "outputs": list(tt.outputs),
            "table": ["".join(map(str, row)) for row in tt.table.tolist()],
            "arch": net.arch,
            "layers": len(net.weights),
            "max_err": net.max_err,
            "delta": net.delta,
            "epochs": net.epochs,
            "seconds": net.seconds,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "sha256": hashlib.sha256(data).hexdigest(),
            "settings": self.settings.key(),
        }
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            _atomic_write(npz, data)
            _atomic_write(meta_path, json.dumps(meta, indent=1).encode())
        except OSError as e:
            warnings.warn(
                f"model store {self.root} is not writable ({e.strerror or e}); "
                f"keeping the net for {tt.name or 'table'} in memory only",
                stacklevel=3,
            )


def _named(net: GateNet, name: str | None) -> GateNet:
    if net.name == name:
        return net
    return GateNet(net.weights, net.biases, name, net.max_err, net.delta, net.epochs, net.seconds)


def _atomic_write(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, fsync, then rename over it."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
