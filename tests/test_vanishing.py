"""The vanishing-gradient experiment: its numbers, the tutorial's claims on fixed seeds, the CLI.

The claims are asserted on the quick mode's fixed seeds (0, 1, 2; two_moons n = 64), the same
run ``microbp vanishing --quick`` prints. docs/vanishing.md says which of the tutorial's claims hold
and which do not; the tests below check both kinds.
"""

from __future__ import annotations

import argparse
import io
import json
import math

import numpy as np
import pytest

from microbp import MLP, bp, data
from microbp.activations import ACTIVATIONS
from microbp.cli.app import main
from microbp.cli.experiments import run_vanishing
from microbp.experiments import vanishing
from microbp.experiments.vanishing import (
    ACTIVATION_NAMES,
    INIT_NAMES,
    QUICK,
    deep_sizes,
    draw_weights,
    gradient_statistics,
    layer_stats,
)
from microbp.losses import squared_error


@pytest.fixture(scope="module")
def quick():
    return gradient_statistics(**QUICK)


# --------------------------------------------------------------------------------------------
# The numbers are the MLP's numbers, and autodiff's


@pytest.mark.parametrize("init", INIT_NAMES)
def test_draw_weights_equals_the_mlp_bit_for_bit(init):
    sizes = [2, 5, 4, 3, 1]
    acts = ["tanh", "relu", "softplus", "sigmoid"]
    for seed in (0, 7):
        weights = draw_weights(sizes, acts, seed=seed, init=init)
        W, b = MLP(sizes, acts, seed=seed, init=init).to_arrays()
        assert sorted(weights.W) == sorted(W) == [2, 3, 4, 5]
        for l in W:
            assert np.array_equal(weights.W[l], W[l])
            assert np.array_equal(weights.b[l], b[l])
        assert [weights.f(l).name for l in range(2, 6)] == acts


def test_layer_stats_of_the_mlp_and_of_the_drawn_weights_are_identical():
    X, Y = data.two_moons(n=10, noise=0.1, seed=0)
    sizes = deep_sizes(2, 4, 6, 1)
    for act in ACTIVATION_NAMES:
        net = MLP(sizes, [act] * 4 + ["sigmoid"], seed=3, init="he")
        from_net = layer_stats(net, X, Y)
        from_arrays = layer_stats(draw_weights(sizes, [act] * 4 + ["sigmoid"], 3, "he"), X, Y)
        assert from_net == from_arrays


def _autodiff_stats(net: MLP, X, Y):
    """The same per-layer numbers from the graph: z.grad is δ (one backward per sample)."""
    net.zero_grad()
    layers = range(2, net.L + 1)
    abs_delta = {l: [] for l in layers}
    for x, y in zip(X.tolist(), Y.tolist()):
        fw = net.forward(x)
        E = squared_error(y, fw.output)
        E.backward()  # W's grads (leaves) accumulate Σₙ ∂E₍ₙ₎/∂W over the batch
        for l in layers:
            abs_delta[l].extend(abs(g) for g in fw.delta(l))
    N = len(X)
    mean_abs_delta = {l: float(np.mean(abs_delta[l])) for l in layers}
    grad_norm = {
        l: float(np.linalg.norm([[w.grad / N for w in row] for row in net.W(l)])) for l in layers
    }
    return mean_abs_delta, grad_norm


@pytest.mark.parametrize("init", INIT_NAMES)
@pytest.mark.parametrize("act", ACTIVATION_NAMES)
def test_per_layer_numbers_agree_with_autodiff(act, init):
    X, Y = data.two_moons(n=6, noise=0.1, seed=0)
    net = MLP(deep_sizes(2, 3, 4, 1), [act] * 3 + ["sigmoid"], seed=1, init=init)
    mean_abs_delta, grad_norm = _autodiff_stats(net, X, Y)
    stats = layer_stats(net, X, Y)
    for l in range(2, net.L + 1):
        assert stats.delta_mean_abs[l] == pytest.approx(mean_abs_delta[l], rel=1e-10, abs=0)
        assert stats.grad_norm[l] == pytest.approx(grad_norm[l], rel=1e-10, abs=0)
        assert stats.delta_mean_abs[l] > 0


