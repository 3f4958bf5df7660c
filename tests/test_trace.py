"""microbp.viz.trace: the recorded backward pass is backward(), step by step, exactly."""

from __future__ import annotations

import json
import os
import re
import shutil
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microbp import MLP, Value, bp, names, squared_error, trace_backward
from microbp.data import tutorial_example
from microbp.engine import derivative_rules, reverse_topological_order
from microbp.viz import draw
from microbp.viz.draw import GraphTooLarge, graph_model
from tests.strategies import programs, run

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="graphviz's dot is not installed (apt-get install graphviz)"
)


def tutorial_loss(activation=None):
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
    _, net, fw, E = tutorial_loss()
    _, net2, fw2, E2 = tutorial_loss()
    trace = trace_backward(E, forward=fw)
    E2.backward()
    assert [s.node for s in trace] == [v for v in reverse_topological_order(E) if v.op]
    for a, b in zip(reverse_topological_order(E), reverse_topological_order(E2)):
        assert trace.grad(a) == b.grad and type(trace.grad(a)) is type(b.grad)
    assert [p.grad for p in net.parameters()] == [0] * len(net.parameters())  # untouched


def _traced_numbers(trace, fw, net):
    """What a learner reads off a trace: each δ (z-node), each parameter's and input's grad."""
    deltas = {(l, i): trace.grad(z) for l in fw.z for i, z in enumerate(fw.z[l]) if l > 1}
    params = [trace.grad(p) for p in net.parameters()]
    return deltas, params


@pytest.mark.parametrize("before", [0, 1, 2, 3])
def test_a_trace_after_backward_shows_this_pass_and_leaves_every_grad_alone(before):
    """The stepper once showed doubled gradients after a backward (the lab's state and the
    notebook had run E.backward() already, and the trace accumulated a second pass into the
    leaves). A trace's numbers are one pass's, whatever ran before, and equal z.grad and
    BP-1…BP-4; the user's .grad fields are exactly as they were."""
    ex, net, fw, E = tutorial_loss()
    x = [Value(v, label=f"x{k}") for k, v in enumerate(ex.x, start=1)]
    fw = net.forward(x)
    E = squared_error(ex.y, fw.output)
    for _ in range(before):
        E.backward()
    grads_before = [v.grad for v in reverse_topological_order(E)]
    trace = trace_backward(E, forward=fw)
    assert [v.grad for v in reverse_topological_order(E)] == grads_before
    formulas = bp.index_form(net, ex.x, ex.y)
    deltas, params = _traced_numbers(trace, fw, net)
    for (l, i), d in deltas.items():
        assert d == pytest.approx(formulas.delta[l][i], rel=1e-12)
    assert params == pytest.approx(list(formulas.flat()), rel=1e-12)
    if before:
        assert [trace.grad(z) for zs in fw.z.values() for z in zs] == [
            z.grad for zs in fw.z.values() for z in zs
        ]  # interior nodes: the last backward's own numbers, bit for bit
        # leaves accumulated `before` passes: 0 + g + g + …, the trace's g alone
        assert [sum([g] * before, start=0) for g in params] == [p.grad for p in net.parameters()]
        assert [sum([trace.grad(v)] * before, start=0) for v in x] == [v.grad for v in x]
    # every step's final record agrees with the trace's gradients (what the page shows last)
    last = {}
    for s in trace:
        for inp in s.inputs:
            last[inp.index] = inp.grad_after
    for k, g in last.items():
        assert g == trace.final[k]


@needs_dot
def test_the_html_stepper_after_backward_ends_on_the_bp_numbers(tmp_path):
    ex, net, fw, E = tutorial_loss()
    E.label = "E"
    E.backward()
    E.backward()  # twice: the leaves now hold doubled gradients
    page = trace_backward(E, forward=fw).page()
    block = page.split('<script type="application/json" id="trace-data">')[1]
    data = json.loads(block.split("</script>")[0])
    formulas = bp.index_form(net, ex.x, ex.y)
    shown = {}
    for step in data["steps"]:
        for node, _short, exact in step["changes"]:
            shown[node] = exact
    model = graph_model(E, forward=fw)
    for p, want in zip(net.parameters(), formulas.flat()):
        assert float(shown[model.id(p)]) == pytest.approx(want, rel=1e-12)


def test_each_step_adds_local_times_upstream_and_the_contributions_sum_to_the_grad():
    _, _, fw, E = tutorial_loss("tanh")
    trace = trace_backward(E, forward=fw)
    received = {k: [] for k in range(len(trace.model.nodes))}
    for s in trace:
        assert s.upstream == trace.grad(s.node)  # complete when the node's turn comes
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
        assert total == trace.final[k] == trace.grad(node)


