"""The results the issue asks for, with fixed seeds (numbers measured, never typed in).

- digits, the default `chainrule train`: test accuracy >= 0.97 in under 30 s;
- moons (noise 0.2, 1000 test points) >= 0.95, next to scikit-learn's MLP;
- spirals (3 arms, low noise) >= 0.95;
- XOR: the fraction of seeds a 2-2-1 ReLU network solves (what docs/training.md states),
  and a 2-8-1 network solving every seed;
- mnist1d (published 4000/1000 split) >= 0.65 with an MLP.
"""

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.data import load_dataset, moons, spirals, xor
from chainrule.training import evaluate, predict

DOCS = Path(__file__).resolve().parents[2] / "docs" / "training.md"


def test_default_chainrule_train_reaches_097_on_digits_in_under_30_s(tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("safetensors")
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "chainrule", "train", "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=300)
    seconds = time.perf_counter() - start
    assert run.returncode == 0, run.stderr
    summary = json.loads((tmp_path / "metrics.json").read_text())
    assert summary["options"]["data"] == "digits"
    assert summary["model"]["sizes"] == [64, 128, 10] and summary["model"]["activation"] == "relu"
    assert summary["options"]["optimizer"] == "adam"
    assert summary["final"]["test"]["accuracy"] >= 0.97
    assert seconds < 30, f"the default run took {seconds:.1f} s"


def _train_classifier(train, sizes, seed, epochs, lr, batch_size=32):
    model = nn.MLP(sizes, seed=seed)
    cr.fit(model, train, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed,
           standardize=True, quiet=True)
    return model


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_moons_reaches_095_on_1000_test_points(seed):
    train = moons(n=1000, noise=0.2, seed=seed)
    test = moons(n=1000, noise=0.2, seed=100 + seed)
    model = _train_classifier(train, [2, 64, 64, 2], seed, epochs=60, lr=3e-3)
    assert evaluate(model, test.X, test.y)["accuracy"] >= 0.95


def test_moons_is_on_par_with_scikit_learn():
    sk = pytest.importorskip("sklearn.neural_network")
    train, test = moons(n=1000, noise=0.2, seed=0), moons(n=1000, noise=0.2, seed=100)
    ours = evaluate(_train_classifier(train, [2, 64, 64, 2], 0, 60, 3e-3), test.X, test.y)
    theirs = sk.MLPClassifier(hidden_layer_sizes=(64, 64), max_iter=300, random_state=0)
    theirs.fit(train.X, train.y)
    assert ours["accuracy"] >= theirs.score(test.X, test.y) - 0.01


@pytest.mark.parametrize("seed", [0, 1])
def test_spirals_reach_095(seed):
    train = spirals(n=1500, arms=3, noise=0.1, seed=seed)
    test = spirals(n=1500, arms=3, noise=0.1, seed=100 + seed)
    model = _train_classifier(train, [2, 64, 64, 3], seed, epochs=60, lr=3e-3)
    assert evaluate(model, test.X, test.y)["accuracy"] >= 0.95


def _xor_solved(hidden: int, seed: int) -> bool:
    """Train a 2-hidden-1 ReLU network on the recitation's four XOR points (one logit)."""
    data = xor(4)
    model = nn.MLP([2, hidden, 1], activation="relu", seed=seed)
    cr.fit(model, data, loss="bce", epochs=300, batch_size=4, lr=0.05, seed=seed, quiet=True)
    # predict answers with the class names ("-1", "1") the data set gave the model
    return bool(np.array_equal(predict(model, data.X), np.asarray(data.classes)[data.y]))


def test_xor_2_2_1_solves_some_seeds_and_docs_state_the_measured_fraction():
    solved = sum(_xor_solved(2, seed) for seed in range(20))
    # Dead or half-dead ReLUs trap some seeds; others find the recitation's solution.
    assert 0 < solved < 20
    stated = re.search(r"2-2-1 ReLU network solves XOR for \*\*(\d+) of 20 seeds\*\*",
                       DOCS.read_text())
    assert stated, "docs/training.md must state the 2-2-1 XOR fraction"
    assert int(stated.group(1)) == solved, f"measured {solved} of 20; update docs/training.md"


def test_xor_2_8_1_solves_every_seed():
    assert all(_xor_solved(8, seed) for seed in range(10))


@pytest.mark.slow
def test_mnist1d_mlp_reaches_065_on_the_published_split():
    pytest.importorskip("mnist1d")
    data = load_dataset("mnist1d")
    assert (len(data.X), len(data.X_test)) == (4000, 1000)
    model = nn.MLP([40, 256, 256, 10], activation="relu", dropout=0.3, seed=0)
    cr.fit(model, data, epochs=100, batch_size=100, lr=1e-3, seed=0, standardize=True,
           quiet=True)
    assert evaluate(model, data.X_test, data.y_test)["accuracy"] >= 0.65
