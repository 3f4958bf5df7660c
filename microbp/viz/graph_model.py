"""The graph below a root, read once for drawing and tracing: its nodes in a deterministic
order, their names in the tutorial's notation, their layers.

Node ids come from each node's position in :func:`microbp.engine.reverse_topological_order`
(never from ``id()``), so the same graph gives the same ids in every run and every process.
Reading a graph never changes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from microbp import names
from microbp.engine import Value, reverse_topological_order
from microbp.names import Name
from microbp.viz.formatting import shortest

__all__ = [
    "GraphModel",
    "graph_model",
    "GraphTooLarge",
    "MAX_NODES",
    "pretty_name",
    "op_text",
    "expression",
]

#: Default largest graph :func:`~microbp.viz.draw.draw_graph` lays out (Values; graphviz's
#: ``dot`` becomes slow and the picture unreadable well before a few thousand nodes).
MAX_NODES = 500


class GraphTooLarge(ValueError):
    """The graph has more nodes than graphviz can usefully draw (see ``max_nodes``)."""


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

    def shown(self, k: int) -> str:
        """What node k is called wherever it is shown (the picture's box, the trace's table
        and its stepper's text): its name, else what it computes written with its inputs'
        names (``w₁₁⁽²⁾·x₁``, ``Σ`` for a partial sum, ``y₁ − a₁⁽³⁾``, ``(·)²``; see
        :func:`expression`), so a row of a table is found in the picture by its name."""
        return self.labels[k] or expression(self, k)


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


#: Longest expression :func:`expression` writes; a longer one is the op alone.
_EXPRESSION_WIDTH = 24
_FUNCTIONS = {"sigmoid": "σ", "neg": "−"}


def expression(model: GraphModel, k: int) -> str:
    """What the unnamed node k computes, in its inputs' names: ``w₁₁⁽²⁾·x₁`` (a product of
    two named nodes), ``Σ`` (a sum with a partial sum in it: the running Σⱼ wᵢⱼ aⱼ of a
    neuron), ``y₁ − a₁⁽³⁾`` (a target minus an output of the net that made the pass),
    ``(·)²``, ``tanh(·)``; an unnamed input is ``·``, a long constant ``c``. A leaf without
    a name is ``#k``."""
    v = model.nodes[k]
    if not v.op:
        return f"#{k}"
    args = [model.labels[model.index[id(u)]] or "·" for u in v.inputs]
    c = v.constant
    op = v.op
    if op == "+" and len(args) == 2 and "·" in args:
        text = "Σ"
    elif op in ("*", "+", "-", "/") and len(args) == 2:
        text = f"{args[0]}{_INFIX[op]}{args[1]}"
    elif op in ("*", "+", "-", "/") and c is not None:
        text = f"{args[0]}{_INFIX[op]}{_constant(c)}"
    elif op == "rsub":
        text = f"{_target(model, v) or _constant(c)} − {args[0]}"
    elif op == "rdiv":
        text = f"{_constant(c)}/{args[0]}"
    elif op == "**" and c == 2:
        text = f"({args[0]})²"
    elif op == "**":
        text = f"({args[0]})^{_constant(c)}"
    elif op == "rpow":
        text = f"{_constant(c)}^{args[0]}"
    elif op == "neg":
        text = f"−{args[0]}"
    else:
        text = f"{_FUNCTIONS.get(op, op)}({', '.join(args)})"
    return text if len(text) <= _EXPRESSION_WIDTH else op_text(v)


_INFIX = {"*": "·", "+": " + ", "-": " − ", "/": "/"}


def _constant(c) -> str:
    """A constant as an expression writes it: itself while short (``2``, ``0.5``, ``1/2``),
    else ``c`` (its ``const`` node beside the op shows the number)."""
    text = shortest(c)
    return text if len(text) <= 5 else "c"


def _target(model: GraphModel, v: Value) -> str:
    """``y₁`` when ``v`` is c − aₖ⁽ᴸ⁾ for an output aₖ⁽ᴸ⁾ of the net that made the pass
    (the squared error's yₖ − aₖ⁽ᴸ⁾); '' otherwise."""
    (u,) = v.inputs
    name = model.names[model.index[id(u)]]
    last = max((n.l for n in model.names if n is not None and n.kind == "a"), default=None)
    if name is not None and name.kind == "a" and name.l == last and name.l is not None:
        return str(names.y(name.i))
    return ""


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
