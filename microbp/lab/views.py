"""What the lab's page shows besides the state's numbers, computed here so the page computes
nothing: the tutorial's name of every quantity (made by :mod:`microbp.names`, the one
formatter) and the decision boundary of a net of two inputs (its own outputs on a grid)."""

from __future__ import annotations

import functools

import numpy as np

from microbp import bp, names
from microbp.lab.inputs import LabError

__all__ = ["names_of", "why_names", "boundary", "GRID"]

#: The points per side of the decision boundary's grid (``GET /api/boundary``).
GRID = 48


@functools.lru_cache(maxsize=16)
def names_of(sizes: tuple[int, ...]) -> dict:
    """The names of every quantity of a net of ``sizes`` in the Unicode form, keyed as the
    state's numbers are (``["w"]["3"][0][1]`` is ``w₁₂⁽³⁾``, the name of ``W["3"][0][1]``);
    ``layer`` holds each layer's superscript ⁽ˡ⁾. Shared between states: never change it."""
    L = len(sizes)
    layers = range(2, L + 1)

    def per_neuron(make, ls):
        return {str(l): [str(make(l, i)) for i in range(1, sizes[l - 1] + 1)] for l in ls}

    return {
        "x": [str(names.x(i)) for i in range(1, sizes[0] + 1)],
        "y": [str(names.y(i)) for i in range(1, sizes[-1] + 1)],
        "z": per_neuron(names.z, layers),
        "a": per_neuron(names.a, range(1, L + 1)),
        "b": per_neuron(names.b, layers),
        "delta": per_neuron(names.delta, layers),
        "w": {
            str(l): [
                [str(names.w(l, i, j)) for j in range(1, sizes[l - 2] + 1)]
                for i in range(1, sizes[l - 1] + 1)
            ]
            for l in layers
        },
        "layer": {str(l): names.superscript(l) for l in range(1, L + 1)},
    }


def why_names(n: dict, l: int, i: int, j: int | None, L: int) -> dict:
    """The names ``GET /api/why`` writes its rule with, from :func:`names_of`'s ``n``:
    neuron i of layer l (and y of an output neuron), or the edge wᵢⱼ⁽ˡ⁾ with aⱼ⁽ˡ⁻¹⁾."""
    k = str(l)
    out = {kind: n[kind][k][i - 1] for kind in ("z", "a", "b", "delta")}
    if j is not None:
        out.update(w=n["w"][k][i - 1][j - 1], a_prev=n["a"][str(l - 1)][j - 1])
    elif l == L:
        out["y"] = n["y"][i - 1]
    return out


def boundary(net, X: np.ndarray, Y: np.ndarray, sample: int, version: int) -> dict:
    """The output of ``net`` (two inputs) on a :data:`GRID` × :data:`GRID` grid over the
    inputs X, computed by :func:`microbp.bp.forward_matrix`: ``out[r][c]`` is a₁⁽ᴸ⁾ at
    (``x1[c]``, ``x2[r]``) for one output neuron, else the index of the largest aₖ⁽ᴸ⁾
    (``kind``: ``"output"`` or ``"class"``); ``level``, the output midway between the
    targets (the decision boundary); the data's ``points`` and ``targets``, the ``sample``
    on show (1-based) and the state's ``version``. The page only colours it."""
    if net.sizes[0] != 2:
        raise LabError(
            f"the decision boundary is drawn for nets of 2 inputs, this one has n₁ = {net.sizes[0]}"
        )
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = np.maximum(0.1 * (hi - lo), 0.5)
    x1 = np.linspace(lo[0] - pad[0], hi[0] + pad[0], GRID)
    x2 = np.linspace(lo[1] - pad[1], hi[1] + pad[1], GRID)
    grid = np.array([[u, v] for v in x2 for u in x1])
    _, a = bp.forward_matrix(net, grid)
    out = a[net.L]
    if not np.all(np.isfinite(out)):
        raise LabError("the net's output is not finite on the whole grid")
    one = net.sizes[-1] == 1
    if one:
        values, targets = out[:, 0], Y[:, 0]
        level = float((Y[:, 0].min() + Y[:, 0].max()) / 2)
    else:
        values, targets, level = out.argmax(axis=1), Y.argmax(axis=1), None
    return {
        "kind": "output" if one else "class",
        "classes": int(net.sizes[-1]),
        "x1": x1.tolist(),
        "x2": x2.tolist(),
        "out": values.reshape(GRID, GRID).tolist(),
        "level": level,
        "points": X.tolist(),
        "targets": targets.tolist(),
        "sample": sample + 1,
        "version": version,
    }
