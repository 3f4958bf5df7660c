"""Two methods for a gradient, timed: the scalar graph (autodiff) and the δ formulas (BP-1…BP-4).

1. Time per epoch (one full-batch gradient of E_total) of both methods on the same net and data:
   autodiff builds the scalar graph of E_total for the batch and runs ``backward()``; the
   formulas method runs :func:`microbp.bp.backprop` on numpy arrays. Both gradients are checked
   to agree to 1e-12.
2. ``bp.backprop`` on a [784, 128, 10] net with N = 1000 samples in float64: its time, the time
   of its five matrix products alone on the same shapes, and their share of the whole.
3. When PyTorch is importable: the same forward + backward with PyTorch CPU autograd in float64
   on the same weights and data (gradients checked to agree), and microbp's time over PyTorch's.

    python benchmarks/formulas.py                 # about a minute
    python benchmarks/formulas.py --quick         # a few seconds
    python benchmarks/formulas.py --threads 1     # BLAS / PyTorch limited to one thread

Runs alternate between the contenders and each row reports the median.

Section 1 also times a whole training epoch through :func:`microbp.fit` by each method
(``gradients="autodiff"`` and ``gradients="formulas"``, batch GD): the formulas method keeps the
weights in numpy arrays for the whole run, so an epoch costs little more than ``bp.backprop``.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import statistics
import sys
import time


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    ap.add_argument("--threads", type=int, default=None, help="BLAS / PyTorch threads")
    return ap.parse_args(argv)


ARGS = parse_args() if __name__ == "__main__" else parse_args([])
if ARGS.threads:  # must be set before numpy loads its BLAS
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(ARGS.threads)

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, ".."), HERE]  # microbp, and benchmarks/machine.py

from machine import cpu_model  # noqa: E402  (benchmarks/machine.py)

from microbp import MLP, bp, fit, total_error  # noqa: E402
from microbp.optim import GD  # noqa: E402

try:
    import torch
except ImportError:
    torch = None


SETTLE = 0.15  # seconds between two contenders' turns


def median_time(f, repeat: int) -> float:
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def alternate(contenders: dict, rounds: int, repeat: int) -> dict[str, list[float]]:
    """Seconds per call of each contender in each round (a median of ``repeat`` calls); the
    contenders take turns, in alternating order, so a ratio of two of them in one round
    compares runs made under the same load."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for f in contenders.values():  # warm up: thread pools, caches, allocator
        median_time(f, repeat)
    for r in range(rounds):
        names = list(contenders) if r % 2 == 0 else list(contenders)[::-1]
        for name in names:
            # BLAS and OpenMP worker threads spin for a while after their last call; let them
            # go to sleep so that they do not steal a core from the next contender.
            time.sleep(SETTLE)
            times[name].append(median_time(contenders[name], repeat))
    return times


def median_ratio(times: dict[str, list[float]], a: str, b: str) -> float:
    """The median over rounds of time(a) / time(b)."""
    return statistics.median(x / y for x, y in zip(times[a], times[b]))


def med(times: dict[str, list[float]], name: str) -> float:
    return statistics.median(times[name])


# --------------------------------------------------------------------------------------------
# 1. Both methods on one small net


