"""ONNX export: a compiled circuit and its trained nets as one ONNX graph.

The graph does what the neural engine does (:mod:`circuitnn.run.neural`),
grouped the same way: by level of the schedule and primitive, never one
subgraph per gate.  Every group becomes one ``Gather`` of its input pins
``(pins, gates, batch)`` from the tensors that hold them, a ``Reshape`` to
``(pins, gates x batch)``, one ``Gemm`` (weights and bias) and one
``Sigmoid`` per layer of the primitive's net, and a ``Reshape`` of its
outputs ``(outputs x gates, batch)``, the tensor later groups gather from
(``Greater`` and ``Cast`` after it in digital mode).  A level reading several
tensors gathers from each once and joins them with a ``Concat``.  c6288's
2,416 gates become 1,210 nodes.

(A single state tensor updated by ``ScatterND`` per level would be fewer
nodes, but onnxruntime copies the whole state on every scatter, which made
c6288 four times slower.)

Every input port is a graph input ``[batch, width]`` (column 0 is bit 0, the
least significant), every output port a graph output of the same form with
the analog values, before thresholding.  ``metadata_props`` say what the file
computes and what is guaranteed (see :func:`metadata`).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from ..errors import UsageError

__all__ = ["OPSET", "STATE_INPUT", "STATE_OUTPUT", "build_model", "metadata", "to_onnx",
           "require_onnx", "source_files", "feed", "run_session"]

#: The ONNX operator set the graph is written for (onnxruntime >= 1.14 runs it).
OPSET = 17
#: Names of a sequential circuit's register state tensors (no port can take them).
STATE_INPUT, STATE_OUTPUT = "__state__", "__next_state__"

_DTYPES = ("float32", "float64")


def require_onnx():
    """Import :mod:`onnx`, or say which extra brings it in.

    Examples
    --------
    >>> require_onnx().__name__
    'onnx'
    """
    try:
        import onnx
    except ImportError:
        raise UsageError("writing ONNX needs the onnx package: pip install "
                         "'circuitnn[onnx]'") from None
    return onnx


def source_files(circuit) -> list[Path]:
    """The netlist files a circuit was read from: its top file and every file
    one of its gates was written in (imports), as far as they still exist.
    A circuit built in Python has none.

    Examples
    --------
    >>> from circuitnn import load_circuit
    >>> [p.name for p in source_files(load_circuit("circuits/full_adder.yaml"))]
    ['full_adder.yaml', 'half_adder.yaml']
    """
    names = {circuit.source} if circuit.source else set()
    names.update(g.loc.file for g in circuit.gates if g.loc is not None and g.loc.file)
    from ..read import EXTENSIONS

    files = {Path(n).resolve() for n in names if n and Path(n).suffix.lower() in EXTENSIONS}
    return sorted((f for f in files if f.is_file()), key=lambda f: (f.name, str(f)))


def _sources_hash(files: list[Path]) -> tuple[str, list[dict]]:
    total = hashlib.sha256()
    each = []
    for f in files:
        data = f.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        each.append({"file": f.name, "sha256": digest})
        total.update(f"{f.name}\0{digest}\n".encode())
    return total.hexdigest(), each


def _guarantee(circuit, nets: dict, dtype: str) -> dict:
    """The delta the whole graph is certified at, per net and overall."""
    from ..nn.certify import runtime_certificate

    per_net = {}
    for name in circuit.primitives:
        net = nets[name]
        cert = None
        if net.delta is not None:
            cert = runtime_certificate(net, circuit.primitives[name], net.delta, dtype)
        per_net[name] = cert
    deltas = {nets[n].delta for n in circuit.primitives}
    if not circuit.primitives:
        return {"delta": None, "certified": True, "why": "no gates", "nets": per_net}
    if None in deltas:
        why = "uncertified nets: " + ", ".join(n for n in circuit.primitives
                                               if nets[n].delta is None)
        return {"delta": None, "certified": False, "why": why, "nets": per_net}
    if len(deltas) > 1:
        return {"delta": None, "certified": False, "nets": per_net,
                "why": "nets certified at different deltas do not compose: "
                       + ", ".join(f"{n}={nets[n].delta:g}" for n in circuit.primitives)}
    failing = [n for n, c in per_net.items() if not c["ok"]]
    if failing:
        return {"delta": None, "certified": False, "nets": per_net,
                "why": f"{dtype} arithmetic may leave the certified margin of "
                       + ", ".join(failing)}
    return {"delta": deltas.pop(), "certified": True, "why": "", "nets": per_net}


def metadata(circuit, nets: dict, mode: str = "analog",
             dtype: str = "float32") -> dict[str, str]:
    """The ``metadata_props`` of an exported model: what it computes and what
    is guaranteed, as strings (JSON where structured).

    Keys: ``circuitnn.version``, ``circuit``, ``inputs`` and ``outputs``
    (ports in graph order, with widths), ``bit_order``, ``mode``, ``dtype``,
    ``primitives`` (per primitive: truth table pins, gate count, the net's
    architecture, certified delta, the margin over the runtime-widened boxes
    and the bound on the runtime's arithmetic error), ``guarantee`` (the
    input domain and what it implies, or why there is none), ``state`` for a
    sequential circuit, and ``sources`` / ``sources_sha256`` for a circuit
    read from files.

    Examples
    --------
    >>> from circuitnn.library import half_adder
    >>> ha = half_adder().compile()
    >>> meta = metadata(ha.circuit, ha.nets)
    >>> json.loads(meta["inputs"])
    [{'name': 'a', 'width': 1}, {'name': 'b', 'width': 1}]
    >>> print(meta["guarantee"])  # doctest: +ELLIPSIS
    certified at delta=0.1: when every input bit is within 0.1 of 0 or 1 ...
    """
    from .. import __version__

    g = _guarantee(circuit, nets, dtype)
    counts = circuit.gate_counts()
    prims = {}
    for name, tt in circuit.primitives.items():
        net = nets[name]
        cert = g["nets"][name]
        prims[name] = {
            "inputs": list(tt.inputs), "outputs": list(tt.outputs), "gates": counts.get(name, 0),
            "arch": net.arch, "activation": "sigmoid",
            "delta": net.delta, "max_err": float(net.max_err),
            "runtime_margin": None if cert is None else round(cert["margin"], 6),
            "runtime_error_bound": None if cert is None else float(f"{cert['error']:.3g}"),
        }
    if g["certified"] and g["delta"] is not None:
        d = g["delta"]
        eta = next(iter(g["nets"].values()))["eta"]
        inside = (f"every signal in the graph stays within {d:g} of its value in the exact "
                  f"boolean circuit, so every output is within {d:g} of the exact output and "
                  f"thresholding it at 0.5 gives the exact result" if mode == "analog" else
                  f"every gate's output is within {d:g} of its exact value before it is "
                  f"thresholded at 0.5, so every output is exactly the exact boolean "
                  f"circuit's output (0.0 or 1.0)")
        text = (f"certified at delta={d:g}: when every input bit is within {d:g} of 0 or 1 "
                f"(in [0, {d:g}] or [{1 - d:g}, 1]), {inside}. This holds in the runtime's "
                f"{dtype} arithmetic: each net's margin over input boxes widened by {eta:g}, "
                f"plus a bound on {dtype} rounding and on a sigmoid error of at most "
                f"{_sigmoid_error(dtype):g}, stays within delta (see 'primitives').")
        if getattr(circuit, "registers", ()):
            text += (f" {STATE_OUTPUT} is thresholded inside the graph, so the registers "
                     "load exact bits: fed back cycle after cycle from their initial values, "
                     "the guarantee holds at every cycle.")
    elif g["certified"]:
        text = "no gates: outputs are wired from inputs or constants"
    else:
        text = f"no guarantee ({g['why']}): outputs are not certified"
    meta = {
        "circuitnn.version": __version__,
        "circuit": circuit.name,
        "inputs": json.dumps([{"name": p.name, "width": p.width} for p in circuit.inputs]),
        "outputs": json.dumps([{"name": p.name, "width": p.width} for p in circuit.outputs]),
        "bit_order": "LSB first: column i of a port's [batch, width] tensor is bit i, "
                     "column 0 the least significant; logic 0 is 0.0, logic 1 is 1.0",
        "mode": (f"{mode}: " + ("gates pass sigmoid values on unthresholded; outputs are "
                                "analog, threshold them at 0.5" if mode == "analog" else
                                "every gate output is thresholded at 0.5 (> 0.5 is 1)")),
        "dtype": dtype,
        "gates": str(len(circuit.gates)),
        "depth": str(circuit.depth),
        "primitives": json.dumps(prims),
        "guarantee": text,
        "certified_delta": "" if g["delta"] is None else f"{g['delta']:g}",
    }
    registers = tuple(getattr(circuit, "registers", ()))
    if registers:
        regs, offset = [], 0
        for r in registers:
            regs.append({"name": r.name, "width": r.width, "offset": offset, "init": r.init})
            offset += r.width
        meta["state"] = json.dumps({
            "input": STATE_INPUT, "output": STATE_OUTPUT, "width": offset, "registers": regs,
            "clock": "one clock, rising edge; the graph is one cycle: feed each port's row "
                     f"of the cycle and the registers' bits as {STATE_INPUT} (column offset+i "
                     "is bit i of a register; start from every register's init), read the "
                     f"outputs (sampled before the edge), and feed {STATE_OUTPUT}, thresholded "
                     f"at 0.5 inside the graph, back as the next cycle's {STATE_INPUT}"})
    files = source_files(circuit)
    if files:
        total, each = _sources_hash(files)
        meta["sources"] = json.dumps(each)
        meta["sources_sha256"] = total
    return meta


def _sigmoid_error(dtype: str) -> float:
    from ..nn.certify import SIGMOID_ERROR

    return SIGMOID_ERROR[dtype]


class _Graph:
    """Accumulates nodes and initializers with fresh internal names (``#n``:
    no port name can start with ``#`` in any netlist format)."""

    def __init__(self, onnx, np_dtype):
        self.onnx = onnx
        self.h = onnx.helper
        self.dtype = np_dtype
        self.nodes: list = []
        self.inits: list = []
        self._n = 0
        self._consts: dict = {}

    def name(self, hint: str) -> str:
        self._n += 1
        return f"#{self._n}.{hint}"

    def const(self, value: np.ndarray, hint: str) -> str:
        value = np.asarray(value)
        key = (value.dtype.str, value.shape, value.tobytes())
        if key not in self._consts:
            n = self.name(hint)
            self.inits.append(self.onnx.numpy_helper.from_array(value, n))
            self._consts[key] = n
        return self._consts[key]

    def op(self, op_type: str, inputs: list[str], hint: str, out: str | None = None,
           **attrs) -> str:
        out = out or self.name(hint)
        self.nodes.append(self.h.make_node(op_type, inputs, [out], name=out, **attrs))
        return out


def build_model(circuit, nets: dict, mode: str = "analog", dtype: str = "float32"):
    """The ONNX model (an ``onnx.ModelProto``) of ``circuit`` run through ``nets``.

    Parameters
    ----------
    circuit : Circuit
    nets : dict
        Primitive name -> trained :class:`~circuitnn.nn.GateNet`.
    mode : {"analog", "digital"}
    dtype : {"float32", "float64"}

    Examples
    --------
    >>> from circuitnn.library import half_adder
    >>> ha = half_adder().compile()
    >>> model = build_model(ha.circuit, ha.nets)
    >>> [i.name for i in model.graph.input], [o.name for o in model.graph.output]
    (['a', 'b'], ['sum', 'carry'])
    >>> len(model.graph.node)
    17
    """
    onnx = require_onnx()
    if mode not in ("analog", "digital"):
        raise UsageError(f"mode {mode!r} is not known; use 'analog' or 'digital'")
    dtype = str(np.dtype(dtype))
    if dtype not in _DTYPES:
        raise UsageError(f"dtype {dtype!r} is not supported; use float32 or float64")
    missing = [p for p in circuit.primitives if p not in nets]
    if missing:
        raise UsageError(f"no trained net for primitive(s) {', '.join(missing)}")
    ports = [p.name for p in circuit.inputs + circuit.outputs]
    for reserved in (STATE_INPUT, STATE_OUTPUT):
        if reserved in ports:
            raise UsageError(f"port {reserved!r} clashes with the name the ONNX model gives "
                             "its register state; rename the port")
    registers = tuple(getattr(circuit, "registers", ()))
    state_q = [int(s) for r in registers for s in r.q]
    state_next = [int(s) for r in registers for s in r.next]
    if not circuit.inputs and not registers:
        raise UsageError(f"{circuit.name!r} has no input port; an ONNX model takes its batch "
                         "size from its inputs")

    np_dtype = np.dtype(dtype)
    elem = onnx.helper.np_dtype_to_tensor_dtype(np_dtype)
    g = _Graph(onnx, np_dtype)
    # where each signal's values are: (tensor, row) of a tensor shaped (rows, batch)
    where: dict[int, tuple[str, int]] = {}
    sizes: dict[str, int] = {}
    for p in circuit.inputs:
        t = g.op("Transpose", [p.name], f"{p.name}.T", perm=[1, 0])
        where.update((s, (t, i)) for i, s in enumerate(p.signals))
        sizes[t] = p.width
    if registers:
        t = g.op("Transpose", [STATE_INPUT], "state.T", perm=[1, 0])
        where.update((s, (t, i)) for i, s in enumerate(state_q))
        sizes[t] = len(state_q)
    reads = {int(s) for groups in circuit.levels for grp in groups for s in grp.ins.ravel()}
    reads.update(int(s) for s in circuit.output_signals)
    reads.update(state_next)
    if reads & {0, 1}:
        first = circuit.inputs[0].name if circuit.inputs else STATE_INPUT
        batch = g.op("Shape", [first], "batch", start=0, end=1)
        shape = g.op("Concat", [g.const(np.array([2]), "two"), batch], "const.shape", axis=0)
        zeros = g.op("ConstantOfShape", [shape], "zeros",
                     value=onnx.numpy_helper.from_array(np.array([0], np_dtype)))
        consts = g.op("Add", [zeros, g.const(np.array([[0], [1]], np_dtype), "levels")],
                      "consts")
        where[0], where[1] = (consts, 0), (consts, 1)
        sizes[consts] = 2

    def collect(signals: np.ndarray, hint: str) -> str:
        """A tensor ``signals.shape + (batch,)`` of the signals' values: one
        Gather from each tensor they live in, and a Concat and a reordering
        Gather when there are several."""
        flat = [where[int(s)] for s in signals.ravel()]
        tensors = list(dict.fromkeys(t for t, _ in flat))
        if len(tensors) == 1:
            rows = np.array([r for _, r in flat], np.int64).reshape(signals.shape)
            if rows.ndim == 1 and np.array_equal(rows, np.arange(sizes[tensors[0]])):
                return tensors[0]
            return g.op("Gather", [tensors[0], g.const(rows, f"{hint}.rows")], hint, axis=0)
        parts, local, base = [], {}, 0
        for t in tensors:
            rows = sorted({r for u, r in flat if u == t})
            if rows == list(range(sizes[t])):
                parts.append(t)
            else:
                parts.append(g.op("Gather", [t, g.const(np.array(rows, np.int64),
                                                        f"{hint}.rows")], f"{hint}.part",
                                  axis=0))
            local.update(((t, r), base + i) for i, r in enumerate(rows))
            base += len(rows)
        joined = g.op("Concat", parts, f"{hint}.joined", axis=0)
        order = np.array([local[f] for f in flat], np.int64).reshape(signals.shape)
        if order.ndim == 1 and np.array_equal(order, np.arange(base)):
            return joined
        return g.op("Gather", [joined, g.const(order, f"{hint}.order")], hint, axis=0)

    layers = {name: [(g.const(np.ascontiguousarray(W.T).astype(np_dtype), f"{name}.W{i}"),
                      g.const(np.asarray(b, np_dtype)[:, None], f"{name}.b{i}"))
                     for i, (W, b) in enumerate(zip(nets[name].weights, nets[name].biases))]
              for name in circuit.primitives}
    for li, groups in enumerate(circuit.levels):
        if len(groups) > 1:
            # the level's groups share one gather from each tensor they read
            needed = np.array(sorted({int(s) for grp in groups for s in grp.ins.ravel()}))
            level_in = collect(needed, f"L{li}.in")
            sizes[level_in] = len(needed)
            pos = {int(s): i for i, s in enumerate(needed)}
        outs = []
        for grp in groups:
            k, n_gates = grp.ins.shape
            m = grp.outs.shape[0]
            hint = f"L{li}.{grp.prim}"
            if len(groups) > 1:
                idx = np.vectorize(pos.__getitem__, otypes=[np.int64])(grp.ins)
                x = g.op("Gather", [level_in, g.const(idx, f"{hint}.ins")], f"{hint}.pins",
                         axis=0)
            else:
                x = collect(grp.ins, f"{hint}.pins")
            x = g.op("Reshape", [x, g.const(np.array([k, -1]), "shape")], f"{hint}.x")
            for W, b in layers[grp.prim]:
                x = g.op("Gemm", [W, x, b], f"{hint}.s")
                x = g.op("Sigmoid", [x], f"{hint}.z")
            y = g.op("Reshape", [x, g.const(np.array([m * n_gates, -1]), "shape")],
                     f"{hint}.out")
            if mode == "digital":
                y = g.op("Greater", [y, g.const(np.array(0.5, np_dtype), "half")],
                         f"{hint}.bit")
                y = g.op("Cast", [y], f"{hint}.digital", to=elem)
            sizes[y] = m * n_gates
            where.update((int(s), (y, i)) for i, s in enumerate(grp.outs.ravel()))
            outs.append(y)

    outputs = []
    for p in circuit.outputs:
        rows = collect(np.array(p.signals, np.int64), f"{p.name}.rows")
        g.op("Transpose", [rows], p.name, out=p.name, perm=[1, 0])
        outputs.append(onnx.helper.make_tensor_value_info(p.name, elem, ["batch", p.width]))
    inputs = [onnx.helper.make_tensor_value_info(p.name, elem, ["batch", p.width])
              for p in circuit.inputs]
    if registers:
        # the registers load bits: what they load is thresholded inside the graph
        nxt = collect(np.array(state_next, np.int64), "next")
        nxt = g.op("Greater", [nxt, g.const(np.array(0.5, np_dtype), "half")], "next.bit")
        nxt = g.op("Cast", [nxt], "next.digital", to=elem)
        g.op("Transpose", [nxt], STATE_OUTPUT, out=STATE_OUTPUT, perm=[1, 0])
        width = len(state_q)
        inputs.append(onnx.helper.make_tensor_value_info(STATE_INPUT, elem, ["batch", width]))
        outputs.append(onnx.helper.make_tensor_value_info(STATE_OUTPUT, elem, ["batch", width]))

    meta = metadata(circuit, nets, mode, dtype)
    graph = onnx.helper.make_graph(g.nodes, circuit.name, inputs, outputs, g.inits,
                                   doc_string=f"circuitnn: {circuit.name} through its trained "
                                              f"gate nets ({mode}, {dtype}). "
                                              + meta["guarantee"])
    model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", OPSET)],
                                   producer_name="circuitnn",
                                   producer_version=meta["circuitnn.version"])
    model.ir_version = 8  # the IR of opset 17: runtimes from onnxruntime 1.14 on load it
    onnx.helper.set_model_props(model, meta)
    return model


