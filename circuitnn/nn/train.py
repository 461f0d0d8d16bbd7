"""The notebook's sigmoid network, generalised: one gate = one small trained net.

The mathematics is the seed notebook's, unchanged:

* a layer is ``s = X @ W + b`` followed by ``z = sigmoid(s)``;
* the loss is ``0.5 * sum((y - yhat)**2)`` over rows and outputs;
* gradients come from hand-written backprop (:meth:`GateNet.backward`);
* training is full-batch gradient descent.

What wraps it (and never replaces it):

* **restarts** are a tensor axis: ``R`` candidate nets (and several truth
  tables of the same shape) are trained in one batched computation, weights
  shaped ``(C, n_in, h)``;
* **escalation**: no hidden layer first (the notebook's AND/OR perceptron)
  when that can work, then growing hidden layers until a candidate is
  accepted;
* **certification**: a net is accepted only when, for every row, every input
  within ``delta`` of its logic levels gives every output within ``delta`` of
  its target, proved by interval arithmetic (:meth:`GateNet.bound`).  Such
  gates compose: a chain of any depth of them, fed analog values, still
  computes the exact boolean circuit.  Training reaches this by running the
  same gradient descent on the *worst case* of the box, ``yhat`` replaced by
  the interval bound furthest from the target (interval bound propagation);
  at ``delta = 0`` that is exactly the notebook's loss.  The box grows from 0
  to ``delta`` over the first 100 epochs (at most a sixth of the budget).

Departures from the notebook, each for a measured reason: the step is
``lr / rows`` (one ``lr`` for every table size); initial weights are uniform in
``+-6/sqrt(fan_in)`` (fits parity without the symmetric plateau); rows are
weighted so each output's 0-rows and 1-rows weigh the same (AND9 has one 1-row
in 512), and every 10 epochs the rows still missed by their box get 1.5x the
weight (boosting: the loss is still ``0.5*sum(rho*(y-yhat)**2)``); training
runs in centred coordinates, each layer fed ``z - 0.5`` and the offset folded
into the biases on export (plain GD on 0/1 inputs trains OR-like units easily
and AND-like ones badly: AND9 needed 9-3-1 and ~3600 epochs, now 9-2-1 in
~400, like OR9); an accepted candidate may be *sharpened* (all weights times a
factor up to 32, the direction GD drifts in, slowly); when ``2*k*delta`` makes
a dense unit uncertifiable, hidden units get a fixed fan-in of
``1/(2*delta)`` inputs (zero weights elsewhere: still a plain sigmoid layer);
non-threshold tables start at ``k`` hidden units (``3k`` from 4 inputs on).

Speed: candidates sit side by side in 2-D float32 arrays (output weights as
one block-diagonal matrix), BLAS runs single-threaded during training, and the
winner of each table is proved again in float64 on the exported plain net.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from ..ir.truthtable import TruthTable
from .certify import _perceptron_can_certify, box, certified_margin
from .gatenet import GateNet, _sig
from .settings import Progress, TrainingError, TrainSettings


# ------------------------------------------------------------------ training
def train(
    tt: TruthTable, settings: TrainSettings = TrainSettings(), progress: Progress | None = None  # noqa: B008
) -> GateNet:
    """Train an accepted :class:`GateNet` for ``tt``, escalating as needed.

    Parameters
    ----------
    tt : TruthTable
        The function to learn.
    settings : TrainSettings
        Seed, budget and acceptance criteria.
    progress : callable, optional
        Called with a one-line message when an architecture fails or succeeds.

    Raises
    ------
    TrainingError
        If no candidate is accepted at any hidden size.

    Examples
    --------
    >>> from circuitnn.ir.primitives import STANDARD
    >>> net = train(STANDARD["XOR2"])
    >>> net.forward(STANDARD["XOR2"].input_matrix()).round().ravel().tolist()
    [0.0, 1.0, 1.0, 0.0]
    """
    return train_many([tt], settings, progress)[0]


def train_many(
    tts: list[TruthTable],
    settings: TrainSettings = TrainSettings(),  # noqa: B008
    progress: Progress | None = None,
) -> list[GateNet]:
    """Train several truth tables, batching those of the same shape together.

    Each table gets the same net as :func:`train` would give it alone: the
    candidates of different tables never interact, and initial weights depend
    only on the seed and the shape.

    Raises
    ------
    TrainingError
        If any table fails; :func:`train_some` keeps the others instead.

    Examples
    --------
    >>> from circuitnn.ir.primitives import STANDARD
    >>> [n.name for n in train_many([STANDARD["AND2"], STANDARD["NOT"]])]
    ['AND2', 'NOT']
    """
    results = train_some(tts, settings, progress)
    failed = [r for r in results if isinstance(r, TrainFailure)]
    if failed:
        raise training_error(failed, settings)
    return results  # type: ignore[return-value]


@dataclass(frozen=True)
class TrainFailure:
    """What was tried for a table that no candidate net fitted.

    ``hidden_sizes`` are the sizes actually trained (the budget may stop
    escalation before the end of ``settings.hidden_sizes``).
    """

    name: str
    hidden_sizes: tuple[int, ...]
    seconds: float

    def describe(self, settings: TrainSettings) -> str:
        if not self.hidden_sizes:
            return (f"{self.name}: none of hidden sizes {list(settings.hidden_sizes)} can "
                    "compute it (0 is no hidden layer, for threshold functions only)")
        sizes = ", ".join(map(str, self.hidden_sizes))
        return (f"{self.name}: hidden sizes {sizes} tried, {settings.restarts} restarts x "
                f"{settings.max_epochs} epochs each ({self.seconds:.1f}s)")


def failure_message(failed: list[TrainFailure], settings: TrainSettings,
                    how: str = "TrainSettings(restarts=..., max_epochs=..., hidden_sizes=..., "
                               "budget=..., delta=...), or compile the table inside a circuit"
                    ) -> str:
    """The message for tables that did not train: what was tried, and ``how``
    the settings that exist could change it (as the API sets them, unless
    told otherwise)."""
    goal = f"tolerance {settings.tolerance}" + (
        f" with certificate delta={settings.delta}" if settings.certify else "")
    stopped = any(f.hidden_sizes and f.hidden_sizes[-1] != settings.hidden_sizes[-1]
                  for f in failed)
    why = " (the training budget stopped escalation)" if stopped else ""
    return (f"could not train {'; '.join(f.describe(settings) for f in failed)}: no "
            f"candidate reached {goal}{why}; try {how}, which decomposes what does not "
            "train")


def training_error(failed: list[TrainFailure], settings: TrainSettings,
                   more: str = "") -> TrainingError:
    """A :class:`TrainingError` for tables that did not train, worded for the
    API and for the command line (``more`` is added to both)."""
    return TrainingError(failure_message(failed, settings) + more,
                         cli=failure_message(failed, settings, "--restarts, --max-epochs, "
                                             "--hidden, --budget or --delta, or compile it "
                                             "inside a circuit") + more)


def train_some(
    tts: list[TruthTable],
    settings: TrainSettings = TrainSettings(),  # noqa: B008
    progress: Progress | None = None,
    on_net: Callable[[int, GateNet], None] | None = None,
) -> list[GateNet | TrainFailure]:
    """:func:`train_many` that keeps going past failures.

    ``on_net(i, net)`` is called as soon as table ``i`` has its net, so a
    caller can store it before the others finish (or fail, or are
    interrupted).

    Examples
    --------
    >>> from circuitnn.ir.primitives import STANDARD
    >>> cheap = TrainSettings(hidden_sizes=(0,), max_epochs=200)
    >>> [type(r).__name__ for r in train_some([STANDARD["OR2"], STANDARD["XOR2"]], cheap)]
    ['GateNet', 'TrainFailure']
    """
    results: list[GateNet | TrainFailure | None] = [None] * len(tts)
    groups: dict[tuple[int, int], list[int]] = {}
    for i, tt in enumerate(tts):
        if tt.n_inputs == 0:
            results[i] = _constant_net(tt, settings)
            continue
        groups.setdefault((tt.n_inputs, tt.n_outputs), []).append(i)
    for members in groups.values():
        def accepted(j: int, net: GateNet, members=members) -> None:
            if on_net is not None:
                on_net(members[j], net)

        got = _train_group([tts[i] for i in members], settings, progress, accepted)
        for i, r in zip(members, got):
            results[i] = r
    return results  # type: ignore[return-value]


def _constant_net(tt: TruthTable, settings: TrainSettings) -> GateNet:
    """A table of no inputs is a constant: a layer of no weights whose biases
    put each output within 5e-5 of its value (nothing to train)."""
    bias = np.where(tt.table[0] == 1, 10.0, -10.0)
    net = GateNet([np.zeros((0, tt.n_outputs))], [bias], name=tt.name)
    return _finish(net, tt, settings)


def _hidden_sizes(tt: TruthTable, settings: TrainSettings) -> list[int]:
    sizes = list(settings.hidden_sizes)
    if 0 in sizes:
        linear_ok = tt.n_outputs == 1 and tt.is_linearly_separable_hint()
        if settings.certify:
            linear_ok = linear_ok and _perceptron_can_certify(tt.n_inputs, settings.delta)
        if not linear_ok:
            sizes.remove(0)
    # Hidden units of limited fan-in must jointly see every input.
    k = tt.n_inputs
    f = _fan_in(k, settings)
    sizes = [h for h in sizes if h == 0 or h * f >= k]
    if f >= k and k >= 3 and not tt.is_linearly_separable_hint():
        # Parity of k inputs needs k threshold units, and GD finds them far
        # more reliably with room to spare (XOR4 at 4 units: 6/10 seeds fail
        # in 2000 epochs; at 12: 0/10, in ~300 epochs).
        low = k if k <= 3 else 3 * k
        sizes = [h for h in sizes if h == 0 or h >= low] or sizes[-1:]
    return sizes


def _train_group(
    tts: list[TruthTable], settings: TrainSettings, progress: Progress | None,
    on_net: Callable[[int, GateNet], None] | None = None,
) -> list[GateNet | TrainFailure]:
    """Escalate hidden sizes for tables of one shape, trained side by side."""
    t0 = time.perf_counter()
    X = tts[0].input_matrix().astype(float)
    pending = list(range(len(tts)))
    nets: list[GateNet | None] = [None] * len(tts)
    plans = [_hidden_sizes(tt, settings) for tt in tts]
    tried: list[list[int]] = [[] for _ in tts]
    # Effort budget per table (epochs x rows x restarts x hidden units,
    # counted as if every size ran its full budget, so deterministic): a
    # table no size can certify, e.g. a random 10-input one at delta=0.1,
    # gives up in seconds instead of minutes.  The standard library stays
    # far below it.
    effort = [0.0] * len(tts)
    for h in sorted({h for p in plans for h in p}, key=list(settings.hidden_sizes).index):
        batch = [i for i in pending if h in plans[i] and effort[i] < settings.budget]
        for i in batch:
            effort[i] += settings.max_epochs * len(X) * settings.restarts * max(h, 1)
            tried[i].append(h)
        if not batch:
            continue
        Y = np.stack([tts[i].table.astype(float) for i in batch])
        with _one_blas_thread():
            found = _train_batch(X, Y, h, settings)
        for i, got in zip(batch, found):
            name = tts[i].name or "table"
            if got is None:
                if progress:
                    progress(f"{name}: hidden size {h} failed; escalating")
                continue
            params, epochs = got
            k = len(params) // 2
            net = GateNet(params[:k], params[k:], name=tts[i].name, epochs=epochs)
            net = _finish(net, tts[i], settings)
            nets[i] = _with(net, seconds=(time.perf_counter() - t0) / len(tts))
            pending.remove(i)
            if on_net is not None:
                on_net(i, nets[i])
            if progress:
                progress(f"{name}: accepted {net.arch} after {epochs} epochs")
        if not pending:
            break
    seconds = time.perf_counter() - t0
    return [n if n is not None else
            TrainFailure(tts[i].name or "table", tuple(tried[i]), seconds)
            for i, n in enumerate(nets)]


def _with(net: GateNet, **changes) -> GateNet:
    fields = dict(
        weights=net.weights, biases=net.biases, name=net.name, max_err=net.max_err,
        delta=net.delta, epochs=net.epochs, seconds=net.seconds,
    )
    fields.update(changes)
    return GateNet(**fields)


def _finish(net: GateNet, tt: TruthTable, settings: TrainSettings) -> GateNet:
    """Fill in max_err and the certificate, measured on the final float64 net."""
    X = tt.input_matrix()
    max_err = float(np.max(np.abs(net.forward(X) - tt.table)))
    certified = certified_margin(net, tt, settings.delta) <= settings.delta
    return _with(net, max_err=max_err, delta=settings.delta if certified else None)


def _fan_in(k: int, settings: TrainSettings) -> int:
    """Inputs each hidden unit may see: all, unless the certificate forbids it."""
    # The bound in _perceptron_can_certify holds for every unit: a unit whose
    # output must flip with each of f inputs needs 2*f*delta < 1.
    if not settings.certify or _perceptron_can_certify(k, settings.delta):
        return k
    return max(1, math.floor(1 / (2 * settings.delta)))


def _mask(k: int, h: int, f: int) -> np.ndarray | None:
    """``(k, h)`` 0/1 connections: hidden unit j sees f inputs from j*f on, cyclically."""
    if f >= k:
        return None
    mask = np.zeros((k, h))
    for j in range(h):
        mask[(j * f + np.arange(f)) % k, j] = 1
    return mask


def _init(
    rng: np.random.Generator, C: int, sizes: list[int], mask: np.ndarray | None = None
) -> list[np.ndarray]:
    """Uniform weights in +-6/sqrt(fan_in) (0..1 in the notebook), ``(C, a, b)``.

    Biases are zero in the *centred* coordinates of :func:`_train_batch`,
    i.e. every unit's boundary starts through the middle of its input cube.
    """
    # A wider start than the notebook's rand() breaks the hidden units'
    # symmetry faster and saturates sooner, which certification needs anyway.
    Ws = [
        rng.uniform(-1, 1, size=(C, a, b)) * (6 / math.sqrt(a))
        for a, b in zip(sizes[:-1], sizes[1:])
    ]
    if mask is not None:
        Ws[0] *= mask
    return Ws


@contextmanager
def _one_blas_thread():
    """Run BLAS single-threaded: the matrices here are tiny, and OpenBLAS
    threads on a busy machine made each epoch 10x slower (measured)."""
    from threadpoolctl import threadpool_limits  # only training needs it; runs start faster

    with threadpool_limits(limits=1, user_api="blas"):
        yield


#: Factors tried when sharpening a candidate: every weight and bias times alpha.
_SHARPEN = (1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0, 32.0)


#: Training arrays are float32 (about 3x faster here); acceptance is re-proved
#: in float64 on the exported net.
_DT = np.float32


#: Row re-weighting: every this many epochs, rows whose worst case misses by
#: more than the current box size get their weight times _UP (then normalised).
_ADAPT_EVERY = 10


_UP = 1.5


def _block_diag(W: np.ndarray) -> np.ndarray:
    """``(C, a, b)`` -> ``(C*a, C*b)`` with ``W[c]`` as the c-th diagonal block."""
    C, a, b = W.shape
    out = np.zeros((C, a, C, b), dtype=W.dtype)
    idx = np.arange(C)
    out[idx, :, idx, :] = W
    return out.reshape(C * a, C * b)


def _train_batch(
    X: np.ndarray, Y: np.ndarray, h: int, settings: TrainSettings
) -> list[tuple[list[np.ndarray], int] | None]:
    """Train ``restarts`` candidates for each of ``F`` tables ``Y`` (F, rows, m).

    Layout: the ``C = F * R`` candidates sit side by side, ``C*h`` hidden
    units in one ``(rows, C*h)`` array and the output weights as one
    block-diagonal ``(C*h, C*m)`` matrix (off-block gradients masked to zero):
    each candidate is still its own small net, but every step is a handful of
    2-D BLAS calls.  Training runs in centred coordinates (inputs and hidden
    outputs minus 0.5, folded back into the biases on export): GD on 0/1
    inputs favours OR-like units over AND-like ones, centred it treats both
    alike (AND9 then trains at 9-2-1 as OR9 does).

    Returns, per table, the parameters ``[W1, .., b1, ..]`` of its best
    accepted candidate and the epochs it took, or None.
    """
    F, N, m = Y.shape
    R = settings.restarts
    k = X.shape[1]
    C = F * R
    sizes = [k, h, m] if h else [k, m]
    rng = np.random.default_rng([settings.seed, k, h, m])
    mask = _mask(k, h, _fan_in(k, settings)) if h else None
    init = _init(rng, R, sizes, mask)
    # Every table starts from the same R candidates: the result for a table
    # then does not depend on which others share its batch.
    init = [np.tile(W, (F, 1, 1)) for W in init]
    nl = len(init)
    W1 = init[0].transpose(1, 0, 2).reshape(k, -1).astype(_DT)  # (k, C*n1)
    Ws = [W1] + [_block_diag(W).astype(_DT) for W in init[1:]]
    bs = [np.zeros(W.shape[1], dtype=_DT) for W in Ws]
    masks: list[np.ndarray | None] = [
        None if mask is None else np.tile(mask, (1, C)).astype(_DT)
    ] + [_block_diag(np.ones_like(W)).astype(_DT) for W in init[1:]]
    Yw = Y.transpose(1, 0, 2)  # (N, F, m)
    Yw = np.repeat(Yw, R, axis=1).reshape(N, C * m).astype(_DT)
    sgn = 1 - 2 * Yw  # +1 where the target is 0: the upper bound is the worst case
    # Row weights giving the 0-rows and the 1-rows of each output equal total
    # weight: AND9's one 1-row would otherwise be drowned by 511 0-rows.
    ones = Yw.sum(axis=0)
    rho0 = np.where(
        Yw == 1, N / (2 * np.maximum(ones, 1)), N / (2 * np.maximum(N - ones, 1))
    ).astype(_DT)
    rho, boost = rho0.copy(), np.ones_like(rho0)
    step = _DT(settings.lr / N)
    delta = settings.delta if settings.certify else 0.0
    # The box grows from 0 (the notebook's loss) to delta over the first
    # epochs: fitting the rows first, then the boxes, trains far more reliably.
    ramp = max(1, min(100, settings.max_epochs // 6))
    Xc = (X - 0.5).astype(_DT)
    inward = (1 - 2 * X).astype(_DT)
    sizes_out = [W.shape[1] // C for W in Ws]  # units per candidate, per layer
    done: list[tuple[list[np.ndarray], int] | None] = [None] * F
    active = np.arange(F)
    for epoch in range(1, settings.max_epochs + 1):
        r = 0.5 * delta * min(1.0, epoch / ramp)
        grads, yhat = _ibp_grads(Xc + _DT(r) * inward, Yw, sgn, rho, Ws, bs, _DT(r))
        for i, (W, b) in enumerate(zip(Ws, bs)):
            gW, gb = grads[i], grads[nl + i]
            if masks[i] is not None:
                gW *= masks[i]
            W -= step * gW
            b -= step * gb
        if epoch % _ADAPT_EVERY == 0:
            # Multiplicative row weights (boosting): the loss stays the
            # notebook's, each row's share follows how badly it is missed.
            bad = np.abs(yhat - Yw) > max(2 * r, settings.tolerance * (not settings.certify))
            boost *= np.where(bad, _DT(_UP), _DT(1))
            boost /= boost.max(axis=0)
            rho = rho0 * boost
            rho *= N / rho.sum(axis=0)
        if epoch % settings.check_every and epoch != settings.max_epochs:
            continue
        found = _accept(X, Yw, Ws, bs, len(active), R, settings)
        keep = []
        for j, f in enumerate(active):
            if found[j] is not None:
                done[f] = (found[j], epoch)
            else:
                keep.append(j)
        if len(keep) < len(active):
            if not keep:
                break
            cand = (np.asarray(keep)[:, None] * R + np.arange(R)).ravel()
            cols = [(cand[:, None] * n + np.arange(n)).ravel() for n in sizes_out]
            Ws = [Ws[0][:, cols[0]]] + [
                W[np.ix_(ci, co)] for W, ci, co in zip(Ws[1:], cols[:-1], cols[1:])
            ]
            bs = [b[c] for b, c in zip(bs, cols)]
            masks = [None if masks[0] is None else masks[0][:, cols[0]]] + [
                M[np.ix_(ci, co)] for M, ci, co in zip(masks[1:], cols[:-1], cols[1:])
            ]
            Yw, sgn, rho0, boost, rho = (a[:, cols[-1]] for a in (Yw, sgn, rho0, boost, rho))
            active = active[keep]
    return done


def _export(Ws, bs, C: int, c: int, alpha: float) -> list[np.ndarray]:
    """Candidate ``c`` of ``C`` as plain float64 ``[W1, .., b1, ..]``, times ``alpha``.

    Folds the centring back in: a layer fed ``z - 0.5`` is a plain layer fed
    ``z`` with bias ``b - 0.5 * sum(W, axis=0)``.
    """
    out_W, out_b = [], []
    rows = slice(None)
    for W, b in zip(Ws, bs):
        n = len(b) // C
        cols = slice(c * n, (c + 1) * n)
        Wc = W[rows, cols].astype(float)
        out_W.append(alpha * Wc)
        out_b.append(alpha * (b[cols].astype(float) - 0.5 * Wc.sum(axis=0)))
        rows = cols
    return out_W + out_b


def _accept(X, Yw, Ws, bs, F: int, R: int, settings: TrainSettings):
    """Per table: its best accepted candidate, sharpened, as float64 params, or None.

    Sharpening: multiplying every weight and bias by ``alpha > 1`` keeps each
    unit's decision boundary and pushes its outputs towards 0 and 1, which is
    where gradient descent on a sigmoid heads anyway, only slowly (the
    gradient vanishes as units saturate).  Every pre-activation is linear in
    the parameters, so the factors reuse one computation of them.  Screened
    in float32 over all candidates; the winner of each table is then proved
    again in float64 on the exported plain net.
    """
    C = F * R
    m = Yw.shape[1] // C
    d = settings.delta
    lo, hi = box(X, d)
    lo, hi, pt = (np.asarray(a - 0.5, dtype=_DT) for a in (lo, hi, X))
    W1, b1 = Ws[0], bs[0]
    P1, N1 = np.maximum(W1, 0), np.minimum(W1, 0)
    s_lo, s_hi, s_pt = lo @ P1 + hi @ N1 + b1, hi @ P1 + lo @ N1 + b1, pt @ W1 + b1
    if len(Ws) == 2:
        W2, b2 = Ws[1], bs[1]
        P2, N2 = np.maximum(W2, 0), np.minimum(W2, 0)
    alpha = np.ones(C)
    score = np.full(C, np.inf)
    for a in _SHARPEN:
        a32 = _DT(a)
        if len(Ws) == 1:
            o_lo, o_hi, o_pt = _sig(a32 * s_lo), _sig(a32 * s_hi), _sig(a32 * s_pt)
        else:
            z_lo, z_hi = _sig(a32 * s_lo) - _DT(0.5), _sig(a32 * s_hi) - _DT(0.5)
            z_pt = _sig(a32 * s_pt) - _DT(0.5)
            o_lo = _sig(a32 * (z_lo @ P2 + z_hi @ N2 + b2))
            o_hi = _sig(a32 * (z_hi @ P2 + z_lo @ N2 + b2))
            o_pt = _sig(a32 * (z_pt @ W2 + b2))
        err = np.abs(o_pt - Yw).max(axis=0).reshape(C, m).max(axis=1)
        margin = np.maximum(np.abs(o_lo - Yw), np.abs(o_hi - Yw))
        margin = margin.max(axis=0).reshape(C, m).max(axis=1)
        ok = err <= settings.tolerance
        if settings.certify:
            ok &= margin <= d
        new = ok & ~np.isfinite(score)
        alpha[new] = a
        score[new] = (margin if settings.certify else err)[new]
        if np.isfinite(score).all():
            break
    found: list[list[np.ndarray] | None] = [None] * F
    y = Yw.reshape(len(X), C, m)
    for j in range(F):
        for c in j * R + np.argsort(score[j * R:(j + 1) * R], kind="stable"):
            if not np.isfinite(score[c]):
                break
            params = _export(Ws, bs, C, int(c), float(alpha[c]))
            nl = len(params) // 2
            net = GateNet(params[:nl], params[nl:])
            target = y[:, c, :].astype(float)
            err64 = float(np.max(np.abs(net.forward(X) - target)))
            ok64 = err64 <= settings.tolerance
            if settings.certify:
                b_lo, b_hi = net.bound(*box(X, d))
                ok64 &= float(np.max(np.maximum(np.abs(b_lo - target), np.abs(b_hi - target)))) <= d
            if ok64:
                found[j] = params
                break
    return found


def _ibp_grads(X, Y, sgn, rho, Ws, bs, r):
    """Gradients of 0.5*sum(rho*(y - worst)**2), ``worst`` the box bound furthest from y.

    ``X`` holds the box centres, ``r`` the box half-width; wide layout (see
    :func:`_train_batch`).  The forward pass carries each layer as a centre
    ``mid`` and a radius ``rad``; with ``r == 0`` the radii vanish and this is
    the notebook's forward and backward pass.  Returns ``[dW.., db..]`` and
    the worst-case outputs.
    """
    if len(Ws) == 1:
        (W1,), (b1,) = Ws, bs
        s = X @ W1 + b1
        if r:
            s += sgn * (r * np.abs(W1).sum(axis=0))
        yhat = _sig(s)
        err = rho * (yhat - Y) * yhat * (1 - yhat)
        dW1 = X.T @ err
        if r:
            dW1 += r * np.sign(W1) * (err * sgn).sum(axis=0)
        return [dW1, err.sum(axis=0)], yhat
    (W1, W2), (b1, b2) = Ws, bs
    s1 = X @ W1 + b1
    half = _DT(0.5)
    if r:
        r1 = r * np.abs(W1).sum(axis=0)
        z_lo, z_hi = _sig(s1 - r1), _sig(s1 + r1)
        mid, rad = (z_lo + z_hi) * half - half, (z_hi - z_lo) * half
        aW2 = np.abs(W2)
        s2 = mid @ W2 + b2 + sgn * (rad @ aW2)
    else:
        z = _sig(s1)
        mid = z - half
        s2 = mid @ W2 + b2
    yhat = _sig(s2)
    err2 = rho * (yhat - Y) * yhat * (1 - yhat)
    dW2 = mid.T @ err2
    back = err2 @ W2.T
    if r:
        err2r = err2 * sgn
        dW2 += np.sign(W2) * (rad.T @ err2r)
        back_r = err2r @ aW2.T
        d_lo = (back - back_r) * half * z_lo * (1 - z_lo)
        d_hi = (back + back_r) * half * z_hi * (1 - z_hi)
        err1 = d_lo + d_hi
        dW1 = X.T @ err1 + r * np.sign(W1) * (d_hi - d_lo).sum(axis=0)
    else:
        err1 = back * z * (1 - z)
        dW1 = X.T @ err1
    return [dW1, dW2, err1.sum(axis=0), err2.sum(axis=0)], yhat
