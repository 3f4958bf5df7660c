"""Exercises that grade a learner's own derivation, for every weight, and name the mistake.

The catalogue (:data:`EXERCISES`, in the tutorial's order) asks for a formula, a number or a
Python function. The verdict comes from the engine, never from a stored answer string:

* a **formula** (typed in the names ``microbp demo`` prints: ``a_1^(2)``, ``w_11^(3)``,
  ``delta_1^(3)``, or ``δ₁⁽³⁾``) is *correct for every value* when the prover shows
  answer − truth ≡ 0, the truth being the engine's gradient on symbols; else it is wrong, with
  a witness point where the two differ;
* a **number** must be within 0.5 % of the engine's number;
* a **function** is run, in a child process with a time limit, on 120 random nets of random
  shapes and must give the graph's gradients to 1e-12.

A wrong answer equal to a catalogued mistake (for every value) is named, with the page that
explains it; otherwise the result carries a hint. Formulas are read by an allow-listed parser
(:mod:`microbp.exercises.formula`), never evaluated as code. Needs SymPy
(``pip install 'microbp[symbolic]'``).

>>> from microbp import exercises
>>> r = exercises.check("sigmoid-prime", "-2*a*(1 - a)")
>>> r.correct, r.mistake.name
(False, "the tutorial's erratum middle step")
>>> exercises.check("sigmoid-prime", "σ(z)*(1 − σ(z))").correct
True
"""

from __future__ import annotations

from microbp.exercises.catalogue import EXERCISES
from microbp.exercises.formula import BadAnswer
from microbp.exercises.kinds import Exercise, NumberExercise
from microbp.exercises.verdict import Mistake, Result, Witness

__all__ = [
    "EXERCISES",
    "BadAnswer",
    "Exercise",
    "Mistake",
    "Result",
    "Witness",
    "get",
    "check",
    "ids",
]


def ids() -> list[str]:
    """The exercises' ids, in the tutorial's order."""
    return [e.id for e in EXERCISES]


def get(exercise_id: str) -> Exercise:
    """The exercise called ``exercise_id``; a ``ValueError`` listing the ids otherwise."""
    for e in EXERCISES:
        if e.id == exercise_id:
            return e
    raise ValueError(f"no exercise {exercise_id!r}; the exercises are: {', '.join(ids())}")


def check(exercise_id: str, answer) -> Result:
    """The verdict on ``answer`` (text; a number; for a function exercise a function or its
    source): a :class:`Result` with ``.correct``, ``.witness``, ``.mistake``, ``.hint``, which
    renders itself as HTML in a notebook. An answer that cannot be read gives
    ``readable=False`` and a message saying why."""
    return get(exercise_id).check(answer)


def check_number(
    answer, truth: float, target: str, hint: str = "", mistakes=(), values=None
) -> Result:
    """The verdict on a number ``answer`` (text or a number) for ``target``, whose value the
    engine computed as ``truth``: correct within 0.5 % (the lab's practice mode asks this
    way). ``mistakes`` are :class:`Mistake` records whose answers are formulas of numbers in
    the names of ``values`` (a mapping name → number)."""
    ex = NumberExercise(
        id="number", title=target, statement="", section="docs/derivation.md", target=target,
        solution=repr(truth), hint=hint, mistakes=tuple(mistakes),
        compute=lambda: truth, values=(lambda: values) if values else None,
    )  # fmt: skip
    return ex.check(answer)
