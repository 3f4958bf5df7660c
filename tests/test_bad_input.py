"""Bad input to the core (the model file, the atomic writer, the engine, fit): each case a
hostile pass reported, reproduced, and now handled.

One row per case: a clear error naming the problem (and nothing changed), or the behaviour the
report asked for. Special files are made with ``mknod``/``mkfifo`` in a temporary folder, never
the system's own; a full disk is the null-device twin ``full`` (char 1, 7) made there, or a
patched write.
"""

from __future__ import annotations

import errno
import json
import math
import os
import signal
import socket
import stat
import threading
from fractions import Fraction

import numpy as np
import pytest

from microbp import MLP, Value, bp, data, files, modelfile
from microbp.activations import ACTIVATIONS
from microbp.engine import Value as EngineValue
from microbp.optim import GD, Optimizer
from microbp.train import History, TrainingInterrupted, fit

NAN, INF = float("nan"), float("inf")


def seed_file_text() -> str:
    return modelfile.to_json(data.tutorial_example().net())


def big_int_file() -> str:
    doc = json.loads(seed_file_text())
    text = json.dumps(doc)
    return text.replace("0.05", "1" + "0" * 400, 1)


def big_fraction_file() -> str:
    doc = json.loads(seed_file_text())
    doc["b"]["3"][0] = "1" + "0" * 400 + "/1"
    return json.dumps(doc)


def deep_file() -> str:
    return "[" * 100_000 + "]" * 100_000


# -- raises: (report item, what is done, the exception, the words it must say) ------------------

RAISES = {
    "8 net(x) with NaN": (lambda: MLP([2, 1])([NAN, 1.0]), ValueError, "entry 1 is nan"),
    "8 net(x) with inf": (lambda: MLP([2, 1])([1.0, INF]), ValueError, "expected finite"),
    "8 fit with NaN X": (
        lambda: fit(MLP([2, 1]), [[NAN, 0.0]], [[1.0]], GD(0.1), quiet=True),
        ValueError,
        r"X must hold finite numbers: X\[0, 0\] = nan",
    ),
    "8 backprop with inf Y": (
        lambda: bp.backprop(MLP([2, 1]), [[0.0, 0.0]], [[INF]]),
        ValueError,
        "Y must hold finite numbers",
    ),
    "8 from_weights with NaN": (
        lambda: MLP.from_weights({2: [[NAN, 1.0]]}, {2: [0.0]}),
        ValueError,
        "w₁₁⁽²⁾ = nan is not finite",
    ),
    "8 from_weights with inf": (
        lambda: MLP.from_weights({2: [[1.0, 2.0]]}, {2: [-INF]}),
        ValueError,
        "b₁⁽²⁾ = -inf is not finite",
    ),
    "9 weight 10**400 in a file": (
        lambda: modelfile.from_json(big_int_file(), MLP),
        ValueError,
        "too large for a float",
    ),
    "9 weight '10**400/1' in a file": (
        lambda: modelfile.from_json(big_fraction_file(), MLP),
        ValueError,
        "too large for a float",
    ),
    "9 a file nested 100000 deep": (
        lambda: modelfile.from_json(deep_file(), MLP),
        ValueError,
        "nested too deeply",
    ),
    "9 from_weights with 10**400": (
        lambda: MLP.from_weights({2: [[10**400]]}, {2: [0]}),
        ValueError,
        "too large for a float",
    ),
    "10 net(dict)": (
        lambda: MLP([3, 1])({5: 1.0, 6: 2.0, 7: 3.0}),
        TypeError,
        "sequence of 3 numbers.*got dict",
    ),
    "10 net(set)": (lambda: MLP([3, 1])({1.0, 2.0, 3.0}), TypeError, "got set"),
    "10 GD('0.5')": (lambda: GD("0.5"), ValueError, "lr must be a number > 0, got '0.5'"),
    "10 GD(True)": (lambda: GD(True), ValueError, "lr must be a number > 0, got True"),
    "10 backprop with complex Y": (
        lambda: bp.backprop(MLP([2, 1]), [[0.0, 1.0]], [[1 + 2j]]),
        ValueError,
        "Y must hold real numbers, got complex",
    ),
    "10 backprop with NaN X": (
        lambda: bp.backprop(MLP([2, 1]), [[NAN, 1.0]], [[1.0]]),
        ValueError,
        "X must hold finite numbers",
    ),
    "13 MLP(activation=None)": (
        lambda: MLP([3, 2], activation=None),
        ValueError,
        "activation must be one name .* got None",
    ),
    "13 MLP(init=['small'])": (
        lambda: MLP([3, 2], init=["small"]),
        ValueError,
        r"unknown init \['small'\]; expected one of: small, xavier, he",
    ),
    "13 fit('net', …)": (
        lambda: fit("net", [[0.0]], [[0.0]], GD(0.1)),
        TypeError,
        "fit expects a microbp MLP as the net, got str",
    ),
    "13 index_form(net, None, y)": (
        lambda: bp.index_form(MLP([3, 2]), None, [0, 0]),
        TypeError,
        "a sequence of 3 numbers.*got NoneType",
    ),
    "13 index_form(net, x, None)": (
        lambda: bp.index_form(MLP([3, 2]), [0, 0, 0], None),
        TypeError,
        "targets: a sequence of 2 numbers.*got NoneType",
    ),
    "13 backprop('net', …)": (
        lambda: bp.backprop("net", [[0.0]], [[0.0]]),
        TypeError,
        "expected a microbp MLP or a bp.Weights",
    ),
    "13 modelfile.load(None)": (
        lambda: modelfile.load(None, MLP),
        TypeError,
        "expected a file path .* got NoneType",
    ),
    "13 modelfile.save(net, 3)": (
        lambda: modelfile.save(MLP([2, 1]), 3),
        TypeError,
        "expected a file path .* got int",
    ),
    "13 MLP.load(None)": (lambda: MLP.load(None), TypeError, "got NoneType"),
    "13 modelfile.to_json(None)": (
        lambda: modelfile.to_json(None),
        TypeError,
        "expected a microbp MLP to save, got NoneType",
    ),
    "13 modelfile.from_json(3)": (
        lambda: modelfile.from_json(3, MLP),
        TypeError,
        r"model file's text \(a str\), got int",
    ),
    "13 History().final_loss": (
        lambda: History().final_loss,
        ValueError,
        "no E_total recorded yet",
    ),
}


