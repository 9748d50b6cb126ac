"""Minor page faults per training step of config (d): chainrule vs the NumPy floor.

    python benchmarks/page_faults.py

Fresh output and gradient arrays each step are what separates chainrule from a loop with
preallocated buffers on large layers; this counts the page faults that cost (ru_minflt).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import resource

import numpy as np
from train_step import chainrule_step, numpy_step

SIZES, BATCH, STEPS = [784, 1024, 1024, 10], 512, 20


def faults_per_step(make) -> float:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], BATCH)
    step = make(SIZES, X, y)
    for _ in range(3):  # warm-up
        step()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(STEPS):
        step()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / STEPS


if __name__ == "__main__":
    for name, make in (("chainrule", chainrule_step), ("NumPy floor", numpy_step)):
        print(f"{name}: {faults_per_step(make):.0f} minor page faults per step")
