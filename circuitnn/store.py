"""The model store: train a truth table once, reuse the net forever after.

Entries are content-addressed: the key hashes the canonical truth table, the
training settings (architecture policy, seed, certificate) and
:data:`FORMAT_VERSION`.  Each entry is two files::

    <key>.npz    the weights and biases (loaded with allow_pickle=False)
    <key>.json   metadata, including the sha256 of the npz; written last,
                 so its presence marks a complete entry

A table that did not train as one net is remembered as ``<key>.fail`` (JSON:
what was tried), keyed like the net would be, so the next run with the same
settings decomposes it without training it again.

Writes go to a temporary file in the same directory, are fsynced and moved
into place with ``os.replace``, so readers never see half an entry and two
processes training the same function both succeed (the last write wins, and
both wrote a valid entry).  Nothing loaded from the store is ever executed:
no pickle.

Nothing loaded is trusted either.  The metadata is type-checked, files are
read only when regular and of bounded size, and every net is proved again
against the truth table it is loaded for (every row within tolerance, the
delta certificate re-derived by interval arithmetic), batched by shape and
once per process; a net that fails warns and is retrained.  ``clear`` removes
only files whose name and content say the store wrote them.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import stat
import tempfile
import zipfile
import zlib
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ._where import _warn_user
from .ir.truthtable import TruthTable
from .nn import TRAINER_VERSION, GateNet, TrainFailure, TrainSettings, train_some
from .nn.certify import prove_many
from .nn.train import training_error

__all__ = ["ModelStore", "FORMAT_VERSION", "default_root", "Cleared"]

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
        return self._paths(tt)[1].is_file()

    def get(self, tt: TruthTable) -> GateNet | None:
        """The stored net for ``tt``, re-proved against ``tt``, or None.

        An entry that cannot be read, or whose net does not compute ``tt``
        within the settings' tolerance and certificate, warns and gives None.
        """
        return self.get_many([tt])[0]

    def get_many(self, tts: list[TruthTable]) -> list[GateNet | None]:
        """:meth:`get` for many tables, the re-proofs batched by net shape.

        A net is proved at most once per process: an entry whose weights were
        proved before (same key, same weight bytes) is not proved again.

        Examples
        --------
        >>> import tempfile
        >>> from circuitnn.ir.primitives import STANDARD
        >>> store = ModelStore(tempfile.mkdtemp())
        >>> _ = store.get_or_train(STANDARD["AND2"])
        >>> [n and n.delta for n in store.get_many([STANDARD["AND2"], STANDARD["OR2"]])]
        [0.1, None]
        """
        keys = [self.key(tt) for tt in tts]
        found: dict[str, tuple[TruthTable, GateNet, str]] = {}
        for key, tt in dict(zip(keys, tts)).items():
            try:
                loaded = self._read_entry(key, tt)
            except _Unusable as e:
                _warn_unusable(key, str(e))
                continue
            if loaded is not None:
                found[key] = (tt, *loaded)
        todo = [k for k, (_, _, sha) in found.items() if (k, sha) not in _PROVEN]
        proofs = prove_many([found[k][1] for k in todo], [found[k][0] for k in todo],
                            self.settings.delta)
        for k, (max_err, margin) in zip(todo, proofs):
            tt, net, sha = found[k]
            failure = _proof_failure(net, tt, max_err, margin, self.settings)
            if failure:
                _warn_unusable(k, failure)
                del found[k]
            else:
                _PROVEN[k, sha] = (max_err, self.settings.delta if margin <= self.settings.delta
                                   else None)
        nets = {}
        for k, (_, net, sha) in found.items():
            max_err, delta = _PROVEN[k, sha]
            nets[k] = _with(net, max_err=max_err, delta=delta)
        return [_with(nets[k], name=tt.name) if k in nets else None for k, tt in zip(keys, tts)]

    def _read_entry(self, key: str, tt: TruthTable) -> tuple[GateNet, str] | None:
        """The entry's net (not yet proved) and the sha256 of its weights, or
        None when there is no entry; :class:`_Unusable` when it is damaged."""
        meta_path, npz = self.root / f"{key}.json", self.root / f"{key}.npz"
        try:
            raw = _read_regular(meta_path, MAX_META_BYTES)
        except FileNotFoundError:
            return None
        meta = _parse_meta(raw)
        problem = _meta_problem(meta)
        if problem:
            raise _Unusable(problem)
        try:
            data = _read_regular(npz, MAX_NPZ_BYTES)
        except FileNotFoundError:
            raise _Unusable(f"its weights {npz.name} are missing") from None
        sha = hashlib.sha256(data).hexdigest()
        if sha != meta["sha256"]:
            raise _Unusable(f"checksum of {npz.name} does not match")
        weights, biases = _read_arrays(data, meta["layers"])
        widths = [tt.n_inputs] + [W.shape[1] for W in weights]
        for i, (W, b) in enumerate(zip(weights, biases)):
            if W.shape != (widths[i], widths[i + 1]) or b.shape != (widths[i + 1],):
                raise _Unusable(f"layer {i + 1} has shapes {W.shape}, {b.shape}")
        if widths[-1] != tt.n_outputs:
            raise _Unusable(f"net has {widths[-1]} outputs, table has {tt.n_outputs}")
        net = GateNet(weights, biases, name=tt.name, epochs=meta["epochs"],
                      seconds=float(meta["seconds"]))
        return net, sha

    def entries(self) -> list[dict]:
        """Every entry of the store, sorted by name: its key and metadata.

        Fields are as written (``name``, ``arch``, ``max_err``, ``delta``, ...);
        an entry whose metadata is damaged has ``problem`` set and only the
        fields that have the right type.

        Examples
        --------
        >>> import tempfile
        >>> ModelStore(tempfile.mkdtemp()).entries()
        []
        """
        out = []
        for path in self._own_files():
            m = _ENTRY_NAME.match(path.name)
            if not m or m.group(2) != "json":
                continue
            try:
                meta = _parse_meta(_read_regular(path, MAX_META_BYTES))
            except (_Unusable, OSError) as e:
                out.append({"key": m.group(1), "problem": str(e)})
                continue
            problem = _meta_problem(meta) if isinstance(meta, dict) else "not a JSON object"
            entry = {k: v for k, v in meta.items() if k not in _META_TYPES
                     or _META_TYPES[k](v)} if isinstance(meta, dict) else {}
            entry["key"] = m.group(1)
            if problem:
                entry["problem"] = problem
            out.append(entry)
        return sorted(out, key=lambda m: (str(m.get("name")), m["key"]))

    def clear(self) -> Cleared:
        """Remove the store's own files, and only those.

        A file is the store's own when its name is one the store gives
        (``<key>.json``, ``<key>.npz``, a writer's ``.<key>.npz.XXXX.tmp``) and
        its content is what the store writes there; anything else in the
        folder (a user's ``notes.json``, a folder, a symlink) is left in place
        and named in the result.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from circuitnn.ir.primitives import STANDARD
        >>> store = ModelStore(tempfile.mkdtemp())
        >>> _ = store.get_or_train(STANDARD["AND2"])
        >>> _ = (store.root / "notes.json").write_text("{}")
        >>> store.clear()
        Cleared(removed=1, left=['notes.json'])
        """
        if not self.root.is_dir():
            return Cleared(0, [])
        own = set(self._own_files())
        removed = 0
        for path in own:
            path.unlink(missing_ok=True)
            removed += path.suffix == ".json"
        left = sorted(p.name for p in self.root.iterdir() if p not in own)
        return Cleared(removed, left)

    def _own_files(self) -> list[Path]:
        """The files of :attr:`root` that the store recognises as its own."""
        if not self.root.is_dir():
            return []
        return sorted(p for p in self.root.iterdir() if _is_own(p))

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
        self, tts: list[TruthTable], progress=None, retrain: bool | None = None,
        trainer=None,
    ) -> list[GateNet]:
        """:meth:`get_or_train` for many tables; the missing ones train in one batch.

        ``trainer(tables, settings, progress)`` replaces :func:`~circuitnn.nn.train_many`
        for the missing tables (e.g. one that trains on a Dask cluster).

        Examples
        --------
        >>> import tempfile
        >>> from circuitnn.ir.primitives import STANDARD
        >>> nets = ModelStore(tempfile.mkdtemp()).get_or_train_many(
        ...     [STANDARD["AND2"], STANDARD["OR2"]])
        >>> [n.name for n in nets]
        ['AND2', 'OR2']
        """
        failures: list[TrainFailure] = []
        nets = self.get_or_train_some(tts, progress, retrain, failures, trainer)
        if failures:
            raise training_error(failures, self.settings)
        return nets  # type: ignore[return-value]

    def get_or_train_some(
        self, tts: list[TruthTable], progress=None, retrain: bool | None = None,
        failures: list | None = None, trainer=None,
    ) -> list[GateNet | None]:
        """Stored or trained nets, None for a table that does not train.

        Each net is stored as soon as it is accepted, so an interrupted or
        failing run keeps what it got.  A table that fails is remembered
        (:meth:`failure`) and not trained again with these settings unless
        ``retrain``; ``failures`` (a list) receives a :class:`TrainFailure`
        for each table that failed, now or before.

        Examples
        --------
        >>> import tempfile
        >>> from circuitnn.ir.primitives import STANDARD
        >>> from circuitnn.nn import TrainSettings
        >>> store = ModelStore(tempfile.mkdtemp(), TrainSettings(hidden_sizes=(0,)))
        >>> [n and n.arch for n in store.get_or_train_some([STANDARD["OR2"], STANDARD["XOR2"]])]
        ['2-1', None]
        >>> store.failure(STANDARD["XOR2"])["hidden_sizes"], store.trained
        ([], 1)
        """
        retrain = self.retrain if retrain is None else retrain
        nets: list[GateNet | None] = [None] * len(tts) if retrain else self.get_many(tts)
        missing = []
        for i, tt in enumerate(tts):
            if nets[i] is not None:
                continue
            known = None if retrain else self.failure(tt)
            if known is None:
                missing.append(i)
            elif failures is not None:
                failures.append(TrainFailure(tt.name or "table",
                                             tuple(known.get("hidden_sizes", ())),
                                             float(known.get("seconds", 0.0))))
        if missing:
            def accepted(j: int, net: GateNet) -> None:
                self.trained += 1
                self._save(tts[missing[j]], net)

            if trainer is not None:
                # another trainer (a Dask cluster): a net or a TrainFailure per table
                fresh = trainer([tts[i] for i in missing], self.settings, progress)
                for j, net in enumerate(fresh):
                    if not isinstance(net, TrainFailure):
                        accepted(j, net)
            else:
                fresh = train_some([tts[i] for i in missing], self.settings, progress,
                                   accepted)
            for i, got in zip(missing, fresh):
                if isinstance(got, TrainFailure):
                    self.remember_failure(tts[i], got)
                    if failures is not None:
                        failures.append(got)
                else:
                    nets[i] = got
        return [n and _with(n, name=tt.name) for n, tt in zip(nets, tts)]

    # --------------------------------------------------------- failures
    def _failure_path(self, tt: TruthTable) -> Path:
        return self.root / f"{self.key(tt)}.fail"

    def failure(self, tt: TruthTable) -> dict | None:
        """What was tried when ``tt`` last failed to train with these
        settings (a ``<key>.fail`` JSON file), or None."""
        try:
            meta = json.loads(_read_regular(self._failure_path(tt), MAX_META_BYTES))
        except (OSError, ValueError, _Unusable):
            return None
        ok = (isinstance(meta, dict) and meta.get("format") == FORMAT_VERSION
              and meta.get("kind") == "failure"
              and isinstance(meta.get("hidden_sizes"), list)
              and all(_is_int(h) for h in meta["hidden_sizes"])
              and isinstance(meta.get("seconds"), (int, float)))
        return meta if ok else None

    def remember_failure(self, tt: TruthTable, failure: TrainFailure) -> None:
        """Record that ``tt`` did not train, keyed like its net would be."""
        meta = {
            "format": FORMAT_VERSION,
            "kind": "failure",
            "name": tt.name,
            "n_inputs": tt.n_inputs,
            "n_outputs": tt.n_outputs,
            "hidden_sizes": list(failure.hidden_sizes),
            "seconds": failure.seconds,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "settings": self.settings.key(),
        }
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            _atomic_write(self._failure_path(tt), json.dumps(meta, indent=1).encode())
        except OSError:
            pass  # only a shortcut for the next run: the failure is handled now anyway

    def _save(self, tt: TruthTable, net: GateNet) -> None:
        npz, meta_path = self._paths(tt)
        buf = io.BytesIO()
        arrays = {f"W{i}": W for i, W in enumerate(net.weights, 1)}
        arrays.update({f"b{i}": b for i, b in enumerate(net.biases, 1)})
        np.savez(buf, **arrays)
        data = buf.getvalue()
        sha = hashlib.sha256(data).hexdigest()
        # the trainer proved this net on tt with these settings
        _PROVEN[self.key(tt), sha] = (net.max_err, net.delta)
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
            "sha256": sha,
            "settings": self.settings.key(),
        }
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            _atomic_write(npz, data)
            _atomic_write(meta_path, json.dumps(meta, indent=1).encode())
        except OSError as e:
            _warn_user(f"model store {self.root} is not writable ({e.strerror or e}); "
                       f"keeping the net for {tt.name or 'table'} in memory only")


def _with(net: GateNet, **changes) -> GateNet:
    """``net`` with some of name, max_err and delta changed (itself if none differ)."""
    if all(getattr(net, k) == v for k, v in changes.items()):
        return net
    fields = dict(weights=net.weights, biases=net.biases, name=net.name, max_err=net.max_err,
                  delta=net.delta, epochs=net.epochs, seconds=net.seconds)
    fields.update(changes)
    return GateNet(**fields)


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


# ------------------------------------------------------------- proving
#: Proved entries of this process: (key, sha256 of the weights) -> (max_err,
#: delta).  A pure memo (the key fixes the table and the settings, the sha the
#: weights), so a net is proved at most once per process however many stores,
#: circuits and commands load it.
_PROVEN: dict[tuple[str, str], tuple[float, float | None]] = {}


def _proof_failure(net: GateNet, tt: TruthTable, max_err: float, margin: float,
                   settings: TrainSettings) -> str | None:
    """Why ``net`` may not stand for ``tt`` under ``settings``, or None."""
    if not max_err <= settings.tolerance:  # NaN fails too
        if not math.isfinite(max_err):
            return f"its net gives non-finite outputs for {_label(tt)}"
        X = tt.input_matrix()
        err = np.abs(net.forward(X) - tt.table)
        r, o = np.unravel_index(int(np.argmax(err)), err.shape)
        row = " ".join(f"{n}={int(v)}" for n, v in zip(tt.inputs, X[r]))
        return (f"its net does not compute {_label(tt)}: at {row or 'the only row'} output "
                f"{tt.outputs[o]!r} is {float(net.forward(X)[r, o]):.3g}, expected "
                f"{int(tt.table[r, o])} (tolerance {settings.tolerance:g})")
    if settings.certify and not margin <= settings.delta:
        return (f"its certificate for {_label(tt)} does not hold: inputs within "
                f"delta={settings.delta:g} of a row move an output {margin:.3g} from its "
                f"target (at most {settings.delta:g} allowed)")
    return None


def _label(tt: TruthTable) -> str:
    return repr(tt.name) if tt.name else f"its {tt.n_inputs}-input table"


# ------------------------------------------------------------- reading
#: Size caps: a 16-input table's metadata is about 0.5 MB, its weights far less.
MAX_META_BYTES = 16 << 20
MAX_NPZ_BYTES = 64 << 20
#: More layers than any trainer setting gives; a bound on hostile metadata.
MAX_LAYERS = 64


class _Unusable(Exception):
    """A store entry that cannot be used; the message says why."""


class Cleared(NamedTuple):
    """What :meth:`ModelStore.clear` did: entries removed, other files left."""

    removed: int
    left: list[str]


def _warn_unusable(key: str, why: str) -> None:
    _warn_user(f"model store entry {key}.json is unusable ({why}); retraining")


def _read_regular(path: Path, limit: int) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit``
    bytes; a FIFO or device is refused without blocking on it."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except NotADirectoryError:
        raise FileNotFoundError(path) from None
    except FileNotFoundError:
        raise
    except OSError as e:
        raise _Unusable(f"{path.name} cannot be read: {e.strerror or e}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _Unusable(f"{path.name} is not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as f:
            # one byte past the size seen, to notice a file that grew past it
            data = f.read(min(st.st_size, limit) + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise _Unusable(f"{path.name} is larger than {limit:,} bytes")
    return data


def _parse_meta(raw: bytes):
    try:
        return json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise _Unusable("its metadata is nested too deeply") from None
    except ValueError as e:  # UnicodeDecodeError and JSONDecodeError included
        raise _Unusable(f"its metadata is not JSON ({e})") from None


def _is_int(v) -> bool:
    return type(v) is int


def _is_number(v) -> bool:
    return type(v) in (int, float) and math.isfinite(v)


#: What each metadata field must be; checked before any is used or shown.
_META_TYPES = {
    "format": _is_int,
    "name": lambda v: v is None or isinstance(v, str),
    "arch": lambda v: isinstance(v, str) and len(v) < 200,
    "layers": lambda v: _is_int(v) and 1 <= v <= MAX_LAYERS,
    "max_err": lambda v: _is_number(v) and v >= 0,
    "delta": lambda v: v is None or (_is_number(v) and v > 0),
    "epochs": lambda v: _is_int(v) and v >= 0,
    "seconds": lambda v: _is_number(v) and v >= 0,
    "sha256": lambda v: isinstance(v, str) and re.fullmatch(r"[0-9a-f]{64}", v) is not None,
}


def _meta_problem(meta) -> str | None:
    """What is wrong with an entry's metadata, or None."""
    if not isinstance(meta, dict):
        return "its metadata is not a JSON object"
    fmt = meta.get("format")
    if not _is_int(fmt) or fmt != FORMAT_VERSION:
        return f"format version {_short(fmt)}, expected {FORMAT_VERSION}"
    for field, ok in _META_TYPES.items():
        if field not in meta:
            return f"its metadata has no {field!r}"
        if not ok(meta[field]):
            return f"its metadata has a bad {field!r}: {_short(meta[field])}"
    return None


def _short(value) -> str:
    """``repr`` of a metadata value, cut short: hostile values can be huge."""
    try:
        text = repr(value)
    except (RecursionError, ValueError):
        return f"a {type(value).__name__}"
    return text if len(text) <= 40 else text[:37] + "..."


_ARRAY_NAME = re.compile(r"[Wb][1-9][0-9]*\.npy")


def _read_arrays(data: bytes, layers: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``W1..Wn`` and ``b1..bn`` from an entry's npz, never unpickling."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = {i.filename: i for i in zf.infolist()}
            if sum(i.file_size for i in infos.values()) > MAX_NPZ_BYTES:
                raise _Unusable("its weights unpack to more than "
                                f"{MAX_NPZ_BYTES:,} bytes")

            def array(name: str) -> np.ndarray:
                info = infos.get(f"{name}.npy")
                if info is None:
                    raise _Unusable(f"its weights have no {name}")
                if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) \
                        or info.flag_bits & 1:
                    raise _Unusable(f"its weights store {name} in a way numpy never writes")
                a = np.lib.format.read_array(io.BytesIO(zf.read(info)), allow_pickle=False)
                if a.dtype.kind != "f" or not np.isfinite(a).all():
                    raise _Unusable(f"its weights {name} are not finite floats")
                return np.asarray(a, dtype=float)

            return ([array(f"W{i}") for i in range(1, layers + 1)],
                    [array(f"b{i}") for i in range(1, layers + 1)])
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError,
            ValueError) as e:
        raise _Unusable(f"its weights cannot be read ({e})") from None


# ------------------------------------------------------- recognising files
#: The names the store gives its files: entries and the writers' temporaries.
_ENTRY_NAME = re.compile(r"([0-9a-f]{64})\.(json|npz|fail)")
_TEMP_NAME = re.compile(r"\.([0-9a-f]{64})\.(json|npz|fail)\.[A-Za-z0-9_]{1,16}\.tmp")
_NPZ_START = b"PK\x03\x04"
_JSON_START = b'{\n "format": '


def _is_own(path: Path) -> bool:
    """Whether ``path`` is a file the store wrote: its name and its content."""
    entry, temp = _ENTRY_NAME.fullmatch(path.name), _TEMP_NAME.fullmatch(path.name)
    if not (entry or temp):
        return False
    kind = (entry or temp).group(2)
    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            return False
        head = _read_regular(path, MAX_NPZ_BYTES)
    except (OSError, _Unusable):
        return False
    if kind == "npz":
        # a zip whose first member is one of the arrays np.savez wrote; true of
        # a truncated entry and of a killed writer's partial file as well
        name_len = int.from_bytes(head[26:28], "little")
        complete = head.startswith(_NPZ_START) and _ARRAY_NAME.fullmatch(
            head[30:30 + name_len].decode("latin-1")) is not None
        return complete or (temp is not None and _NPZ_START.startswith(head[:4]))
    if temp is not None:
        return head[:len(_JSON_START)] == _JSON_START[:len(head)]
    try:
        meta = json.loads(head.decode("utf-8"))
    except (ValueError, RecursionError):
        return False
    if kind == "fail":  # a remembered failure (ModelStore.remember_failure)
        return isinstance(meta, dict) and _is_int(meta.get("format")) \
            and meta.get("kind") == "failure"
    return (isinstance(meta, dict) and _is_int(meta.get("format"))
            and _META_TYPES["sha256"](meta.get("sha256")))
