"""chainrule.sklearn.MLPClassifier vs sklearn.neural_network.MLPClassifier, same settings.

    python benchmarks/sklearn_fit.py                 # prints a Markdown table
    python benchmarks/sklearn_fit.py --repeats 5 --threads 2

Both estimators get the same standardized float64 arrays, hidden sizes, solver, learning rate,
batch size, alpha, max_iter, tol and n_iter_no_change; run r of each uses random_state=r, and
the runs alternate (scikit-learn, chainrule, scikit-learn, ...) so machine noise hits both.
The table shows medians over the runs (fit time, wall clock; test accuracy; epochs) and the
mean test accuracy (one test sample is 1/450 of digits' accuracy: medians move in such steps).
BLAS runs with --threads threads for BOTH (default 1: on layers this small, threads cost more
than they give, and on a shared machine threaded timings are mostly noise).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SkMLP
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from chainrule.sklearn import MLPClassifier as CrMLP

SETTINGS = dict(hidden_layer_sizes=(100,), activation="relu", solver="adam",
                learning_rate_init=1e-3, batch_size=200, alpha=1e-4, max_iter=200, tol=1e-4,
                n_iter_no_change=10)
DATASETS = {"digits (1797 x 64, 10 classes)": load_digits,
            "breast_cancer (569 x 30, 2 classes)": load_breast_cancer}


def _split(loader):
    X, y = loader(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_tr)
    return scaler.transform(X_tr), scaler.transform(X_te), y_tr, y_te


def _run(cls, seed, data):
    X_tr, X_te, y_tr, y_te = data
    est = cls(**SETTINGS, random_state=seed)
    start = time.perf_counter()
    est.fit(X_tr, y_tr)
    seconds = time.perf_counter() - start
    return seconds, est.score(X_te, y_te), est.n_iter_


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs per library (>= 3)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads for both")
    args = parser.parse_args(argv)
    repeats = max(3, args.repeats)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    libraries = {"scikit-learn": SkMLP, "chainrule": CrMLP}
    rows = []
    with threadpool_limits(limits=args.threads, user_api="blas"):
        for name, loader in DATASETS.items():
            data = _split(loader)
            for cls in libraries.values():  # warm-up: imports, caches, first-call costs
                cls(**{**SETTINGS, "max_iter": 2}).fit(data[0], data[2])
            results = {lib: [] for lib in libraries}
            for seed in range(repeats):
                for lib, cls in libraries.items():
                    results[lib].append(_run(cls, seed, data))
            medians = {lib: [statistics.median(col) for col in zip(*runs)]
                       for lib, runs in results.items()}
            base = medians["scikit-learn"][0]
            for lib, (seconds, acc, epochs) in medians.items():
                mean_acc = statistics.fmean(run[1] for run in results[lib])
                rows.append(f"| {name} | {lib} | {seconds:.3f} | {seconds / base:.2f}x | "
                            f"{acc:.4f} | {mean_acc:.4f} | {epochs:g} |")
    print(f"Settings (both): {SETTINGS}; medians of {repeats} runs (random_state 0..{repeats - 1})"
          f", BLAS threads: {args.threads}; {platform.machine()}, Python "
          f"{platform.python_version()}, NumPy {np.__version__}")
    print()
    print("| data set | library | fit time (s) | time vs scikit-learn | test accuracy | "
          "(mean) | epochs |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
