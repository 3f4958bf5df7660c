"""Three methods for ∂E/∂θ, side by side, for every parameter θ of a net, and the true gradient.

* **autodiff**: build E = ½‖y − a⁽ᴸ⁾‖² from Values and call ``E.backward()``;
* **formula**: the index-form δ equations BP-1 … BP-4 (:func:`microbp.bp.index_form`);
* **numeric**: the central finite difference (E(θ + ε) − E(θ − ε)) / 2ε, whose truncation
  error is O(ε²) and whose rounding error is about 10⁻¹⁶·|E|/ε;
* **compare** (optional, ``compare=``): another library's gradient of the same net, sample
  and loss, e.g. PyTorch autograd's (``microbp.interop.torch_method()``), as a :class:`Method`;
* **true**: the same net, sample, activations and loss replayed at high precision
  (:func:`true_gradient`): in exact ``Fraction`` arithmetic where every step is rational
  (relu / identity layers and the squared error), else in mpmath at 50 significant digits.
  Every weight, bias, x and y converts exactly (a float is a dyadic rational), so the only
  difference between the float64 methods and this one is float64's rounding.

:func:`gradcheck` returns a :class:`GradcheckReport`: one row per parameter (``name``, a
:class:`microbp.names.Name`: w₁₂⁽³⁾), the differences, each float method's error against the true
gradient, and a pass/fail verdict.
"""

from __future__ import annotations

import importlib
import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from microbp import bp, deprecation, losses, names, numtypes, text
from microbp.engine import Value
from microbp.nn import MLP

__all__ = [
    "ParameterCheck",
    "GradcheckReport",
    "Method",
    "TrueGradient",
    "gradcheck",
    "true_gradient",
]
__getattr__ = deprecation.renamed(__name__, globals(), {"Road": "Method"})  # CHANGELOG.md

#: The values of ``gradcheck(reference=...)`` (and of :func:`true_gradient`'s ``reference``).
REFERENCES = ("auto", "exact", "mpmath", None)
#: Significant decimal digits of the mpmath reference.
DIGITS = 50
#: What keeps a rational number rational: these activations (+ − × and max(0, z)) and this
#: loss (½ Σₖ (yₖ − aₖ)²); e^z, ln, tanh and softmax do not.
RATIONAL_ACTIVATIONS = ("relu", "identity")
RATIONAL_LOSSES = ("squared_error",)
_NO_MPMATH = "mpmath is not installed (pip install microbp[symbolic] provides it)"


@dataclass(frozen=True)
class Method:
    """Another method for ∂E/∂θ for :func:`gradcheck`'s ``compare``: ``gradient(net, x, y,
    loss)`` returns one number per parameter in ``net.parameters()`` order, computed from the
    net's numbers without changing them; ``name`` heads its column (``"torch"``). The core
    only calls it: a method that needs another library (PyTorch) lives in the shell
    (:mod:`microbp.interop`)."""

    name: str
    gradient: Callable[..., Sequence]


@dataclass(frozen=True)
class ParameterCheck:
    """One parameter's gradient by the three float methods and the true one, and whether the
    three agree.

    ``kink`` marks a parameter whose finite-difference probe θ ± ε crossed relu's kink at
    z = 0 (or started on it): E is not differentiable there, so the difference quotient is
    shown but not compared (``numeric_ok`` is then True); autodiff and the formulas, which
    both take relu′(0) = 0, are still compared.

    ``true`` is the true gradient (a ``Fraction`` or an mpmath ``mpf``, see
    :func:`true_gradient`), ``autodiff_error`` = |autodiff − true| and ``formula_error`` =
    |formula − true|, each computed exactly and then rounded to a float; all three are
    ``None`` when the true gradient was not computed.
    """

    name: names.Name
    autodiff: float
    formula: float
    numeric: float
    formula_ok: bool
    numeric_ok: bool
    kink: bool = False
    true: Any = None
    autodiff_error: float | None = None
    formula_error: float | None = None
    compared: float | None = None
    compare_ok: bool = True

    @property
    def compare_diff(self) -> float | None:
        """|compared − autodiff| (``None`` without a compared method)."""
        return None if self.compared is None else abs(self.compared - float(self.autodiff))

    @property
    def compare_formula_diff(self) -> float | None:
        """|compared − formula| (``None`` without a compared method)."""
        return None if self.compared is None else abs(self.compared - float(self.formula))

    @property
    def formula_diff(self) -> float:
        return abs(float(self.autodiff) - float(self.formula))

    @property
    def numeric_diff(self) -> float:
        return abs(float(self.autodiff) - float(self.numeric))

    @property
    def ok(self) -> bool:
        return self.formula_ok and self.numeric_ok and self.compare_ok


