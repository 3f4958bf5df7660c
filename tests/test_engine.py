"""The Value engine: each op's forward value and local derivative (every op of the table of
rules, ``microbp.engine.RULES``), its rule text, number types, errors."""

from __future__ import annotations

import inspect
import math
from fractions import Fraction

import numpy as np
import pytest

from microbp import Value
from microbp.engine import RULES, derivative_rules, reverse_topological_order
from tests.dual import Dual
from tests.engine_rules import (
    FLOAT_FUNCTIONS,
    WAYS,
    build,
    evaluate,
    form,
    right_side,
    way_id,
)
from tests.strategies import Program, Step, run


def grads(f, *xs):
    """Build f over fresh leaves, backward, return (out.data, [leaf grads])."""
    leaves = [Value(x) for x in xs]
    out = f(*leaves)
    out.backward()
    return out.data, [v.grad for v in leaves]


# -- each op: forward and local derivative -----------------------------------------------------

# Every way the table of rules makes a node (tests/engine_rules.py), as one step of a program
# (tests/strategies.py keeps u and v inside the op's domain). The value is checked against the
# same step on plain floats with math's functions, the local derivatives against forward-mode
# duals (tests/dual.py, written from calculus without microbp).


@pytest.mark.parametrize("u", [0.7, -1.3])
@pytest.mark.parametrize("rule, method", WAYS, ids=[way_id(*w) for w in WAYS])
def test_each_op_gives_its_value_and_local_derivative(rule, method, u):
    program = Program(2, (Step(rule, method, 0, 1, 2.5),))
    leaves = [Value(u), Value(1.3)]
    out = run(program, leaves)[2]  # the step's node
    out.backward()
    assert out.op == rule.op
    assert out.data == pytest.approx(run(program, [u, 1.3], FLOAT_FUNCTIONS)[2], rel=1e-14)
    for k, leaf in enumerate(leaves):
        d = run(program, [Dual(u, int(k == 0)), Dual(1.3, int(k == 1))])[2].b
        assert leaf.grad == pytest.approx(d, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(
    "f, x, value, grad",
    [
        (lambda u: u.relu(), -2.0, 0.0, 0),
        (lambda u: u.relu(), 0.0, 0.0, 0),  # 0 at the kink
        (lambda u: u**0, 0.0, 1.0, 0),  # 0·u⁻¹ is 0, not a ZeroDivisionError
        (lambda u: u**2, 0.0, 0.0, 0.0),
    ],
    ids=["relu below 0", "relu at 0", "u⁰ at 0", "u² at 0"],
)
def test_the_kink_and_the_powers_at_zero(f, x, value, grad):
    assert grads(f, x) == (value, [grad])


def test_same_input_twice_accumulates_both_paths():
    # d(x·x)/dx = 2x, d(x + x)/dx = 2
    assert grads(lambda x: x * x, 3.0)[1] == [6.0]
    assert grads(lambda x: x + x, 3.0)[1] == [2]


def test_fan_out_sums_over_every_consumer():
    # f = (x·y) + (x·y)·x, shared subexpression u = x·y: ∂f/∂x = y + 2xy, ∂f/∂y = x + x²
    def f(x, y):
        u = x * y
        return u + u * x

    _, (gx, gy) = grads(f, 2.0, 5.0)
    assert (gx, gy) == (5.0 + 2 * 2.0 * 5.0, 2.0 + 4.0)


# -- number types ------------------------------------------------------------------------------


@pytest.mark.parametrize("x,y", [(3, 4), (Fraction(1, 3), Fraction(2, 7)), (Fraction(5), 2)])
def test_rational_ops_stay_exact(x, y):
    u, v = Value(x), Value(y)
    out = ((u + v) * (u - v) / v) ** 2 - 1 / u + (-v) ** -1
    out.backward()
    for n in (out.data, u.grad, v.grad):
        assert type(n) in (int, Fraction)
    xq, yq = Fraction(x), Fraction(y)
    assert out.data == ((xq + yq) * (xq - yq) / yq) ** 2 - 1 / xq - 1 / yq


def test_int_division_gives_a_fraction_unless_exact():
    assert (Value(1) / 2).data == Fraction(1, 2)
    assert type((Value(1) / 2).data) is Fraction
    assert (Value(6) / Value(3)).data == 2 and type((Value(6) / Value(3)).data) is int
    assert (Value(2) ** -1).data == Fraction(1, 2)


def test_float_stays_float_and_transcendentals_give_floats():
    assert type((Value(1.5) * 2).data) is float
    transcendental = [m for _, m in WAYS if not m.startswith("__") and m != "relu"]
    assert len(transcendental) >= 5
    for op in transcendental:
        assert type(getattr(Value(Fraction(1, 2)), op)().data) is float


@pytest.mark.parametrize("x", [3, Fraction(-2, 3), 2.5])
def test_relu_keeps_the_number_type(x):
    out = Value(x).relu()
    assert type(out.data) is type(x)
    assert out.data == max(x, 0)


@pytest.mark.parametrize("bad", [True, "1.0", None, 1 + 2j, [1.0]])
def test_non_real_data_is_a_type_error_naming_the_type(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)


@pytest.mark.parametrize("bad", [True, "abc", None, 1 + 2j, [1.0], Value(1.0)])
def test_assigning_data_is_checked_as_the_constructor_checks(bad):
    x = Value(2.0)
    with pytest.raises(TypeError, match=type(bad).__name__) as assigned:
        x.data = bad  # 'abc' was accepted, and x * 2 then gave 'abcabc'
    with pytest.raises(TypeError) as constructed:
        Value(bad)
    assert str(assigned.value) == str(constructed.value)
    assert x.data == 2.0 and (x * 2).data == 4.0


def test_assigning_data_converts_as_the_constructor_converts():
    x = Value(0.0)
    for number in (np.float64(0.5), np.int64(3), np.float32(0.25), Fraction(1, 3), 7, 1.5):
        x.data = number
        assert type(x.data) is type(Value(number).data) and x.data == number
    x.data += 1  # micrograd's update p.data += −lr · p.grad
    assert x.data == 2.5


@pytest.mark.parametrize("bad", [True, "x", None, 2j])
def test_non_real_operand_is_a_type_error_naming_the_type(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(1.0) * bad
    with pytest.raises(TypeError, match=type(bad).__name__):
        bad + Value(1.0)


def test_numpy_scalars_become_plain_numbers():
    np = pytest.importorskip("numpy")
    assert type(Value(np.float64(1.5)).data) is float
    assert type(Value(np.int64(3)).data) is int


# -- overflow and domain errors -----------------------------------------------------------------


@pytest.mark.parametrize(
    "op,x,value,grad",
    [
        ("sigmoid", 1000.0, 1.0, 0.0),
        ("sigmoid", -1000.0, 0.0, 0.0),
        ("softplus", 1000.0, 1000.0, 1.0),
        ("softplus", -1000.0, 0.0, 0.0),
        ("tanh", 1000.0, 1.0, 0.0),
        ("tanh", -1000.0, -1.0, 0.0),
    ],
)
def test_activations_return_their_limits_without_overflow(op, x, value, grad):
    v = Value(x)
    out = getattr(v, op)()
    out.backward()
    assert out.data == value
    assert v.grad == grad


def test_log_of_non_positive_is_a_clear_value_error():
    for x in (0.0, -1.5):
        with pytest.raises(ValueError, match=rf"log.*{x}"):
            Value(x).log()


def test_division_by_zero_names_the_op():
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        Value(1.0) / Value(0.0)
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        1 / Value(0)
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        Value(1.0) / 0


def test_non_integer_power_of_negative_base_is_a_value_error():
    with pytest.raises(ValueError, match=r"-8\.0 \*\* 0\.5"):
        Value(-8.0) ** 0.5
    with pytest.raises(ValueError, match="non-integer power"):
        Value(-2.0) ** Value(0.5)
    with pytest.raises(ValueError, match="non-integer power"):
        (-2.0) ** Value(0.5)
    assert (Value(-2.0) ** 2).data == 4.0  # integer powers of negatives are fine
    assert (Value(-2.0) ** 2.0).data == 4.0


def test_integer_value_exponent_of_a_negative_base_has_a_nan_exponent_gradient():
    # (−2)^v is real only at integers v, so ∂/∂v has no real value: NaN, as in PyTorch;
    # ∂/∂u = v·u^(v−1) is an ordinary number.
    u, v = Value(-2.0), Value(3.0)
    out = u**v
    out.backward()
    assert out.data == -8.0 and u.grad == 12.0 and math.isnan(v.grad)
    w = Value(2.0)
    r = (-2.0) ** w
    r.backward()
    assert r.data == 4.0 and math.isnan(w.grad)


def test_integral_fraction_exponents_stay_exact():
    x = Value(2)
    y = x ** Fraction(-1)
    y.backward()
    assert (y.data, x.grad) == (Fraction(1, 2), Fraction(-1, 4))
    assert (2 ** Value(Fraction(-2))).data == Fraction(1, 4)


def test_relu_of_minus_infinity_is_zero_and_huge_exact_inputs_reach_the_limits():
    assert Value(float("-inf")).relu().data == 0.0
    assert Value(10**400).sigmoid().data == 1.0
    assert Value(-(10**400)).tanh().data == -1.0
    assert Value(Fraction(-(10**400), 3)).softplus().data == 0.0


def test_zero_to_a_negative_power_is_a_zero_division_error():
    with pytest.raises(ZeroDivisionError, match="negative power"):
        Value(0.0) ** -1


def test_exp_overflow_says_where_the_limit_is():
    with pytest.raises(OverflowError, match="709"):
        Value(1000.0).exp()


# -- backward semantics -------------------------------------------------------------------------


def test_backward_seeds_the_root_with_one():
    x = Value(3.0)
    y = x * 2
    y.backward()
    assert y.grad == 1


def test_second_backward_doubles_leaves_but_not_interior_nodes():
    x = Value(3.0)
    u = x * x
    y = u + 1
    y.backward()
    assert (x.grad, u.grad) == (6.0, 1)
    y.backward()
    assert (x.grad, u.grad) == (12.0, 1)


def test_backward_on_a_leaf_accumulates_one():
    x = Value(2.0)
    x.backward()
    x.backward()
    assert x.grad == 2


def test_reverse_topological_order_puts_every_consumer_first():
    x, y = Value(1.0), Value(2.0)
    u = x * y
    v = u + x
    w = v * u
    order = reverse_topological_order(w)
    pos = {id(n): k for k, n in enumerate(order)}
    assert order[0] is w and len(order) == 5
    for n in order:
        for i in n.inputs:
            assert pos[id(n)] < pos[id(i)]


def test_graph_reading_properties_describe_each_node():
    x = Value(2.0, label="x")
    y = x * 3
    z = x * y
    assert (y.op, y.inputs, y.local_grads, y.constant) == ("*", (x,), (3,), 3)
    assert z.inputs == (x, y) and z.local_grads == (6.0, 2.0) and z.constant is None
    assert x.op == "" and x.inputs == () and x.local_grads == ()
    assert z._prev == (x, y)  # micrograd's name for inputs, kept public for its code (engine.py)
    assert derivative_rules(z) == ("∂(u·v)/∂u = v", "∂(u·v)/∂v = u")
    assert derivative_rules(y) == ("∂(c·u)/∂u = c",)
    assert repr(x) == "Value(data=2.0, grad=0, label='x')"


def test_every_op_has_a_derivative_rule():
    x, y = Value(0.5), Value(2.0)
    nodes = [x + y, x - y, x * y, x / y, y**x, x + 1, x - 1, 1 - x, 2 * x, x / 2, 2 / x, x**2]
    nodes += [2**x, -x, x.exp(), x.log(), x.tanh(), x.sigmoid(), x.relu(), x.softplus()]
    for n in nodes:
        rules = derivative_rules(n)
        assert len(rules) == len(n.inputs) and all(r.startswith("∂") for r in rules)


# -- the rule texts: every derivative rule the engine shows (traces, diagrams) is evaluated and
# compared with the local derivative the op computed, so a wrong text fails a test


U, V, C = 0.7, 1.3, 2.5


def _node(rule, method, u=U):
    return build(rule, method, Value(u), Value(V), C)


def test_every_method_that_makes_a_node_is_in_the_table_of_rules():
    made = set()
    for name, f in vars(Value).items():
        if not inspect.isfunction(f) or name in ("__init__", "__radd__", "__rmul__"):
            continue  # (__radd__ is __add__ and __rmul__ is __mul__: c + u = u + c)
        takes_operand = len(inspect.signature(f).parameters) == 2
        for other in [Value(V), C] if takes_operand else [None]:
            try:
                out = f(Value(U), other) if takes_operand else f(Value(U))
            except TypeError:
                continue  # __radd__ & co. take constants (Python calls __add__ for two Values)
            if isinstance(out, Value) and out.inputs:
                made.add((name, len(out.inputs)))
    assert made == {(method, len(rule.texts)) for rule, method in WAYS}


@pytest.mark.parametrize("rule, method", WAYS, ids=[way_id(*w) for w in WAYS])
@pytest.mark.parametrize("u", [U, -U])
def test_a_rule_text_gives_the_value_and_local_derivatives_the_op_computed(rule, method, u):
    if rule.op in ("log", "**") and u < 0:
        pytest.skip("log and a non-integer power need u > 0")
    node = _node(rule, method, u)
    assert node.op == rule.op and derivative_rules(node) == rule.texts
    c = node.constant
    assert evaluate(form(rule), u=u, v=V, c=c) == pytest.approx(node.data, rel=1e-12)
    for text, local in zip(rule.texts, node.local_grads, strict=True):
        assert evaluate(right_side(text), u=u, v=V, c=c) == pytest.approx(local, rel=1e-12), text


WRONG = {
    "sign of ∂(u/v)/∂v": ("u/v²", ("/", 2), 1),
    "σ′ with a wrong sign": ("σ(u)(1 + σ(u))", ("sigmoid", 1), 0),
    "tanh′ with a wrong sign": ("1 + tanh²u", ("tanh", 1), 0),
    "rpow without ln c": ("cᵘ", ("rpow", 1), 0),
}


@pytest.mark.parametrize("text, key, k", WRONG.values(), ids=WRONG.keys())
def test_a_wrong_rule_text_would_fail(text, key, k):
    rule = RULES[key]
    node = _node(rule, rule.methods[0])
    got = evaluate(text, u=U, v=V, c=node.constant)
    assert got != pytest.approx(node.local_grads[k], rel=1e-12)
