"""The lab's edit → new state latency, through a real uvicorn server on 127.0.0.1.

    python benchmarks/lab_latency.py [--requests 200]

Starts ``microbp lab --no-browser`` as a subprocess (once with the tutorial's 3-3-2 net, once with
``--net 2,16,16,1 --data xor``), then sends ``POST /api/set`` edits of w₁₁⁽²⁾ one after the
other over one HTTP connection (httpx), timing each request until its whole new state has
arrived. Each edit recomputes the forward pass, E.backward() on the graph and BP-1…BP-4 by
bp.index_form. Prints a Markdown table of the sizes of GET /api/state and of an edit's
answer (which leaves out the names), and of p50 and p95 (milliseconds); Ctrl-C-equivalent
SIGINT stops each server.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import signal
import statistics
import subprocess
import sys
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FIRST_LINE = re.compile(r"microbp lab: (http://127\.0\.0\.1:\d+)/#token=(\S+)")

NETS = {
    "the tutorial's 3-3-2 (sigmoid)": [],
    "[2, 16, 16, 1] on xor": ["--net", "2,16,16,1", "--data", "xor"],
}


def start(args: list[str]) -> tuple[subprocess.Popen, str, str]:
    env = {**os.environ, "PYTHONPATH": ROOT}
    proc = subprocess.Popen(
        [sys.executable, "-m", "microbp.cli", "lab", "--no-browser", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    m = FIRST_LINE.fullmatch(proc.stdout.readline().strip())
    if not m:
        proc.kill()
        raise SystemExit("microbp lab did not print its address")
    return proc, m[1], m[2]


def percentile(xs: list[float], q: float) -> float:
    """The q-quantile by the nearest-rank method."""
    xs = sorted(xs)
    rank = max(1, math.ceil(q * len(xs)))  # the smallest x with at least q of the data ≤ x
    return xs[rank - 1]


def measure(args: list[str], n: int) -> tuple[list[float], int, int]:
    import httpx

    proc, base, token = start(args)
    try:
        with httpx.Client(base_url=base, headers={"X-Microbp-Token": token}) as client:
            size = len(client.get("/api/state").content)
            for k in range(10):  # warm up
                client.post("/api/set", json={"w": [2, 1, 1], "value": 0.1 + k * 1e-3})
            times = []
            for k in range(n):
                began = time.perf_counter()
                r = client.post("/api/set", json={"w": [2, 1, 1], "value": 0.1 + k * 1e-4})
                r.raise_for_status()
                r.json()
                times.append((time.perf_counter() - began) * 1000)
            answer = len(r.content)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(10)
    return times, size, answer


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args(argv)
    print(
        "| net | requests | state (bytes) | edit's answer (bytes) | p50 (ms) | p95 (ms) |", end=""
    )
    print(" max (ms) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, extra in NETS.items():
        times, size, answer = measure(extra, args.requests)
        print(
            f"| {name} | {len(times)} | {size} | {answer} | {statistics.median(times):.1f} | "
            f"{percentile(times, 0.95):.1f} | {max(times):.1f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
