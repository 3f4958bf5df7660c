"""The benchmark scripts stay runnable: their pieces, on microbp alone, without timing."""

from __future__ import annotations

import importlib.util
import os

import numpy as np
import pytest

from microbp import Value

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", os.path.join(BENCH, name))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_demo_step_is_deterministic_and_learns():
    B = load("engine_vs_micrograd.py")
    X, y = B.two_moons(B.N, noise=0.1, seed=0)
    assert (X, y) == B.two_moons(B.N, noise=0.1, seed=0) and sorted(set(y)) == [-1.0, 1.0]
    runs = []
    for _ in range(2):
        net = B.microbp_net()
        params = net.parameters()
        runs.append([B.demo_step(Value, net, params, X, y, k)[0] for k in range(3)])
    assert runs[0] == runs[1]  # bit-identical
    assert runs[0][2] < runs[0][0]


def test_demo_step_matches_micrograd_when_installed():
    pytest.importorskip("micrograd")
    B = load("engine_vs_micrograd.py")
    X, y = B.two_moons(B.N, noise=0.1, seed=0)
    assert B.check_same_numbers(X, y) < 1e-12


def test_formulas_benchmark_methods_agree():
    F = load("formulas.py")
    sizes, activation, n, times, diff = F.both_methods(rounds=1, repeat=1)
    assert diff < 1e-12
    assert set(times) == {"autodiff", "formulas", "fit autodiff", "fit formulas"}
    sizes, N, weights, X, Y = F.big_problem("tanh")
    assert X.shape == (N, 784) and Y.shape == (N, 10)
    F.matrix_products(weights, X, Y)()  # the shapes multiply
    assert np.isfinite(F.bp.backprop(weights, X[:10], Y[:10]).E)


# --------------------------------------------------------------------------------------------
# benchmarks/lab_latency.py: a few timed edits through a real server, no timing asserted (the
# numbers are in docs/lab.md)

LAB_LATENCY = os.path.join(BENCH, "lab_latency.py")
needs_the_lab = pytest.mark.skipif(
    any(importlib.util.find_spec(m) is None for m in ("starlette", "uvicorn", "httpx")),
    reason="needs the lab extra (starlette, uvicorn) and httpx",
)


def load_lab_latency():
    spec = importlib.util.spec_from_file_location("bench_lab_latency", LAB_LATENCY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@needs_the_lab
def test_lab_latency_percentile_is_the_nearest_rank():
    B = load_lab_latency()
    xs = list(range(1, 101))
    assert B.percentile(xs, 0.5) == 50 and B.percentile(xs, 0.95) == 95
    assert B.percentile([7.0], 0.95) == 7.0


@needs_the_lab
@pytest.mark.slow
def test_lab_latency_times_edits_through_a_real_server():
    B = load_lab_latency()
    times, size, answer = B.measure([], 3)
    assert len(times) == 3 and all(t > 0 for t in times)
    assert size > 1000  # the whole state of the tutorial's net came back
    assert 1000 < answer < size  # an edit's answer: the state without its names
