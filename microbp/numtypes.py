"""The number types a :class:`~microbp.Value` holds, and every rule about them.

The engine only needs ``+ − × ÷``, powers and a few elementary functions of whatever number
it is given, so it works over several kinds of real number:

* Python's reals ``int``, ``float`` and ``fractions.Fraction``: the fast path, computed by
  the operators and :mod:`math` (every function here tests for these three types first);
  ``int / int`` gives a ``Fraction`` unless it divides evenly, so exact numbers stay exact;
* numpy's real scalars: ``np.float32``, ``np.float16`` and ``np.longdouble`` keep their
  precision through every op (so single-precision rounding can be watched); ``np.float64``
  becomes ``float`` and numpy integers become ``int`` (the same numbers);
* mpmath's ``mpf``: arbitrary precision (``mpmath.mp.dps`` digits);
* SymPy expressions and symbols: every node holds a formula, and ``grad`` a formula of the
  derivative.

Two numbers of different types meet by one rule, :func:`mixed`: a ``Fraction`` next to a
number that is not a Python real takes that number's type (:func:`like`); every other pair
computes as its own libraries do (``int · float`` is a float, numpy promotes
``float32 · longdouble`` to ``longdouble``, mpmath and SymPy take any real).

This module is the one home of number-type policy: the engine's operators, the activations,
the losses, the checks and the gradient check call it, and each error about a number's
domain (a log of u ≤ 0, a negative base to a non-integer power, a division by zero) is
written here once. SymPy and mpmath are optional (``pip install microbp[symbolic]``) and
never imported here: a number can only be a SymPy or mpmath object if its library is already
loaded, so this module looks them up in ``sys.modules``. Any other type is a ``TypeError``
that names it.
"""

from __future__ import annotations

import math
import numbers
import sys
from fractions import Fraction

import numpy as np

__all__ = [
    "ACCEPTED",
    "library",
    "is_python_real",
    "is_symbolic",
    "as_number",
    "like",
    "mixed",
    "operands",
    "divide",
    "half",
    "reciprocal",
    "power",
    "power_derivative",
    "ln_base",
    "exp",
    "log",
    "tanh",
    "sigmoid",
    "softplus",
    "relu",
    "heaviside",
    "sigmoid_np",
    "softplus_np",
    "FLOAT_MAX",
    "is_finite",
    "is_nan_or_inf",
    "to_fraction",
    "to_float",
    "floats",
    "total",
    "fsum",
]

ACCEPTED = "int, float, fractions.Fraction, a numpy real scalar, mpmath.mpf or a SymPy expression"


def _loaded(name: str):
    return sys.modules.get(name)


def library(x):
    """The module that computes with ``x``'s type: ``None`` for Python's reals (:mod:`math`),
    else ``numpy``, ``mpmath`` or ``sympy``."""
    t = type(x)
    if t is float or t is int or t is Fraction:
        return None
    if isinstance(x, np.generic):
        return np
    mpmath = _loaded("mpmath")
    if mpmath is not None and isinstance(x, mpmath.mpf):
        return mpmath
    sympy = _loaded("sympy")
    if sympy is not None and isinstance(x, sympy.Basic):
        return sympy
    return None


def is_python_real(x) -> bool:
    """int, float or Fraction: the fast path (every other type has a library)."""
    t = type(x)
    return t is float or t is int or t is Fraction


def is_symbolic(x) -> bool:
    """True for a SymPy object (whose comparisons give formulas, not booleans)."""
    sympy = _loaded("sympy")
    return sympy is not None and isinstance(x, sympy.Basic)


