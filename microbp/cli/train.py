"""``microbp train``: train a net on a generated data set from the command line.

    microbp train --data xor --net 2,4,1 --activation sigmoid --optimizer irprop- \\
                  --max-epochs 2000 --tol 1e-9 [--lr 0.1] [--target 1e-3] [--seed 0] \\
                  [--gradients formulas] [--plot loss.png] [--save model.json] [--json] [--quiet]

prints the final E_total, the number of epochs, the rule that stopped the run and, for 0/1
targets, the accuracy. On the sets that sample a distribution (moons, spirals, iris) a fifth
of the rows, stratified by class and drawn with ``--seed``, is held out of training and its
accuracy printed next to the training accuracy (``--test-fraction``, 0 for none;
:data:`TEST_FRACTION`). ``--data`` is a name, optionally with arguments after a colon:
``tutorial``, ``xor``, ``encoder:8,3``, ``parity:4``, ``spirals:97``, ``moons:200``,
``iris``. Without
``--net`` each set has a default net (xor 2-4-1, encoder n-m-n, parity n-2n-1, …); for
``--data tutorial`` that is the tutorial example's own 3-3-2 net with its numbers (then
``--activation``, ``--init`` and ``--seed`` do not apply).

Ctrl-C stops at the end of the current epoch: the command says where, saves the net when
``--save`` was given (it is at a point of its trajectory) and exits with status 130.
"""

from __future__ import annotations

import json
import sys

from microbp import checks, data, modelfile, optim
from microbp.cli.args import (
    add_activation_argument,
    add_loss_argument,
    layer_sizes,
    number,
    positive_int,
)
from microbp.cli.errors import INTERRUPTED, naming, write_output
from microbp.cli.limits import MAX_DATA, add_max_nodes, check_train_size
from microbp.experiments.report import check_plot_path, plot_history
from microbp.files import check_writable
from microbp.nn import INITS, MLP
from microbp.train import GRADIENTS, STOP_REASONS, TrainingInterrupted, accuracy, fit

# No __all__: command-line plumbing (add_command, run), not public API;
# docs/training.md documents the command.

#: ``--test-fraction``'s default per data set: the sets that sample a distribution (moons,
#: spirals, iris) hold out a fifth of their rows to measure how the net generalises; the
#: others (the tutorial's pair, XOR, the encoders, parity) are whole truth tables to learn.
TEST_FRACTION = {"moons": 0.2, "spirals": 0.2, "iris": 0.2}

#: ``--optimizer`` names (case-insensitive): :func:`microbp.optim.make` builds them. ``--lr``
#: is the learning rate of gd/sgd and Δ₀ (torch's ``lr``) of the Rprop variants.
OPTIMIZERS = optim.OPTIMIZERS


def stop_rules(args, epochs: int | None = None) -> dict[str, str]:
    """What each ``History.stopped_by`` (:data:`microbp.train.STOP_REASONS`) means, in the
    terms of the command's options."""
    rules = {
        "target": f"E < target = {args.target:g}" if args.target is not None else "E < target",
        "criterion": "the stopping criterion (stop_when) held",
        "tol": f"|E_t − E_(t−1)| < tol = {args.tol:g}",
        "max_epochs": f"max_epochs = {args.max_epochs}",
        "diverged": "a number (E, a z or a, θ, ∂E/∂θ) became non-finite; the last epoch was undone",
        "on_epoch": "the on_epoch callback asked to stop",
        "interrupted": "Ctrl-C; the net is at the end of the last completed epoch"
        + (f" ({epochs})" if epochs is not None else ""),
    }
    assert set(rules) == set(STOP_REASONS), "a stop reason without its text"
    return rules


def parse_data(spec: str):
    """``"name"`` or ``"name:arg,arg"`` → (name, arguments, default sizes, label); the set
    itself is made by :func:`make_data`, after the size check."""
    name, _, rest = spec.partition(":")
    name = data.DATASETS.canonical(name)  # an old name ("seed") warns once, here
    if name not in data.DATASETS:
        raise ValueError(
            checks.unknown("data set", name, data.DATASETS) + " (e.g. xor, encoder:8,3, parity:4)"
        )
    _, defaults, sizes = data.DATASETS[name]
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
    label = name + (":" + ",".join(map(str, args)) if args else "")
    return name, args, sizes(*args), label


def make_data(name: str, args: tuple):
    """The set ``name`` made with ``args``: (X, Y)."""
    return data.DATASETS[name][0](*args)


