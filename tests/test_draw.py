"""microbp.viz.draw: the DOT source says what the graph is, deterministically; files are safe."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import graphviz
import pytest

from microbp import MLP, Value, bp, draw_graph, draw_network, squared_error
from microbp.data import tutorial_example
from microbp.engine import reverse_topological_order
from microbp.viz.draw import (
    GraphTooLarge,
    GraphvizNotFound,
    check_output_path,
    graph_model,
    pretty_name,
    save,
)

SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def shown(letter: str, sub, l=None) -> str:
    """The Unicode form the pictures show, written out here: shown("δ", 1, 2) == "δ₁⁽²⁾"."""
    return letter + str(sub).translate(SUB) + ("" if l is None else f"⁽{str(l).translate(SUP)}⁾")


ROOT = Path(__file__).resolve().parents[1]
needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="graphviz's dot is not installed (apt-get install graphviz)"
)


def tutorial_loss():
    ex = tutorial_example()
    net = ex.net()
    fw = net.forward(ex.x)
    E = squared_error(ex.y, fw.output)
    return ex, net, fw, E


def parse_dot(source: str):
    """(node statements by name, edges) of a DOT source written by the graphviz package."""
    nodes: dict[str, list[str]] = {}
    edges = []
    for line in source.splitlines():
        m = re.match(r"^\s*(\w+) -> (\w+)", line)
        if m:
            if "style=invis" not in line:  # the layout's ordering edges are no edge of the graph
                edges.append((m.group(1), m.group(2)))
            continue
        m = re.match(r"^\s*(\w+) \[(.*)\]$", line)
        if m and m.group(1) not in ("node", "edge", "graph"):
            nodes.setdefault(m.group(1), []).append(m.group(2))
    return nodes, edges


def label_of(attrs: list[str]) -> str:
    m = re.search(r'label="((?:[^"\\]|\\.)*)"', attrs[0]) or re.search(r"label=(\S+)", attrs[0])
    return m.group(1)


# ------------------------------------------------------------------------------------------
# The computation graph


def test_dot_has_one_box_per_value_one_node_per_op_and_const_and_the_graphs_edges():
    _, _, fw, E = tutorial_loss()
    E.backward()
    nodes, edges = parse_dot(draw_graph(E, forward=fw).source)
    values = reverse_topological_order(E)
    ops = [v for v in values if v.op]
    consts = [v for v in values if v.constant is not None]
    records = [n for n, a in nodes.items() if "shape=box" in a[0]]
    op_nodes = [n for n, a in nodes.items() if "shape=ellipse" in a[0]]
    const_nodes = [n for n, a in nodes.items() if label_of(a).startswith("const")]
    assert len(records) == len(values)
    assert len(op_nodes) == len(ops)
    assert len(const_nodes) == len(consts) > 0
    assert len(nodes) == len(values) + len(ops) + len(consts)
    assert len(edges) == sum(len(v.inputs) + 1 + (v.constant is not None) for v in ops)


def test_edges_run_input_to_op_to_output():
    x = Value(3.0, label="x")
    y = Value(-2.0, label="y")
    out = (x * y).tanh()
    model = graph_model(out)
    nodes, edges = parse_dot(draw_graph(out).source)
    vid = {v.label: model.id(v) for v in (x, y)}
    mul = model.id(out.inputs[0])
    top = model.id(out)
    assert set(edges) == {
        (vid["x"], mul + "op"),
        (vid["y"], mul + "op"),
        (mul + "op", mul),
        (mul, top + "op"),
        (top + "op", top),
    }
    assert label_of(nodes[top + "op"]) == "tanh"
    assert label_of(nodes[mul + "op"]) == "*"


def test_op_nodes_name_the_op_and_the_constant_of_a_power():
    x = Value(2.0, label="x")
    names = {label_of(a) for n, a in parse_dot(draw_graph(x**2 + 3 - x.exp()).source)[0].items()}
    assert {"**2", "+", "-", "exp", "const 2", "const 3"} <= names


def test_parameter_and_input_labels_carry_their_data_and_grad():
    _, net, fw, E = tutorial_loss()
    E.backward()
    nodes, _ = parse_dot(draw_graph(E, forward=fw).source)
    labels = [label_of(a) for a in nodes.values()]
    named = [(name.unicode, p) for name, p in net.named_parameters()]
    named += [(shown("x", i), x) for i, x in enumerate(fw.a[1], start=1)]
    assert named[1][0] == "w₁₂⁽²⁾" and named[-1][0] == "x₃"
    for name, p in named:
        want = f"{name}\\ndata {p.data!r}\\ngrad {p.grad!r}"
        assert labels.count(want) == 1, want


def test_z_nodes_show_delta_equal_to_bp2_and_a_nodes_are_named():
    ex, net, fw, E = tutorial_loss()
    E.backward()
    formulas = bp.index_form(net, ex.x, ex.y)
    labels = [label_of(a) for a in parse_dot(draw_graph(E, forward=fw).source)[0].values()]
    for l in (2, 3):
        for i, z in enumerate(fw.z[l], start=1):
            z_name, d_name = shown("z", i, l), shown("δ", i, l)
            # the shortest text that reads back as the same float: δ to the last bit
            delta = formulas.delta[l][i - 1]
            want = f"{z_name}\\ndata {z.data!r}\\n{d_name} = {delta!r}"
            assert want in labels
            assert float(want.rsplit("= ", 1)[1]) == delta == z.grad
            a_name = shown("a", i, l)
            assert any(lab.startswith(f"{a_name}\\ndata") for lab in labels)


def test_one_cluster_per_layer_holding_that_layers_parameters_and_z_nodes():
    _, net, fw, E = tutorial_loss()
    source = draw_graph(E, forward=fw, clusters=True).source
    model = graph_model(E, forward=fw)
    blocks = re.findall(r"subgraph (cluster_layer\d) \{(.*?)\n\t\}", source, re.S)
    assert [b[0] for b in blocks] == ["cluster_layer1", "cluster_layer2", "cluster_layer3"]
    body = dict(blocks)
    for l in (2, 3):
        for v in [*net.b(l), *[w for row in net.W(l) for w in row]]:
            assert f"\t\t{model.id(v)} [" in body[f"cluster_layer{l}"]
        for z in fw.z[l]:
            assert f"\t\t{model.id(z)} [" in body[f"cluster_layer{l}"]
    for x in fw.a[1]:
        assert f"\t\t{model.id(x)} [" in body["cluster_layer1"]
    assert f"\t\t{model.id(E)} [" not in "".join(body.values())  # the loss is outside


def test_grads_hidden_before_backward_and_on_request():
    _, _, fw, E = tutorial_loss()
    assert "grad " not in draw_graph(E, forward=fw).source
    E.backward()
    assert "grad " in draw_graph(E, forward=fw).source
    assert "grad " not in draw_graph(E, forward=fw, show_grads=False).source


def test_rankdir_format_and_highlight_options():
    x = Value(1.0 / 3.0, label="x")
    y = x * 2
    y.backward()
    source = draw_graph(y, rankdir="TB", fmt=".2f", highlight=[x]).source
    assert "rankdir=TB" in source
    assert "x\\ndata 0.33\\ngrad 2" in source
    model = graph_model(y)
    assert re.search(rf"\t{model.id(x)} \[.*fillcolor=\"#fde047\"", source)
    assert draw_graph(y, fmt=lambda v: "N").source.count("data N") == 2


def test_fractions_are_written_exactly():
    x = Value(Fraction(1, 3), label="x")
    y = x * x
    y.backward()
    assert "x\\ndata 1/3\\ngrad 2/3" in draw_graph(y).source


def test_bad_options_raise_clear_errors():
    x = Value(1.0)
    with pytest.raises(ValueError, match="rankdir must be 'LR' or 'TB'"):
        draw_graph(x, rankdir="RL")
    with pytest.raises(ValueError, match="invalid number format"):
        draw_graph(x, fmt=".4q")
    with pytest.raises(TypeError, match="expected the root Value"):
        draw_graph(1.0)
    with pytest.raises(ValueError, match="not a node of this graph"):
        draw_graph(x, highlight=[Value(2.0)])


def test_a_graph_past_max_nodes_is_refused_with_advice_not_drawn():
    v = Value(0.5)
    for _ in range(700):
        v = v * 1.001
    with pytest.raises(
        GraphTooLarge, match="701 Values, more than max_nodes = 500.*max_nodes=None"
    ):
        draw_graph(v)
    assert draw_graph(v, max_nodes=None).source.count("shape=box") == 701


def test_drawing_changes_nothing_in_the_graph():
    _, _, fw, E = tutorial_loss()
    E.backward()
    nodes = reverse_topological_order(E)
    before = [(v.data, v.grad, v.label) for v in nodes]
    draw_graph(E, forward=fw)
    assert [(v.data, v.grad, v.label) for v in nodes] == before


def test_node_ids_follow_the_graph_not_memory_so_two_builds_give_identical_dot():
    def source():
        _, net, fw, E = tutorial_loss()
        E.backward()
        return draw_graph(E, forward=fw).source + draw_network(net, forward=fw).source

    first = source()
    junk = [Value(i) for i in range(1000)]  # shift the memory addresses of the next build
    assert source() == first
    del junk


_SCRIPT = """
from microbp import draw_graph, draw_network, squared_error, trace_backward
from microbp.data import tutorial_example
ex = tutorial_example(); net = ex.net(); fw = net.forward(ex.x)
E = squared_error(ex.y, fw.output)
trace = trace_backward(E, forward=fw)
print(draw_graph(E, forward=fw).source)
print(draw_network(net, forward=fw, edge_labels="both").source)
print(draw_network(net, forward=fw, delta_flow=(2, 1)).source)
print(trace)
"""


@pytest.mark.slow
def test_dot_source_is_byte_identical_across_processes_and_hash_seeds():
    outputs = []
    for seed in ("0", "1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        result = subprocess.run(
            [sys.executable, "-c", _SCRIPT], env=env, capture_output=True, check=True, cwd=ROOT
        )
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1] == outputs[2]
    assert b"digraph computation_graph" in outputs[0]


# ------------------------------------------------------------------------------------------
# The network diagram (Figure 1) and the δ flow (Figure 2)


def test_network_has_a_circle_per_neuron_and_an_edge_per_weight_labelled_w_ij():
    net = MLP([3, 4, 2])
    source = draw_network(net).source
    nodes, _ = parse_dot(source)
    edges = re.findall(r"^\t(\w+) -> (\w+) \[label=", source, re.M)
    assert [n for n, a in nodes.items() if "shape=circle" in a[0]] == [
        f"l{l}n{i}" for l, n_l in enumerate([3, 4, 2], start=1) for i in range(1, n_l + 1)
    ]
    assert len(edges) == 3 * 4 + 4 * 2
    assert ("l2n4", "l3n1") in edges
    edge_line = re.search(r"l2n4 -> l3n1 \[label=\"?([^\]\"]*)", draw_network(net).source)
    assert edge_line.group(1) == "w₁₄⁽³⁾"
    values = draw_network(net, edge_labels="values").source
    assert f"l2n4 -> l3n1 [label={net.w(3, 1, 4).data!r}]" in values


def test_network_layer_titles_name_each_layers_activation_and_write_out_softmax():
    titles = re.findall(
        r'^\t\tlayer\d \[label="([^"]*)"',
        draw_network(MLP([3, 4, 3], activation=["tanh", "softmax"])).source,
        re.M,
    )
    assert titles == [
        "layer 1 (input)",
        "layer 2: tanh",
        "layer 3 (output): softmax\\nsoftmax(z)ₖ = e^(zₖ) / Σⱼ e^(zⱼ)",  # aₖ reads every zⱼ
    ]
    seed = draw_network(tutorial_example().net()).source
    assert '"layer 3 (output): sigmoid"' in seed and "softmax" not in seed


def test_network_after_backward_shows_delta_and_dE_dw_from_the_graph():
    ex, net, fw, E = tutorial_loss()
    E.backward()
    source = draw_network(net, forward=fw, edge_labels="both").source
    formulas = bp.index_form(net, ex.x, ex.y)
    assert f"δ₂⁽²⁾ = {formulas.delta[2][1]!r}" in source
    assert f"∂E/∂w = {net.w(3, 2, 1).grad!r}" in source
    assert f"b₁⁽³⁾ = {net.bias(3, 1).data!r}" in source


def test_delta_flow_writes_out_bp2_and_its_numbers_match_the_z_node_gradient():
    ex, net, fw, E = tutorial_loss()
    E.backward()
    source = draw_network(net, forward=fw, delta_flow=(2, 1)).source
    assert "δ₁⁽²⁾ = (δ₁⁽³⁾·w₁₁⁽³⁾ + δ₂⁽³⁾·w₂₁⁽³⁾) · f′(z₁⁽²⁾)" in source
    assert "Figure 2: δ⁽³⁾ flows back into δ₁⁽²⁾" in source
    assert f"= {fw.z[2][0].grad!r}" in source
    _, edges = parse_dot(source)
    assert sorted(edges) == [("delta_i", "delta_next1"), ("delta_i", "delta_next2")]
    assert "dir=back" in source


def test_figure_2_takes_its_numbers_from_bp_and_they_are_index_forms(monkeypatch):
    """Figure 2 computes nothing: its BP-2 line is bp.hidden_delta's, which is what
    bp.index_form gives for δ₁⁽²⁾ (exactly, with Fractions and relu)."""
    W = {2: [[Fraction(1, 2), Fraction(-1, 3)], [Fraction(1, 4), Fraction(2, 5)]],
         3: [[Fraction(3, 4), Fraction(-1, 2)], [Fraction(1, 3), Fraction(1, 6)]]}  # fmt: skip
    b = {2: [Fraction(1, 10), Fraction(1, 5)], 3: [Fraction(-1, 4), Fraction(1, 8)]}
    net = MLP.from_weights(W, b, activation="relu")
    x, y = [Fraction(2, 3), Fraction(5, 4)], [Fraction(1), Fraction(0)]
    fw = net.forward(x)
    squared_error(y, fw.output).backward()
    formulas = bp.index_form(net, x, y)
    calls = []
    real = bp.hidden_delta
    monkeypatch.setattr(bp, "hidden_delta", lambda *a: calls.append(a) or real(*a))
    source = draw_network(net, forward=fw, delta_flow=(2, 1), fmt=str).source
    (args,) = calls  # the picture asked bp, once
    total, df, delta = real(*args)
    assert delta == formulas.delta[2][0] == fw.z[2][0].grad
    assert f"= {total} · {df} = {delta}" in source


def test_delta_flow_rejects_the_output_layer_and_bad_neurons():
    net = MLP([3, 3, 2])
    with pytest.raises(ValueError, match="hidden layers 2 ≤ l ≤ L−1 = 2"):
        draw_network(net, delta_flow=(3, 1))
    with pytest.raises(ValueError, match="outside 1…n_2 = 3"):
        draw_network(net, delta_flow=(2, 4))
    with pytest.raises(ValueError, match="edge_labels"):
        draw_network(net, edge_labels="weights")


def test_identity_activation_graph_names_the_shared_z_and_a_node_as_z():
    net = MLP([2, 2, 1], activation="identity")
    fw = net.forward([1.0, 2.0])
    E = squared_error([0.5], fw.output)
    E.backward()
    source = draw_graph(E, forward=fw).source
    assert "δ₁⁽³⁾" in source


def test_a_graph_built_by_hand_shows_labels_that_are_tutorial_names_in_unicode():
    w = Value(0.5, label="w_12^(3)")
    d = Value(2.0, label="delta_1^(3)")
    E = w * d
    E.label = "loss"
    labels = [label_of(a) for a in parse_dot(draw_graph(E).source)[0].values()]
    assert any(lab.startswith("w₁₂⁽³⁾\\n") for lab in labels)
    assert any(lab.startswith("δ₁⁽³⁾\\n") for lab in labels)
    assert any(lab.startswith("loss\\n") for lab in labels)  # no name: shown as given
    assert (pretty_name("z_1^(2)"), pretty_name("w_1,10^(2)"), pretty_name("w_110")) == (
        "z₁⁽²⁾",
        "w₁,₁₀⁽²⁾",
        "w_110",  # no name (which indices?): the label as it is
    )


# ------------------------------------------------------------------------------------------
# Files: formats, paths, and a missing dot


@needs_dot
def test_svg_rendering_has_every_dot_node(tmp_path):
    _, _, fw, E = tutorial_loss()
    E.backward()
    graph = draw_graph(E, forward=fw)
    path = save(graph, tmp_path / "g.svg")
    tree = ET.parse(path)
    ns = {"svg": "http://www.w3.org/2000/svg"}
    groups = tree.getroot().findall(".//svg:g[@class='node']", ns)
    assert len(groups) == len(parse_dot(graph.source)[0])
    assert {g.get("id") for g in groups} == set(parse_dot(graph.source)[0])
    assert os.listdir(tmp_path) == ["g.svg"]


@needs_dot
def test_png_and_pdf_have_their_magic_bytes(tmp_path):
    graph = draw_network(MLP([2, 2, 1]))
    assert (tmp_path / "n.png").exists() is False
    assert Path(save(graph, tmp_path / "n.png")).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert Path(save(graph, tmp_path / "n.pdf")).read_bytes()[:5] == b"%PDF-"


def test_dot_output_is_the_source(tmp_path):
    graph = draw_network(MLP([2, 2, 1]))
    save(graph, tmp_path / "n.dot")
    assert (tmp_path / "n.dot").read_text(encoding="utf-8") == graph.source


def test_unknown_format_and_missing_folder_are_refused_before_writing(tmp_path):
    with pytest.raises(ValueError, match=r"unknown output format 'jpg'.*\.svg, \.png, \.pdf"):
        check_output_path(tmp_path / "g.jpg")
    with pytest.raises(ValueError, match="does not exist"):
        save(draw_network(MLP([2, 1])), tmp_path / "missing" / "g.svg")
    (tmp_path / "sub.svg").mkdir()
    with pytest.raises(ValueError, match="is a folder"):
        check_output_path(tmp_path / "sub.svg")
    assert sorted(os.listdir(tmp_path)) == ["sub.svg"]


def test_without_dot_the_digraph_and_dot_source_still_work_but_rendering_says_how_to_install(
    tmp_path, monkeypatch
):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    out = tmp_path / "out"
    out.mkdir()
    _, _, fw, E = tutorial_loss()
    graph = draw_graph(E, forward=fw)
    assert isinstance(graph, graphviz.Digraph)
    save(graph, out / "g.dot")
    with pytest.raises(GraphvizNotFound) as info:
        save(graph, out / "g.svg")
    message = str(info.value)
    assert "`dot`" in message
    assert "apt-get install graphviz" in message and "brew install graphviz" in message
    assert os.listdir(out) == ["g.dot"]  # nothing half-written


def test_names_mapping_draws_what_forward_draws_and_both_at_once_is_refused():
    _, _, fw, E = tutorial_loss()
    E.backward()
    assert draw_graph(E, names=fw.names()).source == draw_graph(E, forward=fw).source
    typed = {k: name.plain for k, name in fw.names().items()}  # names as typed text work too
    assert draw_graph(E, names=typed).source == draw_graph(E, forward=fw).source
    with pytest.raises(TypeError, match="not both"):
        draw_graph(E, forward=fw, names=fw.names())
    assert "cluster_layer" not in draw_graph(E).source  # no names, no layers


# ------------------------------------------------------------------------------------------
# Review fixes: a failing dot, the network's size limit, errors naming the user's path


def test_a_failing_dot_raises_graphviz_failed_quoting_its_stderr_and_writes_nothing(failing_dot):
    from microbp.viz.draw import GraphvizFailed

    x = Value(2.0, label="x")
    with pytest.raises(GraphvizFailed, match="exit status 1.*fake dot cannot lay this out"):
        save(draw_graph(x * x), failing_dot / "g.svg")
    assert os.listdir(failing_dot) == []


def test_network_past_max_edges_or_max_nodes_is_refused_with_advice_not_drawn():
    net = MLP([20, 30, 1])  # 630 weights
    with pytest.raises(GraphTooLarge, match="630 weights.*more than max_edges = 500"):
        draw_network(net)
    assert draw_network(net, max_edges=None).source.count("shape=circle") == 51
    with pytest.raises(GraphTooLarge, match="8 neurons.*more than max_nodes = 5"):
        draw_network(MLP([3, 3, 2]), max_nodes=5)
    wide = MLP([2, 2, 600, 1])  # the δ flow into δ₁⁽²⁾ has 600 arrows
    with pytest.raises(GraphTooLarge, match="δ flow into δ₁⁽²⁾ has 601 neurons"):
        draw_network(wide, delta_flow=(2, 1))
    assert draw_network(wide, delta_flow=(2, 1), max_nodes=None, max_edges=None)


def test_write_atomic_errors_name_the_users_path_not_the_temporary_file(tmp_path):
    from microbp.files import write_atomic

    (tmp_path / "adir.svg").mkdir()
    with pytest.raises(IsADirectoryError, match="adir.svg") as info:
        write_atomic(tmp_path / "adir.svg", "x")
    assert ".tmp" not in str(info.value)
    with pytest.raises(FileNotFoundError, match="g.svg") as info:
        write_atomic(tmp_path / "missing" / "g.svg", "x")
    assert ".tmp" not in str(info.value)
    assert os.listdir(tmp_path) == ["adir.svg"]


def test_check_output_path_checks_the_given_formats_and_refuses_a_folder(tmp_path):
    (tmp_path / "adir.html").mkdir()
    assert check_output_path(tmp_path / "t.html", formats=("html", "htm")) == "html"
    with pytest.raises(ValueError, match="it is a folder"):
        check_output_path(tmp_path / "adir.html", formats=("html",))
    with pytest.raises(ValueError, match="expected a file ending in one of: .html"):
        check_output_path(tmp_path / "t.svg", formats=("html",))


def test_save_refuses_dot_text_with_a_type_error_saying_what_to_pass(tmp_path):
    target = tmp_path / "g.dot"
    with pytest.raises(TypeError, match=r"expects a graphviz graph .* got str; .*graphviz\.Source"):
        save("digraph{}", target)
    with pytest.raises(TypeError, match="got NoneType"):
        save(None, target)
    assert not target.exists()
    save(graphviz.Source("digraph { a -> b }"), target)  # DOT text, wrapped, is a graph
    assert "a -> b" in target.read_text()


_WITHOUT_GRAPHVIZ = """
import sys

