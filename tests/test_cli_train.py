"""``microbp train`` and the training part of ``microbp demo``."""

import io
import json
import os
import re

import pytest

from microbp import MLP, data, optim
from microbp.cli import train as train_cli
from microbp.cli.app import main
from microbp.cli.demo import demo
from microbp.train import STOP_REASONS, History, accuracy


def run(argv, capsys):
    status = main(argv)
    out = capsys.readouterr()
    return status, out.out, out.err


def test_train_xor_prints_e_epochs_reason_and_accuracy(capsys):
    status, out, _ = run(
        ["train", "--data", "xor", "--net", "2,4,1", "--optimizer", "irprop-",
         "--max-epochs", "2000", "--tol", "1e-9", "--target", "1e-3", "--quiet"],
        capsys,
    )  # fmt: skip
    assert status == 0
    assert "E_total = " in out and "epochs  = " in out
    assert "stopped by target" in out and "accuracy = 4/4 = 100.0%" in out


def test_train_json_saves_a_net_that_loads_with_the_reported_accuracy(tmp_path, capsys):
    model = tmp_path / "xor.json"
    status, out, _ = run(
        ["train", "--data", "xor", "--gradients", "formulas", "--max-epochs", "300",
         "--save", str(model), "--json"],
        capsys,
    )  # fmt: skip
    assert status == 0
    result = json.loads(out)
    assert result["stopped_by"] in ("tol", "target", "max_epochs")
    assert result["gradients"] == "formulas" and result["saved"] == str(model)
    net = MLP.load(model)
    X, Y = data.xor()
    assert accuracy(net, X, Y) == result["accuracy"]
    assert result["epochs"] <= 300 and result["E"] < result["E0"]


def test_train_with_each_optimizer_name_runs(capsys):
    for name in ("gd", "sgd", "rprop+", "rprop-", "irprop+", "IRPROP-"):
        status, out, _ = run(
            ["train", "--data", "parity:2", "--optimizer", name, "--max-epochs", "5",
             "--json"],
            capsys,
        )  # fmt: skip
        assert status == 0, name
        assert json.loads(out)["epochs"] == 5


def test_train_plot_writes_the_loss_curve(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    png = tmp_path / "loss.png"
    status, out, _ = run(
        ["train", "--data", "tutorial", "--optimizer", "gd", "--max-epochs", "20", "--plot",
         str(png), "--quiet"],
        capsys,
    )  # fmt: skip
    assert status == 0 and png.read_bytes()[:4] == b"\x89PNG"
    assert f"wrote the loss curve to {png}" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--data", "mnist"], "unknown data set 'mnist'"),
        (["--data", "encoder:8"], "takes 2 integer argument"),
        (["--data", "parity:x"], "must be integers"),
        (["--data", "xor", "--net", "3,4,1"], "does not fit --data xor"),
        (["--optimizer", "gd", "--lr", "-1"], "lr must be"),
        (["--lr", "-1"], "delta0 must be"),
        (["--max-epochs", "-5"], "max_epochs"),
    ],
)
def test_train_bad_input_exits_2_with_a_message(capsys, argv, message):
    status, _, err = run(["train", *argv, "--quiet"], capsys)
    assert status == 2
    assert message in err


def test_train_unknown_optimizer_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["train", "--optimizer", "adam"])
    assert exc.value.code == 2


def test_demo_trains_the_seed_example_until_the_tol_rule_and_writes_the_plot(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    assert demo(out, out_dir="microbp-demo") == 0
    text = out.getvalue()
    assert "batch gradient descent" in text and "stopped by tol after" in text
    if pytest.importorskip("matplotlib"):
        assert (tmp_path / "microbp-demo" / "tutorial-loss.png").exists()


def test_train_seed_data_starts_from_the_seed_examples_numbers(capsys):
    status, out, _ = run(
        ["train", "--data", "tutorial", "--optimizer", "gd", "--lr", "2", "--tol", "1e-8",
         "--max-epochs", "100000", "--gradients", "formulas", "--json"],
        capsys,
    )  # fmt: skip
    result = json.loads(out)
    assert status == 0 and result["E0"] == pytest.approx(0.2222169259, abs=1e-10)
    assert (result["stopped_by"], result["epochs"]) == ("tol", 2844)  # as in microbp demo


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--save", "{tmp}/missing/m.json"], "cannot write the net to '{tmp}/missing/m.json'"),
        (["--save", "{tmp}"], "it is a folder"),
    ],
)
def test_train_output_paths_are_checked_before_training(
    tmp_path, monkeypatch, capsys, argv, message
):
    def no_training(*args, **kwargs):
        raise AssertionError("trained before the output paths were checked")

    monkeypatch.setattr(train_cli, "fit", no_training)
    argv = [a.format(tmp=tmp_path) for a in argv]
    status, _, err = run(["train", *argv, "--quiet"], capsys)
    assert status == 2
    assert message.format(tmp=tmp_path) in err
    assert ".tmp" not in err and os.listdir(tmp_path) == []


