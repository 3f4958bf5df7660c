"""Argument types shared by the ``microbp`` subcommands (``--net 3,4,2``, ``--activation``, …).

Each raises ``argparse.ArgumentTypeError`` with the expected form, so a bad value ends the
command with argparse's usage message and exit status 2.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Sequence

from microbp import checks
from microbp.activations import ACTIVATIONS
from microbp.nn import INITS


def layer_sizes(text: str) -> list[int]:
    """``"3,4,2"`` → ``[3, 4, 2]``: the layer sizes n₁, …, n_L (at least two, each ≥ 1)."""
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected layer sizes as comma-separated integers like 3,4,2, got {text!r}"
        ) from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(
            f"expected at least two layer sizes ≥ 1 like 3,4,2, got {text!r}"
        )
    return sizes


def activation_spec(text: str) -> list[str] | str:
    """``"tanh"`` or ``"relu,sigmoid"``: one activation name, or one per layer 2…L.

    The last name may be ``softmax`` (an output layer only); :func:`microbp.checks.activations`
    checks the names (the net's sizes, checked later, say whether they are one per layer)."""
    names = text.split(",")
    try:
        checks.activations(names[0] if len(names) == 1 else names, len(names) + 1)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{exc} (one name, or one per layer 2…L separated by commas)"
        ) from None
    return names[0] if len(names) == 1 else names


def positive_int(text: str) -> int:
    """An integer ≥ 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer ≥ 1, got {text!r}")
    return value


def step_eps(text: str) -> float:
    """The finite-difference step ε of ``check --eps``: a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(
            f"expected the finite-difference step ε as a finite number > 0 (e.g. 1e-6), "
            f"got {text!r}"
        )
    return value


def neuron(text: str) -> tuple[int, int]:
    """``"2,1"`` → ``(2, 1)``: layer l and neuron i (``--delta-flow``)."""
    try:
        l, i = (int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a layer and a neuron as l,i (like 2,1), got {text!r}"
        ) from None
    return l, i


def names(table: Sequence[str], what: str):
    """A type for a comma-separated subset of ``table`` (case-insensitive), as a tuple in
    ``table``'s spelling."""

    def parse(text: str) -> tuple[str, ...]:
        given = tuple(n.strip() for n in text.split(",") if n.strip())
        lookup = {n.lower(): n for n in table}
        bad = [n for n in given if n.lower() not in lookup]
        if not given or bad:
            raise argparse.ArgumentTypeError(
                f"unknown {what} {', '.join(map(repr, bad)) or repr(text)}; expected a "
                f"comma-separated list of: {', '.join(table)}"
            )
        return tuple(lookup[n.lower()] for n in given)

    return parse


#: ``--train-inits small,he``: a comma-separated list of initialisations.
init_list = names(tuple(INITS), "init")

# "-1,2", "-0.5", "-inf": a value, not an option (argparse takes only plain negative numbers)
_NEGATIVE_VALUE = re.compile(r"-(\d|\.\d|inf|nan)", re.IGNORECASE)


def negative_values_attached(argv: Sequence[str]) -> list[str]:
    """``["--net", "-1,2"]`` → ``["--net=-1,2"]``: a value that starts with a minus sign is
    the option's value, so its type can say what is wrong with it (argparse alone would
    report "expected one argument", taking ``-1,2`` for an option)."""
    out: list[str] = []
    for arg in argv:
        if out and _NEGATIVE_VALUE.match(arg) and out[-1].startswith("--") and "=" not in out[-1]:
            out[-1] = f"{out[-1]}={arg}"
        else:
            out.append(arg)
    return out


#: The help of every ``--activation``: the names, softmax among them.
ACTIVATION_HELP = (
    "one name, or one per layer 2…L separated by commas: "
    + ", ".join(ACTIVATIONS)
    + ", softmax (the output layer only: tanh,softmax)"
)


def add_activation_argument(parser: argparse.ArgumentParser) -> None:
    """``--activation`` of ``microbp check``, ``train`` and ``prove``: one name or one per
    layer 2…L."""
    parser.add_argument(
        "--activation", type=activation_spec, default="sigmoid", help=ACTIVATION_HELP
    )


def add_loss_argument(parser: argparse.ArgumentParser, help: str | None = None) -> None:
    """``--loss``: the cost E of ``microbp train``, ``check``, ``graph``, ``trace``, ``prove``
    and ``demo`` (``help``: the text, when the command picks the output layer itself)."""
    from microbp.losses import LOSSES

    parser.add_argument(
        "--loss",
        choices=list(LOSSES),
        default="squared_error",
        help=help
        or "E: squared_error (default, the tutorial's), binary_cross_entropy (a sigmoid "
        "output), cross_entropy (a softmax output: --activation tanh,softmax)",
    )
