"""``microbp trace``: the backward pass node by node, as a table or an HTML stepper.

    microbp trace                            the backward pass, node by node, as a table
    microbp trace --html backward.html       … as a standalone HTML stepper

Exit status: 0 success, 2 bad usage or input, or graphviz's ``dot`` missing for ``--html``.
"""

from __future__ import annotations

import sys

from microbp.cli.args import number_of
from microbp.cli.errors import naming
from microbp.cli.graph import add_common, example, sizes_of
from microbp.cli.limits import MAX_NODES, add_max_nodes, check_net_size
from microbp.engine import reverse_topological_order
from microbp.viz import draw
from microbp.viz.trace import HTML_FORMATS, trace_backward

# No __all__: command-line plumbing; docs/drawing.md documents the command.


def add_command(sub) -> None:
    """Add ``trace`` to the ``microbp`` subcommands."""
    t = sub.add_parser(
        "trace",
        help="the backward pass node by node: a table, or an HTML stepper (--html)",
        description="Run backward on the tutorial example's loss (or a random net's with --net) "
        "and show every step of the chain rule.",
    )
    add_common(t)
    t.add_argument("--html", metavar="FILE", help="write a standalone HTML stepper (needs dot)")
    add_max_nodes(t, "trace", "graphs with more Values than this")
    t.set_defaults(func=run)


def run(args, out=None) -> int:
    """``microbp trace``: the table, or the HTML stepper with ``--html``."""
    out = out or sys.stdout
    html = args.html is not None
    fmt = number_of(args)
    command = "trace --html" if html else "trace"
    max_nodes = MAX_NODES[command] if args.max_nodes is None else args.max_nodes
    if not html:
        if args.rankdir is not None:
            raise ValueError(
                "--rankdir applies to the HTML stepper (--html FILE); the table has none"
            )
    else:
        if not args.html.lower().endswith((".html", ".htm")):
            raise ValueError(f"--html expects a file ending in .html, got {args.html!r}")
        draw.check_output_path(args.html, formats=HTML_FORMATS)
        draw.need_dot(f"writing {args.html}")
    hint = " or `microbp trace` without --html for the table" if html else ""
    check_net_size(sizes_of(args), max_nodes, command, hint=hint)
    net, fw, E = example(args)
    if html:
        n = len(reverse_topological_order(E))
        if n > max_nodes:  # refuse before the (long) trace, not after it
            raise draw.GraphTooLarge(
                f"the graph has {n} Values, more than max_nodes = {max_nodes}: too large "
                "to step through usefully. `microbp trace` without --html prints the table; "
                "a larger --max-nodes draws it anyway."
            )
    trace = trace_backward(E, forward=fw)
    if not html:
        print(trace.table(fmt), file=out)
        return 0
    try:
        trace.to_html(
            args.html, rankdir=args.rankdir, fmt=fmt, max_nodes=max_nodes, ascii=args.ascii
        )
    except OSError as exc:
        raise naming(exc, args.html) from None
    print(f"wrote {args.html}", file=out)
    return 0
