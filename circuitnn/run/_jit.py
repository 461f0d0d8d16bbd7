"""The compiled half of the fused kernel (numba), imported only when a run uses it.

One generic kernel serves every circuit: the circuit, its nets and its
storage slots are data (the ``prog`` and ``params`` arrays of
:func:`circuitnn.run.kernel.build_program`), so numba compiles it once per
dtype, and caches the machine code on disk.

The sigmoid is ``1 / (1 + 2**s)`` on pre-scaled weights, and ``2**s`` is a
polynomial on ``[-1/2, 1/2]`` times ``2**n`` built from exponent bits: plain
arithmetic that the compiler turns into SIMD code, where a call to libm's
``exp2f`` would stay scalar.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import types
from numba.extending import intrinsic, overload

from .kernel import EXP2_F32, EXP2_F64

# fastmath without "arcp" and "afn": divisions stay IEEE (so a sigmoid never
# leaves [0, 1]) and the rounding analysis of docs/certification.md holds;
# "contract" lets products and sums fuse, which the analysis allows for
_FASTMATH = {"nnan", "ninf", "nsz", "contract"}
_FLAGS = dict(nogil=True, fastmath=_FASTMATH, cache=True, error_model="numpy",
              boundscheck=False)

_F = np.float32
_C32 = tuple(_F(c) for c in EXP2_F32)
_A0, _A1, _A2, _A3, _A4, _A5, _A6 = _C32
_HALF32, _ONE32, _ZERO32 = _F(0.5), _F(1.0), _F(0.0)
_CLAMP32, _BIAS32, _SCALE32 = _F(126.0), _F(127.0), _F(2.0 ** 23)
_C64 = tuple(float(c) for c in EXP2_F64)
_B0, _B1, _B2, _B3, _B4, _B5, _B6, _B7, _B8, _B9, _B10, _B11, _B12, _B13 = _C64


@intrinsic
def _as_float(typingctx, bits):
    """The float whose IEEE bits are ``bits`` (int32 -> float32, int64 -> float64)."""
    ret = {types.int32: types.float32, types.int64: types.float64}.get(bits)
    if ret is None:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(ret))

    return ret(bits), codegen


def _exp2(s):
    """``2**s``: a polynomial times a power of two made from exponent bits."""


@overload(_exp2, jit_options=dict(fastmath=_FASTMATH))
def _exp2_impl(s):
    if s == types.float32:
        def exp2_f32(s):
            t = min(max(s, -_CLAMP32), _CLAMP32)
            n = np.floor(t + _HALF32)
            f = t - n
            p = _A0 + f * (_A1 + f * (_A2 + f * (_A3 + f * (_A4 + f * (_A5 + f * _A6)))))
            return p * _as_float(np.int32((n + _BIAS32) * _SCALE32))
        return exp2_f32

    def exp2_f64(s):
        t = min(max(s, -1022.0), 1022.0)
        n = np.floor(t + 0.5)
        f = t - n
        p = _B13
        p = _B12 + f * p
        p = _B11 + f * p
        p = _B10 + f * p
        p = _B9 + f * p
        p = _B8 + f * p
        p = _B7 + f * p
        p = _B6 + f * p
        p = _B5 + f * p
        p = _B4 + f * p
        p = _B3 + f * p
        p = _B2 + f * p
        p = _B1 + f * p
        p = _B0 + f * p
        return p * _as_float(np.int64((n + 1023.0) * 4503599627370496.0))
    return exp2_f64


def _sigmoid2(s):
    """``1 / (1 + 2**s)``."""


@overload(_sigmoid2, jit_options=dict(fastmath=_FASTMATH))
def _sigmoid2_impl(s):
    one = _ONE32 if s == types.float32 else 1.0

    def sigmoid2(s):
        return one / (one + _exp2(s))
    return sigmoid2


@numba.njit(**_FLAGS)
def exp2(s):
    """The kernel's ``2**s`` elementwise (to measure its error)."""
    out = np.empty_like(s)
    for i in range(s.size):
        out[i] = _exp2(s[i])
    return out


