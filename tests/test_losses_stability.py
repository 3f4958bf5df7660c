"""Saturated outputs and huge logits: finite losses and gradients, and no warnings.

Outputs at 1 − 1e-17 (σ(z) rounds to 1.0 for z ≳ 37) and logits of ±1000 would give ln 0,
0/0 or overflow in a naive E = −Σ y ln a; the losses are computed from z (softplus and
log-sum-exp), and BP-1 uses δ⁽ᴸ⁾ = a − y. Warnings are errors in this module.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from microbp import MLP, Value, bp, fit, losses, optim

pytestmark = pytest.mark.filterwarnings("error")


def saturated_net(output: str, logits) -> MLP:
    """A 1-n net whose z⁽²⁾ equals ``logits`` for the input x = (1)."""
    n = len(logits)
    return MLP.from_weights({2: [[0.0]] * n}, {2: list(logits)}, activation=output)


CASES = [
    ("binary_cross_entropy", "sigmoid", [40.0, -40.0], [0.0, 1.0]),  # σ = 1 − 4e-18 → 1.0
    ("binary_cross_entropy", "sigmoid", [1000.0, -1000.0], [0.0, 1.0]),
    ("binary_cross_entropy", "sigmoid", [1000.0, -1000.0], [1.0, 0.0]),
    ("cross_entropy", "softmax", [1000.0, -1000.0, 0.0], [0.0, 1.0, 0.0]),
    ("cross_entropy", "softmax", [-1000.0, 1000.0, 999.0], [0.0, 1.0, 0.0]),
    ("squared_error", "softmax", [1000.0, -1000.0, 0.0], [0.0, 1.0, 0.0]),
    ("squared_error", "sigmoid", [1000.0, -1000.0], [0.0, 1.0]),
]


@pytest.mark.parametrize(("loss", "output", "z", "y"), CASES)
def test_saturated_outputs_give_finite_losses_and_gradients(loss, output, z, y):
    net = saturated_net(output, z)
    fw = net.forward([1.0])
    E = losses.get(loss).sample(y, fw.z[2], fw.output)
    E.backward()
    index = bp.index_form(net, [1.0], y, loss)
    matrix = bp.backprop(net, [[1.0]], [y], loss)
    for value in [E.data, index.E, matrix.E, *fw.delta(2), *index.flat(), *matrix.flat()]:
        assert math.isfinite(value)
    assert np.allclose(fw.delta(2), index.delta[2]) and np.allclose(fw.delta(2), matrix.delta[2])
    assert np.isclose(E.data, index.E) and np.isclose(E.data, matrix.E)


def test_a_wrong_saturated_output_costs_its_logit_and_learns_at_full_speed():
    """z = 1000 with target 0: E = 1000 (not ∞), ∂E/∂z = 1 (not 0 as with ½‖y − a‖²)."""
    z = Value(1000.0)
    E = losses.binary_cross_entropy([0], [z])
    E.backward()
    assert E.data == 1000.0 and z.grad == 1.0
    z2 = Value(1000.0)
    E2 = losses.squared_error([0], [z2.sigmoid()])
    E2.backward()
    assert z2.grad == 0.0  # σ′(1000) = a(1 − a) = 0: the saturated neuron cannot learn


def test_cross_entropy_of_logits_of_1000_is_exact():
    z = [Value(1000.0), Value(-1000.0)]
    E = losses.cross_entropy([0, 1], z)
    E.backward()
    assert E.data == 2000.0
    assert [zk.grad for zk in z] == [1.0, -1.0]


@pytest.mark.parametrize("gradients", ["autodiff", "formulas"])
def test_fit_from_saturated_logits_is_finite(gradients):
    net = MLP.from_weights({2: [[500.0], [-500.0]]}, {2: [500.0, -500.0]}, ["softmax"])
    h = fit(net, [[1.0]], [[0.0, 1.0]], optim.make("gd", 0.1), max_epochs=3, tol=0,
            loss="cross_entropy", quiet=True, gradients=gradients)  # fmt: skip
    assert all(math.isfinite(E) for E in h.loss) and h.loss[-1] < h.loss[0] == 2000.0
