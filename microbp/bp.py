"""The closed-form backpropagation equations BP-1 … BP-4, written independently of the engine.

This module never builds a :class:`~microbp.Value`; it reads a net's numbers and computes
the δ's and gradients straight from the seed's formulas. The engine and these formulas share
only the activation table (:mod:`microbp.activations`): they are two independent roads to
the same numbers.

For one sample, with E = ½‖y − a⁽ᴸ⁾‖² and δᵢ⁽ˡ⁾ ≡ ∂E/∂zᵢ⁽ˡ⁾:

    (BP-1)  δᵢ⁽ᴸ⁾ = −(yᵢ − aᵢ⁽ᴸ⁾) f′(zᵢ⁽ᴸ⁾)
    (BP-2)  δᵢ⁽ˡ⁾ = (Σⱼ δⱼ⁽ˡ⁺¹⁾ wⱼᵢ⁽ˡ⁺¹⁾) f′(zᵢ⁽ˡ⁾)          for l = L−1, …, 2
    (BP-3)  ∂E/∂wᵢⱼ⁽ˡ⁾ = δᵢ⁽ˡ⁾ aⱼ⁽ˡ⁻¹⁾
    (BP-4)  ∂E/∂bᵢ⁽ˡ⁾ = δᵢ⁽ˡ⁾

Two implementations:

* :func:`index_form` — the equations exactly as written, loops over i and j, on plain
  Python numbers of any type (``Fraction`` included, so with piecewise-linear activations
  the result is exact), for one sample.
* :func:`backprop` — the matrix form with numpy, batched over N samples (one row per
  sample), returning per-sample δ⁽ˡ⁾ and the gradients of E_total = (1/N) Σᵢ E₍ᵢ₎.

Both take either an :class:`~microbp.MLP` or a :class:`Weights` (plain numbers, no Values).
Every result is keyed by the seed's layer number l.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from microbp import activations, checks

__all__ = ["Weights", "SampleGradients", "BatchGradients", "index_form", "backprop"]


@dataclass
class Weights:
    """A net's numbers without any Value: W⁽ˡ⁾ and b⁽ˡ⁾ keyed by l = 2…L.

    ``W[l]`` is an n_l × n_{l−1} nested list or numpy array (row i − 1 holds wᵢⱼ⁽ˡ⁾),
    ``b[l]`` a length-n_l list or array; ``activation`` is one name for every layer or a list
    of one name per layer 2…L.
    """

    W: dict[int, Any]
    b: dict[int, Any]
    activation: str | Sequence[str] = "sigmoid"

    def __post_init__(self) -> None:
        checks.weights(self.W, self.b)  # W[l] n_l × n_{l−1}, b[l] n_l long, l = 2…L
        fs = checks.activations(self.activation, len(self.W) + 1)
        self._f = {l: f for l, f in zip(sorted(self.W), fs)}

    @classmethod
    def of(cls, net) -> Weights:
        """The numbers of an :class:`~microbp.MLP` (or a :class:`Weights`, returned as is)."""
        if isinstance(net, Weights):
            return net
        if not callable(getattr(net, "numbers", None)):
            raise TypeError(
                f"expected a microbp MLP or a bp.Weights as the net, got {type(net).__name__}"
            )
        W, b = net.numbers()
        return cls(W, b, net.activations)

    @property
    def L(self) -> int:
        return len(self.W) + 1

    @property
    def sizes(self) -> list[int]:
        return [len(self.W[2][0])] + [len(self.W[l]) for l in range(2, self.L + 1)]

    def f(self, l: int) -> activations.Activation:
        """The activation of layer l."""
        return self._f[l]


# --------------------------------------------------------------------------------------------
# Index form: one sample, loops, any number type
# --------------------------------------------------------------------------------------------


@dataclass
class SampleGradients:
    """The result of :func:`index_form` for one sample; dicts keyed by the seed's l.

    ``z[l]``, ``a[l]``, ``delta[l]`` are lists (0-based: ``delta[l][i - 1]`` is δᵢ⁽ˡ⁾),
    ``dW[l][i - 1][j - 1]`` is ∂E/∂wᵢⱼ⁽ˡ⁾, ``db[l][i - 1]`` is ∂E/∂bᵢ⁽ˡ⁾, ``E`` the cost.
    """

    z: dict[int, list]
    a: dict[int, list]
    delta: dict[int, list]
    dW: dict[int, list[list]]
    db: dict[int, list]
    E: Any

    def flat(self) -> list:
        """∂E/∂θ for every parameter θ, in the parameter order of :class:`~microbp.MLP`."""
        out = []
        for l in sorted(self.dW):
            for row in self.dW[l]:
                out.extend(row)
            out.extend(self.db[l])
        return out


def forward_index(net, x: Sequence) -> tuple[dict[int, list], dict[int, list]]:
    """Forward propagation on plain numbers: z⁽ˡ⁾ = W⁽ˡ⁾a⁽ˡ⁻¹⁾ + b⁽ˡ⁾, a⁽ˡ⁾ = f(z⁽ˡ⁾).

    Each zᵢ⁽ˡ⁾ is summed in the seed's order, wᵢ₁a₁ + wᵢ₂a₂ + … + bᵢ. Returns ``(z, a)``.
    """
    weights = Weights.of(net)
    x = checks.sample(x, weights.sizes[0], "", nonfinite=True)
    a = {1: x}
    z = {}
    for l in range(2, weights.L + 1):
        W, b, f = weights.W[l], weights.b[l], weights.f(l)
        z[l] = []
        for i in range(len(W)):
            s = W[i][0] * a[l - 1][0]
            for j in range(1, len(W[i])):
                s = s + W[i][j] * a[l - 1][j]
            z[l].append(s + b[i])
        a[l] = [f.f(zi) for zi in z[l]]
    return z, a


def squared_error(y: Sequence, o: Sequence):
    """E = ½ Σₖ (yₖ − oₖ)² on plain numbers (divided by 2, so exact types stay exact)."""
    y, o = list(y), list(o)
    if len(y) != len(o):
        raise ValueError(f"expected {len(o)} targets (n_L = {len(o)}), got {len(y)}")
    s = (y[0] - o[0]) ** 2
    for k in range(1, len(y)):
        s = s + (y[k] - o[k]) ** 2
    if type(s) is int:  # keep an int sum exact: ½·s as a Fraction unless s is even
        q = Fraction(s, 2)
        return q.numerator if q.denominator == 1 else q
    return s / 2


def index_form(net, x: Sequence, y: Sequence) -> SampleGradients:
    """BP-1 … BP-4 as the seed writes them, for one sample (x, y).

    Works on any number type: give the net ``Fraction`` weights (and x, y) and relu or
    identity activations, and every δ and gradient is exact. f′ comes from the activation
    table, from a where the seed says so (σ′ = a(1 − a), tanh′ = 1 − a²).
    """
    weights = Weights.of(net)
    L = weights.L
    z, a = forward_index(weights, x)
    y = checks.sample(y, weights.sizes[-1], "", "targets", "n_L", nonfinite=True)
    E = squared_error(y, a[L])

    delta: dict[int, list] = {}
    # (BP-1) δᵢ⁽ᴸ⁾ = −(yᵢ − aᵢ⁽ᴸ⁾) f′(zᵢ⁽ᴸ⁾)
    f = weights.f(L)
    delta[L] = [-(y[i] - a[L][i]) * f.df(z[L][i], a[L][i]) for i in range(len(z[L]))]
    # (BP-2) δᵢ⁽ˡ⁾ = (Σⱼ δⱼ⁽ˡ⁺¹⁾ wⱼᵢ⁽ˡ⁺¹⁾) f′(zᵢ⁽ˡ⁾), from l = L−1 down to 2
    for l in range(L - 1, 1, -1):
        f, W_next, d_next = weights.f(l), weights.W[l + 1], delta[l + 1]
        delta[l] = []
        for i in range(len(z[l])):
            s = d_next[0] * W_next[0][i]
            for j in range(1, len(d_next)):
                s = s + d_next[j] * W_next[j][i]
            delta[l].append(s * f.df(z[l][i], a[l][i]))
    # (BP-3) ∂E/∂wᵢⱼ⁽ˡ⁾ = δᵢ⁽ˡ⁾ aⱼ⁽ˡ⁻¹⁾ and (BP-4) ∂E/∂bᵢ⁽ˡ⁾ = δᵢ⁽ˡ⁾
    dW = {l: [[d * aj for aj in a[l - 1]] for d in delta[l]] for l in range(2, L + 1)}
    db = {l: list(delta[l]) for l in range(2, L + 1)}
    return SampleGradients(z=z, a=a, delta=delta, dW=dW, db=db, E=E)


# --------------------------------------------------------------------------------------------
# Matrix form: numpy, batched over N samples
# --------------------------------------------------------------------------------------------


@dataclass
class BatchGradients:
    """The result of :func:`backprop`; dicts keyed by the seed's l, arrays in float64.

    ``z[l]``, ``a[l]``, ``delta[l]``: shape (N, n_l), row n for sample n. ``dW[l]``: shape
    (n_l, n_{l−1}), ∂E_total/∂W⁽ˡ⁾ = (1/N) Σ δ⁽ˡ⁾ (a⁽ˡ⁻¹⁾)ᵀ; ``db[l]``: shape (n_l,);
    ``E``: E_total = (1/N) Σᵢ ½‖y⁽ⁱ⁾ − a⁽ᴸ⁾⁽ⁱ⁾‖².
    """

    z: dict[int, np.ndarray]
    a: dict[int, np.ndarray]
    delta: dict[int, np.ndarray]
    dW: dict[int, np.ndarray]
    db: dict[int, np.ndarray]
    E: float

    def flat(self) -> np.ndarray:
        """∂E_total/∂θ as one vector, in the parameter order of :class:`~microbp.MLP`."""
        parts = []
        for l in sorted(self.dW):
            parts.append(self.dW[l].ravel())
            parts.append(self.db[l])
        return np.concatenate(parts)


def backprop(net, X, Y) -> BatchGradients:
    """The δ equations in matrix form on the net's current numbers, over N samples.

    X has shape (N, n₁), Y shape (N, n_L), finite real numbers (a NaN, ±∞ or complex
    number is a ``ValueError``). A 1-D X or Y is one sample (a row) when the layer has more
    than one neuron, and a column of N samples when it has one (:func:`microbp.checks.batch`,
    the rule :func:`microbp.fit` follows too). Samples are rows, so the seed's column-vector
    formulas appear transposed:

        z⁽ˡ⁾ = a⁽ˡ⁻¹⁾ W⁽ˡ⁾ᵀ + b⁽ˡ⁾,  a⁽ˡ⁾ = f(z⁽ˡ⁾)          (forward, all samples at once)
        (BP-1)  δ⁽ᴸ⁾ = −(y − a⁽ᴸ⁾) ⊙ f′(z⁽ᴸ⁾)
        (BP-2)  δ⁽ˡ⁾ = (δ⁽ˡ⁺¹⁾ W⁽ˡ⁺¹⁾) ⊙ f′(z⁽ˡ⁾)          (row form of (W⁽ˡ⁺¹⁾)ᵀ δ⁽ˡ⁺¹⁾)
        (BP-3)  ∂E_total/∂W⁽ˡ⁾ = (1/N) Σₙ δ⁽ˡ⁾ₙ (a⁽ˡ⁻¹⁾ₙ)ᵀ = δ⁽ˡ⁾ᵀ a⁽ˡ⁻¹⁾ / N
        (BP-4)  ∂E_total/∂b⁽ˡ⁾ = (1/N) Σₙ δ⁽ˡ⁾ₙ

    ``net`` is an :class:`~microbp.MLP` or a :class:`Weights` of numpy arrays.
    """
    weights = Weights.of(net)
    L, sizes = weights.L, weights.sizes
    X = checks.batch(X, sizes[0], "X", "n₁")  # finite reals; a 1-D input: checks.batch
    Y = checks.batch(Y, sizes[-1], "Y", "n_L")
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"X and Y must have the same N, got {X.shape[0]} and {Y.shape[0]}")
    N = X.shape[0]
    W = {l: np.asarray(weights.W[l], dtype=np.float64) for l in weights.W}
    b = {l: np.asarray(weights.b[l], dtype=np.float64) for l in weights.b}

    a = {1: X}
    z = {}
    for l in range(2, L + 1):
        z[l] = a[l - 1] @ W[l].T + b[l]
        a[l] = weights.f(l).f_np(z[l])

    delta = {L: -(Y - a[L]) * weights.f(L).df_np(z[L], a[L])}  # BP-1
    for l in range(L - 1, 1, -1):
        delta[l] = (delta[l + 1] @ W[l + 1]) * weights.f(l).df_np(z[l], a[l])  # BP-2
    dW = {l: delta[l].T @ a[l - 1] / N for l in range(2, L + 1)}  # BP-3, mean over N
    db = {l: delta[l].mean(axis=0) for l in range(2, L + 1)}  # BP-4, mean over N
    E = float(0.5 * np.sum((Y - a[L]) ** 2) / N)
    return BatchGradients(z=z, a=a, delta=delta, dW=dW, db=db, E=E)
