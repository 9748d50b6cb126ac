"""The activation registry: one declaration per activation, read by functional and nn."""

import pickle

import numpy as np
import pytest

import chainrule as cr
import chainrule.functional as F
from chainrule import activations, nn
from chainrule.errors import ConfigError

ELEMENTWISE = [a for a in activations.all_activations() if a.hidden]


def _z():
    return np.array([[-3.0, -1.1, -0.2, 0.3, 1.7, 4.0]])


@pytest.mark.parametrize("act", activations.all_activations(), ids=lambda a: a.name)
def test_functional_form_module_and_registry_entry_agree(act):
    z = _z()
    by_entry = act(z).data
    np.testing.assert_array_equal(F.activation(act.name)(z).data, by_entry)
    np.testing.assert_array_equal(getattr(F, act.name)(z).data, by_entry)
    module = nn.activation_module(act.name)
    assert type(module) is getattr(nn, act.module) and module.activation is act
    np.testing.assert_array_equal(module(z).data, by_entry)
    # The textbook NumPy form is the same function.
    np.testing.assert_allclose(act.value(z, **act.resolve()), by_entry, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("act", [a for a in ELEMENTWISE if a.derivative is not None],
                         ids=lambda a: a.name)
def test_the_textbook_derivative_is_the_engines(act):
    policies = tuple(act.primitive) if act.policy else (None,)
    for policy in policies:
        options = {act.policy: policy} if policy else {}
        x = cr.tensor(_z(), requires_grad=True)
        act(x, **options).sum().backward()
        np.testing.assert_allclose(x.grad, act.derivative(_z(), **act.resolve(options)),
                                   rtol=1e-12, atol=1e-15)


def test_names_aliases_and_a_did_you_mean_error():
    assert activations.get("logistic") is activations.SIGMOID is activations.get("Sigmoid")
    assert activations.get("linear") is activations.IDENTITY
    assert "softmax" not in activations.names(hidden=True)
    assert "step" not in activations.names(hidden=True, trainable=True)
    assert set(activations.names(tag="slides")) == {"sigmoid", "tanh", "relu"}
    with pytest.raises(ConfigError, match=r"unknown activation 'rleu' \(did you mean 'relu'\?\)"):
        activations.get("rleu")
    with pytest.raises(ConfigError, match="already taken"):
        activations.register(activations.Activation("logistic", cr.ops.sigmoid))


def test_options_are_checked_positional_or_by_keyword():
    z = _z()
    np.testing.assert_array_equal(F.leaky_relu(z, 0.2).data,
                                  F.leaky_relu(z, negative_slope=0.2).data)
    np.testing.assert_array_equal(nn.LeakyReLU(0.2)(z).data, F.leaky_relu(z, 0.2).data)
    assert nn.Softmax(dim=0).axis == 0 and nn.Softmax(dim=0).get_config() == {
        "type": "Softmax", "axis": 0}
    with pytest.raises(ConfigError, match="no option 'slope'"):
        F.leaky_relu(z, slope=0.2)
    with pytest.raises(ConfigError, match="derivative"):
        F.step(z, "magic")
    with pytest.raises(ConfigError, match="at most 1 option"):
        F.step(z, "zero", 1)
    module = nn.LeakyReLU(0.2)
    module.negative_slope = 0.5  # changing an option rebinds the module
    np.testing.assert_array_equal(module(z).data, F.leaky_relu(z, 0.5).data)


def test_init_gains_are_torchs(torch):
    for act in activations.all_activations(hidden=True):
        if act.name in ("sigmoid", "tanh", "relu", "leaky_relu"):
            assert act.init_gain() == pytest.approx(torch.nn.init.calculate_gain(act.name))
    assert activations.LEAKY_RELU.init_gain({"negative_slope": 0.2}) == pytest.approx(
        torch.nn.init.calculate_gain("leaky_relu", 0.2))


def test_a_registered_activation_is_a_function_a_module_and_an_mlp_choice(swish):
    z = _z()
    np.testing.assert_allclose(F.swish(z).data, swish.value(z), rtol=1e-12)
    assert isinstance(nn.Swish(), nn.ActivationModule)
    model = nn.MLP([2, 3, 2], activation="swish", seed=0, dtype=np.float64)
    assert model.get_config()["activation"] == "swish"
    rebuilt = nn.from_config(model.get_config())
    rebuilt.load_state_dict(model.state_dict())
    X = np.random.default_rng(0).normal(size=(4, 2))
    np.testing.assert_array_equal(rebuilt(X).data, model(X).data)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(model))(X).data, model(X).data)
    cr.gradcheck(lambda t: F.swish(t), np.array([-1.5, 0.2, 2.0]))
