"""Pictures of backpropagation with graphviz: the computation graph and the seed's figures.

* :func:`draw_graph` — the computation graph of a :class:`~microbp.Value`: one record node per
  Value (name | data | grad), one small node per operation (``*``, ``+``, ``sigmoid``, ``**2``
  …), a small ``const`` node for each constant operand (the 2 of ``x * 2``). For graphs built by
  an :class:`~microbp.MLP`, pass the :class:`~microbp.nn.Forward` and the z- and a-nodes are
  named in the seed's notation (z₁⁽²⁾, a₁⁽²⁾), grouped in one cluster per layer, and after
  ``E.backward()`` each z-node shows its gradient as δᵢ⁽ˡ⁾ ≡ ∂E/∂zᵢ⁽ˡ⁾.
* :func:`draw_network` — the seed's Figure 1 (neurons as circles, one column per layer, edges
  wᵢⱼ⁽ˡ⁾), or with ``delta_flow=(l, i)`` its Figure 2: δ⁽ˡ⁺¹⁾ flowing back through w_{ji}⁽ˡ⁺¹⁾
  into δᵢ⁽ˡ⁾, with BP-2 written out, δᵢ⁽ˡ⁾ = (Σⱼ δⱼ⁽ˡ⁺¹⁾ w_{ji}⁽ˡ⁺¹⁾) f′(zᵢ⁽ˡ⁾).
* :func:`save` — write a Digraph as ``.svg``/``.png``/``.pdf`` (needs graphviz's ``dot``) or
  ``.dot``/``.gv`` (DOT source, needs nothing), checked before any work and written atomically.

Drawing only reads a graph; it never changes a Value. Node ids come from each node's position
in :func:`microbp.engine.reverse_topological_order` (never from ``id()``), so the same graph
gives byte-identical DOT source in every run and every process.
"""

from __future__ import annotations

import math
import numbers
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

import graphviz

from microbp import activations, bp, names
from microbp.engine import Value, reverse_topological_order
from microbp.files import check_writable, write_atomic
from microbp.names import Name

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

#: Output formats :func:`save` writes, by file suffix. ``dot``/``gv`` is the DOT source.
FORMATS = ("svg", "png", "pdf", "dot", "gv")

#: Default largest graph :func:`draw_graph` lays out (Values; graphviz's ``dot`` becomes
#: slow and the picture unreadable well before a few thousand nodes).
MAX_NODES = 500

#: Default most weights (edges) :func:`draw_network` lays out: 500 edges render in about half
#: a second and are already a thicket; a 100-100-1 net (10 100 edges) took ``dot`` 75 s.
MAX_EDGES = 500

INSTALL_HINT = (
    "install graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz)"
)

_PARAM_FILL = "#dbeafe"
_INPUT_FILL = "#dcfce7"
_HIGHLIGHT_FILL = "#fde047"


class GraphTooLarge(ValueError):
    """The graph has more nodes than graphviz can usefully draw (see ``max_nodes``)."""


class GraphvizNotFound(RuntimeError):
    """Graphviz's ``dot`` executable is not on PATH, so a picture cannot be rendered."""

    def __init__(self, what: str = "rendering") -> None:
        super().__init__(
            f"{what} needs graphviz's `dot` executable, which is not on PATH; {INSTALL_HINT}. "
            "DOT source (.dot) can still be written without it."
        )


class GraphvizFailed(RuntimeError):
    """Graphviz's ``dot`` ran but failed (non-zero exit); the message quotes its stderr."""

    def __init__(self, what: str, stderr: str = "", returncode: int | None = None) -> None:
        status = "" if returncode is None else f" (exit status {returncode})"
        said = stderr.strip()
        super().__init__(
            f"{what}: graphviz's `dot` failed{status}"
            + (f": {said}" if said else " and printed nothing")
        )
        self.stderr = stderr
        self.returncode = returncode


# --------------------------------------------------------------------------------------------
# Names and numbers
# --------------------------------------------------------------------------------------------


def read_name(text: str) -> Name | str:
    """The tutorial's :class:`~microbp.names.Name` written in a label (``'w_12^(3)'``), or the
    label itself when it names none of the tutorial's quantities (``'loss'``): how a graph
    built by hand, with micrograd-style labels, gets its names shown in the one notation."""
    try:
        return names.parse(text)
    except names.BadName:
        return text


