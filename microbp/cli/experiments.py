"""``microbp vanishing`` and ``microbp rprop-bench``: the experiments, from the command line.

    microbp vanishing [--quick] [--train] [--json] [--plot FILE.png]
                                         per-layer δ and ‖∂E/∂W⁽ˡ⁾‖ of deep nets per
                                         activation and init (docs/vanishing.md)
    microbp rprop-bench [--quick] [--json] [--plot FILE.png]
                                         GD, SGD and four Rprop variants on the Rprop
                                         papers' problems (docs/rprop.md)

The numbers come from :mod:`microbp.experiments`; this module reads the options, checks the
``--plot`` path before any work (the check ``train --plot`` makes too), prints the table or
the JSON, and only then draws the plot, so a plot that cannot be written costs no results.
"""

from __future__ import annotations

import inspect
import json
import os
import sys

from microbp.cli.args import (
    add_max_epochs,
    experiment_settings,
    init_list,
    names,
    positive_int,
)
from microbp.cli.limits import MAX_NODES, add_max_nodes, check_net_size
from microbp.cli.progress import bar
from microbp.experiments import report, rprop_bench, vanishing
from microbp.nn import INITS

# No __all__: command-line plumbing; docs/vanishing.md and docs/rprop.md document the commands.


def add_command(sub) -> None:
    """Add ``vanishing`` and ``rprop-bench`` to the ``microbp`` subcommands."""
    add_vanishing(sub)
    add_rprop_bench(sub)


def _add_output(p, plot_help: str) -> None:
    p.add_argument("--json", action="store_true", help="print the numbers as JSON")
    p.add_argument("--plot", metavar="FILE.png", help=plot_help)


def _add_seeds(p, default: int, quick: dict) -> None:
    p.add_argument(
        "--seeds",
        type=positive_int,
        default=None,
        help=f"seeds 0…SEEDS−1 (default {default}; {quick['seeds']} if --quick)",
    )


def _default(function, parameter: str):
    """The default value of ``function``'s ``parameter``, for a help text that cannot drift."""
    return inspect.signature(function).parameters[parameter].default


# Read once, when this module is imported (a test may replace the functions later).
_VANISHING_SEEDS = _default(vanishing.gradient_statistics, "seeds")
_BENCH_SEEDS = _default(rprop_bench.benchmark, "seeds")


def _plot_written(args, out) -> None:
    print(f"plot written to {args.plot}", file=sys.stderr if args.json else out)


# --------------------------------------------------------------------------------------------
# microbp vanishing
# --------------------------------------------------------------------------------------------


def add_vanishing(sub) -> None:
    """Add ``microbp vanishing`` to the subparsers ``sub``."""
    QUICK, TRAIN_QUICK = vanishing.QUICK, vanishing.TRAIN_QUICK
    p = sub.add_parser(
        "vanishing",
        help="the vanishing-gradient claim, measured: per-layer δ and ‖∂E/∂W‖ of deep nets",
        description="Per-layer mean |δ| and ‖∂E/∂W⁽ˡ⁾‖ of deep nets [2] + [width]*depth + [1] "
        "on two_moons, for sigmoid, tanh, relu and softplus hidden layers with the small, "
        "Xavier and He initialisations, median over seeds.",
    )
    p.add_argument("--depth", type=positive_int, default=10, help="hidden layers (default 10)")
    p.add_argument("--width", type=positive_int, default=16, help="neurons per hidden layer (16)")
    _add_seeds(p, _VANISHING_SEEDS, QUICK)
    _add_output(p, "also draw the numbers to FILE.png")
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"a quick run: {QUICK['seeds']} seeds (unless --seeds), {QUICK['n']} samples",
    )
    p.add_argument(
        "--train",
        action="store_true",
        help="also train the same nets per activation (GD and iRprop−) and show the epochs "
        "until E < target (a second table; JSON key training_speed)",
    )
    add_max_epochs(
        p, f"with --train: the epoch budget (default 1500; {TRAIN_QUICK['max_epochs']} if --quick)"
    )
    p.add_argument(
        "--train-inits",
        type=init_list,
        default=None,
        help="with --train: comma-separated inits to train (default xavier,he; he if --quick)",
    )
    add_max_nodes(p, "vanishing")
    p.set_defaults(func=run_vanishing)


