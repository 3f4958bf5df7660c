"""``microbp check``: autodiff vs the δ formulas vs finite differences, per parameter, and each
float64 method's error against the true gradient (exact or at 50 digits).

    microbp check --net 3,4,2 --activation tanh [--init small] [--seed 0] [--eps 1e-6]
                  [--reference {auto,exact,mpmath,none}] [--compare torch]

Exit status: 0 every parameter agrees, 1 some disagree, 2 bad usage or input.
"""

from __future__ import annotations

import random
import sys

from microbp.cli.args import (
    add_activation_argument,
    add_display_options,
    add_loss_argument,
    layer_sizes,
    number_of,
    step_eps,
)
from microbp.cli.limits import add_max_nodes, check_net_size
from microbp.gradcheck import gradcheck
from microbp.interop.pytorch import torch_method
from microbp.nn import INITS, MLP

# No __all__: command-line plumbing; docs/gradcheck.md documents the command.


def add_command(sub) -> None:
    """Add ``check`` to the ``microbp`` subcommands."""
    c = sub.add_parser(
        "check",
        help="gradient check: autodiff vs formulas vs finite differences vs the true gradient",
        description="For every parameter of a random net and sample: the gradient by "
        "autodiff (E.backward()), by the δ formulas BP-1…BP-4, by central finite differences, "
        "and each float64 method's error against the true gradient (exact fractions or 50 "
        "digits). Exit status 1 if autodiff and the formulas disagree.",
    )
    c.add_argument("--net", type=layer_sizes, default=[3, 4, 2], help="layer sizes, e.g. 3,4,2")
    add_activation_argument(c)
    c.add_argument(
        "--init", choices=sorted(INITS), default="small", help="the initial weights' scale"
    )
    c.add_argument("--seed", type=int, default=0, help="seed of the net's weights and sample")
    c.add_argument(
        "--eps", type=step_eps, default=1e-6, help="finite-difference step ε, finite and > 0"
    )
    add_loss_argument(c)
    c.add_argument(
        "--reference",
        choices=["auto", "exact", "mpmath", "none"],
        default="auto",
        help="the true gradient: exact fractions (relu/identity and the squared error), "
        "mpmath at 50 digits, or none; auto (default): exact where possible, else mpmath",
    )
    c.add_argument(
        "--compare",
        choices=["torch"],
        help="add PyTorch autograd's gradient of the same net, sample and loss as a column "
        "(pip install 'microbp[torch]')",
    )
    add_max_nodes(c, "check")  # the check's cost grows with the square of the size
    add_display_options(c)
    c.set_defaults(func=run)


def run(args, out=None) -> int:
    """A per-parameter gradient report for a random net and sample."""
    out = out or sys.stdout
    number = number_of(args)
    check_net_size(args.net, args.max_nodes, "check")
    net = MLP(args.net, activation=args.activation, seed=args.seed, init=args.init)
    rng = random.Random(args.seed + 1)
    x = [rng.uniform(-1.0, 1.0) for _ in range(net.sizes[0])]
    y = [rng.uniform(0.0, 1.0) for _ in range(net.sizes[-1])]
    if args.loss == "cross_entropy":  # a probability distribution over the classes
        y = [yk / sum(y) for yk in y]
    reference = None if args.reference == "none" else args.reference
    compare = _compare_method(args.compare)
    try:
        report = gradcheck(
            net, x, y, eps=args.eps, loss=args.loss, reference=reference, compare=compare
        )
    except ImportError as exc:  # --reference mpmath without mpmath: bad usage here
        raise ValueError(f"--reference mpmath: {exc}") from None
    print(
        f"microbp check: MLP {net.sizes}, activation {net.activations}, init {args.init}, "
        f"seed {args.seed}" + ("" if args.loss == "squared_error" else f", loss {args.loss}"),
        file=out,
    )
    print(f"x = [{', '.join(map(number, x))}]\ny = [{', '.join(map(number, y))}]", file=out)
    print(report.table(number), file=out)
    return 0 if report.passed else 1


def _compare_method(name: str | None):
    """The method ``--compare`` names, or None; missing PyTorch is bad usage (exit status 2)."""
    if name is None:
        return None
    try:
        return torch_method()
    except ImportError as exc:
        raise ValueError(f"--compare torch: {exc}") from None
