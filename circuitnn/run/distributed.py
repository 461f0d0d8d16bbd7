"""Running, verifying and training on a Dask cluster.

Nothing here is imported unless ``--scheduler`` (or ``CIRCUITNN_SCHEDULER``)
names a cluster, and ``dask.distributed`` is imported only inside
:func:`connect`.  The work is the local work, cut differently:

* **vectors** are cut into chunks of :data:`DEFAULT_CHUNK` vectors.  A chunk
  of random or exhaustive vectors is described by ``(lo, hi)`` alone and made
  on the worker (random vectors come in fixed blocks drawn from
  ``(seed, block)``, see :class:`~circuitnn.run.vectors.RandomVectors`, so
  they are the same whatever the chunking); vectors read from a file travel
  as bits.
* **the circuit and its nets** are sent to every worker once
  (``scatter(broadcast=True)``): the flat circuit with its schedule arrays and
  each net's weight arrays.  Workers need no model store and no shared
  filesystem; each builds its engine once and keeps it.
* **results** come back in input order: ``run`` keeps a bounded window of
  chunks in flight and writes each as soon as it and all before it are done;
  ``verify`` reduces every chunk to a :class:`VerifySummary` and merges them.
* **training** sends each distinct truth table that the store lacks to a
  worker; the nets come back and the client's store keeps them.

Dask retries the chunks of a worker that dies; Ctrl-C cancels the futures.
"""

from __future__ import annotations

import os
import re
import sys
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from ..errors import UsageError

__all__ = ["DEFAULT_CHUNK", "ENV", "parse_scheduler", "scheduler_from", "connect",
           "Cluster", "VerifySummary", "summarize", "run_chunks", "verify_chunks",
           "train_on", "ClusterSim"]

#: Environment variable naming the scheduler when ``--scheduler`` is not given.
ENV = "CIRCUITNN_SCHEDULER"

#: Vectors per chunk.  Measured on c6288 (2,416 gates, see
#: benchmarks/bench_dask.py): a chunk of 2**18 vectors takes about 1 s of
#: neural evaluation on one core, against a scheduling cost of a few
#: milliseconds per task, so overhead stays under 1%; smaller circuits give
#: shorter chunks, which the window of chunks in flight absorbs.
DEFAULT_CHUNK = 1 << 18

_SPEC = re.compile(r"^local(?::(\d+))?$")


def parse_scheduler(spec: str) -> tuple[str, int | str]:
    """``("local", n_workers)`` or ``("address", "tcp://host:port")``.

    Examples
    --------
    >>> parse_scheduler("local:3"), parse_scheduler("local")[0]
    (('local', 3), 'local')
    >>> parse_scheduler("tcp://10.0.0.5:8786")
    ('address', 'tcp://10.0.0.5:8786')
    >>> parse_scheduler("local:0")
    Traceback (most recent call last):
    ...
    circuitnn.errors.UsageError: scheduler 'local:0': a local cluster needs 1 worker or more
    """
    spec = spec.strip()
    m = _SPEC.match(spec)
    if m:
        n = int(m.group(1)) if m.group(1) else (os.cpu_count() or 1)
        if n < 1:
            raise UsageError(f"scheduler {spec!r}: a local cluster needs 1 worker or more",
                             cli=f"--scheduler {spec!r}: a local cluster needs 1 worker or "
                                 "more")
        return "local", n
    if re.match(r"^(tcp|tls|inproc|ucx)://\S+$", spec):
        return "address", spec
    text = (f"{spec!r} is not a scheduler; write local, local:N (N workers on this machine) "
            "or tcp://HOST:PORT (a running cluster)")
    raise UsageError(f"scheduler {text}", cli=f"--scheduler {text}")


def scheduler_from(given: str | None, environ=None) -> str | None:
    """The scheduler a command uses: ``--scheduler``, else ``$CIRCUITNN_SCHEDULER``,
    else None (no cluster, and dask is not imported).

    Examples
    --------
    >>> scheduler_from(None, {}) is None, scheduler_from(None, {ENV: "local:2"})
    (True, 'local:2')
    >>> scheduler_from("tcp://h:1", {ENV: "local:2"})
    'tcp://h:1'
    """
    env = os.environ if environ is None else environ
    return given or env.get(ENV) or None


