"""Ctrl-C during fit: the net is left at its last completed epoch, whether the interrupt comes
while the parameters are written (raised, or a real SIGINT) or during a step; one Ctrl-C waits
for the step, a second stops at once; the SIGINT handler is put back."""

from __future__ import annotations

import signal

import pytest

from microbp import MLP, bp, data
from microbp.engine import Value as EngineValue
from microbp.optim import GD, Optimizer
from microbp.train import TrainingInterrupted, fit


class Tripwire(EngineValue):
    """A weight whose ``data`` setter interrupts on its n-th write during training: by raising
    KeyboardInterrupt there (as the report simulated it), or by sending SIGINT to the process
    (a real Ctrl-C arriving while the parameters are written)."""

    __slots__ = ("writes", "trip_at", "how")

    def __init__(self, data, label=""):
        self.writes, self.trip_at, self.how = 0, None, "raise"
        super().__init__(data, label)

    @property
    def data(self):
        return EngineValue.data.__get__(self)

    @data.setter
    def data(self, value):
        EngineValue.data.__set__(self, value)  # write first: the interrupt comes after it
        self.writes += 1
        if self.trip_at is not None and self.writes == self.trip_at:
            if self.how == "raise":
                raise KeyboardInterrupt
            signal.raise_signal(signal.SIGINT)


def wired_net(trip_at: int, how: str) -> MLP:
    """MLP([2, 3, 1]) (13 parameters) whose 4th parameter, w₂₂⁽²⁾, is a Tripwire."""
    net = MLP([2, 3, 1], seed=4)
    old = net.layers[2].neurons[1].w[1]
    wire = Tripwire(old.data, old.label)
    net.layers[2].neurons[1].w[1] = wire
    wire.writes, wire.trip_at, wire.how = 0, trip_at, how
    return net


@pytest.mark.parametrize("how", ["raise", "SIGINT"])
@pytest.mark.parametrize("trip_at", [1, 3])
def test_ctrl_c_while_parameters_are_written_leaves_the_net_at_its_last_epoch(trip_at, how):
    X, Y = data.xor()
    net = wired_net(trip_at, how)
    assert len(net.parameters()) == 13
    with pytest.raises(TrainingInterrupted) as info:
        fit(net, X, Y, GD(0.5), max_epochs=10, tol=0, quiet=True)
    h = info.value.history
    assert isinstance(info.value, KeyboardInterrupt)
    assert h.stopped_by == "interrupted" and h.epochs == trip_at - 1
    assert len(h.loss) == h.epochs + 1
    reference = MLP([2, 3, 1], seed=4)
    if h.epochs:
        fit(reference, X, Y, GD(0.5), max_epochs=h.epochs, tol=0, quiet=True)
    assert net.get_flat().tolist() == reference.get_flat().tolist()  # all 13, not 3


class InterruptingGD(GD):
    """GD that is interrupted (``presses`` real SIGINTs) during its n-th step."""

    def __init__(self, lr, at, presses=1):
        super().__init__(lr)
        self.at, self.steps, self.presses, self.finished = at, 0, presses, []

    def step(self, theta, grad, loss):
        self.steps += 1
        if self.steps == self.at:
            for _ in range(self.presses):
                signal.raise_signal(signal.SIGINT)
        self.finished.append(self.steps)
        return super().step(theta, grad, loss)


@pytest.mark.parametrize("gradients", ["autodiff", "formulas"])
def test_ctrl_c_during_a_step_stops_at_the_last_completed_epoch(gradients):
    X, Y = data.xor()
    net = MLP([2, 3, 1], seed=2)
    with pytest.raises(TrainingInterrupted) as info:
        fit(net, X, Y, InterruptingGD(0.5, at=5), max_epochs=50, tol=0, gradients=gradients)
    h = info.value.history
    assert h.stopped_by == "interrupted" and h.epochs == 4 and len(h.loss) == 5
    reference = MLP([2, 3, 1], seed=2)
    fit(reference, X, Y, GD(0.5), max_epochs=4, tol=0, quiet=True, gradients=gradients)
    assert net.get_flat().tolist() == reference.get_flat().tolist()
    assert h.loss[-1] == bp.backprop(net, X, Y).E or gradients == "autodiff"


def test_an_optimizer_step_with_the_wrong_length_is_refused_before_any_write():
    class Short(Optimizer):
        def step(self, theta, grad, loss):
            return theta[:-1]

    X, Y = data.xor()
    net = MLP([2, 3, 1])
    before = net.get_flat().tolist()
    with pytest.raises(ValueError, match="flat vector of 13 parameters"):
        fit(net, X, Y, Short(), max_epochs=3, quiet=True)
    assert net.get_flat().tolist() == before


@pytest.mark.parametrize("presses", [1, 2])
def test_one_ctrl_c_waits_for_the_step_a_second_stops_at_once(presses):
    X, Y = data.xor()
    net = MLP([2, 3, 1], seed=2)
    opt = InterruptingGD(0.5, at=3, presses=presses)
    with pytest.raises(TrainingInterrupted) as info:
        fit(net, X, Y, opt, max_epochs=50, tol=0, quiet=True)
    assert info.value.history.epochs == 2
    assert opt.finished == ([1, 2, 3] if presses == 1 else [1, 2])  # step 3 cut short
    reference = MLP([2, 3, 1], seed=2)
    fit(reference, X, Y, GD(0.5), max_epochs=2, tol=0, quiet=True)
    assert net.get_flat().tolist() == reference.get_flat().tolist()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back
