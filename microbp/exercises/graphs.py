"""The exercises' graphs, built by the engine on symbols: each returns a
:class:`~microbp.exercises.kinds.Setting` (the truth, and every name an answer may use as
its node's formula in the leaf symbols).

The nets are the tutorial's Figure 1 (3 inputs, 3 hidden neurons, 2 outputs, f = σ), cut
where the exercise starts: for BP-2 the hidden layer's z⁽²⁾ and the next layer's δ⁽³⁾ are
free symbols and the root is Σⱼ δⱼ⁽³⁾ zⱼ⁽³⁾, whose gradient at z⁽³⁾ is δ⁽³⁾ whatever the
layers above compute (as in :func:`microbp.symbolic.prove_layers`).
"""

from __future__ import annotations

import numpy as np

from microbp import data, losses, names
from microbp.activations import ACTIVATIONS
from microbp.engine import Value
from microbp.exercises.functions import Case
from microbp.exercises.kinds import Setting
from microbp.nn import MLP, Neuron, softmax
from microbp.symbolic import symbol, weighted_sum

SIGMOID = ACTIVATIONS["sigmoid"]
IDENTITY = ACTIVATIONS["identity"]


class _Graph:
    """The named nodes of one exercise's graph."""

    def __init__(self) -> None:
        self.nodes: dict = {}

    def leaf(self, name) -> Value:
        text = format(name, "plain") if isinstance(name, names.Name) else name
        return self.node(name, Value(symbol(text), label=text))

    def node(self, name, value):
        self.nodes[name] = value
        return value

    def leaves(self, make, n: int) -> list[Value]:
        return [self.leaf(make(i)) for i in range(1, n + 1)]

    def setting(self, truth, shown) -> Setting:
        symbols = {k: v.data if isinstance(v, Value) else v for k, v in self.nodes.items()}
        return Setting(truth, symbols, tuple(shown))


def _layer(g: _Graph, l: int, a_prev: list[Value], n: int, f=SIGMOID) -> tuple[list, list]:
    """Layer l of the tutorial's net on a⁽ˡ⁻¹⁾: leaf weights and biases, named z- and a-nodes."""
    k = len(a_prev)
    W = [g.leaves(lambda j, i=i: names.w(l, i, j), k) for i in range(1, n + 1)]
    b = g.leaves(lambda i: names.b(l, i), n)
    z = [g.node(names.z(l, i + 1), Neuron(W[i], b[i], IDENTITY).z(a_prev)) for i in range(n)]
    a = [g.node(names.a(l, i + 1), getattr(zi, f.name)()) for i, zi in enumerate(z)]
    return z, a


def _inputs(g: _Graph) -> list[Value]:
    x = g.leaves(names.x, 3)
    for j, xj in enumerate(x, 1):
        g.node(names.a(1, j), xj)  # a⁽¹⁾ = x
    return x


def forward_z() -> Setting:
    """z₁⁽²⁾ from x, W⁽²⁾ and b⁽²⁾ (the forward pass; the z-names are not given)."""
    g = _Graph()
    x = _inputs(g)
    z, _ = _layer(g, 2, x, 3)
    for i in (1, 2, 3):
        del g.nodes[names.z(2, i)]
    shown = [names.x(1), names.x(2), names.x(3), names.w(2, 1, 1), names.w(2, 1, 2)]
    return g.setting(z[0].data, shown + [names.w(2, 1, 3), names.b(2, 1)])


def cost_gradient() -> Setting:
    """∂E/∂a₁⁽³⁾ for E = ½‖y − a⁽³⁾‖², a⁽³⁾ and y free."""
    g = _Graph()
    a = g.leaves(lambda i: names.a(3, i), 2)
    y = g.leaves(names.y, 2)
    losses.squared_error([v.data for v in y], a).backward()
    return g.setting(a[0].grad, [names.a(3, 1), names.y(1)])


def _scalar(activation: str, loss=None) -> tuple[_Graph, Value]:
    """One neuron z → a = f(z), with its cost ½(y − a)² (or ``loss`` on z) when given."""
    g = _Graph()
    z = g.leaf("z")
    a = g.node("a", getattr(z, activation)())
    if loss is not None:
        y = g.leaf("y")
        (
            losses.squared_error([y.data], [a]) if loss == "squared_error" else loss([y.data], [z])
        ).backward()
    else:
        a.backward()
    return g, z


def bp1() -> Setting:
    g, z = _scalar("sigmoid", "squared_error")
    return g.setting(z.grad, ["a", "y"])


def bce_sigmoid() -> Setting:
    g, z = _scalar("sigmoid", losses.binary_cross_entropy)
    return g.setting(z.grad, ["a", "y"])


