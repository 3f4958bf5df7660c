"""A Value holds more than int, float and Fraction: numpy scalars keep their
precision (float32 stays float32), mpmath's mpf computes at mpmath's precision, a SymPy
expression gives formulas whose derivatives are SymPy's own; every other type is a clear
error that names it, and ``import microbp`` loads neither SymPy nor mpmath.

Every expected value comes from an independent road: the float64 engine, SymPy's ``diff`` of
an expression built with SymPy's functions, or the index form BP-1…BP-4.
"""

from __future__ import annotations

import decimal
import os
import random
import subprocess
import sys
import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import microbp
from microbp import MLP, Value, bp
from microbp.engine import RULES, reverse_topological_order
from tests.engine_rules import CONSTANT_METHODS, WAYS, evaluate, form
from tests.strategies import Program, Step, programs, run

sympy = pytest.importorskip("sympy")
mpmath = pytest.importorskip("mpmath")
symbolic = pytest.importorskip("microbp.symbolic")

ACTIVATIONS = ["sigmoid", "tanh", "relu", "softplus", "identity"]
X = [0.9, -0.4, 0.25]
Y = [0.2, 0.7]


def _graph_grads(net: MLP, x, y) -> tuple[Value, list]:
    """E and ∂E/∂θ for every parameter, read off the graph after ``E.backward()``."""
    E = microbp.squared_error(y, net.forward(x).output)
    E.backward()
    return E, [p.grad for p in net.parameters()]


def _weights_as(kind, seed: int = 0):
    """The numbers of ``MLP([3, 3, 2], seed=seed)``, each converted by ``kind``."""
    W, b = MLP([3, 3, 2], seed=seed).numbers()
    return (
        {l: [[kind(w) for w in row] for row in M] for l, M in W.items()},
        {l: [kind(v) for v in col] for l, col in b.items()},
    )


# --------------------------------------------------------------------------------------------
# 1. float32 nets stay float32, and agree with float64 to float32's precision
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_a_float32_net_computes_in_float32_and_matches_float64(activation):
    W32, b32 = _weights_as(np.float32)
    x32, y32 = [np.float32(v) for v in X], [np.float32(v) for v in Y]
    net32 = MLP.from_weights(W32, b32, activation=activation)
    E32, g32 = _graph_grads(net32, x32, y32)
    nodes = reverse_topological_order(E32)
    assert len(nodes) > 30
    assert {type(node.data) for node in nodes} == {np.float32}
    assert {type(g) for g in g32} == {np.float32}
    # the same net in float64: the float32 numbers widened exactly
    W64, b64 = _weights_as(lambda w: float(np.float32(w)))
    net64 = MLP.from_weights(W64, b64, activation=activation)
    E64, g64 = _graph_grads(net64, [float(v) for v in x32], [float(v) for v in y32])
    assert type(E64.data) is float and {type(g) for g in g64} == {float}
    g64 = np.array(g64)
    scale = np.abs(g64).max()
    assert scale > 0
    assert np.abs(np.array(g32, dtype=np.float64) - g64).max() <= 1e-5 * scale
    assert abs(float(E32.data) - E64.data) <= 1e-6 * E64.data
    # and the rounding is really single precision: float32 differs from float64 somewhere
    assert np.any(np.array(g32, dtype=np.float64) != g64)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_index_form_on_a_float32_net_gives_float32(activation):
    net = MLP.from_weights(*_weights_as(np.float32), activation=activation)
    assert {type(p.data) for p in net.parameters()} == {np.float32}
    x32, y32 = [np.float32(v) for v in X], [np.float32(v) for v in Y]
    g = bp.index_form(net, x32, y32)
    numbers = g.flat() + [d for l in g.delta for d in g.delta[l]] + [g.E]
    numbers += [v for l in g.a for v in g.a[l]] + [v for l in g.z for v in g.z[l]]
    assert {type(v) for v in numbers} == {np.float32}
    _, graph = _graph_grads(net, x32, y32)
    scale = max(abs(float(v)) for v in graph)
    assert max(abs(float(u) - float(v)) for u, v in zip(g.flat(), graph)) <= 1e-5 * scale


@pytest.mark.parametrize(("dtype", "rtol"), [(np.float16, 3e-2), (np.longdouble, 1e-12)])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_float16_and_longdouble_nets_keep_their_type(dtype, rtol, activation):
    net = MLP.from_weights(*_weights_as(dtype), activation=activation)
    E, g = _graph_grads(net, [dtype(v) for v in X], [dtype(v) for v in Y])
    assert {type(node.data) for node in reverse_topological_order(E)} == {dtype}
    assert {type(v) for v in g} == {dtype}
    net64 = MLP.from_weights(*_weights_as(lambda w: float(dtype(w))), activation=activation)
    _, g64 = _graph_grads(net64, [float(dtype(v)) for v in X], [float(dtype(v)) for v in Y])
    scale = max(abs(v) for v in g64)
    assert max(abs(float(u) - v) for u, v in zip(g, g64)) <= rtol * scale


