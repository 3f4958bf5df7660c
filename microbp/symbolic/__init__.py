"""Symbolic nets, and a proof that the graph's gradients *are* BP-1 … BP-4 for every weight.

Checking at points (``gradcheck``, the Fraction tests) shows that the two methods agree where
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

How "≡ 0" is decided: :mod:`microbp.symbolic.zero` (:func:`is_zero`).

SymPy is needed here (``pip install microbp[symbolic]``); ``import microbp`` does not import
this module.
"""

from __future__ import annotations

import contextvars
import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import sympy
from sympy.printing.pretty.pretty import PrettyPrinter
from sympy.printing.pretty.stringpict import prettyForm

from microbp import activations, bp, losses, names, text
from microbp.activations import Activation
from microbp.deprecation import renamed
from microbp.engine import Value
from microbp.names import Name
from microbp.nn import MLP, Neuron
from microbp.symbolic.zero import Atomizer as _Atomizer
from microbp.symbolic.zero import is_zero
from microbp.symbolic.zero import size as _size
from microbp.symbolic.zero import witness as _witness

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
    "weighted_sum",
]

#: What the formulas use in place of an activation: ``{"sigmoid": TUTORIAL_ERRATUM_SIGMOID}``.
Replacements = Mapping[str, Activation]

#: ``progress(done, total, name)``, called when a proof starts (``done`` = 0, ``name`` = "")
#: and after each of its steps: ``done`` of ``total`` steps tried, ``name`` the last (a proof
#: of a deep net runs for minutes: a caller shows a bar, or stops the proof by raising).
Progress = Callable[[int, int, str], None]

_ON_STEP: contextvars.ContextVar[Callable[[str], None] | None] = contextvars.ContextVar(
    "on_step", default=None
)


@contextmanager
def _reporting(progress: Progress | None, total: int) -> Iterator[None]:
    """While a proof runs, each :func:`_step` reports to ``progress`` (when given)."""
    if progress is None:
        yield
        return
    progress(0, total, "")  # the proof starts: a bar can show its length at once
    done = itertools.count(1)
    token = _ON_STEP.set(lambda name: progress(next(done), total, name))
    try:
        yield
    finally:
        _ON_STEP.reset(token)


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
        rows = []
        for s in self.steps:
            verdict = "proved"
            if not s.proved:
                verdict = "NOT PROVED"
                if s.witness is not None:
                    verdict += f": {s.left} − formula = {s.witness:.6g} at a random point"
            rows.append((s.name, s.equation, verdict))
        return text.table(rows, ("parameter", "equation", "result"))

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
    step = _try(name, equation, graph, formula, atomizer, shown)
    _report(name)
    return step


def _report(name: str) -> None:
    """One more step tried (for the ``progress`` of the proof that runs)."""
    report = _ON_STEP.get()
    if report is not None:
        report(name)


def _try(name: str, equation: str, graph, formula, atomizer: _Atomizer, shown=None) -> Step:
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
    progress: Progress | None = None,
) -> Proof:
    """For every parameter θ: the graph's ∂E/∂θ − the BP-1…BP-4 expression ≡ 0.

    The graph is the engine's: E (``loss``, default ½‖y − a⁽ᴸ⁾‖²) built from a
    :func:`symbolic_net` and ``E.backward()``. The formulas are :func:`microbp.bp.index_form`
    on the same symbols. ``replace`` puts other activation records into the formulas' side
    only (``{"sigmoid": TUTORIAL_ERRATUM_SIGMOID}``: the tutorial's σ′), so the graph stays the
    engine's. ``progress(done, total, name)`` is called after each parameter's step.

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
    with _reporting(progress, len(formula)):
        for (name, p), f in zip(net.named_parameters(), formula):
            bp34 = "BP-3" if name.kind == "w" else "BP-4"
            equation = f"{bp34} ← {_chain(name.l, net.L)}"
            steps.append(_step(str(name), equation, p.grad, f, atomizer))
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


def weighted_sum(z: Sequence[Value], delta: Sequence) -> Value:
    """Σᵢ zᵢ·δᵢ as a Value: a root whose gradient at each zᵢ is the free symbol δᵢ, whatever
    the layers above z compute (the chain rule stops at z). The step of :func:`prove_layers`
    and the exercises' graphs start from it.

    >>> z = _nodes([names.z(3, 1), names.z(3, 2)])
    >>> d = [symbol(names.delta(3, 1)), symbol(names.delta(3, 2))]
    >>> weighted_sum(z, d).backward()
    >>> [zi.grad for zi in z]
    [delta_1^(3), delta_2^(3)]
    """
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
            _report(step.name)
        else:
            shown = lambda e, f=f, a=a: _in_terms_of_a(e, [z], [f.f(z)], [a], f)  # noqa: E731
            step = _step(f"f′ of {name}", "d f(z)/dz", table, truth, _Atomizer(), shown)
            step.left = "f′"
            steps.append(step)
    return steps


# long: the induction of the docstring, one layer per pass from L down to 2: the base case
# (BP-1) or the step (BP-2), then BP-3 and BP-4 of that layer
def prove_layers(
    sizes: Sequence[int] = (3, 3, 2),
    activation="sigmoid",
    loss="squared_error",
    replace: Replacements | None = None,
    progress: Progress | None = None,
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
    width with these activations. ``replace`` and ``progress`` as in :func:`prove_net`
    (the lemmas, one step per neuron, one per parameter). The proof's ``deltas`` are the
    graph's δ's written with a, y and the next layer's δ.

    >>> print(prove_layers([2, 1], "sigmoid").show())
    δ₁⁽²⁾ = a₁⁽²⁾⋅(1 - a₁⁽²⁾)⋅(a₁⁽²⁾ - y₁)
    """
    net = MLP(sizes, activation=activation)
    L = net.L
    cost = _loss(loss, net.layers[net.L].activation)
    formula_f = dict(zip(range(2, L + 1), _formula_activations(net, replace)))
    with _reporting(progress, _count_layer_steps(net)):
        return _prove_layers(net, cost, formula_f, replace)


def _count_layer_steps(net: MLP) -> int:
    """The steps of :func:`prove_layers` on ``net``: the lemmas (softmax has none), one δ per
    neuron of layers 2…L, one step per parameter."""
    lemmas = {layer.activation.name for layer in net.layers.values()} - {"softmax"}
    return len(lemmas) + sum(net.sizes[1:]) + len(net.parameters())


def _prove_layers(net: MLP, cost: losses.Loss, formula_f: dict, replace) -> Proof:
    L = net.L
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
            weighted_sum(z_next, d_next).backward()
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
        weighted_sum([Neuron(W[i], b[i], _IDENTITY).z(a_prev) for i in range(n)], delta).backward()
        for i in range(n):
            for j in range(k):
                w = W[i][j]
                shown_w = str(names.w(l, i + 1, j + 1))
                steps.append(_step(shown_w, "BP-3", w.grad, delta[i] * a_prev[j].data, atomizer))
            steps.append(_step(str(names.b(l, i + 1)), "BP-4", b[i].grad, delta[i], atomizer))
    title = f"By layers {_about(net, cost)}: each layer with the next layer's δ free"
    return Proof(title, steps, deltas)


# Names before "the tutorial" was called by its name (deprecated, removed in the next release;
# CHANGELOG.md): only a use of an old name warns.
__getattr__ = renamed(
    __name__,
    globals(),
    {
        "SEED_ERRATUM_SIGMOID": "TUTORIAL_ERRATUM_SIGMOID",
        "seed_sigma_prime": "tutorial_sigma_prime",
    },
)
