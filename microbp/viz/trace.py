"""The backward pass, node by node: :func:`trace_backward`.

``trace_backward(root)`` computes the backward pass as :meth:`Value.backward` does — the same
order (:func:`microbp.engine.reverse_topological_order`), the same arithmetic — and records
each step of the chain rule:

    input.grad += (∂node/∂input) · ∂root/∂node
                   local derivative  upstream gradient

For every node with inputs, a :class:`Step` holds the upstream gradient ∂root/∂node, and for
each input the local derivative (its value and its rule as text, from
:func:`microbp.engine.derivative_rules`, e.g. ``∂(tanh u)/∂u = 1 − tanh²u = 0.42``) and the
contribution upstream × local that was added to the input's grad.

A trace is a record, and it computes on records of its own: it shows the gradients of *this
one pass* (every node starts at 0, the root at 1), bit for bit those ``root.backward()`` gives
on a graph whose leaves start at 0, and it never changes any node's ``.grad``. So a trace
taken after ``E.backward()`` (the lab's state, a notebook cell that ran before) shows the
same numbers as ``z.grad`` and BP-1…BP-4, not a second pass accumulated on the first.

In an :class:`~microbp.MLP` (pass ``forward=net.forward(x)``) the gradient a z-node receives
is δᵢ⁽ˡ⁾ ≡ ∂E/∂zᵢ⁽ˡ⁾; the trace names it so.

A trace prints as a table (``print(trace)``), gives one Digraph per step (:meth:`Trace.frames`)
and writes a standalone HTML stepper (:meth:`Trace.to_html`).
"""

from __future__ import annotations

import html
import json
import os
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

from microbp import text
from microbp.engine import Value, derivative_rules, reverse_topological_order
from microbp.files import write_atomic
from microbp.names import Name
from microbp.text import ascii_text
from microbp.viz import draw

if TYPE_CHECKING:
    import graphviz  # imported when a picture is made (microbp.viz.dot.load_graphviz)

__all__ = ["trace_backward", "Trace", "Step", "InputStep", "Line", "explain", "intro"]


@dataclass(frozen=True)
class InputStep:
    """What one step passed to one input: ``grad_after = grad_before + local · upstream``."""

    node: Value
    index: int
    name: str
    local: object
    rule: str
    contribution: object
    grad_before: object
    grad_after: object


@dataclass(frozen=True)
class Step:
    """One node's turn in the backward pass.

    ``number`` counts from 1; ``index`` is the node's number in the graph (its DOT id is
    ``v{index}``); ``upstream`` is ∂root/∂node, complete when the node's turn comes;
    ``delta`` is the tutorial's δᵢ⁽ˡ⁾ (a :class:`microbp.names.Name`; ``str()`` shows
    ``δ₁⁽²⁾``) when the node is the z-node zᵢ⁽ˡ⁾, else None.
    """

    number: int
    node: Value
    index: int
    name: str
    op: str
    upstream: object
    inputs: tuple[InputStep, ...]
    delta: Name | None


