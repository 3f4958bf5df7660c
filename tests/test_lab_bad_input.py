"""Hostile input against the lab: each case a hostile pass found, reproduced, and handled.

The lab's state must survive anything: a change is computed whole and only then swapped in,
so a refused or failing request leaves the state (and every later request) as it was. Every
refusal is a 400 (or 403/409/413/415) with the JSON ``{"error": …}`` body and the security
headers of docs/lab.md, never a 500 or a plain-text page.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

pytest.importorskip("starlette")  # the lab's extra (tests/lab_client.py also needs httpx)
pytest.importorskip("httpx")

from microbp import MLP, bp, data, modelfile, optim  # noqa: E402
from microbp.lab import LabState  # noqa: E402
from microbp.lab.server import CSP  # noqa: E402
from microbp.train import fit  # noqa: E402
from tests.lab_client import AUTH, HTTPX_WARNING, TestClient, get_state, make_client  # noqa: E402

pytestmark = HTTPX_WARNING

JSON = {**AUTH, "Content-Type": "application/json"}


def client_of(state: LabState) -> TestClient:
    return make_client(state, raise_server_exceptions=False)  # a 500 is an answer to check


state_of = get_state


def softmax_net(sizes=(4, 8, 3), seed=0) -> MLP:
    """What `microbp train --data iris --net 4,8,3 --activation tanh,softmax --save` writes:
    a tanh hidden layer and a softmax output, trained a little (cross-entropy)."""
    net = MLP(list(sizes), activation=["tanh", "softmax"], seed=seed)
    if list(sizes) == [4, 8, 3]:
        X, Y = data.iris()
        fit(net, X, Y, optim.make("irprop-"), max_epochs=5, quiet=True, loss="cross_entropy")
    return net


EVERY_GET = ["/api/state", "/api/options", "/api/why?l=2&i=1", "/api/why?l=3&i=2",
             "/api/why?l=3&i=1&j=2", "/api/trace", "/api/model"]  # fmt: skip


def assert_every_route_answers(c: TestClient) -> dict:
    for path in EVERY_GET:
        r = c.get(path, headers=AUTH)
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
    return state_of(c)


def assert_the_formulas_of(s: dict, loss: str) -> None:
    """δ by the graph ≈ δ by the formulas == bp.index_form with the lab's loss, and E."""
    L = len(s["sizes"])
    net = MLP.from_weights(
        {l: s["W"][str(l)] for l in range(2, L + 1)},
        {l: s["b"][str(l)] for l in range(2, L + 1)},
        activation=s["activation"],
    )
    ref = bp.index_form(net, s["x"], s["y"], loss)
    assert s["loss"] == loss
    assert math.isclose(s["E"], ref.E, rel_tol=1e-12) and s["E_formulas"] == ref.E
    for l in range(2, L + 1):
        assert s["delta_formulas"][str(l)] == ref.delta[l]
        for g, f in zip(s["delta"][str(l)], ref.delta[l], strict=True):
            assert math.isclose(g, f, rel_tol=1e-9, abs_tol=1e-15)


# --------------------------------------------------------------------------------------------
# A softmax output layer: uploaded, loaded, chosen, trained


def test_an_uploaded_softmax_model_runs_with_cross_entropy_and_every_route_answers():
    """Before: 500, the model stayed installed, and every route answered 500 after it."""
    c = client_of(LabState.create(sizes=[4, 8, 3], data_name="iris"))
    text = modelfile.to_json(softmax_net())
    r = c.post("/api/model", content=text, headers=JSON)
    assert r.status_code == 200, r.text
    s = assert_every_route_answers(c)
    assert s["activation"] == ["tanh", "softmax"]
    assert_the_formulas_of(s, "cross_entropy")
    X, Y = data.iris()
    assert s["y"] == Y[0].tolist()
    # BP-1 for a softmax output with cross-entropy: δ⁽ᴸ⁾ = a⁽ᴸ⁾ − y
    why = c.get("/api/why?l=3&i=2", headers=AUTH).json()
    assert why["rule"] == "BP-1" and why["delta_formula"] == s["a"]["3"][1] - s["y"][1]
    assert c.post("/api/reset", headers=AUTH).status_code == 200
    assert state_of(c)["W"] == s["W"]  # reset goes back to the model last loaded


