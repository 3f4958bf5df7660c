"""The lab's "Export to PyTorch": ``GET /api/model?format=pt`` is the state_dict of
``to_torch(net)`` for the lab's net, and the page offers it next to the model download."""

from __future__ import annotations

import io
import sys

import pytest

from tests.test_lab_api import AUTH, make_client

torch = pytest.importorskip("torch")

from microbp.interop import to_torch  # noqa: E402


def test_export_to_pytorch_gives_the_labs_net_as_a_state_dict():
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
