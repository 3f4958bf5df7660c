"""fit's on_epoch callback (it watches each completed epoch, and may stop the run) and
reset_optimizer=False (short calls follow one long run): the two things the lab needs of fit."""

from __future__ import annotations

import numpy as np
import pytest

from microbp import MLP, data, optim
from microbp.train import STOP_REASONS, Epoch, fit


@pytest.mark.parametrize("gradients", ["autodiff", "formulas"])
def test_on_epoch_sees_every_completed_epoch_with_its_e_and_theta(gradients):
    X, Y = data.xor()
    seen: list[Epoch] = []
    net = MLP([2, 3, 1], seed=1)
    h = fit(net, X, Y, optim.make("irprop-"), max_epochs=6, tol=0, quiet=True,
            gradients=gradients, on_epoch=seen.append)  # fmt: skip
    assert [e.epoch for e in seen] == [1, 2, 3, 4, 5, 6]
    assert [e.loss for e in seen] == h.loss[1:]
    assert all(e.history is h for e in seen)
    assert seen[-1].theta.tolist() == net.get_flat().tolist()
    # each θ_t is the net after t epochs of one run
    ref = MLP([2, 3, 1], seed=1)
    fit(ref, X, Y, optim.make("irprop-"), max_epochs=3, tol=0, quiet=True, gradients=gradients)
    assert seen[2].theta.tolist() == ref.get_flat().tolist()


def test_a_true_result_stops_the_run_at_that_epoch():
    X, Y = data.xor()
    net = MLP([2, 3, 1], seed=1)
    h = fit(net, X, Y, optim.make("gd"), max_epochs=100, tol=0, quiet=True,
            on_epoch=lambda e: e.epoch == 4)  # fmt: skip
    assert h.stopped_by == "on_epoch" and h.epochs == 4 and "on_epoch" in STOP_REASONS
    ref = MLP([2, 3, 1], seed=1)
    fit(ref, X, Y, optim.make("gd"), max_epochs=4, tol=0, quiet=True)
    assert net.get_flat().tolist() == ref.get_flat().tolist()


@pytest.mark.parametrize("gradients", ["autodiff", "formulas"])
def test_an_exception_stops_the_run_and_leaves_the_net_at_that_epoch(gradients):
    X, Y = data.xor()

    def stop(e):
        if e.epoch == 3:
            raise RuntimeError("enough")

    net = MLP([2, 3, 1], seed=1)
    with pytest.raises(RuntimeError, match="enough"):
        fit(net, X, Y, optim.make("gd"), max_epochs=100, quiet=True, gradients=gradients,
            on_epoch=stop)  # fmt: skip
    ref = MLP([2, 3, 1], seed=1)
    fit(ref, X, Y, optim.make("gd"), max_epochs=3, tol=0, quiet=True, gradients=gradients)
    assert np.array_equal(net.get_flat(), ref.get_flat())


def test_on_epoch_must_be_callable():
    X, Y = data.xor()
    with pytest.raises(TypeError, match="on_epoch must be None or a callable"):
        fit(MLP([2, 3, 1]), X, Y, optim.make("gd"), quiet=True, on_epoch="print")


@pytest.mark.parametrize("name", ["rprop+", "rprop-", "irprop+", "irprop-", "sgd"])
def test_short_calls_that_keep_the_optimizer_follow_one_long_run(name):
    X, Y = data.xor()
    net, opt = MLP([2, 3, 1], seed=1), optim.make(name, batch_size=2)
    loss = fit(net, X, Y, opt, max_epochs=4, tol=0, quiet=True).loss
    for _ in range(3):
        loss += fit(net, X, Y, opt, max_epochs=2, tol=0, quiet=True,
                    reset_optimizer=False).loss[1:]  # fmt: skip
    ref = MLP([2, 3, 1], seed=1)
    h = fit(ref, X, Y, optim.make(name, batch_size=2), max_epochs=10, tol=0, quiet=True)
    assert loss == h.loss
    assert net.get_flat().tolist() == ref.get_flat().tolist()


def test_by_default_each_call_starts_the_optimizer_afresh():
    """Rprop's step sizes grow over a run: a second call that resets them is not the run's
    continuation (this is why the lab keeps them)."""
    X, Y = data.xor()
    net, opt = MLP([2, 3, 1], seed=1), optim.make("irprop-")
    loss = fit(net, X, Y, opt, max_epochs=5, tol=0, quiet=True).loss
    loss += fit(net, X, Y, opt, max_epochs=5, tol=0, quiet=True).loss[1:]
    h = fit(MLP([2, 3, 1], seed=1), X, Y, optim.make("irprop-"), max_epochs=10, tol=0, quiet=True)
    assert loss[:6] == h.loss[:6] and loss != h.loss
