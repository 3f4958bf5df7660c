"""The Rprop benchmark: the protocol, the tutorial's claim on fixed seeds (quick mode), JSON, CLI.

The claims are asserted on the quick mode's fixed seeds (0…7, XOR and 8-3-8, a budget of 500
epochs), the run ``microbp rprop-bench --quick`` prints. docs/rprop.md reports the full run
and says where it agrees with the tutorial and the literature and where it does not.
"""

from __future__ import annotations

import argparse
import io
import json

import numpy as np
import pytest

from microbp import MLP, bp, fit
from microbp.cli.app import main
from microbp.cli.experiments import run_rprop_bench
from microbp.experiments.rprop_bench import (
    ALGORITHMS,
    GD_LRS,
    PROBLEMS,
    QUICK,
    benchmark,
    run_cell,
    sgd_batch_size,
    sgd_lr,
)
from microbp.optim import RPROP_VARIANTS, Rprop


@pytest.fixture(scope="module")
def quick():
    return benchmark(**QUICK)


# --------------------------------------------------------------------------------------------
# The protocol


def test_the_problems_are_the_rprop_papers_with_their_nets_and_data():
    shapes = {name: (p.sizes, p.data()[0].shape, p.data()[1].shape) for name, p in PROBLEMS.items()}
    assert shapes == {
        "xor": ((2, 2, 1), (4, 2), (4, 1)),
        "8-3-8": ((8, 3, 8), (8, 8), (8, 8)),
        "10-5-10": ((10, 5, 10), (10, 10), (10, 10)),
        "12-2-12": ((12, 2, 12), (12, 12), (12, 12)),
        "parity6": ((6, 12, 1), (64, 6), (64, 1)),
        "spirals": ((2, 24, 24, 1), (96, 2), (96, 1)),
    }
    assert ALGORITHMS == ("GD", "SGD") + RPROP_VARIANTS


def test_a_converged_run_is_the_first_epoch_with_every_output_within_0_4():
    cell = run_cell("8-3-8", "iRprop-", seeds=range(4))
    X, Y = PROBLEMS["8-3-8"].data()
    converged = [r for r in cell.runs if r.converged]
    assert len(converged) >= 2
    for r in converged:
        assert r.stopped_by == "criterion"
        for epochs, expect in ((r.epochs, True), (r.epochs - 1, False)):
            net = MLP([8, 3, 8], "sigmoid", seed=r.seed, init="xavier")
            fit(net, X, Y, Rprop("iRprop-"), max_epochs=epochs, tol=0, gradients="formulas")
            O = bp.backprop(net, X, Y).a[net.L]
            assert bool(np.all(np.abs(O - Y) < 0.4)) is expect


def test_a_run_that_misses_the_budget_counts_as_not_converged():
    cell = run_cell("12-2-12", "GD", seeds=[0, 1], lr=2.0, max_epochs=20)
    assert [r.epochs for r in cell.runs] == [None, None]
    assert [r.stopped_by for r in cell.runs] == ["max_epochs"] * 2
    assert (cell.successes, cell.success_rate, cell.median_epochs, cell.mean_epochs) == (
        0,
        0.0,
        None,
        None,
    )


def test_median_and_mean_are_over_the_converged_runs():
    cell = run_cell("xor", "GD", seeds=range(6), lr=8.0, max_epochs=300)
    epochs = [r.epochs for r in cell.runs if r.epochs is not None]
    assert 0 < len(epochs) < 6  # some converge within 300 epochs, some do not
    assert cell.epochs == epochs
    assert cell.median_epochs == float(np.median(epochs))
    assert cell.mean_epochs == pytest.approx(np.mean(epochs), rel=1e-15)


def test_gd_reports_the_grid_value_with_most_successes_then_fewest_epochs(quick):
    for problem in quick.problems:
        grid = [c for c in quick.gd_grid if c.problem == problem]
        assert [c.lr for c in grid] == list(GD_LRS)
        best = quick.cell(problem, "GD")
        assert best in grid
        for c in grid:
            assert (c.successes, -(c.median_epochs or np.inf)) <= (
                best.successes,
                -(best.median_epochs or np.inf),
            )


