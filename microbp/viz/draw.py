"""Pictures of backpropagation with graphviz: the computation graph and the tutorial's figures.

One import for the pictures; each job lives in its own module:

* :func:`draw_graph` (:mod:`microbp.viz.graph`) — the computation graph of a
  :class:`~microbp.Value`: one record node per Value (name | data | grad), one small node per
  operation, the z-nodes of an :class:`~microbp.MLP` named z₁⁽²⁾ with their gradient shown as
  δᵢ⁽ˡ⁾ ≡ ∂E/∂zᵢ⁽ˡ⁾, one cluster per layer.
* :func:`draw_network` (:mod:`microbp.viz.network`) — the tutorial's Figure 1 (neurons as
  circles, edges wᵢⱼ⁽ˡ⁾), or with ``delta_flow=(l, i)`` its Figure 2: δ⁽ˡ⁺¹⁾ flowing back into
  δᵢ⁽ˡ⁾, with BP-2 written out.
* :func:`save` (:mod:`microbp.viz.dot`) — write a Digraph as ``.svg``/``.png``/``.pdf``
  (needs graphviz's ``dot``) or ``.dot``/``.gv`` (DOT source, needs nothing), checked before
  any work and written atomically.
* :mod:`microbp.viz.graph_model` reads a graph once (nodes in a deterministic order, names,
  layers) for the pictures and the trace; :mod:`microbp.viz.formatting` writes their numbers.

Drawing only reads a graph; it never changes a Value. The same graph gives byte-identical DOT
source in every run and every process. The ``graphviz`` Python package is imported when the
first picture is made, so ``import microbp`` works without it.
"""

from __future__ import annotations

# Re-exported as draw.X: the trace, the command line and the lab use them from here.
from microbp.viz.dot import (  # noqa: F401
    DOT_TIMEOUT,
    FORMATS,
    INSTALL_HINT,
    GraphvizFailed,
    GraphvizNotFound,
    check_output_path,
    dot_timeout,
    load_graphviz,
    need_dot,
    render_bytes,
    save,
)
from microbp.viz.formatting import MAX_FORMAT_DIGITS, exact_text, number_format  # noqa: F401
from microbp.viz.graph import draw_graph, render_model  # noqa: F401
from microbp.viz.graph_model import (  # noqa: F401
    MAX_NODES,
    GraphModel,
    GraphTooLarge,
    graph_model,
    op_text,
    pretty_name,
    read_name,
)
from microbp.viz.network import MAX_EDGES, check_network_size, draw_network  # noqa: F401

__all__ = [
    "draw_graph",
    "draw_network",
    "save",
    "check_output_path",
    "GraphTooLarge",
    "GraphvizNotFound",
    "GraphvizFailed",
    "pretty_name",
    "FORMATS",
]
