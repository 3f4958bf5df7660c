"""The symbolic proof (``microbp.symbolic``, ``microbp prove``): the graph's ∂E/∂θ minus the
BP-1…BP-4 expression simplifies to 0 for every weight, whole net and by layers; and the
prover says no to the tutorial's σ′ and to a planted wrong BP-1 or BP-2."""

from __future__ import annotations

import pytest

sympy = pytest.importorskip("sympy")

from microbp import bp, names  # noqa: E402
from microbp.cli.app import main  # noqa: E402
from microbp.nn import MLP  # noqa: E402
from microbp.symbolic import (  # noqa: E402
    TUTORIAL_ERRATUM_SIGMOID,
    is_zero,
    prove_layers,
    prove_net,
    symbol,
    symbolic_net,
)

ACTIVATIONS = ["sigmoid", "tanh", "relu", "softplus", "identity"]
NETS = [(3, 3, 2), (2, 3, 2, 1)]
ERRATUM = {"sigmoid": TUTORIAL_ERRATUM_SIGMOID}


def _parameter_count(sizes) -> int:
    return sum(n * (m + 1) for n, m in zip(sizes[1:], sizes))


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("sizes", NETS, ids=["3-3-2", "2-3-2-1"])
def test_every_parameter_is_proved_for_the_whole_net(sizes, activation):
    proof = prove_net(sizes, activation)
    assert proof.proved, str(proof)
    shown = [s.name for s in proof.steps]
    assert shown == [str(n) for n, _ in MLP(sizes).named_parameters()]  # one per θ, in order
    assert shown[0] == "w₁₁⁽²⁾"  # in the Unicode form, as microbp shows names
    assert len(shown) == _parameter_count(sizes)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("sizes", NETS, ids=["3-3-2", "2-3-2-1"])
def test_every_step_is_proved_by_layers(sizes, activation):
    proof = prove_layers(sizes, activation)
    assert proof.proved, str(proof)
    equations = [s.equation for s in proof.steps]
    L = len(sizes)
    assert equations.count("d f(z)/dz") == 1  # the lemma: f′ of the table is df/dz
    assert equations.count("BP-1") == sizes[-1]
    assert equations.count("BP-2") == sum(sizes[1 : L - 1])
    assert equations.count("BP-3") + equations.count("BP-4") == _parameter_count(sizes)
    assert [d for d, _ in proof.deltas] == [
        symbol(names.delta(l, i)) for l in range(L, 1, -1) for i in range(1, sizes[l - 1] + 1)
    ]


@pytest.mark.parametrize(
    ("sizes", "activation", "loss"),
    [
        ((2, 2, 1), "sigmoid", "binary_cross_entropy"),
        ((2, 2, 3), ["tanh", "softmax"], "cross_entropy"),
        ((2, 2, 3), ["relu", "softmax"], "squared_error"),  # BP-1 with the softmax Jacobian
    ],
)
def test_the_other_losses_are_proved_too(sizes, activation, loss):
    for proof in (prove_net(sizes, activation, loss), prove_layers(sizes, activation, loss)):
        assert proof.proved, str(proof)


def test_the_tutorials_sigma_prime_is_not_proved_and_the_difference_is_three_sigma_prime():
    whole = prove_net(replace=ERRATUM)
    layers = prove_layers(replace=ERRATUM)
    assert not whole.proved and not layers.proved
    assert len(whole.failures()) == 20  # every gradient of the tutorial's net depends on σ′
    failed = {s.name: s for s in layers.failures()}
    assert set(failed) == {"f′ of sigmoid", "δ₁⁽³⁾", "δ₂⁽³⁾", "δ₁⁽²⁾", "δ₂⁽²⁾", "δ₃⁽²⁾"}
    # BP-3 and BP-4 do not use f′: they stay proved
    assert all(s.proved for s in layers.steps if s.equation in ("BP-3", "BP-4"))
    # the tutorial's middle step is −2σ′, so f′ − df/dz = −3σ′ = 3a(a − 1), and δ is off by 3σ′
    a = symbol("a")
    assert is_zero(failed["f′ of sigmoid"].difference - 3 * a * (a - 1))
    a1, y1 = symbol(names.a(3, 1)), symbol(names.y(1))
    assert is_zero(failed["δ₁⁽³⁾"].difference - 3 * a1 * (1 - a1) * (a1 - y1))
    # each refusal has a witness: the difference at a random point, clearly not 0
    assert all(abs(s.witness) > 1e-6 for s in whole.failures() + layers.failures())
    assert whole.steps[0].witness == pytest.approx(-0.220342, abs=1e-6)  # the table's number
    assert "NOT PROVED" in str(layers) and "3⋅a⋅(a - 1)" in str(layers)


