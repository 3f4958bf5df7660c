"""iRprop− against torch.optim.Rprop(lr=0.1, etas=(0.5, 1.2), step_sizes=(1e-6, 50)).

The stored reference (tests/data/torch_rprop_xor.json) was made by
benchmarks/torch_rprop_reference.py with torch's own autograd, in float64. The live tests
run only where torch is importable (it is not a dependency of microbp).
"""

import json
from pathlib import Path

import numpy as np
import pytest

from microbp import MLP, bp, data, fit
from microbp.optim import Rprop

REFERENCE = Path(__file__).parent / "data" / "torch_rprop_xor.json"


@pytest.fixture(scope="module")
def reference():
    return json.loads(REFERENCE.read_text())


@pytest.mark.parametrize("method", ["autodiff", "formulas"])
def test_irprop_minus_follows_the_stored_torch_trajectory(reference, method):
    assert reference["settings"] == {"lr": 0.1, "etas": [0.5, 1.2], "step_sizes": [1e-6, 50]}
    X, Y = data.xor()
    net = MLP(reference["sizes"], activation=reference["activation"], seed=reference["seed"])
    assert net.get_flat().tolist() == reference["theta"][0]
    h = fit(net, X, Y, Rprop("iRprop-"), max_epochs=reference["epochs"], tol=0, gradients=method)
    # Rprop moves by ±Δ, so the parameters agree bit for bit as long as every gradient sign
    # agrees; E agrees to rounding (the gradients are summed in a different order).
    assert net.get_flat().tolist() == reference["theta"][-1]
    np.testing.assert_allclose(h.loss, reference["loss"], rtol=1e-9, atol=1e-15)


def test_irprop_minus_every_parameter_vector_matches_torch(reference):
    X, Y = data.xor()
    net = MLP(reference["sizes"], activation=reference["activation"], seed=reference["seed"])
    opt = Rprop("iRprop-")
    theta = net.get_flat()
    for expected in reference["theta"][1:]:
        g = bp.backprop(net, X, Y)
        theta = opt.step(theta, g.flat(), g.E)
        net.set_flat(theta)
        assert theta.tolist() == expected


def test_live_irprop_minus_equals_torch_rprop_on_the_same_gradients():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    theta0 = rng.normal(size=12)
    p = torch.tensor(theta0.copy(), dtype=torch.float64, requires_grad=True)
    opt_t = torch.optim.Rprop([p], lr=0.1, etas=(0.5, 1.2), step_sizes=(1e-6, 50))
    opt = Rprop("iRprop-")
    theta = theta0.copy()
    for t in range(300):
        # gradients of a bumpy function, so signs flip often; some exact zeros too
        g = np.sin(3 * theta) + 0.3 * np.cos(t + np.arange(12))
        g[t % 12] = 0.0
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt_t.step()
        theta = opt.step(theta, g, 0.0)
        assert theta.tolist() == p.detach().numpy().tolist(), f"step {t}"


def test_live_irprop_minus_follows_torch_autograd_training_on_xor():
    # 40 epochs: at epoch 50 this run is saturated (largest |w| ≈ 755) and two gradient
    # components are exactly 0 in torch but 5.4e-312 here, so the signs part there.
    torch = pytest.importorskip("torch")
    X, Y = data.xor()
    net = MLP([2, 4, 1], seed=3)
    W, b = net.to_arrays()
    params = []
    for l in (2, 3):
        params += [torch.tensor(W[l], requires_grad=True), torch.tensor(b[l], requires_grad=True)]
    opt_t = torch.optim.Rprop(params, lr=0.1, etas=(0.5, 1.2), step_sizes=(1e-6, 50))
    Xt, Yt = torch.tensor(X), torch.tensor(Y)
    for _ in range(40):
        opt_t.zero_grad()
        a = torch.sigmoid(torch.sigmoid(Xt @ params[0].T + params[1]) @ params[2].T + params[3])
        (0.5 * ((Yt - a) ** 2).sum() / 4).backward()
        opt_t.step()
    fit(net, X, Y, Rprop("iRprop-"), max_epochs=40, tol=0)
    expected = np.concatenate([q.detach().numpy().ravel() for q in params])
    assert net.get_flat().tolist() == expected.tolist()