def pretty_name(name: Name | str) -> str:
    """A name as shown, in the Unicode form: ``'w_12^(3)'`` → ``'w₁₂⁽³⁾'``; a label that is
    no name of the tutorial's is shown as it is.

    >>> pretty_name("z_1^(2)"), pretty_name(names.x(3)), pretty_name("loss")
    ('z₁⁽²⁾', 'x₃', 'loss')
    """
    return str(read_name(name) if isinstance(name, str) else name)


#: The largest width or precision a number format may ask for (a label, not a memory test).
MAX_FORMAT_DIGITS = 100
# Python's format spec: [[fill]align][sign][z][#][0][width][grouping][.precision][type]
_FORMAT_SPEC = re.compile(
    r"(?:.?[<>=^])?[+\- ]?z?#?0?(?P<width>\d*)[,_]?(?:\.(?P<prec>\d+))?[a-zA-Z%]?", re.S
)


def number_format(fmt) -> Callable[[object], str]:
    """A number formatter from a format spec (``'.4g'``) or a callable, checked once."""
    if callable(fmt):
        return fmt
    if not isinstance(fmt, str):
        raise TypeError(f"fmt must be a format spec like '.4g' or a callable, got {fmt!r}")
    spec = _FORMAT_SPEC.fullmatch(fmt)
    for part, value in (("width", spec and spec["width"]), ("precision", spec and spec["prec"])):
        if value and (len(value) > 6 or int(value) > MAX_FORMAT_DIGITS):
            raise ValueError(
                f"number format {fmt!r} asks for a {part} of {value}; expected at most "
                f"{MAX_FORMAT_DIGITS} (a format spec like '.4g' or '.6f')"
            )
    try:
        format(1.5, fmt)
    except ValueError:
        raise ValueError(
            f"invalid number format {fmt!r}; expected a format spec like '.4g' or '.6f'"
        ) from None

    def number(x) -> str:
        if isinstance(x, int):
            return str(x)
        if isinstance(x, Fraction):
            text = str(x)
            return text if len(text) <= 12 else format(float(x), fmt)
        return format(x, fmt)

    return number


def exact_text(x) -> str:
    """A number written out in full: ``repr`` of a float, ``'3/8'`` for a Fraction."""
    if isinstance(x, float):
        return repr(x)
    return str(x)


# --------------------------------------------------------------------------------------------
# The graph, read once: nodes in a deterministic order, names, layers
# --------------------------------------------------------------------------------------------


@dataclass
class GraphModel:
    """A read-only view of the graph below ``root`` for drawing and tracing.

    ``nodes`` lists every Value in forward order (inputs before the nodes that use them: the
    reverse of :func:`~microbp.engine.reverse_topological_order`); node k has DOT id ``v{k}``.
    ``names[k]`` is the tutorial's :class:`~microbp.names.Name` of node k (z₁⁽²⁾) or None;
    ``labels[k]`` is what node k is called where it is shown: its name in the Unicode form, or
    the Value's own label, or ``''``. ``z_nodes[k]`` says whether node k is a zᵢ⁽ˡ⁾ (its
    gradient is δᵢ⁽ˡ⁾) and ``layer[k]`` the tutorial's layer l it belongs to (or None).
    """

    root: Value
    nodes: list[Value]
    index: dict[int, int]
    names: list[Name | None]
    labels: list[str]
    z_nodes: list[bool]
    layer: list[int | None]

    def id(self, node: Value) -> str:
        return f"v{self.index[id(node)]}"

    def display(self, k: int) -> str:
        """A name for node k in tables: its name, else ``#k`` and its op."""
        if self.labels[k]:
            return self.labels[k]
        node = self.nodes[k]
        return f"#{k} ({op_text(node)})" if node.op else f"#{k}"


def _names_from(forward, given) -> dict[int, Name | str]:
    if forward is not None and given is not None:
        raise TypeError("pass forward= or names=, not both")
    if forward is not None:
        if not hasattr(forward, "names"):
            raise TypeError(
                f"forward must be the Forward of net.forward(x), got {type(forward).__name__}"
            )
        return forward.names()
    if given is None:
        return {}
    if not isinstance(given, Mapping):
        raise TypeError(
            f"names must map id(node) -> name (as Forward.names() does), got {type(given).__name__}"
        )
    return {k: read_name(v) if isinstance(v, str) else v for k, v in given.items()}