def _swapped_hidden_delta(delta_next, W_next, i, f, z_i, a_i):
    """BP-2 with an index swapped: Σⱼ δⱼ⁽ˡ⁺¹⁾ wᵢⱼ⁽ˡ⁺¹⁾ instead of wⱼᵢ⁽ˡ⁺¹⁾."""
    s = sum(delta_next[j] * W_next[i][j] for j in range(len(delta_next)))
    df = f.df(z_i, a_i)
    return s, df, s * df


def test_a_planted_wrong_bp2_is_caught_by_both_proofs(monkeypatch):
    sizes = (2, 3, 3, 3)  # W⁽³⁾ and W⁽⁴⁾ are 3 × 3, so the swapped index still runs
    assert prove_net(sizes).proved and prove_layers(sizes).proved
    monkeypatch.setattr(bp, "hidden_delta", _swapped_hidden_delta)
    whole, layers = prove_net(sizes), prove_layers(sizes)
    assert not whole.proved
    # the output layer's gradients need no BP-2 and stay proved; layer 2's need it
    assert all(s.proved for s in whole.steps if s.name.endswith("⁽⁴⁾"))
    assert not any(s.proved for s in whole.steps if s.name.endswith("⁽²⁾"))
    failed = {s.name for s in layers.failures()}
    assert failed == {"δ₁⁽³⁾", "δ₂⁽³⁾", "δ₃⁽³⁾", "δ₁⁽²⁾", "δ₂⁽²⁾", "δ₃⁽²⁾"}


def test_a_planted_wrong_bp1_is_caught(monkeypatch):
    right = bp.output_delta

    def wrong_sign(loss, f, y, z, a, closed_form=True):  # (y − a) f′ instead of −(y − a) f′
        return [-d for d in right(loss, f, y, z, a, closed_form)]

    monkeypatch.setattr(bp, "output_delta", wrong_sign)
    layers = prove_layers((2, 2, 1), "tanh")
    assert {s.equation for s in layers.failures()} == {"BP-1"}
    assert not prove_net((2, 2, 1), "tanh").proved


def test_a_symbolic_net_is_named_as_the_seed_names_it():
    s = symbolic_net([3, 3, 2])
    assert [str(t) for t in s.theta] == s.net.parameter_names()
    assert [str(v) for v in s.x + s.y] == ["x_1", "x_2", "x_3", "y_1", "y_2"]
    assert sympy.latex(s.theta[0]) == "w^{(2)}_{11}"  # SymPy's own reading of w_11^(2)
    a = s.net(s.x)[0].data  # a₁⁽³⁾ as a formula of every symbol
    assert a.free_symbols == {
        *s.x,
        *(t for t in s.theta if t.name.endswith("(2)")),
        *[t for t in s.theta if t.name in ("w_11^(3)", "w_12^(3)", "w_13^(3)", "b_1^(3)")],
    }


def test_the_delta_formulas_show_in_unicode_latex_and_jupyter():
    proof = prove_layers()
    assert proof.show().splitlines()[0] == "δ₁⁽³⁾ = a₁⁽³⁾⋅(1 - a₁⁽³⁾)⋅(a₁⁽³⁾ - y₁)"
    latex = proof.latex()
    assert latex.startswith("\\begin{aligned}") and "\\delta_{3}^{(2)} &=" in latex
    assert "a_{1}^{(3)}" in latex
    assert proof._repr_latex_() == f"$$\n{latex}\n$$"
    assert prove_net()._repr_latex_() is None  # the whole-net proof has no δ list


