"""XOR with each optimizer: batch GD, SGD, and the four Rprop variants, side by side.

Run it with ``python examples/xor_optimizers.py`` (two seconds or so). The same 2-4-1 sigmoid
net (``MLP([2, 4, 1], seed=0)``, the same starting weights for every optimizer) is trained on
the four XOR points until E_total < 10⁻³ (``target``) or 5000 epochs, and a table shows, per
optimizer: how the run stopped, the epochs and parameter updates it took, the final E_total,
the accuracy, and the wall time.

* ``GD(2.0)`` is the seed's batch update, θ ← θ − μ ∂E_total/∂θ, one update per epoch.
* ``SGD(2.0)`` updates after every single sample (4 updates per epoch), in a shuffled order.
* ``Rprop(variant)`` moves each weight by its own step Δ, using only the sign of ∂E_total/∂w
  (the seed's last section); the variants differ in what they do when the sign flips.

The gradients come from BP-1…BP-4 in matrix form (``gradients="formulas"``); the autodiff road
gives the same trajectory, more slowly (checked below for one optimizer).
The benchmark over ten seeds is ``python benchmarks/xor_optimizers.py`` (docs/training.md).
"""

from microbp import MLP, data, fit
from microbp.optim import GD, SGD, Rprop
from microbp.train import accuracy

X, Y = data.xor()
optimizers = {
    "GD(2.0)": GD(2.0),
    "SGD(2.0)": SGD(2.0, batch_size=1, seed=0),
    "Rprop+": Rprop("Rprop+"),
    "Rprop-": Rprop("Rprop-"),
    "iRprop+": Rprop("iRprop+"),
    "iRprop-": Rprop("iRprop-"),
}

print("XOR, net 2-4-1 sigmoid (seed 0), stop at E_total < 1e-3 or 5000 epochs\n")
print(f"{'optimizer':<18} {'stopped by':<11} {'epochs':>6} {'updates':>7} {'E_total':>10} "
      f"{'accuracy':>8} {'seconds':>7}")  # fmt: skip
results = {}
for name, opt in optimizers.items():
    net = MLP([2, 4, 1], activation="sigmoid", seed=0)
    h = fit(net, X, Y, opt, max_epochs=5000, tol=0, target=1e-3, gradients="formulas", quiet=True)
    results[name] = h
    print(f"{name:<18} {h.stopped_by:<11} {h.epochs:>6} {h.updates:>7} {h.final_loss:>10.3e} "
          f"{accuracy(net, X, Y):>8.0%} {h.seconds:>7.3f}")  # fmt: skip

# Every Rprop variant reaches the target, and in fewer epochs than either gradient descent.
rprop = [results[name] for name in ("Rprop+", "Rprop-", "iRprop+", "iRprop-")]
assert all(h.stopped_by == "target" for h in rprop)
assert max(h.epochs for h in rprop) < min(results["GD(2.0)"].epochs, results["SGD(2.0)"].epochs)
if results["GD(2.0)"].stopped_by == "max_epochs":
    print("\nGD's E_total stays near 0.125 = ½·(½)²: every output near ½, the plateau of XOR.")

# The autodiff road follows the same trajectory as the formulas road.
net = MLP([2, 4, 1], activation="sigmoid", seed=0)
h = fit(net, X, Y, Rprop("iRprop-"), max_epochs=5000, tol=0, target=1e-3, quiet=True)
same = h.epochs == results["iRprop-"].epochs
print(f"\niRprop- by autodiff: {h.epochs} epochs, the same run as by the formulas: {same}")
assert same
