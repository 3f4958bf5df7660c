"""Argument types shared by the ``microbp`` subcommands (``--net 3,4,2``, ``--activation``).

Each raises ``argparse.ArgumentTypeError`` with the expected form, so a bad value ends the
command with argparse's usage message and exit status 2.
"""

from __future__ import annotations

import argparse

from microbp.activations import ACTIVATIONS


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

    The last name may be ``softmax`` (an output layer only)."""
    names = text.split(",")
    for k, name in enumerate(names, start=1):
        if name == "softmax" and k == len(names):  # an output layer only (MLP checks it)
            continue
        if name not in ACTIVATIONS:
            raise argparse.ArgumentTypeError(
                f"unknown activation {name!r}; expected one of {', '.join(ACTIVATIONS)} "
                "(one name, or one per layer 2…L separated by commas)"
            )
    return names[0] if len(names) == 1 else names


def add_loss_argument(parser: argparse.ArgumentParser) -> None:
    """``--loss``: the cost E of ``microbp train`` and ``microbp check``."""
    from microbp.losses import LOSSES

    parser.add_argument(
        "--loss",
        choices=list(LOSSES),
        default="squared_error",
        help="E: squared_error (default, the seed's), binary_cross_entropy (a sigmoid "
        "output), cross_entropy (a softmax output: --activation tanh,softmax)",
    )
