"""Argument checks shared by the data loaders; each failure is a ``ConfigError``."""

import numbers

import numpy as np

from chainrule.errors import ConfigError


def check_int(name, value, minimum=None):
    """``value`` as an int; ``ConfigError`` unless it is a whole number >= ``minimum``."""
    # bool is an Integral too, but n=True is always a mistake.
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ConfigError(f"{name} must be an integer, found {value!r}")
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, found {value}")
    return int(value)


def check_float(name, value, minimum=None):
    """``value`` as a float; ``ConfigError`` unless it is a finite real >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ConfigError(f"{name} must be a finite number, found {value!r}")
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, found {value}")
    return float(value)


def make_rng(seed):
    """``np.random.default_rng(seed)``, with a ``ConfigError`` instead of numpy's message."""
    if seed is None or isinstance(seed, bool):
        # None would silently draw fresh entropy: every data set here is reproducible by design.
        raise ConfigError(f"seed must be a non-negative integer, found {seed!r}")
    try:
        return np.random.default_rng(seed)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"seed must be a non-negative integer, found {seed!r}") from exc