def graph_model(root: Value, forward=None, names=None, max_nodes: int | None = None) -> GraphModel:
    """Read the graph below ``root`` (see :class:`GraphModel`); nothing is changed."""
    if not isinstance(root, Value):
        raise TypeError(f"expected the root Value of a graph, got {type(root).__name__}")
    given = _names_from(forward, names)
    nodes = reverse_topological_order(root)
    nodes.reverse()
    if max_nodes is not None and len(nodes) > max_nodes:
        raise GraphTooLarge(
            f"the graph has {len(nodes)} Values, more than max_nodes = {max_nodes}: graphviz "
            "would take long and draw something unreadable. Draw a smaller graph (one sample, "
            "a smaller net), use draw_network(net) for an MLP, or pass max_nodes=None to draw "
            "it anyway."
        )
    index = {id(v): k for k, v in enumerate(nodes)}
    node_names: list[Name | None] = []
    labels: list[str] = []
    z_nodes = []
    for v in nodes:
        name = given.get(id(v))
        if name is None and v.label:
            name = read_name(v.label)  # a graph built by hand: its labels, shown in Unicode
        node_names.append(name if isinstance(name, Name) else None)
        labels.append(str(name) if name is not None else "")
        z_nodes.append(isinstance(name, Name) and name.kind == "z" and id(v) in given)
    # Layers (for the clusters) only where the net's names are given: x, z, a and the
    # parameters by name; the interior nodes of neuron i in layer l (the products w·a and
    # the partial sums) belong to the layer of the z-node they feed.
    layer: list[int | None] = [None] * len(nodes)
    if given:
        layer = [n.layer if n is not None else None for n in node_names]
        for k in range(len(nodes)):
            if not z_nodes[k]:
                continue
            stack = list(nodes[k].inputs)
            while stack:
                u = stack.pop()
                j = index[id(u)]
                if layer[j] is None:
                    layer[j] = layer[k]
                    stack.extend(u.inputs)
    return GraphModel(root, nodes, index, node_names, labels, z_nodes, layer)


_OP_TEXT = {"rsub": "-", "rdiv": "/", "neg": "neg"}


def op_text(node: Value) -> str:
    """The op node's name: ``*``, ``+``, ``tanh``, ``**2``, ``2**`` (c ** u) …"""
    op = node.op
    c = node.constant
    if op == "**" and c is not None:
        return f"**{c}"
    if op == "rpow":
        return f"{c}**"
    return _OP_TEXT.get(op, op)


def _esc(text: str) -> str:
    """Escape the characters that structure a record label; a newline shows as a line break
    and a tab as a space (graphviz would drop both)."""
    return _visible_whitespace(re.sub(r"([{}|<>\\\"])", r"\\\1", text))


def _visible_whitespace(text: str) -> str:
    return text.replace("\n", "\\n").replace("\t", " ")


def _plain(text: str) -> str:
    """A user's text for a plain DOT label, shown as given: backslashes doubled (so ``\\N``,
    ``\\G``, ``\\E`` and a trailing backslash are text, not graphviz escapes), newlines and
    tabs visible. Combine with :func:`graphviz.nohtml` so ``<b>…</b>`` is not HTML."""
    return _visible_whitespace(text.replace("\\", "\\\\"))


# --------------------------------------------------------------------------------------------
# The computation graph
# --------------------------------------------------------------------------------------------


