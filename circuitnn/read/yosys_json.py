"""Yosys JSON netlists (``write_json``): text -> :class:`~circuitnn.ir.records.Design`.

Read after gate-level synthesis, e.g.
``yosys -p "synth -flatten -top T; abc -g AND,NAND,OR,NOR,XOR,XNOR,MUX; opt_clean;
write_json t.json"``.

* The top module is ``top`` if given, else the module with attribute
  ``top``, else the only module no other one instantiates.
* Ports keep their names (odd characters become ``_``, see
  :mod:`circuitnn.read.build`); bits are LSB first, so a port of
  several bits is a bus whose value is the Verilog value.
* Each bit id is a net.  An output bit that is an input bit, a constant or
  another output's bit is connected by an assignment.
* Constant bits ``"0"`` and ``"1"`` are constants.  ``"x"`` (undefined) is
  read as 0, which is one of the values Verilog allows (as Yosys's
  ``setundef -zero``), with a warning (in ``Design.warnings``); ``"z"`` (high
  impedance) is refused.
* Cells ``$_BUF_ $_NOT_ $_AND_ $_NAND_ $_OR_ $_NOR_ $_XOR_ $_XNOR_ $_MUX_``
  use the standard gates; ``$_ANDNOT_ $_ORNOT_ $_NMUX_ $_AOI3_ $_OAI3_
  $_AOI4_ $_OAI4_`` become primitives of those names (pins in the order A, B,
  C, D, or S, A, B for ``$_NMUX_``); ``$lut`` cells (``abc -lut``) become
  deduplicated ``LUT<k>_...`` primitives; cells whose type is a module of
  the file are instances.  Word-level cells (``$add``...) are refused with
  the synthesis command that removes them.
* Rising-edge flip-flops (``$_DFF_P_``, ``$_DFFE_*``, ``$_SDFF*_*`` and the
  coarse ``$dff``, ``$dffe``, ``$sdff*``) are registers on the one clock, a
  module input; a submodule's flip-flops may be clocked by its own clock
  port, which each instance must connect to its parent's clock (traced
  through any depth of hierarchy).  Latches, falling edges, asynchronous
  resets and a second clock are refused.

JSON has no line numbers for cells; messages give the line where the cell's
name first appears after its module's, and the cell's name.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np

from ..errors import CircuitError, Loc, NetlistError
from ..ir.records import Bits, Concat, Const, Design, Expr, join_exprs
from ..ir.truthtable import TruthTable
from .build import (
    ModuleBuilder,
    PrimitiveLibrary,
    emit_function,
    make_design,
    module_name,
    raise_problems,
    read_text,
)

__all__ = ["CELLS", "NO_LOGIC", "emit_cell", "read_yosys_json", "reads_yosys_json"]

#: Yosys cells that drive nothing: ``$scopeinfo`` (what ``flatten`` leaves of
#: each instance; ``write_json`` writes them since Yosys 0.49) and ``$print``
#: (a ``$display``)
NO_LOGIC = frozenset({"$scopeinfo", "$print"})
_MUX_TREE = "a tree of MUX2"
#: Gate cells: type -> (primitive or expression, input ports in pin order)
CELLS: dict[str, tuple[str, tuple[str, ...]]] = {
    "$_BUF_": ("BUF", ("A",)),
    "$_NOT_": ("NOT", ("A",)),
    "$_AND_": ("AND2", ("A", "B")),
    "$_NAND_": ("NAND2", ("A", "B")),
    "$_OR_": ("OR2", ("A", "B")),
    "$_NOR_": ("NOR2", ("A", "B")),
    "$_XOR_": ("XOR2", ("A", "B")),
    "$_XNOR_": ("XNOR2", ("A", "B")),
    "$_MUX_": ("MUX2", ("S", "A", "B")),
    "$_ANDNOT_": ("a & ~b", ("A", "B")),
    "$_ORNOT_": ("a | ~b", ("A", "B")),
    "$_NMUX_": ("~(s & b | ~s & a)", ("S", "A", "B")),
    "$_AOI3_": ("~(a & b | c)", ("A", "B", "C")),
    "$_OAI3_": ("~((a | b) & c)", ("A", "B", "C")),
    "$_AOI4_": ("~(a & b | c & d)", ("A", "B", "C", "D")),
    "$_OAI4_": ("~((a | b) & (c | d))", ("A", "B", "C", "D")),
    # muxcover's wide multiplexers: data A, B, ... then selects S (least significant), T...
    "$_MUX4_": (_MUX_TREE, tuple("ABCDST")),
    "$_MUX8_": (_MUX_TREE, tuple("ABCDEFGHSTU")),
    "$_MUX16_": (_MUX_TREE, tuple("ABCDEFGHIJKLMNOPSTUV")),
}


def emit_cell(b: ModuleBuilder, lib: PrimitiveLibrary, ctype: str, ins: list[Expr], out: Expr,
              loc: Loc | None, name: str) -> None:
    """Record the gate cell ``ctype`` (a key of :data:`CELLS`) reading ``ins``
    in the order of its input ports.

    Examples
    --------
    >>> from circuitnn.read.build import ModuleBuilder, PrimitiveLibrary
    >>> b, lib = ModuleBuilder("m", None), PrimitiveLibrary()
    >>> emit_cell(b, lib, "$_ANDNOT_", [b.net("a"), b.net("b")], b.net("y"), None, "g")
    >>> [(i.type, lib.primitives[i.type].rows()[:2]) for i in b.instances]
    [('ANDNOT', [((0, 0), (0,)), ((0, 1), (0,))])]
    """
    prim, pins = CELLS[ctype]
    if prim == _MUX_TREE:
        width = 2 ** (len(ins).bit_length() - 1)  # 4, 8 or 16 data inputs
        data, selects = ins[:width], ins[width:]
        for k, select in enumerate(selects):
            last = k == len(selects) - 1
            data = [b.gate("MUX2", [select, lo, hi], out if last else b.fresh(name), loc,
                           name).outputs[0] for lo, hi in zip(data[::2], data[1::2])]
        return
    if prim in ("BUF", "NOT") or prim[-1].isdigit():
        b.gate(prim, ins, out, loc, name)
        return
    tt = TruthTable.from_expr(prim, inputs=list("sab" if ctype == "$_NMUX_"
                                                else "abcd"[:len(pins)]))
    prim, perm = lib.gate_for(tt.table[:, 0], ctype.strip("$_"), loc)
    b.gate(prim, [ins[j] for j in perm], out, loc, name)


_SEQ = re.compile(r"^\$_?(s?dff|adff|aldff|dffe|sdff|dlatch|latch|sr|ff|_SR|_DFF|_DLATCH|"
                  r"_ALDFF|_SDFF|_FF)", re.IGNORECASE)
_SYNTH = "run 'synth -flatten; abc -g AND,NAND,OR,NOR,XOR,XNOR,MUX; opt_clean' first"


def read_yosys_json(path: str | os.PathLike, top: str | None = None) -> Design:
    """Read a Yosys JSON netlist.

    Examples
    --------
    >>> from circuitnn import compile_design
    >>> c = compile_design(read_yosys_json("tests/data/formats/cmp6.json"))
    >>> [(p.name, p.width) for p in c.inputs]
    [('a', 6), ('b', 6), ('en', 1)]
    """
    path = Path(path)
    text = read_text(path)
    return reads_yosys_json(text, str(path), top)


_STRING = re.compile(r'("(?:[^"\\]|\\.)*")(\s*:\s*\{)?')


class _Lines:
    """Best-effort line numbers of JSON object keys."""

    def __init__(self, text: str):
        self.lines: dict[str, list[int]] = {}
        for n, line in enumerate(text.splitlines(), 1):
            # every string is matched once, left to right, so the scan is linear
            # (a pattern that could start again inside a string of many \" was
            # quadratic); a key of an object is a string followed by ': {'
            for m in _STRING.finditer(line):
                if m.group(2) is None:
                    continue
                try:
                    key = json.loads(m.group(1))
                except ValueError:
                    continue
                self.lines.setdefault(key, []).append(n)

    def after(self, key: str, line: int | None) -> int | None:
        for n in self.lines.get(key, []):
            if line is None or n > line:
                return n
        return None


def reads_yosys_json(text: str, file: str = "<string>", top: str | None = None) -> Design:
    """Read Yosys JSON text.

    Examples
    --------
    >>> d = reads_yosys_json('''{"modules": {"m": {
    ...   "ports": {"a": {"direction": "input", "bits": [2, 3]},
    ...             "y": {"direction": "output", "bits": [4]}},
    ...   "cells": {"g": {"type": "$_ANDNOT_",
    ...                   "connections": {"A": [2], "B": [3], "Y": [4]}}}}}}''')
    >>> d.top_module.instances[0].type, d.primitives["ANDNOT"].table[:, 0].tolist()
    ('ANDNOT', [0, 0, 1, 0])
    """
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates)
    except _DuplicateKey as e:
        line = _line_of_second(text, e.key)
        raise NetlistError(f"key {e.key!r} appears twice in one JSON object; each key may "
                           "appear once (give a file written by Yosys 'write_json')",
                           Loc(file, line)) from None
    except json.JSONDecodeError as e:
        raise NetlistError(f"not valid JSON: {e.msg}; give a file written by Yosys "
                           "'write_json'", Loc(file, e.lineno)) from None
    except RecursionError:
        raise NetlistError("JSON nesting is too deep; give a file written by Yosys "
                           "'write_json'", Loc(file)) from None
    except ValueError:  # an integer of more than 4300 digits
        raise NetlistError("not valid JSON: a number has more than 4300 digits; give a "
                           "file written by Yosys 'write_json'", Loc(file)) from None
    if not isinstance(data, dict) or not isinstance(data.get("modules"), dict):
        raise NetlistError("no 'modules' mapping; give a file written by Yosys 'write_json'",
                           Loc(file, 1))
    lines = _Lines(text)
    _check_shape(data["modules"], file, lines)
    raw = {name: m for name, m in data["modules"].items()
           if isinstance(m, dict) and not _attr(m, "blackbox")}
    if not raw:
        raise NetlistError("the file defines no modules", Loc(file, 1))
    top_name = _pick_top(raw, top, file, lines)
    problems: list[CircuitError] = []
    builders: dict[str, ModuleBuilder] = {}
    taken: set[str] = set()
    for name, m in raw.items():
        mloc = Loc(file, lines.after(name, None))
        mname = module_name(name)
        while mname in taken:
            mname += "_"
        taken.add(mname)
        b = ModuleBuilder(mname, file, mloc)
        ports = m.get("ports") or {}
        ins, outs = [], []
        for pname, p in ports.items():
            direction = p.get("direction")
            ploc = Loc(file, lines.after(pname, mloc.line))
            if direction not in ("input", "output"):
                problems.append(NetlistError(
                    f"module {name!r}: port {pname!r} is {direction!r}; only input and "
                    "output ports are supported", ploc))
                continue
            width = len(p.get("bits", []))
            bitnames = [f"{pname}[{i}]" for i in range(width)] if width > 1 else [pname]
            (ins if direction == "input" else outs).extend((n, ploc) for n in bitnames)
        b.set_ports(ins, outs)
        builders[name] = b
    lib = PrimitiveLibrary()
    warns: list[CircuitError] = []
    # children first: a submodule's clock port is known when its parent connects it
    for name in _children_first(raw):
        try:
            _build(builders[name], raw[name], name, builders, lib, file, lines, warns)
            builders[name].finish_clock()
        except CircuitError as e:
            problems.append(e)
    raise_problems(problems)
    modules = {b.name: b.build() for b in builders.values()}
    return make_design(builders[top_name].name, modules, lib, file, tuple(warns))


class _DuplicateKey(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list) -> dict:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen = set()
        for k, _ in pairs:
            if k in seen:
                raise _DuplicateKey(k)
            seen.add(k)
    return out


def _line_of_second(text: str, key: str) -> int | None:
    """The line where ``"key":`` appears a second time (best effort)."""
    needle = json.dumps(key)
    first = text.find(needle)
    second = text.find(needle, first + 1) if first >= 0 else -1
    return text.count("\n", 0, second) + 1 if second >= 0 else None


def _check_shape(modules: dict, file: str, lines: _Lines) -> None:
    """Refuse values of the wrong JSON type before anything reads them: every
    module, port, cell and netname is an object, ``bits`` and connections are
    lists of bits (net numbers or "0", "1", "x", "z"), a cell type a string."""
    problems: list[CircuitError] = []

    def bad(what: str, value, want: str, loc: Loc) -> None:
        shown = json.dumps(value)
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        problems.append(NetlistError(f"{what} is {shown}; expected {want} (give a file "
                                     "written by Yosys 'write_json')", loc))

    def bit_list(value, what: str, loc: Loc) -> None:
        if not isinstance(value, list):
            bad(what, value, "a list of bits", loc)
            return
        for bit in value:
            if not (isinstance(bit, int) and not isinstance(bit, bool) and bit >= 0
                    or bit in ("0", "1", "x", "z")):
                bad(f"{what}: bit", bit, 'a net number or "0", "1", "x", "z"', loc)
                return

    for name, m in modules.items():
        mloc = Loc(file, lines.after(name, None))
        where = f"module {name!r}"
        if not isinstance(m, dict):
            bad(where, m, "an object", mloc)
            continue
        for key in ("ports", "cells", "netnames", "attributes", "parameters"):
            if m.get(key) is not None and not isinstance(m[key], dict):
                bad(f"{where}: {key!r}", m[key], "an object", mloc)
        for pname, p in (m.get("ports") if isinstance(m.get("ports"), dict) else {}).items():
            ploc = Loc(file, lines.after(pname, mloc.line))
            if not isinstance(p, dict):
                bad(f"{where}: port {pname!r}", p, "an object", ploc)
            else:
                bit_list(p.get("bits", []), f"{where}: port {pname!r} 'bits'", ploc)
        for nname, n in (m.get("netnames") if isinstance(m.get("netnames"), dict)
                         else {}).items():
            if not isinstance(n, dict):
                bad(f"{where}: netname {nname!r}", n, "an object", mloc)
            else:
                bit_list(n.get("bits", []), f"{where}: netname {nname!r} 'bits'", mloc)
        for cname, c in (m.get("cells") if isinstance(m.get("cells"), dict) else {}).items():
            cloc = Loc(file, lines.after(cname, mloc.line))
            who = f"{where}: cell {cname!r}"
            if not isinstance(c, dict):
                bad(who, c, "an object", cloc)
                continue
            if not isinstance(c.get("type"), str):
                bad(f"{who} 'type'", c.get("type"), "a string", cloc)
            for key in ("connections", "parameters", "attributes", "port_directions"):
                if c.get(key) is not None and not isinstance(c[key], dict):
                    bad(f"{who} {key!r}", c[key], "an object", cloc)
            conns = c.get("connections")
            for port, bits in (conns if isinstance(conns, dict) else {}).items():
                bit_list(bits, f"{who} connection {port!r}", cloc)
    raise_problems(problems)


def _attr(m: dict, key: str) -> bool:
    v = (m.get("attributes") or {}).get(key)
    if isinstance(v, str):
        return "1" in v
    return bool(v)


def _pick_top(raw: dict, top: str | None, file: str, lines: _Lines) -> str:
    if top is not None:
        for name in raw:
            if top in (name, module_name(name)):
                return name
        raise NetlistError(f"no module named {top!r}; the file defines {', '.join(raw)}",
                           Loc(file))
    marked = [n for n, m in raw.items() if _attr(m, "top")]
    if len(marked) == 1:
        return marked[0]
    used = {c.get("type") for m in raw.values() for c in (m.get("cells") or {}).values()}
    roots = [n for n in raw if n not in used]
    if len(roots) == 1:
        return roots[0]
    if not roots:
        cycle = _cycle(raw)
        raise NetlistError(f"module {cycle[0]!r} contains itself: {' -> '.join(cycle)}; "
                           "hierarchy must not be recursive", Loc(file, lines.after(cycle[0],
                                                                                   None)))
    text = f"cannot tell the top module (candidates: {', '.join(roots)}); name it with "
    raise NetlistError(text + "top='NAME'", Loc(file), cli=text + "--top NAME")


def _no_extra_ports(who: str, conns: dict, ports: tuple[str, ...], loc: Loc) -> None:
    extra = [p for p in conns if p not in ports]
    if extra:
        raise NetlistError(f"{who}: has no port {extra[0]!r}; its ports are "
                           f"{', '.join(ports)}", loc)


def _children_first(raw: dict) -> list[str]:
    """Every module, each after the modules it instantiates (depth first,
    without recursion; a recursive hierarchy is refused by :func:`_pick_top`)."""
    order: list[str] = []
    seen: set[str] = set()
    for root in raw:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter((raw[root].get("cells") or {}).values()))]
        while stack:
            name, cells = stack[-1]
            child = next((c.get("type") for c in cells if c.get("type") in raw
                          and c.get("type") not in seen), None)
            if child is None:
                order.append(name)
                stack.pop()
            else:
                seen.add(child)
                stack.append((child, iter((raw[child].get("cells") or {}).values())))
    return order


def _cycle(raw: dict) -> list[str]:
    """A cycle of instantiations, when every module is instantiated by another."""
    name, path = next(iter(raw)), []
    while name not in path:
        path.append(name)
        name = next(c.get("type") for c in (raw[name].get("cells") or {}).values()
                    if c.get("type") in raw)
    return path[path.index(name):] + [name]


def _build(b: ModuleBuilder, m: dict, mod_name: str, builders: dict, lib: PrimitiveLibrary,
           file: str, lines: _Lines, warns: list[CircuitError]) -> None:
    undefined = []
    port_bit_names: dict[str, str] = {}
    netnames = {}
    for nname, n in (m.get("netnames") or {}).items():
        bits = n.get("bits", [])
        for i, bit in enumerate(bits):
            if isinstance(bit, int) and (bit not in netnames or not n.get("hide_name")):
                label = f"{nname}[{i}]" if len(bits) > 1 else nname
                if bit not in netnames or netnames[bit][1]:
                    netnames[bit] = (label, bool(n.get("hide_name")))
    # a bit id that is a port bit is that port bit: an input's first, else an
    # output's first
    ports_in_order = sorted((m.get("ports") or {}).items(),
                            key=lambda kv: kv[1].get("direction") != "input")
    for pname, p in ports_in_order:
        if p.get("direction") not in ("input", "output"):
            continue
        bits = p.get("bits", [])
        for i, bit in enumerate(bits):
            if isinstance(bit, int):
                port_bit_names.setdefault(str(bit), f"{pname}[{i}]" if len(bits) > 1
                                          else pname)
    mloc = b.loc
    # initial values: the init attribute of the wire a flip-flop drives
    init_bits: dict[int, int] = {}
    for n in (m.get("netnames") or {}).values():
        init = (n.get("attributes") or {}).get("init")
        if init is None:
            continue
        bits = n.get("bits", [])
        text = _binary(init, len(bits))
        for i, bit in enumerate(bits):
            if isinstance(bit, int):
                init_bits[bit] = (text >> i) & 1

    def init_of(q_bits) -> int:
        return sum(init_bits.get(bit, 0) << i for i, bit in enumerate(q_bits))

    def bit_expr(bit, where: Loc) -> Expr:
        if isinstance(bit, int):
            name = port_bit_names.get(str(bit))
            if name is None:
                label = netnames.get(bit, (f"n{bit}", True))[0]
                name = f"{label}#{bit}" if netnames.get(bit, ("", True))[1] else label
                port_bit_names[str(bit)] = name
            return b.net(name)
        if bit in ("0", "1"):
            return Const(int(bit), 1)
        if bit == "x":
            undefined.append(where)
            return Const(0, 1)
        raise NetlistError(f"module {mod_name!r}: constant bit {bit!r} (high impedance) is "
                           "not supported; circuitnn has no tri-state logic", where)

    # output bits that are not this module's own nets: input bits, constants,
    # bits of another output
    for pname, p in (m.get("ports") or {}).items():
        if p.get("direction") != "output":
            continue
        bits = p.get("bits", [])
        for i, bit in enumerate(bits):
            label = f"{pname}[{i}]" if len(bits) > 1 else pname
            if isinstance(bit, int) and port_bit_names.get(str(bit)) == label:
                continue
            target = b.net(label)
            ploc = Loc(file, lines.after(pname, mloc.line))
            b.assign(target, bit_expr(bit, ploc), ploc)

    for cname, cell in (m.get("cells") or {}).items():
        ctype = cell.get("type", "")
        if ctype in NO_LOGIC:
            continue
        loc = Loc(file, lines.after(cname, mloc.line))
        conns = cell.get("connections") or {}
        who = f"cell {cname!r} ({ctype})"
        if ctype in CELLS:
            prim, pins = CELLS[ctype]
            _no_extra_ports(who, conns, pins + ("Y",), loc)
            missing = [p for p in pins + ("Y",) if len(conns.get(p, [])) != 1]
            if missing:
                raise NetlistError(f"{who}: port {missing[0]} must connect 1 bit", loc)
            emit_cell(b, lib, ctype, [bit_expr(conns[p][0], loc) for p in pins],
                      bit_expr(conns["Y"][0], loc), loc, cname)
        elif ctype == "$lut":
            _no_extra_ports(who, conns, ("A", "Y"), loc)
            a = conns.get("A", [])
            lut = str((cell.get("parameters") or {}).get("LUT", "")).strip()
            k = len(a)
            # Yosys may pad the parameter with leading zeros, never with ones
            fits = k <= 10 and not lut[:max(0, len(lut) - 2**k)].strip("0")
            if not re.fullmatch(r"[01xX]+", lut) or not fits or len(conns.get("Y", [])) != 1:
                shown = lut if len(lut) <= 40 else f"{lut[:20]}... ({len(lut):,} characters)"
                raise NetlistError(f"{who}: cannot read LUT {shown!r} over {len(a)} inputs; "
                                   "expected a binary string of 2**k bits, k <= 10", loc)
            # LUT bit i is the output for A == i (A[0] least significant); pins MSB first
            bits = lut.replace("x", "0").replace("X", "0").zfill(2**k)[-(2**k):]
            column = np.array([int(c) for c in reversed(bits)], dtype=np.uint8)
            ins = [bit_expr(bit, loc) for bit in reversed(a)]
            out = bit_expr(conns["Y"][0], loc)
            emit_function(b, lib, ins, column, out, loc, cname)
        elif ctype in builders:
            child = builders[ctype]
            ports = {p.name: p for p in child.inputs + child.outputs}
            given = []
            clock = child._clock[0] if child._clock is not None else None
            if clock is not None and clock not in conns:
                raise NetlistError(f"{who}: the clock port {clock!r} of module {ctype!r} is "
                                   "not connected; connect it to the clock input", loc)
            for orig, bits in conns.items():
                if orig == clock:
                    # the child's clock is the simulation's cycle, as the parent's is
                    if len(bits) != 1 or not isinstance(bits[0], int):
                        raise NetlistError(f"{who}: the clock port {clock!r} of module "
                                           f"{ctype!r} connects {bits!r}; connect it to the "
                                           "clock input", loc)
                    b.use_clock(_orig_name(b, bit_expr(bits[0], loc)), loc)
                    continue
                port = (child.port_bits.get(orig) or child.port_bits.get(f"{orig}[0]")
                        or (orig, None))[0]
                p = ports.get(port)
                if p is None:
                    raise NetlistError(f"{who}: module {ctype!r} has no port {orig!r}; its "
                                       f"ports are {', '.join(ports)}", loc)
                # an output tied to a constant is recorded; the checker refuses it
                parts = [bit_expr(bit, loc) for bit in bits]
                bus = p.bus if p is not None else len(parts) > 1
                given.append((port, None, Concat(tuple(parts)) if bus or not parts else parts[0]))
            b.subcircuit(child.name, b.bind(child.inputs + child.outputs, given, cname),
                         loc, cname)
        elif _is_flip_flop(ctype):
            _flip_flop(b, ctype, cell, conns, bit_expr, init_of, who, loc, cname)
        elif _SEQ.match(ctype):
            raise NetlistError(f"{who}: not supported: {_seq_kind(ctype)}; circuitnn simulates "
                               f"rising-edge flip-flops on one clock with synchronous reset "
                               f"and enable ({_SUPPORTED})", loc)
        elif ctype.startswith("$"):
            raise NetlistError(f"{who}: {ctype}: word-level or unsupported cell; {_SYNTH}",
                               loc)
        else:
            raise NetlistError(f"{who}: no module {ctype!r} in the file (a black box?); "
                               "give its definition or flatten the design", loc)
    if undefined:
        warns.append(NetlistError(f"module {mod_name!r}: {len(undefined)} undefined ('x') "
                                  "bits read as 0", undefined[0]))


# flip-flops: $_DFF_P_, $_DFFE_P[PN]_, $_SDFF_P[PN][01]_, $_SDFFE_P[PN][01][PN]_,
# $_SDFFCE_P[PN][01][PN]_ (clock C), and the coarse cells (clock CLK)
_FF_FINE = re.compile(r"^\$_(DFF|DFFE|SDFF|SDFFE|SDFFCE)_([PN])([PN]?)([01]?)([PN]?)_$")
_FF_COARSE = {"$dff", "$dffe", "$sdff", "$sdffe", "$sdffce"}
_SUPPORTED = ("$_DFF_P_, $_DFFE_PP_/PN_, $_SDFF_*, $_SDFFE_*, $_SDFFCE_* and $dff, $dffe, $sdff, "
              "$sdffe, $sdffce with a rising clock")


#: which of (reset polarity, reset value, enable polarity) each fine-grained kind has
_FF_SHAPES = {"DFF": (False, False, False), "DFFE": (True, False, False),
              "SDFF": (True, True, False), "SDFFE": (True, True, True),
              "SDFFCE": (True, True, True)}


def _is_flip_flop(ctype: str) -> bool:
    if ctype in _FF_COARSE:
        return True
    m = _FF_FINE.match(ctype)
    return bool(m) and tuple(bool(g) for g in m.groups()[2:]) == _FF_SHAPES[m.group(1)]


def _seq_kind(ctype: str) -> str:
    t = ctype.lower()
    if "latch" in t:
        return "a level-sensitive latch"
    if "adff" in t or "aldff" in t or "dffsr" in t or re.match(r"^\$_dff_[pn][pn][01]_$", t):
        return "a flip-flop with an asynchronous reset or set"
    if re.match(r"^\$_(s?dffc?e?)_n", t):
        return "a falling-edge flip-flop"
    return f"the sequential cell {ctype}"


def _binary(value, width: int) -> int:
    """A Yosys parameter or attribute as an integer: a binary string (MSB
    first; x and z read as 0) or a number."""
    if isinstance(value, str):
        bits = value.strip().lower().replace("x", "0").replace("z", "0")
        return int(bits, 2) if bits and set(bits) <= {"0", "1"} else 0
    return int(value) & ((1 << width) - 1) if width else int(value)


def _flip_flop(b: ModuleBuilder, ctype: str, cell: dict, conns: dict, bit_expr, init_of,
               who: str, loc: Loc, cname: str) -> None:
    """Record a yosys flip-flop cell as a register (its clock the module's
    one clock), with yosys's reset and enable priorities."""
    params = cell.get("parameters") or {}
    fine = _FF_FINE.match(ctype)
    if fine:
        kind, clk, rpol, rval, epol = fine.groups()
        kind = kind.lower()
        clock_pin, en_pin, rst_pin = "C", "E", "R"
        if kind == "dffe":
            epol, rpol = rpol, ""
        clock_rises = clk == "P"
        reset_active = rpol != "N"
        reset_value = rval == "1"
        enable_active = epol != "N"
    else:
        kind = ctype[1:]
        clock_pin, en_pin, rst_pin = "CLK", "EN", "SRST"
        clock_rises = _binary(params.get("CLK_POLARITY", 1), 1) == 1
        reset_active = _binary(params.get("SRST_POLARITY", 1), 1) == 1
        enable_active = _binary(params.get("EN_POLARITY", 1), 1) == 1
        reset_value = None
    if not clock_rises:
        raise NetlistError(f"{who}: not supported: a falling-edge flip-flop; circuitnn "
                           f"simulates rising-edge flip-flops on one clock", loc)
    q_bits = conns.get("Q", [])
    d_bits = conns.get("D", [])
    clock = conns.get(clock_pin, [])
    if not q_bits or len(d_bits) != len(q_bits):
        raise NetlistError(f"{who}: D and Q must connect the same number of bits (got "
                           f"{len(d_bits)} and {len(q_bits)})", loc)
    if len(clock) != 1 or not isinstance(clock[0], int):
        raise NetlistError(f"{who}: the flip-flop has no clock (its {clock_pin} pin is "
                           f"{clock!r}); connect it to the clock input", loc)
    clock_expr = bit_expr(clock[0], loc)
    q = join_exprs(bit_expr(bit, loc) for bit in q_bits)
    d = join_exprs(bit_expr(bit, loc) for bit in d_bits)
    options: dict = {"init": init_of(q_bits)}

    def one_bit(pin: str) -> Expr:
        bits = conns.get(pin, [])
        if len(bits) != 1:
            raise NetlistError(f"{who}: port {pin} must connect 1 bit", loc)
        return bit_expr(bits[0], loc)

    if kind in ("sdff", "sdffe", "sdffce"):
        options["reset"] = one_bit(rst_pin)
        options["reset_active"] = int(reset_active)
        options["reset_value"] = (int(reset_value) * ((1 << len(q_bits)) - 1)
                                  if reset_value is not None
                                  else _binary(params.get("SRST_VALUE", 0), len(q_bits)))
    if kind in ("dffe", "sdffe", "sdffce"):
        options["enable"] = one_bit(en_pin)
        options["enable_active"] = int(enable_active)
        options["priority"] = "enable" if kind == "sdffce" else "reset"
    orig = _orig_name(b, clock_expr)
    b.register(d, q, loc, cname, clock=orig, **options)


def _orig_name(b: ModuleBuilder, expr: Expr) -> str:
    """The original name of the net ``expr`` refers to (for the clock)."""
    for orig, ref in b._orig.items():
        if ref == expr:
            return orig
    return expr.net if isinstance(expr, Bits) else str(expr)

