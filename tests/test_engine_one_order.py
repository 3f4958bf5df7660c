"""The engine has one backward order (Kahn's algorithm): ``reverse_topological_order`` lists
it, the trace walks it, and ``backward`` applies the chain rule in it — applying the chain rule
over the list gives backward's gradients bit for bit, on random graphs with shared nodes."""

from __future__ import annotations

import random

import pytest

from microbp import Value, trace_backward
from microbp.engine import reverse_topological_order


def random_graph(seed: int, n_leaves: int = 5, n_ops: int = 60) -> tuple[Value, list[Value]]:
    """A random DAG: each op takes one or two earlier nodes (so nodes are shared)."""
    rng = random.Random(seed)
    leaves = [Value(rng.uniform(0.2, 1.5), label=f"x{k}") for k in range(n_leaves)]
    nodes = list(leaves)
    for _ in range(n_ops):
        u, v = rng.choice(nodes), rng.choice(nodes)
        kind = rng.randrange(6)
        if kind == 0:
            out = u + v
        elif kind == 1:
            out = u * v
        elif kind == 2:
            out = u - 0.5 * v
        elif kind == 3:
            out = u.tanh()
        elif kind == 4:
            out = u.sigmoid() * 2
        else:
            out = (u * u + 1).log()
        nodes.append(out)
    root = nodes[-1]
    for node in nodes[-10:-1]:
        root = root + node
    return root, leaves


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
    root, leaves = random_graph(seed)
    root.backward()
    fused = [x.grad for x in leaves]
    for x in leaves:
        x.grad = 0
    chain_rule_over_the_list(root)
    assert [x.grad for x in leaves] == fused  # == on floats: the same sums in the same order


@pytest.mark.parametrize("seed", range(4))
def test_the_trace_follows_the_list(seed):
    root, leaves = random_graph(seed)
    order = reverse_topological_order(root)
    trace = trace_backward(root)
    interior = [v for v in order if v.op]
    assert [s.node for s in trace.steps] == interior
    assert [x.grad for x in leaves] == [0] * len(leaves)  # the trace keeps its own records
    root.backward()
    assert [trace.grad(x) for x in leaves] == [x.grad for x in leaves]  # bit for bit