def derivative(activation: str) -> Setting:
    """f′(z) of the engine's rule, for f = ``activation``."""
    g, z = _scalar(activation)
    return g.setting(z.grad, ["a", "z"] if activation != "softplus" else ["z"])


def output_weight() -> Setting:
    """∂E/∂w₁₁⁽³⁾ with a⁽²⁾ free and E = ½‖y − a⁽³⁾‖²."""
    g = _Graph()
    a2 = g.leaves(lambda i: names.a(2, i), 3)
    _, a3 = _layer(g, 3, a2, 2)
    y = g.leaves(names.y, 2)
    losses.squared_error([v.data for v in y], a3).backward()
    for i in (1, 2):  # ask for ∂E/∂w, not for z
        del g.nodes[names.z(3, i)]
    truth = g.nodes[names.w(3, 1, 1)].grad
    return g.setting(truth, [names.a(3, 1), names.y(1), names.a(2, 1)])


def ce_softmax() -> Setting:
    """δ₁⁽³⁾ of a softmax output with E = −Σₖ yₖ ln aₖ, y a probability row (y₃ = 1 − y₁ − y₂)."""
    g = _Graph()
    z = g.leaves(lambda i: names.z(3, i), 3)
    for i, ai in enumerate(softmax(z), 1):
        g.node(names.a(3, i), ai)
    y1, y2 = g.leaf(names.y(1)), g.leaf(names.y(2))
    y3 = g.node(names.y(3), 1 - y1.data - y2.data)
    losses.cross_entropy([y1.data, y2.data, y3], z).backward()
    return g.setting(z[0].grad, [names.a(3, 1), names.y(1)])


def bp2() -> Setting:
    """δ₁⁽²⁾ with z⁽²⁾ and δ⁽³⁾ free: the root is Σⱼ δⱼ⁽³⁾ zⱼ⁽³⁾."""
    g = _Graph()
    z2 = g.leaves(lambda i: names.z(2, i), 3)
    a2 = [g.node(names.a(2, i + 1), zi.sigmoid()) for i, zi in enumerate(z2)]
    z3, _ = _layer(g, 3, a2, 2)
    delta3 = g.leaves(lambda j: names.delta(3, j), 2)
    weighted_sum(z3, delta3).backward()
    shown = [names.w(3, 1, 1), names.w(3, 2, 1), names.delta(3, 1), names.delta(3, 2)]
    return g.setting(z2[0].grad, shown + [names.a(2, 1)])


def bp34(which: str) -> Setting:
    """∂E/∂w₁₂⁽²⁾ (``"w"``) or ∂E/∂b₁⁽²⁾ (``"b"``) with δ⁽²⁾ free: the root is Σᵢ δᵢ⁽²⁾ zᵢ⁽²⁾."""
    g = _Graph()
    x = _inputs(g)
    z2, _ = _layer(g, 2, x, 3)
    delta2 = g.leaves(lambda i: names.delta(2, i), 3)
    g.leaves(lambda j: names.delta(3, j), 2)  # named, for the wrong layer's δ
    weighted_sum(z2, delta2).backward()
    if which == "w":
        return g.setting(g.nodes[names.w(2, 1, 2)].grad, [names.delta(2, 1), names.x(2)])
    return g.setting(g.nodes[names.b(2, 1)].grad, [names.delta(2, 1)])


# --------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------


def chain_rule_graph() -> dict[str, Value]:
    """L = (a·b + c)·f at a = 2, b = −3, c = 10, f = −2, after L.backward()."""
    a, b, c, f = Value(2.0, "a"), Value(-3.0, "b"), Value(10.0, "c"), Value(-2.0, "f")
    e = a * b
    d = e + c
    L = d * f
    L.backward()
    return {"a": a, "b": b, "c": c, "f": f, "e": e, "d": d, "L": L}


def chain_rule() -> float:
    return chain_rule_graph()["a"].grad


def chain_rule_values() -> dict:
    return {k: v.data for k, v in chain_rule_graph().items()}


def _backward(net: MLP, x, y):
    """One sample's forward pass and E = ½‖y − a⁽ᴸ⁾‖², after E.backward(): the forward record."""
    fw = net.forward(x)
    losses.squared_error(y, fw.output).backward()
    return fw


def _tutorial():
    ex = data.tutorial_example()
    net = ex.net()
    return net, _backward(net, ex.x, ex.y)


def tutorial_delta() -> float:
    """δ₁⁽²⁾ of the tutorial's worked example: the gradient of the z-node z₁⁽²⁾."""
    return _tutorial()[1].z[2][0].grad


def tutorial_values() -> dict:
    """Every name of the worked example with its number (for the mistakes' formulas)."""
    net, fw = _tutorial()
    out = {}
    for l in (2, 3):
        for i, (zi, ai) in enumerate(zip(fw.z[l], fw.a[l]), 1):
            out[names.z(l, i)], out[names.a(l, i)] = zi.data, ai.data
            out[names.delta(l, i)] = zi.grad
            out[names.b(l, i)] = net.bias(l, i).data
            for j in range(1, net.sizes[l - 2] + 1):
                out[names.w(l, i, j)] = net.w(l, i, j).data
    return out


