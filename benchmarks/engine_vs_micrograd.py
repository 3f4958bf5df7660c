"""microbp's engine against micrograd 0.1.0 on micrograd's own demo step, plus memory and depth.

The demo step (micrograd's ``demo.ipynb``): an MLP 2-16-16-1 (relu hidden, linear output) on
100 two-moons points, SVM max-margin loss + 1e-4·L2, full batch: forward, backward and one
SGD update. Both engines start from the same weights and data; runs alternate
(micrograd GC on, micrograd GC off, microbp GC on, microbp GC off, …) and each row reports
the median. "GC on" is how users run Python; "GC off" (``gc.disable()`` around the timed
steps) leaves the engine's own work alone. The targets: microbp as users run it at least 5×
faster than micrograd as users run it, and at least 1.5× faster than micrograd with its
garbage collector switched off.

    pip install micrograd==0.1.0        # or: pip install -e '.[bench]'
    python benchmarks/engine_vs_micrograd.py            # about a minute
    python benchmarks/engine_vs_micrograd.py --quick    # a few seconds

Same numbers in both engines: micrograd's ``Neuron`` sums ``b + w₁x₁ + … + wₙxₙ`` while
microbp sums in the tutorial's order ``w₁x₁ + … + wₙxₙ + b``; floating-point addition is not
associative, so the micrograd net here is micrograd's ``nn.MLP`` with ``Neuron.__call__``
summing in the tutorial's order (the same nodes and operations, only the order of the terms;
timed side by side, the stock ``Neuron`` with its ``sum(generator, b)`` was 10–20 % slower,
so this choice does not favour microbp). The losses of the two engines are then asserted
equal with ``==``; the weights after one SGD step agree to 1e-12 relative, not bit for bit,
because the two engines add a weight's 100 gradient contributions in different orders (the
report shows the largest relative difference).
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import random
import statistics
import sys
import time
import tracemalloc

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, ".."), HERE]  # microbp, and benchmarks/machine.py

from machine import cpu_model  # noqa: E402  (benchmarks/machine.py)

from microbp import MLP  # noqa: E402
from microbp import Value as BPValue  # noqa: E402

SIZES = [2, 16, 16, 1]
N = 100
ALPHA = 1e-4


# --------------------------------------------------------------------------------------------
# Data and the micrograd net


def two_moons(n: int, noise: float = 0.1, seed: int = 0) -> tuple[list[list[float]], list[float]]:
    """Two interleaving half circles (labels −1 and +1), deterministic for a seed."""
    rng = random.Random(seed)
    n_outer = n // 2
    n_inner = n - n_outer
    X, y = [], []
    for k in range(n_outer):
        t = math.pi * k / max(n_outer - 1, 1)
        X.append([math.cos(t) + rng.gauss(0, noise), math.sin(t) + rng.gauss(0, noise)])
        y.append(-1.0)
    for k in range(n_inner):
        t = math.pi * k / max(n_inner - 1, 1)
        X.append([1 - math.cos(t) + rng.gauss(0, noise), 0.5 - math.sin(t) + rng.gauss(0, noise)])
        y.append(1.0)
    return X, y


def micrograd_net(net: MLP):
    """micrograd's nn.MLP holding the numbers of ``net``, its parameters in microbp's order."""
    from micrograd import nn

    class SeedOrderNeuron(nn.Neuron):
        def __call__(self, x):
            act = self.w[0] * x[0]
            for wi, xi in zip(self.w[1:], x[1:]):
                act = act + wi * xi
            act = act + self.b
            return act.relu() if self.nonlin else act

    model = nn.MLP(SIZES[0], SIZES[1:])
    for k, layer in enumerate(model.layers):
        l = k + 2
        for i, neuron in enumerate(layer.neurons):
            fresh = SeedOrderNeuron.__new__(SeedOrderNeuron)
            fresh.w, fresh.b, fresh.nonlin = neuron.w, neuron.b, neuron.nonlin
            for j, w in enumerate(fresh.w):
                w.data = net.w(l, i + 1, j + 1).data
            fresh.b.data = net.bias(l, i + 1).data
            layer.neurons[i] = fresh
    params = []
    for layer in model.layers:
        params.extend(w for n in layer.neurons for w in n.w)
        params.extend(n.b for n in layer.neurons)
    return model, params


def microbp_net(seed: int = 1337) -> MLP:
    """The starting net: 2-16-16-1, relu hidden layers, linear output, He initialisation."""
    return MLP(SIZES, activation=["relu", "relu", "identity"], seed=seed, init="he")


def fresh_nets(seed: int = 1337):
    net = microbp_net(seed)
    model, mg_params = micrograd_net(net)
    return net, net.parameters(), model, mg_params


# --------------------------------------------------------------------------------------------
# The demo step, written once for both engines


def demo_step(Value, model, params, X, y, k: int = 0):
    """One step of micrograd's demo: loss, zero_grad, backward, SGD. Returns (loss, acc)."""
    inputs = [list(map(Value, row)) for row in X]
    scores = [model(x) for x in inputs]
    scores = [s[0] if isinstance(s, list) else s for s in scores]
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]  # SVM max-margin loss
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in params)  # L2 regularisation
    total = data_loss + reg_loss
    acc = sum((yi > 0) == (si.data > 0) for yi, si in zip(y, scores)) / len(y)
    for p in params:
        p.grad = 0
    total.backward()
    learning_rate = 1.0 - 0.9 * k / 100
    for p in params:
        p.data -= learning_rate * p.grad
    return total.data, acc


