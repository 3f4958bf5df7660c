"""The vanishing-gradient problem, measured (the seed's "梯度消失问题及其解决办法").

The seed's argument starts from BP-2,

    δᵢ⁽ˡ⁾ = (Σⱼ δⱼ⁽ˡ⁺¹⁾ wⱼᵢ⁽ˡ⁺¹⁾) f′(zᵢ⁽ˡ⁾),

so the error is multiplied by f′ once per layer on its way back. With σ′ ∈ [0, ¼] and
tanh′ ∈ [0, 1] it shrinks layer after layer, deep nets train badly, and a rectifier or
softplus, whose derivative is (close to) 1, is the remedy.

:func:`gradient_statistics` measures that on deep nets ``[n₁] + [width] * depth + [n_L]``
for each activation and initialisation over several seeds: per layer l the mean |δᵢ⁽ˡ⁾| over
the batch and the neurons, the Frobenius norm ‖∂E_total/∂W⁽ˡ⁾‖, the mean f′(zᵢ⁽ˡ⁾), the ratio
first hidden layer (l = 2) / output layer (l = L) of both, and the largest f′ actually seen
next to its bound (``ACTIVATIONS[name].max_derivative``). The numbers come from the matrix δ
equations (:func:`microbp.bp.backprop`) on weights drawn exactly as :class:`~microbp.MLP`
draws them (:func:`draw_weights`), so ``MLP(sizes, activation, seed, init)`` gives the same
numbers, only slower.

The data set is :func:`microbp.data.two_moons` (two inputs, one output with 0/1 targets).
The hidden layers use the activation under study; the output layer uses σ by default
(``output_activation``), which suits 0/1 targets and keeps δ⁽ᴸ⁾ from being exactly 0 (a
rectifier output neuron that is off for every sample makes every δ zero and the ratio 0/0).
The output layer's f′ is a common factor of every δ⁽ˡ⁾, so the ratios do not depend on it.

The seed's other half of the claim, that with a rectifier or softplus "训练速度会提高"
(training gets faster), is :func:`training_speed`: the same deep nets, per activation and
initialisation, trained by :func:`microbp.fit` (formulas road) with the same optimizer and
epoch budget from several seeds, counting the epochs (and seconds) until E_total < target.

``microbp vanishing`` prints the table, ``--train`` adds the training-speed table, ``--json``
the same numbers for machines, ``--plot`` draws them (see docs/vanishing.md).
"""

from __future__ import annotations

import argparse
import json
import math
import numbers
import random
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from microbp import bp, data
from microbp.activations import ACTIVATIONS
from microbp.activations import get as get_activation
from microbp.experiments.common import (
    check_plot_path,
    figure_class,
    parse_seeds,
    positive_int,
    seeds_text,
)
from microbp.nn import INITS, MLP
from microbp.optim import GD, RPROP_VARIANTS, Rprop
from microbp.train import fit

__all__ = [
    "ACTIVATION_NAMES",
    "INIT_NAMES",
    "QUICK",
    "LayerStats",
    "CellResult",
    "GradientStatistics",
    "deep_sizes",
    "draw_weights",
    "layer_stats",
    "gradient_statistics",
    "plot_gradient_statistics",
    "TRAIN_QUICK",
    "SpeedRun",
    "SpeedCell",
    "TrainingSpeed",
    "training_speed",
]  # add_command and run are the command line's plumbing, not public API

#: The activations the seed discusses: the two that vanish and the two remedies.
ACTIVATION_NAMES: tuple[str, ...] = ("sigmoid", "tanh", "relu", "softplus")
#: The initialisations of :class:`~microbp.MLP`: the seed's small random values, Xavier, He.
INIT_NAMES: tuple[str, ...] = ("small", "xavier", "he")
#: The settings of ``--quick`` (seconds): fewer seeds and samples, the same deep nets.
QUICK: dict = {"seeds": 3, "n": 64}
#: The settings of ``--train --quick`` (seconds): He init, three seeds, 64 samples, 300 epochs.
TRAIN_QUICK: dict = {"inits": ("he",), "seeds": 3, "n": 64, "max_epochs": 300}


def deep_sizes(n_in: int, depth: int, width: int, n_out: int) -> list[int]:
    """``[n_in] + [width] * depth + [n_out]``: ``depth`` hidden layers of ``width`` neurons."""
    for name, value in (("n_in", n_in), ("depth", depth), ("width", width), ("n_out", n_out)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"{name} must be an integer ≥ 1, got {value!r}")
    return [int(n_in)] + [int(width)] * int(depth) + [int(n_out)]


