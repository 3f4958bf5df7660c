"""The command line, end to end: `microbp demo` and `microbp check`."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

import microbp.cli.app as cli
from microbp import bp
from microbp.data import tutorial_example


def test_demo_prints_every_delta_and_gradient_next_to_the_formula(capsys):
    assert cli.main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "E = ½‖y − a⁽³⁾‖²" in out
    rows = re.findall(
        r"^  ([δwb][₀-₉,]+⁽[⁰¹²³⁴⁵⁶⁷⁸⁹]+⁾)\s+(\S+)\s+(\S+)\s+(\S+)\s+(BP-\d)$", out, re.M
    )
    names = [r[0] for r in rows]
    assert names[:5] == ["δ₁⁽³⁾", "δ₂⁽³⁾", "δ₁⁽²⁾", "δ₂⁽²⁾", "δ₃⁽²⁾"]
    assert names[5:7] == ["w₁₁⁽²⁾", "w₁₂⁽²⁾"] and "z₁⁽²⁾ =" in out  # one notation: Unicode
    assert len(rows) == 5 + 9 + 3 + 6 + 2
    for _, autodiff, formula, diff, _ in rows:
        assert abs(float(autodiff) - float(formula)) <= 1e-12 * abs(float(formula))
        assert abs(float(diff)) <= 1e-12
    # the printed δ₁⁽³⁾ is the tutorial's BP-1 on the example's numbers
    assert "BP-1" in out and "BP-4" in out


def _seed_output(f) -> tuple[np.ndarray, np.ndarray]:
    """a⁽³⁾ and y of the tutorial's example with output activation ``f``, by numpy alone."""
    ex = tutorial_example()
    sigmoid = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    a2 = sigmoid(np.array(ex.W[2]) @ np.array(ex.x) + np.array(ex.b[2]))
    z3 = np.array(ex.W[3]) @ a2 + np.array(ex.b[3])
    return f(z3), np.array(ex.y)


