"""The cost functions E, built from :class:`~microbp.Value` nodes, one :class:`Loss` record each.

For one training pair (x⁽ⁱ⁾, y⁽ⁱ⁾) with network output o⁽ⁱ⁾ = a⁽ᴸ⁾ = f(z⁽ᴸ⁾):

* ``squared_error`` (the tutorial's cost, any output layer):
  E₍ᵢ₎ = ½‖y − a⁽ᴸ⁾‖² = ½ Σₖ (yₖ − aₖ)²,   ∇_a E = a − y.
  (One line of the tutorial writes ½‖y − o‖ without the square; the square is right, see
  docs/errata.md.) The ½ is applied as a division by 2, so ``Fraction`` numbers stay exact.
* ``binary_cross_entropy`` (a sigmoid output layer, targets yₖ ∈ [0, 1]):
  E₍ᵢ₎ = −Σₖ [yₖ ln aₖ + (1 − yₖ) ln(1 − aₖ)],   ∇_a E = (a − y) / (a(1 − a)).
  :func:`binary_cross_entropy` takes the **raw z⁽ᴸ⁾** (aₖ = σ(zₖ)) and computes each term as
  yₖ softplus(−zₖ) + (1 − yₖ) softplus(zₖ), the same number without ln 0 when aₖ saturates.
* ``cross_entropy`` (softmax + categorical cross-entropy, a softmax output layer, each target
  row a probability distribution, e.g. one-hot):
  E₍ᵢ₎ = −Σₖ yₖ ln aₖ with a = softmax(z),   ∇_a E = −y / a.
  :func:`cross_entropy` takes the **raw z⁽ᴸ⁾** (the logits, not the softmax outputs) and
  computes E = ln Σⱼ e^{zⱼ} − Σₖ yₖ zₖ by log-sum-exp (shifted by maxⱼ zⱼ): finite for logits
  of ±1000.

For the two cross-entropies f′ cancels against ∇_a E, and BP-1 gives δ⁽ᴸ⁾ = a⁽ᴸ⁾ − y
(docs/losses.md derives it; :mod:`microbp.bp` uses that closed form for these pairs).

Over N pairs E_total = (1/N) Σᵢ E₍ᵢ₎ (:func:`total_error`).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from microbp import activations, checks, names, numtypes
from microbp.engine import Value

__all__ = [
    "Loss",
    "LOSSES",
    "get",
    "squared_error",
    "binary_cross_entropy",
    "cross_entropy",
    "total_error",
    "check_targets",
    "check_output",
]

#: How far a cross-entropy target row may sum from 1 (float rounding of soft labels).
SUM_TOL = 1e-9


# --------------------------------------------------------------------------------------------
# Target checks (one home: the Value functions, the formulas and fit all call these)


def _check_length(name: str, y: list, out: list) -> None:
    if len(y) != len(out):
        raise ValueError(
            f"{name} needs one target per output: got {len(y)} targets "
            f"for {len(out)} outputs (n_L = {len(out)})"
        )
    if not out:
        raise ValueError(f"{name} needs at least one output")
    checks.sample(y, len(out), name, "targets", "n_L")  # finite reals, as by every method


def _free(yk) -> bool:
    """A SymPy target with free symbols: it stands for any valid target (the symbolic proof,
    :mod:`microbp.symbolic`), so its range is not checked."""
    return numtypes.is_symbolic(yk) and bool(yk.free_symbols)


def _check_bce_row(y: Sequence, row: int | None = None) -> None:
    where = "" if row is None else f" (row {row})"
    for k, yk in enumerate(y, start=1):
        if _free(yk):
            continue
        if not isinstance(yk, numbers.Real) or isinstance(yk, bool) or not 0 <= yk <= 1:
            raise ValueError(
                f"binary_cross_entropy needs targets yₖ in [0, 1] (a probability per output), "
                f"got {names.y(k)} = {yk!r}{where}"
            )


def _check_ce_row(y: Sequence, row: int | None = None) -> None:
    where = "" if row is None else f" row {row}"
    for k, yk in enumerate(y, start=1):
        if _free(yk):
            continue
        if not isinstance(yk, numbers.Real) or isinstance(yk, bool) or not yk >= 0:
            raise ValueError(
                f"cross_entropy needs each target row to be a probability distribution over "
                f"the n_L = {len(y)} classes (yₖ ≥ 0, Σₖ yₖ = 1, e.g. one-hot), got {names.y(k)} = "
                f"{yk!r} in target{where}"
            )
    s = sum(y)
    if _free(s) or abs(s - 1) > SUM_TOL:
        raise ValueError(
            f"cross_entropy needs each target row to sum to 1 (a one-hot row for a class "
            f"label, or a probability distribution over the n_L = {len(y)} classes), got a "
            f"target{where} {list(y)!r} summing to {s}"
        )


def check_targets(loss: str | Loss, Y) -> None:
    """A clear ``ValueError`` if the target rows of ``Y`` (N, n_L) do not suit ``loss``."""
    loss = get(loss)
    if loss.output is None:  # the squared error takes any targets (exact ones stay exact)
        return
    if not isinstance(Y, np.ndarray) and any(_free(v) for row in Y for v in row):
        check_row = _check_bce_row if loss.name == "binary_cross_entropy" else _check_ce_row
        for n, row in enumerate(Y, start=1):
            check_row(list(row), n)
        return
    Y = np.asarray(Y, dtype=np.float64)
    if loss.name == "binary_cross_entropy":
        bad = ~((Y >= 0) & (Y <= 1))
        if np.any(bad):
            n, k = np.argwhere(bad)[0]
            _check_bce_row(Y[n].tolist(), int(n) + 1)
    elif loss.name == "cross_entropy":
        if Y.shape[-1] < 2:
            raise ValueError("cross_entropy needs n_L ≥ 2 classes (a softmax of one is 1)")
        bad = np.any(Y < 0, axis=-1) | (np.abs(Y.sum(axis=-1) - 1) > SUM_TOL)
        if np.any(bad):
            n = int(np.argwhere(np.atleast_1d(bad))[0][0])
            _check_ce_row(np.atleast_2d(Y)[n].tolist(), n + 1)


def check_output(loss: str | Loss, output: str) -> None:
    """A clear ``ValueError`` if ``loss`` is not made for an output layer ``output``."""
    loss = get(loss)
    if loss.output is not None and output != loss.output:
        other = {"sigmoid": "binary_cross_entropy", "softmax": "cross_entropy"}.get(output)
        hint = f", or loss={other!r}" if other else ", or loss='squared_error'"
        raise ValueError(
            f"{loss.name} is made for a {loss.output} output layer (it takes the raw z⁽ᴸ⁾, "
            f"a⁽ᴸ⁾ = {loss.output}(z⁽ᴸ⁾)), but this net's output layer is {output}: give the "
            f"last layer activation {loss.output!r}{hint}"
        )


# --------------------------------------------------------------------------------------------
# The losses on Values (the autodiff method)


def _values(z: Sequence) -> list[Value]:
    """z⁽ᴸ⁾ as Values: numbers become leaves (Value checks that they are real numbers)."""
    return [zk if isinstance(zk, Value) else Value(zk) for zk in z]


def squared_error(y: Sequence, out: Sequence[Value]) -> Value:
    """E = ½‖y − o‖² = ½ Σₖ (yₖ − oₖ)² for one sample, as a Value.

    ``y`` holds the n_L targets (numbers or Values), ``out`` the n_L outputs a⁽ᴸ⁾.

    >>> from microbp import Value
    >>> squared_error([1, 0], [Value(0.5), Value(0.25)]).data   # ½(0.25 + 0.0625)
    0.15625
    """
    y, out = list(y), list(out)
    _check_length("squared_error", y, out)
    total = (y[0] - out[0]) ** 2
    for yk, ok in zip(y[1:], out[1:]):
        total = total + (yk - ok) ** 2
    return total / 2


def binary_cross_entropy(y: Sequence, z: Sequence[Value]) -> Value:
    """E = −Σₖ [yₖ ln σ(zₖ) + (1 − yₖ) ln(1 − σ(zₖ))] from the **raw z⁽ᴸ⁾** of a sigmoid layer.

    Each term is computed as yₖ softplus(−zₖ) + (1 − yₖ) softplus(zₖ) (since −ln σ(z) =
    softplus(−z) and −ln(1 − σ(z)) = softplus(z)): finite for any z, no ln 0 when the output
    σ(zₖ) saturates to 0 or 1. ∂E/∂zₖ = σ(zₖ) − yₖ = aₖ − yₖ. Targets yₖ ∈ [0, 1].

    >>> from microbp import Value
    >>> z = Value(0.0)
    >>> E = binary_cross_entropy([1], [z]); E.backward()
    >>> round(E.data, 12), z.grad                  # ln 2, σ(0) − 1
    (0.69314718056, -0.5)
    """
    y, z = list(y), _values(z)
    _check_length("binary_cross_entropy", y, z)
    _check_bce_row(y)
    total = None
    for yk, zk in zip(y, z):
        term = yk * (-zk).softplus() + (1 - yk) * zk.softplus()
        total = term if total is None else total + term
    total.label = "E"  # for diagrams and the backward trace
    return total


def cross_entropy(y: Sequence, z: Sequence[Value]) -> Value:
    """Softmax + categorical cross-entropy from the **raw z⁽ᴸ⁾** (logits) of a softmax layer.

    E = −Σₖ yₖ ln softmax(z)ₖ = ln Σⱼ e^{zⱼ} − Σₖ yₖ zₖ (as Σₖ yₖ = 1), the log-sum-exp taken
    as m + ln Σⱼ e^{zⱼ − m} with the constant m = maxⱼ zⱼ: no overflow, no ln 0, finite for
    logits of ±1000. ∂E/∂zₖ = softmax(z)ₖ − yₖ = aₖ − yₖ. ``y``: a probability distribution
    over the n_L ≥ 2 classes (a one-hot row for a class label).

    >>> from microbp import Value
    >>> z = [Value(0.0), Value(0.0)]
    >>> E = cross_entropy([1, 0], z); E.backward()
    >>> round(E.data, 12), [zk.grad for zk in z]   # ln 2; a − y = (½ − 1, ½ − 0)
    (0.69314718056, [-0.5, 0.5])
    """
    y, z = list(y), _values(z)
    _check_length("cross_entropy", y, z)
    if len(z) < 2:
        raise ValueError("cross_entropy needs n_L ≥ 2 classes (the softmax of one number is 1)")
    _check_ce_row(y)
    m = activations.softmax_shift([zk.data for zk in z])
    s = (z[0] - m).exp()
    for zk in z[1:]:
        s = s + (zk - m).exp()
    s.label = "Σⱼ e^(zⱼ − m)"  # labels for diagrams and the backward trace
    E = s.log() + m
    E.label = "ln Σⱼ e^(zⱼ)"
    for yk, zk in zip(y, z):
        E = E - yk * zk
    E.label = "E"
    return E


# --------------------------------------------------------------------------------------------
# The same losses on plain numbers and numpy arrays (the formulas method)


def _se(y, z, a):
    """E = ½ Σₖ (yₖ − aₖ)² on plain numbers (halved by numtypes, so exact types stay exact)."""
    return numtypes.half(numtypes.total([(yk - ak) ** 2 for yk, ak in zip(y, a)]))


def _bce(y, z, a) -> float:
    sp = numtypes.softplus
    return numtypes.fsum([yk * sp(-zk) + (1 - yk) * sp(zk) for yk, zk in zip(y, z)])


def _ce(y, z, a) -> float:
    """ln Σⱼ e^{zⱼ} − Σₖ yₖ zₖ, the log-sum-exp shifted as in softmax (no overflow)."""
    m, _, s = activations.shifted_exps(z)
    return m + numtypes.log(s) - numtypes.fsum([yk * zk for yk, zk in zip(y, numtypes.floats(z))])


def _se_np(Y, Z, A) -> float:
    return float(0.5 * np.sum((Y - A) ** 2) / Y.shape[0])


def _bce_np(Y, Z, A) -> float:
    _np_softplus = activations.ACTIVATIONS["softplus"].f_np
    return float(np.sum(Y * _np_softplus(-Z) + (1 - Y) * _np_softplus(Z)) / Y.shape[0])


def _ce_np(Y, Z, A) -> float:
    m = Z.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(Z - m).sum(axis=1))
    return float(np.sum(lse - np.sum(Y * Z, axis=1)) / Y.shape[0])


def _ce_grad_a(y, a):
    return [0 * ak if yk == 0 else -yk / ak for yk, ak in zip(y, a)]


def _ce_grad_a_np(Y, A):
    return -np.divide(Y, A, out=np.zeros_like(A), where=Y != 0)


@dataclass(frozen=True, kw_only=True)
class Loss:
    """One cost function E and what both methods need of it.

    ``value(y, out)``: E₍ᵢ₎ of one sample on Values, ``out`` being the output layer's a-nodes
    or z-nodes as :attr:`takes` says (``"a"`` or ``"z"``); ``E(y, z, a)`` the same number from
    plain numbers and ``E_np(Y, Z, A)`` E_total = (1/N) Σᵢ E₍ᵢ₎ from (N, n_L) arrays;
    ``grad_a(y, a)`` / ``grad_a_np(Y, A)``: ∇_{a⁽ᴸ⁾}E, for the general BP-1; ``output``: the
    output layer the loss is made for (None: any), with which δ⁽ᴸ⁾ = a⁽ᴸ⁾ − y (the
    ``delta_formula`` then, unless given); the formulas as text for tables and diagrams.
    """

    name: str
    value: Callable
    E: Callable
    E_np: Callable
    grad_a: Callable
    grad_a_np: Callable
    output: str | None
    formula: str
    grad_formula: str
    delta_formula: str = ""

    def __post_init__(self) -> None:
        if not self.delta_formula and self.output is not None:
            object.__setattr__(self, "delta_formula", "δ⁽ᴸ⁾ = a⁽ᴸ⁾ − y")

    @property
    def takes(self) -> str:
        """``"z"`` for a loss made for its output layer (it applies that layer's f itself, in
        a form without overflow or ln 0), else ``"a"``: what ``value`` is given."""
        return "a" if self.output is None else "z"

    def sample(self, y: Sequence, z: Sequence[Value], a: Sequence[Value]) -> Value:
        """E₍ᵢ₎ on Values from the output layer's z-nodes and a-nodes (whichever it takes)."""
        return self.value(y, z if self.takes == "z" else a)

    def __repr__(self) -> str:
        return f"Loss({self.name!r}: {self.formula}; {self.delta_formula})"


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss(
            name="squared_error",
            value=squared_error,
            E=_se,
            E_np=_se_np,
            grad_a=lambda y, a: [ak - yk for yk, ak in zip(y, a)],
            grad_a_np=lambda Y, A: A - Y,
            output=None,
            formula="E = ½‖y − a⁽ᴸ⁾‖²",
            grad_formula="∇_a E = a − y",
            delta_formula="δ⁽ᴸ⁾ = (a⁽ᴸ⁾ − y) ⊙ f′(z⁽ᴸ⁾)",
        ),
        Loss(
            name="binary_cross_entropy",
            value=binary_cross_entropy,
            E=_bce,
            E_np=_bce_np,
            grad_a=lambda y, a: [(ak - yk) / (ak * (1 - ak)) for yk, ak in zip(y, a)],
            grad_a_np=lambda Y, A: (A - Y) / (A * (1.0 - A)),
            output="sigmoid",
            formula="E = −Σₖ [yₖ ln aₖ + (1 − yₖ) ln(1 − aₖ)]",
            grad_formula="∇_a E = (a − y) / (a(1 − a))",
        ),
        Loss(
            name="cross_entropy",
            value=cross_entropy,
            E=_ce,
            E_np=_ce_np,
            grad_a=_ce_grad_a,
            grad_a_np=_ce_grad_a_np,
            output="softmax",
            formula="E = −Σₖ yₖ ln aₖ = ln Σⱼ e^(zⱼ) − Σₖ yₖ zₖ",
            grad_formula="∇_a E = −y / a",
        ),
    )
}


