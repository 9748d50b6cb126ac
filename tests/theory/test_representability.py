"""Question 1's negative answers, measured: the step-network bound and what training reaches."""

import itertools

import numpy as np
import pytest

from chainrule.errors import ConfigError
from chainrule.theory import (
    OneHiddenLayer,
    best_step_network,
    grid,
    linear,
    max_error,
    predict,
    quadratic,
    represents,
    rms_error,
    step_best_error,
    step_best_error_fn,
    train_step_network,
)


def _brute_force(y, n_units):
    """Smallest sup error of a function taking n + 1 constant values on contiguous pieces of the
    samples ``y``: every choice of n cut positions, each piece at its mid-range."""
    best = np.inf
    for cuts in itertools.combinations(range(1, len(y)), n_units):
        edges = (0, *cuts, len(y))
        err = max((y[a:b].max() - y[a:b].min()) / 2 for a, b in zip(edges[:-1], edges[1:]))
        best = min(best, err)
    return best


@pytest.mark.parametrize("a, lo, hi, n", [(2.0, 0.0, 1.0, 1), (2.0, 0.0, 1.0, 2),
                                          (-3.0, -1.0, 2.0, 2), (0.5, 0.0, 4.0, 3)])
def test_step_best_error_matches_brute_force(a, lo, hi, n):
    points = 61
    y = a * grid((lo, hi), points)[:, 0] + 1.0
    brute = _brute_force(y, n)
    # The sampled optimum approaches the closed form from below by at most one grid step.
    bound = step_best_error(a, lo, hi, n)
    assert bound - abs(a) * (hi - lo) / (points - 1) <= brute <= bound + 1e-12
    assert step_best_error_fn(linear(a, 1.0), lo, hi, n, points) == pytest.approx(brute,
                                                                                  abs=1e-9)


def test_step_best_error_fn_matches_brute_force_for_a_quadratic():
    f = quadratic(2.0, -1.0, 1.0)
    y = f(grid((0, 1), 41)[:, 0])
    for n in (1, 2, 3):
        assert step_best_error_fn(f, 0, 1, n, 41) == pytest.approx(_brute_force(y, n), abs=1e-9)


def test_the_recitation_number():
    # "the best 8-unit step network has sup error >= 0.111 on 2x + 1 over [0, 1]"
    assert step_best_error(2, 0, 1, 8) == pytest.approx(1 / 9)
    assert step_best_error_fn(linear(2, 1), 0, 1, 8) == pytest.approx(1 / 9, abs=1e-4)


def test_best_step_network_reaches_the_bound_and_random_ones_never_beat_it():
    f = linear(2.0, 1.0)
    for n in (1, 3, 8):
        net = best_step_network(f, 0, 1, n)
        assert net.units == n
        assert max_error(net, f, (0, 1), 4001) == pytest.approx(step_best_error(2, 0, 1, n),
                                                                abs=1e-3)
    rng = np.random.default_rng(0)
    X = grid((0, 1), 2001)
    floor = step_best_error_fn(f, 0, 1, 4, 2001)
    for _ in range(200):  # any weights whatsoever: never below the bound
        net = OneHiddenLayer.from_weights(rng.normal(size=(4, 1)), rng.normal(size=4),
                                          rng.normal(size=4) * 3, rng.normal() * 3, "step")
        assert np.max(np.abs(predict(net, X) - f(X[:, 0]))) >= floor - 1e-12


def test_quadratic_is_not_representable_either():
    f = quadratic(2.0, -1.0, 1.0)
    errors = [step_best_error_fn(f, 0, 1, n) for n in (1, 2, 4, 8, 16, 32)]
    assert all(e > 0 for e in errors)
    assert all(b < a for a, b in zip(errors, errors[1:]))
    assert not represents(best_step_network(f, 0, 1, 32), f, (0, 1), tol=1e-3)


def test_trained_step_networks_get_zero_gradient_and_never_beat_the_bound():
    f = linear(2.0, 1.0)
    zero = train_step_network(f, (0, 1), units=4, derivative="zero", steps=40)
    assert zero.hidden_grad_norm == 0.0 and zero.output_grad_norm >= 0.0
    assert zero.final_error >= zero.best_error and not zero.beats_bound
    sur = train_step_network(f, (0, 1), units=4, derivative="sigmoid", steps=40)
    assert sur.hidden_grad_norm > 0.0  # a surrogate lets the thresholds move
    assert sur.final_error >= sur.best_error
    assert len(sur.losses) == 40


def test_max_error_and_rms_error():
    net = OneHiddenLayer.from_weights([[1.0]], [0.0], [1.0], 0.5, "identity")  # x + 0.5
    assert max_error(net, lambda x: x, (0, 1)) == pytest.approx(0.5, abs=1e-15)
    assert rms_error(net, lambda x: x, (0, 1)) == pytest.approx(0.5)
    assert represents(net, lambda x: x + 0.5, (0, 1))
    assert not represents(net, lambda x: x, (0, 1), tol=0.49)
    two_d = OneHiddenLayer.from_weights([[1.0, -1.0]], [0.0], [1.0], 0.0, "identity")
    assert max_error(two_d, lambda x1, x2: x1 - x2, ((0, 1), (0, 1))) == 0.0


def test_bad_arguments():
    with pytest.raises(ConfigError, match="n_units"):
        step_best_error(1.0, 0, 1, -1)
    with pytest.raises(ConfigError, match="lo < hi"):
        step_best_error(1.0, 1, 0, 2)
    with pytest.raises(ConfigError, match="one value per point"):
        max_error(OneHiddenLayer(1, 2, "relu"), lambda x: np.zeros(3), (0, 1))
    with pytest.raises(ConfigError, match="array argument"):
        max_error(OneHiddenLayer(1, 2, "relu"), lambda x1, x2: x1, (0, 1))
