"""The bp module's matrix form beyond the flagship claim: it runs on plain arrays, its gradient
is the mean over samples, and bad shapes get errors that name the expected shape.

(That the δ equations equal the graph's gradients — the flagship — is
tests/test_autodiff_equals_bp.py; gradcheck's report is tests/test_gradcheck.py.)
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from microbp import MLP, activations, bp, losses, squared_error, total_error


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
    plain = losses.get("squared_error").E([1, 0], None, [Fraction(1, 2), Fraction(1, 4)])
    assert plain == E.data  # the plain numbers, exact too
    with pytest.raises(ValueError, match="2 targets for 1 outputs"):
        squared_error([1, 0], [Value(1.0)])
    with pytest.raises(ValueError, match="N ≥ 1"):
        total_error([], [])


@pytest.mark.parametrize("activation", [["tanh", "sigmoid"], ["relu", "softmax"]])
def test_forward_matrix_is_the_graphs_forward_pass_row_by_row(activation):
    net = MLP([2, 5, 3], activation=activation, seed=4)
    X = np.random.default_rng(0).normal(size=(7, 2))
    z, a = bp.forward_matrix(net, X)
    assert set(z) == {2, 3} and set(a) == {1, 2, 3} and a[3].shape == (7, 3)
    for row, x in enumerate(X):
        fw = net.forward(list(x))
        for l in (2, 3):
            assert z[l][row] == pytest.approx([v.data for v in fw.z[l]], rel=1e-12, abs=1e-15)
            assert a[l][row] == pytest.approx([v.data for v in fw.a[l]], rel=1e-12, abs=1e-15)
    with pytest.raises(ValueError, match="n₁"):
        bp.forward_matrix(net, np.zeros((4, 3)))


# --------------------------------------------------------------------------------------------
# Guards for the speed-ups of the formulas method (benchmarks/formulas.py measures the speed).


def masked_sigmoid(z: np.ndarray) -> np.ndarray:
    """The textbook overflow-free σ: pick 1/(1 + e^{−z}) or e^{z}/(1 + e^{z}) per element."""
    out = np.empty_like(z, dtype=np.float64)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    e = np.exp(z[~pos])
    out[~pos] = e / (1.0 + e)
    return out


@pytest.mark.parametrize("scale", [0.1, 3.0, 40.0, 1e4])
def test_vectorised_sigmoid_equals_the_masked_form_bit_for_bit(scale):
    z = np.random.default_rng(0).normal(0.0, scale, (200, 37))
    assert np.array_equal(activations.ACTIVATIONS["sigmoid"].f_np(z), masked_sigmoid(z))


def test_vectorised_sigmoid_never_overflows():
    z = np.array([-np.inf, -1e308, -1000.0, -745.0, -0.0, 0.0, 745.0, 1000.0, 1e308, np.inf])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        a = activations.ACTIVATIONS["sigmoid"].f_np(z)
        da = activations.ACTIVATIONS["softplus"].df_np(z, None)
    assert np.array_equal(a, masked_sigmoid(z)) and np.array_equal(da, a)
    assert a[0] == 0.0 and a[-1] == 1.0 and a[4] == a[5] == 0.5


def test_vectorised_sigmoid_accepts_integer_and_nested_input():
    f = activations.ACTIVATIONS["sigmoid"].f_np
    assert np.array_equal(f(np.array([[1, -2]])), masked_sigmoid(np.array([[1.0, -2.0]])))


def test_backprop_on_arrays_does_not_change_the_weights():
    # The formulas method keeps the weights in numpy arrays for a whole run: backprop reads
    # them and must never write into them.
    rng = np.random.default_rng(1)
    W = {2: rng.normal(size=(5, 3)), 3: rng.normal(size=(2, 5))}
    b = {2: rng.normal(size=5), 3: rng.normal(size=2)}
    copies = ({l: w.copy() for l, w in W.items()}, {l: v.copy() for l, v in b.items()})
    X, Y = rng.normal(size=(7, 3)), rng.normal(size=(7, 2))
    for name in ("sigmoid", "tanh", "relu", "softplus", "identity"):
        bp.backprop(bp.Weights(W, b, name), X, Y)
    assert all(np.array_equal(W[l], copies[0][l]) and np.array_equal(b[l], copies[1][l]) for l in W)
