"""A scalar reverse-mode autodiff engine: :class:`Value`.

Each operation builds one output node that remembers its inputs and, computed right next to
the forward value, the *local derivative* of the output with respect to each input
(∂out/∂input); the rule it follows is written above the op (``@_rule``) and collected in one
table, :data:`RULES`. :meth:`Value.backward` then applies the chain rule in reverse
topological order:

    input.grad += (∂out/∂input) · out.grad

so after ``E.backward()`` every node's ``grad`` is ∂E/∂node. In an :class:`microbp.MLP` the
gradient of the z-node of neuron i in layer l is therefore δᵢ⁽ˡ⁾ ≡ ∂E/∂zᵢ⁽ˡ⁾.

Design notes (what differs from micrograd, on purpose):

* Nodes use ``__slots__`` and store at most two inputs (``_a``, ``_b``) with their local
  derivatives (``_da``, ``_db``) instead of a closure; a constant operand (``x * 2``) is kept
  in ``_arg``, not wrapped in a node. There are no reference cycles.
* The backward order is iterative (no recursion limit: a chain of 10⁶ nodes works) and
  deterministic (no sets, nothing ordered by ``id``): Kahn's algorithm, with each node's
  count of pending consumers in a slot of its own (``_pending``, 0 between passes). So two
  passes over one graph must not run at the same time, as with micrograd's ``grad`` fields.
* Numbers keep their type (``int / int`` is an exact ``Fraction``; numpy's float32, mpmath's
  ``mpf`` and SymPy formulas stay what they are); every rule about number types, domain
  errors and overflow (±∞ as in float arithmetic, a clear error for ``exp``) lives in
  :mod:`microbp.numtypes`.
* Speed and memory: ``benchmarks/engine_vs_micrograd.py`` (README, "Performance");
  ``tests/test_engine_design.py`` guards the design without timing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

from microbp import numtypes
from microbp.activations import ACTIVATIONS

__all__ = ["Value", "derivative_rules", "Rule", "RULES"]
__all__ += ["reverse_topological_order", "iter_reverse_topological_order"]

Number = int | float | Fraction
_SIGMOID, _TANH, _RELU, _SOFTPLUS = (
    ACTIVATIONS[f] for f in ("sigmoid", "tanh", "relu", "softplus")
)


@dataclass(frozen=True)
class Rule:
    """The local derivative of one kind of node as text, one rule per input (u, then v);
    ``constant``: the node keeps a constant operand c; ``methods``: the Value methods that
    make such a node (``("__mul__", "__rmul__")``), so every op can be built from the table."""

    op: str
    texts: tuple[str, ...]
    constant: bool = False
    methods: tuple[str, ...] = ()

    @property
    def form(self) -> str:
        """The node's value as a formula of u, v and c, read off the first rule text."""
        form = self.texts[0].split("/∂", 1)[0][1:]
        return form[1:-1] if form.startswith("(") and form.endswith(")") else form


#: Every derivative rule of the engine, keyed by (op, number of inputs), filled by the
#: ``@_rule`` line above each op: the one table that :func:`derivative_rules`, the backward
#: trace and the tests read.
RULES: dict[tuple[str, int], Rule] = {}


def _rule(op: str, *texts: str, constant: bool = False):
    """Record the rule texts of the node the decorated method makes (autograd's ``defvjp``);
    another method making the same kind of node must state the same rule."""

    def record(method):
        known = RULES.get((op, len(texts)), Rule(op, texts, constant))
        if (known.texts, known.constant) != (texts, constant):
            raise ValueError(f"two rules for op {op!r}: {known.texts} and {texts}")
        RULES[op, len(texts)] = Rule(op, texts, constant, (*known.methods, method.__name__))
        return method

    return record


