"""A scalar reverse-mode autodiff engine: :class:`Value`.

Each op builds one node that keeps its inputs and, computed beside the forward value, the
*local derivative* ∂out/∂input of each; the rule is written above the op (``@_rule``) into one
table, :data:`RULES`. :meth:`Value.backward` applies the chain rule in reverse topological
order, ``input.grad += (∂out/∂input) · out.grad``, so after ``E.backward()`` every node's
``grad`` is ∂E/∂node: in an :class:`microbp.MLP` the z-node of neuron i in layer l holds
δᵢ⁽ˡ⁾ ≡ ∂E/∂zᵢ⁽ˡ⁾.

What differs from micrograd, on purpose: a node has ``__slots__`` and at most two inputs
(``_a``, ``_b``) with their local derivatives (``_da``, ``_db``), no closure, and keeps a
constant operand (``x * 2``) in ``_arg`` instead of a node of its own. The one order walker is
Kahn's algorithm, iterative (a chain of 10⁶ nodes works) and deterministic (no sets, nothing
ordered by ``id``); each node counts its pending consumers in a slot (``_pending``, 0 between
passes), so two passes over one graph must not run at once. Numbers keep their type
(``int / int`` is an exact ``Fraction``; float32, mpmath and SymPy stay what they are): every
rule about number types lives in :mod:`microbp.numtypes`. Speed and memory:
``benchmarks/engine_vs_micrograd.py``; ``tests/test_engine_design.py`` guards the design.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from microbp import numtypes
from microbp.activations import ACTIVATIONS

__all__ = ["Value", "derivative_rules", "reverse_topological_order", "Rule", "RULES"]

Number = int | float | Fraction
_SIGMOID, _TANH, _RELU, _SOFTPLUS = (
    ACTIVATIONS[f] for f in ("sigmoid", "tanh", "relu", "softplus")
)


@dataclass(frozen=True)
class Rule:
    """The local derivative of one kind of node as text, one rule per input (u, then v); with
    a ``constant`` operand c; made by the Value method in ``methods`` (``("__mul__",)``)."""

    op: str
    texts: tuple[str, ...]
    constant: bool = False
    methods: tuple[str, ...] = ()


#: Every derivative rule, keyed by (op, number of inputs), filled by the ``@_rule`` line above
#: each op: the one table that :func:`derivative_rules`, the backward trace and the tests read.
RULES: dict[tuple[str, int], Rule] = {}


def _rule(op: str, *texts: str, constant: bool = False):
    """Record in :data:`RULES` the rule texts of the node the decorated method makes (as
    autograd's ``defvjp`` does); one rule for each kind of node."""

    def record(method):
        if (op, len(texts)) in RULES:
            raise ValueError(f"two rules for op {op!r} with {len(texts)} input(s)")
        RULES[op, len(texts)] = Rule(op, texts, constant, (method.__name__,))
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
        """The number this node holds; an assignment is checked as ``Value(…)`` checks it."""
        return self._data

    @data.setter
    def data(self, x) -> None:
        if isinstance(x, Value):
            raise TypeError(
                f"Value expects a real number ({numtypes.ACCEPTED}), got a Value: {x!r}; "
                "a node holds a number, not another node (use its .data)"
            )
        self._data = numtypes.as_number(x, "Value")  # Python's reals first, then numtypes

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
    # The ops: each its rule (@_rule), its forward value and, beside it, the local derivative
    # of each input. Number types meet in numtypes (mixed, operands, divide, power, log …).
    # u + v and u·v make up nearly every node of an MLP (zᵢ = Σⱼ wᵢⱼ aⱼ + bᵢ), so these two
    # write _node out in place: calling it would make the benchmark's forward pass 20 % slower.

    @_rule("+", "∂(u + v)/∂u = 1", "∂(u + v)/∂v = 1")
    @_rule("+", "∂(u + c)/∂u = 1", constant=True)
    def __add__(self, other) -> Value:
        if type(other) is Value:
            u = self._data
            v = other._data
            if u.__class__ is not v.__class__:  # two number types (cheaper than type(u))
                u, v = numtypes.mixed(u, v)
            out = _new_value(Value)  # _node(u + v, "+", self, 1, other, 1)
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

    __radd__ = __add__  # c + u = u + c (and c·u = u·c below), bit for bit, in every type

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
            if u.__class__ is not v.__class__:
                u, v = numtypes.mixed(u, v)
            out = _new_value(Value)  # _node(u * v, "*", self, v, other, u)
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

    __rmul__ = __mul__

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
        a = _TANH.f(self._data)
        return _node(a, "tanh", self, _TANH.df(self._data, a))  # tanh′ = 1 − a²

    @_rule("sigmoid", "∂σ(u)/∂u = σ(u)(1 − σ(u))")
    def sigmoid(self) -> Value:
        a = _SIGMOID.f(self._data)
        return _node(a, "sigmoid", self, _SIGMOID.df(self._data, a))  # σ′ = a(1 − a)

    @_rule("relu", "∂relu(u)/∂u = 1 if u > 0 else 0")
    def relu(self) -> Value:
        a = _RELU.f(self._data)
        return _node(a, "relu", self, _RELU.df(self._data, a))

    @_rule("softplus", "∂softplus(u)/∂u = σ(u)")
    def softplus(self) -> Value:
        a = _SOFTPLUS.f(self._data)
        return _node(a, "softplus", self, _SOFTPLUS.df(self._data, a))  # softplus′ = σ(z)

    # The chain rule

    def backward(self) -> None:
        """Set ``grad`` of every node this one depends on to ∂self/∂node.

        Interior nodes get theirs afresh on every call, leaves *accumulate* (twice
        ``backward()`` doubles them, as in PyTorch). Each node, in
        :func:`reverse_topological_order`, adds (∂node/∂input) · node.grad to each input.
        """
        self.grad = self.grad + 1 if self._a is None else 1  # ∂self/∂self (a leaf adds it)
        _walk(self, chain_rule=True)


def _node(data, op, a, da, b=None, db=None, c=None) -> Value:
    """A node of input ``a`` (and ``b``), local derivative ``da`` (and ``db``), constant ``c``,
    made without ``__init__`` and its checks (the op did them)."""
    v = _new_value(Value)  # one slot a line: the fastest way (tuple assignments cost 22 %)
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


# --------------------------------------------------------------------------------------------
# The one order walker: Kahn's algorithm, as HIPS autograd sorts its graph


def _walk(root: Value, chain_rule: bool = False) -> list[Value]:
    """Every node below ``root``, each after all its consumers, in a list; with ``chain_rule``
    (:meth:`Value.backward`) each node passes its gradient on to its inputs instead.

    A first pass counts each node's consumers into its ``_pending`` slot. Then, from the root,
    a node is released when its last consumer has been: all of ∂root/∂node is summed by then.
    ``b`` is pushed before ``a``, so a first input comes first. Every ``_pending`` is 0 again
    at the end, or after an exception (:func:`_reset_pending`)."""
    order: list[Value] = []
    stack = [root]
    pop, push, put = stack.pop, stack.append, order.append
    try:
        _count_consumers(root, zero_interior_grads=chain_rule)
        while stack:
            v = pop()
            if not chain_rule:
                put(v)
            a = v._a
            if a is None:
                continue
            b = v._b
            if chain_rule:  # ∂root/∂a += ∂v/∂a · ∂root/∂v, and the same for b
                g = v.grad
                a.grad += v._da * g
                if b is not None:
                    b.grad += v._db * g
            if b is not None:  # release the inputs whose last consumer was v
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
    return order


def _count_consumers(root: Value, zero_interior_grads: bool) -> None:
    """Each node's ``_pending`` = its number of consumers below ``root`` (``x * x`` counts
    twice; 0: not reached yet); for backward, interior gradients set to 0 on the way."""
    stack = [root]
    pop, push = stack.pop, stack.append
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


def _reset_pending(root: Value) -> None:
    """Set ``_pending`` back to 0 below ``root`` (after an interrupted pass)."""
    seen, stack = {id(root)}, [root]
    while stack:
        v = stack.pop()
        v._pending = 0
        for u in (v._a, v._b):
            if u is not None and id(u) not in seen:
                seen.add(id(u))
                stack.append(u)


def reverse_topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, each after all the nodes that consume it: the order in
    which :meth:`Value.backward` applies the chain rule (Kahn's algorithm, without recursion).
    It depends on the graph's structure only, so gradients are bit-identical in every run."""
    if not isinstance(root, Value):
        raise TypeError(f"expected a Value, got {type(root).__name__}")
    return _walk(root)


def derivative_rules(node: Value) -> tuple[str, ...]:
    """The local derivative rule of ``node`` for each of its inputs, as text (from
    :data:`RULES`; ``()`` for a leaf). "u" is the first input, "v" the second, "c" a constant.

    >>> x = Value(0.5)
    >>> derivative_rules(x.tanh())
    ('∂(tanh u)/∂u = 1 − tanh²u',)
    >>> derivative_rules(x * x)
    ('∂(u·v)/∂u = v', '∂(u·v)/∂v = u')
    """
    return () if node._a is None else RULES[node._op, 1 if node._b is None else 2].texts
