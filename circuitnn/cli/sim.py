"""The ``sim`` command: run a sequential circuit clock cycle by clock cycle.

Stimulus comes from a CSV file (one row per cycle; a header naming the input
ports, optionally after a ``cycle`` column, and after a ``stream`` column
with ``--streams``) or from ``--random N``.  Each cycle's outputs are sampled
before the rising edge (PyRTL's ``step`` convention) and written as they are
computed, so memory stays bounded however many cycles run.  ``--vcd`` writes a
waveform (through pyvcd), ``--trace`` a text waveform in the terminal.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator

import numpy as np

from ..errors import Loc, UsageError, VectorError

__all__ = ["add_command", "cmd_sim", "read_stimulus"]

#: ``--trace`` draws at most this many cycles (a terminal is not a viewer).
MAX_TRACE_CYCLES = 200


# ------------------------------------------------------------------ stimulus
def _csv_rows(source: str) -> Iterator[tuple[int, list[str]]]:
    if source == "-":
        stream = sys.stdin
    else:
        try:
            # utf-8-sig: a byte-order mark (Windows editors write one) is no column name
            stream = open(source, encoding="utf-8-sig", newline="")  # noqa: SIM115 (closed below)
        except OSError as e:
            raise UsageError(f"--stimulus {source}: {e.strerror}") from None
    try:
        for line_no, row in enumerate(csv.reader(stream), 1):
            if line_no == 1 and row:
                row[0] = row[0].removeprefix("\ufeff")
            if row and not (len(row) == 1 and not row[0].strip()) and not row[0].startswith("#"):
                yield line_no, [c.strip() for c in row]
    except UnicodeDecodeError:
        raise VectorError("is not UTF-8 text; save the stimulus as UTF-8",
                          _bad_utf8_at(source)) from None
    finally:
        if stream is not sys.stdin:
            stream.close()


def _bad_utf8_at(source: str) -> Loc:
    """The line of the first byte that is not UTF-8 (the CSV reader decodes
    ahead of the rows it gives, so its line count does not tell)."""
    if source == "-":
        return Loc("<stdin>")
    with open(source, "rb") as f:
        data = f.read()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        return Loc(source, data[:e.start].count(b"\n") + 1)
    return Loc(source)


def read_stimulus(source: str, circuit, streams: int = 1) -> tuple[int, Iterator[np.ndarray]]:
    """The cycles of a stimulus CSV: ``(cycles or -1, bits per cycle)``.

    One stream reads row by row (the count is -1: not known in advance);
    several streams read the file whole, since a cycle needs every stream's
    row.  Errors name the file and line.

    Examples
    --------
    >>> import tempfile, os
    >>> from circuitnn.library import counter
    >>> c = counter(4).compile_circuit()
    >>> path = os.path.join(tempfile.mkdtemp(), "s.csv")
    >>> _ = open(path, "w").write("cycle,en\\n0,1\\n1,0\\n")
    >>> [b.ravel().tolist() for b in read_stimulus(path, c)[1]]
    [[1], [0]]
    """
    label = "<stdin>" if source == "-" else source
    rows = _csv_rows(source)
    first = next(rows, None)
    if first is None:
        raise VectorError(f"{label} is empty; the first row names the input ports", Loc(label, 1))
    line, header = first
    lead = []
    if streams > 1:
        if not header or header[0] != "stream":
            raise VectorError(f"with --streams the first column is 'stream' (then 'cycle', "
                              f"optional, then the inputs); the header is {','.join(header)}",
                              Loc(label, line))
        lead.append("stream")
    if len(header) > len(lead) and header[len(lead)] == "cycle":
        lead.append("cycle")
    names = header[len(lead):]
    ports = {p.name: p for p in circuit.inputs}
    unknown = [n for n in names if n not in ports]
    if unknown:
        known = ", ".join(ports) or "none"
        extra = " (a clock is not an input: each row is one cycle)" if unknown[0] in (
            "clk", "clock", circuit.clock) else ""
        raise VectorError(f"column {unknown[0]!r} is not an input of {circuit.name!r}{extra}; "
                          f"its inputs are {known}", Loc(label, line))
    twice = [n for n in names if names.count(n) > 1]
    if twice:
        raise VectorError(f"column {twice[0]!r} appears twice", Loc(label, line))
    missing = [n for n in ports if n not in names]
    if missing:
        raise VectorError(f"no column for input{'s' if len(missing) > 1 else ''} "
                          f"{', '.join(missing)}; the header names every input port",
                          Loc(label, line))
    order = [names.index(p.name) + len(lead) for p in circuit.inputs]
    widths = [p.width for p in circuit.inputs]

    def parse(line_no, row) -> list[int]:
        from ..run.vector_files import parse_int

        if len(row) != len(header):
            raise VectorError(f"row has {len(row)} values; the header has {len(header)}",
                              Loc(label, line_no))
        values = []
        for col, port, w in zip(order, circuit.inputs, widths):
            try:
                v = parse_int(row[col], port.name)
            except VectorError as e:
                raise VectorError(e.message, Loc(label, line_no)) from None
            if v >> w:
                raise VectorError(f"{port.name}: {v} does not fit in {w} bit"
                                  f"{'s' if w > 1 else ''} (0 to {(1 << w) - 1})",
                                  Loc(label, line_no))
            values.append(v)
        return values

    def to_bits(values: list[list[int]]) -> np.ndarray:
        """Bits ``(input bits, len(values))`` of one cycle's rows."""
        cols = [np.array([v[i] for v in values], dtype=object) for i in range(len(widths))]
        bits = [((c[:, None] >> np.arange(w)) & 1).T.astype(np.uint8)
                for c, w in zip(cols, widths)]
        return (np.concatenate(bits, axis=0) if bits
                else np.zeros((0, len(values)), np.uint8))

    def cycle_of(line_no, row, at: int, want: int) -> None:
        try:
            got = int(row[at])
        except ValueError:
            raise VectorError(f"cycle {row[at]!r} is not a whole number",
                              Loc(label, line_no)) from None
        if got != want:
            raise VectorError(f"cycle {got} out of order; rows give cycles 0, 1, 2... in "
                              f"order (expected {want})", Loc(label, line_no))

    if streams == 1:
        # The first row is read now: a file with none, or a mistake in the
        # first, is an error before any output (later rows stream).
        first_row = next(rows, None)
        if first_row is None:
            raise VectorError("has a header but no rows of values", Loc(label, line))
        first_values = parse(*first_row)
        if "cycle" in lead:
            cycle_of(*first_row, 0, 0)

        def one() -> Iterator[np.ndarray]:
            yield to_bits([first_values])
            for k, (line_no, row) in enumerate(rows, 1):
                values = parse(line_no, row)
                if "cycle" in lead:
                    cycle_of(line_no, row, 0, k)
                yield to_bits([values])
        return -1, one()

    per_stream: dict[int, list[list[int]]] = {}
    for line_no, row in rows:
        values = parse(line_no, row)
        try:
            s = int(row[0])
        except ValueError:
            raise VectorError(f"stream {row[0]!r} is not a whole number",
                              Loc(label, line_no)) from None
        if not 0 <= s < streams:
            raise VectorError(f"stream {s} is out of range; --streams {streams} numbers "
                              f"them 0 to {streams - 1}", Loc(label, line_no))
        got = per_stream.setdefault(s, [])
        if "cycle" in lead:
            cycle_of(line_no, row, 1, len(got))
        got.append(values)
    lengths = {s: len(per_stream.get(s, [])) for s in range(streams)}
    if len(set(lengths.values())) != 1:
        raise VectorError(f"streams have different numbers of cycles ({lengths}); give "
                          "every stream the same number", Loc(label))
    n = lengths[0]
    if n == 0:
        raise VectorError("has a header but no rows of values", Loc(label, line))
    return n, (to_bits([per_stream[s][c] for s in range(streams)]) for c in range(n))


