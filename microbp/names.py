"""The tutorial's names as data: wᵢⱼ⁽ˡ⁾, bᵢ⁽ˡ⁾, zᵢ⁽ˡ⁾, aᵢ⁽ˡ⁾, δᵢ⁽ˡ⁾, xᵢ, yᵢ, E.

The notation is the tutorial's. Layers are numbered 1 … L, layer 1 is the input (a⁽¹⁾ = x).
W⁽ˡ⁾ maps layer l−1 to layer l (2 ≤ l ≤ L); wᵢⱼ⁽ˡ⁾, row i and column j of W⁽ˡ⁾, is the weight
from neuron j of layer l−1 to neuron i of layer l. bᵢ⁽ˡ⁾ is the bias of neuron i of layer l,
zᵢ⁽ˡ⁾ = Σⱼ wᵢⱼ⁽ˡ⁾ aⱼ⁽ˡ⁻¹⁾ + bᵢ⁽ˡ⁾ its state, aᵢ⁽ˡ⁾ = f(zᵢ⁽ˡ⁾) its activation and
δᵢ⁽ˡ⁾ ≡ ∂E/∂zᵢ⁽ˡ⁾ its error term; xᵢ are the inputs, yᵢ the targets, E the cost.

A name is a :class:`Name` ``(kind, l, i, j)``; one formatter writes it in each form and one
parser reads the typed forms back:

* wᵢⱼ⁽ˡ⁾: plain ``w_12^(3)``, Unicode ``w₁₂⁽³⁾``, LaTeX ``w_{12}^{(3)}``;
* bᵢ⁽ˡ⁾, zᵢ⁽ˡ⁾, aᵢ⁽ˡ⁾: ``z_1^(2)``, ``z₁⁽²⁾``, ``z_{1}^{(2)}``;
* δᵢ⁽ˡ⁾: ``delta_1^(2)``, ``δ₁⁽²⁾``, ``\\delta_{1}^{(2)}``;
* xᵢ, yᵢ: ``x_1``, ``x₁``, ``x_{1}``; and E.

The plain form is what a user types (it is ASCII); the Unicode form is what microbp shows;
LaTeX is for ``--latex``.

The whole vector or matrix of a layer drops the indices: ``W^(3)`` (W⁽³⁾), ``delta^(3)``
(δ⁽³⁾), ``z^(2)``, ``a^(2)``, ``b^(2)``, ``x``, ``y``.

**Two-digit indices.** The subscripts of wᵢⱼ⁽ˡ⁾ run together while both are one digit
(``w_12^(3)``, w₁₂⁽³⁾); when i or j has two or more digits, a comma separates them, in every
form: ``w_12,3^(2)``, ``w₁₂,₃⁽²⁾``, ``w_{12,3}^{(2)}``. The parser also reads a comma between
one-digit indices (``w_1,2^(3)``, the model file's form) and refuses three or more digits
without one (``w_110^(3)`` could be w₁,₁₀ or w₁₁,₀).

>>> from microbp import names
>>> n = names.w(3, 1, 2)
>>> n.plain, n.unicode, n.latex
('w_12^(3)', 'w₁₂⁽³⁾', 'w_{12}^{(3)}')
>>> names.parse("δ₁⁽²⁾") == names.parse("delta_1^(2)") == names.delta(2, 1)
True
>>> f"{names.w(2, 12, 3)}", f"{names.w(2, 12, 3):plain}"
('w₁₂,₃⁽²⁾', 'w_12,3^(2)')

The parser reads the text character by character (no ``eval``, no regular expression) and
says what it expected when it cannot read a name (:class:`BadName`, a ``ValueError``).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass

from microbp import checks

__all__ = [
    "Name",
    "BadName",
    "KINDS",
    "STYLES",
    "parse",
    "format_name",
    "superscript",
    "shown_as",
    "shown_style",
    "w",
    "W",
    "b",
    "z",
    "a",
    "delta",
    "x",
    "y",
    "E",
]

#: The forms :func:`format_name` writes. ``ascii`` is the plain form (it is ASCII already).
STYLES = ("plain", "unicode", "latex", "ascii")


@dataclass(frozen=True)
class _Kind:
    """What a kind of name takes: the lowest layer (None: no layer), how many indices it may
    carry (each count in ``indices``), and its letter in Unicode and LaTeX."""

    first_layer: int | None
    indices: tuple[int, ...]
    unicode: str
    latex: str


#: Every kind of name, with the layer and indices it takes.
KINDS: dict[str, _Kind] = {
    "w": _Kind(2, (2,), "w", "w"),  # wᵢⱼ⁽ˡ⁾, 2 ≤ l: layer 1 is the input and has no weights
    "W": _Kind(2, (0,), "W", "W"),  # W⁽ˡ⁾, the matrix
    "b": _Kind(2, (0, 1), "b", "b"),
    "z": _Kind(2, (0, 1), "z", "z"),
    "a": _Kind(1, (0, 1), "a", "a"),  # a⁽¹⁾ = x
    "delta": _Kind(2, (0, 1), "δ", "\\delta"),
    "x": _Kind(None, (0, 1), "x", "x"),
    "y": _Kind(None, (0, 1), "y", "y"),
    "E": _Kind(None, (0,), "E", "E"),
}

_FORMS = (
    "w_12^(3), W^(3), b_1^(2), z_1^(2), a_1^(2), delta_1^(2) (also δ_1^(2) or δ₁⁽²⁾), x_1, y_1 "
    "or E; a comma between two indices when one has two digits (w_12,3^(2))"
)


class BadName(ValueError):
    """A text that is not one of the tutorial's names; the message says what was expected."""


