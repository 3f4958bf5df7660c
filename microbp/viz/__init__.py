"""Pictures of what the core computed (shell): computation graphs, the tutorial's Figures 1 and 2,
and the backward pass node by node. Nothing here computes a gradient; it reads graphs and
numbers that :mod:`microbp.engine` and :mod:`microbp.bp` produced."""

from microbp.viz.draw import (
    MAX_EDGES,
    MAX_NODES,
    GraphTooLarge,
    GraphvizFailed,
    GraphvizNotFound,
    draw_graph,
    draw_network,
)
from microbp.viz.trace import trace_backward

__all__ = [
    "draw_graph",
    "draw_network",
    "trace_backward",
    "MAX_NODES",
    "MAX_EDGES",
    "GraphTooLarge",
    "GraphvizNotFound",
    "GraphvizFailed",
]