# ------------------------------------------------------------------ writers
class _Columns:
    """The names and integer values of one cycle's columns."""

    def __init__(self, circuit):
        self.circuit = circuit
        self.inputs = [(p.name, p.width) for p in circuit.inputs]
        self.outputs = [(p.name, p.width) for p in circuit.outputs]
        self.names = [n for n, _ in self.inputs + self.outputs]

    @staticmethod
    def ints(bits: np.ndarray, ports) -> list[np.ndarray]:
        out, row = [], 0
        for _, w in ports:
            chunk = bits[row:row + w]
            if w <= 63:
                out.append((chunk.astype(np.int64) << np.arange(w)[:, None]).sum(axis=0))
            else:
                out.append(np.array([sum(int(b) << i for i, b in enumerate(chunk[:, s]))
                                     for s in range(bits.shape[1])], dtype=object))
            row += w
        return out

    def values(self, cyc) -> list[np.ndarray]:
        return self.ints(cyc.inputs, self.inputs) + self.ints(cyc.outputs, self.outputs)


class _CsvOut:
    def __init__(self, out, cols: _Columns, streams: int):
        self.out, self.cols, self.streams = out, cols, streams
        lead = ["stream", "cycle"] if streams > 1 else ["cycle"]
        out.write(",".join(lead + cols.names) + "\n")

    def write(self, cyc) -> None:
        vals = self.cols.values(cyc)
        lines = []
        for s in range(self.streams):
            lead = f"{s},{cyc.index}" if self.streams > 1 else f"{cyc.index}"
            lines.append(",".join([lead] + [str(int(v[s])) for v in vals]))
        self.out.write("\n".join(lines) + "\n")

    def end(self) -> None:
        pass


