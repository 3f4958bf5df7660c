"""Symbolic nets, and a proof that the graph's gradients *are* BP-1 … BP-4 for every weight.

Checking at points (``gradcheck``, the Fraction tests) shows the two roads agree where they
are tried. Here every weight, bias, input and target is a SymPy symbol named as the seed
names it (w₁₂⁽³⁾ is ``Symbol("w_12^(3)")``, LaTeX w^{(3)}_{12}), so the engine builds E and
every ∂E/∂θ as formulas, and the prover shows

    ∂E/∂θ (the graph, ``E.backward()``)  −  the BP-1…BP-4 expression  ≡  0

as an identity in all the symbols. Two proofs:

* :func:`prove_net`, the whole net: for every parameter θ of a net of given sizes, the
  graph's ∂E/∂θ against :func:`microbp.bp.index_form` on the same symbols.
* :func:`prove_layers`, by layers, valid for any depth: with δ⁽ˡ⁺¹⁾ free symbols (the
  induction hypothesis), the graph's gradient at z⁽ˡ⁾ is BP-2; at the output it is BP-1 (the
  base case); with δ⁽ˡ⁾ and a⁽ˡ⁻¹⁾ free, the gradients of W⁽ˡ⁾ and b⁽ˡ⁾ are BP-3 and BP-4.
  And the lemma both rest on: the table's f′ is the derivative of f (``sympy.diff``).

How "≡ 0" is decided (:func:`is_zero`): every transcendental atom — e^u (with e^(−u) as
1/e^u), tanh, log, Piecewise, Heaviside — becomes a fresh symbol, the same atom the same
symbol. What is left is a rational function of symbols, and ``sympy.expand`` (then
``sympy.cancel``) decides whether it is the zero function. If it is, the original difference
is 0 for every value of the atoms, so in particular for the true ones: a proof. If it is not,
the difference is evaluated at a random point (each symbol a small rational) to show it is
really not 0 there ("not proved" with a witness); a difference that is 0 as a function but
not as a rational function of the atoms would be reported "not proved", never "proved".

SymPy is needed here (``pip install microbp[symbolic]``); ``import microbp`` does not import
this module.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import sympy

from microbp import activations, bp
from microbp.activations import Activation
from microbp.losses import squared_error
from microbp.nn import MLP, Neuron

__all__ = [
    "SymbolicNet",
    "symbolic_net",
    "seed_sigma_prime",
    "is_zero",
    "prove_net",
    "prove_layers",
    "Proof",
    "Step",
]


def symbol(name: str) -> sympy.Symbol:
    """A real symbol named in the seed's notation (``w_12^(3)``, ``x_1``, ``delta_2^(3)``)."""
    return sympy.Symbol(name, real=True)


# --------------------------------------------------------------------------------------------
# Symbolic nets
# --------------------------------------------------------------------------------------------


@dataclass
class SymbolicNet:
    """An :class:`~microbp.MLP` whose every parameter holds a symbol, with symbols x and y."""

    net: MLP
    x: list[sympy.Symbol]
    y: list[sympy.Symbol]

    @property
    def theta(self) -> list[sympy.Symbol]:
        """The parameters' symbols, in parameter order."""
        return [p.data for p in self.net.parameters()]


def symbolic_net(sizes: Sequence[int], activation="sigmoid") -> SymbolicNet:
    """A net of the given sizes whose weights, biases, inputs and targets are symbols.

    >>> s = symbolic_net([2, 1], activation="identity")
    >>> s.theta, s.x, s.y
    ([w_11^(2), w_12^(2), b_1^(2)], [x_1, x_2], [y_1])
    >>> s.net(s.x)[0].data
    b_1^(2) + w_11^(2)*x_1 + w_12^(2)*x_2
    """
    net = MLP(sizes, activation=activation)
    for p in net.parameters():
        p.data = symbol(p.label)
    x = [symbol(f"x_{j}") for j in range(1, net.sizes[0] + 1)]
    y = [symbol(f"y_{k}") for k in range(1, net.sizes[-1] + 1)]
    return SymbolicNet(net, x, y)


def seed_sigma_prime(z, a):
    """The seed's middle step for σ′ (docs/errata.md): 2 · 1/(1 + e^(−z))² · e^(−z) · (−1),
    which is −2σ′(z). Wrong on purpose: the prover must refuse it."""
    e = sympy.exp(-z)
    return 2 * (1 / (1 + e)) ** 2 * e * (-1)


