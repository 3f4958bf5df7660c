"""A Value holds any real number type (``microbp.numtypes``): numpy float32 keeps single
precision, mpmath keeps its digits, SymPy gives formulas whose derivatives are
``sympy.diff``'s; other types are refused by name."""

from __future__ import annotations

import decimal
import math
import random
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microbp import MLP, Value, bp, squared_error

sympy = pytest.importorskip("sympy")
mpmath = pytest.importorskip("mpmath")

from microbp.symbolic import is_zero, symbol  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ACTIVATIONS = ["sigmoid", "tanh", "relu", "softplus", "identity"]


def _numbers(net: MLP, convert):
    W, b = net.numbers()
    return (
        {l: [[convert(w) for w in row] for row in W[l]] for l in W},
        {l: [convert(v) for v in b[l]] for l in b},
    )


def _gradients(net: MLP, x, y) -> list:
    E = squared_error(y, net(x))
    net.zero_grad()
    E.backward()
    return [p.grad for p in net.parameters()]


# --------------------------------------------------------------------------------------------
# numpy float32: single precision all the way


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_a_float32_net_computes_in_float32_and_matches_float64_to_float32_precision(activation):
    net64 = MLP([3, 4, 2], activation=activation, seed=3, init="xavier")
    W, b = _numbers(net64, np.float32)
    net32 = MLP.from_weights(W, b, activation=activation)
    x, y = [0.5, -0.25, 0.75], [0.25, 0.5]
    x32, y32 = [np.float32(v) for v in x], [np.float32(v) for v in y]

    out = net32(x32)
    assert all(type(a.data) is np.float32 for a in out)
    g32 = _gradients(net32, x32, y32)
    assert all(type(g) is np.float32 for g in g32), {type(g).__name__ for g in g32}

    # the same numbers (the float32 weights, exactly) in float64
    net64_same = MLP.from_weights(*_numbers(net32, float), activation=activation)
    g64 = _gradients(net64_same, [float(v) for v in x32], [float(v) for v in y32])
    scale = max(abs(g) for g in g64) or 1.0
    err = max(abs(float(a) - b) for a, b in zip(g32, g64)) / scale
    assert err < 1e-5  # float32's ε is 1.2e-7; a few dozen roundings deep
    # …and it is single precision, not float64 in disguise (unless every step was exact)
    assert activation in ("relu", "identity") or err > 1e-12

    formulas = bp.index_form(net32, x32, y32).flat()
    assert all(type(f) is np.float32 for f in formulas)


# --------------------------------------------------------------------------------------------
# mpmath: 50 digits


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "softplus"])
def test_an_mpmath_net_keeps_50_digits_on_both_roads(activation):
    net = MLP([3, 3, 2], activation=activation, seed=0)
    x, y = [1.0, 0.5, -1.0], [1.0, 0.0]
    g64 = _gradients(net, x, y)
    with mpmath.workdps(50):
        mp = MLP.from_weights(*_numbers(net, mpmath.mpf), activation=activation)
        xm, ym = [mpmath.mpf(v) for v in x], [mpmath.mpf(v) for v in y]
        g = _gradients(mp, xm, ym)
        f = bp.index_form(mp, xm, ym).flat()
        assert all(type(v) is mpmath.mpf for v in g + f)
        scale = max(abs(v) for v in g)
        assert max(abs(a - b) for a, b in zip(g, f)) / scale < mpmath.mpf("1e-45")
    assert max(abs(float(a) - b) for a, b in zip(g, g64)) / float(scale) < 1e-13


# --------------------------------------------------------------------------------------------
# SymPy: one node at a time, against sympy.diff

z = symbol("z")
p = sympy.Symbol("p", positive=True)
OPS = {
    "sigmoid": (lambda v: v.sigmoid(), 1 / (1 + sympy.exp(-z))),
    "tanh": (lambda v: v.tanh(), sympy.tanh(z)),
    "softplus": (lambda v: v.softplus(), sympy.log(1 + sympy.exp(z))),
    "exp": (lambda v: v.exp(), sympy.exp(z)),
    "square": (lambda v: v**2, z**2),
    "Fraction power": (
        lambda v: (v * v + 1) ** Fraction(1, 3),
        (z * z + 1) ** sympy.Rational(1, 3),
    ),
    "symbolic power": (lambda v: v ** symbol("n"), z ** symbol("n")),
    "division": (lambda v: 3 / (v * v + 1), 3 / (z * z + 1)),
    "rpow": (lambda v: 2**v, 2**z),
}


@pytest.mark.parametrize("name", OPS)
def test_each_op_over_a_symbol_gives_the_formula_and_sympy_diff(name):
    op, truth = OPS[name]
    v = Value(z)
    out = op(v)
    out.backward()
    assert is_zero(out.data - truth), out.data
    assert (
        is_zero(v.grad - sympy.diff(truth, z)) or sympy.simplify(v.grad - sympy.diff(truth, z)) == 0
    ), (v.grad, sympy.diff(truth, z))


def test_log_of_a_positive_symbol_and_of_a_known_negative_number():
    v = Value(p)
    out = v.log()
    out.backward()
    assert out.data == sympy.log(p) and v.grad == 1 / p
    with pytest.raises(ValueError, match="non-positive"):
        Value(sympy.Integer(-2)).log()


