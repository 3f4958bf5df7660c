"""Three roads to ∂E/∂θ, side by side, for every parameter θ of a net.

* **autodiff**: build E = ½‖y − a⁽ᴸ⁾‖² from Values and call ``E.backward()``;
* **formula**: the index-form δ equations BP-1 … BP-4 (:func:`microbp.bp.index_form`);
* **numeric**: the central finite difference (E(θ + ε) − E(θ − ε)) / 2ε, whose truncation
  error is O(ε²) and whose rounding error is about 10⁻¹⁶·|E|/ε.

:func:`gradcheck` returns a :class:`GradcheckReport`: one row per parameter (named in the
seed's notation, ``w_12^(3)``), the differences, and a pass/fail verdict.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

from microbp import bp
from microbp.losses import squared_error

__all__ = ["ParameterCheck", "GradcheckReport", "gradcheck"]


@dataclass(frozen=True)
class ParameterCheck:
    """One parameter's gradient by the three roads, and whether they agree.

    ``kink`` marks a parameter whose finite-difference probe θ ± ε crossed relu's kink at
    z = 0 (or started on it): E is not differentiable there, so the difference quotient is
    shown but not compared (``numeric_ok`` is then True); autodiff and the formulas, which
    both take relu′(0) = 0, are still compared.
    """

    name: str
    autodiff: float
    formula: float
    numeric: float
    formula_ok: bool
    numeric_ok: bool
    kink: bool = False

    @property
    def formula_diff(self) -> float:
        return abs(float(self.autodiff) - float(self.formula))

    @property
    def numeric_diff(self) -> float:
        return abs(float(self.autodiff) - float(self.numeric))

    @property
    def ok(self) -> bool:
        return self.formula_ok and self.numeric_ok


@dataclass(frozen=True)
class GradcheckReport:
    """Every parameter's check; ``passed`` is the verdict, ``str(report)`` a table."""

    rows: tuple[ParameterCheck, ...]
    E: float
    eps: float
    formula_rtol: float
    numeric_rtol: float
    numeric_atol: float

    @property
    def passed(self) -> bool:
        return all(r.ok for r in self.rows)

    def failures(self) -> list[ParameterCheck]:
        return [r for r in self.rows if not r.ok]

    def __str__(self) -> str:
        head = (
            f"{'parameter':<12} {'autodiff':>22} {'BP-1…BP-4':>22} {'finite diff':>22} "
            f"{'|ad − bp|':>10} {'|ad − fd|':>10}  ok"
        )
        lines = [head, "-" * len(head)]
        for r in self.rows:
            lines.append(
                f"{r.name:<12} {float(r.autodiff):>22.15e} {float(r.formula):>22.15e} "
                f"{float(r.numeric):>22.15e} {r.formula_diff:>10.2e} {r.numeric_diff:>10.2e}"
                f"  {'yes' if r.ok else 'NO'}{' (kink: fd not compared)' if r.kink else ''}"
            )
        verdict = "PASS" if self.passed else f"FAIL ({len(self.failures())} parameters disagree)"
        lines.append(
            f"E = {float(self.E):.15g}; ε = {self.eps:g}; autodiff vs BP within "
            f"{self.formula_rtol:g} relative; vs finite differences within "
            f"{self.numeric_atol:g} + {self.numeric_rtol:g}·|g|: {verdict}"
        )
        return "\n".join(lines)


def _close(a, b, rtol: float, atol: float) -> bool:
    a, b = float(a), float(b)
    return abs(a - b) <= atol + rtol * max(abs(a), abs(b))


def gradcheck(
    net,
    x: Sequence,
    y: Sequence,
    eps: float = 1e-6,
    formula_rtol: float = 1e-10,
    numeric_rtol: float = 1e-5,
    numeric_atol: float = 1e-7,
) -> GradcheckReport:
    """Compare autodiff, the δ formulas and central finite differences on one sample.

    The net's parameters keep their numbers (each finite-difference probe is undone);
    their ``grad`` is left holding the autodiff gradient. ``eps``, the step ε, must be a
    finite number > 0 (a ``ValueError`` otherwise, before anything is computed).
    """
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not 0 < eps < math.inf:
        raise ValueError(
            f"eps, the finite-difference step ε, must be a finite number > 0, got {eps!r}"
        )
    params = net.parameters()
    names = net.parameter_names()

    # Road 1: the computation graph.
    out = net(x)
    E = squared_error(y, out)
    net.zero_grad()
    E.backward()
    autodiff = [p.grad for p in params]

    # Road 2: BP-1 … BP-4, in parameter order.
    formula = bp.index_form(net, x, y).flat()

    # Road 3: central differences of E, one parameter at a time (forward pass only).
    kinked = [l for l, name in zip(range(2, net.L + 1), net.activations) if name == "relu"]

    def cost() -> tuple[float, tuple]:
        """E, and on which side of relu's kink each relu z lies (−1, 0 or +1)."""
        z, a = bp.forward_index(net, x)
        sides = tuple((zi > 0) - (zi < 0) for l in kinked for zi in z[l])
        return bp.squared_error(y, a[net.L]), sides

    _, sides_here = cost()
    numeric, kinks = [], []
    for p in params:
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

    scale = max([abs(float(g)) for g in autodiff] + [1e-300])
    rows = tuple(
        ParameterCheck(
            name=name,
            autodiff=ad,
            formula=fm,
            numeric=nm,
            formula_ok=_close(ad, fm, formula_rtol, 1e-14 * scale),
            numeric_ok=kink or _close(ad, nm, numeric_rtol, numeric_atol),
            kink=kink,
        )
        for name, ad, fm, nm, kink in zip(names, autodiff, formula, numeric, kinks)
    )
    return GradcheckReport(
        rows=rows,
        E=E.data,
        eps=eps,
        formula_rtol=formula_rtol,
        numeric_rtol=numeric_rtol,
        numeric_atol=numeric_atol,
    )
