"""`microbp exercise`: the list with solved marks, one answer judged with its exit status, the
prompt with hint and solution, and the progress file (atomic; damaged → warning, fresh start)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("sympy")

import microbp.cli.app as cli  # noqa: E402
from microbp.cli import exercise as exercise_cli  # noqa: E402
from microbp.exercises import progress  # noqa: E402


@pytest.fixture(autouse=True)
def state(tmp_path, monkeypatch):
    """A fresh XDG state folder for each test."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state" / "microbp" / "exercises.json"


def test_the_list_names_every_exercise_and_nothing_is_solved_at_first(capsys, state):
    assert cli.main(["exercise"]) == 0
    out = capsys.readouterr().out
    for ex_id in ("sigmoid-prime", "bp2", "bp2-matrix", "tutorial-delta"):
        assert f"  {ex_id} " in out
    assert "0 of 18 solved" in out and str(state) in out and "✓" not in out


def test_a_correct_answer_exits_0_and_is_marked_solved(capsys, state):
    assert cli.main(["exercise", "sigmoid-prime", "--answer", "a*(1 - a)"]) == 0
    assert "correct for every value" in capsys.readouterr().out
    assert json.loads(state.read_text()) == {"solved": ["sigmoid-prime"]}
    cli.main(["exercise"])
    assert "✓ sigmoid-prime" in capsys.readouterr().out


def test_a_wrong_answer_exits_1_and_names_the_mistake(capsys, state):
    assert cli.main(["exercise", "sigmoid-prime", "--answer", "-2*a*(1 - a)"]) == 1
    out = capsys.readouterr().out
    assert "wrong" in out and "the tutorial's erratum middle step" in out
    assert "docs/errata.md" in out and "yours = " in out
    assert not state.exists()


@pytest.mark.parametrize("text", ["a^2", "__import__('os')", "(" * 10_000, "2a"])
def test_an_answer_that_cannot_be_read_exits_2_with_the_reason(capsys, text):
    assert cli.main(["exercise", "sigmoid-prime", "--answer", text]) == 2
    err = capsys.readouterr().err
    assert err.startswith("microbp exercise: error: cannot read the answer")


def test_bad_usage_exits_2():
    with pytest.raises(SystemExit) as exc:
        cli.main(["exercise", "bp1", "--answer", "a", "--file", "x.py"])
    assert exc.value.code == 2
    assert cli.main(["exercise", "no-such-exercise", "--answer", "1"]) == 2
    assert cli.main(["exercise", "--answer", "1"]) == 2


def test_a_function_answer_from_a_file(tmp_path, capsys):
    right = tmp_path / "bp2.py"
    right.write_text(
        "def bp2(W_next, delta_next, a):\n    return (W_next.T @ delta_next) * a * (1 - a)\n"
    )
    assert cli.main(["exercise", "bp2-matrix", "--file", str(right)]) == 0
    wrong = tmp_path / "wrong.py"
    wrong.write_text("def bp2(W_next, delta_next, a):\n    return W_next.T @ delta_next\n")
    assert cli.main(["exercise", "bp2-matrix", "--file", str(wrong)]) == 1
    out = capsys.readouterr().out
    assert "f′ forgotten" in out and "net [" in out
    broken = tmp_path / "broken.py"
    broken.write_text("def bp2(W_next, delta_next, a)\n")
    assert cli.main(["exercise", "bp2-matrix", "--file", str(broken)]) == 2
    assert cli.main(["exercise", "bp2-matrix", "--file", str(tmp_path / "missing.py")]) == 2


def test_a_damaged_progress_file_warns_and_starts_afresh(capsys, state):
    state.parent.mkdir(parents=True)
    state.write_text("{not json")
    assert cli.main(["exercise", "bp4", "--answer", "delta_1^(2)"]) == 0
    captured = capsys.readouterr()
    assert "warning" in captured.err and "starting afresh" in captured.err
    assert json.loads(state.read_text()) == {"solved": ["bp4"]}


def test_progress_is_written_atomically(monkeypatch, state):
    calls = []
    real = progress.write_atomic
    monkeypatch.setattr(progress, "write_atomic", lambda p, d: (calls.append(p), real(p, d)))
    progress.save({"bp1", "unknown"}, ["bp1", "bp2"])
    assert calls == [state] and json.loads(state.read_text()) == {"solved": ["bp1"]}


def _prompt(lines):
    feed = iter(lines)

    def ask(prompt):
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None

    return ask


class _Args:
    def __init__(self, ex_id):
        self.id, self.answer, self.file = ex_id, None, None


def test_the_prompt_repeats_tries_gives_a_hint_and_the_solution_only_after_a_try(capsys):
    lines = ["solution", "hint", "a", "solution", "a*(1-a)"]
    assert exercise_cli.run(_Args("sigmoid-prime"), ask=_prompt(lines)) == 0
    out = capsys.readouterr().out
    assert "σ′(z)" in out and "after a first try" in out
    assert "hint: " in out and "wrong" in out
    assert "a solution:\n  a*(1 - a)" in out and "correct for every value" in out


def test_the_prompt_ends_unsolved_with_1_on_quit_or_end_of_input(capsys):
    assert exercise_cli.run(_Args("bp1"), ask=_prompt(["a - y", "quit"])) == 1
    assert exercise_cli.run(_Args("bp1"), ask=_prompt(["(("])) == 1
    assert "cannot read the answer" in capsys.readouterr().out


def test_the_command_runs_as_a_program(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "microbp.cli", "exercise", "chain-rule", "--answer", "-6"],
        capture_output=True,
        text=True,
        env={**os.environ, "XDG_STATE_HOME": str(tmp_path)},
        timeout=120,
    )
    assert done.returncode == 1 and "the sign" in done.stdout