def test_numpy_float64_and_integers_become_python_numbers():
    assert type(Value(np.float64(0.5)).data) is float
    assert Value(np.float64(0.1)).data == 0.1
    for x in [np.int8(-3), np.int64(2**40), np.uint64(2**64 - 1)]:
        assert type(Value(x).data) is int
        assert Value(x).data == int(x)


@pytest.mark.parametrize("c", [3, 0.1], ids=["int", "float"])
@pytest.mark.parametrize("method", CONSTANT_METHODS)
def test_a_float32_value_with_a_python_constant_stays_float32(method, c):
    u = Value(np.float32(0.5))
    out = getattr(u, method)(c).tanh()  # tanh: so u.grad is a product with a float32
    out.backward()
    assert type(out.data) is np.float32
    assert type(u.grad) is np.float32


@pytest.mark.parametrize("method", CONSTANT_METHODS)
def test_a_float32_value_with_a_fraction_constant_stays_float32(method):
    u = Value(np.float32(0.5))
    out = getattr(u, method)(Fraction(1, 3))
    assert type(out.data) is np.float32


MPF_FUNCTIONS = {"exp": mpmath.exp, "log": mpmath.log}


@pytest.mark.parametrize("method", CONSTANT_METHODS)
def test_an_mpf_value_with_a_fraction_constant_keeps_50_digits(method):
    rule = next(rule for rule, m in WAYS if m == method and rule.constant)
    with mpmath.workdps(50):
        u, c = mpmath.mpf(1) / 7, mpmath.mpf(1) / 3
        out = getattr(Value(u), method)(Fraction(1, 3))
        assert type(out.data) is mpmath.mpf
        expected = evaluate(form(rule), MPF_FUNCTIONS, u=u, c=c)  # by mpmath alone
        assert abs(out.data - expected) <= mpmath.mpf("1e-48")


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="Fraction(1, 3) ** Value(mpf) holds only float precision: Python's Fraction.__pow__ "
    "turns the base into a float before Value.__rpow__ is called, so the engine never sees the "
    "Fraction (write (mpmath.mpf(1) / 3) ** u)",
)
def test_a_fraction_base_to_an_mpf_value_keeps_50_digits():
    with mpmath.workdps(50):
        u = mpmath.mpf(1) / 7
        out = Fraction(1, 3) ** Value(u)
        assert abs(out.data - (mpmath.mpf(1) / 3) ** u) <= mpmath.mpf("1e-48")


@pytest.mark.parametrize("method", ["__rsub__", "__rtruediv__"])
def test_a_fraction_constant_with_an_mpf_value_is_exact(method):
    with mpmath.workdps(50):
        u = Value(mpmath.mpf(1) / 7)
        out = getattr(u, method)(Fraction(1, 3))
        c, x = mpmath.mpf(1) / 3, mpmath.mpf(1) / 7
        assert type(out.data) is mpmath.mpf
        assert out.data == (c - x if method == "__rsub__" else c / x)


# --------------------------------------------------------------------------------------------
# 2. mpmath: 50 digits by both methods
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "softplus"])
def test_an_mpf_net_agrees_with_index_form_to_50_digits_and_with_float64(activation):
    float_net = MLP.from_weights(*_weights_as(float), activation=activation)
    _, g64 = _graph_grads(float_net, X, Y)
    with mpmath.workdps(50):
        W, b = _weights_as(mpmath.mpf)  # mpf(float) is exact
        x, y = [mpmath.mpf(v) for v in X], [mpmath.mpf(v) for v in Y]
        net = MLP.from_weights(W, b, activation=activation)
        _, g = _graph_grads(net, x, y)
        assert {type(v) for v in g} == {mpmath.mpf}
        index = bp.index_form(net, x, y).flat()
        assert {type(v) for v in index} == {mpmath.mpf}
        scale = max(abs(v) for v in g)
        assert scale > 0
        assert max(abs(u - v) for u, v in zip(g, index)) <= mpmath.mpf("1e-45") * scale
        assert max(abs(u - v) for u, v in zip(g, g64)) <= mpmath.mpf("1e-13") * scale
        # 50 digits, not 16: the mpf gradients are not the float64 ones
        assert any(u != v for u, v in zip(g, g64))


