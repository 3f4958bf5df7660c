"""The one home for checking what a user hands the core: sizes, W/b shapes, samples, batches,
seeds and numbers.

Every check raises an error that names the problem and the expected form in the tutorial's terms
("MLP expects 3 inputs (n₁ = 3), got 2"), before anything is changed. ``TypeError`` when the
thing is of the wrong kind (a dict where a sequence of numbers belongs), ``ValueError`` when
it has the wrong size or value (a NaN, a negative seed, a W⁽ˡ⁾ of the wrong shape).

How a batch is read (:func:`batch`, the one rule for :func:`microbp.bp.backprop`,
:func:`microbp.fit` and :func:`microbp.train.accuracy`): X has shape (N, n₁) and Y shape
(N, n_L), one sample per row. A 1-D array is read as a column of numbers when the layer has
one neuron (n = 1: N samples of one number each, ``[0, 1, 1, 0]`` for XOR's targets), and as
one sample otherwise (n > 1: a row of n numbers). The two readings agree where both apply
(n = 1 and one number), so no input is read two ways.

This module imports only numpy, the standard library, :mod:`microbp.activations`,
:mod:`microbp.numtypes` and :mod:`microbp.engine`, so every core module above those can use it.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection, Mapping, Sequence, Set

import numpy as np

from microbp import activations as _activations
from microbp import numtypes
from microbp.engine import Value

__all__ = [
    "choice",
    "brief",
    "unknown",
    "FLOAT_MAX",
    "NotARealNumber",
    "integer",
    "seed",
    "sizes",
    "activations",
    "weights",
    "finite",
    "weight",
    "sample",
    "batch",
]

#: The largest finite float64; a weight beyond it cannot enter a float computation.
FLOAT_MAX = numtypes.FLOAT_MAX


class NotARealNumber(TypeError, ValueError):
    """An input or target that is not a real number (complex, text, a bool, None): a
    ``TypeError`` (the wrong kind of thing) and a ``ValueError`` (a bad value in the data),
    so that either ``except`` catches it from every check (:func:`sample`, :func:`batch`)."""


def brief(value) -> str:
    """``repr(value)``, cut to 60 characters: what an error message quotes of an input."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def choice(what: str, name, choices: Collection[str], error: type[ValueError] = ValueError) -> str:
    """``name`` when it is one of ``choices`` (a table's keys, a tuple of names); else ``error``
    (a ValueError) naming it and the choices. A value that is not a ``str`` (a list, None)
    gets the same message, never the TypeError of an unhashable key.

    >>> choice("loss", "hinge", ["squared_error", "cross_entropy"])
    Traceback (most recent call last):
    ValueError: unknown loss 'hinge'; expected one of: squared_error, cross_entropy
    """
    if isinstance(name, str) and name in choices:
        return name
    raise error(unknown(what, name, choices))


def unknown(what: str, name, choices) -> str:
    """The one message for a name that is none of ``choices`` (see :func:`choice`)."""
    return f"unknown {what} {brief(name)}; expected one of: {', '.join(choices)}"


def integer(name: str, value, lo: int, hi: int | None = None) -> int:
    """``value`` as an int in lo…hi (``hi=None``: no upper bound), else a ValueError naming
    ``name`` and the range. ``bool`` is not an integer here."""
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if ok and value >= lo and (hi is None or value <= hi):
        return int(value)
    bound = f"{lo}…{hi}" if hi is not None else f"≥ {lo}"
    raise ValueError(f"{name} must be an integer {bound}, got {value!r}")


def seed(value, name: str = "seed") -> int:
    """A seed of ``random.Random`` or ``numpy.random.default_rng``: an integer ≥ 0."""
    return integer(name, value, 0)