def as_number(x, where: str, or_value: bool = False):
    """``x`` as a number a Value can hold (its type kept where it carries meaning), or a
    ``TypeError`` that names the type and lists the accepted ones (``or_value``: where a
    Value would do too, as the operand of an op)."""
    t = type(x)
    if t is float or t is int or t is Fraction:
        return x
    if isinstance(x, (bool, np.bool_)):
        pass  # a truth value is not a number here
    elif isinstance(x, np.generic):
        if isinstance(x, np.integer):
            return int(x)
        if t is np.float64:
            return float(x)
        if isinstance(x, np.floating):
            return x  # float32, float16, longdouble: keep the precision
    elif (lib := library(x)) is not None:  # mpmath.mpf or a SymPy object
        if lib.__name__ == "mpmath":
            return x
        if isinstance(x, lib.Expr) and x.is_extended_real is not False:
            return x  # not a relation, set or boolean, and not known to be complex
    elif isinstance(x, numbers.Real):
        if isinstance(x, numbers.Integral):
            return int(x)
        if isinstance(x, Fraction):
            return x
        return float(x)
    value = " or a Value" if or_value else ""
    raise TypeError(
        f"{where} expects a real number ({ACCEPTED}){value}, got {t.__name__}: {x!r:.60}"
    )


def like(c, x):
    """The number ``c`` (a Python real) in the type of ``x`` (so a numpy float32 times a
    constant stays float32, and ln 2 next to a SymPy expression stays exact)."""
    lib = library(x)
    if lib is None:
        return c
    if lib is np:
        return type(x)(c)
    if lib.__name__ == "mpmath":
        return lib.mpf(c.numerator) / c.denominator if type(c) is Fraction else lib.mpf(c)
    return lib.sympify(c)


# --------------------------------------------------------------------------------------------
# Two numbers of different types


def mixed(u, v):
    """``(u, v)`` ready to be combined: the one rule for two numbers of different types.

    A ``Fraction`` next to a number that is not a Python real takes that number's type
    (numpy's float32 · Fraction would be a float64, and ``Fraction · longdouble`` or
    ``Fraction / mpf`` no number at all); every other pair is left to its libraries.

    >>> mixed(Fraction(1, 2), np.float32(3))
    (np.float32(0.5), np.float32(3.0))
    >>> mixed(Fraction(1, 2), 3.0)
    (Fraction(1, 2), 3.0)
    """
    if type(u) is Fraction and not is_python_real(v):
        return like(u, v), v
    if type(v) is Fraction and not is_python_real(u):
        return u, like(v, u)
    return u, v


def operands(u, x, where: str):
    """``(u, c)``: the constant operand ``x`` of an op on the number ``u`` (``u * 2``,
    ``2 ** u`` …), checked by :func:`as_number` and put next to u by :func:`mixed`."""
    t = type(x)
    if t is float or t is int:
        return u, x
    return mixed(u, as_number(x, where, or_value=True))


# --------------------------------------------------------------------------------------------
# Division, powers, logarithms


def _exact(q: Fraction):
    """A Fraction with denominator 1 as an ``int``; any other Fraction unchanged."""
    return q.numerator if q.denominator == 1 else q


def divide(x, y, where: str = "x / y"):
    """x / y, exact for two ints (``1 / 2`` is ``Fraction(1, 2)``, ``6 / 3`` is ``2``); a
    ``ZeroDivisionError`` that names ``where`` for y = 0.

    >>> divide(1, 2), divide(6, 3), divide(1.0, 4)
    (Fraction(1, 2), 2, 0.25)
    """
    if y == 0:
        raise ZeroDivisionError(f"division by zero in {where}: the divisor is {y!r} ({x!r} / 0)")
    if type(x) is int and type(y) is int:
        return _exact(Fraction(x, y))
    return x / y


def half(x):
    """x / 2, exact for an int or a Fraction (½·s in the squared error).

    >>> half(3), half(4), half(0.5)
    (Fraction(3, 2), 2, 0.25)
    """
    return divide(x, 2)


def reciprocal(c, u=None):
    """1/c in the type of ``u`` (default: c's own): the local derivative of u/c and of ln c.
    A numpy float32 u times the Fraction 1/2 would be a float64, so 1 takes u's type first."""
    one = 1 if u is None or is_python_real(u) else like(1, u)
    return divide(one, c, "1 / c")


def _is_integer(n) -> bool:
    try:
        return n == int(n)
    except (OverflowError, ValueError, TypeError):
        return False


