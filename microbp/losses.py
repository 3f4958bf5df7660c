"""The cost functions of the seed, built from :class:`~microbp.Value` nodes.

For one training pair (x⁽ⁱ⁾, y⁽ⁱ⁾) with network output o⁽ⁱ⁾ = a⁽ᴸ⁾:

    E₍ᵢ₎ = ½‖y⁽ⁱ⁾ − o⁽ⁱ⁾‖² = ½ Σₖ (yₖ⁽ⁱ⁾ − oₖ⁽ⁱ⁾)²

and over N pairs E_total = (1/N) Σᵢ E₍ᵢ₎. (One line of the seed writes ½‖y − o‖ without
the square; the square is right, see docs/errata.md.) The ½ is applied as a division by 2,
so exact numbers (``Fraction``) stay exact.
"""

from __future__ import annotations

from collections.abc import Sequence

from microbp.engine import Value

__all__ = ["squared_error", "total_error"]


def squared_error(y: Sequence, out: Sequence[Value]) -> Value:
    """E = ½‖y − o‖² = ½ Σₖ (yₖ − oₖ)² for one sample, as a Value.

    ``y`` holds the n_L targets (numbers or Values), ``out`` the n_L outputs a⁽ᴸ⁾.

    >>> from microbp import Value
    >>> squared_error([1, 0], [Value(0.5), Value(0.25)]).data   # ½(0.25 + 0.0625)
    0.15625
    """
    y, out = list(y), list(out)
    if len(y) != len(out):
        raise ValueError(
            f"squared_error needs one target per output: got {len(y)} targets "
            f"for {len(out)} outputs (n_L = {len(out)})"
        )
    if not out:
        raise ValueError("squared_error needs at least one output")
    total = (y[0] - out[0]) ** 2
    for yk, ok in zip(y[1:], out[1:]):
        total = total + (yk - ok) ** 2
    return total / 2


def total_error(Y: Sequence[Sequence], outputs: Sequence[Sequence[Value]]) -> Value:
    """E_total = (1/N) Σᵢ E₍ᵢ₎, the mean of :func:`squared_error` over N samples."""
    Y, outputs = list(Y), list(outputs)
    if len(Y) != len(outputs):
        raise ValueError(
            f"total_error needs one target row per sample: got {len(Y)} target rows "
            f"for {len(outputs)} outputs"
        )
    if not Y:
        raise ValueError("total_error needs at least one sample (N ≥ 1)")
    total = squared_error(Y[0], outputs[0])
    for y, out in zip(Y[1:], outputs[1:]):
        total = total + squared_error(y, out)
    return total / len(Y)