def sizes(value) -> list[int]:
    """The layer sizes ``[n₁, …, n_L]``: a list of at least two integers ≥ 1."""
    if isinstance(value, (str, bytes, Mapping, Set)) or not isinstance(value, Sequence):
        raise ValueError(
            f"sizes must be a list [n₁, …, n_L] of layer sizes (integers ≥ 1), got {value!r:.60}"
        )
    if len(value) < 2:
        raise ValueError(
            f"sizes: an MLP needs at least 2 layers (input and output), got {list(value)!r}"
        )
    out = []
    for l, n in enumerate(value, start=1):
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError(
                f"sizes: layer {l} must have a size ≥ 1 (an integer), got n_{l} = {n!r}"
            )
        out.append(int(n))
    return out


def activations(spec, L: int, n_L: int | None = None) -> list:
    """The activation of each layer 2…L from one name (or
    :class:`~microbp.activations.Activation`) for every layer, or a list of one per layer.

    The one check of an activation list: :class:`~microbp.MLP`, the model file, the lab and
    the command line all call it. The last layer may also be ``"softmax"``
    (:data:`~microbp.activations.SOFTMAX`), given its size ``n_L`` ≥ 2 (unknown: 2); softmax
    anywhere else is refused. An unknown name is named, with its layer when a list was given.
    """
    one = isinstance(spec, (str, _activations.Activation, _activations.Softmax))
    if one:
        names = [spec] * (L - 1)
    else:
        if isinstance(spec, (bytes, Mapping, Set)) or not isinstance(spec, Sequence):
            raise ValueError(
                f"activation must be one name for every layer 2…L or a list of one name per "
                f"layer ({L - 1} names), each one of: {', '.join(_activations.ACTIVATIONS)}; "
                f"got {spec!r:.60}"
            )
        if len(spec) != L - 1:
            raise ValueError(
                f"expected one activation per layer 2…L ({L - 1} names), got {len(spec)}: "
                f"{spec!r:.80}"
            )
        names = list(spec)
    _activations.check_softmax(names, 2 if n_L is None else n_L)
    found = []
    for l, name in enumerate(names, start=2):
        try:
            found.append(_activations.output(name) if l == L else _activations.get(name))
        except ValueError:
            where = "" if one else f" for layer {l}"
            raise ValueError(
                f"unknown activation {name!r:.40}{where}; expected one of: "
                f"{', '.join(_activations.ACTIVATIONS)} (or softmax for the output layer)"
            ) from None
    return found


def _rows(M) -> bool:
    """True when M can be a matrix: a sized, indexable container that is not text or a map."""
    return (
        hasattr(M, "__len__")
        and hasattr(M, "__getitem__")
        and not isinstance(M, (str, bytes, Mapping))
    )