@numba.njit(**_FLAGS)
def _unit(vals, rows, n_in, params, w, bias, dst, nb, acc):
    """One neuron over ``nb`` vectors: ``vals[dst] = sigmoid2(b + sum w_j vals[rows[j]])``.

    Rows are taken as 1-d views: indexing a 2-d array inside the loop keeps
    LLVM from vectorising it (measured: 10x slower copies).
    """
    b = params[bias]
    y = vals[dst]
    if n_in == 1:
        w0, x0 = params[w], vals[rows[0]]
        for v in range(nb):
            y[v] = _sigmoid2(b + w0 * x0[v])
    elif n_in == 2:
        w0, w1, x0, x1 = params[w], params[w + 1], vals[rows[0]], vals[rows[1]]
        for v in range(nb):
            y[v] = _sigmoid2(b + w0 * x0[v] + w1 * x1[v])
    elif n_in == 3:
        w0, w1, w2 = params[w], params[w + 1], params[w + 2]
        x0, x1, x2 = vals[rows[0]], vals[rows[1]], vals[rows[2]]
        for v in range(nb):
            y[v] = _sigmoid2(b + w0 * x0[v] + w1 * x1[v] + w2 * x2[v])
    else:
        w0, x0 = params[w], vals[rows[0]]
        for v in range(nb):
            acc[v] = b + w0 * x0[v]
        for j in range(1, n_in - 1):
            wj, xj = params[w + j], vals[rows[j]]
            for v in range(nb):
                acc[v] += wj * xj[v]
        wl, xl = params[w + n_in - 1], vals[rows[n_in - 1]]
        for v in range(nb):
            y[v] = _sigmoid2(acc[v] + wl * xl[v])


@numba.njit(**_FLAGS)
def _copy(dst, src, start, nb):
    """``dst[:nb] = src[start:start + nb]`` on 1-d rows (which LLVM vectorises)."""
    for v in range(nb):
        dst[v] = src[start + v]


@numba.njit(**_FLAGS)
def _eval_block(prog, params, vals, rows, acc, nb, digital):
    """Every step of ``prog`` on the ``nb`` vectors whose inputs are in ``vals``.

    Rows ``n_slots`` onward of ``vals`` hold hidden-layer values, two banks
    of ``width`` rows that alternate between layers.
    """
    n_slots, n_steps, width, first = prog[0], prog[1], prog[2], prog[3]
    dtype = vals.dtype
    one = dtype.type(1)
    zero = dtype.type(0)
    half = dtype.type(0.5)
    q = first
    for _ in range(n_steps):
        p, g_count, k, m = prog[q], prog[q + 1], prog[q + 2], prog[q + 3]
        ins = q + 4
        outs = ins + k * g_count
        n_layers = prog[p]
        for g in range(g_count):
            for j in range(k):
                rows[j] = prog[ins + j * g_count + g]
            for li in range(n_layers):
                d = p + 1 + 4 * li
                n_in, n_out, w, b = prog[d], prog[d + 1], prog[d + 2], prog[d + 3]
                last = li == n_layers - 1
                bank = n_slots + (li % 2) * width
                for u in range(n_out):
                    dst = prog[outs + u * g_count + g] if last else bank + u
                    _unit(vals, rows, n_in, params, w + u * n_in, b + u, dst, nb, acc)
                    if digital and last:
                        y = vals[dst]
                        for v in range(nb):
                            y[v] = one if y[v] > half else zero
                if not last:
                    for u in range(n_out):
                        rows[u] = bank + u
        q = outs + m * g_count


@numba.njit(**_FLAGS)
def _block_buffers(prog, block, like):
    """The working arrays of :func:`_eval_block` for ``block`` vectors, of ``like``'s dtype."""
    n_slots, width, pins = prog[0], prog[2], prog[4]
    vals = np.empty((n_slots + 2 * width, block), like.dtype)
    vals[0, :] = 0
    vals[1, :] = 1
    return vals, np.empty(block, like.dtype), np.empty(max(pins, width, 1), np.int64)


@numba.njit(**_FLAGS)
def run_range(prog, params, in_slots, inputs, out_slots, out, lo, hi, block, digital):
    """Evaluate vectors ``lo:hi`` of ``inputs`` into ``out``, ``block`` at a time."""
    vals, acc, rows = _block_buffers(prog, block, out)
    for start in range(lo, hi, block):
        nb = min(block, hi - start)
        for i in range(len(in_slots)):
            _copy(vals[in_slots[i]], inputs[i], start, nb)
        _eval_block(prog, params, vals, rows, acc, nb, digital)
        for o in range(len(out_slots)):
            _copy(out[o, start:], vals[out_slots[o]], 0, nb)


@numba.njit(**_FLAGS)
def _emit(dst, bits, src, nb, half):
    """``dst[:nb] = src[:nb]`` and ``bits[:nb] = src[:nb] > half``."""
    for v in range(nb):
        y = src[v]
        dst[v] = y
        bits[v] = y > half