def test_a_lab_started_on_a_softmax_model_answers_every_route_and_resets():
    """Before: `microbp lab --load m.json` (a softmax model) answered 500 everywhere, Reset too."""
    c = client_of(LabState.create(net=softmax_net(), data_name="iris"))
    s = assert_every_route_answers(c)
    assert_the_formulas_of(s, "cross_entropy")
    r = c.post("/api/set", json={"w": [3, 1, 1], "value": 0.5}, headers=AUTH)
    assert r.status_code == 200, r.text
    assert_the_formulas_of(r.json(), "cross_entropy")
    r = c.post("/api/reset", headers=AUTH)
    assert r.status_code == 200 and r.json()["W"] == s["W"]


def test_a_softmax_net_trains_as_fit_does_with_cross_entropy():
    net = softmax_net()
    c = client_of(LabState.create(net=net, data_name="iris"))
    X, Y = data.iris()
    r = c.post("/api/train", json={"optimizer": "gd", "lr": 0.1, "epochs": 5, "tol": 0},
               headers=AUTH)  # fmt: skip
    assert r.status_code == 200, r.text
    h = fit(net, X, Y, optim.make("gd", lr=0.1), max_epochs=5, tol=0, quiet=True,
            loss="cross_entropy")  # fmt: skip
    assert r.json()["train"]["loss"] == h.loss
    assert_the_formulas_of(r.json(), "cross_entropy")


def test_softmax_can_be_chosen_for_the_output_layer_and_targets_must_suit_it():
    c = client_of(LabState.create())  # the tutorial's 3-3-2 net, y = (1, 0)
    r = c.post("/api/set", json={"activation": ["sigmoid", "softmax"]}, headers=AUTH)
    assert r.status_code == 200, r.text
    s = r.json()
    assert_the_formulas_of(s, "cross_entropy")
    assert_every_route_answers(c)
    before = state_of(c)
    r = c.post("/api/set", json={"y": [0.5, 0.7]}, headers=AUTH)
    assert r.status_code == 400 and "sum to 1" in r.json()["error"]
    assert state_of(c) == before
    r = c.post("/api/set", json={"activation": ["softmax", "sigmoid"]}, headers=AUTH)
    assert r.status_code == 400 and "output layer" in r.json()["error"]
    r = c.post("/api/set", json={"activation": ["sigmoid", "sigmoid"]}, headers=AUTH)
    assert_the_formulas_of(r.json(), "squared_error")
    # a softmax output is refused while the targets are no distribution
    c.post("/api/set", json={"y": [0.5, 0.7]}, headers=AUTH)
    r = c.post("/api/set", json={"activation": ["sigmoid", "softmax"]}, headers=AUTH)
    assert r.status_code == 400 and "cross_entropy" in r.json()["error"]


def test_a_new_softmax_net_on_random_data_gets_targets_that_are_a_distribution():
    c = client_of(LabState.create())
    body = {"sizes": [2, 3, 4], "activation": ["relu", "softmax"], "data": "random"}
    r = c.post("/api/new", json=body, headers=AUTH)
    assert r.status_code == 200, r.text
    assert math.isclose(sum(r.json()["y"]), 1.0, rel_tol=1e-12)
    assert_the_formulas_of(r.json(), "cross_entropy")
    assert_every_route_answers(c)


# --------------------------------------------------------------------------------------------
# All or nothing, whatever the exception


def _boom(*args, **kw):
    raise RuntimeError("boom")


CHANGES = {
    "set w": ("POST", "/api/set", {"w": [2, 1, 1], "value": 0.25}),
    "set x": ("POST", "/api/set", {"x": [0.0, 0.0, 1.0]}),
    "set activation": ("POST", "/api/set", {"activation": ["tanh", "sigmoid"]}),
    "set sample": ("POST", "/api/set", {"sample": 1}),
    "new": ("POST", "/api/new", {"sizes": [3, 4, 2], "data": "tutorial", "seed": 3}),
    "upload": ("POST", "/api/model", None),
    "reset": ("POST", "/api/reset", None),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_that_fails_in_any_way_changes_nothing(change, monkeypatch):
    """Before: only some exception types rolled an upload back; now any failure does."""
    c = client_of(LabState.create())
    c.post("/api/set", json={"w": [3, 1, 1], "value": 0.125}, headers=AUTH)  # not the start
    before = state_of(c)
    method, path, body = CHANGES[change]
    monkeypatch.setattr(bp, "index_form", _boom)
    if path == "/api/model":
        r = c.post(path, content=modelfile.to_json(MLP([3, 2, 2], seed=9)), headers=JSON)
    else:
        r = c.request(method, path, json=body, headers=AUTH)
    assert r.status_code == 400, r.text
    assert "unchanged" in r.json()["error"] and "boom" in r.json()["error"]
    monkeypatch.undo()
    assert state_of(c) == before
    assert_every_route_answers(c)


def test_a_lab_whose_first_state_cannot_be_computed_is_not_made(monkeypatch):
    monkeypatch.setattr(bp, "index_form", _boom)
    with pytest.raises(ValueError, match="boom"):
        LabState.create()


def test_a_softmax_output_of_one_neuron_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="softmax output layer needs n_L ≥ 2"):
        LabState.create(sizes=[2, 3, 1], activation=["tanh", "softmax"], data_name="xor")


