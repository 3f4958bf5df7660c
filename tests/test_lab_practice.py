"""The lab's practice mode (POST /api/practice): the learner's number for a δ or a ∂E/∂w of
the net on show is checked against the graph's, the usual mistakes named, and the BP
explanation returned with the verdict."""

from __future__ import annotations

import pytest

pytest.importorskip("starlette")
pytest.importorskip("sympy")

from tests.test_lab_api import AUTH, get_state, make_client  # noqa: E402


@pytest.fixture
def client():
    return make_client()


def practise(client, **body):
    return client.post("/api/practice", json=body, headers=AUTH)


def test_the_graphs_delta_to_three_digits_is_correct_and_the_explanation_follows(client):
    s = get_state(client)
    delta = s["delta"]["2"][0]  # δ₁⁽²⁾ = z₁⁽²⁾.grad
    r = practise(client, l=2, i=1, answer=f"{delta:.3g}")
    assert r.status_code == 200
    out = r.json()
    assert out["correct"] and out["engine"] == delta and out["target"] == "δ₁⁽²⁾"
    assert out["why"]["rule"] == "BP-2" and out["why"]["delta_graph"] == delta


def test_a_wrong_delta_is_wrong_and_the_sign_mistake_is_named(client):
    delta = get_state(client)["delta"]["3"][1]
    out = practise(client, l=3, i=2, answer=repr(-delta)).json()
    assert not out["correct"] and out["mistake"] == "the sign"
    out = practise(client, l=3, i=2, answer=repr(delta * 1.1)).json()
    assert not out["correct"] and out["mistake"] is None and "hint" in out["message"]
    fprime = get_state(client)["fprime"]["3"][1]
    out = practise(client, l=3, i=2, answer=repr(delta / fprime)).json()
    assert not out["correct"] and out["mistake"] == "f′ forgotten"


def test_an_edge_asks_for_the_weights_gradient_and_names_the_forgotten_activation(client):
    s = get_state(client)
    g = s["dW"]["3"][0][1]  # ∂E/∂w₁₂⁽³⁾ = w.grad
    assert practise(client, l=3, i=1, j=2, answer=repr(g)).json()["correct"]
    out = practise(client, l=3, i=1, j=2, answer=repr(s["delta"]["3"][0])).json()
    assert not out["correct"] and out["mistake"] == "aⱼ⁽ˡ⁻¹⁾ forgotten"
    assert out["why"]["rule"] == "BP-3"


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"l": 2, "i": 1, "answer": "__import__('os')"}, "not allowed"),
        ({"l": 2, "i": 1, "answer": "9**9**9**9"}, "too large"),
        ({"l": 2, "i": 1, "answer": "1" * 500}, "at most 200"),
        ({"l": 2, "i": 1, "answer": 0.5}, "must be text"),
        ({"l": 7, "i": 1, "answer": "1"}, "l must be"),
        ({"l": 2, "i": 1}, "practice expects"),
        ({"l": 2, "i": 1, "answer": "1", "x": 1}, "practice expects"),
    ],
)
def test_a_bad_practice_request_is_refused_and_changes_nothing(client, body, says):
    before = get_state(client)
    r = practise(client, **body)
    assert r.status_code == 400 and says in r.json()["error"]
    assert get_state(client) == before