class Trace:
    """The record of one backward pass (see :func:`trace_backward`)."""

    def __init__(
        self, model: draw.GraphModel, steps: list[Step], initial: list, final: list
    ) -> None:
        self.model = model
        self.root = model.root
        self.steps = steps
        #: Each node's gradient when the pass began, in node order: 1 for the root, else 0.
        self.initial = initial
        #: Each node's gradient ∂root/∂node when the pass ended, in node order.
        self.final = final

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self):
        return iter(self.steps)

    def grad(self, node: Value):
        """The gradient ``node`` had at the end of the traced pass."""
        try:
            return self.final[self.model.index[id(node)]]
        except KeyError:
            raise ValueError(f"{node!r} is not a node of this trace's graph") from None

    @property
    def root_name(self) -> str:
        return self.model.labels[-1] or "root"

    # ----------------------------------------------------------------------------------------
    # Text

    def table(self, fmt: str | Callable | None = None) -> str:
        """The steps as a text table, numbers in their shortest round-trip form unless ``fmt``
        says otherwise (a format spec such as ``'.6g'`` or a callable)."""
        number = draw.number_format(fmt)
        R = self.root_name
        turns = self._turns_of_shared_labels()
        rows = [
            (
                "step",
                "node",
                f"upstream ∂{R}/∂node",
                "input",
                "local derivative",
                "contribution",
                "input grad",
            )
        ]
        for s in self.steps:
            node = s.name + (f" = {s.delta}" if s.delta else "")
            for k, inp in enumerate(s.inputs):
                first = k == 0
                rows.append(
                    (
                        str(s.number) if first else "",
                        f"{node} [{draw.op_text(s.node)}]" if first else "",
                        number(s.upstream) if first else "",
                        _with_turn(inp, turns),
                        _rule_value(inp.rule, number(inp.local)),
                        number(inp.contribution),
                        number(inp.grad_after),
                    )
                )
        head = (
            f"backward pass from {R}: {len(self.steps)} steps, "
            f"input.grad += local derivative × upstream"
        )
        return head + "\n" + text.table(rows[1:], rows[0])

    def _turns_of_shared_labels(self) -> dict[int, int]:
        """Node index → the number of its step, for the nodes whose label other nodes share
        (the partial sums Σ, the squares (·)²): the table points an input to its turn."""
        by_name: dict[str, set[int]] = {}
        for s in self.steps:
            by_name.setdefault(s.name, set()).add(s.index)
            for i in s.inputs:
                by_name.setdefault(i.name, set()).add(i.index)
        shared = {index for indices in by_name.values() if len(indices) > 1 for index in indices}
        return {s.index: s.number for s in self.steps if s.index in shared}

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        return f"<Trace of {len(self.steps)} steps from {self.root_name}>"

    # ----------------------------------------------------------------------------------------
    # Pictures

    def _check_size(self, max_nodes: int | None) -> None:
        n = len(self.model.nodes)
        if max_nodes is not None and n > max_nodes:
            raise draw.GraphTooLarge(
                f"the graph has {n} Values, more than max_nodes = {max_nodes}: too large to "
                "draw usefully. print(trace) works at any size; pass max_nodes=None to draw "
                "it anyway."
            )

    def frames(
        self,
        *,
        rankdir: str | None = None,
        fmt: str | Callable | None = None,
        max_nodes: int | None = draw.MAX_NODES,
    ) -> list[graphviz.Digraph]:
        """One Digraph per step: the step's node highlighted, the grads as they are after it.

        Refuses (:class:`microbp.viz.draw.GraphTooLarge`) graphs of more than ``max_nodes`` Values.
        """
        self._check_size(max_nodes)
        frames = []
        grads = list(self.initial)
        for s in self.steps:
            for inp in s.inputs:
                grads[inp.index] = inp.grad_after
            frames.append(
                draw.render_model(
                    self.model,
                    rankdir=rankdir,
                    fmt=fmt,
                    show_grads=True,
                    highlight=[s.index],
                    grads=list(grads),
                    name=f"step_{s.number}",
                )
            )
        return frames

    def to_html(self, path: str | os.PathLike, **options) -> str:
        """Write the stepper of :meth:`page` (``options`` are its keywords) as a standalone
        HTML file; returns the path. The path is checked first (an ``.html`` file whose folder
        exists) and the file is written atomically.
        """
        path = os.fspath(path)
        if not path.lower().endswith((".html", ".htm")):
            raise ValueError(f"to_html writes an .html file, got {path!r}")
        draw.check_output_path(path, formats=HTML_FORMATS)
        write_atomic(path, self.page(**options))
        return path

    def page(
        self,
        *,
        rankdir: str | None = None,
        fmt: str | Callable | None = None,
        title: str = "microbp: the backward pass, node by node",
        max_nodes: int | None = draw.MAX_NODES,
        ascii: bool = False,
    ) -> str:
        """A self-contained HTML page that steps through the backward pass (:meth:`to_html`
        writes it to a file).

        The page holds the graph as SVG (rendered here with graphviz's ``dot``), Prev/Next
        buttons and the arrow keys to step, and a side panel with the chain-rule product of
        the current step and every named node's gradient so far, in full precision. It loads
        nothing from the network. Needs ``dot`` (:class:`microbp.viz.draw.GraphvizNotFound`
        otherwise). Graphs of more than ``max_nodes`` Values are refused
        (:class:`microbp.viz.draw.GraphTooLarge`). ``ascii=True`` writes every name and symbol
        the page shows in plain ASCII, as ``--ascii`` does in a terminal (``w_11^(2)``,
        ``delta_1^(2) == dE/dz_1^(2)``).
        """
        self._check_size(max_nodes)
        words = ascii_text if ascii else _as_is  # what the page shows, as --ascii asks
        number = draw.number_format(fmt)
        # Lay the graph out with each grad field as wide as the widest text it will show, so
        # the numbers the page fills in as it steps fit their boxes.
        widest = [number(g) for g in self.initial]
        for s in self.steps:
            for inp in s.inputs:
                text = number(inp.grad_after)
                if len(text) > len(widest[inp.index]):
                    widest[inp.index] = text
        graph = draw.render_model(
            self.model, rankdir=rankdir, fmt=fmt, show_grads=True, grads=widest
        )
        if ascii:  # the picture's names and symbols too, laid out as they are written
            graph = draw.load_graphviz().Source(ascii_text(graph.source))
        svg = draw.render_bytes(graph, "svg").decode("utf-8")
        return _html_page(self, svg, number, title, words)

    def _repr_html_(self) -> str:
        """The stepper inline in Jupyter, no server: the page in an iframe's ``srcdoc``."""
        page = self.page(title="the backward pass, node by node")
        return (
            '<iframe style="width:100%;height:560px;border:1px solid #ccc" '
            f'srcdoc="{html.escape(page, quote=True)}"></iframe>'
        )


