"""Tables and plots: the one place that shows what training and the experiments computed.

Tables: :func:`table` draws any :class:`~microbp.experiments.grid.ResultGrid` of the
experiments (``vanishing``'s gradient statistics and training speed, ``rprop-bench``'s
benchmark). Plots, every one of microbp's (the core draws none): :func:`plot_history` (E_total
per epoch of :func:`microbp.fit`), :func:`plot_gradient_statistics`, :func:`plot_benchmark` and
:func:`plot_saturation` draw with matplotlib (the optional extra ``plot``), and
:func:`save_figure` writes any figure through
the atomic writer (:func:`microbp.files.write_atomic`): rendered into memory first, so a full
disk leaves an existing image intact and the error names the file. :func:`check_plot_path`
is the one check a ``--plot`` path gets before any work (``vanishing``, ``rprop-bench``,
``train``).
"""

from __future__ import annotations

import io
import math
import os
import textwrap
from collections.abc import Sequence

import numpy as np
from tabulate import SEPARATING_LINE

from microbp import text
from microbp.activations import ACTIVATIONS
from microbp.experiments.common import seeds_text
from microbp.files import check_writable, write_atomic
from microbp.nn import INITS

__all__ = [
    "PLOT_MISSING",
    "table",
    "figure_class",
    "check_plot_path",
    "save_figure",
    "plot_history",
    "training_title",
    "plot_gradient_statistics",
    "plot_benchmark",
    "plot_saturation",
]

PLOT_MISSING = (
    "a plot needs matplotlib, which is not installed; install it with "
    "pip install 'microbp[plot]' (or pip install matplotlib)"
)


# --------------------------------------------------------------------------------------------
# Figures: check the path first, write whole or not at all
# --------------------------------------------------------------------------------------------


