"""``--loss`` on every command that takes it (train, check, trace, graph), and where the
command line accepts softmax."""

from __future__ import annotations

import json

import pytest

from microbp import MLP
from microbp.cli.app import main


def test_train_a_softmax_classifier_on_iris_with_cross_entropy(capsys, tmp_path):
    model = tmp_path / "iris.json"
    args = ["train", "--data", "iris", "--activation", "tanh,softmax", "--loss",
            "cross_entropy", "--gradients", "formulas", "--max-epochs", "60", "--json",
            "--save", str(model)]  # fmt: skip
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["loss"] == "cross_entropy" and result["activations"] == ["tanh", "softmax"]
    assert result["E"] < result["E0"] and result["accuracy"] > 0.9
    net = MLP.load(model)  # a softmax net round-trips through the model file
    assert net.activations == ["tanh", "softmax"]


def test_train_refuses_a_loss_that_does_not_fit_the_output_layer(capsys):
    assert main(["train", "--data", "xor", "--loss", "cross_entropy", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "cross_entropy is made for a softmax output layer" in err


def test_train_with_binary_cross_entropy(capsys):
    args = ["train", "--data", "xor", "--loss", "binary_cross_entropy", "--max-epochs", "300",
            "--json"]  # fmt: skip
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["accuracy"] == 1.0


@pytest.mark.parametrize(
    ("net", "activation", "loss"),
    [("3,4,2", "sigmoid", "binary_cross_entropy"), ("3,4,3", "tanh,softmax", "cross_entropy"),
     ("3,4,3", "sigmoid,softmax", "squared_error")],
)  # fmt: skip
def test_check_passes_for_every_loss(capsys, net, activation, loss):
    assert main(["check", "--net", net, "--activation", activation, "--loss", loss]) == 0
    out = capsys.readouterr().out
    assert "PASS" in out
    assert (f"loss {loss}" in out) == (loss != "squared_error")  # the tutorial's cost goes unsaid


def test_softmax_is_refused_before_the_last_layer_on_the_command_line(capsys):
    with pytest.raises(SystemExit):
        main(["check", "--net", "3,4,3", "--activation", "softmax,sigmoid"])
    assert "softmax is an output layer" in capsys.readouterr().err


def test_trace_and_graph_take_the_loss(capsys, tmp_path):
    args = ["trace", "--net", "2,3", "--activation", "softmax", "--loss", "cross_entropy"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "backward pass from E" in out and "ln Σⱼ e^(zⱼ)" in out  # the loss's labelled nodes
    dot = tmp_path / "g.dot"
    assert main(["graph", "--loss", "binary_cross_entropy", "--out", str(dot)]) == 0
    assert "softplus" in dot.read_text()
    assert main(["graph", "--loss", "cross_entropy", "--out", str(dot)]) == 2
    assert "made for a softmax output layer" in capsys.readouterr().err
