"""The same net in PyTorch: :func:`to_torch`, :func:`from_torch`, and PyTorch autograd's
gradient of the same net, sample and loss (:func:`torch_gradient`, the ``torch`` method of
:func:`microbp.gradcheck`).

The layout needs no transposing: ``torch.nn.Linear`` computes z = x Wᵀ + b with ``weight`` of
shape (out_features, in_features), so ``Linear.weight`` row i, column j **is** wᵢⱼ⁽ˡ⁾ (row =
neuron i of layer l, column = input j from layer l − 1), the tutorial's W⁽ˡ⁾ as it stands,
and ``Linear.bias`` is b⁽ˡ⁾. One sample is one row of the batch X, as in
:func:`microbp.bp.backprop`.

PyTorch is imported when a function here is first called, never by ``import microbp``:
``pip install 'microbp[torch]'`` provides it, and without it each function raises an
``ImportError`` that says so.
"""

from __future__ import annotations

import importlib
import io
from collections import OrderedDict
from collections.abc import Sequence

from microbp import deprecation, losses
from microbp.gradcheck import Method
from microbp.nn import MLP

__all__ = [
    "MODULES",
    "to_torch",
    "from_torch",
    "torch_loss",
    "torch_gradient",
    "torch_method",
    "state_dict_bytes",
    "require_torch",
]

NO_TORCH = "PyTorch is not installed: pip install 'microbp[torch]' provides it"

#: The activation module of each microbp activation (softmax: none, see :func:`to_torch`).
MODULES = {
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
    "relu": "ReLU",
    "softplus": "Softplus",
    "identity": "Identity",
}
#: PyTorch's Softplus returns z itself past ``threshold``; at 40, ln(1 + e^z) = z + e^(−z)
#: rounds to z in float64 (e^(−40) ≈ 4·10⁻¹⁸ is below half an ulp of 40), so the shortcut
#: changes no bit. PyTorch's default, 20, would drop e^(−20) ≈ 2·10⁻⁹.
SOFTPLUS_THRESHOLD = 40.0


def require_torch():
    """The ``torch`` module; an ``ImportError`` naming the extra when it is missing."""
    try:
        return importlib.import_module("torch")
    except ImportError:
        raise ImportError(NO_TORCH) from None


def to_torch(net: MLP):
    """``net`` as a ``torch.nn.Sequential`` in float64 with exactly the same numbers.

    For l = 2…L the Sequential holds a ``Linear`` named ``"z{l}"`` (it computes
    z⁽ˡ⁾ = W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾: ``weight`` is W⁽ˡ⁾ in the tutorial's layout, row i = neuron i,
    column j = input j, and ``bias`` is b⁽ˡ⁾) followed by its activation module named
    ``"a{l}"`` (``Sigmoid``, ``Tanh``, ``ReLU``, ``Softplus`` with β = 1, ``Identity``).

    A **softmax output layer is exported as logits**: the Sequential ends with the
    ``Linear`` of layer L, so ``model(X)`` is z⁽ᴸ⁾, and the softmax goes into the loss, as
    PyTorch's ``CrossEntropyLoss`` expects (``torch_loss("cross_entropy")``; the same
    E = ln Σⱼ e^(zⱼ) − Σₖ yₖ zₖ as microbp's). ``torch.softmax(model(X), dim=1)`` gives
    ``net(x)``. Reading it back needs ``from_torch(model, output="softmax")``.

    Each number becomes a float64 (an exact ``Fraction`` is rounded to the nearest one);
    for a float net ``from_torch(to_torch(net))`` gives back every number bit for bit.
    """
    torch = require_torch()
    nn = torch.nn
    W, b = net.numbers()
    modules: OrderedDict = OrderedDict()
    for l in range(2, net.L + 1):
        n_out, n_in = net.sizes[l - 1], net.sizes[l - 2]
        linear = nn.Linear(n_in, n_out, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(_floats(W[l]), dtype=torch.float64))
            linear.bias.copy_(torch.tensor(_floats(b[l]), dtype=torch.float64))
        modules[f"z{l}"] = linear
        name = net.activations[l - 2]
        if name == "softmax":  # the logits: the softmax lives in the loss
            continue
        if name == "softplus":
            modules[f"a{l}"] = nn.Softplus(beta=1.0, threshold=SOFTPLUS_THRESHOLD)
        else:
            modules[f"a{l}"] = getattr(nn, MODULES[name])()
    return nn.Sequential(modules)


