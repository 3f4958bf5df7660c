"""Guards for the engine's design, without timing anything.

The benchmarks (benchmarks/engine_vs_micrograd.py) measure speed; these tests pin down the
properties that speed rests on, so it cannot silently rot: nodes use ``__slots__``, a graph
is freed by reference counting alone (no cycles for the garbage collector), constants are not
wrapped in nodes, no pass recurses, a node stays under 200 bytes (the issue's bar), backward
through a million-node chain works, and the fused backward visits nodes in exactly the order
:func:`reverse_topological_order` reports (so it is that one algorithm, not a copy).
"""

from __future__ import annotations

import gc
import os
import random
import subprocess
import sys
import tracemalloc
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from microbp import MLP, Value, numtypes, squared_error
from microbp.engine import reverse_topological_order
from tests.engine_rules import WAYS, build

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def random_graph(seed: int, n_ops: int = 60, number=float):
    """A random DAG with shared subexpressions (x*x, diamonds, fan-in), in creation order."""
    rng = random.Random(seed)
    leaves = [Value(number(rng.randint(1, 9)) / number(rng.randint(1, 9))) for _ in range(4)]
    nodes = list(leaves)
    for _ in range(n_ops):
        a = rng.choice(nodes[-8:])
        b = rng.choice(nodes)
        kind = rng.randrange(6)
        if kind == 0:
            nodes.append(a + b)
        elif kind == 1:
            nodes.append(a * b * number(1) / number(3))
        elif kind == 2:
            nodes.append(a - b)
        elif kind == 3:
            nodes.append(a * a)
        elif kind == 4:
            nodes.append(number(2) - a * number(1) / number(2))
        else:
            nodes.append(a.relu() + b)
    root = nodes[-1]
    for extra in nodes[len(leaves) : -1 : 5]:  # many consumers for the early nodes
        root = root + extra
    nodes.append(root)
    return leaves, nodes, root


def replay_chain_rule(root: Value, order) -> dict[int, object]:
    """∂root/∂node for every node, applying the chain rule node by node in ``order``."""
    grads = {id(v): 0 for v in order}
    grads[id(root)] = 1
    for v in order:
        for u, d in zip(v.inputs, v.local_grads):
            grads[id(u)] += d * grads[id(v)]
    return grads


def depth_first_order(root: Value) -> list[Value]:
    """Another valid reverse topological order, found independently: reversed DFS postorder."""
    post, seen, stack = [], set(), [(root, False)]
    while stack:
        v, children_done = stack.pop()
        if children_done:
            post.append(v)
        elif id(v) not in seen:
            seen.add(id(v))
            stack.append((v, True))
            stack.extend((u, False) for u in v.inputs if id(u) not in seen)
    return post[::-1]


def chain(n: int) -> tuple[Value, Value]:
    x = Value(1.0)
    v = x
    for k in range(n):
        v = v * 0.999 if k % 2 == 0 else v + 1.0
    return x, v


# --------------------------------------------------------------------------------------------
# Memory layout


def test_value_uses_slots_and_has_no_instance_dict():
    leaf = Value(1.0)
    node = leaf * leaf + 2
    for v in (leaf, node):
        assert not hasattr(v, "__dict__")
        with pytest.raises(AttributeError):
            v.anything_else = 1
    assert "__dict__" not in Value.__slots__


def every_kind_of_node(u: Value, v: Value, c=2) -> list[Value]:
    """A leaf and one node made by every method of the engine's table of rules."""
    return [u] + [build(rule, method, u, v, c) for rule, method in WAYS]


def test_every_kind_of_node_has_every_slot_set():
    # + and * fill their nodes in place, the other ops through _node: all the same.
    for node in every_kind_of_node(Value(0.5), Value(2.0)):
        for name in Value.__slots__:
            getattr(node, name)  # an unset slot would raise AttributeError
        assert node._pending == 0 and node.grad == 0 and node.label == ""


def test_ops_make_their_nodes_without_the_check_of_data(monkeypatch):
    # Assigning x.data is checked (numtypes.as_number for a float32); the ops' nodes are not.
    u, v = Value(np.float32(0.5)), Value(np.float32(2.0))
    checked = []
    real = numtypes.as_number
    monkeypatch.setattr(numtypes, "as_number", lambda x, where: checked.append(x) or real(x, where))
    every_kind_of_node(u, v)
    assert checked == []
    u.data = np.float32(0.25)
    assert checked == [np.float32(0.25)]


def test_a_node_takes_at_most_200_bytes():
    n = 20_000
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        x, v = chain(n)
        per_node = (tracemalloc.get_traced_memory()[0] - before) / n
    finally:
        tracemalloc.stop()
    assert per_node <= 200, f"{per_node:.0f} bytes per node"


def test_constants_are_kept_in_the_node_not_wrapped_in_nodes():
    x = Value(3.0)
    y = (x * 2 + 1) ** 2 / 4 - x  # nodes: x, x·2, +1, **2, /4, −x
    order = reverse_topological_order(y)
    assert len(order) == 6
    assert [v.constant for v in order if v.op in ("*", "+", "**", "/")] == [4, 2, 1, 2]
    assert all(type(u) is Value for v in order for u in v.inputs)


