"""The other half of the tutorial's claim about vanishing gradients, measured: with a
rectifier or softplus "训练速度会提高" (training gets faster).

:func:`training_speed` trains the deep nets of
:func:`~microbp.experiments.vanishing.gradients.gradient_statistics`, per activation and
initialisation, by :func:`microbp.fit` (formulas method) with the same optimizer and epoch budget
from several seeds, counting the epochs (and seconds) until E_total < target.
"""

from __future__ import annotations

import math
import numbers
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from microbp import data, optim
from microbp.activations import ACTIVATIONS
from microbp.activations import get as get_activation
from microbp.experiments.common import check_names, json_float, parse_seeds
from microbp.experiments.vanishing.gradients import (
    ACTIVATION_NAMES,
    DeepNetsGrid,
    deep_nets_config,
    deep_sizes,
)
from microbp.nn import INITS, MLP
from microbp.optim import GD, RPROP_VARIANTS
from microbp.train import fit

__all__ = ["TRAIN_QUICK", "SpeedRun", "SpeedCell", "TrainingSpeed", "training_speed"]

#: The settings of ``--train --quick`` (seconds): He init, three seeds, 64 samples, 300 epochs.
TRAIN_QUICK: dict = {"inits": ("he",), "seeds": 3, "n": 64, "max_epochs": 300}


@dataclass(frozen=True)
class SpeedRun:
    """One training run: ``epochs`` until E_total < target (None: not within the budget),
    wall ``seconds`` until then (or of the whole run), the final E_total."""

    seed: int
    epochs: int | None
    seconds: float
    final_loss: float
    stopped_by: str


@dataclass(frozen=True)
class SpeedCell:
    """One activation, init and optimizer over several seeds (one :class:`SpeedRun` each).

    The median counts a run that did not converge as slower than every run that did, so
    ``median_epochs`` is None ("did not converge") when half the seeds or more missed.
    """

    activation: str
    init: str
    optimizer: str
    max_epochs: int
    runs: tuple[SpeedRun, ...]

    @property
    def converged(self) -> int:
        """How many seeds reached E_total < target within the budget."""
        return sum(r.epochs is not None for r in self.runs)

    def _median(self, values: list[float]) -> float | None:
        m = statistics.median(values)
        return None if math.isinf(m) else float(m)

    @property
    def median_epochs(self) -> float | None:
        """Median over seeds of the epochs to E < target (a miss counts as ∞); None if ∞."""
        return self._median([math.inf if r.epochs is None else r.epochs for r in self.runs])

    @property
    def median_seconds(self) -> float | None:
        """Median over seeds of the seconds to E < target (a miss counts as ∞); None if ∞."""
        return self._median([math.inf if r.epochs is None else r.seconds for r in self.runs])

    @property
    def median_final_loss(self) -> float:
        """Median over seeds of E_total when the run stopped."""
        return float(np.median([r.final_loss for r in self.runs]))

    def to_dict(self) -> dict:
        return {
            "activation": self.activation,
            "init": self.init,
            "optimizer": self.optimizer,
            "max_epochs": self.max_epochs,
            "converged": self.converged,
            "median_epochs": self.median_epochs,
            "median_seconds": self.median_seconds,
            "median_final_loss": self.median_final_loss,
            "per_seed": [
                {
                    "seed": r.seed,
                    "epochs": r.epochs,
                    "seconds": r.seconds,
                    "final_loss": json_float(r.final_loss),
                    "stopped_by": r.stopped_by,
                }
                for r in self.runs
            ],
        }


@dataclass(frozen=True)
class TrainingSpeed(DeepNetsGrid):
    """Every :class:`SpeedCell` of one run of :func:`training_speed`, and its settings: a
    grid activation × init × optimizer (``cell(activation, init, optimizer)``)."""

    experiment: ClassVar[str] = "vanishing-training-speed"
    axes: ClassVar[tuple[str, ...]] = ("activation", "init", "optimizer")

    def cell(self, activation: str, init: str, optimizer: str | None = None) -> SpeedCell:
        """The cell of ``activation``, ``init`` and ``optimizer`` (None: the first one run)."""
        return super().cell(activation, init, optimizer or self.optimizers[0])

    @property
    def optimizers(self) -> list[str]:
        return self.labels("optimizer")


