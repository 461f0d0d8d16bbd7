"""Truth-table regression tests of circuitnn.library, in ANALOG mode (the
neural engine), against Python integer arithmetic.

* exhaustively at widths 1 to 8 wherever that is at most 16 input bits;
* on seeded random vectors at 16, 32 and 64 bits;
* by hypothesis over random widths and operands;
* the acceptance figures: 64-bit Kogge-Stone and ripple-carry adders on
  10,000 random vectors with cin=0 and cin=1, the 8x8 array multiplier on all
  65,536 inputs.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from circuitnn import library as lib
from circuitnn.errors import CircuitError, UsageError
from circuitnn.run.bits import decode
from circuitnn.run.vectors import exhaustive

ROOT = Path(__file__).resolve().parent.parent



_COMPILED: dict = {}


def compiled(store, factory, *args):
    """One compiled circuit per (factory, args) for the whole session."""
    key = (factory.__name__, args)
    if key not in _COMPILED:
        _COMPILED[key] = factory(*args).compile(store=store)
    return _COMPILED[key]


# ------------------------------------------------------------------ oracles
def _obj(v) -> np.ndarray:
    return np.array([int(x) for x in np.atleast_1d(v)], dtype=object)


def _add(n, v):
    total = v["a"] + v["b"] + v["cin"]
    return {"sum": total % (1 << n), "cout": total >> n}


def _addsub(n, v):
    mask = (1 << n) - 1
    b = np.where(v["sub"] == 1, v["b"] ^ mask, v["b"])
    total = v["a"] + b + v["sub"]
    return {"y": total & mask, "cout": total >> n}


def _sub(n, v):
    return {"diff": (v["a"] - v["b"]) % (1 << n), "borrow": (v["a"] < v["b"]).astype(int)}


def _inc(n, v):
    return {"y": (v["a"] + 1) % (1 << n), "cout": (v["a"] == (1 << n) - 1).astype(int)}


def _cmp(n, v):
    a, b = v["a"], v["b"]
    return {"lt": (a < b).astype(int), "eq": (a == b).astype(int), "gt": (a > b).astype(int)}


def _mul(n, v):
    return {"p": v["a"] * v["b"]}


def _mux2(n, v):
    return {"y": np.where(v["sel"] == 1, v["d1"], v["d0"])}


def _mux4(n, v):
    ds = np.stack([v[f"d{k}"] for k in range(4)])
    return {"y": ds[v["sel"].astype(int), np.arange(len(v["sel"]))]}


def _dec(n, v):
    return {"y": np.array([1 << int(a) for a in v["a"]], dtype=object)}


def _dec_en(n, v):
    return {"y": np.array([int(e) << int(a) for a, e in zip(v["a"], v["en"])], dtype=object)}


def _parity(n, v):
    return {"p": np.array([int(a).bit_count() & 1 for a in v["a"]], dtype=object)}


#: name -> (factory taking the width, oracle(n, values) -> expected outputs)
SPECS = {
    "ripple_carry_adder": (lib.ripple_carry_adder, _add),
    "carry_lookahead_adder": (lib.carry_lookahead_adder, _add),
    "kogge_stone_adder": (lib.kogge_stone_adder, _add),
    "adder_subtractor": (lib.adder_subtractor, _addsub),
    "subtractor": (lib.subtractor, _sub),
    "incrementer": (lib.incrementer, _inc),
    "comparator": (lib.comparator, _cmp),
    "array_multiplier": (lib.array_multiplier, _mul),
    "mux2": (lambda n: lib.multiplexer(n, 2), _mux2),
    "mux4": (lambda n: lib.multiplexer(n, 4), _mux4),
    "decoder": (lib.decoder, _dec),
    "decoder_en": (lambda n: lib.decoder(n, True), _dec_en),
    "parity": (lib.parity, _parity),
}


def get(store, name: str, n: int):
    key = (name, n)
    if key not in _COMPILED:
        _COMPILED[key] = SPECS[name][0](n).compile(store=store)
    return _COMPILED[key]


def check(cc, n: int, oracle, values: dict) -> None:
    """Run ``cc`` (analog) on ``values`` and compare with ``oracle``; a failure
    lists the first differing rows."""
    values = {k: _obj(v) for k, v in values.items()}
    got = cc(**values)
    want = oracle(n, values)
    assert set(got) == set(want)
    bad = np.zeros(len(next(iter(values.values()))), dtype=bool)
    for k in want:
        bad |= _obj(got[k]) != _obj(want[k])
    if bad.any():
        rows = np.flatnonzero(bad)
        lines = []
        for r in rows[:5]:
            ins = " ".join(f"{k}={values[k][r]}" for k in values)
            outs = " ".join(f"{k}={int(got[k][r])} (want {int(want[k][r])})" for k in want)
            lines.append(f"  {ins}: {outs}")
        pytest.fail(f"{cc.name}: {len(rows)} of {len(bad)} vectors wrong, first:\n"
                    + "\n".join(lines))


def random_values(cc, count: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    out = {}
    for name, w in cc.inputs.items():
        words = [rng.integers(0, 1 << min(w - lo, 32), size=count, dtype=np.uint64)
                 for lo in range(0, w, 32)]
        out[name] = np.array([sum(int(x) << (32 * i) for i, x in enumerate(col))
                              for col in zip(*words)], dtype=object)
    return out


def _exhaustive_cases():
    for name, (factory, _) in SPECS.items():
        for n in range(1, 9):
            sub = factory(n)
            if sum(sub.inputs.values()) <= 16:
                yield pytest.param(name, n, id=f"{name}-{n}")


@pytest.mark.parametrize("name, n", list(_exhaustive_cases()))
def test_exhaustive(store, name, n):
    cc = get(store, name, n)
    values = decode(cc.circuit.inputs, exhaustive(cc.circuit))
    check(cc, n, SPECS[name][1], values)


@pytest.mark.parametrize("n", [16, 32, 64])
@pytest.mark.parametrize("name", [k for k in SPECS if not k.startswith("decoder")])
def test_random_wide(store, name, n):
    cc = get(store, name, n)
    check(cc, n, SPECS[name][1], random_values(cc, 1000, seed=n))


@pytest.mark.parametrize("n", [10, 12])
def test_decoder_wide(store, n):
    cc = get(store, "decoder", n)
    check(cc, n, _dec, decode(cc.circuit.inputs, exhaustive(cc.circuit)))


# --------------------------------------------------------------- acceptance
@pytest.mark.parametrize("adder", ["kogge_stone_adder", "ripple_carry_adder"])
@pytest.mark.parametrize("cin", [0, 1])
def test_64_bit_adders_10k_vectors(store, adder, cin):
    cc = get(store, adder, 64)
    assert cc.mode == "analog"
    values = random_values(cc, 10_000, seed=64 + cin)
    values["cin"] = np.full(10_000, cin, dtype=object)
    check(cc, 64, _add, values)


def test_kogge_stone_uses_carry_in(store):
    # PyRTL 1.0.3's kogge_stone drops cin: wrong on 25% of inputs with cin=1.
    cc = get(store, "kogge_stone_adder", 6)
    a, b = np.meshgrid(np.arange(64), np.arange(64))
    got = cc(a=a.ravel(), b=b.ravel(), cin=1)
    total = got["sum"].astype(np.int64) + (got["cout"].astype(np.int64) << 6)
    assert (total == a.ravel() + b.ravel() + 1).all()


def test_8x8_multiplier_exhaustive(store):
    cc = get(store, "array_multiplier", 8)
    a, b = np.meshgrid(np.arange(256, dtype=np.uint64), np.arange(256, dtype=np.uint64))
    got = cc(a=a.ravel(), b=b.ravel())
    assert len(got["p"]) == 65_536
    assert (got["p"] == a.ravel() * b.ravel()).all()


def test_verify_against_exact(store):
    report = get(store, "kogge_stone_adder", 32).verify(n=2000, seed=3)
    assert report.ok and report.rows == 2000 and report.min_margin > 0


# --------------------------------------------------------------- hypothesis
_HSETTINGS = settings(max_examples=25, deadline=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture])


@_HSETTINGS
@given(data=st.data(), name=st.sampled_from(["ripple_carry_adder", "carry_lookahead_adder",
                                             "kogge_stone_adder", "adder_subtractor",
                                             "subtractor", "incrementer", "comparator",
                                             "mux4", "parity"]),
       n=st.integers(1, 40))
def test_property_random_width(store, data, name, n):
    cc = get(store, name, n)
    values = {k: data.draw(st.integers(0, (1 << w) - 1), label=k)
              for k, w in cc.inputs.items()}
    check(cc, n, SPECS[name][1], values)


@_HSETTINGS
@given(n=st.integers(1, 12), m=st.integers(1, 12), data=st.data())
def test_property_multiplier_rectangular(store, n, m, data):
    cc = compiled(store, lib.array_multiplier, n, m)
    a = data.draw(st.integers(0, (1 << n) - 1), label="a")
    b = data.draw(st.integers(0, (1 << m) - 1), label="b")
    assert cc(a=a, b=b) == {"p": a * b}


@_HSETTINGS
@given(n=st.integers(1, 24), a=st.integers(0, (1 << 24) - 1), b=st.integers(0, (1 << 24) - 1),
       cin=st.integers(0, 1))
def test_property_adders_agree(store, n, a, b, cin):
    a, b = a % (1 << n), b % (1 << n)
    results = [get(store, k, n)(a=a, b=b, cin=cin)
               for k in ("ripple_carry_adder", "carry_lookahead_adder", "kogge_stone_adder")]
    assert results[0] == results[1] == results[2]
    assert results[0]["sum"] + (results[0]["cout"] << n) == a + b + cin


# ---------------------------------------------------------------- structure
def test_library_is_cached_and_shared():
    assert lib.full_adder() is lib.full_adder()
    assert lib.ripple_carry_adder(4).modules["full_adder"] is lib.full_adder().module


def test_kogge_stone_depth_is_logarithmic():
    from circuitnn.compile import compile_design

    ks = compile_design(lib.kogge_stone_adder(64).design)
    rca = compile_design(lib.ripple_carry_adder(64).design)
    assert ks.depth <= 2 + 2 * 7 + 1 < rca.depth


def test_multiplexer_and_decoder_ports():
    assert lib.multiplexer(8, 4).inputs == {"sel": 2, "d0": 8, "d1": 8, "d2": 8, "d3": 8}
    assert lib.decoder(3, enable=True).outputs == {"y": 8}
    assert lib.array_multiplier(3, 5).outputs == {"p": 8}


@pytest.mark.parametrize("call, message", [
    (lambda: lib.ripple_carry_adder(0), r"^n is 0; use a whole number of 1 or more$"),
    (lambda: lib.kogge_stone_adder("8"), r"^n is '8'; use a whole number of 1 or more$"),
    (lambda: lib.multiplexer(4, 3), r"^ways is 3; use a power of two \(2, 4, 8, \.\.\.\)$"),
    (lambda: lib.array_multiplier(4, 0), r"^m is 0; use a whole number of 1 or more$"),
])
def test_bad_widths(call, message):
    where = r"^(.*[/\\])?test_library\.py:\d+: "
    with pytest.raises(UsageError, match=where + message[1:]):
        call()


def test_errors_are_circuit_errors():
    assert issubclass(UsageError, CircuitError)


# ----------------------------------------------------------------- doctests
def test_doctests(store):
    """The Examples sections of circuitnn.hdl.builder and circuitnn.library run, with
    the default ModelStore() pointed at the session store, not a home cache."""
    import doctest

    import circuitnn.hdl.builder
    import circuitnn.library.adders
    import circuitnn.library.arithmetic
    import circuitnn.library.logic
    import circuitnn.library.muxes

    old = os.environ.get("CIRCUITNN_STORE")
    os.environ["CIRCUITNN_STORE"] = str(store.root)
    try:
        for mod in (circuitnn.hdl.builder, circuitnn.library.adders,
                    circuitnn.library.arithmetic, circuitnn.library.muxes,
                    circuitnn.library.logic):
            res = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                                  extraglobs={"np": np})
            assert res.failed == 0, f"{mod.__name__}: {res.failed} doctest(s) failed"
            assert res.attempted > 0
        for doc in (ROOT / "docs" / "python-api.md", ROOT / "README.md"):
            res = doctest.testfile(str(doc), module_relative=False,
                                   optionflags=doctest.ELLIPSIS)
            assert res.failed == 0, f"{doc.name}: {res.failed} example(s) failed"
            assert res.attempted > 0, f"{doc.name} has no examples"
    finally:
        if old is None:
            del os.environ["CIRCUITNN_STORE"]
        else:
            os.environ["CIRCUITNN_STORE"] = old
