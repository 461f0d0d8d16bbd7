"""One checker for every front end: the same mistake made in YAML, in .bench,
in BLIF and with the Python builder gives the same message, and that message
comes from compile/check.py (the front ends record what the user wrote; they
do not judge it).  Also: a broken invariant of the flattener is an
InternalError, never a silent -1."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from circuitnn.compile import check, compile_design
from circuitnn.compile.flatten import (
    AliasDriver,
    ConstDriver,
    GateDriver,
    _resolve,
    _resolve_all,
)
from circuitnn.errors import CircuitError, InternalError, ValidationError
from circuitnn.hdl import Builder
from circuitnn.read.bench import reads_bench
from circuitnn.read.blif import reads_blif
from circuitnn.read.yaml import loads_yaml

# ------------------------------------------------------------- the mistakes
# Each mistake, written in every front end that can express it, with the
# message the checker gives (``{line}`` and ``{first}`` per front end).
TWO_DRIVERS = "net 'y' has two drivers: gate 'y' (line {first}) and gate 'y_2'; a net has " \
              "exactly one driver"
DRIVES_INPUT = "gate 'a' drives 'a', which is an input of circuit 'c'; inputs are driven " \
               "from outside"
UNKNOWN_PORT = "gate 'u0_n': circuit 'n' has no port 'q'; its ports are x, z"
MISSING_INPUT = "gate 'u0_n': input 'x' of circuit 'n' is not connected"

SUB_YAML = """\
circuits:
  n:
    inputs: [x]
    outputs: [z]
    gates: [{name: g, type: NOT, in: x, out: z}]
