"""Vector I/O, streaming and start-up, each against a baseline measured in the same run.

Prints one table of rows ``measurement | circuitnn | baseline | ratio``:

* end to end: ``circuitnn run rca32 --vectors 100k.csv --format csv`` (whole
  process, warm store; rca32 is the library's ``ripple_carry_adder(32)``
  written to YAML) against ``benchmarks/pyrtl_rca32.py``, PyRTL's
  FastSimulation doing the same; the two outputs are compared byte for byte;
* ``--format json`` for 100k random vectors through c6288 (time, peak RSS),
  against the same run with ``--format csv``;
* ``--random 30000000 --format csv`` on the half adder: peak RSS, against a
  process that only imports numpy;
* the warm half-adder run, whole process, against ``python -c "import numpy"``
  (bytecode cached, as an installed package has it);
* what loading the compiled kernel costs a fresh process: the first call of
  a 300-vector run with the C library (ctypes) against the same first call in
  the numpy engine;
* in-process: CSV read (column-wise against the row reader), CSV and JSON
  writing (column-wise against per-row Python formatting, as before), and
  YAML parsing (libyaml's event stream against PyYAML's pure-Python loader).

Times are medians of several runs, wall clock and CPU (user + system, of
the process and its children): the machine may be shared, and CPU time is
what load changes least.  Read the ratios.  Run: ``python benchmarks/bench_io.py [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from circuitnn.library import array_multiplier, ripple_carry_adder  # noqa: E402
from circuitnn.read import load_circuit, yaml_loader  # noqa: E402
from circuitnn.run.output import CsvWriter, JsonWriter  # noqa: E402
from circuitnn.run.session import Session  # noqa: E402
from circuitnn.run.vector_files import _parse_block_rows, read_csv_columns  # noqa: E402
from circuitnn.run.vectors import RandomVectors  # noqa: E402
from circuitnn.store import ModelStore  # noqa: E402

C6288 = ROOT / "data" / "benchmarks" / "iscas85" / "c6288.bench"
HALF_ADDER = ROOT / "circuits" / "half_adder.yaml"


_TIME = shutil.which("time") or ("/usr/bin/time" if os.path.exists("/usr/bin/time") else None)


def run(cmd: list[str], env: dict, stdout=subprocess.DEVNULL) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MiB) of one process.

    The peak comes from GNU time when it is installed: a child forked from
    this (large) process would otherwise report this process's size, which
    Linux carries over exec into the child's high-water mark."""
    wrapped = [_TIME, "-f", "%M"] + cmd if _TIME else cmd
    start = time.perf_counter()
    proc = subprocess.Popen(wrapped, cwd=ROOT, env=env, stdout=stdout, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    err = proc.stderr.read().decode()
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err}")
    cpu = usage.ru_utime + usage.ru_stime
    if _TIME:
        return seconds, cpu, int(err.strip().splitlines()[-1]) / 1024
    return seconds, cpu, usage.ru_maxrss / 1024


def median_run(cmd, env, repeats, stdout_path=None):
    """Median wall and CPU seconds of ``repeats`` runs, and the largest peak RSS."""
    times, cpus, rss = [], [], []
    for _ in range(repeats):
        if stdout_path is None:
            t, c, m = run(cmd, env)
        else:
            with open(stdout_path, "wb") as f:
                t, c, m = run(cmd, env, stdout=f)
        times.append(t)
        cpus.append(c)
        rss.append(m)
    return statistics.median(times), statistics.median(cpus), max(rss)


def both(wall: float, cpu: float) -> str:
    return f"{wall:.2f} s ({cpu:.2f} s CPU)"


def best(f, repeats=3, clock=time.perf_counter):
    out = []
    for _ in range(repeats):
        start = clock()
        f()
        out.append(clock() - start)
    return min(out)


def old_csv(result, out) -> None:
    """CSV as circuitnn wrote it before: a Python loop over rows and values."""
    ins, outs = result.input_values(), result.output_values()
    print(",".join(list(ins) + list(outs)), file=out)
    cols = [ins[n] for n in ins] + [outs[n] for n in outs]
    for row in zip(*cols):
        print(",".join(str(int(v)) for v in row), file=out)


