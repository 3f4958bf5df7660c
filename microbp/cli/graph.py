"""``microbp graph``: the computation graph, the network (Figure 1) or a δ flow (Figure 2).

    microbp graph                            DOT source of the tutorial example's loss graph
    microbp graph --out graph.svg            … rendered (.svg .png .pdf; .dot/.gv as source)
    microbp graph --out -                    … the DOT source on standard output
    microbp graph --network --out net.svg    the tutorial's Figure 1 (δ and ∂E/∂w after backward)
    microbp graph --delta-flow 2,1 --out f2.svg
                                             Figure 2: δ⁽³⁾ flowing back into δ₁⁽²⁾ (BP-2)
    microbp graph --net 2,3,1 --activation tanh --out g.png

Exit status: 0 success, 2 bad usage or input, or graphviz's ``dot`` missing for a picture.
"""

from __future__ import annotations

import random
import sys

from microbp import losses
from microbp.cli.args import (
    add_display_options,
    add_loss_argument,
    add_net_arguments,
    neuron,
    number_of,
)
from microbp.cli.errors import naming, write_output
from microbp.cli.limits import add_max_nodes, check_net_size
from microbp.data import tutorial_example
from microbp.nn import MLP
from microbp.viz import draw
from microbp.viz.formatting import ascii_text

# No __all__: command-line plumbing; docs/drawing.md documents the command.


def add_common(p) -> None:
    """The options ``graph`` and ``trace`` share: which net, and how to show its numbers."""
    add_net_arguments(
        p,
        "layer sizes, e.g. 2,3,1 (default: the tutorial's 3-3-2 example and its numbers)",
        "seed of the net's weights and sample",
    )
    add_loss_argument(p)
    p.add_argument(
        "--rankdir",
        choices=("LR", "TB"),
        default=None,
        help="direction of the computation graph (default TB for a net's graph: x₁ … xₙ "
        "along the top, one row per step of the forward pass)",
    )
    p.add_argument(
        "--fmt",
        default=None,
        help="number format, e.g. .4g or .6f (default: the shortest form that reads back as "
        "the same number; --digits N is the short way to ask for N significant digits)",
    )
    add_display_options(p)


def add_command(sub) -> None:
    """Add ``graph`` to the ``microbp`` subcommands."""
    g = sub.add_parser(
        "graph",
        help="draw the computation graph, the network (Figure 1) or a δ flow (Figure 2)",
        description="Draw the tutorial example's loss E = ½‖y − a⁽ᴸ⁾‖² after backward "
        "(or a random net's with --net). Without --out (or with --out -), prints the DOT "
        "source.",
    )
    add_common(g)
    g.add_argument(
        "--out",
        help="output file: .svg .png .pdf (need graphviz's dot) or .dot .gv; - for stdout",
    )
    what = g.add_mutually_exclusive_group()
    what.add_argument(
        "--network", action="store_true", help="the network diagram (the tutorial's Figure 1)"
    )
    what.add_argument(
        "--delta-flow",
        type=neuron,
        metavar="l,i",
        help="δ⁽ˡ⁺¹⁾ flowing into δᵢ⁽ˡ⁾ with BP-2 written out (the tutorial's Figure 2)",
    )
    g.add_argument(
        "--edge-labels",
        choices=("names", "values", "both", "none"),
        default=None,
        help="with --network: edges show wᵢⱼ⁽ˡ⁾ names, values, both or none (default names)",
    )
    add_max_nodes(
        g,
        "graph",
        "pictures of more nodes than this: Values of the computation graph, neurons with "
        "--network/--delta-flow",
    )
    g.add_argument(
        "--max-edges",
        type=int,
        default=None,
        help="with --network/--delta-flow: refuse pictures of more weights than this "
        f"(default {draw.MAX_EDGES})",
    )
    g.set_defaults(func=run)


def sizes_of(args) -> list[int]:
    """The layer sizes the command works on: ``--net``, or the tutorial example's."""
    return list(args.net) if args.net is not None else list(tutorial_example().net().sizes)


