"""The ISCAS ``.bench`` format: text -> :class:`~circuitnn.ir.records.Design`.

Both common dialects are read: keywords in any case (``nand``, ``NAND``),
``BUF`` and ``BUFF``, numeric signal names, ``#`` comments, CRLF line ends,
blank lines, and gates in any order.  Gate types: ``AND OR NAND NOR`` of any
fan-in (1 input is a buffer or inverter; more than 9 becomes a tree of
standard gates), ``XOR XNOR`` (``NXOR``) of any fan-in (read as odd / even
parity, a tree of gates of at most 4 inputs above 4), ``NOT`` (``INV``),
``BUF`` (``BUFF``) with one input, and ABC's ``MUX(s, x1, x0)`` = ``s ? x1 :
x0``.  ``q = DFF(d)`` (ISCAS-89) is a D flip-flop on one implicit clock,
starting at 0; other sequential elements are refused.

What ABC's ``write_bench`` writes is read too: ``y = LUT 0x8 ( a, b )`` (bit
``i`` of the hexadecimal table is the output for the inputs spelling ``i``,
the first input least significant), constants ``y = vdd`` and ``y = gnd``,
``vdd`` and ``gnd`` read as constants where nothing else drives them, and
``q = DFFRSE( d, gnd, gnd, gnd, gnd )``, ABC's plain flip-flop (its reset,
set and enable tied off; any other DFFRSE is refused).

Port names follow :mod:`circuitnn.read.build`: ``22`` -> ``N22``,
``x[0] x[1]...`` -> bus ``x``, a pass-through output ``G339`` -> ``G339_out``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from ..errors import Loc, NetlistError
from ..ir.primitives import MAX_PRIMITIVE_INPUTS
from ..ir.records import Const, Design
from ..ir.truthtable import input_matrix
from .build import (
    ModuleBuilder,
    PrimitiveLibrary,
    emit_cover,
    emit_function,
    make_design,
    module_name,
    raise_problems,
    read_text,
    reduce_tree,
)

__all__ = ["read_bench", "reads_bench"]

_NAME = r"[^\s(),=#]+"
_PORT = re.compile(rf"^(INPUT|OUTPUT)\s*\(\s*({_NAME})\s*\)$", re.IGNORECASE)
_GATE = re.compile(rf"^({_NAME})\s*=\s*([A-Za-z_][A-Za-z0-9_]*)\s*\((.*)\)$")
_ARG = re.compile(rf"^{_NAME}$")
_LUT = re.compile(rf"^({_NAME})\s*=\s*LUT\s+(\S+)\s*\((.*)\)$", re.IGNORECASE)
_CONST = re.compile(rf"^({_NAME})\s*=\s*(vdd|gnd)$", re.IGNORECASE)
_CONSTANTS = {"vdd": 1, "gnd": 0}
_LUT_KIND = "LUT with a table"  # never a TYPE of name = TYPE(...), which is a word
#: The widest LUT read: its table is 2**16 bits, 16,384 hexadecimal digits.
_LUT_MAX = 16
_SEQUENTIAL = re.compile(r"^(DFF\w*|LATCH\w*|FF\w*)$", re.IGNORECASE)
_KNOWN = "AND, NAND, OR, NOR, XOR, XNOR, NOT, BUF (BUFF), MUX"


def read_bench(path: str | os.PathLike, top: str | None = None) -> Design:
    """Read an ISCAS ``.bench`` file.

    ``top`` is accepted for a uniform reader signature; a ``.bench`` file
    holds one circuit, named after the file.

    Examples
    --------
    >>> from circuitnn import compile_design
    >>> compile_design(read_bench("data/benchmarks/iscas85/c17.bench"))
    Circuit(c17: 5 in, 2 out, 6 gates, depth 3)
    """
    path = Path(path)
    text = read_text(path)
    return reads_bench(text, str(path), module_name(path.stem))


def reads_bench(text: str, file: str = "<string>", name: str = "bench") -> Design:
    """Read ``.bench`` text.

    Examples
    --------
    >>> d = reads_bench("INPUT(1)\\nINPUT(2)\\nOUTPUT(3)\\n3 = nand(1, 2)\\n")
    >>> [p.name for p in d.top_module.ports]
    ['N1', 'N2', 'N3']
    """
    problems: list = []
    inputs: list[tuple[str, Loc]] = []
    outputs: list[tuple[str, Loc]] = []
    gates: list[tuple[str, str, list[str], Loc]] = []
    for line_no, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        loc = Loc(file, line_no)
        m = _PORT.match(line)
        if m:
            (inputs if m.group(1).upper() == "INPUT" else outputs).append((m.group(2), loc))
            continue
        m = _CONST.match(line)
        if m:
            gates.append((m.group(1), m.group(2).lower(), [], loc))
            continue
        m = _LUT.match(line)
        if m:
            try:
                gates.append((m.group(1), _LUT_KIND, _lut(m.group(1), m.group(2), m.group(3),
                                                      loc), loc))
            except NetlistError as e:
                problems.append(e)
            continue
        m = _GATE.match(line)
        if not m:
            problems.append(NetlistError(
                f"cannot read {line!r}; a .bench line is INPUT(name), OUTPUT(name) or "
                "name = TYPE(input, input, ...)", loc))
            continue
        out, kind, args = m.group(1), m.group(2).upper(), m.group(3)
        ins = [a.strip() for a in args.split(",")]
        if kind == "DFFRSE" and [a.lower() for a in ins[1:]] == ["gnd"] * 4:
            kind, ins = "DFF", ins[:1]  # ABC's plain flip-flop
        if _SEQUENTIAL.match(kind) and kind != "DFF":
            problems.append(NetlistError(
                f"not supported: sequential element {m.group(2)} driving {out!r}; circuitnn "
                "supports DFF (a D flip-flop on the one implicit clock, starting at 0)", loc))
            continue
        bad = [a for a in ins if not _ARG.match(a)]
        if bad:
            problems.append(NetlistError(
                f"gate {out!r} has a bad input {bad[0]!r}; list signal names separated by "
                f"commas, e.g. {out} = {m.group(2)}(a, b)", loc))
            continue
        gates.append((out, kind, ins, loc))

    if not (problems or inputs or outputs or gates):
        raise NetlistError("the file has no INPUT, OUTPUT or gate line; a .bench netlist "
                           "lists INPUT(name), OUTPUT(name) and name = TYPE(inputs) lines",
                           Loc(file, 1))
    # a signal driven twice or an INPUT driven is recorded as written: the
    # checker reports it as it does for every front end
    b = ModuleBuilder(name, file, Loc(file, 1))
    b.set_ports(inputs, outputs)
    lib = PrimitiveLibrary()
    driven = {orig for orig, _ in inputs} | {g[0] for g in gates}
    for const in sorted({a for g in gates for a in g[2]
                         if isinstance(a, str) and a.lower() in _CONSTANTS} - driven):
        # ABC writes undriven vdd/gnd for its constant nodes, and reads them so
        b.assign(b.net(const), Const(_CONSTANTS[const.lower()], 1), gates[0][3])
    for out, kind, ins, loc in gates:
        try:
            if kind == _LUT_KIND:
                _emit_lut(b, lib, out, ins, loc)
            elif kind in _CONSTANTS:
                b.assign(b.net(out), Const(_CONSTANTS[kind], 1), loc)
            else:
                _emit(b, out, kind, ins, loc)
        except NetlistError as e:
            problems.append(e)
    problems.sort(key=lambda p: (p.loc.line or 0) if p.loc else 0)
    raise_problems(problems)
    return make_design(name, {name: b.build()}, lib, file)


def _emit(b: ModuleBuilder, out: str, kind: str, ins: list[str], loc: Loc) -> None:
    target = b.net(out)
    nets = [b.net(a) for a in ins]
    n = len(nets)
    if kind == "DFF":
        if n != 1:
            raise NetlistError(f"flip-flop {out!r}: DFF takes 1 input (the value it loads "
                               f"at each clock edge), got {n} ({', '.join(ins)})", loc)
        b.register(nets[0], target, loc, out)
    elif kind in ("NOT", "INV", "BUF", "BUFF") or kind.startswith("BUF"):
        if n != 1:
            raise NetlistError(f"gate {out!r}: {kind} takes 1 input, got {n} "
                               f"({', '.join(ins)})", loc)
        b.gate("NOT" if kind in ("NOT", "INV") else "BUF", nets, target, loc, out)
    elif kind in ("AND", "NAND", "OR", "NOR"):
        family = kind[-2:] if kind.endswith("OR") else "AND"
        reduce_tree(b, family, nets, target, kind.startswith("N"), loc, out)
    elif kind in ("XOR", "XNOR", "NXOR"):
        reduce_tree(b, "XOR", nets, target, kind != "XOR", loc, out)
    elif kind == "LUT":
        raise NetlistError(f"LUT {out!r} has no table; write it as {out} = LUT 0x8 ( a, b ): bit "
                           "i of the hexadecimal table is the output for the inputs spelling i, "
                           "the first input least significant", loc)
    elif kind == "MUX":
        if n != 3:
            raise NetlistError(f"gate {out!r}: MUX takes 3 inputs (select, when-1, "
                               f"when-0), got {n}", loc)
        b.gate("MUX2", [nets[0], nets[2], nets[1]], target, loc, out)
    else:
        raise NetlistError(f"gate {out!r} has unknown type {kind!r}; .bench gate types "
                           f"are {_KNOWN}", loc)


def _lut(out: str, table: str, args: str, loc: Loc) -> tuple[list[str], np.ndarray]:
    """The inputs (last first) and output column (row ``r`` for the inputs
    spelling ``r``, the first of them most significant) of ``out = LUT 0x... ( args )``."""
    ins = [a.strip() for a in args.split(",")] if args.strip() else []
    bad = [a for a in ins if not _ARG.match(a)]
    if bad:
        raise NetlistError(f"LUT {out!r} has a bad input {bad[0]!r}; list signal names "
                           f"separated by commas, e.g. {out} = LUT 0x8 ( a, b )", loc)
    k = len(ins)
    if k > _LUT_MAX:
        raise NetlistError(f"LUT {out!r} has {k} inputs; circuitnn reads LUTs of up to "
                           f"{_LUT_MAX} inputs (map with a smaller K, e.g. ABC 'if -K 6')", loc)
    digits = (2**k + 3) // 4
    if not re.fullmatch(r"0[xX][0-9A-Fa-f]+", table):
        raise NetlistError(f"LUT {out!r} has the table {table!r}; expected a hexadecimal "
                           f"number such as 0x8, of up to {digits} digits for {k} inputs", loc)
    value = int(table, 16)
    if value >> 2**k:
        raise NetlistError(f"LUT {out!r} has the table {table!r}, of more than the {2**k} "
                           f"bits {k} inputs have; expected up to {digits} hexadecimal digits",
                           loc)
    # bit i is the output for the inputs spelling i with the first input least
    # significant: a column's row r spells its first input most significant,
    # so the inputs go last first, as the JSON reader's $lut pins do
    bits = np.frombuffer(format(value, f"0{2**k}b")[::-1].encode(), dtype=np.uint8) - 48
    return ins[::-1], bits


def _emit_lut(b: ModuleBuilder, lib: PrimitiveLibrary, out: str,
              lut: tuple[list[str], np.ndarray], loc: Loc) -> None:
    ins, column = lut
    nets = [b.net(a) for a in ins]
    if len(ins) <= MAX_PRIMITIVE_INPUTS:
        emit_function(b, lib, nets, column, b.net(out), loc, out)
        return
    rows = input_matrix(len(ins))[column.astype(bool)]
    cubes = ["".join("1" if v else "0" for v in row) for row in rows]
    emit_cover(b, lib, nets, cubes, False, b.net(out), loc, out)
