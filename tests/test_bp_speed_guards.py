"""Guards for the speed-ups of the formulas road (benchmarks/formulas.py measures the speed)."""

from __future__ import annotations

import numpy as np
import pytest

from microbp import activations, bp


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
    # The formulas road keeps the weights in numpy arrays for a whole run: backprop reads
    # them and must never write into them.
    rng = np.random.default_rng(1)
    W = {2: rng.normal(size=(5, 3)), 3: rng.normal(size=(2, 5))}
    b = {2: rng.normal(size=5), 3: rng.normal(size=2)}
    copies = ({l: w.copy() for l, w in W.items()}, {l: v.copy() for l, v in b.items()})
    X, Y = rng.normal(size=(7, 3)), rng.normal(size=(7, 2))
    for name in ("sigmoid", "tanh", "relu", "softplus", "identity"):
        bp.backprop(bp.Weights(W, b, name), X, Y)
    assert all(np.array_equal(W[l], copies[0][l]) and np.array_equal(b[l], copies[1][l]) for l in W)
