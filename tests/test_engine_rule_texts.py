"""Every derivative rule the engine shows (traces, diagrams) is evaluated and compared with
the local derivative the op computed, so a wrong text fails a test. The ops come from the
engine's one table of rules (``microbp.engine.RULES``), each made by every method that makes it."""

from __future__ import annotations

import inspect

import pytest

from microbp import Value
from microbp.engine import RULES, derivative_rules
from tests.engine_rules import WAYS, build, evaluate, form, right_side, way_id

U, V, C = 0.7, 1.3, 2.5


def _node(rule, method, u=U):
    return build(rule, method, Value(u), Value(V), C)


def test_every_method_that_makes_a_node_is_in_the_table_of_rules():
    made = set()
    for name, f in vars(Value).items():
        if not inspect.isfunction(f) or name in ("__init__", "__radd__", "__rmul__"):
            continue  # (__radd__ is __add__ and __rmul__ is __mul__: c + u = u + c)
        takes_operand = len(inspect.signature(f).parameters) == 2
        for other in [Value(V), C] if takes_operand else [None]:
            try:
                out = f(Value(U), other) if takes_operand else f(Value(U))
            except TypeError:
                continue  # __radd__ & co. take constants (Python calls __add__ for two Values)
            if isinstance(out, Value) and out.inputs:
                made.add((name, len(out.inputs)))
    assert made == {(method, len(rule.texts)) for rule, method in WAYS}


@pytest.mark.parametrize("rule, method", WAYS, ids=[way_id(*w) for w in WAYS])
@pytest.mark.parametrize("u", [U, -U])
def test_a_rule_text_gives_the_value_and_local_derivatives_the_op_computed(rule, method, u):
    if rule.op in ("log", "**") and u < 0:
        pytest.skip("log and a non-integer power need u > 0")
    node = _node(rule, method, u)
    assert node.op == rule.op and derivative_rules(node) == rule.texts
    c = node.constant
    assert evaluate(form(rule), u=u, v=V, c=c) == pytest.approx(node.data, rel=1e-12)
    for text, local in zip(rule.texts, node.local_grads, strict=True):
        assert evaluate(right_side(text), u=u, v=V, c=c) == pytest.approx(local, rel=1e-12), text


WRONG = {
    "sign of ∂(u/v)/∂v": ("u/v²", ("/", 2), 1),
    "σ′ with a wrong sign": ("σ(u)(1 + σ(u))", ("sigmoid", 1), 0),
    "tanh′ with a wrong sign": ("1 + tanh²u", ("tanh", 1), 0),
    "rpow without ln c": ("cᵘ", ("rpow", 1), 0),
}


@pytest.mark.parametrize("text, key, k", WRONG.values(), ids=WRONG.keys())
def test_a_wrong_rule_text_would_fail(text, key, k):
    rule = RULES[key]
    node = _node(rule, rule.methods[0])
    got = evaluate(text, u=U, v=V, c=node.constant)
    assert got != pytest.approx(node.local_grads[k], rel=1e-12)