@pytest.mark.parametrize("reason", STOP_REASONS)
def test_every_stop_reason_has_its_rule_in_the_report(reason, monkeypatch, capsys):
    """The report's table of stopping rules covers every ``History.stopped_by`` (no
    KeyError waiting for "criterion" or "interrupted")."""

    def fit(net, X, Y, optimizer, **kwargs):
        return History(loss=[0.5, 0.25], stopped_by=reason, epochs=1, optimizer="GD")

    monkeypatch.setattr(train_cli, "fit", fit)
    status, out, err = run(["train", "--data", "xor", "--quiet"], capsys)
    assert status == 0, err
    line = next(x for x in out.splitlines() if x.startswith("stopped by"))
    assert line.startswith(f"stopped by {reason}: ") and len(line) > len(f"stopped by {reason}: ")


def test_train_optimizer_choices_are_optim_make_names():
    assert tuple(train_cli.OPTIMIZERS) == optim.OPTIMIZERS


def test_train_on_a_classification_set_reports_test_accuracy_next_to_training(capsys):
    argv = ["train", "--data", "moons:40", "--gradients", "formulas", "--max-epochs", "30"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-2].startswith("accuracy = ") and "/32 = " in lines[-2]
    assert "on the training rows" in lines[-2]
    assert lines[-1].startswith("test accuracy = ") and "/8 = " in lines[-1]
    assert "--test-fraction 0.2, drawn with --seed 0" in lines[-1]


def test_the_test_split_is_seeded_and_can_be_switched_off(capsys):
    def run(*extra):
        argv = ["train", "--data", "moons:60", "--gradients", "formulas", "--max-epochs", "20"]
        assert main([*argv, "--json", *extra]) == 0
        return json.loads(capsys.readouterr().out)

    a, b, c = run("--seed", "4"), run("--seed", "4"), run("--seed", "5")
    assert a == {**b, "seconds": a["seconds"]}
    assert (a["test_rows"], a["test_fraction"]) == (12, 0.2)
    assert c["E0"] != a["E0"]  # another seed: other weights and another cut
    off = run("--test-fraction", "0")
    assert (off["test_rows"], off["test_accuracy"]) == (0, None)
    half = run("--test-fraction", "0.5")
    assert half["test_rows"] == 30


def test_a_truth_table_set_is_not_split_by_default(capsys):
    assert main(["train", "--data", "xor", "--max-epochs", "5", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "accuracy = " in out and "/4 = " in out and "test accuracy" not in out


@pytest.mark.parametrize("bad", ["1", "-0.2", "nan", "half"])
def test_a_bad_test_fraction_is_a_usage_error(bad, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", f"--test-fraction={bad}"])
    assert exit_info.value.code == 2
    assert "in [0, 1) (0: none)" in capsys.readouterr().err


def test_train_data_seed_is_the_old_name_of_tutorial_and_warns(capsys):
    with pytest.warns(FutureWarning, match="now called 'tutorial'"):
        assert main(["train", "--data", "seed", "--optimizer", "gd", "--max-epochs", "3"]) == 0
    new = capsys.readouterr().out
    assert main(["train", "--data", "tutorial", "--optimizer", "gd", "--max-epochs", "3"]) == 0

    # the same run from the tutorial's own numbers, reported under the new name (only the
    # wall time may differ)
    def same(text):
        return re.sub(r"\d+\.\d+ s\b", "… s", text)

    assert same(capsys.readouterr().out) == same(new)
