"""``microbp train``: train a net on a generated data set from the command line.

    microbp train --data xor --net 2,4,1 --activation sigmoid --optimizer irprop- \\
                  --max-epochs 2000 --tol 1e-9 [--lr 0.1] [--target 1e-3] [--seed 0] \\
                  [--gradients formulas] [--plot loss.png] [--save model.json] [--json] [--quiet]

prints the final E_total, the number of epochs, the rule that stopped the run and, for 0/1
targets, the accuracy. ``--data`` is a name, optionally with arguments after a colon:
``seed``, ``xor``, ``encoder:8,3``, ``parity:4``, ``spirals:97``, ``moons:200``. Without
``--net`` each set has a default net (xor 2-4-1, encoder n-m-n, parity n-2n-1, …); for
``--data seed`` that is the seed example's own 3-3-2 net with its numbers (then
``--activation``, ``--init`` and ``--seed`` do not apply).

Also :func:`train_demo`, the training part of ``microbp demo``.
"""

from __future__ import annotations

import json
import math
import os
import sys

from microbp import data, optim
from microbp.activations import ACTIVATIONS
from microbp.cli.args import activation_spec, add_loss_argument, layer_sizes
from microbp.experiments.common import check_plot_path
from microbp.files import check_writable
from microbp.nn import INITS, MLP
from microbp.optim import GD
from microbp.train import GRADIENTS, PLOT_HINT, accuracy, fit

# No __all__: command-line plumbing (add_command, run, train_demo), not public API;
# docs/training.md documents the command.

#: ``--optimizer`` names (case-insensitive) → what they build. ``--lr`` is the learning rate
#: of gd/sgd and Δ₀ (torch's ``lr``) of the Rprop variants.
OPTIMIZERS = {
    "gd": "GD(lr)",
    "sgd": "SGD(lr, batch_size, seed=seed)",
    "rprop+": 'Rprop("Rprop+", delta0=lr)',
    "rprop-": 'Rprop("Rprop-", delta0=lr)',
    "irprop+": 'Rprop("iRprop+", delta0=lr)',
    "irprop-": 'Rprop("iRprop-", delta0=lr)',
}


def parse_data(spec: str):
    """``"name"`` or ``"name:arg,arg"`` → (X, Y, default sizes, label)."""
    name, _, rest = spec.partition(":")
    if name not in data.DATASETS:
        raise ValueError(
            f"unknown data set {name!r}; expected one of {', '.join(data.DATASETS)} "
            "(e.g. xor, encoder:8,3, parity:4)"
        )
    make, defaults, sizes = data.DATASETS[name]
    if rest:
        try:
            args = tuple(int(a) for a in rest.split(","))
        except ValueError:
            raise ValueError(
                f"--data {spec!r}: the arguments after ':' must be integers, e.g. encoder:8,3"
            ) from None
        if len(args) != len(defaults):
            raise ValueError(
                f"--data {name} takes {len(defaults)} integer argument(s) "
                f"(default {name}:{','.join(map(str, defaults))}), got {len(args)}"
            )
    else:
        args = defaults
    X, Y = make(*args)
    label = name + (":" + ",".join(map(str, args)) if args else "")
    return X, Y, sizes(*args), label


def check_outputs(save: str | None, plot: str | None) -> None:
    """``--save`` and ``--plot`` checked before training, so a typo costs no training run.

    The plot's suffix must be one matplotlib writes; without matplotlib the plot is skipped
    later with a note, so only its folder is checked.
    """
    if save:
        check_writable(save, "the net")
    if plot:
        try:
            check_plot_path(plot, "loss.png")
        except ImportError:
            pass
        check_writable(plot, "the plot")


def add_command(sub) -> None:
    t = sub.add_parser(
        "train",
        help="train a net on a generated data set (GD, SGD, Rprop family)",
        description="Train an MLP on a generated data set and report E_total, the epochs, "
        "the stopping rule that fired and the accuracy (0/1 targets).",
    )
    t.add_argument(
        "--data",
        default="xor",
        help="seed, xor, encoder:N,M, parity:N, spirals:K, moons:N, iris (default xor)",
    )
    t.add_argument(
        "--net", type=layer_sizes, help="layer sizes, e.g. 2,4,1 (default: per data set)"
    )
    t.add_argument(
        "--activation",
        type=activation_spec,
        default="sigmoid",
        help="one name or one per layer 2…L: " + ", ".join(ACTIVATIONS),
    )
    t.add_argument("--init", choices=sorted(INITS), default="small")
    t.add_argument(
        "--optimizer",
        type=str.lower,
        choices=list(OPTIMIZERS),
        default="irprop-",
        help="gd, sgd, rprop+, rprop-, irprop+, irprop- (default irprop-)",
    )
    t.add_argument(
        "--lr", type=float, help="learning rate (gd, sgd; default 0.5) or Δ₀ (Rprop; 0.1)"
    )
    t.add_argument("--batch-size", type=int, default=1, help="SGD mini-batch size (default 1)")
    t.add_argument("--max-epochs", type=int, default=2000)
    t.add_argument("--tol", type=float, default=1e-9, help="stop when |E_t − E_{t−1}| < tol")
    t.add_argument("--target", type=float, help="stop when E_t < target")
    t.add_argument("--seed", type=int, default=0, help="seed of the initial weights (and SGD)")
    t.add_argument("--gradients", choices=GRADIENTS, default="autodiff")
    add_loss_argument(t)
    t.add_argument("--plot", metavar="PNG", help="draw the loss curve to this file")
    t.add_argument("--save", metavar="JSON", help="save the trained net to this file")
    t.add_argument("--json", action="store_true", help="print the result as one JSON object")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.set_defaults(func=run)