class NoGraphviz:
    def find_spec(self, name, path=None, target=None):
        if name == "graphviz" or name.startswith("graphviz."):
            raise ModuleNotFoundError("No module named 'graphviz' (blocked by the test)")
        return None

sys.meta_path.insert(0, NoGraphviz())
import microbp

net = microbp.MLP([2, 2, 1])
E = microbp.squared_error([1.0], net([0.5, -0.5]))
E.backward()
microbp.trace_backward(E)
print("graphviz" in sys.modules)
try:
    microbp.draw_graph(E)
except ImportError as exc:
    print(exc)
"""


def test_microbp_imports_and_computes_without_the_graphviz_package_until_a_picture():
    done = subprocess.run(
        [sys.executable, "-c", _WITHOUT_GRAPHVIZ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    imported, message = done.stdout.splitlines()
    assert imported == "False"
    assert "pip install graphviz" in message


# ------------------------------------------------------------------------------------------
# The tutorial's net, laid out by layer in the tutorial's order


def rows_of(source: str) -> list[list[str]]:
    """The node ids of each rank=same row of the layout, in their order."""
    rows = []
    for body in re.findall(r"subgraph rank\d+ \{(.*?)\n\t\}", source, re.S):
        chain = re.findall(r"(\w+) -> (\w+) \[style=invis\]", body)
        rows.append(
            [chain[0][0], *[b for _, b in chain]] if chain else re.findall(r"\t(\w+)$", body, re.M)
        )
    return rows


def first_lines(source: str) -> dict[str, str]:
    """Each node's first label line: its name, or what it computes."""
    nodes, _ = parse_dot(source)
    return {n: label_of(a).split("\\n")[0] for n, a in nodes.items()}