def power(x, n, where: str = "x ** n"):
    """xⁿ with a clear error where it is undefined over the reals; exact for an exact x and
    an integer n; ±∞ where a float overflows (as ``x * x`` does). SymPy builds the formula.

    >>> power(2, -2), power(Fraction(4, 9), Fraction(2)), power(1e200, 2)
    (Fraction(1, 4), Fraction(16, 81), inf)
    """
    if is_python_real(x) and is_python_real(n):
        if type(n) is Fraction and n.denominator == 1:
            n = n.numerator  # an integral Fraction exponent is an int exponent (exact powers)
        integral = type(n) is int or (type(n) is float and n.is_integer())
    elif is_symbolic(x) or is_symbolic(n):
        return x**n
    else:
        integral = _is_integer(n)
    if x < 0 and not integral:
        raise ValueError(
            f"{where}: a negative base to a non-integer power is not a real number "
            f"({x!r} ** {n!r}); expected base ≥ 0 or an integer exponent"
        )
    if x == 0 and n < 0:
        raise ZeroDivisionError(f"{where}: 0 to a negative power ({x!r} ** {n!r})")
    if type(x) is int and type(n) is int and n < 0:
        return _exact(Fraction(x) ** n)
    try:
        return x**n
    except OverflowError:  # float overflow gives ±∞, as x * x does
        negative = x < 0 and integral and int(n) % 2 == 1
        return -math.inf if negative else math.inf


def power_derivative(x, n):
    """∂(xⁿ)/∂x = n·xⁿ⁻¹ (0 for n = 0; +∞ where xⁿ⁻¹ blows up at x = 0), in x's type; for
    SymPy the formula n·xⁿ⁻¹ itself (its comparisons are formulas, not truth values)."""
    if n == 0:
        return 0
    python = is_python_real(x) and is_python_real(n)
    if not python and (is_symbolic(x) or is_symbolic(n)):
        return n * x ** (n - 1)
    if x == 0 and n < 1:
        return math.inf if python else like(math.inf, x)
    return n * power(x, n - 1, "**")


def ln_base(c, out=0.0):
    """ln c for ∂(cᵘ)/∂u = cᵘ·ln c: 0 stands in for c = 0 (where cᵘ = 0 for u > 0), and NaN
    for c < 0, where cᵘ is real only at integers u and has no real derivative in u (as in
    PyTorch: the gradient with respect to the exponent is NaN, the other gradients are fine).
    ``out`` = cᵘ gives the number type (ln 2 stays the exact ``log(2)`` next to a SymPy cᵘ)."""
    if is_python_real(c) and is_python_real(out):
        if c < 0:
            return math.nan
        return 0.0 if c == 0 else math.log(c)
    lib = library(out) or library(c)
    if lib is not None and lib.__name__ == "sympy":
        return lib.log(lib.sympify(c))
    c = like(c, out)
    if c < 0:
        return like(math.nan, out)
    if c == 0:
        return like(0, out)
    return math.log(c) if lib is None else lib.log(c)


def log(u):
    """ln u in u's type; a ``ValueError`` for u ≤ 0 (a SymPy symbol is taken as it is)."""
    lib = library(u)
    symbolic = lib is not None and lib.__name__ == "sympy"
    if u.is_extended_nonpositive if symbolic else u <= 0:  # a symbol's answer may be None
        raise ValueError(f"log of a non-positive number: log({u!r}); expected u > 0")
    return math.log(u) if lib is None else lib.log(u)


# --------------------------------------------------------------------------------------------
# Exponentials and the activations' functions, in the number's type


def exp(u):
    """eᵘ in u's type, with a clear overflow error for Python's and numpy's floats."""
    lib = library(u)
    if lib is None:
        try:
            return math.exp(u)
        except OverflowError:
            raise exp_overflow(u) from None
    if lib is np:
        with np.errstate(over="ignore"):  # numpy would warn and give inf
            out = np.exp(u)
        if np.isinf(out) and np.isfinite(u):
            raise exp_overflow(u)
        return out
    return lib.exp(u)


