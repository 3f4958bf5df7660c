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
    # the printed δ₁⁽³⁾ is the seed's BP-1 on the example's numbers
    assert "BP-1" in out and "BP-4" in out


def _seed_output(f) -> tuple[np.ndarray, np.ndarray]:
    """a⁽³⁾ and y of the seed example with output activation ``f``, by numpy alone."""
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
def test_demo_with_another_loss_shows_bp1_as_a_minus_y_on_both_roads(
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
