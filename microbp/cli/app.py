"""The ``microbp`` command line.

    microbp demo                         the seed's 3-3-2 example: forward pass, E, and every
                                         δ and gradient by autodiff next to BP-1…BP-4
    microbp check --net 3,4,2 --activation tanh
                                         autodiff vs δ formulas vs finite differences per
                                         parameter; exit status 1 if they disagree
    microbp vanishing [--quick] [--json] [--plot FILE.png]
                                         per-layer δ and ‖∂E/∂W⁽ˡ⁾‖ of deep nets per
                                         activation and init (docs/vanishing.md)
    microbp rprop-bench [--quick] [--json] [--plot FILE.png]
                                         GD, SGD and four Rprop variants on the Rprop
                                         papers' problems (docs/rprop.md)

Exit status: 0 success, 1 a check failed, 2 bad usage or input.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Sequence

from microbp import bp
from microbp.activations import ACTIVATIONS
from microbp.cli import draw as cli_draw
from microbp.cli import lab as cli_lab
from microbp.cli.args import activation_spec, layer_sizes
from microbp.cli.train import add_command as _add_train
from microbp.cli.train import train_demo
from microbp.data import seed_example
from microbp.experiments import rprop_bench, vanishing
from microbp.gradcheck import gradcheck
from microbp.losses import squared_error
from microbp.nn import INITS, MLP

_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _sup(l: int) -> str:
    """The seed's layer superscript: ⁽³⁾ for l = 3."""
    return f"⁽{str(l).translate(_SUPERSCRIPT)}⁾"


def _num(x) -> str:
    return f"{float(x): .17g}"


def demo(out=None, out_dir=None) -> int:
    """The seed's 3-3-2 example, both roads to every gradient, side by side; then (with
    ``out_dir``) its pictures: graph, network diagram, HTML stepper; then training."""
    out = out or sys.stdout
    if out_dir is not None:
        try:
            cli_draw.check_out_dir(out_dir)  # before any work, not after the table
        except ValueError as exc:
            print(f"microbp demo: error: {exc}", file=sys.stderr)
            return 2
    ex = seed_example()
    net = ex.net()
    L = net.L
    p = lambda *a: print(*a, file=out)  # noqa: E731

    p(f"microbp demo: the seed's three-layer perceptron (Figure 1), sizes {net.sizes}, f = σ")
    p(f"x = a⁽¹⁾ = {list(ex.x)},  y = {list(ex.y)}")
    for l in range(2, L + 1):
        p(f"W{_sup(l)} = {[list(r) for r in ex.W[l]]},  b{_sup(l)} = {list(ex.b[l])}")
    p()

    fw = net.forward(ex.x)
    E = squared_error(ex.y, fw.output)
    E.backward()
    formulas = bp.index_form(net, ex.x, ex.y)

    p("Forward pass: z⁽ˡ⁾ = W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾,  a⁽ˡ⁾ = f(z⁽ˡ⁾)")
    for l in range(2, L + 1):
        for i, (z, a) in enumerate(zip(fw.z[l], fw.a[l]), start=1):
            p(f"  z_{i}^({l}) = {_num(z.data)}   a_{i}^({l}) = {_num(a.data)}")
    p(f"E = ½‖y − a{_sup(L)}‖² = {_num(E.data)}")
    p()

    head = f"  {'':<10} {'autodiff (graph)':>24} {'closed form':>24} {'difference':>11}  rule"
    p("δᵢ⁽ˡ⁾ = ∂E/∂zᵢ⁽ˡ⁾: the gradient of the z-node, next to BP-1 (l = L) and BP-2 (l < L)")
    p(head)
    worst = 0.0
    for l in range(L, 1, -1):
        for i, z in enumerate(fw.z[l], start=1):
            f = formulas.delta[l][i - 1]
            worst = max(worst, abs(float(z.grad) - float(f)))
            rule = "BP-1" if l == L else "BP-2"
            p(
                f"  {f'δ_{i}^({l})':<10} {_num(z.grad):>24} {_num(f):>24} "
                f"{float(z.grad) - float(f):>11.2g}  {rule}"
            )
    p()
    p("∂E/∂wᵢⱼ⁽ˡ⁾ = δᵢ⁽ˡ⁾ aⱼ⁽ˡ⁻¹⁾ (BP-3) and ∂E/∂bᵢ⁽ˡ⁾ = δᵢ⁽ˡ⁾ (BP-4): p.grad next to the formula")
    p(head)
    for name, param, f in zip(net.parameter_names(), net.parameters(), formulas.flat()):
        worst = max(worst, abs(float(param.grad) - float(f)))
        rule = "BP-3" if name.startswith("w") else "BP-4"
        p(
            f"  {name:<10} {_num(param.grad):>24} {_num(f):>24} "
            f"{float(param.grad) - float(f):>11.2g}  {rule}"
        )
    p()
    p(f"largest |autodiff − formula| = {worst:.3g}")
    status = 0 if out_dir is None else cli_draw.write_demo_files(out_dir, out)
    return max(status, train_demo(out, out_dir))


def check(args, out=None) -> int:
    """``microbp check``: a per-parameter gradient report for a random net and sample."""
    out = out or sys.stdout
    net = MLP(args.net, activation=args.activation, seed=args.seed, init=args.init)
    rng = random.Random(args.seed + 1)
    x = [rng.uniform(-1.0, 1.0) for _ in range(net.sizes[0])]
    y = [rng.uniform(0.0, 1.0) for _ in range(net.sizes[-1])]
    report = gradcheck(net, x, y, eps=args.eps)
    print(
        f"microbp check: MLP {net.sizes}, activation {net.activations}, init {args.init}, "
        f"seed {args.seed}",
        file=out,
    )
    print(f"x = {x}\ny = {y}", file=out)
    print(report, file=out)
    return 0 if report.passed else 1


def _add_demo(sub) -> None:
    d = sub.add_parser("demo", help="the seed's 3-3-2 example: autodiff next to BP-1…BP-4")
    d.add_argument(
        "--out-dir",
        type=cli_draw.out_dir_type,
        default="microbp-demo",
        help="folder for the pictures (default ./microbp-demo)",
    )
    d.set_defaults(func=lambda args: demo(out=sys.stdout, out_dir=args.out_dir))


def _add_check(sub) -> None:
    c = sub.add_parser("check", help="gradient check: autodiff vs formulas vs finite differences")
    c.add_argument("--net", type=layer_sizes, default=[3, 4, 2], help="layer sizes, e.g. 3,4,2")
    c.add_argument(
        "--activation",
        type=activation_spec,
        default="sigmoid",
        help="one name or one per layer 2…L: " + ", ".join(ACTIVATIONS),
    )
    c.add_argument("--init", choices=sorted(INITS), default="small")
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--eps", type=float, default=1e-6, help="finite-difference step ε")
    c.set_defaults(func=check)


# Each subcommand registers itself: a function that adds its parser to the subparsers and
# sets ``func`` (called with the parsed arguments, returning the exit status).
COMMANDS = [_add_demo, _add_check, cli_draw.add_command, _add_train, vanishing.add_command]
COMMANDS.append(rprop_bench.add_command)
COMMANDS.append(cli_lab.add_command)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="microbp",
        description="Backpropagation, node by node: a scalar autodiff engine next to the "
        "closed-form δ equations BP-1…BP-4.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``microbp`` command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError, IndexError) as exc:
        print(f"microbp {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