def draw_weights(
    sizes: Sequence[int],
    activation: str | Sequence[str] = "sigmoid",
    seed: int = 0,
    init: str = "small",
) -> bp.Weights:
    """The numbers of ``MLP(sizes, activation, seed, init)`` as float64 arrays, without Values.

    The draws are the MLP's own (:data:`microbp.nn.INITS`, one ``random.Random(seed)``, for
    l = 2…L and i = 1…n_l: wᵢ₁⁽ˡ⁾ … wᵢₙ⁽ˡ⁾, then bᵢ⁽ˡ⁾), in the same order, so
    ``draw_weights(...).W[l]`` equals ``MLP(...).to_arrays()[0][l]`` bit for bit; building
    thousands of weight Values is what this skips.
    """
    sizes = list(sizes)
    if len(sizes) < 2 or any(
        isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1 for n in sizes
    ):
        raise ValueError(f"sizes must be a list [n₁, …, n_L] of integers ≥ 1, got {sizes!r}")
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}; expected one of: {', '.join(INITS)}")
    draw_w, draw_b = INITS[init]
    rng = random.Random(seed)
    W: dict[int, np.ndarray] = {}
    b: dict[int, np.ndarray] = {}
    for l in range(2, len(sizes) + 1):
        n_in, n_out = sizes[l - 2], sizes[l - 1]
        W[l] = np.empty((n_out, n_in), dtype=np.float64)
        b[l] = np.empty(n_out, dtype=np.float64)
        for i in range(n_out):
            for j in range(n_in):
                W[l][i, j] = draw_w(n_in, n_out, rng)
            b[l][i] = draw_b(n_in, n_out, rng)
    return bp.Weights(W, b, activation)


# --------------------------------------------------------------------------------------------
# One net: per-layer statistics
# --------------------------------------------------------------------------------------------


def _ratio(first: float, last: float) -> float:
    """first / last, with 0/0 = nan and x/0 = inf (a dead output layer has no ratio)."""
    if last == 0.0:
        return math.nan if first == 0.0 else math.inf
    return first / last


@dataclass(frozen=True)
class LayerStats:
    """Per-layer gradient statistics of one net on one batch; dicts keyed by l = 2…L.

    ``delta_mean_abs[l]`` = mean over the N samples and the n_l neurons of |δᵢ⁽ˡ⁾|;
    ``grad_norm[l]`` = ‖∂E_total/∂W⁽ˡ⁾‖ (Frobenius), with ∂E_total/∂W⁽ˡ⁾ = (1/N) Σ δ⁽ˡ⁾ a⁽ˡ⁻¹⁾ᵀ
    (BP-3); ``df_mean[l]`` and ``df_max[l]`` the mean and the largest f′(zᵢ⁽ˡ⁾) over the batch;
    ``activation[l]`` the name of layer l's f; ``E`` = E_total.
    """

    delta_mean_abs: dict[int, float]
    grad_norm: dict[int, float]
    df_mean: dict[int, float]
    df_max: dict[int, float]
    activation: dict[int, str]
    E: float

    @property
    def layers(self) -> list[int]:
        """l = 2…L."""
        return sorted(self.grad_norm)

    @property
    def ratio_delta(self) -> float:
        """mean|δ⁽²⁾| / mean|δ⁽ᴸ⁾|: how much of the output error reaches the first hidden layer."""
        layers = self.layers
        return _ratio(self.delta_mean_abs[layers[0]], self.delta_mean_abs[layers[-1]])

    @property
    def ratio_grad(self) -> float:
        """‖∂E/∂W⁽²⁾‖ / ‖∂E/∂W⁽ᴸ⁾‖: the first hidden layer's gradient against the output's."""
        layers = self.layers
        return _ratio(self.grad_norm[layers[0]], self.grad_norm[layers[-1]])


def layer_stats(net, X, Y) -> LayerStats:
    """Per-layer statistics of an :class:`~microbp.MLP` or :class:`~microbp.bp.Weights`.

    One call of the matrix δ equations (BP-1, BP-2 for δ⁽ˡ⁾, BP-3 for ∂E_total/∂W⁽ˡ⁾) on the
    batch X (N, n₁), Y (N, n_L).
    """
    weights = bp.Weights.of(net)
    g = bp.backprop(weights, X, Y)
    layers = range(2, weights.L + 1)
    df = {l: weights.f(l).df_np(g.z[l], g.a[l]) for l in layers}
    return LayerStats(
        delta_mean_abs={l: float(np.mean(np.abs(g.delta[l]))) for l in layers},
        grad_norm={l: float(np.linalg.norm(g.dW[l])) for l in layers},
        df_mean={l: float(np.mean(df[l])) for l in layers},
        df_max={l: float(np.max(df[l])) for l in layers},
        activation={l: weights.f(l).name for l in layers},
        E=g.E,
    )


