"""What the experiments share: seed lists, argument types and the checks before a plot.

Private to :mod:`microbp.experiments` (no ``__all__``): the public API is each experiment's.
"""

from __future__ import annotations

import argparse
import numbers
import os
from collections.abc import Sequence

from microbp.files import check_writable

PLOT_MISSING = (
    "--plot needs matplotlib, which is not installed; install it with "
    "pip install 'microbp[plot]' (or pip install matplotlib)"
)


def parse_seeds(seeds) -> list[int]:
    """A count n (→ seeds 0 … n−1) or an explicit list of integer seeds ≥ 0, as a list."""
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, bool):
        if seeds < 1:
            raise ValueError(f"seeds must be ≥ 1 (the number of seeds), got {seeds}")
        return list(range(int(seeds)))
    seeds_ = list(seeds)
    if not seeds_ or not all(
        isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 0 for s in seeds_
    ):
        raise ValueError(f"seeds must be a count ≥ 1 or a list of integers ≥ 0, got {seeds!r}")
    return [int(s) for s in seeds_]


def seeds_text(seeds: Sequence[int]) -> str:
    """``0…4`` for a run of consecutive seeds, else ``1, 5, 9``."""
    if len(seeds) > 2 and list(seeds) == list(range(seeds[0], seeds[-1] + 1)):
        return f"{seeds[0]}…{seeds[-1]}"
    return ", ".join(str(s) for s in seeds)


def positive_int(text: str) -> int:
    """An argparse type: an integer ≥ 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer ≥ 1, got {text!r}")
    return value


def figure_class():
    """matplotlib's ``Figure`` (no pyplot, no display needed), or an ImportError saying how."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(PLOT_MISSING) from None
    return Figure


def check_plot_path(path: str, example: str) -> None:
    """A clear ValueError, before any work, if ``path`` cannot take the plot."""
    from matplotlib.backend_bases import FigureCanvasBase

    kinds = FigureCanvasBase.get_supported_filetypes()
    ext = os.path.splitext(path)[1].lstrip(".").lower()
    if ext not in kinds:
        raise ValueError(
            f"cannot tell the image format of {path!r}: expected a file name ending in one of "
            + ", ".join("." + k for k in sorted(kinds))
            + f" (e.g. {example})"
        )
    check_writable(path, "the plot")
