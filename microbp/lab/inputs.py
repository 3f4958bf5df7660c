"""What a request may ask the lab for, checked: numbers, indices, sizes, activations, data
sets. Each check raises :class:`LabError` (HTTP 400) with a message that names the problem,
before anything changes; the numbers and sizes go through :mod:`microbp.checks`."""

from __future__ import annotations

import random

import numpy as np

from microbp import checks, data

__all__ = ["LabError", "Busy", "MAX_PARAMETERS", "MAX_LAYERS", "DATA_SETS"]

#: The largest net the lab takes (parameters, biases included): a page of a few thousand
#: edges is still readable, and every edit stays interactive.
MAX_PARAMETERS = 5000
#: The most layers L (input layer included).
MAX_LAYERS = 12

#: The data sets the lab offers: those of :data:`microbp.data.DATASETS`, with their default
#: arguments, and ``"random"``, one pair drawn as ``microbp check`` draws it (for any sizes).
DATA_SETS = (*data.DATASETS, "random")


class LabError(ValueError):
    """A request the lab refuses (HTTP 400); the message names the problem."""


class Busy(LabError):
    """A change asked for while training runs (HTTP 409)."""


def number(value, what: str) -> float:
    """A finite JSON number (not a boolean), as a float (:func:`microbp.checks.finite`)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise LabError(f"{what} must be a number, got {show(value)}")
    if not checks.finite(value):
        raise LabError(f"{what} must be a finite number, got {show(value)}")
    return float(value)


def integer(value, what: str, lo: int, hi: int) -> int:
    """An integer in lo…hi (:func:`microbp.checks.integer`); a float such as 2.0 is not one."""
    if isinstance(value, float):
        raise LabError(f"{what} must be an integer {lo}…{hi}, got {show(value)}")
    try:
        return checks.integer(what, value, lo, hi)
    except ValueError as exc:
        raise LabError(str(exc)) from None


def numbers(value, n: int, what: str) -> list[float]:
    if not isinstance(value, list):
        raise LabError(f"{what} must be a list of {n} numbers, got {show(value)}")
    if len(value) != n:
        raise LabError(f"{what} must have {n} numbers, got {len(value)}")
    return [number(v, f"{what}[{k}]") for k, v in enumerate(value, 1)]


show = checks.brief  # what a refusal quotes of a request: repr, at most 60 characters


def check_size(sizes: list[int]) -> None:
    """Refuse nets past :data:`MAX_LAYERS` layers or :data:`MAX_PARAMETERS` parameters."""
    if len(sizes) > MAX_LAYERS:
        raise LabError(f"the lab takes nets of at most {MAX_LAYERS} layers, got L = {len(sizes)}")
    n = sum(sizes[l] * sizes[l - 1] + sizes[l] for l in range(1, len(sizes)))
    if n > MAX_PARAMETERS:
        raise LabError(
            f"the net {sizes} has {n} parameters; the lab takes at most {MAX_PARAMETERS}"
        )


def check_sizes(value) -> list[int]:
    """Layer sizes (:func:`microbp.checks.sizes`) within the lab's limits."""
    if not isinstance(value, list):
        raise LabError(f"sizes must be a list of at least two integers ≥ 1, got {show(value)}")
    try:
        value = checks.sizes(value)
    except ValueError as exc:
        raise LabError(str(exc)) from None
    check_size(value)
    return value


def check_activations(value, L: int, n_L: int | None = None) -> list[str]:
    """One name for every layer, or a list of one name per layer 2…L; the last may be
    ``"softmax"`` (an output layer of n_L ≥ 2 neurons). The names are checked by
    :func:`microbp.checks.activations`, the one check of an activation list."""
    names = [value] * (L - 1) if isinstance(value, str) else value
    if not isinstance(names, list) or len(names) != L - 1:
        raise LabError(
            f"activation must be a list of {L - 1} names, one per layer 2…{L}, got {show(value)}"
        )
    try:
        fs = checks.activations(names, L, n_L)
    except ValueError as exc:
        raise LabError(str(exc)) from None
    return [f.name for f in fs]


def load_data(
    name, sizes: list[int], seed: int = 0, distribution: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """The data set ``name`` (default arguments) as float arrays, checked against ``sizes``.

    ``distribution``: the targets are for a softmax output (cross-entropy): the random pair's
    y is then scaled to sum to 1."""
    if name == "random":
        rng = random.Random(seed + 1)  # as `microbp check` draws its sample
        X = np.array([[rng.uniform(-1.0, 1.0) for _ in range(sizes[0])]])
        Y = np.array([[rng.uniform(0.0, 1.0) for _ in range(sizes[-1])]])
        if distribution:
            Y = Y / Y.sum()
        return X, Y
    if not isinstance(name, str) or name not in data.DATASETS:
        raise LabError(checks.unknown("data set", name, DATA_SETS))
    make, args, _ = data.DATASETS[name]
    X, Y = make(*args)
    if X.shape[1] != sizes[0] or Y.shape[1] != sizes[-1]:
        raise LabError(
            f"the data set {name} has {X.shape[1]} inputs and {Y.shape[1]} outputs, but the net "
            f"{sizes} has n₁ = {sizes[0]} and n_L = {sizes[-1]}"
        )
    return np.array(X, dtype=np.float64), np.array(Y, dtype=np.float64)


def default_sizes(name: str) -> list[int]:
    """The net sizes :data:`microbp.data.DATASETS` suggests for ``name``."""
    if name not in data.DATASETS:
        raise LabError(checks.unknown("data set", name, DATA_SETS))
    _, args, sizes = data.DATASETS[name]
    return list(sizes(*args))