#: The suffixes :meth:`Trace.to_html` writes.
HTML_FORMATS = ("html", "htm")


def trace_backward(
    root: Value,
    *,
    forward=None,
    names: Mapping[int, Name | str] | None = None,
) -> Trace:
    """Compute ``root``'s backward pass step by step, on records of its own (module docstring).

    The pass is ``root.backward()`` written out: the root is seeded with 1, every other node
    starts at 0, and the nodes are visited in :func:`~microbp.engine.reverse_topological_order`
    (the engine's one order), each adding local · upstream to each input's gradient. The
    gradients live in the trace (:meth:`Trace.grad`); no node's ``.grad`` is read or changed,
    so what ran before (another ``backward()``) does not show up in the trace. ``forward`` (or
    ``names``) gives the tutorial's names (z₁⁽²⁾, δ₁⁽²⁾).

    >>> from microbp import Value
    >>> x = Value(0.5, label="x")
    >>> y = (x * 2).tanh()
    >>> y.backward()
    >>> trace = trace_backward(y)  # after a backward: the same numbers, x.grad untouched
    >>> [s.op for s in trace], trace.grad(x) == x.grad
    (['tanh', '*'], True)
    >>> trace.steps[0].inputs[0].rule
    '∂(tanh u)/∂u = 1 − tanh²u'
    """
    model = draw.graph_model(root, forward, names)
    index = model.index
    grad = [0] * len(model.nodes)  # this pass's ∂root/∂node, in node order
    grad[index[id(root)]] = 1  # ∂root/∂root
    initial = list(grad)
    steps = []
    # The engine's own order; the chain rule applied to the trace's records.
    for v in reverse_topological_order(root):
        if not v.op:
            continue  # a leaf has no inputs to pass its gradient on to
        k = index[id(v)]
        g = grad[k]
        records = []
        for u, local, rule in zip(v.inputs, v.local_grads, derivative_rules(v)):
            j = index[id(u)]
            before = grad[j]
            contribution = local * g
            grad[j] = before + contribution  # as backward(): u.grad += ∂v/∂u · ∂root/∂v
            records.append(
                InputStep(u, j, model.shown(j), local, rule, contribution, before, grad[j])
            )
        delta = model.names[k].as_kind("delta") if model.z_nodes[k] else None
        steps.append(Step(len(steps) + 1, v, k, model.shown(k), v.op, g, tuple(records), delta))
    return Trace(model, steps, initial, grad)


