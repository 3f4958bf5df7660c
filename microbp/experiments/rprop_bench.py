"""Rprop against gradient descent, measured (the tutorial's "加快 BP 网络训练速度: Rprop 算法").

The tutorial: Rprop gives every weight its own step size, grows it while the gradient keeps its
sign ("加快训练速度", faster training) and shrinks it when the sign flips ("以期稳定收敛",
to converge stably), within a lower and an upper bound. :func:`benchmark` checks the claim
on the problems of the Rprop papers (Riedmiller & Braun 1993; Igel & Hüsken 2000):

=============  =====================  ===========  ============
problem        net (σ everywhere)     samples N    epoch budget
=============  =====================  ===========  ============
``xor``        2-2-1                  4            2000
``8-3-8``      8-3-8 encoder          8            1000
``10-5-10``    10-5-10 encoder        10           1000
``12-2-12``    12-2-12 encoder        12           2000
``parity6``    6-12-1                 64           2000
``spirals``    2-24-24-1              96           2000
=============  =====================  ===========  ============

(``spirals`` is :func:`microbp.data.two_spirals` with 48 points per spiral, half the classic
97, and the budgets are what they are, so that the default run stays within a few minutes.)

Algorithms: ``GD`` (batch gradient descent, the learning rate μ picked per problem from
:data:`GD_LRS`: the μ with the most converged seeds, then the lowest median epochs),
``SGD`` (k = ⌈N/b⌉ ≤ 4 mini-batches of b = ⌈N/4⌉ samples per epoch, shuffled from the run's
seed, each update with μ/k for GD's chosen μ: the same step per epoch as GD, taken in k
pieces) and the four Rprop variants with their default parameters (Δ₀ = 0.1, η⁺ = 1.2,
η⁻ = 0.5, Δ ∈ [10⁻⁶, 50]).

Protocol: for each problem, algorithm and seed s = 0 … seeds − 1 the net is
``MLP(sizes, "sigmoid", seed=s, init="xavier")``; it is trained with :func:`microbp.fit` by
the formulas method until every output is within 0.4 of its 0/1 target
(:func:`microbp.train.outputs_within`, the criterion of the Rprop papers) or the epoch
budget runs out. A run converges when the criterion stopped it; its epochs are
``history.epochs``. A cell reports the success rate, the median and mean epochs of the
converged runs, and the wall time.
"""

from __future__ import annotations

import math
import numbers
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from microbp import checks, data, optim
from microbp.experiments.common import check_names, parse_seeds
from microbp.experiments.grid import ResultGrid
from microbp.experiments.report import plot_benchmark
from microbp.nn import INITS, MLP
from microbp.optim import RPROP_VARIANTS
from microbp.train import fit, outputs_within

__all__ = [
    "Problem",
    "PROBLEMS",
    "ALGORITHMS",
    "GD_LRS",
    "MARGIN",
    "QUICK",
    "RunResult",
    "Cell",
    "BenchResult",
    "sgd_batch_size",
    "sgd_lr",
    "run_cell",
    "benchmark",
    "plot_benchmark",
]


@dataclass(frozen=True)
class Problem:
    """A benchmark problem: its data, its net ``sizes`` and its epoch budget ``max_epochs``."""

    name: str
    title: str
    sizes: tuple[int, ...]
    max_epochs: int
    make_data: Callable[[], tuple[np.ndarray, np.ndarray]]

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """``(X, Y)``, the rows of the problem (generated, deterministic)."""
        return self.make_data()


#: The problems of the default run, in table order.
PROBLEMS: dict[str, Problem] = {
    p.name: p
    for p in (
        Problem("xor", "XOR", (2, 2, 1), 2000, data.xor),
        Problem("8-3-8", "8-3-8 encoder", (8, 3, 8), 1000, lambda: data.encoder(8, 3)),
        Problem("10-5-10", "10-5-10 encoder", (10, 5, 10), 1000, lambda: data.encoder(10, 5)),
        Problem("12-2-12", "12-2-12 encoder", (12, 2, 12), 2000, lambda: data.encoder(12, 2)),
        Problem("parity6", "6-bit parity", (6, 12, 1), 2000, lambda: data.parity(6)),
        Problem(
            "spirals", "two spirals (2×48)", (2, 24, 24, 1), 2000, lambda: data.two_spirals(48)
        ),
    )
}

#: The algorithms, in table order: batch GD, mini-batch SGD, the four Rprop variants.
ALGORITHMS: tuple[str, ...] = ("GD", "SGD") + RPROP_VARIANTS

