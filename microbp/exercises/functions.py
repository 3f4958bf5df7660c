"""Function answers: the learner's Python function run on random nets of random shapes, in a
child process with a time limit, against the graph's gradients (``E.backward()``).

Each function exercise makes its :class:`Case` list from random nets built by the engine;
:func:`run` sends the learner's source and the catalogued mistakes' to the child
(``_child.py``, a script that imports numpy only), which calls each function on every case
and returns the arrays; :func:`compare` and :func:`same_outputs` judge them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from microbp.exercises.formula import BadAnswer

__all__ = ["Case", "run", "close", "TIME_LIMIT", "NETS"]

#: Seconds the child may take for all nets (it is killed after that).
TIME_LIMIT = 30.0
#: How many random nets a function answer is run on.
NETS = 120
_CHILD = Path(__file__).with_name("_child.py")


@dataclass
class Case:
    """One random net: the arguments given to the function, the graph's answer, and where
    (``"net [3, 5, 2], l = 2"``)."""

    args: list
    truth: np.ndarray
    where: str


def run(source: str, function: str, mistakes: list[str], cases: list[Case]) -> list:
    """The outputs of the learner's ``source`` (first) and each mistake's on every case: a
    list per answer of ``np.ndarray`` or an error text; None for a mistake that did not load.

    Raises :class:`BadAnswer` when the learner's source cannot be read (a syntax error, no
    function ``function``) and ``TimeoutError`` after :data:`TIME_LIMIT` seconds."""
    job = {
        "function": function,
        "answers": [source, *mistakes],
        "cases": [[np.asarray(a).tolist() for a in c.args] for c in cases],
    }
    try:
        done = subprocess.run(
            [sys.executable, str(_CHILD)],
            input=json.dumps(job),
            capture_output=True,
            text=True,
            timeout=TIME_LIMIT,
        )
    except subprocess.TimeoutExpired:
        raise TimeoutError(
            f"the function did not finish {len(cases)} nets within {TIME_LIMIT:g} s"
        ) from None
    try:
        reply = json.loads(done.stdout)
    except ValueError:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise BadAnswer(f"the answer's code stopped its process: {tail[0]}") from None
    if "unreadable" in reply:
        raise BadAnswer(f"cannot use the answer's code: {reply['unreadable']}")
    outputs = []
    for per_answer in reply["results"]:
        if per_answer is None:
            outputs.append(None)
            continue
        outputs.append(
            [np.array(r["ok"], dtype=np.float64) if "ok" in r else r["error"] for r in per_answer]
        )
    return outputs


def close(mine, truth, rtol: float) -> bool:
    """``mine`` equals ``truth`` to ``rtol`` relative to truth's largest entry; a 1-D truth
    also takes a column or row of the same numbers."""
    if isinstance(mine, str) or isinstance(truth, str):
        return isinstance(mine, str) and isinstance(truth, str)
    truth = np.asarray(truth, dtype=np.float64)
    mine = np.asarray(mine, dtype=np.float64)
    if mine.shape != truth.shape:
        if truth.ndim == 1 and mine.size == truth.size and max(mine.shape, default=0) == mine.size:
            mine = mine.reshape(truth.shape)
        else:
            return False
    if not np.all(np.isfinite(mine)):
        return False
    scale = float(np.max(np.abs(truth), initial=0.0))
    return bool(np.all(np.abs(mine - truth) <= rtol * scale + 1e-300))


def show(value) -> str:
    """An array (or an error text) on one line, six significant digits."""
    if isinstance(value, str):
        return f"an error ({value})"
    return np.array2string(np.asarray(value), precision=6, separator=", ").replace("\n", "")
