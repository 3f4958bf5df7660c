"""fit(): the hand-computed GD step, both gradient methods, stopping rules, history, progress."""

import errno
import inspect
import io
import os
import sys
import warnings
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from microbp import MLP, data, fit, total_error
from microbp.experiments.report import plot_history
from microbp.optim import GD, SGD, Rprop
from microbp.train import accuracy

METHODS = ("autodiff", "formulas")


def tiny_identity_net():
    """1-1-1 with f(z) = z: w⁽²⁾ = 0.5, b⁽²⁾ = 0, w⁽³⁾ = 2, b⁽³⁾ = 0."""
    return MLP.from_weights({2: [[0.5]], 3: [[2.0]]}, {2: [0.0], 3: [0.0]}, "identity")


@pytest.mark.parametrize("method", METHODS)
def test_one_gd_epoch_matches_the_hand_computed_batch_step(method):
    # Two samples, x = 1 → y = 3 and x = 2 → y = 0. Forward: a⁽²⁾ = 0.5x, o = 2a⁽²⁾ = x.
    # Sample 1: o = 1, δ⁽³⁾ = −(3 − 1) = −2, δ⁽²⁾ = δ⁽³⁾w⁽³⁾ = −4,
    #           ∂E/∂(w⁽²⁾, b⁽²⁾, w⁽³⁾, b⁽³⁾) = (−4·1, −4, −2·0.5, −2) = (−4, −4, −1, −2).
    # Sample 2: o = 2, δ⁽³⁾ = −(0 − 2) = 2, δ⁽²⁾ = 4,
    #           ∂E/∂(…) = (4·2, 4, 2·1, 2) = (8, 4, 2, 2).
    # Mean: (2, 0, 0.5, 0); E_total = (½·2² + ½·2²)/2 = 2.
    # GD, μ = 0.25: θ ← θ − μ·mean = (0.5 − 0.5, 0 − 0, 2 − 0.125, 0 − 0).
    net = tiny_identity_net()
    h = fit(net, [[1.0], [2.0]], [[3.0], [0.0]], GD(0.25), max_epochs=1, tol=0, gradients=method)
    assert h.loss[0] == 2.0
    assert net.get_flat().tolist() == [0.0, 0.0, 1.875, 0.0]
    assert h.epochs == 1 and h.updates == 1 and h.stopped_by == "max_epochs"


def xor_net(seed=1):
    return MLP([2, 3, 1], activation="sigmoid", seed=seed)


@pytest.mark.parametrize(
    "make",
    [
        lambda: GD(0.5),
        lambda: SGD(0.5, batch_size=2, seed=3),
        lambda: Rprop("Rprop+"),
        lambda: Rprop("Rprop-"),
        lambda: Rprop("iRprop+"),
        lambda: Rprop("iRprop-"),
    ],
    ids=["gd", "sgd", "rprop+", "rprop-", "irprop+", "irprop-"],
)
def test_autodiff_and_formulas_give_the_same_trajectory(make):
    X, Y = data.xor()
    runs = []
    for method in METHODS:
        net = xor_net()
        h = fit(net, X, Y, make(), max_epochs=40, tol=0, gradients=method, quiet=True)
        runs.append((h, net.get_flat()))
    (ha, ta), (hf, tf) = runs
    assert ha.epochs == hf.epochs == 40 and ha.updates == hf.updates
    np.testing.assert_allclose(ha.loss, hf.loss, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ta, tf, rtol=1e-12, atol=1e-14)
    assert ha.loss[-1] < ha.loss[0]


def test_formulas_road_writes_the_numbers_back_into_the_nets_values():
    X, Y = data.xor()
    net = xor_net()
    before = net.get_flat()
    h = fit(net, X, Y, Rprop(), max_epochs=5, tol=0, gradients="formulas", quiet=True)
    after = net.get_flat()
    assert not np.array_equal(before, after)
    # The net left behind has exactly the E recorded last.
    check = fit(net, X, Y, GD(0.1), max_epochs=0, quiet=True)
    assert check.loss == [h.loss[-1]]


class FailingGD(GD):
    """GD that raises at its third step (an error in the middle of a run)."""

    def __init__(self):
        super().__init__(0.5)
        self.calls = 0

    def step(self, theta, grad, loss):
        self.calls += 1
        if self.calls == 3:
            raise RuntimeError("boom")
        return super().step(theta, grad, loss)


