"""Data sets, generated in code (nothing is downloaded).

:func:`seed_example` is the seed's Figure 1 made concrete: a 3-3-2 sigmoid network with
fixed, documented numbers, the example ``microbp demo`` works through.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from microbp.nn import MLP

__all__ = ["SeedExample", "seed_example"]


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
