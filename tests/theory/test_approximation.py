"""Universal approximation: the error falls as the hidden layer grows."""

import numpy as np
import pytest

from chainrule.errors import ConfigError
from chainrule.theory.approximation import (
    TARGETS,
    approximation_study,
    approximation_sweep,
    resolve_target,
)

QUICK = dict(steps=150, restarts=2)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "step"])
def test_error_falls_with_width_on_sin(activation):
    sweep = approximation_sweep("sin", units=(2, 8, 32), activation=activation, **QUICK)
    assert sweep.units == [2, 8, 32]
    assert sweep.sup_error[0] > sweep.sup_error[1] > sweep.sup_error[2]
    assert sweep.rms_error[0] > sweep.rms_error[1] > sweep.rms_error[2]
    assert sweep.sup_error[2] < 0.1
    assert sweep.trained == (activation != "step")
    # The recorded errors are the errors of the recorded predictions.
    err = sweep.predictions[32] - sweep.y_eval
    assert sweep.sup_error[2] == pytest.approx(np.max(np.abs(err)))
    assert sweep.rms_error[2] == pytest.approx(np.sqrt(np.mean(err ** 2)))


def test_a_python_function_in_two_dimensions():
    sweep = approximation_sweep(lambda x1, x2: x1 * x2, ((-1, 1), (-1, 1)), units=(2, 32),
                                activation="tanh", steps=150, restarts=1)
    assert sweep.X_eval.shape[1] == 2
    assert sweep.sup_error[1] < sweep.sup_error[0]
    assert sweep.target == "<lambda>"


def test_a_one_dimensional_python_function_gets_a_default_domain():
    f, box, name = resolve_target(np.cos)
    np.testing.assert_array_equal(box, [[-1.0, 1.0]])
    _, box2, _ = resolve_target(lambda a, b: a + b)
    assert box2.shape == (2, 2)


def test_the_study_covers_every_activation_and_skips_step_in_2d():
    sweeps = approximation_study("sin", units=(4,), steps=20, restarts=1)
    assert [s.activation for s in sweeps] == ["sigmoid", "tanh", "relu", "step"]
    sweeps2 = approximation_study("sin2d", units=(4,), steps=5, restarts=1)
    assert "step" not in [s.activation for s in sweeps2]


def test_targets_and_options_are_checked():
    assert {"sin", "abs", "step", "sawtooth"} <= set(TARGETS)
    with pytest.raises(ConfigError, match="unknown target"):
        approximation_sweep("cosh")
    with pytest.raises(ConfigError, match="positive integers"):
        approximation_sweep("sin", units=(0, 2))
    with pytest.raises(ConfigError, match="unknown activation"):
        approximation_sweep("sin", units=(2,), activation="swish")
    with pytest.raises(ConfigError, match="one-dimensional"):
        approximation_sweep("sin2d", units=(2,), activation="step")
    with pytest.raises(ConfigError, match="restarts"):
        approximation_sweep("sin", units=(2,), restarts=0)