def two_moons(n: int, noise: float = 0.1, seed: int = 0):
    """Two interleaving half circles, targets 0 and 1 (deterministic for a seed)."""
    rng = random.Random(seed)
    X, Y = [], []
    for k in range(n):
        t = math.pi * (k // 2) / max(n // 2 - 1, 1)
        if k % 2 == 0:
            x = [math.cos(t), math.sin(t)]
        else:
            x = [1 - math.cos(t), 0.5 - math.sin(t)]
        X.append([xi + rng.gauss(0, noise) for xi in x])
        Y.append([float(k % 2)])
    return X, Y


def both_methods(rounds: int, repeat: int):
    sizes, activation, n = [2, 16, 16, 1], "sigmoid", 100
    X, Y = two_moons(n)
    net = MLP(sizes, activation=activation, seed=0, init="xavier")
    W, b = net.to_arrays()
    weights = bp.Weights(W, b, activation)  # the formulas method keeps numpy arrays throughout
    Xa, Ya = np.array(X), np.array(Y)

    def autodiff():
        net.zero_grad()
        E = total_error(Y, [net(x) for x in X])
        E.backward()
        return np.array([p.grad for p in net.parameters()])

    def formulas():
        return bp.backprop(weights, Xa, Ya).flat()

    def fit_epochs(method: str, epochs: int):
        def run():
            trained = MLP(sizes, activation=activation, seed=0, init="xavier")
            fit(trained, Xa, Ya, GD(0.5), max_epochs=epochs, tol=0.0, quiet=True, gradients=method)

        return run

    g_auto, g_form = autodiff(), formulas()
    assert np.allclose(g_auto, g_form, rtol=1e-12, atol=1e-15), "the two methods disagree"
    times = alternate({"autodiff": autodiff, "formulas": formulas}, rounds, repeat)
    # fit: 2 epochs a call on the graph (slow), 200 on the formulas; reported per epoch
    fit_times = alternate(
        {"fit autodiff": fit_epochs("autodiff", 2), "fit formulas": fit_epochs("formulas", 200)},
        max(3, rounds // 3),
        1,
    )
    times["fit autodiff"] = [t / 2 for t in fit_times["fit autodiff"]]
    times["fit formulas"] = [t / 200 for t in fit_times["fit formulas"]]
    return sizes, activation, n, times, float(np.max(np.abs(g_auto - g_form)))


# --------------------------------------------------------------------------------------------
# 2 and 3. bp.backprop at BLAS size, its matrix products, PyTorch


def big_problem(activation: str, seed: int = 0):
    sizes, N = [784, 128, 10], 1000
    rng = np.random.default_rng(seed)
    W = {
        l: rng.normal(0.0, 1.0 / math.sqrt(sizes[l - 2]), (sizes[l - 1], sizes[l - 2]))
        for l in (2, 3)
    }
    b = {l: rng.normal(0.0, 0.1, sizes[l - 1]) for l in (2, 3)}
    X = rng.random((N, sizes[0]))
    Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], N)]
    return sizes, N, bp.Weights(W, b, activation), X, Y


def matrix_products(weights: bp.Weights, X, Y):
    """Only the five matrix products of bp.backprop for a 3-layer net, on the same shapes."""
    W2, W3 = weights.W[2], weights.W[3]
    # zeros, not np.empty: uninitialised memory can hold inf or NaN, which made the products
    # warn (overflow, invalid value) depending on what the process had freed before
    z2 = np.zeros((X.shape[0], W2.shape[0]))
    d3 = np.zeros((X.shape[0], W3.shape[0]))

    def run():
        X @ W2.T  # z⁽²⁾
        z2 @ W3.T  # z⁽³⁾
        d3 @ W3  # BP-2: δ⁽³⁾ W⁽³⁾
        d3.T @ z2  # BP-3 for W⁽³⁾
        z2.T @ X  # BP-3 for W⁽²⁾ (δ⁽²⁾ has the shape of z⁽²⁾)

    return run


def torch_step(weights: bp.Weights, X, Y, activation: str):
    """PyTorch CPU autograd, float64: forward, E_total = (1/N) Σ ½‖y − a⁽ᴸ⁾‖², backward."""
    Wt = {l: torch.tensor(weights.W[l], requires_grad=True) for l in (2, 3)}
    bt = {l: torch.tensor(weights.b[l], requires_grad=True) for l in (2, 3)}
    Xt, Yt = torch.tensor(X), torch.tensor(Y)
    f = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}[activation]
    params = [Wt[2], bt[2], Wt[3], bt[3]]

    def run():
        for p in params:
            p.grad = None
        a = Xt
        for l in (2, 3):
            a = f(a @ Wt[l].T + bt[l])
        E = 0.5 * ((Yt - a) ** 2).sum() / Xt.shape[0]
        E.backward()
        return [p.grad.numpy() for p in params]

    return run