@dataclass(frozen=True)
class GradcheckReport:
    """Every parameter's check; ``passed`` is the verdict, ``str(report)`` a table.

    ``reference`` is how the true gradient was computed (``"exact"``, ``"mpmath"``) or ``None``
    with ``reference_note`` saying why it was not computed; ``digits`` the mpmath precision;
    ``reference_gap`` the largest |autodiff − formula| between the two methods at high precision
    (0 in exact arithmetic). The verdict does not depend on the true gradient.
    """

    rows: tuple[ParameterCheck, ...]
    E: float
    eps: float
    formula_rtol: float
    numeric_rtol: float
    numeric_atol: float
    reference: str | None = None
    digits: int | None = None
    reference_gap: float | None = None
    reference_note: str = ""
    compare: str | None = None

    @property
    def passed(self) -> bool:
        return all(r.ok for r in self.rows)

    def failures(self) -> list[ParameterCheck]:
        return [r for r in self.rows if not r.ok]

    @property
    def max_autodiff_error(self) -> float | None:
        """max over θ of |autodiff − true| (``None`` without a true gradient)."""
        return _max_error(r.autodiff_error for r in self.rows) if self.reference else None

    @property
    def max_formula_error(self) -> float | None:
        """max over θ of |formula − true| (``None`` without a true gradient)."""
        return _max_error(r.formula_error for r in self.rows) if self.reference else None

    @property
    def max_autodiff_relative_error(self) -> float | None:
        """max over θ with a true gradient ≠ 0 of |autodiff − true| / |true|: how many digits
        of autodiff are right at worst (``None`` without a true gradient)."""
        return self._max_relative("autodiff_error")

    @property
    def max_formula_relative_error(self) -> float | None:
        """max over θ with a true gradient ≠ 0 of |formula − true| / |true|."""
        return self._max_relative("formula_error")

    def _max_relative(self, error: str) -> float | None:
        if self.reference is None:
            return None
        return _max_error(
            getattr(r, error) / abs(float(r.true)) for r in self.rows if float(r.true) != 0
        )

    def __str__(self) -> str:
        return self.table()

    def table(self, number=repr) -> str:
        """The report as a table; ``number`` writes the gradients (default ``repr``: the
        shortest text that reads back as the same float) and the differences stay ``.2e``."""
        ok = [
            f"{'yes' if r.ok else 'NO'}{' (kink: fd not compared)' if r.kink else ''}"
            for r in self.rows
        ]
        if self.reference is None:  # the three methods' values
            head = ["parameter", "autodiff", "BP-1…BP-4", "finite diff", "|ad − bp|", "|ad − fd|"]
            body = [
                [
                    r.name,
                    number(float(r.autodiff)),
                    number(float(r.formula)),
                    number(float(r.numeric)),
                    f"{r.formula_diff:.2e}",
                    f"{r.numeric_diff:.2e}",
                ]
                for r in self.rows
            ]
        else:  # the true value replaces the formula's and the quotient's (their gaps stay)
            head = ["parameter", "true gradient", "autodiff", "|ad − true|", "|bp − true|"]
            head += ["|ad − bp|", "|ad − fd|"]
            body = [
                [
                    r.name,
                    number(float(r.true)),
                    number(float(r.autodiff)),
                    f"{r.autodiff_error:.2e}",
                    f"{r.formula_error:.2e}",
                    f"{r.formula_diff:.2e}",
                    f"{r.numeric_diff:.2e}",
                ]
                for r in self.rows
            ]
        align = ["left"] + ["right"] * (len(head) - 1) + ["left"]
        rows = [b + [k] for b, k in zip(body, ok)]
        lines = [text.table(rows, head + ["ok"], colalign=align)]
        verdict = "PASS" if self.passed else f"FAIL ({len(self.failures())} parameters disagree)"
        lines.append(
            f"E = {number(float(self.E))}; ε = {self.eps:g}; autodiff vs BP within "
            f"{self.formula_rtol:g} relative; vs finite differences within "
            f"{self.numeric_atol:g} + {self.numeric_rtol:g}·|g|: {verdict}"
        )
        lines.append(self._reference_line())
        if self.compare is not None:
            lines.append(self._compare_table(number))
        return "\n".join(lines)

    def _compare_table(self, number) -> str:
        """The compared method's gradient, written by ``number``, and its gaps to ad and bp."""
        c = self.compare
        head = ["parameter", c, f"|{c} − ad|", f"|{c} − bp|", "ok"]
        body = [
            [r.name, number(float(r.compared)), f"{r.compare_diff:.2e}"]
            + [f"{r.compare_formula_diff:.2e}", "yes" if r.compare_ok else "NO"]
            for r in self.rows
        ]
        align = ["left", "right", "right", "right", "left"]
        table = text.table(body, head, colalign=align)
        worst = _max_error(r.compare_diff for r in self.rows)
        ok = all(r.compare_ok for r in self.rows)
        return "\n".join(
            ["", f"vs {c}:", table]
            + [
                f"{c} vs autodiff: max difference {worst:.1e}, within {self.formula_rtol:g} "
                f"relative: {'yes' if ok else 'NO'}"
            ]
        )

    def _reference_line(self) -> str:
        """The true gradient's summary: each float method's largest error against it, then how
        the two methods compare at high precision (they must agree: a gap here is a bug)."""
        if self.reference is None:
            return f"true gradient not computed: {self.reference_note}"
        kind = (
            "exact, in fractions"
            if self.reference == "exact"
            else (f"mpmath, {self.digits} digits")
        )
        precision = "in fractions" if self.reference == "exact" else f"at {self.digits} digits"
        gap = (
            "the same numbers"
            if self.reference_gap == 0
            else f"differ by up to {self.reference_gap:.1e}"
        )
        return (
            f"vs the true gradient ({kind}): autodiff max error {self.max_autodiff_error:.1e} "
            f"(relative {self.max_autodiff_relative_error:.1e}), formulas max error "
            f"{self.max_formula_error:.1e} (relative {self.max_formula_relative_error:.1e})\n"
            f"the true gradient by autodiff and by BP-1…BP-4, both {precision}: {gap}"
        )


