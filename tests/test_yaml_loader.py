"""The two YAML loaders: libyaml's event stream gives the same data, lines and
messages as PyYAML's pure-Python loader, and enforces the limits itself."""

import re
from pathlib import Path

import pytest

from circuitnn.errors import CircuitError
from circuitnn.read import yaml_loader as loader
from circuitnn.read.yaml_loader import LDict, LList, parse_yaml

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(not loader.LIBYAML_AVAILABLE and
                                __import__("os").environ.get("CI") != "true",
                                reason="PyYAML was built without libyaml")


def _both(text: str, monkeypatch):
    """The result (or the message) of each loader."""
    out = []
    for flag in (True, False):
        monkeypatch.setattr(loader, "LIBYAML", flag)
        try:
            out.append(("data", _plain(parse_yaml(text, "f.yaml"))))
        except CircuitError as e:
            out.append(("error", str(e)))
    return out


def _plain(v):
    """Data with its lines, to compare exactly."""
    if isinstance(v, LDict):
        return ("map", v.line, [(k, v.key_lines[k], _plain(x)) for k, x in v.items()])
    if isinstance(v, LList):
        return ("seq", v.line, v.item_lines, [_plain(x) for x in v])
    return (type(v).__name__, v)


def _text_or_none(path):
    try:
        return path.read_text()
    except UnicodeDecodeError:  # the bad netlists include one that is not UTF-8
        return None


NETLISTS = sorted([*ROOT.glob("circuits/*.yaml"), *(ROOT / "tests" / "bad").glob("*.yaml")])
TEXTS = [p for p in NETLISTS if _text_or_none(p) is not None]


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name)
def test_both_loaders_agree_on_every_netlist(path, monkeypatch):
    text = path.read_text()
    fast, slow = _both(text, monkeypatch)
    assert fast == slow


@pytest.mark.parametrize("text", [
    "a: 1\nb: [x, 'y', \"z\", 0x1f, 0b101, 1_000, 3.5, ~, null, yes, No, on, '', 2001-12-14]\n",
    "base: &b {x: 1, y: [1, 2]}\nother: *b\nlist: [*b, *b]\n",
    "- &s  hello\n- *s\n- {k: *s}\n",
    "merge: &m {a: 1}\nuse: {<<: *m, b: 2}\n",          # merge keys: the pure loader
    "a: !!str 5\nb: !!int '7'\nc: !!float 1\n",         # explicit tags: the pure loader
    "x: !custom 1\n",
    "? [a, b]\n: 1\n",                                   # a collection as a key
    "--- 1\n--- 2\n",                                    # two documents
    "a: [1, 2\n",                                        # a syntax error
    "a: *missing\n",
    "",
    "# only a comment\n",
    "k: |\n  line one\n  line two\n",
    "'quoted key': 1\n\"yes\": 2\nyes: 3\n",
    "a: 1\nb:\n  c: 2\n  c: 3\n",                          # a duplicate key
])
def test_both_loaders_agree(text, monkeypatch):
    fast, slow = _both(text, monkeypatch)
    assert fast == slow


def _no_fallback(monkeypatch):
    """libyaml must settle the text itself: the pure loader is not there."""
    def refuse(text, file):
        raise AssertionError("the pure-Python loader was used")

    monkeypatch.setattr(loader, "LIBYAML", True)
    monkeypatch.setattr(loader, "_parse_python", refuse)


@pytest.mark.parametrize("text", ["[" * 10_000 + "]" * 10_000,
                                  "{a: " * 10_000 + "1" + "}" * 10_000,
                                  "".join("  " * k + "- \n" for k in range(1000)),
                                  "a:\n" + "".join("  " * k + "b:\n" for k in range(1, 200))])
def test_libyaml_limits_nesting_itself(text, monkeypatch):
    _no_fallback(monkeypatch)
    with pytest.raises(CircuitError) as info:
        parse_yaml(text, "deep.yaml")
    assert re.fullmatch(r"deep\.yaml:\d+: YAML nesting is deeper than 100 levels; a netlist "
                        r"needs a few", str(info.value))


def test_libyaml_limits_aliases_itself(monkeypatch):
    _no_fallback(monkeypatch)
    text = ("a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\n"
            + "".join(f"d{i}: [*c, *c]\n" for i in range(40)))
    with pytest.raises(CircuitError, match=r"^bomb\.yaml:34: more than 64 YAML aliases; "):
        parse_yaml(text, "bomb.yaml")
    assert parse_yaml(text.split("d30")[0], "ok.yaml")["d29"][0][0][0] == ["x", "x"]  # 64 are fine


def test_libyaml_refuses_duplicate_keys_itself(monkeypatch):
    _no_fallback(monkeypatch)
    with pytest.raises(CircuitError, match=r"^d\.yaml:4: key 'g' appears twice in one "
                                           r"mapping \(first on line 2\); each key may "
                                           r"appear once$"):
        parse_yaml("top:\n  g: 1\n  h: 2\n  g: 3\n", "d.yaml")


def test_libyaml_reads_a_netlist_itself(monkeypatch):
    _no_fallback(monkeypatch)
    data = parse_yaml((ROOT / "circuits" / "full_adder.yaml").read_text(), "fa.yaml")
    assert data["inputs"] == ["a", "b", "cin"] and data.key_lines["gates"] > 1


# ------------------------------------------------------------- merge keys
@pytest.mark.parametrize("text, want", [
    ("a: &m {x: 1, y: 2}\nb: {<<: *m, y: 3}\n", {"x": 1, "y": 3}),
    ("a: &m {x: 1, y: 2}\nb:\n  y: 3\n  <<: *m\n", {"x": 1, "y": 3}),
    # the first mapping of a merge list wins; a key written here beats both
    ("a: &m {x: 1, y: 2}\nc: &n {y: 5, z: 6}\nb: {<<: [*m, *n], z: 3}\n",
     {"x": 1, "y": 2, "z": 3}),
    ("a: &m {x: 1, y: 1}\nn: &n {<<: *m, y: 2}\nb: {<<: *n, x: 3}\n", {"x": 3, "y": 2}),
])
def test_a_key_may_override_a_merged_one(text, want, yaml_loader):
    assert parse_yaml(text, "m.yaml")["b"] == want


@pytest.mark.parametrize("text, line, first", [
    ("a: &m {x: 1}\nb:\n  <<: *m\n  y: 3\n  y: 4\n", 5, 4),
    ("a: &m {x: 1}\nb: {y: 1, <<: *m, y: 2}\n", 2, 2),
    ("a: &m {x: 1, x: 2}\nb: {<<: *m}\n", 1, 1),
])
def test_a_key_written_twice_beside_a_merge_is_a_duplicate(text, line, first, yaml_loader):
    with pytest.raises(CircuitError, match=rf"^m\.yaml:{line}: key '[xy]' appears twice in "
                                           rf"one mapping \(first on line {first}\)"):
        parse_yaml(text, "m.yaml")


def test_a_gate_built_from_a_merged_template(tmp_path, yaml_loader):
    from oracle import evaluate_flat

    from circuitnn.read import load_circuit

    path = tmp_path / "m.yaml"
    path.write_text("inputs: [a, b]\noutputs: [y, z]\ngates:\n"
                    "  - &base {name: g1, type: AND, in: [a, b], out: y}\n"
                    "  - <<: *base\n    name: g2\n    type: OR\n    out: z\n")
    c = load_circuit(path)
    assert [g.name for g in c.gates] == ["g1", "g2"]
    for a in (0, 1):
        for b in (0, 1):
            assert evaluate_flat(c, {"a": a, "b": b}) == {"y": a & b, "z": a | b}