#: The sigmoid with the seed's wrong σ′, for ``microbp prove --erratum``.
SEED_ERRATUM_SIGMOID = Activation(
    name="sigmoid",
    f=activations.sigmoid,
    df=seed_sigma_prime,
    f_np=activations.ACTIVATIONS["sigmoid"].f_np,
    df_np=activations.ACTIVATIONS["sigmoid"].df_np,
    formula="σ(z) = 1/(1 + e^(−z))",
    derivative_formula="σ′(z) = 2·1/(1 + e^(−z))²·e^(−z)·(−1)  (the seed's middle step)",
    max_derivative=0.5,
)


# --------------------------------------------------------------------------------------------
# Deciding "≡ 0"
# --------------------------------------------------------------------------------------------

_ATOMS = (sympy.exp, sympy.tanh, sympy.log, sympy.Piecewise, sympy.Heaviside)


class _Atomizer:
    """Replaces each transcendental atom by a symbol, consistently over many expressions."""

    def __init__(self) -> None:
        self.symbols: dict[sympy.Expr, sympy.Symbol] = {}
        self.memo: dict[sympy.Basic, sympy.Basic] = {}
        self.exp_args: dict[sympy.Expr, sympy.Symbol] = {}  # u -> the symbol of e^u

    def __call__(self, expr):
        if expr in self.memo:
            return self.memo[expr]
        if not expr.args:
            return expr
        args = [self(a) for a in expr.args]
        new = expr.func(*args) if args != list(expr.args) else expr
        if isinstance(new, _ATOMS):
            if isinstance(new, sympy.exp) and (-new.args[0] in self.exp_args):
                new = 1 / self.exp_args[-new.args[0]]  # e^(−u) = 1/e^u
            else:
                if new not in self.symbols:
                    self.symbols[new] = sympy.Dummy(f"t{len(self.symbols)}")
                    if isinstance(new, sympy.exp):
                        self.exp_args[new.args[0]] = self.symbols[new]
                new = self.symbols[new]
        self.memo[expr] = new
        return new


def _rational_zero(expr) -> bool:
    if sympy.expand(expr) == 0:
        return True
    return sympy.cancel(sympy.together(expr)) == 0


def is_zero(expr, atomizer: _Atomizer | None = None) -> bool:
    """True when ``expr`` is 0 as a function of its symbols, shown as in the module docstring
    (a sufficient test: ``True`` is a proof, ``False`` means "not shown")."""
    expr = sympy.sympify(expr)
    if expr == 0:
        return True
    return _rational_zero((atomizer or _Atomizer())(expr))


def _witness(expr, seed: int = 0):
    """``expr`` at a random point (each free symbol a rational in [−2, 2]), as a float."""
    rng = random.Random(seed)
    point = {s: sympy.Rational(rng.randint(-20, 20), 10) for s in expr.free_symbols}
    return float(sympy.N(expr.xreplace(point), 20))


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass
class Step:
    """One proved (or refused) identity: ``name`` (a parameter or a layer step), the
    ``equation`` it was checked against, the two sides and their difference."""

    name: str
    equation: str
    graph: sympy.Expr
    formula: sympy.Expr
    proved: bool
    difference: sympy.Expr = sympy.S.Zero
    witness: float | None = None


@dataclass
class Proof:
    """The steps of a proof and its verdict; ``str(proof)`` is the table,
    ``proof.deltas`` the compact δ formulas (rendered as mathematics in Jupyter)."""

    title: str
    steps: list[Step]
    deltas: list[tuple[sympy.Symbol, sympy.Expr]] = field(default_factory=list)

    @property
    def proved(self) -> bool:
        return all(s.proved for s in self.steps)

    def failures(self) -> list[Step]:
        return [s for s in self.steps if not s.proved]

    def table(self) -> str:
        width = max([len(s.name) for s in self.steps] + [9])
        eq = max([len(s.equation) for s in self.steps] + [8])
        lines = [f"{'parameter':<{width}}  {'equation':<{eq}}  result", "-" * (width + eq + 16)]
        for s in self.steps:
            lines.append(
                f"{s.name:<{width}}  {s.equation:<{eq}}  {'proved' if s.proved else 'NOT PROVED'}"
            )
        return "\n".join(lines)

    def differences(self) -> str:
        """Each refused step's difference graph − formula, and its value at a random point."""
        out = []
        for s in self.failures():
            out.append(f"{s.name}: graph − {s.equation} = {sympy.sstr(s.difference)}")
            if s.witness is not None:
                out.append(f"    = {s.witness:.6g} at a random point (not 0)")
        return "\n".join(out)

    def show(self) -> str:
        return "\n".join(f"{sympy.sstr(d)} = {sympy.sstr(e)}" for d, e in self.deltas)

    def latex(self) -> str:
        """The δ formulas as a LaTeX ``aligned`` block."""
        rows = [f"{sympy.latex(d)} &= {sympy.latex(e)}" for d, e in self.deltas]
        return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"

    def _repr_latex_(self) -> str:
        return f"$$\n{self.latex()}\n$$" if self.deltas else None

    def __str__(self) -> str:
        verdict = "proved" if self.proved else f"NOT proved ({len(self.failures())} steps)"
        text = f"{self.title}\n{self.table()}\n{verdict}"
        return text + ("\n" + self.differences() if not self.proved else "")


