"""The MLP in the tutorial's notation: shapes, indices, parameter order, init, clear errors."""

from __future__ import annotations

import argparse
import math
from fractions import Fraction

import pytest

from microbp import MLP, Value, names, squared_error
from microbp.activations import ACTIVATIONS


def test_shapes_follow_the_seed_W_l_is_n_l_by_n_l_minus_1():
    net = MLP([3, 4, 2])
    assert net.L == 3
    assert [len(net.W(2)), len(net.W(2)[0])] == [4, 3]
    assert [len(net.W(3)), len(net.W(3)[0])] == [2, 4]
    assert len(net.b(2)) == 4 and len(net.b(3)) == 2
    assert len(net.parameters()) == 4 * 3 + 4 + 2 * 4 + 2


def test_w_l_i_j_is_one_based_and_names_the_seed_weight():
    net = MLP([3, 4, 2])
    assert net.w(3, 1, 2) is net.W(3)[0][1]
    assert net.w(3, 1, 2).label == "w_12^(3)"
    assert net.bias(2, 4) is net.b(2)[3]
    assert net.bias(2, 4).label == "b_4^(2)"
    assert MLP([12, 11, 1]).w(2, 10, 3).label == "w_10,3^(2)"


def test_parameters_come_in_the_documented_order():
    net = MLP([2, 2, 1])
    assert net.parameter_names() == [
        "w_11^(2)", "w_12^(2)", "w_21^(2)", "w_22^(2)", "b_1^(2)", "b_2^(2)",
        "w_11^(3)", "w_12^(3)", "b_1^(3)",
    ]  # fmt: skip


def test_forward_applies_z_equals_Wa_plus_b_then_f():
    net = MLP.from_weights(
        {2: [[1, 2], [3, -4]], 3: [[Fraction(1, 2), 1]]}, {2: [1, 0], 3: [-1]}, "relu"
    )
    fw = net.forward([1, 1])
    assert [z.data for z in fw.z[2]] == [4, -1]  # 1·1 + 2·1 + 1, 3·1 − 4·1 + 0
    assert [a.data for a in fw.a[2]] == [4, 0]
    assert [z.data for z in fw.z[3]] == [1]  # ½·4 + 1·0 − 1
    assert fw.output is fw.a[3] and fw.a[1][0].data == 1
    assert [v.data for v in net([1, 1])] == [1]


def test_z_grad_is_delta_after_backward():
    net = MLP([2, 3, 1], activation="sigmoid", seed=1)
    fw = net.forward([0.5, -0.5])
    E = squared_error([1.0], fw.output)
    E.backward()
    a = fw.output[0].data
    assert fw.delta(3) == [pytest.approx(-(1.0 - a) * a * (1 - a), rel=1e-15)]  # BP-1


def test_forward_names_nodes_in_the_seed_notation():
    net = MLP([2, 2, 1])
    fw = net.forward([1.0, 2.0])
    named = fw.names()
    assert named[id(fw.z[2][1])] == names.z(2, 2)
    assert named[id(fw.a[3][0])] == names.a(3, 1)
    assert named[id(fw.a[1][0])] == names.x(1)
    assert named[id(net.w(3, 1, 2))] == names.w(3, 1, 2)  # the net's parameters too
    assert str(named[id(fw.z[2][1])]) == "z₂⁽²⁾"


def test_named_parameters_pair_each_name_with_its_parameter_in_parameter_order():
    net = MLP([2, 3, 1])
    named = net.named_parameters()
    assert [p for _, p in named] == net.parameters()
    assert all(p is net.w(n.l, n.i, n.j) for n, p in named if n.kind == "w")
    assert all(p is net.bias(n.l, n.i) for n, p in named if n.kind == "b")
    assert [n.plain for n, _ in named] == net.parameter_names() == [p.label for _, p in named]


def test_identity_layer_reuses_the_z_node_as_a():
    fw = MLP([2, 1], activation="identity").forward([1.0, 2.0])
    assert fw.a[2][0] is fw.z[2][0]


def test_values_given_as_inputs_are_used_as_they_are():
    x = [Value(1.0), Value(2.0)]
    net = MLP([2, 1])
    squared_error([0.0], net(x)).backward()
    assert x[0].grad != 0


