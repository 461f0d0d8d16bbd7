"""Pairing the ports of two circuits: by name and width, by ``map`` pairs,
and inputs tied to constants by ``const`` (``--map`` and ``--const`` on the
command line, whose words the messages' ``cli`` text uses).

A port reference is ``NAME``, ``NAME[i]`` or ``NAME[lo:hi]`` (bits ``lo`` to
``hi - 1``, least significant first, as in Python), so a bus of one circuit
can be paired bit by bit with single-bit ports of the other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from ..compile import Circuit, PortMap
from ..errors import UsageError

__all__ = ["Matching", "match_ports", "parse_map", "parse_const"]

SIDES = ("A", "B")
_REF = re.compile(r"^\s*([^\[\]=,\s]+)\s*(?:\[\s*(\d+)\s*(?::\s*(\d+)\s*)?\])?\s*$")

Bit = tuple[str, int]  # (port name, bit index)


class What(NamedTuple):
    """How a message names a map or const entry: the API's words, the command line's."""

    api: str
    cli: str


def _refuse(what: What, rest: str) -> UsageError:
    return UsageError(what.api + rest, cli=what.cli + rest)


def _entry(option: str, text: str) -> What:
    return What(f"{option} entry {text!r}", cli=f"--{option} {text}")


@dataclass(frozen=True)
class Matching:
    """Which bit of A goes with which bit of B.

    ``inputs`` and ``outputs`` are lists of ``(A bit, B bit)`` pairs; a bit
    is ``(port name, index)``.  ``consts`` maps ``(side, port, index)`` to
    the 0 or 1 an input bit is tied to.
    """

    inputs: tuple[tuple[Bit, Bit], ...]
    outputs: tuple[tuple[Bit, Bit], ...]
    consts: dict[tuple[str, str, int], int]


def parse_map(spec) -> list[tuple[str, str]]:
    """``"a=x,b=y"``, a list of such strings, or a dict -> ``[(A ref, B ref)]``.

    Examples
    --------
    >>> parse_map("f=sum, cOut=cout")
    [('f', 'sum'), ('cOut', 'cout')]
    """
    if spec is None:
        return []
    if isinstance(spec, Mapping):
        return [(str(k), str(v)) for k, v in spec.items()]
    items = [spec] if isinstance(spec, str) else list(spec)
    out = []
    for item in items:
        for part in str(item).split(","):
            if not part.strip():
                continue
            a, sep, b = part.partition("=")
            if not sep or not a.strip() or not b.strip():
                raise UsageError(f"map entry {part.strip()!r}: write A_PORT=B_PORT, e.g. "
                                 "map='f=sum,cOut=cout' or map={'f': 'sum'}",
                                 cli=f"--map {part.strip()!r}: write A_PORT=B_PORT, e.g. "
                                     "--map f=sum,cOut=cout")
            out.append((a.strip(), b.strip()))
    return out


def parse_const(spec) -> list[tuple[str, str, int]]:
    """``["A.cin=0"]`` or ``{"A.cin": 0}`` -> ``[(side, port ref, value)]``.

    Examples
    --------
    >>> parse_const(["B.cin=0", "A.x[3]=1"])
    [('B', 'cin', 0), ('A', 'x[3]', 1)]
    """
    if spec is None:
        return []
    items = ([f"{k}={v}" for k, v in spec.items()] if isinstance(spec, Mapping)
             else [spec] if isinstance(spec, str) else list(spec))
    out = []
    for item in items:
        for part in str(item).split(","):
            if not part.strip():
                continue
            left, sep, value = part.partition("=")
            side, dot, ref = left.strip().partition(".")
            what = What(f"const entry {part.strip()!r}", cli=f"--const {part.strip()!r}")
            if not sep or not dot or side.upper() not in SIDES or not ref.strip():
                raise UsageError(f"{what.api}: write SIDE.PORT=VALUE with SIDE A or B, e.g. "
                                 "const={'A.cin': 0}",
                                 cli=f"{what.cli}: write SIDE.PORT=VALUE with SIDE A or B, "
                                     "e.g. --const A.cin=0")
            try:
                number = int(value.strip().replace("_", ""), 0)
            except ValueError:
                raise _refuse(what, f": {value.strip()!r} is not a whole number; write "
                              "decimal, 0b... or 0x...") from None
            if number < 0:
                raise _refuse(what, ": the value must be 0 or more")
            out.append((side.upper(), ref.strip(), number))
    return out


def describe(circuit: Circuit, label: str) -> str:
    """``A (adder.yaml): inputs a[8], b[8], cin; outputs sum[8], cout``."""
    def side(ports):
        return ", ".join(f"{p.name}[{p.width}]" if p.bus else p.name for p in ports) or "none"

    return f"{label}: inputs {side(circuit.inputs)}; outputs {side(circuit.outputs)}"


class _Side:
    def __init__(self, name: str, circuit: Circuit, label: str):
        self.name, self.circuit, self.label = name, circuit, label
        self.ports = {p.name: ("input", p) for p in circuit.inputs}
        self.ports.update({p.name: ("output", p) for p in circuit.outputs})
        self.taken: set[Bit] = set()

    def resolve(self, ref: str, what: What) -> tuple[str, PortMap, list[int]]:
        m = _REF.match(ref)
        if not m:
            raise _refuse(what, f": {ref!r} is not a port reference; write NAME, NAME[i] "
                          "or NAME[lo:hi]")
        name, lo, hi = m.group(1), m.group(2), m.group(3)
        if name not in self.ports:
            raise _refuse(what, f": {self.label} has no port {name!r}; its ports are "
                          f"{', '.join(self.ports)}")
        kind, port = self.ports[name]
        if lo is None:
            bits = list(range(port.width))
        else:
            lo_i = int(lo)
            hi_i = lo_i + 1 if hi is None else int(hi)
            if not 0 <= lo_i < hi_i <= port.width:
                raise _refuse(what, f": {ref!r} is outside port {name!r} of {self.label}, "
                              f"which has bits 0 to {port.width - 1}")
            bits = list(range(lo_i, hi_i))
        again = [b for b in bits if (name, b) in self.taken]
        if again:
            raise _refuse(what, f": bit {again[0]} of {name!r} ({self.label}) is paired or "
                          "tied twice")
        return kind, port, bits

    def take(self, port: PortMap, bits: Iterable[int]) -> None:
        self.taken.update((port.name, b) for b in bits)

    def leftovers(self) -> list[str]:
        out = []
        for name, (kind, port) in self.ports.items():
            free = [b for b in range(port.width) if (name, b) not in self.taken]
            if not free:
                continue
            if len(free) == port.width:
                out.append(f"{kind} {name}[{port.width}]" if port.bus else f"{kind} {name}")
            else:
                out.append(f"{kind} {name} bits {_ranges(free)}")
        return out


def _ranges(bits: list[int]) -> str:
    spans, start = [], bits[0]
    for prev, cur in zip(bits, bits[1:] + [None]):
        if cur != prev + 1:
            spans.append(str(start) if start == prev else f"{start}-{prev}")
            start = cur
    return ", ".join(spans)


def match_ports(a: Circuit, b: Circuit, labels: tuple[str, str] = ("A", "B"),
                mapping=None, consts=None) -> Matching:
    """Pair every input and output bit of ``a`` with one of ``b``.

    Raises
    ------
    UsageError
        When a port is left over, or widths or kinds differ; the message lists
        both circuits' ports.

    Examples
    --------
    >>> from circuitnn.library import ripple_carry_adder, kogge_stone_adder
    >>> m = match_ports(ripple_carry_adder(4).compile().circuit,
    ...                 kogge_stone_adder(4).compile().circuit)
    >>> len(m.inputs), len(m.outputs), m.inputs[0]
    (9, 5, (('a', 0), ('a', 0)))
    """
    sa, sb = _Side("A", a, f"A ({labels[0]})"), _Side("B", b, f"B ({labels[1]})")
    both = f"\n  {describe(a, sa.label)}\n  {describe(b, sb.label)}"
    ins: list[tuple[Bit, Bit]] = []
    outs: list[tuple[Bit, Bit]] = []
    tied: dict[tuple[str, str, int], int] = {}
    for side_name, ref, value in parse_const(consts):
        side = sa if side_name == "A" else sb
        what = _entry("const", f"{side_name}.{ref}={value}")
        kind, port, bits = side.resolve(ref, what)
        if kind != "input":
            raise _refuse(what, f": {port.name!r} is an output of {side.label}; only "
                          "inputs can be tied to a constant")
        if value >> len(bits):
            raise _refuse(what, f": {value} does not fit {len(bits)} bit"
                          f"{'s' if len(bits) > 1 else ''} (0 to {(1 << len(bits)) - 1})")
        for i, bit in enumerate(bits):
            tied[(side_name, port.name, bit)] = (value >> i) & 1
        side.take(port, bits)
    for ref_a, ref_b in parse_map(mapping):
        what = _entry("map", f"{ref_a}={ref_b}")
        kind_a, pa, bits_a = sa.resolve(ref_a, what)
        kind_b, pb, bits_b = sb.resolve(ref_b, what)
        if kind_a != kind_b:
            raise _refuse(what, f": {pa.name!r} is an {kind_a} of {sa.label} but "
                          f"{pb.name!r} is an {kind_b} of {sb.label}; pair inputs with "
                          f"inputs and outputs with outputs{both}")
        if len(bits_a) != len(bits_b):
            raise _refuse(what, f": {len(bits_a)} bit{'s' if len(bits_a) > 1 else ''} of "
                          f"{sa.label} against {len(bits_b)} of {sb.label}; the widths "
                          f"must agree{both}")
        pairs = [((pa.name, x), (pb.name, y)) for x, y in zip(bits_a, bits_b)]
        (ins if kind_a == "input" else outs).extend(pairs)
        sa.take(pa, bits_a)
        sb.take(pb, bits_b)
    for name, (kind, pa) in sa.ports.items():
        if any((name, i) in sa.taken for i in range(pa.width)) or name not in sb.ports:
            continue
        kind_b, pb = sb.ports[name]
        if any((name, i) in sb.taken for i in range(pb.width)):
            continue
        if kind_b != kind:
            raise UsageError(f"port {name!r} is an {kind} of {sa.label} but an {kind_b} of "
                             f"{sb.label}{both}")
        if pa.width != pb.width:
            text = (f"port {name!r} has {pa.width} bit{'s' if pa.width > 1 else ''} in "
                    f"{sa.label} but {pb.width} in {sb.label}; give ")
            raise UsageError(f"{text}map pairs for slices that correspond{both}",
                             cli=f"{text}--map for slices that correspond{both}")
        pairs = [((name, i), (name, i)) for i in range(pa.width)]
        (ins if kind == "input" else outs).extend(pairs)
        sa.take(pa, range(pa.width))
        sb.take(pb, range(pb.width))
    left_a, left_b = sa.leftovers(), sb.leftovers()
    if left_a or left_b:
        parts = [f"{s.label} has {', '.join(left)} with no partner"
                 for s, left in ((sa, left_a), (sb, left_b)) if left]
        text = f"the ports do not match: {'; '.join(parts)}{both}\n  "
        raise UsageError(text + "pair ports with map={'A_PORT': 'B_PORT'}, tie inputs with "
                         "const={'SIDE.PORT': VALUE}",
                         cli=text + "pair ports with --map A_PORT=B_PORT, tie inputs with "
                             "--const SIDE.PORT=VALUE")
    if not outs:
        raise UsageError(f"there are no outputs to compare{both}")
    return Matching(tuple(ins), tuple(outs), tied)
