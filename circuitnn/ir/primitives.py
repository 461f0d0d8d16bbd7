"""The standard gate library, every gate defined as a truth table.

Names carry the fan-in (``AND3``, ``XOR2``); netlists may also write the bare
family name (``AND``) and let the number of connections pick the fan-in.
"""

from __future__ import annotations

import difflib
import re
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


#: Wide family gates become trees of these (family -> tree family, inverted).
_TREES = {"AND": ("AND", False), "NAND": ("AND", True), "OR": ("OR", False),
          "NOR": ("OR", True), "XOR": ("XOR", False), "XNOR": ("XOR", True)}
_INVERTED = {"AND": "NAND", "OR": "NOR", "XOR": "XNOR"}
_WIDE_NAME = re.compile(r"^(AND|OR|NAND|NOR|XOR|XNOR)(\d+)$")


def wide_gate(type_name: str, n_inputs: int, n_outputs: int
              ) -> list[tuple[str, tuple[int, ...], int]] | None:
    """A family gate beyond its standard fan-ins, as standard gates; else None.

    ``XOR`` (or ``XOR8``) with 8 inputs becomes a balanced tree of XOR gates
    of at most 4 inputs, ``AND``/``OR`` (``NAND``/``NOR``: the last gate
    inverted) trees of at most 9; ``NOT`` or ``BUF`` with ``n`` inputs and
    ``n`` outputs is ``n`` gates, bit by bit.  Each gate is ``(standard name,
    input refs, output ref)``: refs ``0..n_inputs-1`` are the inputs,
    ``n_inputs..`` the outputs, then new internal nets.

    Examples
    --------
    >>> wide_gate("XOR", 8, 1)
    [('XOR4', (0, 1, 2, 3), 9), ('XOR4', (4, 5, 6, 7), 10), ('XOR2', (9, 10), 8)]
    >>> wide_gate("not", 2, 2)
    [('NOT', (0,), 2), ('NOT', (1,), 3)]
    >>> wide_gate("AND", 3, 1) is None  # a standard gate
    True
    """
    key = {"BUFF": "BUF"}.get(type_name.upper(), type_name.upper())
    if key in ("NOT", "BUF"):
        if n_inputs == n_outputs and n_inputs > 1:
            return [(key, (i,), n_inputs + i) for i in range(n_inputs)]
        return None
    m = _WIDE_NAME.match(key)
    if m:
        if int(m.group(2)) != n_inputs or m.group(0) in STANDARD:
            return None
        key = m.group(1)
    if key not in _TREES or n_outputs != 1 or n_inputs < 1:
        return None
    if n_inputs in FAMILIES[key][0]:
        return None
    base, invert = _TREES[key]
    if n_inputs == 1:
        return [("NOT" if invert else "BUF", (0,), 1)]
    width = FAMILIES[base][0].stop - 1
    gates: list[tuple[str, tuple[int, ...], int]] = []
    refs = list(range(n_inputs))
    fresh = n_inputs + 1
    while len(refs) > width:
        groups = -(-len(refs) // width)
        size, extra = divmod(len(refs), groups)
        nxt, lo = [], 0
        for g in range(groups):
            chunk = refs[lo:lo + size + (g < extra)]
            lo += len(chunk)
            if len(chunk) == 1:
                nxt.append(chunk[0])
                continue
            gates.append((f"{base}{len(chunk)}", tuple(chunk), fresh))
            nxt.append(fresh)
            fresh += 1
        refs = nxt
    top = _INVERTED[base] if invert else base
    gates.append((f"{top}{len(refs)}", tuple(refs), n_inputs))
    return gates