@pytest.mark.parametrize("case", list(RAISES))
def test_hostile_input_gets_a_clear_error(case):
    action, kind, words = RAISES[case]
    with pytest.raises(kind, match=words):
        action()


def test_a_refused_model_file_changes_nothing(tmp_path):
    net = data.tutorial_example().net()
    before = net.get_flat().tolist()
    path = tmp_path / "big.json"
    path.write_text(big_int_file())
    with pytest.raises(ValueError, match="big.json.*too large for a float"):
        net = MLP.load(path)
    assert net.get_flat().tolist() == before
    assert path.read_text() == big_int_file()


def test_history_without_epochs_still_converts_to_a_dict():
    assert History().to_dict()["final_loss"] is None


# -- 13: one overflow behaviour for ** and * --------------------------------------------------


def test_power_overflows_to_inf_as_multiplication_does():
    x = Value(1e200)
    assert (x**2).data == (x * x).data == math.inf
    assert (Value(-1e200) ** 3).data == -math.inf
    assert (Value(1e-200) ** -2).data == math.inf
    assert (2 ** Value(5000.0)).data == math.inf
    assert (Value(3) ** 400).data == 3**400  # exact numbers stay exact, no overflow


# -- 8: relu(NaN) is NaN on every road ---------------------------------------------------------