def _max_error(errors) -> float:
    """The largest error; NaN (a method that gave NaN) wins over every number."""
    errors = list(errors)
    return math.nan if any(e != e for e in errors) else max(errors, default=0.0)


def _close(a, b, rtol: float, atol: float) -> bool:
    a, b = float(a), float(b)
    return abs(a - b) <= atol + rtol * max(abs(a), abs(b))


# --------------------------------------------------------------------------------------------
# The true gradient: the same net replayed exactly or at 50 digits


@dataclass(frozen=True)
class TrueGradient:
    """∂E/∂θ of one sample at high precision, by both methods, in parameter order.

    ``reference``: ``"exact"`` (``Fraction`` numbers) or ``"mpmath"`` (``mpf`` numbers at
    ``digits`` significant digits); ``autodiff``: the engine's gradients of the replayed net
    (the true gradient); ``formula``: BP-1 … BP-4 (:func:`microbp.bp.index_form`) on the same
    replayed numbers; ``E``: the cost at that precision.
    """

    reference: str
    digits: int | None
    autodiff: tuple
    formula: tuple
    E: Any

    @property
    def gap(self) -> float:
        """max over θ of |autodiff − formula| between the two methods at high precision."""
        return float(
            max(
                (abs(_fraction(a) - _fraction(f)) for a, f in zip(self.autodiff, self.formula)),
                default=0,
            )
        )


