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

:func:`ascii_text` (``--ascii``: ``w₁₂⁽³⁾`` → ``w_12^(3)``, ``∂`` → ``d``) is re-exported from
its home :mod:`microbp.text`, where the core's tables use it too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction

from microbp.text import ascii_text  # its home is the core, for the core's tables too

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
