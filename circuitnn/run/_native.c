/* The fused kernel in C, compiled ahead of time.

   circuitnn/run/_native.py prepends the exponential's coefficients (from
   kernel.py, as exact hexadecimal literals) and instantiates the body below
   once per (REAL, IN_T) pair: float32/float64 values, uint8 or REAL inputs.
   The program layout is kernel.build_program's.  The arithmetic is what
   docs/certification.md bounds: a polynomial exp2 (kernel.EXP2_F32 /
   EXP2_F64, Horner order) times 2^n built from exponent bits, and IEEE
   division (compiled without -ffast-math, so no approximate reciprocals;
   only FMA contraction). */

#ifndef CIRCUITNN_NATIVE_COMMON
#define CIRCUITNN_NATIVE_COMMON
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

static inline float exp2_f32(float s)
{
    float t = s < -126.0f ? -126.0f : (s > 126.0f ? 126.0f : s);
    float n = floorf(t + 0.5f);
    float f = t - n;
    float p = A0 + f * (A1 + f * (A2 + f * (A3 + f * (A4 + f * (A5 + f * A6)))));
    int32_t bits = (int32_t)((n + 127.0f) * 8388608.0f);
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

static inline double exp2_f64(double s)
{
    double t = s < -1022.0 ? -1022.0 : (s > 1022.0 ? 1022.0 : s);
    double n = floor(t + 0.5);
    double f = t - n;
    double p = B13;
    p = B12 + f * p; p = B11 + f * p; p = B10 + f * p; p = B9 + f * p;
    p = B8 + f * p;  p = B7 + f * p;  p = B6 + f * p;  p = B5 + f * p;
    p = B4 + f * p;  p = B3 + f * p;  p = B2 + f * p;  p = B1 + f * p;
    p = B0 + f * p;
    int64_t bits = (int64_t)((n + 1023.0) * 4503599627370496.0);
    double scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/* The kernel's exponential over an array (for the test of its error bound). */
void exp2_array_f32(const float *s, float *out, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        out[i] = exp2_f32(s[i]);
}

void exp2_array_f64(const double *s, double *out, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        out[i] = exp2_f64(s[i]);
}
#endif

#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)

/* one neuron over nb vectors: d = sigmoid2(b + sum_j w_j a_j) */
static void CAT(unit, SUFFIX)(REAL *vals, int64_t B, const int64_t *rows, int64_t n_in,
                              const REAL *params, int64_t w, int64_t bias, int64_t dst,
                              int64_t nb, REAL *acc)
{
    const REAL one = 1, b = params[bias];
    REAL *d = vals + dst * B;
    if (n_in == 1) {
        const REAL w0 = params[w], *a0 = vals + rows[0] * B;
        for (int64_t v = 0; v < nb; v++)
            d[v] = one / (one + EXP2(b + w0 * a0[v]));
    } else if (n_in == 2) {
        const REAL w0 = params[w], w1 = params[w + 1];
        const REAL *a0 = vals + rows[0] * B, *a1 = vals + rows[1] * B;
        for (int64_t v = 0; v < nb; v++)
            d[v] = one / (one + EXP2(b + w0 * a0[v] + w1 * a1[v]));
    } else if (n_in == 3) {
        const REAL w0 = params[w], w1 = params[w + 1], w2 = params[w + 2];
        const REAL *a0 = vals + rows[0] * B, *a1 = vals + rows[1] * B, *a2 = vals + rows[2] * B;
        for (int64_t v = 0; v < nb; v++)
            d[v] = one / (one + EXP2(b + w0 * a0[v] + w1 * a1[v] + w2 * a2[v]));
    } else {
        const REAL w0 = params[w], *a0 = vals + rows[0] * B;
        for (int64_t v = 0; v < nb; v++)
            acc[v] = b + w0 * a0[v];
        for (int64_t j = 1; j < n_in - 1; j++) {
            const REAL wj = params[w + j], *aj = vals + rows[j] * B;
            for (int64_t v = 0; v < nb; v++)
                acc[v] += wj * aj[v];
        }
        const REAL wl = params[w + n_in - 1], *al = vals + rows[n_in - 1] * B;
        for (int64_t v = 0; v < nb; v++)
            d[v] = one / (one + EXP2(acc[v] + wl * al[v]));
    }
}

/* Every step of prog on the nb vectors whose inputs are in vals (rows of B). */
static inline void CAT(eval_block, SUFFIX)(const int64_t *prog, const REAL *params, REAL *vals,
                                           int64_t B, int64_t *rows, int64_t nb, REAL *acc,
                                           int32_t digital)
{
    const int64_t n_slots = prog[0], n_steps = prog[1], width = prog[2];
    int64_t q = prog[3];
    for (int64_t s = 0; s < n_steps; s++) {
        const int64_t p = prog[q], g_count = prog[q + 1], k = prog[q + 2], m = prog[q + 3];
        const int64_t ins = q + 4, outs = ins + k * g_count, n_layers = prog[p];
        for (int64_t g = 0; g < g_count; g++) {
            for (int64_t j = 0; j < k; j++)
                rows[j] = prog[ins + j * g_count + g];
            for (int64_t li = 0; li < n_layers; li++) {
                const int64_t d = p + 1 + 4 * li;
                const int64_t n_in = prog[d], n_out = prog[d + 1], w = prog[d + 2];
                const int64_t b = prog[d + 3];
                const int last = li == n_layers - 1;
                const int64_t bank = n_slots + (li % 2) * width;
                for (int64_t u = 0; u < n_out; u++) {
                    const int64_t dst = last ? prog[outs + u * g_count + g] : bank + u;
                    CAT(unit, SUFFIX)(vals, B, rows, n_in, params, w + u * n_in, b + u,
                                      dst, nb, acc);
                    if (digital && last) {
                        REAL *x = vals + dst * B;
                        for (int64_t v = 0; v < nb; v++)
                            x[v] = x[v] > (REAL)0.5 ? (REAL)1 : (REAL)0;
                    }
                }
                if (!last)
                    for (int64_t u = 0; u < n_out; u++)
                        rows[u] = bank + u;
            }
        }
        q = outs + m * g_count;
    }
}

/* Every step of prog on one vector whose inputs are in vals. */
static inline void CAT(eval_one, SUFFIX)(const int64_t *prog, const REAL *params, REAL *vals,
                                         int32_t digital)
{
    const int64_t n_slots = prog[0], n_steps = prog[1], width = prog[2];
    int64_t q = prog[3];
    for (int64_t s = 0; s < n_steps; s++) {
        const int64_t p = prog[q], g_count = prog[q + 1], k = prog[q + 2], m = prog[q + 3];
        const int64_t ins = q + 4, outs = ins + k * g_count, n_layers = prog[p];
        for (int64_t g = 0; g < g_count; g++) {
            for (int64_t li = 0; li < n_layers; li++) {
                const int64_t d = p + 1 + 4 * li;
                const int64_t n_in = prog[d], n_out = prog[d + 1], w = prog[d + 2];
                const int64_t b = prog[d + 3];
                const int last = li == n_layers - 1;
                const int64_t src = n_slots + ((li + 1) % 2) * width;
                const int64_t bank = n_slots + (li % 2) * width;
                for (int64_t u = 0; u < n_out; u++) {
                    REAL acc = params[b + u];
                    const int64_t wu = w + u * n_in;
                    for (int64_t j = 0; j < n_in; j++) {
                        const int64_t r = li == 0 ? prog[ins + j * g_count + g] : src + j;
                        acc += params[wu + j] * vals[r];
                    }
                    const int64_t dst = last ? prog[outs + u * g_count + g] : bank + u;
                    REAL y = (REAL)1 / ((REAL)1 + EXP2(acc));
                    if (digital && last)
                        y = y > (REAL)0.5 ? (REAL)1 : (REAL)0;
                    vals[dst] = y;
                }
            }
        }
        q = outs + m * g_count;
    }
}

/* A run's working memory: rows of B values (B = 1: one vector, on scalars)
   for every slot and the two banks of hidden values, then n_extra rows for
   the caller (a block's accumulator, the registers' next values), and, with
   gather, eval_block's list of a unit's input rows.  The constant slots 0
   and 1 hold 0 and 1.  vals is NULL when memory ran out. */
typedef struct {
    REAL *vals, *extra;
    int64_t *rows;
} CAT(work, SUFFIX);

static CAT(work, SUFFIX) CAT(work_new, SUFFIX)(const int64_t *prog, int64_t B, int64_t n_extra,
                                               int gather)
{
    const int64_t n_slots = prog[0], width = prog[2], pins = prog[4];
    const int64_t n_rows = pins > width ? pins : width;
    CAT(work, SUFFIX) w = {NULL, NULL, NULL};
    REAL *vals = malloc(sizeof(REAL) * (size_t)((n_slots + 2 * width + n_extra) * B));
    int64_t *rows = gather ? malloc(sizeof(int64_t) * (size_t)(n_rows > 1 ? n_rows : 1)) : NULL;
    if (vals == NULL || (gather && rows == NULL)) {
        free(vals);
        free(rows);
        return w;
    }
    for (int64_t v = 0; v < B; v++) {
        vals[v] = 0;
        vals[B + v] = 1;
    }
    w.vals = vals;
    w.extra = vals + (n_slots + 2 * width) * B;
    w.rows = rows;
    return w;
}

static void CAT(work_free, SUFFIX)(CAT(work, SUFFIX) w)
{
    free(w.vals);
    free(w.rows);
}

/* Vectors lo:hi of inputs (row stride in_rs, column stride in_cs, in
   elements) into out, block at a time; 0, or -1 when memory ran out. */
int CAT(run_range, SUFFIX)(const int64_t *prog, const REAL *params,
                           const int64_t *in_slots, int64_t n_in_slots,
                           const IN_T *inputs, int64_t in_rs, int64_t in_cs,
                           const int64_t *out_slots, int64_t n_out_slots,
                           REAL *out, int64_t out_rs, int64_t out_cs,
                           int64_t lo, int64_t hi, int64_t block, int32_t digital)
{
    const int64_t B = block;
    const CAT(work, SUFFIX) w = CAT(work_new, SUFFIX)(prog, B, 1, 1);
    if (w.vals == NULL)
        return -1;
    REAL *vals = w.vals, *acc = w.extra;
    int64_t *rows = w.rows;
    for (int64_t start = lo; start < hi; start += B) {
        const int64_t nb = hi - start < B ? hi - start : B;
        for (int64_t i = 0; i < n_in_slots; i++) {
            REAL *r = vals + in_slots[i] * B;
            const IN_T *src = inputs + i * in_rs + start * in_cs;
            for (int64_t v = 0; v < nb; v++)
                r[v] = (REAL)src[v * in_cs];
        }
        CAT(eval_block, SUFFIX)(prog, params, vals, B, rows, nb, acc, digital);
        for (int64_t o = 0; o < n_out_slots; o++) {
            const REAL *r = vals + out_slots[o] * B;
            REAL *dst = out + o * out_rs + start * out_cs;
            for (int64_t v = 0; v < nb; v++)
                dst[v * out_cs] = r[v];
        }
    }
    CAT(work_free, SUFFIX)(w);
    return 0;
}

/* The same one vector at a time on scalars, for a few vectors. */
int CAT(run_each, SUFFIX)(const int64_t *prog, const REAL *params,
                          const int64_t *in_slots, int64_t n_in_slots,
                          const IN_T *inputs, int64_t in_rs, int64_t in_cs,
                          const int64_t *out_slots, int64_t n_out_slots,
                          REAL *out, int64_t out_rs, int64_t out_cs,
                          int64_t lo, int64_t hi, int32_t digital)
{
    const CAT(work, SUFFIX) w = CAT(work_new, SUFFIX)(prog, 1, 0, 0);
    if (w.vals == NULL)
        return -1;
    REAL *vals = w.vals;
    for (int64_t v = lo; v < hi; v++) {
        for (int64_t i = 0; i < n_in_slots; i++)
            vals[in_slots[i]] = (REAL)inputs[i * in_rs + v * in_cs];
        CAT(eval_one, SUFFIX)(prog, params, vals, digital);
        for (int64_t o = 0; o < n_out_slots; o++)
            out[o * out_rs + v * out_cs] = vals[out_slots[o]];
    }
    CAT(work_free, SUFFIX)(w);
    return 0;
}

/* Clocked: streams lo:hi for every cycle of inputs (bits, (n_in, C, S)),
   block streams at a time, each block's values kept from cycle to cycle.
   in_slots are the input slots then the state slots, out_slots the output
   slots then those of what the registers load.  out ((n_analog, C, S))
   receives every cycle's values of the first n_analog out slots, and bits
   ((n_bits, C, S)) those of the first n_bits thresholded at 0.5: only what
   the caller keeps is written.  state ((n_state, S) bits) is updated: at
   each edge a register loads its next value as a bit, kept in a small
   per-block buffer (a load may be an input's or another register's slot,
   overwritten before the edge).  0, or -1 when memory ran out. */
int CAT(run_cycles, SUFFIX)(const int64_t *prog, const REAL *params,
                            const int64_t *in_slots, int64_t n_in_slots,
                            const uint8_t *inputs, int64_t C, int64_t S,
                            const int64_t *out_slots, int64_t n_out_slots,
                            REAL *out, int64_t n_analog, uint8_t *bits, int64_t n_bits,
                            uint8_t *state, int64_t n_state,
                            int64_t lo, int64_t hi, int64_t block, int32_t digital)
{
    const int64_t B = block;
    const int64_t n_in = n_in_slots - n_state, n_out = n_out_slots - n_state;
    const CAT(work, SUFFIX) w = CAT(work_new, SUFFIX)(prog, B, 1 + n_state, 1);
    if (w.vals == NULL)
        return -1;
    REAL *vals = w.vals, *acc = w.extra, *next = acc + B;
    int64_t *rows = w.rows;
    for (int64_t start = lo; start < hi; start += B) {
        const int64_t nb = hi - start < B ? hi - start : B;
        for (int64_t j = 0; j < n_state; j++) {
            REAL *restrict r = next + j * B;
            const uint8_t *restrict src = state + j * S + start;
            for (int64_t v = 0; v < nb; v++)
                r[v] = (REAL)src[v];
        }
        for (int64_t c = 0; c < C; c++) {
            for (int64_t i = 0; i < n_in; i++) {
                REAL *restrict r = vals + in_slots[i] * B;
                const uint8_t *restrict src = inputs + (i * C + c) * S + start;
                for (int64_t v = 0; v < nb; v++)
                    r[v] = (REAL)src[v];
            }
            /* the edge (the initial state at c = 0) */
            for (int64_t j = 0; j < n_state; j++)
                memcpy(vals + in_slots[n_in + j] * B, next + j * B, sizeof(REAL) * (size_t)nb);
            CAT(eval_block, SUFFIX)(prog, params, vals, B, rows, nb, acc, digital);
            for (int64_t o = 0; o < n_analog; o++)
                memcpy(out + (o * C + c) * S + start, vals + out_slots[o] * B,
                       sizeof(REAL) * (size_t)nb);
            for (int64_t o = 0; o < n_bits; o++) {
                const REAL *restrict r = vals + out_slots[o] * B;
                uint8_t *restrict bit = bits + (o * C + c) * S + start;
                for (int64_t v = 0; v < nb; v++)
                    bit[v] = r[v] > (REAL)0.5;
            }
            for (int64_t j = 0; j < n_state; j++) {
                const REAL *restrict r = vals + out_slots[n_out + j] * B;
                REAL *restrict d = next + j * B;
                for (int64_t v = 0; v < nb; v++)
                    d[v] = r[v] > (REAL)0.5 ? (REAL)1 : (REAL)0;
            }
        }
        for (int64_t j = 0; j < n_state; j++) {
            const REAL *restrict r = next + j * B;
            uint8_t *restrict d = state + j * S + start;
            for (int64_t v = 0; v < nb; v++)
                d[v] = (uint8_t)(r[v] > (REAL)0.5);
        }
    }
    CAT(work_free, SUFFIX)(w);
    return 0;
}

/* run_cycles one stream at a time on scalars (one or a few streams). */
int CAT(run_cycles_each, SUFFIX)(const int64_t *prog, const REAL *params,
                                 const int64_t *in_slots, int64_t n_in_slots,
                                 const uint8_t *inputs, int64_t C, int64_t S,
                                 const int64_t *out_slots, int64_t n_out_slots,
                                 REAL *out, int64_t n_analog, uint8_t *bits, int64_t n_bits,
                                 uint8_t *state, int64_t n_state,
                                 int64_t lo, int64_t hi, int32_t digital)
{
    const int64_t n_in = n_in_slots - n_state, n_out = n_out_slots - n_state;
    const CAT(work, SUFFIX) w = CAT(work_new, SUFFIX)(prog, 1, n_state, 0);
    if (w.vals == NULL)
        return -1;
    REAL *vals = w.vals, *next = w.extra;
    for (int64_t s = lo; s < hi; s++) {
        for (int64_t j = 0; j < n_state; j++)
            next[j] = (REAL)state[j * S + s];
        for (int64_t c = 0; c < C; c++) {
            for (int64_t i = 0; i < n_in; i++)
                vals[in_slots[i]] = (REAL)inputs[(i * C + c) * S + s];
            for (int64_t j = 0; j < n_state; j++)
                vals[in_slots[n_in + j]] = next[j];
            CAT(eval_one, SUFFIX)(prog, params, vals, digital);
            for (int64_t o = 0; o < n_analog; o++)
                out[(o * C + c) * S + s] = vals[out_slots[o]];
            for (int64_t o = 0; o < n_bits; o++)
                bits[(o * C + c) * S + s] = vals[out_slots[o]] > (REAL)0.5;
            for (int64_t j = 0; j < n_state; j++)
                next[j] = vals[out_slots[n_out + j]] > (REAL)0.5 ? (REAL)1 : (REAL)0;
        }
        for (int64_t j = 0; j < n_state; j++)
            state[j * S + s] = (uint8_t)(next[j] > (REAL)0.5);
    }
    CAT(work_free, SUFFIX)(w);
    return 0;
}

/* One cycle of one or a few streams (Clocked.step): run_cycles_each with its
   arguments in one block of int64s, since ctypes converts each argument of a
   call (about 0.2 us apiece, more than a small circuit's arithmetic).  The
   block: prog, params, in_slots, n_in_slots, inputs, out_slots, n_out_slots,
   out, n_analog, bits, n_bits, state, n_state, before, streams, digital,
   pool, slot, k, copy of the inputs.  The cycle is written into slot k of
   the pool (out, bits, before and the inputs' copy are offsets in bytes in
   it; before receives the state before the edge), and k moves on: each
   cycle's results have their own memory without a copy. */
int CAT(step_cycle, SUFFIX)(int64_t *a)
{
    const int64_t n_state = a[12], S = a[14];
    uint8_t *slot = (uint8_t *)(intptr_t)a[16] + a[18] * a[17];
    uint8_t *state = (uint8_t *)(intptr_t)a[11];
    memcpy(slot + a[19], (const uint8_t *)(intptr_t)a[4], (size_t)((a[3] - n_state) * S));
    memcpy(slot + a[13], state, (size_t)(n_state * S));
    const int got = CAT(run_cycles_each, SUFFIX)(
        (const int64_t *)(intptr_t)a[0], (const REAL *)(intptr_t)a[1],
        (const int64_t *)(intptr_t)a[2], a[3], slot + a[19], 1, S,
        (const int64_t *)(intptr_t)a[5], a[6], (REAL *)(void *)(slot + a[7]), a[8],
        slot + a[9], a[10], state, n_state, 0, S, (int32_t)a[15]);
    if (got == 0)
        a[18]++;
    return got;
}
