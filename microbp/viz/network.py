"""The network as the tutorial draws it: :func:`draw_network`, its Figure 1 (neurons as
circles, one column per layer, edges wᵢⱼ⁽ˡ⁾), or with ``delta_flow=(l, i)`` its Figure 2: δ⁽ˡ⁺¹⁾
flowing back through w_{ji}⁽ˡ⁺¹⁾ into δᵢ⁽ˡ⁾, with BP-2 written out,
δᵢ⁽ˡ⁾ = (Σⱼ δⱼ⁽ˡ⁺¹⁾ w_{ji}⁽ˡ⁺¹⁾) f′(zᵢ⁽ˡ⁾), its numbers from :mod:`microbp.bp`.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import TYPE_CHECKING

from microbp import activations, bp, names
from microbp.engine import Value
from microbp.names import Name
from microbp.viz.dot import INPUT_FILL, load_graphviz, plain_label
from microbp.viz.formatting import number_format
from microbp.viz.graph_model import MAX_NODES, GraphTooLarge

if TYPE_CHECKING:
    import graphviz

__all__ = ["draw_network", "check_network_size", "MAX_EDGES"]

#: Default most weights (edges) :func:`draw_network` lays out: 500 edges render in about half
#: a second and are already a thicket; a 100-100-1 net (10 100 edges) took ``dot`` 75 s.
MAX_EDGES = 500

_EDGE_LABELS = ("names", "values", "both", "none")


def draw_network(
    net,
    *,
    forward=None,
    edge_labels: str = "names",
    show_biases: bool = True,
    show_grads: bool | None = None,
    delta_flow: tuple[int, int] | None = None,
    fmt: str | Callable | None = None,
    max_nodes: int | None = MAX_NODES,
    max_edges: int | None = MAX_EDGES,
) -> graphviz.Digraph:
    """The network as the tutorial draws it (Figure 1), or one neuron's δ flow (Figure 2).

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
    _check_arguments(net, forward, edge_labels)
    number = number_format(fmt)
    if show_grads is None:
        show_grads = any(p.grad != 0 for p in net.parameters())
    if delta_flow is not None:
        return _delta_flow(net, delta_flow, forward, number, max_nodes, max_edges)
    weights = sum(n * m for n, m in zip(net.sizes[1:], net.sizes))
    check_network_size(sum(net.sizes), weights, max_nodes, max_edges, "the net")

    g = load_graphviz().Digraph("network")
    g.attr(rankdir="LR", ranksep="1.6", nodesep="0.35", fontname="DejaVu Sans")
    g.attr("node", fontname="DejaVu Sans", fontsize="11")
    g.attr("edge", fontname="DejaVu Sans", fontsize="9", arrowsize="0.6")
    g.attr(newrank="true")
    for l in range(1, net.L + 1):
        _layer_column(g, net, l, _neuron_labels(net, l, forward, show_grads, show_biases, number))
    for l in range(2, net.L + 1):
        for i in range(1, net.sizes[l - 1] + 1):
            for j in range(1, net.sizes[l - 2] + 1):
                w, name = net.w(l, i, j), names.w(l, i, j)
                label = _weight_label(name, w, edge_labels, show_grads, number)
                g.edge(f"l{l - 1}n{j}", f"l{l}n{i}", label=label)
    return g


def _check_arguments(net, forward, edge_labels: str) -> None:
    """A TypeError or ValueError naming what :func:`draw_network` cannot draw."""
    if not hasattr(net, "sizes") or not hasattr(net, "layers"):
        raise TypeError(f"draw_network expects an MLP, got {type(net).__name__}")
    if edge_labels not in _EDGE_LABELS:
        raise ValueError(
            f"edge_labels must be one of {', '.join(_EDGE_LABELS)}, got {edge_labels!r}"
        )
    if forward is not None:
        if not hasattr(forward, "z") or sorted(forward.z) != list(range(2, net.L + 1)):
            raise ValueError("forward must be net.forward(x) of this net (z⁽ˡ⁾ for l = 2…L)")
        if any(len(forward.z[l]) != net.sizes[l - 1] for l in forward.z):
            raise ValueError("forward does not match the net's layer sizes")