def _mpmath():
    """mpmath, imported only when asked for (an optional extra: ``microbp[symbolic]``)."""
    return importlib.import_module("mpmath")


def _has_mpmath() -> bool:
    try:
        _mpmath()
    except ImportError:
        return False
    return True


def _rational_problem(activation_names: Sequence[str], loss: losses.Loss) -> str:
    """Why the computation would leave the rationals ('' if it stays exact)."""
    bad = [n for n in activation_names if n not in RATIONAL_ACTIVATIONS]
    if bad:
        return (
            f"the activation {bad[0]!r} is not rational (exact arithmetic needs every layer "
            f"to be one of {', '.join(RATIONAL_ACTIVATIONS)})"
        )
    if loss.name not in RATIONAL_LOSSES or losses.LOSSES.get(loss.name) is not loss:
        return (
            f"the loss {loss.name!r} is not rational (exact arithmetic needs "
            f"{', '.join(RATIONAL_LOSSES)})"
        )
    return ""


def _pick(reference, activation_names: Sequence[str], loss: losses.Loss) -> tuple[str | None, str]:
    """The reference ``reference`` asks for (``"exact"``, ``"mpmath"`` or None) and a note
    when None; a ``ValueError`` for a value outside :data:`REFERENCES` or ``"exact"`` through a
    non-rational step, and an ``ImportError`` for ``"mpmath"`` without mpmath."""
    accepted = "'auto', 'exact', 'mpmath' or None"
    if not (reference is None or isinstance(reference, str) and reference in REFERENCES):
        raise ValueError(f"unknown reference {reference!r}; expected {accepted}")
    if reference is None:
        return None, "not asked for (reference=None)"
    problem = _rational_problem(activation_names, loss)
    if reference == "exact":
        if problem:
            raise ValueError(
                f"reference='exact' cannot be used here: {problem}; expected {accepted} "
                f"('auto' or 'mpmath' replay it at {DIGITS} digits)"
            )
        return "exact", ""
    if reference == "auto" and not problem:
        return "exact", ""
    if _has_mpmath():
        return "mpmath", ""
    if reference == "mpmath":
        raise ImportError(f"reference='mpmath' needs mpmath: {_NO_MPMATH}")
    return None, _NO_MPMATH


def _error(value, true) -> float:
    """|value − true| computed exactly, as a float (inf or NaN for a value that is one)."""
    if not math.isfinite(float(value)):
        return abs(float(value) - float(true))
    return float(abs(_fraction(value) - _fraction(true)))


def _fraction(v) -> Fraction:
    """A number or a Value's number as the Fraction it is exactly (numtypes.to_fraction)."""
    return numtypes.to_fraction(v.data if isinstance(v, Value) else v)


def true_gradient(
    net, x: Sequence, y: Sequence, loss="squared_error", reference: str = "auto"
) -> TrueGradient:
    """∂E/∂θ of one sample, replayed at high precision: the truth the float methods round.

    Every weight, bias, xᵢ and yₖ is converted exactly (a float is a dyadic rational), the
    net rebuilt with :meth:`microbp.MLP.from_weights` (same activations, softmax included)
    and the engine's ``E.backward()`` run on it; BP-1 … BP-4 (:func:`microbp.bp.index_form`)
    run on the same numbers as a second method. ``reference``:

    * ``"exact"``: ``fractions.Fraction`` throughout; only for relu / identity layers and
      the squared error (:data:`RATIONAL_ACTIVATIONS`, :data:`RATIONAL_LOSSES`), where
      nothing leaves the rationals, so the result is the gradient itself;
    * ``"mpmath"``: mpmath ``mpf`` at :data:`DIGITS` = 50 significant digits
      (``pip install microbp[symbolic]``);
    * ``"auto"`` (default): ``"exact"`` where possible, else ``"mpmath"``.

    A ``ValueError`` for another value or for ``"exact"`` through a non-rational step, an
    ``ImportError`` if mpmath is needed and missing.
    """
    cost_fn = losses.get(loss)
    if reference is None:
        raise ValueError("true_gradient needs a reference: 'auto', 'exact' or 'mpmath'")
    chosen, note = _pick(reference, net.activations, cost_fn)
    if chosen is None:  # 'auto' through a step that is not rational, and no mpmath
        raise ImportError(f"the true gradient needs mpmath here: {note}")
    W, b = net.numbers()
    if chosen == "exact":
        return _replay(net, W, b, x, y, cost_fn, chosen, None, _fraction)
    mpmath = _mpmath()

    def mpf(v):
        q = _fraction(v)  # m / 2ᵏ for a float: exact in mpf at 50 digits
        return mpmath.mpf(q.numerator) / q.denominator

    with mpmath.workdps(DIGITS):
        return _replay(net, W, b, x, y, cost_fn, chosen, DIGITS, mpf)


