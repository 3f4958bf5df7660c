"""Each section of the tutorial's derivation, proved on the code (docs/derivation.md cites these).

The tests follow the tutorial's sections in order: forward propagation, the cost, the batch
gradient as a mean of per-sample gradients, the δ definition, BP-1/BP-3 for the output
layer, BP-2 for hidden layers, BP-4 for biases, the matrix form of the four equations, the
procedure's small initial values, f′ from a, and the derivative bounds behind vanishing
gradients. Each one compares the code with the tutorial's formula written out here by hand.
The δ definition itself (z.grad is δ, exactly with Fractions and to 1e-12 in float64) is the
flagship claim and has its own file, tests/test_autodiff_equals_bp.py.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given

from microbp import MLP, bp, squared_error, total_error
from microbp.activations import ACTIVATIONS, sigmoid
from microbp.data import tutorial_example
from tests.strategies import net_sample_loss

EX = tutorial_example()


def _seed_graph():
    """The tutorial's 3-3-2 net after the forward pass and E.backward()."""
    net = EX.net()
    fw = net.forward(EX.x)
    E = squared_error(EX.y, fw.output)
    E.backward()
    return net, fw, E


# 记号说明 — notation ---------------------------------------------------------------------


def test_w_lij_is_row_i_column_j_of_W_l_from_neuron_j_to_neuron_i():
    net = MLP([2, 3, 2], seed=5)
    W, _ = net.to_arrays()
    for l in (2, 3):
        assert len(net.W(l)) == net.sizes[l - 1] and len(net.W(l)[0]) == net.sizes[l - 2]
        for i in range(1, net.sizes[l - 1] + 1):
            for j in range(1, net.sizes[l - 2] + 1):
                w = net.w(l, i, j)
                assert w is net.W(l)[i - 1][j - 1] and w.label == f"w_{i}{j}^({l})"
                assert W[l][i - 1, j - 1] == w.data
    # from j to i: z_1^(3) moves with a_2^(2) by exactly w_12^(3)
    fw = net.forward([0.3, -0.7])
    fw.z[3][0].backward()
    assert fw.a[2][1].grad == net.w(3, 1, 2).data


# 信息前向传播 — forward propagation ---------------------------------------------------------


def test_forward_pass_is_the_tutorials_sum_for_every_neuron_of_figure_1():
    net, fw, _ = _seed_graph()
    w, b, x = net.w, net.bias, EX.x
    for i in (1, 2, 3):  # z_i^(2) = w_i1^(2) x1 + w_i2^(2) x2 + w_i3^(2) x3 + b_i^(2)
        z = w(2, i, 1).data * x[0] + w(2, i, 2).data * x[1] + w(2, i, 3).data * x[2]
        assert fw.z[2][i - 1].data == z + b(2, i).data
        assert fw.a[2][i - 1].data == sigmoid(fw.z[2][i - 1].data)  # a_i^(2) = f(z_i^(2))
    a2 = [a.data for a in fw.a[2]]
    for i in (1, 2):  # z_i^(3) = w_i1^(3) a1^(2) + w_i2^(3) a2^(2) + w_i3^(3) a3^(2) + b_i^(3)
        z = w(3, i, 1).data * a2[0] + w(3, i, 2).data * a2[1] + w(3, i, 3).data * a2[2]
        assert fw.z[3][i - 1].data == z + b(3, i).data
        assert fw.output[i - 1].data == sigmoid(fw.z[3][i - 1].data)


@given(net_sample_loss())
def test_forward_pass_is_the_vector_form_z_equals_W_a_plus_b(case):
    net, x, _, _ = case
    fw = net.forward(x)
    W, b = net.to_arrays()
    a = np.array(x)
    for l in range(2, net.L + 1):
        z = W[l] @ a + b[l]
        np.testing.assert_allclose([v.data for v in fw.z[l]], z, rtol=1e-12, atol=1e-14)
        a = np.array([v.data for v in fw.a[l]])


# 误差反向传播 — the cost ------------------------------------------------------------------


def test_cost_of_one_sample_is_half_the_squared_distance():
    _, fw, E = _seed_graph()
    o = [a.data for a in fw.output]
    assert math.isclose(E.data, 0.5 * ((EX.y[0] - o[0]) ** 2 + (EX.y[1] - o[1]) ** 2))
    assert E.data == bp.index_form(EX.net(), EX.x, EX.y).E


def test_total_cost_is_the_mean_of_the_sample_costs():
    net = EX.net()
    X = [EX.x, (0.0, -1.0, 2.0), (0.5, 0.5, 0.5)]
    Y = [EX.y, (0.0, 1.0), (0.5, 0.5)]
    outputs = [net(x) for x in X]
    each = [squared_error(y, o).data for y, o in zip(Y, outputs)]
    assert math.isclose(total_error(Y, outputs).data, sum(each) / 3, rel_tol=1e-15)


