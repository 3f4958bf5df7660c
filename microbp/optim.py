"""Optimizers on flat vectors: batch gradient descent, SGD / mini-batch, the Rprop family.

An optimizer never sees a network. It sees one flat float64 vector θ of parameters (in the
parameter order of :class:`~microbp.MLP`: for l = 2…L, W⁽ˡ⁾ row by row, then b⁽ˡ⁾), the
gradient g = ∂E/∂θ at θ, and the loss E at θ, and returns the next θ:

    theta_next = optimizer.step(theta, grad, loss)

``step`` never modifies its arguments; it returns a new array. State that an optimizer keeps
between steps (Rprop's step sizes Δ and last gradient) lives in the optimizer and is cleared
by :meth:`Optimizer.reset`, which :func:`microbp.fit` calls at the start of every run.

Which samples each step sees is the optimizer's other half: :meth:`Optimizer.batches`
yields, for one epoch, the index arrays of the samples whose mean gradient feeds each step.
:class:`GD` and :class:`Rprop` yield the whole data set once (one update per epoch);
:class:`SGD` yields ⌈N / batch_size⌉ mini-batches.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator

import numpy as np

from microbp import checks

__all__ = ["Optimizer", "GD", "SGD", "Rprop", "RPROP_VARIANTS", "OPTIMIZERS", "make"]


def _positive(name: str, value) -> float:
    """``value`` as a float > 0 (and finite), else a ValueError naming ``name``. Text
    (``"0.5"``) and ``True`` are not numbers here."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number > 0, got {value!r}")
    try:
        v = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r:.40}") from None
    if not (v > 0 and math.isfinite(v)):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return v


def _as_vector(x, name: str) -> np.ndarray:
    v = np.asarray(x, dtype=np.float64)
    if v.ndim != 1:
        raise ValueError(f"{name} must be a flat vector, got shape {v.shape}")
    return v


class Optimizer:
    """The interface: :meth:`reset`, :meth:`batches`, :meth:`step`."""

    #: A short name for tables and the command line.
    name = "optimizer"

    #: True when the last step deliberately left every parameter where it was although the
    #: gradient was not zero (iRprop∓ after every gradient component flipped sign): a pause,
    #: which :func:`microbp.fit` does not take for convergence. Plain gradient steps never
    #: pause, even when a tiny learning rate rounds every move away.
    waited = False

    def reset(self) -> None:
        """Forget all state kept between steps (called by :func:`microbp.fit` before a run)."""

    def batches(self, N: int) -> Iterator[np.ndarray]:
        """For one epoch over N samples, the sample indices of each step: here all N, once."""
        yield np.arange(N)

    def step(self, theta, grad, loss: float) -> np.ndarray:
        """The next parameter vector, from θ, g = ∂E/∂θ at θ, and E at θ."""
        raise NotImplementedError

    def _check(self, theta, grad) -> tuple[np.ndarray, np.ndarray]:
        theta = _as_vector(theta, "theta")
        grad = _as_vector(grad, "grad")
        if theta.shape != grad.shape:
            raise ValueError(
                f"theta and grad must have the same length, got {theta.size} and {grad.size}"
            )
        return theta, grad


class GD(Optimizer):
    """Batch gradient descent, the tutorial's update (BP 算法总结, step 2):

        W⁽ˡ⁾ ← W⁽ˡ⁾ − (μ/N) Σᵢ ∂E₍ᵢ₎/∂W⁽ˡ⁾ = W⁽ˡ⁾ − μ ∂E_total/∂W⁽ˡ⁾,   and the same for b⁽ˡ⁾

    so on the flat vector θ ← θ − lr · g, with lr = μ and g = ∂E_total/∂θ over all N samples.
    One update per epoch.

    >>> GD(lr=0.5).step([1.0, 2.0], [0.25, -1.0], loss=0.0)
    array([0.875, 2.5  ])
    """

    name = "gd"

    def __init__(self, lr: float) -> None:
        self.lr = _positive("lr", lr)

    def step(self, theta, grad, loss: float) -> np.ndarray:
        theta, grad = self._check(theta, grad)
        return theta - self.lr * grad

    def __repr__(self) -> str:
        return f"GD(lr={self.lr!r})"


