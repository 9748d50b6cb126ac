"""Activation modules: one per activation of the chain-rule table, each a single node."""

from __future__ import annotations

from chainrule import functional as F
from chainrule import ops
from chainrule.errors import ConfigError
from chainrule.nn.config import from_config, register
from chainrule.nn.module import Module


class _Activation(Module):
    """Parameter-free; its config is its type plus its options."""

    def get_config(self) -> dict:
        return {"type": type(self).__name__}


@register
class Sigmoid(_Activation):
    def forward(self, x):
        return F.sigmoid(x)


@register
class Tanh(_Activation):
    def forward(self, x):
        return F.tanh(x)


@register
class ReLU(_Activation):
    def forward(self, x):
        return F.relu(x)


@register
class LeakyReLU(_Activation):
    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        self.negative_slope = float(negative_slope)

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"

    def get_config(self) -> dict:
        return {"type": "LeakyReLU", "negative_slope": self.negative_slope}


@register
class Step(_Activation):
    """Heaviside step 1{z >= 0}; ``derivative`` is "zero" (true), "straight_through" or
    "sigmoid" (surrogates), see ``chainrule.functional.step``."""

    def __init__(self, derivative: str = "zero"):
        super().__init__()
        if derivative not in ops.STEP_DERIVATIVES:
            raise ConfigError(
                f"Step derivative must be one of {sorted(ops.STEP_DERIVATIVES)}, "
                f"found {derivative!r}"
            )
        self.derivative = derivative

    def forward(self, x):
        return F.step(x, self.derivative)

    def extra_repr(self) -> str:
        return f"derivative={self.derivative!r}"

    def get_config(self) -> dict:
        return {"type": "Step", "derivative": self.derivative}


@register
class Identity(_Activation):
    def forward(self, x):
        return F.identity(x)


@register
class Softplus(_Activation):
    def forward(self, x):
        return F.softplus(x)


@register
class GELU(_Activation):
    """GELU in its tanh form (``torch.nn.GELU(approximate="tanh")``)."""

    def forward(self, x):
        return F.gelu(x)

    def extra_repr(self) -> str:
        return "approximate='tanh'"


@register
class Softmax(_Activation):
    """Softmax along ``axis`` (PyTorch's ``dim`` is accepted as a synonym)."""

    def __init__(self, axis: int = -1, dim: int | None = None):
        super().__init__()
        self.axis = int(axis if dim is None else dim)

    def forward(self, x):
        return F.softmax(x, self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"

    def get_config(self) -> dict:
        return {"type": "Softmax", "axis": self.axis}


# Names accepted wherever an activation is chosen by name (MLP, fit, the CLI).
ACTIVATIONS = {
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "step": Step,
    "identity": Identity,
    "linear": Identity,
    "softplus": Softplus,
    "gelu": GELU,
    "softmax": Softmax,
}


def activation_module(spec) -> Module:
    """A module from a name ("relu"), a Module instance or class, or a config dict."""
    if isinstance(spec, Module):
        return spec
    if isinstance(spec, type) and issubclass(spec, Module):
        return spec()
    if isinstance(spec, dict):
        return from_config(spec)
    if isinstance(spec, str):
        cls = ACTIVATIONS.get(spec.lower())
        if cls is None:
            raise ConfigError(
                f"unknown activation {spec!r}; choose one of {', '.join(ACTIVATIONS)} "
                "or pass a Module"
            )
        return cls()
    raise ConfigError(
        f"an activation is a name, a Module or a config dict, found {type(spec).__name__}"
    )
