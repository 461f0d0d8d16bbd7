"""The fused neural kernel, the default engine: every gate's trained net,
evaluated in one compiled loop over cache-sized blocks of vectors.

:class:`KernelEngine` has the interface of :class:`~circuitnn.run.neural.NeuralEngine`
(analog and digital modes, float32 and float64, probing) and computes the
same function: each gate's sigmoid layers with its trained weights.  The
loop is ``_native.c``, compiled once per machine by the system's C compiler
and loaded with ctypes (``_native.py``).  Without a compiler, or when the
build fails, the numpy engine does the work.

Whether a call uses the compiled kernel is a rent-or-buy decision on its
predicted numpy time (or the time the process has already spent in numpy).
Loading the built C library costs about 10 ms of wall time (1 ms of
CPU); building it costs about 2.5 s once per machine, and is done by the
first run worth a tenth of a second of numpy.  So a small run loads
nothing, a 100k-vector run uses the C library, and a warm process loops in
microseconds.
"""

from __future__ import annotations

import functools
import math
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..compile import Circuit
from ..errors import UsageError
from .neural import NeuralEngine
from .plan import Plan

#: exp2 on [-1/2, 1/2] in float32: degree 6, fitted for relative error.
EXP2_F32 = (1.0, 0.6931471824645996, 0.24022646248340607, 0.05550328642129898,
             0.009618489071726799, 0.0013399930903688073, 0.00015345810970757157)
#: exp2 on [-1/2, 1/2] in float64: the Taylor series to degree 13.
EXP2_F64 = tuple(math.log(2) ** i / math.factorial(i) for i in range(14))


def _unit_roundoff(dtype) -> float:
    return float(np.finfo(dtype).eps) / 2


def exp2_error(dtype) -> float:
    """A bound on the relative error of the kernel's ``2**s`` in ``dtype``.

    The polynomial's own error on ``[-1/2, 1/2]`` (below 2e-9 in float32 and
    5e-18 in float64) plus Horner's rounding, at most ``2d`` roundings each
    relative to ``p(|f|) / 2**f <= 2`` for positive coefficients, plus the
    final product; scaling by ``2**n`` is exact.

    Examples
    --------
    >>> f"{exp2_error(np.float32):.2e}"
    '1.49e-06'
    """
    u = _unit_roundoff(dtype)
    degree, fit = (6, 2e-9) if np.dtype(dtype) == np.float32 else (13, 5e-18)
    horner = 2 * degree * u / (1 - 2 * degree * u)
    return fit + 2 * horner + u


def sigmoid_error(dtype) -> float:
    """A bound on the absolute error of the kernel's sigmoid ``1 / (1 + 2**s)``
    for a given ``s``: a relative error ``eps`` in ``2**s`` moves the sigmoid
    by at most ``eps / 4`` (``|dy / d ln E| = y (1 - y) <= 1/4``), and the
    addition and the IEEE division round twice.

    This is the ``sigmoid_error`` of
    :func:`~circuitnn.nn.certify.runtime_certificate`: the kernel is one more
    runtime whose arithmetic the certificate must cover.

    Examples
    --------
    >>> f"{sigmoid_error(np.float32):.2e}", f"{sigmoid_error(np.float64):.1e}"
    ('4.92e-07', '1.7e-15')
    """
    u = _unit_roundoff(dtype)
    eps = exp2_error(dtype)
    # the smallest normal number covers 2**s flushed to zero below 2**-126
    return eps / 4 * (1 + eps) + 2 * u * (1 + u) + float(np.finfo(dtype).tiny)


def build_program(plan: Plan, nets: dict, dtype) -> tuple[np.ndarray, np.ndarray]:
    """The plan and the nets as two flat arrays, the kernel's whole input."""
    dtype = np.dtype(dtype)
    scale = -np.log2(np.e)
    ints: list[int] = [plan.n_slots, len(plan.steps), 0, 0, 0]
    params: list[np.ndarray] = []
    n_params = 0
    where: dict[str, int] = {}
    width = 0
    for step in plan.steps:
        if step.prim in where:
            continue
        net = nets[step.prim]
        where[step.prim] = len(ints)
        ints.append(len(net.weights))
        for li, (W, b) in enumerate(zip(net.weights, net.biases)):
            Wt = np.ascontiguousarray(scale * np.asarray(W, float).T)
            ints += [W.shape[0], W.shape[1], n_params, n_params + Wt.size]
            params += [Wt.ravel(), scale * np.asarray(b, float).ravel()]
            n_params += Wt.size + W.shape[1]
            if li < len(net.weights) - 1:
                width = max(width, W.shape[1])
    pins = max((st.ins.shape[0] for st in plan.steps), default=1)
    ints[2], ints[3], ints[4] = width, len(ints), pins
    for step in plan.steps:
        k, g = step.ins.shape
        ints += [where[step.prim], g, k, step.outs.shape[0]]
        ints += step.ins.ravel().tolist() + step.outs.ravel().tolist()
    prog = np.array(ints, np.int64)
    flat = np.concatenate(params).astype(dtype) if params else np.zeros(0, dtype)
    return prog, flat