def draw_graph(
    root: Value,
    *,
    forward=None,
    names: Mapping[int, str] | None = None,
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
    ``forward.names()``) does the same without the Forward.
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

    g = graphviz.Digraph(name)
    g.attr(rankdir=rankdir, fontname="DejaVu Sans")
    g.attr("node", fontname="DejaVu Sans", fontsize="11")
    g.attr("edge", arrowsize="0.7")

    def add_nodes(target, ks: list[int]) -> None:
        for k in ks:
            v = nodes[k]
            target.node(f"v{k}", **_record_attrs(model, k, grads[k], show_grads, number, rankdir))
            if k in marked:
                target.node(f"v{k}", style="filled,bold", fillcolor=_HIGHLIGHT_FILL, penwidth="2.5")
            if v.op:
                target.node(
                    f"v{k}op",
                    label=_esc(op_text(v)),
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
                        label=_esc(f"const {number(v.constant)}"),
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
    fields = [_esc(model.labels[k] or f"#{k}"), _esc(f"data {number(v.data)}")]
    if show_grads:
        shown = "?" if grad is None else grad if isinstance(grad, str) else number(grad)
        if model.z_nodes[k]:
            fields.append(_esc(f"{name.as_kind('delta')} = {shown}"))
        else:
            fields.append(_esc(f"grad {shown}"))
    label = " | ".join(fields)
    attrs = {
        "label": "{ " + label + " }" if rankdir == "LR" else label,
        "shape": "record",
        "id": f"v{k}",
    }
    kind = name.kind if name is not None else None
    if not v.op and kind in ("w", "b") and name.i is not None:
        attrs.update(style="filled", fillcolor=_PARAM_FILL)
    elif not v.op and kind == "x" and name.i is not None:
        attrs.update(style="filled", fillcolor=_INPUT_FILL)
    if v is model.root:
        attrs["penwidth"] = "2"
    return attrs


# --------------------------------------------------------------------------------------------
# The network diagram: Figure 1 and Figure 2 of the seed
# --------------------------------------------------------------------------------------------

_EDGE_LABELS = ("names", "values", "both", "none")


def draw_network(
    net,
    *,
    forward=None,
    edge_labels: str = "names",
    show_biases: bool = True,
    show_grads: bool | None = None,
    delta_flow: tuple[int, int] | None = None,
    fmt: str | Callable = ".4g",
    max_nodes: int | None = MAX_NODES,
    max_edges: int | None = MAX_EDGES,
) -> graphviz.Digraph:
    """The network as the seed draws it (Figure 1), or one neuron's δ flow (Figure 2).

    Figure 1: one column per layer, neuron i of layer l a circle aᵢ⁽ˡ⁾ (layer 1: xᵢ), an edge
    from neuron j of layer l−1 to neuron i of layer l labelled wᵢⱼ⁽ˡ⁾ (``edge_labels``:
    ``'names'``, ``'values'``, ``'both'`` or ``'none'``), the bias bᵢ⁽ˡ⁾ in the neuron.
    With ``forward`` (``net.forward(x)``) each neuron shows zᵢ⁽ˡ⁾ and aᵢ⁽ˡ⁾, and once
    ``E.backward()`` has run (``show_grads``, default: when any parameter has a gradient)
    also δᵢ⁽ˡ⁾ = zᵢ⁽ˡ⁾.grad and, on the edges, ∂E/∂wᵢⱼ⁽ˡ⁾ = δᵢ⁽ˡ⁾ aⱼ⁽ˡ⁻¹⁾ (BP-3).

    ``delta_flow=(l, i)`` (2 ≤ l ≤ L−1) draws Figure 2 instead: δⱼ⁽ˡ⁺¹⁾ for j = 1…n_{l+1}
    flowing back along w_{ji}⁽ˡ⁺¹⁾ into δᵢ⁽ˡ⁾, with BP-2 written out,
    δᵢ⁽ˡ⁾ = (Σⱼ δⱼ⁽ˡ⁺¹⁾ w_{ji}⁽ˡ⁺¹⁾) f′(zᵢ⁽ˡ⁾), and its numbers when ``forward`` is given.

    ``max_nodes`` / ``max_edges``: a picture of more neurons / weights than this raises
    :class:`GraphTooLarge` before any drawing (graphviz would take minutes and draw a thicket);
    None: no limit.

    >>> from microbp import MLP
    >>> g = draw_network(MLP([3, 3, 2]))
    >>> g.source.count("shape=circle"), g.source.count('[label="w')  # neurons, weights
    (8, 15)
    """
    if not hasattr(net, "sizes") or not hasattr(net, "layers"):
        raise TypeError(f"draw_network expects an MLP, got {type(net).__name__}")
    if edge_labels not in _EDGE_LABELS:
        raise ValueError(
            f"edge_labels must be one of {', '.join(_EDGE_LABELS)}, got {edge_labels!r}"
        )
    number = number_format(fmt)
    if forward is not None:
        if not hasattr(forward, "z") or sorted(forward.z) != list(range(2, net.L + 1)):
            raise ValueError("forward must be net.forward(x) of this net (z⁽ˡ⁾ for l = 2…L)")
        if any(len(forward.z[l]) != net.sizes[l - 1] for l in forward.z):
            raise ValueError("forward does not match the net's layer sizes")
    if show_grads is None:
        show_grads = any(p.grad != 0 for p in net.parameters())
    if delta_flow is not None:
        return _delta_flow(net, delta_flow, forward, number, max_nodes, max_edges)
    sizes = net.sizes
    check_network_size(
        sum(sizes), sum(n * m for n, m in zip(sizes[1:], sizes)), max_nodes, max_edges, "the net"
    )

    g = graphviz.Digraph("network")
    g.attr(rankdir="LR", ranksep="1.6", nodesep="0.35", fontname="DejaVu Sans")
    g.attr("node", fontname="DejaVu Sans", fontsize="11")
    g.attr("edge", fontname="DejaVu Sans", fontsize="9", arrowsize="0.6")
    g.attr(newrank="true")
    for l in range(1, net.L + 1):
        # one column per layer: a rank of its own, the title on top, neurons 1…n_l below it
        # in order (invisible edges within the rank keep the seed's top-to-bottom order)
        with g.subgraph(name=f"layer{l}") as c:
            c.attr(rank="same")
            c.node(
                f"layer{l}",
                label=_layer_title(net, l),
                shape="plaintext",
                id=f"layer{l}",
                fontsize="12",
            )
            for i in range(1, net.sizes[l - 1] + 1):
                c.node(
                    f"l{l}n{i}",
                    label=_neuron_label(net, l, i, forward, show_grads, show_biases, number),
                    shape="circle",
                    id=f"l{l}n{i}",
                    style="filled",
                    fillcolor=_INPUT_FILL if l == 1 else "#fef3c7",
                )
            chain = [f"layer{l}"] + [f"l{l}n{i}" for i in range(1, net.sizes[l - 1] + 1)]
            for u, v in zip(chain, chain[1:]):
                c.edge(u, v, style="invis")
    for l in range(2, net.L + 1):
        for i in range(1, net.sizes[l - 1] + 1):
            for j in range(1, net.sizes[l - 2] + 1):
                w = net.w(l, i, j)
                g.edge(
                    f"l{l - 1}n{j}",
                    f"l{l}n{i}",
                    label=_weight_label(names.w(l, i, j), w, edge_labels, show_grads, number),
                )
    return g


def check_network_size(neurons, weights, max_nodes, max_edges, what) -> None:
    """:class:`GraphTooLarge` when a network picture would have too many neurons or weights."""
    for count, limit, name, unit in (
        (neurons, max_nodes, "max_nodes", "neurons"),
        (weights, max_edges, "max_edges", "weights"),
    ):
        if limit is not None and count > limit:
            raise GraphTooLarge(
                f"{what} has {count} {unit} to draw, more than {name} = {limit}: graphviz "
                "would take long and draw an unreadable thicket. Draw a smaller net (the picture "
                f"is the same at every size), or pass a larger {name} (None: no limit; "
                f"microbp graph: --{name.replace('_', '-')} N) to draw it anyway."
            )


def _layer_title(net, l: int) -> str:
    """Layer l's title and its activation f; a softmax layer also writes out its formula, as
    each of its aₖ reads every zⱼ of the layer (so its δ⁽ᴸ⁾ is BP-1's Jacobian form)."""
    if l == 1:
        return "layer 1 (input)"
    f = net.layers[l].activation
    title = f"layer {l}{' (output)' if l == net.L else ''}: {f.name}"
    if f is activations.SOFTMAX:
        title += f"\\n{f.formula}"
    return graphviz.nohtml(title)


def _neuron_label(net, l, i, forward, show_grads, show_biases, number) -> str:
    if l == 1:
        lines = [str(names.x(i))]
        if forward is not None:
            lines.append(number(forward.a[1][i - 1].data))
        return "\\n".join(lines)
    lines = [str(names.a(l, i))]
    if show_biases:
        lines.append(f"{names.b(l, i)} = {number(net.bias(l, i).data)}")
    if forward is not None:
        z = forward.z[l][i - 1]
        a = forward.a[l][i - 1]
        lines.append(f"{names.z(l, i)} = {number(z.data)}")
        lines.append(f"a = {number(a.data)}")
        if show_grads:
            lines.append(f"{names.delta(l, i)} = {number(z.grad)}")
    return "\\n".join(lines)


def _weight_label(name: Name, w: Value, edge_labels: str, show_grads: bool, number) -> str:
    parts = []
    if edge_labels in ("names", "both"):
        parts.append(_plain(_weight_name(name, w)))
    if edge_labels in ("values", "both"):
        parts.append(number(w.data) if edge_labels == "values" else f"= {number(w.data)}")
    text = " ".join(parts)
    if show_grads and edge_labels != "none":
        text += f"\\n∂E/∂w = {number(w.grad)}"
    return graphviz.nohtml(text)  # a label like "<b>…</b>" is text, not an HTML-like label


def _weight_name(name: Name, w: Value) -> str:
    """A weight as shown: its name in the Unicode form (w₁₂⁽³⁾), or the label a user gave it
    in its place, as written."""
    return str(name) if w.label == name.plain else w.label


def _delta_flow(net, delta_flow, forward, number, max_nodes, max_edges) -> graphviz.Digraph:
    """Figure 2: δ⁽ˡ⁺¹⁾ and w_{ji}⁽ˡ⁺¹⁾ flowing back into δᵢ⁽ˡ⁾ (BP-2)."""
    try:
        l, i = delta_flow
    except (TypeError, ValueError):
        raise ValueError(f"delta_flow must be a pair (l, i), got {delta_flow!r}") from None
    if isinstance(l, numbers.Integral) and not isinstance(l, bool):
        l = int(l)  # numpy integers too
    if isinstance(i, numbers.Integral) and not isinstance(i, bool):
        i = int(i)
    if not isinstance(l, int) or not 2 <= l <= net.L - 1:
        raise ValueError(
            f"delta_flow: BP-2 gives δᵢ⁽ˡ⁾ for hidden layers 2 ≤ l ≤ L−1 = {net.L - 1}, got "
            f"l = {l!r}" + (" (this net has no hidden layer)" if net.L < 3 else "")
        )
    if not isinstance(i, int) or not 1 <= i <= net.sizes[l - 1]:
        raise ValueError(f"delta_flow: neuron i = {i!r} is outside 1…n_{l} = {net.sizes[l - 1]}")
    n_next = net.sizes[l]
    d_i = str(names.delta(l, i))
    check_network_size(n_next + 1, n_next, max_nodes, max_edges, f"the δ flow into {d_i}")
    act = net.layers[l].activation
    z_i = str(names.z(l, i))

    g = graphviz.Digraph("delta_flow")
    g.attr(rankdir="LR", ranksep="2.2", nodesep="0.5", fontname="DejaVu Sans")
    g.attr("node", fontname="DejaVu Sans", fontsize="11")
    g.attr("edge", fontname="DejaVu Sans", fontsize="10", arrowsize="0.7")

    target = [d_i, f"f = {act.name}"]
    if forward is not None:
        z = forward.z[l][i - 1]
        target.insert(1, f"{z_i} = {number(z.data)}")
        target.append(f"{d_i} = {number(z.grad)}")
    g.node(
        "delta_i",
        label="\\n".join(target),
        shape="circle",
        id="delta_i",
        style="filled",
        fillcolor="#fef3c7",
    )
    terms, numbers_ = [], []
    for j in range(1, n_next + 1):
        d_j = str(names.delta(l + 1, j))
        w = net.w(l + 1, j, i)
        w_name = _weight_name(names.w(l + 1, j, i), w)
        label = [d_j]
        if forward is not None:
            label.append(f"= {number(forward.z[l + 1][j - 1].grad)}")
            d = forward.z[l + 1][j - 1].grad
            numbers_.append(f"{_paren(number(d))}·{_paren(number(w.data))}")
        g.node(
            f"delta_next{j}",
            label="\\n".join(label),
            shape="circle",
            id=f"delta_next{j}",
            style="filled",
            fillcolor="#fde68a",
        )
        edge = w_name if forward is None else f"{w_name} = {number(w.data)}"
        g.edge("delta_i", f"delta_next{j}", label=edge, dir="back", color="#b91c1c")
        terms.append(f"{d_j}·{w_name}")
    fprime = f"f′({z_i})"
    lines = [f"{d_i} = ({' + '.join(terms)}) · {fprime}   (BP-2)"]
    if forward is not None:
        z = forward.z[l][i - 1]
        a = forward.a[l][i - 1]
        # BP-2's numbers come from microbp.bp (the picture computes nothing), fed with the
        # graph's δ⁽ˡ⁺¹⁾ (the z-nodes' gradients) and the net's weights.
        total, df, delta_i = bp.hidden_delta(
            [forward.z[l + 1][j].grad for j in range(n_next)],
            [[w.data for w in row] for row in net.W(l + 1)],
            i - 1,
            act,
            z.data,
            a.data,
        )
        lines.append(f"= ({' + '.join(numbers_)}) · {number(df)}")
        lines.append(f"= {number(total)} · {number(df)} = {number(delta_i)}")
        lines.append(f"autodiff: {z_i}.grad = {number(z.grad)}")
    lines.append(f"f′ = {act.derivative_formula}")
    title = f"Figure 2: {names.delta(l + 1)} flows back into {d_i}"
    g.attr(label="\\l".join([title, *lines]) + "\\l", labeljust="l", fontsize="12")
    return g


def _paren(text: str) -> str:
    return f"({text})" if text.startswith("-") else text


# --------------------------------------------------------------------------------------------
# Writing files
# --------------------------------------------------------------------------------------------


def check_output_path(path: str | os.PathLike, formats: Iterable[str] = FORMATS) -> str:
    """The output format of ``path`` (from its suffix), after checking it can be written.

    Raises ``ValueError`` for a suffix not in ``formats``, a folder that is missing or not
    writable, or a path that is a folder, before any drawing or rendering is done.
    """
    path = os.fspath(path)
    formats = tuple(formats)
    suffix = os.path.splitext(path)[1].lower().lstrip(".")
    if suffix not in formats:
        raise ValueError(
            f"unknown output format {suffix or '(none)'!r} for {path!r}; expected a file "
            f"ending in one of: {', '.join('.' + f for f in formats)}"
        )
    check_writable(path)
    return suffix


def need_dot(what: str = "rendering") -> None:
    """Raise :class:`GraphvizNotFound` unless graphviz's ``dot`` is on PATH."""
    if shutil.which("dot") is None:
        raise GraphvizNotFound(what)


#: Seconds ``dot`` may take for one picture before :func:`render_bytes` gives up; the
#: environment variable ``MICROBP_DOT_TIMEOUT`` (seconds > 0) overrides it.
DOT_TIMEOUT = 60.0


def dot_timeout() -> float:
    """The time limit on one run of ``dot``: ``MICROBP_DOT_TIMEOUT`` if set, else 60 s."""
    text = os.environ.get("MICROBP_DOT_TIMEOUT")
    if text is None:
        return DOT_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"MICROBP_DOT_TIMEOUT must be a number of seconds > 0, got {text!r}")
    return seconds


