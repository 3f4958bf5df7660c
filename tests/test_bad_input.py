"""Bad input to the core (nets, model files, data, fit, the engine): each case a hostile pass
reported, reproduced, and now handled — a clear error naming the problem (and nothing
changed), or the behaviour the report asked for. (Special files and full disks:
tests/test_files.py; Ctrl-C during fit: tests/test_fit_interrupt.py.)
"""

from __future__ import annotations

import json
import math
from fractions import Fraction

import numpy as np
import pytest

from microbp import MLP, Value, bp, data, modelfile
from microbp.activations import ACTIVATIONS
from microbp.engine import Value as EngineValue
from microbp.optim import GD
from microbp.train import History, fit

NAN, INF = float("nan"), float("inf")


def tutorial_file_text() -> str:
    return modelfile.to_json(data.tutorial_example().net())


def big_int_file() -> str:
    doc = json.loads(tutorial_file_text())
    text = json.dumps(doc)
    return text.replace("0.05", "1" + "0" * 400, 1)


def big_fraction_file() -> str:
    doc = json.loads(tutorial_file_text())
    doc["b"]["3"][0] = "1" + "0" * 400 + "/1"
    return json.dumps(doc)


def deep_file() -> str:
    return "[" * 100_000 + "]" * 100_000


# -- raises: (report item, what is done, the exception, the words it must say) ------------------

RAISES = {
    "8 net(x) with NaN": (lambda: MLP([2, 1])([NAN, 1.0]), ValueError, "entry 1 is nan"),
    "8 net(x) with inf": (lambda: MLP([2, 1])([1.0, INF]), ValueError, "expected finite"),
    "8 fit with NaN X": (
        lambda: fit(MLP([2, 1]), [[NAN, 0.0]], [[1.0]], GD(0.1), quiet=True),
        ValueError,
        r"X must hold finite numbers: X\[0, 0\] = nan",
    ),
    "8 backprop with inf Y": (
        lambda: bp.backprop(MLP([2, 1]), [[0.0, 0.0]], [[INF]]),
        ValueError,
        "Y must hold finite numbers",
    ),
    "8 from_weights with NaN": (
        lambda: MLP.from_weights({2: [[NAN, 1.0]]}, {2: [0.0]}),
        ValueError,
        "w₁₁⁽²⁾ = nan is not finite",
    ),
    "8 from_weights with inf": (
        lambda: MLP.from_weights({2: [[1.0, 2.0]]}, {2: [-INF]}),
        ValueError,
        "b₁⁽²⁾ = -inf is not finite",
    ),
    "9 weight 10**400 in a file": (
        lambda: modelfile.from_json(big_int_file(), MLP),
        ValueError,
        "too large for a float",
    ),
    "9 weight '10**400/1' in a file": (
        lambda: modelfile.from_json(big_fraction_file(), MLP),
        ValueError,
        "too large for a float",
    ),
    "9 a file nested 100000 deep": (
        lambda: modelfile.from_json(deep_file(), MLP),
        ValueError,
        "nested too deeply",
    ),
    "9 from_weights with 10**400": (
        lambda: MLP.from_weights({2: [[10**400]]}, {2: [0]}),
        ValueError,
        "too large for a float",
    ),
    "10 net(dict)": (
        lambda: MLP([3, 1])({5: 1.0, 6: 2.0, 7: 3.0}),
        TypeError,
        "sequence of 3 numbers.*got dict",
    ),
    "10 net(set)": (lambda: MLP([3, 1])({1.0, 2.0, 3.0}), TypeError, "got set"),
    "10 GD('0.5')": (lambda: GD("0.5"), ValueError, "lr must be a number > 0, got '0.5'"),
    "10 GD(True)": (lambda: GD(True), ValueError, "lr must be a number > 0, got True"),
    "10 backprop with complex Y": (
        lambda: bp.backprop(MLP([2, 1]), [[0.0, 1.0]], [[1 + 2j]]),
        ValueError,
        "Y must hold real numbers, got complex",
    ),
    "10 backprop with NaN X": (
        lambda: bp.backprop(MLP([2, 1]), [[NAN, 1.0]], [[1.0]]),
        ValueError,
        "X must hold finite numbers",
    ),
    "13 MLP(activation=None)": (
        lambda: MLP([3, 2], activation=None),
        ValueError,
        "activation must be one name .* got None",
    ),
    "13 MLP(init=['small'])": (
        lambda: MLP([3, 2], init=["small"]),
        ValueError,
        r"unknown init \['small'\]; expected one of: small, xavier, he",
    ),
    "13 fit('net', …)": (
        lambda: fit("net", [[0.0]], [[0.0]], GD(0.1)),
        TypeError,
        "fit expects a microbp MLP as the net, got str",
    ),
    "13 index_form(net, None, y)": (
        lambda: bp.index_form(MLP([3, 2]), None, [0, 0]),
        TypeError,
        "a sequence of 3 numbers.*got NoneType",
    ),
    "13 index_form(net, x, None)": (
        lambda: bp.index_form(MLP([3, 2]), [0, 0, 0], None),
        TypeError,
        "targets: a sequence of 2 numbers.*got NoneType",
    ),
    "13 backprop('net', …)": (
        lambda: bp.backprop("net", [[0.0]], [[0.0]]),
        TypeError,
        "expected a microbp MLP or a bp.Weights",
    ),
    "13 modelfile.load(None)": (
        lambda: modelfile.load(None, MLP),
        TypeError,
        "expected a file path .* got NoneType",
    ),
    "13 modelfile.save(net, 3)": (
        lambda: modelfile.save(MLP([2, 1]), 3),
        TypeError,
        "expected a file path .* got int",
    ),
    "13 MLP.load(None)": (lambda: MLP.load(None), TypeError, "got NoneType"),
    "13 modelfile.to_json(None)": (
        lambda: modelfile.to_json(None),
        TypeError,
        "expected a microbp MLP to save, got NoneType",
    ),
    "13 modelfile.from_json(3)": (
        lambda: modelfile.from_json(3, MLP),
        TypeError,
        r"model file's text \(a str\), got int",
    ),
    "13 History().final_loss": (
        lambda: History().final_loss,
        ValueError,
        "no E_total recorded yet",
    ),
}


