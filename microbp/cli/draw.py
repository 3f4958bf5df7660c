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

from microbp import losses
from microbp.cli.args import activation_spec, add_loss_argument, layer_sizes
from microbp.data import seed_example
from microbp.engine import reverse_topological_order
from microbp.losses import squared_error
from microbp.nn import MLP
from microbp.viz import draw
from microbp.viz.trace import HTML_FORMATS, trace_backward

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
    add_loss_argument(p)
    p.add_argument(
        "--rankdir",
        choices=("LR", "TB"),
        default=None,
        help="direction of the computation graph (default LR)",
    )
    p.add_argument(
        "--fmt",
        default=None,
        help="number format, e.g. .4g or .6f (default .4g in pictures, .6g in the trace table)",
    )


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
        default=None,
        help="with --network: edges show wᵢⱼ⁽ˡ⁾ names, values, both or none (default names)",
    )
    g.add_argument(
        "--max-nodes",
        type=int,
        default=draw.MAX_NODES,
        help="refuse pictures of more nodes than this: Values of the computation graph, "
        f"neurons with --network/--delta-flow (default {draw.MAX_NODES})",
    )
    g.add_argument(
        "--max-edges",
        type=int,
        default=None,
        help="with --network/--delta-flow: refuse pictures of more weights than this "
        f"(default {draw.MAX_EDGES})",
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
    t.add_argument(
        "--max-nodes",
        type=int,
        default=None,
        help="with --html: refuse graphs with more Values than this, before tracing "
        f"(default {draw.MAX_NODES}; the table has no limit)",
    )
    t.set_defaults(func=run_trace)


def _sizes(args) -> list[int]:
    return list(args.net) if args.net is not None else list(seed_example().net().sizes)


def _check_graph_size(args, max_nodes: int | None) -> None:
    """Refuse, before the net is built, a computation graph that must exceed ``max_nodes``:
    it has at least one Value per input and per parameter."""
    if max_nodes is None:
        return
    sizes = _sizes(args)
    at_least = sizes[0] + sum(n * (m + 1) for n, m in zip(sizes[1:], sizes))
    if at_least > max_nodes:
        raise draw.GraphTooLarge(
            f"the graph of a {'-'.join(map(str, sizes))} net has at least {at_least} Values "
            f"(one per input and per parameter), more than max_nodes = {max_nodes}: too large "
            "to draw usefully. Use a smaller --net, `microbp graph --network` (draw_network) "
            "for the network, `microbp trace` without --html for the table, or a larger "
            "--max-nodes."
        )


def _check_network_size(args) -> None:
    """Refuse, before the net is built, a network picture past --max-nodes / --max-edges."""
    sizes = _sizes(args)
    max_edges = draw.MAX_EDGES if args.max_edges is None else args.max_edges
    if args.network:
        neurons, weights, what = sum(sizes), sum(n * m for n, m in zip(sizes[1:], sizes)), "net"
    else:
        l, _ = args.delta_flow
        if not 2 <= l <= len(sizes) - 1:
            return  # draw_network says what is wrong with l
        neurons, weights, what = sizes[l] + 1, sizes[l], "δ flow"
    draw._check_network_size(neurons, weights, args.max_nodes, max_edges, f"the {what}")


def _usage(args) -> None:
    """Options that do not apply to the chosen picture are usage errors, not ignored."""
    network = args.network or args.delta_flow is not None
    view = "--network" if args.network else "--delta-flow"
    if network and args.rankdir is not None:
        raise ValueError(
            f"--rankdir applies to the computation graph; {view} is always drawn left to "
            "right (one column per layer, as the seed draws it)"
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
    loss = losses.get(getattr(args, "loss", "squared_error"))
    losses.check_output(loss, net.activations[-1])
    if loss.name == "cross_entropy":  # a probability distribution over the classes
        y = [yk / sum(y) for yk in y]
    fw = net.forward(x)
    E = loss.sample(y, fw.z[net.L], fw.output)
    E.label = "E"
    return net, fw, E


def _fail(command: str, exc: Exception) -> int:
    print(f"microbp {command}: error: {exc}", file=sys.stderr)
    return 2


def run_graph(args, out=None) -> int:
    """``microbp graph``: checks the output first, then builds, draws and writes."""
    out = out or sys.stdout
    fmt = args.fmt or ".4g"
    try:
        _usage(args)
        if args.out is not None:
            suffix = draw.check_output_path(args.out)
            if suffix not in ("dot", "gv"):
                draw.need_dot(f"writing {args.out}")
        draw._check_fmt(fmt)
        if args.network or args.delta_flow is not None:
            _check_network_size(args)
        else:
            _check_graph_size(args, args.max_nodes)
        net, fw, E = _example(args)
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
                E, forward=fw, rankdir=args.rankdir or "LR", fmt=fmt, max_nodes=args.max_nodes
            )
        if args.out is None:
            print(graph.source, file=out, end="")
            return 0
        draw.save(graph, args.out)
    except BrokenPipeError:
        raise  # `microbp graph | head`: cli.main stops quietly
    except (draw.GraphvizNotFound, draw.GraphvizFailed, OSError, ValueError, TypeError) as exc:
        return _fail("graph", exc)
    print(f"wrote {args.out}", file=out)
    return 0


def run_trace(args, out=None) -> int:
    """``microbp trace``: the table, or the HTML stepper with ``--html``."""
    out = out or sys.stdout
    html = args.html is not None
    fmt = args.fmt or (".4g" if html else ".6g")
    max_nodes = draw.MAX_NODES if args.max_nodes is None else args.max_nodes
    try:
        if not html:
            for given, flag in ((args.rankdir, "--rankdir"), (args.max_nodes, "--max-nodes")):
                if given is not None:
                    raise ValueError(
                        f"{flag} applies to the HTML stepper (--html FILE); the table has none"
                    )
        else:
            if not args.html.lower().endswith((".html", ".htm")):
                raise ValueError(f"--html expects a file ending in .html, got {args.html!r}")
            draw.check_output_path(args.html, formats=HTML_FORMATS)
            draw.need_dot(f"writing {args.html}")
            _check_graph_size(args, max_nodes)
        draw._check_fmt(fmt)
        net, fw, E = _example(args)
        if html:
            n = len(reverse_topological_order(E))
            if n > max_nodes:  # refuse before the (long) trace, not after it
                raise draw.GraphTooLarge(
                    f"the graph has {n} Values, more than max_nodes = {max_nodes}: too large "
                    "to step through usefully. `microbp trace` without --html prints the table "
                    "at any size; a larger --max-nodes draws it anyway."
                )
        trace = trace_backward(E, forward=fw)
        if not html:
            print(trace.table(fmt), file=out)
            return 0
        trace.to_html(args.html, rankdir=args.rankdir or "LR", fmt=fmt, max_nodes=max_nodes)
    except BrokenPipeError:
        raise  # `microbp trace | head`: cli.main stops quietly
    except (draw.GraphvizNotFound, draw.GraphvizFailed, OSError, ValueError, TypeError) as exc:
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
        check_out_dir(out_dir)
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
    try:
        for name, graph in graphs.items():
            path = draw.save(graph, os.path.join(out_dir, name + ".svg"))
            p(f"  {path:<40} {what[name]}")
        html_path = trace.to_html(os.path.join(out_dir, "backward.html"))
    except (draw.GraphvizFailed, OSError) as exc:
        print(f"microbp demo: error: {exc}", file=sys.stderr)
        return 2
    p(f"  {html_path:<40} the backward pass node by node: open it in a browser, step with →")
    return 0


def check_out_dir(path: str | os.PathLike) -> str:
    """``path`` if it is (or can be made) a writable folder; a ``ValueError`` saying why not.

    Creates nothing: a missing folder is fine when its nearest existing parent is a
    writable folder (``os.makedirs`` will make it).
    """
    path = os.fspath(path)
    if not path:
        raise ValueError("the output folder is empty; expected a folder name, e.g. microbp-demo")
    if os.path.exists(path):
        if not os.path.isdir(path):
            raise ValueError(f"cannot write into {path!r}: it is a file, not a folder")
        if not os.access(path, os.W_OK | os.X_OK):
            raise ValueError(f"cannot write into {path!r}: the folder is not writable")
        return path
    parent = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise ValueError(f"cannot make the folder {path!r}: {parent!r} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(f"cannot make the folder {path!r}: {parent!r} is not writable")
    return path


def out_dir_type(text: str) -> str:
    """An argparse type for an output folder (see :func:`check_out_dir`)."""
    try:
        return check_out_dir(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