def weights(W, b, layer_sizes: Sequence[int] | None = None) -> list[int]:
    """Check the shapes of W⁽ˡ⁾ and b⁽ˡ⁾ (keyed by l = 2…L) and return ``[n₁, …, n_L]``.

    ``W[l]`` must be an n_l × n_{l−1} matrix (a list of n_l rows of n_{l−1} entries, or an
    array) and ``b[l]`` a list of n_l entries. Without ``layer_sizes`` the sizes are read off
    the shapes (n₁ from the columns of W⁽²⁾, n_l from the rows of W⁽ˡ⁾) and each W⁽ˡ⁾ must
    have as many columns as W⁽ˡ⁻¹⁾ has rows; with them, every shape must match. The entries
    are not looked at (see :func:`weight`).
    """
    layers = list(range(2, len(W) + 2)) if isinstance(W, Mapping) else []
    if not layers or set(W) != set(layers):  # sets: keys of mixed types do not sort
        keys = list(W) if isinstance(W, Mapping) else type(W).__name__
        raise ValueError(
            f"W must be a dict keyed by the layers 2…L, e.g. {{2: [[…]], 3: [[…]]}}, got {keys!r}"
        )
    if not isinstance(b, Mapping) or set(b) != set(layers):
        keys = list(b) if isinstance(b, Mapping) else type(b).__name__
        raise ValueError(f"b must be a dict with the same layers as W ({layers!r}), got {keys!r}")
    L = len(W) + 1
    if layer_sizes is not None and len(layer_sizes) != L:
        raise ValueError(f"W and b must have the layers 2…{len(layer_sizes)}, got 2…{L}")
    found = list(layer_sizes) if layer_sizes is not None else None
    n_prev = None if found is None else found[0]
    for l in range(2, L + 1):
        M = W[l]
        rows = len(M) if _rows(M) else 0
        first = M[0] if rows else None
        cols = len(first) if first is not None and _rows(first) else 0
        if found is not None:
            n, m = found[l - 1], found[l - 2]
            form = f"W[{l}] must be n_{l} × n_{l - 1} = {n} × {m} (a list of {n} rows of {m})"
        else:
            n, m = rows, (cols if n_prev is None else n_prev)
            form = f"W[{l}] must be a non-empty n_{l} × n_{l - 1} matrix"
        if rows == 0 or cols == 0:
            raise ValueError(form)
        if not all(_rows(r) and len(r) == cols for r in M):
            raise ValueError(f"{form}; its rows differ in length")
        if found is None and n_prev is not None and cols != n_prev:
            raise ValueError(
                f"W[{l}] has {cols} columns but layer {l - 1} has {n_prev} neurons "
                f"(W[{l}] must be n_{l} × n_{l - 1} = {rows} × {n_prev})"
            )
        if (rows, cols) != (n, m):
            raise ValueError(f"{form}, got {rows} × {cols}")
        col = b[l]
        if not _rows(col) or len(col) != n:
            got = len(col) if _rows(col) else type(col).__name__
            raise ValueError(f"b[{l}] must have n_{l} = {n} entries, got {got}")
        n_prev = n
    return [len(W[2][0])] + [len(W[l]) for l in range(2, L + 1)]


finite = numtypes.is_finite  # finite and within float64's range, for every number type


def weight(x, where: str):
    """A weight or bias: a real number, finite and within float64's range (|w| ≤ 1.8e308),
    so that every computation (the graph, the δ formulas in float64, the optimizers) can use it."""
    numtypes.as_number(x, where)  # a TypeError for anything but a real number
    if not finite(x):
        nan_or_inf = numtypes.is_nan_or_inf(x)
        what = "not finite" if nan_or_inf else "too large for a float (|w| ≤ 1.8e308)"
        raise ValueError(f"{where} = {x!r:.40} is {what}: weights must be finite numbers")
    return x


def sample(
    x,
    n: int,
    what: str = "MLP",
    noun: str = "inputs",
    dim: str = "n₁",
    values: bool = True,
) -> list:
    """One sample for a net: a sequence (list, tuple, 1-D array) of n numbers, in order,
    returned as a list. ``what`` names the caller ("" for none), ``noun`` and ``dim`` what
    is counted ("MLP expects 3 inputs (n₁ = 3), got 2"; "expected 2 targets (n_L = 2)").

    The one rule for a sample's entries, on the graph (``net.forward``), in the index form
    (:func:`microbp.bp.index_form`) and, row by row, in the matrix form (:func:`batch`):
    real numbers (:data:`microbp.numtypes.ACCEPTED`; not complex, text or bool:
    :class:`NotARealNumber`), finite (not NaN or ±∞: ``ValueError``). Entries may be
    Values when ``values`` is true (the graph's inputs; their ``.data`` is checked). Dicts
    and sets are refused (their order is not the inputs').
    """
    expects = f"{what} expects" if what else "expected"
    plain = type(x) is list or type(x) is tuple  # the common case: no ABC checks (slow)
    if not plain and (isinstance(x, (str, bytes, Mapping, Set)) or not _rows(x)):
        raise TypeError(
            f"{expects} {noun}: a sequence of {n} numbers{' or Values' if values else ''} in "
            f"order ({dim} = {n}), got {type(x).__name__}"
        )
    if len(x) != n:
        raise ValueError(f"{expects} {n} {noun} ({dim} = {n}), got {len(x)}")
    xs = list(x)
    for j, xj in enumerate(xs, start=1):
        v = xj.data if values and isinstance(xj, Value) else xj  # (numpy's .data: a buffer)
        if type(v) is float and math.isfinite(v):  # the common case, first
            continue
        whose = f"{what or 'the'} {noun}"
        try:
            numtypes.as_number(v, whose)
        except TypeError:
            raise NotARealNumber(
                f"{whose} must hold real numbers ({numtypes.ACCEPTED}): entry {j} is "
                f"{type(v).__name__} {v!r:.40}"
            ) from None
        if numtypes.is_nan_or_inf(v):
            raise ValueError(f"{what or 'the'} {noun}: entry {j} is {v!r}; expected finite numbers")
    return xs