#: GD's learning rates μ; the best per problem is reported (and sets SGD's).
GD_LRS: tuple[float, ...] = (2.0, 8.0, 32.0)

#: The convergence criterion: every output within MARGIN of its 0/1 target.
MARGIN = 0.4

#: The settings of ``--quick`` (seconds, used by the tests): XOR and 8-3-8, eight seeds,
#: a budget of 500 epochs.
QUICK: dict = {"problems": ("xor", "8-3-8"), "seeds": 8, "max_epochs": 500}


@dataclass(frozen=True)
class RunResult:
    """One training run: ``epochs`` until the criterion held (None: it did not within the
    budget), the rule that stopped :func:`~microbp.fit`, the final E_total, wall seconds."""

    seed: int
    epochs: int | None
    stopped_by: str
    final_loss: float
    seconds: float

    @property
    def converged(self) -> bool:
        return self.epochs is not None


@dataclass(frozen=True)
class Cell:
    """One algorithm on one problem over every seed: a :class:`RunResult` per seed."""

    problem: str
    algorithm: str
    optimizer: str
    lr: float | None
    max_epochs: int
    runs: tuple[RunResult, ...]

    @property
    def successes(self) -> int:
        """How many seeds converged within the budget."""
        return sum(r.converged for r in self.runs)

    @property
    def success_rate(self) -> float:
        return self.successes / len(self.runs)

    @property
    def epochs(self) -> list[int]:
        """Epochs to converge of the converged runs, in seed order."""
        return [r.epochs for r in self.runs if r.epochs is not None]

    @property
    def median_epochs(self) -> float | None:
        """Median epochs of the converged runs (None if none converged)."""
        return float(statistics.median(self.epochs)) if self.epochs else None

    @property
    def mean_epochs(self) -> float | None:
        """Mean epochs of the converged runs (None if none converged)."""
        return float(statistics.fmean(self.epochs)) if self.epochs else None

    @property
    def seconds(self) -> float:
        """Wall time of all the cell's runs together."""
        return float(sum(r.seconds for r in self.runs))

    @property
    def median_seconds(self) -> float | None:
        """Median wall time of a converged run (None if none converged)."""
        times = [r.seconds for r in self.runs if r.converged]
        return float(statistics.median(times)) if times else None

    def to_dict(self) -> dict:
        return {
            "problem": self.problem,
            "algorithm": self.algorithm,
            "optimizer": self.optimizer,
            "lr": self.lr,
            "max_epochs": self.max_epochs,
            "seeds": len(self.runs),
            "successes": self.successes,
            "success_rate": self.success_rate,
            "median_epochs": self.median_epochs,
            "mean_epochs": self.mean_epochs,
            "seconds": self.seconds,
            "median_seconds": self.median_seconds,
            "runs": [
                {
                    "seed": r.seed,
                    "epochs": r.epochs,
                    "stopped_by": r.stopped_by,
                    "final_loss": r.final_loss if math.isfinite(r.final_loss) else None,
                    "seconds": r.seconds,
                }
                for r in self.runs
            ],
        }