def test_relu_of_nan_is_nan_on_every_road():
    relu = ACTIVATIONS["relu"]
    assert math.isnan(EngineValue(NAN).relu().data)
    assert math.isnan(relu.f(NAN))
    assert np.isnan(relu.f_np(np.array([NAN]))).all()
    weights = bp.Weights({2: [[NAN]], 3: [[1.0]]}, {2: [0.0], 3: [0.0]}, "relu")
    assert math.isnan(bp.index_form(weights, [1.0], [0.0]).a[2][0])
    assert np.isnan(bp.backprop(weights, [[1.0]], [[0.0]]).a[2]).all()
    assert relu.f(-2.0) == 0.0 and relu.f(Fraction(-1, 2)) == 0 and relu.f(3) == 3


# -- 1: write_atomic never replaces what is not a regular file --------------------------------


def test_a_symlink_is_followed_and_stays_a_link(tmp_path):
    target = tmp_path / "target.json"
    MLP([2, 1], seed=0).save(target)
    link = tmp_path / "link.json"
    link.symlink_to("target.json")
    new = MLP([2, 1], seed=1)
    new.save(link)
    assert link.is_symlink() and os.readlink(link) == "target.json"
    assert MLP.load(target).get_flat().tolist() == new.get_flat().tolist()
    assert sorted(os.listdir(tmp_path)) == ["link.json", "target.json"]


def test_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.json"
    link.symlink_to("made.json")
    files.write_atomic(link, "x")
    assert link.is_symlink() and (tmp_path / "made.json").read_text() == "x"


def test_a_character_device_is_written_into_not_replaced(tmp_path):
    null = tmp_path / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    MLP([2, 1]).save(null)
    files.check_writable(null)
    assert stat.S_ISCHR(os.stat(null).st_mode)
    assert os.listdir(tmp_path) == ["null"]


def test_a_full_device_gives_an_error_naming_the_file_and_stays_a_device(tmp_path):
    full = tmp_path / "full"
    os.mknod(full, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    with pytest.raises(OSError, match="full'.*No space left") as info:
        MLP([2, 1]).save(full)
    assert info.value.errno == errno.ENOSPC
    assert stat.S_ISCHR(os.stat(full).st_mode)
    assert os.listdir(tmp_path) == ["full"]


def test_a_fifo_is_written_into_when_read_and_refused_when_not(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="no process is reading the FIFO"):
        files.write_atomic(fifo, "lost")  # does not hang
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    for _ in range(200):  # wait for the reader to open its end
        try:
            files.write_atomic(fifo, "through the pipe")
            break
        except OSError:
            threading.Event().wait(0.01)
    reader.join(5)
    assert got == ["through the pipe"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_socket_is_refused_and_kept(tmp_path):
    path = tmp_path / "s.sock"
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(path))
        with pytest.raises(OSError, match="it is a socket"):
            files.write_atomic(path, "x")
        with pytest.raises(ValueError, match="it is a socket"):
            files.check_writable(path)
        assert stat.S_ISSOCK(os.stat(path).st_mode)
    finally:
        sock.close()


def test_a_link_to_an_open_descriptor_is_written_through(tmp_path):
    out = tmp_path / "held.txt"
    with open(out, "w") as held:
        inode = os.stat(out).st_ino
        link = tmp_path / "out.dot"
        link.symlink_to(f"/proc/self/fd/{held.fileno()}")
        files.write_atomic(link, "digraph {}\n")
    assert os.stat(out).st_ino == inode and out.read_text() == "digraph {}\n"


def test_dash_is_standard_output(capsys, tmp_path):
    files.write_atomic("-", "text\n")
    files.check_writable("-")
    assert capsys.readouterr().out == "text\n"
    assert not os.path.exists("-")


def test_a_full_disk_error_names_the_users_file(tmp_path, monkeypatch):
    path = tmp_path / "net.json"
    MLP([2, 1]).save(path)
    old = path.read_bytes()

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full)
    with pytest.raises(OSError, match="net.json'.*No space left") as info:
        MLP([2, 1], seed=3).save(path)
    assert ".tmp" not in str(info.value)
    assert path.read_bytes() == old and os.listdir(tmp_path) == ["net.json"]


# -- 3: Ctrl-C during fit ------------------------------------------------------------------------


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
