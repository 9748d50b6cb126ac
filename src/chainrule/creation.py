"""Creation functions with PyTorch's names, arguments and default dtypes.

    cr.zeros(2, 3)                 cr.ones((2, 3), dtype=cr.float64)
    cr.full((2, 2), -np.inf)       cr.arange(5)          # int64, as in PyTorch
    cr.linspace(0, 1, 5)           cr.randn(3, 4, requires_grad=True)
    cr.zeros_like(t)               cr.manual_seed(0)

Every function takes ``dtype=`` (a NumPy dtype or its name: ``cr.float32``, ``"int64"``,
``np.float64``), ``requires_grad=`` and ``name=``. Sizes are ``zeros(2, 3)`` or ``zeros((2, 3))``;
``zeros(())`` is 0-d. Floats default to float32; ``arange`` of whole numbers and ``full`` with a
whole-number fill give int64, a bool fill gives bool, as in PyTorch.

``randn`` and ``rand`` draw from one default ``numpy.random.Generator`` that ``manual_seed(n)``
replaces, so ``manual_seed(0)`` makes the draws after it repeatable. The stream is NumPy's, not
PyTorch's: the same seed gives other numbers than ``torch.manual_seed``. It seeds these two
functions only; layers, dropout and data loaders take their own ``seed=``.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from chainrule import autograd as _autograd
from chainrule import validation
from chainrule.errors import ConfigError, ConfigTypeError, DTypeError
from chainrule.tensor import Tensor, _as_array

_FLOAT = np.dtype(np.float32)
_INT = np.dtype(np.int64)
_BOOL = np.dtype(np.bool_)

_generator = np.random.default_rng()  # fresh entropy until manual_seed


def manual_seed(seed) -> np.random.Generator:
    """Reseed the stream of ``randn`` and ``rand`` (a whole number >= 0); returns the new
    ``numpy.random.Generator``. NumPy's stream: other numbers than ``torch.manual_seed``."""
    global _generator
    _generator = np.random.default_rng(validation.integer(seed, "seed", minimum=0))
    return _generator


# ----- argument checks -----

def _shape(size: tuple, fn: str) -> tuple:
    """``(2, 3)`` from ``fn(2, 3)`` or ``fn((2, 3))``; every length a whole number >= 0."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    elif not size:
        raise ConfigTypeError(f"{fn}() needs a size: {fn}(2, 3) or {fn}((2, 3)); "
                              f"{fn}(()) makes a 0-d tensor")
    elif any(isinstance(s, (tuple, list)) for s in size):
        raise ConfigTypeError(f"size must be lengths, {fn}(2, 3), or one tuple of them, "
                              f"{fn}((2, 3)); found {size!r}")
    if len(size) == 1:
        return (validation.integer(size[0], "size", minimum=0),)
    return tuple(validation.integer(s, f"size[{i}]", minimum=0) for i, s in enumerate(size))


def _dtype(dtype, default: np.dtype, kinds: str = "biuf", fn: str = "") -> np.dtype:
    if dtype is None:
        return default
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise DTypeError(f"dtype must be a NumPy dtype or its name, such as cr.float32, "
                         f"'float64' or np.int64; found {dtype!r}") from None
    if dt.kind not in kinds:
        wanted = "a float dtype" if kinds == "f" else "a bool, integer or float dtype"
        wanted += f" ({fn} does not make {dt})" if fn else ""
        raise DTypeError(f"dtype must be {wanted}, found {dt}")
    return dt


def _flags(requires_grad, name, dt: np.dtype) -> None:
    """Check ``requires_grad`` and ``name`` before anything is allocated."""
    if not isinstance(requires_grad, (bool, np.bool_)):
        raise ConfigTypeError(f"requires_grad must be True or False, found {requires_grad!r}")
    if name is not None and not isinstance(name, str):
        raise ConfigTypeError(f"name must be a string or None, found {name!r}")
    if requires_grad:
        _autograd.check_can_require_grad(np.empty(0, dt))


def _finish(array: np.ndarray, requires_grad, name) -> Tensor:
    t = Tensor._wrap(array)
    t.name = name
    if requires_grad:
        t.requires_grad = True
    return t


def _number(value, name: str, *, finite: bool = True, allow_bool: bool = False):
    """A whole number or real (or a bool, if allowed) as a Python ``int``/``float``/``bool``."""
    if isinstance(value, (bool, np.bool_)):
        if not allow_bool:
            raise ConfigTypeError(f"{name} must be a number, found {value!r}")
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        if finite:
            return validation.real(value, name)
        return float(value)
    raise ConfigTypeError(f"{name} must be a number, found {value!r}")


# ----- filled -----

def zeros(*size, dtype=None, requires_grad: bool = False, name: str | None = None) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``; float32 unless ``dtype``."""
    shape, dt = _shape(size, "zeros"), _dtype(dtype, _FLOAT)
    _flags(requires_grad, name, dt)
    return _finish(np.zeros(shape, dt), requires_grad, name)


