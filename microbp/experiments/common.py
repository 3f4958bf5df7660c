"""What the experiments share: seed lists, name checks, JSON numbers.

Private to :mod:`microbp.experiments` (no ``__all__``): the public API is each experiment's.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

from microbp import checks


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


def check_names(names, table, what: str) -> tuple[str, ...]:
    """One name or a list of names, each a key of ``table``, as a tuple (a clear error else)."""
    if isinstance(names, str):
        names = (names,)
    names = tuple(names)
    if not names:
        raise ValueError(f"expected at least one {what}")
    for name in names:
        checks.choice(what, name, table)
    return names


def json_float(x: float) -> float | None:
    """JSON has no nan or inf: they become null."""
    return x if math.isfinite(x) else None
