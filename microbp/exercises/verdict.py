"""Judging an answer: the verdict comes from the engine and the prover, never from a stored
answer string.

* A **formula** is correct for every value when the prover shows learner − truth ≡ 0
  (:func:`microbp.symbolic.is_zero`), the truth being what the engine computes on symbols
  for the exercise's graph; otherwise it is wrong, with a witness: a point, the learner's
  value there and the engine's.
* A **number** is correct within :data:`NUMBER_RTOL` (relative) of the engine's number.
* A **function** is run on random nets (:mod:`microbp.exercises.functions`) and must give
  the graph's gradients on every one, to :data:`FUNCTION_RTOL`.

When an answer is wrong and equals a catalogued mistake (for every value; at the same
tolerance for numbers; on every net for functions), the result names the mistake.
"""

from __future__ import annotations

import html
import math
import random
from dataclasses import dataclass, field

import sympy

from microbp import names
from microbp.symbolic import is_zero

__all__ = ["Mistake", "Witness", "Result", "NUMBER_RTOL", "FUNCTION_RTOL"]

#: A number answer is correct within this relative tolerance (0.5 %: three significant
#: digits, rounded, are enough).
NUMBER_RTOL = 5e-3
#: A function answer must match the graph's gradients to this, relative to the largest entry.
FUNCTION_RTOL = 1e-12


@dataclass(frozen=True)
class Mistake:
    """A usual wrong answer: its ``name``, a one-line ``why``, the ``docs`` page that explains
    it, and the ``answer`` it gives (a formula, a number's formula, or a function's source)."""

    name: str
    why: str
    docs: str
    answer: str


@dataclass
class Witness:
    """Where a wrong answer differs: the ``point`` (what each name is there, as text), the
    learner's value and the engine's (numbers, or arrays for a function answer)."""

    point: dict[str, str]
    yours: object
    engine: object
    where: str = ""  #: a description of the place (a net's sizes and layer, for functions)

    def __str__(self) -> str:
        at = ", ".join(f"{k} = {v}" for k, v in self.point.items())
        place = " at ".join(p for p in (self.where, at) if p)
        values = f"yours = {_show(self.yours)}, the engine's = {_show(self.engine)}"
        return f"{place}: {values}" if place else values


def _show(value) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


@dataclass
class Result:
    """The verdict on one answer: ``correct``; when wrong a ``witness`` (where it differs),
    the catalogued ``mistake`` it equals (or None) and a ``hint``; ``message`` says it in
    words. ``readable`` is False when the answer could not be read (then ``message`` says
    why). Shows itself as text (``str``) and as HTML in a notebook."""

    exercise: str
    correct: bool
    message: str
    witness: Witness | None = None
    mistake: Mistake | None = None
    hint: str = ""
    docs: str = ""
    readable: bool = True
    details: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        lines = [self.message]
        if self.witness is not None:
            lines.append(f"  {'for example ' if self.witness.point else ''}{self.witness}")
        lines += [f"  {d}" for d in self.details]
        if self.mistake is not None:
            lines.append(f"  the mistake: {self.mistake.name}: {self.mistake.why}")
            lines.append(f"  read: {self.mistake.docs}")
        elif not self.correct and self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        e = html.escape
        colour = "#1a7f37" if self.correct else "#b42318"
        parts = [f'<div class="microbp-exercise"><b style="color:{colour}">{e(self.message)}</b>']
        if self.witness is not None:
            parts.append(f"<br>for example {e(str(self.witness))}")
        for d in self.details:
            parts.append(f"<br>{e(d)}")
        if self.mistake is not None:
            parts.append(
                f"<br>the mistake: <b>{e(self.mistake.name)}</b>: {e(self.mistake.why)} "
                f"(read <code>{e(self.mistake.docs)}</code>)"
            )
        elif not self.correct and self.hint:
            parts.append(f"<br>hint: {e(self.hint)}")
        return "".join(parts) + "</div>"


# --------------------------------------------------------------------------------------------
# Formulas
# --------------------------------------------------------------------------------------------


def _label(key) -> str:
    return format(key, "plain") if isinstance(key, names.Name) else str(key)


def float_value(expr, point) -> float | None:
    """``expr`` at ``point`` (leaf symbol → number) in floats; None where it is not a finite
    real number (a log of a negative number, an overflow, a division by zero)."""
    try:
        v = _float(sympy.sympify(expr), point, {})
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    return v if isinstance(v, float) and math.isfinite(v) else None


_MATH = {sympy.exp: math.exp, sympy.log: math.log, sympy.tanh: math.tanh}


def _float(expr, point, memo):
    """A float walk of ``expr`` (each shared subexpression once): math's functions, so an
    overflow raises at once instead of computing a number of a billion digits."""
    if expr in memo:
        return memo[expr]
    if expr in point:
        value = float(point[expr])
    elif expr.is_Number:
        value = float(expr)
    elif expr.is_Add:
        value = math.fsum(_float(a, point, memo) for a in expr.args)
    elif expr.is_Mul:
        value = math.prod(_float(a, point, memo) for a in expr.args)
    elif expr.is_Pow:
        base, exponent = (_float(a, point, memo) for a in expr.args)
        value = base**exponent
        if isinstance(value, complex):
            raise ValueError("not a real number")
    elif expr.func in _MATH:
        value = _MATH[expr.func](_float(expr.args[0], point, memo))
    elif isinstance(expr, sympy.Heaviside):
        u = _float(expr.args[0], point, memo)
        value = 1.0 if u > 0 else 0.0 if u < 0 else _float(expr.args[1], point, memo)
    elif isinstance(expr, sympy.Piecewise):
        value = None
        for piece, condition in expr.args:
            if condition is sympy.true or _holds(condition, point, memo):
                value = _float(piece, point, memo)
                break
        if value is None:
            raise ValueError("no piece applies")
    else:
        raise TypeError(f"cannot evaluate {expr.func}")
    memo[expr] = value
    return value


def _holds(condition, point, memo) -> bool:
    left, right = (_float(a, point, memo) for a in condition.args)
    return {">": left > right, ">=": left >= right, "<": left < right, "<=": left <= right}[
        condition.rel_op
    ]


def _points(leaves, tries: int, seed: int = 0):
    rng = random.Random(seed)
    for _ in range(tries):
        yield {s: sympy.Rational(rng.randint(-20, 20), 10) for s in leaves}


def _normal(expr):
    """tanh written with exp, so a learner's exp form and the engine's tanh meet."""
    return sympy.sympify(expr).rewrite(sympy.tanh, sympy.exp) if expr.has(sympy.tanh) else expr


def same_function(a, b) -> bool:
    """True when a − b ≡ 0 is shown by the prover (for every value of the symbols)."""
    return is_zero(_normal(sympy.sympify(a) - sympy.sympify(b)))


def formula_witness(answer, truth, leaves, shown: dict, tries: int = 24):
    """A point where the answer and the truth differ (and both are defined), with what the
    ``shown`` names are there, and how many points agreed before it; (None, agreed) if they
    agree at every point tried where both are defined."""
    agreed = 0
    for point in _points(sorted(leaves, key=str), tries):
        mine, theirs = float_value(answer, point), float_value(truth, point)
        if mine is None or theirs is None:
            continue
        if not math.isclose(mine, theirs, rel_tol=1e-9, abs_tol=1e-12):
            where = {}
            for key, expr in shown.items():
                v = float_value(expr, point)
                if v is not None:
                    where[_label(key)] = f"{v:.6g}"
            return Witness(where, mine, theirs), agreed
        agreed += 1
    return None, agreed