class Value:
    """A scalar node of a computation graph.

    >>> a = Value(2.0, label="a")
    >>> b = Value(-3.0, label="b")
    >>> c = a * b + a          # c = ab + a
    >>> c.backward()
    >>> a.grad, b.grad         # ∂c/∂a = b + 1, ∂c/∂b = a
    (-2.0, 2.0)

    Attributes: ``data`` (the number), ``grad`` (∂root/∂self after the root's
    ``backward()``), ``label`` (a name for tables and diagrams). The read-only properties
    ``op``, ``inputs``, ``local_grads`` and ``constant`` describe how the node was made.
    """

    __slots__ = ("_data", "grad", "label", "_op", "_a", "_b", "_da", "_db", "_arg", "_pending")

    def __init__(self, data: Number, label: str = "") -> None:
        if not isinstance(label, str):
            raise TypeError(f"Value label must be a str, got {type(label).__name__}")
        self.data, self.grad, self.label, self._op, self._pending = data, 0, label, "", 0
        self._a = self._b = self._da = self._db = self._arg = None

    @property
    def data(self) -> Number:
        """The number this node holds; an assignment is checked as ``Value(…)`` checks it (the
        ops make their nodes without this check)."""
        return self._data

    @data.setter
    def data(self, x) -> None:
        t = type(x)
        if t is float or t is int or t is Fraction:
            self._data = x
        elif isinstance(x, Value):
            raise TypeError(
                f"Value expects a real number ({numtypes.ACCEPTED}), got a Value: {x!r}; "
                "a node holds a number, not another node (use its .data)"
            )
        else:
            self._data = numtypes.as_number(x, "Value")

    # Reading the graph (for diagrams, traces and micrograd-style code)
    op = property(lambda self: self._op, doc='The operation that made this node ("" for a leaf).')
    constant = property(lambda self: self._arg, doc="The constant operand of x + 2, 3 * x, …")
    _prev = property(lambda self: self.inputs, doc="micrograd's name for inputs (a tuple here).")

    @property
    def inputs(self) -> tuple[Value, ...]:
        """The input nodes, in operand order (``()`` for a leaf)."""
        return () if self._a is None else (self._a,) if self._b is None else (self._a, self._b)

    @property
    def local_grads(self) -> tuple[Number, ...]:
        """∂self/∂input for each of :attr:`inputs`, computed during the forward pass."""
        return () if self._a is None else (self._da,) if self._b is None else (self._da, self._db)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self._data!r}, grad={self.grad!r}{label})"

    # ----------------------------------------------------------------------------------------
    # Arithmetic. Each op: its rule (@_rule), the forward value, the local derivative of each
    # input beside it. Numbers of two types meet by numtypes.mixed, constants by
    # numtypes.operands; every division, power and log goes through numtypes.

    # u + v and u·v make up nearly every node of an MLP (zᵢ = Σⱼ wᵢⱼ aⱼ + bᵢ), so these two
    # fill their node in place, slot by slot, instead of calling _binary: one Python call
    # less per node saves about a third of the time it takes to build a graph. The other ops
    # use _unary / _binary, which set the same slots.

    @_rule("+", "∂(u + v)/∂u = 1", "∂(u + v)/∂v = 1")
    @_rule("+", "∂(u + c)/∂u = 1", constant=True)
    def __add__(self, other) -> Value:
        if type(other) is Value:
            u = self._data
            v = other._data
            if u.__class__ is not v.__class__:  # (cheaper than type(u) is not type(v))
                u, v = numtypes.mixed(u, v)
            out = _new_value(Value)
            out._data = u + v
            out._a = self
            out._da = 1
            out._b = other
            out._db = 1
            out._op = "+"
            out.grad = 0
            out.label = ""
            out._arg = None
            out._pending = 0
            return out
        u, c = numtypes.operands(self._data, other, "Value + other")
        return _node(u + c, "+", self, 1, c=c)

    @_rule("+", "∂(u + c)/∂u = 1", constant=True)
    def __radd__(self, other) -> Value:
        u, c = numtypes.operands(self._data, other, "other + Value")
        return _node(c + u, "+", self, 1, c=c)

    @_rule("-", "∂(u − v)/∂u = 1", "∂(u − v)/∂v = −1")
    @_rule("-", "∂(u − c)/∂u = 1", constant=True)
    def __sub__(self, other) -> Value:
        if type(other) is Value:
            u, v = numtypes.mixed(self._data, other._data)
            return _node(u - v, "-", self, 1, other, -1)
        u, c = numtypes.operands(self._data, other, "Value - other")
        return _node(u - c, "-", self, 1, c=c)

    @_rule("rsub", "∂(c − u)/∂u = −1", constant=True)
    def __rsub__(self, other) -> Value:
        u, c = numtypes.operands(self._data, other, "other - Value")
        return _node(c - u, "rsub", self, -1, c=c)

    @_rule("*", "∂(u·v)/∂u = v", "∂(u·v)/∂v = u")
    @_rule("*", "∂(c·u)/∂u = c", constant=True)
    def __mul__(self, other) -> Value:
        if type(other) is Value:
            u = self._data
            v = other._data
            if u.__class__ is not v.__class__:  # (cheaper than type(u) is not type(v))
                u, v = numtypes.mixed(u, v)
            out = _new_value(Value)
            out._data = u * v
            out._a = self
            out._da = v
            out._b = other
            out._db = u
            out._op = "*"
            out.grad = 0
            out.label = ""
            out._arg = None
            out._pending = 0
            return out
        u, c = numtypes.operands(self._data, other, "Value * other")
        return _node(u * c, "*", self, c, c=c)

    @_rule("*", "∂(c·u)/∂u = c", constant=True)
    def __rmul__(self, other) -> Value:
        u, c = numtypes.operands(self._data, other, "other * Value")
        return _node(c * u, "*", self, c, c=c)

    @_rule("/", "∂(u/v)/∂u = 1/v", "∂(u/v)/∂v = −u/v²")
    @_rule("/", "∂(u/c)/∂u = 1/c", constant=True)
    def __truediv__(self, other) -> Value:
        if type(other) is Value:
            u, v = numtypes.mixed(self._data, other._data)
            out = numtypes.divide(u, v, "u / v")
            return _node(out, "/", self, numtypes.reciprocal(v), other, -numtypes.divide(out, v))
        u, c = numtypes.operands(self._data, other, "Value / other")
        return _node(numtypes.divide(u, c, "u / c"), "/", self, numtypes.reciprocal(c, u), c=c)

    @_rule("rdiv", "∂(c/u)/∂u = −c/u²", constant=True)
    def __rtruediv__(self, other) -> Value:
        u, c = numtypes.operands(self._data, other, "other / Value")
        out = numtypes.divide(c, u, "c / u")
        return _node(out, "rdiv", self, -numtypes.divide(out, u), c=c)

    @_rule("**", "∂(uᵛ)/∂u = v·uᵛ⁻¹", "∂(uᵛ)/∂v = uᵛ·ln u")
    @_rule("**", "∂(uᶜ)/∂u = c·uᶜ⁻¹", constant=True)
    def __pow__(self, other) -> Value:
        if type(other) is Value:
            u, v = numtypes.mixed(self._data, other._data)
            out = numtypes.power(u, v, "u ** v")
            du = numtypes.power_derivative(u, v)
            return _node(out, "**", self, du, other, out * numtypes.ln_base(u, out))
        u, n = numtypes.operands(self._data, other, "Value ** exponent")
        out = numtypes.power(u, n, "u ** n")
        return _node(out, "**", self, numtypes.power_derivative(u, n), c=n)

    @_rule("rpow", "∂(cᵘ)/∂u = cᵘ·ln c", constant=True)
    def __rpow__(self, other) -> Value:
        u, c = numtypes.operands(self._data, other, "base ** Value")
        out = numtypes.power(c, u, "c ** u")
        return _node(out, "rpow", self, out * numtypes.ln_base(c, out), c=c)

    @_rule("neg", "∂(−u)/∂u = −1")
    def __neg__(self) -> Value:
        return _node(-self._data, "neg", self, -1)

    def __pos__(self) -> Value:
        return self

    # Elementary functions and the activations of microbp.activations

    @_rule("exp", "∂(eᵘ)/∂u = eᵘ")
    def exp(self) -> Value:
        out = numtypes.exp(self._data)  # in u's type; a clear OverflowError past ln(max)
        return _node(out, "exp", self, out)

    @_rule("log", "∂(ln u)/∂u = 1/u")
    def log(self) -> Value:
        return _node(numtypes.log(self._data), "log", self, numtypes.reciprocal(self._data))

    @_rule("tanh", "∂(tanh u)/∂u = 1 − tanh²u")
    def tanh(self) -> Value:
        z = self._data
        a = _TANH.f(z)
        return _node(a, "tanh", self, _TANH.df(z, a))  # tanh′ = 1 − a²

    @_rule("sigmoid", "∂σ(u)/∂u = σ(u)(1 − σ(u))")
    def sigmoid(self) -> Value:
        z = self._data
        a = _SIGMOID.f(z)
        return _node(a, "sigmoid", self, _SIGMOID.df(z, a))  # σ′ = a(1 − a)

    @_rule("relu", "∂relu(u)/∂u = 1 if u > 0 else 0")
    def relu(self) -> Value:
        z = self._data
        a = _RELU.f(z)
        return _node(a, "relu", self, _RELU.df(z, a))

    @_rule("softplus", "∂softplus(u)/∂u = σ(u)")
    def softplus(self) -> Value:
        z = self._data
        a = _SOFTPLUS.f(z)
        return _node(a, "softplus", self, _SOFTPLUS.df(z, a))  # softplus′ = σ(z)

    # The chain rule

    def backward(self) -> None:
        """Set ``grad`` of every node this one depends on to ∂self/∂node.

        The root's gradient is seeded with 1 (∂self/∂self); interior nodes get theirs afresh
        on every call, leaves *accumulate* (twice ``backward()`` doubles them, as in PyTorch).
        In :func:`reverse_topological_order` each node adds (∂node/∂input) · node.grad to
        each of its inputs. The loop is :func:`iter_reverse_topological_order` with the chain
        rule written in where the generator yields: a generator switch per node would cost
        5–8 % of a training step. ``tests/test_engine_backward.py`` shows it is the same
        order (the chain rule over the generator gives backward's gradients bit for bit).
        """
        _count_consumers(self, zero_interior_grads=True)
        try:
            if self._a is None:
                self.grad += 1
            else:
                self.grad = 1
            # iter_reverse_topological_order(self), with the chain rule applied to each node
            # as it is released (all its consumers have passed their gradient on).
            stack = [self]
            pop, push = stack.pop, stack.append
            while stack:
                v = pop()
                a = v._a
                if a is None:
                    continue
                g = v.grad
                a.grad += v._da * g  # chain rule: ∂root/∂a += ∂v/∂a · ∂root/∂v
                b = v._b
                # b is released (pushed) before a, so a is visited first, as in the generator.
                if b is not None:
                    b.grad += v._db * g
                    n = b._pending - 1
                    b._pending = n
                    if n == 0:
                        push(b)
                n = a._pending - 1
                a._pending = n
                if n == 0:
                    push(a)
        except BaseException:
            _reset_pending(self)
            raise