def run(args, out=None) -> int:
    """Run ``microbp train``; returns the exit status (0 ok, 2 bad input)."""
    out = sys.stdout if out is None else out
    err = sys.stderr
    try:
        X, Y, default_sizes, label = parse_data(args.data)
        sizes = args.net or default_sizes
        if sizes[0] != X.shape[1] or sizes[-1] != Y.shape[1]:
            raise ValueError(
                f"--net {','.join(map(str, sizes))} does not fit --data {label}: it needs "
                f"n₁ = {X.shape[1]} inputs and n_L = {Y.shape[1]} outputs"
            )
        optimizer = optim.make(args.optimizer, args.lr, args.batch_size, args.seed)
        check_outputs(args.save, args.plot)
        if label == "seed" and args.net is None:
            net = data.seed_example().net()  # the seed's own numbers (Figure 1)
        else:
            net = MLP(sizes, activation=args.activation, seed=args.seed, init=args.init)
        history = fit(
            net,
            X,
            Y,
            optimizer,
            max_epochs=args.max_epochs,
            tol=args.tol,
            target=args.target,
            gradients=args.gradients,
            quiet=args.quiet or args.json,
            loss=args.loss,
        )
    except (ValueError, TypeError) as exc:
        print(f"microbp train: error: {exc}", file=err)
        return 2
    acc = accuracy(net, X, Y)
    notes = []
    status = 0
    if args.save:
        try:
            net.save(args.save)
        except (OSError, ValueError) as exc:
            print(f"microbp train: error: cannot save to {args.save}: {exc}", file=err)
            status = 2
    if args.plot:
        try:
            history.plot(args.plot)
        except ImportError:
            notes.append(f"no plot: {PLOT_HINT}")
        except (OSError, ValueError) as exc:
            print(f"microbp train: error: cannot write the plot {args.plot}: {exc}", file=err)
            status = 2
    rule = {
        "tol": f"|E_t − E_(t−1)| < tol = {args.tol:g}",
        "target": f"E < target = {args.target:g}" if args.target is not None else "",
        "max_epochs": f"max_epochs = {args.max_epochs}",
        "diverged": "E became non-finite; the last epoch was undone",
    }[history.stopped_by]
    if args.json:
        result = {
            "data": label,
            "sizes": net.sizes,
            "activations": net.activations,
            "optimizer": history.optimizer,
            "gradients": history.gradients,
            "loss": args.loss,
            "E": history.final_loss,
            "E0": history.loss[0],
            "epochs": history.epochs,
            "updates": history.updates,
            "stopped_by": history.stopped_by,
            "accuracy": acc,
            "seconds": history.seconds,
            "saved": args.save if args.save and status == 0 else None,
            "plot": args.plot if args.plot and not notes and status == 0 else None,
        }
        print(json.dumps(result), file=out)
    else:
        print(
            f"microbp train: {label}, MLP {net.sizes} {', '.join(net.activations)}, "
            f"{history.optimizer}, gradients by {history.gradients}"
            + ("" if args.loss == "squared_error" else f", loss {args.loss}"),
            file=out,
        )
        print(f"E_total = {history.final_loss:.6g}  (E₀ = {history.loss[0]:.6g})", file=out)
        print(
            f"epochs  = {history.epochs}  ({history.updates} updates, {history.seconds:.2f} s)",
            file=out,
        )
        print(f"stopped by {history.stopped_by}: {rule}", file=out)
        if acc is not None:
            right = round(acc * len(X))
            print(f"accuracy = {right}/{len(X)} = {100 * acc:.1f}%", file=out)
        if args.save and status == 0:
            print(f"saved the net to {args.save}", file=out)
        if args.plot and not notes and status == 0:
            print(f"wrote the loss curve to {args.plot}", file=out)
    for note in notes:
        print(f"microbp train: {note}", file=err)
    return status


def train_demo(out=sys.stdout, outdir: str | None = "microbp-demo") -> int:
    """The seed's procedure on the seed's example: batch GD until the stopping rule fires.

    Trains the 3-3-2 example by ``GD(lr=2.0)`` with gradients from the graph, until
    |E_t − E_{t−1}| < 1e-8, and writes ``outdir/seed-loss.png`` when matplotlib is present
    (no file at all when ``outdir`` is None).
    """
    p = lambda *a: print(*a, file=out)  # noqa: E731
    X, Y = data.seed_data()
    net = data.seed_example().net()
    lr, tol = 2.0, 1e-8
    p()
    p("Training (BP 算法总结): batch gradient descent W⁽ˡ⁾ ← W⁽ˡ⁾ − μ ∂E_total/∂W⁽ˡ⁾,")
    p(f"μ = {lr}, until |E_t − E_(t−1)| < {tol:g} (the seed's stopping rule)")
    h = fit(net, X, Y, GD(lr), max_epochs=100_000, tol=tol, gradients="autodiff", quiet=True)
    for t in sorted({0, 1, 10, 100, 1000, h.epochs}):
        if t < len(h.loss):
            p(f"  t = {t:>5}   E_t = {h.loss[t]:.10g}")
    out_a = [float(a.data) for a in net(list(X[0]))]
    p(f"stopped by {h.stopped_by} after {h.epochs} epochs; a⁽³⁾ = {out_a}, y = {Y[0].tolist()}")
    if outdir is None:
        return 0 if math.isfinite(h.final_loss) else 1
    try:
        os.makedirs(outdir, exist_ok=True)
        path = os.path.join(outdir, "seed-loss.png")
        h.plot(path, title="seed example, batch GD: E_total per epoch")
        p(f"loss curve: {path}")
    except ImportError:
        p(f"(no loss plot: {PLOT_HINT})")
    except OSError as exc:
        p(f"(no loss plot: cannot write to {outdir}: {exc})")
    return 0 if math.isfinite(h.final_loss) else 1