@pytest.mark.parametrize("method", METHODS)
def test_an_error_mid_run_leaves_the_net_at_the_last_completed_epoch(method):
    X, Y = data.xor()
    ref = xor_net()
    fit(ref, X, Y, GD(0.5), max_epochs=2, tol=0, gradients=method)
    net = xor_net()
    with pytest.raises(RuntimeError, match="boom"):
        fit(net, X, Y, FailingGD(), max_epochs=10, tol=0, gradients=method)
    assert net.get_flat().tolist() == ref.get_flat().tolist()


def test_max_epochs_k_makes_exactly_k_updates_with_gd_and_rprop():
    X, Y = data.xor()
    for opt in (GD(0.5), Rprop()):
        h = fit(xor_net(), X, Y, opt, max_epochs=7, tol=0)
        assert (h.epochs, h.updates, len(h.loss), h.stopped_by) == (7, 7, 8, "max_epochs")


def test_sgd_makes_n_over_batch_size_updates_per_epoch():
    X, Y = data.parity(3)  # N = 8
    net = MLP([3, 4, 1], seed=0)
    h = fit(net, X, Y, SGD(0.5, batch_size=3), max_epochs=5, tol=0)
    assert h.updates == 5 * 3  # ⌈8/3⌉ = 3 batches per epoch


def test_sgd_run_is_reproducible_from_its_seed():
    X, Y = data.parity(3)
    runs = []
    for seed in (4, 4, 5):
        net = MLP([3, 4, 1], seed=0)
        h = fit(net, X, Y, SGD(0.5, batch_size=2, seed=seed), max_epochs=20, tol=0)
        runs.append((h.loss, net.get_flat().tolist()))
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_reusing_an_sgd_optimizer_restarts_its_shuffle():
    X, Y = data.parity(3)
    opt = SGD(0.5, batch_size=2, seed=4)
    a, b = MLP([3, 4, 1], seed=0), MLP([3, 4, 1], seed=0)
    ha = fit(a, X, Y, opt, max_epochs=5, tol=0)
    hb = fit(b, X, Y, opt, max_epochs=5, tol=0)
    assert ha.loss == hb.loss


def test_sgd_with_one_unshuffled_batch_of_all_samples_is_gd():
    X, Y = data.xor()
    a, b = xor_net(), xor_net()
    ha = fit(a, X, Y, GD(0.5), max_epochs=10, tol=0, gradients="formulas")
    hb = fit(b, X, Y, SGD(0.5, batch_size=4, shuffle=False), max_epochs=10, tol=0,
             gradients="formulas")  # fmt: skip
    assert ha.loss == hb.loss and a.get_flat().tolist() == b.get_flat().tolist()


def test_sgd_step_uses_the_mean_gradient_of_its_batch():
    # One SGD epoch with batch_size = 2, no shuffle, on the tiny identity net: the first
    # step uses the mean gradient of both samples, i.e. the hand-computed GD step.
    net = tiny_identity_net()
    fit(net, [[1.0], [2.0]], [[3.0], [0.0]], SGD(0.25, batch_size=2, shuffle=False),
        max_epochs=1, tol=0)  # fmt: skip
    assert net.get_flat().tolist() == [0.0, 0.0, 1.875, 0.0]


def full_run(opt_factory, epochs=300):
    X, Y = data.xor()
    return fit(xor_net(), X, Y, opt_factory(), max_epochs=epochs, tol=0, gradients="formulas").loss


def test_tol_rule_fires_at_the_first_small_change_and_not_before():
    loss = full_run(lambda: GD(0.5))
    diffs = np.abs(np.diff(loss))
    tol = float(np.quantile(diffs, 0.5))
    first = int(np.argmax(diffs < tol)) + 1  # the first t with |E_t − E_{t−1}| < tol
    assert first > 1
    X, Y = data.xor()
    h = fit(xor_net(), X, Y, GD(0.5), max_epochs=300, tol=tol, gradients="formulas")
    assert h.stopped_by == "tol" and h.epochs == first
    assert h.loss == loss[: first + 1]
    assert all(abs(h.loss[t] - h.loss[t - 1]) >= tol for t in range(1, first))