def _node(data, op, a, da, b=None, db=None, c=None) -> Value:
    """A new node of input ``a`` (and ``b``) with local derivative ``da`` (and ``db``), ``c`` a
    constant operand, made without ``__init__`` and its checks (the op did them): CPython's
    fastest way to build a slotted object, as ``+`` and ``*`` do in place."""
    v = _new_value(Value)
    v._data = data
    v._a = a
    v._da = da
    v._b = b
    v._db = db
    v._op = op
    v.grad = 0
    v.label = ""
    v._arg = c
    v._pending = 0
    return v


_new_value = object.__new__


def _count_consumers(root: Value, zero_interior_grads: bool = False) -> None:
    """First pass of Kahn's algorithm: each node's ``_pending`` = its number of consumers below
    ``root`` (``x * x`` counts twice); 0 marks a node not yet reached. With
    ``zero_interior_grads`` the interior nodes' gradients are reset on the way (``backward``)."""
    stack = [root]
    pop, push = stack.pop, stack.append
    try:
        while stack:
            v = pop()
            a = v._a
            if a is None:
                continue
            b = v._b
            if b is not None:
                n = b._pending
                if n == 0:
                    if zero_interior_grads and b._a is not None:
                        b.grad = 0
                    push(b)
                b._pending = n + 1
            n = a._pending
            if n == 0:
                if zero_interior_grads and a._a is not None:
                    a.grad = 0
                push(a)
            a._pending = n + 1
    except BaseException:
        _reset_pending(root)
        raise