def test_one_activation_per_layer():
    net = MLP([2, 3, 3, 1], activation=["relu", "tanh", "identity"])
    assert net.activations == ["relu", "tanh", "identity"]
    fw = net.forward([1.0, -1.0])
    assert fw.a[3][0].op == "tanh" and fw.a[2][0].op == "relu"


@pytest.mark.parametrize("init", ["small", "xavier", "he"])
def test_init_is_reproducible_from_the_seed(init):
    a = MLP([5, 8, 3], init=init, seed=7).get_flat()
    b = MLP([5, 8, 3], init=init, seed=7).get_flat()
    c = MLP([5, 8, 3], init=init, seed=8).get_flat()
    assert (a == b).all() and not (a == c).all()


def test_init_scales():
    small = MLP([50, 50, 50], init="small").get_flat()
    assert abs(small).max() <= 0.1
    xavier = MLP([50, 50, 50], init="xavier")
    r = math.sqrt(6 / 100)
    assert max(abs(w.data) for row in xavier.W(2) for w in row) <= r
    assert all(b.data == 0 for b in xavier.b(2))
    he = MLP([200, 200], init="he", seed=1)
    ws = [w.data for row in he.W(2) for w in row]
    var = sum(w * w for w in ws) / len(ws)
    assert var == pytest.approx(2 / 200, rel=0.05)


def test_zero_grad_and_flat_round_trip():
    net = MLP([2, 2, 1])
    squared_error([1.0], net([1.0, 1.0])).backward()
    assert any(p.grad != 0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad == 0 for p in net.parameters())
    theta = net.get_flat() * 2
    net.set_flat(theta)
    assert (net.get_flat() == theta).all()


def test_parameter_data_can_be_set_to_exact_fractions():
    net = MLP([1, 1], activation="identity")
    net.w(2, 1, 1).data = Fraction(1, 3)
    net.bias(2, 1).data = Fraction(1, 6)
    assert net([1])[0].data == Fraction(1, 2)


# -- clear errors --------------------------------------------------------------------------------


def test_wrong_input_length_names_n1():
    with pytest.raises(ValueError, match=r"MLP expects 3 inputs \(n₁ = 3\), got 2"):
        MLP([3, 3, 2])([1.0, 2.0])
    with pytest.raises(ValueError, match=r"expects 3 inputs"):
        MLP([3, 3, 2]).forward([1.0, 2.0, 3.0, 4.0])


def test_non_sequence_or_non_numeric_input():
    with pytest.raises(TypeError, match="sequence of 2"):
        MLP([2, 1])(3.0)
    with pytest.raises(TypeError, match="str"):
        MLP([2, 1])(["a", 1.0])


@pytest.mark.parametrize(
    "sizes,match",
    [([3], "at least 2 layers"), ([], "at least 2 layers"), ([3, 0, 1], "layer 2 must have"),
     ([2, 1.5], "layer 2"), ([2, True], "layer 2")],
)  # fmt: skip
def test_bad_sizes(sizes, match):
    with pytest.raises(ValueError, match=match):
        MLP(sizes)


def test_unknown_activation_and_wrong_count():
    with pytest.raises(ValueError, match="unknown activation 'gelu'.*sigmoid"):
        MLP([2, 1], activation="gelu")
    with pytest.raises(ValueError, match="one activation per layer 2…L"):
        MLP([2, 2, 1], activation=["relu"])
    with pytest.raises(ValueError, match="unknown init"):
        MLP([2, 1], init="zeros")


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_every_activation_of_the_table_builds_its_a_node(name):
    # The table and the Value ops that build a-nodes must stay in step: a new activation
    # without an op, or an op computing another f, fails here.
    net = MLP([1, 1], activation=name)
    fw = net.forward([0.7])
    (z,), (a,) = fw.z[2], fw.a[2]
    assert a.data == pytest.approx(ACTIVATIONS[name].f(z.data), rel=1e-15)
    assert net.layers[2].neurons[0].activate(z).data == a.data