def example(args):
    """The net, its Forward and E (before backward) the command works on."""
    if args.net is None:
        ex = tutorial_example()
        net = MLP.from_weights(ex.W, ex.b, activation=args.activation or ex.activation)
        x, y = list(ex.x), list(ex.y)
    else:
        net = MLP(args.net, activation=args.activation or "sigmoid", seed=args.seed)
        rng = random.Random(args.seed + 1)
        x = [round(rng.uniform(-1.0, 1.0), 3) for _ in range(net.sizes[0])]
        y = [round(rng.uniform(0.0, 1.0), 3) for _ in range(net.sizes[-1])]
    loss = losses.get(getattr(args, "loss", "squared_error"))
    losses.check_output(loss, net.activations[-1])
    if loss.name == "cross_entropy":  # a probability distribution over the classes
        y = [yk / sum(y) for yk in y]
    fw = net.forward(x)
    E = loss.sample(y, fw.z[net.L], fw.output)
    E.label = "E"
    return net, fw, E


def check_network_size(args) -> None:
    """Refuse, before the net is built, a network picture past --max-nodes / --max-edges."""
    sizes = sizes_of(args)
    max_edges = draw.MAX_EDGES if args.max_edges is None else args.max_edges
    if args.network:
        neurons, weights, what = sum(sizes), sum(n * m for n, m in zip(sizes[1:], sizes)), "net"
    else:
        l, _ = args.delta_flow
        if not 2 <= l <= len(sizes) - 1:
            return  # draw_network says what is wrong with l
        neurons, weights, what = sizes[l] + 1, sizes[l], "δ flow"
    draw.check_network_size(neurons, weights, args.max_nodes, max_edges, f"the {what}")


def _usage(args) -> None:
    """Options that do not apply to the chosen picture are usage errors, not ignored."""
    network = args.network or args.delta_flow is not None
    view = "--network" if args.network else "--delta-flow"
    if network and args.rankdir is not None:
        raise ValueError(
            f"--rankdir applies to the computation graph; {view} is always drawn left to "
            "right (one column per layer, as the tutorial draws it)"
        )
    if args.edge_labels is not None and not args.network:
        raise ValueError(
            "--edge-labels applies to the network diagram only: use it with --network "
            "(the δ flow always labels its edges wⱼᵢ⁽ˡ⁺¹⁾ and their values)"
        )
    if args.max_edges is not None and not network:
        raise ValueError(
            "--max-edges applies to --network and --delta-flow; the computation graph is "
            "limited by --max-nodes"
        )


def run(args, out=None) -> int:
    """``microbp graph``: checks the output first, then builds, draws and writes."""
    out = out or sys.stdout
    fmt = number_of(args)
    to_stdout = args.out is None or args.out == "-"
    _usage(args)
    if not to_stdout:
        suffix = draw.check_output_path(args.out)
        if suffix not in ("dot", "gv"):
            draw.need_dot(f"writing {args.out}")
    if args.network or args.delta_flow is not None:
        check_network_size(args)
    else:
        check_net_size(
            sizes_of(args),
            args.max_nodes,
            "graph",
            hint=", `microbp graph --network` (draw_network) for the network, `microbp trace` "
            "for the table",
        )
    net, fw, E = example(args)
    E.backward()
    if args.network or args.delta_flow is not None:
        graph = draw.draw_network(
            net,
            forward=fw,
            edge_labels=args.edge_labels or "names",
            delta_flow=args.delta_flow,
            fmt=fmt,
            max_nodes=args.max_nodes,
            max_edges=draw.MAX_EDGES if args.max_edges is None else args.max_edges,
        )
    else:
        graph = draw.draw_graph(
            E, forward=fw, rankdir=args.rankdir, fmt=fmt, max_nodes=args.max_nodes
        )
    if args.ascii:  # names and symbols in the picture too
        graph = draw.load_graphviz().Source(ascii_text(graph.source))
    if to_stdout:
        write_output("-", graph.source, out)
        return 0
    try:
        draw.save(graph, args.out)
    except OSError as exc:
        raise naming(exc, args.out) from None
    print(f"wrote {args.out}", file=out)
    return 0
