"""The flagship claim: autodiff equals the δ equations BP-1 … BP-4.

δᵢ⁽ˡ⁾ ≡ ∂E/∂zᵢ⁽ˡ⁾ is the gradient of the z-node: after ``E.backward()``, ``z.grad`` must equal
the δ the formulas give (BP-1, BP-2), and ``w.grad``, ``b.grad`` their ∂E/∂w = δᵢ⁽ˡ⁾aⱼ⁽ˡ⁻¹⁾
(BP-3) and ∂E/∂b = δᵢ⁽ˡ⁾ (BP-4) — with ``==`` on Fraction nets with piecewise-linear
activations (relu, identity), and to 1e-12 relative in float64 for every activation, in
both the index form (``bp.index_form``) and the matrix form (``bp.backprop``).
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from microbp import MLP, bp, squared_error, total_error
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


# Exactly, with Fractions ---------------------------------------------------------------------

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


HAND_WRITTEN = {
    # relu then identity, all weights Fractions
    "relu-identity": (
        {2: [[Fraction(1, 2), Fraction(-1, 3)], [Fraction(2, 5), Fraction(1, 7)]],
         3: [[Fraction(3, 4), Fraction(-5, 6)]]},
        {2: [Fraction(1, 10), Fraction(-1, 10)], 3: [Fraction(1, 9)]},
        ["relu", "identity"],
        [Fraction(1), Fraction(-1, 2)],
        [Fraction(1, 3)],
    ),
    # relu everywhere, ints among the Fractions
    "relu-ints": (
        {2: [[Fraction(1, 3), Fraction(-1, 2)], [Fraction(2, 5), Fraction(1, 7)]], 3: [[1, -2]]},
        {2: [Fraction(1, 10), Fraction(-1, 9)], 3: [Fraction(1, 4)]},
        "relu",
        [Fraction(3, 2), Fraction(1, 3)],
        [Fraction(1)],
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(HAND_WRITTEN))
def test_autodiff_and_the_four_equations_agree_exactly_with_fractions(case):
    W, b, activation, x, y = HAND_WRITTEN[case]
    net = MLP.from_weights(W, b, activation=activation)
    squared_error(y, net(x)).backward()
    grads = [p.grad for p in net.parameters()]
    assert grads == bp.index_form(net, x, y).flat()
    assert all(type(g) in (Fraction, int) for g in grads)


# To 1e-12 in float64, every activation ---------------------------------------------------------


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
def test_delta_is_the_gradient_of_the_z_node(sizes, act, seed):
    """δᵢ⁽ˡ⁾ ≡ ∂E/∂zᵢ⁽ˡ⁾: after E.backward(), z.grad is the δ of the formulas, and the
    parameter gradients are theirs, on random float nets of every activation."""
    rng = random.Random(seed)
    net = MLP(sizes, activation=act, seed=seed, init="xavier")
    x = [rng.uniform(-1, 1) for _ in range(sizes[0])]
    y = [rng.uniform(-1, 1) for _ in range(sizes[-1])]
    deltas, grads, _ = autodiff(net, x, y)
    index = bp.index_form(net, x, y)
    matrix = bp.backprop(net, [x], [y])
    for l in range(2, net.L + 1):
        np.testing.assert_allclose(deltas[l], index.delta[l], rtol=1e-12, atol=1e-15)
    scale = max(abs(g) for g in grads)
    assert all(close(g, f, scale) for g, f in zip(grads, index.flat()))
    assert all(close(g, f, scale) for g, f in zip(grads, matrix.flat()))