def test_sgd_takes_gds_step_per_epoch_in_at_most_four_mini_batches(quick):
    assert [sgd_batch_size(N) for N in (4, 8, 12, 64, 96)] == [1, 2, 3, 16, 24]
    assert sgd_lr(8.0, 4) == 2.0 and sgd_lr(32.0, 64) == 8.0
    for problem in quick.problems:
        N = PROBLEMS[problem].data()[0].shape[0]
        assert quick.cell(problem, "SGD").lr == sgd_lr(quick.cell(problem, "GD").lr, N)


def test_the_same_seeds_give_the_same_epochs_in_one_or_two_processes():
    kw = dict(problems=["xor"], algorithms=["GD", "SGD", "iRprop-"], seeds=3, max_epochs=200)
    one, two = benchmark(**kw, jobs=1), benchmark(**kw, jobs=2)
    assert [[r.epochs for r in c.runs] for c in one.cells] == [
        [r.epochs for r in c.runs] for c in two.cells
    ]


# --------------------------------------------------------------------------------------------
# The tutorial's claim, on the quick mode's fixed seeds


@pytest.mark.parametrize("problem", ["xor", "8-3-8"])
@pytest.mark.parametrize("variant", RPROP_VARIANTS)
def test_rprop_needs_fewer_median_epochs_than_the_best_gd(quick, problem, variant):
    rprop, gd = quick.cell(problem, variant), quick.cell(problem, "GD")
    assert rprop.median_epochs is not None and gd.median_epochs is not None
    assert rprop.median_epochs < gd.median_epochs


@pytest.mark.parametrize("variant", RPROP_VARIANTS)
def test_on_xor_2_2_1_rprop_converges_from_fewer_seeds_than_gd(quick, variant):
    # The disagreement docs/rprop.md reports: faster when it converges, but more 2-2-1 XOR
    # nets end in a local minimum where the net outputs the mean target of patterns it cannot
    # tell apart: two patterns at o = ½ (E = 1/16) or three at o = ⅓ or ⅔ (E = 1/12).
    assert quick.cell("xor", variant).successes < quick.cell("xor", "GD").successes
    stuck = [r for r in quick.cell("xor", variant).runs if not r.converged]
    assert stuck
    for r in stuck:
        assert min(abs(r.final_loss - 1 / 16), abs(r.final_loss - 1 / 12)) < 1e-3


def test_rprop_converges_from_most_seeds_on_8_3_8(quick):
    for variant in RPROP_VARIANTS:
        assert quick.cell("8-3-8", variant).success_rate > 0.5


# --------------------------------------------------------------------------------------------
# Result shapes


def test_json_has_one_result_per_problem_and_algorithm_with_per_seed_runs(quick):
    d = json.loads(quick.to_json())
    assert sorted(d) == ["config", "experiment", "gd_grid", "results"]
    assert d["experiment"] == "rprop-benchmark"
    assert [(r["problem"], r["algorithm"]) for r in d["results"]] == [
        (p, a) for p in QUICK["problems"] for a in ALGORITHMS
    ]
    for r in d["results"]:
        assert r["seeds"] == QUICK["seeds"] == len(r["runs"])
        assert r["successes"] == sum(run["epochs"] is not None for run in r["runs"])
        assert r["max_epochs"] == QUICK["max_epochs"]
        assert set(r) >= {"success_rate", "median_epochs", "mean_epochs", "seconds", "lr"}
    assert len(d["gd_grid"]) == len(GD_LRS) * len(QUICK["problems"])
    assert d["config"]["criterion"] == "every output within 0.4 of its 0/1 target"
    assert d["config"]["seeds"] == list(range(QUICK["seeds"]))


def test_table_has_a_row_per_problem_and_algorithm(quick):
    table = quick.table()
    for p in QUICK["problems"]:
        for a in ALGORITHMS:
            assert any(line.split()[:2] == [p, a] for line in table.splitlines())
    assert "within 0.4" in table and "μ = 32" in table  # the GD μ grid's columns


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(problems=["nope"]), "unknown problem 'nope'"),
        (dict(algorithms=["Adam"]), "unknown algorithm 'Adam'"),
        (dict(seeds=0), "seeds must be ≥ 1"),
        (dict(gd_lrs=[0.0]), "gd_lrs must be"),
        (dict(jobs=0), "jobs must be"),
        (dict(max_epochs=0), "max_epochs must be"),
        (dict(init="zeros"), "unknown init 'zeros'"),
    ],
)
def test_bad_arguments_are_named(kwargs, match):
    kwargs.setdefault("problems", ["xor"])
    kwargs.setdefault("seeds", 1)
    kwargs.setdefault("max_epochs", 5)
    with pytest.raises(ValueError, match=match):
        benchmark(**kwargs)


