"""Tensor: a NumPy array, its gradient, and the node of the op that made it.

The vocabulary is PyTorch's (``requires_grad``, ``.grad``, ``.backward()``, ``.detach()``);
every operator forwards to a primitive of the chain-rule table in ``ops.py``.

dtype rules: Python floats and lists of floats become float32 (like PyTorch); NumPy arrays
keep their dtype; Python ints become int64. Mixing follows NumPy's promotion (NEP 50), which
for floats is PyTorch's: float32 with float64 gives float64, and a Python scalar takes the
tensor's dtype. Only floating-point tensors can require a gradient.

NumPy and Python habits work as in PyTorch: ``np.asarray(t)`` gives the numbers (sharing
memory, NumPy 2's ``__array__(dtype, copy)`` protocol), ``float(t)``, ``int(t)``, ``bool(t)``,
``operator.index(t)``, ``t.item()`` and ``f"{t:.3f}"`` work on one element and raise
``ShapeError`` otherwise; ``t.size`` is NumPy's element count and, called, PyTorch's
``t.size()`` (the shape) or ``t.size(dim)``.
"""

from __future__ import annotations

import numpy as np

from chainrule import validation
from chainrule.errors import ConfigError, DTypeError, ShapeError

_FLOAT_DEFAULT = np.float32


def _as_array(data, dtype=None) -> np.ndarray:
    if isinstance(data, Tensor):
        data = data.data
    try:
        if dtype is not None:
            arr = np.array(data, dtype=dtype)
        elif isinstance(data, np.ndarray):
            arr = data.copy()
        else:
            arr = np.array(data)
            if arr.dtype == np.float64 and not isinstance(data, np.generic):
                arr = arr.astype(_FLOAT_DEFAULT)
    except (ValueError, TypeError) as exc:
        raise DTypeError(
            f"cannot make a tensor from this data ({exc}); give numbers in a rectangular "
            "nested list or a NumPy array"
        ) from None
    if arr.dtype.kind not in "biuf":
        raise DTypeError(
            f"tensor data must be numbers (bool, int or float), found dtype {arr.dtype}; "
            "convert it first, e.g. np.asarray(data, dtype=float)"
        )
    return arr


class ScalarShapeError(ShapeError, TypeError):
    """A ``ShapeError`` that is also the ``TypeError`` Python's protocols expect (an index or a
    format spec asked of a tensor that is not one element / not 0-d)."""


class _Size(int):
    """``t.size``: NumPy's element count (an ``int``), and callable like PyTorch's
    ``t.size()`` (the shape, a tuple) and ``t.size(dim)`` (one length; negative dims count
    from the end)."""

    def __call__(self, dim=None):
        shape = self._shape
        if dim is None:
            return shape
        return shape[_axis(dim, len(shape), "size")]


def _axis(dim, ndim: int, method: str) -> int:
    """``dim`` as an index into the shape; negative dims count from the end (PyTorch's rule)."""
    dim = validation.integer(dim, "dim")
    if ndim == 0:
        raise ShapeError(f"{method}(dim={dim}): a 0-d tensor has no dimensions; "
                         f"{method}() is ()")
    if not -ndim <= dim < ndim:
        raise ShapeError(f"{method}(dim={dim}) is out of range for a tensor with {ndim} "
                         f"dimension{'s' if ndim != 1 else ''}; use a dim from {-ndim} to "
                         f"{ndim - 1}")
    return dim % ndim


