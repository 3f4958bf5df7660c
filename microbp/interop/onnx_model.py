"""The net as an ONNX model in float64, for every runtime that reads ONNX (onnxruntime, …).

The graph is built with the ``onnx`` package's helpers alone (no PyTorch): one input ``x``
of shape (N, n₁), one output ``a`` of shape (N, n_L) (a⁽ᴸ⁾, what ``net(x)`` gives for each
row, softmax included), and for l = 2…L

    z{l} = Gemm(a{l−1}, W{l}, b{l}, transB=1)     z⁽ˡ⁾ = W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾, one row a sample
    a{l} = f(z{l})                                 Sigmoid, Tanh, Relu, Identity, Softmax

with the initializers ``W{l}`` (W⁽ˡ⁾ in the tutorial's layout, n_l × n_{l−1}) and ``b{l}``
holding the net's numbers as float64. Softplus has no float64 kernel in onnxruntime, so it is
written out as max(z, 0) + ln(1 + e^(−|z|)), the same overflow-free form as microbp's, with
ln(1 + u) taken as u · ln(1 + u) / ((1 + u) − 1) (exact to a few ulps even where 1 + u
rounds; u itself where 1 + u = 1).

``pip install 'microbp[onnx]'`` provides onnx (to build the model) and onnxruntime (to run it).
"""

from __future__ import annotations

import importlib

import numpy as np

from microbp.nn import MLP

__all__ = ["OPSET", "IR_VERSION", "to_onnx", "require_onnx"]

#: The ONNX operator set the model declares, and the file format version (opset 17 needs 8).
OPSET = 17
IR_VERSION = 8
NO_ONNX = "onnx is not installed: pip install 'microbp[onnx]' provides it (and onnxruntime)"

#: The ONNX operator of each element-wise activation (softplus: written out, see above).
OPS = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "Relu", "identity": "Identity"}


def require_onnx():
    """The ``onnx`` module; an ``ImportError`` naming the extra when it is missing."""
    try:
        return importlib.import_module("onnx")
    except ImportError:
        raise ImportError(NO_ONNX) from None


def to_onnx(net: MLP):
    """``net`` as an ``onnx.ModelProto`` (checked by ``onnx.checker``) computing a⁽ᴸ⁾ in
    float64 from the rows of ``x``; ``model.SerializeToString()`` is the ``.onnx`` file.

    Every number becomes a float64 (a float stays the same float; an exact ``Fraction`` is
    rounded to the nearest one), so onnxruntime's outputs equal ``net(x)`` to the last few
    bits (the sums may be added in another order).
    """
    onnx = require_onnx()
    helper, numpy_helper, T = onnx.helper, onnx.numpy_helper, onnx.TensorProto
    W, b = net.to_arrays()
    nodes, initializers = [], []
    a = "x"
    for l in range(2, net.L + 1):
        initializers.append(numpy_helper.from_array(W[l], f"W{l}"))
        initializers.append(numpy_helper.from_array(b[l], f"b{l}"))
        z = f"z{l}"
        nodes.append(helper.make_node("Gemm", [a, f"W{l}", f"b{l}"], [z], transB=1))
        name = net.activations[l - 2]
        a = "a" if l == net.L else f"a{l}"
        if name == "softmax":
            nodes.append(helper.make_node("Softmax", [z], [a], axis=-1))
        elif name == "softplus":
            nodes.extend(_softplus(helper, z, a, l))
        else:
            nodes.append(helper.make_node(OPS[name], [z], [a]))
    one = numpy_helper.from_array(np.array(1.0, dtype=np.float64), "one")
    if any(n.op_type == "Log" for n in nodes):
        initializers.append(one)
    graph = helper.make_graph(
        nodes,
        "microbp_mlp",
        [helper.make_tensor_value_info("x", T.DOUBLE, ["N", net.sizes[0]])],
        [helper.make_tensor_value_info("a", T.DOUBLE, ["N", net.sizes[-1]])],
        initializers,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="microbp",
        doc_string=f"microbp MLP {net.sizes}, activations {net.activations}",
    )
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    return model


def _softplus(helper, z: str, a: str, l: int) -> list:
    """softplus(z) = max(z, 0) + log1p(e^(−|z|)), with log1p(u) = u·ln(1 + u)/((1 + u) − 1)
    where 1 + u ≠ 1, else u (Goldberg's trick: exact to a few ulps without a log1p op)."""
    p = f"softplus{l}_"
    n = helper.make_node
    return [
        n("Abs", [z], [p + "abs"]),
        n("Neg", [p + "abs"], [p + "neg"]),
        n("Exp", [p + "neg"], [p + "u"]),  # u = e^(−|z|) ∈ (0, 1]
        n("Add", ["one", p + "u"], [p + "1+u"]),
        n("Log", [p + "1+u"], [p + "ln"]),
        n("Sub", [p + "1+u", "one"], [p + "(1+u)-1"]),
        n("Div", [p + "u", p + "(1+u)-1"], [p + "ratio"]),
        n("Mul", [p + "ln", p + "ratio"], [p + "goldberg"]),
        n("Equal", [p + "1+u", "one"], [p + "rounds"]),
        n("Where", [p + "rounds", p + "u", p + "goldberg"], [p + "log1p"]),
        n("Relu", [z], [p + "max"]),
        n("Add", [p + "max", p + "log1p"], [a]),
    ]
