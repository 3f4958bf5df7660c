"""Bad input to the losses, the softmax layer and the classification data: clear errors.

Each error names the problem and the expected form, and nothing is changed.
"""

from __future__ import annotations

import numpy as np
import pytest

from microbp import MLP, Value, bp, data, fit, losses, optim


@pytest.mark.parametrize("loss", list(losses.LOSSES))
def test_targets_of_the_wrong_length(loss):
    with pytest.raises(ValueError, match="one target per output: got 1 targets for 2 outputs"):
        losses.get(loss).value([1], [Value(0.0), Value(0.0)])


@pytest.mark.parametrize(
    ("loss", "output"), [("squared_error", "sigmoid"), ("cross_entropy", "softmax")]
)
def test_targets_of_the_wrong_length_on_the_formula_roads(loss, output):
    net = MLP([2, 3], activation=output)
    with pytest.raises(ValueError, match=r"expected 3 targets \(n_L = 3\), got 2"):
        bp.index_form(net, [0, 0], [1, 0], loss)
    with pytest.raises(ValueError, match=r"Y must have shape \(N, n_L\) = \(N, 3\)"):
        bp.backprop(net, [[0, 0]], [[1, 0]], loss)


@pytest.mark.parametrize("row", [[1, 1, 0], [0.5, 0.2, 0.2], [0, 0, 0]])
def test_cross_entropy_rows_must_sum_to_one(row):
    with pytest.raises(ValueError, match="sum to 1 .*one-hot row for a class label"):
        losses.cross_entropy(row, [Value(0.0)] * 3)
    net = MLP([2, 3], activation="softmax")
    theta = net.get_flat()
    with pytest.raises(ValueError, match=r"target row 2 .*summing to"):
        fit(net, [[0, 0], [1, 1]], [[1, 0, 0], row], optim.make("gd"), loss="cross_entropy")
    assert np.array_equal(net.get_flat(), theta)
    with pytest.raises(ValueError, match="sum to 1"):
        bp.backprop(net, [[0, 0]], [row], "cross_entropy")


def test_cross_entropy_rejects_negative_targets():
    with pytest.raises(ValueError, match=r"yₖ ≥ 0, Σₖ yₖ = 1"):
        losses.cross_entropy([1.5, -0.5], [Value(0.0)] * 2)


@pytest.mark.parametrize("y", [1.5, -0.1, float("nan")])
def test_binary_cross_entropy_targets_must_lie_in_0_1(y):
    nan = y != y  # NaN is refused as every road refuses it, before the range is looked at
    with pytest.raises(ValueError, match=r"finite numbers" if nan else r"targets yₖ in \[0, 1\]"):
        losses.binary_cross_entropy([0, y], [Value(0.0)] * 2)
    net = MLP([1, 2], activation="sigmoid")
    expected = r"finite numbers" if nan else r"targets yₖ in \[0, 1\].*row 1"
    with pytest.raises(ValueError, match=expected):
        bp.backprop(net, [[0]], [[0, y]], "binary_cross_entropy")


def test_a_softmax_layer_of_one_neuron():
    with pytest.raises(ValueError, match="softmax output layer needs n_L ≥ 2 neurons"):
        MLP([3, 1], activation=["softmax"])
    with pytest.raises(ValueError, match="softmax output layer needs n_L ≥ 2 neurons"):
        bp.Weights({2: [[1.0, 2.0]]}, {2: [0.0]}, "softmax")


def test_softmax_is_for_the_output_layer_only():
    with pytest.raises(ValueError, match="softmax is an output layer"):
        MLP([3, 4, 2], activation="softmax")
    with pytest.raises(ValueError, match="softmax is an output layer"):
        MLP([3, 4, 2], activation=["softmax", "sigmoid"])


@pytest.mark.parametrize(
    ("loss", "output", "hint"),
    [("cross_entropy", "sigmoid", "binary_cross_entropy"), ("binary_cross_entropy", "softmax",
     "cross_entropy"), ("cross_entropy", "tanh", "squared_error")],
)  # fmt: skip
def test_a_loss_on_the_wrong_output_layer(loss, output, hint):
    net = MLP([2, 2], activation=output)
    with pytest.raises(ValueError, match=f"made for a .* output layer.*{hint}"):
        fit(net, [[0, 0]], [[1, 0]], optim.make("gd"), loss=loss)
    with pytest.raises(ValueError, match="output layer"):
        bp.index_form(net, [0, 0], [1, 0], loss)


def test_an_unknown_loss():
    with pytest.raises(ValueError, match="unknown loss 'hinge'; expected one of: squared_error"):
        losses.get("hinge")


@pytest.mark.parametrize("labels", [[0, 3], [-1, 0], [0.5, 1]])
def test_one_hot_labels_out_of_range(labels):
    with pytest.raises(ValueError, match=r"class labels must be integers 0…2 \(n_classes = 3\)"):
        data.one_hot(labels, 3)


def test_classes_needs_one_target_column():
    with pytest.raises(ValueError, match=r"one 0/1 target column, shape \(N, 1\)"):
        data.classes(*data.encoder(4, 2))


@pytest.mark.parametrize("labels", [[None, 1], [True, False], ["a", "b"]])
def test_one_hot_labels_that_are_not_integers(labels):
    with pytest.raises(ValueError, match=r"labels must be integers 0…1"):
        data.one_hot(labels, 2)


def test_the_cross_entropies_take_plain_numbers_as_z():
    """Numbers become leaf Values; text is refused by Value with its own message."""
    assert losses.cross_entropy([1, 0], [0.0, 0.0]).data == pytest.approx(0.6931471805599453)
    assert losses.binary_cross_entropy([1], [0]).data == pytest.approx(0.6931471805599453)
    with pytest.raises(TypeError, match="expects a real number"):
        losses.cross_entropy([1, 0], ["0", 0.0])
