"""Rounding is the only difference: gradcheck's reference, the true gradient.

The same net, sample, activations and loss replayed exactly (Fractions, where every step is
rational) or with mpmath at 50 digits gives the true ∂E/∂θ. These tests show that the
replay is right (BP-1…BP-4 on the replayed numbers equal it: == in Fractions, 1e-40 relative
at 50 digits), that float64 autodiff and the float64 formulas are each within a few units
of rounding of it, that a wrong float64 method stands out against it, and how ``reference``
is chosen, refused and reported.
"""

from __future__ import annotations

import importlib
import random
import subprocess
import sys
from fractions import Fraction

import mpmath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microbp import MLP, bp, cli, gradcheck, names
from microbp.gradcheck import true_gradient

ELEMENTWISE = ["sigmoid", "tanh", "relu", "softplus", "identity"]
# (loss, output activation) pairs each loss is made for
PAIRS = [("squared_error", f) for f in ELEMENTWISE + ["softmax"]] + [
    ("binary_cross_entropy", "sigmoid"),
    ("cross_entropy", "softmax"),
]
# the module (microbp.gradcheck, the attribute, is the function)
gradcheck_module = importlib.import_module("microbp.gradcheck")
EPS64 = 2.0**-52  # float64's machine epsilon


def sample(net, loss: str, rng: random.Random) -> tuple[list[float], list[float]]:
    """A random input in [−1, 1]ⁿ¹ and a target of the form the loss expects."""
    x = [rng.uniform(-1.0, 1.0) for _ in range(net.sizes[0])]
    y = [rng.uniform(0.0, 1.0) for _ in range(net.sizes[-1])]
    if loss == "cross_entropy":
        y = [yk / sum(y) for yk in y]
    return x, y


def relative_gap(a, b) -> float:
    """max |aᵢ − bᵢ| / max |aᵢ|, computed at 50 digits."""
    with mpmath.workdps(50):
        scale = max(abs(mpmath.mpf(v)) for v in a)
        return float(max(abs(mpmath.mpf(u) - mpmath.mpf(v)) for u, v in zip(a, b)) / scale)


# --------------------------------------------------------------------------------------------
# The replay is right: both methods agree at high precision


@pytest.mark.parametrize("activation", [["relu", "identity"], ["identity", "relu", "relu"]])
def test_the_exact_road_gives_fractions_equal_to_the_formulas_in_fractions(activation):
    sizes = [3, 4, 2] if len(activation) == 2 else [2, 3, 3, 2]
    net = MLP(sizes, activation=activation, seed=5, init="he")
    x, y = sample(net, "squared_error", random.Random(5))
    truth = true_gradient(net, x, y, reference="exact")
    assert truth.reference == "exact" and truth.digits is None
    assert all(type(g) is Fraction for g in truth.autodiff)
    assert list(truth.autodiff) == list(truth.formula)  # ==, nothing rounded
    assert truth.gap == 0
    # the truth is the gradient of the float net's own numbers: the float methods round it
    report = gradcheck(net, x, y)
    assert report.reference == "exact"
    assert [r.true for r in report.rows] == list(truth.autodiff)
    assert report.max_autodiff_error < 1e-15


def test_the_exact_road_converts_every_number_exactly():
    """A float weight is a dyadic rational: the replay holds exactly that number."""
    net = MLP.from_weights({2: [[0.1, -0.3]]}, {2: [0.7]}, activation="identity")
    truth = true_gradient(net, [0.2, 1 / 3], [0.9], reference="exact")
    w1, w2, b = (Fraction(v) for v in (0.1, -0.3, 0.7))
    x1, x2, y = (Fraction(v) for v in (0.2, 1 / 3, 0.9))
    delta = w1 * x1 + w2 * x2 + b - y  # BP-1 with identity: δ = a − y, exactly
    assert truth.autodiff == (delta * x1, delta * x2, delta)