def test_is_zero_is_sufficient_not_complete():
    z = symbol("z")
    sigma = 1 / (1 + sympy.exp(-z))
    assert is_zero(sympy.diff(sigma, z) - sigma * (1 - sigma))
    assert not is_zero(sympy.diff(sigma, z) - 2 * sigma * (1 - sigma))
    # tanh z = 2σ(2z) − 1 holds, but only through an identity between the atoms: "not shown"
    assert not is_zero(sympy.tanh(z) - (2 / (1 + sympy.exp(-2 * z)) - 1))


# --------------------------------------------------------------------------------------------
# The command


def test_microbp_prove_proves_the_tutorials_net(capsys):
    assert main(["prove"]) == 0
    out = capsys.readouterr().out
    assert "MLP [3, 3, 2], activation sigmoid, loss squared_error" in out
    assert "20 of 20 proved" in out and "26 of 26 proved" in out
    assert "NOT" not in out and out.rstrip().endswith("for a net of any depth.")


def test_microbp_prove_erratum_is_not_proved(capsys):
    assert main(["prove", "--erratum"]) == 1
    out = capsys.readouterr().out
    assert "0 of 20 proved, 20 NOT proved" in out and "20 of 26 proved, 6 NOT proved" in out
    assert "f′ of sigmoid: f′ − d f(z)/dz = 3⋅a⋅(a - 1)" in out
    assert out.rstrip().endswith("(the differences above are not 0).")


def test_microbp_prove_show_and_latex(capsys, tmp_path):
    tex = tmp_path / "deltas.tex"
    args = ["prove", "--net", "2,2,1", "--activation", "relu", "--show", "--latex", str(tex)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "δ₁⁽²⁾ = δ₁⁽³⁾⋅w₁₁⁽³⁾⋅θ(z₁⁽²⁾, 0)" in out  # relu′ = Heaviside(z, 0), 0 at the kink
    assert tex.read_text().startswith("\\begin{aligned}\n\\delta_{1}^{(3)} &=")
    assert main(["prove", "--net", "2,1", "--latex"]) == 0  # no FILE: standard output
    assert "\\end{aligned}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--erratum", "--activation", "tanh"], "--erratum replaces σ′"),
        (["--net", "40,40,40"], "more than max_nodes = 200"),
        (["--activation", "sigmoid,sigmoid,sigmoid"], "one activation per layer"),
        (["--loss", "cross_entropy"], "cross_entropy is made for a softmax output layer"),
    ],
)
def test_microbp_prove_refuses_bad_usage(capsys, args, message):
    assert main(["prove", *args]) == 2
    assert message in capsys.readouterr().err


def test_microbp_prove_without_sympy_says_how_to_install_it(capsys, monkeypatch):
    import sys

    import microbp

    monkeypatch.setitem(sys.modules, "microbp.symbolic", None)  # as if SymPy were missing
    monkeypatch.delattr(microbp, "symbolic", raising=False)
    assert main(["prove"]) == 2
    assert "pip install 'microbp[symbolic]'" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# Work that cannot finish: a time limit, and progress while it runs


@pytest.mark.parametrize(
    "sizes, activation, loss",
    [
        ((2, 2, 1), "relu", "squared_error"),
        ((3, 2, 3), ["tanh", "softmax"], "cross_entropy"),
        ((2, 3, 2, 1), "sigmoid", "binary_cross_entropy"),
    ],
)
def test_progress_counts_every_step_from_zero_to_the_total(sizes, activation, loss):
    for prove in (prove_net, prove_layers):
        seen = []
        proof = prove(sizes, activation, loss, progress=lambda *call, seen=seen: seen.append(call))
        total = len(proof.steps)
        assert seen[0] == (0, total, "")
        assert [done for done, _, _ in seen] == list(range(total + 1))
        assert [name for _, _, name in seen[1:]] == [s.name for s in proof.steps]


def test_prove_stops_at_its_time_limit_and_says_how_far_it_got(capsys):
    """A 2-4-4-4-1 net with binary cross-entropy (57 Values, under --max-nodes) took
    minutes; the time limit stops it in the middle of a SymPy computation."""
    import time

    start = time.monotonic()
    argv = ["prove", "--net", "2,4,4,4,1", "--loss", "binary_cross_entropy", "--time-limit", "0.5"]
    assert main(argv) == 2
    assert time.monotonic() - start < 30
    err = capsys.readouterr().err
    assert "did not finish within --time-limit 0.5 s" in err
    assert "--time-limit 5 (0: no limit)" in err


