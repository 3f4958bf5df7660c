"""Engine code written for micrograd's Value runs unchanged on microbp's and gives the same
numbers: its README example (published values) and the expressions of its tests, run through
both engines side by side."""

from __future__ import annotations

import math

import pytest

from microbp import Value


def readme_example(Value):
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return g.data, a.grad, b.grad


def sanity_check(Value):
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    return y.data, x.grad


def more_ops(Value):
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    g.backward()
    return g.data, a.grad, b.grad


def test_readme_example_gives_micrograds_published_numbers():
    g, a_grad, b_grad = readme_example(Value)
    assert f"{g:.4f}" == "24.7041"
    assert f"{a_grad:.4f}" == "138.8338"
    assert f"{b_grad:.4f}" == "645.5773"


@pytest.mark.parametrize("expr", [readme_example, sanity_check, more_ops])
def test_same_numbers_as_micrograd(expr):
    micrograd = pytest.importorskip("micrograd.engine")
    ours, theirs = expr(Value), expr(micrograd.Value)
    for u, v in zip(ours, theirs):
        assert math.isclose(u, v, rel_tol=1e-12), (ours, theirs)


def test_micrograd_sanity_check_values_by_hand():
    # x = −4: z = 3x + 2 = −10, q = relu(z) + zx = 40, h = relu(z²) = 100, y = h + q + qx = −20;
    # dy/dx = 2z·3 + (3x + z)(1 + x) + q = −60 + (−22)(−3) + 40 = 46
    y, x_grad = sanity_check(Value)
    assert (y, x_grad) == (-20.0, 46.0)


def test_micrograd_style_training_loop_runs():
    """A user's micrograd neuron code, unchanged but for the import."""
    import random

    rng = random.Random(0)
    w = [Value(rng.uniform(-1, 1)) for _ in range(2)]
    b = Value(0.0)
    data = [([1.0, 2.0], 1.0), ([-1.0, -1.5], -1.0), ([2.0, -1.0], 1.0)]
    for _ in range(30):
        loss = sum(((sum((wi * xi for wi, xi in zip(w, x)), b)).tanh() - y) ** 2 for x, y in data)
        for p in w + [b]:
            p.grad = 0
        loss.backward()
        for p in w + [b]:
            p.data -= 0.1 * p.grad
    assert loss.data < 0.2