def exp_overflow(u) -> OverflowError:
    """The error for an eᵘ too big for u's float type, naming the type's bound ln(max)."""
    if isinstance(u, np.floating):
        kind, top = np.dtype(type(u)).name, np.finfo(type(u)).max
    else:
        kind, top = "float", sys.float_info.max
    return OverflowError(
        f"exp({u!r}) overflows a {kind} (e^u is finite only for u < {float(np.log(top)):.2f})"
    )


def tanh(u):
    """tanh u: a float for Python's reals, else in u's type (a SymPy ``tanh(z)``)."""
    if type(u) is not float and (lib := library(u)) is not None:
        return lib.tanh(u)
    return math.tanh(to_float(u))


def sigmoid(x):
    """σ(x) = 1 / (1 + e^{−x}) without overflow for any |x|: a float for Python's reals, else
    in x's type (numpy by :func:`sigmoid_np`; mpmath's e^{−x} cannot overflow; SymPy's is the
    formula)."""
    if type(x) is not float and (lib := library(x)) is not None:
        return sigmoid_np(x) if lib is np else 1 / (1 + lib.exp(-x))
    x = to_float(x)
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)  # x < 0: e^{x} ≤ 1 cannot overflow
    return e / (1.0 + e)


def softplus(x):
    """softplus(x) = ln(1 + eˣ) = max(x, 0) + ln(1 + e^{−|x|}), without overflow; a float for
    Python's reals, else in x's type (SymPy: the formula ln(1 + eˣ))."""
    if type(x) is not float and (lib := library(x)) is not None:
        if lib is np:
            return softplus_np(x)
        if lib.__name__ == "sympy":
            return lib.log(1 + lib.exp(x))
        return max(x, 0) + lib.log1p(lib.exp(-abs(x)))
    x = to_float(x)
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def relu(x):
    """max(0, x), keeping the number type (0 of the same type for x ≤ 0, −∞ included); NaN
    stays NaN (as in PyTorch and ``np.maximum``). A SymPy z gives
    Piecewise((z, z > 0), (0, True))."""
    if type(x) is not float and is_symbolic(x):
        return _symbolic_relu(x)
    return x if x > 0 or x != x else type(x)(0)


def heaviside(z, a=None):
    """relu′(z) = 1 if z > 0 else 0; for a SymPy z, Heaviside(z, 0) (0 at the kink, as for
    floats). ``a`` = relu(z) is not needed (it is there to stand as an activation's f′(z, a))."""
    if type(z) is not float and is_symbolic(z):  # floats first: the engine's hot path
        return library(z).Heaviside(z, 0)
    return 1 if z > 0 else 0


def _symbolic_relu(z):
    """relu of a SymPy expression: Piecewise((z, z > 0), (0, True)), a number if z is one.

    For a formula z the node is assembled from its two (expression, condition) pairs as
    they stand: SymPy's constructors would fold every Piecewise inside z (the relus of the
    layers below) into this one's condition, which takes minutes for a 4-layer net and
    gives the same function."""
    sympy = library(z)
    if z.is_number:
        return sympy.Piecewise((z, z > 0), (0, True))
    pair = sympy.functions.elementary.piecewise.ExprCondPair
    return sympy.Basic.__new__(
        sympy.Piecewise,
        sympy.Basic.__new__(pair, z, sympy.Gt(z, 0, evaluate=False)),
        sympy.Basic.__new__(pair, sympy.S.Zero, sympy.true),
    )


def sigmoid_np(z: np.ndarray) -> np.ndarray:
    """σ(z) = e^{min(z, 0)} / (1 + e^{−|z|}), elementwise (a numpy array or scalar), without
    overflow.

    That is 1/(1 + e^{−z}) for z ≥ 0 and e^{z}/(1 + e^{z}) for z < 0, the two overflow-free
    forms that :func:`sigmoid` chooses between, here with one exponential and no branch per
    element: e = e^{−|z|} ∈ [0, 1] is the denominator's term, and the numerator is
    max(e, [z ≥ 0]), i.e. 1 for z ≥ 0 and e = e^{z} for z < 0. The same numbers as selecting
    the two halves of z with boolean masks, several times faster.
    """
    e = np.exp(-np.abs(z))
    numerator = np.maximum(e, z >= 0)
    numerator /= 1.0 + e
    return numerator


