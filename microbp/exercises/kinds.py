"""The three kinds of exercise: a formula, a number, a Python function; each judges an answer.

A :class:`FormulaExercise` builds its graph on symbols with the engine (a :class:`Setting`:
the truth, and every name the answer may use mapped to its node's formula) and judges with
the prover. A :class:`NumberExercise` asks the engine for a number. A
:class:`FunctionExercise` runs the learner's function on random nets
(:mod:`microbp.exercises.functions`).
"""

from __future__ import annotations

import inspect
import math
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

import sympy

from microbp.exercises import functions
from microbp.exercises.formula import BadAnswer, parse
from microbp.exercises.verdict import (
    FUNCTION_RTOL,
    NUMBER_RTOL,
    Mistake,
    Result,
    Witness,
    float_value,
    formula_witness,
    same_function,
)

__all__ = ["Setting", "Exercise", "FormulaExercise", "NumberExercise", "FunctionExercise"]


@dataclass
class Setting:
    """What the engine computed on symbols for one exercise: the ``truth``, the ``symbols``
    an answer may use (a name → its node's formula in the leaf symbols) and the names
    ``shown`` in a witness."""

    truth: sympy.Expr
    symbols: Mapping
    shown: tuple = ()


@dataclass
class Exercise:
    """One exercise: ``id``, a one-line ``title``, the ``statement`` in the tutorial's
    notation, the ``section`` of docs/derivation.md it practises, the reference ``solution``
    (shown on request; judged by the same checker as any answer), the catalogued
    ``mistakes`` and a ``hint``. ``target`` names what is asked (δ₁⁽²⁾, ∂E/∂w₁₂⁽²⁾)."""

    id: str
    title: str
    statement: str
    section: str
    target: str
    solution: str
    hint: str
    mistakes: tuple[Mistake, ...] = ()
    kind: str = field(init=False, default="")
    how: str = field(init=False, default="")  #: how to write the answer, one line

    def check(self, answer) -> Result:
        """The verdict on ``answer``; an unreadable answer gives ``readable=False``."""
        try:
            return self._judge(answer)
        except BadAnswer as exc:
            return Result(
                self.id,
                False,
                f"cannot read the answer: {exc}",
                readable=False,
                hint=self.hint,
                docs=self.section,
            )

    def answer_of(self, mistake: Mistake) -> str:
        """What a learner who made ``mistake`` would type (its formula; for a number
        exercise, its number)."""
        return mistake.answer

    def _judge(self, answer) -> Result:  # pragma: no cover - each kind has its own
        raise NotImplementedError

    def _result(self, correct: bool, message: str, **more) -> Result:
        return Result(self.id, correct, message, hint=self.hint, docs=self.section, **more)


def _text(answer) -> str:
    if isinstance(answer, bool) or not isinstance(answer, (str, int, Fraction, float)):
        raise BadAnswer(f"expected the answer as text, got {type(answer).__name__}")
    return str(answer)


@dataclass
class FormulaExercise(Exercise):
    """A formula in the exercise's names, correct when answer − truth ≡ 0 (the prover)."""

    build: Callable[[], Setting] | None = None
    names_text: str = ""

    def __post_init__(self) -> None:
        self.kind = "formula"
        self.how = f"a formula in {self.names_text}"

    @cached_property
    def setting(self) -> Setting:
        return self.build()

    def parse(self, text: str) -> sympy.Expr:
        """The answer's expression in the leaf symbols (a :class:`BadAnswer` if unreadable)."""
        return parse(_text(text), self.setting.symbols)

    def _judge(self, answer) -> Result:
        expr = self.parse(answer)
        s = self.setting
        if same_function(expr, s.truth):
            return self._result(
                True,
                f"correct for every value: your formula − the engine's {self.target} ≡ 0 (proved)",
            )
        leaves = expr.free_symbols | sympy.sympify(s.truth).free_symbols
        # the witness names the statement's names and any other leaf the answer uses
        shown = {k: s.symbols[k] for k in s.shown}
        shown.update(
            {
                k: v
                for k, v in s.symbols.items()
                if v.free_symbols & expr.free_symbols
                and k not in shown
                and isinstance(v, sympy.Symbol)
            }
        )
        witness, agreed = formula_witness(expr, s.truth, leaves, shown)
        mistake = next(
            (m for m in self.mistakes if same_function(expr, self.parse(m.answer))), None
        )
        if witness is None and mistake is None and not agreed:
            return self._result(
                False,
                f"not shown: the prover could not show your formula "
                f"equal to the engine's {self.target}, and it is not defined "
                "at any point tried",
            )
        if witness is None and mistake is None:
            return self._result(
                False,
                f"not shown: your formula equals the engine's {self.target} "
                "at every point tried, but the prover could not show it for "
                "every value; write it with this exercise's names (a for σ(z))",
            )
        return self._result(
            False,
            f"wrong: your formula is not the engine's {self.target}",
            witness=witness,
            mistake=mistake,
        )