# --------------------------------------------------------------------------------------------
# 3. SymPy, one node at a time: the engine's data and grad are SymPy's formula and diff
# --------------------------------------------------------------------------------------------

z = sympy.Symbol("z", real=True)
p = sympy.Symbol("p", positive=True)
n = sympy.Symbol("n", real=True)

SINGLE_NODES = {
    "sigmoid": (z, lambda u: u.sigmoid(), 1 / (1 + sympy.exp(-z))),
    "tanh": (z, lambda u: u.tanh(), sympy.tanh(z)),
    "softplus": (z, lambda u: u.softplus(), sympy.log(1 + sympy.exp(z))),
    "exp": (z, lambda u: u.exp(), sympy.exp(z)),
    "log": (p, lambda u: u.log(), sympy.log(p)),
    "pow int": (z, lambda u: u**3, z**3),
    "pow negative int": (p, lambda u: u**-2, p**-2),
    "pow Fraction": (p, lambda u: u ** Fraction(3, 2), p ** sympy.Rational(3, 2)),
    "pow symbol": (p, lambda u: u**n, p**n),
    "symbol to the power u": (z, lambda u: p**u, p**z),
    "int to the power u": (z, lambda u: 2**u, 2**z),
    "division": (z, lambda u: u / (1 + u * u), z / (1 + z**2)),
    "reciprocal": (p, lambda u: 3 / u, 3 / p),
    "sigmoid of a formula": (z, lambda u: (2 * u - 1).sigmoid(), 1 / (1 + sympy.exp(1 - 2 * z))),
}


@pytest.mark.parametrize("name", list(SINGLE_NODES))
def test_a_symbolic_node_holds_the_formula_and_its_derivative(name):
    s, op, formula = SINGLE_NODES[name]
    u = Value(s)
    out = op(u)
    assert sympy.simplify(out.data - formula) == 0
    out.backward()
    assert sympy.simplify(u.grad - sympy.diff(formula, s)) == 0
    # and not trivially: the derivative is a non-constant formula in s
    assert s in sympy.sympify(u.grad).free_symbols


def test_a_wrong_derivative_is_not_simplified_away():
    """The check above can fail: 2σ(1 − σ) is not σ′."""
    u = Value(z)
    u.sigmoid().backward()
    s = 1 / (1 + sympy.exp(-z))
    assert sympy.simplify(u.grad - 2 * s * (1 - s)) != 0


def test_relu_of_a_symbol_is_a_piecewise_with_a_heaviside_derivative():
    u = Value(z)
    out = u.relu()
    assert isinstance(out.data, sympy.Piecewise)
    for point, value in [(2, 2), (-3, 0), (0, 0), (Fraction(1, 3), Fraction(1, 3))]:
        assert out.data.subs(z, point) == value
    out.backward()
    assert u.grad.has(sympy.Heaviside)
    assert u.grad.subs(z, 2) == 1
    assert u.grad.subs(z, -3) == 0
    assert u.grad.subs(z, 0) == 0  # 0 at the kink, as in float
    assert Value(0.0).relu().data == 0  # (in float)


# --------------------------------------------------------------------------------------------
# 4. Random graphs over SymPy symbols: the engine's grads are sympy.diff, and the float engine
#    evaluates them to 1e-12
# --------------------------------------------------------------------------------------------

SYMBOLS = sympy.symbols("s1 s2 s3 s4", real=True)

#: SymPy's own functions for the named methods of the table of rules (its operators are
#: Python's, as the Values' are): the independent road the engine's formulas are checked against.
SYMPY_FUNCTIONS = {
    "exp": sympy.exp,
    "log": sympy.log,
    "tanh": sympy.tanh,
    "sigmoid": lambda u: 1 / (1 + sympy.exp(-u)),
    "softplus": lambda u: sympy.log(1 + sympy.exp(u)),
    "relu": lambda u: sympy.Max(0, u),
}


def test_every_named_op_of_the_table_has_a_sympy_function():
    named = {method for _, method in WAYS if not method.startswith("__")}
    assert named == set(SYMPY_FUNCTIONS)


def _heaviside(e) -> bool:
    return isinstance(e, sympy.Heaviside)


def _heaviside_at_0_is_0(e):
    """H(x) with H(0) = 0, relu′ as the engine takes it (SymPy's own H(0) is ½)."""
    return sympy.Heaviside(e.args[0], 0)