@pytest.mark.parametrize(("loss", "output"), [p for p in PAIRS if p[1] != "softmax"])
@pytest.mark.parametrize("hidden", ["sigmoid", "tanh", "softplus"])
def test_the_mpmath_road_agrees_with_the_mpmath_formulas_to_1e_40(loss, output, hidden):
    net = MLP([3, 4, 3, 2], activation=[hidden, hidden, output], seed=2)
    x, y = sample(net, loss, random.Random(2))
    truth = true_gradient(net, x, y, loss, reference="mpmath")
    assert truth.reference == "mpmath" and truth.digits == 50
    assert all(type(g) is mpmath.mpf for g in truth.autodiff + truth.formula)
    assert relative_gap(truth.autodiff, truth.formula) < 1e-40


@pytest.mark.parametrize("loss", ["squared_error", "cross_entropy"])
def test_the_mpmath_formulas_keep_50_digits_through_a_softmax_output(loss):
    net = MLP([3, 4, 3], activation=["tanh", "softmax"], seed=2)
    x, y = sample(net, loss, random.Random(2))
    truth = true_gradient(net, x, y, loss, reference="mpmath")
    assert relative_gap(truth.autodiff, truth.formula) < 1e-40


def test_the_mpmath_replay_of_a_softmax_net_is_its_own_50_digit_gradient(monkeypatch):
    """The truth itself (the graph) keeps 50 digits through softmax: twice the precision
    gives the same numbers to 1e-45."""
    net = MLP([3, 4, 3], activation=["tanh", "softmax"], seed=2)
    x, y = sample(net, "cross_entropy", random.Random(2))
    at_50 = true_gradient(net, x, y, "cross_entropy", reference="mpmath").autodiff
    monkeypatch.setattr(gradcheck_module, "DIGITS", 100)
    at_100 = true_gradient(net, x, y, "cross_entropy", reference="mpmath")
    assert at_100.digits == 100
    assert relative_gap(at_100.autodiff, at_50) < 1e-45


# --------------------------------------------------------------------------------------------
# float64 is within rounding of the truth


@settings(max_examples=25)
@given(
    pair=st.sampled_from(PAIRS),
    hidden=st.lists(st.sampled_from(ELEMENTWISE), min_size=0, max_size=2),
    width=st.integers(1, 3),
    n_out=st.integers(2, 3),
    seed=st.integers(0, 10_000),
)
def test_float64_autodiff_and_formulas_are_within_a_few_epsilons_of_the_truth(
    pair, hidden, width, n_out, seed
):
    loss, output = pair
    sizes = [2] + [width] * len(hidden) + [n_out]
    net = MLP(sizes, activation=hidden + [output], seed=seed, init="xavier")
    x, y = sample(net, loss, random.Random(seed))
    report = gradcheck(net, x, y, loss=loss)
    assert report.reference == (
        "exact"
        if set(hidden + [output]) <= {"relu", "identity"} and loss == "squared_error"
        else "mpmath"
    )
    # weights, inputs and every δ are O(1) here, so each method's error is a few ulps of 1
    bound = 16 * EPS64 * max(1.0, max(abs(float(r.true)) for r in report.rows))
    assert report.max_autodiff_error <= bound
    assert report.max_formula_error <= bound


def test_a_wrong_float64_formula_stands_out_against_the_truth(monkeypatch):
    """autodiff and BP-1…BP-4 disagree; the truth says which of the two is wrong."""
    real = bp.index_form

    def wrong_in_float64(net, x, y, loss="squared_error"):
        result = real(net, x, y, loss)
        if type(result.dW[2][0][0]) is float:  # the float64 methods only, not the replay
            result.dW[2][0][0] += 1e-6
        return result

    monkeypatch.setattr(bp, "index_form", wrong_in_float64)
    net = MLP([2, 3, 1], activation="tanh", seed=1)
    report = gradcheck(net, [0.5, -0.5], [0.25])
    assert not report.passed
    w11 = report.rows[0]
    assert w11.name == names.w(2, 1, 1) and not w11.formula_ok
    assert abs(w11.formula_error - 1e-6) < 1e-12  # the formula is the wrong one …
    assert report.max_formula_relative_error > 1e-6
    assert w11.autodiff_error < 1e-16  # … autodiff is right
    assert report.reference_gap == 0  # the replay's formulas were not touched
    assert max(r.formula_error for r in report.rows[1:]) < 1e-16


