"""XOR with each optimizer: batch GD, SGD, and the four Rprop variants, side by side.

    python examples/xor_optimizers.py              # seed 0: the race as a table (seconds)
    python examples/xor_optimizers.py --seeds 10   # seeds 0…9: the Markdown table of
                                                   # docs/training.md (about a minute)

The same 2-4-1 sigmoid net (``MLP([2, 4, 1], seed=s)``, the same starting weights for every
optimizer) is trained on the four XOR points until E_total < 10⁻³ (``target``) or 5000 epochs.
With one seed the table shows, per optimizer: how the run stopped, the epochs and parameter
updates it took, the final E_total, the accuracy, and the wall time; with several seeds, how
many reached the target and the median epochs of those that did.

* ``gd`` (μ = 2.0) is the tutorial's batch update, θ ← θ − μ ∂E_total/∂θ, one update per epoch.
* ``sgd`` (μ = 2.0) updates after every single sample (4 updates per epoch), shuffled.
* The Rprop variants move each weight by its own step Δ, using only the sign of ∂E_total/∂w
  (the tutorial's last section); they differ in what they do when the sign flips.

Every optimizer comes from :func:`microbp.optim.make`. The gradients come from BP-1…BP-4 in
matrix form (``gradients="formulas"``); the autodiff method gives the same trajectory, more
slowly (checked below for one optimizer).
"""

from __future__ import annotations

import argparse
import statistics

from microbp import MLP, data, fit, optim
from microbp.train import accuracy

X, Y = data.xor()
#: (label of the Markdown table, optim.make name, μ for GD and SGD)
OPTIMIZERS = [
    ("GD(lr=2.0)", "gd", 2.0),
    ("SGD(lr=2.0, batch_size=1)", "sgd", 2.0),
    ("Rprop('Rprop+')", "Rprop+", None),
    ("Rprop('Rprop-')", "Rprop-", None),
    ("Rprop('iRprop+')", "iRprop+", None),
    ("Rprop('iRprop-')", "iRprop-", None),
]


def race(name: str, lr: float | None, seed: int, gradients: str = "formulas"):
    """One run: the net of ``seed``, trained by ``name`` to E_total < 1e-3 or 5000 epochs."""
    net = MLP([2, 4, 1], activation="sigmoid", seed=seed)
    opt = optim.make(name, lr, batch_size=1, seed=0)
    h = fit(net, X, Y, opt, max_epochs=5000, tol=0, target=1e-3, gradients=gradients, quiet=True)
    return net, h


def one_seed() -> None:
    """Seed 0, every optimizer: the race as a table, and what it shows, asserted."""
    print("XOR, net 2-4-1 sigmoid (seed 0), stop at E_total < 1e-3 or 5000 epochs\n")
    print(f"{'optimizer':<18} {'stopped by':<11} {'epochs':>6} {'updates':>7} {'E_total':>10} "
          f"{'accuracy':>8} {'seconds':>7}")  # fmt: skip
    results = {}
    for _, name, lr in OPTIMIZERS:
        net, h = race(name, lr, seed=0)
        results[name] = h
        label = f"{name.upper()}({lr})" if lr is not None else name
        print(f"{label:<18} {h.stopped_by:<11} {h.epochs:>6} {h.updates:>7} {h.final_loss:>10.3e} "
              f"{accuracy(net, X, Y):>8.0%} {h.seconds:>7.3f}")  # fmt: skip

    # Every Rprop variant reaches the target, and in fewer epochs than either gradient descent.
    rprop = [results[name] for name in optim.RPROP_VARIANTS]
    assert all(h.stopped_by == "target" for h in rprop)
    assert max(h.epochs for h in rprop) < min(results["gd"].epochs, results["sgd"].epochs)
    if results["gd"].stopped_by == "max_epochs":
        print("\nGD's E_total stays near 0.125 = ½·(½)²: every output near ½, the plateau of XOR.")

    # The autodiff method follows the same trajectory as the formulas method.
    _, h = race("iRprop-", None, seed=0, gradients="autodiff")
    same = h.epochs == results["iRprop-"].epochs
    print(f"\niRprop- by autodiff: {h.epochs} epochs, the same run as by the formulas: {same}")
    assert same


def many_seeds(seeds: int) -> None:
    """Seeds 0…seeds−1: per optimizer, the seeds reaching the target and their median epochs,
    as the Markdown table of docs/training.md."""
    print("| optimizer | seeds reaching E < 1e-3 | median epochs |")
    print("| --- | --- | --- |")
    for label, name, lr in OPTIMIZERS:
        epochs = []
        for seed in range(seeds):
            _, h = race(name, lr, seed)
            if h.stopped_by == "target":
                epochs.append(h.epochs)
        med = f"{statistics.median(epochs):g}" if epochs else "–"
        print(f"| `{label}` | {len(epochs)}/{seeds} | {med} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=1, help="seeds 0…SEEDS−1 (default 1)")
    seeds = parser.parse_args().seeds
    if seeds < 1:
        parser.error(f"--seeds must be ≥ 1, got {seeds}")
    one_seed() if seeds == 1 else many_seeds(seeds)
