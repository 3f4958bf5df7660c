"""The number types a :class:`~microbp.Value` holds, and which library computes with each.

The engine only needs ``+ − × ÷``, powers and a few elementary functions of whatever number
it is given, so it works over several kinds of real number:

* Python's reals ``int``, ``float`` and ``fractions.Fraction``: the fast path, computed by
  the operators and :mod:`math` (the engine tests for these three types first);
* numpy's real scalars: ``np.float32``, ``np.float16`` and ``np.longdouble`` keep their
  precision through every op (so single-precision rounding can be watched); ``np.float64``
  becomes ``float`` and numpy integers become ``int`` (the same numbers);
* mpmath's ``mpf``: arbitrary precision (``mpmath.mp.dps`` digits);
* SymPy expressions and symbols: every node holds a formula, and ``grad`` a formula of the
  derivative.

SymPy and mpmath are optional (``pip install microbp[symbolic]``) and never imported here: a
number can only be a SymPy or mpmath object if its library is already loaded, so this module
looks them up in ``sys.modules``. Any other type is a ``TypeError`` that names it.
"""

from __future__ import annotations

import math
import numbers
import sys
from fractions import Fraction

import numpy as np

__all__ = ["library", "as_number", "like", "exp", "log", "power", "ln_base", "total"]

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


def is_symbolic(x) -> bool:
    """True for a SymPy object (whose comparisons give formulas, not booleans)."""
    sympy = _loaded("sympy")
    return sympy is not None and isinstance(x, sympy.Basic)


def as_number(x, where: str):
    """``x`` as a number a Value can hold (its type kept where it carries meaning), or a
    ``TypeError`` that names the type and lists the accepted ones."""
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
    or_value = "" if where == "Value" else " or a Value"  # Value(…) itself takes no Value
    raise TypeError(
        f"{where} expects a real number ({ACCEPTED}){or_value}, got {t.__name__}: {x!r}"
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


def log(u):
    """ln u in u's type; a ``ValueError`` for u ≤ 0 (a SymPy symbol is taken as it is)."""
    lib = library(u)
    if lib is not None and lib.__name__ == "sympy":
        if u.is_extended_nonpositive:
            raise ValueError(f"log of a non-positive number: log({u!r}); expected u > 0")
        return lib.log(u)
    if u <= 0:
        raise ValueError(f"log of a non-positive number: log({u!r}); expected u > 0")
    return math.log(u) if lib is None else lib.log(u)


def _is_integer(n) -> bool:
    try:
        return n == int(n)
    except (OverflowError, ValueError, TypeError):
        return False


def power(x, n, where: str):
    """xⁿ for numbers that are not both Python reals: SymPy builds the power as a formula;
    numpy and mpmath numbers get the domain checks of the float path."""
    if is_symbolic(x) or is_symbolic(n):
        return x**n
    if x < 0 and not _is_integer(n):
        raise ValueError(
            f"{where}: a negative base to a non-integer power is not a real number "
            f"({x!r} ** {n!r}); expected base ≥ 0 or an integer exponent"
        )
    if x == 0 and n < 0:
        raise ZeroDivisionError(f"{where}: 0 to a negative power ({x!r} ** {n!r})")
    return x**n


def ln_base(c, out):
    """ln c for ∂(cᵘ)/∂u = cᵘ·ln c, in the type of ``out`` = cᵘ (exact ``log(2)`` for SymPy):
    0 for c = 0, NaN for c < 0, as on the float path."""
    lib = library(out) or library(c)
    if lib is not None and lib.__name__ == "sympy":
        return lib.log(lib.sympify(c))
    c = like(c, out)
    if c < 0:
        return like(math.nan, out)
    if c == 0:
        return like(0, out)
    return math.log(c) if lib is None else lib.log(c)