@pytest.mark.parametrize("case", list(RAISES))
def test_hostile_input_gets_a_clear_error(case):
    action, kind, words = RAISES[case]
    with pytest.raises(kind, match=words):
        action()


def test_a_refused_model_file_changes_nothing(tmp_path):
    net = data.tutorial_example().net()
    before = net.get_flat().tolist()
    path = tmp_path / "big.json"
    path.write_text(big_int_file())
    with pytest.raises(ValueError, match="big.json.*too large for a float"):
        net = MLP.load(path)
    assert net.get_flat().tolist() == before
    assert path.read_text() == big_int_file()


def test_history_without_epochs_still_converts_to_a_dict():
    assert History().to_dict()["final_loss"] is None


# -- 13: one overflow behaviour for ** and * --------------------------------------------------


def test_power_overflows_to_inf_as_multiplication_does():
    x = Value(1e200)
    assert (x**2).data == (x * x).data == math.inf
    assert (Value(-1e200) ** 3).data == -math.inf
    assert (Value(1e-200) ** -2).data == math.inf
    assert (2 ** Value(5000.0)).data == math.inf
    assert (Value(3) ** 400).data == 3**400  # exact numbers stay exact, no overflow


# -- 8: relu(NaN) is NaN in every form ---------------------------------------------------------


def test_relu_of_nan_is_nan_in_every_form():
    relu = ACTIVATIONS["relu"]
    assert math.isnan(EngineValue(NAN).relu().data)
    assert math.isnan(relu.f(NAN))
    assert np.isnan(relu.f_np(np.array([NAN]))).all()
    weights = bp.Weights({2: [[NAN]], 3: [[1.0]]}, {2: [0.0], 3: [0.0]}, "relu")
    assert math.isnan(bp.index_form(weights, [1.0], [0.0]).a[2][0])
    assert np.isnan(bp.backprop(weights, [[1.0]], [[0.0]]).a[2]).all()
    assert relu.f(-2.0) == 0.0 and relu.f(Fraction(-1, 2)) == 0 and relu.f(3) == 3