def test_target_rule_fires_at_the_first_e_below_target_and_not_before():
    loss = full_run(lambda: Rprop())
    target = 1e-3
    first = next(t for t, E in enumerate(loss) if E < target)
    X, Y = data.xor()
    h = fit(xor_net(), X, Y, Rprop(), max_epochs=300, tol=0, target=target, gradients="formulas")
    assert h.stopped_by == "target" and h.epochs == first
    assert h.loss[-1] < target <= min(h.loss[:-1])


def test_tol_rule_skips_an_irprop_pause_where_no_parameter_moved():
    # On the 8-3-8 encoder (seed 0) every gradient component flips sign in epoch 6, so
    # iRprop− shrinks every step and moves nothing: E₆ = E₅ exactly. That is no convergence.
    X, Y = data.encoder(8, 3)
    probe = fit(MLP([8, 3, 8], seed=0), X, Y, Rprop("iRprop-"), max_epochs=8, tol=0)
    assert probe.loss[6] == probe.loss[5] and probe.pauses == 1
    h = fit(MLP([8, 3, 8], seed=0), X, Y, Rprop("iRprop-"), max_epochs=300, tol=1e-9)
    assert h.epochs > 6 and h.pauses >= 1


def test_tol_rule_fires_when_a_zero_gradient_moves_nothing():
    # At an exact minimum (o = y) every gradient is 0: GD stays put and the rule fires.
    net = MLP.from_weights({2: [[1.0]], 3: [[1.0]]}, {2: [0.0], 3: [0.0]}, "identity")
    h = fit(net, [[1.0]], [[1.0]], GD(0.5), max_epochs=100, tol=1e-9)
    assert (h.stopped_by, h.epochs, h.pauses) == ("tol", 1, 0)


def test_target_is_checked_before_tol():
    X, Y = data.xor()
    h = fit(xor_net(), X, Y, GD(0.5), max_epochs=50, tol=1.0, target=1.0)
    assert (h.stopped_by, h.epochs) == ("target", 0)  # E₀ < 1 already


def test_tol_is_not_checked_before_the_first_epoch():
    X, Y = data.xor()
    h = fit(xor_net(), X, Y, GD(0.5), max_epochs=50, tol=1.0)
    assert (h.stopped_by, h.epochs) == ("tol", 1)


def test_max_epochs_zero_trains_nothing():
    X, Y = data.xor()
    net = xor_net()
    before = net.get_flat().tolist()
    h = fit(net, X, Y, GD(0.5), max_epochs=0)
    assert (h.epochs, h.stopped_by, len(h.loss)) == (0, "max_epochs", 1)
    assert net.get_flat().tolist() == before


@pytest.mark.parametrize("method", METHODS)
def test_divergence_stops_and_keeps_the_last_finite_parameters(method):
    X = [[1.0], [2.0]]
    Y = [[3.0], [0.0]]
    net = tiny_identity_net()
    h = fit(net, X, Y, GD(1e200), max_epochs=10, tol=0, gradients=method)
    assert h.stopped_by == "diverged"
    assert np.all(np.isfinite(h.loss)) and np.all(np.isfinite(net.get_flat()))
    again = fit(net, X, Y, GD(0.1), max_epochs=0)
    assert again.loss[0] == h.loss[-1]


def test_xor_reaches_e_below_1e_3_with_irprop_minus_from_a_fixed_seed():
    X, Y = data.xor()
    net = MLP([2, 4, 1], activation="sigmoid", seed=0)
    h = fit(net, X, Y, Rprop("iRprop-"), max_epochs=2000, tol=0, target=1e-3)
    assert h.stopped_by == "target" and h.final_loss < 1e-3
    assert accuracy(net, X, Y) == 1.0


def test_the_tutorial_example_trains_with_batch_gd_until_the_tol_rule_fires():
    ex = data.tutorial_example()
    X, Y = data.tutorial_data()
    net = ex.net()
    h = fit(net, X, Y, GD(2.0), max_epochs=10_000, tol=1e-6, gradients="formulas")
    assert h.stopped_by == "tol"
    assert h.final_loss < h.loss[0] / 10
    assert all(b < a for a, b in zip(h.loss, h.loss[1:]))  # GD with this μ: E falls each epoch


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(max_epochs=-1), "max_epochs"),
        (dict(max_epochs=2.5), "max_epochs"),
        (dict(tol=-1e-3), "tol"),
        (dict(tol=float("nan")), "tol"),
        (dict(target=-1.0), "target"),
        (dict(gradients="numeric"), "gradients"),
    ],
)
def test_bad_fit_arguments_raise_value_error_naming_them(kwargs, match):
    X, Y = data.xor()
    net = xor_net()
    before = net.get_flat().tolist()
    with pytest.raises(ValueError, match=match):
        fit(net, X, Y, GD(0.1), **kwargs)
    assert net.get_flat().tolist() == before


