"""How the pictures and the trace write numbers: a format spec checked once, or a callable."""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction

__all__ = ["number_format", "exact_text", "MAX_FORMAT_DIGITS"]

#: The largest width or precision a number format may ask for (a label, not a memory test).
MAX_FORMAT_DIGITS = 100
# Python's format spec: [[fill]align][sign][z][#][0][width][grouping][.precision][type]
_FORMAT_SPEC = re.compile(
    r"(?:.?[<>=^])?[+\- ]?z?#?0?(?P<width>\d*)[,_]?(?:\.(?P<prec>\d+))?[a-zA-Z%]?", re.S
)


def number_format(fmt) -> Callable[[object], str]:
    """A number formatter from a format spec (``'.4g'``) or a callable, checked once."""
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
            return text if len(text) <= 12 else format(float(x), fmt)
        return format(x, fmt)

    return number


def exact_text(x) -> str:
    """A number written out in full: ``repr`` of a float, ``'3/8'`` for a Fraction."""
    if isinstance(x, float):
        return repr(x)
    return str(x)
