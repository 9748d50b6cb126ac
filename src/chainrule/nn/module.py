"""Module and Parameter: PyTorch's habits on the chainrule engine.

Assigning a ``Parameter`` or a ``Module`` to an attribute registers it (``__setattr__``); the
value is also stored in the instance ``__dict__``, so reading ``self.weight`` in ``forward`` is
a plain attribute look-up with no ``__getattr__`` on the hot path. ``module(x)`` goes straight
to ``forward`` (no hook machinery): every subclass that defines ``forward`` gets it as its
``__call__``. Buffers (``register_buffer``) are arrays a module keeps and saves but does not
learn, such as the statistics of ``nn.Standardize``. ``module.info`` is the training record
(task, classes, ...) that ``fit`` fills and model files keep.
"""

from __future__ import annotations

from collections import OrderedDict, namedtuple

import numpy as np

from chainrule.errors import ConfigError, DTypeError, ShapeError
from chainrule.nn.info import TrainingInfo
from chainrule.tensor import Tensor

_IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Parameter(Tensor):
    """A tensor that a Module learns: float32 by default, ``requires_grad=True``.

    Its ``name`` is set by the owning module to its dotted path (``"fc1.weight"``) unless you
    gave it one yourself, so the chain-rule trace can print it.
    """

    __slots__ = ("_auto_name",)

    def __init__(self, data, requires_grad: bool = True, dtype=None, name: str | None = None):
        if dtype is None and not isinstance(data, (np.ndarray, Tensor)):
            dtype = np.float32  # Python numbers and lists: float32, like PyTorch
        super().__init__(data, requires_grad=requires_grad, dtype=dtype, name=name)
        self._auto_name = name is None

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


def _set_auto_name(p: Parameter, name: str) -> None:
    if getattr(p, "_auto_name", True):
        p.name = name


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _buffer_value(module, name: str, value):
    """What ``module.<name> = value`` stores for a buffer: a numeric ndarray, or None."""
    if value is None:
        return None
    if isinstance(value, Tensor):
        value = value.data
    if not isinstance(value, (np.ndarray, np.generic, int, float, list, tuple)):
        raise ConfigError(f"{type(module).__name__}.{name} is a buffer; assign an array (or "
                          f"None), found {type(value).__name__}")
    arr = np.asarray(value)
    if arr.dtype.kind not in "fiub":
        raise DTypeError(f"{type(module).__name__}.{name}: a buffer holds numbers, found dtype "
                         f"{arr.dtype}")
    return arr