#: Seconds to load the built C library (ctypes, dlopen, its cache key).
NATIVE_LOAD_SECONDS = 0.01
#: Numpy seconds a call must be worth to build the C library (about 2.5 s
#: of cc, once per machine): the build is an investment for every later
#: process, which then loads it in 10 ms, so it is made by the first run that
#: would save this much, and pays back within about 25 such runs.
NATIVE_BUILD_SECONDS = 0.1
#: Gate evaluations per second assumed of the numpy engine (a fast machine's).
NUMPY_RATE = 1.5e8
#: Below this many gate evaluations a call runs on one thread.
THREAD_WORK = 1_000_000
#: Calls with at most this many vectors evaluate one vector at a time.
FEW_VECTORS = 2

_rented_seconds = 0.0  # numpy-engine time this process spent while the kernel was not loaded
_pool: tuple[int, ThreadPoolExecutor] | None = None  # (pid, helper threads)


def _in_threads(tasks: list) -> None:
    """Run ``tasks`` (callables) at once: the first on this thread, the
    others on helper threads kept for the process (starting a thread costs
    about 0.1-0.5 ms, a clocked window a few ms).  The C calls release the GIL."""
    global _pool
    if len(tasks) == 1:
        tasks[0]()
        return
    if _pool is None or _pool[0] != os.getpid():  # a forked child has no threads
        _pool = (os.getpid(), ThreadPoolExecutor(thread_name_prefix="circuitnn-kernel"))
    helpers = [_pool[1].submit(task) for task in tasks[1:]]
    tasks[0]()
    for h in helpers:
        h.result()


def kernel_available() -> bool:
    """Whether the compiled kernel is loaded, built, or can be built here (a
    C compiler, and ``CIRCUITNN_NATIVE`` not set to 0).

    Examples
    --------
    >>> isinstance(kernel_available(), bool)
    True
    """
    from . import _native

    return _native.state() != "unavailable"


def rent(seconds: float) -> None:
    """Count ``seconds`` spent in a fallback engine towards loading the kernel
    (for callers that run the numpy or scalar engine themselves).

    Examples
    --------
    >>> rent(0.0)
    """
    global _rented_seconds
    _rented_seconds += seconds


def native_pays(spent: float, state: str, forced: bool = False) -> bool:
    """Whether to use the C library for a call worth ``spent`` seconds of
    numpy, given its ``state`` (see ``_native.state``): yes once that time
    exceeds what loading it (or first building it) costs, or when ``forced``.

    Examples
    --------
    >>> native_pays(0.005, "built"), native_pays(0.05, "built"), native_pays(0.05, "buildable")
    (False, True, False)
    >>> native_pays(0.2, "buildable"), native_pays(3.0, "unavailable", forced=True)
    (True, False)
    """
    cost = {"loaded": 0.0, "built": NATIVE_LOAD_SECONDS,
            "buildable": NATIVE_BUILD_SECONDS}.get(state)
    return cost is not None and (forced or spent >= cost)


def _pick(seconds: float, rented: float, forced: bool = False):
    """The compiled kernel (the loaded ``_native`` module) if a call worth
    ``seconds`` of the numpy engine, after ``rented`` seconds spent in it,
    should use it (:func:`native_pays`), else None (the numpy engine);
    ``forced`` takes it whenever it can be had."""
    native = sys.modules.get(f"{__package__}._native")
    if native is not None and native.state() == "loaded":
        return native
    spent = max(seconds, rented)
    # the state costs a file hash: asked only of calls that may use it
    if forced or spent >= NATIVE_LOAD_SECONDS:
        from . import _native

        if native_pays(spent, _native.state(), forced):
            return _native.load()
    return None


NEEDS = "the compiled kernel needs a C compiler (cc, or set $CC) that can build it"