@dataclass
class NumberExercise(Exercise):
    """A number (or a formula of numbers: ``2/3``), correct within :data:`NUMBER_RTOL`."""

    compute: Callable[[], float] | None = None
    values: Callable[[], Mapping] | None = None  #: the names a mistake's formula uses

    def __post_init__(self) -> None:
        self.kind = "number"
        self.how = "a number (or a formula of numbers such as 2/3)"

    @cached_property
    def truth(self) -> float:
        return float(self.compute())

    @cached_property
    def _values(self) -> Mapping:
        return {
            k: sympy.Rational(Fraction(v))
            for k, v in (self.values() if self.values else {}).items()
        }

    def number(self, answer, symbols: Mapping | None = None) -> float:
        if isinstance(answer, (int, float, Fraction)) and not isinstance(answer, bool):
            value = float(answer)
        else:
            value = float_value(parse(_text(answer), symbols or {}), {})
        if value is None or not math.isfinite(value):
            raise BadAnswer("the answer is not a finite real number (in double precision)")
        return value

    def answer_of(self, mistake: Mistake) -> str:
        return repr(self.number(mistake.answer, self._values))

    def _judge(self, answer) -> Result:
        mine = self.number(answer)
        truth = self.truth
        tol = f"within {NUMBER_RTOL:.1%} of"
        if math.isclose(mine, truth, rel_tol=NUMBER_RTOL):
            return self._result(
                True, f"correct: {mine:.6g} is {tol} the engine's {self.target} = {truth:.10g}"
            )
        mistake = None
        for m in self.mistakes:
            if math.isclose(mine, self.number(m.answer, self._values), rel_tol=NUMBER_RTOL):
                mistake = m
                break
        return self._result(
            False,
            f"wrong: {mine:.6g} is not {tol} the engine's {self.target}",
            witness=Witness({}, mine, truth),
            mistake=mistake,
        )


@dataclass
class FunctionExercise(Exercise):
    """A Python function, run on :data:`functions.NETS` random nets against the graph."""

    function: str = ""
    signature: str = ""
    cases: Callable[[int], list] | None = None

    def __post_init__(self) -> None:
        self.kind = "function"
        self.how = f"Python source defining {self.signature} (numpy arrays in and out)"

    @cached_property
    def random_nets(self) -> list:
        """The :data:`functions.NETS` random nets (:class:`functions.Case`), made once."""
        return self.cases(functions.NETS)

    def source(self, answer) -> str:
        if callable(answer):
            try:
                return textwrap.dedent(inspect.getsource(answer))
            except (OSError, TypeError):
                raise BadAnswer("cannot find the function's source; pass its text") from None
        if not isinstance(answer, str):
            raise BadAnswer(f"expected a function or its source text, got {type(answer).__name__}")
        return answer

    def _judge(self, answer) -> Result:
        source = self.source(answer)
        cases = self.random_nets
        try:
            outputs = functions.run(source, self.function, [m.answer for m in self.mistakes], cases)
        except TimeoutError as exc:
            return self._result(False, f"wrong: {exc} (the limit is {functions.TIME_LIMIT:g} s)")
        mine, theirs = outputs[0], outputs[1:]
        bad = next(
            (
                k
                for k, c in enumerate(cases)
                if not functions.close(mine[k], c.truth, FUNCTION_RTOL)
            ),
            None,
        )
        if bad is None:
            return self._result(
                True,
                f"correct: your {self.function} equals the graph's "
                f"{self.target} on all {len(cases)} random nets (to "
                f"{FUNCTION_RTOL:g} relative)",
            )
        case = cases[bad]
        args = dict(
            zip(self.signature.split("(")[1].rstrip(")").replace(" ", "").split(","), case.args)
        )
        point = {k: functions.show(v) for k, v in args.items()}
        witness = Witness(
            point, functions.show(mine[bad]), functions.show(case.truth), where=case.where
        )
        mistake = None
        for m, out in zip(self.mistakes, theirs):
            if out is not None and all(
                functions.close(a, b, FUNCTION_RTOL) for a, b in zip(mine, out)
            ):
                mistake = m
                break
        return self._result(
            False,
            f"wrong on net {bad + 1} of {len(cases)}: your {self.function} "
            f"is not the graph's {self.target}",
            witness=witness,
            mistake=mistake,
        )