def test_a_run_that_fails_at_the_start_leaves_the_weights_untouched():
    net = MLP.from_weights({2: [[0.25]]}, {2: [2]}, "identity")
    with pytest.raises(ValueError, match="not finite at the start"):
        fit(net, [[1e300]], [[-1e300]], GD(0.1))
    assert [p.data for p in net.parameters()] == [0.25, 2]


@pytest.mark.parametrize(
    "number, kind",
    [
        (lambda v: Fraction(v), "Fraction"),
        (lambda v: np.float32(v), "numpy.float32"),
        (lambda v: mpmath.mpf(v), "mpmath.mpf"),
        (lambda v: np.longdouble(v), "numpy.longdouble"),
    ],
    ids=["Fraction", "float32", "mpf", "longdouble"],
)
@pytest.mark.parametrize("gradients", ["autodiff", "formulas"])
def test_fit_refuses_a_net_whose_number_type_it_would_turn_into_float64(number, kind, gradients):
    """A Fraction identity net trained with GD(1/2) ended at 0.6666666666666667, not 2/3:
    fit steps in float64. It refuses, naming the engine's step that keeps the type, and leaves the
    net as it was."""
    net = MLP.from_weights({2: [[number(1)]]}, {2: [number(0)]}, "identity")
    before = [p.data for p in net.parameters()]
    with pytest.raises(TypeError, match=f"this net's {kind} numbers .*p.data -= lr \\* p.grad"):
        fit(net, [[1]], [[2]], GD(Fraction(1, 2)), max_epochs=3, gradients=gradients)
    assert [p.data for p in net.parameters()] == before
    assert [type(p.data) for p in net.parameters()] == [type(v) for v in before]


def test_the_graph_keeps_the_type_fit_refuses():
    """What the message says to do: the engine's own step keeps Fractions exact."""
    net = MLP.from_weights({2: [[Fraction(1)]]}, {2: [Fraction(0)]}, "identity")
    for _ in range(2):
        net.zero_grad()
        E = total_error([[2]], [net([1])])
        E.backward()
        for p in net.parameters():
            p.data -= Fraction(1, 2) * p.grad
    assert [p.data for p in net.parameters()] == [Fraction(3, 2), Fraction(1, 2)]  # o = y = 2


def test_fit_checks_the_data_shapes_against_the_net():
    net = xor_net()
    with pytest.raises(ValueError, match=r"\(N, n₁\) = \(N, 2\)"):
        fit(net, [[1.0, 2.0, 3.0]], [[1.0]], GD(0.1))
    with pytest.raises(ValueError, match="same N"):
        fit(net, [[1.0, 2.0]], [[1.0], [0.0]], GD(0.1))
    with pytest.raises(TypeError, match="optimizer"):
        fit(net, [[1.0, 2.0]], [[1.0]], "gd")


def test_no_progress_bar_when_quiet_or_not_a_terminal(capsys):
    X, Y = data.xor()
    fit(xor_net(), X, Y, GD(0.5), max_epochs=3, tol=0)
    assert capsys.readouterr().err == ""


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_with_e_on_a_terminal_and_none_with_quiet(monkeypatch):
    X, Y = data.xor()
    tty = FakeTTY()
    monkeypatch.setattr(sys, "stderr", tty)
    fit(xor_net(), X, Y, GD(0.5), max_epochs=3, tol=0)
    assert "fit:" in tty.getvalue() and "/3" in tty.getvalue()
    quiet = FakeTTY()
    monkeypatch.setattr(sys, "stderr", quiet)
    fit(xor_net(), X, Y, GD(0.5), max_epochs=3, tol=0, quiet=True)
    assert quiet.getvalue() == ""


def _history():
    X, Y = data.xor()
    return fit(xor_net(), X, Y, Rprop(), max_epochs=20, tol=0, quiet=True)