def to_onnx(circuit, nets: dict, path: str | os.PathLike, mode: str = "analog",
            dtype: str = "float32"):
    """Write ``circuit`` through ``nets`` as an ONNX model file at ``path``.

    The file is written next to ``path`` under a temporary name and renamed
    into place, so an interrupted export leaves no partial model.  Returns
    the ``onnx.ModelProto``; ``onnx.checker`` has accepted it.

    Examples
    --------
    >>> import tempfile
    >>> import onnxruntime as ort
    >>> from circuitnn.library import full_adder
    >>> fa = full_adder().compile()
    >>> out = Path(tempfile.mkdtemp()) / "full_adder.onnx"
    >>> _ = to_onnx(fa.circuit, fa.nets, out)
    >>> sess = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    >>> ones = np.ones((1, 1), np.float32)
    >>> s, cout = sess.run(["sum", "cout"], {"a": ones, "b": ones, "cin": ones})
    >>> int(s[0, 0] > 0.5), int(cout[0, 0] > 0.5)
    (1, 1)
    """
    onnx = require_onnx()
    model = build_model(circuit, nets, mode, dtype)
    onnx.checker.check_model(model, full_check=True)
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(model.SerializeToString())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 would be surprising for an output
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return model


def feed(circuit, bits: np.ndarray, dtype: str = "float32") -> dict[str, np.ndarray]:
    """The model's inputs for input bits ``(input bits, vectors)``: one
    ``[vectors, width]`` array per input port, bit 0 first.

    Examples
    --------
    >>> from circuitnn import load_circuit
    >>> c = load_circuit("circuits/full_adder.yaml")
    >>> {k: v.tolist() for k, v in feed(c, np.array([[1, 0], [1, 1], [0, 1]])).items()}
    {'a': [[1.0], [0.0]], 'b': [[1.0], [1.0]], 'cin': [[0.0], [1.0]]}
    """
    out, row = {}, 0
    for p in circuit.inputs:
        out[p.name] = np.ascontiguousarray(np.asarray(bits[row:row + p.width]).T, dtype=dtype)
        row += p.width
    return out