# --------------------------------------------------------------------------------------------
# Training that overflows: the run stops at the last finite state


class Blowup(optim.GD):
    """GD whose ``at``-th step multiplies θ by 10²⁰⁰: every θ stays finite, but with a relu
    hidden layer z⁽ᴸ⁾ = W⁽ᴸ⁾a⁽ᴸ⁻¹⁾ overflows to ∞ while a sigmoid output keeps E finite."""

    def __init__(self, at: int) -> None:
        super().__init__(0.1)
        self.at, self.steps = at, 0

    def step(self, theta, grad, loss):
        self.steps += 1
        theta = super().step(theta, grad, loss)
        return theta * 1e200 if self.steps == self.at else theta


@pytest.mark.parametrize("gradients", ["autodiff", "formulas"])
def test_fit_stops_when_a_z_overflows_although_e_stays_finite(gradients):
    """Before: fit checked only E, and left z⁽³⁾ = ∞ in the net (stopped_by max_epochs)."""
    ex = data.tutorial_example()
    net = MLP.from_weights(ex.W, ex.b, activation=["relu", "sigmoid"])
    h = fit(net, ex.X, ex.Y, Blowup(3), max_epochs=10, tol=0, quiet=True, gradients=gradients)
    assert h.stopped_by == "diverged" and h.epochs == 2
    ref = MLP.from_weights(ex.W, ex.b, activation=["relu", "sigmoid"])
    fit(ref, ex.X, ex.Y, optim.GD(0.1), max_epochs=2, tol=0, quiet=True, gradients=gradients)
    assert net.get_flat().tolist() == ref.get_flat().tolist()  # the last finite epoch
    g = bp.backprop(net, ex.X, ex.Y)
    assert all(np.all(np.isfinite(g.z[l])) for l in g.z)


def test_fit_refuses_a_net_whose_gradient_overflows_at_the_start():
    """δ⁽²⁾ = Σⱼ δⱼ⁽³⁾ wⱼ₁⁽³⁾ = 1.5e308 + 1.5e308 = ∞ with every z, a and E finite."""
    W = {2: [[1e-10, 0.0, 0.0]], 3: [[1.5e308], [-1.5e308]]}
    net = MLP.from_weights(W, {2: [0.0], 3: [0.0, 0.0]}, activation=["relu", "softmax"])
    with pytest.raises(ValueError, match="gradient is not finite at the start"):
        fit(net, [[1.0, 0.0, 0.0]], [[0.0, 1.0]], optim.GD(0.1), quiet=True,
            loss="cross_entropy")  # fmt: skip
    assert net.get_flat().tolist() == [1e-10, 0.0, 0.0, 0.0, 1.5e308, -1.5e308, 0.0, 0.0]


def test_the_lab_stops_a_run_whose_z_overflows_and_keeps_the_last_finite_state():
    """Before: z⁽³⁾ = ∞ stayed in the state; state/why/train answered 500, the event stream
    sent `Infinity` (not JSON), every edit was refused."""
    c = client_of(LabState.create(activation=["relu", "sigmoid"]))
    start = state_of(c)
    body = {"optimizer": "gd", "lr": 1e200, "epochs": 5, "tol": 0}
    r = c.post("/api/train", json=body, headers=AUTH)
    assert r.status_code == 200, r.text
    t = r.json()["train"]
    assert t["stopped_by"].startswith("diverged") and "not finite" in t["stopped_by"]
    assert t["epoch"] == 0 and r.json()["W"] == start["W"]
    assert_every_route_answers(c)
    r = c.post("/api/run", json=body, headers=AUTH)
    assert r.status_code == 202
    with c.stream("GET", "/api/events", headers=AUTH) as stream:
        for line in stream.iter_lines():
            if line.startswith("data: "):
                json.loads(line[6:], parse_constant=_no_constant)  # plain JSON, no Infinity
            if line == "event: done":
                break
    r = c.post("/api/set", json={"w": [2, 1, 1], "value": 0.5}, headers=AUTH)
    assert r.status_code == 200, r.text


def _no_constant(name):
    raise AssertionError(f"{name} in the event stream")


# --------------------------------------------------------------------------------------------
# Every refusal: a JSON error with the security headers, never a 500 or plain text

