"""The YAML netlist format: text -> :class:`~circuitnn.ir.records.Design`.

The format is documented in ``docs/netlist-format.md``.  YAML is read with a
safe loader that also remembers line numbers, refuses duplicate keys and
refuses alias expansion beyond a small budget.
"""

from __future__ import annotations

import ast
import functools
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import CircuitError, Loc, NetlistError, TruthTableError, ValidationError
from ..ir.build import RecordBuilder
from ..ir.numbers import whole_number
from ..ir.primitives import did_you_mean
from ..ir.records import Bits, Design, Module, TestVector, join_exprs
from ..ir.records import parse_expr as _parse_expr
from ..ir.truthtable import TruthTable
from .source import read_source
from .yaml_loader import ALIAS_BUDGET
from .yaml_loader import LDict as _LDict
from .yaml_loader import LList as _LList
from .yaml_loader import parse_yaml as _parse_yaml

__all__ = ["load_yaml", "loads_yaml", "ALIAS_BUDGET", "MAX_REPEAT", "MAX_IMPORT_DEPTH"]

#: The largest ``repeat`` count of one gate entry.
MAX_REPEAT = 1_000_000
#: Imports nested deeper than this are refused.
MAX_IMPORT_DEPTH = 64
#: The most distinct files one netlist's imports may read (each is read once).
MAX_IMPORT_FILES = 10_000
#: The largest bus width.
MAX_WIDTH = 1 << 20

_FILE_KEYS = ("name", "description", "inputs", "outputs", "wires", "gates", "assign",
              "tests", "primitives", "circuits", "imports", "top", "train")
_CIRCUIT_KEYS = ("name", "description", "inputs", "outputs", "wires", "gates", "assign",
                 "tests")
_GATE_KEYS = ("name", "type", "in", "out", "ports", "repeat", "chain", "description")
#: what a register (``type: DFF``) may say besides the gate keys
_REGISTER_KEYS = ("name", "type", "in", "out", "repeat", "description", "init", "reset",
                  "reset_value", "reset_active", "enable", "enable_active", "priority")
_PRIM_KEYS = ("inputs", "outputs", "rows", "expr", "hex", "description")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


