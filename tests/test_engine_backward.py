"""Value.backward(): against independent roads (forward-mode duals, exact with Fractions, and
central finite differences), in the one backward order (Kahn's algorithm, which
``reverse_topological_order`` lists and the trace walks), on repeated and interrupted passes,
and bit for bit in every process.

The graphs are tests/strategies.py's: random programs over every op of the engine's table of
rules, with shared subexpressions. (The 10⁶-node chain: tests/test_engine_design.py.)"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from microbp import Value, trace_backward
from microbp.engine import reverse_topological_order
from tests.dual import Dual
from tests.engine_rules import WAYS
from tests.strategies import (
    EXACT_WAYS,
    INTEGER_CONSTANTS,
    finite,
    programs,
    random_graph,
    random_program,
    run,
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

fractions = st.fractions(min_value=-3, max_value=3, max_denominator=7)
floats = st.floats(min_value=-2.0, max_value=2.0, allow_nan=False)


def test_the_random_graphs_draw_every_way_of_the_table_of_rules():
    drawn = {(s.rule, s.method) for seed in range(10) for s in random_program(seed).steps}
    assert drawn == set(WAYS)


def dual_derivatives(program, xs):
    """∂root/∂x for each leaf x, by forward mode: one run over duals per leaf."""
    out = []
    for k in range(len(xs)):
        duals = [Dual(x, 1 if m == k else 0) for m, x in enumerate(xs)]
        out.append(run(program, duals)[-1].b)
    return out


def relu_margin(program, nodes):
    """Smallest |argument| of any relu (finite differences need it away from the kink)."""
    args = [nodes[s.i].data for s in program.steps if s.method == "relu"]
    return min((abs(float(a)) for a in args), default=math.inf)


@given(programs(EXACT_WAYS, INTEGER_CONSTANTS), st.lists(fractions, min_size=4, max_size=4))
def test_random_rational_graphs_match_forward_mode_exactly(program, xs):
    leaves = [Value(x) for x in xs[: program.leaves]]
    root = run(program, leaves)[-1]
    root.backward()
    assert [v.grad for v in leaves] == dual_derivatives(program, xs[: program.leaves])


@given(programs(), st.lists(floats, min_size=4, max_size=4))
def test_random_float_graphs_match_forward_mode_and_finite_differences(program, xs):
    xs = xs[: program.leaves]
    leaves = [Value(x) for x in xs]
    nodes = run(program, leaves)
    root = nodes[-1]
    assume(finite(nodes))
    root.backward()
    grads = [float(v.grad) for v in leaves]

    for g, d in zip(grads, dual_derivatives(program, xs)):
        assert math.isclose(g, d, rel_tol=1e-9, abs_tol=1e-9 * (1 + abs(root.data)))

    assume(relu_margin(program, nodes) > 1e-3)
    h = 1e-6
    for k, g in enumerate(grads):
        plus = [x + h if m == k else x for m, x in enumerate(xs)]
        minus = [x - h if m == k else x for m, x in enumerate(xs)]
        fd = (
            run(program, [Value(x) for x in plus])[-1].data
            - run(program, [Value(x) for x in minus])[-1].data
        ) / (2 * h)
        assert math.isclose(g, fd, rel_tol=1e-5, abs_tol=1e-5 * (1 + abs(root.data)))


# --------------------------------------------------------------------------------------------
# The fused backward and the order it reports


@given(programs(steps=(1, 40)), st.lists(floats, min_size=4, max_size=4))
def test_backward_visits_nodes_in_reverse_topological_order(program, xs):
    # Float sums depend on the order of their terms, so bit-identical gradients from a replay
    # in reverse_topological_order show that backward visits the nodes in that order.
    nodes = run(program, [Value(x) for x in xs[: program.leaves]])
    root = nodes[-1]
    root.backward()
    replay = replay_chain_rule(root, reverse_topological_order(root))
    for v in nodes:
        if id(v) in replay:
            assert float(v.grad).hex() == float(replay[id(v)]).hex()


def test_the_order_check_above_can_tell_orders_apart():
    # Replaying in another valid order (depth-first) changes some last bits.
    differs = 0
    for seed in range(40):
        root = random_graph(seed)[1][-1]
        a = replay_chain_rule(root, reverse_topological_order(root))
        b = replay_chain_rule(root, depth_first_order(root))
        assert a.keys() == b.keys()
        differs += any(float(a[k]).hex() != float(b[k]).hex() for k in a)
    assert differs > 0


@given(
    programs(EXACT_WAYS, INTEGER_CONSTANTS, steps=(1, 20)),
    st.lists(fractions, min_size=4, max_size=4),
)
def test_backward_is_exact_with_fractions_on_shared_subexpressions(program, xs):
    # Consumer counting must be right for x*x, diamonds and fan-in: with Fractions any valid
    # order gives the same exact gradients, so replay in an independent depth-first order.
    root = run(program, [Value(x) for x in xs[: program.leaves]])[-1]
    root.backward()
    order = depth_first_order(root)
    assert len(order) == len(reverse_topological_order(root))
    replay = replay_chain_rule(root, order)
    for v in order:
        assert v.grad == replay[id(v)]
        assert type(v.grad) in (int, Fraction)


def test_repeated_backward_recomputes_interior_and_accumulates_leaves():
    leaves, nodes = random_graph(7, number=Fraction, steps=20)
    root = nodes[-1]
    root.backward()
    first = [v.grad for v in nodes]
    reverse_topological_order(root)  # reading the order changes no gradient
    assert [v.grad for v in nodes] == first
    root.backward()
    for v, g in zip(nodes, first):
        assert v.grad == (2 * g if not v.inputs else g)


def test_backward_of_a_subgraph_after_the_whole_graph():
    x = Value(2.0)
    y = x * x  # inner root
    z = y * 3 + y
    z.backward()
    assert (x.grad, y.grad) == (16.0, 4.0)
    x.grad = 0
    y.backward()  # counts of the inner graph only
    assert (x.grad, y.grad) == (4.0, 1)
    z.backward()
    assert (x.grad, y.grad) == (20.0, 4.0)


class _Bomb(Fraction):
    """A Fraction whose product raises while armed (to interrupt a backward pass)."""

    armed = False

    def __mul__(self, other):
        if _Bomb.armed:
            raise RuntimeError("interrupted")
        return Fraction.__mul__(self, other)

    __rmul__ = __mul__


def test_an_interrupted_backward_leaves_the_graph_usable():
    def build():
        x = Value(_Bomb(3))
        y = Value(Fraction(2))
        h = x * y
        return x, y, (h + h) * h + y * 5

    x, y, E = build()
    _Bomb.armed = True
    try:
        with pytest.raises(RuntimeError, match="interrupted"):
            E.backward()
    finally:
        _Bomb.armed = False
    x.grad = y.grad = 0
    E.backward()  # the consumer counts were reset: a full, correct pass
    x2, y2, E2 = build()
    E2.backward()
    assert (x.grad, y.grad) == (x2.grad, y2.grad) == (4 * 3 * 4, 4 * 9 * 2 + 5)
    assert len(reverse_topological_order(E)) == len(reverse_topological_order(E2))


def replay_chain_rule(root: Value, order) -> dict[int, object]:
    """∂root/∂node for every node, applying the chain rule node by node in ``order``."""
    grads = {id(v): 0 for v in order}
    grads[id(root)] = 1
    for v in order:
        for u, d in zip(v.inputs, v.local_grads):
            grads[id(u)] += d * grads[id(v)]
    return grads


def depth_first_order(root: Value) -> list[Value]:
    """Another valid reverse topological order, found independently: reversed DFS postorder,
    a node's second input explored first (Kahn's walker takes the first first)."""
    post, seen, stack = [], set(), [(root, False)]
    while stack:
        v, children_done = stack.pop()
        if children_done:
            post.append(v)
        elif id(v) not in seen:
            seen.add(id(v))
            stack.append((v, True))
            stack.extend((u, False) for u in reversed(v.inputs) if id(u) not in seen)
    return post[::-1]


# --------------------------------------------------------------------------------------------
# One order: backward, the list and the trace


def chain_rule_over_the_list(root: Value) -> None:
    """backward(), written over the listed order."""
    order = reverse_topological_order(root)
    for v in order[1:]:
        v.grad = v.grad if not v.op else 0  # interior nodes start afresh, leaves accumulate
    root.grad = 1 if root.op else root.grad + 1
    for v in order:
        for u, local in zip(v.inputs, v.local_grads):
            u.grad += local * v.grad


@pytest.mark.parametrize("seed", range(8))
def test_backward_is_the_chain_rule_over_the_one_order_bit_for_bit(seed):
    leaves, nodes = random_graph(seed)
    root = nodes[-1]
    root.backward()
    fused = [x.grad for x in leaves]
    for x in leaves:
        x.grad = 0
    chain_rule_over_the_list(root)
    assert [float(g).hex() for g in fused] == [float(x.grad).hex() for x in leaves]


@pytest.mark.parametrize("seed", range(4))
def test_the_trace_follows_the_list(seed):
    leaves, nodes = random_graph(seed)
    root = nodes[-1]
    order = reverse_topological_order(root)
    trace = trace_backward(root)
    interior = [v for v in order if v.op]
    assert [s.node for s in trace.steps] == interior
    assert [x.grad for x in leaves] == [0] * len(leaves)  # the trace keeps its own records
    root.backward()
    assert [float(trace.grad(x)).hex() for x in leaves] == [float(x.grad).hex() for x in leaves]


# --------------------------------------------------------------------------------------------
# Bit for bit in every process

GRADIENT_BITS = textwrap.dedent(
    """
    import random
    from microbp import MLP, squared_error

    net = MLP([4, 7, 7, 3], activation="tanh", seed=3)
    rng = random.Random(5)
    total = None
    for _ in range(5):
        x = [rng.uniform(-1, 1) for _ in range(4)]
        y = [rng.uniform(-1, 1) for _ in range(3)]
        E = squared_error(y, net(x))
        total = E if total is None else total + E
    total.backward()
    print(" ".join(float(p.grad).hex() for p in net.parameters()))

    net = MLP([3, 5, 4, 2], activation="tanh", seed=3)
    X = [[0.1 * i, -0.2 * i, 0.3] for i in range(6)]
    E = squared_error([1.0, 0.0], net(X[0]))
    for x in X[1:]:
        E = E + squared_error([1.0, 0.0], net(x))
    E.backward()
    print(" ".join(p.grad.hex() for p in net.parameters()))
    """
)


@pytest.mark.slow
def test_gradients_are_bit_identical_across_processes_and_hash_seeds():
    outputs = set()
    for seed in ("0", "1", "2", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": ROOT}
        result = subprocess.run(
            [sys.executable, "-c", GRADIENT_BITS],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            cwd=ROOT,
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1
    first, second = outputs.pop().splitlines()
    assert len(first.split()) == 4 * 7 + 7 + 7 * 7 + 7 + 7 * 3 + 3
    assert len(second.split()) == (3 + 1) * 5 + (5 + 1) * 4 + (4 + 1) * 2
