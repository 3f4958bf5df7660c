"""gradcheck's ``compare`` method: another library's gradient as a column, checked against
autodiff and BP-1…BP-4; ``microbp check --compare torch`` adds PyTorch autograd's, and exits
2 naming the extra when PyTorch is missing. ``Road`` and ``torch_road``, the old names of
``Method`` and ``torch_method``, still work for one release."""

from __future__ import annotations

import importlib
import sys

import pytest

import microbp.cli.app as cli
from microbp import MLP
from microbp.gradcheck import Method, gradcheck
from microbp.interop import torch_method

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
