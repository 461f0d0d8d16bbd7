"""Write a compiled circuit as structural Verilog: one module, one
``assign`` per gate output, and for a sequential circuit one
``always @(posedge clk)`` block per register with its synchronous reset and
enable (and an ``initial`` value).  The clock port is the design's clock
name, or ``clk``.  The gates the flattener adds to compute a register's
reset and enable for the nets are not written: the ``always`` block says
the same.

Standard gates become their operators (``&``, ``|``, ``^``, ``~``, ``?:``);
any other primitive becomes a sum of products of its truth table (of the
on-set, or the complement of the off-set's, whichever is shorter).  The
module's ports are the circuit's ports, buses as ``[w-1:0]`` vectors, so a
testbench sees the same integers as circuitnn.  Port names that are Verilog
keywords are written as escaped identifiers (``\\and``).
"""

from __future__ import annotations

import numpy as np

from ..compile import Circuit
from ..ir.primitives import STANDARD
from ..ir.truthtable import input_matrix
from ..read.build import FlatNames, module_name

__all__ = ["KEYWORDS", "circuit_to_verilog"]

#: Verilog-2005 reserved words (no net may be called so).
KEYWORDS = frozenset([
    "always", "and", "assign", "automatic", "begin", "buf", "bufif0", "bufif1", "case",
    "casex", "casez", "cell", "cmos", "config", "deassign", "default", "defparam", "design",
    "disable", "edge", "else", "end", "endcase", "endconfig", "endfunction", "endgenerate",
    "endmodule", "endprimitive", "endspecify", "endtable", "endtask", "event", "for", "force",
    "forever", "fork", "function", "generate", "genvar", "highz0", "highz1", "if", "ifnone",
    "incdir", "include", "initial", "inout", "input", "instance", "integer", "join", "large",
    "liblist", "library", "localparam", "macromodule", "medium", "module", "nand", "negedge",
    "nmos", "nor", "noshowcancelled", "not", "notif0", "notif1", "or", "output", "parameter",
    "pmos", "posedge", "primitive", "pull0", "pull1", "pulldown", "pullup",
    "pulsestyle_onevent", "pulsestyle_ondetect", "rcmos", "real", "realtime", "reg", "release",
    "repeat", "rnmos", "rpmos", "rtran", "rtranif0", "rtranif1", "scalared", "showcancelled",
    "signed", "small", "specify", "specparam", "strong0", "strong1", "supply0", "supply1",
    "table", "task", "time", "tran", "tranif0", "tranif1", "tri", "tri0", "tri1", "triand",
    "trior", "trireg", "unsigned", "use", "uwire", "vectored", "wait", "wand", "weak0",
    "weak1", "while", "wire", "wor", "xnor", "xor",
])

_STD_BY_TABLE = {(tt.n_inputs, tt.table.tobytes()): name for name, tt in STANDARD.items()}


def _port(name: str) -> str:
    return f"\\{name} " if name in KEYWORDS else name


def _std_expr(std: str, x: list[str]) -> str:
    fam = std if std in ("MUX2", "MAJ3") else std.rstrip("0123456789")
    if fam == "BUF":
        return x[0]
    if fam == "NOT":
        return f"~{x[0]}"
    if fam == "MUX2":
        return f"({x[0]} ? {x[2]} : {x[1]})"
    if fam == "MAJ3":
        a, b, c = x
        return f"(({a} & {b}) | ({a} & {c}) | ({b} & {c}))"
    op = {"AND": "&", "NAND": "&", "OR": "|", "NOR": "|", "XOR": "^", "XNOR": "^"}[fam]
    body = f"({f' {op} '.join(x)})"
    return f"~{body}" if fam in ("NAND", "NOR", "XNOR") else body


def sop_expr(column: np.ndarray, x: list[str]) -> str:
    """A sum-of-products Verilog expression of one truth-table column.

    Examples
    --------
    >>> sop_expr(np.array([0, 0, 1, 0]), ["p", "q"])
    '(p & ~q)'
    """
    column = np.asarray(column).ravel()
    rows = input_matrix(len(x))
    ones = np.flatnonzero(column)
    zeros = np.flatnonzero(column == 0)
    if len(zeros) == 0:
        return "1'b1"
    if len(ones) == 0:
        return "1'b0"
    invert = len(zeros) < len(ones)

    def term(r):
        return "(" + " & ".join(v if bit else f"~{v}" for v, bit in zip(x, rows[r])) + ")"

    body = " | ".join(term(r) for r in (zeros if invert else ones))
    return f"~({body})" if invert else body


