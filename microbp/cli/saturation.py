"""``microbp saturation``: squared error vs cross-entropy on a saturated neuron and on Iris.

    microbp saturation [--quick] [--json] [--plot FILE.png] [--lr 0.15] [--max-epochs 1000]

prints the epochs one sigmoid neuron (x = 1, y = 0) needs until its output is below 0.1
under each loss, from w = b = 2 (a ≈ 0.98), w = b = 0.6 and Nielsen's w = 0.6, b = 0.9; then
squared error vs cross-entropy on Iris with a softmax output (epochs to 95 % training
accuracy, held-out accuracy). The numbers come from :mod:`microbp.experiments.saturation`;
docs/losses.md shows and discusses them.
"""

from __future__ import annotations

import sys

from microbp.cli.args import positive_int
from microbp.experiments import saturation
from microbp.experiments.report import check_plot_path


def _positive_float(text: str) -> float:
    import argparse

    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def add_command(sub) -> None:
    p = sub.add_parser(
        "saturation",
        help="squared error vs cross-entropy: a saturated sigmoid neuron, then Iris",
        description="Why cross-entropy learns a saturated output faster (docs/losses.md).",
    )
    p.add_argument("--quick", action="store_true", help="a short run (the tests use it)")
    p.add_argument("--lr", type=_positive_float, default=0.15, help="GD η of the neuron (0.15)")
    p.add_argument("--max-epochs", type=positive_int, help="the neuron's epochs (1000)")
    p.add_argument("--seeds", type=positive_int, help="Iris seeds (default 5)")
    p.add_argument("--json", action="store_true", help="print the numbers as JSON")
    p.add_argument("--plot", metavar="FILE.png", help="draw the curves to FILE.png")
    p.set_defaults(func=run)


def run(args, out=None) -> int:
    """Run ``microbp saturation``; returns the exit status."""
    out = sys.stdout if out is None else out
    if args.plot:
        check_plot_path(args.plot, "saturation.png")  # before any work
    settings = dict(saturation.QUICK) if args.quick else {}
    settings["lr"] = args.lr
    if args.max_epochs is not None:
        settings["max_epochs"] = args.max_epochs
    if args.seeds is not None:
        settings["iris_seeds"] = args.seeds
    result = saturation.run(**settings)
    print(result.to_json() if args.json else result.table(), file=out)
    if args.plot:
        out.flush()  # the results are out before a plot failure is reported
        saturation.plot(result, args.plot)
        print(f"plot written to {args.plot}", file=sys.stderr if args.json else out)
    return 0