def test_fraction_trace_equals_backward_and_the_bp_equations_exactly():
    net, x, y, fw, E = fraction_loss()
    trace = trace_backward(E, forward=fw)
    formulas = bp.index_form(net, x, y)
    for l in (2, 3):
        for i, z in enumerate(fw.z[l]):
            assert type(z.grad) in (int, Fraction)
            assert trace.grad(z) == formulas.delta[l][i]
    assert [trace.grad(p) for p in net.parameters()] == list(formulas.flat())
    E.backward()
    assert [trace.grad(p) for p in net.parameters()] == [p.grad for p in net.parameters()]


def test_z_node_steps_carry_the_tutorials_delta_name_and_value():
    ex, net, fw, E = tutorial_loss()
    trace = trace_backward(E, forward=fw)
    formulas = bp.index_form(net, ex.x, ex.y)
    by_node = {id(s.node): s for s in trace}
    for l in (2, 3):
        for i, z in enumerate(fw.z[l], start=1):
            step = by_node[id(z)]
            assert step.delta == names.delta(l, i)
            assert str(step.delta) == f"δ{'₁₂₃'[i - 1]}{'⁽²⁾' if l == 2 else '⁽³⁾'}"
            assert step.upstream == pytest.approx(formulas.delta[l][i - 1], rel=1e-12)
    assert all(
        s.delta is None for s in trace if s.node not in [z for zs in fw.z.values() for z in zs]
    )


def test_traced_passes_do_not_accumulate_and_never_touch_the_leaves():
    x = Value(0.5, label="x")
    y = (x * x).tanh()
    first = trace_backward(y).grad(x)
    again = trace_backward(y).grad(x)
    assert first == again and x.grad == 0
    y.backward()
    assert trace_backward(y).grad(x) == x.grad == first


def test_a_leaf_root_is_seeded_and_has_no_steps():
    x = Value(3.0)
    trace = trace_backward(x)
    assert len(trace) == 0 and trace.grad(x) == 1 and x.grad == 0


def test_input_used_twice_gets_two_contributions():
    x = Value(3.0, label="x")
    trace = trace_backward(x * x)
    assert [i.name for i in trace.steps[0].inputs] == ["x", "x"]
    assert trace.grad(x) == 6.0


@given(programs(), st.lists(st.floats(-2, 2), min_size=4, max_size=4))
def test_trace_and_backward_agree_bitwise_on_random_graphs(program, xs):
    def build():
        return run(program, [Value(x) for x in xs[: program.leaves]])

    traced, plain = build(), build()
    plain[-1].backward()
    plain[-1].backward()  # leaves hold doubled grads; interior nodes the last pass's
    trace = trace_backward(plain[-1])
    traced[-1].backward()
    in_graph = reverse_topological_order(plain[-1])
    done = reverse_topological_order(traced[-1])
    bits = [float(trace.grad(v)).hex() for v in in_graph]  # equal bits, even for inf and nan
    assert bits == [float(v.grad).hex() for v in done]


def test_table_shows_rules_with_values_contributions_and_delta_names():
    x = Value(0.5, label="x")
    y = x.tanh()
    text = str(trace_backward(y))
    assert f"∂(tanh u)/∂u = 1 − tanh²u = {1 - y.data**2!r}" in text
    assert "upstream" in text and "contribution" in text
    _, _, fw, E = tutorial_loss()
    E.label = "E"
    text = str(trace_backward(E, forward=fw))
    assert text.startswith("backward pass from E: 41 steps")
    assert "z₁⁽²⁾ = δ₁⁽²⁾ [+]" in text


def test_frames_one_per_step_with_the_step_node_highlighted_and_grads_so_far():
    _, _, fw, E = tutorial_loss()
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
        rf"\t{model.id(w)} \[label=\"[^\\]*\\ndata [^\\]*\\ngrad 0\"", frames[0].source
    )


@needs_dot
def test_html_is_one_self_contained_file_with_svg_controls_and_data(tmp_path):
    _, _, fw, E = tutorial_loss()
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


def _columns(table: str) -> list[dict[str, str]]:
    """The rows of a printed tabulate table as {header: cell}, cut where its rule's dashes
    are (a cell may hold spaces: ``y₁ − a₁⁽³⁾``)."""
    lines = table.splitlines()
    at = next(k for k, line in enumerate(lines) if line.startswith("---"))
    spans = [m.span() for m in re.finditer(r"-+", lines[at])]
    cut = [[line[a:b].strip() for a, b in spans] for line in lines[at - 1 :]]
    return [dict(zip(cut[0], row)) for row in cut[2:]]


def _picture_labels(dot_source: str) -> dict[str, str]:
    """Each value box of a picture's DOT source: DOT id → its first line (the node's name)."""
    return dict(re.findall(r"\t(v\d+) \[label=\"([^\"\\]*)\\n", dot_source))


