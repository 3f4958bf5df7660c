"""Reference trajectory of torch.optim.Rprop, to check microbp's iRprop− against it.

Run from the repository root with a Python that has torch (not a dependency of microbp):

    python3 -m venv /tmp/torchvenv && /tmp/torchvenv/bin/pip install torch numpy
    /tmp/torchvenv/bin/python benchmarks/torch_rprop_reference.py [--out tests/data/...]

What it does. It takes the XOR data and the initial numbers of ``MLP([2, 3, 1], seed=1)``
from microbp (so both sides start from the same bits), builds the same sigmoid net in torch
in float64, and trains it with ``torch.optim.Rprop(lr=0.1, etas=(0.5, 1.2),
step_sizes=(1e-6, 50))`` on E_total = (1/N) Σ ½‖y − o‖², one full-batch step per epoch, with
torch's own autograd for the gradient. It records E_total and the flat parameter vector
(microbp's parameter order: per layer W row by row, then b) before every step and after the
last one, and writes them as JSON (floats in repr, exact).
tests/test_optim_vs_torch.py replays the run with ``microbp.optim.Rprop("iRprop-")`` and both
gradient methods and compares.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from microbp import MLP, data  # noqa: E402

SIZES, SEED, EPOCHS = [2, 3, 1], 1, 150
SETTINGS = {"lr": 0.1, "etas": (0.5, 1.2), "step_sizes": (1e-6, 50)}


def flat(params: list[torch.Tensor]) -> list[float]:
    return [float(v) for p in params for v in p.detach().reshape(-1).tolist()]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="tests/data/torch_rprop_xor.json")
    ap.add_argument("--epochs", type=int, default=EPOCHS)
    args = ap.parse_args(argv)

    X_np, Y_np = data.xor()
    net = MLP(SIZES, activation="sigmoid", seed=SEED)
    W, b = net.to_arrays()
    X = torch.tensor(X_np, dtype=torch.float64)
    Y = torch.tensor(Y_np, dtype=torch.float64)
    params = []
    for l in range(2, net.L + 1):
        params.append(torch.tensor(W[l], dtype=torch.float64, requires_grad=True))
        params.append(torch.tensor(b[l], dtype=torch.float64, requires_grad=True))
    opt = torch.optim.Rprop(params, **SETTINGS)

    def total_error() -> torch.Tensor:
        a = X
        for k in range(0, len(params), 2):  # z = a Wᵀ + b, a = σ(z)
            a = torch.sigmoid(a @ params[k].T + params[k + 1])
        return 0.5 * ((Y - a) ** 2).sum() / X.shape[0]

    loss, theta = [], []
    for _ in range(args.epochs):
        opt.zero_grad()
        E = total_error()
        E.backward()
        loss.append(float(E.detach()))
        theta.append(flat(params))
        opt.step()
    with torch.no_grad():
        loss.append(float(total_error()))
    theta.append(flat(params))

    doc = {
        "what": "torch.optim.Rprop on XOR, float64, full batch, E_total = mean ½‖y − o‖²",
        "torch": torch.__version__,
        "settings": {"lr": 0.1, "etas": [0.5, 1.2], "step_sizes": [1e-6, 50]},
        "sizes": SIZES,
        "activation": "sigmoid",
        "seed": SEED,
        "epochs": args.epochs,
        "loss": loss,
        "theta": theta,
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=0)
        f.write("\n")
    print(f"wrote {args.out}: {args.epochs} epochs, E {loss[0]:.6g} → {loss[-1]:.6g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
