"""chainrule.nn: modules in PyTorch's style on the chainrule engine.

    import chainrule as cr
    model = cr.nn.MLP([2, 16, 2], activation="tanh", seed=0)
    loss = cr.nn.CrossEntropyLoss()(model(X), y)
"""

from chainrule.nn import init
from chainrule.nn.activations import (
    ACTIVATIONS,
    GELU,
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softmax,
    Softplus,
    Step,
    Tanh,
    activation_module,
)
from chainrule.nn.config import from_config, register, registered
from chainrule.nn.containers import Sequential
from chainrule.nn.dropout import Dropout
from chainrule.nn.info import TrainingInfo
from chainrule.nn.linear import Linear
from chainrule.nn.losses import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from chainrule.nn.mlp import MLP
from chainrule.nn.module import Module, Parameter
from chainrule.nn.standardize import Standardize

__all__ = [
    "ACTIVATIONS", "BCEWithLogitsLoss", "CrossEntropyLoss", "Dropout", "GELU", "Identity",
    "LeakyReLU", "Linear", "MLP", "MSELoss", "Module", "Parameter", "ReLU", "Sequential",
    "Sigmoid", "Softmax", "Softplus", "Standardize", "Step", "Tanh", "TrainingInfo",
    "activation_module", "from_config", "init", "register", "registered",
]
