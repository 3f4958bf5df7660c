"""Saving and loading a net: a small JSON format, exact to the last bit.

The file is one JSON object::

    {
      "format": "microbp.mlp",
      "version": 1,
      "sizes": [3, 3, 2],
      "activations": ["sigmoid", "sigmoid"],        one name per layer l = 2…L
      "W": {"2": [[0.1, 0.2, -0.1], …], "3": …},    W⁽ˡ⁾ row by row, keyed by l
      "b": {"2": [0.1, 0.0, -0.1], "3": …},
      "init": "small", "seed": 0                     optional, what the net was made with
    }

Numbers. A float is written with Python's ``repr`` (the shortest decimal that reads back as
the same double), so a save/load round trip is bit-exact. An ``int`` stays an int. A
``fractions.Fraction`` is written as the string ``"p/q"`` (e.g. ``"-1/3"``) and read back as
the same Fraction, so exact nets stay exact. NaN and ±∞ are refused both ways.

Saving is atomic: the text is written to a temporary file in the same folder, flushed to
disk, then moved over the target with ``os.replace``. If anything fails, the old file (if
any) is untouched and the temporary file is removed.

Loading checks everything before building the net, and raises ``ValueError`` saying what is
wrong: an empty file, a file that is not UTF-8 or not JSON (e.g. truncated), JSON that is not
a microbp model, a missing or extra field, sizes that are not positive integers, an unknown
activation, a W⁽ˡ⁾ or b⁽ˡ⁾ of the wrong shape, a weight that is not a number or not finite.
"""

from __future__ import annotations

import json
import math
import re
from fractions import Fraction
from pathlib import Path

from microbp.activations import ACTIVATIONS
from microbp.files import write_atomic

__all__ = ["FORMAT", "VERSION", "to_json", "from_json", "save", "load"]

FORMAT = "microbp.mlp"
VERSION = 1

_FRACTION = re.compile(r"-?\d+/\d+")
_REQUIRED = ("format", "version", "sizes", "activations", "W", "b")
_OPTIONAL = ("init", "seed")


def _encode(x, where: str):
    t = type(x)
    if t is Fraction:
        return f"{x.numerator}/{x.denominator}"
    if t is int:
        return x
    if t is float:
        if not math.isfinite(x):
            raise ValueError(f"cannot save {where} = {x!r}: weights must be finite")
        return x
    raise ValueError(f"cannot save {where} = {x!r}: expected int, float or Fraction")


def to_json(net) -> str:
    """The model file's text for ``net`` (raises ValueError for a non-finite weight)."""
    W, b = net.numbers()
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "sizes": list(net.sizes),
        "activations": list(net.activations),
        "W": {
            str(l): [
                [_encode(w, f"w_{i},{j}^({l})") for j, w in enumerate(row, 1)]
                for i, row in enumerate(W[l], 1)
            ]
            for l in sorted(W)
        },
        "b": {str(l): [_encode(v, f"b_{i}^({l})") for i, v in enumerate(b[l], 1)] for l in b},
        "init": net.init,
        "seed": net.seed,
    }
    return _layout(doc)


