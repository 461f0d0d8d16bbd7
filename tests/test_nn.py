"""GateNet and training, each checked against an independent oracle."""

import numpy as np
import pytest

from circuitnn.ir.primitives import STANDARD
from circuitnn.ir.truthtable import TruthTable
from circuitnn.nn import (
    GateNet,
    TrainingError,
    TrainSettings,
    certified_margin,
    sigmoid,
    train,
    train_many,
)

ALL = list(STANDARD)  # every standard primitive, at every fan-in


def _random_net(rng, sizes):
    return GateNet([rng.normal(0, 2, (a, b)) for a, b in zip(sizes[:-1], sizes[1:])],
                   [rng.normal(0, 1, b) for b in sizes[1:]])


@pytest.mark.parametrize("sizes", [[2, 1], [3, 4, 2], [4, 3, 5, 1]])
def test_backward_matches_finite_differences(sizes):
    rng = np.random.default_rng(1)
    net = _random_net(rng, sizes)
    X = rng.random((7, sizes[0]))
    y = rng.integers(0, 2, (7, sizes[-1]))
    grads = net.backward(X, y)
    params = net.weights + net.biases
    eps = 1e-6
    for p, g in zip(params, grads):
        num = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            up = net.loss(X, y)
            p[idx] = old - eps
            down = net.loss(X, y)
            p[idx] = old
            num[idx] = (up - down) / (2 * eps)
        np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-8)


# ------------------------------------------- the production gradient, _ibp_grads
# Training (nn/train.py) runs its own forward and backward pass, _ibp_grads:
# layers fed ``z - 0.5`` (centred) and the worst case over a box of half-width
# r around each row.  These tests tie it to the notebook's GateNet.backward and
# to finite differences of a loss computed here from GateNet.bound.
def _plain(Ws, bs):
    """The GateNet equal to centred layers: ``(z - 0.5) @ W + b == z @ W + (b - 0.5 sum W)``."""
    return GateNet([W.copy() for W in Ws], [b - 0.5 * W.sum(axis=0) for W, b in zip(Ws, bs)])


def _rows(k, m, rng):
    X = np.array([[(r >> (k - 1 - i)) & 1 for i in range(k)] for r in range(2 ** k)], float)
    return X, rng.integers(0, 2, (2 ** k, m)).astype(float)


@pytest.mark.parametrize("sizes", [[2, 1], [3, 4, 2]])
def test_training_gradient_is_the_notebook_backward_at_zero_radius(sizes):
    from circuitnn.nn.train import _ibp_grads

    rng = np.random.default_rng(3)
    random = _random_net(rng, sizes)
    Ws, bs = random.weights, random.biases
    X, Y = _rows(sizes[0], sizes[-1], rng)
    grads, yhat = _ibp_grads(X - 0.5, Y, 1 - 2 * Y, np.ones_like(Y), Ws, bs, 0.0)
    net = _plain(Ws, bs)
    ref = net.backward(X, Y)
    n = len(Ws)
    np.testing.assert_allclose(yhat, net.forward(X), rtol=0, atol=1e-12)
    for i in range(n):
        # the chain rule through b_plain = b - 0.5 * sum(W): dL/dW = dW_plain - 0.5 db_plain
        np.testing.assert_allclose(grads[i], ref[i] - 0.5 * ref[n + i][None, :], atol=1e-12)
        np.testing.assert_allclose(grads[n + i], ref[n + i], atol=1e-12)


@pytest.mark.parametrize("sizes", [[2, 1], [3, 4, 2]])
def test_training_gradient_matches_finite_differences_of_the_box_loss(sizes):
    from circuitnn.nn.train import _ibp_grads

    rng = np.random.default_rng(4)
    random = _random_net(rng, sizes)
    Ws, bs = random.weights, random.biases
    X, Y = _rows(sizes[0], sizes[-1], rng)
    rho, r = rng.uniform(0.5, 2, Y.shape), 0.05
    centre = X + r * (1 - 2 * X)  # each row's box [centre - r, centre + r] inside the cube

    def loss():
        lo, hi = _plain(Ws, bs).bound(centre - r, centre + r)
        worst = np.where(Y == 1, lo, hi)
        return 0.5 * float(np.sum(rho * (Y - worst) ** 2))

    grads, _ = _ibp_grads(centre - 0.5, Y, 1 - 2 * Y, rho, Ws, bs, r)
    eps = 1e-6
    for p, g in zip(Ws + bs, grads):
        num = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            up = loss()
            p[idx] = old - eps
            down = loss()
            p[idx] = old
            num[idx] = (up - down) / (2 * eps)
        np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("sizes", [[2, 1], [3, 4, 2], [5, 6, 3, 1]])
