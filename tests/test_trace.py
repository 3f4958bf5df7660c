"""microbp.viz.trace: the recorded backward pass is backward(), step by step, exactly."""

from __future__ import annotations

import os
import re
import shutil
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microbp import MLP, Value, bp, squared_error, trace_backward
from microbp.data import tutorial_example
from microbp.engine import derivative_rules, reverse_topological_order
from microbp.viz import draw
from microbp.viz.draw import GraphTooLarge, graph_model

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="graphviz's dot is not installed (apt-get install graphviz)"
)


def seed_loss(activation=None):
    ex = tutorial_example()
    net = MLP.from_weights(ex.W, ex.b, activation=activation or ex.activation)
    fw = net.forward(ex.x)
    E = squared_error(ex.y, fw.output)
    return ex, net, fw, E


def fraction_loss():
    """A 2-3-2 relu net with Fraction numbers: every gradient is an exact rational."""
    W = {
        2: [[Fraction(1, 2), Fraction(-1, 3)], [Fraction(2, 5), Fraction(1, 7)], [1, -1]],
        3: [[Fraction(3, 4), Fraction(-1, 2), Fraction(1, 3)], [Fraction(1, 5), 1, -2]],
    }
    b = {2: [Fraction(1, 10), 0, Fraction(1, 2)], 3: [Fraction(-1, 4), Fraction(1, 8)]}
    net = MLP.from_weights(W, b, activation="relu")
    x, y = [Fraction(2, 3), Fraction(5, 4)], [Fraction(1), Fraction(0)]
    fw = net.forward(x)
    return net, x, y, fw, squared_error(y, fw.output)


def test_trace_visits_the_nodes_in_backwards_order_and_ends_with_backwards_grads_bitwise():
    _, net, fw, E = seed_loss()
    _, net2, fw2, E2 = seed_loss()
    trace = trace_backward(E, forward=fw)
    E2.backward()
    assert [s.node for s in trace] == [v for v in reverse_topological_order(E) if v.op]
    for a, b in zip(reverse_topological_order(E), reverse_topological_order(E2)):
        assert a.grad == b.grad and type(a.grad) is type(b.grad)
        assert trace.grad(a) == b.grad
    assert [p.grad for p in net.parameters()] == [p.grad for p in net2.parameters()]


def test_each_step_adds_local_times_upstream_and_the_contributions_sum_to_the_grad():
    _, _, fw, E = seed_loss("tanh")
    trace = trace_backward(E, forward=fw)
    received = {k: [] for k in range(len(trace.model.nodes))}
    for s in trace:
        assert s.upstream == s.node.grad  # complete when the node's turn comes
        assert tuple(i.local for i in s.inputs) == s.node.local_grads
        assert tuple(i.rule for i in s.inputs) == derivative_rules(s.node)
        for inp in s.inputs:
            assert inp.contribution == inp.local * s.upstream
            assert inp.grad_after == inp.grad_before + inp.contribution
            received[inp.index].append(inp.contribution)
    for k, node in enumerate(trace.model.nodes):
        total = trace.initial[k]
        for c in received[k]:
            total = total + c
        assert total == node.grad == trace.final[k]


def test_fraction_trace_equals_backward_and_the_bp_equations_exactly():
    net, x, y, fw, E = fraction_loss()
    trace = trace_backward(E, forward=fw)
    formulas = bp.index_form(net, x, y)
    for l in (2, 3):
        for i, z in enumerate(fw.z[l]):
            assert type(z.grad) in (int, Fraction)
            assert trace.grad(z) == formulas.delta[l][i]
    assert [p.grad for p in net.parameters()] == list(formulas.flat())
    net2, _, _, _, E2 = fraction_loss()
    E2.backward()
    assert [p.grad for p in net.parameters()] == [p.grad for p in net2.parameters()]


def test_z_node_steps_carry_the_seeds_delta_name_and_value():
    ex, net, fw, E = seed_loss()
    trace = trace_backward(E, forward=fw)
    formulas = bp.index_form(net, ex.x, ex.y)
    by_node = {id(s.node): s for s in trace}
    for l in (2, 3):
        for i, z in enumerate(fw.z[l], start=1):
            step = by_node[id(z)]
            assert step.delta == f"δ_{i}^({l})"
            assert step.upstream == pytest.approx(formulas.delta[l][i - 1], rel=1e-12)
    assert all(
        s.delta == "" for s in trace if s.node not in [z for zs in fw.z.values() for z in zs]
    )


def test_leaves_accumulate_across_traced_passes_as_with_backward():
    x = Value(0.5, label="x")
    y = (x * x).tanh()
    trace_backward(y)
    once = x.grad
    trace_backward(y)
    assert x.grad == once + once
    x2 = Value(0.5)
    y2 = (x2 * x2).tanh()
    y2.backward()
    y2.backward()
    assert x.grad == x2.grad


def test_a_leaf_root_is_seeded_and_has_no_steps():
    x = Value(3.0)
    trace = trace_backward(x)
    assert len(trace) == 0 and x.grad == 1


def test_input_used_twice_gets_two_contributions():
    x = Value(3.0, label="x")
    trace = trace_backward(x * x)
    assert [i.name for i in trace.steps[0].inputs] == ["x", "x"]
    assert x.grad == 6.0