# --------------------------------------------------------------------------------------------
# The experiment: activations × inits × seeds
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellResult:
    """One activation with one initialisation, over several seeds (one :class:`LayerStats`
    per seed). Per-layer numbers and ratios are medians over the seeds (each seed's ratio
    first, then the median); ``max_df`` is the largest f′ of the studied activation seen in
    any layer that uses it, over every seed and sample."""

    activation: str
    init: str
    seeds: tuple[int, ...]
    runs: tuple[LayerStats, ...]

    @property
    def bound(self) -> float:
        """The bound on f′ the seed states: ¼ for σ, 1 for the others."""
        return ACTIVATIONS[self.activation].max_derivative

    @property
    def layers(self) -> list[int]:
        return self.runs[0].layers

    def _median(self, quantity: str) -> dict[int, float]:
        return {
            l: float(np.median([getattr(run, quantity)[l] for run in self.runs]))
            for l in self.layers
        }

    @property
    def delta_mean_abs(self) -> dict[int, float]:
        """Median over seeds of mean|δᵢ⁽ˡ⁾|, keyed by l."""
        return self._median("delta_mean_abs")

    @property
    def grad_norm(self) -> dict[int, float]:
        """Median over seeds of ‖∂E_total/∂W⁽ˡ⁾‖, keyed by l."""
        return self._median("grad_norm")

    @property
    def df_mean(self) -> dict[int, float]:
        """Median over seeds of the mean f′(zᵢ⁽ˡ⁾), keyed by l."""
        return self._median("df_mean")

    @property
    def ratio_delta(self) -> float:
        """Median over seeds of mean|δ⁽²⁾| / mean|δ⁽ᴸ⁾|."""
        return float(np.median([run.ratio_delta for run in self.runs]))

    @property
    def ratio_grad(self) -> float:
        """Median over seeds of ‖∂E/∂W⁽²⁾‖ / ‖∂E/∂W⁽ᴸ⁾‖."""
        return float(np.median([run.ratio_grad for run in self.runs]))

    @property
    def per_layer_factor(self) -> float:
        """How much of mean|δ| one hidden layer passes back, on average (median over seeds).

        The geometric mean over the hidden layers, (mean|δ⁽²⁾| / mean|δ⁽ᴸ⁻¹⁾|)^(1/(L−3)):
        BP-2 applied once multiplies mean|δ| by about this much. nan with one hidden layer.
        """
        return float(np.median([_per_layer_factor(run) for run in self.runs]))

    def _studied_layers(self, run: LayerStats) -> list[int]:
        return [l for l in run.layers if run.activation[l] == self.activation]

    @property
    def max_df(self) -> float:
        """The largest f′(zᵢ⁽ˡ⁾) seen in the layers using this activation (every seed)."""
        return max(run.df_max[l] for run in self.runs for l in self._studied_layers(run))

    @property
    def mean_df(self) -> float:
        """Median over seeds of the mean f′ over the layers using this activation."""
        return float(
            np.median(
                [np.mean([run.df_mean[l] for l in self._studied_layers(run)]) for run in self.runs]
            )
        )

    def to_dict(self) -> dict:
        layers = self.layers
        return {
            "activation": self.activation,
            "init": self.init,
            "bound": self.bound,
            "max_df": self.max_df,
            "mean_df": self.mean_df,
            "ratio_delta": _json_float(self.ratio_delta),
            "ratio_grad": _json_float(self.ratio_grad),
            "per_layer_factor": _json_float(self.per_layer_factor),
            "layers": layers,
            "delta_mean_abs": [self.delta_mean_abs[l] for l in layers],
            "grad_norm": [self.grad_norm[l] for l in layers],
            "df_mean": [self.df_mean[l] for l in layers],
            "per_seed": [
                {
                    "seed": seed,
                    "ratio_delta": _json_float(run.ratio_delta),
                    "ratio_grad": _json_float(run.ratio_grad),
                    "E": run.E,
                    "delta_mean_abs": [run.delta_mean_abs[l] for l in layers],
                    "grad_norm": [run.grad_norm[l] for l in layers],
                }
                for seed, run in zip(self.seeds, self.runs)
            ],
        }


def _per_layer_factor(run: LayerStats) -> float:
    layers = run.layers
    first, last = run.delta_mean_abs[layers[0]], run.delta_mean_abs[layers[-2]]
    steps = len(layers) - 2
    if steps < 1 or last == 0.0:
        return math.nan
    return (first / last) ** (1.0 / steps)