def test_ratios_are_first_hidden_over_output_layer():
    X, Y = data.two_moons(n=8, noise=0.1, seed=0)
    stats = layer_stats(draw_weights([2, 3, 3, 1], "tanh", 0, "xavier"), X, Y)
    assert stats.layers == [2, 3, 4]
    assert stats.ratio_delta == stats.delta_mean_abs[2] / stats.delta_mean_abs[4]
    assert stats.ratio_grad == stats.grad_norm[2] / stats.grad_norm[4]


def test_per_layer_factor_is_the_geometric_mean_shrink_over_the_hidden_layers():
    X, Y = data.two_moons(n=8, noise=0.1, seed=0)
    sizes = deep_sizes(2, 4, 3, 1)  # hidden layers l = 2…5, output l = 6
    stats = layer_stats(draw_weights(sizes, "tanh", 0, "he"), X, Y)
    cell = vanishing.CellResult("tanh", "he", (0,), (stats,))
    d = stats.delta_mean_abs
    assert cell.per_layer_factor == pytest.approx((d[2] / d[5]) ** (1 / 3), rel=1e-15)
    one_hidden = layer_stats(draw_weights([2, 3, 1], "tanh", 0, "he"), X, Y)
    assert math.isnan(vanishing.CellResult("tanh", "he", (0,), (one_hidden,)).per_layer_factor)


def test_a_dead_relu_output_gives_no_ratio_rather_than_a_number():
    X, Y = data.two_moons(n=8, noise=0.0, seed=0)
    W = {2: np.ones((2, 2)), 3: -np.ones((1, 2))}  # output z < 0 for every sample: δ⁽ᴸ⁾ = 0
    b = {2: np.ones(2), 3: -np.ones(1) * 10}
    stats = layer_stats(bp.Weights(W, b, "relu"), X, Y)
    assert stats.delta_mean_abs[3] == 0.0
    assert math.isnan(stats.ratio_delta)


# --------------------------------------------------------------------------------------------
# The tutorial's claims, on the quick mode's fixed seeds


def test_max_derivative_seen_never_exceeds_the_bound(quick):
    for c in quick.cells:
        assert 0 < c.max_df <= ACTIVATIONS[c.activation].max_derivative == c.bound


def test_sigmoid_reaches_its_bound_so_the_decay_is_not_from_a_smaller_f_prime(quick):
    for init in INIT_NAMES:
        assert quick.cell("sigmoid", init).max_df > 0.24


@pytest.mark.parametrize("init", INIT_NAMES)
def test_sigmoid_ratio_is_orders_of_magnitude_below_relu_and_softplus(quick, init):
    sig, relu, softplus = (quick.cell(a, init) for a in ("sigmoid", "relu", "softplus"))
    for ratio in ("ratio_delta", "ratio_grad"):
        assert getattr(sig, ratio) * 1e4 < getattr(relu, ratio)
        assert getattr(sig, ratio) * 1e2 < getattr(softplus, ratio)


def test_sigmoid_vanishes_with_every_init(quick):
    for init in INIT_NAMES:
        assert quick.cell("sigmoid", init).ratio_delta < 1e-5


def test_with_the_tutorials_small_init_every_activation_vanishes(quick):
    """Against the tutorial: relu and softplus are no remedy while the weights are small."""
    for act in ACTIVATION_NAMES:
        assert quick.cell(act, "small").ratio_delta < 1e-6
        assert quick.cell(act, "small").ratio_grad < 1e-4


def test_sigmoid_keeps_less_than_a_third_of_the_error_per_layer(quick):
    for init in INIT_NAMES:
        assert quick.cell("sigmoid", init).per_layer_factor < 0.35


def test_relu_with_he_init_keeps_most_of_the_error_per_layer(quick):
    assert quick.cell("relu", "he").per_layer_factor > 0.8