# ------------------------------------------------------------------- reader
class _Reader:
    """Reads one file; collects every problem instead of stopping at the first."""

    def __init__(self, file: str, stack: tuple[str, ...]):
        self.file = file
        self.stack = stack
        self.problems: list[CircuitError] = []

    def loc(self, line: int | None) -> Loc:
        return Loc(self.file, line)

    def problem(self, message: str, line: int | None) -> None:
        self.problems.append(NetlistError(message, self.loc(line)))

    def check_keys(self, d: _LDict, allowed, what: str) -> None:
        for key in d:
            if key not in allowed:
                dym = did_you_mean(str(key), allowed)
                self.problem(
                    f"{what} has unknown key {key!r}{dym}; known keys are "
                    f"{', '.join(allowed)}",
                    d.key_lines.get(key, d.line),
                )

    # ..................................................................
    def read_file(self, data, default_name: str) -> tuple[dict, dict, dict, str | None, list]:
        if data is None:
            raise NetlistError("the file is empty; a netlist needs at least a circuit",
                               self.loc(1))
        if not isinstance(data, _LDict):
            raise NetlistError(
                f"the file holds a {_kind(data)}; a netlist is a mapping with "
                "keys such as 'inputs', 'outputs' and 'gates'",
                self.loc(getattr(data, "line", 1)),
            )
        self.check_keys(data, _FILE_KEYS, "the file")
        modules: dict[str, Module] = {}
        primitives: dict[str, TruthTable] = {}
        prim_locs: dict[str, Loc] = {}

        for name, spec, line in self._named_entries(data, "primitives"):
            tt = self.read_primitive(name, spec, line)
            if tt is not None:
                primitives[name] = tt
                prim_locs[name] = self.loc(line)
        for name, spec, line in self._named_entries(data, "circuits"):
            if not isinstance(spec, _LDict):
                self.problem(f"circuit {name!r} must be a mapping of inputs, outputs "
                             "and gates", line)
                continue
            modules[name] = self.read_circuit(name, spec, line)

        top = None
        if any(k in data for k in ("inputs", "outputs", "gates")):
            name = data.get("name", default_name)
            if not isinstance(name, str) or not _IDENT.match(name):
                self.problem(f"circuit name {name!r} is not an identifier",
                             data.key_lines.get("name", data.line))
                name = default_name
            if name in modules:
                self.problem(f"circuit {name!r} is defined twice (also under 'circuits')",
                             data.line)
            modules[name] = self.read_circuit(name, data, data.line, top_level=True)
            top = name
        if "top" in data:
            t = data["top"]
            if top is not None:
                self.problem("'top' names the top circuit, but the file already defines "
                             "one at the top level; remove one of them",
                             data.key_lines["top"])
            top = t
        imports = self._imports(data)
        return modules, primitives, prim_locs, top, imports

    def _imports(self, data: _LDict) -> list[tuple[str, int]]:
        raw = data.get("imports")
        if raw is None:
            return []
        if isinstance(raw, str):
            return [(raw, data.key_lines["imports"])]
        if not isinstance(raw, _LList):
            self.problem("'imports' must be a list of file paths", data.key_lines["imports"])
            return []
        out = []
        for item, line in zip(raw, raw.item_lines):
            if not isinstance(item, str):
                self.problem(f"import {item!r} is not a file path", line)
            else:
                out.append((item, line))
        return out

    def _named_entries(self, data: _LDict, key: str):
        raw = data.get(key)
        if raw is None:
            return
        if not isinstance(raw, _LDict):
            self.problem(f"'{key}' must be a mapping of names to definitions",
                         data.key_lines[key])
            return
        for name, spec in raw.items():
            line = raw.key_lines[name]
            if not isinstance(name, str) or not _IDENT.match(name):
                self.problem(f"name {name!r} under '{key}' is not an identifier", line)
                continue
            yield name, spec, line

    def read_train(self, data: _LDict) -> dict:
        """The ``train:`` section: training settings for the whole circuit."""
        from ..nn.settings import USER_OPTIONS, TrainSettings, with_options

        raw = data.get("train")
        if raw is None:
            return {}
        if not isinstance(raw, _LDict):
            self.problem(f"'train' must be a mapping of training settings "
                         f"({', '.join(USER_OPTIONS)})", data.key_lines["train"])
            return {}
        self.check_keys(raw, tuple(USER_OPTIONS), "'train'")
        out = {}
        for key, value in raw.items():
            if key in USER_OPTIONS:
                try:
                    with_options(TrainSettings(), {key: value})
                except ValueError as e:
                    self.problem(f"train: {e}", raw.key_lines[key])
                    continue
                out[key] = value
        return out

    # ..................................................................
    def read_primitive(self, name: str, spec, line: int) -> TruthTable | None:
        if not isinstance(spec, _LDict):
            self.problem(f"primitive {name!r} must be a mapping with 'inputs', 'outputs' "
                         "and 'rows' or 'expr'", line)
            return None
        self.check_keys(spec, _PRIM_KEYS, f"primitive {name!r}")
        ins = self._name_list(spec.get("inputs"), f"primitive {name!r} inputs",
                              spec.key_lines.get("inputs", line))
        outs_raw = spec.get("outputs")
        try:
            given = [k for k in ("rows", "expr", "hex") if k in spec]
            if len(given) > 1:
                self.problem(f"primitive {name!r} has both {given[0]!r} and {given[1]!r}; "
                             "give one", line)
                return None
            if "hex" in spec:
                return self.read_hex(name, spec, ins, line)
            if "expr" in spec:
                expr = spec["expr"]
                if isinstance(expr, _LDict):
                    expr = dict(expr)
                    if outs_raw is not None:
                        outs = self._name_list(outs_raw, f"primitive {name!r} outputs", line)
                        if outs is not None and list(outs) != list(expr):
                            self.problem(f"primitive {name!r}: 'outputs' {outs} differ from "
                                         f"the outputs of 'expr' {list(expr)}", line)
                elif isinstance(expr, str):
                    outs = self._name_list(outs_raw or ["y"], f"primitive {name!r} outputs",
                                           line)
                    if outs is None or len(outs) != 1:
                        self.problem(f"primitive {name!r}: a single 'expr' string defines "
                                     "one output; use a mapping output: expression for "
                                     "several", line)
                        return None
                    expr = {outs[0]: expr}
                else:
                    self.problem(f"primitive {name!r}: 'expr' must be a string or a "
                                 "mapping of output names to strings",
                                 spec.key_lines["expr"])
                    return None
                return TruthTable.from_expr(expr, inputs=ins).renamed(name=name)
            if "rows" in spec:
                outs = self._name_list(outs_raw, f"primitive {name!r} outputs", line)
                if ins is None or outs is None:
                    self.problem(f"primitive {name!r} needs 'inputs' and 'outputs' lists "
                                 "for its rows", line)
                    return None
                rows = spec["rows"]
                if not isinstance(rows, list):
                    self.problem(f"primitive {name!r}: 'rows' must be a list like "
                                 "['00 0', '01 1', ...]", spec.key_lines["rows"])
                    return None
                return TruthTable.from_rows(ins, outs, rows).renamed(name=name)
            self.problem(f"primitive {name!r} needs 'rows' (a truth table) or 'expr' "
                         "(a boolean expression)", line)
        except TruthTableError as e:
            self.problem(f"primitive {name!r}: {e.message}", line)
        return None

    def read_hex(self, name: str, spec, ins, line: int) -> TruthTable | None:
        """A ROM: ``hex`` names a file of hexadecimal words, one per line (``#``
        comments, blank lines ignored), word ``r`` being the outputs for
        input row ``r``; inputs and outputs are listed most significant
        first, the words beyond the file's end are 0."""
        outs = self._name_list(spec.get("outputs"), f"primitive {name!r} outputs", line)
        hline = spec.key_lines["hex"]
        if ins is None or outs is None:
            self.problem(f"primitive {name!r} needs 'inputs' (the address bits) and "
                         "'outputs' (the data bits) for its hex file", line)
            return None
        if not isinstance(spec["hex"], str):
            self.problem(f"primitive {name!r}: 'hex' is a file name", hline)
            return None
        path = Path(self.file).parent / spec["hex"]
        try:
            text = path.read_text()
        except OSError as e:
            self.problem(f"primitive {name!r}: cannot read the hex file {spec['hex']!r}: "
                         f"{e.strerror}", hline)
            return None
        words = []
        for n, raw in enumerate(text.splitlines(), 1):
            word = raw.split("#")[0].strip()
            if not word:
                continue
            try:
                value = int(word, 16)
            except ValueError:
                self.problem(f"{path.name}:{n}: {word!r} is not a hexadecimal word", hline)
                return None
            if value >> len(outs):
                self.problem(f"{path.name}:{n}: word {word} does not fit in the "
                             f"{len(outs)} outputs of primitive {name!r}", hline)
                return None
            words.append(value)
        if len(words) > 1 << len(ins):
            self.problem(f"primitive {name!r}: the hex file has {len(words)} words; "
                         f"{len(ins)} address inputs hold {1 << len(ins)}", hline)
            return None
        words += [0] * ((1 << len(ins)) - len(words))
        shifts = np.arange(len(outs) - 1, -1, -1)
        table = ((np.array(words)[:, None] >> shifts) & 1).astype(np.uint8)
        return TruthTable(tuple(ins), tuple(outs), table, name=name)

    def _name_list(self, raw, what: str, line: int) -> list[str] | None:
        if raw is None:
            return None
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, list) or not all(isinstance(n, str) for n in raw):
            self.problem(f"{what} must be a list of names", line)
            return None
        return list(raw)

    # ..................................................................
    def read_ports(self, raw, direction: str, line: int, cname: str,
                   rb: RecordBuilder) -> None:
        if raw is None:
            return
        items: list[tuple[Any, Any, int]] = []
        if isinstance(raw, _LDict):
            items = [(k, v, raw.key_lines[k]) for k, v in raw.items()]
        elif isinstance(raw, _LList):
            for item, iline in zip(raw, raw.item_lines):
                if isinstance(item, _LDict) and len(item) == 1:
                    (k, v), = item.items()
                    items.append((k, v, iline))
                elif isinstance(item, str):
                    m = re.fullmatch(r"([^\s\[\]]+)\s*(?:\[\s*(\d+)\s*\])?", item.strip())
                    if m is None:
                        self.problem(f"{direction} {item!r} of circuit {cname!r} is not a "
                                     "port; write 'name' or 'name[width]'", iline)
                        continue
                    items.append((m.group(1), int(m.group(2)) if m.group(2) else None, iline))
                else:
                    self.problem(f"{direction} {item!r} of circuit {cname!r} is not a port; "
                                 "write 'name' or 'name[width]'", iline)
        elif isinstance(raw, str):
            items = [(raw, None, line)]
        else:
            self.problem(f"'{direction}s' of circuit {cname!r} must be a list of names or "
                         "a mapping of names to widths", line)
        for name, width, pline in items:
            if not isinstance(name, str) or not _IDENT.match(name):
                self.problem(f"{direction} name {name!r} of circuit {cname!r} is not an "
                             "identifier", pline)
                continue
            if width is None:
                width = 1
            if isinstance(width, bool) or not isinstance(width, int) or not (
                1 <= width <= MAX_WIDTH
            ):
                self.problem(f"{direction} {name!r} of circuit {cname!r} has width "
                             f"{width!r}; use a whole number from 1 to {MAX_WIDTH}", pline)
                continue
            rb.declare(name, direction, width, width > 1, self.loc(pline))

    def read_circuit(self, name: str, spec: _LDict, line: int, top_level=False) -> Module:
        if not top_level:
            self.check_keys(spec, _CIRCUIT_KEYS, f"circuit {name!r}")
        kl = spec.key_lines
        rb = RecordBuilder(name, self.loc(line))
        for key, direction in (("inputs", "input"), ("outputs", "output"), ("wires", "wire")):
            self.read_ports(spec.get(key), direction, kl.get(key, line), name, rb)
        raw_gates = spec.get("gates")
        if raw_gates is not None and not isinstance(raw_gates, _LList):
            self.problem(f"'gates' of circuit {name!r} must be a list", kl["gates"])
        elif raw_gates is not None:
            for g, gline in zip(raw_gates, raw_gates.item_lines):
                self.read_gate(g, gline, name, rb)
        raw_assign = spec.get("assign")
        if raw_assign is not None:
            if not isinstance(raw_assign, _LDict):
                self.problem(f"'assign' of circuit {name!r} must be a mapping of "
                             "target: source", kl["assign"])
            else:
                for target, source in raw_assign.items():
                    aline = raw_assign.key_lines[target]
                    try:
                        rb.assign(parse_expr(target, self.loc(aline), "target"),
                                  parse_expr(source, self.loc(aline), "source"),
                                  self.loc(aline))
                    except NetlistError as e:
                        self.problems.append(e)
        self.read_tests(spec.get("tests"), kl.get("tests", line), name, rb)
        return rb.build()

    def read_tests(self, raw, line: int, cname: str, rb: RecordBuilder) -> None:
        if raw is None:
            return
        if not isinstance(raw, _LList):
            self.problem(f"'tests' of circuit {cname!r} must be a list of mappings "
                         "port: value", line)
            return
        for item, tline in zip(raw, raw.item_lines):
            if isinstance(item, _LDict) and isinstance(item.get("cycles"), _LList):
                if len(item) != 1:
                    self.problem("a test with 'cycles' has no other key; give each "
                                 "cycle's values inside 'cycles'", tline)
                    continue
                cycles = item["cycles"]
                steps = []
                for step, sline in zip(cycles, cycles.item_lines):
                    if not isinstance(step, _LDict):
                        self.problem(f"cycle {step!r} must be a mapping port: value", sline)
                        continue
                    steps.append(TestVector(tuple(self._test_values(step)), self.loc(sline)))
                rb.test_sequence(steps, self.loc(tline))
                continue
            if not isinstance(item, _LDict):
                self.problem(f"test {item!r} must be a mapping port: value (or 'cycles': "
                             "a list of them, one per clock cycle)", tline)
                continue
            rb.test(self._test_values(item), self.loc(tline))

    def _test_values(self, item: _LDict) -> list[tuple[str, int]]:
        values = []
        for port, value in item.items():
            try:
                if isinstance(value, bool):
                    value = int(value)
                elif isinstance(value, str):
                    value = whole_number(value)
                if not isinstance(value, int) or value < 0:
                    raise ValueError
            except ValueError:
                self.problem(f"test value {value!r} for {port!r} is not a whole number "
                             "(decimal, 0b... or 0x...)", item.key_lines[port])
                continue
            values.append((str(port), value))
        return values

    def read_gate(self, g, line: int, cname: str, rb: RecordBuilder) -> None:
        if not isinstance(g, _LDict):
            self.problem(f"gate {g!r} in circuit {cname!r} must be a mapping with 'name', "
                         "'type' and connections", line)
            return
        name, gtype = g.get("name"), g.get("type")
        if isinstance(gtype, str) and gtype.upper() == "DFF":
            self.read_register(g, line, cname, rb)
            return
        self.check_keys(g, _GATE_KEYS, "gate")
        if not isinstance(name, str) or not _IDENT.match(name):
            self.problem(f"gate in circuit {cname!r} needs a 'name' that is an identifier "
                         f"(got {name!r})", line)
            return
        if not isinstance(gtype, str) or not gtype:
            self.problem(f"gate {name!r} needs a 'type' (a primitive such as AND, or a "
                         "circuit name)", line)
            return
        has_pos = "in" in g or "out" in g
        if has_pos and "ports" in g:
            self.problem(f"gate {name!r} has both 'in'/'out' and 'ports'; primitives "
                         "connect by position ('in', 'out'), circuits by port name "
                         "('ports')", line)
            return
        repeat = g.get("repeat")
        if repeat is None and "chain" in g:
            self.problem(f"gate {name!r}: 'chain' needs 'repeat'", line)
            return
        if repeat is not None:
            if _repeat_count(repeat) is None:
                self.problem(f"gate {name!r}: 'repeat' is {repeat!r}; use a whole number "
                             f"from 1 to {MAX_REPEAT}", g.key_lines["repeat"])
                return
        try:
            if "ports" in g:
                for copy, ports in self._copies(name, g, line, repeat):
                    rb.instance(gtype, ports, self.loc(line), copy)
            else:
                for copy, ins, outs in self._copies(name, g, line, repeat):
                    rb.gate(gtype, ins, outs, self.loc(line), copy)
        except NetlistError as e:
            self.problems.append(e)
            return

    def read_register(self, g, line: int, cname: str, rb: RecordBuilder) -> None:
        """``type: DFF``: a register, ``in`` the value it loads, ``out`` its
        state; ``repeat`` makes one per copy as for gates."""
        self.check_keys(g, _REGISTER_KEYS, "register")
        name = g.get("name")
        if not isinstance(name, str) or not _IDENT.match(name):
            self.problem(f"register in circuit {cname!r} needs a 'name' that is an "
                         f"identifier (got {name!r})", line)
            return
        loc = self.loc(line)
        for key, what in (("in", "the value it loads at each clock edge"),
                          ("out", "the net it drives")):
            if key not in g:
                self.problem(f"register {name!r} needs {key!r}: {what}", line)
                return
        options = {}
        for key in ("init", "reset_value", "reset_active", "enable_active"):
            if key in g:
                value = g[key]
                if isinstance(value, str):
                    value = {"high": 1, "low": 0}.get(value.lower(), value)
                    if key in ("init", "reset_value") and isinstance(value, str):
                        try:
                            value = int(value.replace("_", ""), 0)
                        except ValueError:
                            pass
                options[key] = value
        if "priority" in g:
            options["priority"] = g["priority"]
        repeat = g.get("repeat")
        if repeat is not None and (isinstance(repeat, bool) or not isinstance(repeat, int)
                                   or not 1 <= repeat <= MAX_REPEAT):
            self.problem(f"register {name!r}: 'repeat' is {repeat!r}; use a whole number "
                         f"from 1 to {MAX_REPEAT}", g.key_lines["repeat"])
            return
        def conn(key, what, i):
            return join_exprs(parse_expr(v, loc, what)
                              for v in _as_list(_subst(g[key], i, loc)))

        for i in [None] if repeat is None else range(repeat):
            try:
                d, q = conn("in", "register input", i), conn("out", "register output", i)
                extra = {k: conn(k, f"register {k}", i) for k in ("reset", "enable") if k in g}
            except NetlistError as e:
                self.problems.append(e)
                return
            rb.register(d, q, loc, name if i is None else f"{name}{i}", **options, **extra)

    def _copies(self, name, g, line, count):
        """The connections of the gate, or of each of its ``repeat: N`` copies
        name0..name{N-1}, with ``{i}`` (and ``{i+1}``...) substituted;
        ``chain: {out: in}`` links copy i's output port to copy i+1's input
        port, the first copy's input and the last copy's output taking the
        connections given in ``ports``.  Yields ``(name, ports)`` for a gate
        connected by port name, else ``(name, inputs, outputs)``."""
        loc = self.loc(line)
        # a connection without '{...}' is the same for every copy: parsed once
        if "ports" in g:
            raw = g["ports"]
            if not isinstance(raw, _LDict):
                raise NetlistError(f"gate {name!r}: 'ports' must be a mapping of port "
                                   "name to net", loc)
            conns = [(str(p), _connection(v, loc, f"connection of port {p!r}", count))
                     for p, v in raw.items()]
        else:
            ins = [_connection(v, loc, "input", count) for v in _as_list(g.get("in", []))]
            outs = [_connection(v, loc, "output", count) for v in _as_list(g.get("out", []))]
        if count is None:
            if "ports" in g:
                yield name, tuple((p, c(None)) for p, c in conns)
            else:
                yield name, tuple(c(None) for c in ins), tuple(c(None) for c in outs)
            return
        chain = self._chain(name, g, loc)
        for i in range(count):
            if "ports" not in g:
                yield f"{name}{i}", tuple(c(i) for c in ins), tuple(c(i) for c in outs)
                continue
            ports = {p: c(i) for p, c in conns}
            for out_port, in_port in chain.items():
                if i > 0:
                    ports[in_port] = Bits(f"{name}{i - 1}.{out_port}")
                if i < count - 1:
                    ports[out_port] = Bits(f"{name}{i}.{out_port}")
            yield f"{name}{i}", tuple(ports.items())

    def _chain(self, name, g, loc) -> dict:
        chain = g.get("chain") or {}
        if not isinstance(chain, dict):
            raise NetlistError(f"gate {name!r}: 'chain' must be a mapping output_port: "
                               "input_port, such as {cout: cin}", loc)
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in chain.items()):
            bad = next(f"{k}: {v}" for k, v in chain.items()
                       if not (isinstance(k, str) and isinstance(v, str)))
            raise NetlistError(f"gate {name!r}: 'chain' must map an output port name to an "
                               f"input port name, such as {{cout: cin}}; got {bad!r}", loc)
        if chain and "ports" not in g:
            raise NetlistError(f"gate {name!r}: 'chain' links ports by name, so the gate "
                               "must connect with 'ports'", loc)
        return chain


