"""The command line, end to end: `microbp demo` and `microbp check`."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

import microbp.cli.app as cli
from microbp import bp


def test_demo_prints_every_delta_and_gradient_next_to_the_formula(capsys):
    assert cli.main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "E = ½‖y − a⁽³⁾‖²" in out
    rows = re.findall(r"^  ([δwb]_\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(BP-\d)$", out, re.M)
    names = [r[0] for r in rows]
    assert names[:5] == ["δ_1^(3)", "δ_2^(3)", "δ_1^(2)", "δ_2^(2)", "δ_3^(2)"]
    assert len(rows) == 5 + 9 + 3 + 6 + 2
    for _, autodiff, formula, diff, _ in rows:
        assert abs(float(autodiff) - float(formula)) <= 1e-12 * abs(float(formula))
        assert abs(float(diff)) <= 1e-12
    # the printed δ₁⁽³⁾ is the seed's BP-1 on the example's numbers
    assert "BP-1" in out and "BP-4" in out


def test_check_passes_and_exits_zero(capsys):
    assert cli.main(["check", "--net", "3,4,2", "--activation", "tanh"]) == 0
    out = capsys.readouterr().out
    assert "PASS" in out and "w_12^(3)" in out


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
