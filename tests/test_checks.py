"""microbp.checks is the one home for input checks, and the core's modules use it.

Proves: the one rule for a 1-D batch (a column when n = 1, a row otherwise) holds for
bp.backprop, fit and accuracy alike; W/b shapes, sizes and seeds are refused with the same
message wherever they enter; modelfile does not import nn (the cycle is gone).
"""

from __future__ import annotations

import ast
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from microbp import MLP, bp, checks, data, losses, modelfile
from microbp.optim import GD, SGD
from microbp.train import accuracy, fit

ROOT = Path(__file__).resolve().parent.parent


# -- the 1-D rule ---------------------------------------------------------------------------


def test_a_1d_batch_is_a_column_for_one_neuron_and_a_row_otherwise():
    assert checks.batch([0, 1, 1, 0], 1, "Y", "n_L").shape == (4, 1)
    assert checks.batch([0.5, 2.0, 3.0], 3, "X", "n₁").shape == (1, 3)
    assert checks.batch([7.0], 1, "Y", "n_L").tolist() == [[7.0]]  # both readings agree
    with pytest.raises(ValueError, match=r"X must have shape \(N, n₁\) = \(N, 3\)"):
        checks.batch([1.0, 2.0], 3, "X", "n₁")  # never a flattened batch


def test_backprop_fit_and_accuracy_read_a_1d_input_the_same_way():
    X, Y = data.xor()
    y1d = Y.ravel().tolist()  # [0, 1, 1, 0]: four samples of one target each
    net = MLP([2, 3, 1], seed=1)
    assert bp.backprop(net, X, y1d).E == bp.backprop(net, X, Y).E
    assert accuracy(net, X, y1d) == accuracy(net, X, Y)
    a, b = MLP([2, 3, 1], seed=1), MLP([2, 3, 1], seed=1)
    fit(a, X, y1d, GD(0.5), max_epochs=3, quiet=True)
    fit(b, X, Y, GD(0.5), max_epochs=3, quiet=True)
    assert a.get_flat().tolist() == b.get_flat().tolist()
    # One sample of a 2-input net given as a 1-D row: the same for bp and fit.
    one = MLP([2, 1], seed=2)
    assert bp.backprop(one, [1.0, 0.0], [1.0]).E == bp.backprop(one, [[1.0, 0.0]], [[1.0]]).E
    h = fit(MLP([2, 1], seed=2), [1.0, 0.0], [1.0], GD(0.5), max_epochs=1, quiet=True)
    assert h.loss[0] == bp.backprop(one, [[1.0, 0.0]], [[1.0]]).E


# -- one message wherever a check applies ---------------------------------------------------


def test_wrong_shapes_get_the_same_message_from_every_entry_point():
    W, b = {2: [[1.0, 2.0]], 3: [[1.0, 2.0]]}, {2: [0.0], 3: [0.0]}
    messages = set()
    for build in (lambda: MLP.from_weights(W, b), lambda: bp.Weights(W, b)):
        with pytest.raises(ValueError) as info:
            build()
        messages.add(str(info.value))
    assert messages == {
        "W[3] has 2 columns but layer 2 has 1 neurons (W[3] must be n_3 × n_2 = 1 × 1)"
    }


def test_bad_sizes_get_the_same_message_from_mlp_and_the_model_file():
    text = modelfile.to_json(MLP([2, 1])).replace('"sizes": [2, 1]', '"sizes": [2, 0]')
    with pytest.raises(ValueError) as from_file:
        modelfile.from_json(text, MLP)
    with pytest.raises(ValueError) as from_mlp:
        MLP([2, 0])
    assert (
        str(from_file.value)
        == str(from_mlp.value)
        == ("sizes: layer 2 must have a size ≥ 1 (an integer), got n_2 = 0")
    )


@pytest.mark.parametrize("bad", [-1, 1.5, True, "0"])
def test_a_seed_is_an_integer_at_least_zero_everywhere(bad):
    for make in (lambda: MLP([2, 1], seed=bad), lambda: SGD(0.1, seed=bad),
                 lambda: data.two_moons(n=4, seed=bad)):  # fmt: skip
        with pytest.raises(ValueError, match=f"seed must be an integer ≥ 0, got {bad!r}"):
            make()


def test_weights_checks_against_given_sizes():
    assert checks.weights({2: [[1, 2, 3]]}, {2: [0]}) == [3, 1]
    assert checks.weights({2: np.zeros((2, 3)), 3: np.zeros((1, 2))}, {2: [0, 0], 3: [0]}) == [
        3,
        2,
        1,
    ]
    with pytest.raises(ValueError, match=r"W\[2\] must be n_2 × n_1 = 2 × 3.*got 1 × 3"):
        checks.weights({2: [[1, 2, 3]]}, {2: [0]}, [3, 2])
    with pytest.raises(ValueError, match=r"rows differ in length"):
        checks.weights({2: [[1, 2], [1]]}, {2: [0, 0]})