def _repeat_count(value) -> int | None:
    """A gate's ``repeat:`` value if it is a valid count (a whole number from 1
    to :data:`MAX_REPEAT`), else None."""
    ok = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_REPEAT
    return value if ok else None


def _connection(v, loc: Loc, what: str, count: int | None):
    """A function of the copy number giving the connection ``v`` as an
    expression: parsed once when it has no ``{...}``."""
    if not _has_braces(v) or count is None:
        expr = parse_expr(_subst(v, None, loc), loc, what)
        return lambda i: expr
    return lambda i: parse_expr(_subst(v, i, loc), loc, what)


def _has_braces(v) -> bool:
    if isinstance(v, list):
        return any(_has_braces(x) for x in v)
    return isinstance(v, str) and "{" in v


def parse_expr(text, loc: Loc | None = None, what: str = "connection"):
    """:func:`circuitnn.ir.records.parse_expr`, with a number too long for int()
    (more than 4300 decimal digits) reported as a NetlistError."""
    try:
        return _parse_expr(text, loc, what)
    except ValueError:
        raise NetlistError(f"{what}: a number is too long; decimal constants have at most "
                           "4300 digits (write wide ones in hex, 0x...)", loc) from None


def _kind(v) -> str:
    return {_LList: "list", _LDict: "mapping", str: "string"}.get(type(v), type(v).__name__)


