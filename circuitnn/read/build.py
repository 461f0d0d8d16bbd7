"""What the netlist importers share: port naming, net naming (on top of the
one record builder, :mod:`circuitnn.ir.build`), and turning arbitrary
boolean functions (BLIF covers, Yosys LUTs) into deduplicated truth-table
primitives.

Port naming
-----------
Module port names must be identifiers (``[A-Za-z_][A-Za-z0-9_]*``) because
the CLI's CSV headers use them.  Imported names are mapped as follows:

* bits named ``x[i]`` form a bus port ``x`` with bit ``i``, when the indices
  of ``x`` in that direction are exactly ``0..w-1``; otherwise each bit
  becomes a scalar port ``x_i``;
* any other character outside ``[A-Za-z0-9_]`` becomes ``_``, and a name
  starting with a digit gets an ``N`` in front (ISCAS ``22`` -> ``N22``);
* an output whose name is also an input (a pass-through) becomes
  ``<name>_out``, connected to the input by an assignment;
* a name that is still taken gets ``_2``, ``_3``... appended.

Messages from the importers name the original signal; the checker's
messages (two drivers, a port declared twice...) name the mapped one, as the
records do.  Internal nets keep
their original names unless they contain white space or ``[ ]`` or clash with
a port; then they are renamed the same way.

Functions as primitives
-----------------------
:class:`PrimitiveLibrary` gives every distinct function one primitive.  A
function is first reduced to the inputs it depends on (a constant becomes an
assignment, no gate).  A function equal to a standard gate under some order
of its inputs uses that gate (``AND2``, ``MUX2``...).  Otherwise it is named
``LUT<k>_<hex>`` (bit ``r`` of the hex number is the output for input row
``r``, first input most significant) for up to 6 inputs, ``LUT<k>_<digest>``
above; up to 5 inputs the pins are put in the order giving the smallest
table, so functions that differ only by input order share one primitive.

Functions of more than :data:`~circuitnn.ir.primitives.MAX_PRIMITIVE_INPUTS`
inputs are never one primitive; see :func:`emit_cover`.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import CircuitError, Loc, NetlistError, ValidationError
from ..ir.build import Names, RecordBuilder
from ..ir.primitives import MAX_PRIMITIVE_INPUTS, STANDARD
from ..ir.records import Bits, Const, Design, Expr, Instance, Module, Port, bit_refs
from ..ir.truthtable import TruthTable, input_matrix

__all__ = [
    "ModuleBuilder",
    "PrimitiveLibrary",
    "emit_cover",
    "emit_function",
    "identifier",
    "module_name",
    "raise_problems",
    "reduce_tree",
]

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_BUSBIT = re.compile(r"^(.+)\[(\d{1,9})\]$")  # bigger indices: a name, not a bus bit
_PIN_NAMES = "abcdefghij"
#: Up to this many inputs, pin orders are canonicalised (k! permutations).
_PERMUTE_MAX = 5
#: Widest gate of each family used when a tree is built.
_FAMILY_MAX = {"AND": 9, "OR": 9, "XOR": 4}
_INVERTED = {"AND": "NAND", "OR": "NOR", "XOR": "XNOR"}


def read_text(path: Path) -> str:
    """A netlist file's text; bytes that are not UTF-8 are an error at their line
    (replaced, they would silently become names such as ``_``)."""
    from .source import read_source

    data = read_source(path)
    try:
        # a byte-order mark (Windows editors write one) is no part of the netlist
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as e:
        raise NetlistError("is not UTF-8 text; save the netlist as UTF-8",
                           Loc(str(path), data[:e.start].count(b"\n") + 1)) from None


#: compiled once: these run for every name of a netlist
_ODD = re.compile(r"[^A-Za-z0-9_]")
_BRACKETS = re.compile(r"[\s\[\]]")


def identifier(name: str) -> str:
    """A legal identifier for any name: odd characters become ``_`` and a
    leading digit gets ``N`` in front.

    Examples
    --------
    >>> identifier("22"), identifier("a.b$c"), identifier("G1gat")
    ('N22', 'a_b_c', 'G1gat')
    """
    s = _ODD.sub("_", name)
    if not s:
        return "n"
    return "N" + s if s[0].isdigit() else s


def module_name(name: str) -> str:
    """A legal circuit name (the YAML reader's rule: ``c_`` before a digit).

    Examples
    --------
    >>> module_name("6288"), module_name("top")
    ('c_6288', 'top')
    """
    s = re.sub(r"[^A-Za-z0-9_]", "_", name) or "top"
    return "c_" + s if s[0].isdigit() else s


def raise_problems(problems: list[CircuitError]) -> None:
    """Raise the one problem found, or all of them together."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ValidationError(problems)


# ------------------------------------------------------------- primitives
@dataclass
class PrimitiveLibrary:
    """The design-wide set of truth-table primitives, one per function."""

    primitives: dict[str, TruthTable] = field(default_factory=dict)
    locs: dict[str, Loc] = field(default_factory=dict)
    _by_table: dict[tuple[int, bytes], str] = field(default_factory=dict)
    _cache: dict[tuple[int, bytes], tuple[str, tuple[int, ...]]] = field(
        default_factory=dict)

    def __post_init__(self):
        for name, tt in STANDARD.items():
            self._by_table.setdefault((tt.n_inputs, tt.table[:, 0].tobytes()), name)

    def gate_for(self, column: np.ndarray, hint: str | None = None,
                 loc: Loc | None = None) -> tuple[str, tuple[int, ...]]:
        """The primitive computing ``column`` (``2**k`` output bits, row ``r``
        for the inputs spelling ``r`` MSB first) and the pin order: pin ``j``
        of the primitive reads input ``perm[j]``."""
        column = np.ascontiguousarray(column, dtype=np.uint8)
        k = int(column.size).bit_length() - 1
        key = (k, column.tobytes())
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        cube = column.reshape((2,) * k) if k else column
        perms = (list(itertools.permutations(range(k))) if k <= _PERMUTE_MAX
                 else [tuple(range(k))])
        tables = [(np.ascontiguousarray(cube.transpose(p)).ravel().tobytes(), p)
                  for p in perms]
        for tbytes, p in tables:
            name = self._by_table.get((k, tbytes))
            if name is not None:
                self._cache[key] = (name, p)
                return name, p
        if hint is not None:
            tbytes, p = key[1], tuple(range(k))
            name = hint
        else:
            tbytes, p = min(tables)
            bits = np.frombuffer(tbytes, dtype=np.uint8)
            if k <= 6:
                value = int("".join(map(str, bits[::-1])), 2)
                name = f"LUT{k}_{value:0{max(1, 2**k // 4)}x}"
            else:
                name = None
        table = np.frombuffer(tbytes, dtype=np.uint8).reshape(-1, 1)
        tt = TruthTable(tuple(_PIN_NAMES[:k]), ("y",), table.copy())
        if name is None:
            name = f"LUT{k}_{tt.digest[:8]}"
        tt = tt.renamed(name=name)
        self.primitives[name] = tt
        if loc is not None:
            self.locs[name] = loc
        self._by_table[(k, tbytes)] = name
        self._cache[key] = (name, p)
        return name, p


# ---------------------------------------------------------------- modules
class ModuleBuilder(RecordBuilder):
    """The :class:`~circuitnn.ir.build.RecordBuilder` of an imported module:
    nets and ports named by their original (imported) names.

    :meth:`net` gives the expression for one original name, a port bit or an
    internal net.
    """

    def __init__(self, name: str, file: str | None, loc: Loc | None = None):
        super().__init__(name, loc)
        self.file = file
        #: original port-bit name -> (port name, bit index or None)
        self.port_bits: dict[str, tuple[str, int | None]] = {}
        self._orig: dict[str, Expr] = {}
        self._out_claims: dict[str, Expr] = {}
        #: the clock's original name and where it was first used
        self._clock: tuple[str, Loc | None] | None = None

    # ports
    def set_ports(self, inputs: list[tuple[str, Loc]], outputs: list[tuple[str, Loc]]):
        """Declare the ports from original bit names in file order."""
        taken = Names()
        in_ports = self._group(inputs, "input", taken)
        in_names = {orig for orig, _ in inputs}
        out_ports = self._group(outputs, "output", taken)
        for port, bits in in_ports:
            self.declare(port.name, "input", port.width, port.bus, port.loc)
            for i, orig in enumerate(bits):
                ref = Bits(port.name, i, i) if port.bus else Bits(port.name)
                self._orig[orig] = ref
                self.port_bits[orig] = (port.name, i if port.bus else None)
        for port, bits in out_ports:
            self.declare(port.name, "output", port.width, port.bus, port.loc)
            for i, orig in enumerate(bits):
                ref = Bits(port.name, i, i) if port.bus else Bits(port.name)
                self.port_bits.setdefault(orig, (port.name, i if port.bus else None))
                if orig in in_names or orig in self._out_claims:
                    # a pass-through, or a signal that is two outputs: copy it
                    self.assign(ref, self._out_claims.get(orig) or self._orig[orig], port.loc)
                else:
                    self._out_claims[orig] = ref
                    self._orig[orig] = ref

    def _group(self, bits: list[tuple[str, Loc]], direction: str, taken: Names):
        seen: dict[str, Loc] = {}
        again: list[tuple[str, Loc]] = []
        buses: dict[str, dict[int, str]] = {}
        for orig, loc in bits:
            if orig in seen:
                again.append((orig, loc))  # declared twice: recorded for the checker
                continue
            seen[orig] = loc
            m = _BUSBIT.match(orig)
            if m:
                buses.setdefault(m.group(1), {})
                if int(m.group(2)) in buses[m.group(1)]:
                    buses[m.group(1)][-1] = orig  # duplicate index: no bus
                buses[m.group(1)][int(m.group(2))] = orig
        good = {base for base, idx in buses.items()
                if sorted(idx) == list(range(len(idx)))
                and _IDENT.match(identifier(base)) and base not in seen}
        ports, done = [], {}
        for orig, loc in seen.items():
            m = _BUSBIT.match(orig)
            if m and m.group(1) in good:
                base = m.group(1)
                if base in done:
                    done[orig] = done[base]
                    continue
                name = self._port_name(identifier(base), direction, taken)
                done[base] = done[orig] = name
                idx = buses[base]
                ports.append((Port(name, direction, len(idx), True, loc),
                              [idx[i] for i in range(len(idx))]))
            else:
                base = orig
                if m:
                    base = f"{m.group(1)}_{m.group(2)}"
                name = done[orig] = self._port_name(identifier(base), direction, taken)
                ports.append((Port(name, direction, 1, False, loc), [orig]))
        for orig, loc in again:
            ports.append((Port(done[orig], direction, 1, False, loc), []))
        return ports

    @staticmethod
    def _port_name(name: str, direction: str, taken: Names) -> str:
        if direction == "output" and name in taken:
            name = f"{name}_out"
        return taken.unique(name)

    # nets
    def net(self, orig: str) -> Expr:
        """The expression of the net originally called ``orig``."""
        ref = self._orig.get(orig)
        if ref is None:
            name = orig
            if _BRACKETS.search(name):
                name = re.sub(r"\[(\d+)\]$", r"_\1", name)
                name = re.sub(r"[\s\[\]]", "_", name)
            ref = Bits(self.nets.unique(name))
            self._orig[orig] = ref
        return ref

    def instance_name(self, hint: str) -> str:
        return self.instance_names.unique(identifier(hint))

    # contents, named after the imported names
    def gate(self, type_: str, inputs, output, loc: Loc | None = None,  # type: ignore[override]
             name: str = "g") -> Instance:
        return super().gate(type_, tuple(inputs), (output,), loc, self.instance_name(name))

    def subcircuit(self, type_: str, ports, loc: Loc | None, hint: str) -> None:
        self.instance(type_, ports, loc, self.instance_name(hint))

    def register(self, d: Expr, q: Expr, loc: Loc | None = None,  # type: ignore[override]
                 name: str = "r", clock: str | None = None, **options):
        """Record a flip-flop; ``clock`` is the original name of its clock
        net (None: the one implicit clock)."""
        if clock is not None:
            self.use_clock(clock, loc)
        return super().register(d, q, loc, self.instance_name(name), **options)

    def use_clock(self, orig: str, loc: Loc | None) -> None:
        """Take the net originally called ``orig`` as the module's clock: it
        must be a 1-bit input, and the only clock."""
        if self._clock is not None:
            if self._clock[0] != orig:
                raise NetlistError(
                    f"a second clock {orig!r} (the first is {self._clock[0]!r}"
                    f"{_on_line(self._clock[1], loc)}); circuitnn simulates designs with one "
                    "clock", loc)
            return
        port = self.port_bits.get(orig)
        inputs = {p.name: p for p in self.inputs}
        if port is None or port[0] not in inputs:
            raise NetlistError(
                f"the clock {orig!r} is not an input of {self.name!r}; circuitnn supports one "
                "clock that is a primary input (no derived or gated clocks)", loc)
        if inputs[port[0]].bus:
            raise NetlistError(f"the clock {orig!r} is one bit of the bus {port[0]!r}; give "
                               "the clock a port of its own", loc)
        self._clock = (orig, loc)

    def finish_clock(self) -> None:
        """Take the clock out of the inputs (it is the simulation's cycle, not
        a data input); refuse a clock that logic also reads."""
        if self._clock is None:
            return
        port = self.port_bits[self._clock[0]][0]
        for inst in self.instances:
            exprs = list(inst.inputs) + [e for _, e in inst.ports]
            if any(b.net == port for e in exprs for b in bit_refs(e)):
                raise NetlistError(
                    f"the clock {self._clock[0]!r} is also read by {inst.name!r}; circuitnn "
                    "supports a clock that only clocks flip-flops", inst.loc)
        for a in self.assigns:
            if any(b.net == port for b in bit_refs(a.source)):
                raise NetlistError(
                    f"the clock {self._clock[0]!r} is also read as a signal; circuitnn "
                    "supports a clock that only clocks flip-flops", a.loc)
        self.inputs = [p for p in self.inputs if p.name != port]
        self.clock = port


def _on_line(first: Loc | None, here: Loc | None) -> str:
    if first is None or first.line is None:
        return ""
    return f", line {first.line}" if here is not None and here.file == first.file else \
        f", at {first}"


def make_design(top: str, modules: dict[str, Module], lib: PrimitiveLibrary,
                source: str | None, warnings: tuple[CircuitError, ...] = ()) -> Design:
    """The design of an importer, with the primitives it defined."""
    return Design(top, modules, dict(lib.primitives), dict(lib.locs), source, warnings)


# --------------------------------------------------------------- functions
def emit_function(b: ModuleBuilder, lib: PrimitiveLibrary, inputs: list[Expr],
                  column: np.ndarray, out: Expr, loc: Loc | None, hint: str,
                  name_hint: str | None = None) -> None:
    """Drive ``out`` with the function ``column`` of ``inputs`` (at most
    :data:`MAX_PRIMITIVE_INPUTS`): drop inputs it does not depend on, then
    use the library's primitive for what remains (an assignment if nothing
    does)."""
    k = len(inputs)
    keep, reduced = _depends_on(k, np.asarray(column, dtype=np.uint8).tobytes())
    pins = [inputs[i] for i in keep]
    if not pins:
        b.assign(out, Const(reduced[0], 1), loc)
        return
    name, perm = lib.gate_for(np.frombuffer(reduced, dtype=np.uint8),
                              name_hint if len(keep) == k else None, loc)
    b.gate(name, [pins[j] for j in perm], out, loc, hint)


@functools.lru_cache(maxsize=4096)
def _depends_on(k: int, column: bytes) -> tuple[tuple[int, ...], bytes]:
    """The inputs a function of ``k`` inputs depends on, and its table over
    them alone: worked out once per distinct table (a netlist repeats a few)."""
    whole = np.frombuffer(column, dtype=np.uint8)
    cube = whole.reshape((2,) * k) if k else whole
    keep = []
    for i in range(k):
        if (np.take(cube, 0, axis=i) != np.take(cube, 1, axis=i)).any():
            keep.append(i)
    for i in reversed(range(k)):
        if i not in keep:
            cube = np.take(cube, 0, axis=i)
    return tuple(keep), np.ascontiguousarray(cube).ravel().tobytes()


def reduce_tree(b: ModuleBuilder, family: str, inputs: list[Expr], out: Expr,
                invert: bool, loc: Loc | None, hint: str) -> None:
    """``out = family(inputs)`` (inverted if ``invert``) as a tree of standard
    gates of at most 9 inputs (4 for XOR)."""
    nets = list(inputs)
    if len(nets) == 1:
        b.gate("NOT" if invert else "BUF", nets, out, loc, hint)
        return
    width = _FAMILY_MAX[family]
    while len(nets) > width:
        nxt = []
        for lo in range(0, len(nets), width):
            chunk = nets[lo:lo + width]
            if len(chunk) == 1:
                nxt.append(chunk[0])
                continue
            t = b.fresh(hint)
            b.gate(f"{family}{len(chunk)}", chunk, t, loc, f"{hint}_t")
            nxt.append(t)
        nets = nxt
    fam = _INVERTED[family] if invert else family
    b.gate(f"{fam}{len(nets)}", nets, out, loc, hint)


def cover_column(k: int, cubes: list[str], offset: bool) -> np.ndarray:
    """The ``2**k`` output bits of a cover (``-`` is a don't care)."""
    rows = input_matrix(k)
    on = np.zeros(2**k, dtype=bool)
    for cube in cubes:
        m = np.ones(2**k, dtype=bool)
        for i, c in enumerate(cube):
            if c != "-":
                m &= rows[:, i] == (c == "1")
        on |= m
    return (on ^ offset).astype(np.uint8)


@functools.lru_cache(maxsize=4096)
def _cover_bytes(k: int, cubes: tuple[str, ...], offset: bool) -> bytes:
    """:func:`cover_column` once per distinct cover (a netlist repeats a few)."""
    return cover_column(k, list(cubes), offset).tobytes()


def emit_cover(b: ModuleBuilder, lib: PrimitiveLibrary, inputs: list[Expr],
               cubes: list[str], offset: bool, out: Expr, loc: Loc | None,
               hint: str) -> None:
    """Drive ``out`` with a sum of products (``offset``: its complement).

    Inputs that are ``-`` in every cube are dropped first.  A cover of at
    most ``MAX_PRIMITIVE_INPUTS`` remaining inputs is one primitive.  A wider
    cover is decomposed: each cube becomes the AND of its literals (one
    primitive if it has at most ``MAX_PRIMITIVE_INPUTS`` literals, else
    primitives over chunks of that many literals combined by an AND tree),
    and the cubes are combined by an OR tree of at most 9-input gates whose
    last gate is a NOR for an off-set cover.
    """
    used = [i for i in range(len(inputs)) if any(c[i] != "-" for c in cubes)]
    cubes = ["".join(c[i] for i in used) for c in cubes]
    ins = [inputs[i] for i in used]
    if len(ins) <= MAX_PRIMITIVE_INPUTS:
        column = np.frombuffer(_cover_bytes(len(ins), tuple(cubes), offset), dtype=np.uint8)
        emit_function(b, lib, ins, column, out, loc, hint)
        return
    if any(set(c) <= {"-"} for c in cubes):
        b.assign(out, Const(0 if offset else 1, 1), loc)
        return

    def emit_and(cube: str, target: Expr, invert: bool):
        lits = [(ins[i], c) for i, c in enumerate(cube) if c != "-"]
        if len(lits) <= MAX_PRIMITIVE_INPUTS:
            plane = "".join(c for _, c in lits)
            emit_function(b, lib, [e for e, _ in lits],
                          cover_column(len(lits), [plane], invert), target, loc, hint)
            return
        parts = []
        for lo in range(0, len(lits), MAX_PRIMITIVE_INPUTS):
            chunk = lits[lo:lo + MAX_PRIMITIVE_INPUTS]
            t = b.fresh(hint)
            plane = "".join(c for _, c in chunk)
            emit_function(b, lib, [e for e, _ in chunk],
                          cover_column(len(chunk), [plane], False), t, loc, f"{hint}_c")
            parts.append(t)
        reduce_tree(b, "AND", parts, target, invert, loc, hint)

    if len(cubes) == 1:
        emit_and(cubes[0], out, offset)
        return
    terms = []
    for cube in cubes:
        t = b.fresh(hint)
        emit_and(cube, t, False)
        terms.append(t)
    reduce_tree(b, "OR", terms, out, offset, loc, hint)


# ------------------------------------------------------------ flat writers
class FlatNames:
    """Text names for the signals of a flat circuit, for the writers.

    Input signals are written as their port bits (``a[3]``), constants as
    ``zero``/``one`` texts, a gate output that is an output port bit as that
    bit (the first such), other signals as unique identifiers made from their
    names.  Output bits not named so are listed in :attr:`out_assigns`.
    """

    def __init__(self, circuit, zero: str = "0", one: str = "1",
                 port=lambda name: name, reserved=frozenset()):
        taken = Names([*(p.name for p in circuit.inputs + circuit.outputs), *reserved])
        self.text: dict[int, str] = {0: zero, 1: one}
        for p in circuit.inputs:
            for i, s in enumerate(p.signals):
                self.text[s] = f"{port(p.name)}[{i}]" if p.bus else port(p.name)
        driven = {s for g in circuit.gates for s in g.outputs}
        driven |= {s for r in circuit.registers for s in r.q}
        self.out_assigns: list[tuple[str, int]] = []
        for p in circuit.outputs:
            for i, s in enumerate(p.signals):
                bit = f"{port(p.name)}[{i}]" if p.bus else port(p.name)
                if s in driven and s not in self.text:
                    self.text[s] = bit
                else:
                    self.out_assigns.append((bit, s))
        self.wires: list[str] = []
        for driven_signals in [*(r.q for r in circuit.registers),
                               *(g.outputs for g in circuit.gates)]:
            for s in driven_signals:
                if s not in self.text:
                    name = taken.unique(identifier(circuit.signal_names[s]))
                    self.text[s] = name
                    self.wires.append(name)
        self.gate_names: list[str] = []
        gtaken = Names()
        for g in circuit.gates:
            self.gate_names.append(gtaken.unique(identifier(g.name)))
        self.register_names: list[str] = [gtaken.unique(identifier(r.name))
                                          for r in circuit.registers]