def state_dict_bytes(net: MLP) -> bytes:
    """The ``.pt`` file of ``net``: ``torch.save(to_torch(net).state_dict())`` as bytes (keys
    ``z2.weight``, ``z2.bias``, …; read it with ``model.load_state_dict(torch.load(path))``
    into a Sequential of the same shape)."""
    torch = require_torch()
    buffer = io.BytesIO()
    torch.save(to_torch(net).state_dict(), buffer)
    return buffer.getvalue()


def _floats(rows) -> list:
    """Nested lists of numbers as floats (a float stays the same float)."""
    if isinstance(rows, list):
        return [_floats(r) for r in rows]
    return float(rows)


# long: one pass over the Sequential's children, each kind of child refused where it stands
def from_torch(module, output: str | None = None) -> MLP:
    """A microbp :class:`~microbp.MLP` with the numbers of a ``torch.nn.Sequential``.

    The Sequential must be ``Linear``, activation, ``Linear``, activation, … (float32 or
    float64; every ``Linear`` with a bias). The activations are ``Sigmoid``, ``Tanh``,
    ``ReLU``, ``Softplus`` (β = 1, threshold ≥ 20) and ``Identity``; a ``Linear`` followed by
    another ``Linear`` or by nothing is an identity layer, and a last ``Softmax(dim=-1)`` (or
    ``dim=1``) makes a softmax output layer. ``output="softmax"`` reads a Sequential that ends
    with logits, as :func:`to_torch` exports a softmax net, as a softmax output layer.

    Anything else is refused with a ``ValueError`` naming the layer: a convolution, a
    dropout, a normalisation, an activation microbp lacks (``LeakyReLU``, ``GELU``, …), two
    activations in a row, a ``Linear`` without bias, sizes that do not chain.

    Each float32 number widens to the float64 of the same value, so the net computes with
    exactly the numbers the module holds.
    """
    torch = require_torch()
    nn = torch.nn
    if not isinstance(module, nn.Sequential):
        raise ValueError(
            f"from_torch reads a torch.nn.Sequential of Linear layers and activations, got "
            f"{type(module).__name__}"
        )
    if output not in (None, "softmax"):
        raise ValueError(f"output must be None or 'softmax', got {output!r}")
    children = list(module.named_children())
    W: dict[int, list] = {}
    b: dict[int, list] = {}
    acts: list[str] = []
    l = 1
    previous = None  # "linear" or "activation"
    for position, (name, child) in enumerate(children):
        where = f"layer {name!r} ({child!r}) of the Sequential"
        if isinstance(child, nn.Linear):
            if child.bias is None:
                raise ValueError(
                    f"{where} has no bias: every microbp layer has a bias b⁽ˡ⁾ (Linear(..., "
                    "bias=True))"
                )
            if previous == "linear":
                acts.append("identity")
            l += 1
            W[l] = child.weight.detach().cpu().double().tolist()
            b[l] = child.bias.detach().cpu().double().tolist()
            previous = "linear"
            continue
        act = _activation_name(nn, child, where, last=position == len(children) - 1)
        if previous != "linear":
            what = "begins with" if previous is None else "has two activations in a row at"
            raise ValueError(
                f"the Sequential {what} {where}: microbp reads Linear, activation, Linear, "
                "activation, … (one activation after each Linear)"
            )
        acts.append(act)
        previous = "activation"
    if not W:
        raise ValueError("the Sequential has no Linear layer: there is no net to read")
    if previous == "linear":
        acts.append("softmax" if output == "softmax" else "identity")
    elif output == "softmax":
        raise ValueError(
            f"output='softmax' reads the last Linear's outputs as logits, but the Sequential "
            f"ends with an activation ({children[-1][1]!r})"
        )
    _check_chain(W)
    return MLP.from_weights(W, b, activation=acts)


def _check_chain(W: dict[int, list]) -> None:
    """Each Linear takes as many inputs as the one before gives outputs."""
    for k in sorted(W)[1:]:
        n_prev, n_in = len(W[k - 1]), len(W[k][0])
        if n_prev != n_in:
            raise ValueError(
                f"the Linear layers do not chain: one gives {n_prev} outputs, the next takes "
                f"{n_in} inputs"
            )