def test_bound_is_sound_against_dense_sampling(sizes):
    rng = np.random.default_rng(2)
    net = _random_net(rng, sizes)
    centre = rng.integers(0, 2, (16, sizes[0])).astype(float)
    lo, hi = net.bound(centre - 0.2, centre + 0.2)
    pts = centre[:, None, :] + rng.uniform(-0.2, 0.2, (16, 2000, sizes[0]))
    corners = centre[:, None, :] + 0.2 * rng.choice([-1.0, 1.0], (16, 200, sizes[0]))
    for sample in (pts, corners):
        out = net.forward(sample.reshape(-1, sizes[0])).reshape(16, -1, sizes[-1])
        assert (out >= lo[:, None, :] - 1e-12).all()
        assert (out <= hi[:, None, :] + 1e-12).all()


def test_sigmoid_extremes_without_warnings():
    with np.errstate(over="raise"):
        assert sigmoid(np.array([-1000.0, 1000.0])).tolist() == [0.0, 1.0]


def _check_accepted(net, tt, settings):
    X = tt.input_matrix()
    err = np.abs(net.forward(X) - tt.table).max()
    assert err <= settings.tolerance and abs(err - net.max_err) < 1e-12
    assert (net.forward(X).round() == tt.table).all()
    if settings.certify:
        assert net.delta == settings.delta
        assert certified_margin(net, tt, settings.delta) <= settings.delta
        # the certificate, checked by sampling the boxes' corners (signals lie
        # in [0, 1], so a box reaches delta inwards from each logic level)
        rng = np.random.default_rng(0)
        d = settings.delta
        Xf = X[:, None, :].astype(float)
        pts = Xf + d * (1 - 2 * Xf) * rng.choice(
            [0.0, 1.0], (len(X), 64, tt.n_inputs))
        out = net.forward(pts.reshape(-1, tt.n_inputs)).reshape(len(X), 64, -1)
        assert (np.abs(out - tt.table[:, None, :]) <= d).all()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_standard_primitives_train_to_acceptance(seed):
    settings = TrainSettings(seed=seed)
    tts = [STANDARD[n] for n in ALL]
    for net, tt in zip(train_many(tts, settings), tts):
        assert net.name == tt.name
        _check_accepted(net, tt, settings)


def test_training_is_deterministic_and_batch_independent():
    tts = [STANDARD["XOR2"], STANDARD["AND2"], STANDARD["MUX2"]]
    alone = [train(t) for t in tts]
    together = train_many(tts)
    for a, b in zip(alone, together):
        assert a.arch == b.arch
        for p, q in zip(a.weights + a.biases, b.weights + b.biases):
            np.testing.assert_array_equal(p, q)


def test_xor_escalates_when_small_nets_fail():
    settings = TrainSettings(restarts=1, hidden_sizes=(1, 2, 3, 4, 8))
    msgs = []
    net = train(STANDARD["XOR2"], settings, progress=msgs.append)
    assert msgs[0] == "XOR2: hidden size 1 failed; escalating"  # XOR is not a threshold
    assert net.arch != "2-1-1"
    _check_accepted(net, STANDARD["XOR2"], settings)


def test_impossible_budget_raises():
    with pytest.raises(TrainingError, match=r"^could not train XOR2: none of hidden sizes "
                       r"\[0\] can compute it .*; try TrainSettings\(restarts="):
        train(STANDARD["XOR2"], TrainSettings(hidden_sizes=(0,)))
    with pytest.raises(TrainingError, match=r"^could not train XOR2: hidden sizes 1 tried, "
                       r"1 restarts x 50 epochs each \(.*s\): no candidate reached "
                       r"tolerance 0.1 with certificate delta=0.1;"):
        train(STANDARD["XOR2"], TrainSettings(hidden_sizes=(1,), restarts=1, max_epochs=50))


def test_ten_input_three_output_table_trains():
    # Outputs on disjoint input groups: certifiable, and each needs all its inputs.
    tt = TruthTable.from_expr(
        {"p": "a & b & c", "q": "d ^ e", "r": "(f | g) & ~h & (i | j)"},
        inputs="abcdefghij", name="user10")
    # Default training reaches 10-6-3 (~10 s);
    # starting at 8 keeps the suite fast and tests the same machinery.
    settings = TrainSettings(hidden_sizes=(8, 12))
    net = train(tt, settings)
    assert (net.n_inputs, net.n_outputs) == (10, 3)
    _check_accepted(net, tt, settings)


def test_uncertified_training_of_a_multi_output_table():
    tt = TruthTable.from_expr({"carry": "a & b", "sum": "a ^ b"}, name="half_adder")
    settings = TrainSettings(certify=False)
    _check_accepted(train(tt, settings), tt, settings)


def test_repr_and_key():
    net = train(STANDARD["AND2"])
    assert repr(net).startswith("GateNet(AND2 2-1, max_err=")
    key = TrainSettings().key()
    assert key["delta"] == 0.1 and isinstance(key["hidden_sizes"], list)