# --------------------------------------------------------------------------------------------
# Choosing the reference: reference=


def test_auto_is_exact_where_every_step_is_rational_and_mpmath_elsewhere():
    relu = MLP([2, 2, 1], activation=["relu", "identity"], seed=0)
    assert gradcheck(relu, [0.3, 0.4], [0.5]).reference == "exact"
    tanh = MLP([2, 2, 1], activation=["relu", "tanh"], seed=0)
    assert gradcheck(tanh, [0.3, 0.4], [0.5]).reference == "mpmath"
    soft = MLP([2, 2, 2], activation=["relu", "softmax"], seed=0)
    assert gradcheck(soft, [0.3, 0.4], [0.5, 0.5], loss="cross_entropy").reference == "mpmath"
    # a relu net may take the mpmath reference too, and None skips the truth
    assert gradcheck(relu, [0.3, 0.4], [0.5], reference="mpmath").reference == "mpmath"
    none = gradcheck(relu, [0.3, 0.4], [0.5], reference=None)
    assert none.reference is None and none.max_autodiff_error is None
    assert all(r.true is None and r.autodiff_error is None for r in none.rows)


@pytest.mark.parametrize("bad", ["none", "Exact", "fractions", 50, True, ""])
def test_an_unknown_reference_is_refused_naming_the_accepted_values(bad):
    net = MLP([2, 2, 1], activation="relu", seed=0)
    before = net.get_flat().tolist()
    with pytest.raises(ValueError, match=r"unknown reference .*'auto', 'exact', 'mpmath' or None"):
        gradcheck(net, [0.3, 0.4], [0.5], reference=bad)
    assert net.get_flat().tolist() == before
    assert all(p.grad == 0 for p in net.parameters())  # nothing was computed


@pytest.mark.parametrize(
    ("activation", "loss", "named"),
    [
        (["relu", "sigmoid"], "squared_error", "activation 'sigmoid'"),
        (["tanh", "identity"], "squared_error", "activation 'tanh'"),
        (["relu", "softmax"], "squared_error", "activation 'softmax'"),
        (["relu", "sigmoid"], "binary_cross_entropy", "activation 'sigmoid'"),
    ],
)
def test_exact_through_a_step_that_is_not_rational_is_refused(activation, loss, named):
    net = MLP([2, 2, 2], activation=activation, seed=0)
    with pytest.raises(ValueError, match=rf"reference='exact' cannot be used here: the {named}"):
        gradcheck(net, [0.3, 0.4], [0.5, 0.5], loss=loss, reference="exact")
    assert all(p.grad == 0 for p in net.parameters())


def test_exact_with_a_loss_that_is_not_rational_names_the_loss():
    net = MLP([2, 2, 2], activation=["relu", "identity"], seed=0)
    with pytest.raises(ValueError, match="the loss 'cross_entropy' is not rational"):
        true_gradient(net, [0.3, 0.4], [0.5, 0.5], "cross_entropy", reference="exact")


# --------------------------------------------------------------------------------------------
# The report


def test_the_report_shows_the_true_gradient_and_each_roads_error():
    net = MLP([2, 3, 1], activation="tanh", seed=4)
    report = gradcheck(net, [0.5, -0.25], [0.75])
    text = str(report)
    head = text.splitlines()[0]
    for column in ("true gradient", "autodiff", "|ad − true|", "|bp − true|", "|ad − bp|"):
        assert column in head
    # A readable width: 16 and 15 significant digits side by side, and tabulate's two spaces
    # beside each header that is wider than its numbers.
    assert max(len(line) for line in text.splitlines()[:-3]) <= 125
    assert (
        f"vs the true gradient (mpmath, 50 digits): autodiff max error "
        f"{report.max_autodiff_error:.1e} (relative {report.max_autodiff_relative_error:.1e}), "
        f"formulas max error {report.max_formula_error:.1e} "
        f"(relative {report.max_formula_relative_error:.1e})"
    ) in text
    assert "the true gradient by autodiff and by BP-1…BP-4, both at 50 digits" in text
    row = report.rows[0]
    assert repr(float(row.true)) in text.splitlines()[2]  # the shortest round-trip form
    exact = str(gradcheck(MLP([2, 2, 1], activation="relu", seed=0), [0.3, 0.4], [0.5]))
    assert "vs the true gradient (exact, in fractions)" in exact
    assert "both in fractions: the same numbers" in exact