class Cluster:
    """A connected Dask client (and the local cluster it started, if any).

    Use as a context manager; :func:`connect` makes one.
    """

    def __init__(self, client, local=None, spec: str = ""):
        self.client = client
        self.local = local
        self.spec = spec

    @property
    def n_workers(self) -> int:
        return len(self.client.scheduler_info().get("workers", {}))

    @property
    def dashboard(self) -> str | None:
        return getattr(self.client, "dashboard_link", None)

    def close(self) -> None:
        self.client.close()
        if self.local is not None:
            self.local.close()

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _dask():
    try:
        import dask.distributed as dd
    except ImportError:
        text = "needs dask.distributed, which is not installed; install it with: pip " \
               "install 'circuitnn[dask]'"
        raise UsageError(f"a Dask scheduler {text}", cli=f"--scheduler {text}") from None
    return dd


def connect(spec: str, timeout: float = 10.0, log: Callable[[str], None] | None = None
            ) -> Cluster:
    """Start a local cluster or connect to a running scheduler.

    Raises
    ------
    UsageError
        When dask is missing, or the scheduler cannot be reached within
        ``timeout`` seconds (naming the address).
    """
    kind, where = parse_scheduler(spec)
    dd = _dask()
    if kind == "local":
        import dask

        # one thread per worker: the engine's numpy work is what runs in parallel
        with dask.config.set({"distributed.worker.daemon": False}):
            local = dd.LocalCluster(n_workers=int(where), threads_per_worker=1,
                                    processes=True, dashboard_address=":0",
                                    silence_logs=40)
        client = dd.Client(local)
        cluster = Cluster(client, local, spec)
    else:
        try:
            client = dd.Client(str(where), timeout=f"{timeout}s")
        except (OSError, TimeoutError) as e:
            text = (f"cannot reach the Dask scheduler at {where} within {timeout:g} s "
                    f"({type(e).__name__}); start one with 'dask scheduler' and 'dask worker "
                    "ADDRESS', or use ")
            raise UsageError(text + "the scheduler 'local:N'",
                             cli=text + "--scheduler local:N") from None
        cluster = Cluster(client, None, spec)
    if log is not None:
        link = cluster.dashboard
        log(f"dask: {cluster.n_workers} worker{'s' if cluster.n_workers != 1 else ''} "
            f"at {spec}" + (f"; dashboard {link}" if link else ""))
    return cluster


# ------------------------------------------------------------ the payload
@dataclass
class _Payload:
    """What every worker needs, sent once: the flat circuit and the nets."""

    token: str
    circuit: object
    nets: dict
    mode: str
    dtype: str


#: token -> Session, per worker process (each payload is set up once per worker)
_SESSIONS: dict = {}


def _session_of(payload: _Payload):
    s = _SESSIONS.get(payload.token)
    if s is None:
        from .session import Session

        s = Session(payload.circuit, payload.nets, mode=payload.mode,
                    dtype=np.dtype(payload.dtype))
        _SESSIONS.clear()  # one job's engine at a time per worker
        _SESSIONS[payload.token] = s
    return s


def _source(vectors) -> tuple:
    """A description of a vector source that a worker can turn into bits
    without the client (random and exhaustive), or None (bits travel)."""
    from .vectors import ExhaustiveVectors, RandomVectors

    if isinstance(vectors, RandomVectors):
        return ("random", int(vectors.n), int(vectors.seed))
    if isinstance(vectors, ExhaustiveVectors):
        return ("exhaustive", int(vectors.n))
    return ("bits",)


def _bits_on_worker(session, source: tuple, lo: int, hi: int, bits):
    from .vectors import ExhaustiveVectors, RandomVectors

    if source[0] == "random":
        return RandomVectors(session.circuit, source[1], source[2]).bits(lo, hi)
    if source[0] == "exhaustive":
        return ExhaustiveVectors(session.circuit).bits(lo, hi)
    return bits