def sigma_bound() -> float:
    """The largest value of the engine's σ′: at its stationary points (SymPy solves
    d σ′/dz = 0 on the engine's formula), checked against a grid."""
    import sympy

    z = Value(symbol("z"))
    z.sigmoid().backward()
    df = z.grad
    points = sympy.solve(sympy.diff(df, z.data), z.data)
    best = max(float(df.subs(z.data, p)) for p in points)
    grid = []
    for t in np.linspace(-10, 10, 2001):
        v = Value(float(t))
        v.sigmoid().backward()
        grid.append(v.grad)
    return max(best, max(grid))


# --------------------------------------------------------------------------------------------
# Random nets for the function exercises: the graph's gradients (E.backward())
# --------------------------------------------------------------------------------------------


def _random_net(rng: np.random.Generator, least_layers: int) -> tuple[MLP, list, list]:
    L = int(rng.integers(least_layers, 6))
    sizes = [int(n) for n in rng.integers(1, 7, size=L)]
    net = MLP(sizes, "sigmoid", seed=int(rng.integers(1 << 30)), init="xavier")
    x = rng.uniform(-1, 1, size=sizes[0]).tolist()
    y = rng.uniform(0, 1, size=sizes[-1]).tolist()
    return net, x, y


def _random_samples(count: int, seed: int, least_layers: int):
    """``count`` random sigmoid nets, each with one sample after E.backward():
    ``(rng, net, x, fw)``; the caller draws its layer from the same ``rng``."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        net, x, y = _random_net(rng, least_layers)
        yield rng, net, x, _backward(net, x, y)


def _numbers(rows) -> np.ndarray:
    return np.array([[v.data for v in row] for row in rows])


def bp2_cases(count: int, seed: int = 19) -> list[Case]:
    """``(W⁽ˡ⁺¹⁾, δ⁽ˡ⁺¹⁾, a⁽ˡ⁾)`` → δ⁽ˡ⁾ of random sigmoid nets, l a random hidden layer."""
    cases = []
    for rng, net, _, fw in _random_samples(count, seed, 3):
        l = int(rng.integers(2, net.L))
        args = [
            _numbers(net.W(l + 1)),
            np.array(fw.delta(l + 1)),
            np.array([a.data for a in fw.a[l]]),
        ]
        cases.append(Case(args, np.array(fw.delta(l)), f"net {net.sizes}, l = {l}"))
    return cases


def bp3_cases(count: int, seed: int = 20) -> list[Case]:
    """``(δ⁽ˡ⁾, a⁽ˡ⁻¹⁾)`` → ∂E/∂W⁽ˡ⁾ (the w-nodes' gradients) of random nets, one sample."""
    cases = []
    for rng, net, x, fw in _random_samples(count, seed, 2):
        l = int(rng.integers(2, net.L + 1))
        a_prev = np.array([a.data for a in fw.a[l - 1]]) if l > 2 else np.array(x)
        truth = np.array([[w.grad for w in row] for row in net.W(l)])
        cases.append(Case([np.array(fw.delta(l)), a_prev], truth, f"net {net.sizes}, l = {l}"))
    return cases


def batch_cases(count: int, seed: int = 21) -> list[Case]:
    """``(δ⁽ˡ⁾ of N samples as rows, a⁽ˡ⁻¹⁾ as rows)`` → ∂E_total/∂W⁽ˡ⁾, the w-nodes'
    gradients of E_total = (1/N) Σ E₍ᵢ₎ built as one graph."""
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(count):
        net, _, _ = _random_net(rng, 2)
        N = int(rng.integers(2, 7))
        X = rng.uniform(-1, 1, size=(N, net.sizes[0])).tolist()
        Y = rng.uniform(0, 1, size=(N, net.sizes[-1])).tolist()
        l = int(rng.integers(2, net.L + 1))
        losses.total_error(Y, [net(x) for x in X]).backward()
        truth = np.array([[w.grad for w in row] for row in net.W(l)])
        deltas, a_prev = [], []
        for x, y in zip(X, Y):  # each sample's δ⁽ˡ⁾ = ∂E₍ᵢ₎/∂z⁽ˡ⁾, from its own graph
            fw = _backward(net, x, y)
            deltas.append(fw.delta(l))
            a_prev.append([a.data for a in fw.a[l - 1]] if l > 2 else x)
        cases.append(
            Case([np.array(deltas), np.array(a_prev)], truth, f"net {net.sizes}, N = {N}, l = {l}")
        )
    return cases
