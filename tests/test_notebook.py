"""Reproduce every deterministic number the seed notebook prints.

Oracle: the notebook's printed output.  Its XOR cell ran twice: the forward,
loss and backward cells used the first draw ("XOR_first"), the printed and
trained weights are the second ("XOR").
"""

import numpy as np
import pytest

from circuitnn.nn import GateNet, notebook_nets

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
AND_Y = np.array([[0], [0], [0], [1]])
OR_Y = np.array([[0], [1], [1], [1]])
XOR_Y = np.array([[0], [1], [1], [0]])
HA_Y = np.array([[0, 0], [0, 1], [0, 1], [1, 0]])


@pytest.fixture(scope="module")
def nets():
    return notebook_nets()


def test_initial_weights(nets):
    a = nets["AND"]
    assert a.weights[0].ravel().tolist() == [0.3745401188473625, 0.9507143064099162]
    assert a.biases[0].tolist() == [0.7319939418114051]
    np.testing.assert_allclose(nets["OR"].weights[0].ravel(), [0.59865848, 0.15601864], atol=5e-9)
    np.testing.assert_allclose(nets["OR"].biases[0], [0.15599452], atol=5e-9)
    x = nets["XOR"]
    np.testing.assert_allclose(x.weights[0], [[0.18340451, 0.30424224], [0.52475643, 0.43194502]],
                               atol=5e-9)
    np.testing.assert_allclose(x.weights[1].ravel(), [0.29122914, 0.61185289], atol=5e-9)
    np.testing.assert_allclose(x.biases[0], [0.13949386, 0.29214465], atol=5e-9)
    np.testing.assert_allclose(x.biases[1], [0.36636184], atol=5e-9)
    h = nets["HALF_ADDER"]
    np.testing.assert_allclose(h.weights[0], [[0.45606998, 0.78517596], [0.19967378, 0.51423444]],
                               atol=5e-9)
    np.testing.assert_allclose(h.weights[1], [[0.59241457, 0.04645041], [0.60754485, 0.17052412]],
                               atol=5e-9)
    np.testing.assert_allclose(h.biases[0], [0.06505159, 0.94888554], atol=5e-9)
    np.testing.assert_allclose(h.biases[1], [0.96563203, 0.80839735], atol=5e-9)


def test_and(nets):
    a = nets["AND"]
    s, z = a._layers(X[:1])
    assert abs(s[0][0, 0] - 0.7319939418114051) < 1e-12
    assert abs(a.forward(X[:1])[0, 0] - 0.6752426767850529) < 1e-12
    assert abs(a.loss(X, AND_Y) - 0.8723062541831995) < 1e-12
    dW, db = a.backward(X, AND_Y)
    np.testing.assert_allclose([*dW.ravel(), *db],
                               [0.12895768951083897, 0.10006797336465945, 0.3884862448293551],
                               rtol=0, atol=1e-12)


def test_or(nets):
    o = nets["OR"]
    s, z = o._layers(X)
    np.testing.assert_allclose(z[-1].ravel(), [0.53891974, 0.57737657, 0.68019172, 0.71313758],
                               atol=5e-9)
    np.testing.assert_allclose(s[0].ravel(), [0.15599452, 0.31201316, 0.754653, 0.91067164],
                               atol=5e-9)
    assert abs(o.loss(X, OR_Y) - 0.326806213602541) < 1e-12
    dW, db = o.backward(X, OR_Y)
    np.testing.assert_allclose(dW.ravel(), [-0.12825232, -0.16180968], atol=5e-9)
    np.testing.assert_allclose(db, [-0.09746427], atol=5e-9)