def test_a_softmax_neuron_cannot_activate_alone():
    net = MLP([2, 3], activation="softmax")
    z = net.forward([0.1, 0.2]).z[2]
    with pytest.raises(ValueError, match="softmax needs its whole layer"):
        net.layers[2].neurons[0].activate(z[0])
    assert [a.data for a in net.layers[2].activate(z)] == [a.data for a in net([0.1, 0.2])]


def test_an_activation_list_is_checked_once_whoever_asks(tmp_path):
    # MLP, the model file, the command line and the lab give the same refusal.
    from microbp.cli.args import activation_spec
    from microbp.lab.inputs import LabError, check_activations

    want = "unknown activation 'swish' for layer 3"
    with pytest.raises(ValueError, match=want):
        MLP([2, 2, 1], activation=["sigmoid", "swish"])
    path = tmp_path / "net.json"
    MLP([2, 2, 1]).save(path)
    path.write_text(path.read_text().replace('"sigmoid"]', '"swish"]'))
    with pytest.raises(ValueError, match=want):
        MLP.load(path)
    with pytest.raises(argparse.ArgumentTypeError, match=want):
        activation_spec("sigmoid,swish")
    with pytest.raises(LabError, match=want):
        check_activations(["sigmoid", "swish"], 3)


def test_layer_and_neuron_indices_outside_their_range():
    net = MLP([3, 4, 2])
    for l in (1, 4, 0):
        with pytest.raises(IndexError, match=r"outside 2…L = 2…3"):
            net.W(l)
    with pytest.raises(IndexError, match=r"i = 5 is outside 1…n_2 = 1…4"):
        net.w(2, 5, 1)
    with pytest.raises(IndexError, match=r"j = 0 is outside 1…n_1 = 1…3"):
        net.w(2, 1, 0)
    with pytest.raises(IndexError, match=r"i = 3 is outside 1…n_3 = 1…2"):
        net.bias(3, 3)


def test_set_flat_checks_before_changing_anything():
    net = MLP([2, 1])
    before = net.get_flat()
    with pytest.raises(ValueError, match="3 parameters"):
        net.set_flat([1.0, 2.0])
    with pytest.raises(ValueError, match="finite"):
        net.set_flat([1.0, float("nan"), 2.0])
    assert (net.get_flat() == before).all()


def test_a_copy_is_the_same_net_in_new_values_and_may_take_other_activations():
    """net.copy() computes what net computes (numbers exact, Fractions kept, labels and
    activations the same), in its own Values: an edit of either leaves the other alone."""
    net = MLP.from_weights(
        {2: [[Fraction(1, 3), -1], [2, Fraction(1, 7)]], 3: [[1, -2]]},
        {2: [0, Fraction(1, 2)], 3: [1]},
        activation=["relu", "identity"],
    )
    twin = net.copy()
    assert twin.numbers() == net.numbers() and twin.activations == net.activations
    assert [p.label for p in twin.parameters()] == [p.label for p in net.parameters()]
    assert twin.sizes == net.sizes and twin.sizes is not net.sizes
    x = [Fraction(1, 2), 3]
    assert (
        twin(x)[0].data
        == net(x)[0].data
        == MLP.from_weights(*net.numbers(), ["relu", "identity"])(x)[0].data
    )
    assert not {id(p) for p in twin.parameters()} & {id(p) for p in net.parameters()}
    twin.w(2, 1, 1).data = 5
    assert net.w(2, 1, 1).data == Fraction(1, 3)
    other = net.copy(["tanh", "sigmoid"])
    assert other.activations == ["tanh", "sigmoid"] and net.activations == ["relu", "identity"]
    assert other.numbers() == net.numbers()
    with pytest.raises(ValueError):
        net.copy(["tanh"])


def test_from_weights_checks_shapes():
    with pytest.raises(ValueError, match=r"W\[3\] must be n_3 × n_2"):
        MLP.from_weights({2: [[1, 2]], 3: [[1, 2]]}, {2: [0], 3: [0]})
    with pytest.raises(ValueError, match=r"b\[2\] must have n_2 = 1"):
        MLP.from_weights({2: [[1, 2]]}, {2: [0, 0]})
    with pytest.raises(TypeError, match="str"):
        MLP.from_weights({2: [["a", 2]]}, {2: [0]})