POSTS = ["/api/set", "/api/train", "/api/run", "/api/pause", "/api/reset", "/api/new"]
DEEP = {
    "5000 [": "[" * 5000 + "]" * 5000,
    "2000 { inside": '{"x": ' + '{"a": ' * 2000 + "1" + "}" * 2000 + "}",
    "900 [ inside": '{"x": ' + "[" * 900 + "]" * 900 + "}",
    "20 [ inside": '{"sizes": ' + "[" * 20 + "]" * 20 + "}",
}


def assert_refused(r, status: int = 400, words: str = "") -> None:
    assert r.status_code == status, (r.status_code, r.text[:200])
    assert r.headers["content-type"] == "application/json", r.headers
    assert words in r.json()["error"] and "Traceback" not in r.text
    assert r.headers["content-security-policy"] == CSP
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("body", list(DEEP))
@pytest.mark.parametrize("path", POSTS)
def test_deeply_nested_json_is_a_400_on_every_route(path, body):
    """Before: 500 with a traceback (RecursionError) on these six routes."""
    c = client_of(LabState.create())
    before = state_of(c)
    r = c.post(path, content=DEEP[body], headers=JSON)
    assert_refused(r, 400, "nested too deeply" if body != "900 [ inside" else "")
    assert state_of(c) == before


def test_a_deeply_nested_model_file_is_a_400():
    c = client_of(LabState.create())
    before = state_of(c)
    assert_refused(c.post("/api/model", content=DEEP["5000 ["], headers=JSON), 400, "nested")
    assert state_of(c) == before


@pytest.mark.parametrize(
    "query", ["l=²&i=1", "l=2&i=¹", "l=٢&i=1", "l=2&i=1&j=³", "l=2&i=" + "9" * 5000, "l=&i=1"]
)
def test_why_refuses_digits_that_are_not_ascii_with_a_400(query):
    """Before: `l=²` passed str.isdigit and int() raised: 500."""
    c = client_of(LabState.create())
    assert_refused(c.get(f"/api/why?{query}", headers=AUTH), 400, "must be a positive integer")


@pytest.mark.parametrize("host", ["evil.example", "[::1", "127.0.0.1:80:80", ""])
def test_a_host_refusal_is_json_with_the_security_headers(host):
    """Before: Starlette's plain-text 'Invalid host header' without CSP, nosniff, no-store."""
    c = client_of(LabState.create())
    r = c.get("/api/state", headers={**AUTH, "Host": host})
    assert_refused(r, 400, "Host")


def test_not_found_and_wrong_methods_are_json_with_the_security_headers():
    c = client_of(LabState.create())
    assert_refused(c.get("/api/nothing", headers=AUTH), 404, "Not Found")
    assert_refused(c.delete("/api/state", headers=AUTH), 405, "Method Not Allowed")
    assert_refused(c.post("/api/reset", json={"x": 1}, headers=AUTH), 400, "takes no fields")


def test_an_unexpected_error_is_a_json_500_with_the_headers_and_the_state_survives(monkeypatch):
    c = client_of(LabState.create())
    before = state_of(c)
    monkeypatch.setattr(LabState, "snapshot", _boom)
    r = c.get("/api/state", headers=AUTH)
    assert_refused(r, 500, "internal error")
    assert "boom" not in r.text
    monkeypatch.undo()
    assert state_of(c) == before


def test_head_with_a_body_uploads_nothing_and_is_checked_for_origin():
    """Before: HEAD /api/model with a body uploaded the model, past the Origin check."""
    c = client_of(LabState.create())
    before = state_of(c)
    other = modelfile.to_json(MLP([3, 2, 2], seed=4))
    r = c.request("HEAD", "/api/model", content=other, headers=JSON)
    assert r.status_code == 200 and r.content == b""
    assert state_of(c) == before
    evil = {**JSON, "Origin": "http://evil.example"}
    r = c.request("HEAD", "/api/model", content=other, headers=evil)
    assert r.status_code == 403 and state_of(c) == before


@pytest.mark.parametrize("path", ["/api/train", "/api/run", "/api/set", "/api/new"])
@pytest.mark.parametrize("body", ["[]", "[{}]", "[[1]]", "1", "true", "null", '"gd"'])
def test_a_body_that_is_not_an_object_is_a_400(path, body):
    """Before: /api/train and /api/run answered 500 (a list has no .get)."""
    c = client_of(LabState.create())
    before = state_of(c)
    assert_refused(c.post(path, content=body, headers=JSON), 400, "JSON object")
    assert state_of(c) == before