@dataclass(frozen=True, slots=True)
class Name:
    """One of the tutorial's names: ``kind`` (a key of :data:`KINDS`), layer ``l``, indices
    ``i`` and ``j`` (1-based, as in the tutorial; None where the kind has none).

    ``str(name)`` and ``f"{name}"`` are the Unicode form (what is shown; :func:`shown_as`
    switches it, e.g. to ASCII); ``f"{name:plain}"``, ``f"{name:latex}"`` give the others
    (:func:`format_name`). Checked when made: a :class:`BadName` for an unknown kind, a
    missing or extra index, or an index below 1.
    """

    kind: str
    l: int | None = None
    i: int | None = None
    j: int | None = None

    def __post_init__(self) -> None:
        # One expression for the valid case (a net names thousands of parameters); the slow
        # path below says which rule a bad name breaks.
        spec, l, i, j = KINDS.get(self.kind), self.l, self.i, self.j
        if not (
            spec is not None
            and (
                l is None if spec.first_layer is None else type(l) is int and l >= spec.first_layer
            )
            and (i is None or type(i) is int and i >= 1)
            and (j is None or type(j) is int and j >= 1 and i is not None)
            and (i is not None) + (j is not None) in spec.indices
        ):
            self._refuse(spec)

    def _refuse(self, spec: _Kind | None) -> None:
        """Raise the :class:`BadName` that says what is wrong with this name."""
        if spec is None:
            raise BadName(f"unknown kind of name {self.kind!r}; expected one of {', '.join(KINDS)}")
        if spec.first_layer is None:
            if self.l is not None:
                raise BadName(f"{self.kind} has no layer, got l = {self.l!r}")
        else:
            _check_int("layer l", self.l, spec.first_layer, self.kind)
        given = [v for v in (self.i, self.j) if v is not None]
        if len(given) not in spec.indices or (self.i is None and self.j is not None):
            want = " or ".join(str(n) for n in spec.indices)
            raise BadName(f"{self.kind} takes {want} indices, got i = {self.i!r}, j = {self.j!r}")
        for what, v in (("index i", self.i), ("index j", self.j)):
            if v is not None:
                _check_int(what, v, 1, self.kind)

    @property
    def plain(self) -> str:
        """The plain form, what a user types: ``w_12^(3)``, ``delta_1^(2)``."""
        return format_name(self, "plain")

    @property
    def unicode(self) -> str:
        """The Unicode form, what is shown: ``w₁₂⁽³⁾``, ``δ₁⁽²⁾``."""
        return format_name(self, "unicode")

    @property
    def latex(self) -> str:
        """The LaTeX form: ``w_{12}^{(3)}``, ``\\delta_{1}^{(2)}``."""
        return format_name(self, "latex")

    @property
    def layer(self) -> int | None:
        """The tutorial's layer the name belongs to: l, or 1 for x (a⁽¹⁾ = x); None for y, E."""
        return 1 if self.kind == "x" else self.l

    def as_kind(self, kind: str) -> Name:
        """The same layer and indices under another kind: ``z(2, 1).as_kind("delta")`` is
        δ₁⁽²⁾ (δᵢ⁽ˡ⁾ ≡ ∂E/∂zᵢ⁽ˡ⁾)."""
        return Name(kind, self.l, self.i, self.j)

    def __str__(self) -> str:
        return format_name(self, _SHOWN.get())

    def __format__(self, spec: str) -> str:
        """A style of :data:`STYLES` (``f"{name:latex}"``), or a str format spec applied to the
        form names are shown in (``f"{name:<10}"``: Unicode, see :func:`shown_as`)."""
        if spec in STYLES:
            return format_name(self, spec)
        return format(format_name(self, _SHOWN.get()), spec)


