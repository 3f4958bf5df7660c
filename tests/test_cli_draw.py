"""``microbp graph``, ``microbp trace`` and the demo's pictures, end to end into tmp_path."""

from __future__ import annotations

import importlib.util
import os
import shutil
import xml.etree.ElementTree as ET

import pytest

from microbp import cli_draw
from microbp.cli import main

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="graphviz's dot is not installed (apt-get install graphviz)"
)


@pytest.fixture
def no_dot(tmp_path, monkeypatch):
    """A PATH without graphviz's dot (nothing is uninstalled)."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    out = tmp_path / "out"
    out.mkdir()
    return out


def test_graph_without_out_prints_the_dot_source_of_the_seed_loss(capsys):
    assert main(["graph"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("digraph computation_graph {")
    assert "{ E | data" in out and "δ₁⁽²⁾ = " in out


@needs_dot
def test_graph_writes_svg_png_pdf_and_the_network_and_delta_flow(tmp_path, capsys):
    svg = tmp_path / "g.svg"
    assert main(["graph", "--out", str(svg)]) == 0
    assert ET.parse(svg).getroot().tag.endswith("svg")
    assert main(["graph", "--network", "--out", str(tmp_path / "n.png")]) == 0
    assert (tmp_path / "n.png").read_bytes()[:4] == b"\x89PNG"
    assert main(["graph", "--delta-flow", "2,1", "--out", str(tmp_path / "f.pdf")]) == 0
    assert (tmp_path / "f.pdf").read_bytes()[:5] == b"%PDF-"
    args = ["graph", "--net", "2,3,1", "--activation", "tanh", "--rankdir", "TB"]
    assert main([*args, "--out", str(tmp_path / "t.dot")]) == 0
    source = (tmp_path / "t.dot").read_text(encoding="utf-8")
    assert "rankdir=TB" in source and "label=tanh" in source and "w₁₃⁽²⁾" not in source
    assert capsys.readouterr().out.count("wrote ") == 4
    assert sorted(os.listdir(tmp_path)) == ["f.pdf", "g.svg", "n.png", "t.dot"]


def test_trace_prints_the_table(capsys):
    assert main(["trace", "--net", "2,2,1", "--activation", "tanh"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("backward pass from E: ")
    assert "∂(tanh u)/∂u = 1 − tanh²u = " in out


@needs_dot
def test_trace_html_writes_the_stepper(tmp_path, capsys):
    path = tmp_path / "b.html"
    assert main(["trace", "--html", str(path)]) == 0
    assert "<svg" in path.read_text(encoding="utf-8")
    assert capsys.readouterr().out == f"wrote {path}\n"


# The demo also trains the seed example and writes its loss curve where matplotlib is present.
LOSS_PLOT = ["seed-loss.png"] if importlib.util.find_spec("matplotlib") else []


@needs_dot
def test_demo_writes_graph_network_delta_flow_and_stepper_and_prints_their_paths(tmp_path, capsys):
    out_dir = tmp_path / "pictures"
    assert main(["demo", "--out-dir", str(out_dir)]) == 0
    printed = capsys.readouterr().out
    names = ["backward.html", "delta-flow.svg", "graph.svg", "network.svg"]
    assert sorted(os.listdir(out_dir)) == sorted(names + LOSS_PLOT)
    for name in names:
        assert str(out_dir / name) in printed


@pytest.mark.parametrize(
    "argv, message",
    [
        (["graph", "--out", "{tmp}/g.jpg"], "unknown output format 'jpg'"),
        (["graph", "--out", "{tmp}/missing/g.svg"], "does not exist"),
        (["graph", "--network", "--out", "{tmp}/g"], "unknown output format '(none)'"),
        (["trace", "--html", "{tmp}/t.txt"], "--html expects a file ending in .html"),
        (["trace", "--html", "{tmp}/missing/t.html"], "does not exist"),
        (["graph", "--fmt", ".3q"], "invalid number format"),
    ],
)
def test_bad_output_is_refused_before_any_work(tmp_path, monkeypatch, capsys, argv, message):
    def no_work(args):
        raise AssertionError("the example was built before the output was checked")

    monkeypatch.setattr(cli_draw, "_example", no_work)
    argv = [a.format(tmp=tmp_path) for a in argv]
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert os.listdir(tmp_path) == []


def test_delta_flow_of_the_output_layer_is_a_usage_error(capsys):
    assert main(["graph", "--delta-flow", "3,1"]) == 2
    assert "hidden layers 2 ≤ l ≤ L−1" in capsys.readouterr().err


def test_too_large_graph_is_a_usage_error_with_advice(capsys):
    assert main(["graph", "--net", "8,8,8", "--max-nodes", "100"]) == 2
    err = capsys.readouterr().err
    assert "more than max_nodes = 100" in err and "draw_network" in err


def test_without_dot_rendering_says_what_is_missing_exits_2_and_writes_nothing(no_dot, capsys):
    assert main(["graph", "--out", str(no_dot / "g.svg")]) == 2
    err = capsys.readouterr().err
    assert "`dot`" in err and "apt-get install graphviz" in err and "brew install graphviz" in err
    assert main(["trace", "--html", str(no_dot / "t.html")]) == 2
    assert "apt-get install graphviz" in capsys.readouterr().err
    assert os.listdir(no_dot) == []


def test_without_dot_dot_output_still_works(no_dot, capsys):
    assert main(["graph", "--out", str(no_dot / "g.dot")]) == 0
    assert (no_dot / "g.dot").read_text(encoding="utf-8").startswith("digraph")


def test_without_dot_the_demo_writes_dot_sources_and_exits_2(no_dot, capsys):
    assert main(["demo", "--out-dir", str(no_dot)]) == 2
    assert sorted(os.listdir(no_dot)) == ["delta-flow.dot", "graph.dot", "network.dot", *LOSS_PLOT]
    captured = capsys.readouterr()
    assert "largest |autodiff − formula|" in captured.out  # the demo itself still ran
    assert "apt-get install graphviz" in captured.err
