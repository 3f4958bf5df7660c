"""The softmax output layer: one function in three forms (Values, numbers, numpy rows).

aₖ = e^{zₖ} / Σⱼ e^{zⱼ} sums to 1, does not change when every zₖ is shifted by a constant,
and its graph's gradients are the Jacobian Jₖⱼ = aₖ(δₖⱼ − aⱼ) (checked by finite differences).
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from microbp import MLP, Value, bp
from microbp.activations import SOFTMAX
from microbp.nn import softmax

logits = st.lists(st.floats(-50, 50), min_size=2, max_size=6)


@given(z=logits)
def test_the_three_roads_give_one_distribution(z):
    values = [a.data for a in softmax([Value(zk) for zk in z])]
    numbers = SOFTMAX.f(z)
    rows = SOFTMAX.f_np(np.array([z, z]))
    assert np.allclose(values, numbers, rtol=1e-14, atol=1e-300)
    assert np.allclose(rows, [numbers, numbers], rtol=1e-14, atol=1e-300)
    assert math.isclose(math.fsum(numbers), 1.0, rel_tol=1e-14)
    assert all(0 <= a <= 1 for a in numbers)


@given(z=logits, c=st.floats(-500, 500))
def test_a_shift_of_every_logit_changes_nothing(z, c):
    assert np.allclose(SOFTMAX.f(z), SOFTMAX.f([zk + c for zk in z]), rtol=1e-9, atol=1e-12)


def test_the_graph_gives_the_jacobian():
    z0 = [0.3, -1.2, 2.0]
    a0 = SOFTMAX.f(z0)
    for k in range(3):
        z = [Value(zk) for zk in z0]
        softmax(z)[k].backward()
        for j in range(3):
            jac = a0[k] * ((k == j) - a0[j])  # Jₖⱼ = aₖ(δₖⱼ − aⱼ)
            h = 1e-6
            zp, zm = list(z0), list(z0)
            zp[j] += h
            zm[j] -= h
            fd = (SOFTMAX.f(zp)[k] - SOFTMAX.f(zm)[k]) / (2 * h)
            assert math.isclose(z[j].grad, jac, rel_tol=1e-12, abs_tol=1e-15)
            assert math.isclose(fd, jac, rel_tol=1e-6, abs_tol=1e-9)


def test_an_mlp_with_a_softmax_output_layer():
    net = MLP([2, 3, 3], activation=["tanh", "softmax"], seed=0)
    assert net.activations == ["tanh", "softmax"]
    out = net([0.5, -1.0])
    fw = net.forward([0.5, -1.0])
    assert [a.data for a in out] == [a.data for a in fw.output]
    assert math.isclose(sum(a.data for a in out), 1.0)
    z, a = bp.forward_index(net, [0.5, -1.0])
    assert np.allclose(a[3], [o.data for o in out], rtol=1e-15)
    assert "softmax" in repr(net)
