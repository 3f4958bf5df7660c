"""backward() against independent roads: forward-mode duals (exact with Fractions) and
central finite differences, on random expression graphs with shared subexpressions.
(Determinism across processes: tests/test_engine_determinism.py; the 10⁶-node chain:
tests/test_engine_design.py.)"""

from __future__ import annotations

import math
from fractions import Fraction

from hypothesis import assume, given
from hypothesis import strategies as st

from microbp import Value
from tests.dual import Dual

# Operations over any number-like type with the Value interface (Value, Dual). Each keeps
# its arguments inside the op's domain (u² + 1 > 0), so every random program is defined.
RATIONAL_OPS = {
    "add": lambda u, v: u + v,
    "sub": lambda u, v: u - v,
    "mul": lambda u, v: u * v,
    "div": lambda u, v: u / (v * v + 1),
    "neg": lambda u, v: -u,
    "add_c": lambda u, v: u + Fraction(3, 2),
    "radd_c": lambda u, v: 2 + u,
    "rsub_c": lambda u, v: 3 - u,
    "mul_c": lambda u, v: u * Fraction(-2, 3),
    "rmul_c": lambda u, v: 3 * u,
    "div_c": lambda u, v: u / 4,
    "rdiv": lambda u, v: 1 / (u * u + 1),
    "pow2": lambda u, v: u**2,
    "pow3": lambda u, v: u**3,
    "pow_neg": lambda u, v: (u * u + 1) ** -2,
    "relu": lambda u, v: u.relu(),
}
FLOAT_OPS = {
    **RATIONAL_OPS,
    "exp": lambda u, v: (u / (u * u + 1)).exp(),
    "log": lambda u, v: (u * u + 1).log(),
    "tanh": lambda u, v: u.tanh(),
    "sigmoid": lambda u, v: u.sigmoid(),
    "softplus": lambda u, v: u.softplus(),
    "pow_half": lambda u, v: (u * u + 1) ** 0.5,
    "pow_value": lambda u, v: (u * u + 1) ** v.tanh(),
    "rpow": lambda u, v: 2 ** v.tanh(),
}


def programs(ops):
    """A random program: n leaves, then steps (op, i, j) reading any earlier node (fan-out)."""

    @st.composite
    def draw(draw):
        n = draw(st.integers(1, 4))
        steps = []
        for k in range(draw(st.integers(1, 10))):
            op = draw(st.sampled_from(sorted(ops)))
            i = draw(st.integers(0, n + k - 1))
            j = draw(st.integers(0, n + k - 1))
            steps.append((op, i, j))
        return n, steps

    return draw()


def run(ops, steps, leaves):
    """Execute a program over leaves; the root is the sum of every node (all are used)."""
    nodes = list(leaves)
    for op, i, j in steps:
        nodes.append(ops[op](nodes[i], nodes[j]))
    root = nodes[0]
    for node in nodes[1:]:
        root = root + node
    return root, nodes


def relu_margin(steps, nodes, n):
    """Smallest |argument| of any relu (finite differences need it away from the kink)."""
    margins = [abs(float(nodes[i].data)) for (op, i, _), _ in zip(steps, nodes[n:]) if op == "relu"]
    return min(margins, default=math.inf)


def dual_derivatives(ops, steps, xs):
    out = []
    for k in range(len(xs)):
        duals = [Dual(x, 1 if m == k else 0) for m, x in enumerate(xs)]
        root, _ = run(ops, steps, duals)
        out.append(root.b)
    return out


fractions = st.fractions(min_value=-3, max_value=3, max_denominator=7)
floats = st.floats(min_value=-2.0, max_value=2.0, allow_nan=False)


@given(programs(RATIONAL_OPS), st.lists(fractions, min_size=4, max_size=4))
def test_random_rational_graphs_match_forward_mode_exactly(program, xs):
    n, steps = program
    leaves = [Value(x) for x in xs[:n]]
    root, _ = run(RATIONAL_OPS, steps, leaves)
    root.backward()
    assert [v.grad for v in leaves] == dual_derivatives(RATIONAL_OPS, steps, xs[:n])


@given(programs(FLOAT_OPS), st.lists(floats, min_size=4, max_size=4))
def test_random_float_graphs_match_forward_mode_and_finite_differences(program, xs):
    n, steps = program
    xs = xs[:n]
    leaves = [Value(x) for x in xs]
    root, nodes = run(FLOAT_OPS, steps, leaves)
    assume(all(math.isfinite(float(v.data)) and abs(v.data) < 1e6 for v in nodes))
    root.backward()
    grads = [float(v.grad) for v in leaves]

    for g, d in zip(grads, dual_derivatives(FLOAT_OPS, steps, xs)):
        assert math.isclose(g, d, rel_tol=1e-9, abs_tol=1e-9 * (1 + abs(root.data)))

    assume(relu_margin(steps, nodes, n) > 1e-3)
    h = 1e-6
    for k, g in enumerate(grads):
        plus = [x + h if m == k else x for m, x in enumerate(xs)]
        minus = [x - h if m == k else x for m, x in enumerate(xs)]
        fd = (
            run(FLOAT_OPS, steps, [Value(x) for x in plus])[0].data
            - run(FLOAT_OPS, steps, [Value(x) for x in minus])[0].data
        ) / (2 * h)
        assert math.isclose(g, fd, rel_tol=1e-5, abs_tol=1e-5 * (1 + abs(root.data)))