def _json_float(x: float) -> float | None:
    """JSON has no nan or inf: they become null."""
    return x if math.isfinite(x) else None


@dataclass(frozen=True)
class GradientStatistics:
    """Every :class:`CellResult` of one run of :func:`gradient_statistics`, and its settings."""

    config: dict
    cells: tuple[CellResult, ...]

    def cell(self, activation: str, init: str) -> CellResult:
        for c in self.cells:
            if c.activation == activation and c.init == init:
                return c
        raise KeyError(f"no result for activation {activation!r} with init {init!r}")

    @property
    def activations(self) -> list[str]:
        return list(dict.fromkeys(c.activation for c in self.cells))

    @property
    def inits(self) -> list[str]:
        return list(dict.fromkeys(c.init for c in self.cells))

    def to_dict(self) -> dict:
        """Plain data for ``--json``: ``{"experiment", "config", "bounds", "results"}``."""
        return {
            "experiment": "vanishing-gradients",
            "config": dict(self.config),
            "bounds": {name: ACTIVATIONS[name].max_derivative for name in self.activations},
            "results": [c.to_dict() for c in self.cells],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, allow_nan=False)

    def table(self) -> str:
        """The readable report: a summary per (init, activation), then per-layer numbers."""
        cfg = self.config
        L = len(cfg["sizes"])
        seeds = cfg["seeds"]
        lines = [
            f"microbp vanishing: sizes {_sizes_text(cfg['sizes'])}, hidden f per row, output "
            f"f = {cfg['output_activation']}; data two_moons(n={cfg['n']}, "
            f"noise={cfg['noise']}, seed=0); seeds {seeds_text(seeds)}, median shown",
            "",
            f"First hidden layer (l = 2) against the output layer (l = L = {L}):",
            f"  {'init':<7} {'f':<9} {'‖∂E/∂W⁽²⁾‖/‖∂E/∂W⁽ᴸ⁾‖':>24} {'mean|δ⁽²⁾|/mean|δ⁽ᴸ⁾|':>22}"
            f" {'max f′ seen':>12} {'bound':>6} {'mean f′':>8} {'δ kept/layer':>13}",
        ]
        for init in self.inits:
            for act in self.activations:
                c = self.cell(act, init)
                lines.append(
                    f"  {init:<7} {act:<9} {_sci(c.ratio_grad):>24} {_sci(c.ratio_delta):>22}"
                    f" {c.max_df:>12.4f} {c.bound:>6g} {c.mean_df:>8.3f}"
                    f" {c.per_layer_factor:>13.3f}"
                )
        for init in self.inits:
            lines += [
                "",
                f"Per layer, init {init}: ‖∂E_total/∂W⁽ˡ⁾‖ (Frobenius) and mean|δᵢ⁽ˡ⁾|, "
                "from the output layer back",
                "  " + f"{'l':>3} " + " ".join(f"{act:^19}" for act in self.activations),
                "  "
                + f"{'':>3} "
                + " ".join(f"{'‖∂E/∂W‖':>9} {'mean|δ|':>9}" for _ in self.activations),
            ]
            cells = [self.cell(act, init) for act in self.activations]
            for l in range(L, 1, -1):
                row = " ".join(
                    f"{_sci(c.grad_norm[l]):>9} {_sci(c.delta_mean_abs[l]):>9}" for c in cells
                )
                lines.append(f"  {l:>3} {row}")
        return "\n".join(line.rstrip() for line in lines)


def _sci(x: float) -> str:
    return f"{x:.2e}" if math.isfinite(x) else ("n/a" if math.isnan(x) else str(x))


def _sizes_text(sizes: Sequence[int]) -> str:
    hidden = sizes[1:-1]
    if len(hidden) > 2 and len(set(hidden)) == 1:
        return f"[{sizes[0]}, {hidden[0]}×{len(hidden)}, {sizes[-1]}]"
    return str(list(sizes))


def _check_names(names, table, what: str) -> tuple[str, ...]:
    if isinstance(names, str):
        names = (names,)
    names = tuple(names)
    if not names:
        raise ValueError(f"expected at least one {what}")
    for name in names:
        if name not in table:
            raise ValueError(f"unknown {what} {name!r}; expected one of: {', '.join(table)}")
    return names


