"""run, verify and train on a Dask cluster give the results of a local run.

Three ways of running are compared: no scheduler, ``local:2`` (a
LocalCluster) and a real cluster (a ``dask scheduler`` process and two
``dask worker`` processes on 127.0.0.1, started here).  Under CI=true dask is
installed by ``.ci/run`` and these tests run.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent

if os.environ.get("CI") != "true":
    pytest.importorskip("dask.distributed")

from circuitnn.cli import main  # noqa: E402
from circuitnn.read import load_circuit  # noqa: E402
from circuitnn.run.distributed import (  # noqa: E402
    Cluster,
    VerifySummary,
    connect,
    run_chunks,
    train_on,
    verify_chunks,
)
from circuitnn.run.exact import ExactEngine  # noqa: E402
from circuitnn.run.session import Session  # noqa: E402
from circuitnn.run.vectors import RandomVectors  # noqa: E402
from circuitnn.store import ModelStore  # noqa: E402

RCA = str(ROOT / "circuits" / "ripple_carry_adder_8.yaml")
C432 = str(ROOT / "data" / "benchmarks" / "iscas85" / "c432.bench")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def local2():
    cluster = connect("local:2")
    yield cluster
    cluster.close()


@pytest.fixture(scope="module")
def real_cluster(tmp_path_factory):
    """A scheduler and two worker processes on 127.0.0.1, as a user starts them."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    work = tmp_path_factory.mktemp("dask")
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler",
                               "--host", "127.0.0.1", "--port", str(port),
                               "--dashboard-address", ":0"],
                              cwd=work, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)]
    for _ in range(2):
        procs.append(subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker",
                                       address, "--nthreads", "1", "--nworkers", "1",
                                       "--no-dashboard"],
                                      cwd=work, env=env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL))
    cluster = connect(address, timeout=60)
    cluster.client.wait_for_workers(2, timeout=120)
    yield address, cluster, procs
    cluster.close()
    for p in procs:
        with contextlib.suppress(ProcessLookupError):
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()