def _as_list(v):
    return list(v) if isinstance(v, list) else [v]


_SUBST = re.compile(r"\{([^{}]*)\}")
_ARITH_NODES = (ast.Expression, ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Constant,
                ast.Name, ast.Load, ast.UnaryOp, ast.USub)


#: Results (and intermediate values) of ``{...}`` arithmetic stay within this:
#: they are bit indices and name suffixes, and far larger ones cannot be printed.
_ARITH_MAX = 1 << 64


def _arith(text: str, i: int) -> int | None:
    """Evaluate integer arithmetic over ``i`` (``+ - *``, parentheses), or None."""
    tree = _arith_tree(text)
    if tree is None:
        return None

    def ev(n):
        if isinstance(n, ast.Expression):
            return ev(n.body)
        if isinstance(n, ast.Constant):
            return n.value
        if isinstance(n, ast.Name):
            return i
        if isinstance(n, ast.UnaryOp):
            return -ev(n.operand)
        a, b = ev(n.left), ev(n.right)
        r = a + b if isinstance(n.op, ast.Add) else a - b if isinstance(n.op, ast.Sub) \
            else a * b
        if abs(r) > _ARITH_MAX:
            raise OverflowError
        return r

    try:
        return ev(tree)
    except RecursionError:
        return None


@functools.lru_cache(maxsize=256)
def _arith_tree(text: str) -> ast.Expression | None:
    """The syntax tree of ``{...}`` arithmetic, or None: parsed once, not per copy."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        # ValueError: a NUL character; RecursionError, MemoryError: nesting or
        # length beyond what the compiler takes
        return None
    for node in ast.walk(tree):
        if not isinstance(node, _ARITH_NODES):
            return None
        if isinstance(node, ast.Name) and node.id != "i":
            return None
        if isinstance(node, ast.Constant) and (
                type(node.value) is not int or node.value > MAX_REPEAT):
            return None
    return tree


def _subst(v, i, loc):
    """Replace ``{i}``, ``{i+1}``, ``{3*i+2}``... by numbers in a connection."""
    if not isinstance(v, str) or "{" not in v:
        if isinstance(v, list):
            return [_subst(x, i, loc) for x in v]
        return v
    if i is None:
        raise NetlistError(f"connection {v!r} uses '{{...}}', which only a gate with "
                           "'repeat' can substitute", loc)

    def one(m):
        try:
            val = _arith(m.group(1), i)
        except OverflowError:
            raise NetlistError(f"{m.group(0)[:40]!r} in a connection gives a number beyond "
                               f"2**64 for i={i}; indices are far smaller", loc) from None
        if val is None:
            raise NetlistError(f"cannot substitute {m.group(0)!r} in {v!r}; write integer "
                               "arithmetic over i, such as {i}, {i+1} or {3*i+2}", loc)
        if val < 0:
            raise NetlistError(f"{m.group(0)!r} in {v!r} is negative for i={i}", loc)
        return str(val)

    return _SUBST.sub(one, v)


# -------------------------------------------------------------------- entry
class _Loading:
    """What one load shares across the files it reads: each file's design (a
    file imported several times is read once) and the gate records counted so
    far against the budget."""

    def __init__(self, budget=None):
        from ..compile.flatten import Budget

        self.designs: dict[str, Design] = {}
        self.budget = budget or Budget()
        self.records = 0

    def expand(self, data, file: str) -> None:
        """Count the gate records ``data`` expands to (each ``repeat`` copy is
        one) and refuse before expanding when the load goes over budget: one
        line of ``repeat: 1000000`` is a million records."""
        from ..compile.flatten import budget_error

        if not isinstance(data, _LDict):
            return
        circuits = [data]
        if isinstance(data.get("circuits"), _LDict):
            circuits += [c for c in data["circuits"].values() if isinstance(c, _LDict)]
        for circuit in circuits:
            gates = circuit.get("gates")
            if not isinstance(gates, _LList):
                continue
            for g, line in zip(gates, gates.item_lines):
                n = _repeat_count(g.get("repeat")) if isinstance(g, _LDict) else None
                self.records += n or 1
                if self.records > self.budget.gates:
                    raise budget_error("gates", self.records, self.budget, Loc(file, line),
                                       subject="the netlist expands to at least")


def _display(path: Path) -> str:
    return str(path)


def load_yaml(path: str | os.PathLike, _stack: tuple[str, ...] = (),
              _cache: _Loading | None = None, budget=None) -> Design:
    """Read a YAML netlist file and the files it imports (``budget``: a
    :class:`circuitnn.compile.Budget`; its gates bound the gate records the
    files expand to, ``repeat`` counts included, checked before expanding).

    Raises
    ------
    CircuitError
        With ``file:line`` for every problem found (a :class:`ValidationError`
        when there are several).
    """
    path = Path(path)
    data = read_source(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise NetlistError("is not UTF-8 text; save the netlist as UTF-8",
                           Loc(str(path), line)) from None
    return loads_yaml(text, str(path), _stack, _cache, budget)


def loads_yaml(text: str, file: str = "<string>", _stack: tuple[str, ...] = (),
               _cache: _Loading | None = None, budget=None) -> Design:
    """Read a YAML netlist from a string; imports resolve relative to ``file``
    (``budget`` as for :func:`load_yaml`).

    A file imported several times (by several files) is read once.
    """
    _cache = _Loading(budget) if _cache is None else _cache
    key = os.path.realpath(file) if file != "<string>" else file
    if key in _stack:
        cycle = " -> ".join([Path(s).name for s in _stack[_stack.index(key):]]
                            + [Path(file).name])
        raise NetlistError(f"import cycle: {cycle}; a file cannot import itself, even "
                           "through others", Loc(file))
    if len(_stack) > MAX_IMPORT_DEPTH:
        raise NetlistError(f"imports nest deeper than {MAX_IMPORT_DEPTH} files", Loc(file))
    data = _parse_yaml(text, file)
    _cache.expand(data, file)
    reader = _Reader(file, _stack + (key,))
    default_name = re.sub(r"\W", "_", Path(file).stem) or "top"
    if default_name[0].isdigit():
        default_name = "c_" + default_name
    modules, primitives, prim_locs, top, imports = reader.read_file(data, default_name)
    train = reader.read_train(data)
    notes = []

    base = Path(file).parent
    for rel, line in imports:
        target = base / rel
        seen = os.path.realpath(target) if "\0" not in str(target) else None
        try:
            if seen in _cache.designs:
                sub = _cache.designs[seen]
            else:
                if len(_cache.designs) >= MAX_IMPORT_FILES:
                    raise NetlistError(f"imports read more than {MAX_IMPORT_FILES:,} files",
                                       Loc(file, line))
                sub = load_yaml(target, _stack + (key,), _cache)
                if seen is not None:
                    _cache.designs[seen] = sub
        except ValidationError as e:
            reader.problems.extend(e.problems)
            continue
        except CircuitError as e:
            if e.loc is not None and e.loc.file == str(target) and e.loc.line is None:
                reader.problems.append(NetlistError(f"import {rel!r}: {e.message}",
                                                    Loc(file, line)))
            else:
                reader.problems.append(e)
            continue
        if sub.train:
            notes.append(NetlistError(
                f"the 'train' section of imported {_display(target)} is ignored; training "
                "settings come from the top file only", Loc(file, line)))
        for name, mod in sub.modules.items():
            if name in modules and modules[name] is not mod:
                reader.problem(f"circuit {name!r} from {rel!r} clashes with a circuit of "
                               "the same name here; rename one", line)
            else:
                modules[name] = mod
        for name, tt in sub.primitives.items():
            if name in primitives and primitives[name] != tt:
                reader.problem(f"primitive {name!r} from {rel!r} clashes with a different "
                               "primitive of the same name here; rename one", line)
            else:
                primitives[name] = tt
                prim_locs.setdefault(name, sub.primitive_locs.get(name, Loc(str(target))))

    if reader.problems:
        raise ValidationError(reader.problems)
    if top is None:
        local = [n for n in modules if modules[n].loc and modules[n].loc.file == file]
        if len(local) == 1:
            top = local[0]
        else:
            options = ", ".join(local) or "none defined here"
            raise NetlistError(f"no top circuit; add 'top: NAME' (circuits: {options})",
                               Loc(file, 1))
    if not isinstance(top, str):
        raise NetlistError(f"'top' is {top!r}; it names one circuit",
                           Loc(file, data.key_lines.get("top", 1)))
    if top not in modules:
        dym = did_you_mean(str(top), modules)
        raise NetlistError(f"top circuit {top!r} is not defined{dym}",
                           Loc(file, data.key_lines.get("top", 1)))
    return Design(top, modules, primitives, prim_locs, file, tuple(notes), train)



def read_yaml(path: str | os.PathLike, top: str | None = None, budget=None) -> Design:
    """The reader-table entry for YAML: :func:`load_yaml` (``top`` is chosen
    by the compiler)."""
    return load_yaml(path, budget=budget)
