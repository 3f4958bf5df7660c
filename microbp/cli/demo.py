"""``microbp demo``: the tutorial's 3-3-2 example, all of it.

The table (every δ and gradient by autodiff next to BP-1…BP-4), then the pictures in the
output folder (graph, Figure 1, Figure 2, the HTML stepper), then training by the tutorial's
procedure (batch GD until the stopping rule fires) with its loss curve. ``--loss`` runs it
all with another cost: binary cross-entropy on the same net, or cross-entropy with a softmax
output layer in place of the tutorial's σ (y = (1, 0) is already a one-hot row); BP-1 then has
its general form, δ⁽ᴸ⁾ = a⁽ᴸ⁾ − y for both.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import textwrap

from microbp import bp, data, losses, names
from microbp.cli.args import add_display_options, add_loss_argument, number_of
from microbp.cli.errors import naming
from microbp.data import tutorial_example
from microbp.experiments.report import PLOT_MISSING, plot_history
from microbp.nn import MLP
from microbp.optim import GD
from microbp.text import table
from microbp.train import fit
from microbp.viz import draw
from microbp.viz.trace import trace_backward

# No __all__: command-line plumbing; the README and docs/index.md show the command.


def add_command(sub) -> None:
    """Add ``demo`` to the ``microbp`` subcommands."""
    d = sub.add_parser(
        "demo",
        help="the tutorial's 3-3-2 example: autodiff next to BP-1…BP-4",
        description="The tutorial's 3-3-2 example with its own numbers: the forward pass, E, "
        "and every δ and gradient by autodiff next to BP-1…BP-4; then the pictures (the "
        "graph, the network, the δ flow, the HTML stepper) in --out-dir, and training by the "
        "tutorial's batch gradient descent with its loss curve.",
    )
    d.add_argument(
        "--out-dir",
        type=out_dir_type,
        default="microbp-demo",
        help="folder for the pictures (default ./microbp-demo)",
    )
    add_loss_argument(
        d,
        "E: squared_error (default, the tutorial's), binary_cross_entropy (the same net), "
        "cross_entropy (the tutorial's weights with a softmax output layer)",
    )
    add_display_options(d)
    d.set_defaults(
        func=lambda args: demo(
            out=sys.stdout, out_dir=args.out_dir, loss=args.loss, number=number_of(args)
        )
    )


def seed_net(loss: losses.Loss) -> MLP:
    """The tutorial's 3-3-2 net, with a softmax output layer when ``loss`` is made for one
    (cross-entropy: ``losses.check_output`` refuses the tutorial's σ there)."""
    ex = tutorial_example()
    if loss.output == "softmax":
        return MLP.from_weights(ex.W, ex.b, activation=[ex.activation, "softmax"])
    return ex.net()


def _activations(net: MLP) -> str:
    """f as the header says it: 'f = σ' for the tutorial's net, else each layer's f."""
    if net.activations == ["sigmoid"] * (net.L - 1):
        return "f = σ"
    return ", ".join(
        f"f{names.superscript(l)} = {f}" for l, f in enumerate(net.activations, start=2)
    )


# long: the demo's tables in the order a learner reads them, one print each
def demo(out=None, out_dir=None, loss="squared_error", number=None) -> int:
    """The tutorial's 3-3-2 example, both methods for every gradient, side by side; then (with
    ``out_dir``) its pictures: graph, network diagram, HTML stepper; then training; all with
    the cost ``loss`` (a name of :data:`microbp.losses.LOSSES`; see :func:`seed_net`).
    ``number`` writes the numbers (default: their shortest round-trip form)."""
    out = out or sys.stdout
    _num = number or draw.number_format()
    loss = losses.get(loss)
    if out_dir is not None:
        try:
            check_out_dir(out_dir)  # before any work, not after the table
        except ValueError as exc:
            print(f"microbp demo: error: {exc}", file=sys.stderr)
            return 2
    ex = tutorial_example()
    net = seed_net(loss)
    L = net.L
    p = lambda *a: print(*a, file=out)  # noqa: E731

    p(
        f"microbp demo: the tutorial's three-layer perceptron (Figure 1), sizes {net.sizes}, "
        + _activations(net)
    )
    p(f"x = a⁽¹⁾ = {list(ex.x)},  y = {list(ex.y)}")
    for l in range(2, L + 1):
        p(f"{names.W(l)} = {[list(r) for r in ex.W[l]]},  {names.b(l)} = {list(ex.b[l])}")
    p()

    fw = net.forward(ex.x)
    E = loss.sample(ex.y, fw.z[L], fw.output)
    E.backward()
    formulas = bp.index_form(net, ex.x, ex.y, loss=loss)

    p("Forward pass: z⁽ˡ⁾ = W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾,  a⁽ˡ⁾ = f(z⁽ˡ⁾)")
    zs = [
        (f"{names.z(l, i)} = {_num(z.data)}", f"{names.a(l, i)} = {_num(a.data)}")
        for l in range(2, L + 1)
        for i, (z, a) in enumerate(zip(fw.z[l], fw.a[l]), start=1)
    ]
    width = max(len(z) for z, _ in zs)  # the a's in one column
    for z, a in zs:
        p(f"  {z:<{width}}   {a}")
    # the tutorial writes a⁽³⁾ for a⁽ᴸ⁾
    p(f"{loss.formula.replace('⁽ᴸ⁾', names.superscript(L))} = {_num(E.data)}")
    p()
    bp1 = "BP-1 (l = L" + ("" if loss.name == "squared_error" else f"; {loss.delta_formula}") + ")"

    deltas = [
        (str(names.delta(l, i)), z.grad, formulas.delta[l][i - 1], "BP-1" if l == L else "BP-2")
        for l in range(L, 1, -1)
        for i, z in enumerate(fw.z[l], start=1)
    ]
    params = [
        (str(name), param.grad, f, "BP-3" if name.kind == "w" else "BP-4")
        for (name, param), f in zip(net.named_parameters(), formulas.flat())
    ]
    p(f"δᵢ⁽ˡ⁾ = ∂E/∂zᵢ⁽ˡ⁾: the gradient of the z-node, next to {bp1} and BP-2 (l < L)")
    p(_side_by_side(deltas, _num))
    p()
    p("∂E/∂wᵢⱼ⁽ˡ⁾ = δᵢ⁽ˡ⁾ aⱼ⁽ˡ⁻¹⁾ (BP-3) and ∂E/∂bᵢ⁽ˡ⁾ = δᵢ⁽ˡ⁾ (BP-4): p.grad next to the formula")
    p(_side_by_side(params, _num))
    p()
    worst = max(abs(float(grad) - float(f)) for _, grad, f, _ in deltas + params)
    p(f"largest |autodiff − formula| = {worst:.3g}")
    status = 0 if out_dir is None else write_demo_files(out_dir, out, loss, _num)
    return max(status, train_demo(out, out_dir, loss))


# long: one file after another, each written and named as it is made
def write_demo_files(
    out_dir: str | os.PathLike, out=None, loss="squared_error", number=None
) -> int:
    """The tutorial example's pictures for ``microbp demo``, written into ``out_dir``.

    graph.svg (the computation graph of E after backward, δ on every z-node), network.svg
    (Figure 1 with δ and ∂E/∂w), delta-flow.svg (Figure 2 for δ₁⁽²⁾) and backward.html (the
    stepper). Without graphviz's ``dot`` the DOT sources are written instead, the missing
    executable is named, and the status is 2.
    """
    out = out or sys.stdout
    p = lambda *a: print(*a, file=out)  # noqa: E731
    out_dir = os.fspath(out_dir)
    try:
        check_out_dir(out_dir)
        os.makedirs(out_dir, exist_ok=True)
        draw.check_output_path(os.path.join(out_dir, "graph.svg"))
    except (OSError, ValueError) as exc:
        print(
            f"microbp demo: error: cannot write pictures into {out_dir!r}: {exc}", file=sys.stderr
        )
        return 2
    ex = tutorial_example()
    loss = losses.get(loss)
    net = seed_net(loss)
    fw = net.forward(ex.x)
    E = loss.sample(ex.y, fw.z[net.L], fw.output)
    E.label = "E"
    trace = trace_backward(E, forward=fw)  # the backward pass, recorded
    graphs = {
        "graph": draw.draw_graph(E, forward=fw, fmt=number),
        "network": draw.draw_network(net, forward=fw, edge_labels="both", fmt=number),
        "delta-flow": draw.draw_network(net, forward=fw, delta_flow=(2, 1), fmt=number),
    }
    p()
    p(f"Pictures (in {out_dir}):")
    try:
        draw.need_dot("rendering the demo's pictures")
    except draw.GraphvizNotFound as exc:
        for name, graph in graphs.items():
            p(f"  {draw.save(graph, os.path.join(out_dir, name + '.dot'))}")
        print(f"microbp demo: {exc}", file=sys.stderr)
        return 2
    what = {
        "graph": "the computation graph of E, δᵢ⁽ˡ⁾ on every z-node",
        "network": "the network (Figure 1) with δ and ∂E/∂w",
        "delta-flow": "δ⁽³⁾ flowing back into δ₁⁽²⁾, BP-2 written out (Figure 2)",
    }
    try:
        for name, graph in graphs.items():
            path = os.path.join(out_dir, name + ".svg")
            p(f"  {draw.save(graph, path):<40} {what[name]}")
        path = os.path.join(out_dir, "backward.html")
        html_path = trace.to_html(path, fmt=number)
    except draw.GraphvizFailed as exc:
        print(f"microbp demo: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a full disk, say: the message names the file
        print(f"microbp demo: error: {naming(exc, path)}", file=sys.stderr)
        return 1
    p(f"  {html_path:<40} the backward pass node by node: open it in a browser, step with →")
    return 0


def check_out_dir(path: str | os.PathLike) -> str:
    """``path`` if it is (or can be made) a writable folder; a ``ValueError`` saying why not.

    Creates nothing: a missing folder is fine when its nearest existing parent is a
    writable folder (``os.makedirs`` will make it).
    """
    path = os.fspath(path)
    if not path:
        raise ValueError("the output folder is empty; expected a folder name, e.g. microbp-demo")
    if os.path.exists(path):
        if not os.path.isdir(path):
            raise ValueError(f"cannot write into {path!r}: it is a file, not a folder")
        if not os.access(path, os.W_OK | os.X_OK):
            raise ValueError(f"cannot write into {path!r}: the folder is not writable")
        return path
    parent = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise ValueError(f"cannot make the folder {path!r}: {parent!r} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(f"cannot make the folder {path!r}: {parent!r} is not writable")
    return path


def out_dir_type(text: str) -> str:
    """An argparse type for an output folder (see :func:`check_out_dir`)."""
    try:
        return check_out_dir(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _side_by_side(rows, _num) -> str:
    """(name, autodiff, formula, rule) rows as a table indented by two spaces, with the
    difference autodiff − formula; ``_num`` writes the numbers."""
    cells = [
        (name, _num(grad), _num(f), f"{float(grad) - float(f):.2g}", rule)
        for name, grad, f, rule in rows
    ]
    head = ("", "autodiff (graph)", "closed form", "difference", "rule")
    align = ("left", "right", "right", "right", "left")
    return textwrap.indent(table(cells, head, colalign=align), "  ")


def train_demo(out=None, outdir: str | None = "microbp-demo", loss="squared_error") -> int:
    """The tutorial's procedure on the tutorial's example: batch GD until the stopping rule fires.

    Trains the 3-3-2 example (:func:`seed_net` for ``loss``) by ``GD(lr=2.0)`` with gradients
    from the graph, until |E_t − E_{t−1}| < 1e-8, and writes ``outdir/tutorial-loss.png`` when
    matplotlib is present (no file at all when ``outdir`` is None).
    """
    out = out or sys.stdout
    p = lambda *a: print(*a, file=out)  # noqa: E731
    loss = losses.get(loss)
    X, Y = data.tutorial_data()
    net = seed_net(loss)
    lr, tol = 2.0, 1e-8
    p()
    p("Training (the tutorial's summary of the BP algorithm): batch gradient descent")
    p("W⁽ˡ⁾ ← W⁽ˡ⁾ − μ ∂E_total/∂W⁽ˡ⁾,")
    p(f"μ = {lr}, until |E_t − E_(t−1)| < {tol:g} (the tutorial's stopping rule)")
    h = fit(
        net, X, Y, GD(lr), max_epochs=100_000, tol=tol, gradients="autodiff", quiet=True, loss=loss
    )
    for t in sorted({0, 1, 10, 100, 1000, h.epochs}):
        if t < len(h.loss):
            p(f"  t = {t:>5}   E_t = {h.loss[t]:.10g}")
    out_a = [float(a.data) for a in net(list(X[0]))]
    p(f"stopped by {h.stopped_by} after {h.epochs} epochs; a⁽³⁾ = {out_a}, y = {Y[0].tolist()}")
    if outdir is None:
        return 0 if math.isfinite(h.final_loss) else 1
    try:
        os.makedirs(outdir, exist_ok=True)
        path = os.path.join(outdir, "tutorial-loss.png")
        example = "the tutorial's example" + (
            "" if loss.name == "squared_error" else f", {loss.name}"
        )
        plot_history(h, path, data=example, net=net)
        p(f"loss curve: {path}")
    except ImportError:
        p(f"(no loss plot: {PLOT_MISSING})")
    except OSError as exc:
        p(f"(no loss plot: cannot write to {outdir}: {exc})")
    return 0 if math.isfinite(h.final_loss) else 1
