"""Activation modules: one class per registered activation, made from its registry entry.

``nn.ReLU``, ``nn.Tanh``, ``nn.LeakyReLU(negative_slope)``, ``nn.Step(derivative)``,
``nn.Softmax(axis)`` ... are not written out one by one: each is an ``ActivationModule``
subclass built from ``chainrule.activations`` (its ``module`` name, options and primitive), so
an activation registered later gets its class too (``nn.Swish`` after registering "swish").
A module is parameter-free and records one node of the chain-rule table per call; its config
is its type plus its options.
"""

from __future__ import annotations

from chainrule import activations
from chainrule.errors import ConfigError
from chainrule.nn.config import from_config, register
from chainrule.nn.module import Module
from chainrule.tensor import Tensor


class ActivationModule(Module):
    """Base class of the activation modules; ``activation`` is the registry entry."""

    activation: activations.Activation

    def __init__(self, *args, **options):
        super().__init__()
        keys = tuple(self.activation.options)
        if len(args) > len(keys):
            raise ConfigError(f"{type(self).__name__} takes at most {len(keys)} option(s) "
                              f"({', '.join(keys) or 'none'}), found {len(args)}")
        options.update(zip(keys, args))
        resolved = self.activation.resolve(options)
        for key, value in resolved.items():
            object.__setattr__(self, key, value)
        # Bound once: the forward pass is one primitive call, no option handling.
        self.__dict__["_bound"] = self.activation.bind(resolved)

    @property
    def options(self) -> dict:
        return {key: getattr(self, key) for key in self.activation.options}

    def forward(self, x):
        prim, params = self._bound
        return prim(x if isinstance(x, Tensor) else Tensor(x), **params)

    def __setattr__(self, name, value):
        super().__setattr__(name, value)
        if name in self.activation.options:  # an option changed: bind it again
            self.__dict__["_bound"] = self.activation.bind(self.options)

    # The bound primitive holds functions pickle cannot store: rebind it after unpickling.
    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k != "_bound"}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.__dict__["_bound"] = self.activation.bind(self.options)

    def extra_repr(self) -> str:
        shown = {**self.options, **self.activation.torch_fixed}
        return ", ".join(f"{k}={v!r}" for k, v in shown.items())

    def get_config(self) -> dict:
        return {"type": type(self).__name__, **self.options}


def module_class(act) -> type:
    """The ``ActivationModule`` subclass of ``act`` (an Activation or its name)."""
    act = activations.get(act)
    cls = globals().get(act.module)
    if isinstance(cls, type) and issubclass(cls, ActivationModule) and cls.activation is act:
        return cls
    cls = type(act.module, (ActivationModule,), {
        "activation": act, "__module__": __name__, "__qualname__": act.module,
        "__doc__": act.doc or f"The {act.name} activation: {act.formula}.",
    })
    globals()[act.module] = cls  # importable, and picklable, as chainrule.nn.<module>
    register(cls)
    return cls


activations.on_register(module_class)


def activation_module(spec) -> Module:
    """A module from a name ("relu", "logistic", "ReLU"), a Module instance or class, or a
    config dict."""
    if isinstance(spec, Module):
        return spec
    if isinstance(spec, type) and issubclass(spec, Module):
        return spec()
    if isinstance(spec, dict):
        return from_config(spec)
    if isinstance(spec, (str, activations.Activation)):
        by_class = activations.by_module(spec) if isinstance(spec, str) else None
        return module_class(by_class or activations.get(spec))()
    raise ConfigError(
        f"an activation is a name, a Module or a config dict, found {type(spec).__name__}"
    )