def test_batch_gradient_is_the_mean_of_the_per_sample_gradients():
    """∂E_total/∂W⁽ˡ⁾ = (1/N) Σᵢ ∂E₍ᵢ₎/∂W⁽ˡ⁾ — what batch gradient descent steps along."""
    net = EX.net()
    X = [EX.x, (0.0, -1.0, 2.0), (0.5, 0.5, 0.5), (-1.0, 0.0, 0.25)]
    Y = [EX.y, (0.0, 1.0), (0.5, 0.5), (1.0, 1.0)]
    per_sample = np.array([bp.index_form(net, x, y).flat() for x, y in zip(X, Y)])
    mean = per_sample.mean(axis=0)
    np.testing.assert_allclose(bp.backprop(net, X, Y).flat(), mean, rtol=1e-12, atol=1e-16)
    E_total = total_error(Y, [net(x) for x in X])
    E_total.backward()
    np.testing.assert_allclose([p.grad for p in net.parameters()], mean, rtol=1e-12, atol=1e-16)


# 输出层 / 隐藏层 / 偏置 — the δ definition and BP-1 … BP-4 --------------------------------------


def test_bp1_output_delta_is_minus_error_times_f_prime():
    _, fw, _ = _seed_graph()
    for i in (1, 2):  # δ_i^(3) = −(y_i − a_i^(3)) f′(z_i^(3)), f′(z) = σ(z)(1 − σ(z))
        s = sigmoid(fw.z[3][i - 1].data)
        assert math.isclose(fw.z[3][i - 1].grad, -(EX.y[i - 1] - s) * s * (1 - s), rel_tol=1e-15)


def test_bp3_weight_gradient_is_delta_times_the_previous_activation():
    net, fw, _ = _seed_graph()
    for l in (2, 3):
        for i in range(1, net.sizes[l - 1] + 1):
            for j in range(1, net.sizes[l - 2] + 1):
                expected = fw.z[l][i - 1].grad * fw.a[l - 1][j - 1].data
                assert math.isclose(net.w(l, i, j).grad, expected, rel_tol=1e-15)


def test_bp2_hidden_delta_is_the_weighted_sum_of_the_next_layers_deltas():
    net, fw, _ = _seed_graph()
    for i in (1, 2, 3):  # δ_i^(2) = (Σ_j δ_j^(3) w_ji^(3)) f′(z_i^(2))
        a = fw.a[2][i - 1].data
        s = sum(fw.z[3][j - 1].grad * net.w(3, j, i).data for j in (1, 2))
        assert math.isclose(fw.z[2][i - 1].grad, s * a * (1 - a), rel_tol=1e-14)


def test_bp4_bias_gradient_is_delta():
    net, fw, _ = _seed_graph()
    for l in (2, 3):
        for i in range(1, net.sizes[l - 1] + 1):
            assert net.bias(l, i).grad == fw.z[l][i - 1].grad


# BP算法四个核心公式 — index form and matrix form -------------------------------------------


@given(net_sample_loss())
def test_matrix_form_of_the_four_equations_equals_the_index_form(case):
    net, x, y, loss = case
    index = bp.index_form(net, x, y, loss)
    matrix = bp.backprop(net, [x], [y], loss)
    for l in range(2, net.L + 1):
        np.testing.assert_allclose(matrix.delta[l][0], index.delta[l], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(matrix.flat(), index.flat(), rtol=1e-12, atol=1e-15)


# BP 算法的步骤 — the procedure: small initial values, f′ from a --------------------------------


def test_the_tutorials_initialisation_draws_small_values_near_zero():
    net = MLP([3, 5, 4, 2], seed=7)  # init="small", the tutorial's first step
    values = net.get_flat()
    assert np.all(np.abs(values) <= 0.1) and np.any(values != 0)


def test_f_prime_from_a_equals_the_derivative_of_f():
    for name in ("sigmoid", "tanh"):
        act = ACTIVATIONS[name]
        for z in (-3.0, -0.5, 0.0, 0.7, 2.5):
            a = act.f(z)
            numeric = (act.f(z + 1e-6) - act.f(z - 1e-6)) / 2e-6
            assert math.isclose(act.df(z, a), numeric, rel_tol=1e-8), (name, z)


# 梯度消失问题 — why gradients vanish ----------------------------------------------------------


def test_sigmoid_derivative_is_at_most_a_quarter_and_tanh_derivative_at_most_one():
    z = np.linspace(-10.0, 10.0, 20001)
    for name, bound in (("sigmoid", 0.25), ("tanh", 1.0)):
        act = ACTIVATIONS[name]
        df = act.df_np(z, act.f_np(z))
        assert act.max_derivative == bound
        assert df.max() <= bound and math.isclose(df.max(), bound)  # reached at z = 0
