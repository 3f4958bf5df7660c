"""Symbolic nets, and a proof that the graph's gradients *are* BP-1 … BP-4 for every weight.

Checking at points (``gradcheck``, the Fraction tests) shows that the two roads agree where
they are tried. Here every weight, bias, input and target is a SymPy symbol named as the
tutorial names it (w₁₂⁽³⁾ is ``Symbol("w_12^(3)")``, made by :func:`symbol` from
:func:`microbp.names.w`; shown as w₁₂⁽³⁾, LaTeX ``w_{12}^{(3)}``), so the engine
builds E and every ∂E/∂θ as formulas, and the prover shows

    ∂E/∂θ (the graph, ``E.backward()``)  −  the BP-1…BP-4 expression  ≡  0

as an identity in all the symbols. Two proofs:

* :func:`prove_net`, the whole net: for every parameter θ of a net of given sizes, the
  graph's ∂E/∂θ against :func:`microbp.bp.index_form` on the same symbols.
* :func:`prove_layers`, by layers, which holds for any depth: with δ⁽ˡ⁺¹⁾ free symbols (the
  induction hypothesis), the graph's gradient at zᵢ⁽ˡ⁾ is BP-2 (:func:`microbp.bp.hidden_delta`);
  at the output it is BP-1 (:func:`microbp.bp.output_delta`, the base case); with δ⁽ˡ⁾ and
  a⁽ˡ⁻¹⁾ free, the gradients of W⁽ˡ⁾ and b⁽ˡ⁾ are BP-3 and BP-4. And the lemma the formulas
  rest on: the table's f′ is the derivative of f (``sympy.diff``).

How "≡ 0" is decided (:func:`is_zero`): every transcendental atom (eᵘ, tanh u, log u,
Piecewise, Heaviside) becomes a fresh symbol, the same atom the same symbol, and e^(−u) is
written 1/eᵘ. What is left is a rational function of symbols. If its exact value at a random
rational point is not 0, it is not the zero function (and is not expanded, which for a big
net would take very long); else ``sympy.expand`` (then ``sympy.cancel``) decides whether it
is. If it is, the difference is 0
for every value of the atoms, so in particular for their true values: a proof. If it is not,
the difference is evaluated at a random point (each symbol a small rational) to show that it
is really not 0 there: "not proved", with a witness. The test is sufficient, not complete (a
difference that is 0 only through an identity between the atoms, such as tanh = 2σ(2u) − 1,
would be reported "not proved", never "proved").

SymPy is needed here (``pip install microbp[symbolic]``); ``import microbp`` does not import
this module.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import mpmath
import sympy
from sympy.printing.pretty.pretty import PrettyPrinter
from sympy.printing.pretty.stringpict import prettyForm

from microbp import activations, bp, losses, names
from microbp.activations import Activation
from microbp.engine import Value
from microbp.names import Name
from microbp.nn import MLP, Neuron

__all__ = [
    "symbol",
    "SymbolicNet",
    "symbolic_net",
    "tutorial_sigma_prime",
    "TUTORIAL_ERRATUM_SIGMOID",
    "is_zero",
    "Step",
    "Proof",
    "prove_net",
    "prove_layers",
]

#: What the formulas use in place of an activation: ``{"sigmoid": TUTORIAL_ERRATUM_SIGMOID}``.
Replacements = Mapping[str, Activation]


#: The tutorial's name behind each symbol :func:`symbol` made, to print it in one notation.
_NAMED: dict[sympy.Symbol, Name] = {}


def symbol(name: Name | str) -> sympy.Symbol:
    """A real symbol. A :class:`microbp.names.Name` names it in the plain form a learner
    types (``names.w(3, 1, 2)`` → ``w_12^(3)``, ``names.delta(3, 2)`` → ``delta_2^(3)``: what
    ``str(expr)`` shows), and :meth:`Proof.show` / :meth:`Proof.latex` print it as w₁₂⁽³⁾ /
    ``w_{12}^{(3)}``; a str (``"z"``) names a symbol of no layer as written."""
    if isinstance(name, Name):
        s = sympy.Symbol(name.plain, real=True)
        _NAMED[s] = name
        return s
    return sympy.Symbol(name, real=True)


class _NamePrinter(PrettyPrinter):
    """SymPy's Unicode printer, with each symbol of the tutorial's names printed in the one
    Unicode form (δ₁⁽²⁾, not SymPy's own reading of ``delta_1^(2)`` as δ⁽²⁾₁); the order of
    the terms stays SymPy's for the plain names (δ before w, as in BP-2)."""

    def _print_Symbol(self, e, bold_name=False):
        name = _NAMED.get(e)
        if name is None:
            return super()._print_Symbol(e, bold_name)
        return prettyForm(name.unicode)


def _pretty(expr) -> str:
    """``expr`` in Unicode, the tutorial's names in their Unicode form (for printing only)."""
    return _NamePrinter({"use_unicode": True, "wrap_line": False}).doprint(sympy.sympify(expr))


def _latex(expr) -> str:
    """``expr`` in LaTeX, each symbol of the tutorial's names as ``w_{12}^{(3)}``."""
    expr = sympy.sympify(expr)
    named = {s: _NAMED[s].latex for s in expr.free_symbols if s in _NAMED}
    return sympy.latex(expr, symbol_names=named)


# --------------------------------------------------------------------------------------------
# Symbolic nets
# --------------------------------------------------------------------------------------------


@dataclass
class SymbolicNet:
    """An :class:`~microbp.MLP` whose every parameter holds a symbol, and the symbols of x
    and y."""

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
    for name, p in net.named_parameters():
        p.data = symbol(name)
    x = [symbol(names.x(j)) for j in range(1, net.sizes[0] + 1)]
    y = [symbol(names.y(k)) for k in range(1, net.sizes[-1] + 1)]
    return SymbolicNet(net, x, y)


def tutorial_sigma_prime(z, a):
    """The tutorial's middle step for σ′ (``docs/errata.md``): 2 · 1/(1 + e^(−z))² · e^(−z) · (−1),
    which is −2σ′(z). Wrong on purpose: the prover must refuse it."""
    e = sympy.exp(-z)
    return 2 * (1 / (1 + e)) ** 2 * e * (-1)


#: The sigmoid with the tutorial's wrong σ′, for ``microbp prove --erratum``.
TUTORIAL_ERRATUM_SIGMOID = Activation(
    name="sigmoid",
    f=activations.sigmoid,
    df=tutorial_sigma_prime,
    f_np=activations.ACTIVATIONS["sigmoid"].f_np,
    df_np=lambda z, a: -2 * a * (1 - a),
    formula="σ(z) = 1/(1 + e^(−z))",
    derivative_formula="σ′(z) = 2·1/(1 + e^(−z))²·e^(−z)·(−1)  (the tutorial's middle step)",
    max_derivative=0.5,
)


# --------------------------------------------------------------------------------------------
# Deciding "≡ 0"
# --------------------------------------------------------------------------------------------

_ATOMS = (sympy.exp, sympy.tanh, sympy.log, sympy.Piecewise, sympy.Heaviside)


class _Atomizer:
    """Replaces each transcendental atom by a symbol, the same over many expressions."""

    def __init__(self) -> None:
        self.symbols: dict[tuple, sympy.Dummy] = {}
        self.memo: dict[sympy.Basic, sympy.Basic] = {}

    def atom(self, key: tuple) -> sympy.Dummy:
        """The symbol of the atom ``key`` = (function, atomized arguments)."""
        if key not in self.symbols:
            self.symbols[key] = sympy.Dummy(f"t{len(self.symbols)}")
        return self.symbols[key]

    def __call__(self, expr):
        if expr in self.memo:
            return self.memo[expr]
        if not expr.args:
            return expr
        args = tuple(self(a) for a in expr.args)
        if expr.func is sympy.exp:
            u = args[0]
            # e^(−u) is 1/eᵘ: one atom for the pair, whichever sign comes first
            new = 1 / self.atom((sympy.exp, -u)) if u.could_extract_minus_sign() else None
            new = new if new is not None else self.atom((sympy.exp, u))
        elif issubclass(expr.func, _ATOMS):
            new = self.atom((expr.func, args))  # a key, not a new atom: nothing is evaluated
        else:
            new = expr.func(*args) if args != expr.args else expr
        self.memo[expr] = new
        return new


def is_zero(expr, atomizer: _Atomizer | None = None) -> bool:
    """True when ``expr`` is 0 as a function of its symbols, shown as in the module docstring
    (a sufficient test: ``True`` is a proof, ``False`` means "not shown").

    >>> z = symbol("z")
    >>> s = 1 / (1 + sympy.exp(-z))
    >>> is_zero(sympy.diff(s, z) - s * (1 - s)), is_zero(sympy.diff(s, z) - 2 * s * (1 - s))
    (True, False)
    """
    expr = sympy.sympify(expr)
    if expr == 0:
        return True
    rational = (atomizer or _Atomizer())(expr)
    if _nonzero_somewhere(rational):
        return False  # not the zero function: no need to expand it (which would take ages)
    return sympy.expand(rational) == 0 or sympy.cancel(sympy.together(rational)) == 0


def _nonzero_somewhere(rational, tries: int = 3) -> bool:
    """True when the rational function ``rational`` has an exact non-zero value at a random
    rational point (so it is certainly not the zero function). A point where a denominator
    vanishes is skipped; False means "0 at every point tried", not a proof."""
    rng = random.Random(1)
    symbols = sorted(rational.free_symbols, key=str)
    for _ in range(tries):
        point = {s: sympy.Rational(rng.randint(-97, 97), rng.randint(1, 89)) for s in symbols}
        value = rational.xreplace(point)
        if value.is_Rational:
            return value != 0
    return False


def _witness(expr, tries: int = 3) -> float | None:
    """``expr`` at a random point (each free symbol a multiple of 0.1 in [−2, 2]), evaluated
    at 30 digits, as a float; None if it is undefined at every point tried."""
    rng = random.Random(0)
    symbols = sorted(expr.free_symbols, key=str)
    for _ in range(tries):
        point = {s: mpmath.mpf(rng.randint(-20, 20)) / 10 for s in symbols}
        try:
            with mpmath.workdps(30):
                return float(_evaluate(expr, point, {}))
        except (ZeroDivisionError, ValueError):  # a denominator 0, a log of 0 there
            continue
    return None


_FUNCTIONS = {sympy.exp: mpmath.exp, sympy.log: mpmath.log, sympy.tanh: mpmath.tanh}


def _evaluate(expr, point: dict, memo: dict):
    """``expr`` at ``point`` (symbol → mpf) in mpmath, each shared subexpression once (SymPy's
    own ``evalf`` walks the tree, which for a whole net's gradient repeats a subexpression
    thousands of times)."""
    if expr in memo:
        return memo[expr]
    if expr in point:
        value = point[expr]
    elif expr.is_Number:
        value = mpmath.mpf(expr.p) / expr.q if expr.is_Rational else mpmath.mpf(float(expr))
    elif expr is sympy.true or expr is sympy.false:
        value = bool(expr)
    else:
        args = [_evaluate(a, point, memo) for a in expr.args]
        if expr.is_Add:
            value = mpmath.fsum(args)
        elif expr.is_Mul:
            value = mpmath.fprod(args)
        elif expr.is_Pow:
            value = args[0] ** args[1]
        elif expr.func in _FUNCTIONS:
            value = _FUNCTIONS[expr.func](args[0])
        elif isinstance(expr, sympy.Heaviside):
            value = mpmath.mpf(1 if args[0] > 0 else 0 if args[0] < 0 else args[1])
        elif isinstance(expr, sympy.Piecewise):  # args: (value, condition) pairs
            value = next(v for v, condition in args if condition)
        elif isinstance(expr, sympy.functions.elementary.piecewise.ExprCondPair):
            value = tuple(args)
        elif isinstance(expr, sympy.core.relational.Relational):
            value = {">": args[0] > args[1], ">=": args[0] >= args[1],
                     "<": args[0] < args[1], "<=": args[0] <= args[1]}[expr.rel_op]  # fmt: skip
        else:
            value = mpmath.mpf(float(expr.xreplace(dict(zip(expr.args, map(sympy.Float, args))))))
    memo[expr] = value
    return value


def _size(expr, limit: int) -> int:
    """The number of nodes in ``expr``'s tree, counted up to ``limit``."""
    return sum(1 for _ in itertools.islice(sympy.preorder_traversal(expr), limit))


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass
class Step:
    """One identity tried: ``name`` (a parameter, a δ or a lemma), the ``equation`` it was
    checked against, the graph's side, the formula's side, the verdict and, when refused,
    the difference and its value at a random point (the witness)."""

    name: str
    equation: str
    graph: sympy.Expr
    formula: sympy.Expr
    proved: bool
    difference: sympy.Expr = sympy.S.Zero
    witness: float | None = None
    left: str = "graph"  #: what the first side is, in messages ("graph − BP-2 = …")


def _text(expr) -> str:
    """``expr`` on one line, in Unicode where SymPy's pretty form fits one line."""
    pretty = _pretty(expr)
    return pretty if "\n" not in pretty else sympy.sstr(expr)


#: Largest difference (in nodes of its tree) simplified and printed by :meth:`Proof.differences`.
SHOW_NODES = 120


@dataclass
class Proof:
    """The steps of a proof and its verdict: ``str(proof)`` is the table, ``proof.deltas``
    the compact δ formulas (:meth:`show`, :meth:`latex`; rendered as mathematics in
    Jupyter)."""

    title: str
    steps: list[Step]
    deltas: list[tuple[sympy.Symbol, sympy.Expr]] = field(default_factory=list)

    @property
    def proved(self) -> bool:
        return all(s.proved for s in self.steps)

    def failures(self) -> list[Step]:
        return [s for s in self.steps if not s.proved]

    def table(self) -> str:
        """One line a step: name, equation, proved / NOT PROVED (with the difference's value
        at a random point, which shows it is not 0)."""
        width = max([len(s.name) for s in self.steps] + [len("parameter")])
        eq = max([len(s.equation) for s in self.steps] + [len("equation")])
        lines = [f"{'parameter':<{width}}  {'equation':<{eq}}  result"]
        lines.append("-" * (width + eq + 14))
        for s in self.steps:
            verdict = "proved"
            if not s.proved:
                verdict = "NOT PROVED"
                if s.witness is not None:
                    verdict += f": {s.left} − formula = {s.witness:.6g} at a random point"
            lines.append(f"{s.name:<{width}}  {s.equation:<{eq}}  {verdict}")
        return "\n".join(lines)

    def verdict(self) -> str:
        n, bad = len(self.steps), len(self.failures())
        return f"{n - bad} of {n} proved" + ("" if not bad else f", {bad} NOT proved")

    def differences(self) -> str:
        """Each refused step's difference (left side − formula) written out, where it is
        short enough to read (the whole net's are thousands of characters)."""
        out = []
        for s in self.failures():
            if _size(s.difference, SHOW_NODES) < SHOW_NODES:
                out.append(f"{s.name}: {s.left} − {s.equation} = {_text(s.difference)}")
        return "\n".join(out)

    def show(self) -> str:
        """The δ formulas in Unicode (δ₁⁽³⁾ = a₁⁽³⁾⋅(1 - a₁⁽³⁾)⋅(a₁⁽³⁾ - y₁)); a fraction
        takes more than one line."""
        return "\n".join(_pretty(sympy.Eq(d, e, evaluate=False)) for d, e in self.deltas)

    def latex(self) -> str:
        """The δ formulas as a LaTeX ``aligned`` block."""
        rows = [f"{_latex(d)} &= {_latex(e)}" for d, e in self.deltas]
        return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"

    def _repr_latex_(self) -> str | None:
        return f"$$\n{self.latex()}\n$$" if self.deltas else None

    def __str__(self) -> str:
        text = f"{self.title}\n{self.table()}\n{self.verdict()}"
        differences = self.differences()
        return text + (f"\nThe differences, which are not 0:\n{differences}" if differences else "")


def _step(name: str, equation: str, graph, formula, atomizer: _Atomizer, shown=None) -> Step:
    """Try graph − formula ≡ 0; when refused, keep the difference (``shown`` rewrites it for
    reading, e.g. σ(z) as a) and its value at a random point."""
    difference = sympy.sympify(graph - formula)
    if is_zero(difference, atomizer):
        return Step(name, equation, graph, formula, True)
    witness = _witness(difference)
    if shown is not None:  # (no sympy.simplify: it can take minutes on a whole net's formula)
        difference = sympy.factor(sympy.cancel(shown(difference)))
    return Step(name, equation, graph, formula, False, difference, witness)


def _formula_activations(net: MLP, replace: Replacements | None) -> list:
    """The activations the formulas use: the net's, with ``replace`` put in by name."""
    replace = replace or {}
    return [replace.get(f.name, f) for f in (layer.activation for layer in net.layers.values())]


def _targets(cost: losses.Loss, n: int) -> list:
    """The target symbols y₁ … y_n; for the cross-entropy a probability row, so the last is
    1 − y₁ − … − y_{n−1} (its δ⁽ᴸ⁾ = a − y needs Σₖ yₖ = 1)."""
    y = [symbol(names.y(k)) for k in range(1, n + 1)]
    if cost.name == "cross_entropy":
        y[-1] = 1 - sum(y[:-1])
    return y


def _about(net: MLP, cost: losses.Loss) -> str:
    """``[3, 3, 2], sigmoid, squared_error``: the net and loss a proof is about."""
    acts = dict.fromkeys(net.activations)
    return f"{net.sizes} ({', '.join(acts)}; {cost.name})"


def _loss(loss, output) -> losses.Loss:
    loss = losses.get(loss)
    losses.check_output(loss, output.name)
    return loss


# --------------------------------------------------------------------------------------------
# The whole net
# --------------------------------------------------------------------------------------------


def _chain(l: int, L: int) -> str:
    """The equations ∂E/∂θ of a parameter of layer l rests on (BP-3/BP-4 ← BP-2 … ← BP-1)."""
    return "BP-1" + (", BP-2" if l < L else "")


def prove_net(
    sizes: Sequence[int] = (3, 3, 2),
    activation="sigmoid",
    loss="squared_error",
    replace: Replacements | None = None,
) -> Proof:
    """For every parameter θ: the graph's ∂E/∂θ − the BP-1…BP-4 expression ≡ 0.

    The graph is the engine's: E (``loss``, default ½‖y − a⁽ᴸ⁾‖²) built from a
    :func:`symbolic_net` and ``E.backward()``. The formulas are :func:`microbp.bp.index_form`
    on the same symbols. ``replace`` puts other activation records into the formulas' side
    only (``{"sigmoid": TUTORIAL_ERRATUM_SIGMOID}``: the tutorial's σ′), so the graph stays the
    engine's.

    >>> prove_net([2, 1], "tanh").verdict()
    '3 of 3 proved'
    """
    s = symbolic_net(sizes, activation)
    net = s.net
    cost = _loss(loss, net.layers[net.L].activation)
    fw = net.forward(s.x)
    y = _targets(cost, net.sizes[-1])
    E = cost.sample(y, fw.z[net.L], fw.output)
    E.backward()
    W, b = net.numbers()
    weights = bp.Weights(W, b, _formula_activations(net, replace))
    formula = bp.index_form(weights, s.x, y, cost).flat()
    atomizer = _Atomizer()
    steps = []
    for (name, p), f in zip(net.named_parameters(), formula):
        bp34 = "BP-3" if name.kind == "w" else "BP-4"
        steps.append(_step(str(name), f"{bp34} ← {_chain(name.l, net.L)}", p.grad, f, atomizer))
    title = f"Whole net {_about(net, cost)}: the graph's ∂E/∂θ − bp.index_form"
    return Proof(title, steps)


# --------------------------------------------------------------------------------------------
# By layers: an induction over depth
# --------------------------------------------------------------------------------------------


def _nodes(named: Sequence[Name]) -> list[Value]:
    """Leaf Values holding the symbols of these names, labelled with them."""
    return [Value(symbol(name), label=name.plain) for name in named]


#: A neuron's z = Σⱼ wⱼaⱼ + b needs no activation; the steps build z-nodes with this one.
_IDENTITY = activations.ACTIVATIONS["identity"]


def _weighted_sum(z: Sequence[Value], delta: Sequence) -> Value:
    """Σᵢ zᵢ·δᵢ as a Value: a root whose gradient at each zᵢ is the free symbol δᵢ, whatever
    the layers above z compute (the chain rule stops at z)."""
    root = z[0] * delta[0]
    for zi, d in zip(z[1:], delta[1:]):
        root = root + zi * d
    return root


def _in_terms_of_a(expr, z: Sequence, a: Sequence, a_symbols: Sequence, f):
    """``expr`` with each f(zᵢ) written as the symbol aᵢ (σ(z) → a, tanh z → a), and for the
    sigmoid e^(−z) as (1 − a)/a: the compact form of :meth:`Proof.show` and of a refused
    step's difference."""
    expr = sympy.sympify(expr).xreplace(dict(zip(a, a_symbols)))
    if f.name == "sigmoid":
        e = {}
        for zi, ai in zip(z, a_symbols):
            e[sympy.exp(-zi)], e[sympy.exp(zi)] = (1 - ai) / ai, ai / (1 - ai)
        expr = expr.xreplace(e)
    return expr


def _lemmas(net: MLP, replace: Replacements | None) -> list[Step]:
    """f′ of the table (or its replacement) − d f(z)/dz ≡ 0, for each activation used."""
    z = symbol("z")
    steps = []
    for name in dict.fromkeys(layer.activation.name for layer in net.layers.values()):
        if name == "softmax":
            continue  # its derivative is BP-1's Jacobian, proved with BP-1
        f = activations.ACTIVATIONS[name]
        table = (replace or {}).get(name, f).df(z, f.f(z))
        truth = sympy.diff(f.f(z), z)
        a = symbol("a")
        if name == "relu":  # Heaviside(z, 0) and Piecewise((1, z > 0), (0, True)): rewrite
            difference = sympy.piecewise_fold(sympy.sympify(table).rewrite(sympy.Piecewise) - truth)
            proved = sympy.simplify(difference) == 0
            step = Step(f"f′ of {name}", "d f(z)/dz", table, truth, proved, left="f′")
            if not proved:
                step.difference, step.witness = difference, _witness(difference)
            steps.append(step)
        else:
            shown = lambda e, f=f, a=a: _in_terms_of_a(e, [z], [f.f(z)], [a], f)  # noqa: E731
            step = _step(f"f′ of {name}", "d f(z)/dz", table, truth, _Atomizer(), shown)
            step.left = "f′"
            steps.append(step)
    return steps


def prove_layers(
    sizes: Sequence[int] = (3, 3, 2),
    activation="sigmoid",
    loss="squared_error",
    replace: Replacements | None = None,
) -> Proof:
    """The layer-by-layer proof on the given layer sizes; it holds for a net of any depth.

    * lemma: f′ of the table − d f(z)/dz ≡ 0 (``sympy.diff``), for each activation used;
    * base (l = L): with z⁽ᴸ⁾ free, the graph's ∂E/∂zᵢ⁽ᴸ⁾ is BP-1 (:func:`bp.output_delta`);
    * step (l < L): with z⁽ˡ⁾ and δ⁽ˡ⁺¹⁾ free (the root is Σⱼ δⱼ⁽ˡ⁺¹⁾ zⱼ⁽ˡ⁺¹⁾, whose gradient
      at z⁽ˡ⁺¹⁾ is δ⁽ˡ⁺¹⁾ whatever the layers above are), the graph's gradient at zᵢ⁽ˡ⁾ is
      BP-2 (:func:`bp.hidden_delta`);
    * BP-3, BP-4: with a⁽ˡ⁻¹⁾ and δ⁽ˡ⁾ free, ∂/∂wᵢⱼ⁽ˡ⁾ = δᵢ⁽ˡ⁾aⱼ⁽ˡ⁻¹⁾ and ∂/∂bᵢ⁽ˡ⁾ = δᵢ⁽ˡ⁾.

    Each step involves one layer and free symbols for the rest, so together they prove, by
    induction on l from L down to 2, that the graph's ∂E/∂θ is BP-1…BP-4 for every depth and
    width with these activations. ``replace`` as in :func:`prove_net`. The proof's
    ``deltas`` are the graph's δ's written with a, y and the next layer's δ.

    >>> print(prove_layers([2, 1], "sigmoid").show())
    δ₁⁽²⁾ = a₁⁽²⁾⋅(1 - a₁⁽²⁾)⋅(a₁⁽²⁾ - y₁)
    """
    net = MLP(sizes, activation=activation)
    L = net.L
    cost = _loss(loss, net.layers[net.L].activation)
    formula_f = dict(zip(range(2, L + 1), _formula_activations(net, replace)))
    steps = _lemmas(net, replace)
    deltas: list[tuple] = []
    atomizer = _Atomizer()
    for l in range(L, 1, -1):
        layer, n = net.layers[l], net.sizes[l - 1]
        z = _nodes([names.z(l, i) for i in range(1, n + 1)])
        a = layer.activate(z)
        a_data = [ai.data for ai in a]
        a_symbols = [symbol(names.a(l, i)) for i in range(1, n + 1)]
        z_data = [zi.data for zi in z]

        def shown(e, z_data=z_data, a_data=a_data, a_symbols=a_symbols, f=layer.activation):
            return _in_terms_of_a(e, z_data, a_data, a_symbols, f)

        if l == L:  # the base case: BP-1
            y = _targets(cost, n)
            cost.sample(y, z, a).backward()
            statement = bp.output_delta(cost, formula_f[l], y, z_data, a_data)
            for i in range(n):
                name = str(names.delta(l, i + 1))
                steps.append(_step(name, "BP-1", z[i].grad, statement[i], atomizer, shown))
        else:  # the induction step: BP-2, with δ⁽ˡ⁺¹⁾ free
            m = net.sizes[l]
            d_next = [symbol(names.delta(l + 1, j)) for j in range(1, m + 1)]
            W_next = [
                _nodes([names.w(l + 1, j, i) for i in range(1, n + 1)]) for j in range(1, m + 1)
            ]
            b_next = _nodes([names.b(l + 1, j) for j in range(1, m + 1)])
            z_next = [Neuron(W_next[j], b_next[j], _IDENTITY).z(a) for j in range(m)]
            _weighted_sum(z_next, d_next).backward()
            Wn = [[w.data for w in row] for row in W_next]
            for i in range(n):
                _, _, statement = bp.hidden_delta(d_next, Wn, i, formula_f[l], z_data[i], a_data[i])
                name = str(names.delta(l, i + 1))
                steps.append(_step(name, "BP-2", z[i].grad, statement, atomizer, shown))
        deltas += [(symbol(names.delta(l, i + 1)), shown(z[i].grad)) for i in range(n)]

        # BP-3 and BP-4, with δ⁽ˡ⁾ and a⁽ˡ⁻¹⁾ free
        k = net.sizes[l - 2]
        a_prev = _nodes([names.a(l - 1, j) if l > 2 else names.x(j) for j in range(1, k + 1)])
        W = [_nodes([names.w(l, i, j) for j in range(1, k + 1)]) for i in range(1, n + 1)]
        b = _nodes([names.b(l, i) for i in range(1, n + 1)])
        delta = [symbol(names.delta(l, i)) for i in range(1, n + 1)]
        _weighted_sum([Neuron(W[i], b[i], _IDENTITY).z(a_prev) for i in range(n)], delta).backward()
        for i in range(n):
            for j in range(k):
                w = W[i][j]
                shown_w = str(names.w(l, i + 1, j + 1))
                steps.append(_step(shown_w, "BP-3", w.grad, delta[i] * a_prev[j].data, atomizer))
            steps.append(_step(str(names.b(l, i + 1)), "BP-4", b[i].grad, delta[i], atomizer))
    title = f"By layers {_about(net, cost)}: each layer with the next layer's δ free"
    return Proof(title, steps, deltas)


# Names before "the tutorial" was called by its name (deprecated, removed in the next release;
# CHANGELOG.md). A module-level __getattr__ so that only a use of an old name warns.
_DEPRECATED = {
    "SEED_ERRATUM_SIGMOID": "TUTORIAL_ERRATUM_SIGMOID",
    "seed_sigma_prime": "tutorial_sigma_prime",
}


def __getattr__(name: str):
    if name in _DEPRECATED:
        import warnings

        new = _DEPRECATED[name]
        warnings.warn(
            f"microbp.symbolic.{name} is deprecated and will be removed in the next release; "
            f"use microbp.symbolic.{new} (the same thing, named after the tutorial)",
            DeprecationWarning,
            stacklevel=2,
        )
        return globals()[new]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