def softplus_np(z: np.ndarray) -> np.ndarray:
    """softplus(z) = max(z, 0) + ln(1 + e^{−|z|}), elementwise, without overflow."""
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


# --------------------------------------------------------------------------------------------
# Finiteness, conversions and sums


#: The largest finite float64; a number beyond it cannot enter a float computation.
FLOAT_MAX = sys.float_info.max


def is_finite(x) -> bool:
    """True when the real number x is finite and fits a float64 (exactly compared, so a huge
    int or Fraction is never converted on the way). A SymPy expression is finite unless SymPy
    knows otherwise (a symbol stands for any real number; ``oo`` and ``nan`` are not)."""
    t = type(x)
    if t is float:
        return math.isfinite(x)
    if t is int or t is Fraction or isinstance(x, numbers.Rational):
        return -FLOAT_MAX <= x <= FLOAT_MAX
    if is_symbolic(x):
        if is_nan_or_inf(x):
            return False
        return not x.is_number or bool(abs(x) <= FLOAT_MAX)
    try:
        return math.isfinite(x)
    except (TypeError, ValueError, OverflowError):
        return False


def is_nan_or_inf(x) -> bool:
    """True when the number x is NaN or ±∞ (of any type; ints and Fractions never are)."""
    if is_symbolic(x):
        return x.is_finite is False or x.has(library(x).nan)
    if isinstance(x, numbers.Rational):
        return False
    lib = library(x)
    return not (math.isfinite(x) if lib is None else lib.isfinite(x))


def to_fraction(v) -> Fraction:
    """A real number as the ``Fraction`` it is exactly: a float, numpy float or mpmath ``mpf``
    is a dyadic rational m·2ᵉ, so nothing is rounded."""
    if isinstance(v, Fraction):
        return v
    if isinstance(v, numbers.Rational) and not isinstance(v, bool):
        return Fraction(int(v.numerator), int(v.denominator))
    if hasattr(v, "man_exp"):  # mpmath.mpf: man·2^exp
        man, exp = v.man_exp  # |v| = man·2^exp (man_exp drops the sign)
        return (-1 if v < 0 else 1) * Fraction(man) * Fraction(2) ** exp
    if hasattr(v, "as_integer_ratio"):  # float and numpy's floats
        return Fraction(*v.as_integer_ratio())
    raise TypeError(
        f"the true gradient needs real numbers (int, float, Fraction, a numpy float or "
        f"mpmath.mpf), got {type(v).__name__}: {v!r}"
    )


def to_float(x) -> float:
    """x as a float; an int or Fraction too large for a float becomes ±inf (its limit)."""
    try:
        return float(x)
    except OverflowError:
        return math.inf if x > 0 else -math.inf


def total(terms: list):
    """Σ terms in their own type, from the first term on: no int 0 is added, so a sum of
    Values gets no extra node and a SymPy sum no 0 term (``math.fsum`` is for floats only).

    >>> total([Fraction(1, 3), Fraction(1, 6)])
    Fraction(1, 2)
    """
    s = terms[0]
    for t in terms[1:]:
        s = s + t
    return s


def fsum(terms: list):
    """Σ terms: correctly rounded by ``math.fsum`` for Python's reals, else :func:`total` in
    the terms' own type."""
    if all(library(t) is None for t in terms):
        return math.fsum(terms)
    return total(terms)


def floats(xs: list) -> list:
    """The numbers as floats where they are all Python reals (before a transcendental function,
    which gives a float anyway; :func:`to_float` takes a huge int to ±inf), else as they are."""
    if all(library(x) is None for x in xs):
        return [to_float(x) for x in xs]
    return list(xs)
