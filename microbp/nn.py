"""A multilayer perceptron over :class:`~microbp.Value` nodes, in the tutorial's notation.

* Layers are numbered 1 … L; layer 1 is the input, a⁽¹⁾ = x. ``sizes = [n₁, …, n_L]``.
* W⁽ˡ⁾ ∈ ℝ^{n_l × n_{l−1}} maps layer l−1 to layer l (2 ≤ l ≤ L); wᵢⱼ⁽ˡ⁾ (row i, column j)
  is the weight from neuron j of layer l−1 to neuron i of layer l.
* z⁽ˡ⁾ = W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾ (the state), a⁽ˡ⁾ = f(z⁽ˡ⁾) (the activation).

The boundary between the tutorial's 1-based indices and Python's 0-based lists: the methods
``net.W(l)``, ``net.b(l)``, ``net.w(l, i, j)``, ``net.bias(l, i)`` and the dictionaries of
:class:`Forward` are keyed by the tutorial's l, i, j; the lists they return are ordinary
0-based Python lists, so ``net.W(l)[i - 1][j - 1] is net.w(l, i, j)``.

Parameter order (``net.parameters()``, and every flat vector of parameters): for
l = 2, …, L, first W⁽ˡ⁾ row by row (w₁₁⁽ˡ⁾, w₁₂⁽ˡ⁾, …, w_{n_l n_{l−1}}⁽ˡ⁾), then b⁽ˡ⁾
(b₁⁽ˡ⁾ … b_{n_l}⁽ˡ⁾).
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from microbp import activations, checks, modelfile, names, numtypes
from microbp.engine import Value
from microbp.names import Name

__all__ = ["Neuron", "Layer", "MLP", "Forward", "INITS", "softmax"]

Activation = activations.Activation


def _small_w(n_in: int, n_out: int, rng: random.Random) -> float:
    """The tutorial's "small random values near zero": U(−0.1, 0.1)."""
    return rng.uniform(-0.1, 0.1)


def _xavier_w(n_in: int, n_out: int, rng: random.Random) -> float:
    """Xavier/Glorot uniform: U(−r, r) with r = √(6 / (n_in + n_out))."""
    r = math.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-r, r)


def _he_w(n_in: int, n_out: int, rng: random.Random) -> float:
    """He (Kaiming) normal: N(0, 2 / n_in)."""
    return rng.gauss(0.0, math.sqrt(2.0 / n_in))


def _zero_b(n_in: int, n_out: int, rng: random.Random) -> float:
    return 0.0


Draw = Callable[[int, int, random.Random], float]

#: Initialisation schemes by name: (draw one weight, draw one bias). The tutorial's "small"
#: draws both w and b near zero; Xavier/Glorot and He start the biases at 0.
INITS: dict[str, tuple[Draw, Draw]] = {
    "small": (_small_w, _small_w),
    "xavier": (_xavier_w, _zero_b),
    "he": (_he_w, _zero_b),
}


def init_numbers(sizes: Sequence[int], init: str = "small", seed: int = 0):
    """The initial numbers of ``MLP(sizes, seed=seed, init=init)``, in the order drawn.

    One ``random.Random(seed)``; for l = 2…L and i = 1…n_l it draws wᵢ₁⁽ˡ⁾ … wᵢₙ⁽ˡ⁾, then
    bᵢ⁽ˡ⁾, by :data:`INITS` ``[init]``, and yields ``(l, i, [wᵢ₁⁽ˡ⁾, …], bᵢ⁽ˡ⁾)``. The one
    home of the init loop: :class:`MLP` builds its Values from it, and
    ``microbp.experiments.vanishing.draw_weights`` its float arrays.
    """
    draw_w, draw_b = INITS[init]
    rng = random.Random(seed)
    for l in range(2, len(sizes) + 1):
        n_in, n_out = sizes[l - 2], sizes[l - 1]
        for i in range(1, n_out + 1):
            w = [draw_w(n_in, n_out, rng) for _ in range(n_in)]
            yield l, i, w, draw_b(n_in, n_out, rng)