class Tensor:
    """An n-dimensional array that can record how it was computed."""

    __slots__ = ("data", "grad", "requires_grad", "name", "_node", "__weakref__")
    __array_ufunc__ = None  # make NumPy defer to our reflected operators (array + tensor)

    def __init__(self, data, requires_grad: bool = False, dtype=None, name: str | None = None):
        self.data = _as_array(data, dtype)
        self.grad = None
        self.name = name
        self._node = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _wrap(cls, array: np.ndarray) -> Tensor:
        """Fast constructor for op results: no copy, no checks."""
        t = object.__new__(cls)
        t.data = array if isinstance(array, np.ndarray) else np.asarray(array)
        t.grad = None
        t.requires_grad = False
        t.name = None
        t._node = None
        return t

    def requires_grad_(self, flag: bool = True) -> Tensor:
        if flag:
            _autograd.check_can_require_grad(self.data)
        self.requires_grad = bool(flag)
        return self

    # ----- array facts -----
    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    is_leaf = property(lambda self: self._node is None)

    @property
    def size(self) -> _Size:
        """The number of elements (NumPy's ``a.size``); ``t.size()`` is the shape and
        ``t.size(dim)`` one length, as in PyTorch."""
        n = _Size(self.data.size)
        n._shape = self.data.shape
        return n

    def numel(self) -> int:
        """The number of elements (PyTorch's name for ``t.size``)."""
        return self.data.size

    def dim(self) -> int:
        """The number of dimensions (PyTorch's name for ``t.ndim``)."""
        return self.data.ndim

    def __len__(self):
        return len(self.data)

    def numpy(self) -> np.ndarray:
        return self.data

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        """NumPy 2's protocol: ``np.asarray(t)`` is ``t.data`` itself (no copy, as in
        PyTorch); ``copy=True`` always copies; ``copy=False`` raises ``ValueError`` when a copy
        is needed (another dtype). Unlike PyTorch it also works when ``t`` requires a gradient:
        the array is the values, outside the graph."""
        data = self.data
        if dtype is not None and np.dtype(dtype) != data.dtype:
            if copy is False:
                raise ConfigError(
                    f"np.array(tensor, copy=False) cannot avoid a copy: the tensor is "
                    f"{data.dtype} and dtype={np.dtype(dtype)} was asked; use "
                    "np.asarray(tensor, dtype=...) to allow the copy"
                )
            return data.astype(dtype)
        return data.copy() if copy else data

    def _one(self, what: str, error=ShapeError):
        """The single element as a Python number, or ``error`` saying why not."""
        data = self.data
        if data.size != 1:
            raise error(
                f"{what} needs a tensor of exactly one element, found shape {data.shape} "
                f"({data.size} elements); pick one first (t[0], t.sum()) or use t.tolist()"
            )
        return data.item()

    def item(self):
        """The one element as a Python ``float``, ``int`` or ``bool`` (any shape of size 1)."""
        return self._one("item()")

    def tolist(self):
        return self.data.tolist()

    def __float__(self):
        return float(self._one("float(tensor)"))

    def __int__(self):
        return int(self._one("int(tensor)"))  # floats truncate toward zero, as in PyTorch

    def __bool__(self):
        data = self.data
        if data.size != 1:
            raise ShapeError(
                f"the truth value of a tensor with {data.size} elements is ambiguous (shape "
                f"{data.shape}); use t.any() or t.all(), or compare one element"
            )
        return bool(data.item())

    def __index__(self):
        if self.data.dtype.kind not in "biu":
            raise DTypeError(
                f"only an integer tensor of one element can be an index, found dtype "
                f"{self.data.dtype}; convert it with int(t) (truncates) or round first"
            )
        return int(self._one("using a tensor as an index", ScalarShapeError))

    def __format__(self, spec: str) -> str:
        """A 0-d tensor formats as its number (``f"{loss:.4f}"``), as in PyTorch; other
        tensors accept only the empty format (their repr)."""
        if self.data.ndim == 0:
            return format(self.data.item(), spec)
        if spec:
            raise ScalarShapeError(
                f"format spec {spec!r} needs a 0-d tensor, found shape {self.data.shape}; "
                "format one number (f'{t.item():.3f}' when t has one element) or all of them "
                "(np.array2string(t.numpy(), precision=3))"
            )
        return str(self)

    def detach(self) -> Tensor:
        """The same values, cut from the graph (shares memory, like PyTorch)."""
        return Tensor._wrap(self.data)

    def astype(self, dtype) -> Tensor:
        return _ops.cast(self, dtype=np.dtype(dtype))

    float = lambda self: self.astype(np.float32)  # noqa: E731
    double = lambda self: self.astype(np.float64)  # noqa: E731

    def backward(self, grad=None, retain_graph: bool = False) -> None:
        """Backpropagate from this tensor; leaf gradients accumulate into ``.grad``."""
        _autograd.backward(self, grad, retain_graph)

    def zero_grad(self) -> None:
        self.grad = None

    def __repr__(self):
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        extra = ""
        if self.data.dtype not in (np.float32, np.int64, np.bool_):
            extra += f", dtype={self.data.dtype}"
        if self.requires_grad:
            extra += ", requires_grad=True"
        if self.name:
            extra += f", name={self.name!r}"
        return f"tensor({body}{extra})"

    __hash__ = object.__hash__  # __eq__ is elementwise, identity stays the hash

    # ----- arithmetic (gradients through ops.py) -----
    def __add__(self, other):
        return _ops.add(self, _lift(other, self))

    def __radd__(self, other):
        return _ops.add(_lift(other, self), self)

    def __sub__(self, other):
        return _ops.sub(self, _lift(other, self))

    def __rsub__(self, other):
        return _ops.sub(_lift(other, self), self)

    def __mul__(self, other):
        return _ops.mul(self, _lift(other, self))

    def __rmul__(self, other):
        return _ops.mul(_lift(other, self), self)

    def __truediv__(self, other):
        return _ops.div(self, _lift(other, self))

    def __rtruediv__(self, other):
        return _ops.div(_lift(other, self), self)

    def __pow__(self, other):
        return _ops.pow(self, _lift(other, self))

    def __rpow__(self, other):
        return _ops.pow(_lift(other, self), self)

    def __matmul__(self, other):
        return _ops.matmul(self, _lift(other, self))

    def __rmatmul__(self, other):
        return _ops.matmul(_lift(other, self), self)

    def __neg__(self):
        return _ops.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.abs(self)

    # ----- comparisons: boolean tensors, no gradient -----
    def _compare(self, other, fn):
        other = other.data if isinstance(other, Tensor) else other
        return Tensor._wrap(fn(self.data, other))

    __lt__ = lambda self, o: self._compare(o, np.less)  # noqa: E731
    __le__ = lambda self, o: self._compare(o, np.less_equal)  # noqa: E731
    __gt__ = lambda self, o: self._compare(o, np.greater)  # noqa: E731
    __ge__ = lambda self, o: self._compare(o, np.greater_equal)  # noqa: E731
    __eq__ = lambda self, o: self._compare(o, np.equal)  # noqa: E731
    __ne__ = lambda self, o: self._compare(o, np.not_equal)  # noqa: E731

    # ----- shape -----
    def __getitem__(self, index):
        return _ops.getitem(self, index=_index_arrays(index))

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _ops.reshape(self, shape=shape)

    def view(self, *shape):
        return self.reshape(*shape)

    def flatten(self, start_dim: int = 0):
        return self.reshape(self.shape[:start_dim] + (-1,))

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return _ops.transpose(self, axes=axes or None)

    @property
    def T(self):
        return _ops.transpose(self, axes=None)

    # ----- reductions -----
    def sum(self, axis=None, keepdims: bool = False):
        return _ops.sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims: bool = False):
        return _ops.mean(self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims: bool = False):
        return _ops.max(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims: bool = False):
        return _ops.min(self, axis=axis, keepdims=keepdims)

    def argmax(self, axis=None):
        return Tensor._wrap(np.argmax(self.data, axis=axis))

    def any(self, axis=None, keepdims: bool = False):
        """Is any element nonzero? A boolean tensor, no gradient."""
        return Tensor._wrap(np.any(self.data, axis=axis, keepdims=keepdims))

    def all(self, axis=None, keepdims: bool = False):
        """Are all elements nonzero? A boolean tensor, no gradient."""
        return Tensor._wrap(np.all(self.data, axis=axis, keepdims=keepdims))

    # ----- elementwise functions -----
    def exp(self):
        return _ops.exp(self)

    def log(self):
        return _ops.log(self)

    def sqrt(self):
        return _ops.sqrt(self)

    def abs(self):
        return _ops.abs(self)

    def clip(self, min=None, max=None):  # noqa: A002 - NumPy's and PyTorch's names
        return _ops.clip(self, lo=min, hi=max)

    clamp = clip

    def relu(self):
        return _ops.relu(self)

    def sigmoid(self):
        return _ops.sigmoid(self)

    def tanh(self):
        return _ops.tanh(self)


_CONSTANTS: dict = {}  # (python scalar, dtype) -> read-only constant tensor


def _lift(value, like: Tensor) -> Tensor:
    """Wrap a constant operand; a Python scalar takes the tensor's dtype (NEP 50)."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (int, float)) and like.data.dtype.kind == "f":
        # Scalars recur every step (x * 0.5, 1 - t): reuse one read-only array per value.
        key = (value, like.data.dtype)
        const = _CONSTANTS.get(key)
        if const is None:
            if len(_CONSTANTS) > 4096:
                _CONSTANTS.clear()
            array = np.asarray(value, dtype=like.data.dtype)
            array.flags.writeable = False
            const = _CONSTANTS[key] = Tensor._wrap(array)
        return const
    return Tensor._wrap(np.asarray(value))


def _index_arrays(index):
    """Indices may contain tensors; the table works on plain arrays."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index


def tensor(data, requires_grad: bool = False, dtype=None, name: str | None = None) -> Tensor:
    """Create a tensor (copies ``data``). See the module docstring for the dtype rules."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, name=name)


# Imported last: both modules use Tensor at call time only (breaks the import cycle).
from chainrule import autograd as _autograd  # noqa: E402
from chainrule import ops as _ops  # noqa: E402