def _held_out_default() -> str:
    """``0.2 for moons, spirals and iris``: :data:`TEST_FRACTION` in words."""
    by_fraction: dict[float, list[str]] = {}
    for name, fraction in TEST_FRACTION.items():
        by_fraction.setdefault(fraction, []).append(name)
    return "; ".join(
        f"{f:g} for " + (", ".join(n[:-1]) + " and " + n[-1] if len(n) > 1 else n[0])
        for f, n in by_fraction.items()
    )


#: ``--test-fraction``: a number in [0, 1).
test_fraction = number(
    float, lambda f: 0 <= f < 1, "the fraction of rows held out for testing, in [0, 1) (0: none)"
)


def check_outputs(save: str | None, plot: str | None) -> None:
    """``--save`` and ``--plot`` checked before training, so a typo costs no training run.

    The plot needs matplotlib and a suffix it writes (the check the experiments' ``--plot``
    makes too); ``--save -`` writes the net's JSON to standard output.
    """
    if save and save != "-":
        check_writable(save, "the net")
    if plot:
        check_plot_path(plot, "loss.png")


# long: one add_argument call per option of the command, nothing else
def add_command(sub) -> None:
    """Add ``train`` to the ``microbp`` subcommands."""
    t = sub.add_parser(
        "train",
        help="train a net on a generated data set (GD, SGD, Rprop family)",
        description="Train an MLP on a generated data set and report E_total, the epochs, "
        "the stopping rule that fired and the accuracy (0/1 targets).",
    )
    t.add_argument(
        "--data",
        default="xor",
        help="tutorial, xor, encoder:N,M, parity:N, spirals:K, moons:N, iris (default xor)",
    )
    t.add_argument(
        "--net", type=layer_sizes, help="layer sizes, e.g. 2,4,1 (default: per data set)"
    )
    add_activation_argument(t)
    t.add_argument(
        "--init", choices=sorted(INITS), default="small", help="the initial weights' scale"
    )
    t.add_argument(
        "--optimizer",
        type=str.lower,
        choices=OPTIMIZERS,
        default="irprop-",
        help=f"{', '.join(OPTIMIZERS)} (default irprop-)",
    )
    t.add_argument(
        "--lr", type=float, help="learning rate (gd, sgd; default 0.5) or Δ₀ (Rprop; 0.1)"
    )
    t.add_argument(
        "--batch-size",
        type=positive_int,
        default=None,
        help="SGD mini-batch size (default 1; with --optimizer sgd only)",
    )
    t.add_argument("--max-epochs", type=int, default=2000, help="stop after this many epochs")
    t.add_argument("--tol", type=float, default=1e-9, help="stop when |E_t − E_{t−1}| < tol")
    t.add_argument("--target", type=float, help="stop when E_t < target")
    t.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the initial weights, the test split and SGD's batches",
    )
    t.add_argument(
        "--gradients",
        choices=GRADIENTS,
        default="autodiff",
        help="the method for ∂E/∂θ: autodiff (the graph, E.backward()) or formulas (BP-1…BP-4 "
        "in matrix form, numpy; faster)",
    )
    t.add_argument(
        "--test-fraction",
        type=test_fraction,
        default=None,
        metavar="F",
        help="hold out this fraction of the rows (stratified by class, drawn with --seed) "
        "and report the accuracy on them next to the training accuracy (default "
        f"{_held_out_default()}, else 0)",
    )
    add_max_nodes(
        t,
        "train",
        "a net whose graph has more Values than this, or an epoch that computes more "
        "(one pass per row: rows × the net's graph)",
    )
    t.add_argument(
        "--max-data",
        type=int,
        default=MAX_DATA,
        help="refuse a data set with more numbers (rows × (inputs + targets)) than this, "
        f"before it is made (default {MAX_DATA})",
    )
    add_loss_argument(t)
    t.add_argument("--plot", metavar="PNG", help="draw the loss curve to this file")
    t.add_argument(
        "--save", metavar="JSON", help="save the trained net to this file (- for stdout)"
    )
    t.add_argument("--json", action="store_true", help="print the result as one JSON object")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.set_defaults(func=run, own_display=True)