def _equal(grad, diff, symbols, rng: random.Random) -> bool:
    """grad ≡ diff: proved by :func:`microbp.symbolic.is_zero`, else checked at 3 points."""
    difference = sympy.sympify(grad - diff)
    if symbolic.is_zero(difference):
        return True
    for _ in range(3):
        point = {s: sympy.Rational(rng.randint(-97, 97), rng.randint(1, 89)) for s in symbols}
        if abs(sympy.N(difference.subs(point), 40)) > 1e-25:
            return False
    return True


#: relu of a leaf at its kink, 0: the one point where the derivative is a convention.
RELU_AT_THE_KINK = Program(1, (Step(*next(w for w in WAYS if w[1] == "relu"), 0, 0, None),))


@settings(max_examples=40)
@given(program=programs(steps=(1, 5)), point=st.lists(st.floats(-1, 1), min_size=4, max_size=4))
@example(program=RELU_AT_THE_KINK, point=[0.0] * 4)
def test_random_symbolic_graphs_differentiate_as_sympy_and_as_the_float_engine(program, point):
    symbols = SYMBOLS[: program.leaves]
    leaves = [Value(s) for s in symbols]
    out = run(program, leaves)[-1]
    expr = run(program, symbols, SYMPY_FUNCTIONS)[-1]  # the independent road: SymPy's functions
    assert sympy.simplify(out.data - expr) == 0 or _equal(out.data, expr, symbols, random.Random(0))
    out.backward()
    rng = random.Random(1)
    # relu′ at the kink is a convention: the engine's is relu′(0) = 0, SymPy's Heaviside(0) = ½
    true = [sympy.diff(expr, s).replace(_heaviside, _heaviside_at_0_is_0) for s in symbols]
    for leaf, diff in zip(leaves, true):
        assert _equal(leaf.grad, diff, symbols, rng), (program, leaf.grad, diff)
    # (c) the float engine at a point in [−1, 1]⁴ against the SymPy gradient there
    float_leaves = [Value(x) for x in point[: program.leaves]]
    float_out = run(program, float_leaves)[-1]
    float_out.backward()
    at = {s: sympy.Rational(x) for s, x in zip(symbols, point)}  # the floats, exactly
    for leaf, diff in zip(float_leaves, true):
        exact = float(sympy.N(diff.subs(at), 30))
        assert abs(leaf.grad - exact) <= 1e-12 * max(1.0, abs(exact)), (program, point)


def test_the_random_graph_comparison_can_fail():
    """A wrong derivative (d tanh = 1 + a²) is not taken for SymPy's."""
    s = SYMBOLS[0]
    assert not _equal(1 + sympy.tanh(s) ** 2, sympy.diff(sympy.tanh(s), s), [s], random.Random(0))


# --------------------------------------------------------------------------------------------
# 5. Types the engine cannot handle: a TypeError naming the type and listing the accepted
# --------------------------------------------------------------------------------------------

REFUSED = [
    (complex(1, 2), "complex"),
    ("1.5", "str"),
    (decimal.Decimal("1.5"), "Decimal"),
    (np.complex64(1), "complex64"),
    (sympy.I, "ImaginaryUnit"),
    (sympy.Eq(z, 1), "Equality"),
    (True, "bool"),
]


@pytest.mark.parametrize(("x", "type_name"), REFUSED, ids=[t for _, t in REFUSED])
def test_a_type_the_engine_cannot_handle_is_a_type_error_naming_it(x, type_name):
    with pytest.raises(TypeError) as excinfo:
        Value(x)
    message = str(excinfo.value)
    assert type_name in message
    for accepted in ["int", "float", "Fraction", "numpy", "mpmath.mpf", "SymPy"]:
        assert accepted in message
    with pytest.raises(TypeError, match=type_name):
        Value(0.5) * x
    W, b = _weights_as(float)
    W[2][0][0] = x
    with pytest.raises(TypeError, match="w₁₁⁽²⁾") as excinfo:
        MLP.from_weights(W, b)
    assert type_name in str(excinfo.value)


def test_value_of_a_value_says_a_node_holds_a_number_and_operators_take_values():
    with pytest.raises(TypeError, match=r"got a Value: .*not another node \(use its \.data\)"):
        Value(Value(1))
    with pytest.raises(TypeError) as excinfo:
        Value("1.5")
    assert "or a Value" not in str(excinfo.value)  # the constructor takes none
    with pytest.raises(TypeError, match="or a Value, got str"):
        Value(0.5) + "1.5"  # an operator does


