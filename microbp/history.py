"""What :func:`microbp.fit` records: the :class:`History` of a run, the :class:`Epoch` it
hands ``on_epoch``, and :class:`TrainingInterrupted`, the Ctrl-C that carries the history.

The loop itself is :mod:`microbp.train`, which also exports these names.
"""

from __future__ import annotations

import importlib
import warnings
from dataclasses import dataclass, field

import numpy as np

__all__ = ["History", "Epoch", "TrainingInterrupted", "STOP_REASONS", "GRADIENTS"]

#: The values of ``History.stopped_by``.
STOP_REASONS = ("target", "criterion", "tol", "max_epochs", "diverged", "interrupted", "on_epoch")

#: The two methods for the gradient (``fit(gradients=...)``).
GRADIENTS = ("autodiff", "formulas")


@dataclass
class History:
    """What :func:`~microbp.train.fit` did.

    ``loss``: [E₀, E₁, …, E_T], E_total before training and after each epoch;
    ``epochs``: T, the number of epochs run; ``updates``: the number of optimizer steps
    (T for GD and Rprop, T·⌈N/batch_size⌉ for SGD); ``pauses``: epochs that moved no
    parameter although the gradient was not zero (the tol rule skips them);
    ``stopped_by``: ``"target"``, ``"criterion"`` (``stop_when``), ``"tol"``,
    ``"max_epochs"``, ``"diverged"`` or ``"interrupted"`` (see :class:`TrainingInterrupted`);
    ``seconds``: wall time of the run; ``optimizer`` and ``gradients``: what was used.
    """

    loss: list[float] = field(default_factory=list)
    stopped_by: str = ""
    epochs: int = 0
    updates: int = 0
    pauses: int = 0
    seconds: float = 0.0
    optimizer: str = ""
    gradients: str = ""

    @property
    def final_loss(self) -> float:
        """E_total of the net :func:`~microbp.train.fit` returned, ``loss[-1]`` (a
        ``ValueError`` while ``loss`` is empty: no E was computed yet)."""
        if not self.loss:
            raise ValueError(
                "final_loss: no E_total recorded yet (history.loss is empty; fit records E₀ "
                "before the first epoch)"
            )
        return self.loss[-1]

    def plot(self, path=None, log: bool = True, title: str | None = None):
        """Deprecated: use :func:`microbp.experiments.report.plot_history` (``history.plot``
        goes in the next release; see CHANGELOG.md).

        Draws E_total per epoch as that function does, writes it to ``path`` if given
        (atomically) and returns the matplotlib ``Figure``.
        """
        warnings.warn(
            "History.plot is deprecated and goes in the next release: use "
            "microbp.experiments.report.plot_history(history, path) (the core draws no plots)",
            DeprecationWarning,
            stacklevel=2,
        )
        # The core never imports the shell (.importlinter's layers): this deprecated doorway
        # finds the plot by name when it is called, and goes with the method.
        report = importlib.import_module("microbp.experiments.report")
        return report.plot_history(self, path, log=log, title=title)

    def to_dict(self) -> dict:
        """The history as plain JSON-ready data."""
        return {
            "loss": list(self.loss),
            "final_loss": self.loss[-1] if self.loss else None,
            "stopped_by": self.stopped_by,
            "epochs": self.epochs,
            "updates": self.updates,
            "pauses": self.pauses,
            "seconds": self.seconds,
            "optimizer": self.optimizer,
            "gradients": self.gradients,
        }


@dataclass(frozen=True)
class Epoch:
    """What :func:`~microbp.train.fit` hands ``on_epoch`` after epoch t: ``epoch`` = t,
    ``loss`` = E_t, ``theta`` = θ_t (a copy, in parameter order) and the ``history`` so far
    (its ``loss`` is [E₀, …, E_t]). During a run by the ``"formulas"`` method the net's own
    Values are written only when :func:`~microbp.train.fit` returns: θ_t is the epoch's
    parameters."""

    epoch: int
    loss: float
    theta: np.ndarray
    history: History


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`~microbp.train.fit`: the net is left at its last completed epoch.

    A ``KeyboardInterrupt`` (so a script that does not catch it still stops), carrying the
    ``history`` of the epochs that were completed (``stopped_by == "interrupted"``), so a
    caller such as ``microbp train`` can say where training stopped and save the net.
    """

    def __init__(self, history: History) -> None:
        super().__init__(f"training interrupted after {history.epochs} epochs")
        self.history = history
