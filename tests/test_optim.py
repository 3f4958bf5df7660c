"""The optimizers on flat vectors: GD by hand, each Rprop variant traced by hand, SGD batches."""

import numpy as np
import pytest

from microbp.optim import GD, SGD, Rprop

# A hand trace for the Rprop family. Two parameters, A and B, start at 0. Settings:
# Δ₀ = 0.1, η⁺ = 1.2, η⁻ = 0.5, Δ_min = 0.06, Δ_max = 0.13 (tight, so both clamps act).
# Gradients: A keeps its sign (+, +, +); B flips at step 2 (+, −, −).
#   step 1: g_{t−1} = 0 for both → Δ = 0.1 each, both move −0.1.
#   step 2: A same sign → Δ_A = min(0.12, 0.13) = 0.12, moves −0.12.
#           B flips     → Δ_B = max(0.05, 0.06) = 0.06 (clamped at Δ_min); what B does
#                         depends on the variant.
#   step 3: A same sign → Δ_A = min(0.144, 0.13) = 0.13 (clamped at Δ_max), moves −0.13.
SETTINGS = dict(delta0=0.1, delta_min=0.06, delta_max=0.13, eta_plus=1.2, eta_minus=0.5)
GRADS = [np.array([1.0, 1.0]), np.array([1.0, -1.0]), np.array([1.0, -1.0])]
A_TRACE = [-0.1, -0.1 - 0.1 * 1.2, -0.1 - 0.1 * 1.2 - 0.13]


def trace(variant, losses=(1.0, 1.0, 1.0)):
    opt = Rprop(variant, **SETTINGS)
    theta = np.zeros(2)
    out = []
    for g, E in zip(GRADS, losses):
        theta = opt.step(theta, g, E)
        out.append(theta)
    return np.array(out), opt


def check_A(thetas):
    assert thetas[:, 0] == pytest.approx(A_TRACE, abs=1e-15)


def test_irprop_minus_on_a_flip_shrinks_the_step_does_not_move_and_forgets_the_gradient():
    thetas, opt = trace("iRprop-")
    check_A(thetas)
    # B: −0.1; flip → Δ_B = 0.06, g := 0, no move; next step counts as "g_{t−1} g_t = 0":
    # Δ_B stays 0.06 (no second shrink) and B moves +0.06.
    assert thetas[:, 1] == pytest.approx([-0.1, -0.1, -0.1 + 0.06], abs=1e-15)
    assert opt.delta == pytest.approx([0.13, 0.06])


def test_rprop_minus_on_a_flip_shrinks_the_step_and_moves_without_backtracking():
    thetas, opt = trace("Rprop-")
    check_A(thetas)
    # B: −0.1; flip → Δ_B = 0.06 and B moves −sign(g)Δ = +0.06; the stored g is −1, so
    # step 3 sees the same sign → Δ_B = 0.072, B moves +0.072.
    assert thetas[:, 1] == pytest.approx([-0.1, -0.04, -0.04 + 0.06 * 1.2], abs=1e-15)


def test_rprop_plus_on_a_flip_takes_back_the_last_move():
    thetas, opt = trace("Rprop+")
    check_A(thetas)
    # B: −0.1; flip → B backtracks by +0.1 to 0 (weight backtracking), g := 0;
    # step 3: Δ_B = 0.06 unchanged, B moves +0.06.
    assert thetas[:, 1] == pytest.approx([-0.1, 0.0, 0.06], abs=1e-15)


def test_irprop_plus_backtracks_only_when_the_error_went_up():
    up, _ = trace("iRprop+", losses=(1.0, 2.0, 1.5))  # E₂ > E₁: behave like Rprop+
    check_A(up)
    assert up[:, 1] == pytest.approx([-0.1, 0.0, 0.06], abs=1e-15)
    down, _ = trace("iRprop+", losses=(1.0, 0.5, 0.4))  # E₂ ≤ E₁: no move, like iRprop−
    check_A(down)
    assert down[:, 1] == pytest.approx([-0.1, -0.1, -0.04], abs=1e-15)