"""
SUB_BLIF = ".model n\n.inputs x\n.outputs z\n.names x z\n0 1\n.end\n"

SOURCES = {
    "two drivers": {
        "yaml": ("name: c\ninputs: [a, b]\noutputs: [y]\ngates:\n"
                 "  - {name: y, type: AND, in: [a, b], out: y}\n"
                 "  - {name: y_2, type: OR, in: [a, b], out: y}\n", 6, 5),
        "bench": ("INPUT(a)\nINPUT(b)\nOUTPUT(y)\ny = AND(a, b)\ny = OR(a, b)\n", 5, 4),
        "blif": (".model c\n.inputs a b\n.outputs y\n.names a b y\n11 1\n.names a b y\n"
                 "1- 1\n-1 1\n.end\n", 6, 4),
    },
    "drives an input": {
        "yaml": ("name: c\ninputs: [a, b]\noutputs: [y]\ngates:\n"
                 "  - {name: a, type: NOT, in: b, out: a}\n"
                 "  - {name: y, type: BUF, in: b, out: y}\n", 5, None),
        "bench": ("INPUT(a)\nINPUT(b)\nOUTPUT(y)\na = NOT(b)\ny = BUF(b)\n", 4, None),
        "blif": (".model c\n.inputs a b\n.outputs y\n.names b a\n0 1\n.names b y\n1 1\n"
                 ".end\n", 4, None),
    },
    "unknown port": {
        "yaml": ("top: c\n" + SUB_YAML + "  c:\n    inputs: [a]\n    outputs: [y]\n"
                 "    gates:\n      - {name: u0_n, type: n, ports: {q: a, z: y}}\n", 11, None),
        "blif": (".model c\n.inputs a\n.outputs y\n.subckt n q=a z=y\n.end\n" + SUB_BLIF, 4,
                 None),
    },
    "missing input": {
        "yaml": ("top: c\n" + SUB_YAML + "  c:\n    inputs: [a]\n    outputs: [y]\n"
                 "    gates:\n      - {name: u0_n, type: n, ports: {z: y}}\n", 11, None),
        "blif": (".model c\n.inputs a\n.outputs y\n.subckt n z=y\n.end\n" + SUB_BLIF, 4,
                 None),
    },
}
MESSAGES = {
    "two drivers": [TWO_DRIVERS],
    "drives an input": [DRIVES_INPUT],
    "unknown port": [UNKNOWN_PORT, MISSING_INPUT],
    "missing input": [MISSING_INPUT],
}
READERS = {"yaml": loads_yaml, "blif": reads_blif,
           "bench": lambda text, file: reads_bench(text, file, "c")}


# The same mistakes with the Python builder; each returns the lines of user
# code the messages should name: (line, first).
def _py_two_drivers():
    b = Builder("c")
    a, c = b.input("a"), b.input("b")
    y = b.output("y", b.gate("AND", a, c, name="y"))
    y <<= b.gate("OR", a, c, name="y_2")
    here = inspect.currentframe().f_lineno
    return b, here - 1, here - 2


def _py_drives_input():
    b = Builder("c")
    a, c = b.input("a"), b.input("b")
    a <<= b.gate("NOT", c, name="a")
    here = inspect.currentframe().f_lineno
    b.output("y", c)
    return b, here - 1, None


def _sub_n():
    b = Builder("n")
    b.output("z", ~b.input("x"))
    return b.build()


def _py_unknown_port():
    n = _sub_n()
    b = Builder("c")
    a, y = b.input("a"), b.output("y", width=1)
    b.instance(n, name="u0_n", q=a, z=y)
    return b, inspect.currentframe().f_lineno - 1, None


def _py_missing_input():
    n = _sub_n()
    b = Builder("c")
    b.input("a")
    y = b.output("y", width=1)
    b.instance(n, name="u0_n", z=y)
    return b, inspect.currentframe().f_lineno - 1, None


PYTHON = {"two drivers": _py_two_drivers, "drives an input": _py_drives_input,
          "unknown port": _py_unknown_port, "missing input": _py_missing_input}

CASES = [(mistake, fmt) for mistake in SOURCES for fmt in [*SOURCES[mistake], "python"]]


@pytest.fixture
def reported(monkeypatch):
    """Every message the one checker reports, as it reports it."""
    seen: list[str] = []
    err = check._Checker.err

    def spy(self, msg, loc):
        seen.append(msg)
        err(self, msg, loc)

    monkeypatch.setattr(check._Checker, "err", spy)
    return seen


@pytest.mark.parametrize("mistake, fmt", CASES)
def test_same_mistake_same_message_from_the_checker(mistake, fmt, reported):
    if fmt == "python":
        b, line, first = PYTHON[mistake]()
        file = __file__
        with pytest.raises(ValidationError) as info:
            b.build()  # recording never raised: the checker judges at build()
    else:
        text, line, first = SOURCES[mistake][fmt]
        file = f"t.{fmt}"
        design = READERS[fmt](text, file)  # reading records the mistake, as written
        with pytest.raises(ValidationError) as info:
            compile_design(design)
    want = [m.format(first=first) for m in MESSAGES[mistake]]
    assert [p.message for p in info.value.problems] == want
    assert all(p.loc.line == line and file.endswith(p.loc.file) for p in info.value.problems)
    # ... and the message came from the one checker, not from the front end
    assert reported == want


def test_the_front_ends_do_not_judge(monkeypatch):
    # with the checker silenced, no front end reports these mistakes itself
    monkeypatch.setattr(check._Checker, "err", lambda self, msg, loc: None)
    for mistake in ("two drivers", "drives an input"):
        for fmt, (text, _, _) in SOURCES[mistake].items():
            READERS[fmt](text, f"t.{fmt}")
        PYTHON[mistake]()[0].build()
    for mistake in ("unknown port", "missing input"):
        for fmt, (text, _, _) in SOURCES[mistake].items():
            READERS[fmt](text, f"t.{fmt}")
        PYTHON[mistake]()[0].build()


def test_yaml_and_builder_records_agree():
    # the two front ends build the same records for the same circuit
    b = Builder("c")
    a, c = b.input("a"), b.input("b")
    b.output("y", b.gate("AND", a, c, name="y"))
    built = b.build().module
    read = loads_yaml("name: c\ninputs: [a, b]\noutputs: [y]\ngates:\n"
                      "  - {name: y, type: AND, in: [a, b], out: [y]}\n").top_module
    assert built == read


# --------------------------------------------------------- broken invariants
def test_a_variable_with_no_signal_is_an_internal_error_not_minus_one():
    # var 2 is read but nothing drives it: the checker refuses such netlists,
    # so meeting one in the flattener is a bug, said out loud
    signal_of = np.array([0, 1, -1, 2], dtype=np.int64)
    driver = [ConstDriver(0), ConstDriver(1), None, GateDriver(0, 0)]
    names = ["0", "1", "t", "y"]
    with pytest.raises(InternalError, match=r"^internal error \(a bug in circuitnn, please "
                       r"report it\): variable 't' is read but has no signal .*$") as info:
        _resolve(2, signal_of, driver, names)
    assert not isinstance(info.value, CircuitError)
    # an alias chain to it is the same bug
    signal_of = np.array([0, 1, -1, -1], dtype=np.int64)
    driver = [ConstDriver(0), ConstDriver(1), None, AliasDriver(2, None)]
    with pytest.raises(InternalError):
        _resolve(3, signal_of, driver, names)
    # a good chain resolves
    driver = [ConstDriver(0), ConstDriver(1), AliasDriver(1, None), AliasDriver(2, None)]
    assert _resolve(3, signal_of, driver, names) == 1 and signal_of.tolist() == [0, 1, 1, 1]


@pytest.mark.parametrize("seed", range(20))
def test_all_variables_resolve_at_once_as_one_by_one(seed):
    # random forests of assignments over a few signals, with chains, dead ends
    # and loops: the vectorised pass agrees with following each chain
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 300))
    signal_of = np.full(n, -1, dtype=np.int64)
    driver = []
    for v in range(n):
        kind = rng.integers(4)
        if kind == 0:
            signal_of[v] = v
            driver.append(GateDriver(v, 0))
        elif kind == 1 and v > 0 and rng.random() < 0.2:
            driver.append(None)
        else:
            driver.append(AliasDriver(int(rng.integers(n)), None))
    names = [f"v{v}" for v in range(n)]
    every = _resolve_all(signal_of, driver)
    for v in range(n):
        try:
            want = _resolve(v, signal_of.copy(), driver, names)
        except (CircuitError, InternalError):
            want = -1
        assert every[v] == want


def test_the_cli_calls_an_internal_error_a_bug(monkeypatch, capsys, tmp_path):
    from circuitnn.cli import EXIT_BUG, main
    from circuitnn.compile import flatten

    def broken(signal_of, driver):
        raise InternalError("broken on purpose")

    monkeypatch.setattr(flatten, "_resolve_all", broken)
    path = tmp_path / "c.yaml"
    path.write_text("inputs: [a]\noutputs: [y]\ngates: [{name: g, type: NOT, in: a, out: y}]\n")
    assert main(["info", str(path), "--store", str(tmp_path)]) == EXIT_BUG
    assert capsys.readouterr().err == (
        "error: internal error (a bug in circuitnn, please report it): broken on purpose "
        "(run with --debug for the traceback)\n")


def test_an_output_tied_to_a_constant_is_judged_by_the_checker(reported):
    import json

    from circuitnn.read.yosys_json import reads_yosys_json

    cells = {"g": {"type": "$_AND_", "connections": {"A": [2], "B": [3], "Y": ["1"]}},
             "h": {"type": "$_OR_", "connections": {"A": [2], "B": [3], "Y": [4]}}}
    ports = {"a": {"direction": "input", "bits": [2, 3]},
             "y": {"direction": "output", "bits": [4]}}
    text = json.dumps({"modules": {"c": {"ports": ports, "cells": cells}}}, indent=1)
    yaml_text = ("name: c\ninputs: [a, b]\noutputs: [y]\ngates:\n"
                 "  - {name: g, type: AND, in: [a, b], out: 1}\n"
                 "  - {name: h, type: OR, in: [a, b], out: y}\n")
    want = "gate 'g' drives the constant 1; outputs must go to nets"
    for design in (reads_yosys_json(text, "t.json"), loads_yaml(yaml_text, "t.yaml")):
        with pytest.raises(ValidationError) as info:
            compile_design(design)
        assert [p.message for p in info.value.problems] == [want]
    assert reported == [want, want]


def test_a_type_found_right_once_still_judges_every_later_gate():
    # the checker and the flattener remember a gate type once it is found
    # right; each later gate of that type, right or wrong, is still judged
    text = ("name: c\ninputs: [a, b, c]\noutputs: [x, y, z, w]\ngates:\n"
            "  - {name: g1, type: XOR2, in: [a, b], out: x}\n"
            "  - {name: g2, type: XOR2, in: [a, c], out: y}\n"
            "  - {name: g3, type: XOR2, in: [a, b, c], out: z}\n"
            "  - {name: g4, type: XOR2, in: [b, c], out: [w, v]}\n"
            "  - {name: g5, type: and, in: [b, c], out: v}\n")
    with pytest.raises(ValidationError) as info:
        compile_design(loads_yaml(text, "t.yaml"))
    assert [(p.message, p.loc.line) for p in info.value.problems] == [
        ("gate 'g3' (XOR2) has 3 inputs; it takes 2 (a, b)", 7),
        ("gate 'g4' (XOR2) has 2 outputs; it gives 1 (y)", 8),
        ("net 'v' has two drivers: gate 'g4' (line 8) and gate 'g5'; a net has exactly one "
         "driver", 9)]
    right = compile_design(loads_yaml(text.replace(", c], out: z", "], out: z")
                                      .replace("out: [w, v]", "out: w"), "t.yaml"))
    assert [(g.name, g.prim) for g in right.gates] == [
        ("g1", "XOR2"), ("g2", "XOR2"), ("g3", "XOR2"), ("g4", "XOR2"), ("g5", "AND2")]
