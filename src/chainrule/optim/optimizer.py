"""Optimizer base: parameter groups, state, zero_grad, state_dict, as in torch.optim.

Subclasses implement ``_update(group)``: it updates each parameter IN PLACE on ``p.data``
with NumPy ufuncs writing into preallocated buffers (``out=``), skipping parameters whose
``grad`` is None. Buffers are created on the first step, in the parameter's dtype.
"""

from __future__ import annotations

import numpy as np

from chainrule.autograd import enable_grad
from chainrule.errors import ConfigError, ShapeError
from chainrule.tensor import Tensor


def _as_param_list(params) -> list:
    if hasattr(params, "parameters") and callable(params.parameters):
        params = params.parameters()  # a Module: take its parameters
    if isinstance(params, Tensor):
        return [params]
    try:
        return list(params)
    except TypeError:
        raise ConfigError(
            f"an optimizer needs an iterable of parameters (model.parameters()), "
            f"found {type(params).__name__}"
        ) from None


class _FlatGroup:
    """A group's state as one contiguous array per buffer name; per-param state are views.

    For small networks the cost of an update is the number of ufunc calls, not the arithmetic:
    gathering the gradients into one array and updating every parameter with a dozen calls
    beats a dozen calls per parameter. SGD (with momentum or weight decay), Adam, AdamW and
    RMSprop all step through it; the result is the per-parameter rule's, bit for bit.
    """

    def __init__(self, params, states, names):
        dtype = params[0].data.dtype
        bounds, start = [], 0
        for p in params:
            bounds.append((start, start + p.data.size))
            start += p.data.size
        self.names = names
        self.states = states
        self.step = states[0].get("step", 0)
        self.bufs = {name: np.empty(start, dtype) for name in names}
        for p, st, (a, b) in zip(params, states, bounds):
            for name in names:
                view = self.bufs[name][a:b].reshape(p.data.shape)
                view[...] = st[name]
                st[name] = view
        self.grad = np.empty(start, dtype)
        self.scratch = np.empty(start, dtype)
        self.grad_views = [self.grad[a:b].reshape(p.data.shape) for p, (a, b) in
                           zip(params, bounds)]
        self.update_views = [self.scratch[a:b].reshape(p.data.shape) for p, (a, b) in
                             zip(params, bounds)]

    def gather(self, params, l2: float = 0.0) -> np.ndarray:
        """The gradients (plus ``l2 * p``) in one array."""
        for p, view in zip(params, self.grad_views):
            if l2:
                np.multiply(p.data, l2, out=view)
                view += p.grad
            else:
                view[...] = p.grad  # half the cost of np.copyto on small arrays
        return self.grad

    def scatter(self, params, decay: float = 1.0) -> None:
        """p <- p * decay - update, parameter by parameter (in place)."""
        for p, u in zip(params, self.update_views):
            d = p.data
            if decay != 1.0:
                d *= decay
            d -= u


