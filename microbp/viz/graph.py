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
from microbp.viz.dot import (
    HIGHLIGHT_FILL,
    INPUT_FILL,
    PARAM_FILL,
    esc_record,
    load_graphviz,
    plain_label,
)
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
    rankdir: str | None = None,
    fmt: str | Callable | None = None,
    show_grads: bool | None = None,
    highlight: Iterable[Value] = (),
    clusters: bool = False,
    max_nodes: int | None = MAX_NODES,
) -> graphviz.Digraph:
    """The computation graph below ``root`` as a :class:`graphviz.Digraph`.

    Every Value is a box of three lines (name, data, grad); every operation an ellipse named
    by the op; edges run input → op → output, and a constant operand (``x * 2``) is a small
    ``const`` node. Parameters of an :class:`~microbp.MLP` carry their names (w₁₂⁽³⁾, b₁⁽³⁾).

    ``forward``: the :class:`~microbp.nn.Forward` of ``net.forward(x)`` — names the z- and
    a-nodes (z₁⁽²⁾, a₁⁽²⁾), shows a z-node's gradient as δᵢ⁽ˡ⁾ ≡ ∂E/∂zᵢ⁽ˡ⁾, and lays the
    graph out by layer in the tutorial's order, top to bottom: x₁ … xₙ first, the weights
    wᵢ₁ … wᵢₙ of neuron i side by side, neuron 1 before neuron 2. A node that is none of the
    tutorial's quantities is labelled by what it computes (``w₁₁⁽²⁾·x₁``, ``Σ`` for a
    running sum, ``y₁ − a₁⁽³⁾``, ``(·)²``). ``clusters=True`` also draws a box around each
    layer (graphviz then no longer keeps that order). ``names`` (``id(node) -> name``, e.g.
    ``forward.names()``; a :class:`~microbp.names.Name`, or a label such as ``'z_1^(2)'``)
    does the same without the Forward.
    ``rankdir``: ``'LR'`` or ``'TB'`` (default: TB for a network's graph, LR otherwise).
    ``fmt``: how numbers are written, by default their shortest round-trip form (``0.4``;
    :mod:`microbp.viz.formatting` has the convention); a format spec (``'.4g'``) or a
    callable. ``show_grads``: None shows the
    grads once ``root`` has one (after ``root.backward()``). ``highlight``: Values to mark.
    ``max_nodes``: past this many Values a :class:`GraphTooLarge` error says what to do
    instead of letting graphviz hang (None: no limit).

    >>> from microbp import Value
    >>> x = Value(2.0, label="x")
    >>> y = x * x + 1
    >>> y.backward()
    >>> g = draw_graph(y)
    >>> print(g.source.count("shape=box"), g.source.count("shape=ellipse"))
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
    rankdir: str | None = None,
    fmt: str | Callable | None = None,
    show_grads: bool | None = None,
    highlight: Iterable[int] = (),
    clusters: bool = False,
    grads: list | None = None,
    name: str = "computation_graph",
) -> graphviz.Digraph:
    """The Digraph of a :class:`GraphModel` (``grads``: a grad per node instead of ``.grad``,
    a number, a text to show as it is, or ``None`` for ``grad ?``). Used by
    :func:`draw_graph` and the trace."""
    if rankdir is None:  # a network's graph top to bottom (x₁ … xₙ along the top), else LR
        rankdir = "TB" if any(n is not None for n in model.layer) else "LR"
    if rankdir not in ("LR", "TB"):
        raise ValueError(f"rankdir must be 'LR' or 'TB', got {rankdir!r}")
    number = number_format(fmt)
    nodes = model.nodes
    if grads is None:
        grads = [v.grad for v in nodes]
    if show_grads is None:
        show_grads = model.root.grad != 0 or grads[-1] != 0

    g = load_graphviz().Digraph(name)
    g.attr(rankdir=rankdir, fontname="DejaVu Sans", newrank="true")
    g.attr(ranksep="0.22", nodesep="0.12")
    g.attr("node", fontname="DejaVu Sans", fontsize="11")
    g.attr("edge", arrowsize="0.7")

    look = (grads, show_grads, number, rankdir, set(highlight))

    by_layer: dict[int, list[int]] = {}
    free: list[int] = []
    for k in range(len(nodes)):
        l = model.layer[k] if clusters else None
        (by_layer.setdefault(l, []) if l is not None else free).append(k)
    for l in sorted(by_layer):
        with g.subgraph(name=f"cluster_layer{l}") as c:
            title = "layer 1 (input)" if l == 1 else f"layer {l}"
            c.attr(label=title, style="rounded,dashed", color="#888888", fontsize="11")
            _add_nodes(c, model, by_layer[l], *look)
    _add_nodes(g, model, free, *look)

    for k, v in enumerate(nodes):
        if not v.op:
            continue
        if v.constant is not None:
            g.edge(f"v{k}c", f"v{k}op", style="dashed", color="#888888")
        for u in v.inputs:
            g.edge(f"v{model.index[id(u)]}", f"v{k}op")
        g.edge(f"v{k}op", f"v{k}")
    if not clusters and any(n is not None for n in model.layer):
        _lay_out_by_layer(g, model)
    return g


def _lay_out_by_layer(g, model: GraphModel) -> None:
    """Place a network's graph in the tutorial's order: one column per step of the forward
    pass, x₁ … xₙ at the top of the first, the weights wᵢ₁ … wᵢₙ of neuron i together (in a
    column of their own between a layer's inputs and its products), neuron 1 above neuron 2.

    dot is given each node's column (``rank=same``) and, within a column, the order by an
    invisible chain of edges, so crossing minimisation cannot shuffle x₃ above x₁.
    """
    nodes = model.nodes
    rank: list[int] = [0] * len(nodes)
    op_rank: dict[int, int] = {}
    key: list[tuple] = [(0, 0, 0)] * len(nodes)
    consumers: dict[int, list[int]] = {}
    for k, v in enumerate(nodes):
        name = model.names[k]
        if name is not None and name.i is not None:
            sub = {"w": name.j, "b": 98, "z": 99, "a": 100}.get(name.kind, 0)
            key[k] = (name.layer or 0, name.i, sub)
        if not v.op:
            continue
        ins = [model.index[id(u)] for u in v.inputs]
        for j in ins:
            consumers.setdefault(j, []).append(k)
        if not model.labels[k] or key[k] == (0, 0, 0):
            key[k] = max(key[j] for j in ins)
        params = [j for j in ins if _is_parameter(model, j)]
        others = [rank[j] for j in ins if j not in params] or [-1]
        feeds_layer = any(_is_layer_input(model, j) for j in ins if j not in params)
        op_rank[k] = max(others) + (2 if params and feeds_layer else 1)
        rank[k] = op_rank[k] + 1
    for k in range(len(nodes)):
        if _is_parameter(model, k) and k in consumers:
            rank[k] = min(op_rank[c] for c in consumers[k]) - 1
    columns: dict[int, list[tuple]] = {}
    for k, v in enumerate(nodes):
        columns.setdefault(rank[k], []).append((key[k], k, 1, f"v{k}"))
        if v.op:
            columns.setdefault(op_rank[k], []).append((key[k], k, 1, f"v{k}op"))
            if v.constant is not None:
                columns.setdefault(op_rank[k] - 1, []).append((key[k], k, 0, f"v{k}c"))
    firsts = []
    for r in sorted(columns):
        ids = [entry[-1] for entry in sorted(columns[r])]
        firsts.append(ids[0])
        with g.subgraph(name=f"rank{r}") as c:
            c.attr(rank="same")
            for a, b in zip(ids, ids[1:]):
                c.edge(a, b, style="invis")
            if len(ids) == 1:
                c.node(ids[0])
    # the ranks in their order, one after another (dot would merge the x's into the
    # weights' column, the edge from x to its products being shorter that way)
    for a, b in zip(firsts, firsts[1:]):
        g.edge(a, b, style="invis", weight="0")


def _is_parameter(model: GraphModel, k: int) -> bool:
    name = model.names[k]
    return not model.nodes[k].op and name is not None and name.kind in ("w", "b")


def _is_layer_input(model: GraphModel, k: int) -> bool:
    name = model.names[k]
    return name is not None and name.kind in ("x", "a")


def _add_nodes(target, model: GraphModel, ks, grads, show_grads, number, rankdir, marked):
    """Nodes ks of the model into ``target`` (the graph or a layer's cluster): each value's
    box, its op's ellipse and a constant's label; the nodes in ``marked`` highlighted."""
    nodes = model.nodes
    for k in ks:
        v = nodes[k]
        target.node(f"v{k}", **_value_attrs(model, k, grads[k], show_grads, number, rankdir))
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


def _value_attrs(model: GraphModel, k: int, grad, show_grads: bool, number, rankdir) -> dict:
    v = model.nodes[k]
    name = model.names[k]
    fields = [model.shown(k), f"data {number(v.data)}"]
    if show_grads:
        shown = "?" if grad is None else grad if isinstance(grad, str) else number(grad)
        if model.z_nodes[k]:
            fields.append(f"{name.as_kind('delta')} = {shown}")
        else:
            fields.append(f"grad {shown}")
    # name, data and grad on three lines (the stepper rewrites the last): a box as narrow as
    # its numbers. Not a record: dot loses the edges that order a column of records.
    attrs = {
        "label": load_graphviz().nohtml("\\n".join(plain_label(f) for f in fields)),
        "shape": "box",
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
