"""Sigmoid + binary cross-entropy and softmax + categorical cross-entropy: δ⁽ᴸ⁾ = a⁽ᴸ⁾ − y.

Three ways to the claim: the graph's z-node gradients on random nets; BP-1 in its general
form (∇_a E ⊙ σ′(z), J_softmaxᵀ ∇_a E, without the closed form) on the same nets; and, exactly,
the general form evaluated in Fractions for any rational a ∈ (0, 1) (sigmoid) or rational
distribution a (softmax), where f′ cancels against ∇_a E with no rounding at all.
"""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from microbp import MLP, bp, losses
from microbp.activations import ACTIVATIONS, SOFTMAX

CASES = [("binary_cross_entropy", "sigmoid"), ("cross_entropy", "softmax")]


def random_case(loss, seed, n, rng):
    net = MLP([3, 4, n], activation=["tanh", "sigmoid" if loss.startswith("b") else "softmax"],
              seed=seed, init="xavier")  # fmt: skip
    for p in net.parameters():
        p.data = rng.uniform(-2, 2)
    x = [rng.uniform(-2, 2) for _ in range(3)]
    if loss == "cross_entropy":
        y = [0.0] * n
        y[rng.randrange(n)] = 1.0
    else:
        y = [rng.choice([0.0, 1.0, rng.random()]) for _ in range(n)]
    return net, x, y


@settings(max_examples=30)
@given(seed=st.integers(0, 100_000), n=st.integers(2, 5), case=st.sampled_from(CASES))
def test_the_graph_gives_a_minus_y(seed, n, case):
    loss, _ = case
    rng = random.Random(seed)
    net, x, y = random_case(loss, seed, n, rng)
    fw = net.forward(x)
    E = losses.get(loss).sample(y, fw.z[net.L], fw.output)
    E.backward()
    a = [ak.data for ak in fw.output]
    assert np.allclose(fw.delta(net.L), np.subtract(a, y), rtol=0, atol=1e-15)


@settings(max_examples=30)
@given(seed=st.integers(0, 100_000), n=st.integers(2, 5), case=st.sampled_from(CASES))
def test_the_general_bp1_gives_a_minus_y(seed, n, case):
    loss, output = case
    rng = random.Random(seed)
    net, x, y = random_case(loss, seed, n, rng)
    g = bp.backprop(net, [x], [y], loss)
    f = SOFTMAX if output == "softmax" else ACTIVATIONS[output]
    Z, A = g.z[net.L], g.a[net.L]
    general = bp.output_delta_np(loss, f, np.array([y]), Z, A, closed_form=False)
    assert np.allclose(general, A - np.array([y]), rtol=1e-12, atol=1e-15)
    index = bp.output_delta(loss, f, y, Z[0].tolist(), A[0].tolist(), closed_form=False)
    assert np.allclose(index, A[0] - y, rtol=1e-12, atol=1e-15)
    assert np.array_equal(g.delta[net.L], A - np.array([y]))  # what bp uses: a − y itself


fractions_01 = st.fractions(min_value=0, max_value=1, max_denominator=1000)


@given(a=st.lists(fractions_01.filter(lambda q: 0 < q < 1), min_size=1, max_size=5),
       data=st.data())  # fmt: skip
def test_sigmoid_bce_cancels_exactly_in_fractions(a, data):
    y = data.draw(st.lists(fractions_01, min_size=len(a), max_size=len(a)))
    z = [None] * len(a)  # σ′ is taken from a: σ′ = a(1 − a)
    delta = bp.output_delta("binary_cross_entropy", ACTIVATIONS["sigmoid"], y, z, a,
                            closed_form=False)  # fmt: skip
    assert delta == [ak - yk for ak, yk in zip(a, y)]


@given(weights=st.lists(st.integers(1, 50), min_size=2, max_size=6), data=st.data())
def test_softmax_ce_cancels_exactly_in_fractions(weights, data):
    a = [Fraction(w, sum(weights)) for w in weights]  # a rational distribution, Σ a = 1
    k = data.draw(st.integers(0, len(a) - 1))
    y = [Fraction(int(i == k)) for i in range(len(a))]
    delta = bp.output_delta("cross_entropy", SOFTMAX, y, None, a, closed_form=False)
    assert delta == [ak - yk for ak, yk in zip(a, y)]


def test_squared_error_with_sigmoid_keeps_the_f_prime_factor():
    """The contrast the docs draw: with ½‖y − a‖² the factor σ′(z) = a(1 − a) stays."""
    a, y = [Fraction(49, 50)], [Fraction(0)]
    delta = bp.output_delta("squared_error", ACTIVATIONS["sigmoid"], y, [None], a)
    assert delta == [(a[0] - y[0]) * a[0] * (1 - a[0])]
    assert delta[0] < (a[0] - y[0]) / 50  # 50× smaller than a − y at a = 0.98
