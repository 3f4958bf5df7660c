"""micrograd's demo, ported to microbp: its README expression, then a small MLP classifier.

Run it with ``python examples/micrograd_demo.py`` (a few seconds).

1. The expression from micrograd's README, built from microbp Values with the same
   operators (``+ - * / **``, ``relu``, in-place ``+=``); microbp gives the numbers
   micrograd's README prints (g = 24.7041, dg/da = 138.8338, dg/db = 645.5773), and a
   central finite difference agrees.
2. A binary classifier on two interleaved half moons (generated here, 60 points): an
   MLP 2-8-8-1 with tanh hidden layers and an identity output, trained by full-batch gradient
   descent on the hinge loss with L2 regularisation, as micrograd's demo notebook does.
   The gradient comes from ``loss.backward()``; the update is a plain loop over
   ``net.parameters()``.
"""

import math
import random

from microbp import MLP, Value


# 1. The README expression ---------------------------------------------------------------
def expression(a_data: float, b_data: float) -> tuple[Value, Value, Value]:
    a, b = Value(a_data), Value(b_data)
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
    return a, b, g


a, b, g = expression(-4.0, 2.0)
g.backward()
print(f"g = {g.data:.4f}, dg/da = {a.grad:.4f}, dg/db = {b.grad:.4f}")
assert (f"{g.data:.4f}", f"{a.grad:.4f}", f"{b.grad:.4f}") == ("24.7041", "138.8338", "645.5773")

h = 1e-6
fd_a = (expression(-4.0 + h, 2.0)[2].data - expression(-4.0 - h, 2.0)[2].data) / (2 * h)
fd_b = (expression(-4.0, 2.0 + h)[2].data - expression(-4.0, 2.0 - h)[2].data) / (2 * h)
print(f"central differences: dg/da ≈ {fd_a:.4f}, dg/db ≈ {fd_b:.4f}")
assert math.isclose(fd_a, a.grad, rel_tol=1e-6) and math.isclose(fd_b, b.grad, rel_tol=1e-6)


# 2. A small classifier ------------------------------------------------------------------
def half_moons(n: int, noise: float, seed: int) -> tuple[list[list[float]], list[int]]:
    """n points on two interleaved half circles, labels +1 (upper) and −1 (lower)."""
    rng = random.Random(seed)
    X, y = [], []
    for k in range(n):
        t = math.pi * rng.random()
        if k % 2 == 0:
            point, label = [math.cos(t), math.sin(t)], 1
        else:
            point, label = [1.0 - math.cos(t), 0.5 - math.sin(t)], -1
        X.append([p + rng.gauss(0.0, noise) for p in point])
        y.append(label)
    return X, y


X, y = half_moons(60, noise=0.1, seed=1)
net = MLP([2, 8, 8, 1], activation=["tanh", "tanh", "identity"], seed=2, init="xavier")
print(f"\n{net}: {len(net.parameters())} parameters, {len(X)} points")


def loss_and_accuracy() -> tuple[Value, float]:
    scores = [net(x)[0] for x in X]
    # hinge loss: mean of max(0, 1 − yᵢ·scoreᵢ); plus α·‖θ‖² to keep the weights small
    hinge = sum(((1 - yi * s).relu() for yi, s in zip(y, scores)), Value(0.0)) / len(X)
    alpha = 1e-4
    reg = alpha * sum((p * p for p in net.parameters()), Value(0.0))
    accuracy = sum((s.data > 0) == (yi > 0) for yi, s in zip(y, scores)) / len(X)
    return hinge + reg, accuracy


steps = 60
for step in range(steps):
    loss, accuracy = loss_and_accuracy()
    net.zero_grad()
    loss.backward()
    mu = 1.0 - 0.9 * step / steps  # the learning rate decays from 1.0 to 0.1
    for p in net.parameters():
        p.data -= mu * p.grad
    if step % 10 == 0 or step == steps - 1:
        print(f"step {step:2d}: loss {loss.data:.4f}, accuracy {accuracy:.0%}")

loss, accuracy = loss_and_accuracy()
print(f"after {steps} steps: loss {loss.data:.4f}, accuracy {accuracy:.0%}")
assert accuracy >= 0.9
