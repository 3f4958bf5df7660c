"""Bad input to the pictures: hostile labels, format specs and a `dot` that never finishes.

Each case reproduces a reported failure: it failed before the fix and passes now.
"""

from __future__ import annotations

import re
import shutil
from html import unescape

import numpy as np
import pytest

from microbp import MLP, Value, draw_graph, draw_network
from microbp.cli.app import main
from microbp.viz import GraphvizFailed
from microbp.viz.draw import MAX_FORMAT_DIGITS, number_format, render_bytes
from tests.conftest import put_fake_dot

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="needs graphviz's dot")

HOSTILE_LABELS = {
    "11 trailing backslash": "w\\",
    "11 html-like bold": "<b>bold</b>",
    "11 script tag": "<script>alert(1)</script>",
    "11 graphviz name escapes": "\\N \\G \\E",
    "11 quote": 'say "hi"',
}


def _svg_texts(svg: bytes) -> list[str]:
    return [unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg.decode("utf-8"))]


@needs_dot
@pytest.mark.parametrize("label", HOSTILE_LABELS.values(), ids=HOSTILE_LABELS.keys())
def test_draw_network_shows_an_edge_label_as_the_text_the_user_gave(label):
    net = MLP([1, 1], activation="identity", seed=0)
    net.w(2, 1, 1).label = label
    svg = render_bytes(draw_network(net, edge_labels="names"), "svg")
    assert label in _svg_texts(svg)


@needs_dot
@pytest.mark.parametrize("label", HOSTILE_LABELS.values(), ids=HOSTILE_LABELS.keys())
def test_draw_graph_shows_a_node_label_as_the_text_the_user_gave(label):
    x = Value(2.0, label=label)
    svg = render_bytes(draw_graph(x * 3), "svg")
    assert label in _svg_texts(svg)


@needs_dot
def test_draw_graph_keeps_newlines_and_tabs_of_a_label_visible():
    x = Value(2.0, label="first\nsecond\tthird")
    texts = _svg_texts(render_bytes(draw_graph(x * 3), "svg"))
    assert "first" in texts and "second third" in texts  # a line break, the tab a space


def test_draw_network_takes_numpy_integers_for_delta_flow():
    net = MLP([3, 3, 2], seed=0)
    assert draw_network(net, delta_flow=(np.int64(2), np.int32(1))).source == (
        draw_network(net, delta_flow=(2, 1)).source
    )


@pytest.mark.parametrize("fmt", [">5000000000", ".5000000000f", f".{MAX_FORMAT_DIGITS + 1}g"])
def test_a_huge_format_width_or_precision_is_refused_before_formatting(fmt):
    with pytest.raises(ValueError, match=f"at most {MAX_FORMAT_DIGITS}"):
        number_format(fmt)


def test_graph_refuses_a_huge_format_width_with_a_usage_error(tmp_path, capsys):
    assert main(["graph", "--fmt", ">5000000000", "--out", str(tmp_path / "g.dot")]) == 2
    assert f"at most {MAX_FORMAT_DIGITS}" in capsys.readouterr().err
    assert not (tmp_path / "g.dot").exists()


@pytest.fixture
def sleeping_dot(tmp_path, monkeypatch):
    """A `dot` first on PATH that never finishes (as a hung graphviz would)."""
    put_fake_dot(tmp_path, monkeypatch, "exec sleep 30\n", keep_path=True)
    monkeypatch.setenv("MICROBP_DOT_TIMEOUT", "0.5")


def test_a_dot_that_never_finishes_is_stopped_at_the_time_limit(sleeping_dot):
    with pytest.raises(GraphvizFailed, match=r"did not finish within 0\.5 s"):
        render_bytes(draw_graph(Value(1.0) * 2), "svg")


def test_graph_reports_a_hung_dot_and_exits(sleeping_dot, tmp_path, capsys):
    out = tmp_path / "g.svg"
    assert main(["graph", "--out", str(out)]) == 2
    assert "MICROBP_DOT_TIMEOUT" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("text", ["0", "-1", "nan", "soon"])
def test_a_bad_dot_time_limit_is_named(monkeypatch, text):
    monkeypatch.setenv("MICROBP_DOT_TIMEOUT", text)
    with pytest.raises(ValueError, match="MICROBP_DOT_TIMEOUT must be a number of seconds > 0"):
        render_bytes(draw_graph(Value(1.0) * 2), "svg")
