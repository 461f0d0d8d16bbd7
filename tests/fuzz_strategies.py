"""Hypothesis strategies shared by tests/test_fuzz.py and benchmarks/fuzz_long.py.

Valid netlists
    :func:`circuits` draws a small random combinational circuit as plain data
    (inputs, gates over earlier signals, outputs), independent of any file
    format.  :func:`render` writes it as YAML, ISCAS ``.bench`` or BLIF (for
    BLIF every gate is a random cover with ``-`` don't cares, on-set or
    off-set), and :func:`evaluate` computes its outputs in plain Python: the
    oracle the compiled circuit is checked against.

Broken netlists
    :func:`mutated` draws a valid netlist of a format and damages its bytes:
    truncation, swapped tokens, duplicated or deleted lines, random bytes,
    other encodings (latin-1, UTF-16, a BOM), enormous numbers, very long
    lines.  :func:`deep_yaml`, :func:`json_docs` and :func:`csv_files` draw
    the remaining hostile inputs.

:func:`check_input` is the property: an input is accepted, or refused with
a :class:`~circuitnn.errors.CircuitError` that names at least the file, and
quickly.  Nothing else may escape.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

__all__ = [
    "FORMATS",
    "Gate",
    "Spec",
    "circuits",
    "render",
    "evaluate",
    "valid_netlists",
    "mutated",
    "deep_yaml",
    "json_docs",
    "csv_files",
    "check_input",
    "check_valid",
    "check_csv",
    "Outcome",
]

FORMATS = ("yaml", "bench", "blif")
EXT = {"yaml": ".yaml", "bench": ".bench", "blif": ".blif", "json": ".json", "csv": ".csv"}
#: A hang guard, not a speed claim (speed is measured in benchmarks/fuzz_long.py):
#: a case of a few KB runs in well under a second on a quiet machine, so one
#: still running after this many seconds is stuck in runaway work (exponential
#: expansion, a quadratic scan); CI's loaded 2-core machine never gets near it.
HANG_GUARD = 60.0


# ------------------------------------------------------------- the circuit
@dataclass(frozen=True)
class Gate:
    """``kind`` is a family (AND OR NAND NOR XOR XNOR NOT BUF MUX) or COVER."""

    name: str
    kind: str
    inputs: tuple[str, ...]
    cubes: tuple[str, ...] = ()
    onset: bool = True


@dataclass(frozen=True)
class Spec:
    """A circuit as plain data; ``outputs`` are signal names (inputs or gates)."""

    inputs: tuple[str, ...]
    gates: tuple[Gate, ...]
    outputs: tuple[str, ...]


#: fan-in ranges per family and format (YAML's standard gates are bounded;
#: .bench builds trees for any fan-in)
_FANIN = {
    "yaml": {"AND": (2, 9), "OR": (2, 9), "NAND": (2, 9), "NOR": (2, 9),
             "XOR": (2, 4), "XNOR": (2, 4), "NOT": (1, 1), "BUF": (1, 1), "MUX": (3, 3)},
    "bench": {"AND": (1, 12), "OR": (1, 12), "NAND": (1, 12), "NOR": (1, 12),
              "XOR": (2, 7), "XNOR": (2, 7), "NOT": (1, 1), "BUF": (1, 1), "MUX": (3, 3)},
}


@st.composite
def circuits(draw, fmt: str = "yaml", max_inputs: int = 5, max_gates: int = 8) -> Spec:
    """A random circuit drawable in ``fmt``."""
    n_in = draw(st.integers(1, max_inputs))
    prefix = draw(st.sampled_from(["i", "in_", "x"])) if fmt != "bench" else \
        draw(st.sampled_from(["i", "", "G"]))
    inputs = tuple(f"{prefix}{k}" for k in range(n_in))
    signals = list(inputs)
    gates = []
    n_gates = draw(st.integers(1, max_gates))
    for k in range(n_gates):
        name = f"g{k}" if fmt != "bench" or prefix != "" else str(100 + k)
        if fmt == "blif":
            fanin = draw(st.integers(0, min(5, len(signals))))
            ins = tuple(draw(st.lists(st.sampled_from(signals), min_size=fanin,
                                      max_size=fanin, unique=True)))
            cube = st.text(alphabet="01-", min_size=fanin, max_size=fanin)
            cubes = tuple(draw(st.lists(cube, min_size=0, max_size=4)))
            onset = draw(st.booleans())
            gates.append(Gate(name, "COVER", ins, cubes, onset))
        else:
            kind = draw(st.sampled_from(sorted(_FANIN[fmt])))
            lo, hi = _FANIN[fmt][kind]
            fanin = draw(st.integers(lo, hi))
            ins = tuple(draw(st.lists(st.sampled_from(signals), min_size=fanin,
                                      max_size=fanin)))
            gates.append(Gate(name, kind, ins))
        signals.append(name)
    gate_names = [g.name for g in gates]
    outs = draw(st.lists(st.sampled_from(gate_names), min_size=1, max_size=3, unique=True))
    if draw(st.booleans()) and fmt != "yaml":
        outs.append(draw(st.sampled_from(inputs)))  # a pass-through output
    return Spec(inputs, tuple(gates), tuple(outs))


def _gate_value(g: Gate, v: list[int]) -> int:
    if g.kind == "COVER":
        on = any(all(c == "-" or int(c) == b for c, b in zip(cube, v)) for cube in g.cubes)
        if not g.cubes:
            return 0
        return int(on) if g.onset else int(not on)
    if g.kind == "MUX":
        s, a, b = v
        return b if s else a
    if g.kind in ("NOT", "BUF"):
        return v[0] ^ (g.kind == "NOT")
    fam = {"AND": "AND", "OR": "OR", "XOR": "XOR", "XNOR": "XOR", "NAND": "AND",
           "NOR": "OR"}[g.kind]
    if fam == "AND":
        r = int(all(v))
    elif fam == "OR":
        r = int(any(v))
    else:
        r = sum(v) & 1
    return r ^ (g.kind in ("NAND", "NOR", "XNOR"))


def evaluate(spec: Spec, values: dict[str, int]) -> list[int]:
    """The output bits (in ``spec.outputs`` order) for input bits by name."""
    val = dict(values)
    for g in spec.gates:
        val[g.name] = _gate_value(g, [val[s] for s in g.inputs])
    return [val[o] for o in spec.outputs]


# --------------------------------------------------------------- rendering
def render(spec: Spec, fmt: str) -> str:
    return {"yaml": _yaml, "bench": _bench, "blif": _blif}[fmt](spec)


def _yaml(spec: Spec) -> str:
    lines = [f"inputs: [{', '.join(spec.inputs)}]",
             f"outputs: [{', '.join(f'o{k}' for k in range(len(spec.outputs)))}]",
             "gates:"]
    for g in spec.gates:
        typ = "MUX2" if g.kind == "MUX" else g.kind
        ins = ", ".join(g.inputs)
        lines.append(f"  - {{name: u_{g.name}, type: {typ}, in: [{ins}], out: {g.name}}}")
    lines.append("assign:")
    for k, o in enumerate(spec.outputs):
        lines.append(f"  o{k}: {o}")
    return "\n".join(lines) + "\n"


def _bench(spec: Spec) -> str:
    lines = ["# generated"]
    lines += [f"INPUT({n})" for n in spec.inputs]
    lines += [f"OUTPUT({n})" for n in spec.outputs]
    for g in spec.gates:
        ins = list(g.inputs)
        if g.kind == "MUX":  # bench MUX(s, x1, x0) = s ? x1 : x0
            ins = [ins[0], ins[2], ins[1]]
        lines.append(f"{g.name} = {g.kind}({', '.join(ins)})")
    return "\n".join(lines) + "\n"


def _blif(spec: Spec) -> str:
    lines = [".model fuzz", f".inputs {' '.join(spec.inputs)}",
             f".outputs {' '.join(spec.outputs)}"]
    for g in spec.gates:
        lines.append(f".names {' '.join(g.inputs + (g.name,))}")
        bit = "1" if g.onset else "0"
        for cube in g.cubes:
            lines.append(f"{cube} {bit}" if cube else bit)
    lines.append(".end")
    return "\n".join(lines) + "\n"


@st.composite
def valid_netlists(draw, fmt: str):
    """``(spec, text)`` of a valid netlist in ``fmt``."""
    spec = draw(circuits(fmt))
    return spec, render(spec, fmt)


# ---------------------------------------------------------------- mutations
HUGE = ["1000000000000", str(10**100), str(2**64), "-1", "999999999", "0", "4294967296",
        "1" * 5000]
_VOCAB = ["(", ")", ",", "=", ":", "[", "]", "{", "}", "-", "#", ".names", ".inputs",
          ".outputs", ".subckt", ".latch", ".model", ".end", "INPUT", "OUTPUT", "DFF",
          "AND", "NAND", "XOR", "MUX", "inputs:", "outputs:", "gates:", "repeat:",
          "&a", "*a", "!!python/object", "- ", "\t", "\\", "\"", "'", "\x00", "null",
          "1 1", "01- 1", "0 0", "x[3]", "a[99999999999]", "{i*1000000*1000000}",
          "type: AND", "in: [a]", "top: [x]", "name: 1", "imports: [nonexistent.yaml]",
          "primitives: {P: {inputs: [a], outputs: [y], rows: ['0 1']}}", "~"]


def _mutate_one(draw, data: bytes, fmt: str = "") -> bytes:
    kind = draw(st.sampled_from([
        "truncate", "swap", "dup_line", "del_line", "insert_bytes", "insert_token",
        "huge_number", "long_line", "replace_byte", "latin1", "utf16", "bom",
    ]))
    n = len(data)
    lines = data.split(b"\n")
    if kind == "truncate":
        return data[:draw(st.integers(0, n))]
    if kind == "swap":
        toks = data.split(b" ")
        if len(toks) > 1:
            i = draw(st.integers(0, len(toks) - 1))
            j = draw(st.integers(0, len(toks) - 1))
            toks[i], toks[j] = toks[j], toks[i]
        return b" ".join(toks)
    if kind == "dup_line":
        i = draw(st.integers(0, len(lines) - 1))
        lines.insert(i, lines[i])
        return b"\n".join(lines)
    if kind == "del_line":
        i = draw(st.integers(0, len(lines) - 1))
        del lines[i]
        return b"\n".join(lines)
    if kind == "insert_bytes":
        pos = draw(st.integers(0, n))
        return data[:pos] + draw(st.binary(min_size=1, max_size=8)) + data[pos:]
    if kind == "insert_token":
        pos = draw(st.integers(0, n))
        return data[:pos] + draw(st.sampled_from(_VOCAB)).encode() + data[pos:]
    if kind == "huge_number":
        pos = draw(st.integers(0, n))
        num = draw(st.sampled_from(HUGE)).encode()
        how = draw(st.sampled_from([b"%s", b"[%s]", b"[%s:0]", b" %s ", b"\n  repeat: %s\n"]))
        return data[:pos] + how.replace(b"%s", num) + data[pos:]
    if kind == "long_line":
        pos = draw(st.integers(0, n))
        unit = draw(st.sampled_from([b"a", b"a,", b"1", b"-", b"(", b"[", b" "]))
        # one long token, or many tokens; PyYAML (pure Python) reads about 12,000
        # tokens a second, so YAML gets fewer of them
        many = unit in (b"a,", b"[") and fmt == "yaml"
        count = draw(st.sampled_from([1000, 5000] if many else [1000, 20_000, 200_000]))
        return data[:pos] + unit * count + data[pos:]
    if kind == "replace_byte" and n:
        pos = draw(st.integers(0, n - 1))
        return data[:pos] + bytes([draw(st.integers(0, 255))]) + data[pos + 1:]
    if kind == "latin1":
        pos = draw(st.integers(0, n))
        return data[:pos] + "é".encode("latin-1") + data[pos:]
    if kind == "utf16":
        return data.decode("utf-8", "replace").encode(draw(st.sampled_from(
            ["utf-16", "utf-16-le", "utf-32"])))
    if kind == "bom":
        return b"\xef\xbb\xbf" + data
    return data


@st.composite
def mutated(draw, fmt: str):
    """``(fmt, bytes)``: a valid netlist of ``fmt`` with 1 to 3 mutations."""
    _, text = draw(valid_netlists(fmt))
    data = text.encode()
    for _ in range(draw(st.integers(1, 3))):
        data = _mutate_one(draw, data, fmt)
    return fmt, data


@st.composite
def deep_yaml(draw):
    """YAML nested thousands deep, or a hostile structure."""
    depth = draw(st.sampled_from([50, 500, 10_000]))
    shape = draw(st.sampled_from(["flow_list", "flow_map", "block_list", "gates_list",
                                  "in_list", "assign"]))
    if shape == "flow_list":
        text = "[" * depth + "]" * depth
    elif shape == "flow_map":
        text = "{a: " * depth + "1" + "}" * depth
    elif shape == "block_list":
        text = "".join("  " * k + "-\n" for k in range(min(depth, 2000)))
    elif shape == "gates_list":
        text = ("inputs: [a]\noutputs: [y]\ngates:\n  - {name: g, type: BUF, in: "
                + "[" * depth + "a" + "]" * depth + ", out: y}\n")
    elif shape == "in_list":
        inner = "[" * min(depth, 60) + "a" + "]" * min(depth, 60)
        text = f"inputs: [a]\noutputs: [y]\nassign: {{y: {inner}}}\n"
    else:
        text = ("inputs: [a]\noutputs: [y]\ngates:\n  - {name: g, type: BUF, repeat: 2, "
                "in: 'a{" + "(" * depth + "i" + ")" * depth + "}', out: y}\n")
    return "yaml", text.encode()


_BIT = st.one_of(st.integers(0, 40), st.sampled_from(["0", "1", "x", "z", "q", 10**30]),
                 st.floats(allow_nan=False), st.none(), st.booleans())
_ANY = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5),
                              st.floats(allow_nan=False)),
                    lambda s: st.lists(s, max_size=3) | st.dictionaries(
                        st.text(max_size=4), s, max_size=3), max_leaves=8)
_CELL_TYPES = ["$_AND_", "$_OR_", "$_NOT_", "$_MUX_", "$_AOI3_", "$_NMUX_", "$lut", "$add",
               "$_DFF_P_", "$dff", "sub", "top", "$_XOR_"]


@st.composite
def json_docs(draw):
    """Yosys-JSON-shaped documents, partly valid, partly wrong in type or value."""
    def maybe(valid):
        """Mostly ``valid``, one time in ten anything at all."""
        return valid if draw(st.integers(0, 9)) else st.one_of(valid, _ANY)

    def bits():
        elem = _BIT if draw(st.integers(0, 4)) == 0 else st.integers(2, 12)
        return maybe(st.lists(elem, min_size=1, max_size=4))

    modules = {}
    for mname in draw(st.lists(st.sampled_from(["top", "sub", "m"]), min_size=1,
                               max_size=2, unique=True)):
        ports = {}
        for pname in draw(st.lists(st.sampled_from(["a", "b", "y", "s", "A", "Y"]),
                                   min_size=1, max_size=4, unique=True)):
            ports[pname] = draw(maybe(st.fixed_dictionaries({
                "direction": maybe(st.sampled_from(["input", "output", "inout"])),
                "bits": bits()})))
        cells = {}
        for k in range(draw(st.integers(0, 4))):
            ctype = draw(maybe(st.sampled_from(_CELL_TYPES)))
            conns = draw(maybe(st.dictionaries(
                st.sampled_from(["A", "B", "C", "S", "Y", "a", "y"]), bits(), max_size=4)))
            cell = {"type": ctype, "connections": conns}
            if ctype == "$lut":
                cell["parameters"] = draw(maybe(st.fixed_dictionaries({"LUT": maybe(
                    st.text(alphabet="01x", min_size=1, max_size=40))})))
            cells[f"c{k}"] = draw(maybe(st.just(cell)))
        mod = {"ports": draw(maybe(st.just(ports))), "cells": draw(maybe(st.just(cells)))}
        if draw(st.booleans()):
            mod["netnames"] = draw(maybe(st.dictionaries(
                st.sampled_from(["n", "a", "t"]), st.fixed_dictionaries({"bits": bits()}),
                max_size=2)))
        if draw(st.integers(0, 3)) == 0:
            mod["attributes"] = draw(maybe(st.just({"top": "00000001"})))
        modules[mname] = draw(maybe(st.just(mod)))
    doc = draw(maybe(st.just({"modules": draw(maybe(st.just(modules)))})))
    text = json.dumps(doc, indent=draw(st.sampled_from([None, 2])))
    if draw(st.integers(0, 5)) == 0:
        data = _mutate_one(draw, text.encode())
    else:
        data = text.encode()
    return "json", data


#: the circuit vector files are checked against: inputs a[4], b, c[70]
CSV_CIRCUIT = """\
inputs: {a: 4, b: 1, c: 70}
outputs: [y]
gates:
  - {name: g, type: XOR, in: ["a[0]", b, "c[69]"], out: y}