class Optimizer:
    """Holds ``param_groups`` (dicts with "params" and hyperparameters) and per-param ``state``."""

    def __init__(self, params, defaults: dict):
        self.defaults = dict(defaults)
        self.state: dict = {}  # Parameter -> {name: ndarray | scalar}
        self._scratch: dict = {}  # Parameter -> work buffers (not saved)
        self._flat: dict = {}  # id(group) -> _FlatGroup (the fast path)
        self.param_groups: list = []
        items = _as_param_list(params)
        if not items:
            raise ConfigError(
                f"{type(self).__name__} got an empty parameter list; pass model.parameters() "
                "of a model that has parameters"
            )
        groups = items if isinstance(items[0], dict) else [{"params": items}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict) -> None:
        if not isinstance(group, dict) or "params" not in group:
            raise ConfigError("a parameter group is a dict with a 'params' key")
        params = _as_param_list(group["params"])
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for p in params:
            if not isinstance(p, Tensor):
                raise ConfigError(
                    f"{type(self).__name__} optimizes Tensors/Parameters, found "
                    f"{type(p).__name__}"
                )
            if p.data.dtype.kind != "f":
                raise ConfigError(f"cannot optimize a tensor of dtype {p.data.dtype}")
            if id(p) in seen:
                raise ConfigError("a parameter appears twice in the optimizer's groups")
            seen.add(id(p))
        unknown = set(group) - set(self.defaults) - {"params", "initial_lr"}
        if unknown:
            raise ConfigError(
                f"{type(self).__name__}: unknown option(s) {sorted(unknown)} in a parameter "
                f"group; known: {sorted(self.defaults)}"
            )
        full = {**self.defaults, **{k: v for k, v in group.items() if k != "params"}}
        self._check(full)
        full["params"] = params
        self.param_groups.append(full)

    def _check(self, group: dict) -> None:
        """Validate one group's hyperparameters (raise ConfigError)."""
        if not group["lr"] >= 0:
            raise ConfigError(f"learning rate must be >= 0, found {group['lr']}")
        if not group.get("weight_decay", 0) >= 0:
            raise ConfigError(f"weight_decay must be >= 0, found {group['weight_decay']}")

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients (``None``, PyTorch's default)."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p.grad is None:
                    p.grad = None
                else:
                    p.grad.fill(0)

    def step(self, closure=None):
        """Update every parameter that has a gradient. ``closure`` re-evaluates the loss."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            self._update(group)
        return loss

    def _update(self, group: dict) -> None:
        raise NotImplementedError

    def _buffers(self, p, n: int) -> tuple:
        """``n`` scratch arrays shaped like ``p`` (allocated once)."""
        bufs = self._scratch.get(p)
        if bufs is None or len(bufs) < n or bufs[0].dtype != p.data.dtype:
            bufs = self._scratch[p] = tuple(np.empty_like(p.data) for _ in range(n))
        return bufs

    @staticmethod
    def _l2(g, d, weight_decay, tmp):
        """``g + weight_decay * d`` written into ``tmp`` (L2 decay folded into the gradient)."""
        np.multiply(d, weight_decay, out=tmp)
        np.add(g, tmp, out=tmp)
        return tmp

    def _flat_group(self, group: dict, names: tuple, init_state):
        """The group's flat state if every parameter has a gradient and all share one step
        count and dtype (else None: the per-parameter path runs)."""
        params = group["params"]
        for p in params:
            if p.grad is None:
                self._flat.pop(id(group), None)
                return None
        flat = self._flat.get(id(group))
        if flat is not None and flat.names == names:
            return flat
        states = [self.state.get(p) for p in params]
        if all(st is None for st in states):
            states = [init_state(p) for p in params]
        elif any(st is None for st in states) or len({st.get("step") for st in states}) != 1:
            return None
        if len({p.data.dtype for p in params}) != 1:
            return None
        for p, st in zip(params, states):
            for name in names:
                if name not in st:
                    st[name] = np.zeros_like(p.data)
            self.state[p] = st
        flat = self._flat[id(group)] = _FlatGroup(params, states, names)
        return flat

    def __getstate__(self) -> dict:
        # The flat buffers are a cache keyed by id(group), which unpickling changes: drop
        # them (and the scratch arrays); the next step rebuilds them from ``state``.
        state = dict(self.__dict__)
        state["_flat"], state["_scratch"] = {}, {}
        return state

    # ----- state
    def _index(self) -> list:
        return [p for g in self.param_groups for p in g["params"]]

    def state_dict(self) -> dict:
        """``{"param_groups": [...], "state": {index: {name: ndarray|scalar}}}`` (copies)."""
        params = self._index()
        where = {id(p): i for i, p in enumerate(params)}
        groups = []
        for g in self.param_groups:
            entry = {k: (list(v) if isinstance(v, tuple) else v)
                     for k, v in g.items() if k != "params"}
            entry["params"] = [where[id(p)] for p in g["params"]]
            groups.append(entry)
        state = {}
        for p in params:
            st = self.state.get(p)
            if st:
                state[where[id(p)]] = {k: (v.copy() if isinstance(v, np.ndarray) else v)
                                       for k, v in st.items()}
        return {"param_groups": groups, "state": state}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyperparameters and buffers saved by ``state_dict`` (same parameters)."""
        if not isinstance(state_dict, dict) or "param_groups" not in state_dict:
            raise ConfigError("an optimizer state_dict has 'param_groups' and 'state' keys")
        saved = state_dict["param_groups"]
        if len(saved) != len(self.param_groups):
            raise ConfigError(
                f"the saved optimizer has {len(saved)} parameter groups, this one has "
                f"{len(self.param_groups)}"
            )
        for s, g in zip(saved, self.param_groups):
            if len(s["params"]) != len(g["params"]):
                raise ConfigError(
                    f"a saved parameter group has {len(s['params'])} parameters, this "
                    f"optimizer's has {len(g['params'])}: it was saved for another model"
                )
        params = self._index()
        new_state = {}
        for key, st in (state_dict.get("state") or {}).items():
            idx = int(key)  # JSON turns the int keys into strings
            if not 0 <= idx < len(params):
                raise ConfigError(f"optimizer state for parameter {idx}, which does not exist")
            p = params[idx]
            entry = {}
            for name, value in st.items():
                if isinstance(value, (np.ndarray, list)) or hasattr(value, "__array__"):
                    arr = np.array(value, dtype=p.data.dtype)
                    if arr.shape != p.data.shape:
                        raise ShapeError(
                            f"optimizer state '{name}' of parameter {idx} has shape "
                            f"{arr.shape}, the parameter has {p.data.shape}"
                        )
                    entry[name] = arr
                else:
                    entry[name] = value
            new_state[p] = entry
        for s, g in zip(saved, self.param_groups):
            for k, v in s.items():
                if k != "params":
                    g[k] = tuple(v) if isinstance(v, list) else v
        self.state = new_state
        self._flat = {}

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(g.items()) if k != "params"]
        return "\n".join(lines) + "\n)"
