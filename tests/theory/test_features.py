"""Feature learning: hidden units over the plane, before and after training."""

import numpy as np
import pytest

from chainrule.errors import ConfigError
from chainrule.theory import xor_relu
from chainrule.theory.features import feature_learning, plane_maps


def test_xor_unit_maps_are_relu_of_the_slides_weights():
    maps = plane_maps(xor_relu(), (-1, 1, -1, 1), resolution=5)
    gx, gy = np.meshgrid(maps.xs, maps.ys)
    assert [(layer, unit) for layer, unit, _ in maps.units] == [(1, 0), (1, 1)]
    np.testing.assert_allclose(maps.units[0][2], np.maximum(gx + gy, 0))
    np.testing.assert_allclose(maps.units[1][2], np.maximum(-gx - gy, 0))
    np.testing.assert_allclose(maps.output, np.abs(gx + gy) - 1)
    assert maps.output_label == "output f(x)"
    np.testing.assert_array_equal(maps.predicted, (np.abs(gx + gy) - 1 > 0).astype(int))


def test_training_learns_features_that_separate_circles():
    study = feature_learning("circles", hidden=(6,), steps=150, resolution=20)
    assert study.accuracy_after > 0.9 > study.accuracy_before
    assert len(study.before.units) == len(study.after.units) == 6
    assert study.after.output_label == "P(class 1)"
    assert study.before.output.shape == (20, 20)
    # The units changed: training moved them.
    assert not np.allclose(study.before.units[0][2], study.after.units[0][2])
    assert study.losses[-1] < study.losses[0]


def test_feature_maps_need_2d_classification_data():
    with pytest.raises(ConfigError, match="2-D classification"):
        feature_learning("sine")
