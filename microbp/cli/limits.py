"""Size limits checked before a command builds a net: the one home of "too large" for the CLI.

A net ``[n₁, …, n_L]`` has a computation graph of at least one Value per input and per
parameter, n₁ + Σₗ nₗ (nₗ₋₁ + 1); :func:`check_net_size` refuses, before anything is built,
a net whose graph must exceed the command's limit, naming the limit and the flag that raises
it (``--max-nodes``). Pictures use :data:`microbp.viz.MAX_NODES`; the commands that compute
rather than draw have their own, larger defaults (:data:`MAX_NODES`).
"""

from __future__ import annotations

from collections.abc import Sequence

from microbp.viz import MAX_NODES as PICTURE_MAX_NODES
from microbp.viz import GraphTooLarge

#: The default ``--max-nodes`` per command. ``check`` does two forward passes per parameter
#: (cost grows with the square of the size); ``trace`` prints a row per Value; ``vanishing``
#: holds a batch of z, a and δ per layer; ``prove`` builds formulas that grow with every layer.
MAX_NODES = {
    "graph": PICTURE_MAX_NODES,
    "trace --html": PICTURE_MAX_NODES,
    "trace": 20_000,
    "check": 10_000,
    "vanishing": 100_000,
    "prove": 200,
}


def add_max_nodes(parser, command: str, what: str | None = None) -> None:
    """The ``--max-nodes`` option of ``command``, its default from :data:`MAX_NODES` (for
    ``trace`` None: the table's or the stepper's, chosen by ``--html``); ``what`` says what
    it counts."""
    if command == "trace":
        default, shown = None, f"{MAX_NODES['trace --html']} with --html, {MAX_NODES['trace']}"
    else:
        default = shown = MAX_NODES[command]
    parser.add_argument(
        "--max-nodes",
        type=int,
        default=default,
        help=f"refuse {what or 'nets whose graph has more Values than this'}, before any "
        f"work (default {shown})",
    )


def graph_size_at_least(sizes: Sequence[int]) -> int:
    """n₁ + Σₗ nₗ (nₗ₋₁ + 1): one Value per input and per parameter of the net ``sizes``."""
    return sizes[0] + sum(n * (m + 1) for n, m in zip(sizes[1:], sizes))


def check_net_size(sizes: Sequence[int], max_nodes: int, command: str, hint: str = "") -> None:
    """A :class:`~microbp.viz.GraphTooLarge` (a ValueError) before the net ``sizes`` is built
    if its graph must have more than ``max_nodes`` Values."""
    at_least = graph_size_at_least(sizes)
    if at_least > max_nodes:
        raise GraphTooLarge(
            f"the graph of a {'-'.join(map(str, sizes))} net has at least {at_least} Values "
            f"(one per input and per parameter), more than max_nodes = {max_nodes}, the limit "
            f"of `microbp {command}`. Use a smaller net{hint}, or raise the limit with "
            f"--max-nodes {at_least}."
        )