def gradient_statistics(
    depth: int = 10,
    width: int = 16,
    seeds: int | Sequence[int] = 5,
    activations: Sequence[str] = ACTIVATION_NAMES,
    inits: Sequence[str] = INIT_NAMES,
    n: int = 200,
    noise: float = 0.1,
    output_activation: str | None = "sigmoid",
) -> GradientStatistics:
    """Per-layer gradient statistics of deep nets, for each activation × init × seed.

    The nets are ``[2] + [width] * depth + [1]`` on ``data.two_moons(n, noise, seed=0)``, the
    hidden layers using the activation under study and the output layer
    ``output_activation`` (``None``: the same as the hidden layers). ``seeds`` is a count
    (seeds 0 … seeds − 1) or a list of seeds; seed s draws ``MLP(sizes, …, seed=s, init)``.

    >>> r = gradient_statistics(depth=4, width=4, seeds=1, activations=["sigmoid"], inits=["he"])
    >>> c = r.cell("sigmoid", "he")
    >>> c.layers, c.max_df <= 0.25
    ([2, 3, 4, 5, 6], True)
    """
    activations = _check_names(activations, ACTIVATIONS, "activation")
    inits = _check_names(inits, INITS, "init")
    if output_activation is not None:
        get_activation(output_activation)
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, bool):
        if seeds < 1:
            raise ValueError(f"seeds must be ≥ 1 (the number of seeds), got {seeds}")
        seed_list = list(range(int(seeds)))
    else:
        seed_list = list(seeds)
        if not seed_list or not all(
            isinstance(s, numbers.Integral) and not isinstance(s, bool) for s in seed_list
        ):
            raise ValueError(f"seeds must be a count ≥ 1 or a list of integers, got {seeds!r}")
    X, Y = data.two_moons(n=n, noise=noise, seed=0)
    sizes = deep_sizes(X.shape[1], depth, width, Y.shape[1])
    cells = []
    for init in inits:
        for act in activations:
            layer_f = [act] * depth + [output_activation or act]
            runs = tuple(
                layer_stats(draw_weights(sizes, layer_f, seed=s, init=init), X, Y)
                for s in seed_list
            )
            cells.append(CellResult(act, init, tuple(seed_list), runs))
    config = {
        "depth": int(depth),
        "width": int(width),
        "sizes": sizes,
        "seeds": seed_list,
        "n": int(n),
        "noise": float(noise),
        "data": "two_moons",
        "output_activation": output_activation or "same",
        "activations": list(activations),
        "inits": list(inits),
    }
    return GradientStatistics(config, tuple(cells))


# --------------------------------------------------------------------------------------------
# Training speed: epochs until E_total < target, per activation
# --------------------------------------------------------------------------------------------


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
                    "final_loss": _json_float(r.final_loss),
                    "stopped_by": r.stopped_by,
                }
                for r in self.runs
            ],
        }


@dataclass(frozen=True)
class TrainingSpeed:
    """Every :class:`SpeedCell` of one run of :func:`training_speed`, and its settings."""

    config: dict
    cells: tuple[SpeedCell, ...]

    def cell(self, activation: str, init: str, optimizer: str | None = None) -> SpeedCell:
        optimizer = optimizer or self.optimizers[0]
        for c in self.cells:
            if (c.activation, c.init, c.optimizer) == (activation, init, optimizer):
                return c
        raise KeyError(
            f"no result for activation {activation!r}, init {init!r}, optimizer {optimizer!r}"
        )

    @property
    def activations(self) -> list[str]:
        return list(dict.fromkeys(c.activation for c in self.cells))

    @property
    def inits(self) -> list[str]:
        return list(dict.fromkeys(c.init for c in self.cells))

    @property
    def optimizers(self) -> list[str]:
        return list(dict.fromkeys(c.optimizer for c in self.cells))

    def to_dict(self) -> dict:
        """Plain data: ``{"experiment", "config", "results"}``."""
        return {
            "experiment": "vanishing-training-speed",
            "config": dict(self.config),
            "results": [c.to_dict() for c in self.cells],
        }

    def table(self) -> str:
        """One row per init and activation; per optimizer the converged seeds, the median
        epochs and seconds to E_total < target, and the median final E."""
        cfg = self.config
        lines = [
            f"Training speed: sizes {_sizes_text(cfg['sizes'])}, output f = "
            f"{cfg['output_activation']}, two_moons(n={cfg['n']}, noise={cfg['noise']}, "
            f"seed=0); epochs until E_total < {cfg['target']:g} (budget {cfg['max_epochs']}), "
            f"seeds {seeds_text(cfg['seeds'])}, median shown (a miss counts as slowest)",
            "  " + f"{'init':<7} {'f':<9} " + "  ".join(f"{o:^43}" for o in self.optimizers),
            "  "
            + f"{'':<7} {'':<9} "
            + "  ".join(
                f"{'converged':>9} {'epochs':>16} {'seconds':>7} {'final E':>8}"
                for _ in self.optimizers
            ),
        ]
        for init in self.inits:
            for act in self.activations:
                parts = []
                for opt in self.optimizers:
                    c = self.cell(act, init, opt)
                    n = len(c.runs)
                    epochs = (
                        "did not converge" if c.median_epochs is None else f"{c.median_epochs:g}"
                    )
                    secs = "–" if c.median_seconds is None else f"{c.median_seconds:.2f}"
                    parts.append(
                        f"{f'{c.converged}/{n}':>9} {epochs:>16} {secs:>7} "
                        f"{c.median_final_loss:>8.4f}"
                    )
                lines.append(f"  {init:<7} {act:<9} " + "  ".join(parts))
        return "\n".join(line.rstrip() for line in lines)


