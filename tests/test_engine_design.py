"""Guards for the engine's design, without timing anything.

The benchmarks (benchmarks/engine_vs_micrograd.py) measure speed; these tests pin down the
properties that speed rests on, so it cannot silently rot: nodes use ``__slots__``, a graph
is freed by reference counting alone (no cycles for the garbage collector), constants are not
wrapped in nodes, no pass recurses, a node stays under 200 bytes, backward through a
million-node chain works. (That the fused backward is the one order walker, bit for bit:
tests/test_engine_backward.py.)

One test reads the private slot ``_pending`` (the walker's consumer count) through
``Value.__slots__``: a guard on the memory layout has to name every slot.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest

from microbp import MLP, Value, numtypes, squared_error
from microbp.engine import reverse_topological_order
from tests.engine_rules import WAYS, build

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


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
    # A subprocess: a million nodes are ~200 MB, returned to the system when it exits; backward
    # and reverse_topological_order run with the recursion limit at 200.
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
