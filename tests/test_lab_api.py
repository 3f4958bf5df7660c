"""The lab's JSON API through Starlette's test client: every route, every refusal, the token,
Host and Origin rules, and that the δ it serves are the graph's and BP-1…BP-4's
(docs/lab.md)."""

from __future__ import annotations

import io
import json
import math
import re
import sys
import threading
import time
from html.parser import HTMLParser
from importlib import resources

import pytest

pytest.importorskip("starlette")  # the lab's extra (tests/lab_client.py also needs httpx)
pytest.importorskip("httpx")

from microbp import MLP, bp, data, modelfile, optim  # noqa: E402
from microbp.lab import LabState  # noqa: E402
from microbp.lab.inputs import MAX_PARAMETERS, Busy  # noqa: E402
from microbp.lab.server import CSP, MAX_BODY, MAX_MODEL_BODY  # noqa: E402
from microbp.lab.training import TrainSettings  # noqa: E402
from microbp.train import fit  # noqa: E402
from tests.lab_client import (  # noqa: E402
    AUTH,
    BASE,
    HTTPX_WARNING,
    PORT,
    TOKEN,
    TestClient,
    get_state,
    make_client,
)

pytestmark = HTTPX_WARNING


@pytest.fixture
def client():
    with make_client() as c:
        yield c


def post(c: TestClient, path: str, body=None, **kw):
    headers = {**AUTH, **kw.pop("headers", {})}
    if body is None:
        return c.post(path, headers=headers, **kw)
    return c.post(path, json=body, headers=headers, **kw)


def net_of(s: dict) -> MLP:
    """The net the state describes, rebuilt from its numbers."""
    L = len(s["sizes"])
    W = {l: s["W"][str(l)] for l in range(2, L + 1)}
    b = {l: s["b"][str(l)] for l in range(2, L + 1)}
    return MLP.from_weights(W, b, activation=s["activation"])


def assert_deltas_are_index_forms(s: dict) -> None:
    """delta (graph) == delta_formulas == bp.index_form of the net the state shows."""
    ref = bp.index_form(net_of(s), s["x"], s["y"])
    for l in range(2, len(s["sizes"]) + 1):
        assert s["delta_formulas"][str(l)] == ref.delta[l]
        assert s["dW_formulas"][str(l)] == ref.dW[l]
        for g, f in zip(s["delta"][str(l)], ref.delta[l], strict=True):
            assert math.isclose(g, f, rel_tol=1e-12, abs_tol=1e-300)
        for row_g, row_f in zip(s["dW"][str(l)], ref.dW[l], strict=True):
            for g, f in zip(row_g, row_f, strict=True):
                assert math.isclose(g, f, rel_tol=1e-12, abs_tol=1e-300)
    assert math.isclose(s["E"], ref.E, rel_tol=1e-15)


# --------------------------------------------------------------------------------------------
# GET /api/state and POST /api/set: the numbers


def test_state_of_the_tutorials_example_is_the_graphs_and_the_formulas(client):
    s = get_state(client)
    ex = data.tutorial_example()
    assert s["sizes"] == [3, 3, 2] and s["activation"] == ["sigmoid", "sigmoid"]
    assert s["x"] == list(ex.x) and s["y"] == list(ex.y)
    assert s["W"] == {str(l): [list(r) for r in ex.W[l]] for l in (2, 3)}
    assert sorted(s["delta"]) == ["2", "3"]  # layer keys are the tutorial's l, as strings
    # the graph's δ is the z-node's grad, computed here independently
    net = ex.net()
    fw = net.forward(ex.x)
    from microbp import squared_error

    squared_error(ex.y, fw.output).backward()
    assert s["delta"] == {str(l): fw.delta(l) for l in (2, 3)}
    assert_deltas_are_index_forms(s)


def test_editing_w11_of_layer_2_moves_every_delta_as_index_form_says(client):
    before = get_state(client)
    r = post(client, "/api/set", {"w": [2, 1, 1], "value": 0.75})
    assert r.status_code == 200, r.text
    s = r.json()
    assert s["W"]["2"][0][0] == 0.75
    assert s["delta"] != before["delta"]
    ex = data.tutorial_example()
    W = {l: [list(r) for r in ex.W[l]] for l in (2, 3)}
    W[2][0][0] = 0.75
    ref = bp.index_form(MLP.from_weights(W, ex.b), ex.x, ex.y)
    assert s["delta_formulas"] == {str(l): ref.delta[l] for l in (2, 3)}
    assert_deltas_are_index_forms(s)
    assert get_state(client) == {**s, "names": before["names"]}  # an edit's answer: no names


@pytest.mark.parametrize(
    "edit, check",
    [
        ({"b": [3, 2], "value": -0.5}, lambda s: s["b"]["3"][1] == -0.5),
        ({"x": [0.25, -2, 3]}, lambda s: s["x"] == [0.25, -2.0, 3.0]),
        ({"y": [0, 1]}, lambda s: s["y"] == [0.0, 1.0]),
        ({"activation": ["tanh", "relu"]}, lambda s: s["activation"] == ["tanh", "relu"]),
        ({"activation": "softplus"}, lambda s: s["activation"] == ["softplus"] * 2),
    ],
)
def test_each_edit_is_applied_and_recomputed_by_both_methods(client, edit, check):
    s = post(client, "/api/set", edit).json()
    assert check(s), s
    assert_deltas_are_index_forms(s)


def test_saturated_neurons_are_marked_where_f_prime_is_near_zero(client):
    s = get_state(client)
    assert s["saturated"] == {"2": [False] * 3, "3": [False] * 2}
    s = post(client, "/api/set", {"w": [2, 2, 1], "value": 40.0}).json()  # z₂⁽²⁾ ≈ 39.6
    assert s["saturated"]["2"] == [False, True, False]
    assert s["fprime"]["2"][1] < 1e-15


def test_sample_picks_the_row_of_the_data_set_on_show():
    with make_client(sizes=[2, 3, 1], data_name="xor") as c:
        s = post(c, "/api/set", {"sample": 3}).json()
        assert s["sample"] == 3 and s["N"] == 4 and s["x"] == [1.0, 0.0] and s["y"] == [1.0]
        assert_deltas_are_index_forms(s)


