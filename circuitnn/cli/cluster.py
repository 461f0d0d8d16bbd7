"""``--scheduler``: the CLI side of running on a Dask cluster.

Without ``--scheduler`` and without ``$CIRCUITNN_SCHEDULER`` nothing here
imports dask, and every command runs as before.
"""

from __future__ import annotations

import contextlib
import sys

__all__ = ["add_scheduler_option", "cluster_of"]


def add_scheduler_option(parser) -> None:
    """Add ``--scheduler`` and ``--chunk`` to a subcommand's parser."""
    g = parser.add_argument_group("on a Dask cluster (pip install 'circuitnn[dask]')")
    g.add_argument("--scheduler", metavar="SPEC",
                   help="local[:N] starts N workers here; tcp://HOST:PORT uses a running "
                        "scheduler (default: $CIRCUITNN_SCHEDULER, else no cluster)")
    from . import _count

    g.add_argument("--chunk", type=_count, metavar="N",
                   help="vectors per chunk sent to a worker (default 262144)")


@contextlib.contextmanager
def cluster_of(args):
    """The cluster ``args`` names, connected for the duration, or None."""
    import os

    # the variable's name is circuitnn.run.distributed.ENV; that module (and
    # dask) is imported only when a cluster is named
    spec = getattr(args, "scheduler", None) or os.environ.get("CIRCUITNN_SCHEDULER")
    if not spec:
        yield None
        return
    from ..errors import UsageError
    from ..run.distributed import connect, log_to_stderr

    chunk = getattr(args, "chunk", None)
    if chunk is not None and chunk < 1:
        raise UsageError(f"--chunk {chunk}: give a positive number of vectors")
    cluster = connect(spec, log=log_to_stderr)
    try:
        yield cluster
    finally:
        cluster.close()


def chunk_of(args) -> int:
    """``--chunk``, or the default chunk size."""
    from ..run.distributed import DEFAULT_CHUNK

    return getattr(args, "chunk", None) or DEFAULT_CHUNK


def progress_of(args):
    """A chunk-progress printer for standard error when it is a terminal."""
    if not sys.stderr.isatty():
        return None

    def report(message: str) -> None:
        print(f"\r\033[K{message}", end="", file=sys.stderr, flush=True)

    return report
