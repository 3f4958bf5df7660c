"""``microbp saturation``: the quick run reproduces the single-neuron demonstration.

From w = b = 2 (a ≈ 0.98, saturated and wrong) cross-entropy brings a below 0.1 in far fewer
epochs than ½‖y − a‖², whose δ carries σ′(z) ≈ 0.018; the squared error's plateau shows in
its first epochs. On Iris the runs end with the classes learnt by both losses.
"""

from __future__ import annotations

import contextlib
import io
import json
import math

import pytest

from microbp.cli.app import main
from microbp.experiments import saturation


@pytest.fixture(scope="module")
def quick():
    return saturation.run(**saturation.QUICK)


def cell(result, w0, b0, loss):
    (run,) = [r for r in result.neuron if (r.w0, r.b0, r.loss) == (w0, b0, loss)]
    return run


def test_cross_entropy_needs_fewer_epochs_from_w_b_2(quick):
    se = cell(quick, 2.0, 2.0, "squared_error")
    ce = cell(quick, 2.0, 2.0, "cross_entropy")
    assert math.isclose(se.outputs[0], 0.98201379, rel_tol=1e-8)  # σ(4)
    assert ce.epochs is not None
    assert se.epochs is None or se.epochs > 4 * ce.epochs
    # the plateau: after 50 epochs the squared error has barely moved a, cross-entropy is done
    assert se.outputs[50] > 0.9 and ce.outputs[50] < 0.1


def test_cross_entropy_is_faster_from_every_start(quick):
    for w0, b0 in saturation.STARTS:
        se = cell(quick, w0, b0, "squared_error")
        ce = cell(quick, w0, b0, "cross_entropy")
        assert ce.epochs is not None
        assert se.epochs is None or ce.epochs < se.epochs
        assert len(se.outputs) == len(se.E) == saturation.QUICK["max_epochs"] + 1


def test_iris_runs_learn_the_classes(quick):
    assert {r.loss for r in quick.iris} == {"squared_error", "cross_entropy"}
    for r in quick.iris:
        assert r.epochs is not None and r.train_accuracy >= 0.95
        assert r.test_accuracy > 0.8


def test_the_cli_prints_a_table_and_json(tmp_path):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["saturation", "--quick"]) == 0
    text = out.getvalue()
    assert "epochs until a < 0.1" in text and "w = 2, b = 2" in text and "Iris" in text
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["saturation", "--quick", "--json", "--plot", str(tmp_path / "s.png")]) == 0
    result = json.loads(out.getvalue())
    assert result["settings"]["max_epochs"] == saturation.QUICK["max_epochs"]
    assert (tmp_path / "s.png").stat().st_size > 1000