def _cli(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def _verify_lines(text: str) -> list[str]:
    # the timing line is the only one allowed to differ
    return [line for line in text.splitlines() if "time:" not in line]


# ------------------------------------------------------------------ run
def test_run_output_is_identical_on_every_scheduler(store, local2, real_cluster):
    address = real_cluster[0]
    args = ["run", RCA, "--random", "3000", "--seed", "7", "--format", "csv",
            "--store", str(store.root), "--chunk", "700"]
    code, alone, _ = _cli(*args[:-2])
    assert code == 0
    for spec in ("local:2", address):
        code, there, err = _cli(*args, "--scheduler", spec)
        assert code == 0, err
        assert there == alone
    # and the CSV is right: the sums are Python's
    rows = [line.split(",") for line in alone.splitlines()[1:]]
    header = alone.splitlines()[0].split(",")
    col = {h: i for i, h in enumerate(header)}
    for r in rows:
        a, b, cin = int(r[col["a"]]), int(r[col["b"]]), int(r[col["cin"]])
        assert int(r[col["sum"]]) + 256 * int(r[col["cout"]]) == a + b + cin


def test_run_chunks_come_back_in_input_order(store, local2):
    circuit = load_circuit(C432)
    session = Session.from_store(circuit, store)
    vectors = RandomVectors(circuit, 5000, seed=3)
    parts = list(run_chunks(local2, session, vectors, size=611))
    assert [p.bits.shape[1] for p in parts] == [611] * 8 + [5000 - 8 * 611]
    inputs = np.concatenate([p.inputs for p in parts], axis=1)
    analog = np.concatenate([p.analog for p in parts], axis=1)
    assert (inputs == vectors.all_bits()).all()
    # chunking changes the engine's blocking, hence the last bits of float32 sums
    np.testing.assert_allclose(analog, session.engine.run(inputs), rtol=0, atol=1e-6)
    bits = (analog > 0.5).astype(np.uint8)
    assert (bits == ExactEngine(circuit).run(inputs)).all()


# --------------------------------------------------------------- verify
def test_verify_report_is_identical_on_every_scheduler(store, local2, real_cluster):
    address = real_cluster[0]
    args = ["verify", C432, "--random", "20000", "--seed", "5", "--store", str(store.root)]
    code, alone, _ = _cli(*args)
    assert code == 0 and "mismatches: 0" in alone
    for spec in ("local:2", address):
        code, there, err = _cli(*args, "--scheduler", spec, "--chunk", "3001")
        assert code == 0, err
        assert _verify_lines(there) == _verify_lines(alone)


def test_verify_summary_keeps_the_first_mismatches_in_input_order(store, local2):
    """A net swapped for another's gives mismatches; the cluster reports the
    same count, the same first five vectors and the same margin."""
    circuit = load_circuit(RCA)
    good = Session.from_store(circuit, store)
    nets = dict(good.nets)
    xor = next(n for n in nets if n.startswith("XOR"))
    other = next(n for n in nets if n != xor and nets[n].n_inputs == nets[xor].n_inputs)
    nets[xor] = nets[other]
    bad = Session(circuit, nets)
    vectors = RandomVectors(circuit, 4000, seed=11)
    whole = verify_chunks(bad, vectors, size=4000)
    here = verify_chunks(bad, vectors, size=333)
    there = verify_chunks(bad, vectors, size=333, cluster=local2)
    assert whole.mismatches > 5
    for s in (here, there):
        assert (s.rows, s.mismatches) == (whole.rows, whole.mismatches)
        assert [f[0] for f in s.first] == [f[0] for f in whole.first]
        assert s.min_margin == pytest.approx(whole.min_margin, abs=1e-7)
    # the first mismatches really are the first vectors that differ
    report = bad.verify(vectors.all_bits())
    assert [f[0] for f in whole.first] == [int(i) for i in report.mismatched_rows[:5]]


def test_summaries_merge_in_order():
    a = VerifySummary(10, 2, 0.3, [(1, None, None, None), (4, None, None, None)])
    b = VerifySummary(5, 4, 0.2, [(11, None, None, None)] * 4)
    m = a.merge(b)
    assert (m.rows, m.mismatches, m.min_margin) == (15, 6, 0.2)
    assert [f[0] for f in m.first] == [1, 4, 11, 11, 11]


# ---------------------------------------------------------------- train
def test_train_on_the_cluster_stores_the_same_nets(tmp_path, local2, real_cluster):
    address = real_cluster[0]
    stores = {}
    for name, spec in (("alone", None), ("local", "local:2"), ("real", address)):
        root = tmp_path / name
        args = ["train", RCA, C432, "--store", str(root)]
        code, out, err = _cli(*args, *(("--scheduler", spec) if spec else ()))
        assert code == 0, err
        stores[name] = ModelStore(root)
    keys = {n: sorted(e["key"] for e in s.entries()) for n, s in stores.items()}
    assert keys["alone"] == keys["local"] == keys["real"] and keys["alone"]
    circuit = load_circuit(C432)
    for name, s in stores.items():
        nets = {p: s.get(tt) for p, tt in circuit.primitives.items()}
        assert None not in nets.values(), name
        ref = {p: stores["alone"].get(tt) for p, tt in circuit.primitives.items()}
        for p in nets:
            for w, w0 in zip(nets[p].weights, ref[p].weights):
                np.testing.assert_array_equal(w, w0)


def test_train_on_spreads_groups_and_keeps_order(local2):
    from circuitnn.ir.primitives import STANDARD
    from circuitnn.nn import TrainSettings

    tables = [STANDARD[n] for n in ("AND2", "XOR2", "OR3", "AND2", "MUX2", "NAND2")]
    nets = train_on(local2)(tables, TrainSettings())
    assert len(nets) == len(tables)
    for tt, net in zip(tables, nets):
        # each net computes its own table (order kept), checked on every row
        assert net.n_inputs == tt.n_inputs
        assert ((net.forward(tt.input_matrix()) > 0.5) == tt.table.astype(bool)).all(), tt


# ------------------------------------------------------------- failures
def test_a_worker_killed_mid_job_still_gives_the_right_answer(store, tmp_path):
    """Two worker processes; once one of them holds a chunk and the only copy of
    the circuit's payload, it is killed.  Dask makes the payload again, moves
    the chunks to the other worker, and the summary is unchanged."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    sched = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler",
                              "--host", "127.0.0.1", "--port", str(port),
                              "--dashboard-address", ":0"], cwd=tmp_path, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address,
                                 "--nthreads", "1", "--no-dashboard"], cwd=tmp_path, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for _ in range(2)]
    try:
        cluster = connect(address, timeout=60)
        cluster.client.wait_for_workers(2, timeout=120)
        circuit = load_circuit(C432)
        session = Session.from_store(circuit, store)
        vectors = RandomVectors(circuit, 300_000, seed=2)  # 150 chunks: the kill lands mid-job
        expected = verify_chunks(session, vectors, size=2000)
        pids = cluster.client.run(os.getpid)  # worker address -> its process id
        victim = {}

        def kill_when_busy():
            # The hard case is a worker holding the payload's only copy (the
            # copy nothing else can fetch).  Wait for it, then take any busy one.
            client = cluster.client
            start = time.monotonic()
            while time.monotonic() < start + 120:
                busy = [a for a, tasks in client.processing().items() if tasks]
                holders = {a for k, where in client.who_has().items()
                           if "payload" in str(k).lower() for a in where}
                sole = [a for a in busy if holders == {a}]
                if sole or (busy and time.monotonic() > start + 20):
                    victim.update(pid=pids[(sole or busy)[0]], sole=bool(sole))
                    os.kill(victim["pid"], signal.SIGKILL)
                    return
                time.sleep(0.002)

        killer = threading.Thread(target=kill_when_busy)
        killer.start()
        got = verify_chunks(session, vectors, size=2000, cluster=cluster)
        killer.join()
        assert victim.get("pid") in pids.values(), (victim, pids)  # a worker really died
        print(f"killed the payload's only holder: {victim['sole']}")
        assert (got.rows, got.mismatches, got.first) == (expected.rows, expected.mismatches,
                                                         expected.first)
        assert got.min_margin == pytest.approx(expected.min_margin, abs=1e-7)
        cluster.close()
    finally:
        for p in [sched, *workers]:
            with contextlib.suppress(ProcessLookupError):
                p.kill()
            p.wait(timeout=20)


def test_an_unreachable_scheduler_is_exit_2_and_one_message():
    port = _free_port()  # nothing listens there
    proc = subprocess.run([sys.executable, "-m", "circuitnn", "verify", RCA, "--scheduler",
                           f"tcp://127.0.0.1:{port}"], capture_output=True, text=True,
                          cwd=ROOT, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"error: cannot reach the Dask scheduler at tcp://127.0.0.1:"
                               f"{port} within")
    assert "Traceback" not in proc.stderr


def test_scheduler_from_the_environment(monkeypatch, store):
    monkeypatch.setenv("CIRCUITNN_SCHEDULER", "nonsense")
    code, _, err = _cli("run", RCA, "--random", "3", "--store", str(store.root))
    assert code == 2 and "--scheduler 'nonsense' is not a scheduler" in err


def test_without_a_scheduler_dask_is_not_imported(store):
    code = ("import sys\nfrom circuitnn.cli import main\n"
            f"main(['run', {RCA!r}, '--random', '5', '--store', {str(store.root)!r}])\n"
            "bad = [m for m in sys.modules if m.startswith(('dask', 'distributed', "
            "'circuitnn.run.distributed'))]\nprint(bad)\nassert not bad\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_local_cluster_has_the_workers_asked_for(local2):
    assert isinstance(local2, Cluster) and local2.n_workers == 2


# ------------------------------------------------------------------ sim
S298 = str(ROOT / "data" / "benchmarks" / "iscas89" / "s298.bench")


def test_sim_streams_are_identical_on_every_scheduler(store, local2, real_cluster):
    """Streams split over the workers, cycles cut into windows of 1,024 with
    the registers' state carried across: the same CSV as one local run, on
    random stimulus and on a stimulus file, and the same as the exact engine."""
    address = real_cluster[0]
    base = ["sim", S298, "--format", "csv", "--store", str(store.root)]
    rand = ["--random", "1100", "--streams", "3", "--seed", "4"]
    code, alone, _ = _cli(*base, *rand)
    assert code == 0
    for spec in ("local:2", address):
        code, there, err = _cli(*base, *rand, "--scheduler", spec)
        assert code == 0, err
        assert there == alone
    code, exact, _ = _cli(*base, *rand, "--exact")
    assert code == 0 and exact == alone
    # a stimulus file read on the client, its bits sent to the workers
    lines = alone.splitlines()
    n_in = len(load_circuit(S298).inputs)
    stim = "\n".join(",".join(r.split(",")[:2 + n_in]) for r in lines) + "\n"
    path = Path(store.root).parent / "s298-stimulus.csv"
    path.write_text(stim)
    code, from_file, err = _cli(*base, "--stimulus", str(path), "--streams", "3",
                                "--scheduler", "local:2")
    assert code == 0, err
    assert from_file == alone
