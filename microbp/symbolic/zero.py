"""Deciding "≡ 0" for the proofs of :mod:`microbp.symbolic`.

:func:`is_zero`: every transcendental atom (eᵘ, tanh u, log u, Piecewise, Heaviside) becomes
a fresh symbol, the same atom the same symbol, and e^(−u) is written 1/eᵘ. What is left is a
rational function of symbols. If its exact value at a random rational point is not 0, it is
not the zero function (and is not expanded, which for a big net would take very long); else
``sympy.expand`` (then ``sympy.cancel``) decides whether it is. If it is, the difference is 0
for every value of the atoms, so in particular for their true values: a proof. If it is not,
:func:`witness` evaluates it at a random point (each symbol a small rational) to show that it
is really not 0 there: "not proved", with a witness. The test is sufficient, not complete (a
difference that is 0 only through an identity between the atoms, such as tanh = 2σ(2u) − 1,
would be reported "not proved", never "proved").
"""

from __future__ import annotations

import itertools
import random

import mpmath
import sympy

__all__ = ["is_zero", "witness", "size", "Atomizer"]

_ATOMS = (sympy.exp, sympy.tanh, sympy.log, sympy.Piecewise, sympy.Heaviside)


class Atomizer:
    """Replaces each transcendental atom by a symbol, the same over many expressions."""

    def __init__(self) -> None:
        self.symbols: dict[tuple, sympy.Dummy] = {}
        self.memo: dict[sympy.Basic, sympy.Basic] = {}

    def atom(self, key: tuple) -> sympy.Dummy:
        """The symbol of the atom ``key`` = (function, atomized arguments)."""
        if key not in self.symbols:
            self.symbols[key] = sympy.Dummy(f"t{len(self.symbols)}")
        return self.symbols[key]

    def __call__(self, expr):
        if expr in self.memo:
            return self.memo[expr]
        if not expr.args:
            return expr
        args = tuple(self(a) for a in expr.args)
        if expr.func is sympy.exp:
            u = args[0]
            # e^(−u) is 1/eᵘ: one atom for the pair, whichever sign comes first
            new = 1 / self.atom((sympy.exp, -u)) if u.could_extract_minus_sign() else None
            new = new if new is not None else self.atom((sympy.exp, u))
        elif issubclass(expr.func, _ATOMS):
            new = self.atom((expr.func, args))  # a key, not a new atom: nothing is evaluated
        else:
            new = expr.func(*args) if args != expr.args else expr
        self.memo[expr] = new
        return new


def is_zero(expr, atomizer: Atomizer | None = None) -> bool:
    """True when ``expr`` is 0 as a function of its symbols, shown as in the module docstring
    (a sufficient test: ``True`` is a proof, ``False`` means "not shown").

    >>> z = sympy.Symbol("z")
    >>> s = 1 / (1 + sympy.exp(-z))
    >>> is_zero(sympy.diff(s, z) - s * (1 - s)), is_zero(sympy.diff(s, z) - 2 * s * (1 - s))
    (True, False)
    """
    expr = sympy.sympify(expr)
    if expr == 0:
        return True
    rational = (atomizer or Atomizer())(expr)
    if _nonzero_somewhere(rational):
        return False  # not the zero function: no need to expand it (which would take ages)
    return sympy.expand(rational) == 0 or sympy.cancel(sympy.together(rational)) == 0


def _nonzero_somewhere(rational, tries: int = 3) -> bool:
    """True when the rational function ``rational`` has an exact non-zero value at a random
    rational point (so it is certainly not the zero function). A point where a denominator
    vanishes is skipped; False means "0 at every point tried", not a proof."""
    rng = random.Random(1)
    symbols = sorted(rational.free_symbols, key=str)
    for _ in range(tries):
        point = {s: sympy.Rational(rng.randint(-97, 97), rng.randint(1, 89)) for s in symbols}
        value = rational.xreplace(point)
        if value.is_Rational:
            return value != 0
    return False


def witness(expr, tries: int = 3) -> float | None:
    """``expr`` at a random point (each free symbol a multiple of 0.1 in [−2, 2]), evaluated
    at 30 digits, as a float; None if it is undefined at every point tried."""
    rng = random.Random(0)
    symbols = sorted(expr.free_symbols, key=str)
    for _ in range(tries):
        point = {s: mpmath.mpf(rng.randint(-20, 20)) / 10 for s in symbols}
        try:
            with mpmath.workdps(30):
                return float(_evaluate(expr, point, {}))
        except (ZeroDivisionError, ValueError):  # a denominator 0, a log of 0 there
            continue
    return None


_FUNCTIONS = {sympy.exp: mpmath.exp, sympy.log: mpmath.log, sympy.tanh: mpmath.tanh}


def _evaluate(expr, point: dict, memo: dict):
    """``expr`` at ``point`` (symbol → mpf) in mpmath, each shared subexpression once (SymPy's
    own ``evalf`` walks the tree, which for a whole net's gradient repeats a subexpression
    thousands of times)."""
    if expr in memo:
        return memo[expr]
    if expr in point:
        value = point[expr]
    elif expr.is_Number:
        value = mpmath.mpf(expr.p) / expr.q if expr.is_Rational else mpmath.mpf(float(expr))
    elif expr is sympy.true or expr is sympy.false:
        value = bool(expr)
    else:
        args = [_evaluate(a, point, memo) for a in expr.args]
        if expr.is_Add:
            value = mpmath.fsum(args)
        elif expr.is_Mul:
            value = mpmath.fprod(args)
        elif expr.is_Pow:
            value = args[0] ** args[1]
        elif expr.func in _FUNCTIONS:
            value = _FUNCTIONS[expr.func](args[0])
        elif isinstance(expr, sympy.Heaviside):
            value = mpmath.mpf(1 if args[0] > 0 else 0 if args[0] < 0 else args[1])
        elif isinstance(expr, sympy.Piecewise):  # args: (value, condition) pairs
            value = next(v for v, condition in args if condition)
        elif isinstance(expr, sympy.functions.elementary.piecewise.ExprCondPair):
            value = tuple(args)
        elif isinstance(expr, sympy.core.relational.Relational):
            value = {">": args[0] > args[1], ">=": args[0] >= args[1],
                     "<": args[0] < args[1], "<=": args[0] <= args[1]}[expr.rel_op]  # fmt: skip
        else:
            value = mpmath.mpf(float(expr.xreplace(dict(zip(expr.args, map(sympy.Float, args))))))
    memo[expr] = value
    return value


def size(expr, limit: int) -> int:
    """The number of nodes in ``expr``'s tree, counted up to ``limit``."""
    return sum(1 for _ in itertools.islice(sympy.preorder_traversal(expr), limit))


# --------------------------------------------------------------------------------------------
# Results
