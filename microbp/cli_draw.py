"""``microbp graph`` and ``microbp trace``: pictures of backpropagation from the command line.

    microbp graph                            DOT source of the seed example's loss graph
    microbp graph --out graph.svg            … rendered (.svg .png .pdf; .dot/.gv as source)
    microbp graph --network --out net.svg    the seed's Figure 1 (δ and ∂E/∂w after backward)
    microbp graph --delta-flow 2,1 --out f2.svg
                                             Figure 2: δ⁽³⁾ flowing back into δ₁⁽²⁾ (BP-2)
    microbp graph --net 2,3,1 --activation tanh --out g.png
    microbp trace                            the backward pass, node by node, as a table
    microbp trace --html backward.html       … as a standalone HTML stepper

Also :func:`write_demo_files`, the pictures ``microbp demo`` writes into its output folder.
Exit status: 0 success, 2 bad usage or input, or graphviz's ``dot`` missing for a picture.
"""

from __future__ import annotations

import argparse
import os
import random
import sys

from microbp import draw
from microbp.cli_args import activation_spec, layer_sizes
from microbp.data import seed_example
from microbp.losses import squared_error
from microbp.nn import MLP
from microbp.trace import trace_backward

# No __all__: command-line plumbing (add_command, write_demo_files), not public API;
# docs/drawing.md documents the commands.


def _pair(text: str) -> tuple[int, int]:
    try:
        l, i = (int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a layer and a neuron as l,i (like 2,1), got {text!r}"
        ) from None
    return l, i


def _common(p) -> None:
    p.add_argument(
        "--net",
        type=layer_sizes,
        default=None,
        help="layer sizes, e.g. 2,3,1 (default: the seed's 3-3-2 example and its numbers)",
    )
    p.add_argument(
        "--activation",
        type=activation_spec,
        default=None,
        help="one name or one per layer 2…L (default: sigmoid)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the net's weights and sample")
    p.add_argument("--rankdir", choices=("LR", "TB"), default="LR", help="graph direction")
    p.add_argument("--fmt", default=".4g", help="number format, e.g. .4g or .6f")


def add_command(sub) -> None:
    """Add ``graph`` and ``trace`` to the ``microbp`` subcommands."""
    g = sub.add_parser(
        "graph",
        help="draw the computation graph, the network (Figure 1) or a δ flow (Figure 2)",
        description="Draw the seed example's loss E = ½‖y − a⁽ᴸ⁾‖² after backward "
        "(or a random net's with --net). Without --out, prints the DOT source.",
    )
    _common(g)
    g.add_argument("--out", help="output file: .svg .png .pdf (need graphviz's dot) or .dot .gv")
    what = g.add_mutually_exclusive_group()
    what.add_argument(
        "--network", action="store_true", help="the network diagram (the seed's Figure 1)"
    )
    what.add_argument(
        "--delta-flow",
        type=_pair,
        metavar="l,i",
        help="δ⁽ˡ⁺¹⁾ flowing into δᵢ⁽ˡ⁾ with BP-2 written out (the seed's Figure 2)",
    )
    g.add_argument(
        "--edge-labels",
        choices=("names", "values", "both", "none"),
        default="names",
        help="network diagram edges: wᵢⱼ⁽ˡ⁾ names, values, both or none",
    )
    g.add_argument(
        "--max-nodes",
        type=int,
        default=draw.MAX_NODES,
        help=f"refuse graphs with more Values than this (default {draw.MAX_NODES})",
    )
    g.set_defaults(func=run_graph)

    t = sub.add_parser(
        "trace",
        help="the backward pass node by node: a table, or an HTML stepper (--html)",
        description="Run backward on the seed example's loss (or a random net's with --net) "
        "and show every step of the chain rule.",
    )
    _common(t)
    t.add_argument("--html", metavar="FILE", help="write a standalone HTML stepper (needs dot)")
    t.set_defaults(func=run_trace)


def _example(args):
    """The net, its Forward and E (after backward) the command works on."""
    if args.net is None:
        ex = seed_example()
        net = MLP.from_weights(ex.W, ex.b, activation=args.activation or ex.activation)
        x, y = list(ex.x), list(ex.y)
    else:
        net = MLP(args.net, activation=args.activation or "sigmoid", seed=args.seed)
        rng = random.Random(args.seed + 1)
        x = [round(rng.uniform(-1.0, 1.0), 3) for _ in range(net.sizes[0])]
        y = [round(rng.uniform(0.0, 1.0), 3) for _ in range(net.sizes[-1])]
    fw = net.forward(x)
    E = squared_error(y, fw.output)
    E.label = "E"
    return net, fw, E