@pytest.mark.parametrize(
    ("u", "kind", "bound"),
    [
        (710.0, "a float", "709.78"),
        (np.float32(100), "a float32", "88.72"),
        (np.float16(12), "a float16", "11.09"),
    ],
    ids=["float", "float32", "float16"],
)
def test_exp_overflow_is_an_overflow_error_naming_the_type_and_its_bound(u, kind, bound):
    """Not numpy's warning and inf: the same error the float path gives, in u's type."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's RuntimeWarning would fail here
        with pytest.raises(OverflowError, match=rf"overflows {kind} .*u < {bound}\)"):
            Value(u).exp()
        below = Value(type(u)(float(bound) - 0.01)).exp()
    assert type(below.data) is type(u) and np.isfinite(below.data)


NOT_FINITE = [
    (sympy.oo, "is not finite"),
    (-sympy.oo, "is not finite"),
    (sympy.nan, "is not finite"),
    (mpmath.mpf("inf"), "is not finite"),
    (mpmath.mpf("nan"), "is not finite"),
    (mpmath.mpf("1e400"), "too large for a float"),
    (sympy.Float("1e400"), "too large for a float"),
]


@pytest.mark.parametrize(("w", "problem"), NOT_FINITE, ids=[repr(w) for w, _ in NOT_FINITE])
def test_from_weights_refuses_infinite_nan_and_huge_weights_naming_the_weight(w, problem):
    W, b = _weights_as(float)
    W[2][0][0] = w
    with pytest.raises(ValueError, match="w₁₁⁽²⁾") as excinfo:
        MLP.from_weights(W, b)
    assert problem in str(excinfo.value)
    W, b = _weights_as(float)
    b[3][1] = w
    with pytest.raises(ValueError, match="b₂⁽³⁾"):
        MLP.from_weights(W, b)


def test_from_weights_accepts_every_number_type_and_keeps_it():
    W, b = _weights_as(float)
    samples = [Fraction(1, 3), np.float32(0.25), mpmath.mpf("0.125"), sympy.Rational(1, 7), z]
    for w in samples:
        W[2][0][0] = w
        net = MLP.from_weights(W, b)
        assert net.w(2, 1, 1).data == w
        assert type(net.w(2, 1, 1).data) is type(w)


# --------------------------------------------------------------------------------------------
# 6. SymPy and mpmath stay optional: `import microbp` loads neither
# --------------------------------------------------------------------------------------------


def test_import_microbp_loads_neither_sympy_nor_mpmath():
    root = Path(microbp.__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    code = "import microbp, sys; print('sympy' in sys.modules, 'mpmath' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]
    # the check itself can tell: importing the prover loads SymPy
    code = code.replace("import microbp,", "import microbp.symbolic,")
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.stdout.split()[0] == "True"


# --------------------------------------------------------------------------------------------
# Two Values of different types meet by one rule (numtypes.mixed): as a Value and a constant
# --------------------------------------------------------------------------------------------

MIXED = {
    "longdouble, Fraction": (np.longdouble(0.5), Fraction(1, 3)),
    "Fraction, longdouble": (Fraction(1, 3), np.longdouble(0.5)),
    "float32, Fraction": (np.float32(0.5), Fraction(1, 3)),
    "Fraction, float32": (Fraction(1, 3), np.float32(0.5)),
    "mpf, Fraction": (mpmath.mpf(0.5), Fraction(1, 3)),
    "Fraction, mpf": (Fraction(1, 3), mpmath.mpf(0.5)),
}
TWO_INPUT_METHODS = [m for rule in RULES.values() if len(rule.texts) == 2 for m in rule.methods]


def _rich(x, y):
    """The type of the pair that is not a Python real."""
    return type(y) if type(x) is Fraction else type(x)


@pytest.mark.parametrize("method", TWO_INPUT_METHODS)
@pytest.mark.parametrize("pair", list(MIXED))
def test_two_values_of_different_types_compute_as_a_value_with_a_constant(pair, method):
    x, y = MIXED[pair]
    u, v = Value(x), Value(y)
    both = getattr(u, method)(v)
    with_constant = getattr(Value(x), method)(y)
    assert type(both.data) is type(with_constant.data) is _rich(x, y)
    assert both.data == with_constant.data
    both.backward()  # every gradient in that type too (an int 1 for ∂(u + v)/∂u)
    assert {type(u.grad), type(v.grad)} <= {int, _rich(x, y)}


@pytest.mark.parametrize("method", CONSTANT_METHODS)
@pytest.mark.parametrize("pair", list(MIXED))
def test_a_value_with_a_constant_of_another_type_takes_the_richer_type(pair, method):
    x, c = MIXED[pair]
    out = getattr(Value(x), method)(c)  # Value(Fraction) / mpf was a bare TypeError
    assert type(out.data) is _rich(x, c)