def test_weight_range():
    assert checks.weight(1e308, "w") == 1e308
    for bad in (float("nan"), float("inf"), 10**309):
        with pytest.raises(ValueError, match="w = "):
            checks.weight(bad, "w")
    with pytest.raises(TypeError, match="got str"):
        checks.weight("1", "w")


# -- the import arrows ----------------------------------------------------------------------


def imports_of(module: str) -> set[str]:
    tree = ast.parse((ROOT / "microbp" / f"{module}.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def test_modelfile_does_not_import_nn_and_checks_imports_only_the_lowest_core():
    assert not {n for n in imports_of("modelfile") if n.startswith("microbp.nn")}
    assert {n for n in imports_of("checks") if n.startswith("microbp")} <= {
        "microbp",
        "microbp.activations",
        "microbp.numtypes",
        "microbp.engine",
        "microbp.engine.Value",
    }


@pytest.mark.parametrize(
    "X, words",
    [([["1.5", Fraction(1)]], "got str"), ([["1.5", "2"]], "must be numeric"),
     ([[1 + 0j, 1.0]], "complex"), ([[None, 1.0]], "got NoneType"),
     ([[1.0, 2.0], [3.0]], "rows of equal length"), ([[10**400, 1.0]], "within float range")],
)  # fmt: skip
def test_a_batch_of_anything_but_real_numbers_is_refused_not_converted(X, words):
    with pytest.raises(ValueError, match=words):
        checks.batch(X, 2, "X", "n₁")


# -- one rule for a sample's entries: the graph, the index form, the matrix form ---------------

NOT_FINITE = [float("nan"), float("inf"), float("-inf"), np.float32("nan"), np.float64("inf")]
NOT_REAL = [1j, np.complex128(1 + 2j), True, np.bool_(False), "0.5", None]


def _three_ways(bad, where: str):
    """``bad`` as an input (``where == "x"``) or a target of a 2-2-1 net, in each of three ways (the
    graph: ``net.forward`` and the loss on its output)."""
    net = MLP([2, 2, 1], seed=0)
    x, y = [0.5, -0.25], [0.5]
    if where == "x":
        x = [bad, -0.25]
    else:
        y = [bad]
    return {
        "the graph": lambda: losses.squared_error(y, net.forward(x).output),
        "bp.index_form": lambda: bp.index_form(net, x, y),
        "bp.backprop": lambda: bp.backprop(net, [x], [y]),
    }


@pytest.mark.parametrize("where", ["x", "y"])
@pytest.mark.parametrize("bad", NOT_FINITE, ids=repr)
def test_nan_and_infinity_are_refused_in_every_way(bad, where):
    for way, call in _three_ways(bad, where).items():
        with pytest.raises(ValueError, match="finite numbers") as info:
            call()
        assert not isinstance(info.value, checks.NotARealNumber), way


@pytest.mark.parametrize("where", ["x", "y"])
@pytest.mark.parametrize("bad", NOT_REAL, ids=repr)
def test_complex_numbers_bools_and_text_are_refused_in_every_way(bad, where):
    for call in _three_ways(bad, where).values():
        with pytest.raises(checks.NotARealNumber, match="real numbers|numeric"):
            call()
        # either except clause catches it
        with pytest.raises(TypeError):
            call()
        with pytest.raises(ValueError):
            call()


@pytest.mark.parametrize("good", [Fraction(1, 3), np.float32(0.5), 2, np.int64(-1), 0.0])
def test_every_real_number_type_is_accepted_by_the_index_form_and_the_graph(good):
    net = MLP([2, 2, 1], seed=0)
    assert len(net.forward([good, 0.5]).output) == 1
    assert bp.index_form(net, [good, 0.5], [good]).E is not None


# -- an unknown name: one message, for any value --------------------------------------------


def _lookups():
    from microbp import activations, names, optim
    from microbp.experiments import rprop_bench

    return {
        "loss": losses.get,
        "optimizer": optim.make,
        "init": lambda v: MLP([2, 1], init=v),
        "name style": lambda v: names.shown_as(v).__enter__(),
        "problem": lambda v: rprop_bench.run_cell(v, "iRprop-", seeds=[0]),
        "algorithm": lambda v: rprop_bench.run_cell("xor", v, seeds=[0]),
        "activation": activations.get,
    }


@pytest.mark.parametrize("what", list(_lookups()))
@pytest.mark.parametrize(
    "value", ["hinge", ["xor"], None, "x" * 10_000], ids=["hinge", "list", "None", "long"]
)
def test_an_unknown_name_gets_one_message_naming_it_briefly_and_the_choices(what, value):
    """A list or None used to reach a dict lookup and fail with "unhashable type" (a problem
    or an init given as a list); a 10,000-character name was quoted whole."""
    with pytest.raises(ValueError) as caught:
        _lookups()[what](value)
    message = str(caught.value)
    assert message.startswith(f"unknown {what} ") and "; expected one of: " in message
    assert len(message) < 300