def _fail(command: str, exc: Exception) -> int:
    print(f"microbp {command}: error: {exc}", file=sys.stderr)
    return 2


def run_graph(args, out=None) -> int:
    """``microbp graph``: checks the output first, then builds, draws and writes."""
    out = out or sys.stdout
    try:
        if args.out is not None:
            fmt = draw.check_output_path(args.out)
            if fmt not in ("dot", "gv"):
                draw.need_dot(f"writing {args.out}")
        draw._check_fmt(args.fmt)
        net, fw, E = _example(args)
        E.backward()
        if args.network:
            graph = draw.draw_network(net, forward=fw, edge_labels=args.edge_labels, fmt=args.fmt)
        elif args.delta_flow is not None:
            graph = draw.draw_network(net, forward=fw, delta_flow=args.delta_flow, fmt=args.fmt)
        else:
            graph = draw.draw_graph(
                E, forward=fw, rankdir=args.rankdir, fmt=args.fmt, max_nodes=args.max_nodes
            )
        if args.out is None:
            print(graph.source, file=out, end="")
            return 0
        draw.save(graph, args.out)
    except (draw.GraphvizNotFound, OSError, ValueError, TypeError) as exc:
        return _fail("graph", exc)
    print(f"wrote {args.out}", file=out)
    return 0


def run_trace(args, out=None) -> int:
    """``microbp trace``: the table, or the HTML stepper with ``--html``."""
    out = out or sys.stdout
    try:
        if args.html is not None:
            if not args.html.lower().endswith((".html", ".htm")):
                raise ValueError(f"--html expects a file ending in .html, got {args.html!r}")
            draw.check_output_path(os.path.splitext(args.html)[0] + ".svg")
            draw.need_dot(f"writing {args.html}")
        draw._check_fmt(args.fmt)
        net, fw, E = _example(args)
        trace = trace_backward(E, forward=fw)
        if args.html is None:
            print(trace.table(args.fmt if args.fmt != ".4g" else ".6g"), file=out)
            return 0
        trace.to_html(args.html, rankdir=args.rankdir, fmt=args.fmt)
    except (draw.GraphvizNotFound, OSError, ValueError, TypeError) as exc:
        return _fail("trace", exc)
    print(f"wrote {args.html}", file=out)
    return 0


def write_demo_files(out_dir: str | os.PathLike, out=None) -> int:
    """The seed example's pictures for ``microbp demo``, written into ``out_dir``.

    graph.svg (the computation graph of E after backward, δ on every z-node), network.svg
    (Figure 1 with δ and ∂E/∂w), delta-flow.svg (Figure 2 for δ₁⁽²⁾) and backward.html (the
    stepper). Without graphviz's ``dot`` the DOT sources are written instead, the missing
    executable is named, and the status is 2.
    """
    out = out or sys.stdout
    p = lambda *a: print(*a, file=out)  # noqa: E731
    out_dir = os.fspath(out_dir)
    try:
        os.makedirs(out_dir, exist_ok=True)
        draw.check_output_path(os.path.join(out_dir, "graph.svg"))
    except (OSError, ValueError) as exc:
        print(
            f"microbp demo: error: cannot write pictures into {out_dir!r}: {exc}", file=sys.stderr
        )
        return 2
    ex = seed_example()
    net = ex.net()
    fw = net.forward(ex.x)
    E = squared_error(ex.y, fw.output)
    E.label = "E"
    trace = trace_backward(E, forward=fw)  # the backward pass, recorded
    graphs = {
        "graph": draw.draw_graph(E, forward=fw),
        "network": draw.draw_network(net, forward=fw, edge_labels="both"),
        "delta-flow": draw.draw_network(net, forward=fw, delta_flow=(2, 1)),
    }
    p()
    p(f"Pictures (in {out_dir}):")
    try:
        draw.need_dot("rendering the demo's pictures")
    except draw.GraphvizNotFound as exc:
        for name, graph in graphs.items():
            p(f"  {draw.save(graph, os.path.join(out_dir, name + '.dot'))}")
        print(f"microbp demo: {exc}", file=sys.stderr)
        return 2
    what = {
        "graph": "the computation graph of E, δᵢ⁽ˡ⁾ on every z-node",
        "network": "the network (Figure 1) with δ and ∂E/∂w",
        "delta-flow": "δ⁽³⁾ flowing back into δ₁⁽²⁾, BP-2 written out (Figure 2)",
    }
    for name, graph in graphs.items():
        path = draw.save(graph, os.path.join(out_dir, name + ".svg"))
        p(f"  {path:<40} {what[name]}")
    html_path = trace.to_html(os.path.join(out_dir, "backward.html"))
    p(f"  {html_path:<40} the backward pass node by node: open it in a browser, step with →")
    return 0
