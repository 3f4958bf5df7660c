"""The tutorial's slips, and the correct forms microbp implements (docs/errata.md shows them).

1. The tutorial's σ′ step: f′(x) = 2 × 1/(1+e^{−x})² × e^{−x} × (−1). The factor 2 and the sign
   are wrong: σ′(x) = e^{−x}/(1+e^{−x})² = σ(x)(1 − σ(x)).
2. The tutorial's first line of the output-layer section writes E = ½‖y − o‖ without the
   square. The cost is E = ½‖y − o‖², the form the next line expands and BP-1 differentiates.
3. The tutorial says the rectifier's and softplus's derivative is 1. relu′(z) = 1 only for z > 0,
   and softplus′(z) = σ(z) lies strictly between 0 and 1.
"""

from __future__ import annotations

import math

from microbp import Value, bp, squared_error
from microbp.activations import ACTIVATIONS, sigmoid
from microbp.data import tutorial_example

XS = (-4.0, -1.5, -0.3, 0.0, 0.6, 2.0, 5.0)


def central_difference(f, x: float, h: float = 1e-6) -> float:
    return (f(x + h) - f(x - h)) / (2 * h)


def tutorials_middle_step(x: float) -> float:
    """The tutorial as printed: 2 × 1/(1 + e^{−x})² × e^{−x} × (−1)."""
    return 2 * (1 / (1 + math.exp(-x)) ** 2) * math.exp(-x) * (-1)


def test_sigmoid_derivative_is_e_to_minus_x_over_one_plus_e_to_minus_x_squared():
    for x in XS:
        correct = math.exp(-x) / (1 + math.exp(-x)) ** 2
        assert math.isclose(central_difference(sigmoid, x), correct, rel_tol=1e-8)
        assert math.isclose(correct, sigmoid(x) * (1 - sigmoid(x)), rel_tol=1e-12)
        v = Value(x)
        v.sigmoid().backward()
        assert math.isclose(v.grad, correct, rel_tol=1e-12)


def test_the_tutorials_middle_step_is_minus_twice_the_derivative():
    for x in XS:
        correct = central_difference(sigmoid, x)
        assert math.isclose(tutorials_middle_step(x), -2 * correct, rel_tol=1e-8)
        assert not math.isclose(tutorials_middle_step(x), correct, rel_tol=1e-3)


def test_cost_is_half_the_squared_norm_not_half_the_norm():
    y, o = [1.0, 0.0], [0.5, 0.25]
    tutorials_expansion = 0.5 * ((y[0] - o[0]) ** 2 + (y[1] - o[1]) ** 2)  # its next line
    assert squared_error(y, [Value(v) for v in o]).data == tutorials_expansion == 0.15625
    half_norm = 0.5 * math.hypot(y[0] - o[0], y[1] - o[1])  # ½‖y − o‖, the printed slip
    assert not math.isclose(half_norm, tutorials_expansion, rel_tol=1e-3)


def test_bp1_is_the_derivative_of_the_squared_cost_only():
    """δ⁽ᴸ⁾ = −(y − a⁽ᴸ⁾) ⊙ f′(z⁽ᴸ⁾) comes from ½‖y − o‖²; from ½‖y − o‖ it would not."""
    ex = tutorial_example()
    bp1 = bp.index_form(ex.net(), ex.x, ex.y).delta[3]

    fw = ex.net().forward(ex.x)
    squared_error(ex.y, fw.output).backward()  # E = ½‖y − o‖²
    for k in range(2):
        assert math.isclose(fw.z[3][k].grad, bp1[k], rel_tol=1e-15)

    fw = ex.net().forward(ex.x)
    d = [yk - ok for yk, ok in zip(ex.y, fw.output)]
    ((d[0] ** 2 + d[1] ** 2) ** 0.5 / 2).backward()  # the slip: ½‖y − o‖
    for k in range(2):
        assert not math.isclose(fw.z[3][k].grad, bp1[k], rel_tol=1e-3)


def test_rectifier_and_softplus_derivatives_are_not_always_one():
    relu, softplus = ACTIVATIONS["relu"], ACTIVATIONS["softplus"]
    assert relu.df(2.0, None) == 1 and relu.df(-2.0, None) == 0
    for z in (-5.0, 0.0, 5.0):
        assert 0 < softplus.df(z, None) < 1
        assert math.isclose(softplus.df(z, None), central_difference(softplus.f, z), rel_tol=1e-8)