def test_the_trace_table_names_every_node_as_the_graph_picture_does(capsys):
    import microbp.cli.app as cli

    assert cli.main(["graph"]) == 0
    in_picture = set(_picture_labels(capsys.readouterr().out).values())
    assert cli.main(["trace"]) == 0
    rows = _columns(capsys.readouterr().out)
    shown = {re.sub(r"( = δ\S+)? \[[^]]+\]$", "", r["node"]) for r in rows if r["node"]}
    shown |= {re.sub(r" \(→ step \d+\)$", "", r["input"]) for r in rows}
    assert len(shown) > 40 and "w₁₁⁽²⁾·x₁" in shown
    assert shown <= in_picture, sorted(shown - in_picture)


def test_an_input_whose_label_other_nodes_share_says_which_step_is_its_turn(capsys):
    """The partial sums are all Σ and the squares all (·)², as in the picture; in the table
    such an input says where its own turn is, and that step's node has the same label and
    the gradient the input was left with (its upstream). A unique label says nothing more."""
    import microbp.cli.app as cli

    assert cli.main(["trace"]) == 0
    rows = _columns(capsys.readouterr().out)
    steps, number, pointed = {}, None, 0
    for r in rows:
        number = int(r["step"]) if r["step"] else number
        if r["node"]:
            steps[number] = (r["node"].split(" [")[0], r["upstream ∂E/∂node"])
    labels = [s[0] for s in steps.values()]
    for r in rows:
        m = re.fullmatch(r"(.+) \(→ step (\d+)\)", r["input"])
        if m is None:
            assert r["input"] not in ("Σ", "(·)²")
            continue
        pointed += 1
        label, turn = m[1], int(m[2])
        assert labels.count(label) > 1
        assert steps[turn][0] == label
        grads_left = [q["input grad"] for q in rows if q["input"] == r["input"]]
        assert steps[turn][1] == grads_left[-1]  # its grad when its turn came
    assert pointed == 1 + 2 + 5 * 2  # E's Σ, the two (·)², two partial sums Σ for each of 5 z's


@needs_dot
def test_the_stepper_page_names_every_step_and_input_as_its_picture_does():
    import html as html_module

    _, _, fw, E = tutorial_loss()
    E.label = "E"
    trace = trace_backward(E, forward=fw)
    page = trace.page()
    svg = page[page.index("<svg") : page.index("</svg>")]
    boxes = {
        k: html_module.unescape(text)
        for k, text in re.findall(r'<g id="(v\d+)" class="node">.*?<text[^>]*>([^<]*)<', svg, re.S)
    }
    data = json.loads(re.search(r'id="trace-data">(.*?)</script>', page, re.S)[1])
    for step in data["steps"][1:]:
        panel = html_module.unescape(re.sub(r"<[^>]+>", "\n", step["panel"]))
        title = re.search(r"Step \d+ of \d+: (.*) $", panel, re.M)[1]
        assert title == boxes[step["node"]], panel
        inputs = re.findall(r"^to input (.*): local derivative", panel, re.M)
        assert inputs == [boxes[v] for v in step["inputs"]], panel
    rows = re.findall(r"<tr><td>([^<]*)</td><td class=grad data-node=(v\d+)>", page)
    assert len(rows) > 20
    for label, v in rows:
        assert re.sub(r" \(δ\S+\)$", "", html_module.unescape(label)) == boxes[v]


@needs_dot
def test_trace_html_ascii_writes_a_page_a_reader_sees_in_ascii_with_the_typed_names(
    tmp_path, capsys
):
    import html as html_module

    import microbp.cli.app as cli

    plain, ascii_page = tmp_path / "u.html", tmp_path / "a.html"
    assert cli.main(["trace", "--html", str(plain)]) == 0
    assert cli.main(["trace", "--html", str(ascii_page), "--ascii"]) == 0
    assert capsys.readouterr().out.isascii()
    assert not plain.read_text(encoding="utf-8").isascii()  # the test could fail
    page = ascii_page.read_text(encoding="utf-8")
    shown = html_module.unescape(re.sub(r"<[^>]+>", " ", page))  # the text a browser shows
    assert shown.isascii(), sorted({c for c in shown if not c.isascii()})
    data = json.loads(re.search(r'id="trace-data">(.*?)</script>', page, re.S)[1])
    panels = " ".join(html_module.unescape(s["panel"]) for s in data["steps"])
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert "delta_1^(2) == dE/dz_1^(2)" in panels and "to input w_11^(2)*x_1:" in panels
    assert "d(u*v)/du = v" in panels  # the rules spelled out as the terminal spells them
    assert ">w_11^(2)*x_1<" in svg and ">delta_1^(2) = " in svg and ">sum<" in svg
    assert "?" not in panels + svg  # every symbol has its ASCII spelling
    assert "dE/dnode" in shown and "< Prev" in shown and "Next >" in shown