class Module:
    """Base class of every layer and model (``forward`` computes, ``__call__`` runs it)."""

    training: bool

    def __init__(self):
        d = self.__dict__
        d["_parameters"] = OrderedDict()
        d["_buffers"] = OrderedDict()
        d["_modules"] = OrderedDict()
        d["training"] = True
        # The dotted path of this module in the model it was last attached to: parameters
        # are named "<path>.<name>" when they are registered, not when they are listed.
        d["_path"] = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Calling a module is calling its forward: one Python frame less per layer.
        if "forward" in cls.__dict__ and "__call__" not in cls.__dict__:
            cls.__call__ = cls.forward

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # ----- registration
    def _registries(self):
        try:
            return self.__dict__["_parameters"], self.__dict__["_modules"]
        except KeyError:
            raise ConfigError(
                f"{type(self).__name__}: assign parameters and submodules only after calling "
                "super().__init__() in __init__"
            ) from None

    def __setattr__(self, name, value):
        d = self.__dict__
        if isinstance(value, Parameter):
            params, modules = self._registries()
            modules.pop(name, None)
            d["_buffers"].pop(name, None)
            params[name] = value
            _set_auto_name(value, _join(d["_path"], name))
        elif isinstance(value, Module):
            params, modules = self._registries()
            params.pop(name, None)
            d["_buffers"].pop(name, None)
            modules[name] = value
            value._set_path(_join(d["_path"], name))
        else:
            params = d.get("_parameters", {})
            if name in params and value is None:
                params[name] = None
            elif name in params:
                raise ConfigError(
                    f"{type(self).__name__}.{name} is a Parameter; assign a Parameter (or None), "
                    f"found {type(value).__name__}. To change its values in place use "
                    f"{name}.data[...] = ..."
                )
            if name in d.get("_buffers", ()):
                value = _buffer_value(self, name, value)
                d["_buffers"][name] = value
            if name in d.get("_modules", ()):
                del d["_modules"][name]
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        d = self.__dict__
        d.get("_parameters", {}).pop(name, None)
        d.get("_buffers", {}).pop(name, None)
        d.get("_modules", {}).pop(name, None)
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Like ``setattr(self, name, param)``; ``None`` records an absent parameter."""
        if param is not None and not isinstance(param, Parameter):
            raise ConfigError(
                f"register_parameter({name!r}): expected a Parameter, found {type(param).__name__}"
            )
        setattr(self, name, param)
        if param is None:
            self._registries()[0][name] = None

    def add_module(self, name: str, module: Module | None) -> None:
        if module is not None and not isinstance(module, Module):
            raise ConfigError(
                f"add_module({name!r}): expected a Module, found {type(module).__name__}"
            )
        setattr(self, name, module)
        if module is None:
            self._registries()[1][name] = None

    def register_buffer(self, name: str, array) -> None:
        """Keep ``array`` as ``self.<name>``: saved in ``state_dict()`` and model files, loaded
        by ``load_state_dict`` (shape-checked like a parameter), but not a parameter: no
        gradient, not in ``parameters()``, never touched by an optimizer. ``None`` records an
        absent buffer. Assigning an array to ``self.<name>`` later replaces it."""
        if not isinstance(name, str) or not name.isidentifier():
            raise ConfigError(f"register_buffer: the name must be an identifier, found {name!r}")
        self._registries()
        d = self.__dict__
        if name in d["_parameters"] or name in d["_modules"] or (
                hasattr(self, name) and name not in d["_buffers"]):
            raise ConfigError(
                f"register_buffer({name!r}): {type(self).__name__} already has an attribute "
                f"{name!r}; choose another name"
            )
        d["_buffers"][name] = None
        setattr(self, name, array)

    def _set_path(self, path: str) -> None:
        """Record where this module sits and name its parameters (and its children's) so."""
        d = self.__dict__
        d["_path"] = path
        for name, p in d["_parameters"].items():
            if p is not None:
                _set_auto_name(p, _join(path, name))
        for name, m in d["_modules"].items():
            if m is not None:
                m._set_path(_join(path, name))

    # ----- traversal
    def named_children(self):
        for name, m in self._modules.items():
            if m is not None:
                yield name, m

    def children(self):
        for _, m in self.named_children():
            yield m

    def named_modules(self, prefix: str = "", _memo=None):
        memo = set() if _memo is None else _memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, m in self.named_children():
            yield from m.named_modules(f"{prefix}.{name}" if prefix else name, memo)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def _named_parameters_all(self, prefix: str = ""):
        """Every (dotted name, parameter) pair, shared parameters once per place they appear."""
        for name, p in self._parameters.items():
            if p is not None:
                yield (f"{prefix}.{name}" if prefix else name), p
        for name, m in self.named_children():
            yield from m._named_parameters_all(f"{prefix}.{name}" if prefix else name)

    def named_parameters(self, prefix: str = ""):
        """(dotted name, parameter) pairs, each parameter once. Listing changes nothing: the
        parameters got their names when they (or their modules) were attached."""
        seen = set()
        for name, p in self._named_parameters_all(prefix):
            if id(p) in seen:
                continue
            seen.add(id(p))
            yield name, p

    def _named_buffers_all(self, prefix: str = ""):
        for name, b in self._buffers.items():
            if b is not None:
                yield _join(prefix, name), b
        for name, m in self.named_children():
            yield from m._named_buffers_all(_join(prefix, name))

    def named_buffers(self, prefix: str = ""):
        """(dotted name, array) pairs of every buffer, each array once."""
        seen = set()
        for name, b in self._named_buffers_all(prefix):
            if id(b) not in seen:
                seen.add(id(b))
                yield name, b

    def buffers(self):
        return [b for _, b in self.named_buffers()]

    def _named_state(self, prefix: str = ""):
        """What ``state_dict`` holds: parameters (as Parameters) and buffers, module by module."""
        for name, p in self._parameters.items():
            if p is not None:
                yield _join(prefix, name), p
        for name, b in self._buffers.items():
            if b is not None:
                yield _join(prefix, name), b
        for name, m in self.named_children():
            yield from m._named_state(_join(prefix, name))

    def parameters(self):
        return [p for _, p in self.named_parameters()]

    def num_parameters(self) -> int:
        return sum(p.data.size for p in self.parameters())

    # ----- modes and gradients
    def train(self, mode: bool = True) -> Module:
        for m in self.modules():
            m.__dict__["training"] = bool(mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients (``None``, as PyTorch does by default)."""
        stack = [self]
        while stack:  # a plain walk: zero_grad runs every step
            m = stack.pop()
            stack.extend(c for c in m._modules.values() if c is not None)
            for p in m._parameters.values():
                if p is None or p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.fill(0)

    def requires_grad_(self, flag: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(flag)
        return self

    def to(self, dtype) -> Module:
        """Convert every parameter and floating-point buffer to ``dtype`` in place (gradients
        are dropped); a module may keep some buffers as they are (``_to_dtype``)."""
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise DTypeError(f"parameters must be floating point, found dtype {dtype}")
        for m in self.modules():
            m._to_dtype(dtype)
        return self

    def _to_dtype(self, dtype: np.dtype) -> None:
        """This module's own share of ``to(dtype)``; override to keep buffers as they are."""
        for p in self._parameters.values():
            if p is not None and p.data.dtype != dtype:
                p.data = p.data.astype(dtype)
                p.grad = None
        for name, b in self._buffers.items():
            if b is not None and b.dtype.kind == "f" and b.dtype != dtype:
                setattr(self, name, b.astype(dtype))

    def double(self) -> Module:
        return self.to(np.float64)

    def float(self) -> Module:
        return self.to(np.float32)

    @property
    def dtype(self):
        """The dtype of the first parameter (float32 for a module without parameters)."""
        for p in self.parameters():
            return p.data.dtype
        return np.dtype(np.float32)

    # ----- the training record
    @property
    def info(self) -> TrainingInfo:
        """What the model learned from (task, classes, feature names, ...): a ``TrainingInfo``
        that ``fit`` fills and model files keep; defaults for a model never trained here."""
        info = self.__dict__.get("_info")
        if info is None:
            info = self.__dict__["_info"] = TrainingInfo()
        return info

    @info.setter
    def info(self, value) -> None:
        if not isinstance(value, TrainingInfo):
            raise ConfigError(f"model.info must be a chainrule.nn.TrainingInfo, found "
                              f"{type(value).__name__}")
        self.__dict__["_info"] = value

    # ----- state
    def state_dict(self) -> OrderedDict:
        """name -> a copy of each parameter's and buffer's array (later training leaves it
        unchanged)."""
        return OrderedDict((k, np.array(v.data if isinstance(v, Tensor) else v, copy=True))
                           for k, v in self._named_state())

    def load_state_dict(self, state_dict, strict: bool = True):
        """Copy values into the existing parameters, in place (optimizers stay valid).

        Every value is checked before anything is copied: a wrong shape raises ``ShapeError``
        naming the key; with ``strict`` missing or unexpected keys raise ``ConfigError``.
        Returns ``(missing_keys, unexpected_keys)``.
        """
        own = OrderedDict(self._named_state())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        if strict and (missing or unexpected):
            parts = []
            if missing:
                parts.append(f"missing keys {missing}")
            if unexpected:
                parts.append(f"unexpected keys {unexpected}")
            raise ConfigError(
                f"{type(self).__name__}.load_state_dict: " + " and ".join(parts)
                + f"; the model expects {list(own)} (pass strict=False to load the keys that match)"
            )
        staged = []
        for k, p in own.items():
            if k not in state_dict:
                continue
            target = p.data if isinstance(p, Tensor) else p
            value = state_dict[k]
            arr = np.asarray(value.data if isinstance(value, Tensor) else value)
            if arr.shape != target.shape:
                raise ShapeError(
                    f"load_state_dict: '{k}' expects shape {target.shape}, found {arr.shape}; "
                    "the saved weights come from a different architecture"
                )
            if arr.dtype.kind not in "fiub":
                raise DTypeError(f"load_state_dict: '{k}' holds dtype {arr.dtype}, not numbers")
            staged.append((target, arr))
        for target, arr in staged:
            np.copyto(target, arr, casting="unsafe")
        return _IncompatibleKeys(missing, unexpected)

    # ----- architecture
    def get_config(self) -> dict:
        """A JSON-able description of the architecture (``nn.from_config`` rebuilds it)."""
        raise ConfigError(
            f"{type(self).__name__} cannot describe its architecture: define get_config() "
            f"returning {{'type': '{type(self).__name__}', ...constructor arguments}} and "
            "decorate the class with @chainrule.nn.register so from_config can build it"
        )

    # ----- display
    def extra_repr(self) -> str:
        return ""

    def __repr__(self):
        lines = []
        for name, m in self.named_children():
            child = repr(m).replace("\n", "\n  ")
            lines.append(f"  ({name}): {child}")
        extra = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({extra})"
        head = f"{type(self).__name__}(" + (extra if extra else "")
        return head + "\n" + "\n".join(lines) + "\n)"