def test_tanh_does_not_vanish_with_xavier_or_he(quick):
    """Against the tutorial: tanh′ ≤ 1 does not make tanh's error vanish in 10 layers."""
    for init in ("xavier", "he"):
        assert quick.cell("tanh", init).ratio_delta > 1e-2
        assert quick.cell("tanh", init).ratio_grad > 1e-2


def test_tanh_keeps_at_least_as_much_of_the_error_as_relu(quick):
    for init in INIT_NAMES:
        assert quick.cell("tanh", init).ratio_delta > quick.cell("relu", init).ratio_delta


def test_softplus_lies_between_sigmoid_and_relu(quick):
    for init in INIT_NAMES:
        sig, softplus, relu = (
            quick.cell(a, init).ratio_delta for a in ("sigmoid", "softplus", "relu")
        )
        assert sig < softplus < relu


def test_the_fraction_of_active_relus_is_about_half(quick):
    """relu′ is 1 only where z > 0: the mean relu′ is about ½, not the tutorial's 1."""
    for init in INIT_NAMES:
        assert 0.4 < quick.cell("relu", init).mean_df < 0.6


# --------------------------------------------------------------------------------------------
# The result's shape


def test_json_has_one_result_per_activation_and_init_with_per_layer_lists(quick):
    d = json.loads(quick.to_json())
    assert d["experiment"] == "vanishing-gradients"
    assert d["config"]["sizes"] == [2] + [16] * 10 + [1]
    assert d["config"]["seeds"] == [0, 1, 2]
    assert d["bounds"] == {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0, "softplus": 1.0}
    pairs = [(r["activation"], r["init"]) for r in d["results"]]
    assert sorted(pairs) == sorted((a, i) for a in ACTIVATION_NAMES for i in INIT_NAMES)
    for r in d["results"]:
        assert r["layers"] == list(range(2, 13))
        for key in ("delta_mean_abs", "grad_norm", "df_mean"):
            assert len(r[key]) == 11
        assert 0 < r["per_layer_factor"] < 2
        assert [s["seed"] for s in r["per_seed"]] == [0, 1, 2]
        for s in r["per_seed"]:
            assert s["ratio_delta"] == s["delta_mean_abs"][0] / s["delta_mean_abs"][-1]
            assert s["ratio_grad"] == s["grad_norm"][0] / s["grad_norm"][-1]
        assert r["ratio_grad"] == np.median([s["ratio_grad"] for s in r["per_seed"]])
        assert r["max_df"] <= r["bound"]


def test_medians_are_over_the_seeds(quick):
    c = quick.cell("tanh", "he")
    assert c.ratio_grad == np.median([run.ratio_grad for run in c.runs])
    assert c.grad_norm[2] == np.median([run.grad_norm[2] for run in c.runs])


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        gradient_statistics(depth=2, width=2, seeds=1, activations=["swish"])
    with pytest.raises(ValueError, match="unknown init"):
        gradient_statistics(depth=2, width=2, seeds=1, inits=["zeros"])
    with pytest.raises(ValueError, match="depth must be an integer ≥ 1"):
        gradient_statistics(depth=0)
    with pytest.raises(ValueError, match="seeds must be ≥ 1"):
        gradient_statistics(seeds=0)


# --------------------------------------------------------------------------------------------
# Data set


def test_two_moons_shapes_targets_and_determinism():
    X, Y = data.two_moons(n=7, noise=0.2, seed=0)
    assert X.shape == (7, 2) and Y.shape == (7, 1)
    assert X.dtype == Y.dtype == np.float64
    assert Y.ravel().tolist() == [0, 0, 0, 1, 1, 1, 1]  # ⌊n/2⌋ upper, ⌈n/2⌉ lower
    X2, _ = data.two_moons(n=7, noise=0.2, seed=0)
    assert np.array_equal(X, X2)
    assert not np.array_equal(X, data.two_moons(n=7, noise=0.2, seed=1)[0])


def test_two_moons_without_noise_lies_on_the_half_circles():
    X, Y = data.two_moons(n=9, noise=0.0)
    upper, lower = X[Y[:, 0] == 0], X[Y[:, 0] == 1]
    assert np.allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    assert np.allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)


