"""The one random-graph generator of the tests, over every op of the engine's table of rules.

A :class:`Program` is a number of leaves and a list of steps; each step makes a node with one
of the ways of :data:`tests.engine_rules.WAYS` (every method of every rule of
``microbp.engine.RULES``) from two earlier nodes, so nodes are shared (x·x, diamonds, fan-in)
and a new op in the table is drawn without any change here. :func:`run` executes a program on
any number type with the Value interface: Values, forward-mode duals (tests/dual.py), SymPy
expressions (with SymPy's own functions), plain numbers.

:func:`programs` is the hypothesis strategy; :func:`random_program` the same generator driven
by a seed, for the tests that need many fixed graphs at once. :func:`net_sample_loss` is
the one strategy for whole nets: every activation, every loss, softmax outputs, with a sample
that suits the loss.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from fractions import Fraction

from hypothesis import strategies as st

from microbp import MLP, Value
from microbp.activations import ACTIVATIONS
from microbp.engine import Rule
from tests.engine_rules import WAYS

#: The constants of the steps that take one (u + c, c·u, u/c, uᶜ, cᵘ, …); none is 0.
CONSTANTS = (2, 3, -2, Fraction(1, 2), Fraction(-2, 3))
#: The same, integers only: with Fraction leaves every exact op stays exact.
INTEGER_CONSTANTS = (2, 3, -2)


def positive(u):
    """u·u + 1 ≥ 1: where an op is undefined at 0 or below."""
    return u * u + 1


def bounded(u, functions=None):
    """tanh u ∈ (−1, 1): an exponent, or the argument of exp, that cannot overflow."""
    return functions["tanh"](u) if functions else u.tanh()


def positive_constant(c):
    return abs(c)


#: The one thing the table of rules does not say: where an op is undefined or overflows.
#: (op, number of Value inputs) → what each of u, v and c is given first; an op not listed
#: takes its inputs as they are.
GUARDS = {
    ("/", 2): (None, positive, None),  # u/v: v ≠ 0
    ("rdiv", 1): (positive, None, None),  # c/u: u ≠ 0
    ("**", 2): (positive, bounded, None),  # uᵛ: u > 0, v small
    ("**", 1): (positive, None, None),  # uᶜ: u > 0 for c = ½, u ≠ 0 for c < 0
    ("rpow", 1): (bounded, None, positive_constant),  # cᵘ: c > 0, u small
    ("exp", 1): (bounded, None, None),
    ("log", 1): (positive, None, None),
}


@dataclass(frozen=True)
class Step:
    """Node ``len(nodes)`` = ``method`` of ``rule`` on nodes[i] (and nodes[j], or c)."""

    rule: Rule
    method: str
    i: int
    j: int
    c: object

    def reads(self) -> tuple[int, ...]:
        """The indices of the nodes the step reads."""
        return (self.i, self.j) if len(self.rule.texts) == 2 else (self.i,)

    def __repr__(self) -> str:
        arg = (
            f"n{self.j}"
            if len(self.rule.texts) == 2
            else repr(self.c)
            if self.rule.constant
            else ""
        )
        return f"n{self.i}.{self.method}({arg})"


@dataclass(frozen=True)
class Program:
    leaves: int
    steps: tuple[Step, ...]


def _program(integer, ways, constants, max_leaves, steps) -> Program:
    """A program whose every choice is ``integer(lo, hi)`` (hypothesis's or a Random's)."""
    n = integer(1, max_leaves)
    out = []
    for k in range(integer(*steps)):
        rule, method = ways[integer(0, len(ways) - 1)]
        i, j = integer(0, n + k - 1), integer(0, n + k - 1)
        out.append(Step(rule, method, i, j, constants[integer(0, len(constants) - 1)]))
    return Program(n, tuple(out))


def programs(ways=WAYS, constants=CONSTANTS, max_leaves=4, steps=(1, 10)):
    """The hypothesis strategy: a random program over ``ways`` (all of the table's by default)
    with between ``steps[0]`` and ``steps[1]`` steps."""

    @st.composite
    def draw_program(draw):
        return _program(
            lambda lo, hi: draw(st.integers(lo, hi)), ways, constants, max_leaves, steps
        )

    return draw_program()


def random_program(seed: int, ways=WAYS, constants=CONSTANTS, max_leaves=4, steps=(60, 60)):
    """The same generator driven by ``random.Random(seed)``."""
    return _program(random.Random(seed).randint, ways, constants, max_leaves, steps)


def run(program: Program, leaves, functions=None) -> list:
    """Every node of ``program`` over ``leaves``, in creation order; the last is the root: the
    sum of the nodes no step reads (or the one such node), so that every node is used.
    ``functions`` maps the named methods (``exp``, ``tanh``, …) to functions, for number types
    that do not have them as methods (SymPy expressions)."""
    nodes = list(leaves)
    for step in program.steps:
        guard_u, guard_v, guard_c = GUARDS.get((step.rule.op, len(step.rule.texts)), (None,) * 3)
        u, v, c = nodes[step.i], nodes[step.j], step.c
        u = _guarded(guard_u, u, functions)
        v = _guarded(guard_v, v, functions)
        c = guard_c(c) if guard_c else c
        if len(step.rule.texts) == 2:
            node = getattr(u, step.method)(v)
        elif step.rule.constant:
            node = getattr(u, step.method)(c)
        elif functions is not None and not step.method.startswith("__"):
            node = functions[step.method](u)
        else:
            node = getattr(u, step.method)()
        nodes.append(node)
    used = {k for step in program.steps for k in step.reads()}
    sinks = [node for k, node in enumerate(nodes) if k not in used]
    if len(sinks) > 1:
        nodes.append(sum(sinks[1:], sinks[0]))
    return nodes


def _guarded(guard, u, functions):
    if guard is None:
        return u
    return guard(u, functions) if guard is bounded else guard(u)


def finite(nodes) -> bool:
    """Every node's value a finite float under 10⁶ in size (for comparisons with a tolerance)."""
    values = [float(v.data if isinstance(v, Value) else v) for v in nodes]
    return all(math.isfinite(x) and abs(x) < 1e6 for x in values)


def _keeps_fractions_exact(rule: Rule, method: str) -> bool:
    step = Step(rule, method, 0, 1, 2)
    nodes = run(Program(2, (step,)), [Value(Fraction(1, 3)), Value(Fraction(3, 2))])
    node = nodes[2]  # the step's node (then the root, if other nodes are unread)
    return all(isinstance(x, (int, Fraction)) for x in (node.data, *node.local_grads))


#: The ways whose nodes stay Fractions when their inputs are (u·v, u/c, relu, uᶜ for an
#: integer c, …), found by trying each once: the exact programs over Fractions draw these.
EXACT_WAYS = [way for way in WAYS if _keeps_fractions_exact(*way)]


def random_graph(seed: int, number=float, steps: int = 60):
    """A fixed graph for seeded tests: (its leaves, every node with the root last), with leaf
    values p/q (1 ≤ p, q ≤ 9) of type ``number`` and integer constants when they are Fractions."""
    rng = random.Random(seed)
    constants = INTEGER_CONSTANTS if number is Fraction else CONSTANTS
    ways = EXACT_WAYS if number is Fraction else WAYS
    program = random_program(seed, ways, constants, steps=(steps, steps))
    leaves = [
        Value(number(rng.randint(1, 9)) / number(rng.randint(1, 9))) for _ in range(program.leaves)
    ]
    return leaves, run(program, leaves)


# --------------------------------------------------------------------------------------------
# Whole nets

HIDDEN = sorted(ACTIVATIONS)
#: The losses each output layer can take.
LOSSES_FOR = {
    "sigmoid": ["squared_error", "binary_cross_entropy"],
    "softmax": ["squared_error", "cross_entropy"],
}


@st.composite
def net_sample_loss(draw, max_layers: int = 4, max_width: int = 4):
    """(net, x, y, loss): sizes of 2…max_layers layers, one activation per layer (the output
    may be softmax), random float weights (xavier or small), x ∈ [−3, 3], y valid for loss."""
    L = draw(st.integers(2, max_layers))
    sizes = [draw(st.integers(1, max_width)) for _ in range(L)]
    acts = [draw(st.sampled_from(HIDDEN)) for _ in range(L - 1)]
    if sizes[-1] >= 2 and draw(st.booleans()):
        acts[-1] = "softmax"
    net = MLP(
        sizes,
        activation=acts,
        seed=draw(st.integers(0, 10_000)),
        init=draw(st.sampled_from(["small", "xavier", "he"])),
    )
    x = draw(st.lists(st.floats(-3, 3), min_size=sizes[0], max_size=sizes[0]))
    loss = draw(st.sampled_from(LOSSES_FOR.get(acts[-1], ["squared_error"])))
    n_L = sizes[-1]
    if loss == "cross_entropy":
        w = draw(st.lists(st.floats(0.01, 1), min_size=n_L, max_size=n_L))
        y = [v / sum(w) for v in w]
    else:
        y = draw(st.lists(st.floats(0, 1), min_size=n_L, max_size=n_L))
    return net, x, y, loss
