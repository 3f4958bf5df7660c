"""``microbp prove``: the graph's gradients are BP-1…BP-4 for every weight, shown with SymPy.

    microbp prove [--net 3,3,2] [--activation sigmoid] [--loss squared_error]
                  [--show] [--latex [FILE]] [--erratum] [--max-nodes N]

Every weight, bias, input and target is a symbol; for every parameter θ the graph's ∂E/∂θ
minus the BP-1…BP-4 expression must simplify to 0 (:func:`microbp.symbolic.prove_net`), and
by layers, with the next layer's δ as free symbols, so that it holds for any depth
(:func:`microbp.symbolic.prove_layers`). ``--erratum`` puts the seed's wrong σ′ into the
formulas: the prover must refuse it. Exit status: 0 all proved, 1 something not proved,
2 bad usage (or SymPy not installed).
"""

from __future__ import annotations

import sys

from microbp.cli.args import add_activation_argument, add_loss_argument, layer_sizes
from microbp.cli.errors import write_output
from microbp.cli.limits import add_max_nodes, check_net_size

# No __all__: command-line plumbing; docs/prove.md documents the command.


def add_command(sub) -> None:
    """Add ``prove`` to the ``microbp`` subcommands."""
    c = sub.add_parser(
        "prove",
        help="symbolic proof: the graph's ∂E/∂θ − BP-1…BP-4 ≡ 0 for all weights (SymPy)",
        description="For every parameter θ of a net whose weights, biases, inputs and targets "
        "are symbols, show that the graph's ∂E/∂θ minus the BP-1…BP-4 expression simplifies "
        "to 0; then the same layer by layer, which holds for any depth. Exit status 1 if any "
        "step is not proved.",
    )
    c.add_argument(
        "--net", type=layer_sizes, default=[3, 3, 2], help="layer sizes (default the seed's 3,3,2)"
    )
    add_activation_argument(c)
    add_loss_argument(c)
    c.add_argument(
        "--show",
        action="store_true",
        help="print each δ as a formula in a, y and the next layer's δ",
    )
    c.add_argument(
        "--latex",
        nargs="?",
        const="-",
        metavar="FILE",
        help="write the δ formulas as LaTeX to FILE (no FILE or '-': standard output)",
    )
    c.add_argument(
        "--erratum",
        action="store_true",
        help="use the seed's middle step for σ′ (docs/errata.md) in the formulas: the prover "
        "must say NOT proved",
    )
    add_max_nodes(c, "prove", "nets whose graph has more Values than this (formulas grow fast)")
    c.set_defaults(func=run)


def run(args, out=None) -> int:
    """Both proofs, their tables and the verdict; 0 when every step is proved."""
    out = out or sys.stdout
    check_net_size(args.net, args.max_nodes, "prove")
    try:
        from microbp import symbolic
    except ImportError as exc:  # SymPy is an extra
        raise ValueError(
            f"microbp prove needs SymPy ({exc}); install it with: pip install 'microbp[symbolic]'"
        ) from None
    activations = args.activation if isinstance(args.activation, list) else [args.activation]
    replace = None
    if args.erratum:
        if "sigmoid" not in activations:
            raise ValueError(
                "--erratum replaces σ′ by the seed's middle step, so it needs a sigmoid layer: "
                "--activation sigmoid (the default) or a list with sigmoid in it"
            )
        replace = {"sigmoid": symbolic.TUTORIAL_ERRATUM_SIGMOID}
    whole = symbolic.prove_net(args.net, args.activation, args.loss, replace)
    layers = symbolic.prove_layers(args.net, args.activation, args.loss, replace)

    print(
        f"microbp prove: MLP {args.net}, activation {args.activation}, loss {args.loss}"
        + (", with the tutorial's σ′ (the erratum) in the formulas" if args.erratum else ""),
        file=out,
    )
    print(
        "Every weight, bias, input and target is a symbol (w₁₂⁽³⁾, b₁⁽³⁾, x₁, y₁); "
        "'proved' means\nthe graph's side minus the formula's side simplifies to 0 for all "
        "values of them.\n",
        file=out,
    )
    for proof in (whole, layers):
        print(proof, file=out)
        print(file=out)
    if args.show:
        print("The δ's of the graph (E.backward()), with a = f(z):", file=out)
        print(layers.show(), file=out)
        print(file=out)
    if args.latex is not None:
        write_output(args.latex, layers.latex() + "\n", out)
    proved = whole.proved and layers.proved
    if proved:
        print(
            "Proved: for every parameter, the chain rule through the graph gives exactly "
            "BP-1…BP-4;\nby layers, with δ⁽ˡ⁺¹⁾ free, the same holds for a net of any depth.",
            file=out,
        )
    else:
        print(
            "NOT proved: the formulas differ from the graph's gradients (the differences "
            "above are not 0).",
            file=out,
        )
    return 0 if proved else 1