def mlp_node_count(sizes: list[int], activated: bool) -> int:
    """Nodes of a⁽ᴸ⁾ for one sample: inputs, parameters, and for each neuron of layer l
    n_{l−1} products, n_{l−1} − 1 sums, + bᵢ, and f (unless identity)."""
    count = sizes[0]
    for n_prev, n in zip(sizes, sizes[1:]):
        count += n * n_prev + n  # W⁽ˡ⁾ and b⁽ˡ⁾
        count += n * (n_prev + (n_prev - 1) + 1 + (1 if activated else 0))
    return count


@pytest.mark.parametrize("sizes", [[2, 3, 1], [3, 4, 4, 2]])
@pytest.mark.parametrize("activation", ["tanh", "identity"])
def test_mlp_graph_has_the_expected_number_of_nodes(sizes, activation):
    net = MLP(sizes, activation=activation, seed=0)
    out = net([0.5] * sizes[0])
    if len(out) == 1:
        n = len(reverse_topological_order(out[0]))
    else:
        n = len(reverse_topological_order(sum(out[1:], out[0])))
        n -= len(out) - 1  # the sum's own nodes
    assert n == mlp_node_count(sizes, activation != "identity")


def test_graph_is_freed_by_reference_counting_alone():
    def values_alive() -> int:
        return sum(1 for o in gc.get_objects() if type(o) is Value)

    net = MLP([3, 4, 2], activation="sigmoid", seed=0)
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()  # nothing below may be freed by the cycle collector
    try:
        before = values_alive()
        fw = net.forward([1.0, 0.5, -1.0])
        E = squared_error([1.0, 0.0], fw.output)
        E.backward()
        assert values_alive() > before + 30
        del fw, E
        assert values_alive() == before
        assert gc.collect() == 0  # and the collector finds nothing unreachable
    finally:
        if was_enabled:
            gc.enable()


# --------------------------------------------------------------------------------------------
# No recursion


DEEP_CHAIN = """
import math, sys
from microbp import Value
from microbp.engine import reverse_topological_order
n = 10**6
x = Value(1.0)
v = x
for k in range(n):
    v = v * 0.999 if k % 2 == 0 else v + 1.0
sys.setrecursionlimit(200)  # far below the depth of the graph
v.backward()
order = reverse_topological_order(v)
assert len(order) == n + 1, len(order)
assert order[0] is v and order[-1] is x
assert math.isclose(x.grad, 0.999 ** (n // 2), rel_tol=1e-9), x.grad  # n/2 factors on the way
print("ok")
"""


@pytest.mark.slow
def test_backward_and_order_through_a_million_node_chain_need_no_recursion():
    # A subprocess: a million nodes are ~200 MB, returned to the system when it exits.
    # (Merged: the 10⁶-node backward of tests/test_engine_backward.py and this file's 10⁵-node
    # backward + reverse_topological_order with the recursion limit at 200.)
    result = subprocess.run(
        [sys.executable, "-c", DEEP_CHAIN],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=ROOT),
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok"


# --------------------------------------------------------------------------------------------
# The fused backward and the order it reports


@given(st.integers(0, 10**9))
def test_backward_visits_nodes_in_reverse_topological_order(seed):
    # Float sums depend on the order of their terms, so bit-identical gradients from a replay
    # in reverse_topological_order show that backward visits the nodes in that order.
    leaves, nodes, root = random_graph(seed)
    root.backward()
    replay = replay_chain_rule(root, reverse_topological_order(root))
    for v in nodes:
        if id(v) in replay:
            assert float(v.grad).hex() == float(replay[id(v)]).hex()


def test_the_order_check_above_can_tell_orders_apart():
    # Replaying in another valid order (depth-first) changes some last bits.
    differs = 0
    for seed in range(40):
        _, _, root = random_graph(seed)
        a = replay_chain_rule(root, reverse_topological_order(root))
        b = replay_chain_rule(root, depth_first_order(root))
        assert a.keys() == b.keys()
        differs += any(float(a[k]).hex() != float(b[k]).hex() for k in a)
    assert differs > 0


@given(st.integers(0, 10**9))
def test_backward_is_exact_with_fractions_on_shared_subexpressions(seed):
    # Consumer counting must be right for x*x, diamonds and fan-in: with Fractions any valid
    # order gives the same exact gradients, so replay in an independent depth-first order.
    _, _, root = random_graph(seed, number=Fraction)
    root.backward()
    order = depth_first_order(root)
    assert len(order) == len(reverse_topological_order(root))
    replay = replay_chain_rule(root, order)
    for v in order:
        assert v.grad == replay[id(v)]
        assert type(v.grad) in (int, Fraction)


def test_repeated_backward_recomputes_interior_and_accumulates_leaves():
    leaves, nodes, root = random_graph(7, number=Fraction)
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