class Neuron:
    """Neuron i of layer l: a row wᵢ⁽ˡ⁾ of W⁽ˡ⁾, a bias bᵢ⁽ˡ⁾ and an activation f.

    ``neuron.z(a_prev)`` builds zᵢ⁽ˡ⁾ = Σⱼ wᵢⱼ⁽ˡ⁾ aⱼ⁽ˡ⁻¹⁾ + bᵢ⁽ˡ⁾ (the sum in the tutorial's order,
    j = 1 … n_{l−1}, then + bᵢ⁽ˡ⁾), and ``neuron.activate(z)`` builds aᵢ⁽ˡ⁾ = f(zᵢ⁽ˡ⁾).
    """

    __slots__ = ("w", "b", "activation")

    def __init__(self, w: list[Value], b: Value, activation: Activation) -> None:
        self.w = w
        self.b = b
        self.activation = activation

    def z(self, a_prev: Sequence) -> Value:
        w = self.w
        z = w[0] * a_prev[0]
        for j in range(1, len(w)):
            z = z + w[j] * a_prev[j]
        return z + self.b

    def activate(self, z: Value) -> Value:
        """aᵢ⁽ˡ⁾ = f(zᵢ⁽ˡ⁾), for an element-wise f (a softmax neuron needs its whole layer)."""
        return _op(self.activation)(z)

    def __call__(self, a_prev: Sequence) -> Value:
        return self.activate(self.z(a_prev))

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]


class Layer:
    """Layer l (2 ≤ l ≤ L): n_l neurons, each reading all n_{l−1} activations of layer l−1."""

    __slots__ = ("l", "neurons", "activation")

    def __init__(self, l: int, neurons: list[Neuron], activation: Activation) -> None:
        self.l = l
        self.neurons = neurons
        self.activation = activation

    def __call__(self, a_prev: Sequence) -> list[Value]:
        return self.activate([n.z(a_prev) for n in self.neurons])

    def activate(self, z: Sequence[Value]) -> list[Value]:
        """a⁽ˡ⁾ = f(z⁽ˡ⁾) for given z-nodes (one per neuron): element-wise, or the softmax."""
        if len(z) != len(self.neurons):
            raise ValueError(
                f"layer {self.l} has {len(self.neurons)} neurons, got {len(z)} z-nodes"
            )
        return activate(self.activation, z)


#: The one dispatch from an activation record to the Value op that builds its a-node.
#: Every activation of :data:`microbp.activations.ACTIVATIONS` is here (a test keeps the two
#: in step); softmax is not element-wise and goes through :func:`activate`.
_OPS = {
    "sigmoid": Value.sigmoid,
    "tanh": Value.tanh,
    "relu": Value.relu,
    "softplus": Value.softplus,
    "identity": lambda z: z,  # f(z) = z: the a-node is the z-node
}


def _op(f: Activation):
    try:
        return _OPS[f.name]
    except KeyError:
        raise ValueError(
            f"activation {f.name!r} has no Value op; expected one of: {', '.join(_OPS)} "
            "(softmax needs its whole layer: Layer.activate)"
        ) from None


def activate(f: Activation | activations.Softmax, z: Sequence[Value]) -> list[Value]:
    """a⁽ˡ⁾ = f(z⁽ˡ⁾) on Values: the softmax over the whole layer, else f on each zᵢ⁽ˡ⁾."""
    if f is activations.SOFTMAX:
        return softmax(z)
    op = _op(f)
    return [op(zi) for zi in z]