def render_bytes(graph: graphviz.Digraph, fmt: str, timeout: float | None = None) -> bytes:
    """``dot -T{fmt}`` of the graph, as bytes: the one place that runs ``dot``.

    ``dot`` gets ``timeout`` seconds (default :func:`dot_timeout`, 60 s). Raises
    :class:`GraphvizNotFound` without ``dot``, :class:`GraphvizFailed` (quoting what ``dot``
    wrote to stderr) when it exits with a non-zero status or runs past its time limit.
    """
    what = f"rendering {fmt.upper()}"
    need_dot(what)
    seconds = dot_timeout() if timeout is None else timeout
    try:
        # The source in one piece on stdin; dot's stderr goes into the error, not ours.
        done = subprocess.run(
            [graph.engine, f"-T{fmt}"],
            input=graph.source.encode(graph.encoding),
            capture_output=True,
            timeout=seconds,
            check=False,
        )
    except FileNotFoundError:
        raise GraphvizNotFound(what) from None
    except subprocess.TimeoutExpired:
        raise GraphvizFailed(
            what,
            f"{graph.engine} did not finish within {seconds:g} s (the time limit; "
            "set MICROBP_DOT_TIMEOUT=SECONDS to change it)",
        ) from None
    if done.returncode != 0:
        stderr = done.stderr.decode("utf-8", errors="replace")
        raise GraphvizFailed(what, stderr, done.returncode)
    return done.stdout


def save(graph: graphviz.Digraph, path: str | os.PathLike) -> str:
    """Write ``graph`` to ``path``: ``.dot``/``.gv`` as DOT source, ``.svg .png .pdf`` rendered.

    The format and folder are checked first; a picture is rendered in memory and then written
    through a temporary file in the same folder and renamed, so a failure (no ``dot``: a
    :class:`GraphvizNotFound` naming the executable and how to install it) leaves no file
    half-written. Returns the path.
    """
    fmt = check_output_path(path)
    if fmt in ("dot", "gv"):
        write_atomic(path, graph.source)
    else:
        write_atomic(path, render_bytes(graph, fmt))
    return os.fspath(path)