def _check_budget(lr, max_epochs, target) -> None:
    """μ for GD, an epoch budget ≥ 1 and a target E > 0, or a ValueError naming the one wrong."""
    GD(lr)  # checks lr
    if isinstance(max_epochs, bool) or not isinstance(max_epochs, numbers.Integral):
        raise ValueError(f"max_epochs must be an integer ≥ 1, got {max_epochs!r}")
    if max_epochs < 1:
        raise ValueError(f"max_epochs must be an integer ≥ 1, got {max_epochs!r}")
    if not (isinstance(target, numbers.Real) and math.isfinite(target) and target > 0):
        raise ValueError(f"target must be a number > 0, got {target!r}")


def _run(net, X, Y, opt: str, lr: float, max_epochs: int, target: float, seed: int) -> SpeedRun:
    """Train one net by ``opt`` (GD with μ = lr, or an Rprop variant with its default Δ₀) with
    the formulas method until E_total < target or the budget is spent."""
    optimizer = optim.make(opt, lr if opt == "gd" else None)
    h = fit(net, X, Y, optimizer, max_epochs=max_epochs, tol=0, target=target,
            gradients="formulas", quiet=True)  # fmt: skip
    hit = h.stopped_by == "target"
    return SpeedRun(seed, h.epochs if hit else None, h.seconds, h.final_loss, h.stopped_by)


def training_speed(
    depth: int = 10,
    width: int = 16,
    seeds: int | Sequence[int] = 5,
    activations: Sequence[str] = ACTIVATION_NAMES,
    inits: Sequence[str] = ("xavier", "he"),
    optimizers: Sequence[str] = ("gd", "iRprop-"),
    lr: float = 0.5,
    max_epochs: int = 1500,
    target: float = 0.05,
    n: int = 200,
    noise: float = 0.1,
    output_activation: str | None = "sigmoid",
) -> TrainingSpeed:
    """Epochs (and seconds) until E_total < ``target`` for the deep nets of
    :func:`gradient_statistics`, per activation × init × optimizer, over several seeds.

    The nets are ``MLP([2] + [width] * depth + [1], [act] * depth + [output_activation],
    seed=s, init=init)`` on ``data.two_moons(n, noise, seed=0)``; each is trained by
    :func:`microbp.fit` by the formulas method with ``tol=0`` (no early stop but the target)
    for at most ``max_epochs`` epochs. ``optimizers`` holds ``"gd"`` (batch gradient
    descent with μ = ``lr``, the tutorial's update, where the size of ∂E/∂W⁽ˡ⁾ sets the size of
    the step) and/or Rprop variants (``"iRprop-"`` …, which use only its sign).

    >>> r = training_speed(depth=3, width=8, seeds=1, activations=["tanh"], inits=["he"],
    ...                    optimizers=["gd", "iRprop-"], max_epochs=100, n=32)
    >>> r.cell("tanh", "he", "gd").median_epochs, r.cell("tanh", "he", "iRprop-").median_epochs
    (28.0, 5.0)
    """
    activations = check_names(activations, ACTIVATIONS, "activation")
    inits = check_names(inits, INITS, "init")
    optimizers = check_names(optimizers, ("gd",) + RPROP_VARIANTS, "optimizer")
    if output_activation is not None:
        get_activation(output_activation)
    seed_list = parse_seeds(seeds)
    _check_budget(lr, max_epochs, target)
    X, Y = data.two_moons(n=n, noise=noise, seed=0)
    sizes = deep_sizes(X.shape[1], depth, width, Y.shape[1])
    budget = int(max_epochs)
    cells = []
    for init in inits:
        for act in activations:
            layer_f = [act] * depth + [output_activation or act]
            for opt in optimizers:
                runs = tuple(
                    _run(MLP(sizes, layer_f, seed=s, init=init), X, Y, opt, lr, budget, target, s)
                    for s in seed_list
                )
                cells.append(SpeedCell(act, init, opt, budget, runs))
    config = deep_nets_config(depth, width, sizes, seed_list, n, noise, output_activation)
    config.update(
        activations=list(activations),
        inits=list(inits),
        optimizers=list(optimizers),
        lr=float(lr),
        max_epochs=budget,
        target=float(target),
        gradients="formulas",
    )
    return TrainingSpeed(config, tuple(cells))
