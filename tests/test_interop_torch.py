"""microbp.interop.pytorch: the same net in PyTorch, the same numbers, the same gradients.

Random nets (every activation, every loss, softmax outputs): PyTorch's forward outputs and
autograd's gradient of every weight equal microbp's within 1e-12 (relative to the largest);
microbp → torch → microbp gives back every number bit for bit; hand-built Sequentials in
float32 and float64 are read with the numbers they hold; anything else is refused by name.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microbp import MLP, bp, losses
from microbp.data import tutorial_example
from microbp.interop import from_torch, to_torch, torch_gradient, torch_loss
from tests.strategies import net_sample_loss

torch = pytest.importorskip("torch")
nn = torch.nn

TOL = 1e-12


def close(a: list[float], b: list[float], tol: float = TOL) -> bool:
    """Every |aₖ − bₖ| ≤ tol · max(1, the largest |bₖ|)."""
    scale = max([1.0] + [abs(v) for v in b])
    return len(a) == len(b) and all(abs(p - q) <= tol * scale for p, q in zip(a, b))


def autodiff(net: MLP, x, y, loss) -> list[float]:
    cost = losses.get(loss)
    fw = net.forward(x)
    E = cost.sample(y, fw.z[net.L], fw.output)
    net.zero_grad()
    E.backward()
    return [p.grad for p in net.parameters()]


def torch_outputs(net: MLP, x) -> list[float]:
    model = to_torch(net)
    out = model(torch.tensor([x], dtype=torch.float64))
    if net.activations[-1] == "softmax":
        out = torch.softmax(out, dim=1)
    return out[0].tolist()


# --------------------------------------------------------------------------------------------
# The same numbers, the same outputs, the same gradients


@given(net_sample_loss())
def test_forward_outputs_equal_pytorchs(case):
    net, x, _, _ = case
    assert close(torch_outputs(net, x), [a.data for a in net(x)])


@given(net_sample_loss())
def test_every_gradient_equals_pytorch_autograd_and_bp(case):
    net, x, y, loss = case
    theirs = torch_gradient(net, x, y, loss)
    assert close(theirs, autodiff(net, x, y, loss))
    assert close(theirs, bp.index_form(net, x, y, loss).flat())


def test_the_tutorials_example_has_pytorchs_gradient():
    ex = tutorial_example()
    net = ex.net()
    theirs = torch_gradient(net, ex.x, ex.y)
    assert close(theirs, autodiff(net, ex.x, ex.y, "squared_error"))
    assert close(theirs, list(bp.backprop(net, ex.X, ex.Y).flat()))


@given(net_sample_loss(), st.randoms(use_true_random=False))
def test_round_trip_through_pytorch_is_bit_exact(case, rnd):
    net, *_ = case
    # numbers of every magnitude, not only the init's: each float must survive as itself
    net.set_flat([rnd.uniform(-1, 1) * 10.0 ** rnd.randint(-300, 300) for _ in net.parameters()])
    back = from_torch(to_torch(net), output="softmax" if net.activations[-1] == "softmax" else None)
    assert back.sizes == net.sizes and back.activations == net.activations
    assert back.numbers() == net.numbers()
    assert all(type(v) is float for v in back.get_flat().tolist())


def test_linear_weight_is_w_in_the_tutorials_layout():
    ex = tutorial_example()
    model = to_torch(ex.net())
    assert [name for name, _ in model.named_children()] == ["z2", "a2", "z3", "a3"]
    assert model.z2.weight.dtype == torch.float64
    # row i = neuron i of layer l, column j = input j: w_12^(2) = W[2][0][1], no transpose
    assert model.z2.weight.tolist() == [list(r) for r in ex.W[2]]
    assert model.z3.bias.tolist() == list(ex.b[3])
    assert set(model.state_dict()) == {"z2.weight", "z2.bias", "z3.weight", "z3.bias"}


def test_a_softmax_net_is_exported_as_logits_for_cross_entropy():
    net = MLP([3, 4, 3], activation=["tanh", "softmax"], seed=3, init="xavier")
    model = to_torch(net)
    assert isinstance(model[-1], nn.Linear)  # no Softmax module: model(X) is z⁽ᴸ⁾
    X = [[0.5, -1.0, 2.0], [1.0, 0.0, -0.5]]
    Y = [[1.0, 0.0, 0.0], [0.2, 0.3, 0.5]]
    logits = model(torch.tensor(X, dtype=torch.float64))
    assert close(logits.flatten().tolist(), [z.data for x in X for z in net.forward(x).z[3]])
    E = torch_loss("cross_entropy")(logits, torch.tensor(Y, dtype=torch.float64))
    assert isinstance(torch_loss("cross_entropy"), nn.CrossEntropyLoss)
    mine = losses.total_error(Y, [net.forward(x).z[3] for x in X], "cross_entropy")
    assert math.isclose(E.item(), mine.data, rel_tol=TOL)


@pytest.mark.parametrize("loss", ["squared_error", "binary_cross_entropy"])
def test_torch_loss_is_microbps_total_error(loss):
    net = MLP([2, 3, 2], activation="sigmoid", seed=1, init="xavier")
    X, Y = [[0.5, -1.0], [2.0, 0.25], [-1.5, 1.0]], [[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]
    model = to_torch(net)
    Xt, Yt = torch.tensor(X, dtype=torch.float64), torch.tensor(Y, dtype=torch.float64)
    out = model[:-1](Xt) if loss == "binary_cross_entropy" else model(Xt)
    rows = [net.forward(x).z[3] if loss == "binary_cross_entropy" else net(x) for x in X]
    mine = losses.total_error(Y, rows, loss)
    assert math.isclose(torch_loss(loss)(out, Yt).item(), mine.data, rel_tol=TOL)


def test_softplus_far_from_zero_keeps_every_bit():
    net = MLP.from_weights({2: [[1.0], [-1.0]]}, {2: [0.0, 0.0]}, activation="softplus")
    for z in (25.0, 39.0, 45.0, 700.0, -30.0):
        assert torch_outputs(net, [z]) == [a.data for a in net([z])]


# --------------------------------------------------------------------------------------------
# Reading hand-built Sequentials


def hand_built(dtype):
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2), nn.Sigmoid()
    ).to(dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_from_torch_reads_a_hand_built_sequential_with_its_numbers(dtype):
    module = hand_built(getattr(torch, dtype))
    net = from_torch(module)
    assert net.sizes == [3, 4, 4, 2] and net.activations == ["tanh", "relu", "sigmoid"]
    assert net.W(3)[1][2].data == module[2].weight[1, 2].item()  # float32 widens exactly
    x, y = [0.5, -0.25, 1.5], [1.0, 0.0]
    # PyTorch's gradient on the same numbers (float64), and in the module's own dtype
    exact = module.double() if dtype == "float32" else module
    for m, tol in ((exact, TOL), (hand_built(getattr(torch, dtype)), 1e-5)):
        m.zero_grad()
        X = torch.tensor([x], dtype=m[0].weight.dtype)
        E = torch_loss("squared_error")(m(X), torch.tensor([y], dtype=X.dtype))
        E.backward()
        theirs = []
        for linear in (m[0], m[2], m[4]):
            theirs += linear.weight.grad.flatten().tolist() + linear.bias.grad.tolist()
        assert close(theirs, autodiff(net, x, y, "squared_error"), tol)


def test_from_torch_reads_identity_layers_and_a_last_softmax():
    module = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 3), nn.Identity(), nn.Linear(3, 2))
    assert from_torch(module).activations == ["identity", "identity", "identity"]
    soft = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 2), nn.Softmax(dim=-1))
    assert from_torch(soft).activations == ["sigmoid", "softmax"]
    assert from_torch(soft[:-1], output="softmax").numbers() == from_torch(soft).numbers()


REFUSED = [
    (nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5), nn.Linear(4, 2)), "Dropout", "dropout"),
    (nn.Sequential(nn.Conv1d(1, 2, 3), nn.ReLU()), "Conv1d", "fully connected"),
    (nn.Sequential(nn.Linear(3, 4), nn.LeakyReLU(), nn.Linear(4, 2)), "LeakyReLU", "lacks"),
    (nn.Sequential(nn.Linear(3, 4), nn.GELU()), "GELU", "lacks"),
    (nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)), "BatchNorm1d", "fully connected"),
    (nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Tanh()), "Tanh", "two activations"),
    (nn.Sequential(nn.Tanh(), nn.Linear(3, 4)), "Tanh", "begins with"),
    (nn.Sequential(nn.Linear(3, 4, bias=False)), "bias=False", "no bias"),
    (nn.Sequential(nn.Linear(3, 4), nn.Softplus(beta=2)), "Softplus", "β = 1"),
    (nn.Sequential(nn.Linear(3, 4), nn.Softmax(dim=-1), nn.Linear(4, 2)), "Softmax", "output"),
    (nn.Sequential(nn.Linear(3, 4), nn.Linear(5, 2)), "4 outputs", "chain"),
    (nn.Sequential(), "no Linear", "no net"),
    (nn.Linear(3, 4), "Linear", "torch.nn.Sequential"),
]


@pytest.mark.parametrize(("module", "named", "why"), REFUSED, ids=[r[1] for r in REFUSED])
def test_from_torch_refuses_what_microbp_lacks_naming_the_layer(module, named, why):
    with pytest.raises(ValueError) as info:
        from_torch(module)
    assert named in str(info.value) and why in str(info.value)


def test_output_softmax_needs_logits():
    with pytest.raises(ValueError, match="ends with an activation"):
        from_torch(nn.Sequential(nn.Linear(2, 3), nn.Sigmoid()), output="softmax")