def timed_run(engine: str, X, y, steps: int) -> tuple[float, list[float]]:
    """Seconds per step of ``steps`` demo steps from the starting weights, and the losses."""
    net, params, model, mg_params = fresh_nets()
    if engine.startswith("microbp"):
        Value, m, p = BPValue, net, params
    else:
        from micrograd.engine import Value

        m, p = model, mg_params
    gc.collect()
    gc_was = gc.isenabled()
    if engine.endswith("GC off"):
        gc.disable()
    losses = []
    try:
        t0 = time.perf_counter()
        for k in range(steps):
            losses.append(demo_step(Value, m, p, X, y, k)[0])
        dt = time.perf_counter() - t0
    finally:
        if gc_was:
            gc.enable()
    gc.collect()
    return dt / steps, losses


def check_same_numbers(X, y) -> float:
    """Assert equal losses and gradients (to 1e-12 relative) on one step; the largest diff."""
    from micrograd.engine import Value as MGValue

    net, params, model, mg_params = fresh_nets()
    la, _ = demo_step(BPValue, net, params, X, y)
    lb, _ = demo_step(MGValue, model, mg_params, X, y)
    assert la == lb, f"losses differ: microbp {la!r}, micrograd {lb!r}"
    worst = 0.0
    for p, q in zip(params, mg_params):
        scale = max(abs(p.data), abs(q.data), 1e-300)
        worst = max(worst, abs(p.data - q.data) / scale)
    assert worst < 1e-12, f"updated weights differ by {worst:.3g} relative"
    return worst


# --------------------------------------------------------------------------------------------
# Memory and depth


def chain(Value, n: int):
    """x, then n operations alternating ``v * c`` and ``v + c`` (constants as numbers)."""
    x = Value(1.0)
    v = x
    for k in range(n):
        v = v * 0.999999 if k % 2 == 0 else v + 1e-6
    return x, v


def memory_per_op(Value, n: int) -> tuple[float, float]:
    """(nodes per operation, bytes per operation) of a chain of ``n`` ops, by tracemalloc."""

    def nodes_alive() -> int:
        return sum(1 for o in gc.get_objects() if type(o) is Value)

    gc.collect()
    nodes_before = nodes_alive()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    x, v = chain(Value, n)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    nodes = nodes_alive() - nodes_before
    del x, v
    gc.collect()
    return nodes / n, (after - before) / n


def depth_seconds(n: int) -> tuple[float, float]:
    t0 = time.perf_counter()
    x, v = chain(BPValue, n)
    t1 = time.perf_counter()
    v.backward()
    t2 = time.perf_counter()
    assert x.grad > 0
    del x, v
    return t1 - t0, t2 - t1