def certificate_holds(net, tt, dtype) -> bool:
    """Whether ``net``'s certificate (at its ``delta``) survives the kernel's
    arithmetic in ``dtype``: its margin plus the runtime error bound
    (:func:`~circuitnn.nn.certify.runtime_certificate` with the kernel's
    :func:`sigmoid_error`) is at most ``delta``.

    The boxes are not widened (``eta = 0``): the kernel's sigmoid never
    leaves ``[0, 1]``, since it divides 1 by a number at least 1 in IEEE
    arithmetic (the kernel is compiled without approximate reciprocals).

    Examples
    --------
    >>> from circuitnn.ir.primitives import STANDARD
    >>> from circuitnn.nn import train
    >>> certificate_holds(train(STANDARD["XOR2"]), STANDARD["XOR2"], np.float32)
    True
    """
    from ..nn.certify import runtime_certificate

    dtype = np.dtype(dtype)
    cert = runtime_certificate(net, tt, net.delta, dtype.name, eta=0.0,
                               sigmoid_error=sigmoid_error(dtype))
    return cert["slack"] >= 0


def safe_dtype(circuit: Circuit, nets: dict, dtype) -> np.dtype:
    """``dtype``, or float64 when some certified net's certificate does not
    survive the kernel's arithmetic in ``dtype`` (:func:`certificate_holds`).

    Examples
    --------
    >>> from circuitnn.library import half_adder
    >>> ha = half_adder().compile()
    >>> safe_dtype(ha.circuit, ha.nets, np.float32)
    dtype('float32')
    """
    dtype = np.dtype(dtype)
    if dtype == np.float64:
        return dtype
    for name, tt in circuit.primitives.items():
        net = nets[name]
        if net.delta is not None and not certificate_holds(net, tt, dtype):
            return np.dtype(np.float64)
    return dtype


