"""One result-grid type: both experiments' results are ``ResultGrid``s, found and listed the
same way, and their tables come from ``experiments.report``."""

from __future__ import annotations

import pytest

from microbp.experiments import report, rprop_bench, vanishing
from microbp.experiments.grid import ResultGrid


@pytest.fixture(scope="module")
def grids():
    stats = vanishing.gradient_statistics(
        depth=2, width=3, seeds=1, activations=["tanh", "relu"], inits=["he", "small"], n=16
    )
    speed = vanishing.training_speed(
        depth=2, width=3, seeds=1, activations=["tanh"], inits=["he"], max_epochs=3, n=16
    )
    bench = rprop_bench.benchmark(
        problems=["xor"], algorithms=["GD", "iRprop-"], seeds=1, gd_lrs=[2.0], max_epochs=3
    )
    return stats, speed, bench


def test_every_experiment_result_is_a_result_grid(grids):
    for grid in grids:
        assert isinstance(grid, ResultGrid)
        assert grid.table() == report.table(grid)
        assert grid.to_dict()["experiment"] == grid.experiment
        assert len(grid.to_dict()["results"]) == len(grid.cells)


def test_cells_are_found_by_their_key_and_labels_keep_run_order(grids):
    stats, speed, bench = grids
    assert stats.labels("activation") == ["tanh", "relu"] == stats.activations
    assert stats.inits == ["he", "small"]
    c = stats.cell("relu", "small")
    assert (c.activation, c.init) == ("relu", "small")
    assert speed.cell("tanh", "he") is speed.cell("tanh", "he", "gd")  # first optimizer
    assert bench.cell("xor", "iRprop-").algorithm == "iRprop-"


@pytest.mark.parametrize(
    "which, key, message",
    [
        (0, ("sigmoid", "he"), "no result for activation 'sigmoid', init 'he'"),
        (1, ("tanh", "xavier", "gd"), "init 'xavier', optimizer 'gd'"),
        (2, ("xor", "SGD"), "no result for problem 'xor', algorithm 'SGD'"),
    ],
)
def test_a_cell_that_was_not_run_is_a_key_error_naming_it(grids, which, key, message):
    with pytest.raises(KeyError, match=message):
        grids[which].cell(*key)
