"""The numbers of docs/road-out.md: one full-batch gradient of E_total on Iris, four ways.

    python benchmarks/road_out.py            # about half a minute (PyTorch needed)

The net is examples/road_out.py's: MLP [4, 8, 3], tanh hidden, softmax output, the
cross-entropy, the 150 flowers. Each method computes ∂E_total/∂θ at the same weights:

1. the scalar graph: E_total built from Values for the batch, then ``backward()`` (its nodes
   are counted, so the cost per node is printed);
2. the matrix form: :func:`microbp.bp.backprop` on numpy arrays;
3. PyTorch on one process: ``to_torch(net)``, ``CrossEntropyLoss``, ``backward()`` (float64);
4. DDP on two processes (gloo): one step of examples/road_out.py, and the start-up of the
   two processes (run as the example itself, which prints both).

Every method's gradient is checked against the matrix form's to 1e-12. Each row is the median
of repeated runs, one thread (``torch.set_num_threads(1)``, ``OPENBLAS_NUM_THREADS=1``).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from microbp import MLP, bp, data, losses  # noqa: E402
from microbp.interop import to_torch, torch_loss  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def median_seconds(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def count_nodes(root) -> int:
    seen, stack = {id(root)}, [root]
    while stack:
        for child in stack.pop()._prev:
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    return len(seen)


def main() -> None:
    torch.set_num_threads(1)
    X, Y = data.iris()
    net = MLP([4, 8, 3], activation=["tanh", "softmax"], seed=0, init="xavier")
    reference = bp.backprop(net, X, Y, "cross_entropy").flat()

    def graph():
        E = losses.total_error(
            Y.tolist(), [net.forward(x).z[3] for x in X.tolist()], "cross_entropy"
        )
        net.zero_grad()
        E.backward()
        return E

    E = graph()
    nodes = count_nodes(E)
    assert np.allclose([p.grad for p in net.parameters()], reference, rtol=0, atol=1e-12)
    t_graph = median_seconds(graph, 5)

    t_matrix = median_seconds(lambda: bp.backprop(net, X, Y, "cross_entropy"), 200)

    model = to_torch(net)
    Xt, Yt = torch.tensor(X), torch.tensor(Y)
    cross_entropy = torch_loss("cross_entropy")

    def torch_step():
        model.zero_grad()
        cross_entropy(model(Xt), Yt).backward()

    torch_step()
    grads = np.concatenate(
        [
            np.concatenate([m.weight.grad.numpy().ravel(), m.bias.grad.numpy()])
            for m in (model.z2, model.z3)
        ]
    )
    assert np.allclose(grads, reference, rtol=0, atol=1e-12)
    t_torch = median_seconds(torch_step, 200)

    print(f"MLP [4, 8, 3] tanh/softmax, cross-entropy, Iris N = 150; torch {torch.__version__}")
    print(f"{'method':<44} {'ms / gradient':>14}")
    print(
        f"{'1. scalar graph (Values, backward)':<44} {t_graph * 1e3:>14.1f}"
        f"   {nodes} nodes, {t_graph / nodes * 1e9:.0f} ns a node"
    )
    print(f"{'2. matrix form (bp.backprop, numpy)':<44} {t_matrix * 1e3:>14.3f}")
    print(f"{'3. PyTorch, one process (float64)':<44} {t_torch * 1e3:>14.3f}")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "road_out.py")],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    line = next(l for l in out.splitlines() if l.startswith("3. DDP"))
    print(f"4. examples/road_out.py: {line[3:]}")


if __name__ == "__main__":
    main()