def _layout(doc: dict) -> str:
    """JSON with one matrix row per line (readable, and still plain JSON)."""

    def dump(x) -> str:
        return json.dumps(x, allow_nan=False, ensure_ascii=False)

    lines = []
    for key, value in doc.items():
        if key in ("W", "b"):
            layers = []
            for l, M in value.items():
                if key == "W":
                    rows = ",\n".join(f"   {dump(r)}" for r in M)
                    layers.append(f"  {dump(l)}: [\n{rows}\n  ]")
                else:
                    layers.append(f"  {dump(l)}: {dump(M)}")
            lines.append(f" {dump(key)}: {{\n" + ",\n".join(layers) + "\n }")
        else:
            lines.append(f" {dump(key)}: {dump(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def save(net, path) -> None:
    """Write ``net`` to ``path`` atomically (temp file in the same folder + ``os.replace``)."""
    text = to_json(net)  # every check happens before the disk is touched
    write_atomic(path, text)


def _reject_constant(name: str):
    raise ValueError(f"non-finite number {name} (weights must be finite)")


def _decode(x, where: str):
    if isinstance(x, bool) or x is None:
        raise ValueError(f"{where} must be a number, got {json.dumps(x)}")
    if type(x) is int:
        return x
    if type(x) is float:
        if not math.isfinite(x):  # e.g. 1e999 reads as inf
            raise ValueError(f"{where} must be finite, got {x!r}")
        return x
    if isinstance(x, str) and _FRACTION.fullmatch(x):
        num, den = x.split("/")
        if int(den) == 0:
            raise ValueError(f"{where} = {x!r} has a zero denominator")
        return Fraction(int(num), int(den))
    raise ValueError(
        f'{where} must be a number (or a fraction written "p/q"), got {json.dumps(x)[:40]}'
    )


def from_json(text: str, cls=None):
    """Build an :class:`~microbp.MLP` from a model file's text, after checking all of it."""
    if cls is None:
        from microbp.nn import MLP as cls
    if not text.strip():
        raise ValueError("model file is empty")
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"model file is not valid JSON (truncated?): {exc.msg} at line {exc.lineno}, "
            f"column {exc.colno}"
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(
            f'not a microbp model file: expected a JSON object with "format": "{FORMAT}"'
        )
    missing = [k for k in _REQUIRED if k not in doc]
    if missing:
        raise ValueError(f"model file lacks the field(s) {', '.join(missing)}")
    extra = sorted(set(doc) - set(_REQUIRED) - set(_OPTIONAL))
    if extra:
        raise ValueError(f"model file has unknown field(s) {', '.join(extra)}")
    if type(doc["version"]) is not int or doc["version"] != VERSION:
        raise ValueError(f"model file version {doc['version']!r} is not supported (only {VERSION})")

    sizes = doc["sizes"]
    if (
        not isinstance(sizes, list)
        or len(sizes) < 2
        or not all(type(n) is int and n >= 1 for n in sizes)
    ):
        raise ValueError(
            f"sizes must be a list of at least two integers ≥ 1, got {json.dumps(sizes)[:60]}"
        )
    L = len(sizes)
    acts = doc["activations"]
    if not isinstance(acts, list) or len(acts) != L - 1:
        raise ValueError(f"activations must be a list of {L - 1} names, one per layer 2…{L}")
    for l, name in enumerate(acts, start=2):
        if name == "softmax" and l == L:  # an output layer only (MLP checks n_L ≥ 2)
            continue
        if not isinstance(name, str) or name not in ACTIVATIONS:
            raise ValueError(
                f"unknown activation {name!r} for layer {l}; expected one of "
                f"{', '.join(ACTIVATIONS)} (or softmax for the output layer {L})"
            )

    layers = [str(l) for l in range(2, L + 1)]
    W, b = {}, {}
    for key in ("W", "b"):
        part = doc[key]
        if not isinstance(part, dict) or sorted(part) != sorted(layers):
            raise ValueError(f"{key} must be an object keyed by the layers {', '.join(layers)}")
    for l in range(2, L + 1):
        n, m = sizes[l - 1], sizes[l - 2]
        rows = doc["W"][str(l)]
        if (
            not isinstance(rows, list)
            or len(rows) != n
            or not all(isinstance(r, list) and len(r) == m for r in rows)
        ):
            raise ValueError(f"W[{l}] must be n_{l} × n_{l - 1} = {n} × {m} (a list of {n} rows)")
        W[l] = [
            [_decode(w, f"W[{l}] row {i}, column {j}") for j, w in enumerate(r, 1)]
            for i, r in enumerate(rows, 1)
        ]
        col = doc["b"][str(l)]
        if not isinstance(col, list) or len(col) != n:
            raise ValueError(f"b[{l}] must be a list of n_{l} = {n} numbers")
        b[l] = [_decode(v, f"b[{l}] entry {i}") for i, v in enumerate(col, 1)]

    init, seed = doc.get("init", "small"), doc.get("seed", 0)
    if not isinstance(init, str):
        raise ValueError(f"init must be a string, got {json.dumps(init)[:40]}")
    if type(seed) is not int:
        raise ValueError(f"seed must be an integer, got {json.dumps(seed)[:40]}")

    net = cls.from_weights(W, b, activation=acts)
    net.init, net.seed = init, seed
    return net


def load(path, cls=None):
    """Read a model file written by :func:`save`; ``ValueError`` if anything in it is wrong."""
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"model file {str(path)!r} is not UTF-8 text") from None
    try:
        return from_json(text, cls)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
