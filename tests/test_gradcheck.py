"""gradcheck: autodiff, the δ formulas and central finite differences side by side, per
parameter — it passes for every activation, catches a wrong gradient, changes nothing, and at a
relu kink shows the finite difference without comparing it; ``compare`` adds another library's
gradient as a column (``microbp check --compare torch``). (The exact reference it compares
with: tests/test_gradcheck_reference.py.)"""

from __future__ import annotations

import importlib
import sys

import pytest

import microbp.cli.app as cli
from microbp import MLP, bp, gradcheck, names
from microbp.activations import ACTIVATIONS
from microbp.gradcheck import Method
from microbp.interop import torch_method


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


# --------------------------------------------------------------------------------------------
# compare: another library's gradient as a column
# gradcheck's ``compare`` method: another library's gradient as a column, checked against
# autodiff and BP-1…BP-4; ``microbp check --compare torch`` adds PyTorch autograd's, and exits
# 2 naming the extra when PyTorch is missing. ``Road`` and ``torch_road``, the old names of
# ``Method`` and ``torch_method``, still work for one release.


X, Y = [0.5, -1.0, 2.0], [1.0, 0.0]


def net() -> MLP:
    return MLP([3, 4, 2], activation="tanh", seed=2, init="xavier")


def test_an_agreeing_method_is_a_column_with_its_gaps():
    def copy_of_autodiff(n, x, y, loss):
        return [p.grad for p in n.parameters()]  # gradcheck has just run E.backward()

    report = gradcheck(net(), X, Y, compare=Method("mine", copy_of_autodiff))
    assert report.passed and report.compare == "mine"
    assert all(r.compare_diff == 0 and r.compare_ok for r in report.rows)
    text = str(report)
    assert "vs mine:" in text and "|mine − bp|" in text and "within 1e-10 relative: yes" in text


def test_a_method_that_disagrees_fails_the_check_on_that_parameter():
    def shifted_on_one_parameter(n, x, y, loss):
        g = [p.grad for p in n.parameters()]
        g[3] += 1e-6
        return g

    report = gradcheck(net(), X, Y, compare=Method("bad", shifted_on_one_parameter))
    assert not report.passed
    assert [r.name.plain for r in report.failures()] == [net().parameter_names()[3]]
    assert "NO" in str(report)


def test_a_method_with_the_wrong_count_is_refused():
    with pytest.raises(ValueError, match="gave 1 gradients for 26 parameters"):
        gradcheck(net(), X, Y, compare=Method("short", lambda *a: [0.0]))


def test_without_compare_the_report_is_unchanged():
    report = gradcheck(net(), X, Y)
    assert report.compare is None and "vs " not in str(report).split("true gradient")[0]
    assert all(r.compared is None and r.compare_diff is None for r in report.rows)


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "--net", "3,4,2", "--activation", "tanh", "--compare", "torch"],
        [
            "check",
            "--net",
            "2,3,3",
            "--activation",
            "relu,softmax",
            "--loss",
            "cross_entropy",
            "--compare",
            "torch",
        ],
    ],
)
def test_check_compare_torch_adds_pytorchs_column(argv, capsys):
    pytest.importorskip("torch")
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "vs torch:" in out and "torch vs autodiff: max difference" in out and "PASS" in out


def test_check_compare_torch_without_pytorch_exits_two_naming_the_extra(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch → ImportError
    assert cli.main(["check", "--compare", "torch"]) == 2
    err = capsys.readouterr().err
    assert "--compare torch" in err and "microbp[torch]" in err


@pytest.mark.parametrize(
    "module, old, new",
    [
        ("microbp.gradcheck", "Road", Method),
        ("microbp.interop", "torch_road", torch_method),
        ("microbp.interop.pytorch", "torch_road", torch_method),
    ],
)
def test_the_old_names_still_work_for_one_release_and_warn(module, old, new):
    mod = importlib.import_module(module)  # microbp.gradcheck, the attribute, is the function
    match = rf"{module}\.{old} is deprecated.*{module}\.{new.__name__}"
    with pytest.warns(DeprecationWarning, match=match):
        assert getattr(mod, old) is new
    with pytest.warns(DeprecationWarning, match=old):
        exec(f"from {module} import {old}", {})


def test_an_old_method_still_joins_the_check():
    with pytest.warns(DeprecationWarning):
        from microbp.gradcheck import Road

    report = gradcheck(
        net(), X, Y, compare=Road("old", lambda n, *a: [p.grad for p in n.parameters()])
    )
    assert report.passed and report.compare == "old"


def test_the_new_names_do_not_warn(recwarn):
    importlib.reload(importlib.import_module("microbp.interop"))  # imports the new names
    gradcheck(net(), X, Y, compare=Method("new", lambda n, *a: [p.grad for p in n.parameters()]))
    assert not [w for w in recwarn if issubclass(w.category, DeprecationWarning)]