def _replay(net, W, b, x, y, cost_fn, reference, digits, convert) -> TrueGradient:
    """Rebuild ``net`` with every number through ``convert`` and run both methods on it."""
    copy = MLP.from_weights(
        {l: [[convert(w) for w in row] for row in W[l]] for l in W},
        {l: [convert(v) for v in b[l]] for l in b},
        activation=net.activations,
    )
    x, y = [convert(v) for v in x], [convert(v) for v in y]
    fw = copy.forward(x)
    E = cost_fn.sample(y, fw.z[copy.L], fw.output)
    copy.zero_grad()
    E.backward()
    autodiff = tuple(p.grad for p in copy.parameters())
    formula = tuple(bp.index_form(copy, x, y, cost_fn).flat())
    return TrueGradient(reference, digits, autodiff, formula, E.data)


# --------------------------------------------------------------------------------------------


def _check_eps(eps) -> None:
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not 0 < eps < math.inf:
        raise ValueError(
            f"eps, the finite-difference step ε, must be a finite number > 0, got {eps!r}"
        )


def _central_differences(net, x, y, cost_fn, eps) -> tuple[list[float], list[bool]]:
    """(E(θ + ε) − E(θ − ε)) / 2ε for each parameter in order (forward passes only, each
    probe undone), and whether the probe met a kink of relu (no derivative to compare)."""
    kinked = [l for l, name in zip(range(2, net.L + 1), net.activations) if name == "relu"]

    def cost() -> tuple[float, tuple]:
        """E, and on which side of relu's kink each relu z lies (−1, 0 or +1)."""
        z, a = bp.forward_index(net, x)
        sides = tuple((zi > 0) - (zi < 0) for l in kinked for zi in z[l])
        return cost_fn.E(y, z[net.L], a[net.L]), sides

    _, sides_here = cost()
    numeric, kinks = [], []
    for p in net.parameters():
        saved = p.data
        try:
            p.data = saved + eps
            e_plus, sides_plus = cost()
            p.data = saved - eps
            e_minus, sides_minus = cost()
        finally:
            p.data = saved
        numeric.append((float(e_plus) - float(e_minus)) / (2 * eps))
        # The probe crossed (or started on) a kink of relu: E is not differentiable there,
        # so the difference quotient need not match any one-sided derivative.
        kinks.append(sides_plus != sides_minus or 0 in sides_here and sides_plus != sides_here)
    return numeric, kinks


def _compared(compare: Method | None, net, x, y, cost_fn, n: int) -> list:
    """The compared method's gradient as floats, one per parameter (None each without one)."""
    if compare is None:
        return [None] * n
    compared = [float(g) for g in compare.gradient(net, x, y, cost_fn)]
    if len(compared) != n:
        raise ValueError(
            f"the {compare.name} method gave {len(compared)} gradients for {n} parameters"
        )
    return compared


