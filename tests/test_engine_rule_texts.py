"""Every derivative rule the engine shows (traces, diagrams) is evaluated and compared with
the local derivative the op computed, so a wrong text fails a test."""

from __future__ import annotations

import math
import re

import pytest

from microbp import Value
from microbp.activations import sigmoid
from microbp.engine import _RULES_ONE_INPUT, _RULES_TWO_INPUTS, derivative_rules

U, V, C = 0.7, 1.3, 2.5

# Unicode maths of the rule texts → Python, longest patterns first.
_TRANSLATE = [
    ("tanh²u", "tanh(u)**2"),
    ("σ(u)", "sigmoid(u)"),
    ("uᵛ⁻¹", "u**(v-1)"),
    ("uᶜ⁻¹", "u**(c-1)"),
    ("uᵛ", "u**v"),
    ("cᵘ", "c**u"),
    ("eᵘ", "exp(u)"),
    ("v²", "v**2"),
    ("u²", "u**2"),
    ("ln u", "log(u)"),
    ("ln c", "log(c)"),
    ("·", "*"),
    ("−", "-"),
]


def evaluate(rule: str, u: float, v: float | None, c: float | None) -> float:
    """The right-hand side of ``rule`` at u, v, c."""
    rhs = rule.rsplit(" = ", 1)[1]
    for text, python in _TRANSLATE:
        rhs = rhs.replace(text, python)
    rhs = rhs.replace(")(", ")*(")
    if re.search(r"[^\sA-Za-z0-9_().*+\-/<>=]", rhs):
        raise ValueError(f"cannot read {rule!r} (left: {rhs!r})")
    names = {"u": u, "v": v, "c": c, "exp": math.exp, "log": math.log, "tanh": math.tanh}
    return eval(rhs, {"__builtins__": {}}, {**names, "sigmoid": sigmoid})  # noqa: S307


# op → (the node, its constant operand or None); u = U, v = V, c = C
TWO = {
    "+": lambda u, v: u + v,
    "-": lambda u, v: u - v,
    "*": lambda u, v: u * v,
    "/": lambda u, v: u / v,
    "**": lambda u, v: u**v,
}
ONE = {
    "+": lambda u: u + C,
    "-": lambda u: u - C,
    "*": lambda u: C * u,
    "/": lambda u: u / C,
    "**": lambda u: u**C,
    "rsub": lambda u: C - u,
    "rdiv": lambda u: C / u,
    "rpow": lambda u: C**u,
    "neg": lambda u: -u,
    "exp": lambda u: u.exp(),
    "log": lambda u: u.log(),
    "tanh": lambda u: u.tanh(),
    "sigmoid": lambda u: u.sigmoid(),
    "relu": lambda u: u.relu(),
    "softplus": lambda u: u.softplus(),
}


def test_every_rule_of_the_engine_is_checked_here():
    assert set(TWO) == set(_RULES_TWO_INPUTS)
    assert set(ONE) == set(_RULES_ONE_INPUT)


@pytest.mark.parametrize("op", TWO)
def test_a_two_input_rule_text_gives_the_local_derivatives_the_op_computed(op):
    node = TWO[op](Value(U), Value(V))
    assert node.op == op
    for rule, local in zip(derivative_rules(node), node.local_grads):
        assert evaluate(rule, U, V, None) == pytest.approx(local, rel=1e-12), rule


@pytest.mark.parametrize("op", ONE)
@pytest.mark.parametrize("u", [U, -U])
def test_a_one_input_rule_text_gives_the_local_derivative_the_op_computed(op, u):
    if op in ("log", "**") and u < 0:
        pytest.skip("log and a non-integer power need u > 0")
    node = ONE[op](Value(u))
    assert node.op == op
    (rule,) = derivative_rules(node)
    (local,) = node.local_grads
    c = node.constant if node.constant is not None else C
    assert evaluate(rule, u, None, c) == pytest.approx(local, rel=1e-12), rule


WRONG = {
    "sign of ∂(u/v)/∂v": ("∂(u/v)/∂v = u/v²", "/", 1),
    "σ′ with a wrong sign": ("∂σ(u)/∂u = σ(u)(1 + σ(u))", "sigmoid", 0),
    "tanh′ with a wrong sign": ("∂(tanh u)/∂u = 1 + tanh²u", "tanh", 0),
    "rpow without ln c": ("∂(cᵘ)/∂u = cᵘ", "rpow", 0),
}


@pytest.mark.parametrize("rule, op, k", WRONG.values(), ids=WRONG.keys())
def test_a_wrong_rule_text_would_fail(rule, op, k):
    if op in TWO:
        node = TWO[op](Value(U), Value(V))
        got = evaluate(rule, U, V, None)
    else:
        node = ONE[op](Value(U))
        got = evaluate(rule, U, None, node.constant if node.constant is not None else C)
    assert got != pytest.approx(node.local_grads[k], rel=1e-12)