def old_json(result, out) -> None:
    """JSON as circuitnn wrote it before: a dict per row, json.dump(indent=1)."""
    ins, outs = result.input_values(), result.output_values()
    conf = result.port_confidence()
    rows = [{"inputs": {n: int(v[i]) for n, v in ins.items()},
             "outputs": {n: int(v[i]) for n, v in outs.items()},
             "confidence": {n: round(float(c[i]), 6) for n, c in conf.items()}}
            for i in range(result.inputs.shape[1])]
    json.dump({"circuit": result.circuit.name, "rows": rows}, out, indent=1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller runs")
    ap.add_argument("--repeats", type=int, default=3)
    opts = ap.parse_args()
    n_e2e = 20_000 if opts.quick else 100_000
    n_json = 20_000 if opts.quick else 100_000
    n_rss = 3_000_000 if opts.quick else 30_000_000

    load_before = " ".join(f"{x:.1f}" for x in os.getloadavg())
    tmp = Path(tempfile.mkdtemp(prefix="circuitnn-bench-io-"))
    store_dir = os.environ.get("CIRCUITNN_STORE") or str(tmp / "store")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CIRCUITNN_STORE": store_dir,
           "PYTHONPYCACHEPREFIX": str(tmp / "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    py = sys.executable
    cli = [py, "-m", "circuitnn"]
    rows: list[tuple[str, str, str, str]] = []

    def row(what, ours, base, ratio=""):
        rows.append((what, ours, base, ratio))
        print(f"  {what}: {ours} | {base} {ratio}", file=sys.stderr, flush=True)

    # ---------------------------------------------------------- inputs
    rca32 = tmp / "rca32.yaml"
    rca32.write_text(ripple_carry_adder(32).to_yaml())
    rng = np.random.default_rng(16)
    a, b = rng.integers(0, 2**32, n_e2e), rng.integers(0, 2**32, n_e2e)
    cin = rng.integers(0, 2, n_e2e)
    vec = tmp / "vectors.csv"
    vec.write_text("a,b,cin\n" + "".join(f"{x},{y},{z}\n" for x, y, z in zip(a, b, cin)))
    for circuit in (rca32, C6288, HALF_ADDER):  # train or load: the store is warm after
        run(cli + ["run", str(circuit), "--random", "10", "--format", "csv"], env)
    # warm the machine as well: the first run of this size builds the kernel's C library
    run(cli + ["run", str(rca32), "--vectors", str(vec), "--format", "csv"], env)

    # ------------------------------------------------------ end to end
    ours_out, theirs_out = tmp / "ours.csv", tmp / "pyrtl.csv"
    e2e = cli + ["run", str(rca32), "--vectors", str(vec), "--format", "csv"]
    ours, ours_cpu, _ = median_run(e2e, env, opts.repeats, stdout_path=ours_out)
    theirs, theirs_cpu, _ = median_run(
        [py, str(ROOT / "benchmarks" / "pyrtl_rca32.py"), str(vec), str(theirs_out)], env,
        opts.repeats)
    same = ours_out.read_bytes() == theirs_out.read_bytes()
    row(f"rca32, {n_e2e:,} vectors CSV -> CSV, whole process (outputs identical: "
        f"{'yes' if same else 'NO'})", both(ours, ours_cpu),
        f"PyRTL FastSimulation {both(theirs, theirs_cpu)}",
        f"{theirs / ours:.1f}x faster ({theirs_cpu / ours_cpu:.1f}x CPU)")
    np_wall, np_cpu, _ = median_run(e2e, {**env, "CIRCUITNN_NATIVE": "0"}, opts.repeats)
    row("  the same run without the kernel's C build (CIRCUITNN_NATIVE=0: numpy engine)",
        both(ours, ours_cpu), f"numpy engine {both(np_wall, np_cpu)}",
        f"{np_cpu / ours_cpu:.1f}x CPU")
    _, floor_cpu, _ = median_run([py, "-c", "import numpy"], env, opts.repeats)
    row("  its floor: the interpreter and numpy's import", "",
        f"python -c 'import numpy' {floor_cpu:.2f} s CPU",
        f"PyRTL / floor {theirs_cpu / floor_cpu:.1f}x CPU")

    load = ("import sys, time, numpy as np\n"
            "from circuitnn.read import load_circuit\n"
            "from circuitnn.run.kernel import KernelEngine\n"
            "from circuitnn.run.session import train_nets\n"
            "from circuitnn.store import default_store\n"
            f"c = load_circuit({str(HALF_ADDER)!r})\n"
            "e = KernelEngine(c, train_nets(c, default_store()), compiled=sys.argv[1] == 'C')\n"
            "bits = np.random.default_rng(0).integers(0, 2, (2, 300)).astype(np.uint8)\n"
            "t = time.process_time(); e.run(bits); print(time.process_time() - t)\n")
    first = {}
    for build in ("C", "numpy"):
        out = subprocess.run([py, "-c", load, build], env=env, capture_output=True, text=True)
        first[build] = (statistics.median(
            float(subprocess.run([py, "-c", load, build], env=env, capture_output=True,
                                 text=True, check=True).stdout) for _ in range(opts.repeats))
            if out.returncode == 0 else None)
    if None not in first.values():
        row("loading the compiled kernel in a fresh process (first 300-vector call, CPU)",
            f"C library {first['C'] * 1e3:.1f} ms",
            f"numpy engine {first['numpy'] * 1e3:.1f} ms",
            f"{first['numpy'] / first['C']:.1f}x")

    # ------------------------------------------------------------ JSON
    json_out = tmp / "c6288.json"
    t_json, c_json, m_json = median_run(cli + ["run", str(C6288), "--random", str(n_json),
                                               "--format", "json"], env, opts.repeats,
                                        stdout_path=json_out)
    t_csv, c_csv, m_csv = median_run(cli + ["run", str(C6288), "--random", str(n_json),
                                            "--format", "csv"], env, opts.repeats)
    size = json_out.stat().st_size / 2**20
    assert len(json.loads(json_out.read_text())["rows"]) == n_json
    row(f"c6288, {n_json:,} random vectors, --format json ({size:.0f} MiB, valid JSON)",
        f"{both(t_json, c_json)}, {m_json:.0f} MiB",
        f"--format csv {both(t_csv, c_csv)}, {m_csv:.0f} MiB",
        f"json/csv time {t_json / t_csv:.2f}")

    # ------------------------------------------------------------- RSS
    t_rss, _, m_rss = median_run(cli + ["run", str(HALF_ADDER), "--random", str(n_rss),
                                        "--format", "csv"], env, 1)
    _, _, m_np = run([py, "-c", "import numpy"], env)
    row(f"half adder --random {n_rss:,} --format csv: peak RSS", f"{m_rss:.0f} MiB "
        f"({t_rss:.1f} s)", f"python + numpy {m_np:.0f} MiB")

    # -------------------------------------------------------- start-up
    cmd = cli + ["run", str(HALF_ADDER)]
    run(cmd, env)  # write the bytecode cache
    reps = max(7, opts.repeats)
    t_ha, c_ha, _ = median_run(cmd, env, reps)
    t_np, c_np, _ = median_run([py, "-c", "import numpy"], env, reps)
    t_py, c_py, _ = median_run([py, "-c", "pass"], env, reps)
    row("half adder run, warm, whole process (median)", f"{t_ha:.3f} s ({c_ha:.3f} CPU)",
        f"python -c 'import numpy' {t_np:.3f} s ({c_np:.3f}), python -c pass {t_py:.3f} s "
        f"({c_py:.3f})", f"circuitnn beyond numpy {t_ha - t_np:.3f} s ({c_ha - c_np:.3f} CPU)")

    # ------------------------------------------------------- in-process
    circuit = load_circuit(rca32)
    t_new = best(lambda: read_csv_columns(str(vec), circuit))
    text = vec.read_text().split("\n", 1)[1]
    widths = [p.width for p in circuit.inputs]
    t_old = best(lambda: _parse_block_rows(text, ["a", "b", "cin"], widths, "v", 2), 1)
    row(f"read {n_e2e:,} CSV rows (rca32 inputs)", f"{t_new * 1e3:.0f} ms column-wise",
        f"{t_old * 1e3:.0f} ms row reader", f"{t_old / t_new:.0f}x")

    sess = Session.from_store(circuit, ModelStore(store_dir))
    result = sess.run_bits(RandomVectors(circuit, n_e2e, 0).all_bits())
    for name, new_cls, old in (("CSV", CsvWriter, old_csv), ("JSON", JsonWriter, old_json)):
        def new(new_cls=new_cls):
            with open(os.devnull, "wb") as f:
                w = new_cls(f, circuit)
                w.begin(n_e2e)
                w.write(result)
                w.end()

        def before(old=old):
            with open(os.devnull, "w") as f:
                old(result, f)

        t_new, t_old = best(new), best(before, 1)
        row(f"write {n_e2e:,} rows of rca32 results as {name}", f"{t_new * 1e3:.0f} ms",
            f"{t_old * 1e3:.0f} ms per-row Python", f"{t_old / t_new:.0f}x")

    yaml_text = array_multiplier(24).to_yaml()
    mb = len(yaml_text.encode()) / 1e6
    results = {}
    for flag in (True, False):
        yaml_loader.LIBYAML = flag
        for clock in (time.perf_counter, time.process_time):
            results[flag, clock] = best(lambda: yaml_loader.parse_yaml(yaml_text, "m.yaml"),
                                        5 if flag else 1, clock)
    yaml_loader.LIBYAML = yaml_loader.LIBYAML_AVAILABLE
    wall, cpu = time.perf_counter, time.process_time
    row(f"parse YAML ({mb * 1000:.0f} KB netlist), wall (CPU)",
        f"libyaml events {mb / results[True, wall]:.2f} ({mb / results[True, cpu]:.2f}) MB/s",
        f"pure-Python PyYAML {mb / results[False, wall]:.2f} ({mb / results[False, cpu]:.2f}) "
        "MB/s", f"{results[False, cpu] / results[True, cpu]:.1f}x")

    print(f"load average before: {load_before}, after: "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores)")
    print(f"{'measurement':<70} | {'circuitnn':<22} | {'baseline (same run)':<44} | ratio")
    print(f"{'-' * 70}-+-{'-' * 22}-+-{'-' * 44}-+------")
    for what, ours, base, ratio in rows:
        print(f"{what:<70} | {ours:<22} | {base:<44} | {ratio}")


if __name__ == "__main__":
    main()
