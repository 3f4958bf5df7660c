"""The lab's practice mode: the learner's number for δᵢ⁽ˡ⁾ or ∂E/∂wᵢⱼ⁽ˡ⁾ of the net on show,
checked by the server against the graph's (``POST /api/practice``), then the explanation
of ``GET /api/why``.

The number is read by the exercises' allow-listed parser (a decimal or a formula of numbers,
never evaluated as code) and judged within 0.5 % of what ``E.backward()`` left on the node
(:func:`microbp.exercises.check_number`); two usual mistakes are named (the sign, and for a δ
the f′ forgotten; for a weight the aⱼ⁽ˡ⁻¹⁾ forgotten). Needs SymPy, like the exercises.
"""

from __future__ import annotations

from microbp import names
from microbp.lab.inputs import LabError
from microbp.lab.state import LabState

#: Longest answer the route reads, in characters.
MAX_ANSWER = 200
_KEYS = {"l", "i", "j", "answer"}
_FIELDS = '{"l": layer, "i": neuron, "j": neuron of layer l−1 (for an edge), "answer": "a number"}'


def check(lab: LabState, body) -> dict:
    """The verdict on ``body["answer"]`` for the neuron (l, i) or the edge (l, i, j), with the
    explanation (``why``) and both numbers."""
    if not isinstance(body, dict) or not {"l", "i", "answer"} <= set(body) <= _KEYS:
        raise LabError(f"practice expects {_FIELDS}")
    answer = body["answer"]
    if not isinstance(answer, str) or len(answer) > MAX_ANSWER:
        raise LabError(f"the answer must be text of at most {MAX_ANSWER} characters")
    try:
        from microbp import exercises
        from microbp.exercises.catalogue import SHARED
    except ImportError as exc:
        raise LabError(
            f"practice mode needs SymPy ({exc}): pip install 'microbp[symbolic]'"
        ) from None
    why = lab.why(body["l"], body["i"], body.get("j"))
    target, truth, hint, mistakes, values = _question(
        why, exercises.Mistake, SHARED["S6"], SHARED["S7"]
    )
    result = exercises.check_number(answer, truth, target, hint, mistakes, values)
    if not result.readable:
        raise LabError(result.message)
    return {
        "correct": result.correct,
        "message": str(result),
        "mistake": result.mistake.name if result.mistake else None,
        "yours": result.witness.yours if result.witness else None,
        "engine": truth,
        "target": target,
        "why": why,
    }


def _question(why: dict, M, S6: str, S7: str) -> tuple:
    """What is asked of a neuron (δ) or an edge (∂E/∂w): the name shown, the engine's number,
    the hint, the usual mistakes (each a formula of the true values) and those values."""
    l, i, j = why["l"], why["i"], why.get("j")
    if j is None:
        target, truth = str(names.delta(l, i)), why["delta_graph"]
        values = {"d": truth, "fp": why["fprime"]}
        mistakes = [M("the sign", "δ ≡ ∂E/∂z carries the sign of −(y − a)", S6, "-d")]
        if why["fprime"] != 0 and why.get("form") != "a - y":
            mistakes.append(M("f′ forgotten", "δ is ∂E/∂z: the chain rule goes through a = f(z)",
                              S7, "d/fp"))  # fmt: skip
        hint = (
            "BP-2: δᵢ⁽ˡ⁾ = (Σⱼ δⱼ⁽ˡ⁺¹⁾ wⱼᵢ⁽ˡ⁺¹⁾) f′(zᵢ⁽ˡ⁾)"
            if why["rule"] == "BP-2"
            else "BP-1: δᵢ⁽ᴸ⁾ = −(yᵢ − aᵢ⁽ᴸ⁾) f′(zᵢ⁽ᴸ⁾)"
        )
    else:
        target, truth = f"∂E/∂{names.w(l, i, j)}", why["dw_graph"]
        values = {"g": truth, "d": why["delta_graph"]}
        mistakes = [
            M("the sign", "BP-3 has no minus: δ carries the sign", S6, "-g"),
            M("aⱼ⁽ˡ⁻¹⁾ forgotten", "BP-3: ∂E/∂wᵢⱼ⁽ˡ⁾ = δᵢ⁽ˡ⁾ aⱼ⁽ˡ⁻¹⁾", S6, "d"),
        ]
        hint = "BP-3: ∂E/∂wᵢⱼ⁽ˡ⁾ = δᵢ⁽ˡ⁾ aⱼ⁽ˡ⁻¹⁾"
    return target, truth, hint, mistakes, values
