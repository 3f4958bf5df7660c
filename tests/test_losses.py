"""microbp.losses: every loss × output activation agrees by every method; the canonical pairs
give δ⁽ᴸ⁾ = a⁽ᴸ⁾ − y; saturated outputs and huge logits stay finite without a warning; bad
input gets a clear error. Each section says more; first, the methods agree:

For each pair a loss is defined for (squared_error with every output activation, softmax
included; binary_cross_entropy with sigmoid; cross_entropy with softmax) the graph's δ⁽ˡ⁾ and
∂E/∂θ equal BP-1 (general form) … BP-4 to 1e-12 relative in float64, on both formula forms,
and all of them equal central finite differences. With Fractions and piecewise-linear
outputs the squared error stays exact: == on every δ and gradient.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microbp import MLP, Value, bp, data, fit, losses, optim
from microbp.activations import ACTIVATIONS, SOFTMAX
from microbp.gradcheck import gradcheck

PAIRS = [
    ("squared_error", "sigmoid"),
    ("squared_error", "tanh"),
    ("squared_error", "relu"),
    ("squared_error", "softplus"),
    ("squared_error", "identity"),
    ("squared_error", "softmax"),
    ("binary_cross_entropy", "sigmoid"),
    ("cross_entropy", "softmax"),
]


def targets(loss: str, n: int, rng: random.Random) -> list[float]:
    """Random targets of the form each loss expects."""
    if loss == "cross_entropy":
        y = [0.0] * n
        y[rng.randrange(n)] = 1.0  # a one-hot row
        return y
    return [rng.uniform(0.0, 1.0) for _ in range(n)]


def autodiff(net, x, y, loss):
    """(δ per layer from the z-nodes, ∂E/∂θ in parameter order, E) by the graph."""
    fw = net.forward(x)
    E = losses.get(loss).sample(y, fw.z[net.L], fw.output)
    net.zero_grad()
    E.backward()
    return {l: fw.delta(l) for l in fw.z}, [p.grad for p in net.parameters()], E.data


def close(a, b, rtol=1e-12):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = max(1.0, float(np.max(np.abs(a))), float(np.max(np.abs(b))))
    return np.allclose(a, b, rtol=rtol, atol=rtol * scale)


@pytest.mark.parametrize(("loss", "output"), PAIRS)
@pytest.mark.parametrize("seed", range(3))
def test_graph_index_form_and_matrix_form_agree(loss, output, seed):
    rng = random.Random(seed)
    net = MLP([3, 4, 3], activation=["tanh", output], seed=seed, init="xavier")
    x = [rng.uniform(-1, 1) for _ in range(3)]
    y = targets(loss, 3, rng)
    deltas, grads, E = autodiff(net, x, y, loss)
    index = bp.index_form(net, x, y, loss=loss)
    matrix = bp.backprop(net, [x], [y], loss=loss)
    for l in (3, 2):
        assert close(deltas[l], index.delta[l]), (l, deltas[l], index.delta[l])
        assert close(deltas[l], matrix.delta[l][0])
    assert close(grads, index.flat())
    assert close(grads, matrix.flat())
    assert close(E, index.E) and close(E, matrix.E)


@pytest.mark.parametrize(("loss", "output"), PAIRS)
def test_both_methods_match_central_finite_differences(loss, output):
    rng = random.Random(7)
    net = MLP([2, 3, 2], activation=["sigmoid", output], seed=3, init="xavier")
    x = [rng.uniform(-1, 1) for _ in range(2)]
    y = targets(loss, 2, rng)
    report = gradcheck(net, x, y, loss=loss)
    assert report.passed, str(report)
    assert not any(r.kink for r in report.rows)


@pytest.mark.parametrize("output", ["relu", "identity"])
@pytest.mark.parametrize("seed", range(4))
def test_squared_error_is_exact_with_fractions(output, seed):
    rng = random.Random(seed)
    net = MLP([2, 3, 2], activation=["relu", output])
    for p in net.parameters():
        p.data = Fraction(rng.randint(-9, 9), rng.randint(1, 5))
    x = [Fraction(rng.randint(-5, 5), 3) for _ in range(2)]
    y = [Fraction(rng.randint(0, 4), 4) for _ in range(2)]
    deltas, grads, E = autodiff(net, x, y, "squared_error")
    index = bp.index_form(net, x, y, loss="squared_error")
    assert grads == index.flat()
    assert deltas == index.delta
    assert E == index.E and isinstance(E, (int, Fraction))


@pytest.mark.parametrize(("loss", "output"), PAIRS)
def test_fit_follows_the_same_trajectory_on_both_methods(loss, output):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 2))
    if loss == "cross_entropy":
        Y = np.eye(2)[rng.integers(0, 2, size=6)]
    else:
        Y = rng.uniform(0, 1, size=(6, 2))
    runs = []
    for gradients in ("autodiff", "formulas"):
        net = MLP([2, 3, 2], activation=["tanh", output], seed=1, init="xavier")
        h = fit(net, X, Y, optim.make("gd", 0.3), max_epochs=15, tol=0, loss=loss, quiet=True,
                gradients=gradients)  # fmt: skip
        runs.append((h.loss, net.get_flat()))
    (loss_a, theta_a), (loss_f, theta_f) = runs
    assert len(loss_a) == len(loss_f) == 16
    assert close(loss_a, loss_f) and close(theta_a, theta_f)
    assert loss_a[-1] < loss_a[0]


@settings(max_examples=25)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 5))
def test_cross_entropy_total_error_is_the_mean_on_both_methods(seed, n):
    rng = random.Random(seed)
    net = MLP([2, 3, n], activation=["sigmoid", "softmax"], seed=seed, init="xavier")
    X = [[rng.uniform(-2, 2) for _ in range(2)] for _ in range(4)]
    Y = [targets("cross_entropy", n, rng) for _ in range(4)]
    passes = [net.forward(x) for x in X]
    E = losses.total_error(Y, [p.z[net.L] for p in passes], "cross_entropy")
    assert close(E.data, bp.backprop(net, X, Y, "cross_entropy").E)
    assert close(E.data, sum(bp.index_form(net, x, y, "cross_entropy").E for x, y in zip(X, Y)) / 4)


@pytest.mark.parametrize("loss", ["binary_cross_entropy", "cross_entropy"])
def test_sgd_mini_batches_follow_the_same_trajectory_on_both_methods(loss):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(7, 2))
    Y = np.eye(2)[rng.integers(0, 2, size=7)]
    output = "sigmoid" if loss == "binary_cross_entropy" else "softmax"
    runs = []
    for gradients in ("autodiff", "formulas"):
        net = MLP([2, 3, 2], activation=["tanh", output], seed=2, init="xavier")
        h = fit(net, X, Y, optim.make("sgd", 0.2, batch_size=3, seed=5), max_epochs=6, tol=0,
                loss=loss, quiet=True, gradients=gradients)  # fmt: skip
        runs.append((h.loss, net.get_flat(), h.updates))
    (loss_a, theta_a, n_a), (loss_f, theta_f, n_f) = runs
    assert n_a == n_f == 6 * 3
    assert close(loss_a, loss_f) and close(theta_a, theta_f)


# --------------------------------------------------------------------------------------------
# The canonical pairs: δ⁽ᴸ⁾ = a⁽ᴸ⁾ − y
# Sigmoid + binary cross-entropy and softmax + categorical cross-entropy: δ⁽ᴸ⁾ = a⁽ᴸ⁾ − y.
#
# Three ways to the claim: the graph's z-node gradients on random nets; BP-1 in its general
# form (∇_a E ⊙ σ′(z), J_softmaxᵀ ∇_a E, without the closed form) on the same nets; and, exactly,
# the general form evaluated in Fractions for any rational a ∈ (0, 1) (sigmoid) or rational
# distribution a (softmax), where f′ cancels against ∇_a E with no rounding at all.


CANONICAL_PAIRS = [("binary_cross_entropy", "sigmoid"), ("cross_entropy", "softmax")]


def random_case(loss, seed, n, rng):
    net = MLP([3, 4, n], activation=["tanh", "sigmoid" if loss.startswith("b") else "softmax"],
              seed=seed, init="xavier")  # fmt: skip
    for p in net.parameters():
        p.data = rng.uniform(-2, 2)
    x = [rng.uniform(-2, 2) for _ in range(3)]
    if loss == "cross_entropy":
        y = [0.0] * n
        y[rng.randrange(n)] = 1.0
    else:
        y = [rng.choice([0.0, 1.0, rng.random()]) for _ in range(n)]
    return net, x, y


@settings(max_examples=30)
@given(seed=st.integers(0, 100_000), n=st.integers(2, 5), case=st.sampled_from(CANONICAL_PAIRS))
def test_the_graph_gives_a_minus_y(seed, n, case):
    loss, _ = case
    rng = random.Random(seed)
    net, x, y = random_case(loss, seed, n, rng)
    fw = net.forward(x)
    E = losses.get(loss).sample(y, fw.z[net.L], fw.output)
    E.backward()
    a = [ak.data for ak in fw.output]
    assert np.allclose(fw.delta(net.L), np.subtract(a, y), rtol=0, atol=1e-15)


@settings(max_examples=30)
@given(seed=st.integers(0, 100_000), n=st.integers(2, 5), case=st.sampled_from(CANONICAL_PAIRS))
def test_the_general_bp1_gives_a_minus_y(seed, n, case):
    loss, output = case
    rng = random.Random(seed)
    net, x, y = random_case(loss, seed, n, rng)
    g = bp.backprop(net, [x], [y], loss)
    f = SOFTMAX if output == "softmax" else ACTIVATIONS[output]
    Z, A = g.z[net.L], g.a[net.L]
    general = bp.output_delta_np(loss, f, np.array([y]), Z, A, closed_form=False)
    assert np.allclose(general, A - np.array([y]), rtol=1e-12, atol=1e-15)
    index = bp.output_delta(loss, f, y, Z[0].tolist(), A[0].tolist(), closed_form=False)
    assert np.allclose(index, A[0] - y, rtol=1e-12, atol=1e-15)
    assert np.array_equal(g.delta[net.L], A - np.array([y]))  # what bp uses: a − y itself


fractions_01 = st.fractions(min_value=0, max_value=1, max_denominator=1000)


@given(a=st.lists(fractions_01.filter(lambda q: 0 < q < 1), min_size=1, max_size=5),
       data=st.data())  # fmt: skip
def test_sigmoid_bce_cancels_exactly_in_fractions(a, data):
    y = data.draw(st.lists(fractions_01, min_size=len(a), max_size=len(a)))
    z = [None] * len(a)  # σ′ is taken from a: σ′ = a(1 − a)
    delta = bp.output_delta("binary_cross_entropy", ACTIVATIONS["sigmoid"], y, z, a,
                            closed_form=False)  # fmt: skip
    assert delta == [ak - yk for ak, yk in zip(a, y)]


@given(weights=st.lists(st.integers(1, 50), min_size=2, max_size=6), data=st.data())
def test_softmax_ce_cancels_exactly_in_fractions(weights, data):
    a = [Fraction(w, sum(weights)) for w in weights]  # a rational distribution, Σ a = 1
    k = data.draw(st.integers(0, len(a) - 1))
    y = [Fraction(int(i == k)) for i in range(len(a))]
    delta = bp.output_delta("cross_entropy", SOFTMAX, y, None, a, closed_form=False)
    assert delta == [ak - yk for ak, yk in zip(a, y)]


def test_squared_error_with_sigmoid_keeps_the_f_prime_factor():
    """The contrast the docs draw: with ½‖y − a‖² the factor σ′(z) = a(1 − a) stays."""
    a, y = [Fraction(49, 50)], [Fraction(0)]
    delta = bp.output_delta("squared_error", ACTIVATIONS["sigmoid"], y, [None], a)
    assert delta == [(a[0] - y[0]) * a[0] * (1 - a[0])]
    assert delta[0] < (a[0] - y[0]) / 50  # 50× smaller than a − y at a = 0.98


# --------------------------------------------------------------------------------------------
# Saturated outputs and huge logits
# Saturated outputs and huge logits: finite losses and gradients, and no warnings.
#
# Outputs at 1 − 1e-17 (σ(z) rounds to 1.0 for z ≳ 37) and logits of ±1000 would give ln 0,
# 0/0 or overflow in a naive E = −Σ y ln a; the losses are computed from z (softplus and
# log-sum-exp), and BP-1 uses δ⁽ᴸ⁾ = a − y. Warnings are errors in this module.


no_warnings = pytest.mark.filterwarnings("error")  # a RuntimeWarning (overflow, ln 0) fails


def saturated_net(output: str, logits) -> MLP:
    """A 1-n net whose z⁽²⁾ equals ``logits`` for the input x = (1)."""
    n = len(logits)
    return MLP.from_weights({2: [[0.0]] * n}, {2: list(logits)}, activation=output)


SATURATED = [
    ("binary_cross_entropy", "sigmoid", [40.0, -40.0], [0.0, 1.0]),  # σ = 1 − 4e-18 → 1.0
    ("binary_cross_entropy", "sigmoid", [1000.0, -1000.0], [0.0, 1.0]),
    ("binary_cross_entropy", "sigmoid", [1000.0, -1000.0], [1.0, 0.0]),
    ("cross_entropy", "softmax", [1000.0, -1000.0, 0.0], [0.0, 1.0, 0.0]),
    ("cross_entropy", "softmax", [-1000.0, 1000.0, 999.0], [0.0, 1.0, 0.0]),
    ("squared_error", "softmax", [1000.0, -1000.0, 0.0], [0.0, 1.0, 0.0]),
    ("squared_error", "sigmoid", [1000.0, -1000.0], [0.0, 1.0]),
]


@no_warnings
@pytest.mark.parametrize(("loss", "output", "z", "y"), SATURATED)
def test_saturated_outputs_give_finite_losses_and_gradients(loss, output, z, y):
    net = saturated_net(output, z)
    fw = net.forward([1.0])
    E = losses.get(loss).sample(y, fw.z[2], fw.output)
    E.backward()
    index = bp.index_form(net, [1.0], y, loss)
    matrix = bp.backprop(net, [[1.0]], [y], loss)
    for value in [E.data, index.E, matrix.E, *fw.delta(2), *index.flat(), *matrix.flat()]:
        assert math.isfinite(value)
    assert np.allclose(fw.delta(2), index.delta[2]) and np.allclose(fw.delta(2), matrix.delta[2])
    assert np.isclose(E.data, index.E) and np.isclose(E.data, matrix.E)


@no_warnings
def test_a_wrong_saturated_output_costs_its_logit_and_learns_at_full_speed():
    """z = 1000 with target 0: E = 1000 (not ∞), ∂E/∂z = 1 (not 0 as with ½‖y − a‖²)."""
    z = Value(1000.0)
    E = losses.binary_cross_entropy([0], [z])
    E.backward()
    assert E.data == 1000.0 and z.grad == 1.0
    z2 = Value(1000.0)
    E2 = losses.squared_error([0], [z2.sigmoid()])
    E2.backward()
    assert z2.grad == 0.0  # σ′(1000) = a(1 − a) = 0: the saturated neuron cannot learn


@no_warnings
def test_cross_entropy_of_logits_of_1000_is_exact():
    z = [Value(1000.0), Value(-1000.0)]
    E = losses.cross_entropy([0, 1], z)
    E.backward()
    assert E.data == 2000.0
    assert [zk.grad for zk in z] == [1.0, -1.0]


@no_warnings
@pytest.mark.parametrize("gradients", ["autodiff", "formulas"])
def test_fit_from_saturated_logits_is_finite(gradients):
    net = MLP.from_weights({2: [[500.0], [-500.0]]}, {2: [500.0, -500.0]}, ["softmax"])
    h = fit(net, [[1.0]], [[0.0, 1.0]], optim.make("gd", 0.1), max_epochs=3, tol=0,
            loss="cross_entropy", quiet=True, gradients=gradients)  # fmt: skip
    assert all(math.isfinite(E) for E in h.loss) and h.loss[-1] < h.loss[0] == 2000.0


# --------------------------------------------------------------------------------------------
# Bad input: clear errors
# Bad input to the losses, the softmax layer and the classification data: clear errors.
#
# Each error names the problem and the expected form, and nothing is changed.


@pytest.mark.parametrize("loss", list(losses.LOSSES))
def test_targets_of_the_wrong_length(loss):
    with pytest.raises(ValueError, match="one target per output: got 1 targets for 2 outputs"):
        losses.get(loss).value([1], [Value(0.0), Value(0.0)])


@pytest.mark.parametrize(
    ("loss", "output"), [("squared_error", "sigmoid"), ("cross_entropy", "softmax")]
)
def test_targets_of_the_wrong_length_on_the_formula_forms(loss, output):
    net = MLP([2, 3], activation=output)
    with pytest.raises(ValueError, match=r"expected 3 targets \(n_L = 3\), got 2"):
        bp.index_form(net, [0, 0], [1, 0], loss)
    with pytest.raises(ValueError, match=r"Y must have shape \(N, n_L\) = \(N, 3\)"):
        bp.backprop(net, [[0, 0]], [[1, 0]], loss)


@pytest.mark.parametrize("row", [[1, 1, 0], [0.5, 0.2, 0.2], [0, 0, 0]])
def test_cross_entropy_rows_must_sum_to_one(row):
    with pytest.raises(ValueError, match="sum to 1 .*one-hot row for a class label"):
        losses.cross_entropy(row, [Value(0.0)] * 3)
    net = MLP([2, 3], activation="softmax")
    theta = net.get_flat()
    with pytest.raises(ValueError, match=r"target row 2 .*summing to"):
        fit(net, [[0, 0], [1, 1]], [[1, 0, 0], row], optim.make("gd"), loss="cross_entropy")
    assert np.array_equal(net.get_flat(), theta)
    with pytest.raises(ValueError, match="sum to 1"):
        bp.backprop(net, [[0, 0]], [row], "cross_entropy")


def test_cross_entropy_rejects_negative_targets():
    with pytest.raises(ValueError, match=r"yₖ ≥ 0, Σₖ yₖ = 1"):
        losses.cross_entropy([1.5, -0.5], [Value(0.0)] * 2)


@pytest.mark.parametrize("y", [1.5, -0.1, float("nan")])
def test_binary_cross_entropy_targets_must_lie_in_0_1(y):
    nan = y != y  # NaN is refused as every method refuses it, before the range is looked at
    with pytest.raises(ValueError, match=r"finite numbers" if nan else r"targets yₖ in \[0, 1\]"):
        losses.binary_cross_entropy([0, y], [Value(0.0)] * 2)
    net = MLP([1, 2], activation="sigmoid")
    expected = r"finite numbers" if nan else r"targets yₖ in \[0, 1\].*row 1"
    with pytest.raises(ValueError, match=expected):
        bp.backprop(net, [[0]], [[0, y]], "binary_cross_entropy")


def test_a_softmax_layer_of_one_neuron():
    with pytest.raises(ValueError, match="softmax output layer needs n_L ≥ 2 neurons"):
        MLP([3, 1], activation=["softmax"])
    with pytest.raises(ValueError, match="softmax output layer needs n_L ≥ 2 neurons"):
        bp.Weights({2: [[1.0, 2.0]]}, {2: [0.0]}, "softmax")


def test_softmax_is_for_the_output_layer_only():
    with pytest.raises(ValueError, match="softmax is an output layer"):
        MLP([3, 4, 2], activation="softmax")
    with pytest.raises(ValueError, match="softmax is an output layer"):
        MLP([3, 4, 2], activation=["softmax", "sigmoid"])


@pytest.mark.parametrize(
    ("loss", "output", "hint"),
    [("cross_entropy", "sigmoid", "binary_cross_entropy"), ("binary_cross_entropy", "softmax",
     "cross_entropy"), ("cross_entropy", "tanh", "squared_error")],
)  # fmt: skip
def test_a_loss_on_the_wrong_output_layer(loss, output, hint):
    net = MLP([2, 2], activation=output)
    with pytest.raises(ValueError, match=f"made for a .* output layer.*{hint}"):
        fit(net, [[0, 0]], [[1, 0]], optim.make("gd"), loss=loss)
    with pytest.raises(ValueError, match="output layer"):
        bp.index_form(net, [0, 0], [1, 0], loss)


def test_an_unknown_loss():
    with pytest.raises(ValueError, match="unknown loss 'hinge'; expected one of: squared_error"):
        losses.get("hinge")


@pytest.mark.parametrize("labels", [[0, 3], [-1, 0], [0.5, 1]])
def test_one_hot_labels_out_of_range(labels):
    with pytest.raises(ValueError, match=r"class labels must be integers 0…2 \(n_classes = 3\)"):
        data.one_hot(labels, 3)


def test_classes_needs_one_target_column():
    with pytest.raises(ValueError, match=r"one 0/1 target column, shape \(N, 1\)"):
        data.classes(*data.encoder(4, 2))


@pytest.mark.parametrize("labels", [[None, 1], [True, False], ["a", "b"]])
def test_one_hot_labels_that_are_not_integers(labels):
    with pytest.raises(ValueError, match=r"labels must be integers 0…1"):
        data.one_hot(labels, 2)


def test_the_cross_entropies_take_plain_numbers_as_z():
    """Numbers become leaf Values; text is refused by Value with its own message."""
    assert losses.cross_entropy([1, 0], [0.0, 0.0]).data == pytest.approx(0.6931471805599453)
    assert losses.binary_cross_entropy([1], [0]).data == pytest.approx(0.6931471805599453)
    with pytest.raises(TypeError, match="expects a real number"):
        losses.cross_entropy([1, 0], ["0", 0.0])
