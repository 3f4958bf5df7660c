"""microbp.exercises: every verdict comes from the engine and the prover.

Each reference solution is judged correct by the checker a learner meets; wrong answers are
judged wrong with a witness; each catalogued mistake is recognised by name; equivalent forms
(expanded, factored, Unicode names, σ(z) for a) are accepted; hostile texts are refused fast.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sympy")

from microbp import exercises  # noqa: E402
from microbp.exercises import formula, functions  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FORMULAS = [e for e in exercises.EXERCISES if e.kind == "formula"]
NUMBERS = [e for e in exercises.EXERCISES if e.kind == "number"]
FUNCTIONS = [e for e in exercises.EXERCISES if e.kind == "function"]
ALL = exercises.EXERCISES


def by_id(items):
    return pytest.mark.parametrize("ex", items, ids=[e.id for e in items])


def test_the_catalogue_has_the_ids_the_tutorial_walk_needs_in_its_order():
    ids = exercises.ids()
    assert len(ids) >= 15 and len(set(ids)) == len(ids)
    required = ["sigmoid-prime", "tanh-prime", "chain-rule", "bp1", "bp2", "bp3", "bp4"]
    required += ["bp2-matrix", "batch-mean", "sigma-bound", "ce-softmax", "bce-sigmoid"]
    assert set(required + ["tutorial-delta"]) <= set(ids)
    numbered = [re.search(r"#(\d+)-", e.section) for e in ALL]  # a subsection has no number
    sections = [int(m.group(1)) for m in numbered if m]
    assert len(sections) >= len(ALL) - 2
    assert sections == sorted(sections), "the catalogue follows the tutorial's sections in order"


def _slugs(path: Path) -> set[str]:
    out = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            heading = line.lstrip("#").strip().lower()
            out.add(re.sub(r"[^\w\- ]", "", heading).replace(" ", "-"))
    return out


def test_every_docs_link_points_at_a_heading_that_exists():
    links = {e.section for e in ALL} | {m.docs for e in ALL for m in e.mistakes}
    for link in links:
        page, _, anchor = link.partition("#")
        assert (ROOT / page).exists(), link
        assert not anchor or anchor in _slugs(ROOT / page), f"no heading for {link}"


@by_id(ALL)
def test_the_reference_solution_is_correct_by_the_checker(ex):
    r = ex.check(ex.solution)
    assert r.readable and r.correct, str(r)
    assert r.mistake is None and r.witness is None


@by_id(ALL)
def test_every_catalogued_mistake_is_recognised_by_name(ex):
    assert ex.mistakes and ex.hint
    for m in ex.mistakes:
        assert m.name and m.why and m.docs
        r = ex.check(ex.answer_of(m))
        assert not r.correct and r.witness is not None, str(r)
        assert r.mistake is m, f"{ex.id}: {m.name} judged as {r.mistake and r.mistake.name}"
        assert m.name in str(r) and m.docs in r._repr_html_()


WRONG_FORMULAS = {
    "forward-z": ["w_11^(2)*x_1", "b_1^(2)", "w_11^(2)*x_1 + w_12^(2)*x_2 + b_1^(2)"],
    "cost-gradient": ["a_1^(3)", "(a_1^(3) - y_1)**2", "a_1^(3) + y_1"],
    "bp1": ["a*(1 - a)", "(a - y)*a", "(a - y)**2*a*(1 - a)"],
    "output-weight": [
        "a_1^(2)",
        "(a_1^(3) - y_1)*a_1^(3)",
        "-(y_1 - a_1^(3))*a_1^(2)*(1 - a_1^(2))*a_1^(3)",
    ],
    "bce-sigmoid": ["a", "log(a) - y", "(a - y)**2"],
    "ce-softmax": ["a_1^(3)", "a_1^(3) - y_1 - y_2", "log(a_1^(3))*y_1"],
    "bp2": [
        "delta_1^(3)*w_11^(3)*a_1^(2)",
        "0",
        "(delta_1^(3) + delta_2^(3))*a_1^(2)*(1 - a_1^(2))",
    ],
    "bp3": ["delta_1^(2)", "x_2", "delta_1^(2)*x_1"],
    "bp4": ["1", "b_1^(2)", "delta_2^(2)"],
    "sigmoid-prime": ["a", "1 - a**2", "a*(1 - a)**2"],
    "tanh-prime": ["1 + a**2", "a**2 - 1", "tanh(z)"],
    "softplus-prime": ["z", "log(1 + exp(z))", "sigmoid(-z)*2"],
}


@by_id(FORMULAS)
def test_wrong_formulas_are_wrong_with_a_witness_where_they_differ(ex):
    for text in WRONG_FORMULAS[ex.id]:
        r = ex.check(text)
        assert r.readable and not r.correct, f"{ex.id}: {text}: {r}"
        w = r.witness
        assert w is not None and w.point, f"{ex.id}: {text}: {r}"
        assert not np.isclose(w.yours, w.engine), "the witness shows two different values"
        assert r.hint or r.mistake


def test_the_witness_is_the_engines_value_at_the_point_it_names():
    r = exercises.check("sigmoid-prime", "a")
    a = float(r.witness.point["a"])
    assert r.witness.yours == pytest.approx(a, rel=1e-5)
    assert r.witness.engine == pytest.approx(a * (1 - a), rel=1e-5)


@by_id(NUMBERS)
def test_wrong_numbers_are_wrong_and_the_tolerance_is_relative(ex):
    truth = ex.truth
    assert ex.check(repr(truth * (1 + 0.5 * formula_rtol()))).correct
    for wrong in (truth * 1.02, -truth, truth + 1.0):
        r = ex.check(repr(wrong))
        assert not r.correct and r.witness.engine == truth and r.witness.yours == wrong


def formula_rtol() -> float:
    from microbp.exercises.verdict import NUMBER_RTOL

    return NUMBER_RTOL


@by_id(FUNCTIONS)
def test_wrong_functions_are_wrong_on_a_named_net_with_both_arrays(ex):
    params = ex.signature.split("(")[1].rstrip(")")
    wrong = [
        f"def {ex.function}({params}):\n    return 0\n",
        f"def {ex.function}({params}):\n    raise ValueError('not yet')\n",
        ex.solution.replace("return ", "return 1.0000001 * "),
    ]
    for source in wrong:
        r = ex.check(source)
        assert r.readable and not r.correct, str(r)
        assert r.witness.where.startswith("net [") and "yours" in str(r)


def test_a_function_object_is_judged_from_its_source():
    def bp2(W_next, delta_next, a):
        return (W_next.T @ delta_next) * a * (1 - a)

    assert exercises.check("bp2-matrix", bp2).correct


def test_a_function_that_prints_is_judged_all_the_same():
    source = exercises.get("bp3-matrix").solution.replace(
        "    return", "    print(delta)\n    return"
    )
    assert "print" in source and exercises.check("bp3-matrix", source).correct


def test_a_function_that_never_returns_is_stopped_by_the_time_limit(monkeypatch):
    monkeypatch.setattr(functions, "TIME_LIMIT", 2.0)
    t = time.perf_counter()
    r = exercises.check("bp3-matrix", "def bp3(delta, a_prev):\n    while True: pass\n")
    assert not r.correct and "did not finish" in r.message
    assert time.perf_counter() - t < 15


@pytest.mark.parametrize(
    "source",
    ["def bp2(W_next, delta_next, a)\n    return 1\n", "x = 1\n", "import nonexistent_module_x\n"],
)
def test_function_source_that_cannot_be_used_is_unreadable(source):
    r = exercises.check("bp2-matrix", source)
    assert not r.readable and not r.correct and "cannot" in r.message


EQUIVALENT = [
    ("bp2", "δ₁⁽³⁾×w₁₁⁽³⁾×a₁⁽²⁾×(1 − a₁⁽²⁾) + δ₂⁽³⁾·w₂₁⁽³⁾·a₁⁽²⁾·(1 − a₁⁽²⁾)"),  # Unicode
    ("bp2", "(delta_1^(3)*w_11^(3) + delta_2^(3)*w_21^(3))*σ(z_1^(2))*(1 - σ(z_1^(2)))"),  # σ(z)
    (
        "bp2",
        "delta_1^(3)*w_11^(3)*a_1^(2) - delta_1^(3)*w_11^(3)*a_1^(2)**2"
        " + delta_2^(3)*w_21^(3)*a_1^(2) - delta_2^(3)*w_21^(3)*a_1^(2)**2",
    ),  # expanded
    ("bp2", "(delta_1^(3)*w_11^(3) + delta_2^(3)*w_21^(3))*exp(-z_1^(2))/(1 + exp(-z_1^(2)))**2"),
    ("bp1", "(a - y)*a*(1 - a)"),
    ("bp1", "a**2*(1 - a) - a*y*(1 - a)"),
    ("bp1", "(sigmoid(z) - y)*sigmoid(z)*(1 - sigmoid(z))"),
    ("sigmoid-prime", "exp(-z)/(1 + exp(-z))**2"),
    ("sigmoid-prime", "a - a**2"),
    ("tanh-prime", "(1 - a)*(1 + a)"),
    ("tanh-prime", "4/(exp(z) + exp(-z))**2"),
    ("bce-sigmoid", "-(y - σ(z))"),
    ("ce-softmax", "exp(z_1^(3))/(exp(z_1^(3)) + exp(z_2^(3)) + exp(z_3^(3))) - y_1"),
    ("bp3", "x_2*delta_1^(2)"),
    ("bp3", "delta_1^(2)*a_2^(1)"),  # a⁽¹⁾ = x
    ("bp3", "δ₁⁽²⁾·x₂"),
    ("forward-z", "b_1^(2) + x_1*w_11^(2) + x_2*w_1,2^(2) + x_3*w_13^(2)"),
    ("output-weight", "(a_1^(3) - y_1)*(a_1^(3) - a_1^(3)**2)*a_1^(2)"),
    ("softplus-prime", "exp(z)/(1 + exp(z))"),
    ("sigma-bound", "0.25"),
    ("sigma-bound", "2**-2"),
    ("chain-rule", "6.0"),
    ("tutorial-delta", "-0.00213"),
]


@pytest.mark.parametrize(("exercise", "answer"), EQUIVALENT)
def test_equivalent_forms_are_accepted(exercise, answer):
    r = exercises.check(exercise, answer)
    assert r.correct, str(r)


def test_a_number_answer_may_be_a_python_number():
    assert exercises.check("chain-rule", 6).correct
    assert not exercises.check("chain-rule", -6).correct


HOSTILE = [
    "__import__('os').system('echo owned')",
    "a.__class__.__mro__",
    "lambda: 0",
    "exec('1')",
    "a" * 100_000,
    "(" * 10_000 + "a" + ")" * 10_000,
    "-" * 1_000 + "a",
    "9**9**9**9",
    "((a**64)**64)**64",
    "((2**64)**64)**64",
    "2**a",
    "1e999999999",
    "9" * 100,
    "σ(" * 500 + "a" + ")" * 500,
    "a" + "*a" * 300,
    "a^2",
    "(a + 1)**24 - (a**2 + 2*a + 1)**12 + (z + a + 1)**16",
    "1/0",
    "",
]


@pytest.mark.parametrize("text", HOSTILE, ids=[repr(h[:20]) for h in HOSTILE])
def test_hostile_texts_are_refused_within_a_second_and_nothing_runs(text, capfd):
    t = time.perf_counter()
    r = exercises.check("sigmoid-prime", text)
    elapsed = time.perf_counter() - t
    assert not r.readable and not r.correct and r.message.startswith("cannot read the answer")
    assert elapsed < 1.0, f"{elapsed:.2f} s"
    assert "owned" not in capfd.readouterr().out


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2a", "write * between factors"),
        ("a^2", "write a power with **"),
        ("(a", "expected ')'"),
        ("exp a", "needs its argument in parentheses"),
        ("w_11^(3)", "a name this exercise does not use"),
        ("q", "unknown name 'q'"),
        ("a**b", "unknown name 'b'"),
        ("a**a", "must be a number"),
    ],
)
def test_refusals_say_what_was_expected(text, says):
    """Each refusal names the problem and what was expected."""
    with pytest.raises(formula.BadAnswer, match=re.escape(says)):
        exercises.get("sigmoid-prime").parse(text)


def test_parse_builds_powers_right_to_left_and_minus_below_the_power():
    ex = exercises.get("sigmoid-prime")
    z = next(iter(ex.setting.symbols["z"].free_symbols))
    assert ex.parse("-z**2") == -(z**2)
    assert ex.parse("2**3**2") == 512
    assert ex.parse("z**-1") == 1 / z


def test_a_formula_that_only_agrees_at_points_is_not_called_correct():
    # tanh z = 2σ(2z) − 1 holds, but the prover works atom by atom: "not shown", never "correct"
    r = exercises.check("tanh-prime", "1 - (2*sigmoid(2*z) - 1)**2")
    assert not r.correct and r.message.startswith("not shown")


def test_the_result_renders_as_html_and_text():
    r = exercises.check("bp2", "delta_1^(3)*w_11^(3) + delta_2^(3)*w_21^(3)")
    html = r._repr_html_()
    assert "f′ forgotten" in html and "<b" in html and "for example" in str(r)
    assert "&lt;" in exercises.Result("x", False, "<script>")._repr_html_()


def test_an_unknown_id_names_the_known_ones():
    with pytest.raises(ValueError, match="sigmoid-prime"):
        exercises.check("nope", "1")


def test_the_docs_page_lists_every_exercise_and_prints_no_solution():
    page = (ROOT / "docs" / "exercises.md").read_text(encoding="utf-8")
    squeezed = re.sub(r"\s+", "", page)
    for ex in ALL:
        assert f"| `{ex.id}` |" in page, f"docs/exercises.md does not list {ex.id}"
        solution = re.sub(r"\s+", "", ex.solution)
        shown = solution in squeezed if len(solution) >= 8 else f"`{solution}`" in squeezed
        assert not shown, f"the page prints {ex.id}'s solution"


def test_an_identity_that_would_take_the_prover_a_minute_to_expand_is_refused_at_once():
    # (Σ of five names)**16 against its expanded square to the 8th is 0, but sympy.expand
    # needs about a minute for it: the parser refuses what would expand past MAX_TERMS
    names = ["delta_1^(3)", "w_11^(3)", "delta_2^(3)", "w_21^(3)", "a_1^(2)"]
    total = "(" + " + ".join(names) + ")"
    square = " + ".join(
        f"{2 if a != b else 1}*{a}*{b}" for k, a in enumerate(names) for b in names[k:]
    )
    ex = exercises.get("bp2")
    t = time.perf_counter()
    r = ex.check(f"{ex.solution} + ({total}**2)**8 - ({square})**8")
    assert not r.readable and f"more than {formula.MAX_TERMS} terms" in r.message
    assert time.perf_counter() - t < 1.0
    assert ex.check(f"{ex.solution} + {total}**2 - ({square})").correct  # small: proved


@pytest.mark.parametrize("text", ["tanh(exp(exp(exp(5))))", "exp(exp(exp(9)))", "(-8)**(1/3)"])
def test_a_number_too_large_or_not_real_is_refused_within_a_second(text):
    t = time.perf_counter()
    r = exercises.check("chain-rule", text)
    assert not r.readable and "not a finite real number" in r.message
    assert time.perf_counter() - t < 1.0


@by_id(ALL)
def test_the_statement_and_the_answer_format_do_not_give_the_solution_away(ex):
    solution = re.sub(r"\s+", "", ex.solution)
    for text in (ex.statement, ex.how, ex.title):
        words = set(re.split(r"[\s,;()]+", text))
        assert (
            solution not in re.sub(r"\s+", "", text)
            if len(solution) >= 8
            else solution not in words
        )


def test_what_microbp_prove_show_prints_is_accepted_when_typed_back():
    from microbp.symbolic import prove_layers

    shown = dict(line.split(" = ", 1) for line in prove_layers([3, 3, 2]).show().splitlines())
    assert exercises.check("bp2", shown["δ₁⁽²⁾"]).correct  # Unicode names and ⋅, as printed