def _activation_name(nn, child, where: str, last: bool) -> str:
    """The microbp name of an activation module; a ``ValueError`` naming anything else."""
    for name, cls in MODULES.items():
        if type(child) is getattr(nn, cls):
            if name == "softplus" and (child.beta != 1 or child.threshold < 20):
                raise ValueError(
                    f"{where}: microbp's softplus is ln(1 + e^z), β = 1 (threshold ≥ 20), got "
                    f"beta={child.beta}, threshold={child.threshold}"
                )
            return name
    if type(child) is nn.Softmax:
        if last and child.dim in (-1, 1):
            return "softmax"
        raise ValueError(
            f"{where}: softmax is microbp's output layer only, over the classes "
            "(Softmax(dim=-1) as the last module)"
        )
    kind = type(child).__name__
    if "Dropout" in kind:
        reason = "microbp has no dropout (drop it: in eval mode it changes nothing)"
    elif any(k in kind for k in ("Conv", "Pool", "Norm", "RNN", "LSTM", "GRU", "Attention")):
        reason = f"microbp's nets are fully connected (Linear and activations), not {kind}"
    else:
        reason = "an activation or module microbp lacks"
    raise ValueError(
        f"{where} is not supported: {reason}; microbp reads Linear and "
        + ", ".join(MODULES.values())
        + " (and a last Softmax)"
    )


# --------------------------------------------------------------------------------------------
# The losses and the gradient method


def torch_loss(loss="squared_error"):
    """microbp's E_total = (1/N) Σᵢ E₍ᵢ₎ for ``loss`` as a PyTorch function ``E(out, Y)``.

    ``out`` is what the microbp loss takes (:mod:`microbp.losses`): the outputs a⁽ᴸ⁾ for the
    squared error, the logits z⁽ᴸ⁾ for the two cross-entropies; ``Y`` the (N, n_L) targets.

    * ``squared_error``: ``MSELoss(reduction="sum")(a, Y) / (2N)`` = (1/N) Σᵢ ½‖yᵢ − aᵢ‖²
      (PyTorch's default mean would also divide by n_L and drop the ½);
    * ``binary_cross_entropy``: ``BCEWithLogitsLoss(reduction="sum")(z, Y) / N``, on the
      z⁽ᴸ⁾ of the sigmoid layer (the Sequential without its last ``Sigmoid``);
    * ``cross_entropy``: ``CrossEntropyLoss()(z, Y)`` on the logits, Y a probability
      distribution per row (one-hot for a class): its mean over the N rows is microbp's E.
    """
    torch = require_torch()
    nn = torch.nn
    name = losses.get(loss).name
    if name == "squared_error":
        mse = nn.MSELoss(reduction="sum")
        return lambda a, Y: mse(a, Y) / (2 * Y.shape[0])
    if name == "binary_cross_entropy":
        bce = nn.BCEWithLogitsLoss(reduction="sum")
        return lambda z, Y: bce(z, Y) / Y.shape[0]
    return nn.CrossEntropyLoss()


def _outputs(model, X, output: str):
    """(z⁽ᴸ⁾, a⁽ᴸ⁾) of a :func:`to_torch` Sequential for the rows of X."""
    torch = require_torch()
    if output == "softmax":  # the Sequential gives the logits
        z = model(X)
        return z, torch.softmax(z, dim=1)
    z = model[:-1](X)  # every module but the last activation
    return z, model[-1](z)


def torch_gradient(net: MLP, x: Sequence, y: Sequence, loss="squared_error") -> list[float]:
    """PyTorch autograd's ∂E/∂θ for one sample, in ``net.parameters()`` order.

    The net goes through :func:`to_torch` (float64, the same numbers), the sample becomes a
    batch of one row, E is :func:`torch_loss` of ``loss`` (the same cost as microbp's), and
    ``E.backward()`` fills ``weight.grad`` and ``bias.grad``: read row by row, W⁽ˡ⁾ then b⁽ˡ⁾
    for l = 2…L, as :meth:`microbp.MLP.parameters` orders them.
    """
    torch = require_torch()
    cost = losses.get(loss)
    losses.check_output(cost, net.activations[-1])
    losses.check_targets(cost, [list(y)])
    model = to_torch(net)
    X = torch.tensor([_floats(list(x))], dtype=torch.float64)
    Y = torch.tensor([_floats(list(y))], dtype=torch.float64)
    z, a = _outputs(model, X, net.activations[-1])
    E = torch_loss(cost)(z if cost.takes == "z" else a, Y)
    E.backward()
    grads: list[float] = []
    for l in range(2, net.L + 1):
        linear = model.get_submodule(f"z{l}")
        for row in linear.weight.grad.tolist():
            grads.extend(row)
        grads.extend(linear.bias.grad.tolist())
    return grads


def torch_method():
    """The ``torch`` method for :func:`microbp.gradcheck` (``compare=torch_method()``): PyTorch
    autograd's gradient, named ``"torch"``; an ``ImportError`` naming the extra if PyTorch is
    missing, before anything is computed."""
    require_torch()
    return Method("torch", torch_gradient)


# torch_road, the old name of torch_method (deprecated, removed in the next release;
# CHANGELOG.md): only a use of the old name warns.
__getattr__ = deprecation.renamed(__name__, globals(), {"torch_road": "torch_method"})
