"""The activation functions f, each written once.

Every activation is one :class:`Activation` record: the function f(z), its derivative f′
written *from the activation value a = f(z)* where the tutorial does so (its notes on
implementation, 工程实现中注意事项: the forward pass already computed a, so σ′(z) = a(1 − a)
and tanh′(z) = 1 − a²), numpy versions of both for the matrix form of the δ equations, and
the formulas as text for tables and diagrams.

The table is shared by the two methods of computing a gradient: the engine's ops
(:meth:`microbp.Value.sigmoid` …) and the closed-form δ equations in :mod:`microbp.bp`.
They share this table and nothing else.

Scalar functions accept any real number type. Piecewise-linear activations (``relu``,
``identity``) keep the type (``int``, ``float``, ``fractions.Fraction``), so BP-1…BP-4 can be
evaluated exactly; the others return ``float``. All of them are overflow-safe:
``sigmoid(±1000)``, ``softplus(±1000)`` and ``tanh(1000)`` return their limits.

The scalar functions themselves (σ, tanh, softplus, relu and relu′ in every number type) live
in :mod:`microbp.numtypes`, the one home of number-type policy; other types follow their type:
a numpy ``float32`` is computed in float32 (by the numpy form ``f_np``), an mpmath ``mpf`` at
mpmath's precision, and a SymPy expression gives the formula: σ(z) = 1/(1 + e^(−z)), tanh(z),
softplus(z) = log(1 + e^z), relu(z) = Piecewise((z, z > 0), (0, True)) with relu′(z) =
Heaviside(z, 0) (0 at the kink, as for floats); σ′ = a(1 − a) and tanh′ = 1 − a² are then
formulas in a.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from microbp import numtypes

__all__ = ["Activation", "ACTIVATIONS", "get", "sigmoid", "softplus"]


sigmoid = numtypes.sigmoid  # σ(x) = 1 / (1 + e^{−x}), in any number type, without overflow
softplus = numtypes.softplus  # softplus(x) = ln(1 + eˣ), likewise


@dataclass(frozen=True)
class Activation:
    """One activation function f and its derivative.

    ``df(z, a)`` is f′(z); it receives both the state z and the activation a = f(z) so that
    each rule can use whichever the tutorial uses (σ′ = a(1 − a) and tanh′ = 1 − a² from a;
    relu′ and softplus′ from z). ``f_np`` and ``df_np`` are the same on numpy arrays.
    """

    name: str
    f: Callable
    df: Callable
    f_np: Callable[[np.ndarray], np.ndarray]
    df_np: Callable[[np.ndarray, np.ndarray], np.ndarray]
    formula: str
    derivative_formula: str
    max_derivative: float

    def __repr__(self) -> str:
        return f"Activation({self.name!r}: {self.formula}; {self.derivative_formula})"


#: The activations by name: 'sigmoid', 'tanh', 'relu', 'softplus', 'identity'.
ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation(
            name="sigmoid",
            f=sigmoid,
            df=lambda z, a: a * (1 - a),
            f_np=numtypes.sigmoid_np,
            df_np=lambda z, a: a * (1.0 - a),
            formula="σ(z) = 1/(1 + e^(−z))",
            derivative_formula="σ′(z) = a(1 − a)",
            max_derivative=0.25,
        ),
        Activation(
            name="tanh",
            f=numtypes.tanh,
            df=lambda z, a: 1 - a * a,
            f_np=np.tanh,
            df_np=lambda z, a: 1.0 - a * a,
            formula="tanh(z) = (e^z − e^(−z))/(e^z + e^(−z))",
            derivative_formula="tanh′(z) = 1 − a²",
            max_derivative=1.0,
        ),
        Activation(
            name="relu",
            f=numtypes.relu,
            df=numtypes.heaviside,
            f_np=lambda z: np.maximum(z, 0.0),
            df_np=lambda z, a: (z > 0).astype(np.float64),
            formula="relu(z) = max(0, z)",
            derivative_formula="relu′(z) = 1 if z > 0 else 0",
            max_derivative=1.0,
        ),
        Activation(
            name="softplus",
            f=softplus,
            df=lambda z, a: sigmoid(z),
            f_np=numtypes.softplus_np,
            df_np=lambda z, a: numtypes.sigmoid_np(z),
            formula="softplus(z) = ln(1 + e^z)",
            derivative_formula="softplus′(z) = σ(z)",
            max_derivative=1.0,
        ),
        Activation(
            name="identity",
            f=lambda x: x,
            df=lambda z, a: 1,
            f_np=lambda z: z,
            df_np=lambda z, a: np.ones_like(z, dtype=np.float64),
            formula="f(z) = z",
            derivative_formula="f′(z) = 1",
            max_derivative=1.0,
        ),
    )
}


def get(name: str | Activation) -> Activation:
    """The activation called ``name``; a clear ``ValueError`` for an unknown name."""
    if isinstance(name, Activation):
        return name
    if isinstance(name, str) and name in ACTIVATIONS:
        return ACTIVATIONS[name]
    # checks.unknown's message, written here: checks imports this module, not the reverse
    raise ValueError(f"unknown activation {name!r:.60}; expected one of: {', '.join(ACTIVATIONS)}")


# --------------------------------------------------------------------------------------------
# Softmax: the one activation that is not element-wise (an output layer only)


def softmax_shift(z: Sequence) -> float:
    """The constant m subtracted from every zₖ before e^(zₖ − m) in softmax and log-sum-exp:
    m = maxⱼ zⱼ, so no exponent exceeds 0 (no overflow). Any m gives the same function, so
    for SymPy numbers m = 0 and the formula is the textbook e^{zₖ} / Σⱼ e^{zⱼ}."""
    if any(numtypes.is_symbolic(zk) for zk in z):
        return 0
    return max(float(zk) for zk in z)


def shifted_exps(z: Sequence) -> tuple:
    """(m, [e^{zₖ − m}], Σₖ e^{zₖ − m}) with m = :func:`softmax_shift` (z): softmax and the
    log-sum-exp of the cross-entropy, without overflow (every exponent ≤ 0, the largest term
    1). Python's reals as floats, the other numbers of :mod:`microbp.numtypes` in their type."""
    z = numtypes.floats(z)
    m = softmax_shift(z)
    e = [numtypes.exp(zk - m) for zk in z]
    return m, e, numtypes.fsum(e)