#: The form ``str(name)`` gives: Unicode, unless :func:`shown_as` says otherwise.
_SHOWN: contextvars.ContextVar[str] = contextvars.ContextVar("names_shown", default="unicode")


def shown_style() -> str:
    """The form ``str(name)`` gives now: ``"unicode"``, or what :func:`shown_as` set."""
    return _SHOWN.get()


@contextlib.contextmanager
def shown_as(style: str) -> Iterator[None]:
    """Show names in ``style`` (one of :data:`STYLES`) inside the ``with`` block: ``str(name)``
    and ``f"{name}"`` give that form (``"ascii"`` for a terminal that cannot show w₁₂⁽³⁾).

    >>> with shown_as("ascii"):
    ...     print(delta(2, 1))
    delta_1^(2)
    """
    checks.choice("name style", style, STYLES)
    token = _SHOWN.set(style)
    try:
        yield
    finally:
        _SHOWN.reset(token)


def _check_int(what: str, value, lowest: int, kind: str) -> None:
    if type(value) is not int:
        raise BadName(f"{kind}: {what} must be an int, got {value!r}")
    if value < lowest:
        why = " (layer 1 is the input)" if what == "layer l" and lowest == 2 else ""
        raise BadName(f"{kind}: {what} = {value} is below {lowest}{why}")


# --------------------------------------------------------------------------------------------
# The one formatter
# --------------------------------------------------------------------------------------------

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def format_name(name: Name, style: str = "unicode") -> str:
    """``name`` in one of :data:`STYLES`: ``plain`` (= ``ascii``) ``w_12^(3)``, ``unicode``
    ``w₁₂⁽³⁾``, ``latex`` ``w_{12}^{(3)}``; a comma between the two indices of w when one
    has two or more digits (``w_12,3^(2)``)."""
    i, j, l = name.i, name.j, name.l
    if j is not None:
        sub = f"{i}{j}" if i < 10 and j < 10 else f"{i},{j}"
    else:
        sub = "" if i is None else str(i)
    if style == "plain" or style == "ascii":
        return name.kind + (sub and f"_{sub}") + ("" if l is None else f"^({l})")
    checks.choice("name style", style, STYLES)
    layer = "" if l is None else str(l)
    spec = KINDS[name.kind]
    if style == "unicode":
        return spec.unicode + sub.translate(_SUB) + (layer and superscript(name.l))
    return spec.latex + (sub and f"_{{{sub}}}") + (layer and f"^{{({layer})}}")


def superscript(l: int) -> str:
    """The layer superscript every Unicode name ends with: ``⁽³⁾`` for l = 3 (for text such
    as f⁽³⁾ or a⁽³⁾ = [...] that is not one named quantity)."""
    return f"⁽{str(l).translate(_SUP)}⁾"


# Constructors in the tutorial's argument order: layer first, then i, then j.


def w(l: int, i: int, j: int) -> Name:
    """wᵢⱼ⁽ˡ⁾: the weight from neuron j of layer l−1 to neuron i of layer l."""
    return Name("w", l, i, j)


def W(l: int) -> Name:
    """W⁽ˡ⁾: the weight matrix that maps layer l−1 to layer l."""
    return Name("W", l)


def b(l: int, i: int | None = None) -> Name:
    """bᵢ⁽ˡ⁾ (or b⁽ˡ⁾ without i)."""
    return Name("b", l, i)


def z(l: int, i: int | None = None) -> Name:
    """zᵢ⁽ˡ⁾ = Σⱼ wᵢⱼ⁽ˡ⁾ aⱼ⁽ˡ⁻¹⁾ + bᵢ⁽ˡ⁾ (or z⁽ˡ⁾ without i)."""
    return Name("z", l, i)


def a(l: int, i: int | None = None) -> Name:
    """aᵢ⁽ˡ⁾ = f(zᵢ⁽ˡ⁾) (or a⁽ˡ⁾ without i)."""
    return Name("a", l, i)


def delta(l: int, i: int | None = None) -> Name:
    """δᵢ⁽ˡ⁾ ≡ ∂E/∂zᵢ⁽ˡ⁾ (or δ⁽ˡ⁾ without i)."""
    return Name("delta", l, i)


def x(i: int | None = None) -> Name:
    """xᵢ, input i (a⁽¹⁾ = x)."""
    return Name("x", None, i)


def y(i: int | None = None) -> Name:
    """yᵢ, target i."""
    return Name("y", None, i)


def E() -> Name:
    """E, the cost."""
    return Name("E")


