"""The standard gate library, every gate defined as a truth table.

Names carry the fan-in (``AND3``, ``XOR2``); netlists may also write the bare
family name (``AND``) and let the number of connections pick the fan-in.
"""

from __future__ import annotations

import difflib
from functools import reduce

import numpy as np

from .truthtable import TruthTable, input_matrix

__all__ = [
    "STANDARD",
    "FAMILIES",
    "FAMILY_NAMES",
    "MAX_PRIMITIVE_INPUTS",
    "standard",
    "resolve",
    "suggest",
    "did_you_mean",
]

#: The widest truth table that is trained as one net.
MAX_PRIMITIVE_INPUTS = 10

_INPUT_NAMES = "abcdefghij"


def _reduce_family(op, invert: bool):
    def fn(*bits):
        v = reduce(op, bits)
        return 1 - v if invert else v

    return fn


def _tabulate(pins, fn, name) -> TruthTable:
    # the family functions use only & | ^ and 1 - x, so they apply to whole
    # columns of the input matrix at once: no Python loop over 512 rows
    cols = input_matrix(len(pins)).T.astype(np.int64)
    y = np.broadcast_to(fn(*cols), (len(cols[0]),))
    return TruthTable(pins, ("y",), y[:, None].astype(np.uint8), name=name)


#: family name -> (fan-ins, function of the input bits)
FAMILIES: dict[str, tuple[range, object]] = {
    "BUF": (range(1, 2), lambda a: a),
    "NOT": (range(1, 2), lambda a: 1 - a),
    "AND": (range(2, 10), _reduce_family(lambda x, y: x & y, False)),
    "OR": (range(2, 10), _reduce_family(lambda x, y: x | y, False)),
    "NAND": (range(2, 10), _reduce_family(lambda x, y: x & y, True)),
    "NOR": (range(2, 10), _reduce_family(lambda x, y: x | y, True)),
    "XOR": (range(2, 5), _reduce_family(lambda x, y: x ^ y, False)),
    "XNOR": (range(2, 5), _reduce_family(lambda x, y: x ^ y, True)),
    "MUX2": (range(3, 4), lambda s, a, b: (s & b) | ((1 - s) & a)),
    "MAJ3": (range(3, 4), lambda a, b, c: (a & b) | (a & c) | (b & c)),
}

_PIN_NAMES = {"MUX2": ("s", "a", "b")}


def _name(family: str, n: int) -> str:
    fanins = FAMILIES[family][0]
    return family if len(fanins) == 1 else f"{family}{n}"


#: The standard type names a netlist writes: the family where the fan-in
#: varies (``AND``), else its one gate (``MUX2``).
FAMILY_NAMES: tuple[str, ...] = tuple(
    family if len(fanins) > 1 else _name(family, fanins.start)
    for family, (fanins, _) in FAMILIES.items())


def _build() -> dict[str, TruthTable]:
    lib = {}
    for family, (fanins, fn) in FAMILIES.items():
        for n in fanins:
            name = _name(family, n)
            pins = _PIN_NAMES.get(family, tuple(_INPUT_NAMES[:n]))
            lib[name] = _tabulate(pins, fn, name)
    return lib


#: Every standard primitive by name: BUF, NOT, AND2..AND9, ..., MUX2, MAJ3.
STANDARD: dict[str, TruthTable] = _build()


def standard() -> dict[str, TruthTable]:
    """A copy of the standard library, name -> truth table.

    Examples
    --------
    >>> lib = standard()
    >>> lib["XOR2"].table[:, 0].tolist(), len(lib)
    ([0, 1, 1, 0], 42)
    """
    return dict(STANDARD)


def resolve(type_name: str, n_inputs: int | None = None) -> TruthTable | None:
    """The standard primitive for a type name, or None if there is none.

    Names are case-insensitive.  A bare family name (``AND``) takes its fan-in
    from ``n_inputs``; ``BUFF`` is accepted for ``BUF``, ``MUX`` for ``MUX2``,
    ``MAJ`` for ``MAJ3``.

    Examples
    --------
    >>> resolve("and", 3).name, resolve("XOR2").name, resolve("AND", 12)
    ('AND3', 'XOR2', None)
    """
    key = type_name.upper()
    key = {"BUFF": "BUF", "MUX": "MUX2", "MAJ": "MAJ3"}.get(key, key)
    if key in STANDARD:
        return STANDARD[key]
    if key in FAMILIES and n_inputs is not None:
        return STANDARD.get(_name(key, n_inputs))
    return None


def family_fanins(type_name: str) -> range | None:
    """The fan-ins a family name accepts (``AND`` -> 2..9), or None."""
    entry = FAMILIES.get(type_name.upper())
    return entry[0] if entry else None


def suggest(name: str, known) -> str | None:
    """The closest known name to a misspelt one, for did-you-mean messages."""
    upper = {k.upper(): k for k in known}
    match = difflib.get_close_matches(name.upper(), list(upper), n=1, cutoff=0.6)
    return upper[match[0]] if match else None


def did_you_mean(name: str, known) -> str:
    """`` (did you mean 'X'?)`` for the closest known name, or nothing.

    Examples
    --------
    >>> did_you_mean("XNR", ["XOR", "XNOR"]), did_you_mean("zzz", ["a"])
    (" (did you mean 'XNOR'?)", '')
    """
    hint = suggest(name, known)
    return f" (did you mean {hint!r}?)" if hint else ""