def run_vanishing(args, out=None) -> int:
    """``microbp vanishing``: table (or JSON) on ``out``, then the plot if asked for."""
    out = sys.stdout if out is None else out
    if args.plot:
        report.check_plot_path(args.plot, "vanishing.png")  # before any work
    train = getattr(args, "train", False)
    train_only = [
        flag
        for flag, attr in (("--max-epochs", "max_epochs"), ("--train-inits", "train_inits"))
        if getattr(args, attr, None) is not None
    ]
    if train_only and not train:
        raise ValueError(f"{' and '.join(train_only)}: only used with --train")
    sizes = vanishing.deep_sizes(2, args.depth, args.width, 1)
    check_net_size(sizes, getattr(args, "max_nodes", MAX_NODES["vanishing"]), "vanishing")
    net = {"depth": args.depth, "width": args.width}
    kwargs = experiment_settings(args, vanishing.QUICK, {"seeds": "seeds"}, **net)
    result = vanishing.gradient_statistics(**kwargs)
    speed = None
    if train:
        options = {"seeds": "seeds", "max_epochs": "max_epochs", "inits": "train_inits"}
        train_kwargs = experiment_settings(args, vanishing.TRAIN_QUICK, options, **net)
        speed = vanishing.training_speed(**train_kwargs)
    if args.json:
        doc = result.to_dict()
        if speed is not None:
            doc["training_speed"] = speed.to_dict()
        print(json.dumps(doc, indent=2, allow_nan=False), file=out)
    else:
        print(result.table(), file=out)
        if speed is not None:
            print("", file=out)
            print(speed.table(), file=out)
    if args.plot:
        out.flush()  # the results are out before a plot failure is reported
        report.plot_gradient_statistics(result, args.plot, speed)
        _plot_written(args, out)
    return 0


# --------------------------------------------------------------------------------------------
# microbp rprop-bench
# --------------------------------------------------------------------------------------------


def add_rprop_bench(sub) -> None:
    """Add ``microbp rprop-bench`` to the subparsers ``sub``."""
    QUICK, PROBLEMS, ALGORITHMS = rprop_bench.QUICK, rprop_bench.PROBLEMS, rprop_bench.ALGORITHMS
    p = sub.add_parser(
        "rprop-bench",
        help="the Rprop claim, measured: epochs to converge for GD, SGD and four Rprop variants",
        description="GD (best μ of a small grid), SGD and the four Rprop variants on XOR, the "
        "8-3-8, 10-5-10 and 12-2-12 encoders, 6-bit parity and two spirals: success rate, "
        "median and mean epochs until every output is within 0.4 of its target, wall time.",
    )
    _add_seeds(p, _BENCH_SEEDS, QUICK)
    p.add_argument(
        "--problems",
        type=names(tuple(PROBLEMS), "problem"),
        default=None,
        help="comma-separated subset of: " + ", ".join(PROBLEMS),
    )
    p.add_argument(
        "--algorithms",
        type=names(ALGORITHMS, "algorithm"),
        default=ALGORITHMS,
        help="comma-separated subset of: " + ", ".join(ALGORITHMS),
    )
    p.add_argument(
        "--init",
        choices=tuple(INITS),
        default="xavier",
        help="the initialisation of every net (default xavier)",
    )
    add_max_epochs(p, "one epoch budget for every problem (default: each problem's own)")
    p.add_argument(
        "--jobs",
        type=positive_int,
        default=None,
        help="processes to run the cells in (default: the number of CPUs; 1 if --quick)",
    )
    _add_output(p, "also draw epochs per algorithm per problem")
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"a quick run: {', '.join(QUICK['problems'])} with {QUICK['seeds']} seeds (unless "
        f"--seeds) and a budget of {QUICK['max_epochs']} epochs",
    )
    p.set_defaults(func=run_rprop_bench, own_display=True)


def run_rprop_bench(args, out=None) -> int:
    """``microbp rprop-bench``: table (or JSON) on ``out``, then the plot if asked for."""
    out = sys.stdout if out is None else out
    if args.plot:
        report.check_plot_path(args.plot, "rprop.png")  # before any work
    options = {"problems": "problems", "seeds": "seeds", "max_epochs": "max_epochs"}
    kwargs = experiment_settings(args, rprop_bench.QUICK, options, algorithms=args.algorithms)
    kwargs["init"] = getattr(args, "init", "xavier")
    kwargs["jobs"] = args.jobs or (1 if args.quick else (os.cpu_count() or 1))
    shown = {}

    def progress(done: int, total: int) -> None:  # a bar of cells on a terminal
        if done == 0:
            shown["bar"] = bar(total, "rprop-bench", "cell")
        elif shown.get("bar") is not None:
            shown["bar"].update(1)

    try:
        result = rprop_bench.benchmark(**kwargs, progress=progress)
    finally:
        if shown.get("bar") is not None:
            shown["bar"].close()
    print(result.to_json() if args.json else result.table(), file=out)
    if args.plot:
        out.flush()  # the results are out before a plot failure is reported
        report.plot_benchmark(result, args.plot)
        _plot_written(args, out)
    return 0