_ops = st.sampled_from(["add", "mul", "sub", "tanh", "sigmoid", "pow", "exp", "div", "rsub"])


_programs = st.lists(
    st.tuples(_ops, st.integers(0, 50), st.integers(0, 50)), min_size=1, max_size=25
)


@given(st.lists(st.floats(-2, 2), min_size=2, max_size=4), _programs)
def test_trace_and_backward_agree_bitwise_on_random_graphs(leaves, program):
    def build():
        nodes = [Value(v) for v in leaves]
        for op, i, j in program:
            a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
            if op == "add":
                n = a + b
            elif op == "mul":
                n = a * b
            elif op == "sub":
                n = a - b
            elif op == "tanh":
                n = a.tanh()
            elif op == "sigmoid":
                n = a.sigmoid()
            elif op == "pow":
                n = a**2
            elif op == "exp":
                n = (a.tanh()).exp()
            elif op == "div":
                n = a / (b * b + 1)
            else:
                n = 1 - a
            nodes.append(n)
        return nodes

    traced, plain = build(), build()
    trace_backward(traced[-1])
    plain[-1].backward()
    assert [v.grad for v in traced] == [v.grad for v in plain]


def test_table_shows_rules_with_values_contributions_and_delta_names():
    x = Value(0.5, label="x")
    y = x.tanh()
    text = str(trace_backward(y))
    assert "∂(tanh u)/∂u = 1 − tanh²u = 0.786448" in text
    assert "upstream" in text and "contribution" in text
    _, _, fw, E = seed_loss()
    E.label = "E"
    text = str(trace_backward(E, forward=fw))
    assert text.startswith("backward pass from E: 41 steps")
    assert "z₁⁽²⁾ = δ₁⁽²⁾ [+]" in text


def test_frames_one_per_step_with_the_step_node_highlighted_and_grads_so_far():
    _, _, fw, E = seed_loss()
    trace = trace_backward(E, forward=fw)
    frames = trace.frames()
    assert len(frames) == len(trace)
    for s, frame in zip(trace.steps[:5], frames):
        marked = re.findall(r"\t(v\d+) \[fillcolor=\"#fde047\"", frame.source)
        assert marked == [f"v{s.index}"]
    model = graph_model(E, forward=fw)
    first_input = trace.steps[0].inputs[0]
    assert f"grad {first_input.grad_after}" in frames[0].source
    assert "grad ?" not in frames[-1].source
    # before its first contribution a parameter shows the grad it started with (0)
    w = fw.z[2][0].inputs[0].inputs[0].inputs[0].inputs[0]
    assert re.search(
        rf"\t{model.id(w)} \[label=\"{{ [^|]* \| data [^|]* \| grad 0 }}", frames[0].source
    )


@needs_dot
def test_html_is_one_self_contained_file_with_svg_controls_and_data(tmp_path):
    _, _, fw, E = seed_loss()
    E.label = "E"
    trace = trace_backward(E, forward=fw)
    path = trace.to_html(tmp_path / "t.html")
    page = (tmp_path / "t.html").read_text(encoding="utf-8")
    assert str(path).endswith("t.html")
    assert "<svg" in page and 'id="prev"' in page and 'id="next"' in page
    assert "ArrowRight" in page and "ArrowLeft" in page
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", page)  # nothing fetched
    assert "δ₁⁽²⁾ ≡ ∂E/∂z₁⁽²⁾" in page
    assert f"step 0 / {len(trace)}" in page


def test_html_path_is_checked_before_rendering(tmp_path):
    trace = trace_backward(Value(1.0) * 2)
    with pytest.raises(ValueError, match=r"\.html"):
        trace.to_html(tmp_path / "t.svg")
    with pytest.raises(ValueError, match="does not exist"):
        trace.to_html(tmp_path / "missing" / "t.html")


def test_frames_and_html_refuse_graphs_past_max_nodes_but_the_table_works(tmp_path):
    v = Value(0.5)
    for _ in range(600):
        v = v * 1.001
    trace = trace_backward(v)
    with pytest.raises(GraphTooLarge, match="more than max_nodes = 500"):
        trace.frames()
    with pytest.raises(GraphTooLarge, match="print\\(trace\\) works at any size"):
        trace.to_html(tmp_path / "t.html")
    assert os.listdir(tmp_path) == []
    assert str(trace).startswith("backward pass from root: 600 steps")


def test_html_checks_its_own_path_not_an_svg_beside_it_before_rendering(tmp_path, monkeypatch):
    def no_render(*args, **kwargs):
        raise AssertionError("rendered before the path was checked")

    monkeypatch.setattr(draw, "render_bytes", no_render)
    trace = trace_backward(Value(1.0) * 2)
    (tmp_path / "adir.html").mkdir()
    with pytest.raises(ValueError, match="adir.html'.*it is a folder"):
        trace.to_html(tmp_path / "adir.html")
    with pytest.raises(ValueError, match="t.html'.*does not exist") as info:
        trace.to_html(tmp_path / "missing" / "t.html")
    assert "t.svg" not in str(info.value)
