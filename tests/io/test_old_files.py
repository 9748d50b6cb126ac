"""Model files written by an earlier chainrule (format version 1) still load and predict the same.

The files in ``files/`` were written by chainrule at commit 168d090 (see files/README.md), with
the predictions that version made for the inputs stored beside them.
"""

import json
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr

pytest.importorskip("safetensors")
FILES = Path(__file__).resolve().parent / "files"
EXPECTED = json.loads((FILES / "v1_expected.json").read_text())


def test_a_version_1_classifier_loads_with_its_standardizer_classes_and_task():
    model = cr.load(FILES / "v1_classifier.safetensors")
    X = np.array(EXPECTED["X"])
    np.testing.assert_allclose(cr.predict_proba(model, X), EXPECTED["proba"], rtol=1e-6,
                               atol=1e-7)
    labels = np.asarray(cr.predict(model, X))
    classes = np.array(["low", "mid", "high"])
    assert labels.tolist() in (EXPECTED["predict"], classes[EXPECTED["predict"]].tolist())


def test_a_version_1_regressor_loads_and_predicts_the_same():
    model = cr.load(FILES / "v1_regressor.safetensors")
    X = np.array(EXPECTED["regression"]["X"])
    np.testing.assert_allclose(cr.predict(model, X), EXPECTED["regression"]["predict"],
                               rtol=1e-6)
