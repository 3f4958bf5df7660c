"""The computation graph of a :class:`~microbp.Value` as a picture: :func:`draw_graph`.

One record node per Value (name | data | grad), one small node per operation (``*``, ``+``,
``sigmoid``, ``**2`` …), a small ``const`` node for each constant operand (the 2 of
``x * 2``). For graphs built by an :class:`~microbp.MLP`, pass the
:class:`~microbp.nn.Forward` and the z- and a-nodes are named in the tutorial's notation
(z₁⁽²⁾, a₁⁽²⁾), grouped in one cluster per layer, and after ``E.backward()`` each z-node
shows its gradient as δᵢ⁽ˡ⁾ ≡ ∂E/∂zᵢ⁽ˡ⁾. Drawing only reads a graph; the DOT source is the
same in every run (node ids from :mod:`microbp.viz.graph_model`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from microbp.engine import Value
from microbp.names import Name
from microbp.viz.dot import HIGHLIGHT_FILL, INPUT_FILL, PARAM_FILL, esc_record, load_graphviz
from microbp.viz.formatting import number_format
from microbp.viz.graph_model import MAX_NODES, GraphModel, graph_model, op_text

if TYPE_CHECKING:
    import graphviz

__all__ = ["draw_graph", "render_model"]


def draw_graph(
    root: Value,
    *,
    forward=None,
    names: Mapping[int, Name | str] | None = None,
    rankdir: str = "LR",
    fmt: str | Callable = ".4g",
    show_grads: bool | None = None,
    highlight: Iterable[Value] = (),
    clusters: bool = True,
    max_nodes: int | None = MAX_NODES,
) -> graphviz.Digraph:
    """The computation graph below ``root`` as a :class:`graphviz.Digraph`.

    Every Value is a record ``name | data | grad``; every operation an ellipse named by the
    op; edges run input → op → output, and a constant operand (``x * 2``) is a small ``const``
    node. Parameters of an :class:`~microbp.MLP` carry their names (w₁₂⁽³⁾, b₁⁽³⁾).

    ``forward``: the :class:`~microbp.nn.Forward` of ``net.forward(x)`` — names the z- and
    a-nodes (z₁⁽²⁾, a₁⁽²⁾), groups the graph into one cluster per layer (``clusters``), and
    shows a z-node's gradient as δᵢ⁽ˡ⁾ ≡ ∂E/∂zᵢ⁽ˡ⁾. ``names`` (``id(node) -> name``, e.g.
    ``forward.names()``; a :class:`~microbp.names.Name`, or a label such as ``'z_1^(2)'``)
    does the same without the Forward.
    ``rankdir``: ``'LR'`` or ``'TB'``. ``fmt``: a format spec (``'.4g'``) or a callable for
    the numbers (Fractions are written exactly while short). ``show_grads``: None shows the
    grads once ``root`` has one (after ``root.backward()``). ``highlight``: Values to mark.
    ``max_nodes``: past this many Values a :class:`GraphTooLarge` error says what to do
    instead of letting graphviz hang (None: no limit).

    >>> from microbp import Value
    >>> x = Value(2.0, label="x")
    >>> y = x * x + 1
    >>> y.backward()
    >>> g = draw_graph(y)
    >>> print(g.source.count("shape=record"), g.source.count("shape=ellipse"))
    3 2
    """
    model = graph_model(root, forward, names, max_nodes)
    return render_model(
        model,
        rankdir=rankdir,
        fmt=fmt,
        show_grads=show_grads,
        highlight=[model.index[id(v)] for v in _values(highlight, model)],
        clusters=clusters,
    )


def _values(highlight, model: GraphModel) -> list[Value]:
    if isinstance(highlight, Value):
        highlight = [highlight]
    out = []
    for v in highlight:
        if not isinstance(v, Value):
            raise TypeError(f"highlight expects Values, got {type(v).__name__}")
        if id(v) not in model.index:
            raise ValueError(f"highlight: {v!r} is not a node of this graph")
        out.append(v)
    return out


def render_model(
    model: GraphModel,
    *,
    rankdir: str = "LR",
    fmt: str | Callable = ".4g",
    show_grads: bool | None = None,
    highlight: Iterable[int] = (),
    clusters: bool = True,
    grads: list | None = None,
    name: str = "computation_graph",
) -> graphviz.Digraph:
    """The Digraph of a :class:`GraphModel` (``grads``: a grad per node instead of ``.grad``,
    a number, a text to show as it is, or ``None`` for ``grad ?``). Used by
    :func:`draw_graph` and the trace."""
    if rankdir not in ("LR", "TB"):
        raise ValueError(f"rankdir must be 'LR' or 'TB', got {rankdir!r}")
    number = number_format(fmt)
    nodes = model.nodes
    if grads is None:
        grads = [v.grad for v in nodes]
    if show_grads is None:
        show_grads = model.root.grad != 0 or grads[-1] != 0
    marked = set(highlight)

    g = load_graphviz().Digraph(name)
    g.attr(rankdir=rankdir, fontname="DejaVu Sans")
    g.attr("node", fontname="DejaVu Sans", fontsize="11")
    g.attr("edge", arrowsize="0.7")

    def add_nodes(target, ks: list[int]) -> None:
        for k in ks:
            v = nodes[k]
            target.node(f"v{k}", **_record_attrs(model, k, grads[k], show_grads, number, rankdir))
            if k in marked:
                target.node(f"v{k}", style="filled,bold", fillcolor=HIGHLIGHT_FILL, penwidth="2.5")
            if v.op:
                target.node(
                    f"v{k}op",
                    label=esc_record(op_text(v)),
                    shape="ellipse",
                    id=f"v{k}op",
                    fontsize="10",
                    width="0.3",
                    height="0.3",
                    margin="0.02",
                )
                if v.constant is not None:
                    target.node(
                        f"v{k}c",
                        label=esc_record(f"const {number(v.constant)}"),
                        shape="plaintext",
                        id=f"v{k}c",
                        fontsize="9",
                        fontcolor="#555555",
                    )

    by_layer: dict[int, list[int]] = {}
    free: list[int] = []
    for k in range(len(nodes)):
        l = model.layer[k] if clusters else None
        (by_layer.setdefault(l, []) if l is not None else free).append(k)
    for l in sorted(by_layer):
        with g.subgraph(name=f"cluster_layer{l}") as c:
            title = "layer 1 (input)" if l == 1 else f"layer {l}"
            c.attr(label=title, style="rounded,dashed", color="#888888", fontsize="11")
            add_nodes(c, by_layer[l])
    add_nodes(g, free)

    for k, v in enumerate(nodes):
        if not v.op:
            continue
        if v.constant is not None:
            g.edge(f"v{k}c", f"v{k}op", style="dashed", color="#888888")
        for u in v.inputs:
            g.edge(f"v{model.index[id(u)]}", f"v{k}op")
        g.edge(f"v{k}op", f"v{k}")
    return g


def _record_attrs(model: GraphModel, k: int, grad, show_grads: bool, number, rankdir) -> dict:
    v = model.nodes[k]
    name = model.names[k]
    fields = [esc_record(model.labels[k] or f"#{k}"), esc_record(f"data {number(v.data)}")]
    if show_grads:
        shown = "?" if grad is None else grad if isinstance(grad, str) else number(grad)
        if model.z_nodes[k]:
            fields.append(esc_record(f"{name.as_kind('delta')} = {shown}"))
        else:
            fields.append(esc_record(f"grad {shown}"))
    label = " | ".join(fields)
    attrs = {
        "label": "{ " + label + " }" if rankdir == "LR" else label,
        "shape": "record",
        "id": f"v{k}",
    }
    kind = name.kind if name is not None else None
    if not v.op and kind in ("w", "b") and name.i is not None:
        attrs.update(style="filled", fillcolor=PARAM_FILL)
    elif not v.op and kind == "x" and name.i is not None:
        attrs.update(style="filled", fillcolor=INPUT_FILL)
    if v is model.root:
        attrs["penwidth"] = "2"
    return attrs
