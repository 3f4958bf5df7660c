"""The node-by-node backward stepper's data, read off :func:`microbp.viz.trace_backward`.

The one place the lab uses :mod:`microbp.viz`: it traces the backward pass of E for the sample
on show and turns each recorded step (the node, its upstream gradient ∂E/∂node, and for each
input the local derivative, its rule, the contribution local × upstream and the input's grad
before and after) into plain JSON for the page, with the text that explains it
(:func:`microbp.viz.trace.explain`, the stepper page's own words): the page only displays it.
"""

from __future__ import annotations

from microbp import losses
from microbp.viz import MAX_NODES, trace_backward
from microbp.viz.trace import explain, intro

__all__ = ["steps", "MAX_STEPS", "INTRO"]

#: Traces of more steps than this are refused (the page would not be stepped through anyway).
MAX_STEPS = MAX_NODES

#: What the stepper says before the first step (the same words as the stepper page's).
INTRO = intro("E")


def steps(net, x, y, loss="squared_error") -> list[dict]:
    """The backward pass of E for (x, y), step by step, as JSON-ready data; E is ``loss``
    (a name of :mod:`microbp.losses`; the tutorial's ½‖y − a⁽ᴸ⁾‖² by default).

    A step of a z-node carries ``neuron = [l, i]``: its upstream gradient is δᵢ⁽ˡ⁾ (``delta``,
    shown as ``δ₁⁽²⁾``; names are in the Unicode form, as everywhere microbp shows them).
    Raises ``ValueError`` past :data:`MAX_STEPS` steps.
    """
    fw = net.forward(x)
    E = losses.get(loss).sample(y, fw.z[net.L], fw.output)
    E.label = "E"
    trace = trace_backward(E, forward=fw)
    if len(trace) > MAX_STEPS:
        raise ValueError(
            f"the backward pass has {len(trace)} steps, more than the stepper shows "
            f"({MAX_STEPS}); try a smaller net"
        )
    out = []
    for s in trace:
        d = s.delta  # δᵢ⁽ˡ⁾ as data (microbp.names.Name), shown in the Unicode form
        out.append(
            {
                "number": s.number,
                "node": s.name,
                "op": s.op,
                "upstream": float(s.upstream),
                "delta": str(d) if d else "",
                "neuron": [d.l, d.i] if d else None,
                # the text that explains the step, made by microbp.viz.trace.explain (the
                # stepper page's words): the page only shows it
                "lines": [
                    {"kind": line.kind, "text": line.text}
                    for line in explain(trace, s, lambda v: repr(float(v)))
                ],
                "inputs": [
                    {
                        "name": inp.name,
                        "rule": inp.rule,
                        "local": float(inp.local),
                        "contribution": float(inp.contribution),
                        "before": float(inp.grad_before),
                        "after": float(inp.grad_after),
                    }
                    for inp in s.inputs
                ],
            }
        )
    return out
