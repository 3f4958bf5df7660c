"""``microbp graph``, ``microbp trace`` and the demo's pictures, end to end into tmp_path."""

from __future__ import annotations

import importlib.util
import io
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import microbp.cli.app as cli
from microbp import squared_error
from microbp.cli import graph as cli_graph
from microbp.cli import trace as cli_trace
from microbp.cli.app import main
from microbp.cli.demo import demo
from microbp.data import tutorial_example

ROOT = Path(__file__).resolve().parents[1]

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


def test_graph_without_out_prints_the_dot_source_of_the_tutorial_loss(capsys):
    assert main(["graph"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("digraph computation_graph {")
    assert '"E\\ndata' in out and "δ₁⁽²⁾ = " in out


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


# The demo also trains the tutorial's example and writes its loss curve where matplotlib is present.
LOSS_PLOT = ["tutorial-loss.png"] if importlib.util.find_spec("matplotlib") else []


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

    monkeypatch.setattr(cli_graph, "example", no_work)
    monkeypatch.setattr(cli_trace, "example", no_work)
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


# ------------------------------------------------------------------------------------------
# Review fixes


def test_a_failing_dot_is_reported_with_its_stderr_and_exit_2(failing_dot, capsys):
    assert main(["graph", "--out", str(failing_dot / "g.svg")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("microbp graph: error: rendering SVG: graphviz's `dot` failed")
    assert "fake dot cannot lay this out" in err and "Traceback" not in err
    assert main(["trace", "--html", str(failing_dot / "t.html")]) == 2
    assert "fake dot cannot lay this out" in capsys.readouterr().err
    assert os.listdir(failing_dot) == []


def test_a_failing_dot_makes_the_demo_exit_2_with_its_stderr(failing_dot, capsys):
    assert main(["demo", "--out-dir", str(failing_dot)]) == 2
    err = capsys.readouterr().err
    assert "microbp demo: error: rendering SVG: graphviz's `dot` failed" in err
    assert "fake dot cannot lay this out" in err
    assert not [f for f in os.listdir(failing_dot) if f.endswith((".svg", ".html"))]


def no_example(monkeypatch):
    def no_work(args):
        raise AssertionError("the example was built before the check")

    monkeypatch.setattr(cli_graph, "example", no_work)
    monkeypatch.setattr(cli_trace, "example", no_work)


def test_network_and_delta_flow_past_the_limits_are_refused_before_any_work(monkeypatch, capsys):
    no_example(monkeypatch)
    assert main(["graph", "--network", "--net", "100,100,1"]) == 2
    assert "10100 weights to draw, more than max_edges = 500" in capsys.readouterr().err
    assert main(["graph", "--network", "--max-nodes", "5"]) == 2
    assert "8 neurons to draw, more than max_nodes = 5" in capsys.readouterr().err
    assert main(["graph", "--delta-flow", "2,1", "--net", "2,2,9,1", "--max-edges", "8"]) == 2
    assert "9 weights to draw, more than max_edges = 8" in capsys.readouterr().err
    assert main(["graph", "--net", "30,30,30"]) == 2  # the computation graph, too
    assert "at least 1890 Values" in capsys.readouterr().err


def test_max_edges_lets_a_larger_network_through(tmp_path, capsys):
    assert main(["graph", "--network", "--net", "20,30,1"]) == 2
    capsys.readouterr()
    out = tmp_path / "n.dot"
    assert (
        main(["graph", "--network", "--net", "20,30,1", "--max-edges", "700", "--out", str(out)])
        == 0
    )
    assert out.read_text(encoding="utf-8").count("shape=circle") == 51


class BrokenPipe:
    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self):
        pass


@pytest.mark.parametrize("argv", [["trace"], ["graph"]])
def test_a_closed_pipe_is_not_reported_as_an_error(argv):
    args = cli.build_parser().parse_args(argv)
    with pytest.raises(BrokenPipeError):  # left to cli.main, which stops quietly
        args.func(args, out=BrokenPipe())


def test_trace_piped_into_a_reader_that_stops_exits_quietly(tmp_path):
    code = "import sys; from microbp.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "trace", "--net", "20,20,5"],  # > 64 KiB of table
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert proc.stdout.readline().startswith(b"backward pass from E")
    proc.stdout.close()  # what `| head -1` does
    err = proc.stderr.read()
    assert proc.wait() == 0
    assert err == b""


def test_trace_html_refuses_a_large_graph_before_tracing_it(tmp_path, monkeypatch, capsys):
    def no_trace(*args, **kwargs):
        raise AssertionError("traced before the size check")

    monkeypatch.setattr(cli_trace, "trace_backward", no_trace)
    html = str(tmp_path / "t.html")
    assert main(["trace", "--net", "8,8,8", "--html", html, "--max-nodes", "300"]) == 2
    assert "the graph has 448 Values, more than max_nodes = 300" in capsys.readouterr().err
    no_example(monkeypatch)
    assert main(["trace", "--net", "1000,1000,3", "--html", html]) == 2
    assert "at least 1005003 Values" in capsys.readouterr().err
    assert os.listdir(tmp_path) == []


@needs_dot
def test_trace_html_max_nodes_lets_a_larger_graph_through(tmp_path, capsys):
    html = tmp_path / "t.html"
    assert main(["trace", "--net", "8,8,8", "--html", str(html), "--max-nodes", "300"]) == 2
    assert main(["trace", "--net", "8,8,8", "--html", str(html), "--max-nodes", "500"]) == 0
    assert "<svg" in html.read_text(encoding="utf-8")


def test_an_explicit_fmt_or_digits_is_used_by_the_trace_table(capsys):
    assert main(["trace"]) == 0
    default = capsys.readouterr().out
    assert main(["trace", "--fmt", ".4g"]) == 0
    short = capsys.readouterr().out
    assert short != default
    assert main(["trace", "--digits", "4"]) == 0
    assert capsys.readouterr().out == short  # --digits N is .Ng
    assert main(["trace", "--digits", "4", "--fmt", ".4g"]) == 2
    assert "give one of them" in capsys.readouterr().err
    # The last row is x₃'s: its contribution and grad, 4 significant digits
    assert short.split()[-2:] == ["-0.001197", "0.0006605"]
    # by default the shortest text that reads back as the same float: ∂E/∂x₃ to the last bit
    ex = tutorial_example()
    fw = ex.net().forward(ex.x)
    squared_error(ex.y, fw.output).backward()
    last = default.rstrip().split()[-1]
    assert last == repr(fw.a[1][2].grad) and float(last) == fw.a[1][2].grad


def test_trace_html_into_an_existing_folder_is_refused_before_any_work(
    tmp_path, monkeypatch, capsys
):
    no_example(monkeypatch)
    (tmp_path / "adir.html").mkdir()
    assert main(["trace", "--html", str(tmp_path / "adir.html")]) == 2
    err = capsys.readouterr().err
    assert f"cannot write '{tmp_path / 'adir.html'}': it is a folder" in err
    assert main(["trace", "--html", str(tmp_path / "missing" / "x.html")]) == 2
    err = capsys.readouterr().err
    assert "x.html" in err and "x.svg" not in err
    assert os.listdir(tmp_path) == ["adir.html"]


def test_demo_into_a_file_is_refused_before_any_work(tmp_path, capsys):
    path = tmp_path / "a-file"
    path.write_text("keep me")
    with pytest.raises(SystemExit) as info:
        main(["demo", "--out-dir", str(path)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "it is a file, not a folder" in err
    out = io.StringIO()
    assert demo(out=out, out_dir=path / "sub") == 2  # the function checks, too
    assert out.getvalue() == ""  # no table, no training
    assert "is a file, not a folder" in capsys.readouterr().err
    assert path.read_text() == "keep me"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["graph", "--network", "--rankdir", "TB"], "--rankdir applies to the computation graph"),
        (["graph", "--delta-flow", "2,1", "--rankdir", "LR"], "--delta-flow is always drawn"),
        (["graph", "--edge-labels", "values"], "--edge-labels applies to the network diagram"),
        (["graph", "--delta-flow", "2,1", "--edge-labels", "both"], "use it with --network"),
        (["graph", "--max-edges", "9"], "--max-edges applies to --network and --delta-flow"),
        (["trace", "--rankdir", "TB"], "--rankdir applies to the HTML stepper"),
        (["trace", "--max-nodes", "9"], "more than max_nodes = 9, the limit of `microbp trace`"),
    ],
)
def test_options_that_do_not_apply_are_usage_errors_not_ignored(monkeypatch, capsys, argv, message):
    no_example(monkeypatch)
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_edge_labels_are_honoured_by_the_network(capsys):
    assert main(["graph", "--network", "--edge-labels", "values"]) == 0
    source = capsys.readouterr().out
    assert "w₁₁⁽²⁾" not in source and "∂E/∂w" in source
