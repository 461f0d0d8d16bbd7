"""Draw a compiled circuit with graphviz: DOT text, or SVG/PNG through the
``dot`` program.

Left to right (``rankdir=LR``): one node per input port on the left
(``rank=source``), one per output port on the right (``rank=sink``), a bus
as a record with a field per bit (``a | 0 | 1 | ...``), so edges leave and
enter at the right bit; a node per gate labelled with its primitive; a
register as a distinct box (doubled, orange) labelled with its name and
width, fed by what it loads and feeding the gates that read its state.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ..compile import Circuit
from ..errors import UsageError

__all__ = ["circuit_to_dot", "draw", "render"]


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _rec(text: str) -> str:
    return "".join("\\" + c if c in "{}|<>\\\" " else c for c in text)


def circuit_to_dot(circuit: Circuit) -> str:
    """DOT text of a circuit.

    Examples
    --------
    >>> from circuitnn import loads_yaml, compile_design
    >>> c = compile_design(loads_yaml('''
    ... inputs: [a, b]
    ... outputs: [s]
    ... gates: [{name: x, type: XOR, in: [a, b], out: s}]
    ... '''))
    >>> "rankdir=LR" in circuit_to_dot(c)
    True
    """
    out = [f'digraph "{_esc(circuit.name)}" {{',
           "  rankdir=LR;",
           '  node [fontname="Helvetica", fontsize=10];',
           "  edge [arrowsize=0.6];"]
    src: dict[int, str] = {}

    def port_node(p, i: int, kind: str) -> str:
        return f"{kind}{i}"

    for kind, ports, rank in (("in", circuit.inputs, "source"),
                              ("out", circuit.outputs, "sink")):
        out.append(f"  subgraph {kind}puts {{ rank={rank};")
        for i, p in enumerate(ports):
            node = port_node(p, i, kind)
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
    used_consts = set()
    for ri, r in enumerate(circuit.registers):
        size = f"[{r.width}]" if r.width > 1 else ""
        out.append(f'  r{ri} [shape=box, peripheries=2, style="filled,bold", '
                   f'fillcolor="#ffe0b3", label="{_esc(r.name)}{size}\\nDFF", '
                   f'tooltip="register {_esc(r.name)}"];')
        for s in r.q:
            src[s] = f"r{ri}"
    for gi, g in enumerate(circuit.gates):
        out.append(f'  g{gi} [shape=box, label="{_esc(g.prim)}", '
                   f'tooltip="{_esc(g.name)}"];')
        for s in g.outputs:
            src[s] = f"g{gi}"
    for s in (0, 1):
        if any(s in g.inputs for g in circuit.gates) or any(
                s in p.signals for p in circuit.outputs) or any(
                s in r.next for r in circuit.registers):
            used_consts.add(s)
            out.append(f'  const{s} [shape=plaintext, label="{s}"];')
            src[s] = f"const{s}"
    for gi, g in enumerate(circuit.gates):
        for s in g.inputs:
            label = circuit.signal_names[s]
            out.append(f'  {src[s]} -> g{gi} [tooltip="{_esc(label)}"];')
    for ri, r in enumerate(circuit.registers):
        for s in dict.fromkeys(r.next):
            out.append(f'  {src[s]} -> r{ri} [style=bold, '
                       f'tooltip="{_esc(circuit.signal_names[s])}"];')
    for i, p in enumerate(circuit.outputs):
        node = port_node(p, i, "out")
        for j, s in enumerate(p.signals):
            dst = f"{node}:b{j}:w" if p.bus else node
            out.append(f"  {src[s]} -> {dst};")
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