# --------------------------------------------------------------------------------------------
# The one parser
# --------------------------------------------------------------------------------------------

#: Longest text :func:`parse` reads (a name is a few characters; this bounds the work).
MAX_LENGTH = 64

_LETTERS = {"δ": "delta"}
_SUB_DIGITS = {c: str(d) for d, c in enumerate("₀₁₂₃₄₅₆₇₈₉")}
_SUP_DIGITS = {c: str(d) for d, c in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")}


def parse(text: str) -> Name:
    """The :class:`Name` written in ``text``, in the plain form (``w_12^(3)``,
    ``delta_1^(2)``) or the Unicode one (``w₁₂⁽³⁾``, ``δ₁⁽²⁾``); ``δ`` may stand for
    ``delta`` in either, and spaces around the name are ignored.

    Raises :class:`BadName` (a ``ValueError``) naming the expected form otherwise, e.g. for
    ``w_110^(3)`` (which indices?), ``w_12^(1)`` (layer 1 has no weights), ``z_0^(2)``.

    >>> parse("w_12,3^(2)")
    Name(kind='w', l=2, i=12, j=3)
    """
    if not isinstance(text, str):
        raise TypeError(f"expected a name as text (a str), got {type(text).__name__}")
    source = text.strip()
    if len(source) > MAX_LENGTH:
        raise BadName(f"a name is at most {MAX_LENGTH} characters, got {len(source)}; {_FORMS}")
    try:
        return _read(source)
    except BadName as exc:
        raise BadName(f"cannot read {text!r} as one of the tutorial's names: {exc}") from None


def _read(s: str) -> Name:
    n = len(s)
    k = 0
    while k < n and (s[k].isascii() and s[k].isalpha() or s[k] in _LETTERS):
        k += 1
    letters = s[:k]
    kind = _LETTERS.get(letters, letters)
    if kind not in KINDS:
        raise BadName(f"{letters or s[:1]!r} is not a kind of name; expected {_FORMS}")
    # subscripts: "_" and ASCII digits and commas, or Unicode subscript digits and commas
    groups: list[str] = []
    if k < n and s[k] == "_":
        k += 1
        digits = {d: d for d in "0123456789"}
    else:
        digits = _SUB_DIGITS
    start = k
    current = ""
    while k < n and (s[k] in digits or s[k] == ","):
        if s[k] == ",":
            groups.append(current)
            current = ""
        else:
            current += digits[s[k]]
        k += 1
    if k > start or digits is not _SUB_DIGITS:
        groups.append(current)
    if any(g == "" for g in groups):
        raise BadName(f"an index is missing in the subscript; expected {_FORMS}")
    # the layer: "^(l)" or "⁽ˡ⁾"
    layer = None
    if k < n:
        if s.startswith("^(", k):
            close, table = ")", {d: d for d in "0123456789"}
            k += 2
        elif s[k] == "⁽":
            close, table = "⁾", _SUP_DIGITS
            k += 1
        else:
            raise BadName(f"unexpected {s[k]!r} after {s[:k]!r}; expected {_FORMS}")
        digits_l = ""
        while k < n and s[k] in table:
            digits_l += table[s[k]]
            k += 1
        if not digits_l or k >= n or s[k] != close or k + 1 != n:
            raise BadName(f"the layer is written ^(l) or ⁽ˡ⁾ at the end; expected {_FORMS}")
        if len(digits_l) > 1 and digits_l[0] == "0":
            raise BadName(f"the layer {digits_l!r} starts with 0; expected {_FORMS}")
        layer = int(digits_l)
    indices = _indices(kind, groups)
    try:
        return Name(kind, layer, *indices)
    except BadName as exc:
        raise BadName(f"{exc}; expected {_FORMS}") from None


def _indices(kind: str, groups: list[str]) -> list[int]:
    """The indices of the subscript groups; wᵢⱼ's two one-digit indices may run together."""
    if kind == "w" and len(groups) == 1:
        (run,) = groups
        if len(run) == 1:
            raise BadName(f"w takes two indices i and j, got {run!r}; expected {_FORMS}")
        if len(run) != 2:
            raise BadName(
                f"w's subscript {run!r} does not say where i ends and j begins; "
                "write a comma between them (w_1,10^(3) or w_11,0^(3))"
            )
        groups = [run[0], run[1]]
    if len(groups) > 2:
        raise BadName(f"{kind} has at most two indices, got {len(groups)}; expected {_FORMS}")
    for g in groups:
        if len(g) > 1 and g[0] == "0":
            raise BadName(f"the index {g!r} starts with 0; expected {_FORMS}")
    return [int(g) for g in groups]