def ones(*size, dtype=None, requires_grad: bool = False, name: str | None = None) -> Tensor:
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``; float32 unless ``dtype``."""
    shape, dt = _shape(size, "ones"), _dtype(dtype, _FLOAT)
    _flags(requires_grad, name, dt)
    return _finish(np.ones(shape, dt), requires_grad, name)


def full(size, fill_value, *, dtype=None, requires_grad: bool = False,
         name: str | None = None) -> Tensor:
    """A tensor of ``fill_value`` (inf and nan allowed, e.g. masks). The dtype follows the
    fill as in PyTorch: bool gives bool, a whole number int64, a real float32. ``size`` is a
    tuple, or one length as in NumPy's ``np.full(3, 7.0)``."""
    shape = _shape((size,), "full")
    if isinstance(fill_value, Tensor):
        fill_value = fill_value._one("full(fill_value=tensor)")
    fill = _number(fill_value, "fill_value", finite=False, allow_bool=True)
    default = _BOOL if isinstance(fill, bool) else _INT if isinstance(fill, int) else _FLOAT
    dt = _dtype(dtype, default)
    _flags(requires_grad, name, dt)
    if dt.kind in "biu" and isinstance(fill, float) and not math.isfinite(fill):
        raise ConfigError(f"fill_value {fill!r} cannot be stored in dtype {dt}; use a float dtype")
    try:
        array = np.full(shape, fill, dtype=dt)
    except OverflowError:
        raise ConfigError(f"fill_value {fill!r} does not fit in dtype {dt}") from None
    return _finish(array, requires_grad, name)


def zeros_like(input, *, dtype=None, requires_grad: bool = False,  # noqa: A002 - PyTorch's name
               name: str | None = None) -> Tensor:
    """Zeros of ``input``'s shape and dtype (a tensor, or anything ``cr.tensor`` takes).
    ``requires_grad`` is not inherited, as in PyTorch."""
    array = _like(input)
    dt = _dtype(dtype, array.dtype)
    _flags(requires_grad, name, dt)
    return _finish(np.zeros(array.shape, dt), requires_grad, name)


def ones_like(input, *, dtype=None, requires_grad: bool = False,  # noqa: A002 - PyTorch's name
              name: str | None = None) -> Tensor:
    """Ones of ``input``'s shape and dtype (a tensor, or anything ``cr.tensor`` takes).
    ``requires_grad`` is not inherited, as in PyTorch."""
    array = _like(input)
    dt = _dtype(dtype, array.dtype)
    _flags(requires_grad, name, dt)
    return _finish(np.ones(array.shape, dt), requires_grad, name)


def _like(value) -> np.ndarray:
    if isinstance(value, Tensor):
        return value.data
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return value
    return _as_array(value)  # the tensor dtype rules (lists of floats are float32)


# ----- ranges -----