def test_two_moons_rejects_bad_arguments():
    with pytest.raises(ValueError, match="n must be an integer ≥ 2"):
        data.two_moons(n=1)
    with pytest.raises(ValueError, match="noise"):
        data.two_moons(n=10, noise=-1.0)


# --------------------------------------------------------------------------------------------
# Command line


def test_cli_quick_prints_the_table(capsys):
    assert main(["vanishing", "--quick"]) == 0
    out = capsys.readouterr().out
    assert "seeds 0…2, median shown" in out
    assert "max f′ seen" in out
    for act in ACTIVATION_NAMES:
        assert act in out
    assert "Per layer, init he" in out


def test_cli_json_is_the_quick_result(capsys, quick):
    assert main(["vanishing", "--quick", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(quick.to_json())


def test_cli_options_reach_the_experiment(capsys):
    assert (
        main(["vanishing", "--quick", "--json", "--depth", "3", "--width", "5", "--seeds", "2"])
        == 0
    )
    d = json.loads(capsys.readouterr().out)
    assert d["config"]["sizes"] == [2, 5, 5, 5, 1]
    assert d["config"]["seeds"] == [0, 1]


def test_cli_rejects_a_depth_of_zero(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["vanishing", "--depth", "0"])
    assert exc.value.code == 2
    assert "expected an integer ≥ 1" in capsys.readouterr().err


def test_cli_plot_writes_a_png(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = tmp_path / "v.png"
    assert main(["vanishing", "--quick", "--depth", "3", "--plot", str(path)]) == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"plot written to {path}" in capsys.readouterr().out


def test_run_writes_to_the_given_stream():
    args = argparse.Namespace(depth=2, width=3, seeds=1, json=True, plot=None, quick=True)
    out = io.StringIO()
    assert run_vanishing(args, out=out) == 0
    assert json.loads(out.getvalue())["config"]["sizes"] == [2, 3, 3, 1]


# --------------------------------------------------------------------------------------------
# Training speed: the tutorial's "训练速度会提高", on the quick mode's fixed seeds (He init, seeds
# 0…2, two_moons n = 64, 300 epochs), the run ``microbp vanishing --quick --train`` prints.


@pytest.fixture(scope="module")
def speed():
    return vanishing.training_speed(**vanishing.TRAIN_QUICK)


def test_sigmoid_deep_net_does_not_train_with_gd_and_stays_at_the_constant_output(speed):
    c = speed.cell("sigmoid", "he", "gd")
    assert c.converged == 0 and c.median_epochs is None and c.median_seconds is None
    # E = ½·¼ = 0.125: the net outputs ½ for every sample, the mean of the 0/1 targets
    assert all(abs(r.final_loss - 0.125) < 1e-3 for r in c.runs)


@pytest.mark.parametrize("act", ["tanh", "relu", "softplus"])
def test_tanh_relu_and_softplus_train_with_gd_from_every_seed(speed, act):
    c = speed.cell(act, "he", "gd")
    assert c.converged == len(c.runs) == 3
    assert c.median_epochs < 100
    assert all(r.final_loss < 0.05 and r.stopped_by == "target" for r in c.runs)


def test_tanh_trains_at_least_as_fast_as_relu_and_softplus_is_slowest_with_gd(speed):
    med = {act: speed.cell(act, "he", "gd").median_epochs for act in ("tanh", "relu", "softplus")}
    assert med["tanh"] <= med["relu"] < med["softplus"]


def test_rprop_trains_the_sigmoid_net_gd_cannot(speed):
    # Rprop's step depends on the sign of ∂E/∂w only, so a gradient 10⁻⁶ small moves a
    # weight as far as a large one: the vanishing magnitude does not slow it.
    c = speed.cell("sigmoid", "he", "iRprop-")
    assert c.converged == 3 and c.median_epochs < 100


def test_a_run_that_misses_counts_as_slowest_in_the_median():
    runs = tuple(
        vanishing.SpeedRun(s, e, 0.1, 0.04 if e else 0.2, "target" if e else "max_epochs")
        for s, e in enumerate([10, None, 30])
    )
    cell = vanishing.SpeedCell("relu", "he", "gd", 100, runs)
    assert (cell.converged, cell.median_epochs) == (2, 30.0)
    cell = vanishing.SpeedCell("relu", "he", "gd", 100, runs[:2] + (runs[1],))
    assert (cell.converged, cell.median_epochs) == (1, None)


def test_training_epochs_are_the_fit_run_on_the_same_mlp(speed):
    from microbp import fit
    from microbp.optim import GD

    X, Y = data.two_moons(n=64, noise=0.1, seed=0)
    net = MLP(deep_sizes(2, 10, 16, 1), ["relu"] * 10 + ["sigmoid"], seed=1, init="he")
    h = fit(net, X, Y, GD(0.5), max_epochs=300, tol=0, target=0.05, gradients="formulas")
    assert h.epochs == speed.cell("relu", "he", "gd").runs[1].epochs


def test_training_speed_json_shape(speed):
    d = json.loads(json.dumps(speed.to_dict(), allow_nan=False))
    assert sorted(d) == ["config", "experiment", "results"]
    assert d["experiment"] == "vanishing-training-speed"
    assert [(r["init"], r["activation"], r["optimizer"]) for r in d["results"]] == [
        ("he", act, opt) for act in ACTIVATION_NAMES for opt in ("gd", "iRprop-")
    ]
    for r in d["results"]:
        assert len(r["per_seed"]) == 3
        assert r["converged"] == sum(s["epochs"] is not None for s in r["per_seed"])
    assert d["config"]["target"] == 0.05 and d["config"]["max_epochs"] == 300


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(optimizers=["adam"]), "unknown optimizer 'adam'"),
        (dict(max_epochs=0), "max_epochs must be"),
        (dict(target=0), "target must be"),
        (dict(lr=-1.0), "lr must be"),
        (dict(inits=["zeros"]), "unknown init 'zeros'"),
        (dict(seeds=0), "seeds must be ≥ 1"),
    ],
)
def test_training_speed_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        vanishing.training_speed(**kwargs)