def test_the_tutorial_net_is_laid_out_by_layer_in_the_tutorials_order():
    _, net, fw, E = tutorial_loss()
    E.label = "E"
    E.backward()
    source = draw_graph(E, forward=fw).source
    name = first_lines(source)
    rows = [[name[n] for n in row] for row in rows_of(source)]
    assert rows[0] == [shown("x", j) for j in (1, 2, 3)]  # x₁ first, not x₃
    weights = [str(n) for n, _ in net.named_parameters() if n.kind == "w" and n.l == 2]
    assert rows[1] == weights == [shown("w", f"{i}{j}", 2) for i in (1, 2, 3) for j in (1, 2, 3)]
    products = next(r for r in rows if any("·" in t for t in r))
    assert products == [
        f"{shown('w', f'{i}{j}', 2)}·{shown('x', j)}" for i in (1, 2, 3) for j in (1, 2, 3)
    ]
    for kind in ("z", "a"):
        for l in (2, 3):
            want = [shown(kind, i, l) for i in range(1, net.sizes[l - 1] + 1)]
            assert any([t for t in r if not t.startswith("const")] == want for r in rows)
    # rows run from the inputs down to E, each node in exactly one row
    ids = [n for row in rows_of(source) for n in row]
    assert len(ids) == len(set(ids)) == len(name)
    assert rows[-1] == ["E"]
    assert "rankdir=TB" in source