def get(name: str | Loss) -> Loss:
    """The loss called ``name`` (or a :class:`Loss` as is); a clear error for an unknown name."""
    if isinstance(name, Loss):
        return name
    if callable(name):
        for loss in LOSSES.values():
            if loss.value is name:
                return loss
    return LOSSES[checks.choice("loss", name, LOSSES)]


def total_error(
    Y: Sequence[Sequence], outputs: Sequence[Sequence[Value]], loss: str | Loss = "squared_error"
) -> Value:
    """E_total = (1/N) Σᵢ E₍ᵢ₎, the mean of the loss over N samples.

    ``outputs[i]`` is what the loss takes for sample i: the outputs a⁽ᴸ⁾ for
    ``squared_error``, the raw z⁽ᴸ⁾ for the cross-entropies.
    """
    loss = get(loss)
    Y, outputs = list(Y), list(outputs)
    if len(Y) != len(outputs):
        raise ValueError(
            f"total_error needs one target row per sample: got {len(Y)} target rows "
            f"for {len(outputs)} outputs"
        )
    if not Y:
        raise ValueError("total_error needs at least one sample (N ≥ 1)")
    total = loss.value(Y[0], outputs[0])
    for y, out in zip(Y[1:], outputs[1:]):
        total = total + loss.value(y, out)
    return total / len(Y)
