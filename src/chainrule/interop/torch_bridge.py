"""PyTorch exchange: ``to_torch`` and ``from_torch`` for Sequential stacks of Linear layers.

The two libraries share conventions (W of shape (out, in), ``x @ W.T + b``), so a layer moves
across by copying its arrays; an activation by the twin its registry entry declares
(``chainrule.activations``: a torch.nn class and how options map to its arguments). chainrule's
GELU is the tanh form, so it maps to ``torch.nn.GELU(approximate="tanh")`` and nothing else.
An activation torch lacks (the step) gets a small torch module built from the entry's
``torch_forward``, whose backward is the same choice of derivative as chainrule's.
"""

from __future__ import annotations

import numpy as np

from chainrule import activations, nn
from chainrule.errors import ConfigError, require
from chainrule.interop._layers import as_module, dtype_of, export_layers

_OWN_CLASSES: dict = {}  # Activation -> the torch.nn.Module class built for it


def _torch():
    return require("torch", "torch")


def torch_activation_class(act):
    """The ``torch.nn.Module`` class of a registered activation that torch lacks (the step),
    built once from the entry's ``torch_forward``; its backward follows the same options
    (the step's derivative policy) as chainrule's."""
    act = activations.get(act)
    cls = _OWN_CLASSES.get(act)
    if cls is None:
        torch = _torch()
        keys = tuple(act.options)

        def __init__(self, *args, **options):
            torch.nn.Module.__init__(self)
            options.update(zip(keys, args))
            for key, value in act.resolve(options).items():
                setattr(self, key, value)

        def forward(self, x):
            return act.torch_forward(torch, x, **{k: getattr(self, k) for k in keys})

        def extra_repr(self):
            return ", ".join(f"{k}={getattr(self, k)!r}" for k in keys)

        cls = _OWN_CLASSES[act] = type(act.module, (torch.nn.Module,), {
            "__init__": __init__, "forward": forward, "extra_repr": extra_repr,
            "__doc__": act.doc, "chainrule_activation": act})
    return cls


def torch_twin(layer) -> tuple:
    """``(torch class name, constructor arguments)`` of a chainrule layer other than Linear."""
    if isinstance(layer, nn.Dropout):
        return "Dropout", {"p": layer.p}
    act, options = layer.activation, layer.options
    if act.torch is not None:
        kwargs = {act.torch_options[k]: v for k, v in options.items() if k in act.torch_options}
        return act.torch, {**kwargs, **act.torch_fixed}
    if act.torch_forward is not None:
        return act.module, dict(options)
    raise ConfigError(f"the {act.name} activation declares no PyTorch twin (its registry "
                      "entry's torch= or torch_forward=); it cannot be exported to PyTorch")


def torch_class(name: str):
    """The torch class called ``name``: torch.nn's, or one built for a chainrule activation."""
    act = activations.by_module(name)
    if act is not None and act.torch is None and act.torch_forward is not None:
        return torch_activation_class(act)
    cls = getattr(_torch().nn, name, None)
    if cls is None:
        raise ConfigError(f"torch.nn has no layer {name!r}")
    return cls


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
            name, kwargs = torch_twin(layer)
            modules.append(torch_class(name)(**kwargs))
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
    known = ", ".join(["Linear", "Dropout", *(a.torch or f"chainrule's {a.module}"
                                              for a in activations.all_activations()
                                              if a.torch or a.torch_forward)])
    return ConfigError(f"from_torch cannot convert layer {type(module).__name__} at "
                       f"'{path}'{why}; supported: nn.Sequential of {known}")


def _twin_of(m):
    """The registry entry whose torch twin ``m`` is, or None."""
    own = getattr(type(m), "chainrule_activation", None)
    if own is not None:
        return own
    name = type(m).__name__
    return next((a for a in activations.all_activations() if a.torch == name), None)


def _activation_from_torch(path, m):
    if isinstance(m, _torch().nn.Dropout):
        return nn.Dropout(m.p)
    act = _twin_of(m)
    if act is None:
        raise _unsupported(path, m)
    if act.torch is None:  # chainrule's own torch class keeps the options by name
        return nn.module_class(act)(**{k: getattr(m, k) for k in act.options})
    for attr, value in act.torch_fixed.items():
        if getattr(m, attr, value) != value:
            raise _unsupported(path, m, f" ({attr}={getattr(m, attr)!r}: chainrule's "
                               f"{act.module} has {attr}={value!r})")
    options = {}
    for option, attr in act.torch_options.items():
        value = getattr(m, attr, None)
        if value is None:
            raise _unsupported(path, m, f" ({attr}=None: give it an explicit {attr})")
        options[option] = value
    return nn.module_class(act)(**options)


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
