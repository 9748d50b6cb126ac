"""chainrule.nn: modules in PyTorch's style on the chainrule engine.

    import chainrule as cr
    model = cr.nn.MLP([2, 16, 2], activation="tanh", seed=0)
    loss = cr.nn.CrossEntropyLoss()(model(X), y)
"""

from chainrule import activations as _registry
from chainrule.nn import init
from chainrule.nn.activations import ActivationModule, activation_module, module_class
from chainrule.nn.config import from_config, register, registered
from chainrule.nn.containers import Sequential
from chainrule.nn.dropout import Dropout
from chainrule.nn.info import TrainingInfo
from chainrule.nn.linear import Linear
from chainrule.nn.losses import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from chainrule.nn.mlp import MLP
from chainrule.nn.module import Module, Parameter
from chainrule.nn.standardize import Standardize

# nn.ReLU, nn.Tanh, nn.Step, ...: one class per registered activation (chainrule.activations).
globals().update({a.module: module_class(a) for a in _registry.all_activations()})


def __getattr__(name):
    """An activation class registered after this import (``nn.Swish``)."""
    act = _registry.by_module(name)
    if act is None:
        raise AttributeError(f"module 'chainrule.nn' has no attribute {name!r}")
    return module_class(act)


__all__ = [
    "ActivationModule", "BCEWithLogitsLoss", "CrossEntropyLoss", "Dropout", "Linear", "MLP",
    "MSELoss", "Module", "Parameter", "Sequential", "Standardize", "TrainingInfo",
    "activation_module", "from_config", "init", "module_class", "register", "registered",
    *(a.module for a in _registry.all_activations()),
]
