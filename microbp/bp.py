"""The closed-form backpropagation equations BP-1 … BP-4, written independently of the engine.

This module never builds a :class:`~microbp.Value`; it reads a net's numbers and computes
the δ's and gradients straight from the tutorial's formulas. The engine and these formulas share
only the activation table (:mod:`microbp.activations`): they are two independent methods that reach
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
Every result is keyed by the tutorial's layer number l.

Other losses (``loss=``, a name or record of :mod:`microbp.losses`): BP-1 in its general form
(:func:`output_delta`), BP-2…BP-4 unchanged:

    (BP-1)  δ⁽ᴸ⁾ = ∇_{a⁽ᴸ⁾}E ⊙ f′(z⁽ᴸ⁾)                  f element-wise
            δ⁽ᴸ⁾ = J_softmax(z⁽ᴸ⁾)ᵀ ∇_{a⁽ᴸ⁾}E            a softmax output layer
            δ⁽ᴸ⁾ = a⁽ᴸ⁾ − y                               sigmoid + binary_cross_entropy,
                                                          softmax + cross_entropy
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from microbp import activations, checks, losses

__all__ = [
    "Weights",
    "SampleGradients",
    "BatchGradients",
    "index_form",
    "backprop",
    "forward_matrix",
    "output_delta",
    "output_delta_np",
    "hidden_delta",
]


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
        L = len(self.W) + 1
        fs = checks.activations(self.activation, L, len(self.W[L]))  # softmax: layer L only
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
    """The result of :func:`index_form` for one sample; dicts keyed by the tutorial's l.

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

    Each zᵢ⁽ˡ⁾ is summed in the tutorial's order, wᵢ₁a₁ + wᵢ₂a₂ + … + bᵢ. Returns ``(z, a)``.
    """
    weights = Weights.of(net)
    x = checks.sample(x, weights.sizes[0], "", values=False)  # finite reals, as everywhere
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
        a[l] = f.f(z[l]) if f is activations.SOFTMAX else [f.f(zi) for zi in z[l]]
    return z, a


def output_delta(loss, f, y: Sequence, z: Sequence, a: Sequence, closed_form: bool = True):
    """(BP-1, general form) δ⁽ᴸ⁾ for one sample, on plain numbers of any type.

        δᵢ⁽ᴸ⁾ = (∇_a E)ᵢ f′(zᵢ⁽ᴸ⁾)                       for an element-wise f
        δᵢ⁽ᴸ⁾ = Σₖ Jₖᵢ (∇_a E)ₖ = aᵢ((∇_a E)ᵢ − Σₖ aₖ(∇_a E)ₖ)   for softmax, Jₖᵢ = aₖ(δₖᵢ − aᵢ)

    With the squared error, ∇_a E = a − y and the first line is the tutorial's BP-1. For the pairs
    a loss is made for (sigmoid + binary_cross_entropy, softmax + cross_entropy), f′ cancels
    and δ⁽ᴸ⁾ = a⁽ᴸ⁾ − y: that closed form is used unless ``closed_form=False`` (the general
    form divides by a(1 − a) or a, which is 0 for a saturated output).
    """
    loss = losses.get(loss)
    if closed_form and loss.output is not None and f.name == loss.output:
        return [ai - yi for yi, ai in zip(y, a)]  # δ⁽ᴸ⁾ = a⁽ᴸ⁾ − y
    g = loss.grad_a(y, a)  # ∇_{a⁽ᴸ⁾}E
    if f is activations.SOFTMAX:
        s = a[0] * g[0]
        for k in range(1, len(a)):
            s = s + a[k] * g[k]
        return [a[i] * (g[i] - s) for i in range(len(a))]  # J_softmaxᵀ ∇_a E
    return [g[i] * f.df(z[i], a[i]) for i in range(len(z))]  # ∇_a E ⊙ f′(z)


def output_delta_np(loss, f, Y: np.ndarray, Z: np.ndarray, A: np.ndarray, closed_form=True):
    """(BP-1, general form) δ⁽ᴸ⁾ for N samples at once (rows); see :func:`output_delta`."""
    loss = losses.get(loss)
    if closed_form and loss.output is not None and f.name == loss.output:
        return A - Y  # δ⁽ᴸ⁾ = a⁽ᴸ⁾ − y
    G = loss.grad_a_np(Y, A)  # ∇_{a⁽ᴸ⁾}E, one row per sample
    if f is activations.SOFTMAX:
        return A * (G - np.sum(A * G, axis=1, keepdims=True))  # J_softmaxᵀ ∇_a E
    return G * f.df_np(Z, A)  # ∇_a E ⊙ f′(z)


def hidden_delta(delta_next: Sequence, W_next: Sequence[Sequence], i: int, f, z_i, a_i):
    """(BP-2) for one neuron: δᵢ⁽ˡ⁾ = (Σⱼ δⱼ⁽ˡ⁺¹⁾ wⱼᵢ⁽ˡ⁺¹⁾) f′(zᵢ⁽ˡ⁾), with its two factors.

    ``delta_next`` is δ⁽ˡ⁺¹⁾, ``W_next`` the rows of W⁽ˡ⁺¹⁾, ``i`` the 0-based neuron index,
    ``f`` the activation of layer l, ``z_i`` and ``a_i`` its state and activation. Returns
    ``(Σⱼ δⱼ⁽ˡ⁺¹⁾ wⱼᵢ⁽ˡ⁺¹⁾, f′(zᵢ⁽ˡ⁾), δᵢ⁽ˡ⁾)``; the sum runs j = 1 … n_{l+1} in order, so
    any number type is kept and floats come out as :func:`index_form` gives them (it calls
    this), and as the tutorial's Figure 2 shows them (:func:`microbp.draw_network` reads them).

    >>> from microbp import activations
    >>> relu = activations.get("relu")
    >>> hidden_delta([0.5, 0.25], [[2.0], [4.0]], 0, relu, z_i=3.0, a_i=3.0)  # (1 + 1)·1
    (2.0, 1, 2.0)
    """
    s = delta_next[0] * W_next[0][i]
    for j in range(1, len(delta_next)):
        s = s + delta_next[j] * W_next[j][i]
    df = f.df(z_i, a_i)
    return s, df, s * df


def index_form(net, x: Sequence, y: Sequence, loss="squared_error") -> SampleGradients:
    """BP-1 … BP-4 as the tutorial writes them, for one sample (x, y).

    Works on any number type: give the net ``Fraction`` weights (and x, y) and relu or
    identity activations, and every δ and gradient is exact. f′ comes from the activation
    table, from a where the tutorial says so (σ′ = a(1 − a), tanh′ = 1 − a²). ``loss``: a name
    or record of :mod:`microbp.losses` (default the tutorial's ½‖y − a⁽ᴸ⁾‖²); BP-1 then takes
    its general form, :func:`output_delta`.
    """
    loss = losses.get(loss)
    weights = Weights.of(net)
    L = weights.L
    losses.check_output(loss, weights.f(L).name)
    z, a = forward_index(weights, x)
    y = checks.sample(y, weights.sizes[-1], "", "targets", "n_L", values=False)
    losses.check_targets(loss, [y])
    E = loss.E(y, z[L], a[L])

    delta: dict[int, list] = {}
    # (BP-1) δ⁽ᴸ⁾ = ∇_{a⁽ᴸ⁾}E ⊙ f′(z⁽ᴸ⁾); for ½‖y − a‖²: δᵢ⁽ᴸ⁾ = −(yᵢ − aᵢ⁽ᴸ⁾) f′(zᵢ⁽ᴸ⁾)
    delta[L] = output_delta(loss, weights.f(L), y, z[L], a[L])
    # (BP-2) δᵢ⁽ˡ⁾ = (Σⱼ δⱼ⁽ˡ⁺¹⁾ wⱼᵢ⁽ˡ⁺¹⁾) f′(zᵢ⁽ˡ⁾), from l = L−1 down to 2
    for l in range(L - 1, 1, -1):
        f, W_next, d_next = weights.f(l), weights.W[l + 1], delta[l + 1]
        delta[l] = [
            hidden_delta(d_next, W_next, i, f, z[l][i], a[l][i])[2] for i in range(len(z[l]))
        ]
    # (BP-3) ∂E/∂wᵢⱼ⁽ˡ⁾ = δᵢ⁽ˡ⁾ aⱼ⁽ˡ⁻¹⁾ and (BP-4) ∂E/∂bᵢ⁽ˡ⁾ = δᵢ⁽ˡ⁾
    dW = {l: [[d * aj for aj in a[l - 1]] for d in delta[l]] for l in range(2, L + 1)}
    db = {l: list(delta[l]) for l in range(2, L + 1)}
    return SampleGradients(z=z, a=a, delta=delta, dW=dW, db=db, E=E)


# --------------------------------------------------------------------------------------------
# Matrix form: numpy, batched over N samples
# --------------------------------------------------------------------------------------------


@dataclass
class BatchGradients:
    """The result of :func:`backprop`; dicts keyed by the tutorial's l, arrays in float64.

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


def backprop(net, X, Y, loss="squared_error") -> BatchGradients:
    """The δ equations in matrix form on the net's current numbers, over N samples.

    X has shape (N, n₁), Y shape (N, n_L), finite real numbers (a NaN, ±∞ or complex
    number is a ``ValueError``). A 1-D X or Y is one sample (a row) when the layer has more
    than one neuron, and a column of N samples when it has one (:func:`microbp.checks.batch`,
    the rule :func:`microbp.fit` follows too). Samples are rows, so the tutorial's column-vector
    formulas appear transposed:

        z⁽ˡ⁾ = a⁽ˡ⁻¹⁾ W⁽ˡ⁾ᵀ + b⁽ˡ⁾,  a⁽ˡ⁾ = f(z⁽ˡ⁾)          (forward, all samples at once)
        (BP-1)  δ⁽ᴸ⁾ = −(y − a⁽ᴸ⁾) ⊙ f′(z⁽ᴸ⁾)
        (BP-2)  δ⁽ˡ⁾ = (δ⁽ˡ⁺¹⁾ W⁽ˡ⁺¹⁾) ⊙ f′(z⁽ˡ⁾)          (row form of (W⁽ˡ⁺¹⁾)ᵀ δ⁽ˡ⁺¹⁾)
        (BP-3)  ∂E_total/∂W⁽ˡ⁾ = (1/N) Σₙ δ⁽ˡ⁾ₙ (a⁽ˡ⁻¹⁾ₙ)ᵀ = δ⁽ˡ⁾ᵀ a⁽ˡ⁻¹⁾ / N
        (BP-4)  ∂E_total/∂b⁽ˡ⁾ = (1/N) Σₙ δ⁽ˡ⁾ₙ

    ``net`` is an :class:`~microbp.MLP` or a :class:`Weights` of numpy arrays. ``loss``: a
    name or record of :mod:`microbp.losses` (default ½‖y − a⁽ᴸ⁾‖²); BP-1 then takes its
    general form, :func:`output_delta_np` (δ⁽ᴸ⁾ = a⁽ᴸ⁾ − y for the cross-entropies).
    """
    loss = losses.get(loss)
    weights = Weights.of(net)
    L, sizes = weights.L, weights.sizes
    losses.check_output(loss, weights.f(L).name)
    X = checks.batch(X, sizes[0], "X", "n₁")  # finite reals; a 1-D input: checks.batch
    Y = checks.batch(Y, sizes[-1], "Y", "n_L")
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"X and Y must have the same N, got {X.shape[0]} and {Y.shape[0]}")
    losses.check_targets(loss, Y)
    N = X.shape[0]
    W = {l: np.asarray(weights.W[l], dtype=np.float64) for l in weights.W}

    z, a = _forward_rows(weights, X)

    delta = {L: output_delta_np(loss, weights.f(L), Y, z[L], a[L])}  # BP-1
    for l in range(L - 1, 1, -1):
        delta[l] = (delta[l + 1] @ W[l + 1]) * weights.f(l).df_np(z[l], a[l])  # BP-2
    dW = {l: delta[l].T @ a[l - 1] / N for l in range(2, L + 1)}  # BP-3, mean over N
    db = {l: delta[l].mean(axis=0) for l in range(2, L + 1)}  # BP-4, mean over N
    E = loss.E_np(Y, z[L], a[L])
    return BatchGradients(z=z, a=a, delta=delta, dW=dW, db=db, E=E)


def forward_matrix(net, X) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
    """Forward propagation in matrix form for N samples at once, the rows of X (N, n₁):
    z⁽ˡ⁾ = a⁽ˡ⁻¹⁾ W⁽ˡ⁾ᵀ + b⁽ˡ⁾, a⁽ˡ⁾ = f(z⁽ˡ⁾), in float64. Returns ``(z, a)`` keyed by l
    (``a[1]`` is X), as :func:`backprop` computes them (the lab's decision boundary reads
    ``a[L]`` on a grid of inputs)."""
    weights = Weights.of(net)
    X = checks.batch(X, weights.sizes[0], "X", "n₁")
    return _forward_rows(weights, X)


def _forward_rows(weights: Weights, X: np.ndarray):
    a = {1: X}
    z = {}
    for l in range(2, weights.L + 1):
        W = np.asarray(weights.W[l], dtype=np.float64)
        b = np.asarray(weights.b[l], dtype=np.float64)
        z[l] = a[l - 1] @ W.T + b
        a[l] = weights.f(l).f_np(z[l])
    return z, a