class _TableOut:
    def __init__(self, out, cols: _Columns, streams: int):
        self.out, self.cols, self.streams = out, cols, streams
        lead = ["stream", "cycle"] if streams > 1 else ["cycle"]
        self.widths = [max(len(n), 6) for n in lead]
        self.widths += [max(len(n), len(str((1 << w) - 1)))
                        for n, w in cols.inputs + cols.outputs]
        head = lead + cols.names
        n_in = len(lead) + len(cols.inputs)
        cells = [h.rjust(w) for h, w in zip(head, self.widths)]
        out.write("  ".join(cells[:n_in]) + "  |  " + "  ".join(cells[n_in:]) + "\n")
        self.n_in = n_in

    def write(self, cyc) -> None:
        vals = self.cols.values(cyc)
        for s in range(self.streams):
            lead = [s, cyc.index] if self.streams > 1 else [cyc.index]
            cells = [str(int(v)).rjust(w) for v, w in
                     zip(lead + [v[s] for v in vals], self.widths)]
            self.out.write("  ".join(cells[:self.n_in]) + "  |  "
                           + "  ".join(cells[self.n_in:]) + "\n")

    def end(self) -> None:
        pass


class _JsonOut:
    """One JSON document, written row by row: ``{"circuit", "streams",
    "inputs", "outputs", "rows": [{"stream", "cycle", port: value...}]}``."""

    def __init__(self, out, cols: _Columns, streams: int):
        self.out, self.cols, self.streams = out, cols, streams
        head = {"circuit": cols.circuit.name, "streams": streams,
                "inputs": dict(cols.inputs), "outputs": dict(cols.outputs)}
        out.write(json.dumps(head)[:-1] + ', "rows": [')
        self.first = True

    def write(self, cyc) -> None:
        vals = self.cols.values(cyc)
        for s in range(self.streams):
            row = {"stream": s, "cycle": cyc.index} if self.streams > 1 else {
                "cycle": cyc.index}
            row.update({n: int(v[s]) for n, v in zip(self.cols.names, vals)})
            self.out.write(("\n  " if self.first else ",\n  ") + json.dumps(row))
            self.first = False

    def end(self) -> None:
        self.out.write("\n]}\n")


_WRITERS = {"csv": _CsvOut, "table": _TableOut, "json": _JsonOut}


class _Trace:
    """A text waveform: one line per port and register, one cell per cycle."""

    def __init__(self, circuit):
        self.circuit = circuit
        self.rows: dict[str, list[str]] = {}
        self.widths: dict[str, int] = {}
        self.cycles = 0

    def add(self, cyc, stream: int) -> None:
        c = self.circuit
        groups = [("in", [(p.name, p.width) for p in c.inputs], cyc.inputs),
                  ("reg", [(r.name, r.width) for r in c.registers], cyc.state),
                  ("out", [(p.name, p.width) for p in c.outputs], cyc.outputs)]
        for kind, ports, bits in groups:
            for (name, w), v in zip(ports, _Columns.ints(bits[:, stream:stream + 1], ports)):
                key = f"{kind} {name}"
                self.widths[key] = w
                self.rows.setdefault(key, []).append(int(v[0]))
        self.cycles += 1

    def render(self) -> str:
        cell = max([len(str(self.cycles - 1))] + [len(str((1 << w) - 1)) if w > 1 else 1
                                                  for w in self.widths.values()]) + 1
        label = max([len(k) for k in self.rows] + [5])
        lines = ["cycle".ljust(label) + " " + "".join(str(i).rjust(cell)
                                                      for i in range(self.cycles))]
        lines.append("clk".ljust(label) + " " + "_/" .rjust(cell) * self.cycles)
        for key, vals in self.rows.items():
            if self.widths[key] == 1:
                body = "".join(("‾" if v else "_") * cell for v in vals)
            else:
                body = "".join(str(v).rjust(cell) for v in vals)
            lines.append(key.ljust(label) + " " + body)
        return "\n".join(lines) + "\n"