class SGD(GD):
    """Stochastic (mini-batch) gradient descent: θ ← θ − lr · g_B after every mini-batch B.

    The tutorial's remark for large data sets: update after each sample instead of after a pass
    over all N. g_B = (1/|B|) Σ_{i∈B} ∂E₍ᵢ₎/∂θ is the mean gradient over the batch. An epoch
    cuts the N samples into ⌈N / batch_size⌉ consecutive batches (the last one shorter when
    batch_size does not divide N), after shuffling them when ``shuffle`` is true. The order
    comes from ``numpy.random.default_rng(seed)``, drawn afresh at :meth:`reset`, so a run is
    reproducible: the same seed gives the same batches, epoch after epoch.
    ``SGD(lr, batch_size=N, shuffle=False)`` is :class:`GD`.
    """

    name = "sgd"

    def __init__(self, lr: float, batch_size: int = 1, shuffle: bool = True, seed: int = 0) -> None:
        super().__init__(lr)
        self.batch_size = checks.integer("batch_size", batch_size, 1)
        self.shuffle = bool(shuffle)
        self.seed = checks.seed(seed)
        self.reset()

    def reset(self) -> None:
        self._rng = np.random.default_rng(self.seed)

    def batches(self, N: int) -> Iterator[np.ndarray]:
        order = self._rng.permutation(N) if self.shuffle else np.arange(N)
        for start in range(0, N, self.batch_size):
            yield order[start : start + self.batch_size]

    def __repr__(self) -> str:
        return (
            f"SGD(lr={self.lr!r}, batch_size={self.batch_size}, shuffle={self.shuffle}, "
            f"seed={self.seed})"
        )


#: The four Rprop variants as named by Igel & Hüsken (2000), "Improving the Rprop learning
#: algorithm".
RPROP_VARIANTS = ("Rprop+", "Rprop-", "iRprop+", "iRprop-")


class Rprop(Optimizer):
    """Resilient backpropagation: one step size Δ per parameter, moved by the sign of g only.

    The tutorial's description (加快 BP 网络训练速度: Rprop 算法): each weight has its own step
    size; while the gradient keeps its sign the step grows by η⁺ (acceleration), when the sign
    flips it shrinks by η⁻ (deceleration), and Δ stays within [Δ_min, Δ_max]. One update per
    epoch, on the full-batch gradient g_t = ∂E_total/∂θ at θ_t.

    Common to all four variants, for each parameter (sign(0) = 0, Δ starts at Δ₀,
    the stored gradient g_{t−1} starts at 0):

        if g_{t−1} g_t > 0:  Δ_t = min(η⁺ Δ_{t−1}, Δ_max)
        if g_{t−1} g_t < 0:  Δ_t = max(η⁻ Δ_{t−1}, Δ_min)
        if g_{t−1} g_t = 0:  Δ_t = Δ_{t−1}

    What happens next is what the variants differ in; each rule is written out next to its
    code in :meth:`step`. ``Rprop("iRprop-")`` with the defaults follows the same trajectory
    as ``torch.optim.Rprop(lr=0.1, etas=(0.5, 1.2), step_sizes=(1e-6, 50))`` (checked, see
    docs/training.md): torch's ``lr`` is Δ₀.

    >>> opt = Rprop("iRprop-")
    >>> opt.step([0.0, 0.0], [2.0, -3.0], loss=1.0)          # Δ₀ = 0.1 against sign(g)
    array([-0.1,  0.1])
    """

    name = "rprop"

    def __init__(
        self,
        variant: str = "iRprop-",
        delta0: float = 0.1,
        delta_min: float = 1e-6,
        delta_max: float = 50.0,
        eta_plus: float = 1.2,
        eta_minus: float = 0.5,
    ) -> None:
        if variant not in RPROP_VARIANTS:
            raise ValueError(
                f"variant must be one of {', '.join(RPROP_VARIANTS)} "
                f"(Igel & Hüsken 2000), got {variant!r}"
            )
        delta0 = _positive("delta0", delta0)
        delta_min = _positive("delta_min", delta_min)
        delta_max = _positive("delta_max", delta_max)
        eta_plus = _positive("eta_plus", eta_plus)
        eta_minus = _positive("eta_minus", eta_minus)
        if delta_min > delta_max:
            raise ValueError(
                f"delta_min must be ≤ delta_max, got delta_min={delta_min!r} > "
                f"delta_max={delta_max!r}"
            )
        if not delta_min <= delta0 <= delta_max:
            raise ValueError(
                f"delta0 must lie in [delta_min, delta_max] = [{delta_min!r}, {delta_max!r}], "
                f"got {delta0!r}"
            )
        if not eta_plus > 1:
            raise ValueError(f"eta_plus must be > 1 (it grows the step), got {eta_plus!r}")
        if not 0 < eta_minus < 1:
            raise ValueError(
                f"eta_minus must lie in (0, 1) (it shrinks the step), got {eta_minus!r}"
            )
        self.variant = variant
        self.delta0 = delta0
        self.delta_min = delta_min
        self.delta_max = delta_max
        self.eta_plus = eta_plus
        self.eta_minus = eta_minus
        self.name = variant.lower()
        self.reset()

    def reset(self) -> None:
        #: Δ, the step size of each parameter (None until the first step).
        self.delta: np.ndarray | None = None
        #: g_{t−1}, the gradient remembered from the last step (0 where it was zeroed).
        self.prev_grad: np.ndarray | None = None
        #: Δθ_{t−1}, the last move of each parameter (for weight backtracking).
        self.prev_move: np.ndarray | None = None
        #: E_{t−1}, the loss at the last step (for iRprop+).
        self.prev_loss: float = math.inf
        self.waited = False

    def step(self, theta, grad, loss: float) -> np.ndarray:
        theta, grad_in = self._check(theta, grad)
        g = grad_in.copy()
        if self.delta is None or self.delta.shape != theta.shape:
            self.delta = np.full(theta.shape, self.delta0)
            self.prev_grad = np.zeros(theta.shape)
            self.prev_move = np.zeros(theta.shape)
        product = self.prev_grad * g
        same, flipped = product > 0, product < 0

        # The step sizes, common to all variants: grow on the same sign, shrink on a flip.
        delta = self.delta.copy()
        delta[same] = np.minimum(delta[same] * self.eta_plus, self.delta_max)
        delta[flipped] = np.maximum(delta[flipped] * self.eta_minus, self.delta_min)

        move = -np.sign(g) * delta  # Δθ_t = −sign(g_t) Δ_t
        if self.variant == "Rprop-":
            # Rprop− (no backtracking): every parameter moves, Δθ_t = −sign(g_t) Δ_t,
            # and g_t is remembered as it is.
            pass
        elif self.variant == "iRprop-":
            # iRprop−: on a flip, g_t := 0, so the parameter does not move this step
            # (sign(0) = 0) and the next step counts as "g_{t−1} g_t = 0" (no second shrink).
            g[flipped] = 0.0
            move[flipped] = 0.0
        elif self.variant == "Rprop+":
            # Rprop+ (Riedmiller & Braun 1993, weight backtracking): on a flip, undo the last
            # move, Δθ_t = −Δθ_{t−1}, and set g_t := 0; elsewhere Δθ_t = −sign(g_t) Δ_t.
            move[flipped] = -self.prev_move[flipped]
            g[flipped] = 0.0
        else:  # iRprop+
            # iRprop+: as Rprop+, but the last move is undone only if the error went up,
            # E_t > E_{t−1}; otherwise a flipped parameter stays put. g_t := 0 on a flip.
            if loss > self.prev_loss:
                move[flipped] = -self.prev_move[flipped]
            else:
                move[flipped] = 0.0
            g[flipped] = 0.0

        self.waited = bool(np.any(grad_in != 0)) and not np.any(move)
        self.delta = delta
        self.prev_grad = g
        self.prev_move = move
        self.prev_loss = float(loss)
        return theta + move

    def __repr__(self) -> str:
        return (
            f"Rprop({self.variant!r}, delta0={self.delta0!r}, delta_min={self.delta_min!r}, "
            f"delta_max={self.delta_max!r}, eta_plus={self.eta_plus!r}, "
            f"eta_minus={self.eta_minus!r})"
        )