def test_plot_history_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "loss.png"
    fig = plot_history(_history(), path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert fig.axes[0].get_ylabel() == "E_total"


def test_history_plot_still_writes_but_says_where_it_moved(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "loss.png"
    with pytest.warns(DeprecationWarning, match="microbp.experiments.report.plot_history"):
        _history().plot(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("how", ["plot_history", "History.plot"])
def test_a_plot_on_a_full_disk_leaves_the_old_file_intact(tmp_path, how, monkeypatch):
    # The disk fills up while the image is written: whatever writes the file gets part of it
    # down, then ENOSPC (a renderer writing into the file itself; the atomic writer's fsync).
    # The old image must survive, and no temporary file may be left beside it.
    pytest.importorskip("matplotlib")
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    render = FigureCanvasAgg.print_png
    takes = inspect.signature(render).parameters  # matplotlib passes what the method takes

    def print_png_on_a_full_disk(self, target, **kwargs):
        if isinstance(target, io.BytesIO):  # rendering in memory needs no disk
            return render(self, target, **{k: v for k, v in kwargs.items() if k in takes})
        if hasattr(target, "write"):
            target.write(b"\x89PNG half")
        else:
            with open(target, "wb") as f:
                f.write(b"\x89PNG half")
        raise OSError(errno.ENOSPC, "No space left on device")

    def fsync_on_a_full_disk(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(FigureCanvasAgg, "print_png", print_png_on_a_full_disk)
    monkeypatch.setattr(os, "fsync", fsync_on_a_full_disk)
    path = tmp_path / "loss.png"
    path.write_bytes(b"the old plot")
    h = _history()
    with pytest.raises(OSError, match="No space left"), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        plot_history(h, path) if how == "plot_history" else h.plot(path)
    assert path.read_bytes() == b"the old plot"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loss.png"]


def test_a_plot_interrupted_while_it_is_written_leaves_the_old_file_intact(tmp_path, monkeypatch):
    # Ctrl-C arrives while the image goes to disk: the old image survives, no temporary file.
    pytest.importorskip("matplotlib")

    def ctrl_c(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", ctrl_c)
    path = tmp_path / "loss.png"
    path.write_bytes(b"the old plot")
    with pytest.raises(KeyboardInterrupt):
        plot_history(_history(), path)
    assert path.read_bytes() == b"the old plot"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loss.png"]


def test_plot_history_without_matplotlib_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"pip install 'microbp\[plot\]'"):
        plot_history(_history())


def test_history_records_optimizer_road_and_time():
    X, Y = data.xor()
    h = fit(xor_net(), X, Y, Rprop("Rprop+"), max_epochs=2, tol=0, gradients="formulas")
    d = h.to_dict()
    assert d["optimizer"].startswith("Rprop('Rprop+'") and d["gradients"] == "formulas"
    assert d["seconds"] >= 0 and d["final_loss"] == h.loss[-1]


def test_accuracy_thresholds_one_output_and_takes_argmax_for_one_hot_targets():
    net = MLP.from_weights({2: [[1.0]]}, {2: [0.0]}, "identity")  # o = x
    assert accuracy(net, [[0.7], [0.2], [0.4]], [[1.0], [0.0], [1.0]]) == pytest.approx(2 / 3)
    assert accuracy(net, [[0.7]], [[0.5]]) is None  # not a 0/1 coding
    two = MLP.from_weights({2: [[1.0, 0.0], [0.0, 1.0]]}, {2: [0.0, 0.0]}, "identity")
    assert accuracy(two, [[0.2, 0.1], [0.2, 0.3]], [[1.0, 0.0], [1.0, 0.0]]) == 0.5


def test_a_learning_rate_too_small_to_move_anything_stops_by_tol_not_as_a_pause():
    # lr·g rounds away: E never changes, and GD did not *choose* to wait, so the tutorial's rule
    # fires after one epoch instead of the run going on to max_epochs.
    from microbp import MLP, data, fit
    from microbp.optim import GD

    h = fit(MLP([2, 3, 1], seed=1), *data.xor(), GD(1e-30), max_epochs=50, tol=1e-9, quiet=True)
    assert (h.stopped_by, h.epochs, h.pauses) == ("tol", 1, 0)