def softmax(z: Sequence[Value]) -> list[Value]:
    """A softmax output layer on Values: aₖ = e^{zₖ − m} / Σⱼ e^{zⱼ − m}, m = maxⱼ zⱼ.

    m is a constant (a number, not a node): the function of z is the same for any m, so the
    graph's gradients are those of softmax, and no exponent exceeds 0 (no overflow); m = 0
    over SymPy symbols (:func:`microbp.activations.softmax_shift`).
    """
    m = activations.softmax_shift([zk.data for zk in z])
    e = [(zk - m).exp() for zk in z]
    s = numtypes.total(e)  # Σⱼ e^{zⱼ − m}: one + node per term after the first
    return [ek / s for ek in e]


@dataclass
class Forward:
    """One forward pass, every state and activation kept, keyed by the tutorial's l.

    ``z[l]`` (2 ≤ l ≤ L) and ``a[l]`` (1 ≤ l ≤ L) are lists of Values, 0-based inside:
    ``z[l][i - 1]`` is zᵢ⁽ˡ⁾. ``a[1]`` is x (as Values) and ``a[L]`` the output. After
    ``E.backward()``, ``z[l][i - 1].grad`` is δᵢ⁽ˡ⁾.
    """

    z: dict[int, list[Value]]
    a: dict[int, list[Value]]
    #: The net that made the pass (its parameters are named too), or None.
    net: MLP | None = field(default=None, repr=False, compare=False)

    @property
    def output(self) -> list[Value]:
        """a⁽ᴸ⁾."""
        return self.a[max(self.a)]

    def delta(self, l: int) -> list:
        """δ⁽ˡ⁾ read off the graph: the gradients of the z-nodes of layer l."""
        return [z.grad for z in self.z[l]]

    def names(self) -> dict[int, Name]:
        """``id(node) -> Name`` (:class:`microbp.names.Name`) for every x-, z- and a-node, and
        every parameter of the net that made the pass: the tutorial's names as data
        (``str(name)`` is ``z₁⁽²⁾``). A z-node that is also the a-node (f = identity) is z."""
        out: dict[int, Name] = {}
        if self.net is not None:
            out.update((id(p), name) for name, p in self.net.named_parameters())
        for l, a in self.a.items():
            for i, node in enumerate(a, start=1):
                out[id(node)] = names.x(i) if l == 1 else names.a(l, i)
        for l, z in self.z.items():
            for i, node in enumerate(z, start=1):
                out[id(node)] = names.z(l, i)
        return out


ActivationSpec = str | Sequence[str]


