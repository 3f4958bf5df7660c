"""Data sets, generated in code (nothing is downloaded).

:func:`seed_example` is the seed's Figure 1 made concrete: a 3-3-2 sigmoid network with
fixed, documented numbers, the example ``microbp demo`` works through. :func:`two_moons`
is a small two-class set in the plane, generated deterministically from a seed.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np

from microbp.nn import MLP

__all__ = ["SeedExample", "seed_example", "two_moons"]


@dataclass(frozen=True)
class SeedExample:
    """The seed's three-layer perceptron (Figure 1) with concrete numbers.

    n₁ = 3 inputs, n₂ = 3 hidden neurons, n₃ = 2 outputs, f = σ in both layers, one
    training pair (x, y). ``W[l][i - 1][j - 1]`` is wᵢⱼ⁽ˡ⁾.
    """

    x: tuple[float, ...] = (1.0, 0.5, -1.0)
    y: tuple[float, ...] = (1.0, 0.0)
    W: dict[int, tuple[tuple[float, ...], ...]] = field(
        default_factory=lambda: {
            2: ((0.1, 0.2, -0.1), (-0.3, 0.1, 0.2), (0.2, -0.2, 0.1)),
            3: ((0.3, -0.2, 0.1), (0.2, 0.1, -0.3)),
        }
    )
    b: dict[int, tuple[float, ...]] = field(
        default_factory=lambda: {2: (0.1, 0.0, -0.1), 3: (0.05, -0.05)}
    )
    activation: str = "sigmoid"

    @property
    def sizes(self) -> list[int]:
        return [len(self.x), len(self.W[2]), len(self.W[3])]

    def net(self) -> MLP:
        """A fresh :class:`~microbp.MLP` holding these numbers."""
        return MLP.from_weights(self.W, self.b, activation=self.activation)

    @property
    def X(self) -> np.ndarray:
        """x as a batch of one sample, shape (1, 3)."""
        return np.array([self.x], dtype=np.float64)

    @property
    def Y(self) -> np.ndarray:
        """y as a batch of one sample, shape (1, 2)."""
        return np.array([self.y], dtype=np.float64)


def seed_example() -> SeedExample:
    """The seed's 3-3-2 example with the numbers of :class:`SeedExample`."""
    return SeedExample()


def two_moons(n: int = 200, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles in the plane: ``(X, Y)`` float64 arrays.

    X has shape (n, 2), Y shape (n, 1) with target 0 for the upper moon and 1 for the lower
    one (one sigmoid output neuron, E = ½(y − o)²). The first ⌈n/2⌉ rows are the upper moon,
    (cos t, sin t) for t evenly spaced over [0, π]; the rest the lower moon,
    (1 − cos t, ½ − sin t). Gaussian noise of standard deviation ``noise`` is added to
    every coordinate, drawn from ``numpy.random.default_rng(seed)``: the same arguments give
    the same arrays.

    >>> X, Y = two_moons(n=6, noise=0.0)
    >>> X.shape, Y.shape, Y.ravel().tolist()
    ((6, 2), (6, 1), [0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 2:
        raise ValueError(f"two_moons needs n ≥ 2 samples (an integer), got n = {n!r}")
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or not noise >= 0:
        raise ValueError(f"two_moons needs a noise standard deviation ≥ 0, got {noise!r}")
    n_upper = (int(n) + 1) // 2
    n_lower = int(n) - n_upper
    t_upper = np.linspace(0.0, np.pi, n_upper)
    t_lower = np.linspace(0.0, np.pi, n_lower)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)])
    X = np.vstack([upper, lower])
    X = X + np.random.default_rng(seed).normal(0.0, float(noise), size=X.shape)
    Y = np.concatenate([np.zeros(n_upper), np.ones(n_lower)]).reshape(-1, 1)
    return X, Y