def figure_class():
    """matplotlib's ``Figure`` (no pyplot, no display needed), or an ImportError saying how."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(PLOT_MISSING) from None
    return Figure


def check_plot_path(path: str, example: str) -> None:
    """A ``ValueError`` before any work if ``path`` cannot take a plot: matplotlib missing
    (saying how to install it), a suffix matplotlib does not write, or a folder that is
    missing or not writable."""
    try:
        figure_class()
    except ImportError as exc:
        raise ValueError(str(exc)) from None
    from matplotlib.backend_bases import FigureCanvasBase

    kinds = FigureCanvasBase.get_supported_filetypes()
    ext = os.path.splitext(path)[1].lstrip(".").lower()
    if ext not in kinds:
        raise ValueError(
            f"cannot tell the image format of {path!r}: expected a file name ending in one of "
            + ", ".join("." + k for k in sorted(kinds))
            + f" (e.g. {example})"
        )
    check_writable(path, "the plot")


def save_figure(fig, path: str | os.PathLike, **savefig_kwargs) -> str:
    """Render ``fig`` into memory (the format from the suffix) and write it to ``path``
    atomically; an ``OSError`` names ``path``. Returns the path."""
    path = os.fspath(path)
    fmt = os.path.splitext(path)[1].lstrip(".").lower() or None
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, **savefig_kwargs)
    try:
        write_atomic(path, buffer.getvalue())
    except OSError as exc:
        if exc.filename is None and path not in str(exc):
            raise type(exc)(exc.errno, exc.strerror or str(exc), path) from None
        raise
    return path


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------


def table(result) -> str:
    """The readable report of a result grid of :mod:`microbp.experiments`."""
    tables = {
        "vanishing-gradients": gradient_table,
        "vanishing-training-speed": speed_table,
        "rprop-benchmark": bench_table,
    }
    return tables[result.experiment](result)


def _sci(x: float) -> str:
    return f"{x:.2e}" if math.isfinite(x) else ("n/a" if math.isnan(x) else str(x))


def _num(x, spec: str) -> str:
    return "–" if x is None else format(x, spec)


def sizes_text(sizes: Sequence[int]) -> str:
    """``[2, 16×10, 1]`` for a deep net of equal hidden layers, else the list."""
    hidden = sizes[1:-1]
    if len(hidden) > 2 and len(set(hidden)) == 1:
        return f"[{sizes[0]}, {hidden[0]}×{len(hidden)}, {sizes[-1]}]"
    return str(list(sizes))


def _indented(rows, headers, left: int = 1) -> str:
    """A table indented by two spaces: the first ``left`` columns (names) on the left, the
    numbers on the right; a header may hold a line break (a group name above a column)."""
    align = ["left"] * left + ["right"] * (len(headers) - left)
    table = text.table(rows, headers, colalign=align)
    return textwrap.indent(table, "  ")


def gradient_table(result) -> str:
    """The readable report: a summary per (init, activation), then per-layer numbers."""
    cfg = result.config
    L = len(cfg["sizes"])
    seeds = cfg["seeds"]
    summary = [
        (
            init,
            act,
            _sci(c.ratio_grad),
            _sci(c.ratio_delta),
            f"{c.max_df:.4f}",
            f"{c.bound:g}",
            f"{c.mean_df:.3f}",
            f"{c.per_layer_factor:.3f}",
        )
        for init in result.inits
        for act in result.activations
        for c in [result.cell(act, init)]
    ]
    head = ["init", "f", "‖∂E/∂W⁽²⁾‖/‖∂E/∂W⁽ᴸ⁾‖", "mean|δ⁽²⁾|/mean|δ⁽ᴸ⁾|", "max f′ seen"]
    head += ["bound", "mean f′", "δ kept/layer"]
    parts = [
        f"microbp vanishing: sizes {sizes_text(cfg['sizes'])}, hidden f per row, output "
        f"f = {cfg['output_activation']}; data two_moons(n={cfg['n']}, "
        f"noise={cfg['noise']}, seed=0); seeds {seeds_text(seeds)}, median shown",
        "",
        f"First hidden layer (l = 2) against the output layer (l = L = {L}):",
        _indented(summary, head, left=2),
    ]
    per_layer_head = ["l"]
    for act in result.activations:
        per_layer_head += [f"{act}\n‖∂E/∂W‖", "\nmean|δ|"]
    for init in result.inits:
        medians = [
            (c.grad_norm, c.delta_mean_abs)
            for c in map(result.cell, result.activations, [init] * len(result.activations))
        ]
        rows = [
            [str(l)] + [_sci(x) for grad, delta in medians for x in (grad[l], delta[l])]
            for l in range(L, 1, -1)
        ]
        parts += [
            "",
            f"Per layer, init {init}: ‖∂E_total/∂W⁽ˡ⁾‖ (Frobenius) and mean|δᵢ⁽ˡ⁾|, "
            "from the output layer back",
            _indented(rows, per_layer_head, left=0),
        ]
    return "\n".join(parts)


def speed_table(result) -> str:
    """One row per init and activation; per optimizer the converged seeds, the median
    epochs and seconds to E_total < target, and the median final E."""
    cfg = result.config
    head = ["init", "f"]
    for opt in result.optimizers:
        head += [f"{opt}\nconverged", "\nepochs", "\nseconds", "\nfinal E"]
    rows = []
    for init in result.inits:
        for act in result.activations:
            row = [init, act]
            for opt in result.optimizers:
                c = result.cell(act, init, opt)
                row += [
                    f"{c.converged}/{len(c.runs)}",
                    "did not converge" if c.median_epochs is None else f"{c.median_epochs:g}",
                    "–" if c.median_seconds is None else f"{c.median_seconds:.2f}",
                    f"{c.median_final_loss:.4f}",
                ]
            rows.append(row)
    title = (
        f"Training speed: sizes {sizes_text(cfg['sizes'])}, output f = "
        f"{cfg['output_activation']}, two_moons(n={cfg['n']}, noise={cfg['noise']}, "
        f"seed=0); epochs until E_total < {cfg['target']:g} (budget {cfg['max_epochs']}), "
        f"seeds {seeds_text(cfg['seeds'])}, median shown (a miss counts as slowest)"
    )
    return title + "\n" + _indented(rows, head, left=2)


def bench_table(result) -> str:
    """The readable report: one row per problem and algorithm."""
    cfg = result.config
    lines = [
        f"microbp rprop-bench: σ nets, init {cfg['init']}, seeds "
        f"{seeds_text(cfg['seeds'])}; converged = every output within {cfg['margin']} "
        "of its 0/1 target; epochs of the converged runs; gradients by the δ formulas",
        f"GD's μ from {', '.join(f'{lr:g}' for lr in cfg['gd_lrs'])} (the best shown); "
        "SGD: k ≤ 4 mini-batches of ⌈N/4⌉ per epoch, μ_GD/k each; Rprop with its defaults",
        "",
    ]
    rows = []
    for problem in result.problems:
        if rows:
            rows.append(SEPARATING_LINE)
        for algorithm in result.algorithms:
            c = result.cell(problem, algorithm)
            rows.append(
                (
                    problem,
                    algorithm,
                    _num(c.lr, ".3g"),
                    str(c.max_epochs),
                    f"{c.successes}/{len(c.runs)}",
                    _num(c.median_epochs, ".1f"),
                    _num(c.mean_epochs, ".1f"),
                    _num(c.median_seconds, ".3f"),
                    f"{c.seconds:.2f}",
                )
            )
    head = ["problem", "algorithm", "μ", "budget", "converged", "median", "mean", "s/run"]
    lines += [_indented(rows, head + ["seconds"], left=2), ""]
    if result.gd_grid:
        lines.append("GD's μ grid (converged seeds, median epochs):")
        grid = [[c for c in result.gd_grid if c.problem == p] for p in result.problems]
        rows = [
            [problem] + [f"{c.successes}/{len(c.runs)}, {_num(c.median_epochs, '.1f')}" for c in g]
            for problem, g in zip(result.problems, grid)
        ]
        lines.append(_indented(rows, ["problem"] + [f"μ = {c.lr:g}" for c in grid[0]]))
    lines.append(f"total wall time {cfg['seconds']:.1f} s")
    return "\n".join(line.rstrip() for line in lines)


# --------------------------------------------------------------------------------------------
# Plots (matplotlib, the optional extra "plot")
# --------------------------------------------------------------------------------------------


def training_title(history, data: str | None = None, net=None, width: int = 70) -> str:
    """The title of a loss curve: the data set, the net and the optimizer, then how the run
    ended; a new line between two of them when the line would pass ``width`` characters
    (a 6-inch figure at 10 points holds about 80).

    >>> from microbp import MLP, data, fit, optim
    >>> X, Y = data.xor()
    >>> h = fit(MLP([2, 3, 1], activation="tanh", seed=0), X, Y, optim.Rprop(), max_epochs=3,
    ...         quiet=True)
    >>> print(training_title(h, "xor", MLP([2, 3, 1], activation="tanh")))
    xor · MLP 2-3-1 (tanh) · iRprop- (graph)
    stopped by max_epochs after 3 epochs
    """
    what = []
    if data:
        what.append(str(data))
    if net is not None:
        fs = list(dict.fromkeys(net.activations))  # each activation once, in order
        what.append(f"MLP {'-'.join(map(str, net.sizes))} ({', '.join(fs)})")
    if history.optimizer:
        gradients = {"autodiff": "graph", "formulas": "BP-1…BP-4"}.get(
            history.gradients, history.gradients
        )
        what.append(_short_optimizer(history.optimizer) + (f" ({gradients})" if gradients else ""))
    end = f"stopped by {history.stopped_by} after {history.epochs} epochs"
    lines: list[str] = []
    for part in what:  # a new line only between parts, never inside one
        if lines and len(lines[-1]) + 3 + len(part) <= width:
            lines[-1] += " · " + part
        else:
            lines.append(part)
    return "\n".join([*lines, end])


def _short_optimizer(text: str) -> str:
    """An optimizer as a title says it: ``GD(lr=2.0)`` as it is, ``Rprop('iRprop-', …)`` as
    its variant ``iRprop-``, any other long one by its class name."""
    if "('" in text:
        return text.split("('", 1)[1].split("'", 1)[0]
    return text if len(text) <= 32 else text.split("(", 1)[0]


def plot_history(
    history, path=None, log: bool = True, title: str | None = None, data=None, net=None
):
    """Draw E_total per epoch of a :class:`~microbp.train.History` (log scale when every
    E > 0); write it to ``path`` if given (the format from the suffix, written atomically, so
    a failed write leaves an old file intact). Returns the matplotlib ``Figure`` (shown inline
    in Jupyter); matplotlib's object-oriented API only, so no global backend is changed.
    Without matplotlib this raises ``ImportError`` saying how to install it.

    The title (unless ``title`` is given) names the data set ``data``, the net ``net`` (its
    sizes and activations) and the optimizer, and how the run ended (:func:`training_title`).

    >>> from microbp import MLP, data, fit, optim
    >>> X, Y = data.xor()
    >>> h = fit(MLP([2, 2, 1], seed=0), X, Y, optim.Rprop(), max_epochs=5, quiet=True)
    >>> plot_history(h).axes[0].get_ylabel()
    'E_total'
    """
    Figure = figure_class()
    fig = Figure(figsize=(6, 4), dpi=100)
    ax = fig.add_subplot()
    ax.plot(range(len(history.loss)), history.loss, lw=1.5)
    if log and history.loss and min(history.loss) > 0:
        ax.set_yscale("log")
    ax.set_xlabel("epoch t")
    ax.set_ylabel("E_total")
    ax.set_title(title or training_title(history, data, net), fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    if path is not None:
        save_figure(fig, path)
    return fig


def plot_gradient_statistics(result, path: str, speed=None) -> None:
    """Draw ``result`` (a :class:`~microbp.experiments.vanishing.GradientStatistics`) to an
    image file (the format from the name, e.g. ``.png``), written atomically.

    One panel per activation: ‖∂E_total/∂W⁽ˡ⁾‖ against l (log scale), one line per init
    (median over seeds, each seed faint); one panel with the f′ curves and the bounds ¼ and
    1; one with the ratio first hidden layer / output layer per activation and init. With
    ``speed`` (a :class:`~microbp.experiments.vanishing.TrainingSpeed`), a third row: per
    optimizer, the median epochs to E < target per activation and init (log scale; a hatched
    bar at the budget: did not converge).
    """
    Figure = figure_class()
    check_plot_path(path, "vanishing.png")
    acts, inits = result.activations, result.inits
    rows = 2 if speed is None else 3
    fig = Figure(figsize=(13, 3.75 * rows), layout="constrained")
    axes = fig.subplots(rows, 3)
    panels = list(axes.ravel())
    colors = {init: f"C{k}" for k, init in enumerate(inits)}
    grad_axes = panels[: min(len(acts), 4)]
    _plot_gradient_norms(result, grad_axes, colors)
    for ax in panels[len(grad_axes) : 4]:
        ax.set_visible(False)
    _plot_derivatives(acts, panels[4])
    _plot_ratios(result, panels[5], colors)
    if speed is not None:
        _plot_speed(speed, panels[6:], colors)

    cfg = result.config
    fig.suptitle(
        f"Vanishing gradients: sizes {sizes_text(cfg['sizes'])}, output f = "
        f"{cfg['output_activation']}, two_moons n={cfg['n']}, seeds {seeds_text(cfg['seeds'])}"
    )
    save_figure(fig, path, dpi=80)


def _plot_gradient_norms(result, axes, colors: dict) -> None:
    """One panel per activation: ‖∂E_total/∂W⁽ˡ⁾‖ against l, one line per init (each seed
    faint), on one shared log scale."""
    for ax, act in zip(axes, result.activations):
        for init in result.inits:
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
    for ax in axes[1:]:
        ax.sharey(axes[0])


def _plot_derivatives(acts, ax) -> None:
    """f′(z) of each activation with the tutorial's bounds ¼ and 1."""
    z = np.linspace(-6.0, 6.0, 601)
    for k, act in enumerate(acts):
        f = ACTIVATIONS[act]
        ax.plot(z, f.df_np(z, f.f_np(z)), color=f"C{k + 3}", label=f.derivative_formula)
    for bound in sorted({ACTIVATIONS[a].max_derivative for a in acts}):
        ax.axhline(bound, color="gray", ls="--", lw=0.8)
        ax.annotate(f"bound {bound:g}", (-6, bound), xytext=(2, 2), textcoords="offset points")
    ax.set_title("f′(z) and the tutorial's bounds")
    ax.set_xlabel("z")
    ax.legend(fontsize=8, loc="center right")


