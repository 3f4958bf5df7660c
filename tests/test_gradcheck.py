"""gradcheck: autodiff, the δ formulas and central finite differences side by side, per
parameter — it passes for every activation, catches a wrong gradient, changes nothing, and at a
relu kink shows the finite difference without comparing it. (Moved from tests/test_bp.py.)"""

from __future__ import annotations

import pytest

from microbp import MLP, bp, gradcheck, names
from microbp.activations import ACTIVATIONS


@pytest.mark.parametrize("act", sorted(ACTIVATIONS))
def test_gradcheck_passes_with_finite_differences_for_every_activation(act):
    net = MLP([3, 4, 2], activation=act, seed=5, init="xavier")
    report = gradcheck(net, [0.3, -0.7, 0.9], [0.2, 0.8])
    assert report.passed, str(report)
    assert max(r.numeric_diff for r in report.rows) < 1e-7


def test_gradcheck_catches_a_wrong_gradient(monkeypatch):
    net = MLP([2, 2, 1], activation="tanh", seed=1)
    real = bp.index_form

    def off_by_a_bit(*args):
        result = real(*args)
        result.db[3][0] *= 1.001
        return result

    monkeypatch.setattr(bp, "index_form", off_by_a_bit)
    report = gradcheck(net, [0.5, -0.5], [1.0])
    assert not report.passed
    assert [r.name for r in report.failures()] == [names.b(3, 1)]
    assert "b₁⁽³⁾" in str(report)  # shown in the Unicode form
    assert "FAIL" in str(report)


def test_gradcheck_leaves_the_numbers_as_they_were():
    net = MLP([2, 3, 1], activation="sigmoid")
    before = net.get_flat()
    gradcheck(net, [0.1, 0.2], [1.0])
    assert (net.get_flat() == before).all()


def test_gradcheck_at_a_relu_kink_shows_but_does_not_compare_the_finite_difference():
    # x = 0 makes every z⁽²⁾ = b⁽²⁾ and z⁽³⁾ … sit where the probe θ ± ε crosses relu's kink.
    net = MLP([2, 3, 1], activation="relu", init="xavier")
    report = gradcheck(net, [0.0, 0.0], [1.0])
    assert report.passed, str(report)
    kinked = [r for r in report.rows if r.kink]
    assert kinked and any(r.numeric_diff > 0.1 for r in kinked)  # the quotient is off, and shown
    assert all(not r.kink for r in report.rows if r.name.kind == "w" and r.name.l == 2)
    assert "kink: fd not compared" in str(report)


def test_gradcheck_away_from_kinks_flags_nothing():
    report = gradcheck(
        MLP([3, 4, 2], activation="relu", seed=5, init="xavier"), [0.3, -0.7, 0.9], [0.2, 0.8]
    )
    assert report.passed and not any(r.kink for r in report.rows)


def _compared_column(text: str, method: str) -> dict[str, str]:
    """The compared method's column of a printed report: parameter → the text shown."""
    section = text.split(f"vs {method}:\n", 1)[1].splitlines()
    rows = section[2:]  # below the header and its rule
    rows = rows[: next(k for k, row in enumerate(rows) if row.startswith(f"{method} vs autodiff"))]
    return {cells[0]: cells[1] for cells in (row.split() for row in rows)}


def _autodiff_column(text: str) -> dict[str, str]:
    """The autodiff column of the report's main table (``text`` ends with its last row)."""
    head, _, *rows = text.splitlines()
    at = head.split().index("autodiff")
    return {cells[0]: cells[at] for cells in (row.split() for row in rows)}


@pytest.mark.parametrize("fmt", [None, ".4g"])
def test_the_compared_column_is_written_like_the_autodiff_column(fmt):
    from microbp.gradcheck import Method
    from microbp.viz.formatting import number_format

    def copy_of_autodiff(n, x, y, loss):
        return [p.grad for p in n.parameters()]

    net = MLP([3, 4, 2], activation="tanh", seed=2, init="xavier")
    report = gradcheck(
        net, [0.5, -1.0, 2.0], [1.0, 0.0], reference=None, compare=Method("mine", copy_of_autodiff)
    )
    text = report.table(number_format(fmt))
    compared = _compared_column(text, "mine")
    autodiff = _autodiff_column(text.split("\nE = ", 1)[0])
    assert len(compared) == 26 and compared == {p: autodiff[p] for p in compared}


@pytest.mark.parametrize(("digits", "written"), [([], repr), (["--digits", "4"], "{:.4g}".format)])
def test_check_compare_torch_prints_torchs_gradients_as_digits_asks(digits, written, capsys):
    pytest.importorskip("torch")
    import microbp.cli.app as cli

    argv = ["check", "--net", "3,4,2", "--activation", "tanh", "--compare", "torch", *digits]
    assert cli.main(argv) == 0
    column = _compared_column(capsys.readouterr().out, "torch")
    assert len(column) == 26
    assert all(text == written(float(text)) for text in column.values()), column