def batch(M, n: int, what: str, dim: str) -> np.ndarray:
    """Rows of samples as a float64 array of shape (N, n), N ≥ 1, every entry finite.

    ``what`` and ``dim`` name the array and its width in messages ("X", "n₁"). A 1-D array
    is a column when n = 1 and one row otherwise (module docstring). Its entries follow the
    rule of :func:`sample`: complex numbers, booleans, text and non-numbers are refused
    (:class:`NotARealNumber`), not converted; NaN and ±∞ too (``ValueError``).
    """
    if (  # the common case, already a float64 batch: one pass over it, no copy
        type(M) is np.ndarray
        and M.dtype == np.float64
        and M.ndim == 2
        and M.shape[1] == n
        and M.shape[0]
        and np.isfinite(M).all()
    ):
        return M
    form = f"{what} must have shape (N, {dim}) = (N, {n}) with N ≥ 1"
    try:
        raw = np.asarray(M)
    except (TypeError, ValueError):  # ragged rows
        raise ValueError(f"{what} must be numeric with rows of equal length; {form}") from None
    if raw.dtype.kind == "c":
        raise NotARealNumber(f"{what} must hold real numbers, got complex ones; {form}")
    if raw.dtype.kind == "b" or (not isinstance(M, np.ndarray) and _holds_a_bool(M)):
        raise NotARealNumber(f"{what} must hold real numbers, got booleans; {form}")
    if raw.dtype.kind not in "iufO":
        raise NotARealNumber(f"{what} must be numeric, got {raw.dtype} entries; {form}")
    if raw.dtype.kind == "O":  # e.g. Fractions: numbers only (float("1.5") would read text)
        for v in raw.flat:
            if not isinstance(v, numbers.Real) or isinstance(v, bool):
                raise NotARealNumber(
                    f"{what} must hold real numbers, got {type(v).__name__} {v!r:.30}; {form}"
                )
    try:
        A = np.array(raw, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(
            f"{what} must be numeric (real numbers within float range); {form}"
        ) from None
    if A.ndim == 1:
        A = A.reshape(-1, 1) if n == 1 else A.reshape(1, -1)
    if A.ndim != 2 or A.shape[1] != n or A.shape[0] == 0:
        raise ValueError(f"{form}, got {np.shape(M)}")
    if not np.all(np.isfinite(A)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(A))[0])
        raise ValueError(
            f"{what} must hold finite numbers: {what}[{bad[0]}, {bad[1]}] = {float(A[bad])!r}"
        )
    return A


def _holds_a_bool(M) -> bool:
    """True when the nested lists M hold a bool, which numpy would read as 0 or 1 beside
    floats (``[[True, 0.5]]``); the rule of :func:`sample` refuses it."""
    try:
        flat = np.asarray(M, dtype=object).flat
    except (TypeError, ValueError):
        return False
    return any(isinstance(v, (bool, np.bool_)) for v in flat)