def _run_task(payload: _Payload, source: tuple, lo: int, hi: int, bits=None):
    s = _session_of(payload)
    inputs = _bits_on_worker(s, source, lo, hi, bits)
    analog = s.engine.run(inputs)
    return inputs, analog


def _verify_task(payload: _Payload, source: tuple, lo: int, hi: int, bits=None,
                 keep: int = 5):
    s = _session_of(payload)
    inputs = _bits_on_worker(s, source, lo, hi, bits)
    return summarize(s.verify(inputs), lo, keep)


# ------------------------------------------------------------- the verify
@dataclass
class VerifySummary:
    """A verify run reduced: the same figures whether it ran in one piece,
    in chunks or on a cluster.

    ``first`` holds the first mismatching vectors in input order, each as
    ``(index, input bits, neural output bits, exact output bits)``.
    """

    rows: int = 0
    mismatches: int = 0
    min_margin: float = 0.5
    first: list = field(default_factory=list)

    def merge(self, other: VerifySummary, keep: int = 5) -> VerifySummary:
        """Both summaries as one (``other`` comes after ``self`` in input order)."""
        return VerifySummary(self.rows + other.rows, self.mismatches + other.mismatches,
                             min(self.min_margin, other.min_margin),
                             (self.first + other.first)[:keep])

    @property
    def ok(self) -> bool:
        return self.mismatches == 0


def summarize(report, offset: int = 0, keep: int = 5) -> VerifySummary:
    """A :class:`~circuitnn.run.session.VerifyReport` as a :class:`VerifySummary`,
    its vector indices shifted by ``offset``."""
    first = []
    for i in report.mismatched_rows[:keep]:
        i = int(i)
        first.append((offset + i, report.result.inputs[:, i].copy(),
                      report.result.bits[:, i].copy(), report.exact_bits[:, i].copy()))
    return VerifySummary(int(report.rows), int(len(report.mismatched_rows)),
                         float(report.min_margin), first)


# ---------------------------------------------------------- job plumbing
def _chunks(n: int, size: int) -> Iterator[tuple[int, int]]:
    for lo in range(0, n, size):
        yield lo, min(n, lo + size)