def test_without_an_alarm_the_time_limit_is_checked_between_steps(capsys, monkeypatch):
    import signal

    monkeypatch.delattr(signal, "SIGALRM", raising=False)  # as on Windows
    assert main(["prove", "--time-limit", "0.001"]) == 2
    err = capsys.readouterr().err
    assert "did not finish within --time-limit 0.001 s: whole net" in err
    assert "of 20 steps tried" in err


@pytest.mark.parametrize("bad", ["-1", "nan", "inf", "soon"])
def test_a_bad_time_limit_is_a_usage_error(bad, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["prove", f"--time-limit={bad}"])
    assert exit_info.value.code == 2
    assert "finite number ≥ 0 (0: no limit)" in capsys.readouterr().err


def test_a_proof_shows_its_progress_on_a_terminal(capsys, monkeypatch):
    import io
    import sys

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stderr", Terminal())
    assert main(["prove", "--net", "2,2,1"]) == 0
    bar = sys.stderr.getvalue()
    assert "whole net: 100%" in bar and "9/9" in bar
    assert "by layers: 100%" in bar and "13/13" in bar


def test_prove_latex_says_where_it_wrote(capsys, tmp_path):
    tex = tmp_path / "deltas.tex"
    assert main(["prove", "--net", "2,1", "--latex", str(tex)]) == 0
    assert f"wrote the δ formulas as LaTeX to {tex}" in capsys.readouterr().out
    assert tex.read_text().startswith("\\begin{aligned}")


def test_weights_with_two_digit_indices_get_names_of_their_own_in_the_proof():
    """w₁,₁₁⁽²⁾ and w₁₁,₁⁽²⁾ once ran together as one name, w_111^(2)."""
    proof = prove_layers((11, 11, 1), "identity")
    shown = [s.name for s in proof.steps]
    assert len(set(shown)) == len(shown)
    assert "w₁,₁₁⁽²⁾" in shown and "w₁₁,₁⁽²⁾" in shown and proof.proved


@pytest.mark.parametrize(
    "old, new",
    [
        ("SEED_ERRATUM_SIGMOID", "TUTORIAL_ERRATUM_SIGMOID"),
        ("seed_sigma_prime", "tutorial_sigma_prime"),
    ],
)
def test_the_old_erratum_names_still_work_for_one_release_and_warn(old, new):
    import microbp.symbolic as symbolic

    with pytest.warns(DeprecationWarning, match=rf"microbp\.symbolic\.{old} is deprecated.*{new}"):
        assert getattr(symbolic, old) is getattr(symbolic, new)
    with pytest.raises(AttributeError):
        symbolic.SEED_SIGMOID  # noqa: B018


def test_a_time_limit_whose_first_alarm_is_swallowed_still_stops_the_proof(capsys, monkeypatch):
    """Python drops an exception raised in a gc callback or a ``__del__`` (the test suite's
    hypothesis has a gc callback), so the alarm's first interrupt can be lost: the limit must
    interrupt again, not wait for the end of the step (it once took 20 s past a 0.5 s limit)."""
    import signal
    import time

    from microbp import symbolic

    if not hasattr(signal, "SIGALRM"):
        pytest.skip("the alarm needs SIGALRM")

    def swallows_the_first_interrupt(*args, **kwargs):
        try:
            time.sleep(10)  # the alarm interrupts this…
        except BaseException:
            pass  # …and the interrupt is lost, as in a gc callback
        time.sleep(10)  # a long SymPy step without a progress report
        raise AssertionError("the time limit did not stop the proof")

    monkeypatch.setattr(symbolic, "prove_net", swallows_the_first_interrupt)
    start = time.monotonic()
    assert main(["prove", "--time-limit", "0.2"]) == 2
    assert time.monotonic() - start < 5
    assert "did not finish within --time-limit 0.2 s" in capsys.readouterr().err