#: The optimizer names that :func:`make` takes (case-insensitive), the ones the command line's
#: ``--optimizer``, the experiments and the lab speak.
OPTIMIZERS = ("gd", "sgd") + tuple(v.lower() for v in RPROP_VARIANTS)

#: GD's and SGD's learning rate μ, and the Rprop variants' Δ₀, where none is given.
DEFAULT_LR = {"gd": 0.5, "sgd": 0.5, "rprop": 0.1}


def make(name: str, lr: float | None = None, batch_size: int = 1, seed: int = 0) -> Optimizer:
    """The optimizer called ``name``: one of :data:`OPTIMIZERS`, case-insensitive.

    ``lr`` is the learning rate μ of ``gd`` and ``sgd`` and the initial step size Δ₀ of the
    Rprop variants (``None``: 0.5 for GD/SGD, 0.1 for Rprop); ``batch_size`` and ``seed`` are
    SGD's. The one factory behind ``microbp train --optimizer``, the experiments and the lab.

    >>> make("iRprop-")
    Rprop('iRprop-', delta0=0.1, delta_min=1e-06, delta_max=50.0, eta_plus=1.2, eta_minus=0.5)
    >>> make("sgd", lr=0.2, batch_size=4)
    SGD(lr=0.2, batch_size=4, shuffle=True, seed=0)
    """
    key = name.lower() if isinstance(name, str) else None
    if key not in OPTIMIZERS:
        raise ValueError(checks.unknown("optimizer", name, OPTIMIZERS))
    if key == "gd":
        return GD(DEFAULT_LR["gd"] if lr is None else lr)
    if key == "sgd":
        return SGD(DEFAULT_LR["sgd"] if lr is None else lr, batch_size=batch_size, seed=seed)
    for variant in RPROP_VARIANTS:
        if key == variant.lower():
            return Rprop(variant, delta0=DEFAULT_LR["rprop"] if lr is None else lr)
    raise AssertionError(f"{key!r} is in OPTIMIZERS but has no branch here")
