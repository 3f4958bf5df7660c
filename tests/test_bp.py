"""BP-1…BP-4 (index form and matrix form) against the graph's gradients.

δᵢ⁽ˡ⁾ is the gradient of the z-node: after E.backward(), z.grad must equal the δ the
formulas give — with == on Fraction nets with piecewise-linear activations, and to 1e-12
relative in float64 for every activation.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from microbp import MLP, bp, gradcheck, squared_error, total_error
from microbp.activations import ACTIVATIONS


def autodiff(net, x, y):
    """(δ per layer from the z-nodes, ∂E/∂θ in parameter order, E) by the graph."""
    fw = net.forward(x)
    E = squared_error(y, fw.output)
    net.zero_grad()
    E.backward()
    deltas = {l: fw.delta(l) for l in fw.z}
    return deltas, [p.grad for p in net.parameters()], E.data


def exact_net(sizes, activations, rng):
    net = MLP(sizes, activation=activations)
    for p in net.parameters():
        p.data = Fraction(rng.randint(-9, 9), rng.randint(1, 5))
    return net


SHAPES = [[1, 1], [3, 3, 2], [2, 1, 1, 2], [4, 1, 3], [2, 3, 3, 3, 3, 3, 1], [1, 5, 1]]


@pytest.mark.parametrize("sizes", SHAPES, ids=str)
@pytest.mark.parametrize("act", ["relu", "identity", "mixed"])
def test_fraction_nets_agree_exactly(sizes, act):
    rng = random.Random(len(sizes) * 31 + sum(sizes))
    acts = act if act != "mixed" else [("relu", "identity")[l % 2] for l in range(len(sizes) - 1)]
    net = exact_net(sizes, acts, rng)
    x = [Fraction(rng.randint(-5, 5), rng.randint(1, 3)) for _ in range(sizes[0])]
    y = [Fraction(rng.randint(-5, 5), rng.randint(1, 3)) for _ in range(sizes[-1])]
    deltas, grads, E = autodiff(net, x, y)
    formulas = bp.index_form(net, x, y)
    assert all(type(g) in (int, Fraction) for g in grads)
    assert deltas == formulas.delta
    assert grads == formulas.flat()
    assert E == formulas.E


@given(
    sizes=st.lists(st.integers(1, 4), min_size=2, max_size=6),
    seed=st.integers(0, 10**6),
    relu=st.lists(st.booleans(), min_size=5, max_size=5),
)
def test_random_fraction_nets_agree_exactly(sizes, seed, relu):
    rng = random.Random(seed)
    acts = ["relu" if r else "identity" for r in relu[: len(sizes) - 1]]
    net = exact_net(sizes, acts, rng)
    x = [Fraction(rng.randint(-5, 5), rng.randint(1, 4)) for _ in range(sizes[0])]
    y = [Fraction(rng.randint(-5, 5), rng.randint(1, 4)) for _ in range(sizes[-1])]
    deltas, grads, _ = autodiff(net, x, y)
    formulas = bp.index_form(net, x, y)
    assert deltas == formulas.delta and grads == formulas.flat()


def close(a, b, scale):
    """Within 1e-12 relative, measured against the size of the gradients being compared."""
    return abs(a - b) <= 1e-12 * max(abs(a), abs(b), scale)


@pytest.mark.parametrize("act", sorted(ACTIVATIONS))
@pytest.mark.parametrize("sizes", [[3, 3, 2], [2, 5, 4, 3, 1], [4, 1, 1, 2]], ids=str)
def test_float_autodiff_index_and_matrix_forms_agree(act, sizes):
    rng = random.Random(7)
    net = MLP(sizes, activation=act, seed=2, init="xavier")
    for b in net.parameters():
        b.data += rng.uniform(-0.3, 0.3)  # nonzero biases too
    X = np.array([[rng.uniform(-1, 1) for _ in range(sizes[0])] for _ in range(5)])
    Y = np.array([[rng.uniform(0, 1) for _ in range(sizes[-1])] for _ in range(5)])

    matrix = bp.backprop(net, X, Y)
    per_sample = []
    for n in range(len(X)):
        deltas, grads, E = autodiff(net, list(X[n]), list(Y[n]))
        index = bp.index_form(net, list(X[n]), list(Y[n]))
        scale = max(abs(g) for g in grads)
        assert all(close(g, f, scale) for g, f in zip(grads, index.flat()))
        for l, d in deltas.items():
            assert all(close(u, v, scale) for u, v in zip(d, index.delta[l]))
            assert all(close(u, v, scale) for u, v in zip(d, matrix.delta[l][n]))
        assert math.isclose(E, index.E, rel_tol=1e-12)
        per_sample.append(grads)
    mean = np.mean(per_sample, axis=0)
    flat = matrix.flat()
    scale = float(np.max(np.abs(mean)))
    assert all(close(u, v, scale) for u, v in zip(mean, flat))
    E_total = total_error(Y.tolist(), [net(list(x)) for x in X]).data
    assert math.isclose(matrix.E, E_total, rel_tol=1e-12)


@given(
    sizes=st.lists(st.integers(1, 5), min_size=2, max_size=5),
    act=st.sampled_from(sorted(ACTIVATIONS)),
    seed=st.integers(0, 10**6),
)
def test_random_float_nets_agree_with_the_formulas(sizes, act, seed):
    rng = random.Random(seed)
    net = MLP(sizes, activation=act, seed=seed, init="xavier")
    x = [rng.uniform(-1, 1) for _ in range(sizes[0])]
    y = [rng.uniform(-1, 1) for _ in range(sizes[-1])]
    deltas, grads, _ = autodiff(net, x, y)
    index = bp.index_form(net, x, y)
    matrix = bp.backprop(net, [x], [y])
    scale = max(abs(g) for g in grads)
    assert all(close(g, f, scale) for g, f in zip(grads, index.flat()))
    assert all(close(g, f, scale) for g, f in zip(grads, matrix.flat()))


@pytest.mark.parametrize("act", sorted(ACTIVATIONS))
def test_gradcheck_passes_with_finite_differences_for_every_activation(act):
    net = MLP([3, 4, 2], activation=act, seed=5, init="xavier")
    report = gradcheck(net, [0.3, -0.7, 0.9], [0.2, 0.8])
    assert report.passed, str(report)
    assert max(r.numeric_diff for r in report.rows) < 1e-7


def test_gradcheck_catches_a_wrong_gradient(monkeypatch):
    net = MLP([2, 2, 1], activation="tanh", seed=1)
    real = bp.index_form

    def off_by_a_bit(*args):
        result = real(*args)
        result.db[3][0] *= 1.001
        return result

    monkeypatch.setattr(bp, "index_form", off_by_a_bit)
    report = gradcheck(net, [0.5, -0.5], [1.0])
    assert not report.passed
    assert [r.name for r in report.failures()] == ["b_1^(3)"]
    assert "FAIL" in str(report)


def test_gradcheck_leaves_the_numbers_as_they_were():
    net = MLP([2, 3, 1], activation="sigmoid")
    before = net.get_flat()
    gradcheck(net, [0.1, 0.2], [1.0])
    assert (net.get_flat() == before).all()


def test_matrix_form_runs_on_plain_arrays():
    net = MLP([3, 4, 2], activation=["tanh", "sigmoid"], seed=3)
    W, b = net.to_arrays()
    weights = bp.Weights(W, b, ["tanh", "sigmoid"])
    X = np.linspace(-1, 1, 12).reshape(4, 3)
    Y = np.linspace(0, 1, 8).reshape(4, 2)
    from_net, from_arrays = bp.backprop(net, X, Y), bp.backprop(weights, X, Y)
    assert (from_net.flat() == from_arrays.flat()).all()
    assert from_arrays.dW[2].shape == (4, 3) and from_arrays.db[3].shape == (2,)
    assert from_arrays.delta[2].shape == (4, 4)


def test_matrix_form_gradient_is_the_mean_over_samples():
    net = MLP([2, 3, 1], activation="softplus", seed=4)
    X = np.array([[0.1, 0.2], [-0.3, 0.4], [0.5, -0.6]])
    Y = np.array([[1.0], [0.0], [0.5]])
    whole = bp.backprop(net, X, Y).flat()
    parts = [bp.backprop(net, X[n], Y[n]).flat() for n in range(3)]
    assert np.allclose(whole, np.mean(parts, axis=0), rtol=1e-13, atol=0)


def test_bp_errors_name_the_expected_shape():
    net = MLP([3, 2])
    with pytest.raises(ValueError, match=r"X must have shape \(N, n₁\) = \(N, 3\)"):
        bp.backprop(net, np.zeros((4, 2)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"Y must have shape \(N, n_L\) = \(N, 2\)"):
        bp.backprop(net, np.zeros((4, 3)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="same N"):
        bp.backprop(net, np.zeros((4, 3)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="numeric"):
        bp.backprop(net, [["a", "b", "c"]], [[0, 0]])
    with pytest.raises(ValueError, match=r"expected 3 inputs"):
        bp.index_form(net, [1, 2], [0, 0])
    with pytest.raises(ValueError, match=r"expected 2 targets"):
        bp.index_form(net, [1, 2, 3], [0])
    with pytest.raises(ValueError, match="keyed by the layers 2…L"):
        bp.Weights({1: [[1.0]]}, {1: [0.0]})
    with pytest.raises(ValueError, match=r"W\[3\] has 2 columns but layer 2 has 1"):
        bp.Weights({2: [[1.0]], 3: [[1.0, 2.0]]}, {2: [0.0], 3: [0.0]})


def test_squared_error_is_half_the_squared_norm_exactly():
    from microbp import Value

    E = squared_error([1, 0], [Value(Fraction(1, 2)), Value(Fraction(1, 4))])
    assert E.data == Fraction(1, 2) * (Fraction(1, 4) + Fraction(1, 16))
    assert bp.squared_error([1, 0], [Fraction(1, 2), Fraction(1, 4)]) == E.data
    with pytest.raises(ValueError, match="2 targets for 1 outputs"):
        squared_error([1, 0], [Value(1.0)])
    with pytest.raises(ValueError, match="N ≥ 1"):
        total_error([], [])


def test_gradcheck_at_a_relu_kink_shows_but_does_not_compare_the_finite_difference():
    # x = 0 makes every z⁽²⁾ = b⁽²⁾ and z⁽³⁾ … sit where the probe θ ± ε crosses relu's kink.
    net = MLP([2, 3, 1], activation="relu", init="xavier")
    report = gradcheck(net, [0.0, 0.0], [1.0])
    assert report.passed, str(report)
    kinked = [r for r in report.rows if r.kink]
    assert kinked and any(r.numeric_diff > 0.1 for r in kinked)  # the quotient is off, and shown
    assert all(not r.kink for r in report.rows if r.name.startswith("w_") and "^(2)" in r.name)
    assert "kink: fd not compared" in str(report)


def test_gradcheck_away_from_kinks_flags_nothing():
    report = gradcheck(
        MLP([3, 4, 2], activation="relu", seed=5, init="xavier"), [0.3, -0.7, 0.9], [0.2, 0.8]
    )
    assert report.passed and not any(r.kink for r in report.rows)