def _plot_ratios(result, ax, colors: dict) -> None:
    """‖∂E/∂W⁽²⁾‖ / ‖∂E/∂W⁽ᴸ⁾‖ per activation, one bar per init."""
    acts, inits = result.activations, result.inits
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


def _plot_speed(speed, panels, colors: dict) -> None:
    """Median epochs to E < target per activation, one bar per init, one panel per optimizer."""
    acts, inits = speed.activations, speed.inits
    width = 0.8 / len(inits)
    x = np.arange(len(acts))
    budget = speed.config["max_epochs"]
    for ax, opt in zip(panels, speed.optimizers):
        for k, init in enumerate(inits):
            color = colors.get(init, f"C{list(INITS).index(init)}")
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


def plot_benchmark(result, path: str) -> None:
    """Draw ``result`` (a :class:`~microbp.experiments.rprop_bench.BenchResult`) to an image
    file (the format from the name, e.g. ``.png``), written atomically.

    One group of bars per problem, one bar per algorithm: the median epochs of the converged
    runs (log scale), each converged run as a dot, and the success rate above the bar; a
    cell where no run converged shows a hatched bar at the budget marked "0/…".
    """
    Figure = figure_class()
    check_plot_path(path, "rprop.png")
    problems, algorithms = result.problems, result.algorithms
    titles = {p["name"]: p["title"] for p in result.config["problems"]}
    fig = Figure(figsize=(max(7.0, 1.6 * len(problems) + 2), 4.8), layout="constrained")
    ax = fig.add_subplot()
    width = 0.8 / len(algorithms)
    for k, algorithm in enumerate(algorithms):
        for p, problem in enumerate(problems):
            c = result.cell(problem, algorithm)
            x = p + (k - (len(algorithms) - 1) / 2) * width
            label = algorithm if p == 0 else None
            if c.median_epochs is None:
                ax.bar(x, c.max_epochs, width, color="none", edgecolor=f"C{k}", hatch="//",
                       label=label)  # fmt: skip
                height = c.max_epochs
            else:
                ax.bar(x, c.median_epochs, width, color=f"C{k}", alpha=0.75, label=label)
                ax.plot([x] * len(c.epochs), c.epochs, ".", color="k", ms=2, alpha=0.5)
                height = max(c.epochs)
            ax.annotate(
                f"{c.successes}/{len(c.runs)}",
                (x, height),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                fontsize=6,
                rotation=90,
            )
    ax.set_yscale("log")
    top = max(c.max_epochs for c in result.cells)
    ax.set_ylim(top=top * 6)  # room for the rates above the bars and for the legend
    ax.set_xticks(range(len(problems)), [titles[p] for p in problems], fontsize=8)
    ax.set_ylabel("epochs to converge (median bar, runs as dots)")
    cfg = result.config
    ax.set_title(
        f"Epochs until every output is within {cfg['margin']:g} of its target "
        f"({len(cfg['seeds'])} seeds; hatched: none converged within the budget)",
        fontsize=9,
    )
    ax.legend(fontsize=8, ncol=len(algorithms), loc="upper left")
    ax.grid(True, axis="y", which="major", alpha=0.3)
    save_figure(fig, path, dpi=80)