def _rows(names, autodiff, formula, numeric, kinks, truth, compared, tolerances) -> tuple:
    """One :class:`ParameterCheck` per parameter: the verdicts, the errors against the true
    gradient and the compared method's gradient (None when it was not computed)."""
    formula_rtol, numeric_rtol, numeric_atol = tolerances
    true = truth.autodiff if truth else [None] * len(names)
    scale = max([abs(float(g)) for g in autodiff] + [1e-300])
    return tuple(
        ParameterCheck(
            name=name,
            autodiff=ad,
            formula=fm,
            numeric=nm,
            formula_ok=_close(ad, fm, formula_rtol, 1e-14 * scale),
            numeric_ok=kink or _close(ad, nm, numeric_rtol, numeric_atol),
            kink=kink,
            true=tr,
            autodiff_error=None if truth is None else _error(ad, tr),
            formula_error=None if truth is None else _error(fm, tr),
            compared=cp,
            compare_ok=cp is None or _close(ad, cp, formula_rtol, 1e-14 * scale),
        )
        for name, ad, fm, nm, kink, tr, cp in zip(
            names, autodiff, formula, numeric, kinks, true, compared
        )
    )


# long: half of it is the docstring; each method is one call to its own function
def gradcheck(
    net,
    x: Sequence,
    y: Sequence,
    eps: float = 1e-6,
    formula_rtol: float = 1e-10,
    numeric_rtol: float = 1e-5,
    numeric_atol: float = 1e-7,
    loss="squared_error",
    reference: str | None = "auto",
    compare: Method | None = None,
) -> GradcheckReport:
    """Compare autodiff, the δ formulas and central finite differences on one sample, and
    measure how far autodiff and the formulas each are from the true gradient.

    ``loss``: a name or record of :mod:`microbp.losses` (default ½‖y − a⁽ᴸ⁾‖²).
    ``reference``: how the true gradient is computed (:func:`true_gradient`): ``"auto"``
    (default: exact fractions where every step is rational, else mpmath at 50 digits, else
    not at all when mpmath is missing, as the report then says), ``"exact"``, ``"mpmath"``
    or ``None`` (not computed). ``compare``: a :class:`Method` whose gradient joins the float
    methods (``microbp.interop.torch_method()``: PyTorch autograd), checked against autodiff
    within ``formula_rtol``. The verdict ``passed`` compares the float methods only.

    The net's parameters keep their numbers (each finite-difference probe is undone);
    their ``grad`` is left holding the autodiff gradient. ``eps``, the step ε, must be a
    finite number > 0, and ``reference`` one of the values above (a ``ValueError``
    otherwise, before anything is computed).
    """
    _check_eps(eps)
    cost_fn = losses.get(loss)
    chosen, note = _pick(reference, net.activations, cost_fn)
    params = net.parameters()
    param_names = [name for name, _ in net.named_parameters()]
    # Method 1: the computation graph.
    fw = net.forward(x)
    E = cost_fn.sample(y, fw.z[net.L], fw.output)
    net.zero_grad()
    E.backward()
    autodiff = [p.grad for p in params]

    # Method 2: BP-1 … BP-4, in parameter order.
    formula = bp.index_form(net, x, y, cost_fn).flat()

    # Method 3: central differences of E, one parameter at a time (forward pass only).
    numeric, kinks = _central_differences(net, x, y, cost_fn, eps)

    # Method 4 (optional): another library's gradient of the same net, sample and loss.
    compared = _compared(compare, net, x, y, cost_fn, len(params))

    # The reference: the true gradient, the same computation replayed exactly or at 50 digits.
    truth = None if chosen is None else true_gradient(net, x, y, cost_fn, chosen)

    tolerances = (formula_rtol, numeric_rtol, numeric_atol)
    rows = _rows(param_names, autodiff, formula, numeric, kinks, truth, compared, tolerances)
    return GradcheckReport(
        rows=rows,
        E=E.data,
        eps=eps,
        formula_rtol=formula_rtol,
        numeric_rtol=numeric_rtol,
        numeric_atol=numeric_atol,
        reference=chosen,
        digits=truth.digits if truth else None,
        reference_gap=truth.gap if truth else None,
        reference_note=note,
        compare=None if compare is None else compare.name,
    )
