"""chainrule.fit vs scikit-learn's MLPClassifier on digits: 64-128-10, batch 32, 50 epochs, Adam.

    python benchmarks/digits_fit.py [--repeats 5]

Both train exactly 50 epochs (scikit-learn's early stop is switched off with tol=0 and
n_iter_no_change=50) with lr 1e-3, no L2 penalty, on the same standardized 75/25 split, one
BLAS thread. Runs alternate between the libraries; the table shows medians of fit time and
test accuracy and the mean accuracy over seeds 0..repeats-1.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

import chainrule as cr
from chainrule import nn
from chainrule.data import Standardizer, load_dataset, train_test_split

EPOCHS, BATCH, LR = 50, 32, 1e-3


def _data():
    d = load_dataset("digits")
    X_tr, X_te, y_tr, y_te = train_test_split(d.X, d.y, test_size=0.25, seed=0, stratify=True)
    scaler = Standardizer().fit(X_tr)
    return scaler.transform(X_tr), scaler.transform(X_te), y_tr, y_te


def run_chainrule(seed, data):
    X_tr, X_te, y_tr, y_te = data
    model = nn.MLP([64, 128, 10], activation="relu", seed=seed)
    start = time.perf_counter()
    cr.fit(model, (X_tr.astype(np.float32), y_tr), optimizer="adam", lr=LR, epochs=EPOCHS,
           batch_size=BATCH, seed=seed, quiet=True)
    seconds = time.perf_counter() - start
    accuracy = float((cr.predict(model, X_te.astype(np.float32)) == y_te).mean())
    return seconds, accuracy


def run_sklearn(seed, data, cls=MLPClassifier):
    X_tr, X_te, y_tr, y_te = data
    est = cls(hidden_layer_sizes=(128,), solver="adam", learning_rate_init=LR,
              batch_size=BATCH, max_iter=EPOCHS, alpha=0.0, tol=0.0,
              n_iter_no_change=EPOCHS, random_state=seed)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X_tr, y_tr)
    seconds = time.perf_counter() - start
    assert est.n_iter_ == EPOCHS
    return seconds, est.score(X_te, y_te)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    data = _data()
    from chainrule.sklearn import MLPClassifier as ChainruleEstimator

    results = {"scikit-learn": [], "chainrule.fit (PyTorch-style init)": [],
               "chainrule.sklearn.MLPClassifier": []}
    with threadpool_limits(1):
        for seed in range(args.repeats):
            results["scikit-learn"].append(run_sklearn(seed, data))
            results["chainrule.fit (PyTorch-style init)"].append(run_chainrule(seed, data))
            results["chainrule.sklearn.MLPClassifier"].append(
                run_sklearn(seed, data, ChainruleEstimator))
    base = statistics.median(s for s, _ in results["scikit-learn"])
    print(f"digits, MLP 64-128-10 ReLU, Adam lr {LR}, batch {BATCH}, {EPOCHS} epochs, "
          f"1 BLAS thread, median of {args.repeats} seeds")
    print()
    print("| library | fit time (s) | vs scikit-learn | test accuracy (median) | (mean) |")
    print("|---|---:|---:|---:|---:|")
    for lib, rows in results.items():
        t = statistics.median(s for s, _ in rows)
        acc = [a for _, a in rows]
        print(f"| {lib} | {t:.3f} | {t / base:.2f}x | {statistics.median(acc):.4f} | "
              f"{statistics.mean(acc):.4f} |")


if __name__ == "__main__":
    main()
