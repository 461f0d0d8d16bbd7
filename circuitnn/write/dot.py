"""Draw a compiled circuit with graphviz: DOT text, or SVG/PNG through the
``dot`` program.

Left to right (``rankdir=LR``): one node per input port on the left
(``rank=source``), one per output port on the right (``rank=sink``), a bus
as a record with a field per bit (``a | 0 | 1 | ...``), so edges leave and
enter at the right bit; a node per gate labelled with its primitive; a
register as a distinct box (doubled, orange) labelled with its name and
width, fed by what it loads and feeding the gates that read its state.

* A gate whose input order matters (MUX2's select, a user primitive such as
  ``ANDNOT``: any table that changes when two inputs swap) is a record with a
  labelled field per input pin, so each edge enters at its pin.
* Subcircuit instances are drawn as nested clusters labelled with their
  instance names.
* Small circuits (at most :data:`NAMED_GATES` gates) also show each gate's
  instance name, every gate's pins, and the names of internal nets on edges.
* A drawing of more than :data:`MAX_GATES` gates is refused (graphviz takes
  minutes and the picture cannot be read); ``summary=True`` draws one box per
  top-level instance, or for a flat netlist per band of logic levels, with
  their gate counts and the number of nets between them.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np

from ..compile import Circuit
from ..errors import UsageError

__all__ = ["circuit_to_dot", "draw", "render", "MAX_GATES", "NAMED_GATES"]

#: the most gates drawn one by one; beyond, only a summary
MAX_GATES = 1500
#: circuits up to this many gates show instance names and internal net names
NAMED_GATES = 60
#: level bands in the summary of a flat netlist
SUMMARY_BANDS = 10


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _rec(text: str) -> str:
    return "".join("\\" + c if c in "{}|<>\\\" " else c for c in text)


def _order_matters(tt) -> bool:
    """Whether swapping two inputs of the table can change it."""
    n = tt.n_inputs
    if n < 2:
        return False
    table = np.asarray(tt.table)
    rows = np.arange(1 << n)
    for i in range(n - 1):
        # the row index with the bits of inputs i and i + 1 exchanged
        bi, bj = (rows >> (n - 1 - i)) & 1, (rows >> (n - 2 - i)) & 1
        swapped = rows ^ ((bi ^ bj) << (n - 1 - i)) ^ ((bi ^ bj) << (n - 2 - i))
        if not np.array_equal(table, table[swapped]):
            return True
    return False


def circuit_to_dot(circuit: Circuit, summary: bool = False) -> str:
    """DOT text of a circuit (``summary``: modules or level bands as boxes).

    Examples
    --------
    >>> from circuitnn import load_circuit
    >>> text = circuit_to_dot(load_circuit("circuits/full_adder.yaml"))
    >>> "subgraph cluster_ha1" in text, 'label="{{<i0> a|<i1> b}|x1\\\\nXOR2}"' in text
    (True, True)
    """
    if summary:
        return _summary_dot(circuit)
    if len(circuit.gates) > MAX_GATES:
        raise UsageError(f"{circuit.name!r} has {len(circuit.gates):,} gates; a drawing of "
                         f"more than {MAX_GATES:,} takes graphviz minutes and cannot be read: "
                         "draw a summary instead (summary=True: modules or logic levels as "
                         "boxes)")
    named = len(circuit.gates) <= NAMED_GATES
    out = _head(circuit)
    src: dict[int, str] = {}
    _port_nodes(circuit, out, src)
    # pins are labelled where their order matters, and on every gate of a small
    # circuit, where the picture has room to say which net enters where
    _register_nodes(circuit, out, src)
    pinned = {name: (named and tt.n_inputs > 1) or _order_matters(tt)
              for name, tt in circuit.primitives.items()}
    tree: dict = {}
    for gi, g in enumerate(circuit.gates):
        *path, leaf = g.name.split(".")
        node = tree
        for part in path:
            node = node.setdefault(part, {})
        node.setdefault("", []).append(gi)
        for s in g.outputs:
            src[s] = f"g{gi}"

    def gate_line(gi: int, indent: str) -> str:
        g = circuit.gates[gi]
        tt = circuit.primitives[g.prim]
        leaf = g.name.split(".")[-1]
        if pinned[g.prim]:
            pins = "|".join(f"<i{k}> {_rec(n)}" for k, n in enumerate(tt.inputs))
            body = f"{_rec(leaf)}\\n{_rec(g.prim)}" if named else _rec(g.prim)
            # rankdir=LR turns a record's top level vertical: the outer braces
            # put the pin column and the body side by side
            return (f'{indent}g{gi} [shape=record, label="{{{{{pins}}}|{body}}}", '
                    f'tooltip="{_esc(g.name)}"];')
        body = f"{_esc(leaf)}\\n{_esc(g.prim)}" if named else _esc(g.prim)
        return f'{indent}g{gi} [shape=box, label="{body}", tooltip="{_esc(g.name)}"];'

    def emit(node: dict, prefix: str, indent: str) -> None:
        for gi in node.get("", []):
            out.append(gate_line(gi, indent))
        for name, child in node.items():
            if name == "":
                continue
            path = f"{prefix}.{name}" if prefix else name
            cid = "".join(c if c.isalnum() else "_" for c in path)
            out.append(f"{indent}subgraph cluster_{cid} {{")
            out.append(f'{indent}  label="{_esc(name)}"; labeljust=l; style="rounded,dashed"; '
                       'color="#9aa0a6"; fontname="Helvetica"; fontsize=9;')
            emit(child, path, indent + "  ")
            out.append(f"{indent}}}")

    emit(tree, "", "  ")
    _const_nodes(circuit, out, src)
    port_signals = {s for p in circuit.inputs + circuit.outputs for s in p.signals}
    for gi, g in enumerate(circuit.gates):
        for k, s in enumerate(g.inputs):
            name = circuit.signal_names[s]
            dst = f"g{gi}:i{k}:w" if pinned[g.prim] else f"g{gi}"
            label = (f', label="{_esc(name)}"' if named and s not in port_signals
                     and s > 1 else "")
            out.append(f'  {src[s]} -> {dst} [tooltip="{_esc(name)}"{label}];')
    for ri, r in enumerate(getattr(circuit, "registers", ())):
        for s in dict.fromkeys(r.next):
            out.append(f'  {src[s]} -> r{ri} [style=bold, '
                       f'tooltip="{_esc(circuit.signal_names[s])}"];')
    for i, p in enumerate(circuit.outputs):
        for j, s in enumerate(p.signals):
            dst = f"out{i}:b{j}:w" if p.bus else f"out{i}"
            out.append(f"  {src[s]} -> {dst};")
    out.append("}")
    return "\n".join(out) + "\n"


def _head(circuit: Circuit) -> list[str]:
    return [f'digraph "{_esc(circuit.name)}" {{',
            "  rankdir=LR;",
            '  node [fontname="Helvetica", fontsize=10];',
            '  edge [arrowsize=0.6, fontname="Helvetica", fontsize=8, fontcolor="#5f6368"];']


def _port_nodes(circuit: Circuit, out: list[str], src: dict[int, str]) -> None:
    for kind, ports, rank in (("in", circuit.inputs, "source"),
                              ("out", circuit.outputs, "sink")):
        out.append(f"  subgraph {kind}puts {{ rank={rank};")
        for i, p in enumerate(ports):
            node = f"{kind}{i}"
            if p.bus:
                fields = "|".join(f"<b{j}> {j}" for j in range(p.width))
                label = f"{_rec(p.name)}|{fields}" if kind == "in" else f"{fields}|{_rec(p.name)}"
                out.append(f'    {node} [shape=record, style=filled, fillcolor="#e8f0fe", '
                           f'label="{label}"];')
            else:
                out.append(f'    {node} [shape=box, style="rounded,filled", '
                           f'fillcolor="#e8f0fe", label="{_esc(p.name)}"];')
            if kind == "in":
                for j, s in enumerate(p.signals):
                    src[s] = f"{node}:b{j}:e" if p.bus else node
        out.append("  }")


def _register_nodes(circuit: Circuit, out: list[str], src: dict[int, str]) -> None:
    for ri, r in enumerate(getattr(circuit, "registers", ())):
        size = f"[{r.width}]" if r.width > 1 else ""
        out.append(f'  r{ri} [shape=box, peripheries=2, style="filled,bold", '
                   f'fillcolor="#ffe0b3", label="{_esc(r.name)}{size}\\nDFF", '
                   f'tooltip="register {_esc(r.name)}"];')
        for s in r.q:
            src[s] = f"r{ri}"


def _const_nodes(circuit: Circuit, out: list[str], src: dict[int, str]) -> None:
    for s in (0, 1):
        if any(s in g.inputs for g in circuit.gates) or any(
                s in p.signals for p in circuit.outputs) or any(
                s in r.next for r in getattr(circuit, "registers", ())):
            out.append(f'  const{s} [shape=plaintext, label="{s}"];')
            src[s] = f"const{s}"


def _summary_dot(circuit: Circuit) -> str:
    """One box per top-level instance (or level band of a flat netlist), the
    nets between boxes counted on one edge per pair."""
    from collections import Counter, defaultdict

    level = np.zeros(len(circuit.gates), dtype=np.intp)
    for li, groups in enumerate(circuit.levels):
        for grp in groups:
            level[np.asarray(grp.gates, dtype=np.intp)] = li
    depth = max(circuit.depth, 1)
    band_size = -(-depth // SUMMARY_BANDS)
    hierarchical = any("." in g.name for g in circuit.gates)
    box_of: list[str] = []
    for gi, g in enumerate(circuit.gates):
        if hierarchical and "." in g.name:
            box_of.append(g.name.split(".", 1)[0])
        else:
            lo = (level[gi] // band_size) * band_size
            box_of.append(f"levels {lo + 1}-{min(lo + band_size, depth)}" if band_size > 1
                          else f"level {lo + 1}")
    members: dict[str, Counter] = defaultdict(Counter)
    for gi, g in enumerate(circuit.gates):
        members[box_of[gi]][g.prim] += 1
    ids = {name: f"m{i}" for i, name in enumerate(members)}
    out = _head(circuit)
    src: dict[int, str] = {}
    _port_nodes(circuit, out, src)
    _register_nodes(circuit, out, src)
    _const_nodes(circuit, out, src)
    for name, prims in members.items():
        total = sum(prims.values())
        top = ", ".join(f"{n} {p}" for p, n in prims.most_common(3))
        more = ", ..." if len(prims) > 3 else ""
        out.append(f'  {ids[name]} [shape=box3d, style=filled, fillcolor="#fef7e0", '
                   f'label="{_esc(name)}\\n{total:,} gates\\n{_esc(top + more)}"];')
    for gi, g in enumerate(circuit.gates):
        for s in g.outputs:
            src[s] = ids[box_of[gi]]
    edges: Counter = Counter()
    seen: set = set()
    for gi, g in enumerate(circuit.gates):
        dst = ids[box_of[gi]]
        for s in g.inputs:
            a = src[s].split(":")[0]
            if a != dst and (s, dst) not in seen:
                seen.add((s, dst))
                edges[(a, dst)] += 1
    for ri, r in enumerate(getattr(circuit, "registers", ())):
        for s in dict.fromkeys(r.next):
            edges[(src[s].split(":")[0], f"r{ri}")] += 1
    for i, p in enumerate(circuit.outputs):
        for s in p.signals:
            edges[(src[s].split(":")[0], f"out{i}")] += 1
    for (a, b), n in edges.items():
        out.append(f'  {a} -> {b} [label="{n}", penwidth={1 + min(n, 64) ** 0.5 / 2:.2f}];')
    out.append("}")
    return "\n".join(out) + "\n"


def draw(dot_text: str, fmt: str) -> bytes:
    """``dot_text`` drawn by graphviz's ``dot`` program as ``svg``, ``png`` or ``pdf``."""
    if fmt not in ("svg", "png", "pdf"):
        raise UsageError(f"cannot draw to {'.' + fmt if fmt else '(no extension)'!r}; use "
                         ".dot, .svg, .png or .pdf")
    exe = shutil.which("dot")
    if exe is None:
        raise UsageError(f"drawing .{fmt} needs graphviz's 'dot' program, which is not "
                         "installed; install graphviz or write .dot")
    proc = subprocess.run([exe, f"-T{fmt}"], input=dot_text.encode(),
                          capture_output=True, check=False)
    if proc.returncode != 0:
        raise UsageError(f"graphviz 'dot' failed: {proc.stderr.decode(errors='replace')}")
    return proc.stdout


def render(dot_text: str, path: str | Path, inputs=(), force: bool = True) -> None:
    """Write ``dot_text`` to ``path``: DOT as is, ``.svg``/``.png``/``.pdf``
    through graphviz's ``dot`` program; ``inputs`` and ``force`` as in
    :func:`circuitnn.cli._output.write_output`."""
    from ..cli._output import check_output, write_output

    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    check_output(path, inputs, force)
    data = dot_text if fmt in ("dot", "gv") else draw(dot_text, fmt)
    write_output(path, data, inputs, force)