class _Vcd:
    """A VCD waveform of one stream through pyvcd: the clock, every port and
    register as a vector; cycle k spans times 10k to 10k+9, its rising edge
    at 10k+5."""

    def __init__(self, f, circuit, stream: int):
        try:
            from vcd import VCDWriter
        except ImportError:
            raise UsageError("--vcd needs pyvcd: pip install 'circuitnn[vcd]'") from None
        self.circuit, self.stream = circuit, stream
        self.w = VCDWriter(f, timescale="1 ns", comment="written by circuitnn sim")
        top = circuit.name
        self.clk = self.w.register_var(top, circuit.clock or "clk", "wire", size=1, init=0)
        self.vars = []
        for kind, items in (("ports", [(p.name, p.width) for p in circuit.inputs]),
                            ("ports", [(p.name, p.width) for p in circuit.outputs]),
                            ("registers", [(r.name, r.width) for r in circuit.registers])):
            scope = top if kind == "ports" else f"{top}.registers"
            self.vars.append([(self.w.register_var(scope, _vcd_name(n), "wire" if kind ==
                                                   "ports" else "reg", size=w), w)
                              for n, w in items])

    def write(self, cyc) -> None:
        c, s, t = self.circuit, self.stream, cyc.index * 10
        self.w.change(self.clk, t, 0)
        groups = [(cyc.inputs, [(p.name, p.width) for p in c.inputs]),
                  (cyc.outputs, [(p.name, p.width) for p in c.outputs]),
                  (cyc.state, [(r.name, r.width) for r in c.registers])]
        for (bits, ports), variables in zip(groups, self.vars):
            for (var, _), v in zip(variables, _Columns.ints(bits[:, s:s + 1], ports)):
                self.w.change(var, t, int(v[0]))
        self.w.change(self.clk, t + 5, 1)
        self.end_time = t + 10

    def end(self, final_state: np.ndarray | None) -> None:
        t = getattr(self, "end_time", 0)
        if final_state is not None and self.circuit.registers:
            # the state the last edge loaded, shown from that edge on
            ports = [(r.name, r.width) for r in self.circuit.registers]
            for (var, _), v in zip(self.vars[2], _Columns.ints(
                    final_state[:, self.stream:self.stream + 1], ports)):
                self.w.change(var, t - 5, int(v[0]))
        self.w.change(self.clk, t, 0)
        self.w.close(t)


def _vcd_name(name: str) -> str:
    return name.replace(" ", "_").replace("[", "(").replace("]", ")")


