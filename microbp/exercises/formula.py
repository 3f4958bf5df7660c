"""The allow-listed formula parser: a learner's typed formula as a SymPy expression, safely.

A formula holds numbers, the exercise's names (``a_1^(2)``, ``w_11^(3)``, ``delta_1^(3)``, in
the plain or the Unicode form, read by :func:`microbp.names.parse`), the operators
``+ - * / **`` (also ``− × ÷ · ⋅``), parentheses, and the functions ``exp log ln tanh sigmoid
σ relu softplus``, each written with parentheses: ``σ(z)``. ``^(l)`` right after a name
belongs to the name (its layer); ``**`` is a power. Nothing else is read: the text is never
given to ``eval``, ``exec`` or ``sympify``, only to the small tokenizer and the
recursive-descent parser below, which build the SymPy expression node by node.

Limits (:data:`MAX_LENGTH`, :data:`MAX_DEPTH`, :data:`MAX_EXPONENT`, :data:`MAX_DEGREE`,
:data:`MAX_TERMS`)
refuse, before any work, texts whose reading or judging could take long: 100 000 characters,
10 000 nested parentheses, ``9**9**9**9``. Every refusal is a :class:`BadAnswer` (a
``ValueError``) that says where the text went wrong and what was expected.

>>> import sympy
>>> from microbp import names
>>> a, z = sympy.symbols("a z")
>>> parse("a*(1 − a)", {names.a(2, 1): a})
Traceback (most recent call last):
...
microbp.exercises.formula.BadAnswer: unknown name 'a' at position 1; this exercise's names are ...
>>> parse("a_1^(2)*(1 − a₁⁽²⁾)", {names.a(2, 1): a})
a*(1 - a)
>>> parse("σ(z)**2", {"z": z})
(1 + exp(-z))**(-2)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

import sympy

from microbp import activations, names

__all__ = ["BadAnswer", "parse", "FUNCTIONS", "MAX_LENGTH", "MAX_DEPTH", "MAX_EXPONENT"]

#: Longest formula read, in characters (a δ formula is a few dozen).
MAX_LENGTH = 2000
#: Deepest nesting of parentheses, functions, signs and powers.
MAX_DEPTH = 60
#: Largest |exponent| of a power: ``a**64`` is read, ``9**9**9**9`` is not.
MAX_EXPONENT = 64
#: Largest degree of a formula (a**3 * b has degree 4): bounds what the prover must expand.
MAX_DEGREE = 24
#: Largest number of terms the formula may expand to (an estimate, (a + b)**n has n + 1): bounds
#: the prover's ``expand``, which on ``(Σ five names)**16`` would take a minute.
MAX_TERMS = 5000
#: Longest number literal, in characters.
MAX_NUMBER = 40
#: Largest size of an exact number, in bits (numerator or denominator).
MAX_BITS = 4096


class BadAnswer(ValueError):
    """An answer that cannot be read; the message says where and what was expected."""


def _sigmoid(u):
    return activations.ACTIVATIONS["sigmoid"].f(u)


#: The functions a formula may call, as the engine computes them on SymPy numbers.
FUNCTIONS = {
    "exp": sympy.exp,
    "log": sympy.log,
    "ln": sympy.log,
    "tanh": sympy.tanh,
    "sigmoid": _sigmoid,
    "σ": _sigmoid,
    "relu": lambda u: activations.ACTIVATIONS["relu"].f(u),
    "softplus": lambda u: activations.ACTIVATIONS["softplus"].f(u),
}

_OPERATORS = {"−": "-", "×": "*", "·": "*", "⋅": "*", "÷": "/", "+": "+", "-": "-", "*": "*"}
_OPERATORS.update({"/": "/", "(": "(", ")": ")"})
_SUB = set("₀₁₂₃₄₅₆₇₈₉")
_SUP = set("⁰¹²³⁴⁵⁶⁷⁸⁹")
_WHAT = (
    "a formula holds numbers, this exercise's names, + − * / ** (× ÷ · too), parentheses and "
    "the functions exp, log, tanh, sigmoid (σ), relu, softplus"
)


@dataclass(frozen=True)
class _Token:
    kind: str  # "number", "name", "op", "end"
    text: str
    at: int  # 1-based position in the text, for messages


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    k, n = 0, len(text)
    while k < n:
        c = text[k]
        if c.isspace():
            k += 1
        elif text.startswith("**", k):
            out.append(_Token("op", "**", k + 1))
            k += 2
        elif c in _OPERATORS:
            out.append(_Token("op", _OPERATORS[c], k + 1))
            k += 1
        elif c.isascii() and c.isdigit() or c == "." and text[k + 1 : k + 2].isdigit():
            k = _number(text, k, out)
        elif c.isascii() and c.isalpha() or c in "δσ":
            k = _name(text, k, out)
        elif c == "_" or c.isalpha():
            end = k
            while end < n and (text[end].isalnum() or text[end] == "_"):
                end += 1
            raise BadAnswer(f"not allowed: {text[k:end]!r} at position {k + 1}; {_WHAT}")
        elif c == "^":
            raise BadAnswer(
                f"'^' at position {k + 1}: '^(l)' is only part of a name (a_1^(2)); "
                "write a power with ** (a**2)"
            )
        else:
            raise BadAnswer(f"unexpected {c!r} at position {k + 1}; {_WHAT}")
    out.append(_Token("end", "", n + 1))
    return out


def _number(text: str, k: int, out: list[_Token]) -> int:
    start = k
    n = len(text)
    while k < n and (text[k].isascii() and text[k].isdigit() or text[k] == "."):
        k += 1
    if (
        k < n
        and text[k] in "eE"
        and (
            text[k + 1 : k + 2].isdigit()
            or text[k + 1 : k + 3][:1] in "+-"
            and text[k + 2 : k + 3].isdigit()
        )
    ):
        k += 2
        while k < n and text[k].isascii() and text[k].isdigit():
            k += 1
    out.append(_Token("number", text[start:k], start + 1))
    return k


def _name(text: str, k: int, out: list[_Token]) -> int:
    """A name or a function: letters, then a subscript (``_12``, ``_1,2``, ``₁₂``) and a
    layer (``^(3)``, ``⁽³⁾``), each optional."""
    start = k
    n = len(text)
    if text[k] in "δσ":
        k += 1
    while k < n and text[k].isascii() and text[k].isalpha():
        k += 1
    if k < n and text[k] == "_":
        k += 1
        while k < n and (
            text[k].isdigit()
            and text[k].isascii()
            or text[k] == ","
            and text[k + 1 : k + 2].isdigit()
            and text[k + 1].isascii()
        ):
            k += 1
    else:
        while k < n and (
            text[k] in _SUB or text[k] == "," and text[k + 1 : k + 2] in _SUB and k + 1 < n
        ):
            k += 1
    if text.startswith("^(", k):
        close = text.find(")", k)
        if close != -1 and text[k + 2 : close].isascii() and text[k + 2 : close].isdigit():
            k = close + 1
    elif k < n and text[k] == "⁽":
        j = k + 1
        while j < n and text[j] in _SUP:
            j += 1
        if j < n and text[j] == "⁾" and j > k + 1:
            k = j + 1
    out.append(_Token("name", text[start:k], start + 1))
    return k


class _Parser:
    """expr := term (('+'|'-') term)* ;  term := unary (('*'|'/') unary)* ;
    unary := ('+'|'-') unary | power ;  power := atom ('**' unary)? ;
    atom := number | name | function '(' expr ')' | '(' expr ')'"""

    def __init__(self, text: str, symbols: Mapping) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.k = 0
        self.symbols = symbols
        self.depth = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.k]

    def _where(self, token: _Token | None = None) -> str:
        token = token or self.token
        return "at the end" if token.kind == "end" else f"at position {token.at}"

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise BadAnswer(
                f"the formula nests deeper than {MAX_DEPTH} levels (parentheses, functions, "
                f"signs, powers) {self._where()}"
            )

    def parse(self):
        if self.token.kind == "end":
            raise BadAnswer(f"the answer is empty; {_WHAT}")
        value = self.expr()
        if self.token.kind != "end":
            t = self.token
            hint = " (write * between factors: 2*a, not 2a)" if t.kind in ("name", "number") else ""
            raise BadAnswer(f"unexpected {t.text!r} {self._where()}; expected an operator{hint}")
        return value

    def expr(self):
        self._enter()
        value = self.term()
        while self.token.kind == "op" and self.token.text in "+-":
            op = self.token.text
            self.k += 1
            right = self.term()
            value = value + right if op == "+" else value - right
            _check_degree(value, self)
        self.depth -= 1
        return value

    def term(self):
        value = self.unary()
        while self.token.kind == "op" and self.token.text in ("*", "/"):
            op = self.token
            self.k += 1
            right = self.unary()
            if op.text == "/":
                if right == 0:
                    raise BadAnswer(f"division by zero {self._where(op)}")
                value = value / right
            else:
                value = value * right
            _check_degree(value, self)
        return value

    def unary(self):
        if self.token.kind == "op" and self.token.text in "+-":
            op = self.token.text
            self.k += 1
            self._enter()
            value = self.unary()
            self.depth -= 1
            return -value if op == "-" else value
        return self.power()

    def power(self):
        base = self.atom()
        if self.token.kind == "op" and self.token.text == "**":
            op = self.token
            self.k += 1
            self._enter()
            exponent = self.unary()
            self.depth -= 1
            return _power(base, exponent, op, self)
        return base

    def atom(self):
        t = self.token
        if t.kind == "number":
            self.k += 1
            return _number_value(t)
        if t.kind == "op" and t.text == "(":
            self.k += 1
            value = self.expr()
            self._expect(")", t)
            return value
        if t.kind == "name":
            self.k += 1
            if t.text in FUNCTIONS:
                if not (self.token.kind == "op" and self.token.text == "("):
                    raise BadAnswer(
                        f"{t.text} at position {t.at} needs its argument in parentheses: "
                        f"{t.text}(…)"
                    )
                open_ = self.token
                self.k += 1
                self._enter()
                argument = self.expr()
                self.depth -= 1
                self._expect(")", open_)
                value = FUNCTIONS[t.text](argument)
                if value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
                    raise BadAnswer(f"{t.text}(…) at position {t.at} is not a finite number")
                return value
            return self._symbol(t)
        if t.kind == "end":
            raise BadAnswer("the formula ends too early; expected a number, a name or '('")
        raise BadAnswer(f"unexpected {t.text!r} {self._where()}; expected a number, a name or '('")

    def _expect(self, text: str, opened: _Token) -> None:
        if self.token.kind == "op" and self.token.text == text:
            self.k += 1
            return
        raise BadAnswer(
            f"expected ')' {self._where()} to close the '(' at position {opened.at}"
            if self.token.kind == "end"
            else f"unexpected {self.token.text!r} {self._where()}; expected ')' to close the "
            f"'(' at position {opened.at}"
        )

    def _symbol(self, t: _Token):
        if t.text in self.symbols:
            return self.symbols[t.text]
        try:
            name = names.parse(t.text)
        except names.BadName:
            name = None
        if name is not None and name in self.symbols:
            return self.symbols[name]
        known = ", ".join(
            format(k, "plain") if isinstance(k, names.Name) else k for k in self.symbols
        )
        known = (
            f"this exercise's names are {known}"
            if known
            else "this answer is a number: it uses no names"
        )
        what = "unknown name" if name is None else "a name this exercise does not use:"
        if t.text.startswith("_") or t.text in ("lambda", "import", "def", "eval", "exec"):
            what = "not allowed:"
        raise BadAnswer(f"{what} {t.text!r} at position {t.at}; {known}")


def _number_value(t: _Token):
    if len(t.text) > MAX_NUMBER:
        raise BadAnswer(f"the number at position {t.at} is longer than {MAX_NUMBER} digits")
    mantissa, _, exponent = t.text.lower().partition("e")
    if exponent and abs(int(exponent)) > 300 or mantissa.count(".") > 1:
        raise BadAnswer(f"cannot read the number {t.text!r} at position {t.at}")
    try:
        value = Fraction(t.text)
    except ValueError:
        raise BadAnswer(f"cannot read the number {t.text!r} at position {t.at}") from None
    if max(value.numerator.bit_length(), value.denominator.bit_length()) > MAX_BITS:
        raise BadAnswer(f"the number at position {t.at} is too large")
    return sympy.Rational(value.numerator, value.denominator)


def _power(base, exponent, op: _Token, parser: _Parser):
    if not exponent.is_Rational:
        raise BadAnswer(
            f"the exponent of ** at position {op.at} must be a number (a**2, a**-1, a**0.5); "
            "for e^u write exp(u)"
        )
    if abs(exponent) > MAX_EXPONENT or exponent.q > MAX_EXPONENT:
        raise BadAnswer(
            f"the exponent {exponent} of ** at position {op.at} is too large "
            f"(at most {MAX_EXPONENT} in size)"
        )
    if base == 0 and exponent < 0:
        raise BadAnswer(f"division by zero: 0 to a negative power at position {op.at}")
    if base.is_Rational:
        bits = max(base.p.bit_length(), base.q.bit_length()) * abs(exponent)
        if bits > MAX_BITS:
            raise BadAnswer(f"the power at position {op.at} is a number too large to write")
    value = base**exponent
    _check_degree(value, parser)
    return value


def _degree(expr) -> int:
    """A bound on the degree of ``expr`` in its symbols and function atoms."""
    if expr.is_Atom:
        return 1 if expr.free_symbols else 0
    if expr.is_Add:
        return max(_degree(a) for a in expr.args)
    if expr.is_Mul:
        return sum(_degree(a) for a in expr.args)
    if expr.is_Pow:
        e = expr.args[1]
        return _degree(expr.args[0]) * (int(abs(e.p)) if e.is_Rational else MAX_DEGREE + 1)
    return 1 if expr.free_symbols else 0  # a function of its argument: one atom


def _terms(expr, memo: dict) -> int:
    """An upper bound on the number of terms of ``expr`` expanded (capped past the limit)."""
    if expr in memo:
        return memo[expr]
    if expr.is_Atom:
        n = 1
    elif expr.is_Add:
        n = sum(_terms(a, memo) for a in expr.args)
    elif expr.is_Mul:
        n = math.prod(_terms(a, memo) for a in expr.args)
    elif expr.is_Pow and expr.args[1].is_Integer:
        k, e = _terms(expr.args[0], memo), abs(int(expr.args[1]))
        n = math.comb(k + e - 1, e) if k <= MAX_TERMS else MAX_TERMS + 1
    else:  # a function, or a root: one atom, whose argument is expanded on its own
        n = max([1] + [_terms(a, memo) for a in expr.args])
    n = min(n, MAX_TERMS + 1)
    memo[expr] = n
    return n


def _check_degree(value, parser: _Parser) -> None:
    if _degree(value) > MAX_DEGREE:
        raise BadAnswer(
            f"the formula's degree exceeds {MAX_DEGREE} {parser._where()}; a δ formula is "
            "much shorter"
        )


def parse(text: str, symbols: Mapping) -> sympy.Expr:
    """The SymPy expression of ``text``; ``symbols`` maps each name the answer may use (a
    :class:`microbp.names.Name`, or a short local name such as ``"a"``) to its expression.

    Raises :class:`BadAnswer` naming the problem and what was expected; never evaluates the
    text as code.
    """
    if not isinstance(text, str):
        raise TypeError(f"expected the answer as text (a str), got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise BadAnswer(
            f"the answer is {len(text)} characters long; a formula here is at most {MAX_LENGTH}"
        )
    value = _Parser(text, symbols).parse()
    if _terms(sympy.sympify(value), {}) > MAX_TERMS:
        raise BadAnswer(
            f"the formula would expand to more than {MAX_TERMS} terms; a δ formula has a few"
        )
    return value