def _softmax(z: list) -> list[float]:
    """aₖ = e^{zₖ} / Σⱼ e^{zⱼ}, computed as e^{zₖ − m} / Σⱼ e^{zⱼ − m} (:func:`shifted_exps`;
    SymPy: e^{zₖ} / Σⱼ e^{zⱼ} itself, m = 0)."""
    _, e, s = shifted_exps(z)
    return [ek / s for ek in e]


def _np_softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of an (N, n) array, shifted by each row's maximum."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class Softmax:
    """The softmax output layer: a⁽ᴸ⁾ = softmax(z⁽ᴸ⁾), aₖ = e^{zₖ} / Σⱼ e^{zⱼ}.

    Not element-wise: aₖ depends on every zⱼ, so f′ is the Jacobian
    J_kj = ∂aₖ/∂zⱼ = aₖ(δₖⱼ − aⱼ) (symmetric), and BP-1 becomes δ⁽ᴸ⁾ = Jᵀ ∇_{a⁽ᴸ⁾}E
    (:func:`microbp.bp.output_delta`). ``f`` maps the list z⁽ᴸ⁾ to the list a⁽ᴸ⁾, ``f_np``
    does that for every row of an (N, n_L) array. Allowed for the output layer L only, with
    n_L ≥ 2 neurons (the softmax of one number is always 1).
    """

    __slots__ = ()
    name = "softmax"
    f = staticmethod(_softmax)
    f_np = staticmethod(_np_softmax)
    formula = "softmax(z)ₖ = e^(zₖ) / Σⱼ e^(zⱼ)"
    derivative_formula = "∂aₖ/∂zⱼ = aₖ(δₖⱼ − aⱼ)"

    def __repr__(self) -> str:
        return f"Softmax({self.formula}; {self.derivative_formula})"


#: The softmax output layer (not in :data:`ACTIVATIONS`: it is not element-wise).
SOFTMAX = Softmax()


def output(name: str | Activation | Softmax) -> Activation | Softmax:
    """The activation of an output layer: one of :data:`ACTIVATIONS`, or ``"softmax"``."""
    if isinstance(name, Softmax) or (isinstance(name, str) and name == "softmax"):
        return SOFTMAX
    return get(name)


def check_softmax(names: list, n_L: int) -> None:
    """Softmax is an output layer of n_L ≥ 2 neurons: a clear error anywhere else."""
    soft = [
        l
        for l, n in enumerate(names, start=2)
        if isinstance(n, Softmax) or (isinstance(n, str) and n == "softmax")
    ]
    if any(l != len(names) + 1 for l in soft):
        raise ValueError(
            "softmax is an output layer (it mixes all n_L states): give it for layer L only, "
            "as the last of one activation per layer 2…L, e.g. activation=['sigmoid', 'softmax']"
        )
    if soft and n_L < 2:
        raise ValueError(
            f"a softmax output layer needs n_L ≥ 2 neurons (the softmax of one number is always "
            f"1), got n_L = {n_L}; for two classes use one sigmoid output and "
            "binary_cross_entropy"
        )


__all__ += ["Softmax", "SOFTMAX", "output", "check_softmax", "softmax_shift", "shifted_exps"]
