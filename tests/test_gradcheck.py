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
