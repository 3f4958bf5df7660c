"""The vanishing-gradient problem, measured: per-layer gradient statistics of deep nets.

:func:`gradient_statistics` measures, on deep nets ``[n₁] + [width] * depth + [n_L]``, for
each activation and initialisation over several seeds: per layer l the mean |δᵢ⁽ˡ⁾| over the
batch and the neurons, the Frobenius norm ‖∂E_total/∂W⁽ˡ⁾‖, the mean f′(zᵢ⁽ˡ⁾), the ratio first
hidden layer (l = 2) / output layer (l = L) of both, and the largest f′ actually seen next to
its bound (``ACTIVATIONS[name].max_derivative``). The numbers come from the matrix δ equations
(:func:`microbp.bp.backprop`) on weights drawn exactly as :class:`~microbp.MLP` draws them
(:func:`draw_weights`), so ``MLP(sizes, activation, seed, init)`` gives the same numbers, only
slower. See :mod:`microbp.experiments.vanishing` for the argument and the data.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from microbp import bp, checks, data
from microbp.activations import ACTIVATIONS
from microbp.activations import get as get_activation
from microbp.experiments.common import check_names, json_float, parse_seeds
from microbp.experiments.grid import ResultGrid
from microbp.nn import INITS, init_numbers

__all__ = [
    "ACTIVATION_NAMES",
    "INIT_NAMES",
    "QUICK",
    "LayerStats",
    "CellResult",
    "GradientStatistics",
    "deep_sizes",
    "deep_nets_config",
    "DeepNetsGrid",
    "draw_weights",
    "layer_stats",
    "gradient_statistics",
]

#: The activations the tutorial discusses: the two that vanish and the two remedies.
ACTIVATION_NAMES: tuple[str, ...] = ("sigmoid", "tanh", "relu", "softplus")
#: The initialisations of :class:`~microbp.MLP`: the tutorial's small random values, Xavier, He.
INIT_NAMES: tuple[str, ...] = ("small", "xavier", "he")
#: The settings of ``--quick`` (seconds): fewer seeds and samples, the same deep nets.
QUICK: dict = {"seeds": 3, "n": 64}


def deep_sizes(n_in: int, depth: int, width: int, n_out: int) -> list[int]:
    """``[n_in] + [width] * depth + [n_out]``: ``depth`` hidden layers of ``width`` neurons."""
    for name, value in (("n_in", n_in), ("depth", depth), ("width", width), ("n_out", n_out)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"{name} must be an integer ≥ 1, got {value!r}")
    return [int(n_in)] + [int(width)] * int(depth) + [int(n_out)]


def deep_nets_config(depth, width, sizes, seeds, n, noise, output_activation) -> dict:
    """The settings both measurements record: the deep nets, the seeds and the data."""
    return {
        "depth": int(depth),
        "width": int(width),
        "sizes": sizes,
        "seeds": seeds,
        "n": int(n),
        "noise": float(noise),
        "data": "two_moons",
        "output_activation": output_activation or "same",
    }


def draw_weights(
    sizes: Sequence[int],
    activation: str | Sequence[str] = "sigmoid",
    seed: int = 0,
    init: str = "small",
) -> bp.Weights:
    """The numbers of ``MLP(sizes, activation, seed, init)`` as float64 arrays, without Values.

    The numbers come from the MLP's own init code (:func:`microbp.nn.init_numbers`, which
    ``MLP.__init__`` draws through too), so ``draw_weights(...).W[l]`` equals
    ``MLP(...).to_arrays()[0][l]`` bit for bit; building thousands of weight Values is what
    this skips.
    """
    sizes = list(sizes)
    if len(sizes) < 2 or any(
        isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1 for n in sizes
    ):
        raise ValueError(f"sizes must be a list [n₁, …, n_L] of integers ≥ 1, got {sizes!r}")
    checks.choice("init", init, INITS)
    L = len(sizes)
    W = {l: np.empty((sizes[l - 1], sizes[l - 2]), dtype=np.float64) for l in range(2, L + 1)}
    b = {l: np.empty(sizes[l - 1], dtype=np.float64) for l in range(2, L + 1)}
    for l, i, w, b_i in init_numbers(sizes, init, seed):
        W[l][i - 1] = w
        b[l][i - 1] = b_i
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
        """The bound on f′ the tutorial states: ¼ for σ, 1 for the others."""
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
            "ratio_delta": json_float(self.ratio_delta),
            "ratio_grad": json_float(self.ratio_grad),
            "per_layer_factor": json_float(self.per_layer_factor),
            "layers": layers,
            "delta_mean_abs": [self.delta_mean_abs[l] for l in layers],
            "grad_norm": [self.grad_norm[l] for l in layers],
            "df_mean": [self.df_mean[l] for l in layers],
            "per_seed": [
                {
                    "seed": seed,
                    "ratio_delta": json_float(run.ratio_delta),
                    "ratio_grad": json_float(run.ratio_grad),
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


@dataclass(frozen=True)
class DeepNetsGrid(ResultGrid):
    """A grid over the deep nets of both measurements: its activations and inits."""

    @property
    def activations(self) -> list[str]:
        return self.labels("activation")

    @property
    def inits(self) -> list[str]:
        return self.labels("init")


@dataclass(frozen=True)
class GradientStatistics(DeepNetsGrid):
    """Every :class:`CellResult` of one run of :func:`gradient_statistics`, and its settings:
    a grid activation × init (``cell(activation, init)``)."""

    experiment: ClassVar[str] = "vanishing-gradients"
    axes: ClassVar[tuple[str, ...]] = ("activation", "init")

    def cell(self, activation: str, init: str) -> CellResult:
        """The :class:`CellResult` of ``activation`` with ``init`` (a KeyError if not run)."""
        return super().cell(activation, init)

    def to_dict(self) -> dict:
        """Plain data for ``--json``: ``{"experiment", "config", "bounds", "results"}``."""
        return {
            "experiment": self.experiment,
            "config": dict(self.config),
            "bounds": {name: ACTIVATIONS[name].max_derivative for name in self.activations},
            "results": [c.to_dict() for c in self.cells],
        }


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
    activations = check_names(activations, ACTIVATIONS, "activation")
    inits = check_names(inits, INITS, "init")
    if output_activation is not None:
        get_activation(output_activation)
    seed_list = parse_seeds(seeds)
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
    config = deep_nets_config(depth, width, sizes, seed_list, n, noise, output_activation)
    config.update(activations=list(activations), inits=list(inits))
    return GradientStatistics(config, tuple(cells))
