"""A scalar reverse-mode autodiff engine: :class:`Value`.

Each operation builds one output node that remembers its inputs and, computed right next to
the forward value, the *local derivative* of the output with respect to each input
(∂out/∂input). :meth:`Value.backward` then applies the chain rule in reverse topological order:

    input.grad += (∂out/∂input) · out.grad

so after ``E.backward()`` every node's ``grad`` is ∂E/∂node. In an :class:`microbp.MLP` the
gradient of the z-node of neuron i in layer l is therefore δᵢ⁽ˡ⁾ ≡ ∂E/∂zᵢ⁽ˡ⁾.

Design notes (what differs from micrograd, on purpose):

* Nodes use ``__slots__`` and store at most two inputs (``_a``, ``_b``) with their local
  derivatives (``_da``, ``_db``) instead of a closure; a constant operand (``x * 2``) is kept
  in ``_arg`` rather than wrapped in a node of its own. A graph is freed by reference counting
  alone: there are no reference cycles.
* The backward order is computed iteratively (no recursion limit: a chain of 10⁶ nodes works)
  and deterministically (no iteration over sets or id-ordered containers), by Kahn's
  algorithm with each node's count of pending consumers kept in a slot of its own
  (``_pending``, 0 between passes) rather than in a dict keyed by ``id``; ``backward`` applies
  the chain rule to each node as it is released, in the same pass. Counting in the nodes
  means two passes over one graph must not run at the same time (two threads calling
  ``backward`` on graphs that share nodes), as with micrograd's ``grad`` fields.
* Speed and memory are measured by ``benchmarks/engine_vs_micrograd.py`` (README,
  "Performance"); ``tests/test_engine_design_guards.py`` guards the design without timing.
* Numbers keep their type: ``int``, ``float`` and ``fractions.Fraction`` stay exact under
  ``+ - * /`` and integer powers (``int / int`` gives a ``Fraction`` unless it divides evenly),
  ``relu`` keeps the type; ``exp log tanh sigmoid softplus`` and non-integer powers give floats.
  Beyond these: numpy's ``float32`` (and ``float16``, ``longdouble``) stays in its precision,
  mpmath's ``mpf`` in its, and a SymPy expression gives formulas (the value and ``grad`` of
  every node); :mod:`microbp.numtypes` is where those types are handled, the Python reals
  are tested for first.
* Every ``backward()`` recomputes interior gradients from scratch and *accumulates* into
  leaves (nodes with no inputs), as PyTorch does.
* Overflow follows float arithmetic: a result beyond float range is ±∞, for ``**`` as for
  ``*`` (``Value(1e200) ** 2`` and ``Value(1e200) * Value(1e200)`` are both ``inf``, as in
  PyTorch and numpy), so ``u ** 2`` and ``u * u`` never disagree; ``exp`` alone raises a
  clear ``OverflowError`` (e^u for u ≥ 709.79), as before. NaN propagates: ``relu(nan)`` is
  ``nan`` (as in PyTorch), with local derivative 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from fractions import Fraction

from microbp import numtypes
from microbp.activations import ACTIVATIONS

__all__ = [
    "Value",
    "reverse_topological_order",
    "iter_reverse_topological_order",
    "derivative_rules",
]

Number = int | float | Fraction

_SIGMOID = ACTIVATIONS["sigmoid"]
_TANH = ACTIVATIONS["tanh"]
_RELU = ACTIVATIONS["relu"]
_SOFTPLUS = ACTIVATIONS["softplus"]


# --------------------------------------------------------------------------------------------
# Number helpers: checking inputs and keeping exact types exact
# --------------------------------------------------------------------------------------------


def _as_number(x, where: str) -> Number:
    """``x`` as a number a Value holds (:func:`microbp.numtypes.as_number`: numpy float32,
    mpmath and SymPy numbers keep their type), or a ``TypeError`` naming its type."""
    t = type(x)
    if t is float or t is int or t is Fraction:
        return x
    if isinstance(x, Value):  # only Value(Value(…)) gets here: operators take Values first
        raise TypeError(
            f"{where} expects a real number ({numtypes.ACCEPTED}), got a Value: {x!r}; "
            "a node holds a number, not another node (use its .data)"
        )
    return numtypes.as_number(x, where)


def _constant(x, where: str, u: Number) -> Number:
    """A constant next to the Value's number ``u``: as :func:`_as_number`, and a ``Fraction``
    next to a number that is not a Python real in u's type (numpy float32 · Fraction would
    be a float64; mpmath does not take Fractions; Fraction ** mpf would go through a float)."""
    t = type(x)
    if t is float or t is int:
        return x
    c = _as_number(x, where)
    if type(c) is Fraction and not _python_real(u):
        return numtypes.like(c, u)
    return c


def _python_real(x) -> bool:
    """int, float or Fraction: the fast path (every other type goes to numtypes)."""
    t = type(x)
    return t is float or t is int or t is Fraction


def _inverse(c: Number, like) -> Number:
    """1/c, the local derivative of u/c, in the type of u = ``like`` (a numpy float32 times
    the Fraction 1/2 would be a float64)."""
    if _python_real(like):
        return _div(1, c)
    return numtypes.like(1, like) / c


def _exact(q: Fraction) -> Number:
    """A Fraction with denominator 1 as an ``int``; any other Fraction unchanged."""
    return q.numerator if q.denominator == 1 else q


def _div(x: Number, y: Number) -> Number:
    """x / y that stays exact for two ints (``1 / 2`` is ``Fraction(1, 2)``)."""
    if type(x) is int and type(y) is int:
        return _exact(Fraction(x, y))
    return x / y


def _pow(x: Number, n: Number, where: str) -> Number:
    """xⁿ with a clear error where it is undefined over the reals; exact for exact x and int n."""
    if not (_python_real(x) and _python_real(n)):
        return numtypes.power(x, n, where)
    if isinstance(n, Fraction) and n.denominator == 1:
        n = n.numerator  # an integral Fraction exponent is an int exponent (exact powers)
    integral_n = type(n) is int or (isinstance(n, float) and n.is_integer())
    if x < 0 and not integral_n:
        raise ValueError(
            f"{where}: a negative base to a non-integer power is not a real number "
            f"({x!r} ** {n!r}); expected base ≥ 0 or an integer exponent"
        )
    if x == 0 and n < 0:
        raise ZeroDivisionError(f"{where}: 0 to a negative power ({x!r} ** {n!r})")
    if type(x) is int and type(n) is int and n < 0:
        return _exact(Fraction(x) ** n)
    try:
        return x**n
    except OverflowError:  # float overflow gives ±∞, as x * x does (module docstring)
        negative = x < 0 and integral_n and int(n) % 2 == 1
        return -math.inf if negative else math.inf


def _pow_derivative(x: Number, n: Number) -> Number:
    """∂(xⁿ)/∂x = n·xⁿ⁻¹ (0 for n = 0; +∞ where xⁿ⁻¹ blows up at x = 0), in x's type; for
    SymPy the formula n·xⁿ⁻¹ itself (its comparisons are formulas, not truth values)."""
    if n == 0:
        return 0
    if not (_python_real(x) and _python_real(n)) and (
        numtypes.is_symbolic(x) or numtypes.is_symbolic(n)
    ):
        return n * x ** (n - 1)
    if x == 0 and n < 1:
        return math.inf if _python_real(x) else numtypes.like(math.inf, x)
    return n * _pow(x, n - 1, "**")


def _ln_base(c: Number, out: Number = 0.0) -> float:
    """ln c for ∂(cᵘ)/∂u = cᵘ·ln c: 0 stands in for c = 0 (where cᵘ = 0 for u > 0), and NaN
    for c < 0, where cᵘ is real only at integers u and has no real derivative in u (as in
    PyTorch: the gradient with respect to the exponent is NaN, the other gradients are fine).
    ``out`` = cᵘ gives the number type (ln 2 stays the exact ``log(2)`` next to a SymPy cᵘ)."""
    if not (_python_real(c) and _python_real(out)):
        return numtypes.ln_base(c, out)
    if c < 0:
        return math.nan
    return 0.0 if c == 0 else math.log(c)


# --------------------------------------------------------------------------------------------
# The node
# --------------------------------------------------------------------------------------------


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

    __slots__ = ("data", "grad", "label", "_op", "_a", "_b", "_da", "_db", "_arg", "_pending")

    def __init__(self, data: Number, label: str = "") -> None:
        self.data = _as_number(data, "Value")
        self.grad = 0
        if not isinstance(label, str):
            raise TypeError(f"Value label must be a str, got {type(label).__name__}")
        self.label = label
        self._op = ""
        self._a = self._b = None
        self._da = self._db = None
        self._arg = None
        self._pending = 0

    # ----------------------------------------------------------------------------------------
    # Reading the graph (for diagrams, traces and micrograd-style code)

    @property
    def op(self) -> str:
        """The operation that made this node (``""`` for a leaf)."""
        return self._op

    @property
    def inputs(self) -> tuple[Value, ...]:
        """The input nodes, in operand order (``()`` for a leaf)."""
        if self._a is None:
            return ()
        if self._b is None:
            return (self._a,)
        return (self._a, self._b)

    @property
    def local_grads(self) -> tuple[Number, ...]:
        """∂self/∂input for each of :attr:`inputs`, computed during the forward pass."""
        if self._a is None:
            return ()
        if self._b is None:
            return (self._da,)
        return (self._da, self._db)

    @property
    def constant(self) -> Number | None:
        """The constant operand of ``x + 2``, ``3 * x``, ``x ** 2`` … (else ``None``)."""
        return self._arg

    @property
    def _prev(self) -> tuple[Value, ...]:
        """micrograd's name for :attr:`inputs` (a tuple here, in operand order, not a set)."""
        return self.inputs

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    # ----------------------------------------------------------------------------------------
    # Arithmetic. Each op: forward value, then the local derivative of each input beside it.

    # u + v and u·v make up nearly every node of an MLP (zᵢ = Σⱼ wᵢⱼ aⱼ + bᵢ), so these two
    # fill their node in place, slot by slot, instead of calling _binary: one Python call
    # less per node saves about a third of the time it takes to build a graph. The other ops
    # use _unary / _binary, which set the same slots.

    def __add__(self, other) -> Value:
        if type(other) is Value:
            out = _new_value(Value)
            out.data = self.data + other.data
            out._a = self
            out._da = 1  # ∂(u + v)/∂u = 1
            out._b = other
            out._db = 1  # ∂(u + v)/∂v = 1
            out._op = "+"
            out.grad = 0
            out.label = ""
            out._arg = None
            out._pending = 0
            return out
        c = _constant(other, "Value + other", self.data)
        return _unary(self.data + c, "+", self, 1, c)  # ∂(u + c)/∂u = 1

    def __radd__(self, other) -> Value:
        c = _constant(other, "other + Value", self.data)
        return _unary(c + self.data, "+", self, 1, c)  # ∂(c + u)/∂u = 1

    def __sub__(self, other) -> Value:
        if type(other) is Value:
            # ∂(u − v)/∂u = 1, ∂(u − v)/∂v = −1
            return _binary(self.data - other.data, "-", self, 1, other, -1)
        c = _constant(other, "Value - other", self.data)
        return _unary(self.data - c, "-", self, 1, c)  # ∂(u − c)/∂u = 1

    def __rsub__(self, other) -> Value:
        c = _constant(other, "other - Value", self.data)
        return _unary(c - self.data, "rsub", self, -1, c)  # ∂(c − u)/∂u = −1

    def __mul__(self, other) -> Value:
        if type(other) is Value:
            u = self.data
            v = other.data
            out = _new_value(Value)
            out.data = u * v
            out._a = self
            out._da = v  # ∂(u·v)/∂u = v
            out._b = other
            out._db = u  # ∂(u·v)/∂v = u
            out._op = "*"
            out.grad = 0
            out.label = ""
            out._arg = None
            out._pending = 0
            return out
        c = _constant(other, "Value * other", self.data)
        return _unary(self.data * c, "*", self, c, c)  # ∂(u·c)/∂u = c

    def __rmul__(self, other) -> Value:
        c = _constant(other, "other * Value", self.data)
        return _unary(c * self.data, "*", self, c, c)  # ∂(c·u)/∂u = c

    def __truediv__(self, other) -> Value:
        if type(other) is Value:
            v = other.data
            if v == 0:
                raise ZeroDivisionError(
                    f"division by zero in u / v: the divisor Value is {v!r} (u = {self.data!r})"
                )
            out = _div(self.data, v)
            # ∂(u/v)/∂u = 1/v, ∂(u/v)/∂v = −u/v²
            return _binary(out, "/", self, _div(1, v), other, -_div(out, v))
        c = _constant(other, "Value / other", self.data)
        if c == 0:
            raise ZeroDivisionError(f"division by zero in u / c: c = {c!r} (u = {self.data!r})")
        return _unary(_div(self.data, c), "/", self, _inverse(c, self.data), c)  # ∂/∂u = 1/c

    def __rtruediv__(self, other) -> Value:
        c = _constant(other, "other / Value", self.data)
        u = self.data
        if u == 0:
            raise ZeroDivisionError(
                f"division by zero in c / u: the divisor Value is {u!r} (c = {c!r})"
            )
        out = _div(c, u)
        return _unary(out, "rdiv", self, -_div(out, u), c)  # ∂(c/u)/∂u = −c/u²

    def __pow__(self, other) -> Value:
        u = self.data
        if type(other) is Value:
            v = other.data
            out = _pow(u, v, "u ** v")
            # ∂(uᵛ)/∂u = v·uᵛ⁻¹, ∂(uᵛ)/∂v = uᵛ·ln u
            return _binary(out, "**", self, _pow_derivative(u, v), other, out * _ln_base(u, out))
        n = _constant(other, "Value ** exponent", self.data)
        return _unary(_pow(u, n, "u ** n"), "**", self, _pow_derivative(u, n), n)  # n·uⁿ⁻¹

    def __rpow__(self, other) -> Value:
        c = _constant(other, "base ** Value", self.data)
        out = _pow(c, self.data, "c ** u")
        return _unary(out, "rpow", self, out * _ln_base(c, out), c)  # ∂(cᵘ)/∂u = cᵘ·ln c

    def __neg__(self) -> Value:
        return _unary(-self.data, "neg", self, -1, None)  # ∂(−u)/∂u = −1

    def __pos__(self) -> Value:
        return self

    # ----------------------------------------------------------------------------------------
    # Elementary functions and the activations of microbp.activations

    def exp(self) -> Value:
        out = numtypes.exp(self.data)  # in u's type; a clear OverflowError past ln(max)
        return _unary(out, "exp", self, out, None)  # ∂(eᵘ)/∂u = eᵘ

    def log(self) -> Value:
        u = self.data
        if not _python_real(u):
            return _unary(numtypes.log(u), "log", self, 1 / u, None)  # ∂(ln u)/∂u = 1/u
        if u <= 0:
            raise ValueError(f"log of a non-positive number: log({u!r}); expected u > 0")
        return _unary(math.log(u), "log", self, _div(1, u), None)  # ∂(ln u)/∂u = 1/u

    def tanh(self) -> Value:
        z = self.data
        a = _TANH.f(z)
        return _unary(a, "tanh", self, _TANH.df(z, a), None)  # tanh′ = 1 − a²

    def sigmoid(self) -> Value:
        z = self.data
        a = _SIGMOID.f(z)
        return _unary(a, "sigmoid", self, _SIGMOID.df(z, a), None)  # σ′ = a(1 − a)

    def relu(self) -> Value:
        z = self.data
        return _unary(_RELU.f(z), "relu", self, _RELU.df(z, None), None)  # 1 if z > 0 else 0

    def softplus(self) -> Value:
        z = self.data
        return _unary(_SOFTPLUS.f(z), "softplus", self, _SOFTPLUS.df(z, None), None)  # σ(z)

    # ----------------------------------------------------------------------------------------
    # The chain rule

    def backward(self) -> None:
        """Set ``grad`` of every node this one depends on to ∂self/∂node.

        The root's gradient is seeded with 1 (∂self/∂self). Interior nodes get their
        gradient afresh on every call; leaves (nodes without inputs, such as parameters)
        *accumulate*, so calling ``backward()`` twice doubles their gradients, as in PyTorch.
        Nodes are visited in :func:`reverse_topological_order`, and each adds
        (∂node/∂input) · node.grad to each of its inputs.

        The loop below is :func:`iter_reverse_topological_order` (Kahn's algorithm, the
        engine's one order) with the chain rule written in where that generator yields a
        node: the hot path of every training step, fused because a generator switch per node
        costs 5–8 % of a training step (``benchmarks/engine_vs_micrograd.py --quick``). That
        it is the same algorithm is a test: ``tests/test_engine_one_order.py`` applies the
        chain rule over the generator and gets backward's gradients bit for bit.
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


def _unary(data, op, a, da, c) -> Value:
    """A new node of one input ``a`` with ∂node/∂a = ``da`` (``c``: a constant operand or None).

    No input checking: the operators above did it. Nodes are made without ``__init__``
    (every slot set here), which is the fastest way CPython has to build a slotted object.
    """
    v = _new_value(Value)
    v.data = data
    v.grad = 0
    v.label = ""
    v._op = op
    v._a = a
    v._da = da
    v._b = None
    v._db = None
    v._arg = c
    v._pending = 0
    return v


def _binary(data, op, a, da, b, db) -> Value:
    """A new node of two inputs ``a``, ``b`` with local derivatives ``da``, ``db``."""
    v = _new_value(Value)
    v.data = data
    v.grad = 0
    v.label = ""
    v._op = op
    v._a = a
    v._da = da
    v._b = b
    v._db = db
    v._arg = None
    v._pending = 0
    return v


_new_value = object.__new__


def _count_consumers(root: Value, zero_interior_grads: bool = False) -> None:
    """First pass of Kahn's algorithm: set each node's ``_pending`` to its number of consumers.

    A consumer is a node of the graph below ``root`` that uses the node as an input (``x * x``
    counts twice). Every node starts (and, after a full second pass, ends) with
    ``_pending == 0``, so 0 marks a node not yet reached. With ``zero_interior_grads``
    the interior nodes' gradients are reset on the way (for ``backward``).
    """
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

    After the counting pass (:func:`_count_consumers`), start from the root; a node is yielded
    when its last consumer has been, and its inputs are released only when the caller asks
    for the next node — by then the caller has done its work on the node (``backward``: the
    chain rule into the inputs). ``b`` is pushed before ``a``, so a node's first input comes
    first. The one order of :meth:`Value.backward`, :func:`reverse_topological_order` and
    :func:`microbp.viz.trace.trace_backward`. Closing the generator early (or an exception in
    the caller that closes it) sets every ``_pending`` back to 0.
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
    """Every node ``root`` depends on, each after all the nodes that consume it.

    This is the order in which :meth:`Value.backward` applies the chain rule: a node comes
    only once every node that uses it has passed its gradient on. It is computed without
    recursion, in two passes: count each node's consumers inside the graph, then start
    from the root and release a node when its last consumer has been visited (Kahn's
    algorithm). The order depends on the graph's structure only (never on ``id`` values or
    set iteration), so gradients come out bit-identical in every run.
    """
    if not isinstance(root, Value):
        raise TypeError(f"expected a Value, got {type(root).__name__}")
    return list(iter_reverse_topological_order(root))


# Local derivative rules as text, for traces and diagrams: op -> one rule per input.
# "u" is the first input, "v" the second, "c" a constant operand.
_RULES_TWO_INPUTS = {
    "+": ("∂(u + v)/∂u = 1", "∂(u + v)/∂v = 1"),
    "-": ("∂(u − v)/∂u = 1", "∂(u − v)/∂v = −1"),
    "*": ("∂(u·v)/∂u = v", "∂(u·v)/∂v = u"),
    "/": ("∂(u/v)/∂u = 1/v", "∂(u/v)/∂v = −u/v²"),
    "**": ("∂(uᵛ)/∂u = v·uᵛ⁻¹", "∂(uᵛ)/∂v = uᵛ·ln u"),
}
_RULES_ONE_INPUT = {
    "+": "∂(u + c)/∂u = 1",
    "-": "∂(u − c)/∂u = 1",
    "*": "∂(c·u)/∂u = c",
    "/": "∂(u/c)/∂u = 1/c",
    "**": "∂(uᶜ)/∂u = c·uᶜ⁻¹",
    "rsub": "∂(c − u)/∂u = −1",
    "rdiv": "∂(c/u)/∂u = −c/u²",
    "rpow": "∂(cᵘ)/∂u = cᵘ·ln c",
    "neg": "∂(−u)/∂u = −1",
    "exp": "∂(eᵘ)/∂u = eᵘ",
    "log": "∂(ln u)/∂u = 1/u",
    "tanh": "∂(tanh u)/∂u = 1 − tanh²u",
    "sigmoid": "∂σ(u)/∂u = σ(u)(1 − σ(u))",
    "relu": "∂relu(u)/∂u = 1 if u > 0 else 0",
    "softplus": "∂softplus(u)/∂u = σ(u)",
}


def derivative_rules(node: Value) -> tuple[str, ...]:
    """The local derivative rule of ``node`` for each of its inputs, as text.

    >>> x = Value(0.5)
    >>> derivative_rules(x.tanh())
    ('∂(tanh u)/∂u = 1 − tanh²u',)
    """
    if node._a is None:
        return ()
    if node._b is None:
        return (_RULES_ONE_INPUT[node._op],)
    return _RULES_TWO_INPUTS[node._op]
