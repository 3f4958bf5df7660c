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

from microbp.cli.args import add_max_epochs, experiment_settings, positive_float, positive_int
from microbp.experiments import saturation
from microbp.experiments.report import check_plot_path


def add_command(sub) -> None:
    p = sub.add_parser(
        "saturation",
        help="squared error vs cross-entropy: a saturated sigmoid neuron, then Iris",
        description="Why cross-entropy learns a saturated output faster (docs/losses.md).",
    )
    p.add_argument("--quick", action="store_true", help="a short run (the tests use it)")
    p.add_argument("--lr", type=positive_float, default=0.15, help="GD η of the neuron (0.15)")
    add_max_epochs(p, "the neuron's epochs (1000)")
    p.add_argument("--seeds", type=positive_int, help="Iris seeds (default 5)")
    p.add_argument("--json", action="store_true", help="print the numbers as JSON")
    p.add_argument("--plot", metavar="FILE.png", help="draw the curves to FILE.png")
    p.set_defaults(func=run)


def run(args, out=None) -> int:
    """Run ``microbp saturation``; returns the exit status."""
    out = sys.stdout if out is None else out
    if args.plot:
        check_plot_path(args.plot, "saturation.png")  # before any work
    options = {"lr": "lr", "max_epochs": "max_epochs", "iris_seeds": "seeds"}
    settings = experiment_settings(args, saturation.QUICK, options)
    result = saturation.run(**settings)
    print(result.to_json() if args.json else result.table(), file=out)
    if args.plot:
        out.flush()  # the results are out before a plot failure is reported
        saturation.plot(result, args.plot)
        print(f"plot written to {args.plot}", file=sys.stderr if args.json else out)
    return 0
