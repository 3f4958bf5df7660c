"""The road out: a microbp net continues its training in PyTorch on two processes (DDP).

    python examples/road_out.py              # a few seconds on one machine, no cluster

1. microbp trains a 4-8-3 net (tanh, softmax output) on Iris for a few epochs of batch GD,
   with the gradients of BP-1…BP-4 in matrix form and the cross-entropy.
2. :func:`microbp.interop.to_torch` gives the same net as a float64 ``torch.nn.Sequential``
   (the softmax output as logits, for ``CrossEntropyLoss``).
3. Two processes, started by ``torch.multiprocessing.spawn`` on this machine and meeting
   through a file in a temporary folder (``init_method="file://…"``), each hold a copy
   wrapped in ``DistributedDataParallel`` with the gloo backend (the CPU one). Each takes
   half of the 150 flowers; after every ``backward()`` DDP averages the two halves' gradients,
   so each step uses the gradient of the whole data set, as microbp's batch GD did.
4. Rank 0 saves the final weights and PyTorch's gradient of E_total at them; here they are
   read back with ``from_torch(model, output="softmax")``, and ``bp.backprop`` on the read
   net must give the same gradient to 10⁻¹² (printed, and asserted).

On many machines only the launch changes: ``torchrun --nnodes=N --nproc-per-node=K
script.py`` starts the processes and sets RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT, which
``init_process_group`` then reads (no ``init_method``), and GPUs use the nccl backend instead of
gloo (docs/road-out.md).
"""

from __future__ import annotations

import os
import tempfile
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel

from microbp import MLP, bp, data, fit, optim
from microbp.interop import from_torch, to_torch, torch_loss

LEARNING_RATE = 0.5
MICROBP_EPOCHS = 20
TORCH_STEPS = 50
WORLD_SIZE = 2


def train(rank: int, state: dict, store: str, out: str) -> None:
    """One process of the DDP run: its half of the data, the averaged gradient, SGD."""
    # the processes meet through a file both can see, not a TCP port: a port found free
    # before the start can be taken by another program before rank 0 listens on it
    dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=WORLD_SIZE)
    torch.set_num_threads(1)  # two processes on a small machine: one thread each
    try:
        X, Y = (torch.tensor(v, dtype=torch.float64) for v in data.iris())
        mine = slice(rank, None, WORLD_SIZE)  # rank 0: rows 0, 2, 4, …; rank 1: 1, 3, 5, …
        model = to_torch(MLP([4, 8, 3], activation=["tanh", "softmax"]))
        model.load_state_dict(state)  # the same start in both processes
        ddp = DistributedDataParallel(model)
        step = torch.optim.SGD(ddp.parameters(), lr=LEARNING_RATE)
        start = time.perf_counter()
        cross_entropy = torch_loss("cross_entropy")  # CrossEntropyLoss: mean over the rows
        for _ in range(TORCH_STEPS):
            step.zero_grad()
            cross_entropy(ddp(X[mine]), Y[mine]).backward()  # DDP averages the two halves
            step.step()
        seconds = time.perf_counter() - start
        if rank == 0:
            model.zero_grad()
            cross_entropy(model(X), Y).backward()  # the whole data set, at the final weights
            grads = {name: p.grad.clone() for name, p in model.named_parameters()}
            torch.save({"state": model.state_dict(), "grads": grads, "seconds": seconds}, out)
        # both processes leave together: a rank that tears its gloo connections down while
        # the other still works on them can abort it ("terminate called without an active
        # exception", SIGABRT), as one CI run saw
        dist.barrier()
    finally:
        dist.destroy_process_group()


def main() -> None:
    X, Y = data.iris()
    net = MLP([4, 8, 3], activation=["tanh", "softmax"], seed=0, init="xavier")
    t0 = time.perf_counter()
    history = fit(
        net,
        X,
        Y,
        optim.GD(lr=LEARNING_RATE),
        max_epochs=MICROBP_EPOCHS,
        tol=0,
        gradients="formulas",
        loss="cross_entropy",
        quiet=True,
    )
    t1 = time.perf_counter()
    print(
        f"1. microbp, {MICROBP_EPOCHS} epochs of batch GD on Iris: E_total "
        f"{history.loss[0]:.4f} → {history.loss[-1]:.4f} ({t1 - t0:.2f} s)"
    )

    model = to_torch(net)
    print(f"2. to_torch: {model}".replace("\n", "\n   "))

    with tempfile.TemporaryDirectory() as folder:
        out, store = os.path.join(folder, "final.pt"), os.path.join(folder, "store")
        t2 = time.perf_counter()
        mp.spawn(train, args=(model.state_dict(), store, out), nprocs=WORLD_SIZE)
        t3 = time.perf_counter()
        final = torch.load(out)
    print(
        f"3. DDP, {WORLD_SIZE} processes (gloo), {TORCH_STEPS} SGD steps, 75 flowers each: "
        f"{final['seconds']:.2f} s for the steps, {t3 - t2:.2f} s with the start-up (each "
        "process imports torch and microbp anew)"
    )

    # DDP's average of the two halves' mean gradients is the mean over all 150 rows: the same
    # 50 steps in this one process, on the whole batch, reach the same weights.
    alone = to_torch(net)
    step = torch.optim.SGD(alone.parameters(), lr=LEARNING_RATE)
    for _ in range(TORCH_STEPS):
        step.zero_grad()
        torch_loss("cross_entropy")(alone(torch.tensor(X)), torch.tensor(Y)).backward()
        step.step()
    apart = max((alone.state_dict()[k] - v).abs().max().item() for k, v in final["state"].items())
    print(f"   the same steps in one process on all 150 rows: weights differ by {apart:.1e}")
    assert apart <= 1e-12, "two processes with DDP should take the full-batch steps"

    model.load_state_dict(final["state"])
    back = from_torch(model, output="softmax")  # the Sequential gives logits
    E = torch_loss("cross_entropy")(model(torch.tensor(X)), torch.tensor(Y)).item()
    g = bp.backprop(back, X, Y, "cross_entropy")
    gap = max(
        max(
            np.max(np.abs(g.dW[l] - final["grads"][f"z{l}.weight"].numpy())),
            np.max(np.abs(g.db[l] - final["grads"][f"z{l}.bias"].numpy())),
        )
        for l in (2, 3)
    )
    scale = max(np.max(np.abs(g.dW[l])) for l in (2, 3))
    print(
        f"4. from_torch: E_total {E:.4f}; bp.backprop's ∂E/∂θ at the final weights vs "
        f"PyTorch's: max difference {gap:.1e} (largest |∂E/∂θ| {scale:.1e})"
    )
    assert gap <= 1e-12 * max(1.0, scale), "microbp's gradient differs from PyTorch's"
    print("   the gradient BP-1…BP-4 give is the gradient PyTorch computes")


if __name__ == "__main__":
    main()