def test_every_node_of_the_net_is_named_or_labelled_by_what_it_computes():
    _, _, fw, E = tutorial_loss()
    E.label = "E"
    E.backward()
    source = draw_graph(E, forward=fw).source
    nodes, _ = parse_dot(source)
    boxes = {n: label_of(a).split("\\n")[0] for n, a in nodes.items() if "shape=box" in a[0]}
    assert not [t for t in boxes.values() if t.startswith("#")]
    from microbp import names

    labels = set(boxes.values())
    assert {"Σ", "y₁ − a₁⁽³⁾", "y₂ − a₂⁽³⁾", "(·)²", "w₁₂⁽³⁾·a₂⁽²⁾"} <= labels
    for text in labels:
        if any(c in text for c in "·Σ−²"):
            continue
        names.parse(text)  # the rest are the tutorial's names (x₁, w₁₁⁽²⁾, z₁⁽²⁾, E)


def test_a_graph_built_by_hand_labels_unnamed_nodes_by_their_op():
    x = Value(0.5, label="x")
    w = Value(-1.0, label="w")
    y = ((w * x + 1) ** 2).tanh()
    firsts = set(first_lines(draw_graph(y).source).values())
    assert {"w·x", "· + 1", "(·)²", "tanh(·)"} <= firsts
    long = x * 0.7497546614327771  # a long constant is c; its const node shows the number
    assert {"x·c", "const 0.7497546614327771"} <= set(first_lines(draw_graph(long).source).values())


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@needs_dot
def test_the_tutorial_nets_graph_fits_a_laptop_screen():
    """At 4 digits it fits a 1600 px wide screen at the 11-point font (it was 5961 px wide,
    diagonal); at full precision the numbers themselves make it wider (about 2500 px)."""
    from microbp.viz.draw import render_bytes

    _, _, fw, E = tutorial_loss()
    E.backward()
    width, height = _png_size(render_bytes(draw_graph(E, forward=fw, fmt=".4g"), "png"))
    assert width <= 1600 and height <= 2300, (width, height)
    width, height = _png_size(render_bytes(draw_graph(E, forward=fw), "png"))
    assert width <= 2700 and height <= 2300, (width, height)


