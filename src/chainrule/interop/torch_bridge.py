"""PyTorch exchange: ``to_torch`` and ``from_torch`` for Sequential stacks of Linear layers.

The two libraries share conventions (W of shape (out, in), ``x @ W.T + b``), so a layer moves
across by copying its arrays; an activation by picking its twin. chainrule's GELU is the tanh
form, so it maps to ``torch.nn.GELU(approximate="tanh")`` and nothing else. The step has no
PyTorch layer: ``to_torch`` builds a small ``Step`` module whose backward is the same choice of
derivative (true zero, straight-through or sigmoid surrogate) as chainrule's.
"""

from __future__ import annotations

import numpy as np

from chainrule import nn
from chainrule.errors import ConfigError, require
from chainrule.interop._layers import as_module, dtype_of, export_layers

_TORCH_STEP = None


def _torch():
    return require("torch", "torch")


def torch_step_class():
    """The ``torch.nn.Module`` used for chainrule's Step (built once, when torch is loaded)."""
    global _TORCH_STEP
    if _TORCH_STEP is None:
        torch = _torch()

        class Step(torch.nn.Module):
            """Heaviside step 1{x >= 0}; ``derivative`` is what backward uses (as chainrule)."""

            def __init__(self, derivative: str = "zero"):
                super().__init__()
                if derivative not in ("zero", "straight_through", "sigmoid"):
                    raise ValueError(f"unknown step derivative {derivative!r}")
                self.derivative = derivative

            def forward(self, x):
                y = (x >= 0).to(x.dtype)
                if self.derivative == "zero":
                    return y + 0 * x  # keeps the graph connected: the gradient is exactly 0
                surrogate = x if self.derivative == "straight_through" else torch.sigmoid(x)
                return surrogate + (y - surrogate).detach()  # value y, gradient of surrogate

            def extra_repr(self):
                return f"derivative={self.derivative!r}"

        _TORCH_STEP = Step
    return _TORCH_STEP


def _activation_to_torch(layer):
    torch = _torch()
    tnn = torch.nn
    kind = type(layer).__name__
    if kind == "LeakyReLU":
        return tnn.LeakyReLU(negative_slope=layer.negative_slope)
    if kind == "GELU":
        return tnn.GELU(approximate="tanh")
    if kind == "Softmax":
        return tnn.Softmax(dim=layer.axis)
    if kind == "Dropout":
        return tnn.Dropout(p=layer.p)
    if kind == "Step":
        return torch_step_class()(layer.derivative)
    return getattr(tnn, kind)()  # ReLU, Sigmoid, Tanh, Identity, Softplus share the name


def to_torch(model, standardize: bool = True):
    """A ``torch.nn.Sequential`` computing what ``model`` computes, with copies of its weights.

    ``model`` is a chainrule ``Sequential``/``MLP`` (or a fitted chainrule.sklearn estimator);
    the result keeps the parameters' dtype and the model's train/eval mode. A model that
    starts with an input ``nn.Standardize`` (from ``chainrule.fit(..., standardize=True)``)
    gets it folded into the first Linear, so the torch module takes raw inputs, as the model
    does; ``standardize=False`` exports the bare network.
    """
    torch = _torch()
    layers = export_layers(model, standardize)
    dtype = {np.dtype(np.float32): torch.float32,
             np.dtype(np.float64): torch.float64}.get(np.dtype(dtype_of(layers)))
    if dtype is None:
        raise ConfigError(f"to_torch supports float32 and float64 models, found {dtype_of(layers)}")
    modules = []
    for _, layer in layers:
        if isinstance(layer, nn.Linear):
            lin = torch.nn.Linear(layer.in_features, layer.out_features,
                                  bias=layer.bias is not None, dtype=dtype)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(np.array(layer.weight.data)))
                if layer.bias is not None:
                    lin.bias.copy_(torch.from_numpy(np.array(layer.bias.data)))
            modules.append(lin)
        else:
            modules.append(_activation_to_torch(layer))
    return torch.nn.Sequential(*modules).train(as_module(model).training)


def _flatten_torch(module, path=""):
    torch = _torch()
    if isinstance(module, torch.nn.Sequential):
        out = []
        for name, child in module.named_children():
            out.extend(_flatten_torch(child, f"{path}.{name}" if path else name))
        return out
    return [(path or type(module).__name__, module)]


def _unsupported(path, module, why=""):
    return ConfigError(
        f"from_torch cannot convert layer {type(module).__name__} at '{path}'{why}; supported: "
        "nn.Sequential of Linear, ReLU, Sigmoid, Tanh, LeakyReLU, Identity, Softplus, "
        "GELU(approximate='tanh'), Softmax, Dropout and chainrule's Step"
    )


def _activation_from_torch(path, m):
    tnn = _torch().nn
    if isinstance(m, (tnn.ReLU, tnn.Sigmoid, tnn.Tanh, tnn.Identity)):
        return getattr(nn, type(m).__name__)()
    if isinstance(m, tnn.LeakyReLU):
        return nn.LeakyReLU(m.negative_slope)
    if isinstance(m, tnn.Softplus):
        if m.beta != 1:
            raise _unsupported(path, m, f" (beta={m.beta}; chainrule's Softplus has beta=1)")
        return nn.Softplus()  # torch's threshold only switches to x where the two agree anyway
    if isinstance(m, tnn.GELU):
        if m.approximate != "tanh":
            raise _unsupported(
                path, m, f" (approximate={m.approximate!r}: chainrule's GELU is the tanh form; "
                "use torch.nn.GELU(approximate='tanh'))")
        return nn.GELU()
    if isinstance(m, tnn.Softmax):
        if m.dim is None:
            raise _unsupported(path, m, " (dim=None: give the softmax an explicit dim)")
        return nn.Softmax(axis=m.dim)
    if isinstance(m, tnn.Dropout):
        return nn.Dropout(m.p)
    if isinstance(m, torch_step_class()):
        return nn.Step(m.derivative)
    raise _unsupported(path, m)


def from_torch(module):
    """A chainrule ``Sequential`` with copies of a ``torch.nn.Sequential``'s weights.

    Accepts nested Sequentials and a bare ``torch.nn.Linear``; keeps float32/float64 and the
    train/eval mode. Any other layer raises ``ConfigError`` naming it and where it sits.
    """
    torch = _torch()
    if not isinstance(module, torch.nn.Module):
        raise ConfigError(f"from_torch expects a torch.nn.Module, found {type(module).__name__}")
    layers = []
    for path, m in _flatten_torch(module):
        if isinstance(m, torch.nn.Linear):
            w = m.weight.detach().cpu()
            if w.dtype not in (torch.float32, torch.float64):
                raise _unsupported(path, m, f" (dtype {w.dtype}; convert with .float())")
            dtype = np.float32 if w.dtype == torch.float32 else np.float64
            lin = nn.Linear(m.in_features, m.out_features, bias=m.bias is not None, dtype=dtype)
            lin.weight.data[...] = w.numpy()
            if m.bias is not None:
                lin.bias.data[...] = m.bias.detach().cpu().numpy()
            layers.append(lin)
        else:
            layers.append(_activation_from_torch(path, m))
    if not any(isinstance(m, nn.Linear) for m in layers):
        raise ConfigError("from_torch: the module has no Linear layer; there is nothing to convert")
    return nn.Sequential(*layers).train(module.training)
