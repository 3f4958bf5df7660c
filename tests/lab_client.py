"""The lab's test client, shared by the test modules of its API (``test_lab_api.py``) and of
hostile input (``test_lab_bad_input.py``): a Starlette ``TestClient`` on ``create_app`` with a
known token, port and address. Importing it skips the importing module when the lab's extra
(starlette, httpx) is missing."""

from __future__ import annotations

import warnings

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

with warnings.catch_warnings():  # Starlette 1.x suggests httpx2; httpx works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from microbp.lab import LabState, create_app  # noqa: E402

#: The filter each module using the client sets as its ``pytestmark``.
HTTPX_WARNING = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")

TOKEN = "test-token-0123456789"
PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
AUTH = {"X-Microbp-Token": TOKEN}


def make_client(state: LabState | None = None, raise_server_exceptions=True, **kw) -> TestClient:
    """A client of a lab on ``state`` (or ``LabState.create(**kw)``). With
    ``raise_server_exceptions=False`` a 500 is an answer to check, not an exception."""
    app = create_app(state or LabState.create(**kw), TOKEN, port=PORT)
    return TestClient(app, base_url=BASE, raise_server_exceptions=raise_server_exceptions)


def get_state(c: TestClient) -> dict:
    """GET /api/state, which must answer 200."""
    r = c.get("/api/state", headers=AUTH)
    assert r.status_code == 200, r.text
    return r.json()
