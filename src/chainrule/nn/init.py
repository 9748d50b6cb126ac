"""Weight initialisation (``chainrule.nn.init``), PyTorch's formulas, NumPy's generators.

Every function fills a Tensor/Parameter (or a float ndarray) IN PLACE and returns it; ``rng`` is
a ``numpy.random.Generator``, an int seed, or None for fresh entropy. The names without the
trailing underscore are aliases (``init.xavier_uniform`` is ``init.xavier_uniform_``).
Values are drawn in float64 and then cast, so a seed gives the same weights in any dtype.
"""

from __future__ import annotations

import math

import numpy as np

from chainrule import activations, validation
from chainrule.errors import ConfigError
from chainrule.tensor import Tensor


def as_generator(rng=None, name: str = "rng") -> np.random.Generator:
    """A Generator from a Generator (returned as is), an int seed >= 0 or None (fresh
    entropy); ``validation.generator`` checks it and names ``name`` in the error."""
    return validation.generator(rng, name)


def _array(tensor) -> np.ndarray:
    arr = tensor.data if isinstance(tensor, Tensor) else tensor
    if not isinstance(arr, np.ndarray) or arr.dtype.kind != "f":
        raise ConfigError(
            f"init functions fill a floating-point Tensor or ndarray in place, found "
            f"{type(tensor).__name__}"
        )
    return arr


def _fill(tensor, values):
    arr = _array(tensor)
    arr[...] = values
    return tensor


def calculate_fan_in_and_fan_out(tensor) -> tuple:
    """(fan_in, fan_out) of a weight of shape (out, in, *kernel), as PyTorch computes them."""
    shape = _array(tensor).shape
    if len(shape) < 2:
        raise ConfigError(
            f"fan in and fan out need a tensor with at least 2 dimensions, found shape {shape}"
        )
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


# torch.nn.init's gains for names that are not activations here (an activation's own gain is
# declared in the registry, chainrule.activations).
_OTHER_GAINS = {"conv1d": 1.0, "conv2d": 1.0, "conv3d": 1.0, "selu": 3.0 / 4}


def calculate_gain(nonlinearity: str = activations.LEAKY_RELU.name, param=None) -> float:
    """The recommended gain for ``nonlinearity`` (``torch.nn.init.calculate_gain``); ``param``
    is the activation's one numeric option (leaky_relu's negative slope)."""
    if nonlinearity in _OTHER_GAINS:
        return _OTHER_GAINS[nonlinearity]
    try:
        act = activations.get(nonlinearity)
    except ConfigError:
        raise ConfigError(
            f"unknown nonlinearity {nonlinearity!r}; one of "
            f"{', '.join([*activations.names(), *_OTHER_GAINS])}"
        ) from None
    numeric = [k for k, v in act.options.items() if isinstance(v, float)]
    options = {numeric[0]: param} if param is not None and numeric else {}
    return act.init_gain(options)


def uniform_(tensor, a: float = 0.0, b: float = 1.0, rng=None):
    arr = _array(tensor)
    return _fill(tensor, as_generator(rng).uniform(a, b, arr.shape))


def normal_(tensor, mean: float = 0.0, std: float = 1.0, rng=None):
    arr = _array(tensor)
    return _fill(tensor, as_generator(rng).normal(mean, std, arr.shape))


def constant_(tensor, val: float):
    return _fill(tensor, val)


def zeros_(tensor):
    return _fill(tensor, 0.0)


def ones_(tensor):
    return _fill(tensor, 1.0)


def xavier_uniform_(tensor, gain: float = 1.0, rng=None):
    """U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio, 2010)."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, rng)


def xavier_normal_(tensor, gain: float = 1.0, rng=None):
    """N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), rng)


def _kaiming_std(tensor, a, mode, nonlinearity):
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    if mode not in ("fan_in", "fan_out"):
        raise ConfigError(f"mode must be 'fan_in' or 'fan_out', found {mode!r}")
    fan = fan_in if mode == "fan_in" else fan_out
    if fan == 0:
        return 0.0
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = activations.LEAKY_RELU.name, rng=None):
    """U(-b, b), b = gain * sqrt(3 / fan) (He et al., 2015). ``a`` is the leaky slope."""
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, rng)


def kaiming_normal_(tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = activations.LEAKY_RELU.name, rng=None):
    """N(0, std^2), std = gain / sqrt(fan)."""
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), rng)


def he_uniform_(tensor, mode: str = "fan_in", rng=None):
    """He initialisation for ReLU layers: U(-b, b), b = sqrt(6 / fan_in)."""
    return kaiming_uniform_(tensor, 0.0, mode, activations.RELU.name, rng)


def he_normal_(tensor, mode: str = "fan_in", rng=None):
    """He initialisation for ReLU layers: N(0, 2 / fan_in)."""
    return kaiming_normal_(tensor, 0.0, mode, activations.RELU.name, rng)


# Plain-name aliases.
uniform, normal, constant, zeros, ones = uniform_, normal_, constant_, zeros_, ones_
xavier_uniform, xavier_normal = xavier_uniform_, xavier_normal_
kaiming_uniform, kaiming_normal = kaiming_uniform_, kaiming_normal_
he_uniform, he_normal = he_uniform_, he_normal_