def _ordered(cluster: Cluster, fn, payload_future, vectors, size: int,
             progress: Callable[[str], None] | None, window: int | None = None):
    """Results of ``fn`` over the chunks, in input order, with at most
    ``window`` chunks in flight (memory stays bounded whatever ``n`` is)."""
    client = cluster.client
    source = _source(vectors)
    chunks = _chunks(vectors.n, size)
    total = -(-vectors.n // size)
    window = window or max(2, 2 * cluster.n_workers)
    pending: deque = deque()
    done = 0

    def submit(lo, hi):
        bits = vectors.bits(lo, hi) if source[0] == "bits" else None
        return client.submit(fn, payload_future, source, lo, hi, bits, pure=False,
                             retries=2)

    def oldest():
        nonlocal done
        lo0, hi0, fut = pending.popleft()
        yield lo0, hi0, fut.result()
        done += 1
        if progress is not None:
            progress(f"dask: {done}/{total} chunks done")

    try:
        for lo, hi in chunks:
            pending.append((lo, hi, submit(lo, hi)))
            if len(pending) >= window:
                yield from oldest()
        while pending:
            yield from oldest()
    except BaseException:
        client.cancel([f for _, _, f in pending])
        raise


def _hold(payload: _Payload) -> _Payload:
    return payload


def _share(cluster: Cluster, session) -> object:
    """A future of the payload every chunk task depends on.

    The payload is the result of a task, not scattered data: a worker makes it
    once and the others fetch it as they need it, and if every copy is lost with
    its workers the scheduler makes it again.  Scattered data cannot be remade:
    Dask's active memory manager soon drops all but one copy of a value no task
    is yet running on, and when the worker holding that copy dies every task
    that needs it is cancelled ("already forgotten").
    """
    payload = _Payload(uuid.uuid4().hex, session.circuit, dict(session.nets),
                       session.mode, np.dtype(session.dtype).name)
    return cluster.client.submit(_hold, payload, key=f"circuitnn-payload-{payload.token}",
                                 pure=False)


def run_chunks(cluster: Cluster, session, vectors, size: int = DEFAULT_CHUNK,
               progress: Callable[[str], None] | None = None) -> Iterator:
    """Results (:class:`~circuitnn.run.session.Result`) of ``vectors`` run
    through ``session``'s nets on the cluster, one per chunk, in input order."""
    from .session import Result

    payload = _share(cluster, session)
    for _, _, (inputs, analog) in _ordered(cluster, _run_task, payload, vectors, size,
                                           progress):
        yield Result(session.circuit, inputs, analog, (analog > 0.5).astype(np.uint8))


def verify_chunks(session, vectors, size: int = DEFAULT_CHUNK, cluster: Cluster | None = None,
                  progress: Callable[[str], None] | None = None, keep: int = 5
                  ) -> VerifySummary:
    """Neural engine against the exact reference over ``vectors``, chunk by
    chunk, on ``cluster`` (or here when None), reduced to one summary.

    The summary is the same with and without a cluster, whatever the chunk
    size: chunks are merged in input order.

    Examples
    --------
    >>> from circuitnn.library import ripple_carry_adder
    >>> from circuitnn.run.vectors import RandomVectors
    >>> s = ripple_carry_adder(4).compile()
    >>> v = RandomVectors(s.circuit, 1000, seed=1)
    >>> a, b = verify_chunks(s, v, size=300), verify_chunks(s, v, size=1000)
    >>> (a.rows, a.mismatches, a.min_margin == b.min_margin)
    (1000, 0, True)
    """
    total = VerifySummary()
    if cluster is None:
        for lo, hi in _chunks(vectors.n, size):
            part = summarize(session.verify(vectors.bits(lo, hi)), lo, keep)
            total = total.merge(part, keep)
        return total
    payload = _share(cluster, session)
    for _, _, part in _ordered(cluster, _verify_task, payload, vectors, size, progress):
        total = total.merge(part, keep)
    return total


# ------------------------------------------------------------- training
def _train_task(tables, settings):
    from ..nn.train import train_some

    # a table that does not train comes back as a TrainFailure, so the client
    # remembers it and decomposes it, as a local run does
    return train_some(list(tables), settings)


def train_on(cluster: Cluster, progress: Callable[[str], None] | None = None):
    """A trainer for :meth:`~circuitnn.store.ModelStore.get_or_train_many`
    that spreads the tables over the cluster's workers.

    Tables of one shape (inputs, outputs) go to one worker together, so they
    still train as one batch; shapes are spread over the workers.  The nets
    (or a :class:`~circuitnn.nn.train.TrainFailure` for a table that did not
    train) come back in the order of ``tables``.
    """

    def trainer(tables, settings, _progress=None):
        client = cluster.client
        groups: dict[tuple[int, int], list[int]] = {}
        for i, tt in enumerate(tables):
            groups.setdefault((tt.n_inputs, tt.n_outputs), []).append(i)
        # big shape groups are split so every worker gets work
        parts: list[list[int]] = []
        n_workers = max(1, cluster.n_workers)
        for idx in groups.values():
            k = max(1, -(-len(idx) // n_workers))
            parts += [idx[j:j + k] for j in range(0, len(idx), k)]
        futures = [client.submit(_train_task, [tables[i] for i in part], settings,
                                 pure=False, retries=2) for part in parts]
        nets: list = [None] * len(tables)
        try:
            for n, (part, fut) in enumerate(zip(parts, futures), 1):
                for i, net in zip(part, fut.result()):
                    nets[i] = net
                if progress is not None:
                    progress(f"dask: trained {n}/{len(parts)} groups of tables")
        except BaseException:
            client.cancel(futures)
            raise
        return nets

    return trainer


def log_to_stderr(message: str) -> None:
    """A progress line on standard error (the CLI's default log)."""
    print(message, file=sys.stderr, flush=True)


# ------------------------------------------------------------ clocked runs
def _sim_task(payload: _Payload, first: int, n: int, c0: int, c1: int, exact: bool,
              prev, stimulus):
    """Streams ``first .. first+n`` for cycles ``c0 .. c1``, from the state ``prev``
    final state (None: the initial state).  ``stimulus``: input bits
    ``(bits, cycles, n)``, or ``("random", seed)`` to draw them here."""
    from .sim import random_stimulus

    s = _session_of(payload)
    clock = s.clocked(n, exact=exact, cycles=c1 - c0, analog="outputs")
    if prev is not None:
        clock.load(prev, c0)
    if isinstance(stimulus, tuple):
        cycles = random_stimulus(s.circuit.n_input_bits, c1 - c0, n, stimulus[1], first, c0)
    else:
        cycles = stimulus
    parts = [(w.inputs, w.analog, w.outputs, w.states) for w in clock.run_windows(cycles)]
    stacked = tuple(np.concatenate([p[i] for p in parts], axis=1) for i in range(4))
    return stacked, clock.state


class ClusterSim:
    """Streams of a clocked simulation spread over a cluster: the streams cut
    into one group per worker, the cycles into windows, each group carrying
    its state from window to window.  Iterating yields one
    :class:`~circuitnn.run.sim.Cycle` of every stream per cycle, in order;
    ``state`` is the final state afterwards.

    ``stimulus`` is ``("random", seed)`` or an iterable of input bits
    ``(bits, streams)`` per cycle (then ``cycles`` may be -1: until it ends).
    """

    def __init__(self, cluster: Cluster, session, streams: int, cycles: int, stimulus,
                 exact: bool = False, window: int = 1024,
                 progress: Callable[[str], None] | None = None):
        self.cluster, self.session, self.streams = cluster, session, streams
        self.cycles, self.stimulus, self.exact = cycles, stimulus, exact
        self.window, self.progress = window, progress
        self.state: np.ndarray | None = None

    def _groups(self) -> list[tuple[int, int]]:
        k = max(1, min(self.streams, self.cluster.n_workers))
        size = -(-self.streams // k)
        return [(f, min(size, self.streams - f)) for f in range(0, self.streams, size)]

    def __iter__(self) -> Iterator:
        import itertools
        import operator

        from .sim import Cycle

        client = self.cluster.client
        payload = _share(self.cluster, self.session)
        groups = self._groups()
        states: list = [None] * len(groups)
        random = isinstance(self.stimulus, tuple)
        feed = None if random else iter(self.stimulus)
        c0 = 0
        futures: list = []
        try:
            while self.cycles < 0 or c0 < self.cycles:
                c1 = c0 + self.window if self.cycles < 0 else min(self.cycles,
                                                                   c0 + self.window)
                if feed is not None:
                    rows = list(itertools.islice(feed, c1 - c0))
                    if not rows:
                        break
                    c1 = c0 + len(rows)
                    bits = np.stack(rows, axis=1)  # (bits, cycles, streams)
                futures = []
                for gi, (first, n) in enumerate(groups):
                    stim = self.stimulus if random else bits[:, :, first:first + n]
                    futures.append(client.submit(_sim_task, payload, first, n, c0, c1,
                                                 self.exact, states[gi], stim, pure=False,
                                                 retries=2))
                states = [client.submit(operator.getitem, f, 1) for f in futures]
                parts = [f.result()[0] for f in futures]
                for c in range(c1 - c0):
                    arrays = [np.concatenate([p[i][:, c, :] for p in parts], axis=1)
                              for i in range(4)]
                    yield Cycle(c0 + c, *arrays)
                if self.progress is not None:
                    self.progress(f"dask: {c1:,} cycles of {self.streams:,} streams done")
                c0 = c1
            self.state = (np.concatenate([s.result() for s in states], axis=1)
                          if states[0] is not None else None)
        except BaseException:
            client.cancel(futures)
            raise