def _register(r, rname: str, names, clock: str, taken: set) -> list[str]:
    """A register as a ``reg`` vector loaded in ``always @(posedge clock)``,
    with its reset and enable as written (the gates that compute them for
    the nets are left out, :func:`_lowering_gates`)."""
    reg = f"r_{rname}"
    while reg in taken:
        reg += "_"
    taken.add(reg)
    w = r.width
    rng = f"[{w - 1}:0] " if w > 1 else ""
    d = names.text[r.d[0]] if w == 1 else "{" + ", ".join(names.text[s] for s in
                                                          reversed(r.d)) + "}"
    lines = [f"  reg {rng}{reg};  // register {r.name}", f"  initial {reg} = {w}'d{r.init};"]
    lines += [f"  assign {names.text[s]} = {reg}{f'[{i}]' if w > 1 else ''};"
              for i, s in enumerate(r.q)]
    load = f"{reg} <= {d};"
    if r.enable is not None:
        en = names.text[r.enable] if r.enable_active else f"~{names.text[r.enable]}"
        load = f"if ({en}) {load}"
    if r.reset is not None:
        rst = names.text[r.reset] if r.reset_active else f"~{names.text[r.reset]}"
        reset = f"if ({rst}) {reg} <= {w}'d{r.reset_value}; else {load}"
        if r.enable is not None and r.priority == "enable":
            en = names.text[r.enable] if r.enable_active else f"~{names.text[r.enable]}"
            reset = (f"if ({en}) begin if ({rst}) {reg} <= {w}'d{r.reset_value}; "
                     f"else {reg} <= {d}; end")
        load = reset
    lines.append(f"  always @(posedge {_port(clock)}) {load}")
    return lines


def _lowering_gates(circuit: Circuit) -> set[int]:
    """The gates that only compute what the registers load from their reset
    and enable (the flattener lowers them to gates for the nets); the
    ``always`` blocks write the reset and enable as written instead."""
    driver = {s: gi for gi, g in enumerate(circuit.gates) for s in g.outputs}
    written = {s for r in circuit.registers for s in (*r.d, *r.q, r.reset, r.enable)
               if s is not None}
    found: set[int] = set()
    stack = [s for r in circuit.registers for s in r.next]
    while stack:
        s = stack.pop()
        gi = driver.get(s)
        if s in written or gi is None or gi in found:
            continue
        found.add(gi)
        stack.extend(circuit.gates[gi].inputs)
    # a gate that anything else reads stays (a port, a register as written,
    # a gate that stays), and so do the gates it reads: one walk back from them
    read = set(circuit.output_signals) | written
    read.update(s for gi, g in enumerate(circuit.gates) if gi not in found for s in g.inputs)
    stack = [driver[s] for s in read if driver.get(s) in found]
    kept: set[int] = set()
    while stack:
        gi = stack.pop()
        if gi not in kept:
            kept.add(gi)
            stack.extend(driver[s] for s in circuit.gates[gi].inputs if driver.get(s) in found)
    return found - kept


def circuit_to_verilog(circuit: Circuit, module: str | None = None) -> str:
    """Structural Verilog text of a circuit.

    Examples
    --------
    >>> from circuitnn import loads_yaml, compile_design
    >>> c = compile_design(loads_yaml('''
    ... name: ha
    ... inputs: [a, b]
    ... outputs: [s]
    ... gates: [{name: x, type: XOR, in: [a, b], out: s}]
    ... '''))
    >>> [l.strip() for l in circuit_to_verilog(c).splitlines() if "assign" in l]
    ['assign s = (a ^ b);  // x: XOR2']
    """
    names = FlatNames(circuit, "1'b0", "1'b1", _port, KEYWORDS)
    mod = module or module_name(circuit.name)
    if mod in KEYWORDS:
        mod = f"m_{mod}"
    ports = [_port(p.name) for p in circuit.inputs + circuit.outputs]
    taken = set(names.wires) | {p.name for p in circuit.inputs + circuit.outputs} | KEYWORDS
    clock = None
    if circuit.registers:
        clock = circuit.clock or "clk"
        while clock in taken:
            clock += "_"
        taken.add(clock)
        ports.insert(0, _port(clock))
    out = [(f"// Written by circuitnn from {circuit.source or 'a circuit'}: "
           f"{len(circuit.gates)} gates, depth {circuit.depth}"
           f"{f', {len(circuit.registers)} registers' if circuit.registers else ''}."),
           f"module {mod} ({', '.join(ports)});"]
    if clock is not None:
        out.append(f"  input {_port(clock)};")
    for kind, plist in (("input", circuit.inputs), ("output", circuit.outputs)):
        for p in plist:
            rng = f"[{p.width - 1}:0] " if p.bus else ""
            out.append(f"  {kind} {rng}{_port(p.name)};")
    lowering = _lowering_gates(circuit)
    unused = {names.text[s] for gi in lowering for s in circuit.gates[gi].outputs}
    for w in names.wires:
        if w not in unused:
            out.append(f"  wire {w};")
    std = {name: _STD_BY_TABLE.get((tt.n_inputs, tt.table.tobytes()))
           for name, tt in circuit.primitives.items()}
    for gi, (gname, g) in enumerate(zip(names.gate_names, circuit.gates)):
        if gi in lowering:
            continue
        tt = circuit.primitives[g.prim]
        x = [names.text[s] for s in g.inputs]
        for j, s in enumerate(g.outputs):
            if std[g.prim] is not None:
                expr = _std_expr(std[g.prim], x)
            else:
                expr = sop_expr(tt.table[:, j], x)
            note = g.prim if tt.n_outputs == 1 else f"{g.prim}.{tt.outputs[j]}"
            out.append(f"  assign {names.text[s]} = {expr};  // {gname}: {note}")
    for bit, s in names.out_assigns:
        out.append(f"  assign {bit} = {names.text[s]};")
    for rname, r in zip(names.register_names, circuit.registers):
        out += _register(r, rname, names, clock, taken)
    out.append("endmodule")
    return "\n".join(out) + "\n"
