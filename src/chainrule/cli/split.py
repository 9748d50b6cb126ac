"""The data a command runs on, and its one train/test split.

``chainrule train`` holds out the published test split of a data set that has one, else a
seeded, stratified ``TEST_SIZE`` part; the model file records the data set, the seed and the
test size, so ``chainrule evaluate`` cuts the same held-out part again with ``split``.
"""

from __future__ import annotations

import os

import numpy as np

from chainrule.errors import DataError

TEST_SIZE = 0.2


def data_name(spec: str) -> str:
    """A file path made absolute (so --resume works from another folder); names unchanged."""
    from chainrule.data import DATASETS

    if spec.strip().lower() in DATASETS or not os.path.exists(spec):
        return spec  # a name, or a missing file that load_data will report as given
    return os.path.abspath(spec)


def split(data, seed: int, test_size: float = TEST_SIZE) -> tuple:
    """``(X_train, y_train, X_test, y_test)``: the published split, else a seeded random one,
    stratified by class when every class has two samples or more."""
    from chainrule.data import train_test_split

    if data.X_test is not None:
        return data.X, data.y, data.X_test, data.y_test
    stratify = data.task == "classification" and np.bincount(data.y).min() >= 2
    X_train, X_test, y_train, y_test = train_test_split(
        data.X, data.y, test_size=test_size, seed=seed, stratify=True if stratify else None)
    return X_train, y_train, X_test, y_test


def load_split(spec: str, target, seed: int):
    """The data set ``spec`` names and its (train, test) arrays, for training."""
    from chainrule.data import load_data

    data = load_data(spec, target=target)
    if data.X_test is None and len(data.X) < 5:
        raise DataError(f"{spec}: only {len(data.X)} samples; training needs at least 5 "
                        "(4 to train on and 1 to test)")
    return data, split(data, seed)


def split_name(data) -> str:
    """How the test part was chosen, for the summary: "published" or "random 20%"."""
    return "published" if data.X_test is not None else f"random {int(TEST_SIZE * 100)}%"


def held_out(data, info, spec: str) -> tuple:
    """``(X, y, where)`` to evaluate a model on: the published test split, else the part
    ``chainrule train`` held out when the model was trained on this data set, else all of it."""
    if data.X_test is not None:
        return data.X_test, data.y_test, "the published test split"
    if info.dataset == data_name(spec) and info.seed is not None and "test_size" in info.metadata:
        _, _, X, y = split(data, info.seed, info.metadata["test_size"])
        return X, y, "the test split it was trained with"
    return data.X, data.y, "all samples"
