# ruff: noqa: E501  (the catalogue is text: a statement or explanation stays on one line)
"""The catalogue: the exercises in the tutorial's order, each with its statement, the section
of docs/derivation.md it practises, a reference solution, the usual mistakes and a hint.

The reference solutions are only shown; a learner's answer is judged by the engine and the
prover (:mod:`microbp.exercises.kinds`), and the tests judge every reference solution the
same way.
"""

from __future__ import annotations

from functools import partial

from microbp.exercises import graphs
from microbp.exercises.kinds import Exercise, FormulaExercise, FunctionExercise, NumberExercise
from microbp.exercises.verdict import Mistake

__all__ = ["EXERCISES"]

_D = "docs/derivation.md#"
S3 = _D + "3-forward-propagation-信息前向传播"
S4 = _D + "4-backpropagating-the-error-the-cost-误差反向传播代价函数"
S5 = _D + "5-the-batch-gradient-descent-update-批量梯度下降"
S6 = _D + "6-updating-the-output-layers-weights-bp-1-and-bp-3-输出层的权重参数更新"
S6B = _D + "beyond-the-tutorial-bp-1-for-any-cost"
S7 = _D + "7-updating-the-hidden-layers-weights-bp-2-隐藏层的权重参数更新"
S8 = _D + "8-updating-the-biases-of-both-layers-bp-4-输出层和隐藏层的偏置参数更新"
S9 = _D + "9-the-four-core-equations-of-bp-bp算法四个核心公式"
S10 = _D + "10-the-procedure-one-training-pairs-partial-derivatives-bp-算法计算某个训练数据的代价函数对参数的偏导数"  # fmt: skip
S11 = _D + "11-notes-on-implementation-f-from-a-工程实现中注意事项"
S14 = _D + "14-the-vanishing-gradient-problem-and-its-remedies-梯度消失问题及其解决办法"
ERRATUM = "docs/errata.md#1-the-derivative-of-the-sigmoid"
REMEDY = "docs/errata.md#3-the-remedies-derivative-is-not-always-1"
NOTATION = "docs/notation.md#the-tutorials-symbols-in-the-api"
LOSSES = "docs/losses.md#bp-1-in-general-form"


def _m(name: str, why: str, docs: str, answer: str) -> Mistake:
    return Mistake(name, why, docs, answer)


SIGN = "the sign of ∂E/∂a"
SIGN_WHY = "E = ½(y − a)² gives ∂E/∂a = −(y − a) = a − y: the inner derivative of (y − a) is −1"
FPRIME = "f′ forgotten"
WRONG_PLACE = "f′ evaluated at the wrong place"
WRONG_PLACE_WHY = "σ′(z) = σ(z)(1 − σ(z)) = a(1 − a); σ(a)(1 − σ(a)) applies σ a second time"
ERRATUM_NAME = "the tutorial's erratum middle step"
ERRATUM_WHY = "the power rule brings down −1, not 2, and the two factors −1 cancel: σ′ = e^(−z)/(1 + e^(−z))², not −2 times it"
SWAP = "Wᵀ vs W: i and j swapped"
SWAP_WHY = "wⱼᵢ⁽ˡ⁺¹⁾ goes from neuron i of layer l to neuron j of layer l+1: BP-2 sums down a column of W⁽ˡ⁺¹⁾, (W⁽ˡ⁺¹⁾)ᵀδ⁽ˡ⁺¹⁾"
WRONG_LAYER = "the wrong layer's δ"
SUM2 = "(delta_1^(3)*w_11^(3) + delta_2^(3)*w_21^(3))"
SIG_A = "a_1^(2)*(1 - a_1^(2))"


