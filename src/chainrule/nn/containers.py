"""Sequential: modules applied in order, with the trace names z1, h1, z2, ... on the outputs."""

from __future__ import annotations

from collections import OrderedDict

from chainrule.errors import ConfigError
from chainrule.nn.activations import ActivationModule
from chainrule.nn.config import from_config, register
from chainrule.nn.linear import Linear
from chainrule.nn.module import Module


def _trace_names(layers) -> list:
    """z{k} for the k-th Linear's output, h{k} for the activation after it, y_hat for an
    activation after the last Linear (the network's prediction); None for anything else."""
    last_linear = max((i for i, m in enumerate(layers) if isinstance(m, Linear)), default=-1)
    names, k = [], 0
    for i, m in enumerate(layers):
        if isinstance(m, Linear):
            k += 1
            names.append(f"z{k}")
        elif isinstance(m, ActivationModule):
            names.append("y_hat" if i > last_linear >= 0 else f"h{k}")
        else:
            names.append(None)
    return names


@register
class Sequential(Module):
    """``Sequential(m1, m2, ...)`` or ``Sequential(OrderedDict(name=module, ...))``."""

    def __init__(self, *layers):
        super().__init__()
        self.__dict__["_plan"] = None
        if len(layers) == 1 and isinstance(layers[0], (dict, OrderedDict)):
            items = list(layers[0].items())
        else:
            items = [(str(i), m) for i, m in enumerate(layers)]
        for name, m in items:
            if not isinstance(m, Module):
                raise ConfigError(
                    f"Sequential takes Modules, found {type(m).__name__} at position {name}"
                )
            setattr(self, name, m)

    def __setattr__(self, name, value):
        super().__setattr__(name, value)
        self.__dict__["_plan"] = None  # the trace names depend on the layers

    def __delattr__(self, name):
        super().__delattr__(name)
        self.__dict__["_plan"] = None

    def _make_plan(self):
        layers = list(self.children())
        plan = tuple(zip(layers, _trace_names(layers)))
        self.__dict__["_plan"] = plan
        return plan

    def forward(self, x):
        plan = self._plan or self._make_plan()
        for module, name in plan:
            x = module(x)
            if name is not None and x.name is None:
                x.name = name
        return x

    # ----- list-like access
    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(list(self.children()))

    def __getitem__(self, index):
        layers = list(self._modules.items())
        if isinstance(index, slice):
            return Sequential(OrderedDict(layers[index]))
        try:
            return layers[index][1]
        except (IndexError, TypeError):
            raise ConfigError(
                f"Sequential index {index!r} out of range for {len(layers)} layers"
            ) from None

    def append(self, module: Module) -> Sequential:
        setattr(self, str(len(self._modules)), module)
        return self

    def _put_first(self, name: str, module: Module) -> None:
        """Add (or replace) the layer ``name`` and move it to the front; the others keep
        their names, so their state-dict keys do not change."""
        setattr(self, name, module)
        self._modules.move_to_end(name, last=False)
        self.__dict__["_plan"] = None

    def get_config(self) -> dict:
        config = {"type": "Sequential", "layers": [m.get_config() for m in self.children()]}
        names = [name for name, _ in self.named_children()]
        if names != [str(i) for i in range(len(names))]:
            config["names"] = names  # named layers: the state-dict keys depend on them
        return config

    @classmethod
    def from_config(cls, config: dict):
        layers = config.get("layers")
        if not isinstance(layers, list):
            raise ConfigError("a Sequential config needs a 'layers' list of module configs")
        built = [from_config(c) for c in layers]
        names = config.get("names")
        if names is None:
            return cls(*built)
        if (not isinstance(names, list) or len(names) != len(built)
                or not all(isinstance(n, str) and n.isascii() and (n.isidentifier() or n.isdigit())
                           for n in names) or len(set(names)) != len(names)):
            raise ConfigError(f"a Sequential config's 'names' must be {len(built)} distinct "
                              f"layer names, found {names!r}")
        return cls(OrderedDict(zip(names, built)))