# --------------------------------------------------------------------------------------------
# The HTML stepper
# --------------------------------------------------------------------------------------------


def _with_turn(inp: InputStep, turns: dict[int, int]) -> str:
    """An input's label in the table, ``Σ (→ step 8)`` when ``turns`` has its node."""
    turn = turns.get(inp.index)
    return inp.name if turn is None else f"{inp.name} (→ step {turn})"


def _rule_value(rule: str, value: str) -> str:
    """``'∂(tanh u)/∂u = 1 − tanh²u = 0.42'``; a rule whose right side is the number already
    (``∂(u + v)/∂u = 1``) is not repeated."""
    rhs = rule.rsplit(" = ", 1)[-1].replace("−", "-")
    return rule if rhs == value else f"{rule} = {value}"


def _grad_prefix(model: draw.GraphModel, k: int) -> str:
    if model.z_nodes[k]:
        return f"{model.names[k].as_kind('delta')} = "
    return "grad "


_KIND = {"x": 0, "z": 1, "a": 2, "w": 3, "b": 4}


def _row_order(model: draw.GraphModel, k: int) -> tuple:
    """Gradient table rows: layer by layer (x; then z, a, w, b of each layer, each by i and j),
    others last."""
    name = model.names[k]
    layer = model.layer[k]
    if layer is None and name is not None:
        layer = name.layer
    kind, i, j = (name.kind, name.i or 0, name.j or 0) if name is not None else ("", 0, 0)
    return (layer if layer is not None else 10**9, _KIND.get(kind, 5), i, j, model.labels[k], k)


@dataclass(frozen=True)
class Line:
    """One line of the text that explains a step: its ``kind`` (``title``, ``delta``,
    ``upstream``, ``local``, ``chain``, ``grad``), its ``text``, and ``result``, the end of
    the text that a page may emphasise (the number the line arrives at, or the op)."""

    kind: str
    text: str
    result: str = ""


def intro(root: str) -> str:
    """What the stepper says before the first step of the backward pass of ``root``."""
    return (
        f"The pass starts at {root}: ∂{root}/∂{root} = 1. Every other gradient starts at 0. "
        "Each step takes one node, whose gradient is now complete, and adds local "
        "derivative × upstream gradient to each of its inputs (the chain rule)."
    )


def explain(trace: Trace, s: Step, number=str) -> list[Line]:
    """The text that explains step ``s`` of ``trace``, line by line, its numbers written by
    ``number``: made here once, shown by the stepper page (:meth:`Trace.page`) and the lab."""
    R = trace.root_name
    name = s.name
    up = number(s.upstream)
    op = f"[{draw.op_text(s.node)}]"
    lines = [Line("title", f"Step {s.number} of {len(trace.steps)}: {name} {op}", op)]
    if s.delta:
        d = str(s.delta)
        lines.append(
            Line("delta", f"{name} is a z-node: its gradient is {d} ≡ ∂{R}/∂{name} = {up}", up)
        )
    lines.append(Line("upstream", f"upstream gradient ∂{R}/∂{name} = {up}", up))
    for inp in s.inputs:
        u = inp.name
        local, add = number(inp.local), number(inp.contribution)
        after = number(inp.grad_after)
        lines += [
            Line("local", f"to input {u}: local derivative {_rule_value(inp.rule, local)}"),
            Line(
                "chain", f"∂{R}/∂{u} += ∂{name}/∂{u} · ∂{R}/∂{name} = {local} × {up} = {add}", add
            ),
            Line("grad", f"{u}.grad: {number(inp.grad_before)} → {after}", after),
        ]
    return lines


def _as_is(text: str) -> str:
    return text


