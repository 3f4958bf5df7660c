"""benchmarks/lab_latency.py stays runnable: a few timed edits through a real server, no
timing asserted (the numbers are in docs/lab.md)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")
pytest.importorskip("httpx")

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "lab_latency.py"

pytestmark = pytest.mark.slow


def load():
    spec = importlib.util.spec_from_file_location("bench_lab_latency", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_percentile_is_the_nearest_rank():
    B = load()
    xs = list(range(1, 101))
    assert B.percentile(xs, 0.5) == 50 and B.percentile(xs, 0.95) == 95
    assert B.percentile([7.0], 0.95) == 7.0


def test_the_benchmark_times_edits_through_a_real_server():
    B = load()
    times, size = B.measure([], 3)
    assert len(times) == 3 and all(t > 0 for t in times)
    assert size > 1000  # the whole state of the tutorial's net came back
