"""Every loss × output activation: the graph, the index form and the matrix form agree.

For each pair a loss is defined for (squared_error with every output activation, softmax
included; binary_cross_entropy with sigmoid; cross_entropy with softmax) the graph's δ⁽ˡ⁾ and
∂E/∂θ equal BP-1 (general form) … BP-4 to 1e-12 relative in float64, on both formula roads,
and all of them equal central finite differences. With Fractions and piecewise-linear
outputs the squared error stays exact: == on every δ and gradient.
"""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microbp import MLP, bp, fit, losses, optim
from microbp.gradcheck import gradcheck

PAIRS = [
    ("squared_error", "sigmoid"),
    ("squared_error", "tanh"),
    ("squared_error", "relu"),
    ("squared_error", "softplus"),
    ("squared_error", "identity"),
    ("squared_error", "softmax"),
    ("binary_cross_entropy", "sigmoid"),
    ("cross_entropy", "softmax"),
]


def targets(loss: str, n: int, rng: random.Random) -> list[float]:
    """Random targets of the form each loss expects."""
    if loss == "cross_entropy":
        y = [0.0] * n
        y[rng.randrange(n)] = 1.0  # a one-hot row
        return y
    return [rng.uniform(0.0, 1.0) for _ in range(n)]


def autodiff(net, x, y, loss):
    """(δ per layer from the z-nodes, ∂E/∂θ in parameter order, E) by the graph."""
    fw = net.forward(x)
    E = losses.get(loss).sample(y, fw.z[net.L], fw.output)
    net.zero_grad()
    E.backward()
    return {l: fw.delta(l) for l in fw.z}, [p.grad for p in net.parameters()], E.data


def close(a, b, rtol=1e-12):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = max(1.0, float(np.max(np.abs(a))), float(np.max(np.abs(b))))
    return np.allclose(a, b, rtol=rtol, atol=rtol * scale)


@pytest.mark.parametrize(("loss", "output"), PAIRS)
@pytest.mark.parametrize("seed", range(3))
def test_graph_index_form_and_matrix_form_agree(loss, output, seed):
    rng = random.Random(seed)
    net = MLP([3, 4, 3], activation=["tanh", output], seed=seed, init="xavier")
    x = [rng.uniform(-1, 1) for _ in range(3)]
    y = targets(loss, 3, rng)
    deltas, grads, E = autodiff(net, x, y, loss)
    index = bp.index_form(net, x, y, loss=loss)
    matrix = bp.backprop(net, [x], [y], loss=loss)
    for l in (3, 2):
        assert close(deltas[l], index.delta[l]), (l, deltas[l], index.delta[l])
        assert close(deltas[l], matrix.delta[l][0])
    assert close(grads, index.flat())
    assert close(grads, matrix.flat())
    assert close(E, index.E) and close(E, matrix.E)


@pytest.mark.parametrize(("loss", "output"), PAIRS)
def test_both_roads_match_central_finite_differences(loss, output):
    rng = random.Random(7)
    net = MLP([2, 3, 2], activation=["sigmoid", output], seed=3, init="xavier")
    x = [rng.uniform(-1, 1) for _ in range(2)]
    y = targets(loss, 2, rng)
    report = gradcheck(net, x, y, loss=loss)
    assert report.passed, str(report)
    assert not any(r.kink for r in report.rows)


@pytest.mark.parametrize("output", ["relu", "identity"])
@pytest.mark.parametrize("seed", range(4))
def test_squared_error_is_exact_with_fractions(output, seed):
    rng = random.Random(seed)
    net = MLP([2, 3, 2], activation=["relu", output])
    for p in net.parameters():
        p.data = Fraction(rng.randint(-9, 9), rng.randint(1, 5))
    x = [Fraction(rng.randint(-5, 5), 3) for _ in range(2)]
    y = [Fraction(rng.randint(0, 4), 4) for _ in range(2)]
    deltas, grads, E = autodiff(net, x, y, "squared_error")
    index = bp.index_form(net, x, y, loss="squared_error")
    assert grads == index.flat()
    assert deltas == index.delta
    assert E == index.E and isinstance(E, (int, Fraction))


@pytest.mark.parametrize(("loss", "output"), PAIRS)
def test_fit_follows_the_same_trajectory_on_both_roads(loss, output):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 2))
    if loss == "cross_entropy":
        Y = np.eye(2)[rng.integers(0, 2, size=6)]
    else:
        Y = rng.uniform(0, 1, size=(6, 2))
    runs = []
    for gradients in ("autodiff", "formulas"):
        net = MLP([2, 3, 2], activation=["tanh", output], seed=1, init="xavier")
        h = fit(net, X, Y, optim.make("gd", 0.3), max_epochs=15, tol=0, loss=loss, quiet=True,
                gradients=gradients)  # fmt: skip
        runs.append((h.loss, net.get_flat()))
    (loss_a, theta_a), (loss_f, theta_f) = runs
    assert len(loss_a) == len(loss_f) == 16
    assert close(loss_a, loss_f) and close(theta_a, theta_f)
    assert loss_a[-1] < loss_a[0]


@settings(max_examples=25)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 5))
def test_cross_entropy_total_error_is_the_mean_on_both_roads(seed, n):
    rng = random.Random(seed)
    net = MLP([2, 3, n], activation=["sigmoid", "softmax"], seed=seed, init="xavier")
    X = [[rng.uniform(-2, 2) for _ in range(2)] for _ in range(4)]
    Y = [targets("cross_entropy", n, rng) for _ in range(4)]
    passes = [net.forward(x) for x in X]
    E = losses.total_error(Y, [p.z[net.L] for p in passes], "cross_entropy")
    assert close(E.data, bp.backprop(net, X, Y, "cross_entropy").E)
    assert close(E.data, sum(bp.index_form(net, x, y, "cross_entropy").E for x, y in zip(X, Y)) / 4)


@pytest.mark.parametrize("loss", ["binary_cross_entropy", "cross_entropy"])
def test_sgd_mini_batches_follow_the_same_trajectory_on_both_roads(loss):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(7, 2))
    Y = np.eye(2)[rng.integers(0, 2, size=7)]
    output = "sigmoid" if loss == "binary_cross_entropy" else "softmax"
    runs = []
    for gradients in ("autodiff", "formulas"):
        net = MLP([2, 3, 2], activation=["tanh", output], seed=2, init="xavier")
        h = fit(net, X, Y, optim.make("sgd", 0.2, batch_size=3, seed=5), max_epochs=6, tol=0,
                loss=loss, quiet=True, gradients=gradients)  # fmt: skip
        runs.append((h.loss, net.get_flat(), h.updates))
    (loss_a, theta_a, n_a), (loss_f, theta_f, n_f) = runs
    assert n_a == n_f == 6 * 3
    assert close(loss_a, loss_f) and close(theta_a, theta_f)