def micrograd_depth_limit() -> str:
    """The shortest chain, of 10², 10³, 10⁴ ops, on which micrograd's recursive sort fails."""
    from micrograd.engine import Value

    for n in (100, 1_000, 10_000):
        x, v = chain(Value, n)
        try:
            v.backward()
        except RecursionError:
            return f"RecursionError on a chain of {n:,} ops"
    return "no RecursionError up to 10,000 ops"


# --------------------------------------------------------------------------------------------


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=9, help="alternating rounds (default 9)")
    ap.add_argument("--steps", type=int, default=3, help="demo steps per run (default 3)")
    ap.add_argument("--quick", action="store_true", help="3 rounds of 1 step, smaller chains")
    args = ap.parse_args(argv)
    rounds, steps = (3, 1) if args.quick else (args.rounds, args.steps)
    chain_n, depth_n = (10**5, 10**5) if args.quick else (10**5, 10**6)

    try:
        import micrograd  # noqa: F401
    except ImportError:
        print("micrograd is not installed: pip install micrograd==0.1.0  (or '.[bench]')")
        return 2

    X, y = two_moons(N, noise=0.1, seed=0)
    worst = check_same_numbers(X, y)
    engines = ["micrograd, GC on", "micrograd, GC off", "microbp, GC on", "microbp, GC off"]
    times: dict[str, list[float]] = {e: [] for e in engines}
    losses: dict[str, list[float]] = {}
    for r in range(rounds):
        order = engines if r % 2 == 0 else engines[::-1]
        for e in order:
            dt, ls = timed_run(e, X, y, steps)
            times[e].append(dt)
            losses[e] = ls
    med = {e: statistics.median(ts) for e, ts in times.items()}

    def ratio(e: str, ours: str) -> float:
        """time(e) / time(ours) in each round (runs made under the same load), the median."""
        return statistics.median(t / u for t, u in zip(times[e], times[ours]))

    first = {losses[e][0] for e in engines}
    assert len(first) == 1, f"first-step losses differ: {losses}"
    drift = max(
        abs(a - b) / abs(b) for e in engines for a, b in zip(losses[e], losses[engines[-1]])
    )

    print(f"machine: {cpu_model()}, {platform.machine()}, {os.cpu_count()} cores")
    print(f"python:  {platform.python_implementation()} {platform.python_version()}")
    print(
        f"demo step: MLP {'-'.join(map(str, SIZES))}, {N} two-moons points, SVM loss + 1e-4·L2,"
        f" forward + backward + SGD; median of {rounds} alternating runs of {steps} step(s)"
    )
    print(f"loss of the first step, identical (==) in both engines: {first.pop()!r}")
    print(
        f"weights after one step: largest relative difference {worst:.1g}; losses of all "
        f"{steps} steps: {drift:.1g}"
    )
    print()
    print("| engine | s / step | microbp GC on is faster by | microbp GC off is faster by |")
    print("| --- | ---: | ---: | ---: |")
    for e in engines:
        print(
            f"| {e} | {med[e]:.4f} | {ratio(e, 'microbp, GC on'):.2f}× "
            f"| {ratio(e, 'microbp, GC off'):.2f}× |"
        )
    print()
    print("s / step: median over the runs; ratios: median of the ratios within each round.")
    print(
        f"targets: micrograd GC on / microbp GC on ≥ 5 "
        f"({'met' if ratio(engines[0], engines[2]) >= 5 else 'NOT met'}), "
        f"micrograd GC off / microbp GC on ≥ 1.5 "
        f"({'met' if ratio(engines[1], engines[2]) >= 1.5 else 'NOT met'})"
    )
    print()

    from micrograd.engine import Value as MGValue

    print(f"memory: a chain of {chain_n:,} operations (v·c and v + c alternating), tracemalloc")
    print()
    print("| engine | nodes / op | bytes / node | bytes / op |")
    print("| --- | ---: | ---: | ---: |")
    for name, V in (("micrograd", MGValue), ("microbp", BPValue)):
        nodes, per_op = memory_per_op(V, chain_n)
        print(f"| {name} | {nodes:.0f} | {per_op / nodes:.0f} | {per_op:.0f} |")
    print()
    build, back = depth_seconds(depth_n)
    print(
        f"depth: microbp builds a chain of {depth_n:,} nodes in {build:.2f} s, "
        f"backward {back:.2f} s; micrograd: {micrograd_depth_limit()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
