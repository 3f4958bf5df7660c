"""fit(stop_when=…): a convergence criterion on the outputs, checked after target, before tol."""

import numpy as np
import pytest

from microbp import MLP, bp, data, fit
from microbp.optim import GD, SGD, Rprop
from microbp.train import STOP_REASONS, outputs_within

METHODS = ("autodiff", "formulas")


def xor_net():
    return MLP([2, 3, 1], seed=1)


@pytest.mark.parametrize("method", METHODS)
def test_stop_when_fires_at_the_first_epoch_whose_outputs_meet_it_and_not_before(method):
    X, Y = data.xor()
    full = fit(xor_net(), X, Y, Rprop(), max_epochs=200, tol=0, gradients="formulas")
    assert full.stopped_by == "max_epochs"
    # Replay the run epoch by epoch to find where every output is first within 0.4.
    seen = []
    for t in range(0, 200):
        net = xor_net()
        fit(net, X, Y, Rprop(), max_epochs=t, tol=0, gradients="formulas", quiet=True)
        O = bp.backprop(net, X, Y).a[net.L]
        seen.append(bool(np.all(np.abs(O - Y) < 0.4)))
        if seen[-1]:
            break
    first = len(seen) - 1
    assert seen[-1] and first > 0
    net = xor_net()
    h = fit(net, X, Y, Rprop(), max_epochs=200, tol=0, gradients=method, stop_when=outputs_within())
    assert (h.stopped_by, h.epochs) == ("criterion", first)
    O = bp.backprop(net, X, Y).a[net.L]  # the net fit left behind meets the criterion
    assert np.all(np.abs(O - Y) < 0.4)


@pytest.mark.parametrize("method", METHODS)
def test_stop_when_sees_the_outputs_of_every_row_and_y_after_sgd_epochs(method):
    X, Y = data.parity(3)
    calls = []

    def record(outputs, Yseen):
        calls.append((np.array(outputs), np.array(Yseen)))
        return len(calls) == 4

    net = MLP([3, 4, 1], seed=0)
    h = fit(net, X, Y, SGD(0.5, batch_size=3), max_epochs=50, gradients=method, stop_when=record)
    assert (h.stopped_by, h.epochs) == ("criterion", 3)  # t = 0, 1, 2, 3
    O, Yseen = calls[-1]
    assert O.shape == (8, 1) and np.array_equal(Yseen, Y)
    assert np.allclose(O, bp.backprop(net, X, Y).a[net.L], rtol=0, atol=1e-15)


def test_target_is_checked_before_stop_when_and_stop_when_before_tol():
    X, Y = data.xor()
    always = lambda O, Y: True  # noqa: E731
    h = fit(xor_net(), X, Y, GD(0.5), max_epochs=50, target=1.0, stop_when=always)
    assert (h.stopped_by, h.epochs) == ("target", 0)
    h = fit(xor_net(), X, Y, GD(0.5), max_epochs=50, tol=1.0, stop_when=always)
    assert (h.stopped_by, h.epochs) == ("criterion", 0)
    assert "criterion" in STOP_REASONS


def test_without_stop_when_fit_runs_exactly_as_before():
    X, Y = data.xor()
    a = fit(xor_net(), X, Y, Rprop(), max_epochs=100, tol=1e-9, gradients="formulas")
    never = lambda O, Y: False  # noqa: E731
    b = fit(xor_net(), X, Y, Rprop(), max_epochs=100, tol=1e-9, gradients="formulas",
            stop_when=never)  # fmt: skip
    assert a.loss == b.loss and a.stopped_by == b.stopped_by


def test_a_stop_when_that_is_not_callable_is_a_type_error_and_changes_nothing():
    X, Y = data.xor()
    net = xor_net()
    before = net.get_flat().tolist()
    with pytest.raises(TypeError, match="stop_when must be None or a callable"):
        fit(net, X, Y, GD(0.1), stop_when=0.4)
    assert net.get_flat().tolist() == before


@pytest.mark.parametrize("margin", [0, -0.4, float("nan"), "0.4", True])
def test_outputs_within_refuses_a_margin_that_is_not_a_positive_number(margin):
    with pytest.raises(ValueError, match="margin must be a finite number > 0"):
        outputs_within(margin)


def test_outputs_within_is_strict_and_checks_every_output():
    stop = outputs_within(0.4)
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert stop(np.array([[0.61, 0.39], [0.2, 0.9]]), Y)
    assert not stop(np.array([[0.61, 0.39], [0.4, 0.9]]), Y)  # |0.4 − 0| = 0.4 is not < 0.4
    assert not stop(np.array([[0.61, 0.39], [0.2, 0.59]]), Y)