def test_shortest_round_trip_numbers_and_the_fraction_convention():
    from microbp.viz.formatting import ascii_text, number_format, shortest

    for value in (0.4, 0.1 + 0.2, -0.0021319638814997106, 1e-300, 2.5e16, -0.0):
        assert float(shortest(value)) == value and shortest(value) == repr(value)
    assert f"{0.4:.17g}" == "0.40000000000000002" and shortest(0.4) == "0.4"
    assert shortest(Fraction(3, 8)) == "3/8" and shortest(7) == "7"
    assert shortest(Fraction(10**20, 3)).startswith("≈")
    assert number_format(digits=3)(2 / 3) == "0.667" and number_format()(0.4) == "0.4"
    with pytest.raises(ValueError, match="not both"):
        number_format(".4g", digits=3)
    with pytest.raises(ValueError, match="from 1 to 100"):
        number_format(digits=0)
    text = ascii_text("δ₁⁽²⁾ = ∂E/∂z₁⁽²⁾ = (Σⱼ δⱼ⁽³⁾ wⱼ₁⁽³⁾)·σ′(z) ≈ −½‖y − a⁽ᴸ⁾‖² w₁₂,₃⁽²⁾")
    assert text.isascii() and "?" not in text
    assert text.startswith("delta_1^(2) = dE/dz_1^(2) = (sum_j delta_j^(3) w_j1^(3))*sigma'(z)")
    assert text.endswith("~ -1/2||y - a^(L)||^2 w_12,3^(2)")