def test_relu_of_a_symbol_is_piecewise_with_a_heaviside_derivative_zero_at_the_kink():
    v = Value(z)
    out = v.relu()
    out.backward()
    assert isinstance(out.data, sympy.Piecewise)
    assert [out.data.subs(z, t) for t in (2, -3, 0)] == [2, 0, 0]
    assert [v.grad.subs(z, t) for t in (2, -3, 0)] == [1, 0, 0]  # relu′(0) = 0, as for floats
    assert Value(sympy.Integer(-4)).relu().data == 0  # a SymPy number stays a number


# --------------------------------------------------------------------------------------------
# Hypothesis: random graphs over symbols = sympy.diff, and = the float engine at points

UNARY = {  # (on Values, on SymPy expressions): SymPy's own functions, an independent road
    "neg": (lambda u: -u, lambda u: -u),
    "tanh": (lambda u: u.tanh(), sympy.tanh),
    "sigmoid": (lambda u: u.sigmoid(), lambda u: 1 / (1 + sympy.exp(-u))),
    "softplus": (lambda u: u.softplus(), lambda u: sympy.log(1 + sympy.exp(u))),
    "exp∘tanh": (lambda u: u.tanh().exp(), lambda u: sympy.exp(sympy.tanh(u))),
    "log(1 + u²)": (lambda u: (1 + u * u).log(), lambda u: sympy.log(1 + u * u)),
    "cube": (lambda u: u**3, lambda u: u**3),
}
BINARY = {
    "+": lambda u, w: u + w,
    "−": lambda u, w: u - w,
    "×": lambda u, w: u * w,
    "u/(1 + w²)": lambda u, w: u / (1 + w * w),
}

programs = st.lists(
    st.one_of(
        st.tuples(st.just("unary"), st.sampled_from(sorted(UNARY)), st.integers(0, 99)),
        st.tuples(
            st.just("binary"),
            st.sampled_from(sorted(BINARY)),
            st.integers(0, 99),
            st.integers(0, 99),
        ),
    ),
    min_size=1,
    max_size=6,
)


def _run(program, leaves, unary_index: int):
    """Run ``program`` on ``leaves`` (Values, or SymPy expressions with unary_index = 1)."""
    nodes = list(leaves)
    for step in program:
        if step[0] == "unary":
            f = UNARY[step[1]][unary_index]
            nodes.append(f(nodes[step[2] % len(nodes)]))
        else:
            u, w = nodes[step[2] % len(nodes)], nodes[step[3] % len(nodes)]
            nodes.append(BINARY[step[1]](u, w))
    return nodes[-1]


@settings(max_examples=40)
@given(program=programs, seed=st.integers(0, 2**16))
def test_random_graphs_over_symbols_give_sympy_diff_and_the_float_engine(program, seed):
    xs = [symbol(f"x_{i}") for i in (1, 2, 3)]
    leaves = [Value(x) for x in xs]
    root = _run(program, leaves, 0)
    expr = _run(program, xs, 1)  # the same program on SymPy's functions
    if not isinstance(root, Value):
        return
    root.backward()
    rng = random.Random(seed)
    point = [rng.uniform(-1, 1) for _ in xs]
    floats = [Value(v) for v in point]
    root_f = _run(program, floats, 0)
    root_f.backward()
    for x, leaf, leaf_f in zip(xs, leaves, floats):
        truth = sympy.diff(expr, x)
        graph = sympy.sympify(leaf.grad)
        at = {x_: sympy.Float(v, 30) for x_, v in zip(xs, point)}
        exact = float(sympy.N(truth.xreplace(at), 30))
        if not is_zero(graph - truth):  # not shown symbolically: they must still agree
            assert abs(float(sympy.N((graph - truth).xreplace(at), 30))) < 1e-25
        assert abs(leaf_f.grad - exact) <= 1e-12 * max(1.0, abs(exact)), (x, leaf_f.grad, exact)


# --------------------------------------------------------------------------------------------
# What is refused, by name


@pytest.mark.parametrize(
    ("value", "type_name"),
    [
        (1j, "complex"),
        ("1.5", "str"),
        (decimal.Decimal("1.5"), "Decimal"),
        (np.complex64(1), "complex64"),
        (sympy.I, "ImaginaryUnit"),
        (sympy.Eq(z, 1), "Equality"),
        (True, "bool"),
    ],
)
def test_a_type_the_engine_cannot_handle_is_a_type_error_naming_it(value, type_name):
    with pytest.raises(TypeError, match=f"got {type_name}") as info:
        Value(value)
    assert "mpmath.mpf or a SymPy expression" in str(info.value)  # the accepted types


@pytest.mark.parametrize(
    ("weight", "words"),
    [
        (sympy.oo, "is not finite"),
        (sympy.nan, "is not finite"),
        (mpmath.mpf("inf"), "is not finite"),
        (mpmath.mpf("1e400"), "too large for a float"),
        (np.float32("nan"), "is not finite"),
    ],
)
def test_from_weights_refuses_non_finite_weights_of_every_type(weight, words):
    with pytest.raises(ValueError, match=f"w_11\\^\\(2\\) = .* {words}"):
        MLP.from_weights({2: [[weight, 1]]}, {2: [0]})


def test_import_microbp_loads_neither_sympy_nor_mpmath():
    code = "import microbp, sys; print('sympy' in sys.modules, 'mpmath' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "False"]


def test_float_results_are_unchanged_by_the_number_types():
    """The float path is the one it was: σ(0.5) and its gradient to the last bit."""
    v = Value(0.5)
    out = v.sigmoid()
    out.backward()
    s = 1 / (1 + math.exp(-0.5))
    assert out.data == s and v.grad == s * (1 - s)
    assert type(out.data) is float and type(v.grad) is float