class MLP:
    """A multilayer perceptron ``sizes = [n₁, …, n_L]`` in the tutorial's notation.

    >>> net = MLP([3, 3, 2], activation="sigmoid", seed=0)
    >>> out = net([1.0, 0.5, -0.5])          # a⁽ᴸ⁾, a list of n_L Values
    >>> len(out), len(net.W(2)), len(net.W(2)[0])
    (2, 3, 3)
    >>> net.w(3, 1, 2) is net.W(3)[0][1]     # w₁₂⁽³⁾: 1-based in, 0-based lists out
    True

    ``activation`` is one name for every layer 2…L, or a list of one name per layer 2…L
    (names: see :data:`microbp.activations.ACTIVATIONS`; the last layer may also be
    ``"softmax"``, aₖ⁽ᴸ⁾ = e^{zₖ⁽ᴸ⁾} / Σⱼ e^{zⱼ⁽ᴸ⁾}, e.g. ``activation=["tanh", "softmax"]``).
    ``init`` is ``"small"`` (the tutorial's small random values near zero, U(−0.1, 0.1) for w
    and b), ``"xavier"`` or ``"he"``; every draw comes from ``random.Random(seed)``, so the
    same arguments give the same net.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: ActivationSpec = "sigmoid",
        seed: int = 0,
        init: str = "small",
    ) -> None:
        sizes = checks.sizes(sizes)
        acts = _check_activations(activation, len(sizes), sizes[-1])
        checks.choice("init", init, INITS)
        seed = checks.seed(seed)  # it seeds random.Random
        self.sizes = sizes
        self.init = init
        self.seed = seed
        neurons: dict[int, list[Neuron]] = {l: [] for l in range(2, len(sizes) + 1)}
        for l, i, w_i, b_i in init_numbers(sizes, init, seed):
            w = [Value(w, label=names.w(l, i, j).plain) for j, w in enumerate(w_i, 1)]
            b = Value(b_i, label=names.b(l, i).plain)
            neurons[l].append(Neuron(w, b, acts[l - 2]))
        self.layers: dict[int, Layer] = {
            l: Layer(l, neurons[l], acts[l - 2]) for l in range(2, len(sizes) + 1)
        }
        self._x_labels = [names.x(j).plain for j in range(1, sizes[0] + 1)]  # x_1, x_2, …

    @classmethod
    def from_weights(
        cls,
        W: dict[int, Sequence[Sequence]],
        b: dict[int, Sequence],
        activation: ActivationSpec = "sigmoid",
    ) -> MLP:
        """A net with the given numbers: ``W[l]`` an n_l × n_{l−1} matrix, ``b[l]`` n_l long.

        The sizes are read off the shapes (keys 2…L); numbers keep their type, so
        ``Fraction`` weights make an exact net. Every shape and number is checked before the
        net is built (:func:`microbp.checks.weights`, :func:`microbp.checks.weight`): a NaN,
        ±∞ or a number beyond float range is a ``ValueError``.
        """
        sizes = checks.weights(W, b)
        numbers_W = {
            l: [
                [checks.weight(w, str(names.w(l, i, j))) for j, w in enumerate(row, 1)]
                for i, row in enumerate(W[l], 1)
            ]
            for l in W
        }
        numbers_b = {
            l: [checks.weight(v, str(names.b(l, i))) for i, v in enumerate(b[l], 1)] for l in b
        }
        net = cls(sizes, activation=activation)
        for l in sorted(W):
            for row, values in zip(net.W(l), numbers_W[l]):
                for w, value in zip(row, values):
                    w.data = Value(value).data
            for bi, value in zip(net.b(l), numbers_b[l]):
                bi.data = Value(value).data
        return net

    def save(self, path) -> None:
        """Write sizes, activations and every parameter to ``path`` as JSON, atomically.

        Floats are written exactly (bit-exact round trip), Fractions as ``"p/q"``; see
        :mod:`microbp.modelfile` for the format. A failure leaves an old file at ``path`` intact.
        """
        modelfile.save(self, path)

    @classmethod
    def load(cls, path) -> MLP:
        """A net read from a file written by :meth:`save`, checked in full before building it.

        A bad file (empty, truncated, not JSON, not a model, wrong shapes, a weight that is
        not a finite number, an unknown activation) raises ``ValueError`` saying what is wrong.
        """
        return modelfile.load(path, cls)

    # ----------------------------------------------------------------------------------------
    # Shape and parameters

    @property
    def L(self) -> int:
        """The number of layers, input layer included."""
        return len(self.sizes)

    @property
    def activations(self) -> list[str]:
        """The activation name of each layer 2…L."""
        return [self.layers[l].activation.name for l in range(2, self.L + 1)]

    def W(self, l: int) -> list[list[Value]]:
        """W⁽ˡ⁾: n_l rows of n_{l−1} weight Values (row i − 1 holds wᵢ₁⁽ˡ⁾ … wᵢ,ₙ⁽ˡ⁾)."""
        return [n.w for n in self._layer(l).neurons]

    def b(self, l: int) -> list[Value]:
        """b⁽ˡ⁾: the n_l bias Values of layer l."""
        return [n.b for n in self._layer(l).neurons]

    def w(self, l: int, i: int, j: int) -> Value:
        """wᵢⱼ⁽ˡ⁾, the weight from neuron j of layer l−1 to neuron i of layer l (1-based)."""
        layer = self._layer(l)
        _check_index("i", i, l, self.sizes[l - 1])
        _check_index("j", j, l - 1, self.sizes[l - 2])
        return layer.neurons[i - 1].w[j - 1]

    def bias(self, l: int, i: int) -> Value:
        """bᵢ⁽ˡ⁾ (1-based)."""
        layer = self._layer(l)
        _check_index("i", i, l, self.sizes[l - 1])
        return layer.neurons[i - 1].b

    def parameters(self) -> list[Value]:
        """Every parameter: for l = 2…L, W⁽ˡ⁾ row by row, then b⁽ˡ⁾."""
        params = []
        for l in range(2, self.L + 1):
            neurons = self.layers[l].neurons
            for n in neurons:
                params.extend(n.w)
            params.extend(n.b for n in neurons)
        return params

    def parameter_names(self) -> list[str]:
        """The tutorial's name of each parameter in the plain form a user types (``w_12^(3)``,
        ``b_1^(3)``; each parameter's label), in parameter order."""
        return [name.plain for name, _ in self.named_parameters()]

    def named_parameters(self) -> list[tuple[Name, Value]]:
        """``(name, parameter)`` in parameter order, the name as data
        (:class:`microbp.names.Name`: ``names.w(l, i, j)``, ``names.b(l, i)``)."""
        out = []
        for l in range(2, self.L + 1):
            neurons = self.layers[l].neurons
            for i, n in enumerate(neurons, start=1):
                out.extend((names.w(l, i, j), w) for j, w in enumerate(n.w, start=1))
            out.extend((names.b(l, i), n.b) for i, n in enumerate(neurons, start=1))
        return out

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0 (leaves accumulate across ``backward()``)."""
        for p in self.parameters():
            p.grad = 0

    def numbers(self) -> tuple[dict[int, list[list]], dict[int, list]]:
        """The current numbers, exact as stored: ``(W, b)`` keyed by l, nested lists."""
        W = {l: [[w.data for w in row] for row in self.W(l)] for l in self.layers}
        b = {l: [bi.data for bi in self.b(l)] for l in self.layers}
        return W, b

    def copy(self, activation: ActivationSpec | None = None) -> MLP:
        """A new net with this one's numbers and labels, and its activations (or
        ``activation``): new Values, so a change to either net leaves the other as it was.
        The numbers were checked when they were set, so it is quicker than
        ``MLP.from_weights(*net.numbers())``, which checks and names each one again."""
        acts = (
            [self.layers[l].activation for l in self.layers]
            if activation is None
            else _check_activations(activation, len(self.sizes), self.sizes[-1])
        )
        new = object.__new__(type(self))
        new.sizes, new.init, new.seed = list(self.sizes), self.init, self.seed
        new.layers = {
            l: Layer(
                l,
                [
                    Neuron([Value(w.data, w.label) for w in n.w], Value(n.b.data, n.b.label), f)
                    for n in layer.neurons
                ],
                f,
            )
            for (l, layer), f in zip(self.layers.items(), acts, strict=True)
        }
        new._x_labels = list(self._x_labels)
        return new

    def to_arrays(self) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
        """The current numbers as float64 arrays: ``(W, b)``, ``W[l]`` of shape (n_l, n_{l−1})."""
        W = {
            l: np.array([[w.data for w in row] for row in self.W(l)], dtype=np.float64)
            for l in self.layers
        }
        b = {l: np.array([bi.data for bi in self.b(l)], dtype=np.float64) for l in self.layers}
        return W, b

    def get_flat(self) -> np.ndarray:
        """Every parameter's number as one float64 vector, in parameter order."""
        return np.array([p.data for p in self.parameters()], dtype=np.float64)

    def set_flat(self, theta) -> None:
        """Set every parameter from a vector in parameter order (checked before any change)."""
        params = self.parameters()
        theta = np.array(theta)  # a copy, read whole before any parameter is written
        if theta.shape != (len(params),):
            raise ValueError(
                f"expected a flat vector of {len(params)} parameters, got shape {theta.shape}"
            )
        real = np.issubdtype(theta.dtype, np.floating) or np.issubdtype(theta.dtype, np.integer)
        if not real or not np.all(np.isfinite(theta)):
            raise ValueError(
                f"parameter vector must hold finite real numbers (float or int), got dtype "
                f"{theta.dtype}"
            )
        values = theta.tolist()
        for p, t in zip(params, values):
            p.data = t

    def _layer(self, l: int) -> Layer:
        if isinstance(l, bool) or not isinstance(l, numbers.Integral) or l not in self.layers:
            raise IndexError(
                f"layer index l = {l!r} is outside 2…L = 2…{self.L} "
                "(layer 1 is the input and has no weights)"
            )
        return self.layers[l]

    # ----------------------------------------------------------------------------------------
    # Forward pass

    def forward(self, x: Sequence) -> Forward:
        """Forward propagation, keeping every z⁽ˡ⁾ and a⁽ˡ⁾.

        a⁽¹⁾ = x; for l = 2…L: z⁽ˡ⁾ = W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾, a⁽ˡ⁾ = f(z⁽ˡ⁾).
        Numbers in ``x`` become leaf Values (labelled x_1, x_2, …); Values are used as given.
        """
        a_prev = self._inputs(x)
        z_all: dict[int, list[Value]] = {}
        a_all: dict[int, list[Value]] = {1: a_prev}
        for l in range(2, self.L + 1):
            layer = self.layers[l]
            z = [n.z(a_prev) for n in layer.neurons]
            a_prev = activate(layer.activation, z)
            z_all[l] = z
            a_all[l] = a_prev
        return Forward(z=z_all, a=a_all, net=self)

    def __call__(self, x: Sequence) -> list[Value]:
        """a⁽ᴸ⁾ for input x: a list of n_L Values."""
        a = self._inputs(x)
        for l in range(2, self.L + 1):
            a = self.layers[l](a)
        return a

    def _inputs(self, x: Sequence) -> list[Value]:
        """x as leaf Values, after :func:`microbp.checks.sample`: a sequence of n₁ finite numbers
        or Values (not a dict or set)."""
        xs = checks.sample(x, self.sizes[0])
        return [
            xi if type(xi) is Value else Value(xi, label=label)
            for xi, label in zip(xs, self._x_labels)
        ]

    def __repr__(self) -> str:
        acts = self.activations
        act = acts[0] if len(set(acts)) == 1 else acts
        return f"MLP({self.sizes}, activation={act!r}, init={self.init!r}, seed={self.seed})"


def _check_activations(activation: ActivationSpec, L: int, n_L: int = 2) -> list[Activation]:
    fs = checks.activations(activation, L, n_L)  # softmax: the output layer only, n_L ≥ 2
    return [_table_activation(f) for f in fs[:-1]] + [_output_activation(fs[-1])]


def _output_activation(f) -> Activation | activations.Softmax:
    return f if f is activations.SOFTMAX else _table_activation(f)


def _table_activation(spec: str | Activation) -> Activation:
    """An activation of the table: each is an op of Value (``z.sigmoid()`` …), so a custom
    :class:`~microbp.activations.Activation` record cannot build a node."""
    if isinstance(spec, Activation) and activations.ACTIVATIONS.get(spec.name) is not spec:
        raise ValueError(
            f"MLP takes the activations of microbp.activations.ACTIVATIONS (each is an op of "
            f"Value), got a custom Activation {spec.name!r}; expected one of: "
            + ", ".join(activations.ACTIVATIONS)
        )
    return activations.get(spec)


def _check_index(name: str, value, l: int, n: int) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not 1 <= value <= n:
        raise IndexError(f"neuron index {name} = {value!r} is outside 1…n_{l} = 1…{n}")