def run_session(session, circuit, inputs: dict[str, np.ndarray],
                chunk: int = 65_536) -> np.ndarray:
    """Run an onnxruntime session on ``inputs`` (see :func:`feed`) in chunks
    of ``chunk`` vectors: analog outputs ``(output bits, vectors)``, in the
    neural engine's layout.  Chunks bound the runtime's memory, as the
    neural engine's memory budget does.

    Examples
    --------
    >>> import onnxruntime as ort
    >>> from circuitnn.library import half_adder
    >>> ha = half_adder().compile()
    >>> model = build_model(ha.circuit, ha.nets)
    >>> sess = ort.InferenceSession(model.SerializeToString(),
    ...                             providers=["CPUExecutionProvider"])
    >>> c = ha.circuit
    >>> out = run_session(sess, c, feed(c, np.array([[0, 1, 1], [1, 0, 1]])), chunk=2)
    >>> (out > 0.5).astype(int).tolist()
    [[1, 1, 0], [0, 0, 1]]
    """
    n = len(next(iter(inputs.values())))
    names = [p.name for p in circuit.outputs]
    parts = []
    for lo in range(0, n, chunk):
        got = session.run(names, {k: v[lo:lo + chunk] for k, v in inputs.items()})
        parts.append(np.concatenate([o.T for o in got]))
    return np.concatenate(parts, axis=1)