def _reset_pending(root: Value) -> None:
    """Set ``_pending`` back to 0 below ``root`` (after an interrupted pass)."""
    seen = {id(root)}
    stack = [root]
    while stack:
        v = stack.pop()
        v._pending = 0
        for u in (v._a, v._b):
            if u is not None and id(u) not in seen:
                seen.add(id(u))
                stack.append(u)


def iter_reverse_topological_order(
    root: Value, zero_interior_grads: bool = False
) -> Iterator[Value]:
    """Kahn's algorithm, written once: every node below ``root``, each after all its consumers.

    After the counting pass, start from the root; a node is yielded when its last consumer
    has been, and its inputs are released only when the caller asks for the next node (by
    then it has done its work on the node). ``b`` is pushed before ``a``, so a first input
    comes first. Closing the generator early sets every ``_pending`` back to 0.
    """
    _count_consumers(root, zero_interior_grads)
    stack = [root]
    pop, push = stack.pop, stack.append
    try:
        while stack:
            v = pop()
            yield v
            a = v._a
            if a is None:
                continue
            b = v._b
            if b is not None:
                n = b._pending - 1
                b._pending = n
                if n == 0:
                    push(b)
            n = a._pending - 1
            a._pending = n
            if n == 0:
                push(a)
    except BaseException:
        _reset_pending(root)
        raise


def reverse_topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, each after all the nodes that consume it: the order in
    which :meth:`Value.backward` applies the chain rule (Kahn's algorithm, without recursion).
    It depends on the graph's structure only, so gradients are bit-identical in every run."""
    if not isinstance(root, Value):
        raise TypeError(f"expected a Value, got {type(root).__name__}")
    return list(iter_reverse_topological_order(root))


def derivative_rules(node: Value) -> tuple[str, ...]:
    """The local derivative rule of ``node`` for each of its inputs, as text (from
    :data:`RULES`; ``()`` for a leaf). "u" is the first input, "v" the second, "c" a constant.

    >>> x = Value(0.5)
    >>> derivative_rules(x.tanh())
    ('∂(tanh u)/∂u = 1 − tanh²u',)
    >>> derivative_rules(x * x)
    ('∂(u·v)/∂u = v', '∂(u·v)/∂v = u')
    """
    if node._a is None:
        return ()
    return RULES[node._op, 1 if node._b is None else 2].texts