def _make_speed_optimizer(name: str, lr: float):
    if name == "gd":
        return GD(lr)
    return Rprop(name)


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
    :func:`microbp.fit` on the formulas road with ``tol=0`` (no early stop but the target)
    for at most ``max_epochs`` epochs. ``optimizers`` holds ``"gd"`` (batch gradient
    descent with μ = ``lr``, the seed's update, where the size of ∂E/∂W⁽ˡ⁾ sets the size of
    the step) and/or Rprop variants (``"iRprop-"`` …, which use only its sign).

    >>> r = training_speed(depth=3, width=8, seeds=1, activations=["tanh"], inits=["he"],
    ...                    optimizers=["gd", "iRprop-"], max_epochs=100, n=32)
    >>> r.cell("tanh", "he", "gd").median_epochs, r.cell("tanh", "he", "iRprop-").median_epochs
    (28.0, 5.0)
    """
    activations = _check_names(activations, ACTIVATIONS, "activation")
    inits = _check_names(inits, INITS, "init")
    optimizers = _check_names(optimizers, ("gd",) + RPROP_VARIANTS, "optimizer")
    if output_activation is not None:
        get_activation(output_activation)
    seed_list = parse_seeds(seeds)
    if isinstance(max_epochs, bool) or not isinstance(max_epochs, numbers.Integral):
        raise ValueError(f"max_epochs must be an integer ≥ 1, got {max_epochs!r}")
    if max_epochs < 1:
        raise ValueError(f"max_epochs must be an integer ≥ 1, got {max_epochs!r}")
    GD(lr)  # checks lr
    if not (isinstance(target, numbers.Real) and math.isfinite(target) and target > 0):
        raise ValueError(f"target must be a number > 0, got {target!r}")
    X, Y = data.two_moons(n=n, noise=noise, seed=0)
    sizes = deep_sizes(X.shape[1], depth, width, Y.shape[1])
    cells = []
    for init in inits:
        for act in activations:
            layer_f = [act] * depth + [output_activation or act]
            for opt in optimizers:
                runs = []
                for s in seed_list:
                    net = MLP(sizes, layer_f, seed=s, init=init)
                    h = fit(
                        net,
                        X,
                        Y,
                        _make_speed_optimizer(opt, lr),
                        max_epochs=int(max_epochs),
                        tol=0,
                        target=target,
                        gradients="formulas",
                        quiet=True,
                    )
                    hit = h.stopped_by == "target"
                    runs.append(
                        SpeedRun(
                            s, h.epochs if hit else None, h.seconds, h.final_loss, h.stopped_by
                        )  # fmt: skip
                    )
                cells.append(SpeedCell(act, init, opt, int(max_epochs), tuple(runs)))
    config = {
        "depth": int(depth),
        "width": int(width),
        "sizes": sizes,
        "seeds": seed_list,
        "n": int(n),
        "noise": float(noise),
        "data": "two_moons",
        "output_activation": output_activation or "same",
        "activations": list(activations),
        "inits": list(inits),
        "optimizers": list(optimizers),
        "lr": float(lr),
        "max_epochs": int(max_epochs),
        "target": float(target),
        "gradients": "formulas",
    }
    return TrainingSpeed(config, tuple(cells))


# --------------------------------------------------------------------------------------------
# Plot (matplotlib, the optional extra "plot")
# --------------------------------------------------------------------------------------------


def plot_gradient_statistics(
    result: GradientStatistics, path: str, speed: TrainingSpeed | None = None
) -> None:
    """Draw ``result`` to an image file (the format from the name, e.g. ``.png``).

    One panel per activation: ‖∂E_total/∂W⁽ˡ⁾‖ against l (log scale), one line per init
    (median over seeds, each seed faint); one panel with the f′ curves and the bounds ¼ and
    1; one with the ratio first hidden layer / output layer per activation and init. With
    ``speed`` (a :class:`TrainingSpeed`), a third row: per optimizer, the median epochs to
    E < target per activation and init (log scale; a hatched bar at the budget: did not
    converge).
    """
    Figure = figure_class()
    check_plot_path(path, "vanishing.png")
    acts, inits = result.activations, result.inits
    rows = 2 if speed is None else 3
    fig = Figure(figsize=(13, 3.75 * rows), layout="constrained")
    axes = fig.subplots(rows, 3)
    panels = list(axes.ravel())
    colors = {init: f"C{k}" for k, init in enumerate(inits)}
    grad_axes = panels[: len(acts)] if len(acts) <= 4 else panels[:4]
    for ax, act in zip(grad_axes, acts):
        for init in inits:
            c = result.cell(act, init)
            layers = c.layers
            for run in c.runs:
                ax.plot(layers, [run.grad_norm[l] for l in layers], color=colors[init], alpha=0.2)
            ax.plot(
                layers,
                [c.grad_norm[l] for l in layers],
                color=colors[init],
                marker="o",
                ms=3,
                label=f"{init} (ratio {_sci(c.ratio_grad)})",
            )
        ax.set_yscale("log")
        ax.set_title(f"{act}: ‖∂E/∂W⁽ˡ⁾‖ per layer")
        ax.set_xlabel("layer l (2 = first hidden, L = output)")
        ax.legend(fontsize=8)
        ax.grid(True, which="major", alpha=0.3)
    for ax in grad_axes[1:]:
        ax.sharey(grad_axes[0])
    for ax in panels[len(grad_axes) : 4]:
        ax.set_visible(False)

    ax = panels[4]
    z = np.linspace(-6.0, 6.0, 601)
    for k, act in enumerate(acts):
        f = ACTIVATIONS[act]
        ax.plot(z, f.df_np(z, f.f_np(z)), color=f"C{k + 3}", label=f.derivative_formula)
    for bound in sorted({ACTIVATIONS[a].max_derivative for a in acts}):
        ax.axhline(bound, color="gray", ls="--", lw=0.8)
        ax.annotate(f"bound {bound:g}", (-6, bound), xytext=(2, 2), textcoords="offset points")
    ax.set_title("f′(z) and the seed's bounds")
    ax.set_xlabel("z")
    ax.legend(fontsize=8, loc="center right")

    ax = panels[5]
    width = 0.8 / len(inits)
    x = np.arange(len(acts))
    for k, init in enumerate(inits):
        ratios = [result.cell(act, init).ratio_grad for act in acts]
        ax.bar(
            x + (k - (len(inits) - 1) / 2) * width, ratios, width, color=colors[init], label=init
        )
    ax.axhline(1.0, color="gray", ls="--", lw=0.8)
    ax.set_yscale("log")
    ax.set_xticks(x, acts)
    ax.set_title("‖∂E/∂W⁽²⁾‖ / ‖∂E/∂W⁽ᴸ⁾‖ (median)")
    ax.legend(fontsize=8)

    if speed is not None:
        _plot_speed(speed, panels[6:], colors)

    cfg = result.config
    fig.suptitle(
        f"Vanishing gradients: sizes {_sizes_text(cfg['sizes'])}, output f = "
        f"{cfg['output_activation']}, two_moons n={cfg['n']}, seeds {seeds_text(cfg['seeds'])}"
    )
    fig.savefig(path, dpi=80)


def _plot_speed(speed: TrainingSpeed, panels, colors: dict) -> None:
    """Median epochs to E < target per activation, one bar per init, one panel per optimizer."""
    acts, inits = speed.activations, speed.inits
    width = 0.8 / len(inits)
    x = np.arange(len(acts))
    budget = speed.config["max_epochs"]
    for ax, opt in zip(panels, speed.optimizers):
        for k, init in enumerate(inits):
            color = colors.get(init, f"C{INIT_NAMES.index(init)}")
            for a, act in enumerate(acts):
                c = speed.cell(act, init, opt)
                xa = x[a] + (k - (len(inits) - 1) / 2) * width
                label = init if a == 0 else None
                if c.median_epochs is None:
                    ax.bar(xa, budget, width, color="none", edgecolor=color, hatch="//",
                           label=label)  # fmt: skip
                else:
                    ax.bar(xa, c.median_epochs, width, color=color, label=label)
                ax.annotate(
                    f"{c.converged}/{len(c.runs)}",
                    (xa, c.median_epochs or budget),
                    xytext=(0, 2),
                    textcoords="offset points",
                    ha="center",
                    fontsize=7,
                )
        ax.set_yscale("log")
        ax.set_ylim(1, budget * 2)  # the same scale for every optimizer
        ax.set_xticks(x, acts)
        ax.set_title(
            f"{opt}: epochs to E < {speed.config['target']:g} (median; hatched: not within "
            f"{budget})",
            fontsize=9,
        )
        ax.legend(fontsize=8)
    for ax in panels[len(speed.optimizers) :]:
        ax.set_visible(False)


# --------------------------------------------------------------------------------------------
# Command line: microbp vanishing
# --------------------------------------------------------------------------------------------


def add_command(sub) -> None:
    """Add ``microbp vanishing`` to the subparsers ``sub``."""
    p = sub.add_parser(
        "vanishing",
        help="the vanishing-gradient claim, measured: per-layer δ and ‖∂E/∂W‖ of deep nets",
        description="Per-layer mean |δ| and ‖∂E/∂W⁽ˡ⁾‖ of deep nets [2] + [width]*depth + [1] "
        "on two_moons, for sigmoid, tanh, relu and softplus hidden layers with the small, "
        "Xavier and He initialisations, median over seeds.",
    )
    p.add_argument("--depth", type=positive_int, default=10, help="hidden layers (default 10)")
    p.add_argument("--width", type=positive_int, default=16, help="neurons per hidden layer (16)")
    p.add_argument(
        "--seeds", type=positive_int, default=None, help="seeds 0…SEEDS−1 (default 5; 3 if --quick)"
    )
    p.add_argument("--json", action="store_true", help="print the numbers as JSON")
    p.add_argument("--plot", metavar="FILE.png", help="also draw the numbers to FILE.png")
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"a quick run: {QUICK['seeds']} seeds (unless --seeds), {QUICK['n']} samples",
    )
    p.add_argument(
        "--train",
        action="store_true",
        help="also train the same nets per activation (GD and iRprop−) and show the epochs "
        "until E < target (a second table; JSON key training_speed)",
    )
    p.add_argument(
        "--max-epochs",
        type=positive_int,
        default=None,
        help="with --train: the epoch budget (default 1500; 300 if --quick)",
    )
    p.add_argument(
        "--train-inits",
        type=_init_list,
        default=None,
        help="with --train: comma-separated inits to train (default xavier,he; he if --quick)",
    )
    p.set_defaults(func=run)


def _init_list(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    bad = [n for n in names if n not in INITS]
    if not names or bad:
        raise argparse.ArgumentTypeError(
            f"unknown init {', '.join(map(repr, bad)) or repr(text)}; expected a "
            f"comma-separated list of: {', '.join(INITS)}"
        )
    return names


def run(args, out=None) -> int:
    """``microbp vanishing``: table (or JSON) on ``out``, and the plot if asked for."""
    out = sys.stdout if out is None else out
    if args.plot:
        try:
            figure_class()
        except ImportError as exc:
            print(f"microbp vanishing: error: {exc}", file=sys.stderr)
            return 2
        check_plot_path(
            args.plot, "vanishing.png"
        )  # a ValueError here: exit status 2, nothing computed
    train_only = [
        flag
        for flag, attr in (("--max-epochs", "max_epochs"), ("--train-inits", "train_inits"))
        if getattr(args, attr, None) is not None
    ]
    if train_only and not getattr(args, "train", False):
        raise ValueError(f"{' and '.join(train_only)}: only used with --train")
    kwargs = {"depth": args.depth, "width": args.width}
    if args.quick:
        kwargs.update(QUICK)
    if args.seeds is not None:
        kwargs["seeds"] = args.seeds
    result = gradient_statistics(**kwargs)
    speed = None
    if getattr(args, "train", False):
        train_kwargs = {"depth": args.depth, "width": args.width}
        if args.quick:
            train_kwargs.update(TRAIN_QUICK)
        if args.seeds is not None:
            train_kwargs["seeds"] = args.seeds
        if getattr(args, "max_epochs", None) is not None:
            train_kwargs["max_epochs"] = args.max_epochs
        if getattr(args, "train_inits", None) is not None:
            train_kwargs["inits"] = args.train_inits
        speed = training_speed(**train_kwargs)
    if args.json:
        doc = result.to_dict()
        if speed is not None:
            doc["training_speed"] = speed.to_dict()
        print(json.dumps(doc, indent=2, allow_nan=False), file=out)
    else:
        print(result.table(), file=out)
        if speed is not None:
            print("", file=out)
            print(speed.table(), file=out)
    if args.plot:
        plot_gradient_statistics(result, args.plot, speed)
        print(f"plot written to {args.plot}", file=sys.stderr if args.json else out)
    return 0
