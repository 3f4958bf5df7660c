"""Every kind of node the engine makes, read from its one table of rules (``microbp.engine.RULES``):
the tests build their op lists here, never by hand, and read the rule texts as formulas."""

from __future__ import annotations

import math
import re

from microbp import Value
from microbp.activations import sigmoid, softplus
from microbp.engine import RULES, Rule

#: (rule, method) for every Value method that makes a node, e.g. (the rule of u·v, "__mul__").
WAYS = [(rule, method) for rule in RULES.values() for method in rule.methods]


def way_id(rule: Rule, method: str) -> str:
    """A test id: the method and what it takes, e.g. ``__mul__(v)``, ``__mul__(c)``, ``tanh()``."""
    return f"{method}({'v' if len(rule.texts) == 2 else 'c' if rule.constant else ''})"


def build(rule: Rule, method: str, u: Value, v: Value | None = None, c=None) -> Value:
    """The node ``method`` makes from u (and the Value v, or the constant c)."""
    if len(rule.texts) == 2:
        return getattr(u, method)(v)
    return getattr(u, method)(c) if rule.constant else getattr(u, method)()


def form(rule: Rule) -> str:
    """The node's value as a formula of u, v and c, read off the rule's first text."""
    text = rule.texts[0].split("/∂", 1)[0][1:]
    return text[1:-1] if text.startswith("(") and text.endswith(")") else text


#: The methods that take a constant operand: u + c, c + u, c − u, u ** c, c ** u, …
CONSTANT_METHODS = [method for rule, method in WAYS if rule.constant]

# Unicode maths of the rule texts → Python, longest patterns first.
_TRANSLATE = [
    ("tanh²u", "tanh(u)**2"),
    ("tanh u", "tanh(u)"),
    ("σ(u)", "sigmoid(u)"),
    ("ln u", "log(u)"),
    ("ln c", "log(c)"),
    ("uᵛ⁻¹", "u**(v-1)"),
    ("uᶜ⁻¹", "u**(c-1)"),
    ("uᵛ", "u**v"),
    ("uᶜ", "u**c"),
    ("cᵘ", "c**u"),
    ("eᵘ", "exp(u)"),
    ("v²", "v**2"),
    ("u²", "u**2"),
    ("·", "*"),
    ("−", "-"),
]

FLOAT_FUNCTIONS = {
    "exp": math.exp,
    "log": math.log,
    "tanh": math.tanh,
    "sigmoid": sigmoid,
    "softplus": softplus,
    "relu": lambda u: max(u, 0),
}


def evaluate(formula: str, functions=None, **names):
    """The value of a formula of a rule text (``u/c``, ``σ(u)(1 − σ(u))``) at ``names``."""
    for text, python in _TRANSLATE:
        formula = formula.replace(text, python)
    formula = formula.replace(")(", ")*(")
    if re.search(r"[^\sA-Za-z0-9_().*+\-/<>=]", formula):
        raise ValueError(f"cannot read {formula!r}")
    scope = {**(FLOAT_FUNCTIONS if functions is None else functions), **names}
    return eval(formula, {"__builtins__": {}}, scope)  # noqa: S307


def right_side(rule_text: str) -> str:
    """``v`` from ``∂(u·v)/∂u = v``."""
    return rule_text.rsplit(" = ", 1)[1]
