"""How the pictures, the trace and the command line write numbers and symbols.

The convention, the same in every picture and table:

* a float is written in the **shortest form that reads back as the same float**
  (Python's ``repr``: ``0.4``, not ``0.40000000000000002``; ``float(text) == value``);
  a numpy float likewise in its own precision (a float32 ``0.1`` is ``0.1``);
* an int is written as it is;
* a ``Fraction`` is written exactly, ``p/q``, while that is at most 12 characters
  (``3/8``); a longer one as ``≈`` and its float's shortest form, since ``p/q`` with
  twenty digits each is no help in a picture and the decimal alone would claim an
  exactness it does not have;
* ``digits=N`` (``--digits N`` on the command line) rounds every non-integer to N
  significant digits instead (``.Ng``), and a format spec (``fmt='.6f'``) or a callable
  does what it says.

:func:`ascii_text` turns what microbp shows into plain ASCII for a terminal that cannot show
w₁₂⁽³⁾ or δ (``--ascii``): the names in their typed form (``w_12^(3)``, ``delta_1^(2)``) and
every other symbol spelled out (``∂`` → ``d``, ``−`` → ``-``, ``½`` → ``1/2``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction

__all__ = [
    "number_format",
    "shortest",
    "exact_text",
    "ascii_text",
    "MAX_FORMAT_DIGITS",
    "FRACTION_WIDTH",
]

#: The largest width or precision a number format may ask for (a label, not a memory test).
MAX_FORMAT_DIGITS = 100
#: The longest ``p/q`` written as a fraction; a longer Fraction is shown as ``≈`` a decimal.
FRACTION_WIDTH = 12
# Python's format spec: [[fill]align][sign][z][#][0][width][grouping][.precision][type]
_FORMAT_SPEC = re.compile(
    r"(?:.?[<>=^])?[+\- ]?z?#?0?(?P<width>\d*)[,_]?(?:\.(?P<prec>\d+))?[a-zA-Z%]?", re.S
)


def shortest(x) -> str:
    """``x`` in the shortest form that reads back as the same number (see the module's
    convention): ``0.4`` for the float 0.4, ``3/8`` for ``Fraction(3, 8)``.

    >>> shortest(0.1 + 0.3), shortest(0.1 + 0.2), shortest(2), shortest(Fraction(1, 3))
    ('0.4', '0.30000000000000004', '2', '1/3')
    >>> shortest(Fraction(10**20 + 1, 3))
    '≈3.333333333333333e+19'
    """
    if type(x) is float:
        return repr(x)
    if isinstance(x, Fraction):
        text = str(x)
        return text if len(text) <= FRACTION_WIDTH else "≈" + repr(float(x))
    if isinstance(x, (int, float)):  # bool, int subclasses; float subclasses
        return repr(float(x)) if isinstance(x, float) else str(int(x))
    # numpy scalars print their shortest round-trip form in their own precision; mpmath
    # and SymPy numbers print themselves
    return str(x)


def _check_digits(digits) -> int:
    if type(digits) is not int or not 1 <= digits <= MAX_FORMAT_DIGITS:
        raise ValueError(
            f"digits must be an integer from 1 to {MAX_FORMAT_DIGITS} (significant digits), "
            f"got {digits!r}"
        )
    return digits


def number_format(fmt=None, digits: int | None = None) -> Callable[[object], str]:
    """A number formatter, checked once: the shortest round-trip form (:func:`shortest`) by
    default; ``digits=N`` for N significant digits; or a format spec (``'.4g'``) or callable
    as ``fmt``. Ints stay ints; a short Fraction stays ``p/q``."""
    if fmt is not None and digits is not None:
        raise ValueError("give a number format or a number of digits, not both")
    if digits is not None:
        fmt = f".{_check_digits(digits)}g"
    if fmt is None:
        return shortest
    if callable(fmt):
        return fmt
    if not isinstance(fmt, str):
        raise TypeError(f"fmt must be a format spec like '.4g' or a callable, got {fmt!r}")
    spec = _FORMAT_SPEC.fullmatch(fmt)
    for part, value in (("width", spec and spec["width"]), ("precision", spec and spec["prec"])):
        if value and (len(value) > 6 or int(value) > MAX_FORMAT_DIGITS):
            raise ValueError(
                f"number format {fmt!r} asks for a {part} of {value}; expected at most "
                f"{MAX_FORMAT_DIGITS} (a format spec like '.4g' or '.6f')"
            )
    try:
        format(1.5, fmt)
    except ValueError:
        raise ValueError(
            f"invalid number format {fmt!r}; expected a format spec like '.4g' or '.6f'"
        ) from None

    def number(x) -> str:
        if isinstance(x, int):
            return str(x)
        if isinstance(x, Fraction):
            text = str(x)
            return text if len(text) <= FRACTION_WIDTH else format(float(x), fmt)
        return format(x, fmt)

    return number


def exact_text(x) -> str:
    """A number written out in full: ``repr`` of a float, ``'3/8'`` for a Fraction."""
    if isinstance(x, float):
        return repr(x)
    return str(x)


# --------------------------------------------------------------------------------------------
# ASCII for terminals that cannot show the tutorial's symbols
# --------------------------------------------------------------------------------------------

_SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉ᵢⱼₖₗₙ₊₋₍₎,", "0123456789ijkln+-(),"))
_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹ˡᴸⁿᵀ⁺⁻⁽⁾ᵗᶜᵘᵛˣᶻⁱʲᵏ", "0123456789lLnT+-()tcuvxzijk"))
_SYMBOLS = {
    "δ": "delta",
    "Δ": "Delta",
    "∂": "d",
    "σ": "sigma",
    "Σ": "sum",
    "μ": "mu",
    "η": "eta",
    "ε": "eps",
    "θ": "theta",
    "λ": "lambda",
    "∇": "grad",
    "′": "'",
    "″": "''",
    "−": "-",
    "–": "-",
    "—": "--",
    "×": "x",
    "·": "*",
    "⊙": "(*)",
    "÷": "/",
    "½": "1/2",
    "¼": "1/4",
    "‖": "||",
    "≈": "~",
    "≡": "==",
    "≠": "!=",
    "≤": "<=",
    "≥": ">=",
    "→": "->",
    "←": "<-",
    "◀": "<",
    "▶": ">",
    "↦": "|->",
    "…": "...",
    "⋯": "...",
    "∈": " in ",
    "ℝ": "R",
    "∞": "inf",
    "√": "sqrt",
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
    "✓": "ok",
    "✗": "x",
    "ₑ": "e",
}


def ascii_text(text: str) -> str:
    """``text`` in plain ASCII: names in their typed form (``w₁₂⁽³⁾`` → ``w_12^(3)``,
    ``δᵢ⁽ˡ⁾`` → ``delta_i^(l)``), symbols spelled out (:data:`_SYMBOLS`), and anything
    else that is not ASCII as ``?`` (so the result is always ASCII).

    >>> ascii_text("δ₁⁽²⁾ = ∂E/∂z₁⁽²⁾ ≈ −0.5, E = ½‖y − a⁽ᴸ⁾‖²")
    'delta_1^(2) = dE/dz_1^(2) ~ -0.5, E = 1/2||y - a^(L)||^2'
    """
    if text.isascii():
        return text
    out: list[str] = []
    k, n = 0, len(text)
    while k < n:
        c = text[k]
        if c.isascii():
            out.append(c)
            k += 1
        elif c in _SUBSCRIPTS and c != ",":
            run = ""
            while k < n and text[k] in _SUBSCRIPTS:
                if text[k] == "," and not (k + 1 < n and text[k + 1] in _SUBSCRIPTS):
                    break  # a comma after the subscript is punctuation, not a separator
                run += _SUBSCRIPTS[text[k]]
                k += 1
            out.append("_" + run)
        elif c in _SUPERSCRIPTS:
            run = ""
            while k < n and text[k] in _SUPERSCRIPTS:
                run += _SUPERSCRIPTS[text[k]]
                k += 1
            if run == "T":
                out.append("^T")
            elif run.startswith("(") and run.endswith(")"):
                out.append("^" + run)
            else:
                out.append("^" + (run if len(run) == 1 else f"({run})"))
        else:
            out.append(_SYMBOLS.get(c, "?"))
            k += 1
    return "".join(out)
