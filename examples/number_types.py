"""One engine, four kinds of number: the tutorial's gradient ∂E/∂w₁₁⁽²⁾ in float32, float64, mpmath
at 50 digits, and as a SymPy formula, then the proof that the formula is BP-1…BP-4's.

Run it with ``python examples/number_types.py`` (needs ``microbp[symbolic]``: SymPy and
mpmath). The same ``MLP.from_weights`` and ``E.backward()`` run on every type; only the numbers
change, so the differences between the rows are rounding and nothing else.
"""

import mpmath
import numpy as np

from microbp import MLP, squared_error
from microbp.data import tutorial_example
from microbp.symbolic import TUTORIAL_ERRATUM_SIGMOID, prove_layers, symbolic_net

ex = tutorial_example()


def gradient_w11(convert):
    """∂E/∂w₁₁⁽²⁾ of the tutorial's example with every number passed through ``convert``."""
    W = {l: [[convert(w) for w in row] for row in ex.W[l]] for l in ex.W}
    b = {l: [convert(v) for v in ex.b[l]] for l in ex.b}
    net = MLP.from_weights(W, b, activation=ex.activation)
    E = squared_error([convert(v) for v in ex.y], net([convert(v) for v in ex.x]))
    E.backward()
    return net.w(2, 1, 1).grad


with mpmath.workdps(50):
    truth = gradient_w11(mpmath.mpf)  # float weights convert to mpf exactly
    rows = [
        ("float32", gradient_w11(np.float32)),
        ("float64", gradient_w11(float)),
        ("mpmath, 50 digits", truth),
    ]
    print("∂E/∂w₁₁⁽²⁾ of the tutorial's example, one engine, three number types:")
    for name, g in rows:
        exact = mpmath.mpf(float(g)) if isinstance(g, np.generic) else mpmath.mpf(g)
        print(f"  {name:<18} {type(g).__name__:<8} {mpmath.nstr(exact, 20):>24}"
              f"   off by {mpmath.nstr(abs(exact - truth), 3)}")  # fmt: skip
    assert type(rows[0][1]) is np.float32
    assert abs(rows[0][1] - truth) < 1e-8 and abs(rows[1][1] - truth) < 1e-17

# As a formula: every weight, input and target a symbol named as the tutorial names them.
s = symbolic_net([3, 3, 2])
E = squared_error(s.y, s.net(s.x))
E.backward()
formula = s.net.w(3, 1, 1).grad
print(f"\n∂E/∂w₁₁⁽³⁾ as a formula ({len(str(formula))} characters): {str(formula)[:90]}…")

# …and the proof that the graph's gradients are BP-1…BP-4 for every weight, any depth.
proof = prove_layers([3, 3, 2])
print(f"\n{proof.verdict()} by layers; the δ's the graph computes:\n{proof.show()}")
assert proof.proved
wrong = prove_layers([3, 3, 2], replace={"sigmoid": TUTORIAL_ERRATUM_SIGMOID})
print(f"\nwith the tutorial's σ′ in the formulas: {wrong.verdict()}")
assert not wrong.proved