@pytest.mark.parametrize(
    ("loss", "output", "E"),
    [
        (
            "binary_cross_entropy",
            lambda z: 1 / (1 + np.exp(-z)),
            lambda a, y: -np.sum(y * np.log(a) + (1 - y) * np.log(1 - a)),
        ),
        ("cross_entropy", lambda z: np.exp(z) / np.exp(z).sum(), lambda a, y: -y @ np.log(a)),
    ],
)
def test_demo_with_another_loss_shows_bp1_as_a_minus_y_by_both_methods(
    loss, output, E, capsys, tmp_path
):
    assert cli.main(["demo", "--loss", loss, "--out-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    a, y = _seed_output(output)
    head = "f⁽²⁾ = sigmoid, f⁽³⁾ = softmax" if loss == "cross_entropy" else "f = σ"
    assert out.splitlines()[0].endswith(head)
    shown_E = re.search(r"^E = .* =\s+(\S+)$", out, re.M)
    assert float(shown_E.group(1)) == pytest.approx(E(a, y), rel=1e-14)
    assert "BP-1 (l = L; δ⁽ᴸ⁾ = a⁽ᴸ⁾ − y)" in out
    rows = re.findall(
        r"^  ([δwb][₀-₉,]+⁽[⁰¹²³⁴⁵⁶⁷⁸⁹]+⁾)\s+(\S+)\s+(\S+)\s+(\S+)\s+(BP-\d)$", out, re.M
    )
    assert len(rows) == 5 + 9 + 3 + 6 + 2
    for i in (1, 2):  # δᵢ⁽³⁾, autodiff and formula, is aᵢ − yᵢ computed here
        _, autodiff, formula, _, rule = rows[i - 1]
        assert rule == "BP-1"
        assert float(autodiff) == pytest.approx(a[i - 1] - y[i - 1], rel=1e-14)
        assert float(formula) == pytest.approx(a[i - 1] - y[i - 1], rel=1e-14)
    for _, autodiff, formula, _, _ in rows:
        assert abs(float(autodiff) - float(formula)) <= 1e-12 * abs(float(formula))
    assert {"graph.svg", "network.svg", "backward.html"} <= {p.name for p in tmp_path.iterdir()}
    assert re.search(r"stopped by tol after \d+ epochs; a⁽³⁾ = \[0\.99", out)


def test_check_passes_and_exits_zero(capsys):
    assert cli.main(["check", "--net", "3,4,2", "--activation", "tanh"]) == 0
    out = capsys.readouterr().out
    assert "PASS" in out and "w₁₂⁽³⁾" in out


def test_check_exits_one_on_disagreement(capsys, monkeypatch):
    real = bp.index_form

    def wrong(*args):
        result = real(*args)
        result.dW[2][0][0] += 1e-3
        return result

    monkeypatch.setattr(bp, "index_form", wrong)
    assert cli.main(["check", "--net", "2,2,1"]) == 1
    assert "FAIL" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv,message",
    [
        (["check", "--net", "3"], "at least two layer sizes"),
        (["check", "--net", "3,x"], "comma-separated integers"),
        (["check", "--activation", "gelu"], "unknown activation 'gelu'"),
        (["check", "--net", "3,2,1", "--activation", "relu,relu,relu"], "one activation per layer"),
    ],
)
def test_bad_arguments_exit_two_with_a_clear_message(argv, message, capsys):
    try:
        code = cli.main(argv)  # an error found by the command itself
    except SystemExit as exit_info:  # an error found while parsing the arguments
        code = exit_info.code
    assert code == 2
    assert message in capsys.readouterr().err


def test_console_script_module_runs():
    result = subprocess.run(
        [sys.executable, "-m", "microbp.cli", "demo"], capture_output=True, text=True, check=True
    )
    assert "largest |autodiff − formula|" in result.stdout


# ------------------------------------------------------------------------------------------
# How numbers and names are shown: --digits, --ascii, the shortest round-trip form


def test_demo_writes_numbers_in_the_shortest_form_that_reads_back_as_the_same_float(
    capsys, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    ex = tutorial_example()
    fw = ex.net().forward(ex.x)
    assert cli.main(["demo"]) == 0
    out = capsys.readouterr().out
    z = fw.z[2][0].data
    assert f"{z:.17g}" == "0.40000000000000002"  # what the demo printed before
    assert "z₁⁽²⁾ = 0.4 " in out
    shown = dict(re.findall(r"([za][₀-₉]+⁽[⁰¹²³⁴⁵⁶⁷⁸⁹]+⁾) = (\S+)", out))
    assert len(shown) == 10
    for l in (2, 3):
        for i, (zi, ai) in enumerate(zip(fw.z[l], fw.a[l]), start=1):
            for kind, node in (("z", zi), ("a", ai)):
                text = shown[f"{kind}{chr(0x2080 + i)}⁽{'⁰¹²³'[l]}⁾"]
                assert float(text) == node.data and text == repr(node.data)


def test_digits_rounds_every_number_of_demo_and_check(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["demo", "--digits", "3"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"a₁⁽²⁾ = 0\.599$", out, re.M) and "z₁⁽²⁾ = 0.4 " in out
    assert cli.main(["check", "--digits", "3"]) == 0
    rows = [r for r in capsys.readouterr().out.splitlines() if r.startswith("w₁₁⁽²⁾")]
    true, autodiff = rows[0].split()[1:3]
    assert len(true.lstrip("-0.").replace("e", "")) <= 5 and float(true) == float(autodiff)
    with pytest.raises(SystemExit):
        cli.main(["demo", "--digits", "0"])
    assert "significant digits from 1 to 100" in capsys.readouterr().err


@pytest.mark.parametrize("ascii", [False, True], ids=["unicode", "ascii"])
def test_the_demos_forward_pass_shows_the_as_in_one_column(ascii, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["demo", *(["--ascii"] if ascii else [])]) == 0
    rows = [r for r in capsys.readouterr().out.splitlines() if re.match(r"  z\S+ = ", r)]
    assert len(rows) == 5
    columns = {r.index("   a") for r in rows}
    assert len(columns) == 1, rows


ASCII_COMMANDS = [["demo"], ["check"], ["trace"], ["graph"], ["prove", "--net", "2,2,1"]]


@pytest.mark.parametrize("argv", ASCII_COMMANDS, ids=lambda a: a[0])
def test_ascii_output_is_pure_ascii_with_the_names_in_their_typed_form(
    argv, capsys, tmp_path, monkeypatch
):
    if argv[0] == "prove":
        pytest.importorskip("sympy")
    monkeypatch.chdir(tmp_path)
    assert cli.main(argv) in (0, 1)
    unicode_out = capsys.readouterr().out
    assert not unicode_out.isascii()  # the test could fail: the default shows Unicode
    assert cli.main([*argv, "--ascii"]) in (0, 1)
    out, err = capsys.readouterr()
    assert out.isascii() and err.isascii()
    assert "?" not in out.replace("? ", "")  # every symbol has its ASCII spelling
    assert re.search(r"(w_\d\d|delta_\d|x_\d)(\^\(\d\))?", out)
    if argv[0] != "graph":  # graph names the files it wrote: no table
        assert_columns_line_up(unicode_out)
        assert_columns_line_up(out)  # the ASCII words (Σ → sum) laid out, not swapped in after


def assert_columns_line_up(out: str) -> None:
    """Every table in ``out`` (a line of dash groups under its header) has a space, in every
    row, at each gap between the dash groups: no cell runs into the next column."""
    lines = out.splitlines()
    tables = 0
    for k, rule in enumerate(lines):
        if not re.fullmatch(r" *-+( +-+)+ *", rule):
            continue
        tables += 1
        gaps = [
            i
            for i in range(len(rule.rstrip()))
            if rule[i] == " " and i >= len(rule) - len(rule.lstrip())
        ]
        rows = [lines[k - 1]]
        for row in lines[k + 1 :]:
            if "  " not in row.strip():  # a blank line or a sentence: the table has ended
                break
            rows.append(row)
        for row in rows:
            bad = [i for i in gaps if i < len(row) and row[i] != " "]
            assert not bad, f"a cell crosses a column gap at {bad}:\n{rule}\n{row}"
    assert tables, "no table found"


def test_ascii_usage_errors_are_ascii_too(capsys):
    with pytest.raises(SystemExit):
        cli.main(["check", "--net", "0", "--ascii"])
    err = capsys.readouterr().err
    assert err.isascii() and ">= 1" in err


CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


@pytest.mark.parametrize("argv", [*ASCII_COMMANDS, ["--help"], ["demo", "--help"]])
def test_no_untranslated_chinese_in_the_english_output(argv, capsys, tmp_path, monkeypatch):
    if argv[0] == "prove":
        pytest.importorskip("sympy")
    monkeypatch.chdir(tmp_path)
    try:
        cli.main(argv)
    except SystemExit:  # --help
        pass
    out, err = capsys.readouterr()
    assert not CJK.search(out + err), CJK.findall(out + err)


# -- what `microbp --help`, `microbp CMD --help` and `--version` say ---------------------------
# argparse has no public way to list a parser's subcommands and options or to render one
# option's help: these helpers read its _actions and its formatter, argparse's private names
# (microbp's own are not read).


def _subcommands():
    import argparse

    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices


def _options(command_parser):
    import argparse

    return [
        a
        for a in command_parser._actions
        if a.option_strings and not isinstance(a, (argparse._HelpAction, argparse._VersionAction))
    ]


def test_version_prints_the_package_version(capsys):
    import microbp

    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"microbp {microbp.__version__}"


@pytest.mark.parametrize("command", list(_subcommands()))
def test_every_subcommand_has_a_description_and_every_option_help_with_its_default(command):
    import argparse

    parser = _subcommands()[command]
    assert parser.description and len(parser.description) > 40, command
    text = parser.format_help()  # renders (a stray % in a help text would raise here)
    formatter = parser._get_formatter()
    for action in _options(parser):
        flag = action.option_strings[-1]
        assert action.help, f"microbp {command} {flag} has no help"
        shown = formatter._get_help_string(action) % {**vars(action), "prog": parser.prog}
        if action.default not in (None, False, argparse.SUPPRESS):
            assert "default" in shown, f"microbp {command} {flag}: default not shown: {shown}"
        if flag == "--activation":
            assert "softmax" in shown, f"microbp {command} --activation does not list softmax"
    assert "(default" in text or "default:" in text


def test_a_default_is_shown_as_it_is_typed(capsys):
    with pytest.raises(SystemExit):
        cli.main(["check", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "layer sizes, e.g. 3,4,2 (default 3,4,2)" in out
    assert "(default 1e-06)" in out and "(default small)" in out


def test_the_readme_command_table_lists_exactly_the_commands_that_exist():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("The command line:", 1)[1].split("\n\n", 2)[1]
    listed = re.findall(r"^\| `microbp ([a-z-]+)", table, flags=re.M)
    assert sorted(listed) == sorted(_subcommands()), table
    assert len(listed) == len(set(listed))


# -- no command is silent for long on a terminal -----------------------------------------------


class _Terminal:
    """A standard error that says it is a terminal, and keeps what is written to it."""

    def __init__(self) -> None:
        import io

        self.buffer = io.StringIO()

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return self.buffer.write(text)

    def flush(self) -> None:
        pass


def _slow_check(monkeypatch, seconds: float):
    import time

    from microbp.cli import check as cli_check

    def run(args, out=None) -> int:
        time.sleep(seconds)
        return 0

    monkeypatch.setattr(cli_check, "run", run)


def test_a_long_command_says_it_is_still_working_on_a_terminal(monkeypatch):
    from microbp.cli import progress

    monkeypatch.setattr(progress, "FIRST", 0.05)
    monkeypatch.setattr(progress, "EVERY", 0.05)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    _slow_check(monkeypatch, 0.4)
    assert cli.main(["check"]) == 0
    lines = terminal.buffer.getvalue().splitlines()
    assert len(lines) >= 2
    assert all(re.fullmatch(r"microbp check: still working \(\d+ s so far; Ctrl-C stops it\)", x)
               for x in lines)  # fmt: skip


def test_no_heartbeat_in_a_pipe_or_beside_a_commands_own_bar(monkeypatch, capsys):
    from microbp.cli import progress

    monkeypatch.setattr(progress, "FIRST", 0.01)
    monkeypatch.setattr(progress, "EVERY", 0.01)
    _slow_check(monkeypatch, 0.2)
    assert cli.main(["check"]) == 0
    assert capsys.readouterr().err == ""  # standard error is not a terminal
    # A heartbeat due at once: started at all, it would print before train's first epoch.
    # The command is registered with its own display, so none starts (no race to lose).
    monkeypatch.setattr(progress, "FIRST", 0.0)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    started = []
    monkeypatch.setattr(progress.heartbeat, "_beat", lambda self: started.append(self.name))
    assert cli.main(["train", "--data", "xor", "--max-epochs", "300", "--tol", "0"]) == 0
    assert started == []
    assert "still working" not in terminal.buffer.getvalue()  # fit's bar instead


@pytest.mark.parametrize(
    "argv", [["train"], ["prove"], ["rprop-bench"], ["lab"]], ids=lambda a: a[0]
)
def test_a_command_with_its_own_display_says_so_where_it_is_registered(argv):
    assert cli.build_parser().parse_args(argv).own_display is True
    assert getattr(cli.build_parser().parse_args(["check"]), "own_display", False) is False


def test_rprop_bench_reports_each_cell_as_it_is_done():
    from microbp.experiments import rprop_bench

    seen = []
    rprop_bench.benchmark(
        problems=["xor"],
        algorithms=["GD", "SGD", "iRprop-"],
        seeds=2,
        gd_lrs=[2.0, 8.0],
        max_epochs=10,
        progress=lambda done, total: seen.append((done, total)),
    )
    total = 2 + 1 + 1  # the μ grid, iRprop-, then SGD at GD's best μ
    assert seen == [(k, total) for k in range(total + 1)]


def test_the_training_plot_names_data_net_and_optimizer_in_a_title_that_fits(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    import microbp.cli.train as cli_train
    from microbp.experiments import report

    titles = []

    def recording(history, path=None, **kw):
        fig = report.plot_history(history, path, **kw)
        ax = fig.axes[0]
        fig.canvas.draw()
        box = ax.title.get_window_extent()
        titles.append((ax.get_title(), box.x0 >= 0 and box.x1 <= fig.bbox.width))
        return fig

    monkeypatch.setattr(cli_train, "plot_history", recording)
    plot = tmp_path / "loss.png"
    argv = ["train", "--data", "xor", "--net", "2,16,16,1", "--activation", "tanh"]
    assert cli.main([*argv, "--max-epochs", "20", "--plot", str(plot), "--quiet"]) == 0
    ((title, fits),) = titles
    assert title.splitlines()[0].startswith("xor · MLP 2-16-16-1 (tanh) · iRprop-")
    assert "after 20 epochs" in title.splitlines()[-1] and fits and plot.stat().st_size > 0


@pytest.mark.parametrize("command", ["vanishing", "rprop-bench"])
def test_the_seeds_help_states_the_defaults_the_runs_use(command, capsys):
    import inspect

    from microbp.experiments import rprop_bench, vanishing

    module, run = {
        "vanishing": (vanishing, vanishing.gradient_statistics),
        "rprop-bench": (rprop_bench, rprop_bench.benchmark),
    }[command]
    with pytest.raises(SystemExit):
        cli.main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    m = re.search(r"--seeds SEEDS seeds 0…SEEDS−1 \(default (\d+); (\d+) if --quick\)", text)
    assert m, f"microbp {command} --help: no --seeds default in {text!r}"
    assert int(m.group(1)) == inspect.signature(run).parameters["seeds"].default
    assert int(m.group(2)) == module.QUICK["seeds"]
