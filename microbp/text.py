"""How microbp writes text for a terminal: tables, and plain ASCII when asked.

:func:`table` lays out every table microbp prints (the demo's, ``check``'s, the proof's, the
trace's, the experiments'), through tabulate. :func:`ascii_text` turns what microbp shows into
plain ASCII for a terminal that cannot show w₁₂⁽³⁾ or δ (``--ascii``): the names in their
typed form (``w_12^(3)``, ``delta_1^(2)``) and every other symbol spelled out (``∂`` → ``d``,
``−`` → ``-``, ``½`` → ``1/2``).

Under :func:`microbp.names.shown_as` ``("ascii")`` a table converts its cells *before* it
lays them out, so its columns line up in the form the terminal shows (``Σ`` is one
character, ``sum`` three: converting a finished table would shift every column after it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tabulate import SEPARATING_LINE, tabulate

from microbp import names

__all__ = ["table", "ascii_text"]


def table(rows: Iterable[Sequence], headers: Sequence[str], **options) -> str:
    """``rows`` under ``headers`` as a text table (tabulate's plain format; ``options`` such as
    ``colalign`` go to it). Cells are shown as they are given: a number is never re-read or
    re-rounded (microbp formats its numbers before, :mod:`microbp.viz.formatting`). In the
    ASCII display every cell and header is :func:`ascii_text` first. A row that is
    tabulate's ``SEPARATING_LINE`` stays one."""
    show = ascii_text if names.shown_style() == "ascii" else str
    rows = [row if row == SEPARATING_LINE else [show(str(c)) for c in row] for row in rows]
    headers = [show(str(h)) for h in headers]
    return tabulate(rows, headers, disable_numparse=True, **options)


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