# ------------------------------------------------------------------ command
def cmd_sim(args) -> int:
    import contextlib

    from ..run.sim import random_stimulus
    from . import EXIT_OK, _guarantee, _load, _session
    from ._output import check_output, open_output

    if (args.stimulus is None) == (args.random is None):
        raise UsageError("give --stimulus FILE.csv (or - for stdin) or --random N")
    if not 0 <= args.vcd_stream < args.streams:
        raise UsageError(f"--vcd-stream {args.vcd_stream} is not a stream; --streams "
                         f"{args.streams} numbers them 0 to {args.streams - 1}")
    inputs = args.sources + ([args.stimulus] if args.stimulus not in (None, "-") else [])
    for option, given in (("--vcd", args.vcd), ("--output", args.output)):
        if given:
            check_output(given, inputs, args.force, option=option)
    circuit = _load(args)
    inputs += args.read_files  # the files the netlist imports, known now
    for option, given in (("--vcd", args.vcd), ("--output", args.output)):
        if given:
            check_output(given, inputs, force=True, option=option)
    if args.random is not None:
        cycles = args.random
        stimulus = random_stimulus(circuit.n_input_bits, cycles, args.streams, args.seed)
    else:
        cycles, stimulus = read_stimulus(args.stimulus, circuit, args.streams)
    if args.trace and cycles > MAX_TRACE_CYCLES:
        raise UsageError(f"--trace draws at most {MAX_TRACE_CYCLES} cycles, not {cycles}; "
                         "write a waveform with --vcd FILE for longer runs")
    session = _session(args, circuit)
    delta, label = _guarantee(session.nets)
    if delta is None:
        print(f"warning: {label}", file=sys.stderr)
    fmt = args.format or "table"
    trace = _Trace(circuit) if args.trace else None
    from .cluster import cluster_of, progress_of

    with contextlib.ExitStack() as files:
        cluster = files.enter_context(cluster_of(args))
        if cluster is None:
            # the writers print bits: the kernel writes no analog values
            runner = clock = session.clocked(args.streams, exact=args.exact, cycles=cycles,
                                             analog="none")
            cycles_run = clock.run(stimulus)
        else:
            from ..run.distributed import ClusterSim

            runner = ClusterSim(cluster, session, args.streams, cycles,
                                ("random", args.seed) if args.random is not None
                                else stimulus, exact=args.exact,
                                progress=progress_of(args))
            cycles_run = iter(runner)
        # written beside their place and renamed over it when complete
        out = (files.enter_context(open_output(args.output, inputs, args.force))
               if args.output else sys.stdout)
        vcd_file = (files.enter_context(open_output(args.vcd, inputs, args.force))
                    if args.vcd else None)
        writer = None if args.trace else _WRITERS[fmt](out, _Columns(circuit), args.streams)
        vcd = _Vcd(vcd_file, circuit, args.vcd_stream) if vcd_file else None
        for cyc in cycles_run:
            if writer is not None:
                writer.write(cyc)
            if vcd is not None:
                vcd.write(cyc)
            if trace is not None:
                if cyc.index >= MAX_TRACE_CYCLES:
                    raise UsageError(f"--trace draws at most {MAX_TRACE_CYCLES} cycles; the "
                                     "stimulus has more; use --vcd FILE")
                trace.add(cyc, args.vcd_stream)
        if writer is not None:
            writer.end()
        if vcd is not None:
            vcd.end(runner.state)
        if trace is not None:
            out.write(trace.render())
    return EXIT_OK


def add_command(sub, common, circ, mode) -> None:
    """Add ``sim`` to the CLI's subparsers."""
    from . import _count, _seed
    from ._output import add_force_option

    s = sub.add_parser("sim", parents=[common, circ, mode],
                       help="run a sequential circuit clock cycle by clock cycle",
                       description="Run a circuit with registers, one clock cycle per "
                       "stimulus row: outputs are sampled before each rising edge, then "
                       "every register loads its next value (thresholded at 0.5).")
    s.add_argument("--stimulus", metavar="FILE",
                   help="CSV: a header naming the input ports (optionally after 'cycle', "
                        "and after 'stream' with --streams), one row per cycle; - is stdin")
    s.add_argument("--random", type=_count, metavar="N", help="N cycles of random stimulus")
    s.add_argument("--seed", type=_seed, default=0,
                   help="seed for --random; stream k draws from (seed, k) (default 0)")
    s.add_argument("--streams", type=_count, default=1, metavar="N",
                   help="N independent streams side by side, one lane each (default 1)")
    s.add_argument("--format", choices=tuple(_WRITERS),
                   help="table (default), csv (cycle, inputs, outputs as integers) or json")
    s.add_argument("--output", "-o", metavar="FILE", help="write the results to FILE")
    s.add_argument("--vcd", metavar="FILE", help="write a VCD waveform of one stream")
    s.add_argument("--vcd-stream", type=int, default=0, metavar="K",
                   help="the stream --vcd and --trace show (default 0)")
    s.add_argument("--trace", action="store_true",
                   help=f"print a text waveform (up to {MAX_TRACE_CYCLES} cycles)")
    s.add_argument("--exact", action="store_true",
                   help="run the exact reference engine (truth tables) instead of the nets")
    add_force_option(s)
    from .cluster import add_scheduler_option

    add_scheduler_option(s)
    s.set_defaults(func=cmd_sim)