def blas_name() -> str:
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # older numpy: no dict mode
        return "?"


def main() -> int:
    quick = ARGS.quick
    rounds, repeat = (3, 3) if quick else (11, 5)
    threads = ARGS.threads or os.cpu_count()
    if torch is not None:
        torch.set_num_threads(threads)
    print(
        f"machine: {cpu_model()}, {platform.machine()}, {os.cpu_count()} cores; "
        f"BLAS threads: {threads}"
    )
    print(
        f"python:  {platform.python_implementation()} {platform.python_version()}, "
        f"numpy {np.__version__} ({blas_name()})"
        + (f", torch {torch.__version__}" if torch is not None else ", torch not installed")
    )
    print()

    sizes, activation, n, t, diff = both_methods(rounds, 1 if quick else 3)
    print(
        f"1. one epoch (full-batch gradient of E_total), MLP {sizes} {activation}, N = {n} "
        f"(two moons); gradients agree to {diff:.1g}"
    )
    print()
    print("| method | ms / epoch | ratio |")
    print("| --- | ---: | ---: |")
    print(
        f"| autodiff (scalar graph + backward) | {med(t, 'autodiff') * 1e3:.2f} | "
        f"{median_ratio(t, 'autodiff', 'formulas'):.0f}× |"
    )
    print(f"| formulas (bp.backprop on arrays) | {med(t, 'formulas') * 1e3:.3f} | 1× |")
    print(
        f"| fit(..., gradients='autodiff'), GD, per epoch | {med(t, 'fit autodiff') * 1e3:.2f} | "
        f"{med(t, 'fit autodiff') / med(t, 'formulas'):.0f}× |"
    )
    print(
        f"| fit(..., gradients='formulas'), GD, per epoch | {med(t, 'fit formulas') * 1e3:.3f} | "
        f"{med(t, 'fit formulas') / med(t, 'formulas'):.1f}× |"
    )
    print()

    print("2./3. bp.backprop on [784, 128, 10], N = 1000, float64 (median ms per gradient)")
    print()
    head = "| activation | bp.backprop | matrix products | share |"
    rule = "| --- | ---: | ---: | ---: |"
    if torch is not None:
        head += " PyTorch autograd | microbp / PyTorch |"
        rule += " ---: | ---: |"
    print(head)
    print(rule)
    for activation in ("sigmoid", "tanh", "relu"):
        sizes, N, weights, X, Y = big_problem(activation)
        contenders = {
            "backprop": lambda w=weights, X=X, Y=Y: bp.backprop(w, X, Y),
            "matmul": matrix_products(weights, X, Y),
        }
        if torch is not None:
            step = torch_step(weights, X, Y, activation)
            ours = bp.backprop(weights, X, Y)
            theirs = step()
            for mine, other in zip([ours.dW[2], ours.db[2], ours.dW[3], ours.db[3]], theirs):
                assert np.allclose(mine, other, rtol=1e-9, atol=1e-12), "PyTorch disagrees"
            contenders["torch"] = step
        t = alternate(contenders, rounds, repeat * 2)
        row = (
            f"| {activation} | {med(t, 'backprop') * 1e3:.2f} | {med(t, 'matmul') * 1e3:.2f} | "
            f"{median_ratio(t, 'matmul', 'backprop'):.0%} |"
        )
        if torch is not None:
            row += f" {med(t, 'torch') * 1e3:.2f} | {median_ratio(t, 'backprop', 'torch'):.2f}× |"
        print(row)
    print()
    print("share: the five matrix products of bp.backprop, timed alone on the same shapes, over")
    print("bp.backprop's time (median of the ratios of runs made side by side; so are the ×).")
    if torch is None:
        print("PyTorch is not installed: no comparison (any venv with torch runs this script).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