def test_gd_without_a_learning_rate_is_an_error():
    with pytest.raises(ValueError, match="GD needs a learning rate"):
        run_cell("xor", "GD", seeds=1)


# --------------------------------------------------------------------------------------------
# Command line


def test_cli_prints_the_table(capsys):
    argv = ["rprop-bench", "--problems", "10-5-10", "--seeds", "2", "--jobs", "1"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("microbp rprop-bench:") and "seeds 0, 1" in out
    first_table = out.split("GD's μ grid")[0]
    rows = [line.split() for line in first_table.splitlines() if line.startswith("  10-5-10 ")]
    assert [row[1] for row in rows] == list(ALGORITHMS)
    assert "GD's μ grid" in out and "total wall time" in out


def test_cli_json_has_the_quick_results(capsys, quick, monkeypatch):
    # The CLI asks for the quick settings (once the defaults are filled in: the same call as
    # the fixture's, whatever jobs is, as a test above shows) and prints that run as JSON; the
    # fixture's run stands in for a second one of 8 seeds × 2 problems × 4 algorithms.
    import inspect

    from microbp.experiments import rprop_bench

    calls = []

    def recorded(**kwargs):
        calls.append(kwargs)
        return quick

    def settings(**kwargs):
        bound = inspect.signature(benchmark).bind(**kwargs)
        bound.apply_defaults()
        return {k: v for k, v in bound.arguments.items() if k not in ("jobs", "progress")}

    monkeypatch.setattr(rprop_bench, "benchmark", recorded)
    assert main(["rprop-bench", "--quick", "--json"]) == 0
    assert len(calls) == 1 and settings(**calls[0]) == settings(**QUICK)
    d = json.loads(capsys.readouterr().out)
    assert d == json.loads(json.dumps(quick.to_dict()))


def test_cli_options_reach_the_benchmark(capsys):
    argv = ["rprop-bench", "--json", "--problems", "xor", "--algorithms", "gd,irprop-"]
    assert main(argv + ["--seeds", "2", "--jobs", "1"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert [(r["problem"], r["algorithm"]) for r in d["results"]] == [
        ("xor", "GD"),
        ("xor", "iRprop-"),
    ]
    assert d["config"]["seeds"] == [0, 1] and d["config"]["jobs"] == 1
    assert d["config"]["init"] == "xavier"
    assert main(argv + ["--seeds", "1", "--init", "small", "--max-epochs", "7"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["config"]["init"] == "small"
    assert [r["max_epochs"] for r in d["results"]] == [7, 7]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--problems", "xor,nope"], "unknown problem 'nope'"),
        (["--algorithms", "adam"], "unknown algorithm 'adam'"),
        (["--seeds", "0"], "expected an integer ≥ 1"),
        (["--jobs", "x"], "expected an integer ≥ 1"),
    ],
)
def test_cli_rejects_bad_options_with_exit_status_2(capsys, argv, message):
    with pytest.raises(SystemExit) as exc:
        main(["rprop-bench", *argv])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_cli_plot_writes_a_png(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = tmp_path / "r.png"
    argv = ["rprop-bench", "--problems", "xor,8-3-8", "--seeds", "2", "--jobs", "1"]
    argv += ["--max-epochs", "300"]
    argv += ["--plot", str(path)]
    assert main(argv) == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"plot written to {path}" in capsys.readouterr().out


def test_run_writes_to_the_given_stream():
    args = argparse.Namespace(
        seeds=1,
        problems=("xor",),
        algorithms=("iRprop-",),
        jobs=1,
        json=True,
        plot=None,
        quick=False,
    )
    out = io.StringIO()
    assert run_rprop_bench(args, out=out) == 0
    assert json.loads(out.getvalue())["results"][0]["algorithm"] == "iRprop-"
