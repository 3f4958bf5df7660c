"""The one result-grid type of the experiments: cells keyed by named axes.

An experiment's result is a grid: rows × columns of cells (``vanishing``: activation × init;
its training speed: activation × init × optimizer; ``rprop-bench``: problem × algorithm),
each cell a record with its own ``to_dict()``. :class:`ResultGrid` holds the run's settings
(``config``) and its cells in run order; it finds a cell by its key (:meth:`ResultGrid.cell`),
lists each axis's labels in run order (:meth:`ResultGrid.labels`), and gives the plain data
(:meth:`ResultGrid.to_dict`, :meth:`ResultGrid.to_json`) and the readable table
(:meth:`ResultGrid.table`, drawn by :mod:`microbp.experiments.report`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, ClassVar

__all__ = ["ResultGrid"]


@dataclass(frozen=True)
class ResultGrid:
    """Cells keyed by the attributes named in :attr:`axes`, and the settings of the run.

    A subclass names its ``experiment`` (the ``"experiment"`` key of :meth:`to_dict`) and its
    ``axes`` (the cell attributes that identify a cell, in the order :meth:`cell` takes them).
    """

    config: dict
    cells: tuple

    experiment: ClassVar[str] = ""
    axes: ClassVar[tuple[str, ...]] = ()

    def key(self, cell) -> tuple:
        """The cell's position: its value on each axis."""
        return tuple(getattr(cell, axis) for axis in self.axes)

    def cell(self, *key: Any):
        """The cell at ``key`` (one value per axis, in the order of :attr:`axes`); a
        ``KeyError`` naming the key if the run did not include it."""
        for c in self.cells:
            if self.key(c) == key:
                return c
        where = ", ".join(f"{axis} {value!r}" for axis, value in zip(self.axes, key))
        raise KeyError(f"no result for {where}")

    def labels(self, axis: str) -> list:
        """The values of ``axis`` in run order, each once."""
        return list(dict.fromkeys(getattr(c, axis) for c in self.cells))

    def to_dict(self) -> dict:
        """Plain data for ``--json``: ``{"experiment", "config", "results"}``."""
        return {
            "experiment": self.experiment,
            "config": dict(self.config),
            "results": [c.to_dict() for c in self.cells],
        }

    def to_json(self) -> str:
        """:meth:`to_dict` as JSON (nan and inf are null there, never ``NaN``)."""
        return json.dumps(self.to_dict(), indent=2, allow_nan=False)

    def table(self) -> str:
        """The readable report (:mod:`microbp.experiments.report` draws it)."""
        from microbp.experiments import report

        return report.table(self)