def _neuron_labels(net, l: int, forward, show_grads, show_biases, number) -> list[str]:
    """The label of each neuron i = 1…n_l of layer l."""
    return [
        _neuron_label(net, l, i, forward, show_grads, show_biases, number)
        for i in range(1, net.sizes[l - 1] + 1)
    ]


def _layer_column(g, net, l: int, labels: list[str]) -> None:
    """Layer l as one column: a rank of its own, the title on top, neurons 1…n_l below it in
    order (invisible edges within the rank keep the tutorial's top-to-bottom order)."""
    with g.subgraph(name=f"layer{l}") as c:
        c.attr(rank="same")
        c.node(
            f"layer{l}",
            label=_layer_title(net, l),
            shape="plaintext",
            id=f"layer{l}",
            fontsize="12",
        )
        for i, label in enumerate(labels, start=1):
            c.node(
                f"l{l}n{i}",
                label=label,
                shape="circle",
                id=f"l{l}n{i}",
                style="filled",
                fillcolor=INPUT_FILL if l == 1 else "#fef3c7",
            )
        chain = [f"layer{l}"] + [f"l{l}n{i}" for i in range(1, len(labels) + 1)]
        for u, v in zip(chain, chain[1:]):
            c.edge(u, v, style="invis")


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
    return load_graphviz().nohtml(title)


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
        parts.append(plain_label(_weight_name(name, w)))
    if edge_labels in ("values", "both"):
        parts.append(number(w.data) if edge_labels == "values" else f"= {number(w.data)}")
    text = " ".join(parts)
    if show_grads and edge_labels != "none":
        text += f"\\n∂E/∂w = {number(w.grad)}"
    return load_graphviz().nohtml(text)  # a label like "<b>…</b>" is text, not an HTML-like label


def _weight_name(name: Name, w: Value) -> str:
    """A weight as shown: its name in the Unicode form (w₁₂⁽³⁾), or the label a user gave it
    in its place, as written."""
    return str(name) if w.label == name.plain else w.label


def _hidden_neuron(net, delta_flow) -> tuple[int, int]:
    """``delta_flow`` as (l, i) of a hidden neuron, or a ValueError saying what is wrong."""
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
    return l, i


def _bp2_numbers(net, l: int, i: int, forward, products: list[str], number) -> list[str]:
    """BP-2 with its numbers, next to autodiff's δᵢ⁽ˡ⁾. The numbers come from microbp.bp (the
    picture computes nothing), fed with the graph's δ⁽ˡ⁺¹⁾ (the z-nodes' gradients) and the
    net's weights."""
    z, a = forward.z[l][i - 1], forward.a[l][i - 1]
    total, df, delta_i = bp.hidden_delta(
        [zj.grad for zj in forward.z[l + 1]],
        [[w.data for w in row] for row in net.W(l + 1)],
        i - 1,
        net.layers[l].activation,
        z.data,
        a.data,
    )
    return [
        f"= ({' + '.join(products)}) · {number(df)}",
        f"= {number(total)} · {number(df)} = {number(delta_i)}",
        f"autodiff: {names.z(l, i)}.grad = {number(z.grad)}",
    ]


def _delta_flow(net, delta_flow, forward, number, max_nodes, max_edges) -> graphviz.Digraph:
    """Figure 2: δ⁽ˡ⁺¹⁾ and w_{ji}⁽ˡ⁺¹⁾ flowing back into δᵢ⁽ˡ⁾ (BP-2)."""
    l, i = _hidden_neuron(net, delta_flow)
    n_next = net.sizes[l]
    d_i = str(names.delta(l, i))
    check_network_size(n_next + 1, n_next, max_nodes, max_edges, f"the δ flow into {d_i}")
    act = net.layers[l].activation
    z_i = str(names.z(l, i))

    g = load_graphviz().Digraph("delta_flow")
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
        lines += _bp2_numbers(net, l, i, forward, numbers_, number)
    lines.append(f"f′ = {act.derivative_formula}")
    title = f"Figure 2: {names.delta(l + 1)} flows back into {d_i}"
    g.attr(label="\\l".join([title, *lines]) + "\\l", labeljust="l", fontsize="12")
    return g


def _paren(text: str) -> str:
    return f"({text})" if text.startswith("-") else text