def plot_saturation(result, path: str) -> None:
    """Draw a :class:`~microbp.experiments.saturation.SaturationResult` to an image file,
    written atomically: the single neuron's output a and cost E per epoch, one panel per
    start; Iris E_total."""
    Figure = figure_class()
    fig = Figure(figsize=(13, 7), dpi=100)
    starts = list({(r.w0, r.b0): None for r in result.neuron})
    axes = fig.subplots(2, len(starts) + 1, squeeze=False)
    colors = {"squared_error": "tab:red", "cross_entropy": "tab:blue"}
    for col, (w0, b0) in enumerate(starts):
        for r in result.neuron:
            if (r.w0, r.b0) != (w0, b0):
                continue
            axes[0][col].plot(r.outputs, color=colors[r.loss], label=r.loss)
            axes[1][col].plot(r.E, color=colors[r.loss], label=r.loss)
        axes[0][col].axhline(0.1, color="gray", lw=0.8, ls="--")
        axes[0][col].set_title(f"w = {w0:g}, b = {b0:g}: output a")
        axes[1][col].set_title(f"w = {w0:g}, b = {b0:g}: cost E")
        axes[1][col].set_xlabel("epoch")
        axes[0][col].legend()
    ax = axes[0][len(starts)]
    for r in result.iris:
        ax.plot(r.E, color=colors[r.loss], alpha=0.6, label=r.loss if r.seed == 0 else None)
    ax.set_yscale("log")
    ax.set_title("Iris (softmax): E_total")
    ax.set_xlabel("epoch")
    ax.legend()
    axes[1][len(starts)].axis("off")
    fig.tight_layout()
    save_figure(fig, path)