class KernelEngine:
    """Propagates values through each gate's trained net in one compiled loop.

    Parameters
    ----------
    circuit : Circuit
    nets : dict
        Primitive name -> trained :class:`~circuitnn.nn.GateNet`.
    mode : {"analog", "digital"}
        ``analog`` passes sigmoid outputs on as they are; ``digital``
        thresholds every gate output at 0.5.
    dtype : numpy dtype
        float32 by default, or float64.  float32 is raised to float64 when a
        net's certificate does not cover float32's error (:func:`safe_dtype`);
        no standard gate needs it.
    keep_all : bool
        Keep every signal, for ``run(..., probe=True)``.
    threads : int
        Threads over vector ranges for large calls (the kernel releases the GIL).
    compiled : bool or None
        True: always the compiled kernel (a C compiler is needed);
        False: always the numpy engine; None (default): the compiled kernel
        once it pays for its loading time (see the module's docstring).
    block : int
        Vectors per block; a block's signal values stay in cache.

    Examples
    --------
    >>> from circuitnn.library import half_adder
    >>> ha = half_adder().compile()
    >>> engine = KernelEngine(ha.circuit, ha.nets)
    >>> (engine.run(np.array([[0, 0, 1, 1], [0, 1, 0, 1]])) > 0.5).astype(int).tolist()
    [[0, 1, 1, 0], [0, 0, 0, 1]]
    """

    def __init__(self, circuit: Circuit, nets: dict, mode: str = "analog",
                 dtype=np.float32, keep_all: bool = False, threads: int | None = None,
                 compiled: bool | None = None, block: int = 256):
        if mode not in ("analog", "digital"):
            raise UsageError(f"mode {mode!r} is not known; use 'analog' or 'digital'")
        missing = [p for p in circuit.primitives if p not in nets]
        if missing:
            raise UsageError(f"no trained net for primitive(s) {', '.join(missing)}")
        if compiled and not kernel_available():
            raise UsageError(NEEDS)
        self.circuit = circuit
        self.nets = nets
        self.mode = mode
        self.dtype = safe_dtype(circuit, nets, dtype)
        self.keep_all = keep_all
        self.threads = threads if threads is not None else min(2, os.cpu_count() or 1)
        self.compiled = compiled
        self.block = block
        self.plan = Plan.build(circuit, keep_all=keep_all)
        self.prog, self.params = build_program(self.plan, nets, self.dtype)
        self._numpy: NeuralEngine | None = None
        self._step_buffers = threading.local()
        self._native = None
        self._codec = None
        self._expected = 0

    def __repr__(self) -> str:
        return (f"KernelEngine({self.circuit.name}: {len(self.circuit.gates)} gates, "
                f"{self.mode}, {self.dtype.name})")

    @property
    def numpy_engine(self) -> NeuralEngine:
        """The numpy engine on the same circuit and nets: fallback and reference."""
        if self._numpy is None:
            self._numpy = NeuralEngine(self.circuit, self.nets, mode=self.mode,
                                       dtype=self.dtype, keep_all=self.keep_all,
                                       threads=self.threads)
        return self._numpy

    def _kernel(self, work: float):
        """The compiled module if this call should use it, else None."""
        work = max(work, self._expected * len(self.circuit.gates))
        return self.kernel_for(work / NUMPY_RATE)

    def kernel_for(self, seconds: float):
        """The compiled kernel (the ``_native`` module) if work that would take
        ``seconds`` in the numpy engine should use it (see the module's
        docstring), else None; None always when there is none or
        ``compiled`` is False."""
        if self._native is not None or self.compiled is False:
            return self._native
        self._native = _pick(seconds, _rented_seconds, bool(self.compiled))
        if self._native is None and self.compiled:
            raise UsageError(NEEDS)
        return self._native

    def expect(self, n_vectors: int) -> None:
        """Announce that about ``n_vectors`` vectors will follow, in calls of
        any size (a streamed run's chunks): whether to load the kernel is then
        decided on the whole work, not on each chunk's."""
        self._expected = max(self._expected, n_vectors)

    def run(self, inputs: np.ndarray, probe: bool = False):
        """Analog output values, ``(output bits, vectors)``, for input bits
        ``(input bits, vectors)`` (0/1, or analog values in [0, 1]).  With
        ``probe`` also returns every signal's value (``(signals, vectors)``;
        needs ``keep_all=True``)."""
        inputs = np.asarray(inputs)
        n_vec = inputs.shape[1]
        lib = self._kernel(float(n_vec) * len(self.circuit.gates))
        if lib is None:
            start = time.perf_counter()
            got = self.numpy_engine.run(inputs, probe=probe)
            rent(time.perf_counter() - start)
            return got
        inputs = np.ascontiguousarray(
            inputs, self.dtype if inputs.dtype.kind == "f" else np.uint8)
        if probe:
            live = np.flatnonzero(self.plan.signal_slots >= 0)
            out_slots = self.plan.signal_slots[live]
        else:
            out_slots = self.plan.output_slots
        out = np.empty((len(out_slots), n_vec), self.dtype)
        digital = self.mode == "digital"
        if n_vec <= FEW_VECTORS:
            lib.run_each(self.prog, self.params, self.plan.input_slots, inputs, out_slots, out,
                         0, n_vec, digital)
        else:
            self._run_blocks(lib, inputs, out_slots, out, digital)
        if probe:
            every = np.empty((self.circuit.n_signals, n_vec), self.dtype)
            every[live] = out
            return every[self.circuit.output_signals], every
        return out

    def call(self, values) -> list[int]:
        """One vector: an integer per input port (in port order, each in range,
        ports up to 64 bits) -> an integer per output port, thresholded at 0.5.

        The per-call path of a warm process: everything but the arithmetic is
        a few numpy operations on arrays prepared once.

        Examples
        --------
        >>> from circuitnn.library import half_adder
        >>> ha = half_adder().compile()
        >>> KernelEngine(ha.circuit, ha.nets).call([1, 1])
        [0, 1]
        """
        if self._codec is None:
            ins, outs = self.circuit.inputs, self.circuit.outputs
            if max((p.width for p in ins + outs), default=0) > 64:
                raise UsageError("call() takes ports of up to 64 bits; use run() for wider ones")
            self._codec = (
                np.repeat(np.arange(len(ins)), [p.width for p in ins]),
                np.concatenate([np.arange(p.width, dtype=np.uint64) for p in ins] or [[]])
                .astype(np.uint64),
                np.concatenate([np.uint64(1) << np.arange(p.width, dtype=np.uint64)
                                for p in outs] or [[]]).astype(np.uint64),
                np.cumsum([0] + [p.width for p in outs[:-1]]),
            )
        port, shift, weight, starts = self._codec
        bits = ((np.array(values, np.uint64)[port] >> shift) & np.uint64(1)).astype(np.uint8)
        lib = self._native or self._kernel(len(self.circuit.gates))
        if lib is None:
            out = self.run(bits[:, None])
        else:
            out = np.empty((len(weight), 1), self.dtype)
            lib.run_each(self.prog, self.params, self.plan.input_slots, bits[:, None],
                         self.plan.output_slots, out, 0, 1, self.mode == "digital")
        if not len(weight):
            return []
        return np.add.reduceat((out[:, 0] > 0.5) * weight, starts).tolist()

    def run_cycles(self, lib, inputs: np.ndarray, state: np.ndarray, analog: int | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
        """Clocked cycles in the compiled kernel ``lib`` (from :meth:`kernel_for`),
        for an engine over a circuit's step (:attr:`Circuit.step`), whose
        last ``state.shape[0]`` inputs are the registers and last outputs what
        they load.

        ``inputs`` are bits ``(input bits, cycles, streams)``, ``state`` the
        registers' bits ``(state bits, streams)``, updated in place to the
        state after the last cycle's edge (each register loads its next value
        thresholded at 0.5).  Returns every cycle's step outputs (the
        outputs, then what the registers load) ``(step outputs, cycles,
        streams)``: the analog values of the first ``analog`` of them (None:
        all; only those are written) and the bits of all.  One stream or a
        few run on scalars, more in blocks of streams that stay in cache from
        cycle to cycle.
        """
        _, n_cycles, n_streams = inputs.shape
        plan, digital = self.plan, self.mode == "digital"
        n_step = len(plan.output_slots)
        n_analog = n_step if analog is None else analog
        if n_cycles == 1 and n_streams <= FEW_VECTORS:
            # one cycle (Clocked.step): buffers kept per thread, whose addresses
            # the C build has cached, and the results copied out
            key = (n_streams, n_analog)
            bufs = getattr(self._step_buffers, "by", {}).get(key)
            if bufs is None:
                bufs = (np.empty(inputs.shape, np.uint8),
                        np.empty((n_analog, 1, n_streams), self.dtype),
                        np.empty((n_step, 1, n_streams), np.uint8))
                self._step_buffers.__dict__.setdefault("by", {})[key] = bufs
            bufs[0][...] = inputs
            lib.run_cycles_each(self.prog, self.params, plan.input_slots, *bufs[:1],
                                plan.output_slots, *bufs[1:], state, 0, n_streams, digital)
            return bufs[1].copy(), bufs[2].copy()
        if inputs.dtype != np.uint8 or not inputs.flags.c_contiguous:
            inputs = np.ascontiguousarray(inputs, np.uint8)
        out = np.empty((n_analog, n_cycles, n_streams), self.dtype)
        bits = np.empty((n_step, n_cycles, n_streams), np.uint8)
        if n_streams <= FEW_VECTORS:
            lib.run_cycles_each(self.prog, self.params, plan.input_slots, inputs,
                                plan.output_slots, out, bits, state, 0, n_streams, digital)
            return out, bits
        args = (self.prog, self.params, plan.input_slots, inputs, plan.output_slots, out, bits,
                state)
        block = min(self.block, n_streams)
        # the copies in and out cost about as much as a gate per row
        rows = len(plan.input_slots) + len(plan.output_slots)
        work = n_cycles * n_streams * (len(self.circuit.gates) + rows)
        threads = self.threads if work >= THREAD_WORK and n_streams > block else 1
        # blocks are handed out one at a time: a thread that gets less of the
        # machine (others' work) does fewer of them
        starts = iter(range(0, n_streams, block))
        lock = threading.Lock()

        def work_on_blocks() -> None:
            while True:
                with lock:
                    lo = next(starts, None)
                if lo is None:
                    return
                lib.run_cycles(*args, lo, min(n_streams, lo + block), block, digital)

        _in_threads([work_on_blocks] * threads)
        return out, bits

    def stepper(self, lib, inputs: np.ndarray, state: np.ndarray, pool: np.ndarray,
                out: int, n_analog: int, ins: int, before: int, bits: int):
        """One clocked cycle of a few streams prepared for repeated calls
        (``Clocked.step``): ``lib.Stepper`` over this engine's program, for
        ``inputs`` ``(input bits, streams)`` and the registers' ``state``
        (updated at the edge), writing each cycle into the next slot of
        ``pool`` (the byte offsets of the values kept, the inputs, the state
        before the edge and the bits in a slot)."""
        return lib.Stepper(self.prog, self.params, self.plan.input_slots,
                           self.plan.output_slots, inputs, state, pool, self.dtype, out,
                           n_analog, ins, before, bits, self.mode == "digital")

    def _run_blocks(self, lib, inputs, out_slots, out, digital) -> None:
        n_vec = inputs.shape[1]
        block = min(self.block, n_vec)

        def work(lo: int, hi: int) -> None:
            lib.run_range(self.prog, self.params, self.plan.input_slots, inputs, out_slots, out,
                          lo, hi, block, digital)

        threads = self.threads if n_vec * len(self.circuit.gates) >= THREAD_WORK else 1
        share = -(-n_vec // (threads * block)) * block
        _in_threads([functools.partial(work, lo, min(n_vec, lo + share))
                     for lo in range(0, n_vec, share)])
