"""Size limits checked before a command builds a net: the one home of "too large" for the CLI.

``microbp train`` checks three sizes up front (:func:`check_train_size`): the data set's
numbers (``--max-data``), the net's graph, and with autodiff the graph one epoch builds,
one forward pass per row over the net's parameters (both ``--max-nodes``).

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
#: holds a batch of z, a and δ per layer; ``prove`` builds formulas that grow with every layer;
#: ``train`` computes, each epoch, one pass per row (a graph of Values with autodiff, about
#: 3 s an epoch at the limit; arrays with the formulas, about as long at theirs).
MAX_NODES = {
    "graph": PICTURE_MAX_NODES,
    "trace --html": PICTURE_MAX_NODES,
    "trace": 20_000,
    "check": 10_000,
    "vanishing": 100_000,
    "prove": 200,
    "train": 1_000_000,
    "train --gradients formulas": 20_000_000,
}

#: ``microbp train --max-data``: the most numbers (rows × (inputs + targets)) a data set may
#: hold, 80 MB of float64: checked before the set is made.
MAX_DATA = 10_000_000


def add_max_nodes(parser, command: str, what: str | None = None) -> None:
    """The ``--max-nodes`` option of ``command``, its default from :data:`MAX_NODES` (for
    ``trace`` None: the table's or the stepper's, chosen by ``--html``; for ``train`` None:
    chosen by ``--gradients``); ``what`` says what it counts."""
    if command == "trace":
        default, shown = None, f"{MAX_NODES['trace --html']} with --html, {MAX_NODES['trace']}"
    elif command == "train":
        formulas = MAX_NODES["train --gradients formulas"]
        default, shown = None, f"{MAX_NODES['train']}, {formulas} with --gradients formulas"
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


def check_train_size(
    label: str,
    rows: int,
    sizes: Sequence[int],
    gradients: str,
    max_nodes: int | None,
    max_data: int,
) -> None:
    """A ValueError before anything is allocated when ``microbp train`` on ``rows`` rows of
    the set ``label`` with the net ``sizes`` must exceed a limit: the set's numbers
    (``max_data``), the net's graph, or the work of one epoch, one pass per row:
    rows × the net's graph (``max_nodes``; None: the default for ``gradients``, and for the
    net's own graph, whatever the method, autodiff's). The
    message names the size and the flag that raises the limit."""
    numbers = rows * (sizes[0] + sizes[-1])
    if numbers > max_data:
        raise ValueError(
            f"--data {label} has {rows:,} rows of {sizes[0]:,} inputs and {sizes[-1]:,} "
            f"targets, {numbers:,} numbers, more than max_data = {max_data:,}, the limit of "
            f"`microbp train`. Use a smaller set, or raise the limit with --max-data {numbers}."
        )
    formulas = gradients == "formulas"
    net = graph_size_at_least(sizes)
    per_epoch = rows * net  # ≥ net: --max-nodes per_epoch lets both checks pass
    # The net itself is a graph of Values by either method (by default autodiff's limit).
    net_limit = MAX_NODES["train"] if max_nodes is None else max_nodes
    if max_nodes is None:
        max_nodes = MAX_NODES["train --gradients formulas" if formulas else "train"]
    shape = "-".join(map(str, sizes))
    if net > net_limit:
        raise GraphTooLarge(
            f"the graph of a {shape} net has at least {net:,} Values (one per input and per "
            f"parameter), more than max_nodes = {net_limit:,}, the limit of `microbp train`. "
            f"Use a smaller net, or raise the limit with --max-nodes {per_epoch}"
            + ("" if rows == 1 else f" (one epoch on its {rows:,} rows computes that much)")
            + "."
        )
    if per_epoch > max_nodes:
        what = "arrays of" if formulas else "a graph of"
        instead = "" if formulas else "--gradients formulas (BP-1…BP-4 on whole arrays), "
        raise GraphTooLarge(
            f"one epoch on --data {label} with --gradients {gradients} computes, for each "
            f"of its {rows:,} rows, {what} at least {net:,} numbers (the {shape} net's "
            f"inputs and parameters): {per_epoch:,} in all, more than max_nodes = "
            f"{max_nodes:,}, the limit of `microbp train`. Use {instead}a smaller set or "
            f"net, or raise the limit with --max-nodes {per_epoch}."
        )
