"""Deterministic: the same program gives bit-identical gradients in every run — in fresh
processes with different hash seeds (nothing in backward iterates over a set or an
id-ordered container).

Merged from tests/test_engine_backward.py (a 4-7-7-3 tanh net, five random samples, hash seeds 0, 1
and 12345) and tests/test_engine_perf_guards.py (a 3-5-4-2 tanh net, six samples summed one by
one, hash seeds 1 and 2): one script holds both programs, run under every seed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

GRADIENT_BITS = textwrap.dedent(
    """
    import random
    from microbp import MLP, squared_error

    net = MLP([4, 7, 7, 3], activation="tanh", seed=3)
    rng = random.Random(5)
    total = None
    for _ in range(5):
        x = [rng.uniform(-1, 1) for _ in range(4)]
        y = [rng.uniform(-1, 1) for _ in range(3)]
        E = squared_error(y, net(x))
        total = E if total is None else total + E
    total.backward()
    print(" ".join(float(p.grad).hex() for p in net.parameters()))

    net = MLP([3, 5, 4, 2], activation="tanh", seed=3)
    X = [[0.1 * i, -0.2 * i, 0.3] for i in range(6)]
    E = squared_error([1.0, 0.0], net(X[0]))
    for x in X[1:]:
        E = E + squared_error([1.0, 0.0], net(x))
    E.backward()
    print(" ".join(p.grad.hex() for p in net.parameters()))
    """
)


@pytest.mark.slow
def test_gradients_are_bit_identical_across_processes_and_hash_seeds():
    outputs = set()
    for seed in ("0", "1", "2", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": ROOT}
        result = subprocess.run(
            [sys.executable, "-c", GRADIENT_BITS],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            cwd=ROOT,
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1
    first, second = outputs.pop().splitlines()
    assert len(first.split()) == 4 * 7 + 7 + 7 * 7 + 7 + 7 * 3 + 3
    assert len(second.split()) == (3 + 1) * 5 + (5 + 1) * 4 + (4 + 1) * 2