#: The stepper page's own words around the trace's (its buttons and keys).
_CHROME = {"prev": "◀ Prev", "next": "Next ▶", "keys": "Keys: → / ← step, Home / End jump."}


def _panel(trace: Trace, s: Step, number, text=_as_is) -> str:
    def e(words: str) -> str:
        return html.escape(text(words))

    out, open_input = [], False
    for line in explain(trace, s, number):
        head = e(line.text[: len(line.text) - len(line.result)])
        if line.kind == "title":
            out.append(f"<h2>{head}<span class=op>{e(line.result)}</span></h2>")
            continue
        if line.kind == "local":
            out.append(("</div>" if open_input else "") + "<div class=input>")
            open_input = True
        cls = f" class={line.kind}" if line.kind in ("delta", "chain") else ""
        tail = f"<b>{e(line.result)}</b>" if line.result else ""
        out.append(f"<p{cls}>{head}{tail}</p>")
    return "".join(out) + ("</div>" if open_input else "")


def _grad_rows(trace: Trace, e, exact) -> list[str]:
    """The page's table of gradients: a row per named node or leaf, its gradient at first."""
    model = trace.model
    rows = []
    for k in sorted(range(len(model.nodes)), key=lambda k: _row_order(model, k)):
        if not model.labels[k] and model.nodes[k].op:
            continue
        label = model.shown(k)
        if model.z_nodes[k]:
            label += f" ({model.names[k].as_kind('delta')})"
        rows.append(
            f"<tr><td>{e(label)}</td><td class=grad data-node=v{k}>"
            f"{html.escape(exact(trace.initial[k]))}</td></tr>"
        )
    return rows


def _html_page(trace: Trace, svg: str, write_number, title: str, text=_as_is) -> str:
    """The stepper page; ``text`` writes every word it shows (:func:`ascii_text` for
    ``--ascii``), numbers too once ``write_number`` has written them."""
    model = trace.model

    def e(words: str) -> str:
        return html.escape(text(words))

    def exact(x) -> str:
        return text(draw.exact_text(x))

    def number(x) -> str:
        return text(write_number(x))

    nodes = [
        {
            "id": f"v{k}",
            "prefix": text(_grad_prefix(model, k)),
            "initial": [number(trace.initial[k]), exact(trace.initial[k])],
        }
        for k in range(len(model.nodes))
    ]
    first = e(intro(trace.root_name) + " Press → or Next.")
    first = f"<h2>Before the first step</h2><p>{first}</p>"
    steps = [{"node": None, "inputs": [], "changes": [], "panel": first}]
    for s in trace.steps:
        steps.append(
            {
                "node": f"v{s.index}",
                "inputs": [f"v{inp.index}" for inp in s.inputs],
                "changes": [
                    [f"v{inp.index}", number(inp.grad_after), exact(inp.grad_after)]
                    for inp in s.inputs
                ],
                "panel": _panel(trace, s, write_number, text),
            }
        )
    data = json.dumps({"nodes": nodes, "steps": steps}, ensure_ascii=False)
    # "<" never reaches the HTML parser inside the data block: "</script>" would end it and
    # "<!--<script>" would make the browser swallow the stepper's own code (\u003c is the
    # same character to JSON.parse).
    data = data.replace("<", "\\u003c")
    svg_body = svg[svg.index("<svg") :]
    return _stepper_template().substitute(
        title=e(title),
        svg=svg_body,
        data=data,
        rows="\n".join(_grad_rows(trace, e, exact)),
        gradient=e(f"∂{trace.root_name}/∂node"),
        n=len(trace.steps),
        **{word: e(shown) for word, shown in _CHROME.items()},
        css=_asset("stepper.css"),
        js=_asset("stepper.js"),
    )


def _asset(name: str) -> str:
    """A file of the stepper (``microbp/viz/stepper/``): real HTML, CSS and JavaScript that
    editors and linters read; the page inlines them so it stays one self-contained file."""
    return resources.files("microbp.viz").joinpath("stepper", name).read_text(encoding="utf-8")


def _stepper_template() -> string.Template:
    return string.Template(_asset("stepper.html"))
