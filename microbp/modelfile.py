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
wrong: an empty file, a file that is not UTF-8 or not JSON (e.g. truncated, or nested deeper
than Python's parser goes), JSON that is not a microbp model, a missing or extra field, sizes
that are not positive integers, an unknown activation, a W⁽ˡ⁾ or b⁽ˡ⁾ of the wrong shape, a
weight that is not a number, not finite, or an exact integer or fraction too large for a
float (``1`` followed by 400 zeros). Sizes, shapes and numbers are checked by
:mod:`microbp.checks`, as for :meth:`microbp.MLP.from_weights`.

This module does not import :mod:`microbp.nn` (``nn`` imports it): :func:`from_json` and
:func:`load` build the net through the class they are given, ``cls.from_weights(W, b,
activation)``, which is how :meth:`microbp.MLP.load` calls them.
"""

from __future__ import annotations

import json
import math
import os
import re
from fractions import Fraction
from pathlib import Path

from microbp import checks, names
from microbp.activations import ACTIVATIONS
from microbp.files import write_atomic

__all__ = ["FORMAT", "VERSION", "to_json", "from_json", "save", "load"]

#: The file's "format" field.
FORMAT = "microbp.mlp"
#: The file's "version" field.
VERSION = 1

_FRACTION = re.compile(r"-?\d+/\d+")
_REQUIRED = ("format", "version", "sizes", "activations", "W", "b")
_OPTIONAL = ("init", "seed")


def _encode(x, where: names.Name):
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
    if not callable(getattr(net, "numbers", None)):
        raise TypeError(f"expected a microbp MLP to save, got {type(net).__name__}")
    W, b = net.numbers()
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "sizes": list(net.sizes),
        "activations": list(net.activations),
        "W": {
            str(l): [
                [_encode(w, names.w(l, i, j)) for j, w in enumerate(row, 1)]
                for i, row in enumerate(W[l], 1)
            ]
            for l in sorted(W)
        },
        "b": {str(l): [_encode(v, names.b(l, i)) for i, v in enumerate(b[l], 1)] for l in b},
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
    write_atomic(_path(path), text)


def _path(path) -> str:
    """``path`` as a str, or a TypeError saying what a path is."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"expected a file path (str or pathlib.Path) for the model file, "
            f"got {type(path).__name__}: {path!r:.40}"
        )
    return os.fspath(path)


class _NonFinite(ValueError):
    """NaN or ±Infinity in the file's text (the message is the one to show)."""


def _reject_constant(name: str):
    raise _NonFinite(f"non-finite number {name} (weights must be finite)")


def _decode(x, where: str):
    if isinstance(x, bool) or x is None:
        raise ValueError(f"{where} must be a number, got {json.dumps(x)}")
    if type(x) is int or type(x) is float:
        return checks.weight(x, where)  # 1e999 reads as inf; 10**400 does not fit a float
    if isinstance(x, str) and _FRACTION.fullmatch(x):
        num, den = x.split("/")
        try:
            num, den = int(num), int(den)
        except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
            raise ValueError(f"{where} has too many digits to be a weight") from None
        if den == 0:
            raise ValueError(f"{where} = {x!r} has a zero denominator")
        return checks.weight(Fraction(num, den), where)
    raise ValueError(
        f'{where} must be a number (or a fraction written "p/q"), got {json.dumps(x)[:40]}'
    )


def from_json(text: str, cls):
    """Build a net from a model file's text, after checking all of it.

    ``cls`` is the class to build, :class:`microbp.MLP` or a subclass (anything with
    ``cls.from_weights(W, b, activation)``); :meth:`microbp.MLP.load` passes itself.
    """
    if not isinstance(text, str):
        raise TypeError(f"expected the model file's text (a str), got {type(text).__name__}")
    if not callable(getattr(cls, "from_weights", None)):
        raise TypeError(f"expected the class to build (microbp.MLP or a subclass), got {cls!r:.40}")
    if not text.strip():
        raise ValueError("model file is empty")
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"model file is not valid JSON (truncated?): {exc.msg} at line {exc.lineno}, "
            f"column {exc.colno}"
        ) from None
    except RecursionError:
        raise ValueError(
            "model file is nested too deeply to read (a model file is a JSON object whose "
            "lists nest at most 2 levels)"
        ) from None
    except _NonFinite:
        raise
    except ValueError:  # an integer with more digits than Python converts
        raise ValueError("model file holds a number with too many digits to be a weight") from None
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

    sizes = checks.sizes(doc["sizes"])
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
    for key in ("W", "b"):
        part = doc[key]
        if not isinstance(part, dict) or sorted(part) != sorted(layers):
            raise ValueError(f"{key} must be an object keyed by the layers {', '.join(layers)}")
    checks.weights(
        {l: doc["W"][str(l)] for l in range(2, L + 1)},
        {l: doc["b"][str(l)] for l in range(2, L + 1)},
        sizes,
    )
    W = {
        l: [
            [
                _decode(w, f"W[{l}] row {i}, column {j} ({names.w(l, i, j)})")
                for j, w in enumerate(r, 1)
            ]
            for i, r in enumerate(doc["W"][str(l)], 1)
        ]
        for l in range(2, L + 1)
    }
    b = {
        l: [
            _decode(v, f"b[{l}] entry {i} ({names.b(l, i)})")
            for i, v in enumerate(doc["b"][str(l)], 1)
        ]
        for l in range(2, L + 1)
    }

    init, seed = doc.get("init", "small"), doc.get("seed", 0)
    if not isinstance(init, str):
        raise ValueError(f"init must be a string, got {json.dumps(init)[:40]}")
    seed = checks.seed(seed)

    net = cls.from_weights(W, b, activation=acts)
    net.init, net.seed = init, seed
    return net


def load(path, cls):
    """Read a model file written by :func:`save` and build it as ``cls`` (see
    :func:`from_json`); ``ValueError`` if anything in it is wrong."""
    data = Path(_path(path)).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"model file {str(path)!r} is not UTF-8 text") from None
    try:
        return from_json(text, cls)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