@numba.njit(**_FLAGS)
def run_cycles(prog, params, in_slots, inputs, out_slots, out, bits, state, lo, hi, block,
               digital):
    """Clocked: streams ``lo:hi`` for every cycle of ``inputs``, ``block`` streams
    at a time, each block's values kept in cache from cycle to cycle.

    ``inputs`` are bits ``(input bits, cycles, streams)``; ``in_slots`` holds
    the input slots and then the state slots, ``out_slots`` the output slots
    and then those of what the registers load.  ``out`` receives every cycle's
    values of both ``(len(out_slots), cycles, streams)`` and ``bits`` the same
    thresholded at 0.5; ``state`` holds the registers' bits ``(state bits,
    streams)`` and is updated: at each cycle's edge a register loads its next
    value as a bit.
    """
    n_in, n_cycles = inputs.shape[0], inputs.shape[1]
    n_state = state.shape[0]
    n_out = len(out_slots) - n_state
    vals, acc, rows = _block_buffers(prog, block, out)
    half = out.dtype.type(0.5)
    for start in range(lo, hi, block):
        nb = min(block, hi - start)
        for j in range(n_state):
            _copy(vals[in_slots[n_in + j]], state[j], start, nb)
        for c in range(n_cycles):
            for i in range(n_in):
                _copy(vals[in_slots[i]], inputs[i, c], start, nb)
            if c > 0:
                # the edge: every register loads, from bits written before any slot is
                for j in range(n_state):
                    _copy(vals[in_slots[n_in + j]], bits[n_out + j, c - 1], start, nb)
            _eval_block(prog, params, vals, rows, acc, nb, digital)
            for o in range(len(out_slots)):
                _emit(out[o, c, start:], bits[o, c, start:], vals[out_slots[o]], nb, half)
        if n_cycles:
            for j in range(n_state):
                _copy(state[j, start:], bits[n_out + j, n_cycles - 1], start, nb)


@numba.njit(**_FLAGS)
def _eval_one(prog, params, vals, digital):
    """Every step of ``prog`` on one vector whose inputs are in ``vals``."""
    n_slots, n_steps, width, first = prog[0], prog[1], prog[2], prog[3]
    dtype = vals.dtype
    one = dtype.type(1)
    zero = dtype.type(0)
    half = dtype.type(0.5)
    q = first
    for _ in range(n_steps):
        p, g_count, k, m = prog[q], prog[q + 1], prog[q + 2], prog[q + 3]
        ins = q + 4
        outs = ins + k * g_count
        n_layers = prog[p]
        for g in range(g_count):
            for li in range(n_layers):
                d = p + 1 + 4 * li
                n_in, n_out, w, b = prog[d], prog[d + 1], prog[d + 2], prog[d + 3]
                last = li == n_layers - 1
                src = n_slots + ((li - 1) % 2) * width
                bank = n_slots + (li % 2) * width
                for u in range(n_out):
                    s = params[b + u]
                    wu = w + u * n_in
                    for j in range(n_in):
                        r = prog[ins + j * g_count + g] if li == 0 else src + j
                        s += params[wu + j] * vals[r]
                    dst = prog[outs + u * g_count + g] if last else bank + u
                    y = _sigmoid2(s)
                    if digital and last:
                        y = one if y > half else zero
                    vals[dst] = y
        q = outs + m * g_count


@numba.njit(**_FLAGS)
def run_each(prog, params, in_slots, inputs, out_slots, out, lo, hi, digital):
    """The same evaluation one vector at a time on scalars: for a few vectors,
    where a block's loop set-up would cost more than the arithmetic."""
    vals = np.empty(prog[0] + 2 * prog[2], out.dtype)
    vals[0] = 0
    vals[1] = 1
    for v in range(lo, hi):
        for i in range(len(in_slots)):
            vals[in_slots[i]] = inputs[i, v]
        _eval_one(prog, params, vals, digital)
        for o in range(len(out_slots)):
            out[o, v] = vals[out_slots[o]]


@numba.njit(**_FLAGS)
def run_cycles_each(prog, params, in_slots, inputs, out_slots, out, bits, state, lo, hi,
                    digital):
    """:func:`run_cycles` one stream at a time on scalars (one or a few streams)."""
    n_in, n_cycles = inputs.shape[0], inputs.shape[1]
    n_state = state.shape[0]
    n_out = len(out_slots) - n_state
    vals = np.empty(prog[0] + 2 * prog[2], out.dtype)
    vals[0] = 0
    vals[1] = 1
    nxt = np.empty(n_state, np.uint8)
    half = out.dtype.type(0.5)
    for s in range(lo, hi):
        for j in range(n_state):
            nxt[j] = state[j, s]
        for c in range(n_cycles):
            for i in range(n_in):
                vals[in_slots[i]] = inputs[i, c, s]
            for j in range(n_state):
                vals[in_slots[n_in + j]] = nxt[j]
            _eval_one(prog, params, vals, digital)
            for o in range(len(out_slots)):
                y = vals[out_slots[o]]
                out[o, c, s] = y
                bits[o, c, s] = y > half
            # the edge: every register loads its next value as a bit
            for j in range(n_state):
                nxt[j] = bits[n_out + j, c, s]
        for j in range(n_state):
            state[j, s] = nxt[j]