# --------------------------------------------------------------------------------------------
# Refusals: 400 with a message naming the problem, and nothing changed

BAD_EDITS = [
    ({"w": [2, 1], "value": 1}, "w must be [l, i, j]"),
    ({"w": [1, 1, 1], "value": 1}, "l must be an integer 2…3"),
    ({"w": [4, 1, 1], "value": 1}, "l must be an integer 2…3"),
    ({"w": [2, 0, 1], "value": 1}, "i must be an integer 1…3"),
    ({"w": [3, 1, 4], "value": 1}, "j must be an integer 1…3"),
    ({"w": [2, 1, 1]}, 'needs a "value"'),
    ({"w": [2, 1, 1], "value": "1"}, "value must be a number"),
    ({"w": [2, 1, 1], "value": True}, "value must be a number"),
    ({"b": [3, 3], "value": 1}, "i must be an integer 1…2"),
    ({"x": [1, 2]}, "must have 3 numbers, got 2"),
    ({"x": "1,2,3"}, "must be a list of 3 numbers"),
    ({"y": [1, 0, 0]}, "must have 2 numbers, got 3"),
    ({"y": [1, None]}, "must be a number"),
    ({"activation": ["sigmoid"]}, "list of 2 names"),
    ({"activation": ["sigmoid", "swish"]}, "unknown activation 'swish' for layer 3"),
    ({"sample": 2}, "sample must be an integer 1…1"),
    ({"weight": [2, 1, 1], "value": 1}, "expected exactly one edit"),
    ({"x": [1, 2, 3], "y": [1, 0]}, "expected exactly one edit"),
    ({"x": [1, 2, 3], "path": "/etc/passwd"}, "expected exactly one edit"),
    ([1, 2, 3], "must be a JSON object"),
    ({"w": [2, 1, 1], "value": 1e308}, None),  # finite, and so accepted: see below
]


@pytest.mark.parametrize("body, message", [b for b in BAD_EDITS if b[1] is not None])
def test_a_bad_edit_is_refused_with_a_message_and_changes_nothing(client, body, message):
    before = get_state(client)
    r = post(client, "/api/set", body)
    assert r.status_code == 400, r.text
    assert message in r.json()["error"]
    assert get_state(client) == before


def test_an_edit_that_overflows_the_forward_pass_is_rolled_back():
    with make_client(activation="relu") as c:
        before = get_state(c)
        # relu keeps z: w = 1e308 and x₁ = 1 gives z ≈ 1e308; layer 3 then overflows to inf
        post(c, "/api/set", {"w": [2, 1, 1], "value": 1e308})
        r = post(c, "/api/set", {"w": [3, 1, 1], "value": 1e308})
        assert r.status_code == 400, r.text
        assert "state is unchanged" in r.json()["error"]
        after = get_state(c)
        assert after["W"]["3"] == before["W"]["3"]


