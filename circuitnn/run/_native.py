"""The fused kernel, compiled ahead of time by the system's C compiler and
loaded with ctypes: ``run_range`` and ``run_each`` (combinational),
``run_cycles`` and ``run_cycles_each`` (clocked), and ``exp2`` (the
kernel's exponential over an array, for its error bound's test).

Why C compiled ahead of time: a shared library built once per machine
(about 2.5 s of ``cc``) loads in about a millisecond of CPU, so even a short
process gets the kernel.  A JIT compiler's import and cached kernel cost
about a second of CPU per process (measured; docs/certification.md), more
than a 100k-vector run spends on everything else, for the same throughput.

The library is cached in the model store's folder (``kernel/``), keyed by a
hash of the C source, the coefficients, the compiler flags and the CPU (it
is built for the host's instruction set).  No compiler, or a failed build,
and the engine runs the numpy engine instead.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import numpy as np

from .kernel import EXP2_F32, EXP2_F64

SOURCE = Path(__file__).with_name("_native.c")
#: No -ffast-math: divisions stay IEEE and sums keep their order (only
#: contraction into FMA, which docs/certification.md allows for).
FLAGS = ("-O3", "-std=c99", "-fPIC", "-shared", "-fno-math-errno", "-fno-trapping-math",
         "-ffp-contract=fast")
_VARIANTS = (("f32_u8", "float", "uint8_t", "exp2_f32"), ("f32_f", "float", "float", "exp2_f32"),
             ("f64_u8", "double", "uint8_t", "exp2_f64"),
             ("f64_f", "double", "double", "exp2_f64"))

_lib = None
_failed = False


def source() -> str:
    """The translation unit: coefficients, then the body once per variant."""
    body = SOURCE.read_text()
    head = [f"#define A{i} {float(np.float32(c)).hex()}f" for i, c in enumerate(EXP2_F32)]
    head += [f"#define B{i} {float(c).hex()}" for i, c in enumerate(EXP2_F64)]
    parts = ["\n".join(head)]
    for suffix, real, in_t, exp2 in _VARIANTS:
        parts.append(f"#define SUFFIX {suffix}\n#define REAL {real}\n#define IN_T {in_t}\n"
                     f"#define EXP2 {exp2}\n{body}\n#undef SUFFIX\n#undef REAL\n#undef IN_T\n"
                     "#undef EXP2")
    return "\n".join(parts) + "\n"


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            return next((line for line in f if line.startswith(("flags", "Features"))), "")
    except OSError:
        import platform

        return platform.machine() + platform.processor()


def library_path(text: str | None = None) -> Path:
    """Where this machine's build of ``text`` (default: :func:`source`) lives."""
    from ..store import default_root

    digest = hashlib.sha256()
    for part in (text or source(), " ".join(FLAGS), _cpu(), sys.platform):
        digest.update(part.encode() + b"\0")
    return default_root() / "kernel" / f"fused-{digest.hexdigest()[:24]}.so"


def compiler() -> str | None:
    """The C compiler: ``$CC`` or ``cc``, None when there is none."""
    import shutil

    return shutil.which(os.environ.get("CC", "cc"))


def build(path: Path, text: str) -> bool:
    """Compile ``text`` into ``path`` (atomically); False when it fails,
    remembered in ``<path>.fail`` so later processes do not retry.  A folder
    that cannot be written (a read-only store) is a failure too: the engine
    then runs without the C build, as it would without a compiler."""
    import subprocess
    import tempfile

    cc = compiler()
    if cc is None:
        return False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
            src, out = Path(tmp) / "fused.c", Path(tmp) / "fused.so"
            src.write_text(text)
            for arch in (["-march=native"], []):
                run = subprocess.run([cc, *FLAGS, *arch, str(src), "-o", str(out), "-lm"],
                                     capture_output=True, text=True, check=False)
                if run.returncode == 0:
                    os.replace(out, path)
                    return True
        path.with_suffix(".fail").write_text(run.stderr)
    except OSError:
        pass
    return False


def state() -> str:
    """``"loaded"``, ``"built"`` (on disk), ``"buildable"`` or ``"unavailable"``."""
    if _lib is not None:
        return "loaded"
    if _failed or os.environ.get("CIRCUITNN_NATIVE", "1") == "0":
        return "unavailable"
    path = library_path()
    if path.is_file():
        return "built"
    if path.with_suffix(".fail").is_file() or compiler() is None:
        return "unavailable"
    return "buildable"


