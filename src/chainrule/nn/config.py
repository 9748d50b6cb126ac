"""Architecture as data: ``module.get_config()`` -> JSON-able dict -> ``from_config(dict)``.

A config is ``{"type": "<registered name>", ...constructor arguments}``; containers nest their
children's configs. Weights are not part of it: load them with ``load_state_dict``.
"""

from __future__ import annotations

import numpy as np

from chainrule.errors import ConfigError

_REGISTRY: dict = {}


def register(cls=None, *, name: str | None = None):
    """Class decorator: let ``from_config`` build ``cls`` from ``{"type": name, ...}``."""

    def deco(c):
        _REGISTRY[name or c.__name__] = c
        return c

    return deco(cls) if cls is not None else deco


def registered() -> dict:
    """The type names ``from_config`` knows, with their classes."""
    return dict(_REGISTRY)


def from_config(config: dict):
    """Build a module from a ``get_config()`` dict (weights stay at their initial values)."""
    if not isinstance(config, dict):
        raise ConfigError(
            f"a module config must be a dict with a 'type' key, found {type(config).__name__}"
        )
    if "type" not in config:
        raise ConfigError(f"a module config needs a 'type' key, found keys {sorted(config)}")
    kind = config["type"]
    cls = _REGISTRY.get(kind)
    if cls is None:
        raise ConfigError(
            f"unknown module type {kind!r} in config; known types: {', '.join(sorted(_REGISTRY))} "
            "(register a custom module with @chainrule.nn.register)"
        )
    kwargs = {k: v for k, v in config.items() if k != "type"}
    build = getattr(cls, "from_config", None)
    try:
        if build is not None:
            return build(kwargs)
        return cls(**kwargs)
    except TypeError as exc:
        raise ConfigError(f"cannot build {kind} from config {kwargs}: {exc}") from None


def dtype_name(dtype) -> str:
    return np.dtype(dtype).name


def parse_dtype(value):
    try:
        dtype = np.dtype(value)
    except TypeError:
        raise ConfigError(f"unknown dtype {value!r}; use 'float32' or 'float64'") from None
    if dtype.kind != "f":
        raise ConfigError(f"parameters must be floating point, found dtype {dtype}")
    return dtype