def test_xor(nets):
    x = nets["XOR_first"]
    s, z = x._layers(X[:1])
    np.testing.assert_allclose(z[2].ravel(), [0.67533599], atol=5e-9)
    np.testing.assert_allclose(s[1].ravel(), [0.7324195], atol=5e-9)
    np.testing.assert_allclose(z[1].ravel(), [0.69687117, 0.55288622], atol=5e-9)
    np.testing.assert_allclose(s[0].ravel(), [0.83244264, 0.21233911], atol=5e-9)
    assert abs(x.loss(X, XOR_Y) - 0.5823104395794695) < 1e-12
    dW1, dW2, db1, db2 = x.backward(X, XOR_Y)
    np.testing.assert_allclose(dW1, [[0.00019447, 0.00636977], [0.00024919, 0.0051897]], atol=5e-9)
    np.testing.assert_allclose(dW2.ravel(), [0.13027526, 0.11807031], atol=5e-9)
    np.testing.assert_allclose(db1, [0.00064652, 0.0300295], atol=5e-9)
    np.testing.assert_allclose(db2, [0.17297179], atol=5e-9)


def _carry_loss(net):
    # The notebook's half-adder loss() returns loss[0]: the carry column only.
    return float(0.5 * np.sum((HA_Y[:, 0] - net.forward(X)[:, 0]) ** 2))


def test_half_adder(nets):
    h = nets["HALF_ADDER"]
    s, z = h._layers(X[:1])
    np.testing.assert_allclose(z[2].ravel(), [0.84676414, 0.72218121], atol=5e-9)
    np.testing.assert_allclose(s[1].ravel(), [1.70944391, 0.95530701], atol=5e-9)
    np.testing.assert_allclose(z[1].ravel(), [0.51625717, 0.720891], atol=5e-9)
    np.testing.assert_allclose(s[0].ravel(), [0.06505159, 0.94888554], atol=5e-9)
    assert abs(_carry_loss(h) - 1.1080985562421628) < 1e-12
    assert h.loss(X, HA_Y) > _carry_loss(h)  # the product's loss covers both outputs
    dW1, dW2, db1, db2 = h.backward(X, HA_Y)
    np.testing.assert_allclose(dW1, [[0.01302675, 0.00803441], [0.01422448, 0.00966333]],
                               atol=5e-9)
    np.testing.assert_allclose(dW2, [[0.16985128, 0.10685975], [0.23733058, 0.1444018]],
                               atol=5e-9)
    np.testing.assert_allclose(db1, [0.04559418, 0.03473642], atol=5e-9)
    np.testing.assert_allclose(db2, [0.30151753, 0.18022159], atol=5e-9)


def _gd(net: GateNet, y, epochs: int, record=None) -> GateNet:
    params = [p.copy() for p in net.weights + net.biases]
    n = len(net.weights)
    for _ in range(epochs):
        g = GateNet(params[:n], params[n:]).backward(X, y)
        for p, d in zip(params, g):
            p -= 1 * d  # lrt = 1
        if record is not None:
            record.append(_carry_loss(GateNet(params[:n], params[n:])))
    return GateNet(params[:n], params[n:])


def test_half_adder_training_losses(nets):
    # Cell 63 ran straight after cell 59's draw, so its printed losses are reproducible.
    losses = []
    _gd(nets["HALF_ADDER"], HA_Y, 5, losses)
    np.testing.assert_allclose(
        losses,
        [0.9059881002277557, 0.6400725478167372, 0.4611946204834877, 0.4083954412264893,
         0.39421299189972214], rtol=0, atol=1e-12)


@pytest.mark.parametrize("key, y, epochs", [
    ("AND", AND_Y, 10000), ("OR", OR_Y, 10000), ("XOR", XOR_Y, 10000),
    ("HALF_ADDER", HA_Y, 10000),
])
def test_trained_truth_tables(nets, key, y, epochs):
    trained = _gd(nets[key], y, epochs)
    assert (trained.forward(X).round() == y).all()


def test_notebook_nets_leave_the_global_random_state_alone():
    np.random.seed(7)
    expected = np.random.rand(3)
    np.random.seed(7)
    notebook_nets()
    assert np.array_equal(np.random.rand(3), expected)