def arange(start=None, end=None, step=1, *, dtype=None, requires_grad: bool = False,
           name: str | None = None) -> Tensor:
    """``arange(end)`` or ``arange(start, end, step)``: ``start, start + step, ...`` up to but
    not including ``end``. Whole numbers give int64, any float gives float32 (PyTorch's rule).
    Float values are ``start + i * step`` in float64, then cast; an integer ``dtype`` truncates
    the three arguments first, as PyTorch does."""
    if end is None:
        if start is None:
            raise ConfigTypeError("arange() needs an end: arange(5), arange(1, 5) or "
                                  "arange(0.0, 1.0, 0.25)")
        start, end = 0, start
    elif start is None:
        start = 0
    start = _number(start, "start")
    end = _number(end, "end")
    step = _number(step, "step")
    is_float = any(isinstance(v, float) for v in (start, end, step))
    dt = _dtype(dtype, _FLOAT if is_float else _INT, kinds="iuf", fn="arange")
    _flags(requires_grad, name, dt)
    if dt.kind in "iu":
        start, end, step = int(start), int(end), int(step)
    if step == 0:
        raise ConfigError(f"step must be nonzero, found {step!r}")
    if (end - start) * step < 0:
        raise ConfigError(f"step {step!r} goes away from end: arange({start!r}, {end!r}) needs a "
                          f"{'positive' if end > start else 'negative'} step")
    if dt.kind in "iu":
        values = np.arange(start, end, step, dtype=np.int64)
    else:
        count = math.ceil((end - start) / step)
        values = start + step * np.arange(count, dtype=np.float64)
    return _finish(values.astype(dt, copy=False), requires_grad, name)


def linspace(start, end, steps, *, dtype=None, requires_grad: bool = False,
             name: str | None = None) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included; float32 unless
    ``dtype`` (an integer dtype truncates toward zero, as in PyTorch)."""
    start = _number(start, "start")
    end = _number(end, "end")
    steps = validation.integer(steps, "steps", minimum=0)
    dt = _dtype(dtype, _FLOAT, kinds="iuf", fn="linspace")
    _flags(requires_grad, name, dt)
    values = np.linspace(float(start), float(end), steps, dtype=np.float64)
    return _finish(values.astype(dt, copy=False), requires_grad, name)


# ----- random -----

def randn(*size, generator=None, dtype=None, requires_grad: bool = False,
          name: str | None = None) -> Tensor:
    """Standard normal draws (mean 0, variance 1), float32 unless ``dtype``; from the default
    stream (see ``manual_seed``) or ``generator`` (a ``numpy.random.Generator`` or a seed)."""
    shape, dt = _shape(size, "randn"), _dtype(dtype, _FLOAT, kinds="f", fn="randn")
    _flags(requires_grad, name, dt)
    g = _generator if generator is None else validation.generator(generator, "generator")
    if dt in (np.float32, np.float64):
        return _finish(g.standard_normal(shape, dtype=dt), requires_grad, name)
    return _finish(g.standard_normal(shape, dtype=np.float32).astype(dt), requires_grad, name)


def rand(*size, generator=None, dtype=None, requires_grad: bool = False,
         name: str | None = None) -> Tensor:
    """Uniform draws from [0, 1), float32 unless ``dtype``; from the default stream (see
    ``manual_seed``) or ``generator`` (a ``numpy.random.Generator`` or a seed)."""
    shape, dt = _shape(size, "rand"), _dtype(dtype, _FLOAT, kinds="f", fn="rand")
    _flags(requires_grad, name, dt)
    g = _generator if generator is None else validation.generator(generator, "generator")
    if dt in (np.float32, np.float64):
        return _finish(g.random(shape, dtype=dt), requires_grad, name)
    values = g.random(shape, dtype=np.float32).astype(dt)  # float16: keep 1 out after rounding
    values = np.minimum(values, np.nextafter(dt.type(1), dt.type(0)))
    return _finish(values, requires_grad, name)
