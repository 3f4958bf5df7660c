"""Epochs to reach E_total < 1e-3 on XOR (2-4-1 sigmoid), per optimizer, over ten seeds.

    python benchmarks/xor_optimizers.py

Prints a Markdown table: for each optimizer, how many of the seeds 0…9 reached the target
within 5000 epochs and the median number of epochs of those that did. Gradients by the
formulas road (the trajectory is the same with autodiff, only slower).
"""

from __future__ import annotations

import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from microbp import MLP, data, fit  # noqa: E402
from microbp.optim import GD, SGD, Rprop  # noqa: E402

OPTIMIZERS = {
    "GD(lr=2.0)": lambda: GD(2.0),
    "SGD(lr=2.0, batch_size=1)": lambda: SGD(2.0, batch_size=1),
    "Rprop('Rprop+')": lambda: Rprop("Rprop+"),
    "Rprop('Rprop-')": lambda: Rprop("Rprop-"),
    "Rprop('iRprop+')": lambda: Rprop("iRprop+"),
    "Rprop('iRprop-')": lambda: Rprop("iRprop-"),
}


def main() -> int:
    X, Y = data.xor()
    print("| optimizer | seeds reaching E < 1e-3 | median epochs |")
    print("| --- | --- | --- |")
    for name, make in OPTIMIZERS.items():
        epochs = []
        for seed in range(10):
            net = MLP([2, 4, 1], activation="sigmoid", seed=seed)
            h = fit(net, X, Y, make(), max_epochs=5000, tol=0, target=1e-3,
                    gradients="formulas", quiet=True)  # fmt: skip
            if h.stopped_by == "target":
                epochs.append(h.epochs)
        med = f"{statistics.median(epochs):g}" if epochs else "–"
        print(f"| `{name}` | {len(epochs)}/10 | {med} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