EXERCISES: list[Exercise] = [
    FormulaExercise(
        id="forward-z",
        title="z₁⁽²⁾ of the tutorial's 3-3-2 net, from x, W⁽²⁾ and b⁽²⁾",
        statement="In the tutorial's Figure 1 (3 inputs, 3 hidden neurons, 2 outputs), write the "
        "state z₁⁽²⁾ of the first hidden neuron in terms of the inputs x₁, x₂, x₃, the weights "
        "w₁ⱼ⁽²⁾ and the bias b₁⁽²⁾.",
        section=S3,
        target="z₁⁽²⁾",
        names_text="x_1 x_2 x_3, w_ij^(2), b_i^(2) (a_i^(2) = σ(z_i^(2)) too)",
        solution="w_11^(2)*x_1 + w_12^(2)*x_2 + w_13^(2)*x_3 + b_1^(2)",
        hint="zᵢ⁽ˡ⁾ = Σⱼ wᵢⱼ⁽ˡ⁾ aⱼ⁽ˡ⁻¹⁾ + bᵢ⁽ˡ⁾, and wᵢⱼ⁽ˡ⁾ goes from neuron j of layer l−1 to neuron i.",
        build=graphs.forward_z,
        mistakes=(
            _m(
                "i and j swapped",
                "wᵢⱼ⁽ˡ⁾ is row i of W⁽ˡ⁾: neuron 1 reads w₁₁, w₁₂, w₁₃, not w₁₁, w₂₁, w₃₁",
                NOTATION,
                "w_11^(2)*x_1 + w_21^(2)*x_2 + w_31^(2)*x_3 + b_1^(2)",
            ),
            _m(
                "the bias forgotten",
                "z = Wa + b: every neuron adds its own bias",
                S3,
                "w_11^(2)*x_1 + w_12^(2)*x_2 + w_13^(2)*x_3",
            ),
            _m(
                "f applied: that is a₁⁽²⁾",
                "z is the state before the activation; a = f(z)",
                S3,
                "sigmoid(w_11^(2)*x_1 + w_12^(2)*x_2 + w_13^(2)*x_3 + b_1^(2))",
            ),
        ),
    ),
    FormulaExercise(
        id="cost-gradient",
        title="∂E/∂a₁⁽³⁾ for E = ½‖y − a⁽³⁾‖²",
        statement="With the tutorial's cost E = ½‖y − a⁽³⁾‖² = ½((y₁ − a₁⁽³⁾)² + (y₂ − a₂⁽³⁾)²), "
        "write ∂E/∂a₁⁽³⁾ in terms of a₁⁽³⁾, a₂⁽³⁾, y₁, y₂.",
        section=S4,
        target="∂E/∂a₁⁽³⁾",
        names_text="a_1^(3) a_2^(3) y_1 y_2",
        solution="a_1^(3) - y_1",
        hint="Only the first square depends on a₁⁽³⁾; the ½ meets the 2 of the square, and "
        "(y₁ − a₁⁽³⁾) has inner derivative −1.",
        build=graphs.cost_gradient,
        mistakes=(
            _m(SIGN, SIGN_WHY, S6, "y_1 - a_1^(3)"),
            _m(
                "the ½ kept",
                "d/da ½u² = u·du/da: the ½ cancels the 2 of the square",
                S4,
                "(a_1^(3) - y_1)/2",
            ),
            _m(
                "both outputs summed",
                "a₂⁽³⁾ does not depend on a₁⁽³⁾: its square's derivative is 0",
                S4,
                "a_1^(3) - y_1 + a_2^(3) - y_2",
            ),
        ),
    ),
    FunctionExercise(
        id="batch-mean",
        title="∂E_total/∂W⁽ˡ⁾ over N samples, as a Python function",
        statement="E_total = (1/N) Σₙ E₍ₙ₎. Write def batch_mean(delta, a_prev): … where delta "
        "holds δ⁽ˡ⁾ of N samples as rows (shape (N, n_l)) and a_prev holds a⁽ˡ⁻¹⁾ as rows "
        "(shape (N, n_{l−1})); return ∂E_total/∂W⁽ˡ⁾, shape (n_l, n_{l−1}).",
        section=S5,
        target="∂E_total/∂W⁽ˡ⁾",
        function="batch_mean",
        signature="batch_mean(delta, a_prev)",
        solution="def batch_mean(delta, a_prev):\n    return delta.T @ a_prev / len(delta)\n",
        hint="Each sample gives BP-3, δ⁽ˡ⁾(a⁽ˡ⁻¹⁾)ᵀ; E_total is their mean, so divide the sum by N.",
        cases=graphs.batch_cases,
        mistakes=(
            _m(
                "the 1/N forgotten",
                "E_total is the mean of the samples' costs, so its gradient is the mean, not the sum",
                S5,
                "def batch_mean(delta, a_prev):\n    return delta.T @ a_prev\n",
            ),
            _m(
                SWAP,
                "∂E/∂wᵢⱼ⁽ˡ⁾ = δᵢ aⱼ: rows of ∂E/∂W follow δ, columns follow a⁽ˡ⁻¹⁾",
                S9,
                "def batch_mean(delta, a_prev):\n    return a_prev.T @ delta / len(delta)\n",
            ),
            _m(
                "averaged before multiplying",
                "the mean of products is not the product of means: average δᵢaⱼ over the samples",
                S5,
                "def batch_mean(delta, a_prev):\n    return np.outer(delta.mean(axis=0), a_prev.mean(axis=0))\n",
            ),
        ),
    ),
    NumberExercise(
        id="chain-rule",
        title="dL/da of a small graph, by hand (a number)",
        statement="e = a·b, d = e + c, L = d·f with a = 2, b = −3, c = 10, f = −2. By the chain "
        "rule, node by node from L back to a: what is dL/da?",
        section=S6,
        target="dL/da",
        solution="6",
        hint="dL/da = (dL/dd)(dd/de)(de/da): the local derivatives of ·f, of +c and of ·b.",
        compute=graphs.chain_rule,
        values=graphs.chain_rule_values,
        mistakes=(
            _m(
                "the sign",
                "dL/dd = f = −2 and de/da = b = −3: two negatives make a positive",
                S6,
                "-b*f",
            ),
            _m(
                "stopped at e",
                "de/da = b is only the last local derivative: multiply by dL/de on the way back",
                S6,
                "b",
            ),
            _m(
                "the other input",
                "dL/db = a·f: the local derivative of a·b with respect to a is b",
                S6,
                "a*f",
            ),
            _m(
                "added along the path",
                "the chain rule multiplies the local derivatives along a path; only separate paths add",
                S7,
                "b + f",
            ),
        ),
    ),
    FormulaExercise(
        id="bp1",
        title="BP-1: δ⁽ᴸ⁾ of one σ output neuron, E = ½(y − a)²",
        statement="One output neuron with a = σ(z) and E = ½(y − a)². Write δ = ∂E/∂z in terms of a "
        "and y (σ′ from a, as the tutorial's 工程实现中注意事项 says).",
        section=S6,
        target="δ⁽ᴸ⁾ = ∂E/∂z",
        names_text="a y (and z, with a = σ(z))",
        solution="-(y - a)*a*(1 - a)",
        hint="δ = (∂E/∂a)(∂a/∂z): ∂E/∂a = −(y − a), ∂a/∂z = σ′(z) = a(1 − a).",
        build=graphs.bp1,
        mistakes=(
            _m(SIGN, SIGN_WHY, S6, "(y - a)*a*(1 - a)"),
            _m(FPRIME, "δ ≡ ∂E/∂z, not ∂E/∂a: the chain rule goes through a = σ(z)", S6, "a - y"),
            _m(WRONG_PLACE, WRONG_PLACE_WHY, S11, "(a - y)*sigmoid(a)*(1 - sigmoid(a))"),
            _m(ERRATUM_NAME, ERRATUM_WHY, ERRATUM, "(a - y)*(-2)*a*(1 - a)"),
        ),
    ),
    FormulaExercise(
        id="output-weight",
        title="∂E/∂w₁₁⁽³⁾ of the tutorial's net, the tutorial's first chain rule",
        statement="In the 3-3-2 sigmoid net with E = ½‖y − a⁽³⁾‖², write ∂E/∂w₁₁⁽³⁾ in terms of "
        "a₁⁽³⁾, y₁ and a₁⁽²⁾.",
        section=S6,
        target="∂E/∂w₁₁⁽³⁾",
        names_text="a_i^(3), y_i, a_j^(2), w_ij^(3), b_i^(3)",
        solution="-(y_1 - a_1^(3))*a_1^(3)*(1 - a_1^(3))*a_1^(2)",
        hint="∂E/∂w₁₁⁽³⁾ = (∂E/∂a₁⁽³⁾)(∂a₁⁽³⁾/∂z₁⁽³⁾)(∂z₁⁽³⁾/∂w₁₁⁽³⁾), and ∂z₁⁽³⁾/∂w₁₁⁽³⁾ = a₁⁽²⁾.",
        build=graphs.output_weight,
        mistakes=(
            _m(SIGN, SIGN_WHY, S6, "(y_1 - a_1^(3))*a_1^(3)*(1 - a_1^(3))*a_1^(2)"),
            _m(
                FPRIME,
                "z₁⁽³⁾ lies between w₁₁⁽³⁾ and E: multiply by σ′(z₁⁽³⁾) = a₁⁽³⁾(1 − a₁⁽³⁾)",
                S6,
                "(a_1^(3) - y_1)*a_1^(2)",
            ),
            _m(
                WRONG_PLACE,
                WRONG_PLACE_WHY,
                S11,
                "(a_1^(3) - y_1)*sigmoid(a_1^(3))*(1 - sigmoid(a_1^(3)))*a_1^(2)",
            ),
            _m(
                "the wrong layer's a",
                "BP-3: ∂E/∂wᵢⱼ⁽ˡ⁾ = δᵢ⁽ˡ⁾aⱼ⁽ˡ⁻¹⁾, the activation w reads (layer l−1)",
                S6,
                "(a_1^(3) - y_1)*a_1^(3)*(1 - a_1^(3))*a_1^(3)",
            ),
        ),
    ),
    FormulaExercise(
        id="bce-sigmoid",
        title="δ⁽ᴸ⁾ of a σ output under binary cross-entropy",
        statement="One output neuron with a = σ(z) and E = −[y ln a + (1 − y) ln(1 − a)]. Write "
        "δ = ∂E/∂z in terms of a and y.",
        section=S6B,
        target="δ⁽ᴸ⁾ = ∂E/∂z",
        names_text="a y (and z, with a = σ(z))",
        solution="a - y",
        hint="∂E/∂a = (a − y)/(a(1 − a)); multiply by σ′(z) = a(1 − a).",
        build=graphs.bce_sigmoid,
        mistakes=(
            _m(
                SIGN,
                "∂E/∂a = −y/a + (1 − y)/(1 − a) = (a − y)/(a(1 − a)): a − y, not y − a",
                LOSSES,
                "y - a",
            ),
            _m(
                "f′ multiplied in again",
                "σ′ = a(1 − a) cancels the denominator of ∂E/∂a; it does not stay as a factor",
                LOSSES,
                "(a - y)*a*(1 - a)",
            ),
            _m(
                FPRIME,
                "that is ∂E/∂a; δ ≡ ∂E/∂z needs the factor σ′(z)",
                LOSSES,
                "(a - y)/(a*(1 - a))",
            ),
        ),
    ),
    FormulaExercise(
        id="ce-softmax",
        title="δ₁⁽ᴸ⁾ of a softmax output under cross-entropy",
        statement="A softmax output layer of 3 neurons, aₖ⁽³⁾ = e^(zₖ⁽³⁾)/Σⱼ e^(zⱼ⁽³⁾), and "
        "E = −Σₖ yₖ ln aₖ⁽³⁾ with y a probability row (y₃ = 1 − y₁ − y₂). Write δ₁⁽³⁾ = ∂E/∂z₁⁽³⁾ "
        "in terms of a⁽³⁾ and y.",
        section=S6B,
        target="δ₁⁽³⁾",
        names_text="a_1^(3) a_2^(3) a_3^(3), y_1 y_2 y_3, z_1^(3) z_2^(3) z_3^(3)",
        solution="a_1^(3) - y_1",
        hint="Every aₖ depends on z₁: δ₁ = Σₖ (∂E/∂aₖ)(∂aₖ/∂z₁) with ∂aₖ/∂z₁ = aₖ(δₖ₁ − a₁), and Σₖ yₖ = 1.",
        build=graphs.ce_softmax,
        mistakes=(
            _m(
                "softmax treated as element-wise",
                "∂aₖ/∂z₁ ≠ 0 for k ≠ 1: BP-1 takes the Jacobian, δ = J_softmaxᵀ∇_aE",
                LOSSES,
                "-y_1*(1 - a_1^(3))",
            ),
            _m(
                SIGN,
                "∂E/∂z₁ = a₁ − y₁: the cost falls when z₁ rises towards the target",
                LOSSES,
                "y_1 - a_1^(3)",
            ),
            _m(
                "f′ multiplied in again",
                "the softmax Jacobian is already in a − y; no extra a(1 − a)",
                LOSSES,
                "(a_1^(3) - y_1)*a_1^(3)*(1 - a_1^(3))",
            ),
        ),
    ),
    FormulaExercise(
        id="bp2",
        title="BP-2: δ₁⁽²⁾ of the tutorial's 3-3-2 net in index form",
        statement="In the tutorial's 3-3-2 sigmoid net, write δ₁⁽²⁾ in terms of w₁₁⁽³⁾, w₂₁⁽³⁾, "
        "δ₁⁽³⁾, δ₂⁽³⁾ and a₁⁽²⁾ (BP-2, σ′ from a).",
        section=S7,
        target="δ₁⁽²⁾",
        names_text="w_ji^(3), delta_j^(3), a_i^(2), z_i^(2), b_j^(3), a_j^(3)",
        solution=f"{SUM2}*{SIG_A}",
        hint="z₁⁽²⁾ reaches E through both z₁⁽³⁾ and z₂⁽³⁾: δ₁⁽²⁾ = (Σⱼ δⱼ⁽³⁾ wⱼ₁⁽³⁾) σ′(z₁⁽²⁾).",
        build=graphs.bp2,
        mistakes=(
            _m(
                FPRIME,
                "δ₁⁽²⁾ ≡ ∂E/∂z₁⁽²⁾: the path from z₁⁽²⁾ goes through a₁⁽²⁾ = σ(z₁⁽²⁾)",
                S7,
                SUM2,
            ),
            _m(SWAP, SWAP_WHY, S7, f"(delta_1^(3)*w_11^(3) + delta_2^(3)*w_12^(3))*{SIG_A}"),
            _m(ERRATUM_NAME, ERRATUM_WHY, ERRATUM, f"-2*{SUM2}*{SIG_A}"),
            _m(
                WRONG_PLACE, WRONG_PLACE_WHY, S11, f"{SUM2}*sigmoid(a_1^(2))*(1 - sigmoid(a_1^(2)))"
            ),
            _m(
                "f′ of the next layer",
                "BP-2 multiplies by f′ of layer l (z₁⁽²⁾), not of layer l+1",
                S7,
                "(delta_1^(3)*w_11^(3)*a_1^(3)*(1 - a_1^(3)) + delta_2^(3)*w_21^(3)*a_2^(3)*(1 - a_2^(3)))",
            ),
        ),
    ),
    FormulaExercise(
        id="bp3",
        title="BP-3: ∂E/∂w₁₂⁽²⁾ of the tutorial's net",
        statement="In the tutorial's 3-3-2 net, write ∂E/∂w₁₂⁽²⁾ in terms of the δ's and the "
        "activations (a⁽¹⁾ = x).",
        section=S7,
        target="∂E/∂w₁₂⁽²⁾",
        names_text="delta_i^(2), delta_j^(3), x_j (= a_j^(1)), w_ij^(2), b_i^(2), a_i^(2)",
        solution="delta_1^(2)*x_2",
        hint="w₁₂⁽²⁾ enters E only through z₁⁽²⁾, and ∂z₁⁽²⁾/∂w₁₂⁽²⁾ is what w₁₂⁽²⁾ multiplies.",
        build=partial(graphs.bp34, "w"),
        mistakes=(
            _m(
                "i and j swapped",
                "wᵢⱼ⁽ˡ⁾ goes from neuron j of layer l−1 to neuron i of layer l: δᵢ⁽ˡ⁾aⱼ⁽ˡ⁻¹⁾",
                NOTATION,
                "delta_2^(2)*x_1",
            ),
            _m(
                WRONG_LAYER,
                "BP-3 uses δ of the layer w leads into (l = 2), not of the next",
                S6,
                "delta_1^(3)*x_2",
            ),
            _m(
                "the wrong layer's a",
                "BP-3 uses the activation w reads, a⁽ˡ⁻¹⁾ (here x), not a⁽ˡ⁾",
                S6,
                "delta_1^(2)*a_2^(2)",
            ),
            _m(
                "the sign",
                "∂z₁⁽²⁾/∂w₁₂⁽²⁾ = +x₂, and δ already carries the sign of ∂E/∂z",
                S6,
                "-delta_1^(2)*x_2",
            ),
        ),
    ),
    FormulaExercise(
        id="bp4",
        title="BP-4: ∂E/∂b₁⁽²⁾ of the tutorial's net",
        statement="In the tutorial's 3-3-2 net, write ∂E/∂b₁⁽²⁾ in terms of the δ's and the "
        "activations.",
        section=S8,
        target="∂E/∂b₁⁽²⁾",
        names_text="delta_i^(2), delta_j^(3), x_j (= a_j^(1)), w_ij^(2), b_i^(2), a_i^(2)",
        solution="delta_1^(2)",
        hint="z₁⁽²⁾ = … + b₁⁽²⁾: what is ∂z₁⁽²⁾/∂b₁⁽²⁾?",
        build=partial(graphs.bp34, "b"),
        mistakes=(
            _m(
                "BP-3 used for a bias",
                "∂zᵢ/∂bᵢ = 1: a bias is a weight on a constant input 1, not on an activation",
                S8,
                "delta_1^(2)*a_1^(2)",
            ),
            _m(
                WRONG_LAYER,
                "b₁⁽²⁾ enters z₁⁽²⁾: its gradient is δ₁⁽²⁾, the δ of its own layer",
                S8,
                "delta_1^(3)",
            ),
            _m(
                "summed over the layer",
                "b₁⁽²⁾ reaches only z₁⁽²⁾; δ₂⁽²⁾ and δ₃⁽²⁾ are other neurons'",
                S8,
                "delta_1^(2) + delta_2^(2) + delta_3^(2)",
            ),
        ),
    ),
    FunctionExercise(
        id="bp2-matrix",
        title="BP-2 in matrix form, as a Python function of numpy arrays",
        statement="Write def bp2(W_next, delta_next, a): … for a sigmoid layer l of any net: W_next "
        "is W⁽ˡ⁺¹⁾ (shape (n_{l+1}, n_l)), delta_next is δ⁽ˡ⁺¹⁾ and a is a⁽ˡ⁾ (1-D arrays); return "
        "δ⁽ˡ⁾ (shape (n_l,)).",
        section=S9,
        target="δ⁽ˡ⁾",
        function="bp2",
        signature="bp2(W_next, delta_next, a)",
        solution="def bp2(W_next, delta_next, a):\n    return (W_next.T @ delta_next) * a * (1 - a)\n",
        hint="δ⁽ˡ⁾ = ((W⁽ˡ⁺¹⁾)ᵀδ⁽ˡ⁺¹⁾) ⊙ σ′(z⁽ˡ⁾), with σ′ = a(1 − a) element by element.",
        cases=graphs.bp2_cases,
        mistakes=(
            _m(
                SWAP,
                SWAP_WHY,
                S7,
                "def bp2(W_next, delta_next, a):\n    return (W_next @ delta_next) * a * (1 - a)\n",
            ),
            _m(
                FPRIME,
                "BP-2 ends with ⊙ f′(z⁽ˡ⁾)",
                S7,
                "def bp2(W_next, delta_next, a):\n    return W_next.T @ delta_next\n",
            ),
            _m(
                ERRATUM_NAME,
                ERRATUM_WHY,
                ERRATUM,
                "def bp2(W_next, delta_next, a):\n    return -2 * (W_next.T @ delta_next) * a * (1 - a)\n",
            ),
            _m(
                WRONG_PLACE,
                WRONG_PLACE_WHY,
                S11,
                "def bp2(W_next, delta_next, a):\n    s = 1 / (1 + np.exp(-a))\n    return (W_next.T @ delta_next) * s * (1 - s)\n",
            ),
        ),
    ),
    FunctionExercise(
        id="bp3-matrix",
        title="BP-3 in matrix form, as a Python function of numpy arrays",
        statement="Write def bp3(delta, a_prev): … for one sample: delta is δ⁽ˡ⁾ (shape (n_l,)) and "
        "a_prev is a⁽ˡ⁻¹⁾ (shape (n_{l−1},)); return ∂E/∂W⁽ˡ⁾ (shape (n_l, n_{l−1})).",
        section=S9,
        target="∂E/∂W⁽ˡ⁾",
        function="bp3",
        signature="bp3(delta, a_prev)",
        solution="def bp3(delta, a_prev):\n    return np.outer(delta, a_prev)\n",
        hint="∇_{W⁽ˡ⁾}E = δ⁽ˡ⁾(a⁽ˡ⁻¹⁾)ᵀ: entry (i, j) is δᵢ aⱼ.",
        cases=graphs.bp3_cases,
        mistakes=(
            _m(
                SWAP,
                "entry (i, j) of ∂E/∂W⁽ˡ⁾ is δᵢaⱼ: δ(a)ᵀ, not a δᵀ",
                S9,
                "def bp3(delta, a_prev):\n    return np.outer(a_prev, delta)\n",
            ),
            _m(
                "the sign",
                "BP-3 has no minus: δ already carries the sign of ∂E/∂z",
                S9,
                "def bp3(delta, a_prev):\n    return -np.outer(delta, a_prev)\n",
            ),
        ),
    ),
    NumberExercise(
        id="tutorial-delta",
        title="δ₁⁽²⁾ of the tutorial's worked example, as a number",
        statement="The tutorial's example (microbp demo): x = (1, 0.5, −1), y = (1, 0), the weights "
        "of microbp.data. With δ₁⁽³⁾ ≈ −0.111479, δ₂⁽³⁾ ≈ 0.122851, w₁₁⁽³⁾ = 0.3, w₂₁⁽³⁾ = 0.2 and "
        "a₁⁽²⁾ ≈ 0.598688, what is δ₁⁽²⁾? (three significant digits)",
        section=S10,
        target="δ₁⁽²⁾",
        solution="(-0.111479*0.3 + 0.122851*0.2)*0.598688*(1 - 0.598688)",
        hint="BP-2: δ₁⁽²⁾ = (δ₁⁽³⁾w₁₁⁽³⁾ + δ₂⁽³⁾w₂₁⁽³⁾) · a₁⁽²⁾(1 − a₁⁽²⁾).",
        compute=graphs.tutorial_delta,
        values=graphs.tutorial_values,
        mistakes=(
            _m(FPRIME, "δ₁⁽²⁾ ≡ ∂E/∂z₁⁽²⁾ needs σ′(z₁⁽²⁾) = a₁⁽²⁾(1 − a₁⁽²⁾)", S7, SUM2),
            _m(SWAP, SWAP_WHY, S7, f"(delta_1^(3)*w_11^(3) + delta_2^(3)*w_12^(3))*{SIG_A}"),
            _m(ERRATUM_NAME, ERRATUM_WHY, ERRATUM, f"-2*{SUM2}*{SIG_A}"),
            _m("the sign", "BP-2 has no minus: the sign comes with δ⁽³⁾", S7, f"-{SUM2}*{SIG_A}"),
        ),
    ),
    FormulaExercise(
        id="sigmoid-prime",
        title="σ′(z) written from a = σ(z) (the tutorial's erratum trap)",
        statement="σ(z) = 1/(1 + e^(−z)). Write σ′(z) in terms of a = σ(z).",
        section=S11,
        target="σ′(z)",
        names_text="a (and z, with a = σ(z))",
        solution="a*(1 - a)",
        hint="σ = (1 + e^(−z))^(−1): power rule, then chain rule, then write e^(−z) = (1 − a)/a.",
        build=partial(graphs.derivative, "sigmoid"),
        mistakes=(
            _m(ERRATUM_NAME, ERRATUM_WHY, ERRATUM, "-2*a*(1 - a)"),
            _m(
                "the tutorial's result (factor 2)",
                "the tutorial's line ends in 2e^(−z)/(1 + e^(−z))² = 2σ′: the 2 is spurious",
                ERRATUM,
                "2*a*(1 - a)",
            ),
            _m(WRONG_PLACE, WRONG_PLACE_WHY, S11, "sigmoid(a)*(1 - sigmoid(a))"),
            _m(
                "one sign kept",
                "two factors −1 (power rule, inner e^(−z)) cancel",
                ERRATUM,
                "-a*(1 - a)",
            ),
        ),
    ),
    FormulaExercise(
        id="tanh-prime",
        title="tanh′(z) written from a = tanh(z)",
        statement="Write tanh′(z) in terms of a = tanh(z).",
        section=S11,
        target="tanh′(z)",
        names_text="a (and z, with a = tanh(z))",
        solution="1 - a**2",
        hint="tanh = sinh/cosh; the quotient rule gives 1 − tanh².",
        build=partial(graphs.derivative, "tanh"),
        mistakes=(
            _m("σ′'s rule used for tanh", "a(1 − a) is σ′; tanh′ = 1 − a²", S11, "a*(1 - a)"),
            _m("the square forgotten", "tanh′ = 1 − tanh²(z) = 1 − a²", S11, "1 - a"),
            _m(
                WRONG_PLACE,
                "tanh′(z) = 1 − tanh²(z) = 1 − a²; 1 − tanh²(a) applies tanh a second time",
                S11,
                "1 - tanh(a)**2",
            ),
        ),
    ),
    NumberExercise(
        id="sigma-bound",
        title="the largest value of σ′ (vanishing gradients)",
        statement="BP-2 multiplies by σ′(zᵢ⁽ˡ⁾) in every sigmoid layer. What is the largest value "
        "σ′(z) takes, over all real z?",
        section=S14,
        target="max σ′",
        solution="1/4",
        hint="σ′ = a(1 − a) with a ∈ (0, 1): where is a(1 − a) largest?",
        compute=graphs.sigma_bound,
        mistakes=(
            _m(
                "the tutorial's factor 2",
                "2σ′ (the tutorial's result) reaches ½; σ′ itself reaches ¼ at z = 0",
                ERRATUM,
                "1/2",
            ),
            _m(
                "tanh′'s or the rectifier's bound",
                "1 bounds tanh′ and relu′; σ′ = a(1 − a) ≤ ¼",
                S14,
                "1",
            ),
            _m(ERRATUM_NAME, "the middle step is −2σ′, −½ at z = 0: not σ′", ERRATUM, "-1/2"),
        ),
    ),
    FormulaExercise(
        id="softplus-prime",
        title="softplus′(z), the remedy's derivative",
        statement="softplus(z) = ln(1 + e^z), one of the tutorial's remedies for vanishing "
        "gradients. Write softplus′(z) in terms of z.",
        section=S14,
        target="softplus′(z)",
        names_text="z (and a = softplus(z))",
        solution="sigmoid(z)",
        hint="d/dz ln u = u′/u with u = 1 + e^z; then divide top and bottom by e^z.",
        build=partial(graphs.derivative, "softplus"),
        mistakes=(
            _m(
                "the tutorial's '1'",
                "softplus′(z) = σ(z) ∈ (0, 1): it approaches 1 only for large z",
                REMEDY,
                "1",
            ),
            _m(
                "the inner derivative forgotten",
                "d/dz ln(1 + e^z) = e^z/(1 + e^z); e^z is only the inner derivative",
                REMEDY,
                "exp(z)",
            ),
            _m(
                "σ(−z) for σ(z)",
                "e^z/(1 + e^z) = 1/(1 + e^(−z)) = σ(z), not 1/(1 + e^z)",
                REMEDY,
                "1/(1 + exp(z))",
            ),
        ),
    ),
]
