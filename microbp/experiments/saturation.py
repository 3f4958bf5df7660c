"""Why cross-entropy learns a saturated output faster than ½‖y − a‖² (docs/losses.md).

BP-1 with the squared error carries the factor f′(z⁽ᴸ⁾): δ⁽ᴸ⁾ = (a − y) σ′(z), and σ′(z) =
a(1 − a) is nearly 0 when the output saturates, however wrong it is. With binary cross-entropy
(sigmoid output) or categorical cross-entropy (softmax output) the factor cancels and
δ⁽ᴸ⁾ = a − y: the wronger the output, the faster it learns.

:func:`single_neuron` is the classic demonstration (Nielsen, *Neural Networks and Deep
Learning*, ch. 3): one sigmoid neuron, input x = 1, target y = 0, started at w = b = 2
(a = σ(4) ≈ 0.98, saturated and wrong), at w = b = 0.6 (a = σ(1.2) ≈ 0.77) and at Nielsen's
w = 0.6, b = 0.9 (a ≈ 0.82), trained by batch GD with the same learning rate under each loss,
counting the epochs until a < 0.1.

:func:`iris` is the same comparison on a real task: Fisher's Iris (:func:`microbp.data.iris`,
150 flowers, 4 features, 3 classes) with a softmax output layer, squared error against
cross-entropy, by GD from several seeds: the epochs until 95 % of the training samples are
classified right, and the accuracy on held-out samples then.

Both return result records with ``to_dict()`` and ``table()``; ``microbp saturation``
(:mod:`microbp.cli.saturation`) prints them, ``--json``, ``--plot``.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass

import numpy as np

from microbp import data, optim, text
from microbp.experiments.report import plot_saturation as plot
from microbp.nn import MLP
from microbp.train import fit

__all__ = [
    "NeuronRun",
    "IrisRun",
    "SaturationResult",
    "single_neuron",
    "iris",
    "run",
    "plot",
    "STARTS",
    "QUICK",
]

#: The single neuron's starts (w, b): saturated (a ≈ 0.98), not (a ≈ 0.77), Nielsen's (0.82).
STARTS = ((2.0, 2.0), (0.6, 0.6), (0.6, 0.9))

#: The two losses compared, with the output layer each is made for in the Iris net.
LOSS_NAMES = ("squared_error", "cross_entropy")

#: The arguments of ``microbp saturation --quick`` (the tests use them).
QUICK = {"max_epochs": 400, "iris_seeds": 2, "iris_max_epochs": 150}


@dataclass
class NeuronRun:
    """One single-neuron run: the loss, the start, the epochs until a < 0.1, a and E per epoch."""

    loss: str
    w0: float
    b0: float
    lr: float
    epochs: int | None  # None: a ≥ 0.1 after max_epochs
    outputs: list[float]
    E: list[float]

    def to_dict(self) -> dict:
        return {
            "loss": self.loss,
            "w0": self.w0,
            "b0": self.b0,
            "a0": self.outputs[0],
            "lr": self.lr,
            "epochs_to_a_below_0.1": self.epochs,
            "a_final": self.outputs[-1],
            "E": self.E,
        }


def _neuron_loss(name: str) -> str:
    return "binary_cross_entropy" if name == "cross_entropy" else name


def single_neuron(
    starts=STARTS, lr: float = 0.15, max_epochs: int = 1000, threshold: float = 0.1
) -> list[NeuronRun]:
    """The one-neuron experiment: for each start and each loss, GD until a < ``threshold``.

    The net is ``MLP([1, 1])`` with σ, x = 1, y = 0; the cross-entropy of one sigmoid output
    is :func:`microbp.losses.binary_cross_entropy`. Gradients by the formulas method; ``a`` and
    E are recorded every epoch (``max_epochs`` of them, the run does not stop early so the
    curves have equal length).
    """
    runs = []
    for w0, b0 in starts:
        for name in LOSS_NAMES:
            net = MLP.from_weights({2: [[w0]]}, {2: [b0]}, activation="sigmoid")
            outputs = []

            def record(out, Y, outputs=outputs) -> bool:
                outputs.append(float(out[0, 0]))
                return False

            h = fit(net, [[1.0]], [[0.0]], optim.GD(lr), max_epochs=max_epochs, tol=0,
                    gradients="formulas", quiet=True, stop_when=record,
                    loss=_neuron_loss(name))  # fmt: skip
            below = [t for t, a in enumerate(outputs) if a < threshold]
            runs.append(NeuronRun(name, w0, b0, lr, below[0] if below else None, outputs, h.loss))
    return runs


@dataclass
class IrisRun:
    """One Iris run: the loss, the random seed, epochs until 95 % training accuracy, accuracies."""

    loss: str
    seed: int
    epochs: int | None  # None: 95 % not reached within max_epochs
    train_accuracy: float
    test_accuracy: float
    E: list[float]

    def to_dict(self) -> dict:
        return {
            "loss": self.loss,
            "seed": self.seed,
            "epochs_to_95%": self.epochs,
            "train_accuracy": self.train_accuracy,
            "test_accuracy": self.test_accuracy,
            "E_final": self.E[-1],
        }


def _accuracy(out: np.ndarray, Y: np.ndarray) -> float:
    return float(np.mean(out.argmax(axis=1) == Y.argmax(axis=1)))


def iris(
    seeds: int = 5, hidden: int = 8, lr: float = 0.5, max_epochs: int = 1000, goal: float = 0.95
) -> list[IrisRun]:
    """Iris with a softmax output, squared error vs cross-entropy, by batch GD.

    Net ``MLP([4, hidden, 3], activation=["tanh", "softmax"], seed=s, init="xavier")`` for
    s = 0 … seeds − 1; training set: the 100 samples whose index is not 2 mod 3, test set:
    the other 50 (the file is sorted by class, so both hold every class). Stops when the
    training accuracy reaches ``goal``; ``epochs`` is None when it does not within
    ``max_epochs``.
    """
    X, Y = data.iris()
    test = np.arange(len(X)) % 3 == 2
    runs = []
    for seed in range(seeds):
        for name in LOSS_NAMES:
            net = MLP([4, hidden, 3], activation=["tanh", "softmax"], seed=seed, init="xavier")
            h = fit(net, X[~test], Y[~test], optim.GD(lr), max_epochs=max_epochs, tol=0,
                    gradients="formulas", quiet=True, loss=name,
                    stop_when=lambda out, Yt: _accuracy(out, Yt) >= goal)  # fmt: skip
            out = np.array([[a.data for a in net(x)] for x in X.tolist()])
            runs.append(
                IrisRun(
                    name,
                    seed,
                    h.epochs if h.stopped_by == "criterion" else None,
                    _accuracy(out[~test], Y[~test]),
                    _accuracy(out[test], Y[test]),
                    h.loss,
                )
            )
    return runs


@dataclass
class SaturationResult:
    """Both experiments' runs, with their settings."""

    neuron: list[NeuronRun]
    iris: list[IrisRun]
    settings: dict

    def to_dict(self) -> dict:
        return {
            "settings": self.settings,
            "single_neuron": [r.to_dict() for r in self.neuron],
            "iris": [r.to_dict() for r in self.iris],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    def table(self) -> str:
        s = self.settings
        neuron = []
        for w0, b0 in {(r.w0, r.b0): None for r in self.neuron}:
            cell = {r.loss: r for r in self.neuron if (r.w0, r.b0) == (w0, b0)}
            a0 = cell["squared_error"].outputs[0]
            se, ce = (_epochs(cell[n].epochs, s["max_epochs"]) for n in LOSS_NAMES)
            neuron.append((f"w = {w0:g}, b = {b0:g}", f"{a0:.3f}", se, ce))
        iris = []
        for name in LOSS_NAMES:
            runs = [r for r in self.iris if r.loss == name]
            reached = [r.epochs for r in runs if r.epochs is not None]
            med = _epochs(_median(reached), None) if len(reached) == len(runs) else "—"
            train = np.mean([r.train_accuracy for r in runs])
            test = np.mean([r.test_accuracy for r in runs])
            iris.append((name, med, f"{len(reached)}/{len(runs)}", f"{train:.3f}", f"{test:.3f}"))
        lines = [
            f"One sigmoid neuron, x = 1, y = 0, batch GD η = {s['lr']}: epochs until a < 0.1 "
            f"(max {s['max_epochs']})",
            _indented(neuron, ("start", "a₀", "squared error", "cross-entropy")),
            "",
            f"Iris, MLP [4, {s['hidden']}, 3] tanh + softmax, batch GD η = {s['iris_lr']}, "
            f"seeds 0…{s['iris_seeds'] - 1}: epochs until 95 % training accuracy "
            f"(max {s['iris_max_epochs']}), accuracy on the 50 held-out flowers then",
            _indented(iris, ("loss", "median epochs", "reached", "train acc", "test acc")),
        ]
        return "\n".join(lines)


def _indented(rows, headers) -> str:
    """A table indented by two spaces: text on the left, numbers on the right."""
    align = ["left"] + ["right"] * (len(headers) - 1)
    table = text.table(rows, headers, colalign=align)
    return textwrap.indent(table, "  ")


def _median(values):
    return float(np.median(values)) if values else None


def _epochs(epochs, cap) -> str:
    if epochs is None:
        return f"> {cap}" if cap is not None else "—"
    return f"{epochs:g}"


def run(
    lr: float = 0.15,
    max_epochs: int = 1000,
    iris_seeds: int = 5,
    iris_lr: float = 0.5,
    iris_max_epochs: int = 1000,
    hidden: int = 8,
) -> SaturationResult:
    """Both experiments with these settings (``QUICK`` for the short run of the tests)."""
    settings = {
        "lr": lr,
        "max_epochs": max_epochs,
        "iris_seeds": iris_seeds,
        "iris_lr": iris_lr,
        "iris_max_epochs": iris_max_epochs,
        "hidden": hidden,
    }
    neuron = single_neuron(lr=lr, max_epochs=max_epochs)
    flowers = iris(iris_seeds, hidden, iris_lr, iris_max_epochs)
    return SaturationResult(neuron, flowers, settings)