def load(build_if_missing: bool = True):
    """This module, with the library loaded (built first if need be and
    allowed), or None when there is no library to be had."""
    global _lib, _failed
    if _lib is not None:
        return sys.modules[__name__]
    if _failed:
        return None
    import ctypes

    text = source()
    path = library_path(text)
    if not path.is_file() and not (build_if_missing and build(path, text)):
        _failed = True
        return None
    try:
        lib = ctypes.CDLL(str(path))
    except OSError:
        _failed = True
        return None
    ptr, i64, i32 = ctypes.c_void_p, ctypes.c_int64, ctypes.c_int32
    common = [ptr, ptr, ptr, i64, ptr, i64, i64, ptr, i64, ptr, i64, i64, i64, i64]
    clocked = [ptr, ptr, ptr, i64, ptr, i64, i64, ptr, i64, ptr, i64, ptr, i64, ptr, i64, i64,
               i64]
    for suffix, *_ in _VARIANTS:
        for name, head, extra in (("run_range", common, [i64, i32]), ("run_each", common, [i32]),
                                  ("run_cycles", clocked, [i64, i32]),
                                  ("run_cycles_each", clocked, [i32])):
            fn = getattr(lib, f"{name}_{suffix}")
            fn.argtypes = head + extra
            fn.restype = ctypes.c_int
        fn = getattr(lib, f"step_cycle_{suffix}")
        fn.argtypes = [ptr]
        fn.restype = ctypes.c_int
    for real in ("f32", "f64"):
        getattr(lib, f"exp2_array_{real}").argtypes = [ptr, ptr, i64]
    _lib = lib
    return sys.modules[__name__]


#: (function name, values' dtype, inputs' dtype) -> the C function
_FUNCTIONS: dict = {}
#: id -> (array, its data pointer), for the arrays an engine passes on every
#: call (program, parameters, slots): a pointer costs microseconds to ask for
_POINTERS: dict[int, tuple[np.ndarray, int]] = {}


def _function(name: str, inputs: np.ndarray, out: np.ndarray):
    key = (name, out.dtype, inputs.dtype)
    fn = _FUNCTIONS.get(key)
    if fn is None:
        real = {np.dtype(np.float32): "f32", np.dtype(np.float64): "f64"}.get(out.dtype)
        if real is None or inputs.dtype not in (np.uint8, out.dtype):
            raise TypeError(f"inputs of {inputs.dtype} with outputs of {out.dtype}")
        kind = "u8" if inputs.dtype == np.uint8 else "f"
        fn = _FUNCTIONS[key] = getattr(_lib, f"{name}_{real}_{kind}")
    return fn


def _pointer(a: np.ndarray, dtype) -> int:
    got = _POINTERS.get(id(a))
    if got is not None and got[0] is a:
        return got[1]
    if a.dtype != dtype or not a.flags.c_contiguous:
        raise TypeError(f"expected a contiguous array of {np.dtype(dtype)}, got {a.dtype}")
    if len(_POINTERS) >= 64:
        _POINTERS.clear()
    ptr = a.ctypes.data
    _POINTERS[id(a)] = (a, ptr)
    return ptr