def test_cli_train_adds_the_training_table(capsys):
    assert main(["vanishing", "--quick", "--train", "--depth", "3", "--max-epochs", "20"]) == 0
    out = capsys.readouterr().out
    assert "Per layer, init he" in out
    assert "Training speed: sizes [2, 16×3, 1]" in out and "budget 20" in out
    assert "gd" in out and "iRprop-" in out


def test_cli_train_json_has_the_training_speed(capsys, speed):
    assert main(["vanishing", "--quick", "--train", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert sorted(d) == ["bounds", "config", "experiment", "results", "training_speed"]
    got = [[s["epochs"] for s in r["per_seed"]] for r in d["training_speed"]["results"]]
    assert got == [[r.epochs for r in c.runs] for c in speed.cells]


def test_cli_without_train_has_no_training_speed(capsys):
    assert main(["vanishing", "--quick", "--json", "--depth", "2"]) == 0
    assert "training_speed" not in json.loads(capsys.readouterr().out)


def test_cli_train_inits_reach_the_experiment_and_bad_ones_are_refused(capsys):
    argv = ["vanishing", "--quick", "--train", "--json", "--depth", "2", "--max-epochs", "5"]
    assert main(argv + ["--train-inits", "small,xavier"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["training_speed"]["config"]["inits"] == ["small", "xavier"]
    with pytest.raises(SystemExit) as exc:
        main(argv + ["--train-inits", "zeros"])
    assert exc.value.code == 2
    assert "unknown init 'zeros'" in capsys.readouterr().err


def test_cli_train_plot_writes_a_png_with_the_training_row(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = tmp_path / "v.png"
    argv = ["vanishing", "--quick", "--train", "--depth", "3", "--max-epochs", "20"]
    assert main(argv + ["--plot", str(path)]) == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_training_options_without_train_are_refused(capsys):
    assert main(["vanishing", "--quick", "--max-epochs", "5"]) == 2
    captured = capsys.readouterr()
    assert "--max-epochs: only used with --train" in captured.err and captured.out == ""
