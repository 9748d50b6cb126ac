"""Activation choice: vanishing gradients, dead and saturated units, and the fit callback."""

import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import ConfigError
from chainrule.theory import probes
from chainrule.theory.activations_study import activation_cost, activation_study, build_network
from chainrule.theory.gradient_flow import GradientFlow, GradientFlowWarning


@pytest.fixture(scope="module")
def study():
    return activation_study("moons", depths=(2, 16), steps=3, width=16)


def test_sigmoid_gradients_vanish_at_depth_16(study):
    sig, relu = study.run("sigmoid", 16), study.run("relu", 16)
    assert sig.grad_norms_init[0] < relu.grad_norms_init[0]
    # Each sigmoid layer multiplies the gradient by at most 0.25 times its weights.
    assert sig.grad_norms_init[0] < 1e-6 * sig.grad_norms_init[-1]
    assert study.run("sigmoid", 2).grad_norms_init[0] > sig.grad_norms_init[0]


def test_study_records_everything_per_run(study):
    assert len(study.runs) == 6 and study.depths == [2, 16]
    r = study.run("tanh", 16)
    assert r.grad_norms_init.shape == (17,)
    assert r.grad_norms.shape == (len(r.checkpoints), 17)
    assert r.inactive.shape == (len(r.checkpoints) + 1, 16)
    assert len(r.losses) == 3 and r.seconds_per_step > 0
    assert 0.0 <= r.accuracy <= 1.0
    assert set(study.cost) == {"sigmoid", "tanh", "relu"}
    assert "depth" in str(study) and len(study.rows()) == 6
    with pytest.raises(ConfigError, match="no run"):
        study.run("relu", 3)


def test_dead_relus_and_saturated_units_are_counted():
    X = np.random.default_rng(0).normal(size=(64, 2)).astype(np.float32)
    model = build_network(2, 2, 2, 8, "relu", seed=0)
    first = model.linears[0]
    first.bias.data[:4] = -100.0  # four units that never fire
    np.testing.assert_array_equal(probes.inactive_by_layer(model, X)[:1], [0.5])
    sig = build_network(2, 2, 1, 4, "sigmoid", seed=0)
    sig.linears[0].weight.data[:] = 0.0
    sig.linears[0].bias.data[:] = [20.0, -20.0, 0.0, 3.0]  # two saturated, two not
    np.testing.assert_array_equal(probes.inactive_by_layer(sig, X), [0.5])
    assert probes.inactive_fraction("Tanh", np.array([[4.0, 0.1], [-4.0, 0.2]])) == 0.5


def test_activation_cost_times_each_activation():
    cost = activation_cost(("relu", "tanh"), size=10_000, repeats=2)
    assert set(cost) == {"relu", "tanh"}
    assert all(f > 0 and b > 0 for f, b in cost.values())


def test_bad_study_options():
    with pytest.raises(ConfigError, match="activations"):
        activation_study("moons", depths=(2,), activations=("swish",), steps=1)
    with pytest.raises(ConfigError, match="depths"):
        activation_study("moons", depths=(0,), steps=1)
    with pytest.raises(ConfigError, match="init"):
        build_network(2, 2, 2, 4, "relu", init="orthogonal")


def test_gradient_flow_callback_records_and_warns_on_vanishing():
    ds = cr.data.load_dataset("moons", n=200)
    model = cr.nn.MLP([2] + [16] * 12 + [2], activation="sigmoid", seed=0)
    flow = GradientFlow()
    assert isinstance(flow, cr.training.Callback)
    with pytest.warns(GradientFlowWarning, match="vanish.*layers.0"):
        history = cr.fit(model, (ds.X, ds.y), epochs=2, batch_size=100, callbacks=[flow],
                         quiet=True, optimizer="sgd", lr=0.1)
    assert flow.grad_norms.shape == (2, 13)
    assert flow.inactive.shape == (2, 12)
    assert flow.grad_norms[0, 0] < 1e-4 * flow.grad_norms[0, -1]
    assert history.epochs[-1]["grad_norm_first"] == pytest.approx(flow.grad_norms[-1, 0])
    assert len(flow.warnings) == 1  # once per kind, not once per epoch
    state = flow.state_dict()
    again = GradientFlow()
    again.load_state_dict(state)
    np.testing.assert_array_equal(again.grad_norms, flow.grad_norms)


def test_gradient_flow_warns_on_exploding_and_is_quiet_when_healthy():
    ds = cr.data.load_dataset("moons", n=200)
    flow = GradientFlow(explode=1e-3)  # a limit every real gradient exceeds
    with pytest.warns(GradientFlowWarning, match="explode"):
        cr.fit(cr.nn.MLP([2, 8, 2], seed=0), (ds.X, ds.y), epochs=1, callbacks=[flow],
               quiet=True)
    healthy = GradientFlow()
    with warnings.catch_warnings():
        warnings.simplefilter("error", GradientFlowWarning)
        cr.fit(cr.nn.MLP([2, 8, 2], activation="tanh", seed=0), (ds.X, ds.y), epochs=2,
               callbacks=[healthy], quiet=True)
    assert healthy.warnings == [] and healthy.grad_norms.shape == (2, 2)