def _step(name, equation, graph, formula, atomizer) -> Step:
    difference = graph - formula
    proved = is_zero(difference, atomizer)
    witness = None
    if not proved:
        difference = sympy.simplify(difference) if len(str(difference)) < 400 else difference
        witness = _witness(difference)
    return Step(name, equation, graph, formula, proved, difference, witness)


# --------------------------------------------------------------------------------------------
# The whole net
# --------------------------------------------------------------------------------------------

Formulas = Callable[[object, Sequence, Sequence], bp.SampleGradients]


def _formula_weights(net: MLP, derivative: Activation | None) -> bp.Weights:
    """The net's symbols for the δ formulas; ``derivative`` replaces sigmoid (the erratum)."""
    W, b = net.numbers()
    acts = [
        derivative if (derivative is not None and name == "sigmoid") else name
        for name in net.activations
    ]
    return bp.Weights(W, b, acts)


def prove_net(
    sizes: Sequence[int] = (3, 3, 2),
    activation="sigmoid",
    formulas: Formulas = bp.index_form,
    derivative: Activation | None = None,
) -> Proof:
    """For every parameter θ: the graph's ∂E/∂θ − the BP-1…BP-4 expression ≡ 0.

    ``formulas`` computes the δ equations (default :func:`microbp.bp.index_form`);
    ``derivative`` puts another sigmoid record (such as :data:`SEED_ERRATUM_SIGMOID`) into
    the formulas' side only, so the graph stays the engine's.
    """
    s = symbolic_net(sizes, activation)
    net = s.net
    E = squared_error(s.y, net(s.x))
    E.backward()
    graph = [p.grad for p in net.parameters()]
    formula = formulas(_formula_weights(net, derivative), s.x, s.y).flat()
    atomizer = _Atomizer()
    steps = [
        _step(name, "BP-3" if name.startswith("w") else "BP-4", g, f, atomizer)
        for name, g, f in zip(net.parameter_names(), graph, formula)
    ]
    return Proof(f"whole net {list(net.sizes)}, activation {net.activations}", steps)


# --------------------------------------------------------------------------------------------
# By layers: an induction over depth
# --------------------------------------------------------------------------------------------


def bp1(y, a, z, f: Activation):
    """(BP-1) δᵢ⁽ᴸ⁾ = −(yᵢ − aᵢ⁽ᴸ⁾) f′(zᵢ⁽ᴸ⁾), the statement of the base case."""
    return -(y - a) * f.df(z, a)


def bp2(delta_next, W_next, i: int, z, a, f: Activation):
    """(BP-2) δᵢ⁽ˡ⁾ = (Σⱼ δⱼ⁽ˡ⁺¹⁾ wⱼᵢ⁽ˡ⁺¹⁾) f′(zᵢ⁽ˡ⁾), the statement of the induction step
    (``i`` is 0-based, ``W_next[j][i]`` is w_{j+1,i+1}⁽ˡ⁺¹⁾)."""
    return sum(d * W_next[j][i] for j, d in enumerate(delta_next)) * f.df(z, a)


def _node(name: str):
    from microbp.engine import Value

    return Value(symbol(name), label=name)


def _weighted_sum(z, delta):
    """Σᵢ zᵢ·δᵢ as a Value: a root whose gradient at each zᵢ is the free symbol δᵢ."""
    root = z[0] * delta[0]
    for zi, d in zip(z[1:], delta[1:]):
        root = root + zi * d
    return root


def _compact(expr, z, a_symbol, f: Activation):
    """``expr`` with f(z) written as the symbol a (σ(z) → a), for --show."""
    return expr.xreplace({f.f(z): a_symbol})


