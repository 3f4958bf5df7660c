"""Training in the lab: the settings a request gives, the loss history, and the optimizer,
whose state (Rprop's Δ, SGD's shuffling) carries over between the lab's calls of
:func:`microbp.fit` (``reset_optimizer=False``) until the settings change."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from microbp import checks, optim
from microbp.lab.inputs import LabError, integer, number, show

__all__ = ["TrainSettings", "Training", "MAX_EPOCHS", "LOSS_POINTS"]

#: The most epochs one training request may ask for.
MAX_EPOCHS = 100_000
#: The loss curve of a state holds at most about this many E_t (every k-th epoch past it).
LOSS_POINTS = 2000


@dataclass(frozen=True)
class TrainSettings:
    """What ``POST /api/train`` and ``/api/run`` take: the optimizer of
    :func:`microbp.optim.make` and the stopping rule of :func:`microbp.fit`."""

    optimizer: str = "gd"
    lr: float | None = None
    batch_size: int = 1
    tol: float = 1e-9
    target: float | None = None

    FIELDS = ("optimizer", "lr", "batch_size", "tol", "target", "epochs")

    @classmethod
    def parse(cls, body: dict) -> tuple[TrainSettings, int]:
        """Settings and the number of epochs from a request body (every field checked)."""
        if not isinstance(body, dict):
            raise LabError(
                f'the request body must be a JSON object such as {{"epochs": 50}}, got {show(body)}'
            )
        unknown = sorted(set(body) - set(cls.FIELDS))
        if unknown:
            raise LabError(
                f"unknown field(s) {', '.join(map(show, unknown))}; expected some of "
                + ", ".join(cls.FIELDS)
            )
        name = body.get("optimizer", "gd")
        if not isinstance(name, str) or name.lower() not in optim.OPTIMIZERS:
            raise LabError(checks.unknown("optimizer", name, optim.OPTIMIZERS))
        lr = body.get("lr")
        if lr is not None and not number(lr, "lr") > 0:
            raise LabError(f"lr must be a number > 0, got {show(lr)}")
        batch = integer(body.get("batch_size", 1), "batch_size", 1, 1_000_000)
        tol = number(body.get("tol", 1e-9), "tol")
        if tol < 0:
            raise LabError(f"tol must be ≥ 0 (0 switches the rule off), got {show(tol)}")
        target = body.get("target")
        if target is not None and not number(target, "target") >= 0:
            raise LabError(f"target must be null or a number ≥ 0, got {show(target)}")
        epochs = integer(body.get("epochs", 1), "epochs", 1, MAX_EPOCHS)
        settings = cls(
            name.lower(),
            None if lr is None else float(lr),
            batch,
            tol,
            None if target is None else float(target),
        )
        try:  # the factory's own checks, before anything runs
            optim.make(settings.optimizer, lr=settings.lr, batch_size=settings.batch_size)
        except ValueError as exc:
            raise LabError(str(exc)) from None
        return settings, epochs


@dataclass
class Training:
    """The training so far: E_t per epoch and the state of the stopping rule."""

    loss: list[float] = field(default_factory=list)
    settings: TrainSettings | None = None
    optimizer: optim.Optimizer | None = None
    stopped_by: str | None = None
    running: bool = False
    requested: int = 0
    #: One entry per optimizer the curve was trained with, in order: the epoch t it took over
    #: at and its description; the page draws each as a series of its own.
    series: list[dict] = field(default_factory=list)

    def prepare(self, settings: TrainSettings, epochs: int) -> None:
        """Set up a run: a fresh optimizer unless the optimizer, lr and batch size are the
        ones of the last run (then its state, e.g. Rprop's Δ, carries on)."""
        last = self.settings
        same = last is not None and (last.optimizer, last.lr, last.batch_size) == (
            settings.optimizer,
            settings.lr,
            settings.batch_size,
        )
        if self.optimizer is None or not same:
            self.optimizer = optim.make(settings.optimizer, settings.lr, settings.batch_size)
            start = max(len(self.loss) - 1, 0)
            if self.series and self.series[-1]["start"] == start:
                self.series.pop()  # replaced before it trained an epoch
            self.series.append({"start": start, "optimizer": repr(self.optimizer)})
        self.settings = settings
        self.running, self.stopped_by, self.requested = True, None, epochs

    def to_json(self) -> dict:
        s = self.settings
        change = abs(self.loss[-1] - self.loss[-2]) if len(self.loss) >= 2 else None
        # E_t for t = 0, k, 2k, … and the last t: at most about LOSS_POINTS numbers per state
        n = len(self.loss)
        k = max(1, math.ceil(n / LOSS_POINTS))
        ts = list(range(0, n, k))
        if n and ts[-1] != n - 1:
            ts.append(n - 1)
        return {
            "epoch": max(n - 1, 0),
            "loss": [self.loss[t] for t in ts],
            "loss_epochs": ts,
            "running": self.running,
            "stopped_by": self.stopped_by,
            "requested": self.requested,
            "optimizer": None if self.optimizer is None else repr(self.optimizer),
            "series": [dict(x) for x in self.series],
            "settings": None if s is None else {k: getattr(s, k) for k in TrainSettings.FIELDS[:5]},
            "rule": {
                "tol": None if s is None else s.tol,
                "target": None if s is None else s.target,
                "change": change,
            },
        }
