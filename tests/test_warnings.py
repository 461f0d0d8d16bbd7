"""Warnings people need (issue 18): a gate nothing reads is named, and API
warnings point at the user's own line."""

import json
import shutil
import warnings
from pathlib import Path

import pytest

from circuitnn import load_circuit
from circuitnn.cli import main
from circuitnn.hdl import Builder
from circuitnn.ir.primitives import standard

DEAD = ("inputs: [a, b]\noutputs: [y]\ngates:\n  - {name: g, type: AND, in: [a, b], out: y}\n"
        "  - {name: dead, type: OR, in: [a, b], out: w}\n")


def test_a_gate_nothing_reads_is_warned_of_by_name(tmp_path):
    (tmp_path / "d.yaml").write_text(DEAD)
    c = load_circuit(tmp_path / "d.yaml")
    assert [str(w) for w in c.warnings] == [
        f"{tmp_path / 'd.yaml'}:5: circuit 'd': gate 'dead' drives 'w', which nothing reads"]
    (tmp_path / "ok.yaml").write_text(DEAD.replace("out: y}", "out: y}\n  - {name: h, "
                                                   "type: BUF, in: w, out: z}")
                                      .replace("outputs: [y]", "outputs: [y, z]"))
    assert load_circuit(tmp_path / "ok.yaml").warnings == ()


def test_the_cli_prints_it(store, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("d.yaml").write_text(DEAD)
    assert main(["run", "d.yaml", "--set", "a=1", "--set", "b=1", "--store",
                 str(store.root)]) == 0
    assert capsys.readouterr().err == ("warning: d.yaml:5: circuit 'd': gate 'dead' drives "
                                       "'w', which nothing reads\n")


def test_many_are_counted_after_the_first_five(tmp_path):
    gates = "".join(f"  - {{name: d{i}, type: OR, in: [a, b], out: w{i}}}\n"
                    for i in range(12))
    (tmp_path / "m.yaml").write_text(DEAD.split("  - {name: dead")[0] + gates)
    msgs = [w.message for w in load_circuit(tmp_path / "m.yaml").warnings]
    assert len(msgs) == 6
    assert msgs[-1] == ("circuit 'm': 7 more gates drive nets that nothing reads ('d5', "
                        "'d6', 'd7', 'd8', 'd9', ...)")


def test_builder_warnings_point_at_the_users_line(store):
    b = Builder("w")
    x, y = b.input("x"), b.input("y")
    x & y  # noqa: B018 (the unread gate under test)
    line = __import__("inspect").currentframe().f_lineno - 1
    b.output("o", x ^ y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        b.build().compile(store)
    assert [(Path(w.filename).name, w.lineno) for w in caught] == [("test_warnings.py", line)]
    assert "gate 'and0' drives '_and0', which nothing reads" in str(caught[0].message)


def test_store_warnings_point_at_the_users_line(store, tmp_path):
    from circuitnn.store import ModelStore

    tt = standard()["AND2"]
    store.get_or_train(tt)
    (tmp_path / "s").mkdir()
    for suffix in (".npz", ".json"):
        shutil.copy(store.root / f"{store.key(tt)}{suffix}", tmp_path / "s")
    s = ModelStore(tmp_path / "s")
    (tmp_path / "s" / f"{s.key(tt)}.json").write_text(json.dumps({"broken": True}))
    with pytest.warns(UserWarning, match="is unusable") as caught:
        s.get_or_train(tt)  # found inside circuitnn, two calls down
    assert Path(caught[0].filename).name == "test_warnings.py"