def test_rprop_zero_gradient_keeps_the_step_size_and_does_not_move():
    opt = Rprop("iRprop-")
    theta = opt.step([1.0], [0.0], 0.0)
    assert theta.tolist() == [1.0]
    assert opt.delta.tolist() == [0.1]


def test_rprop_reset_forgets_step_sizes_and_gradients():
    opt = Rprop("iRprop-")
    opt.step([0.0], [1.0], 0.0)
    opt.step([0.0], [1.0], 0.0)
    opt.reset()
    assert opt.step([0.0], [1.0], 0.0).tolist() == [-0.1]


def test_step_does_not_modify_its_arguments():
    theta, grad = np.array([1.0, 2.0]), np.array([0.5, -0.5])
    for opt in (GD(0.1), SGD(0.1), *(Rprop(v) for v in ("Rprop+", "Rprop-", "iRprop+"))):
        opt.step(theta, grad, 1.0)
        opt.step(theta, -grad, 2.0)
        assert theta.tolist() == [1.0, 2.0] and grad.tolist() == [0.5, -0.5]


def test_gd_step_is_theta_minus_lr_times_gradient():
    assert GD(0.25).step([1.0, -2.0], [4.0, -8.0], 0.0).tolist() == [0.0, 0.0]


def test_step_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="same length"):
        GD(0.1).step([1.0, 2.0], [1.0], 0.0)


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: GD(0.0), "lr"),
        (lambda: GD(-1.0), "lr"),
        (lambda: GD(float("nan")), "lr"),
        (lambda: SGD(0.1, batch_size=0), "batch_size"),
        (lambda: SGD(0.1, batch_size=1.5), "batch_size"),
        (lambda: SGD(0.1, seed=-1), "seed"),
        (lambda: Rprop("rprop"), "variant"),
        (lambda: Rprop(eta_minus=1.0), "eta_minus"),
        (lambda: Rprop(eta_minus=0.0), "eta_minus"),
        (lambda: Rprop(eta_plus=1.0), "eta_plus"),
        (lambda: Rprop(delta_min=1.0, delta_max=0.5), "delta_min"),
        (lambda: Rprop(delta0=100.0), "delta0"),
        (lambda: Rprop(delta0=-0.1), "delta0"),
    ],
)
def test_bad_hyper_parameters_raise_value_error_naming_the_parameter(make, name):
    with pytest.raises(ValueError, match=name):
        make()


def test_bad_variant_message_lists_the_allowed_variants():
    with pytest.raises(ValueError, match=r"Rprop\+, Rprop-, iRprop\+, iRprop-"):
        Rprop("iRprop")


def test_sgd_batches_cover_every_sample_once_per_epoch_in_batch_size_pieces():
    opt = SGD(0.1, batch_size=3, seed=5)
    for _ in range(3):
        batches = list(opt.batches(10))
        assert [len(b) for b in batches] == [3, 3, 3, 1]
        assert sorted(np.concatenate(batches).tolist()) == list(range(10))


def test_sgd_batches_are_reproducible_from_the_seed_and_change_between_epochs():
    a, b = SGD(0.1, seed=7), SGD(0.1, seed=7)
    ea = [np.concatenate(list(a.batches(20))).tolist() for _ in range(3)]
    eb = [np.concatenate(list(b.batches(20))).tolist() for _ in range(3)]
    assert ea == eb
    assert ea[0] != ea[1]
    c = SGD(0.1, seed=8)
    assert np.concatenate(list(c.batches(20))).tolist() != ea[0]


def test_sgd_without_shuffle_keeps_the_sample_order():
    opt = SGD(0.1, batch_size=2, shuffle=False)
    assert [b.tolist() for b in opt.batches(5)] == [[0, 1], [2, 3], [4]]


def test_gd_and_rprop_see_the_whole_set_once_per_epoch():
    for opt in (GD(0.1), Rprop()):
        assert [b.tolist() for b in opt.batches(4)] == [[0, 1, 2, 3]]