"""

_CELL = st.one_of(st.integers(0, 20).map(str), st.sampled_from(
    ["0x0f", "0b101", "1_000", "", " ", "-1", "abc", "1.5", "0x", "9" * 5000, "0x" + "f" * 30,
     "\x00", "#", "\"", "\"1", "1e3", "𝟙", "١"]))


@st.composite
def csv_files(draw):
    """Vector files for :data:`CSV_CIRCUIT`, valid and broken."""
    header = draw(st.one_of(st.just(["a", "b", "c"]), st.permutations(["a", "b", "c"]),
                            st.lists(st.sampled_from(["a", "b", "c", "d", "", "#x"]),
                                     max_size=4)))
    if draw(st.booleans()):  # mostly well-formed rows
        good = st.one_of(st.integers(0, 1).map(str), st.sampled_from(["0x1", "0b1", " 1 "]))
        rows = draw(st.lists(st.lists(good, min_size=len(header), max_size=len(header)),
                             min_size=1, max_size=5))
    else:
        rows = draw(st.lists(st.lists(_CELL, min_size=max(0, len(header) - 1),
                                      max_size=len(header) + 1), max_size=5))
    lines = [",".join(header)] + [",".join(r) for r in rows]
    data = "\n".join(lines).encode()
    if draw(st.integers(0, 3)) == 0:
        data = _mutate_one(draw, data)
    return "csv", data


# ---------------------------------------------------------------- property
@dataclass
class Outcome:
    accepted: bool
    message: str
    seconds: float


class FuzzFailure(AssertionError):
    pass


def _show(data: bytes) -> str:
    s = repr(data[:600])
    return s + (f"... ({len(data)} bytes)" if len(data) > 600 else "")


def _judged(what: str, data: bytes, read) -> Outcome:
    """Call ``read()``: accepted, or a CircuitError naming the file; anything
    else, or a case stuck past :data:`HANG_GUARD`, raises FuzzFailure."""
    from circuitnn.errors import CircuitError

    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            read()
        outcome = Outcome(True, "", 0.0)
    except CircuitError as e:
        if e.loc is None or not e.loc.file:
            raise FuzzFailure(f"{what}: CircuitError without a file: {e!r}\n"
                              f"input: {_show(data)}") from e
        outcome = Outcome(False, str(e), 0.0)
    except BaseException as e:  # noqa: BLE001 - anything else is the bug we hunt
        if isinstance(e, KeyboardInterrupt):
            raise
        raise FuzzFailure(f"{what}: {type(e).__name__}: {e}\ninput: {_show(data)}") from e
    outcome.seconds = time.perf_counter() - start
    if outcome.seconds > HANG_GUARD:
        raise FuzzFailure(f"{what}: still running after {outcome.seconds:.0f} s (a hang)\n"
                          f"input: {_show(data)}")
    return outcome


def check_input(fmt: str, data: bytes, directory: str | None = None) -> Outcome:
    """Write ``data`` with ``fmt``'s extension, read and compile it: accepted,
    or a CircuitError naming the file; anything else raises FuzzFailure."""
    from circuitnn.compile import compile_design
    from circuitnn.read import read_design

    with tempfile.TemporaryDirectory(dir=directory) as d:
        path = os.path.join(d, "fuzz" + EXT[fmt])
        Path(path).write_bytes(data)
        return _judged(fmt, data, lambda: compile_design(read_design(path)))


def check_valid(fmt: str, spec: Spec, text: str, directory: str | None = None,
                n_vectors: int = 8, seed: int = 0) -> None:
    """A valid netlist loads, compiles, and the exact engine agrees with
    :func:`evaluate` on a few vectors (ports matched by position)."""
    import numpy as np

    from circuitnn.read import load_circuit
    from circuitnn.run.exact import ExactEngine

    with tempfile.TemporaryDirectory(dir=directory) as d:
        path = os.path.join(d, "fuzz" + EXT[fmt])
        Path(path).write_text(text)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            circuit = load_circuit(path)
    assert circuit.n_input_bits == len(spec.inputs), text
    assert circuit.n_output_bits == len(spec.outputs), text
    rng = np.random.default_rng(seed)
    n = len(spec.inputs)
    if 2**n <= n_vectors:
        rows = [[(r >> (n - 1 - k)) & 1 for k in range(n)] for r in range(2**n)]
    else:
        rows = rng.integers(0, 2, size=(n_vectors, n)).tolist()
    bits = np.array(rows, dtype=np.uint8).T  # ports in declaration order, 1 bit each
    got = ExactEngine(circuit).run(bits)
    for col, row in enumerate(rows):
        want = evaluate(spec, dict(zip(spec.inputs, row)))
        have = [int(x) for x in got[:, col]]
        assert have == want, f"inputs {row}: engine {have}, oracle {want}\n{text}"


def check_csv(data: bytes, circuit, directory: str | None = None) -> Outcome:
    """A vector file is read, or refused with a VectorError naming the file."""
    from circuitnn.run.vector_files import read_csv

    with tempfile.TemporaryDirectory(dir=directory) as d:
        path = os.path.join(d, "v.csv")
        Path(path).write_bytes(data)
        return _judged("csv", data, lambda: read_csv(path, circuit))
