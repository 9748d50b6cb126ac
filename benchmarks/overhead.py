"""Per-op overhead of chainrule vs torch eager on tiny tensors, one thread.

    python benchmarks/overhead.py            # prints a Markdown table

Each measurement is the median of repeated timings. "per op" = (forward + backward of a chain
of N ops on 4-element tensors) / N. "fixed backward" = the intercept of backward time against
chain length (N = 1 and 64): what one backward() costs before it visits any node.
"""

from __future__ import annotations

import os

# One thread for everyone: NumPy's BLAS reads these when it loads (torch is set below).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import statistics
import time

import numpy as np

import chainrule as cr
import chainrule.functional as F

REPEATS = 21
CHAIN = 64


def _median_seconds_pair(fn_a, fn_b, number):
    """Medians of per-call times of two functions, timed alternately so noise hits both."""
    fn_a(), fn_b()  # warm-up: first-call allocations and caches
    times_a, times_b = [], []
    for _ in range(REPEATS):
        for fn, times in ((fn_a, times_a), (fn_b, times_b)):
            start = time.perf_counter()
            for _ in range(number):
                fn()
            times.append((time.perf_counter() - start) / number)
    return statistics.median(times_a), statistics.median(times_b)


OPS = {
    "mul": (lambda x, c: x * c, lambda x, c: x * c),
    "add": (lambda x, c: x + c, lambda x, c: x + c),
    "tanh": (lambda x, c: F.tanh(x), lambda x, c: x.tanh()),
    "relu": (lambda x, c: F.relu(x), lambda x, c: x.relu()),
    "sigmoid": (lambda x, c: F.sigmoid(x), lambda x, c: x.sigmoid()),
    "matmul 2x2": (lambda x, c: x @ c, lambda x, c: x @ c),
}


def chain_runner(op, x, c, n):
    def run():
        y = x
        for _ in range(n):
            y = op(y, c)
        y.sum().backward()
    return run


def backward_only(op, x, c, n, lib):
    """Time backward alone: build the graph outside the timed region each time."""
    times = []
    for _ in range(REPEATS * 20):
        y = x
        for _ in range(n):
            y = op(y, c)
        loss = y.sum()
        start = time.perf_counter()
        loss.backward()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    import torch

    torch.set_num_threads(1)
    rows = []
    for name, (ours, theirs) in OPS.items():
        shape = (2, 2) if "matmul" in name else (4,)
        base = np.random.default_rng(0).standard_normal(shape).astype(np.float32) * 0.5
        c_np = (np.eye(2, dtype=np.float32) * 0.9) if "matmul" in name else np.float32(0.9)
        x = cr.tensor(base, requires_grad=True)
        tx = torch.tensor(base, requires_grad=True)
        c = cr.tensor(c_np) if "matmul" in name else 0.9
        tc = torch.tensor(c_np) if "matmul" in name else 0.9
        t_ours, t_torch = _median_seconds_pair(chain_runner(ours, x, c, CHAIN),
                                               chain_runner(theirs, tx, tc, CHAIN), 20)
        rows.append((name, t_ours / CHAIN * 1e6, t_torch / CHAIN * 1e6))
    fixed = {}
    for lib, x, op in (("chainrule", cr.tensor(np.ones(4, np.float32), requires_grad=True),
                        OPS["mul"][0]),
                       ("torch", torch.ones(4, requires_grad=True), OPS["mul"][1])):
        t1 = backward_only(op, x, 0.9, 1, lib)
        t64 = backward_only(op, x, 0.9, CHAIN, lib)
        slope = (t64 - t1) / (CHAIN - 1)
        fixed[lib] = (t1 - slope) * 1e6
    print(f"chainrule {cr.__version__}, torch {torch.__version__}, numpy {np.__version__}, "
          f"1 thread, median of {REPEATS} runs")
    print()
    print("| op (4 elements; fwd + bwd) | chainrule us/op | torch us/op | ratio |")
    print("|---|---:|---:|---:|")
    for name, a, b in rows:
        print(f"| {name} | {a:.2f} | {b:.2f} | {a / b:.2f}x |")
    print()
    print(f"fixed cost of one backward(): chainrule {fixed['chainrule']:.1f} us, "
          f"torch {fixed['torch']:.1f} us")


if __name__ == "__main__":
    main()
