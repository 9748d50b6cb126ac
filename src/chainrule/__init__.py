"""chainrule: neural networks and backpropagation you can see, on NumPy.

    import chainrule as cr
    x = cr.tensor([1.0, -2.0], requires_grad=True)
    y = cr.relu(x).sum()
    y.backward()            # x.grad == [1., 0.]

The engine (Tensor, the chain-rule table, backward) is imported eagerly; the higher layers
(nn, optim, data, training, model files, inspection tools) load on first use.
"""

from __future__ import annotations

import importlib

from chainrule import activations, functional
from chainrule.autograd import Primitive, enable_grad, is_grad_enabled, no_grad
from chainrule.creation import (
    arange,
    full,
    linspace,
    manual_seed,
    ones,
    ones_like,
    rand,
    randn,
    zeros,
    zeros_like,
)
from chainrule.errors import (
    ChainruleError,
    ConfigError,
    DataError,
    DTypeError,
    GradcheckError,
    GraphError,
    MissingExtraError,
    ModelFileError,
    ShapeError,
)
from chainrule.functional import (
    cat,
    concatenate,
    cross_entropy,
    log_softmax,
    maximum,
    minimum,
    mse_loss,
    relu,
    sigmoid,
    softmax,
    stack,
    tanh,
    where,
)
from chainrule.inspect.gradcheck import gradcheck
from chainrule.tensor import Tensor, tensor

__version__ = "0.1.0"

float32 = "float32"
float64 = "float64"

# name -> "module:attribute" for the parts that load on first use.
_LAZY = {
    "nn": "chainrule.nn",
    "optim": "chainrule.optim",
    "data": "chainrule.data",
    "inspect": "chainrule.inspect",
    "theory": "chainrule.theory",
    "interop": "chainrule.interop",
    "fit": "chainrule.training:fit",
    "History": "chainrule.training:History",
    "predict": "chainrule.training:predict",
    "predict_proba": "chainrule.training:predict_proba",
    "evaluate": "chainrule.training:evaluate",
    "EarlyStopping": "chainrule.training:EarlyStopping",
    "ModelCheckpoint": "chainrule.training:ModelCheckpoint",
    "save": "chainrule.io:save",
    "load": "chainrule.io:load",
    "explain": "chainrule.inspect.explain:explain",
    "draw": "chainrule.inspect.draw:draw",
    "detect_anomaly": "chainrule.inspect.anomaly:detect_anomaly",
}


def __getattr__(name):
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'chainrule' has no attribute {name!r}")
    module_name, _, attr = target.partition(":")
    module = importlib.import_module(module_name)
    value = getattr(module, attr) if attr else module
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "ChainruleError", "ConfigError", "DTypeError", "DataError", "GradcheckError", "GraphError",
    "MissingExtraError", "ModelFileError", "Primitive", "ShapeError", "Tensor", "activations",
    "cat",
    "concatenate", "cross_entropy", "enable_grad", "functional", "gradcheck", "is_grad_enabled",
    "log_softmax", "maximum", "minimum", "mse_loss", "no_grad", "relu", "sigmoid", "softmax",
    "stack", "tanh", "tensor", "where",
    "arange", "full", "linspace", "manual_seed", "ones", "ones_like", "rand", "randn", "zeros",
    "zeros_like",
    *_LAZY,
]