def test_without_mpmath_auto_says_the_truth_was_not_computed_and_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpmath", None)  # `import mpmath` now fails
    net = MLP([2, 3, 1], activation="sigmoid", seed=0)
    report = gradcheck(net, [0.5, -0.5], [0.25])
    assert report.passed and report.reference is None
    text = str(report)
    assert "true gradient not computed: mpmath is not installed" in text
    assert "pip install microbp[symbolic]" in text
    assert "BP-1…BP-4" in text.splitlines()[0]  # the three methods' values, as before
    # the exact reference needs no mpmath; asking for mpmath by name is an ImportError
    relu = MLP([2, 2, 1], activation="relu", seed=0)
    assert gradcheck(relu, [0.3, 0.4], [0.5]).reference == "exact"
    with pytest.raises(ImportError, match=r"pip install microbp\[symbolic\]"):
        gradcheck(net, [0.5, -0.5], [0.25], reference="mpmath")


def test_import_microbp_does_not_load_mpmath():
    code = "import sys, microbp, microbp.gradcheck; print('mpmath' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------------------------
# microbp check --reference


def test_check_reference_option(capsys):
    assert (
        cli.main(["check", "--net", "2,2,1", "--activation", "relu", "--reference", "exact"]) == 0
    )
    assert "vs the true gradient (exact, in fractions)" in capsys.readouterr().out
    assert cli.main(["check", "--net", "2,2,1", "--reference", "none"]) == 0
    assert "true gradient not computed: not asked for" in capsys.readouterr().out
    assert cli.main(["check", "--net", "2,2,1", "--reference", "exact"]) == 2
    assert "activation 'sigmoid' is not rational" in capsys.readouterr().err


def test_check_reference_mpmath_without_mpmath_is_a_usage_error(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "mpmath", None)
    assert cli.main(["check", "--net", "2,2,1", "--reference", "mpmath"]) == 2
    assert "pip install microbp[symbolic]" in capsys.readouterr().err


def test_a_saturated_sigmoid_is_wrong_in_both_float_roads_alike_and_only_the_truth_shows_it():
    """σ′ = a(1 − a) from a rounded a ≈ 1: autodiff and BP-1…BP-4 agree to the last bit, the
    finite difference is lost in E's rounding, and both are 0.1 % off the true gradient."""
    net = MLP.from_weights({2: [[30.0]]}, {2: [0.0]}, activation="sigmoid")
    report = gradcheck(net, [1.0], [0.0])
    assert report.passed and max(r.formula_diff for r in report.rows) == 0
    assert 5e-4 < report.max_autodiff_relative_error < 5e-3
    assert report.max_formula_relative_error == report.max_autodiff_relative_error
    with mpmath.workdps(50):  # the truth: σ(30)·σ′(30) = σ(30)²(1 − σ(30)), x = 1
        a = 1 / (1 + mpmath.exp(-30))
        assert abs(report.rows[0].true - a * a * (1 - a)) < mpmath.mpf(10) ** -60


def test_true_gradient_without_a_reference_is_refused():
    net = MLP([2, 2, 1], activation="relu", seed=0)
    with pytest.raises(ValueError, match="true_gradient needs a reference"):
        true_gradient(net, [0.3, 0.4], [0.5], reference=None)
    with pytest.raises(ValueError, match="unknown reference 'fast'"):
        true_gradient(net, [0.3, 0.4], [0.5], reference="fast")
