"""microbp.interop.to_onnx and ``microbp export``: onnxruntime runs the exported float64 model
and gives ``net(x)`` to 1e-12, on the tutorial's example and on random nets and inputs; a bad
model file or a missing library → exit status 2 and nothing written."""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import microbp.cli.app as cli
from microbp import MLP
from microbp.data import tutorial_example
from microbp.interop import to_onnx
from tests.strategies import net_sample_loss

ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")

TOL = 1e-12


def run_onnx(net: MLP, X) -> np.ndarray:
    session = ort.InferenceSession(
        to_onnx(net).SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return session.run(["a"], {"x": np.asarray(X, dtype=np.float64)})[0]


def microbp_outputs(net: MLP, X) -> np.ndarray:
    return np.array([[a.data for a in net(list(x))] for x in X])


def assert_close(theirs: np.ndarray, mine: np.ndarray) -> None:
    assert theirs.dtype == np.float64 and theirs.shape == mine.shape
    assert np.max(np.abs(theirs - mine), initial=0.0) <= TOL * max(1.0, np.max(np.abs(mine)))


def test_the_tutorials_example_runs_the_same_in_onnxruntime():
    ex = tutorial_example()
    net = ex.net()
    assert_close(run_onnx(net, ex.X), microbp_outputs(net, ex.X))


@given(
    net_sample_loss(),
    st.lists(st.floats(-50, 50), min_size=1, max_size=20),
)
def test_random_nets_and_inputs_run_the_same_in_onnxruntime(case, values):
    net = case[0]
    n = net.sizes[0]
    rows = [values[k : k + n] for k in range(0, len(values) - n + 1, n)] or [[0.0] * n]
    assert_close(run_onnx(net, rows), microbp_outputs(net, rows))


def test_softplus_keeps_its_small_values_far_below_zero():
    # ln(1 + e^z) for z = −30 is 9.4e−14: a plain Log(1 + Exp(z)) would lose most digits
    net = MLP.from_weights({2: [[1.0]]}, {2: [0.0]}, activation="softplus")
    X = [[-30.0], [-700.0], [-1e-9], [0.0], [1e-9], [30.0], [700.0]]
    theirs, mine = run_onnx(net, X), microbp_outputs(net, X)
    assert np.allclose(theirs, mine, rtol=1e-14, atol=0)


def test_the_model_is_valid_onnx_in_float64_with_the_nets_numbers():
    ex = tutorial_example()
    model = to_onnx(ex.net())
    onnx.checker.check_model(model)
    weights = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
    assert weights["W2"].dtype == np.float64 and weights["W2"].tolist() == [
        list(r) for r in ex.W[2]
    ]
    assert [i.name for i in model.graph.input] == ["x"]
    assert [o.name for o in model.graph.output] == ["a"]


# --------------------------------------------------------------------------------------------
# microbp export


@pytest.fixture
def model_json(tmp_path):
    path = tmp_path / "model.json"
    MLP([3, 4, 3], activation=["tanh", "softmax"], seed=5, init="xavier").save(path)
    return path


def test_export_writes_onnx_and_a_state_dict(model_json, tmp_path, capsys):
    torch = pytest.importorskip("torch")
    onnx_path, pt_path = tmp_path / "m.onnx", tmp_path / "m.pt"
    argv = ["export", str(model_json), "--onnx", str(onnx_path), "--torch", str(pt_path)]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert f"wrote {onnx_path}" in out and f"wrote {pt_path}" in out and "logits" in out
    net = MLP.load(model_json)
    X = [[0.5, -1.0, 2.0], [3.0, 0.0, -2.5]]
    session = ort.InferenceSession(onnx_path.read_bytes(), providers=["CPUExecutionProvider"])
    assert_close(session.run(None, {"x": np.array(X)})[0], microbp_outputs(net, X))
    state = torch.load(io.BytesIO(pt_path.read_bytes()))
    assert state["z2.weight"].tolist() == net.numbers()[0][2]
    assert (
        state["z3.bias"].dtype == torch.float64 and state["z3.bias"].tolist() == net.numbers()[1][3]
    )


@pytest.mark.parametrize(
    "text,message",
    [
        ("", "empty"),
        ('{"format": "microbp.mlp", "version": 1', "JSON"),
        ('{"x": 1}', "not a microbp model file"),
    ],
)
def test_a_bad_model_file_is_the_loaders_error_and_nothing_is_written(
    tmp_path, capsys, text, message
):
    bad = tmp_path / "bad.json"
    bad.write_text(text)
    old = tmp_path / "old.onnx"
    old.write_bytes(b"old")
    argv = ["export", str(bad), "--onnx", str(old), "--torch", str(tmp_path / "new.pt")]
    assert cli.main(argv) == 2
    assert message in capsys.readouterr().err
    assert old.read_bytes() == b"old" and not (tmp_path / "new.pt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json", "old.onnx"]


def test_a_missing_file_is_named(tmp_path, capsys):
    assert (
        cli.main(["export", str(tmp_path / "nope.json"), "--onnx", str(tmp_path / "m.onnx")]) == 2
    )
    assert "nope.json" in capsys.readouterr().err
    assert not (tmp_path / "m.onnx").exists()


@pytest.mark.parametrize(
    ("library", "flag", "extra"),
    [("torch", "--torch", "microbp[torch]"), ("onnx", "--onnx", "microbp[onnx]")],
)
def test_a_missing_library_exits_two_naming_the_extra_before_any_write(
    model_json, tmp_path, capsys, monkeypatch, library, flag, extra
):
    monkeypatch.setitem(sys.modules, library, None)  # import → ImportError
    argv = [
        "export",
        str(model_json),
        "--onnx",
        str(tmp_path / "m.onnx"),
        "--torch",
        str(tmp_path / "m.pt"),
    ]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert flag in err and extra in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]


def test_export_needs_a_format(model_json, capsys):
    assert cli.main(["export", str(model_json)]) == 2
    assert "--onnx" in capsys.readouterr().err