# long: one subcommand from its arguments to its exit status, in the order it runs: data,
# net, training, saving, plot, report (each step a few lines with its own error message)
def run(args, out=None) -> int:
    """Run ``microbp train``; returns the exit status (0 ok, 1 a file could not be written,
    2 bad input, 130 Ctrl-C).

    Bad input raises (``ValueError``) before any training, for :func:`microbp.cli.app.main`
    to report; a failure to save or plot after training is reported here, after the result.
    """
    out = sys.stdout if out is None else out
    err = sys.stderr
    name, data_args, default_sizes, label = parse_data(args.data)
    sizes = args.net or default_sizes
    if sizes[0] != default_sizes[0] or sizes[-1] != default_sizes[-1]:
        raise ValueError(
            f"--net {','.join(map(str, sizes))} does not fit --data {label}: it needs "
            f"n₁ = {default_sizes[0]} inputs and n_L = {default_sizes[-1]} outputs"
        )
    rows = data.ROWS[name](*data_args)
    check_train_size(label, rows, sizes, args.gradients, args.max_nodes, args.max_data)
    if args.batch_size is not None and args.optimizer != "sgd":
        raise ValueError(
            f"--batch-size applies to --optimizer sgd only (mini-batches); {args.optimizer} "
            "takes one full-batch step per epoch"
        )
    optimizer = optim.make(args.optimizer, args.lr, args.batch_size or 1, args.seed)
    check_outputs(args.save, args.plot)
    if args.save == "-" and args.json:
        raise ValueError("--save - and --json both write to standard output; pick one")
    if args.save == "-":
        out = err  # standard output carries the net's JSON; the report goes to stderr
    X, Y = make_data(name, data_args)
    fraction = TEST_FRACTION.get(name, 0.0) if args.test_fraction is None else args.test_fraction
    X, Y, X_test, Y_test = data.split(X, Y, fraction, args.seed)
    if label == "tutorial" and args.net is None:
        net = data.tutorial_example().net()  # the tutorial's own numbers (Figure 1)
    else:
        net = MLP(sizes, activation=args.activation, seed=args.seed, init=args.init)
    try:
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
    except TrainingInterrupted as stop:  # at an epoch boundary: the net is consistent
        return _interrupted(args, net, stop.history, err)
    except KeyboardInterrupt:  # anywhere else: the net may be half-updated, so not saved
        print("microbp train: interrupted (Ctrl-C) during an epoch; nothing saved", file=err)
        return INTERRUPTED
    acc = accuracy(net, X, Y)
    test_acc = accuracy(net, X_test, Y_test) if len(X_test) else None
    status = 0
    if args.save:
        try:
            _save(net, args.save)
        except (OSError, ValueError) as exc:  # exit status 1: the file, 2: the net
            print(f"microbp train: error: cannot save to {args.save}: {exc}", file=err)
            status = 1 if isinstance(exc, OSError) else 2
    if args.plot:
        try:
            plot_history(history, args.plot, data=label, net=net)
        except OSError as exc:
            print(f"microbp train: error: cannot write the plot {args.plot}: {exc}", file=err)
            status = 1
    rule = stop_rules(args, history.epochs)[history.stopped_by]
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
            "test_fraction": fraction,
            "test_rows": len(X_test),
            "test_accuracy": test_acc,
            "seconds": history.seconds,
            "saved": args.save if args.save and status == 0 else None,
            "plot": args.plot if args.plot and status == 0 else None,
        }
        print(json.dumps(result), file=out)
        return status
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
        held_out = "" if test_acc is None else " on the training rows"
        print(f"accuracy = {right}/{len(X)} = {100 * acc:.1f}%{held_out}", file=out)
        if test_acc is not None:
            right = round(test_acc * len(X_test))
            print(
                f"test accuracy = {right}/{len(X_test)} = {100 * test_acc:.1f}% on the rows "
                f"held out (--test-fraction {fraction:g}, drawn with --seed {args.seed})",
                file=out,
            )
    if args.save and args.save != "-" and status == 0:
        print(f"saved the net to {args.save}", file=out)
    if args.plot and status == 0:
        print(f"wrote the loss curve to {args.plot}", file=out)
    return status


def _save(net, path: str) -> None:
    """The net's JSON to ``path`` (atomically) or, for ``-``, to standard output."""
    if path == "-":
        write_output("-", modelfile.to_json(net), sys.stdout)
        return
    try:
        net.save(path)
    except OSError as exc:
        raise naming(exc, path) from None


def _interrupted(args, net, history, err) -> int:
    """Ctrl-C during fit: say where it stopped, save the net if asked; status 130."""
    E = f", E_total = {history.loss[-1]:.6g}" if history.loss else ""
    saved = ""
    if args.save:
        try:
            _save(net, args.save)
            saved = "" if args.save == "-" else f"; saved the net to {args.save}"
        except (OSError, ValueError) as exc:
            saved = f"; cannot save to {args.save}: {exc}"
    print(
        f"microbp train: interrupted after epoch {history.epochs}{E}{saved}",
        file=err,
    )
    return INTERRUPTED
