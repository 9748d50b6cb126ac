"""Training-step time: chainrule vs torch eager vs a hand-written NumPy MLP, one thread.

    python benchmarks/train_step.py [--repeats 7]

A step = forward + softmax cross-entropy + backward + SGD update, float32, ReLU hidden layers,
the same initial weights and batch for all three. Prints a Markdown table of medians and ratios.
"""

from __future__ import annotations

import os

# One thread for everyone: NumPy's BLAS reads these when it loads (torch is set below).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import statistics
import time

import numpy as np

import chainrule as cr
import chainrule.functional as F
from chainrule import nn, optim

try:  # the NumPy floor sits next to this file
    from numpy_floor import NumpyMLP
except ImportError:  # run as a module from the project root
    from benchmarks.numpy_floor import NumpyMLP

CONFIGS = {
    "(a) 784-256-256-10, batch 128": ([784, 256, 256, 10], 128),
    "(b) 64-128-10, batch 32": ([64, 128, 10], 32),
    "(c) 2-16-2, batch 4": ([2, 16, 2], 4),
    "(d) 784-1024-1024-10, batch 512": ([784, 1024, 1024, 10], 512),
}
LR = 0.01


def _steps_for(sizes, batch):
    work = sum(i * o for i, o in zip(sizes[:-1], sizes[1:])) * batch
    return int(np.clip(2e8 / max(work, 1), 3, 2000))


def _median_step(step, n, repeats):
    step()  # warm-up: first-touch allocations, BLAS threads
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(n):
            step()
        times.append((time.perf_counter() - start) / n)
    return statistics.median(times)


def chainrule_step(sizes, X, y):
    model = nn.MLP(sizes, activation="relu", seed=0)
    opt = optim.SGD(model.parameters(), lr=LR)
    Xt = cr.Tensor._wrap(X)

    def step():
        loss = F.cross_entropy(model(Xt), y)
        loss.backward()
        opt.step()
        opt.zero_grad()

    return step


def torch_step(sizes, X, y):
    import torch

    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        loss = loss_fn(model(Xt), yt)
        loss.backward()
        opt.step()
        opt.zero_grad()

    return step


def numpy_step(sizes, X, y):
    mlp = NumpyMLP(sizes, len(y), lr=LR)
    return lambda: mlp.step(X, y)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--only", default="", help="substring of the configs to run")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    print(f"chainrule {cr.__version__}, torch {torch.__version__}, numpy {np.__version__}; "
          f"1 thread; median of {args.repeats} repeats; float32")
    print()
    print("| config | chainrule | torch eager | NumPy floor | chainrule / torch "
          "| chainrule / floor |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, (sizes, batch) in CONFIGS.items():
        if args.only and args.only not in name:
            continue
        rng = np.random.default_rng(0)
        X = rng.standard_normal((batch, sizes[0])).astype(np.float32)
        y = rng.integers(0, sizes[-1], batch)
        n = _steps_for(sizes, batch)
        times = {}
        for lib, make in (("chainrule", chainrule_step), ("torch", torch_step),
                          ("numpy", numpy_step)):
            times[lib] = _median_step(make(sizes, X, y), n, args.repeats)
        fmt = lambda s: f"{s * 1e6:.1f} us" if s < 1e-3 else f"{s * 1e3:.2f} ms"  # noqa: E731
        print(f"| {name} | {fmt(times['chainrule'])} | {fmt(times['torch'])} | "
              f"{fmt(times['numpy'])} | {times['chainrule'] / times['torch']:.2f}x | "
              f"{times['chainrule'] / times['numpy']:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