def _args(prog, params, in_slots, inputs, out_slots, out) -> tuple:
    isz, osz = inputs.itemsize, out.itemsize
    return (_pointer(prog, np.int64), _pointer(params, out.dtype), _pointer(in_slots, np.int64),
            len(in_slots), inputs.ctypes.data, inputs.strides[0] // isz,
            inputs.strides[1] // isz, _pointer(out_slots, np.int64), len(out_slots),
            out.ctypes.data, out.strides[0] // osz, out.strides[1] // osz)


def run_range(prog, params, in_slots, inputs, out_slots, out, lo, hi, block, digital):
    """Evaluate vectors ``lo:hi`` of ``inputs`` into ``out``, ``block`` at a time."""
    fn = _function("run_range", inputs, out)
    if fn(*_args(prog, params, in_slots, inputs, out_slots, out), lo, hi, block, digital):
        raise MemoryError("the fused kernel could not allocate its working block")


def run_each(prog, params, in_slots, inputs, out_slots, out, lo, hi, digital):
    """The same evaluation one vector at a time, for a few vectors."""
    fn = _function("run_each", inputs, out)
    if fn(*_args(prog, params, in_slots, inputs, out_slots, out), lo, hi, digital):
        raise MemoryError("the fused kernel could not allocate its working block")


def exp2(s: np.ndarray) -> np.ndarray:
    """The kernel's ``2**s``, elementwise, in ``s``'s dtype (float32 or float64).

    Examples
    --------
    >>> lib = load()
    >>> lib is None or lib.exp2(np.array([-1.0, 0.0, 3.0], np.float32)).tolist() == [0.5, 1, 8]
    True
    """
    s = np.ascontiguousarray(s)
    real = {np.dtype(np.float32): "f32", np.dtype(np.float64): "f64"}[s.dtype]
    out = np.empty_like(s)
    getattr(_lib, f"exp2_array_{real}")(s.ctypes.data, out.ctypes.data, s.size)
    return out


#: the arguments of the one-cycle calls of a clocked simulation (its buffers
#: and state are the same arrays from call to call), by the arrays' ids; the
#: arrays are kept with them, so an id is not reused while it is a key
_STEP_ARGS: dict[tuple, tuple] = {}


def _clocked_args(prog, params, in_slots, inputs, out_slots, out, bits, state) -> tuple:
    # out and bits may hold fewer rows than out_slots: the first ones, all the caller keeps
    arrays = (prog, params, in_slots, inputs, out_slots, out, bits, state)
    step = inputs.shape[1] == 1 and inputs.shape[2] <= 2
    if step:
        key = tuple(map(id, arrays))
        got = _STEP_ARGS.get(key)
        if got is not None:
            return got[1]
    for a, dtype in ((inputs, np.uint8), (out, out.dtype), (bits, np.uint8), (state, np.uint8)):
        if a.dtype != dtype or not a.flags.c_contiguous:
            raise TypeError(f"expected a contiguous array of {np.dtype(dtype)}, got {a.dtype}")
    args = (_pointer(prog, np.int64), _pointer(params, out.dtype), _pointer(in_slots, np.int64),
            len(in_slots), inputs.ctypes.data, inputs.shape[1], inputs.shape[2],
            _pointer(out_slots, np.int64), len(out_slots), out.ctypes.data, out.shape[0],
            bits.ctypes.data, bits.shape[0], state.ctypes.data, state.shape[0])
    if step:
        if len(_STEP_ARGS) >= 64:
            _STEP_ARGS.clear()
        _STEP_ARGS[key] = (arrays, args)
    return args


def run_cycles(prog, params, in_slots, inputs, out_slots, out, bits, state, lo, hi, block,
               digital):
    """Clocked: streams ``lo:hi`` for every cycle of ``inputs``, ``block`` at a
    time; ``out`` and ``bits`` receive the values and the bits of the first
    ``len(out)`` and ``len(bits)`` step outputs (what the caller keeps)."""
    fn = _function("run_cycles", inputs, out)
    if fn(*_clocked_args(prog, params, in_slots, inputs, out_slots, out, bits, state), lo, hi,
          block, digital):
        raise MemoryError("the fused kernel could not allocate its working block")


def run_cycles_each(prog, params, in_slots, inputs, out_slots, out, bits, state, lo, hi,
                    digital):
    """Clocked, one stream at a time (:func:`run_cycles` for one or a few streams)."""
    fn = _function("run_cycles_each", inputs, out)
    if fn(*_clocked_args(prog, params, in_slots, inputs, out_slots, out, bits, state), lo, hi,
          digital):
        raise MemoryError("the fused kernel could not allocate its working block")


class Stepper:
    """One clocked cycle of one or a few streams, prepared: :meth:`call`
    takes no argument (the C function's arguments are in one block of
    int64s, made once) and returns nonzero when memory ran out.

    Each call writes its cycle into the next slot of ``pool`` (``(slots,
    rows, streams)`` bytes): the values of the first ``n_analog`` step
    outputs at byte ``out``, the inputs (copied from ``inputs``) at ``ins``,
    the state before the edge at ``before`` and the bits of every step
    output at ``bits``; ``state`` is updated at the edge.  :meth:`renew`
    gives it a new pool.  The arrays are kept here, so their addresses stay
    valid.
    """

    def __init__(self, prog, params, in_slots, out_slots, inputs, state, pool, dtype,
                 out: int, n_analog: int, ins: int, before: int, bits: int, digital: bool):
        import functools

        for a, want in ((prog, np.int64), (in_slots, np.int64), (out_slots, np.int64),
                        (params, dtype), (inputs, np.uint8), (state, np.uint8)):
            if a.dtype != want or not a.flags.c_contiguous:
                raise TypeError(f"expected a contiguous array of {np.dtype(want)}, "
                                f"got {a.dtype}")
        streams = state.shape[1]
        if inputs.shape != (len(in_slots) - len(state), streams):
            raise ValueError(f"inputs of shape {inputs.shape} for {streams} streams")
        self.arrays = (prog, params, in_slots, out_slots, inputs, state)
        self.block = np.array(
            [prog.ctypes.data, params.ctypes.data, in_slots.ctypes.data, len(in_slots),
             inputs.ctypes.data, out_slots.ctypes.data, len(out_slots), out, n_analog, bits,
             len(out_slots), state.ctypes.data, len(state), before, streams, int(digital),
             0, 0, 0, ins], np.int64)
        self.renew(pool)
        fn = _function("step_cycle", inputs, np.empty(0, dtype))
        self.call = functools.partial(fn, self.block.ctypes.data)
        # the call holds the block's address: whoever keeps the call keeps the block
        self.call.stepper = self

    def renew(self, pool: np.ndarray) -> None:
        """Write the next cycles into ``pool``, from its first slot."""
        if pool.dtype != np.uint8 or not pool.flags.c_contiguous or pool.ndim != 3:
            raise TypeError("a pool is a contiguous (slots, rows, streams) array of uint8")
        self.pool = pool
        self.block[16:19] = (pool.ctypes.data, pool[0].nbytes, 0)
