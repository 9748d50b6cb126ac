"""Model files written by an earlier chainrule (format version 1) still load and predict the same.

The files in ``files/`` were written by chainrule at commit 168d090 (see files/README.md), with
the predictions that version made for the inputs stored beside them.
"""

import json
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn

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
    # predict now answers with the class names (it returned indices in version 1)
    assert labels.tolist() == classes[EXPECTED["predict"]].tolist()


def test_a_version_1_standardizer_becomes_a_layer_and_the_rest_the_record():
    model = cr.load(FILES / "v1_classifier.safetensors")
    first = model.layers[0]
    assert isinstance(first, nn.Standardize) and first.mean.dtype == np.float64
    assert np.all(np.abs(first.mean - 5) < 2) and np.all(np.abs(first.scale - 3) < 1.5)
    assert model.info == nn.TrainingInfo(task="classification", classes=["low", "mid", "high"],
                                         dataset="hand-made", seed=1)
    X = np.array(EXPECTED["X"])
    with cr.no_grad():  # model(X) itself takes the raw inputs now
        np.testing.assert_allclose(cr.softmax(model.eval()(X), axis=1).data,
                                   EXPECTED["proba"], rtol=1e-5, atol=1e-6)
    regressor = cr.load(FILES / "v1_regressor.safetensors")
    assert not isinstance(regressor.layers[0], nn.Standardize)
    assert regressor.info.task == "regression" and regressor.info.classes is None


def test_a_version_1_file_saved_again_is_version_2_and_predicts_the_same(tmp_path):
    model = cr.load(FILES / "v1_classifier.safetensors")
    cr.save(model, tmp_path / "v2.safetensors")
    again = cr.load(tmp_path / "v2.safetensors")
    X = np.array(EXPECTED["X"])
    np.testing.assert_array_equal(cr.predict_proba(again, X), cr.predict_proba(model, X))
    assert again.info == model.info and isinstance(again.layers[0], nn.Standardize)


def test_a_version_1_regressor_loads_and_predicts_the_same():
    model = cr.load(FILES / "v1_regressor.safetensors")
    X = np.array(EXPECTED["regression"]["X"])
    np.testing.assert_allclose(cr.predict(model, X), EXPECTED["regression"]["predict"],
                               rtol=1e-6)
