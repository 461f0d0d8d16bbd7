"""No command-line advice in API messages (issue 18): an error or warning the
Python API raises names the API's parameters, never an option such as
``--random``; the command line shows the same message worded with its
options (``CircuitError.cli_text``)."""

from __future__ import annotations

import ast
import json
import re
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from test_compile_all_flows import _leaky_buf

from circuitnn import CircuitError
from circuitnn.cli import main
from circuitnn.compile import Budget, compile_design
from circuitnn.hdl import Builder
from circuitnn.ir.primitives import STANDARD
from circuitnn.library import counter, kogge_stone_adder, ripple_carry_adder
from circuitnn.nn import TrainSettings
from circuitnn.run.session import Session, UncertifiedMismatch

ROOT = Path(__file__).resolve().parent.parent
#: an option, or a command to type at the shell
OPTION = re.compile(r"(?<![\w-])--[a-z]|\bcircuitnn (?:run|sim|verify|test|train|info|convert|"
                    r"graph|bench|equiv|models)\b")


def _strings_outside_cli_words(tree: ast.AST):
    """String constants that are not docstrings and not inside a ``cli...=``
    keyword argument (where the command line's words belong)."""
    skip = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant):
            skip.add(id(body[0].value))
        if isinstance(node, ast.keyword) and (node.arg or "").startswith("cli"):
            skip.update(id(n) for n in ast.walk(node.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in skip:
            yield node


def test_no_module_outside_the_cli_writes_an_option_into_a_message():
    found = []
    for path in sorted((ROOT / "circuitnn").rglob("*.py")):
        if "cli" in path.relative_to(ROOT / "circuitnn").parts:
            continue
        tree = ast.parse(path.read_text(), str(path))
        found += [f"{path.relative_to(ROOT)}:{n.lineno}: {n.value!r}"
                  for n in _strings_outside_cli_words(tree) if OPTION.search(n.value)]
    assert found == []


def _two_roots(tmp_path):
    from circuitnn.read.yosys_json import read_yosys_json

    empty = {"ports": {}, "cells": {}, "netnames": {}}
    (tmp_path / "two.json").write_text(json.dumps({"modules": {"a": empty, "b": empty}}))
    read_yosys_json(tmp_path / "two.json")


def _no_dask(tmp_path, monkeypatch):
    from circuitnn.run.distributed import connect

    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    connect("local:1")


def _sweep(tmp_path):
    from circuitnn.run.golden import sweep_rest

    sweep_rest(ripple_carry_adder(16).compile_circuit(), {"cin": 0})


def _stdin(tmp_path):
    from circuitnn.run.golden import read_expected

    read_expected("-", ripple_carry_adder(2).compile_circuit())


def _budget(tmp_path):
    compile_design(ripple_carry_adder(4).design, budget=Budget(gates=3))


def _bits_budget(tmp_path):
    compile_design(ripple_carry_adder(4).design, budget=Budget(bits=3))


def _train(tmp_path):
    from circuitnn.store import ModelStore

    ModelStore(tmp_path, TrainSettings(hidden_sizes=(0,))).get_or_train(STANDARD["XOR2"])


def _clocked(tmp_path):
    from circuitnn.run.exact import ExactEngine
    from circuitnn.run.sim import Clocked

    c = counter(3).compile_circuit()
    Clocked(c, ExactEngine(c.step), streams=0)


def _random(n):
    def call(tmp_path):
        from circuitnn.run.vectors import random_vectors

        random_vectors(ripple_carry_adder(4).compile_circuit(), n)
    return call


def _choose(tmp_path):
    from circuitnn.run.vectors import choose_vectors

    choose_vectors(ripple_carry_adder(16).compile_circuit())


def _format(path, given=None):
    def call(tmp_path):
        from circuitnn.run.output import format_of

        format_of(path, given)
    return call


def _scheduler(spec):
    def call(tmp_path):
        from circuitnn.run.distributed import parse_scheduler

        parse_scheduler(spec)
    return call


def _read(tmp_path):
    from circuitnn.read import read_design

    read_design(tmp_path / "x.netlist")


def _sequential(tmp_path):
    from circuitnn.run.plan import Plan

    Plan.build(counter(3).compile_circuit())


def _equiv(tmp_path):
    from circuitnn.prove import equivalent

    equivalent(ripple_carry_adder(4), kogge_stone_adder(4), map="sum")


# (how to raise it through the API, the option the command line names instead)
CASES = {
    "train": (_train, "--hidden"),
    "budget-gates": (_budget, "--max-gates"),
    "budget-bits": (_bits_budget, "--max-bits"),
    "extension": (_read, "--from"),
    "json-top": (_two_roots, "--top"),
    "format-clash": (_format("out.csv", "json"), "--format"),
    "format-unknown": (_format("out.xyz"), "--format"),
    "streams": (_clocked, "--streams"),
    "random-0": (_random(0), "--random"),
    "random-memory": (_random(10**12), "--random"),
    "truth-table": (_choose, "--random"),
    "sweep": (_sweep, "--set"),
    "golden-stdin": (_stdin, "--check"),
    "scheduler-0": (_scheduler("local:0"), "--scheduler"),
    "scheduler-bad": (_scheduler("nowhere"), "--scheduler"),
    "equiv-map": (_equiv, "--map"),
    "sequential": (_sequential, "circuitnn sim"),
}


@pytest.mark.parametrize("case", CASES)
def test_api_errors_name_parameters_and_the_cli_names_options(case, tmp_path):
    call, option = CASES[case]
    with pytest.raises(CircuitError) as e:
        call(tmp_path)
    assert not OPTION.search(str(e.value)), str(e.value)
    assert option in e.value.cli_text(), e.value.cli_text()


def test_a_missing_dask_names_the_extra_not_an_option(tmp_path, monkeypatch):
    with pytest.raises(CircuitError, match=r"^a Dask scheduler needs dask\.distributed") as e:
        _no_dask(tmp_path, monkeypatch)
    assert e.value.cli_text().startswith("--scheduler needs dask.distributed")


def test_session_errors_through_run_and_sim(store):
    wide = ripple_carry_adder(16).compile(store)
    with pytest.raises(CircuitError) as e:
        wide.run()  # 33 input bits: no truth table
    assert "give input values, or random ones" in str(e.value)
    assert not OPTION.search(str(e.value)) and "--random N" in e.value.cli_text()
    with pytest.raises(CircuitError, match=r"^cycles needs a positive count, got 0$"):
        counter(3).compile(store).sim_verify(cycles=0)


def test_the_command_line_shows_its_own_words(store, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["run", "circuits/ripple_carry_adder_32.yaml", "--store",
                 str(store.root)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: 'ripple_carry_adder_32' has 65 input bits") \
        and err.endswith("give --set NAME=VALUE, --vectors FILE.csv or --random N\n")


def test_the_uncertified_warning_is_at_the_users_line_in_api_words(capsys):
    from circuitnn.cli import _show_warning

    b = Builder("chain")
    x = b.input("x")
    for _ in range(4):
        x = b.gate("BUF", x)
    b.output("y", x)
    sess = Session(compile_design(b.build().design), {"BUF": _leaky_buf()})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sess(x=np.array([0, 1]))
        line = sys._getframe().f_lineno - 1
    assert [(Path(w.filename).name, w.lineno, w.category) for w in caught] == [
        ("test_api_messages.py", line, UncertifiedMismatch)]
    text = str(caught[0].message)
    assert "use mode='digital'" in text and not OPTION.search(text)
    _show_warning(caught[0].message, UncertifiedMismatch, "", 0)
    assert "use --mode digital, or certified nets (without --uncertified)" in \
        capsys.readouterr().err