def sgd_batch_size(N: int) -> int:
    """b = ⌈N/4⌉: SGD makes k = ⌈N/b⌉ ≤ 4 updates per epoch (1 sample each for N ≤ 4)."""
    return -(-N // 4)


def sgd_lr(gd_lr: float, N: int) -> float:
    """SGD's μ per update, μ_GD / k with k = ⌈N/b⌉ updates per epoch: GD's step per epoch."""
    b = sgd_batch_size(N)
    return gd_lr / -(-N // b)


def run_cell(
    problem: Problem | str,
    algorithm: str,
    seeds: int | Sequence[int] = 20,
    lr: float | None = None,
    init: str = "xavier",
    margin: float = MARGIN,
    max_epochs: int | None = None,
) -> Cell:
    """Train ``algorithm`` on ``problem`` from every seed; return the :class:`Cell`.

    ``algorithm`` is one of :data:`ALGORITHMS`; ``lr`` is μ for GD and SGD (required there,
    ignored by Rprop; SGD takes it per update, see :func:`sgd_lr`). Seed s draws
    ``MLP(problem.sizes, "sigmoid", seed=s, init=init)`` (and SGD's shuffle). A run stops
    when every output is within ``margin`` of its target or after ``max_epochs`` epochs
    (None: the problem's budget, ``problem.max_epochs``).

    >>> c = run_cell("xor", "iRprop-", seeds=[0, 1, 2])
    >>> c.successes, c.epochs
    (1, [60])
    """
    problem = _problem(problem)
    checks.choice("algorithm", algorithm, ALGORITHMS)
    if algorithm in ("GD", "SGD") and lr is None:
        raise ValueError(f"{algorithm} needs a learning rate lr")
    checks.choice("init", init, INITS)
    if algorithm not in ("GD", "SGD"):
        lr = None
    seed_list = parse_seeds(seeds)
    budget = _budget(problem, max_epochs)
    X, Y = problem.data()
    stop = outputs_within(margin)
    batch_size = sgd_batch_size(X.shape[0])
    runs = []
    optimizer = ""
    for s in seed_list:
        net = MLP(list(problem.sizes), "sigmoid", seed=s, init=init)
        opt = optim.make(algorithm, lr, batch_size, s)  # Rprop: lr None, the default Δ₀
        optimizer = repr(opt) if algorithm != "SGD" else repr(opt).replace(f"seed={s}", "seed=s")
        h = fit(
            net,
            X,
            Y,
            opt,
            max_epochs=budget,
            tol=0,
            gradients="formulas",
            quiet=True,
            stop_when=stop,
        )
        epochs = h.epochs if h.stopped_by == "criterion" else None
        runs.append(RunResult(s, epochs, h.stopped_by, h.final_loss, h.seconds))
    return Cell(problem.name, algorithm, optimizer, lr, budget, tuple(runs))


def _budget(problem: Problem, max_epochs) -> int:
    if max_epochs is None:
        return problem.max_epochs
    if isinstance(max_epochs, bool) or not isinstance(max_epochs, numbers.Integral):
        raise ValueError(f"max_epochs must be None or an integer ≥ 1, got {max_epochs!r}")
    if max_epochs < 1:
        raise ValueError(f"max_epochs must be None or an integer ≥ 1, got {max_epochs!r}")
    return int(max_epochs)


def _problem(problem: Problem | str) -> Problem:
    if isinstance(problem, Problem):
        return problem
    return PROBLEMS[checks.choice("problem", problem, PROBLEMS)]


def _run_task(task: tuple) -> Cell:
    return run_cell(*task)


def _run_tasks(tasks: list[tuple], jobs: int, tick=None) -> list[Cell]:
    """run_cell on every task, in order; in ``jobs`` processes when jobs > 1. ``tick()``,
    if given, is called as each cell is done."""
    tick = tick or (lambda: None)
    if jobs == 1 or len(tasks) < 2:
        return [_ticked(_run_task(t), tick) for t in tasks]
    import signal
    from concurrent.futures import ProcessPoolExecutor

    # Ctrl-C is the parent's to handle (one line, no traceback per worker); the workers
    # ignore it, and the cells not yet started are cancelled.
    pool = ProcessPoolExecutor(
        max_workers=min(jobs, len(tasks)),
        initializer=signal.signal,
        initargs=(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        return [_ticked(cell, tick) for cell in pool.map(_run_task, tasks)]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _ticked(cell: Cell, tick) -> Cell:
    tick()
    return cell


def _best(cells: Sequence[Cell]) -> Cell:
    """The GD cell reported: most converged seeds, then lowest median epochs, then lowest μ."""
    return min(
        cells,
        key=lambda c: (
            -c.successes,
            c.median_epochs if c.median_epochs is not None else math.inf,
            c.lr,
        ),
    )


@dataclass(frozen=True)
class BenchResult(ResultGrid):
    """A run of :func:`benchmark`: its settings, the reported cells (one per problem and
    algorithm, GD at its best μ: a grid problem × algorithm, ``cell(problem, algorithm)``)
    and every GD cell of the μ grid."""

    gd_grid: tuple[Cell, ...]

    experiment: ClassVar[str] = "rprop-benchmark"
    axes: ClassVar[tuple[str, ...]] = ("problem", "algorithm")

    @property
    def problems(self) -> list[str]:
        return self.labels("problem")

    @property
    def algorithms(self) -> list[str]:
        return self.labels("algorithm")

    def to_dict(self) -> dict:
        """Plain data for ``--json``: ``{"experiment", "config", "results", "gd_grid"}``."""
        return {
            **super().to_dict(),
            "gd_grid": [
                {k: v for k, v in c.to_dict().items() if k != "runs"} for c in self.gd_grid
            ],
        }


def _checked(problems, algorithms, gd_lrs, seeds, jobs) -> tuple:
    """The arguments of :func:`benchmark` as (problems, algorithms, μ grid, seeds), or a
    ValueError naming the one that is wrong."""
    problems = tuple(
        _problem(p).name for p in ((problems,) if isinstance(problems, str) else problems)
    )
    if not problems:
        raise ValueError("expected at least one problem and one algorithm")
    algorithms = check_names(algorithms, ALGORITHMS, "algorithm")
    lrs = tuple(gd_lrs)
    if not lrs or not all(
        isinstance(lr, numbers.Real) and math.isfinite(lr) and lr > 0 for lr in lrs
    ):
        raise ValueError(f"gd_lrs must be a list of numbers > 0, got {gd_lrs!r}")
    seed_list = parse_seeds(seeds)
    if isinstance(jobs, bool) or not isinstance(jobs, numbers.Integral) or jobs < 1:
        raise ValueError(f"jobs must be an integer ≥ 1, got {jobs!r}")
    return problems, algorithms, lrs, seed_list


def _config(problems, algorithms, seeds, lrs, init, margin, jobs, max_epochs) -> dict:
    """The settings a :class:`BenchResult` records (``seconds`` is added when the run ends)."""
    return {
        "problems": [
            {
                "name": n,
                "title": PROBLEMS[n].title,
                "sizes": list(PROBLEMS[n].sizes),
                "max_epochs": _budget(PROBLEMS[n], max_epochs),
            }
            for n in problems
        ],
        "algorithms": list(algorithms),
        "seeds": seeds,
        "gd_lrs": [float(lr) for lr in lrs],
        "init": init,
        "activation": "sigmoid",
        "margin": float(margin),
        "criterion": f"every output within {margin:g} of its 0/1 target",
        "gradients": "formulas",
        "sgd": "mini-batches of ceil(N/4), lr = GD's lr / updates per epoch",
        "jobs": int(jobs),
    }


def benchmark(
    problems: Sequence[str] = tuple(PROBLEMS),
    algorithms: Sequence[str] = ALGORITHMS,
    seeds: int | Sequence[int] = 20,
    gd_lrs: Sequence[float] = GD_LRS,
    init: str = "xavier",
    margin: float = MARGIN,
    jobs: int = 1,
    max_epochs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BenchResult:
    """Every algorithm on every problem from every seed (module docstring: the protocol).

    GD runs once per μ in ``gd_lrs``; the best cell is reported and its μ sets SGD's.
    ``max_epochs`` replaces every problem's epoch budget (None: keep them).
    ``jobs`` > 1 runs the cells in that many processes (the epochs do not change; the wall
    times are then measured on a shared machine). ``progress(done, total)``, if given, is
    called before the first cell (done = 0) and as each cell of the run is done.

    >>> r = benchmark(problems=["8-3-8"], algorithms=["GD", "iRprop-"], seeds=3)
    >>> r.cell("8-3-8", "GD").lr, r.cell("8-3-8", "iRprop-").median_epochs
    (32.0, 38.0)
    """
    problems, algorithms, lrs, seed_list = _checked(problems, algorithms, gd_lrs, seeds, jobs)
    for p in problems:
        _budget(PROBLEMS[p], max_epochs)  # a bad budget fails before any work
    start = time.perf_counter()
    # Phase 1: GD at every μ of the grid and the Rprop variants; phase 2: SGD at μ_GD / k.
    need_gd = "GD" in algorithms or "SGD" in algorithms
    rprops = [a for a in algorithms if a in RPROP_VARIANTS]
    common = (init, margin, max_epochs)
    tasks = [(p, "GD", seed_list, lr, *common) for p in problems if need_gd for lr in lrs]
    tasks += [(p, a, seed_list, None, *common) for p in problems for a in rprops]
    total = len(tasks) + (len(problems) if "SGD" in algorithms else 0)
    count = iter(range(1, total + 1))
    tick = None if progress is None else (lambda: progress(next(count), total))
    if progress is not None:
        progress(0, total)
    done = dict(zip([(t[0], t[1], t[3]) for t in tasks], _run_tasks(tasks, jobs, tick)))
    grid = [done[(p, "GD", lr)] for p in problems if need_gd for lr in lrs]
    best = {p: _best([c for c in grid if c.problem == p]) for p in problems if need_gd}
    if "SGD" in algorithms:
        sgd_tasks = [
            (p, "SGD", seed_list, sgd_lr(best[p].lr, PROBLEMS[p].data()[0].shape[0]), *common)
            for p in problems
        ]
        for t, c in zip(sgd_tasks, _run_tasks(sgd_tasks, jobs, tick)):
            done[(t[0], "SGD", None)] = c
    cells: list[Cell] = []
    for p in problems:
        for a in algorithms:
            cells.append(best[p] if a == "GD" else done[(p, a, None)])
    config = _config(problems, algorithms, seed_list, lrs, init, margin, jobs, max_epochs)
    config["seconds"] = time.perf_counter() - start
    return BenchResult(config, tuple(cells), tuple(grid))