def prove_layers(
    sizes: Sequence[int] = (3, 3, 2),
    activation="sigmoid",
    derivative: Activation | None = None,
) -> Proof:
    """The layer-by-layer proof (valid for any depth), on the given layer sizes.

    * lemma: f′ of the table − d f(z)/dz ≡ 0 (``sympy.diff``), for each activation used;
    * base (l = L): with z⁽ᴸ⁾ free, the graph's ∂E/∂zᵢ⁽ᴸ⁾ is BP-1;
    * step (l < L): with z⁽ˡ⁾ and δ⁽ˡ⁺¹⁾ free (the root is Σⱼ δⱼ⁽ˡ⁺¹⁾ zⱼ⁽ˡ⁺¹⁾, whose gradient
      at z⁽ˡ⁺¹⁾ is δ⁽ˡ⁺¹⁾ whatever the layers above are), the graph's gradient at zᵢ⁽ˡ⁾ is BP-2;
    * BP-3, BP-4: with a⁽ˡ⁻¹⁾ and δ⁽ˡ⁾ free, ∂/∂wᵢⱼ⁽ˡ⁾ = δᵢ⁽ˡ⁾aⱼ⁽ˡ⁻¹⁾ and ∂/∂bᵢ⁽ˡ⁾ = δᵢ⁽ˡ⁾.

    ``derivative`` replaces the sigmoid's f′ in the statements (not in the graph).
    """
    net = MLP(sizes, activation=activation)
    L = net.L
    steps: list[Step] = []
    deltas: list[tuple] = []
    atomizer = _Atomizer()

    def formula_f(l: int) -> Activation:
        f = net.layers[l].activation
        return derivative if (derivative is not None and f.name == "sigmoid") else f

    def graph_activation(l: int, z):
        return net.layers[l].neurons[0].activate(z)

    # The lemma: f′ is the derivative of f.
    zeta = symbol("z")
    for name in dict.fromkeys(net.activations):
        f = activations.ACTIVATIONS[name]
        fd = derivative if (derivative is not None and name == "sigmoid") else f
        truth = sympy.diff(f.f(zeta), zeta)
        table = fd.df(zeta, f.f(zeta))
        if name == "relu":  # Heaviside(z, 0) is Piecewise((0, z <= 0), (1, True))
            table, truth = table.rewrite(sympy.Piecewise), truth
            proved = sympy.piecewise_fold(truth - table) == 0
            steps.append(Step(f"f′ of {name}", "d f/dz", truth, table, proved, truth - table))
        else:
            steps.append(_step(f"f′ of {name}", "d f/dz", truth, table, _Atomizer()))

    for l in range(L, 1, -1):
        n, f = net.sizes[l - 1], formula_f(l)
        z = [_node(f"z_{i}^({l})") for i in range(1, n + 1)]
        a = [graph_activation(l, zi) for zi in z]
        a_symbols = [symbol(f"a_{i}^({l})") for i in range(1, n + 1)]
        if l == L:  # base case: BP-1
            y = [symbol(f"y_{i}") for i in range(1, n + 1)]
            root = squared_error(y, a)
            root.backward()
            for i in range(n):
                statement = bp1(y[i], a[i].data, z[i].data, f)
                steps.append(_step(f"δ_{i + 1}^({l})", "BP-1", z[i].grad, statement, atomizer))
        else:  # induction step: BP-2 with δ⁽ˡ⁺¹⁾ free
            m = net.sizes[l]
            d_next = [symbol(f"delta_{j}^({l + 1})") for j in range(1, m + 1)]
            W_next = [
                [_node(f"w_{j}{i}^({l + 1})") for i in range(1, n + 1)] for j in range(1, m + 1)
            ]
            b_next = [_node(f"b_{j}^({l + 1})") for j in range(1, m + 1)]
            z_next = [Neuron(W_next[j], b_next[j], f).z(a) for j in range(m)]
            root = _weighted_sum(z_next, d_next)
            root.backward()
            Wn = [[w.data for w in row] for row in W_next]
            for i in range(n):
                statement = bp2(d_next, Wn, i, z[i].data, a[i].data, f)
                steps.append(_step(f"δ_{i + 1}^({l})", "BP-2", z[i].grad, statement, atomizer))
        for i in range(n):
            d = symbol(f"delta_{i + 1}^({l})")
            deltas.append(
                (d, _compact(z[i].grad, z[i].data, a_symbols[i], net.layers[l].activation))
            )

        # BP-3 and BP-4 with δ⁽ˡ⁾ and a⁽ˡ⁻¹⁾ free
        k = net.sizes[l - 2]
        a_prev = [_node(f"a_{j}^({l - 1})" if l > 2 else f"x_{j}") for j in range(1, k + 1)]
        W = [[_node(f"w_{i}{j}^({l})") for j in range(1, k + 1)] for i in range(1, n + 1)]
        b = [_node(f"b_{i}^({l})") for i in range(1, n + 1)]
        delta = [symbol(f"delta_{i}^({l})") for i in range(1, n + 1)]
        zl = [Neuron(W[i], b[i], f).z(a_prev) for i in range(n)]
        root = _weighted_sum(zl, delta)
        root.backward()
        for i in range(n):
            for j in range(k):
                statement = delta[i] * a_prev[j].data
                steps.append(_step(W[i][j].label, "BP-3", W[i][j].grad, statement, atomizer))
            steps.append(_step(b[i].label, "BP-4", b[i].grad, delta[i], atomizer))
    title = f"by layers {list(net.sizes)}, activation {net.activations}"
    return Proof(title, steps, deltas)
