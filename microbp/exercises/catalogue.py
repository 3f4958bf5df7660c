"""The catalogue: the exercises in the tutorial's order, each with its statement, the section
of docs/derivation.md it practises, a reference solution, the usual mistakes and a hint.

The text is data, in ``catalogue.toml`` next to this module (one ``[[exercise]]`` table each,
its mistakes below it; ``$NAME`` stands for an entry of its ``[shared]`` table). What each
exercise computes (its graph on symbols, its number, its random cases) is :data:`CODE`, by id.

The reference solutions are only shown; a learner's answer is judged by the engine and the
prover (:mod:`microbp.exercises.kinds`), and the tests judge every reference solution the
same way.
"""

from __future__ import annotations

import string
from functools import partial
from importlib import resources

from microbp.exercises import graphs
from microbp.exercises.kinds import Exercise, FormulaExercise, FunctionExercise, NumberExercise
from microbp.exercises.verdict import Mistake

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser, as a package (setup.cfg)
    import tomli as tomllib

__all__ = ["EXERCISES"]

#: The kinds of exercise, by the name ``kind`` takes in the catalogue.
KINDS = {"formula": FormulaExercise, "number": NumberExercise, "function": FunctionExercise}

#: What each exercise computes, by id: a formula exercise's graph on symbols (``build``), a
#: number exercise's number and the values its mistakes' formulas use (``compute``,
#: ``values``), a function exercise's random nets (``cases``).
CODE: dict[str, dict] = {
    "forward-z": {"build": graphs.forward_z},
    "cost-gradient": {"build": graphs.cost_gradient},
    "batch-mean": {"cases": graphs.batch_cases},
    "chain-rule": {"compute": graphs.chain_rule, "values": graphs.chain_rule_values},
    "bp1": {"build": graphs.bp1},
    "output-weight": {"build": graphs.output_weight},
    "bce-sigmoid": {"build": graphs.bce_sigmoid},
    "ce-softmax": {"build": graphs.ce_softmax},
    "bp2": {"build": graphs.bp2},
    "bp3": {"build": partial(graphs.bp34, "w")},
    "bp4": {"build": partial(graphs.bp34, "b")},
    "bp2-matrix": {"cases": graphs.bp2_cases},
    "bp3-matrix": {"cases": graphs.bp3_cases},
    "tutorial-delta": {"compute": graphs.tutorial_delta, "values": graphs.tutorial_values},
    "sigmoid-prime": {"build": partial(graphs.derivative, "sigmoid")},
    "tanh-prime": {"build": partial(graphs.derivative, "tanh")},
    "sigma-bound": {"compute": graphs.sigma_bound},
    "softplus-prime": {"build": partial(graphs.derivative, "softplus")},
}


def load(data: dict, code: dict[str, dict]) -> list[Exercise]:
    """The exercises of a catalogue read from TOML, each given its ``code`` (by id); a
    ``ValueError`` when an id has no code or a code no exercise."""
    shared = data["shared"]

    def fill(fields: dict) -> dict:
        return {k: string.Template(v).substitute(shared) for k, v in fields.items()}

    exercises = []
    for entry in data["exercise"]:
        fields = {k: v for k, v in entry.items() if k not in ("kind", "mistake")}
        mistakes = tuple(Mistake(**fill(m)) for m in entry.get("mistake", ()))
        ex = KINDS[entry["kind"]](**fill(fields), mistakes=mistakes, **code.get(entry["id"], {}))
        exercises.append(ex)
    ids = [e.id for e in exercises]
    if sorted(ids) != sorted(code):
        raise ValueError(f"the catalogue's ids {ids} and the code's {list(code)} differ")
    return exercises


_DATA = tomllib.loads(
    resources.files(__package__).joinpath("catalogue.toml").read_text(encoding="utf-8")
)
#: The section links and wordings several exercises share (``$NAME`` in the catalogue).
SHARED: dict[str, str] = _DATA["shared"]
#: The exercises, in the tutorial's order.
EXERCISES: list[Exercise] = load(_DATA, CODE)
