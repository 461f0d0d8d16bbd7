"""BLIF (combinational logic and flip-flops): text -> :class:`~circuitnn.ir.records.Design`.

Read: ``.model``, ``.inputs`` / ``.outputs`` (repeatable), ``.names`` covers
with ``-`` don't cares, ``.subckt`` (each ``.model`` becomes a circuit and
each ``.subckt`` an instance connected by port name; the first model is the
top unless ``top`` names another), ``.end``, ``#`` comments and ``\\`` line
continuations, Yosys's ``.conn a b`` (``b = a``), and its ``.attr``,
``.param`` and ``.cname`` annotations (ignored).

Covers follow ABC and SIS: rows with output ``1`` list the on-set, rows with
output ``0`` the off-set (the node is the complement of their OR); a cover
mixing both is refused.  ``.names x`` with no rows is constant 0; a row
``1`` or ``0`` with an empty input plane is constant 1 or 0.

Every distinct cover becomes one truth-table primitive, shared across the
design (see :mod:`circuitnn.read.build`): covers equal to a standard
gate use it (``AND2``, ``NOT``, ``MUX2``...), others become ``LUT<k>_<hex>``
primitives, and covers of more than 10 inputs are decomposed into an AND per
cube (chunks of at most 10 literals) and an OR tree
(:func:`~circuitnn.read.build.emit_cover`).

Yosys's ``$false``, ``$true`` and ``$undef`` are constants 0, 1 and 0 where
nothing in the model drives them (``write_blif -impltf`` leaves them out).
Yosys's internal cells written as ``.subckt`` (``write_blif`` without
``dffunmap`` writes its flip-flops so, and ``-icells`` every gate) are read
as in Yosys JSON: ``$_AND_``, ``$_MUX_``, ``$_AOI3_``... and the rising-edge
``$_DFF_P_``, ``$_DFFE_*``, ``$_SDFF_*``, ``$_SDFFE_*``, ``$_SDFFCE_*``
(starting at 0: BLIF has no place for an initial value there).

``.latch D Q re clock [init]`` (yosys after ``dffunmap``) is a rising-edge
flip-flop on ``clock``, which is then the design's one clock and not a data
input; ``.latch D Q [init]`` (as ABC writes it) is one on the global clock.
Init 0 and 1 are honoured, 2 and 3 (don't care, unknown) read as 0; other
latch types, two clocks, and ``.mlatch``, ``.clock`` are refused, as are
``.gate``, ``.exdc``, ``.start_kiss`` and the timing keywords.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CircuitError, Loc, NetlistError
from ..ir.records import Const, Design
from . import yosys_json
from .build import (
    ModuleBuilder,
    PrimitiveLibrary,
    emit_cover,
    make_design,
    module_name,
    raise_problems,
    read_text,
)

__all__ = ["read_blif", "reads_blif"]

_SEQUENTIAL = {".mlatch", ".clock", ".clock_event"}
_LATCH_TYPES = {"fe": "a falling-edge flip-flop", "ah": "a level-sensitive latch, active high",
                "al": "a level-sensitive latch, active low", "as": "an asynchronous latch"}
_IGNORED = {".attr", ".param", ".cname"}
#: the nets ``write_blif -impltf`` reads without defining them
_YOSYS_CONSTANTS = {"$false": 0, "$true": 1, "$undef": 0}


@dataclass
class _Names:
    inputs: list[str]
    output: str
    rows: list[tuple[str, str, int]]
    loc: Loc


@dataclass
class _Model:
    name: str
    loc: Loc
    inputs: list[tuple[str, Loc]] = field(default_factory=list)
    outputs: list[tuple[str, Loc]] = field(default_factory=list)
    names: list[_Names] = field(default_factory=list)
    subckts: list[tuple[str, list[tuple[str, str]], Loc]] = field(default_factory=list)
    conns: list[tuple[str, str, Loc]] = field(default_factory=list)
    #: (data, output, clock or None for the global clock, initial value, where)
    latches: list[tuple[str, str, str | None, int, Loc]] = field(default_factory=list)


def read_blif(path: str | os.PathLike, top: str | None = None) -> Design:
    """Read a BLIF file; ``top`` names the top model (default: the first).

    Examples
    --------
    >>> from circuitnn import compile_design
    >>> compile_design(read_blif("data/benchmarks/epfl/ctrl.blif"))
    Circuit(top: 7 in, 26 out, 174 gates, depth 10)
    """
    path = Path(path)
    text = read_text(path)
    return reads_blif(text, str(path), top, default_name=path.stem)


def _logical_lines(text: str):
    """(first line number, tokens) per logical line: comments removed,
    backslash continuations joined."""
    pending: list[str] = []
    start = 0
    for line_no, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].rstrip()
        if not pending:
            start = line_no
        if line.endswith("\\"):
            pending.append(line[:-1])
            continue
        pending.append(line)
        tokens = " ".join(pending).split()
        pending = []
        if tokens:
            yield start, tokens
    if pending:
        tokens = " ".join(pending).split()
        if tokens:
            yield start, tokens


def _parse(text: str, file: str, default_name: str, problems: list) -> list[_Model]:
    models: list[_Model] = []
    model: _Model | None = None
    names: _Names | None = None
    for line_no, tokens in _logical_lines(text):
        loc = Loc(file, line_no)
        key = tokens[0]
        if not key.startswith("."):
            if names is None:
                problems.append(NetlistError(
                    f"{' '.join(tokens)!r} is not a statement; cover rows must follow a "
                    ".names line, statements start with '.'", loc))
                continue
            names.rows.append((*_row(tokens, len(names.inputs), loc), line_no))
            continue
        names = None
        key = key.lower()
        if key == ".model":
            model = _Model(tokens[1] if len(tokens) > 1 else default_name, loc)
            models.append(model)
            continue
        if key == ".end":
            model = None
            continue
        if key in _IGNORED:
            continue
        if model is None:
            model = _Model(default_name, loc)
            models.append(model)
        if key == ".inputs":
            model.inputs += [(t, loc) for t in tokens[1:]]
        elif key == ".outputs":
            model.outputs += [(t, loc) for t in tokens[1:]]
        elif key == ".names":
            if len(tokens) < 2:
                problems.append(NetlistError(
                    ".names needs at least an output: '.names in1 in2 out'", loc))
                continue
            names = _Names(tokens[1:-1], tokens[-1], [], loc)
            model.names.append(names)
        elif key == ".subckt":
            conns = []
            for t in tokens[2:]:
                formal, eq, actual = t.partition("=")
                if not eq or not formal or not actual:
                    problems.append(NetlistError(
                        f".subckt connection {t!r} is not 'formal=actual'", loc))
                    continue
                conns.append((formal, actual))
            if len(tokens) < 2:
                problems.append(NetlistError(".subckt needs a model name", loc))
                continue
            model.subckts.append((tokens[1], conns, loc))
        elif key == ".conn":
            if len(tokens) != 3:
                problems.append(NetlistError(".conn takes two nets: '.conn from to'", loc))
                continue
            model.conns.append((tokens[1], tokens[2], loc))
        elif key == ".latch":
            try:
                model.latches.append(_latch(tokens, loc))
            except NetlistError as e:
                problems.append(e)
        elif key in _SEQUENTIAL:
            problems.append(NetlistError(
                f"not supported: {key}; circuitnn reads flip-flops as '.latch D Q re clock "
                "[init]' or '.latch D Q [init]' (one global clock)", loc))
        elif key == ".gate":
            problems.append(NetlistError(
                "not supported: .gate (a cell of a technology library); write the logic "
                "as .names covers, e.g. with ABC or Yosys without a liberty file", loc))
        else:
            problems.append(NetlistError(
                f"not supported: {tokens[0]}; circuitnn reads the combinational BLIF "
                "subset (.model, .inputs, .outputs, .names, .subckt, .end)", loc))
    return models


def _latch(tokens: list[str], loc: Loc) -> tuple[str, str, str | None, int, Loc]:
    """``.latch D Q [type control] [init]``: a rising-edge flip-flop on
    ``control`` (type ``re``), or on the one global clock (no type, as ABC
    writes it, or control ``NIL``); init 0 or 1, and 2 or 3 (don't care,
    unknown) read as 0."""
    args = tokens[1:]
    init = 0
    if len(args) == 3 and args[2] in ("re", *_LATCH_TYPES):
        raise NetlistError(f"'{' '.join(tokens)}' has type {args[2]!r} but no clock; write "
                           "'.latch D Q re clock [init]' or '.latch D Q [init]' (the global "
                           "clock)", loc)
    if len(args) in (3, 5):
        if args[-1] not in ("0", "1", "2", "3"):
            raise NetlistError(f".latch initial value {args[-1]!r} is not 0, 1, 2 or 3", loc)
        init = int(args[-1]) if args[-1] in ("0", "1") else 0
        args = args[:-1]
    if len(args) == 2:
        return args[0], args[1], None, init, loc
    if len(args) != 4:
        raise NetlistError(
            f"cannot read {' '.join(tokens)!r}; write '.latch D Q re clock [init]' or "
            "'.latch D Q [init]'", loc)
    kind, control = args[2], args[3]
    if kind != "re":
        what = _LATCH_TYPES.get(kind)
        raise NetlistError(
            f".latch type {kind!r}" + (f" ({what}) is not supported" if what else
                                      " is not a BLIF latch type") +
            "; circuitnn simulates rising-edge flip-flops on one clock (type 're', or no "
            "type for the global clock)", loc)
    return args[0], args[1], None if control == "NIL" else control, init, loc


def _row(tokens: list[str], k: int, loc: Loc) -> tuple[str, str]:
    if k == 0:
        if len(tokens) != 1 or tokens[0] not in ("0", "1"):
            raise_problems([NetlistError(
                f"cover row {' '.join(tokens)!r} of a constant node must be '1' or '0'",
                loc)])
        return "", tokens[0]
    if len(tokens) != 2:
        raise_problems([NetlistError(
            f"cover row {' '.join(tokens)!r} must be an input plane of {k} characters "
            f"from 0, 1, -, a space and an output 0 or 1", loc)])
    plane, bit = tokens
    if len(plane) != k or set(plane) - set("01-"):
        raise_problems([NetlistError(
            f"cover row {' '.join(tokens)!r}: the input plane must be {k} characters "
            f"from 0, 1, - (one per input)", loc)])
    if bit not in ("0", "1"):
        raise_problems([NetlistError(
            f"cover row {' '.join(tokens)!r}: the output must be 0 or 1, not {bit!r}", loc)])
    return plane, bit


def reads_blif(text: str, file: str = "<string>", top: str | None = None,
               default_name: str = "top") -> Design:
    """Read BLIF text.

    Examples
    --------
    >>> d = reads_blif(".model m\\n.inputs a b\\n.outputs y\\n.names a b y\\n00 0\\n.end\\n")
    >>> d.top_module.instances[0].type
    'OR2'
    """
    problems: list[CircuitError] = []
    try:
        models = _parse(text, file, default_name, problems)
    except CircuitError as e:
        problems.append(e)
        models = []
    raise_problems(problems)
    if not models:
        raise NetlistError("no .model in the file; a BLIF netlist needs one", Loc(file, 1))
    builders: dict[str, ModuleBuilder] = {}
    module_names: dict[str, str] = {}
    taken: set[str] = set()
    for m in models:
        if m.name in builders:
            problems.append(NetlistError(
                f"model {m.name!r} is defined twice (first on line "
                f"{builders[m.name].loc.line}); rename one", m.loc))
            continue
        mname = module_name(m.name)
        while mname in taken:
            mname += "_"
        taken.add(mname)
        module_names[m.name] = mname
        b = ModuleBuilder(mname, file, m.loc)
        b.set_ports(m.inputs, m.outputs)
        builders[m.name] = b
    lib = PrimitiveLibrary()
    for m in models:
        b = builders[m.name]
        for name in _implicit_constants(m):
            b.assign(b.net(name), Const(_YOSYS_CONSTANTS[name], 1), m.loc)
        for d, q, clock, init, loc in m.latches:
            try:
                b.register(b.net(d), b.net(q), loc, q, clock=clock, init=init)
            except CircuitError as e:
                problems.append(e)
    for m in models:
        b = builders[m.name]
        for node in m.names:
            try:
                _emit_names(b, lib, node)
            except CircuitError as e:
                problems.append(e)
        for src, dst, loc in m.conns:
            b.assign(b.net(dst), b.net(src), loc)
        for i, (child_name, conns, loc) in enumerate(m.subckts):
            child = builders.get(child_name)
            if child is None and child_name.startswith("$"):
                try:
                    _emit_yosys_cell(b, lib, child_name, conns, loc, f"u{i}")
                except CircuitError as e:
                    problems.append(e)
                continue
            if child is None:
                problems.append(NetlistError(
                    f".subckt {child_name!r}: no such model in the file; models are "
                    f"{', '.join(builders)}", loc))
                continue
            try:
                _emit_subckt(b, child, conns, loc, f"u{i}_{child.name}")
            except CircuitError as e:
                problems.append(e)
    raise_problems(problems)
    if top is None:
        top_name = models[0].name
    elif top in builders:
        top_name = top
    else:
        by_module = {v: k for k, v in module_names.items()}
        if top not in by_module:
            raise NetlistError(f"no model named {top!r}; the file defines "
                               f"{', '.join(builders)}", Loc(file))
        top_name = by_module[top]
    for b in builders.values():
        try:
            b.finish_clock()
        except CircuitError as e:
            problems.append(e)
    raise_problems(problems)
    modules = {b.name: b.build() for b in builders.values()}
    flops = [loc for m in models for ctype, _, loc in m.subckts
             if ctype.startswith("$_") and yosys_json._is_flip_flop(ctype)]
    warnings = () if not flops else (NetlistError(
        f"{len(flops)} flip-flop{'s' if len(flops) > 1 else ''} written as .subckt (Yosys's "
        "$_DFF*_ cells) start at 0: BLIF keeps no initial value for them (for initial values, "
        "run dffunmap before write_blif, whose .latch lines keep them)", flops[0]),)
    return make_design(module_names[top_name], modules, lib, file, warnings)


def _emit_names(b: ModuleBuilder, lib: PrimitiveLibrary, node: _Names) -> None:
    phases = {bit for _, bit, _ in node.rows}
    if len(phases) > 1:
        first = {bit: line for _, bit, line in reversed(node.rows)}
        raise NetlistError(
            f".names {node.output!r} mixes on-set rows (output 1, line {first['1']}) and "
            f"off-set rows (output 0, line {first['0']}); a cover lists one phase only "
            "(SOP has cubes in both phases)", node.loc)
    offset = phases == {"0"}
    cubes = [plane for plane, _, _ in node.rows]
    ins = [b.net(n) for n in node.inputs]
    emit_cover(b, lib, ins, cubes, offset, b.net(node.output), node.loc, node.output)


def _emit_subckt(b: ModuleBuilder, child: ModuleBuilder, conns, loc: Loc,
                 hint: str) -> None:
    clock = child._clock[0] if child._clock is not None else None
    for formal, actual in conns:
        if formal == clock:
            # the child's clock is the simulation's cycle, as the parent's is
            b.use_clock(actual, loc)
    given = [(*child.port_bits.get(formal, (formal, None)), b.net(actual))
             for formal, actual in conns if formal != clock]
    b.subcircuit(child.name, b.bind(child.inputs + child.outputs, given, hint), loc, hint)


def _emit_yosys_cell(b: ModuleBuilder, lib: PrimitiveLibrary, ctype: str,
                     conns: list[tuple[str, str]], loc: Loc, hint: str) -> None:
    """A Yosys internal cell written as ``.subckt $_AND_ A=a B=b Y=y`` (what
    ``write_blif`` does with flip-flops it has no ``.latch`` for, and with
    every gate under ``-icells``), read as the JSON reader reads it."""
    who = f".subckt {ctype}"
    pins = dict(conns)
    if ctype in yosys_json.NO_LOGIC:
        return
    if ctype in yosys_json.CELLS:
        ins = yosys_json.CELLS[ctype][1]
        if sorted(pins) != sorted(ins + ("Y",)) or len(conns) != len(pins):
            raise NetlistError(f"{who} connects {', '.join(f for f, _ in conns) or 'nothing'}; "
                               f"the cell's pins are {', '.join(ins)} and Y, each once", loc)
        yosys_json.emit_cell(b, lib, ctype, [b.net(pins[p]) for p in ins], b.net(pins["Y"]),
                             loc, hint)
    elif yosys_json._is_flip_flop(ctype) and ctype.startswith("$_"):
        actual = [a for _, a in conns]
        yosys_json._flip_flop(b, ctype, {}, {f: [i] for i, (f, _) in enumerate(conns)},
                              lambda i, _loc: b.net(actual[i]), lambda _q: 0, who, loc, hint)
    elif yosys_json._SEQ.match(ctype):
        raise NetlistError(f"{who}: not supported: {yosys_json._seq_kind(ctype)}; circuitnn "
                           "simulates rising-edge flip-flops on one clock with synchronous "
                           "reset and enable", loc)
    else:
        raise NetlistError(f"{who}: not a model in the file nor a Yosys gate or flip-flop "
                           "circuitnn knows; map it to gates first (Yosys: 'synth; "
                           "write_blif' without -icells)", loc)


def _implicit_constants(m: _Model) -> list[str]:
    """Yosys's ``$false``, ``$true`` and ``$undef`` where the model reads
    them without driving them (``write_blif -impltf``)."""
    read = {n for node in m.names for n in node.inputs}
    read |= {d for d, *_ in m.latches} | {src for src, _, _ in m.conns}
    read |= {actual for _, conns, _ in m.subckts for _, actual in conns}
    driven = {n for n, _ in m.inputs} | {node.output for node in m.names}
    driven |= {q for _, q, *_ in m.latches} | {dst for _, dst, _ in m.conns}
    return sorted(n for n in _YOSYS_CONSTANTS if n in read and n not in driven)