@pytest.mark.parametrize(
    "raw",
    [
        '{"w": [2, 1, 1], "value": NaN}',
        '{"w": [2, 1, 1], "value": 1e999}',
        '{"x": [Infinity, 0, 0]}',
        "{not json",
        "",
    ],
)
def test_non_finite_numbers_and_broken_json_are_refused(client, raw):
    before = get_state(client)
    r = client.post("/api/set", content=raw, headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert r.json()["error"]
    assert get_state(client) == before


def test_a_body_over_the_limit_is_413_and_changes_nothing(client):
    before = get_state(client)
    big = json.dumps({"x": [1.0] * (MAX_BODY // 4)})
    assert len(big) > MAX_BODY
    r = client.post("/api/set", content=big, headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == 413 and str(MAX_BODY) in r.json()["error"]
    # a chunked body without Content-Length is counted as it arrives
    r = client.post(
        "/api/set",
        content=iter([big[: len(big) // 2].encode(), big[len(big) // 2 :].encode()]),
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert r.status_code == 413
    r = client.post(
        "/api/model",
        content="x" * (MAX_MODEL_BODY + 1),
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert r.status_code == 413
    assert get_state(client) == before


def test_a_body_that_is_not_json_is_415(client):
    before = get_state(client)
    r = client.post(
        "/api/set", content='{"x": [1, 2, 3]}', headers={**AUTH, "Content-Type": "text/plain"}
    )
    assert r.status_code == 415
    assert get_state(client) == before


@pytest.mark.parametrize(
    "body, message",
    [
        ({"sizes": [2, 100, 100, 1], "data": "xor"}, f"at most {MAX_PARAMETERS}"),
        ({"sizes": [2] + [3] * 12 + [1], "data": "xor"}, "at most 12 layers"),
        ({"sizes": [3, 0, 2]}, "layer 2 must have a size ≥ 1"),
        ({"sizes": [4, 3, 2], "data": "tutorial"}, "has 3 inputs and 2 outputs"),
        ({"data": "mnist"}, "unknown data set 'mnist'"),
        ({"data": "random"}, 'needs "sizes"'),
        ({"data": "xor", "activation": "gelu"}, "unknown activation 'gelu'"),
        ({"data": "xor", "seed": -1}, "seed must be an integer"),
        ({"data": "xor", "file": "model.json"}, "unknown field(s) 'file'"),
    ],
)
def test_new_refuses_big_or_mismatched_nets_and_unknown_names(client, body, message):
    before = get_state(client)
    r = post(client, "/api/new", body)
    assert r.status_code == 400, r.text
    assert message in r.json()["error"]
    assert get_state(client) == before


def test_new_builds_any_net_on_any_data_set(client):
    s = post(client, "/api/new", {"data": "xor"}).json()
    assert s["sizes"] == data.DATASETS["xor"][2]() and s["N"] == 4 and s["data"] == "xor"
    assert_deltas_are_index_forms(s)
    s = post(client, "/api/new", {"data": "random", "sizes": [2, 16, 16, 1], "seed": 3}).json()
    assert s["sizes"] == [2, 16, 16, 1] and s["N"] == 1
    assert_deltas_are_index_forms(s)
    s = post(client, "/api/new", {"data": "tutorial"}).json()  # the tutorial's own numbers again
    assert s["W"]["2"][0] == list(data.tutorial_example().W[2][0])


# --------------------------------------------------------------------------------------------
# Why this number: BP-1, BP-2, BP-3 written out


def test_why_writes_out_bp2_with_the_numbers_of_index_form(client):
    s = get_state(client)
    ref = bp.index_form(net_of(s), s["x"], s["y"])
    w = client.get("/api/why?l=2&i=3", headers=AUTH).json()
    assert w["rule"] == "BP-2"
    assert [t["delta"] for t in w["terms"]] == ref.delta[3]
    assert [t["w"] for t in w["terms"]] == [row[2] for row in s["W"]["3"]]
    assert w["delta_formula"] == ref.delta[2][2]
    assert math.isclose(w["sum"] * w["fprime"], w["delta_formula"], rel_tol=1e-15)
    assert w["delta_graph"] == s["delta"]["2"][2]
    assert w["delta_difference"] == w["delta_graph"] - w["delta_formula"]


def test_why_writes_out_bp1_for_an_output_and_bp3_for_an_edge(client):
    s = get_state(client)
    w = client.get("/api/why?l=3&i=2", headers=AUTH).json()
    assert w["rule"] == "BP-1" and w["y"] == 0.0
    assert w["delta_formula"] == -(w["y"] - w["a"]) * w["fprime"]
    e = client.get("/api/why?l=3&i=1&j=2", headers=AUTH).json()
    assert e["rule"] == "BP-3" and e["a_prev"] == s["a"]["2"][1]
    assert e["dw_formula"] == e["delta_formula"] * e["a_prev"]
    assert e["dw_graph"] == s["dW"]["3"][0][1]


@pytest.mark.parametrize("query", ["l=1&i=1", "l=2&i=4", "l=2", "l=x&i=1", "l=2&i=1&k=1"])
def test_why_refuses_neurons_that_do_not_exist(client, query):
    r = client.get(f"/api/why?{query}", headers=AUTH)
    assert r.status_code == 400 and r.json()["error"]


def test_trace_steps_are_the_backward_pass_and_its_z_steps_carry_delta(client):
    s = get_state(client)
    steps = client.get("/api/trace", headers=AUTH).json()["steps"]
    assert steps[0]["node"] == "E" and steps[0]["upstream"] == 1.0
    seen = {tuple(st["neuron"]): st["upstream"] for st in steps if st["neuron"]}
    assert seen == {
        (l, i): s["delta"][str(l)][i - 1]
        for l in (2, 3)
        for i in (1, 2, 3)
        if i <= s["sizes"][l - 1]
    }
    for st in steps:
        for inp in st["inputs"]:
            assert inp["after"] == inp["before"] + inp["contribution"]


def test_the_stepper_names_unnamed_nodes_as_the_graph_picture_does_not_by_number(client):
    """A step's node and inputs, and its text, call an unnamed node by its box in the
    computation graph's picture (w₁₁⁽²⁾·x₁, Σ), never #k."""
    steps = client.get("/api/trace", headers=AUTH).json()["steps"]
    nodes = [st["node"] for st in steps] + [i["name"] for st in steps for i in st["inputs"]]
    assert "w₁₁⁽²⁾·x₁" in nodes and "Σ" in nodes
    text = json.dumps(steps, ensure_ascii=False)
    assert not re.search(r"#\d", text), re.search(r".{40}#\d.{40}", text)[0]


def test_the_stepper_ends_on_the_states_gradients_not_doubled_ones(client):
    """The state has run E.backward() already; the stepper once traced a second pass that
    accumulated into the weights and showed b₁⁽³⁾: grad −0.111 → −0.223. Each parameter's
    last value in the steps is the state's own ∂E/∂w, ∂E/∂b (the δ table beside it)."""
    for _ in range(2):  # and again after another request recomputed the state
        s = get_state(client)
        steps = client.get("/api/trace", headers=AUTH).json()["steps"]
        last = {}
        for st in steps:
            for inp in st["inputs"]:
                last[inp["name"]] = inp["after"]
        # the parameters by name (not the products w₁₁⁽²⁾·x₁ named after them)
        params = sorted(
            v for name, v in last.items() if re.fullmatch(r"[wb][₀-₉]+⁽[⁰¹²³⁴⁵⁶⁷⁸⁹]+⁾", name)
        )
        grads = [g for rows in s["dW"].values() for row in rows for g in row]
        grads += [g for col in s["db"].values() for g in col]
        assert len(params) == len(grads) == 20
        assert params == sorted(grads)


# --------------------------------------------------------------------------------------------
# Training


def test_train_is_fit_with_optim_make_epoch_for_epoch(client):
    """50 epochs of GD in the lab (in chunks) give fit's own E_t, bit for bit."""
    r = post(client, "/api/train", {"optimizer": "gd", "lr": 0.5, "epochs": 50, "tol": 0})
    assert r.status_code == 200, r.text
    t = r.json()["train"]
    ex = data.tutorial_example()
    h = fit(ex.net(), ex.X, ex.Y, optim.make("gd", lr=0.5), max_epochs=50, tol=0, quiet=True)
    assert t["loss"] == h.loss and t["epoch"] == 50 and t["stopped_by"] == "epochs"
    assert t["loss"][-1] < t["loss"][0]


@pytest.mark.parametrize("name", ["rprop+", "rprop-", "irprop+", "irprop-", "sgd"])
def test_steps_keep_the_optimizers_state_as_one_long_run(name):
    """Ten Steps of one epoch follow fit's ten-epoch trajectory: Rprop's Δ carries over."""
    with make_client(sizes=[2, 3, 1], data_name="xor", seed=1) as c:
        for _ in range(10):
            r = post(c, "/api/train", {"optimizer": name, "epochs": 1, "tol": 0, "batch_size": 2})
            assert r.status_code == 200, r.text
        loss = r.json()["train"]["loss"]
    X, Y = data.xor()
    opt = optim.make(name, batch_size=2)
    h = fit(MLP([2, 3, 1], seed=1), X, Y, opt, max_epochs=10, tol=0, quiet=True)
    assert loss == h.loss


def test_a_long_loss_curve_is_sent_every_kth_epoch_with_its_epochs(client, monkeypatch):
    from microbp.lab import training

    monkeypatch.setattr(training, "LOSS_POINTS", 10)
    t = post(client, "/api/train", {"optimizer": "gd", "epochs": 50, "tol": 0}).json()["train"]
    ex = data.tutorial_example()
    h = fit(ex.net(), ex.X, ex.Y, optim.make("gd"), max_epochs=50, tol=0, quiet=True)
    assert t["loss_epochs"] == [0, 6, 12, 18, 24, 30, 36, 42, 48, 50]
    assert t["loss"] == [h.loss[k] for k in t["loss_epochs"]] and t["epoch"] == 50


def test_the_stopping_rule_is_reported(client):
    t = post(client, "/api/train", {"optimizer": "gd", "epochs": 5000, "tol": 1e-6}).json()["train"]
    assert t["stopped_by"] == "tol" and t["epoch"] < 5000
    assert t["rule"]["tol"] == 1e-6 and t["rule"]["change"] < 1e-6
    t = post(client, "/api/train", {"optimizer": "irprop-", "epochs": 500, "target": 0.05})
    assert t.json()["train"]["stopped_by"] == "target"


@pytest.mark.parametrize(
    "body, message",
    [
        ({"optimizer": "adam"}, "unknown optimizer 'adam'"),
        ({"optimizer": "gd", "lr": -1}, "lr must be"),
        ({"epochs": 0}, "epochs must be an integer 1…100000"),
        ({"epochs": 10**9}, "epochs must be an integer"),
        ({"tol": -1}, "tol must be ≥ 0"),
        ({"momentum": 0.9}, "unknown field(s) 'momentum'"),
    ],
)
def test_train_refuses_bad_settings(client, body, message):
    before = get_state(client)
    r = post(client, "/api/train", body)
    assert r.status_code == 400 and message in r.json()["error"]
    assert get_state(client) == before


def test_run_streams_states_as_server_sent_events_until_done(client):
    r = post(client, "/api/run", {"optimizer": "irprop-", "epochs": 300, "tol": 0})
    assert r.status_code == 202
    epochs = []
    with client.stream("GET", "/api/events", headers=AUTH) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        event = None
        for line in stream.iter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "state":
                epochs.append(json.loads(line[6:])["train"]["epoch"])
            elif event == "done":
                break
    assert epochs == sorted(epochs) and epochs[-1] == 300
    s = get_state(client)
    assert not s["train"]["running"] and s["train"]["stopped_by"] == "epochs"
    assert s["train"]["loss"][-1] < s["train"]["loss"][0]


def _compact(content) -> str:
    """JSON as the lab writes it (UTF-8, no spaces)."""
    return json.dumps(content, ensure_ascii=False, separators=(",", ":"))


def test_a_run_streams_the_names_once_they_change_only_with_the_architecture():
    """Names (w₁₂⁽³⁾, δ₁⁽²⁾ …) depend on the sizes alone, which a run cannot change: the first
    streamed state carries them, the next ones leave them out (the page keeps the first's).
    For 2-16-16-1 that is 8.9 KB of the 34.8 KB of a state (UTF-8; 17 of 44 KB as ASCII escapes)."""
    with make_client(LabState.create([2, 16, 16, 1], "tanh", 3, "xor")) as c:
        # a run long enough to stream several states, paused once three have come (a short
        # run could end before the stream opens, and then send its one final state)
        run = {"optimizer": "irprop-", "epochs": 100_000, "tol": 0}
        assert post(c, "/api/run", run).status_code == 202
        sent = []
        with c.stream("GET", "/api/events", headers=AUTH) as stream:
            for line in stream.iter_lines():
                if line.startswith('data: {"'):
                    sent.append(line[6:])
                    if len(sent) == 3:
                        assert post(c, "/api/pause").status_code == 200
        states = [json.loads(text) for text in sent]
        assert len(states) >= 3 and states[-1]["train"]["stopped_by"] == "paused"
        assert states[0]["names"] == get_state(c)["names"]  # the first: every name
        assert all("names" not in s for s in states[1:])
        # the stream writes JSON as the answers do: UTF-8 (δ, not \\u03b4), no spaces
        assert "δ" in sent[0] and "\\u" not in sent[0] and '", "' not in sent[0]
        names = len(_compact(states[0]["names"]))
        # every other field is there, so each later state is the first less its names (give or
        # take the numbers' digits)
        assert all(set(s) == set(states[0]) - {"names"} for s in states[1:])
        # the loss history is left out of the sizes: it grows by 100-800 epochs a state
        rest = [len(text) - len(_compact(s["train"])) for text, s in zip(sent, states)]
        assert all(size < rest[0] - names // 2 for size in rest[1:])


def test_only_answers_that_may_change_the_sizes_carry_the_names():
    """Names depend on the sizes alone. GET /api/state, reset, new and a loaded model carry
    them; an edit, a Step, a run's start and Pause cannot change the sizes and leave them out,
    and are otherwise the whole state (the page keeps the names it has). For 2-16-16-1 an
    edit's answer is ~9 KB smaller."""
    with make_client(LabState.create([2, 16, 16, 1], "tanh", 3, "xor")) as c:
        named = get_state(c)
        names = named["names"]
        sent = len(json.dumps(names, ensure_ascii=False, separators=(",", ":")).encode())
        edits = [
            {"w": [2, 1, 1], "value": 0.5},
            {"b": [3, 2], "value": -0.25},
            {"x": [0.5, 1.0]},
            {"y": [0.0]},
            {"sample": 2},
            {"activation": "sigmoid"},
        ]
        for body in edits:
            r = post(c, "/api/set", body)
            assert r.status_code == 200, r.text
            whole = c.get("/api/state", headers=AUTH)
            assert "names" not in r.json() and whole.json()["names"] == names
            assert r.json() == {k: v for k, v in whole.json().items() if k != "names"}
            assert len(r.content) == len(whole.content) - len(',"names":') - sent
        step = post(c, "/api/train", {"optimizer": "irprop-", "epochs": 1})
        assert step.status_code == 200 and "names" not in step.json()
        run = post(c, "/api/run", {"optimizer": "gd", "epochs": 100_000, "tol": 0})
        assert run.status_code == 202 and "names" not in run.json()
        paused = post(c, "/api/pause").json()
        assert paused["train"]["stopped_by"] == "paused" and "names" not in paused
        # the answers that may bring other sizes carry the names of their sizes
        model = c.get("/api/model", headers=AUTH).text
        other = post(c, "/api/new", {"sizes": [2, 3, 1], "data": "xor"}).json()
        assert other["sizes"] == [2, 3, 1] and len(other["names"]["w"]["2"]) == 3
        assert other["names"]["w"]["3"] == [["w₁₁⁽³⁾", "w₁₂⁽³⁾", "w₁₃⁽³⁾"]]
        assert get_state(c)["names"] == other["names"]
        reset = post(c, "/api/reset").json()
        assert reset["sizes"] == [2, 3, 1] and reset["names"] == other["names"]
        loaded = post(c, "/api/model", content=model, headers={"Content-Type": "application/json"})
        assert loaded.status_code == 200, loaded.text
        assert loaded.json()["sizes"] == [2, 16, 16, 1] and loaded.json()["names"] == names


def test_pause_stops_a_run_and_edits_wait_until_then(client):
    r = post(client, "/api/run", {"optimizer": "gd", "epochs": 100_000, "tol": 0})
    assert r.status_code == 202 and r.json()["train"]["running"]
    busy = post(client, "/api/set", {"w": [2, 1, 1], "value": 0.5})
    assert busy.status_code == 409 and "pause it first" in busy.json()["error"]
    assert post(client, "/api/run", {"epochs": 5}).status_code == 409
    s = post(client, "/api/pause").json()
    assert not s["train"]["running"] and s["train"]["stopped_by"] == "paused"
    assert 0 < s["train"]["epoch"] < 100_000
    assert s["W"]["2"][0][0] != 0.5
    assert post(client, "/api/set", {"w": [2, 1, 1], "value": 0.5}).status_code == 200


def test_requests_during_a_run_are_answered_while_it_runs():
    """The run trains a copy of the net and holds the lock only to swap a new state in, so a
    request made during a run is answered during it (once a request could wait out the
    whole run). Five runs; in each, a state and a refused edit come back while the run goes
    on, and the state shown is one the run swapped in (its curve and net agree)."""
    for _ in range(5):
        state = LabState.create()
        settings, epochs = TrainSettings.parse({"epochs": 100_000, "tol": 0})
        state.start(settings, epochs)
        thread = threading.Thread(target=state.run, args=(epochs,), daemon=True)
        thread.start()
        try:
            time.sleep(0.2)  # into the run: a few states swapped in
            snap = state.snapshot()
            with pytest.raises(Busy, match="pause it first"):
                state.apply({"w": [2, 1, 1], "value": 0.5})
            assert thread.is_alive() and snap["train"]["running"]
            epoch = snap["train"]["epoch"]
            ex = data.tutorial_example()
            ref = ex.net()
            fit(ref, ex.X, ex.Y, optim.make("gd"), max_epochs=epoch, tol=0, quiet=True)
            assert snap["W"] == {str(l): [[w.data for w in r] for r in ref.W(l)] for l in (2, 3)}
        finally:
            state.pause()
            thread.join()
        assert state.training.stopped_by == "paused"


def test_reset_restores_the_starting_net_and_clears_the_curve(client):
    start = get_state(client)
    post(client, "/api/set", {"x": [0, 0, 1]})
    post(client, "/api/train", {"epochs": 10})
    s = post(client, "/api/reset").json()
    assert s["W"] == start["W"] and s["x"] == start["x"] and s["train"]["loss"] == []


# --------------------------------------------------------------------------------------------
# Keep it: download and upload


def test_download_is_net_saves_json_and_uploads_back(client):
    post(client, "/api/set", {"w": [3, 2, 1], "value": -0.625})
    r = client.get("/api/model", headers=AUTH)
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    edited = get_state(client)
    assert r.text == modelfile.to_json(net_of(edited))  # what net.save writes
    post(client, "/api/reset")
    s = client.post(
        "/api/model", content=r.text, headers={**AUTH, "Content-Type": "application/json"}
    ).json()
    assert s["W"] == edited["W"] and s["delta"] == edited["delta"]


def _model_text(**change) -> str:
    doc = json.loads(modelfile.to_json(data.tutorial_example().net()))
    doc.update(change)
    return json.dumps(doc)


@pytest.mark.parametrize(
    "text, message",
    [
        ("/etc/passwd", "not valid JSON"),
        ('{"format": "something else"}', "not a microbp model file"),
        (_model_text(activations=["sigmoid", "<script>alert(1)</script>"]), "<script>alert(1)"),
        (_model_text(b={"2": [0, 0, 0], "3": [0, 1e999]}), "finite"),
        (_model_text(sizes=[3, 3, 3]), "3 × 3"),
        (modelfile.to_json(MLP([2, 2, 1])), "has 3 inputs and 2 outputs"),
        (modelfile.to_json(MLP([3, 100, 100, 2])), f"at most {MAX_PARAMETERS}"),
    ],
)
def test_a_bad_model_file_is_refused_with_a_message_and_changes_nothing(client, text, message):
    before = get_state(client)
    r = client.post(
        "/api/model", content=text, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert r.status_code == 400, r.text
    assert message in r.json()["error"]
    assert get_state(client) == before


# --------------------------------------------------------------------------------------------
# Security: token, Host, Origin, headers

ROUTES = [
    ("GET", "/"),
    ("GET", "/api/state"),
    ("GET", "/api/options"),
    ("POST", "/api/set"),
    ("GET", "/api/why?l=2&i=1"),
    ("POST", "/api/practice"),
    ("GET", "/api/trace"),
    ("GET", "/api/boundary"),
    ("POST", "/api/train"),
    ("POST", "/api/run"),
    ("POST", "/api/pause"),
    ("GET", "/api/events"),
    ("POST", "/api/reset"),
    ("POST", "/api/new"),
    ("GET", "/api/model"),
    ("POST", "/api/model"),
    ("GET", "/static/lab.js"),
]


def test_every_route_is_listed_here_and_takes_no_path_parameter(client):
    from starlette.routing import Route

    paths = {r.path for r in client.app.routes if isinstance(r, Route)}
    assert paths == {p.split("?")[0] for _, p in ROUTES if not p.startswith("/static")}
    assert not any("{" in p for p in paths)


PUBLIC = [("GET", "/"), ("GET", "/static/lab.js")]  # the same for everyone, no data


@pytest.mark.parametrize("method, path", [r for r in ROUTES if r not in PUBLIC])
@pytest.mark.parametrize("token", [None, "wrong-token", TOKEN[:-1], TOKEN + "x"])
def test_without_the_token_every_route_is_403_and_nothing_changes(client, method, path, token):
    before = get_state(client)
    headers = {} if token is None else {"X-Microbp-Token": token}
    body = {"w": [2, 1, 1], "value": 9.0} if method == "POST" else None
    r = client.request(method, path, headers=headers, json=body)
    assert r.status_code == 403, (method, path, r.status_code)
    assert "token" in r.json()["error"]
    assert get_state(client) == before


def test_the_token_goes_only_in_the_header_and_no_cookie_is_ever_set(client):
    """Cookies are not isolated by port: a token cookie would reach every server on
    127.0.0.1. The page keeps the token in sessionStorage and sends the header."""
    page = client.get(f"/?token={TOKEN}", follow_redirects=False)
    assert page.status_code == 200 and "set-cookie" not in page.headers
    assert client.get("/api/state", headers=AUTH).status_code == 200
    assert all("set-cookie" not in client.get(p, headers=AUTH).headers for _, p in PUBLIC)
    fresh = make_client()
    assert fresh.get(f"/api/state?token={TOKEN}").status_code == 403
    for name in (f"microbp_lab_{PORT}", "microbp_lab"):
        assert fresh.get("/api/state", headers={"Cookie": f"{name}={TOKEN}"}).status_code == 403


def test_the_page_and_its_assets_hold_no_data_and_need_no_token(client):
    for _, path in PUBLIC:
        r = client.get(path)
        assert r.status_code == 200 and r.headers["content-security-policy"] == CSP
    page = client.get("/").text
    assert TOKEN not in page and "0.1" not in page  # no token, no number of the net
    js = client.get("/static/lab.js").text
    assert "sessionStorage" in js and "X-Microbp-Token" in js and "document.cookie" not in js


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1.evil.example", "192.168.1.5"])
def test_a_foreign_host_header_is_refused_and_changes_nothing(client, host):
    before = get_state(client)
    r = client.post(
        "/api/set", json={"w": [2, 1, 1], "value": 9.0}, headers={**AUTH, "Host": f"{host}:{PORT}"}
    )
    assert r.status_code == 400
    assert client.get("/api/state", headers={**AUTH, "Host": host}).status_code == 400
    assert get_state(client) == before
    assert (
        client.get("/api/state", headers={**AUTH, "Host": f"localhost:{PORT}"}).status_code == 200
    )


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": f"http://127.0.0.1:{PORT + 1}"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
    ],
)
def test_a_change_from_another_origin_is_refused(client, headers):
    before = get_state(client)
    r = post(client, "/api/set", {"w": [2, 1, 1], "value": 9.0}, headers=headers)
    assert r.status_code == 403 and "origin" in r.json()["error"]
    assert get_state(client) == before
    ok = post(client, "/api/set", {"w": [2, 1, 1], "value": 9.0}, headers={"Origin": BASE})
    assert ok.status_code == 200


def test_every_response_carries_the_csp_and_the_page_has_no_inline_script(client):
    for path in ("/", "/api/state", "/static/lab.js", "/api/nothing"):
        r = client.get(path, headers=AUTH)
        assert r.headers["content-security-policy"] == CSP
        assert r.headers["x-content-type-options"] == "nosniff"
    assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP
    assert client.get("/api/state").headers["content-security-policy"] == CSP  # on 403 too

    class Scripts(HTMLParser):
        def __init__(self):
            super().__init__()
            self.problems = []
            self.in_script = False

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            self.problems += [f"{tag} {k}" for k in attrs if k.startswith("on")]
            if tag == "script":
                self.in_script = True
                if "src" not in attrs:
                    self.problems.append("inline <script>")
            if tag in ("link", "script", "img") and re.match(
                r"(https?:)?//", attrs.get("src", "") or attrs.get("href", "")
            ):
                self.problems.append(f"{tag} from another site")

        def handle_endtag(self, tag):
            self.in_script = False

        def handle_data(self, text):
            if self.in_script and text.strip():
                self.problems.append("inline script text")

    parser = Scripts()
    parser.feed(client.get("/", headers=AUTH).text)
    assert parser.problems == []


def test_the_page_script_writes_data_with_text_content_only():
    js = resources.files("microbp.lab").joinpath("static", "lab.js").read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in js
    assert "textContent" in js


def test_static_files_cannot_reach_outside_the_assets(client):
    for path in ("/static/../state.py", "/static/%2e%2e/state.py", "/static/..%2fserver.py"):
        r = client.get(path, headers=AUTH)
        assert r.status_code == 404, path


def test_the_steps_text_is_the_stepper_pages_own_made_once_in_python(client):
    """lab.js shows each step's lines; they are microbp.viz.trace.explain's, the words of the
    stepper page (Trace.page), not a second text written in JavaScript."""
    from microbp.viz import trace_backward
    from microbp.viz.trace import explain

    answer = client.get("/api/trace", headers=AUTH).json()
    s = get_state(client)
    net = net_of(s)
    fw = net.forward(s["x"])
    from microbp import squared_error

    E = squared_error(s["y"], fw.output)
    E.label = "E"
    trace = trace_backward(E, forward=fw)
    assert len(answer["steps"]) == len(trace)
    for st, ref in zip(answer["steps"], trace, strict=True):
        want = [line.text for line in explain(trace, ref, lambda v: repr(float(v)))]
        assert [line["text"] for line in st["lines"]] == want
    assert answer["intro"].startswith("The pass starts at E")
    js = resources.files("microbp.lab").joinpath("static", "lab.js").read_text()
    assert "local derivative" not in js and "is a z-node" not in js and "contribution" not in js


def test_why_computes_bp2_through_bp_hidden_delta(client, monkeypatch):
    calls = []
    real = bp.hidden_delta

    def spy(*args, **kw):
        calls.append(args)
        return real(*args, **kw)

    monkeypatch.setattr(bp, "hidden_delta", spy)
    w = client.get("/api/why?l=2&i=2", headers=AUTH).json()
    assert len(calls) == 1 and calls[0][2] == 1  # neuron i = 2, 0-based
    assert (w["sum"], w["fprime"], w["delta_formula"]) == real(*calls[0])


# --------------------------------------------------------------------------------------------
# What the page shows on every screen: names, the stepper a page at a time, the boundary


def test_every_quantity_the_page_shows_comes_with_its_name_from_microbp_names():
    """The page writes no name of its own: the state carries every one, in the Unicode form
    of microbp.names (two-digit indices with their comma)."""
    from microbp import names

    with make_client(sizes=[2, 12, 1], seed=1, data_name="xor") as c:
        n = get_state(c)["names"]
    assert n["w"]["2"][11][1] == str(names.w(2, 12, 2)) == "w₁₂,₂⁽²⁾"
    assert n["w"]["3"][0][11] == "w₁,₁₂⁽³⁾"
    assert n["delta"]["3"] == ["δ₁⁽³⁾"] and n["z"]["2"][0] == "z₁⁽²⁾"
    assert n["a"]["1"] == ["a₁⁽¹⁾", "a₂⁽¹⁾"] and n["x"] == ["x₁", "x₂"] and n["y"] == ["y₁"]
    assert n["b"]["2"][9] == "b₁₀⁽²⁾" and n["layer"]["3"] == "⁽³⁾"


def test_why_names_each_number_it_writes(client):
    w = client.get("/api/why?l=2&i=1", headers=AUTH).json()
    assert w["names"] == {"z": "z₁⁽²⁾", "a": "a₁⁽²⁾", "b": "b₁⁽²⁾", "delta": "δ₁⁽²⁾"}
    assert [t["names"] for t in w["terms"]] == [
        {"delta": "δ₁⁽³⁾", "w": "w₁₁⁽³⁾"},
        {"delta": "δ₂⁽³⁾", "w": "w₂₁⁽³⁾"},
    ]
    e = client.get("/api/why?l=3&i=2&j=3", headers=AUTH).json()
    assert e["names"]["w"] == "w₂₃⁽³⁾" and e["names"]["a_prev"] == "a₃⁽²⁾"
    assert client.get("/api/why?l=3&i=2", headers=AUTH).json()["names"]["y"] == "y₂"


def test_the_stepper_of_the_documented_2_16_16_1_net_is_read_a_page_at_a_time():
    """`microbp lab --net 2,16,16,1 --data xor` has 644 steps, more than a picture takes
    (microbp.viz.MAX_NODES); the lab pages through them, and the pages put together are
    the whole trace, ending on the state's own gradients."""
    from microbp.lab import stepper
    from microbp.viz import MAX_NODES

    with make_client(sizes=[2, 16, 16, 1], activation="tanh", seed=3, data_name="xor") as c:
        first = c.get("/api/trace", headers=AUTH).json()
        total = first["total"]
        assert total > MAX_NODES and len(first["steps"]) == stepper.PAGE
        steps = list(first["steps"])
        while len(steps) < total:
            page = c.get(f"/api/trace?start={len(steps)}", headers=AUTH).json()
            assert page["start"] == len(steps) and page["total"] == total
            steps += page["steps"]
        assert [s["number"] for s in steps] == [s["number"] for s in first["steps"]] + [
            s["number"] for s in steps[stepper.PAGE :]
        ]
        assert len({s["number"] for s in steps}) == total
        # every z-node step is listed with its neuron, so the page can jump to it
        zs = [[s["number"], *s["neuron"]] for s in steps if s["neuron"]]
        assert first["neurons"] == zs and len(zs) == 16 + 16 + 1
        # the last step that reaches a weight leaves it at the state's w.grad
        state = get_state(c)
        w = state["names"]["w"]["2"][0][0]
        last = [inp for s in steps for inp in s["inputs"] if inp["name"] == w][-1]
        assert last["after"] == state["dW"]["2"][0][0]
        r = c.get(f"/api/trace?count={stepper.PAGE + 1}", headers=AUTH)
        assert r.status_code == 400 and "count" in r.json()["error"]
        r = c.get("/api/trace?start=-1", headers=AUTH)
        assert r.status_code == 400
        assert c.get("/api/trace?page=2", headers=AUTH).status_code == 400


def test_the_decision_boundary_is_the_nets_own_output_on_a_grid():
    with make_client(sizes=[2, 8, 1], activation="tanh", seed=2, data_name="moons") as c:
        b = c.get("/api/boundary", headers=AUTH).json()
        s = get_state(c)
    net = net_of(s)
    n = len(b["x1"])
    assert len(b["out"]) == len(b["x2"]) == n and all(len(row) == n for row in b["out"])
    for r, c_ in ((0, 0), (n // 2, 3), (n - 1, n - 1)):
        a = net([b["x1"][c_], b["x2"][r]])[0].data  # the scalar graph's forward pass
        assert math.isclose(b["out"][r][c_], a, rel_tol=1e-12, abs_tol=1e-15)
    X, Y = data.two_moons(200)
    assert b["points"] == X.tolist() and b["targets"] == Y[:, 0].tolist()
    assert b["level"] == 0.5 and b["kind"] == "output"
    # the grid covers every point
    assert min(b["x1"]) < X[:, 0].min() and max(b["x1"]) > X[:, 0].max()
    assert min(b["x2"]) < X[:, 1].min() and max(b["x2"]) > X[:, 1].max()


def test_the_decision_boundary_follows_the_training(client):
    with make_client(sizes=[2, 4, 1], seed=0, data_name="xor") as c:
        before = c.get("/api/boundary", headers=AUTH).json()
        post(c, "/api/train", {"optimizer": "irprop-", "epochs": 30})
        after = c.get("/api/boundary", headers=AUTH).json()
    assert after["version"] > before["version"] and after["out"] != before["out"]


def test_the_boundary_is_refused_for_a_net_without_two_inputs(client):
    before = get_state(client)
    r = client.get("/api/boundary", headers=AUTH)
    assert (
        r.status_code == 400 and "2 inputs" in r.json()["error"] and "n₁ = 3" in r.json()["error"]
    )
    assert client.get("/api/boundary?n=5", headers=AUTH).status_code == 400
    assert get_state(client) == before


def test_the_loss_curve_starts_a_new_series_when_the_optimizer_changes(client):
    post(client, "/api/train", {"optimizer": "gd", "epochs": 3})
    post(client, "/api/train", {"optimizer": "gd", "epochs": 2})  # the same run goes on
    t = post(client, "/api/train", {"optimizer": "irprop-", "epochs": 4}).json()["train"]
    assert [s["start"] for s in t["series"]] == [0, 5]
    assert t["series"][0]["optimizer"].startswith("GD") and "Rprop" in t["series"][1]["optimizer"]
    assert t["epoch"] == 9
    # an edit is another net: a new curve, no series yet
    t = post(client, "/api/set", {"b": [3, 1], "value": 0.5}).json()["train"]
    assert t["series"] == [] and t["loss"] == []


def test_the_loss_is_chosen_on_the_page_and_both_methods_use_it(client):
    """{"loss": name}: E, δ⁽ᴸ⁾ by the graph and by BP-1's general form, the stepper and the
    training all take the chosen loss; one not made for the output layer is refused."""
    s = post(client, "/api/set", {"loss": "binary_cross_entropy"}).json()
    assert s["loss"] == "binary_cross_entropy" and "ln" in s["loss_formula"]
    ref = bp.index_form(net_of(s), s["x"], s["y"], "binary_cross_entropy")
    assert s["delta_formulas"]["3"] == ref.delta[3] and s["E"] == pytest.approx(ref.E, rel=1e-12)
    for g, f in zip(s["delta"]["3"], ref.delta[3], strict=True):  # δ⁽ᴸ⁾ = a⁽ᴸ⁾ − y
        assert math.isclose(g, f, rel_tol=1e-12)
    a, y = s["a"]["3"], s["y"]
    assert ref.delta[3] == pytest.approx([ak - yk for ak, yk in zip(a, y, strict=True)])
    w = client.get("/api/why?l=3&i=1", headers=AUTH).json()
    assert w["form"] == "a - y" and w["loss"] == "binary_cross_entropy"
    steps = client.get("/api/trace", headers=AUTH).json()["steps"]
    b = [inp for st in steps for inp in st["inputs"] if inp["name"] == "b₁⁽³⁾"][-1]
    assert b["after"] == pytest.approx(s["db"]["3"][0], rel=1e-12)
    # other edits keep the loss; training uses it
    s = post(client, "/api/set", {"w": [2, 1, 1], "value": 0.75}).json()
    assert s["loss"] == "binary_cross_entropy"
    t = post(client, "/api/train", {"optimizer": "gd", "epochs": 3}).json()["train"]
    h = fit(net_of(s), [s["x"]], [s["y"]], optim.make("gd"), max_epochs=3, quiet=True,
            loss="binary_cross_entropy")  # fmt: skip
    assert t["loss"] == h.loss
    # refused: an unknown name, a loss made for another output layer; nothing changes
    before = get_state(client)
    for body, words in (
        ({"loss": "hinge"}, "unknown loss"),
        ({"loss": "cross_entropy"}, "softmax"),
        ({"loss": 3}, "unknown loss"),
    ):
        r = post(client, "/api/set", body)
        assert r.status_code == 400 and words in r.json()["error"], r.json()
    assert get_state(client) == before
    # a softmax output layer brings the loss made for it; squared error may be chosen again
    s = post(client, "/api/set", {"activation": ["sigmoid", "softmax"]}).json()
    assert s["loss"] == "cross_entropy"
    y = [0.25, 0.75]
    post(client, "/api/set", {"y": y})
    s = post(client, "/api/set", {"loss": "squared_error"}).json()
    assert s["loss"] == "squared_error"
    ref = bp.index_form(net_of(s), s["x"], s["y"], "squared_error")
    assert s["delta_formulas"]["3"] == ref.delta[3]
    opts = client.get("/api/options", headers=AUTH).json()["losses"]
    assert opts["binary_cross_entropy"]["output"] == "sigmoid"
    assert opts["squared_error"]["output"] is None


def test_the_stepper_writes_its_numbers_with_the_digits_asked_for(client):
    full = client.get("/api/trace", headers=AUTH).json()["steps"]
    four = client.get("/api/trace?digits=4", headers=AUTH).json()["steps"]
    s = get_state(client)
    delta = s["delta"]["3"][0]
    z = next(k for k, st in enumerate(full) if st["delta"] == "δ₁⁽³⁾")
    assert repr(delta) in "\n".join(line["text"] for line in full[z]["lines"])
    text = "\n".join(line["text"] for line in four[z]["lines"])
    assert format(delta, ".4g") in text and repr(delta) not in text
    assert [st["upstream"] for st in four] == [st["upstream"] for st in full]  # data unchanged
    for q in ("digits=0", "digits=18", "digits=x"):
        assert client.get(f"/api/trace?{q}", headers=AUTH).status_code == 400


def test_the_old_data_set_name_seed_still_gives_the_tutorials_numbers(client):
    with pytest.warns(FutureWarning, match="now called 'tutorial'"):
        s = post(client, "/api/new", {"data": "seed"}).json()
    assert s["W"]["2"][0] == list(data.tutorial_example().W[2][0])
    options = client.get("/api/options", headers=AUTH).json()
    assert "tutorial" in str(options) and "'seed'" not in str(options)


# --------------------------------------------------------------------------------------------
# "Export to PyTorch": GET /api/model?format=pt is the state_dict of to_torch(net) for the lab's
# net, and the page offers it next to the model download


def test_export_to_pytorch_gives_the_labs_net_as_a_state_dict():
    torch = pytest.importorskip("torch")
    from microbp.interop import to_torch

    with make_client(sizes=[2, 3, 2], activation="tanh") as client:
        page = client.get("/", headers=AUTH).text
        assert 'id="download-pt"' in page and "Export to PyTorch" in page
        script = client.get("/static/lab.js", headers=AUTH).text
        assert '"/api/model?format=pt"' in script and '$("download-pt")' in script
        r = client.get("/api/model?format=pt", headers=AUTH)
        assert r.status_code == 200
        assert 'filename="microbp-model.pt"' in r.headers["content-disposition"]
        net = client.app.state.lab.net
        model = to_torch(net)
        model.load_state_dict(torch.load(io.BytesIO(r.content)))
        assert model.z2.weight.tolist() == net.numbers()[0][2]
        assert model.z3.bias.tolist() == net.numbers()[1][3]


def test_without_pytorch_the_export_says_which_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    with make_client() as client:
        r = client.get("/api/model?format=pt", headers=AUTH)
        assert r.status_code == 501 and "microbp[torch]" in r.json()["error"]
