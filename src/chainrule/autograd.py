"""The engine: primitives record nodes on the forward pass; backward walks them in reverse.

One iterative topological sort, one loop that calls each node's vector-Jacobian product from
the chain-rule table (``ops.py``), and one place (``unbroadcast``) that sums a gradient back to
its input's shape. Everything that shows or checks gradients reads this same walk.
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from chainrule.errors import ChainruleError, ConfigError, DTypeError, GraphError, ShapeError
from chainrule.tensor import Tensor
from chainrule.validation import choice

_wrap = Tensor._wrap


class _State:
    """Process-wide switches read on every op (attribute look-ups are the cheapest check)."""

    grad_enabled = True
    anomaly = None  # an object with on_forward / on_backward while detect_anomaly() is active


state = _State()


class no_grad(contextlib.ContextDecorator):
    """Context manager and decorator: inside it no graph is recorded (inference, updates)."""

    _enabled = False

    def __init__(self):
        self._previous = []  # a stack: one decorator instance may be entered recursively

    def __enter__(self):
        self._previous.append(state.grad_enabled)
        state.grad_enabled = self._enabled
        return self

    def __exit__(self, *exc):
        state.grad_enabled = self._previous.pop()
        return False


class enable_grad(no_grad):
    """Re-enable recording inside a ``no_grad`` block."""

    _enabled = True


def is_grad_enabled() -> bool:
    return state.grad_enabled


class Node:
    """What the forward pass cached for one op: its rule, its inputs and the saved values."""

    __slots__ = ("prim", "inputs", "saved", "needs", "params", "released", "site")

    def __init__(self, prim, inputs, saved, needs, params):
        self.prim = prim
        self.inputs = inputs
        self.saved = saved
        self.needs = needs
        self.params = params  # the op's keyword options (axis, index, ...), for inspection
        self.released = False
        self.site = None  # where the user created it; filled in by detect_anomaly


class Kink(NamedTuple):
    """A place where a rule's derivative does not exist, and the subgradient the rule takes.

    ``at`` names the place in the rule's own symbols ("x = 0"); ``takes`` says what the vjp
    uses there ("derivative 0"); ``distance(*inputs, **params)`` is how far each element of
    the inputs is from it (0 on it), so per-op gradcheck knows where finite differences
    straddle it and explain can say when a value sits on it.
    """

    at: str
    takes: str
    distance: Callable


# What a primitive is, for the tools that read the graph (explain, the stepper, draw): the
# automatic names (z1, h1, y_hat, loss) and the slides' delta labels follow the role.
ROLES = (
    "elementwise",  # arithmetic and elementwise functions; the default for custom primitives
    "activation",   # an elementwise nonlinearity used as a layer's activation: h = g(z)
    "affine",       # z = x W^T + b or a matrix product: one layer of the network
    "reduction",    # sum, mean, max, min over axes
    "normalize",    # softmax and log_softmax: rows turned into (log) probabilities
    "loss",         # a fused loss: its output is the objective J
    "shape",        # moves or selects values without changing them (reshape, index, cast)
)


def _conventional_inputs(n: int) -> tuple:
    """The table's own names for a rule's inputs when a custom primitive declares none."""
    return ("x",) if n == 1 else ("a", "b") if n == 2 else tuple(f"x{i}" for i in range(1, n + 1))


class Primitive:
    """One row of the chain-rule table.

    ``forward(*arrays, **params) -> (out, saved)`` computes the value and what the backward
    pass needs; ``vjp(g, saved, needs) -> tuple`` returns dJ/d(input) for every input whose
    ``needs`` flag is set (``None`` for the others). ``formulas``/``latex`` hold one rule per
    input, in the order of the inputs, for ``explain`` to print; ``saves`` names what
    ``saved`` holds. A vjp must return arrays it owns or views of ``g``; the engine copies
    before it accumulates in place.

    The facts the inspection tools read (keyword-only, all optional):

    - ``role``: one of ``ROLES`` (default ``"elementwise"``).
    - ``inputs``: the symbols the rules use for the inputs, in order ("x", "W", "b"); when an op
      takes more inputs than it names (concatenate), the last name stands for each extra one.
      Default: "x" for one rule, "a" and "b" for two, as in the table.
    - ``output``: the symbol the rules use for the output (the y of dJ/dy), or None when they
      never name it (a fused loss folds its upstream dJ/dJ = 1 into the rule).
    - ``kinks``: ``Kink`` records: where the derivative does not exist and what the rule takes.
    - ``surrogate``: True when the vjp is not the true derivative on purpose (straight-through).
    - ``broadcasts``: the inputs NumPy may broadcast to the output's shape (the engine sums
      their gradients back; the stepper says so).
    - ``notes(slot, names, out, up, shapes, params)``: sentences tying input ``slot``'s line to
      the slides' notation, given the inputs' display names, the output's name, the upstream
      gradient's name, the inputs' shapes and the op's keyword options.
    - ``unfused(*tensors, **params) -> (out, names)``: for a fused row, the same value computed
      with the table's simpler rows (so explain can expand it), and names for the tensors in
      between.
    - ``shown_as``: what explain and draw call the output when nothing else names it (default:
      from the role: z1, h1, y_hat, loss, ...).
    - ``hint``: what to check when the op produces a NaN or inf (detect_anomaly prints it).
    """

    __slots__ = ("name", "forward", "vjp", "formulas", "latex", "saves", "role", "inputs",
                 "output", "kinks", "surrogate", "broadcasts", "notes", "unfused", "shown_as",
                 "hint")

    def __init__(self, name, forward, vjp, formulas=(), latex=(), saves=(), *,
                 role="elementwise", inputs=None, output="y", kinks=(), surrogate=False,
                 broadcasts=(), notes=None, unfused=None, shown_as=None, hint=""):
        self.name = name
        self.forward = forward
        self.vjp = vjp
        self.formulas = tuple(formulas)
        self.latex = tuple(latex)
        self.saves = tuple(saves)
        self.role = choice(role, ROLES, f"role of primitive {name!r}")
        self.inputs = _conventional_inputs(len(self.formulas)) if inputs is None \
            else tuple(inputs)
        self.output = output
        self.kinks = tuple(kinks)
        self.surrogate = bool(surrogate)
        self.broadcasts = tuple(broadcasts)
        self.notes = notes
        self.unfused = unfused
        self.shown_as = shown_as
        self.hint = hint
        self._check_facts()

    def _check_facts(self):
        """A row that contradicts itself would print wrong rules: refuse it when it is made."""
        if self.formulas and len(self.inputs) != len(self.formulas):
            raise ConfigError(
                f"primitive {self.name!r}: {len(self.formulas)} rules but {len(self.inputs)} "
                f"input names {self.inputs}; give one input name per rule")
        if self.latex and len(self.latex) != len(self.formulas):
            raise ConfigError(f"primitive {self.name!r}: {len(self.latex)} LaTeX rules for "
                              f"{len(self.formulas)} text rules; give one of each per input")
        unknown = [b for b in self.broadcasts if b not in self.inputs]
        if unknown:
            raise ConfigError(f"primitive {self.name!r}: broadcasts names {unknown}, which are "
                              f"not among its inputs {self.inputs}")
        if not all(isinstance(k, Kink) for k in self.kinks):
            raise ConfigError(f"primitive {self.name!r}: kinks must be Kink(at, takes, distance) "
                              "records")

    def __repr__(self):
        return f"Primitive({self.name!r})"

    def __call__(self, *inputs, **params):
        # The hot path of every forward pass: no comprehensions, no helper calls.
        if len(inputs) == 1:
            arrays = (inputs[0].data,)
            needs = (inputs[0].requires_grad,)
        elif len(inputs) == 2:
            a, b = inputs
            arrays = (a.data, b.data)
            needs = (a.requires_grad, b.requires_grad)
        else:
            arrays = tuple([t.data for t in inputs])
            needs = tuple([t.requires_grad for t in inputs])
        try:
            out, saved = self.forward(*arrays, **params)
        except ChainruleError:
            raise
        except ValueError as exc:
            shapes = " and ".join(str(a.shape) for a in arrays)
            raise ShapeError(
                f"{self.name}: cannot combine inputs of shapes {shapes} ({exc}); "
                "reshape or transpose one of them so the shapes fit"
            ) from None
        out = _wrap(out)
        if True in needs and state.grad_enabled:
            out.requires_grad = True
            out._node = Node(self, inputs, saved, needs, params)
        if state.anomaly is not None:
            state.anomaly.on_forward(self, inputs, out)
        return out


def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``grad`` over the axes along which an input of ``shape`` was broadcast."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1
    )
    return grad.sum(axis=axes, keepdims=True).reshape(shape)


def _topological_order(root: Tensor) -> list:
    """Non-leaf tensors reachable from ``root``, root first, each before its inputs.

    Iterative depth-first search: a tensor stays on the stack while its inputs are explored,
    and joins the order when it is on top again with all of them placed.
    """
    order, placed, stack = [], {}, [root]  # placed[t]: False while open, True once in order
    while stack:
        t = stack[-1]
        done = placed.get(t)
        if done is not None:
            stack.pop()
            if not done:
                placed[t] = True
                order.append(t)
            continue
        placed[t] = False
        node = t._node
        if node.released:
            raise GraphError(
                f"backward through a graph that was already released (at op '{node.prim.name}'): "
                "the first backward() freed the values the forward pass cached; call "
                "backward(retain_graph=True) the first time, or run the forward pass again"
            )
        for inp in node.inputs:
            if inp._node is not None and inp not in placed:
                stack.append(inp)
    order.reverse()
    return order


def _accumulate_leaf(leaf: Tensor, grad: np.ndarray, upstream: np.ndarray) -> None:
    if grad.dtype != leaf.data.dtype:
        grad = grad.astype(leaf.data.dtype)
    if leaf.grad is None:
        # Own the memory (users and optimizers may scale .grad in place), but copy only
        # when the rule handed back the upstream gradient itself or a view of it.
        leaf.grad = grad.copy() if (grad is upstream or grad.base is not None) else grad
    else:
        # Not +=: the array stored above was also yielded to explain/the stepper as this
        # slot's own contribution, and must keep that value.
        leaf.grad = leaf.grad + grad


def iter_backward(root: Tensor, grad=None, retain_graph: bool = False):
    """Run backprop from ``root``, yielding ``(tensor, upstream, input_grads)`` per node.

    ``input_grads`` are already summed to each input's shape. ``Tensor.backward`` drains this
    generator; ``explain`` and the stepper read what it yields. There is no other backward.
    """
    if not root.requires_grad:
        raise GraphError(
            "backward() on a tensor that does not require grad: no input of the computation "
            "had requires_grad=True (or it ran under no_grad())"
        )
    if grad is None:
        if root.data.size != 1:
            raise GraphError(
                f"backward() without a gradient needs a scalar output, found shape "
                f"{root.shape}; reduce it first (loss.sum() or loss.mean()) or pass "
                "backward(grad=...) of the same shape"
            )
        # np.array + reshape, not np.ones_like: a quarter of the cost on this hot path
        grad = np.array(1, dtype=root.data.dtype).reshape(root.data.shape)
    else:
        grad = np.asarray(grad.data if isinstance(grad, Tensor) else grad, root.data.dtype)
        if grad.shape != root.shape:
            raise ShapeError(
                f"backward(grad=...) needs a gradient of the output's shape {root.shape}, "
                f"found {grad.shape}"
            )
    if root._node is None:  # a leaf: its gradient is the seed itself
        _accumulate_leaf(root, grad, grad)
        return
    grads = {root: grad}  # tensors hash by identity
    anomaly = state.anomaly
    for t in _topological_order(root):
        g = grads.pop(t)
        node = t._node
        raw = node.prim.vjp(g, node.saved, node.needs)
        in_grads = []
        for inp, ig, need in zip(node.inputs, raw, node.needs):
            if not need or ig is None:
                in_grads.append(None)
                continue
            if ig.shape != inp.data.shape:
                ig = unbroadcast(ig, inp.data.shape)
            in_grads.append(ig)
            if inp._node is None:
                _accumulate_leaf(inp, ig, g)
            elif inp in grads:
                grads[inp] = grads[inp] + ig
            else:
                grads[inp] = ig
        if anomaly is not None:
            anomaly.on_backward(node, in_grads)
        yield t, g, in_grads
        if not retain_graph:  # free what the forward pass cached
            node.inputs = ()
            node.saved = None
            node.released = True


def backward(root: Tensor, grad=None, retain_graph: bool = False) -> None:
    """Accumulate d(root)/d(leaf) into every leaf's ``.grad``."""
    deque(iter_backward(root, grad, retain_graph), maxlen=0)


def check_can_require_grad(data: np.ndarray) -> None:
    if data.dtype.kind != "f":
        raise DTypeError(
            f"only floating-point tensors can require a gradient, found dtype {data.dtype}; "
            "create it with dtype=float32 or float64"
        )
