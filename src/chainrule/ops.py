"""THE chain-rule table: every primitive's forward, its vector-Jacobian product, its formula.

Read a row top to bottom: the forward computes ``y`` and caches what the backward needs; the
vjp turns the upstream gradient ``g = dJ/dy`` into ``dJ/d(input)`` for each input; the formula
text is what ``explain`` prints. Broadcasting is undone by the engine (``unbroadcast``), not here.
Nothing in chainrule computes a gradient any other way.

The keyword facts after the formulas are everything the inspection tools know about an op (see
``Primitive``): its role, the symbols of its inputs and output, its kinks, whether its
derivative is a surrogate, which inputs broadcast, its notes in the slides' notation, the rows
a fused op stands for, and a hint for NaNs. No other module keeps a list of op names.
"""

from __future__ import annotations

import numpy as np

from chainrule.autograd import Kink, Primitive
from chainrule.errors import ShapeError
from chainrule.tensor import Tensor
from chainrule.validation import reduction as _check_reduction

# Reductions straight through the ufunc: the ndarray methods add a Python wrapper that costs
# more than the work itself on the small arrays of a training step.
_SUM = np.add.reduce
_MAX = np.maximum.reduce
_MIN = np.minimum.reduce

_CONSTANTS: dict = {}


def _k(value, dtype):
    """``value`` as a 0-d array of ``dtype``: NumPy combines that with an array about twice as
    fast as a Python scalar (NEP 50's weak-scalar handling costs ~0.25 us a call)."""
    key = (value, dtype)
    const = _CONSTANTS.get(key)
    if const is None:
        const = _CONSTANTS[key] = np.array(value, dtype=dtype)
        const.flags.writeable = False  # shared by every call: nothing may change it
    return const


def _from_zero(x, **params):
    """How far each element is from a kink at 0 (relu, abs, step, ...)."""
    return np.abs(x)


# LaTeX shorthands for the formulas.
_G = r"\frac{\partial J}{\partial y}"


def _d(var: str) -> str:
    return r"\frac{\partial J}{\partial " + var + "}"


def _expand(g, shape, axis, keepdims):
    """Undo a reduction: put the reduced axes back and broadcast to ``shape``."""
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, shape)


# ---------------------------------------------------------------- arithmetic
add = Primitive(
    "add",
    lambda a, b: (a + b, None),
    lambda g, s, needs: (g, g),
    formulas=("dJ/da = dJ/dy", "dJ/db = dJ/dy"),
    latex=(f"{_d('a')} = {_G}", f"{_d('b')} = {_G}"),
    inputs=("a", "b"),
    broadcasts=("a", "b"),
)

sub = Primitive(
    "sub",
    lambda a, b: (a - b, None),
    lambda g, s, needs: (g, -g if needs[1] else None),
    formulas=("dJ/da = dJ/dy", "dJ/db = -dJ/dy"),
    latex=(f"{_d('a')} = {_G}", f"{_d('b')} = -{_G}"),
    inputs=("a", "b"),
    broadcasts=("a", "b"),
)

mul = Primitive(
    "mul",
    lambda a, b: (a * b, (a, b)),
    lambda g, s, needs: (g * s[1] if needs[0] else None, g * s[0] if needs[1] else None),
    formulas=("dJ/da = dJ/dy * b", "dJ/db = dJ/dy * a"),
    latex=(rf"{_d('a')} = {_G} \circ b", rf"{_d('b')} = {_G} \circ a"),
    saves=("a", "b"),
    inputs=("a", "b"),
    broadcasts=("a", "b"),
)


def _div_vjp(g, s, needs):
    a, b = s
    ga = g / b if needs[0] else None
    gb = -g * a / (b * b) if needs[1] else None
    return ga, gb


div = Primitive(
    "div",
    lambda a, b: (a / b, (a, b)),
    _div_vjp,
    formulas=("dJ/da = dJ/dy / b", "dJ/db = -dJ/dy * a / b^2"),
    latex=(rf"{_d('a')} = {_G} / b", rf"{_d('b')} = -{_G} \circ a / b^2"),
    saves=("a", "b"),
    inputs=("a", "b"),
    broadcasts=("a", "b"),
    hint="division by zero: check the denominator, or add an epsilon",
)


def _pow_fwd(a, b):
    y = a**b
    return y, (a, b, y)


def _pow_vjp(g, s, needs):
    a, b, y = s
    ga = g * b * a ** (b - 1) if needs[0] else None
    gb = g * y * np.log(a) if needs[1] else None
    return ga, gb


pow = Primitive(  # noqa: A001 - the table's name for **
    "pow",
    _pow_fwd,
    _pow_vjp,
    formulas=("dJ/da = dJ/dy * b * a^(b-1)", "dJ/db = dJ/dy * a^b * log(a)"),
    latex=(rf"{_d('a')} = {_G} \circ b\,a^{{b-1}}", rf"{_d('b')} = {_G} \circ a^b \log a"),
    saves=("a", "b", "y"),
    inputs=("a", "b"),
    broadcasts=("a", "b"),
    hint="a negative base with a fractional power, or 0 to a negative power",
)

neg = Primitive(
    "neg",
    lambda a: (-a, None),
    lambda g, s, needs: (-g,),
    formulas=("dJ/da = -dJ/dy",),
    latex=(f"{_d('a')} = -{_G}",),
    inputs=("a",),
)


def _matmul_fwd(a, b):
    return a @ b, (a, b)


def _matrix_t(m):
    return m.T if m.ndim == 2 else np.swapaxes(m, -1, -2)  # .T is ~7x cheaper than swapaxes


def _matmul_vjp(g, s, needs):
    a, b = s
    if a.ndim == 2 and b.ndim == 2:  # the common case, first
        return (g @ b.T if needs[0] else None, a.T @ g if needs[1] else None)
    # Promote 1-D operands the way matmul does, so one pair of formulas covers every case.
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    g2 = g
    if a.ndim == 1 and b.ndim == 1:
        g2 = np.reshape(g, (1, 1))
    elif a.ndim == 1:
        g2 = np.expand_dims(g, -2)
    elif b.ndim == 1:
        g2 = np.expand_dims(g, -1)
    ga = gb = None
    if needs[0]:
        ga = g2 @ _matrix_t(b2)
        if a.ndim == 1:
            ga = ga[..., 0, :]
    if needs[1]:
        gb = _matrix_t(a2) @ g2
        if b.ndim == 1:
            gb = gb[..., :, 0]
    return ga, gb


matmul = Primitive(
    "matmul",
    _matmul_fwd,
    _matmul_vjp,
    formulas=("dJ/dA = dJ/dY B^T", "dJ/dB = A^T dJ/dY"),
    latex=(rf"{_d('A')} = {_d('Y')} B^\top", rf"{_d('B')} = A^\top {_d('Y')}"),
    saves=("A", "B"),
    role="affine",
    inputs=("A", "B"),
    output="Y",
)


def _linear_notes(slot, names, out, up, shapes, params):
    """The slides write one example as a column vector; rows here are examples."""
    x, w = names[0], names[1]
    one = len(shapes[0]) == 1
    if slot == 1:
        return [f"for one example this is the outer product {up} {x}^T, as on the slide" if one
                else f"examples are rows here, so the slide's {up} {x}^T (column vectors) "
                f"becomes ({up})^T {x}: every example's outer product, summed"]
    if slot == 0:
        return [f"in the slide's column-vector notation: {w}^T {up}" if one else
                f"row by row this is the slide's {w}^T {up} for each example"]
    return [f"= {up} x 1 = {up}, as on the slide"] if one else []


def _linear_fwd(x, w, b=None):
    if x.shape[-1:] != w.shape[1:]:
        raise ShapeError(
            f"linear: the input has {x.shape[-1] if x.ndim else 0} features (shape {x.shape}) "
            f"but the weight of shape {w.shape} expects {w.shape[1]}; give rows of "
            f"{w.shape[1]} features, or a layer built for {x.shape[-1] if x.ndim else 0}"
        )
    y = x @ w.T
    if b is not None:
        y += b
    return y, (x, w)


def _linear_vjp(g, s, needs):
    x, w = s
    if g.ndim != 2:  # (out,) or (..., out): make it one (batch, out) matrix
        g, x = g.reshape(-1, g.shape[-1]), x.reshape(-1, x.shape[-1])
    gx = g @ w if needs[0] else None
    gw = g.T @ x if needs[1] else None
    gb = _SUM(g, axis=0) if len(needs) == 3 and needs[2] else None
    if gx is not None and gx.shape[:-1] != s[0].shape[:-1]:
        gx = gx.reshape(s[0].shape)
    return gx, gw, gb


linear = Primitive(
    "linear",
    _linear_fwd,
    _linear_vjp,
    formulas=(
        "dJ/dx = dJ/dz W",
        "dJ/dW = (dJ/dz)^T x",
        "dJ/db = sum over the batch of dJ/dz",
    ),
    latex=(
        rf"{_d('x')} = {_d('z')}\, W",
        rf"{_d('W')} = \left({_d('z')}\right)^\top x",
        rf"{_d('b')} = \sum_{{\text{{batch}}}} {_d('z')}",
    ),
    saves=("x", "W"),
    role="affine",
    inputs=("x", "W", "b"),
    output="z",
    broadcasts=("b",),
    notes=_linear_notes,
)

cast = Primitive(
    "cast",
    lambda a, dtype: (a.astype(dtype), a.dtype),
    lambda g, s, needs: (g.astype(s),),
    formulas=("dJ/da = dJ/dy (in a's dtype)",),
    latex=(f"{_d('a')} = {_G}",),
    role="shape",
    inputs=("a",),
)

# ---------------------------------------------------------------- elementwise functions
def _same_twice(fn):
    """Forward for ops whose backward needs only the output: cache y itself."""

    def forward(a):
        y = fn(a)
        return y, y

    return forward


exp = Primitive(
    "exp",
    _same_twice(np.exp),
    lambda g, y, needs: (g * y,),
    formulas=("dJ/dx = dJ/dy * exp(x)",),
    latex=(rf"{_d('x')} = {_G} \circ e^x",),
    saves=("y",),
    inputs=("x",),
    hint="exp overflows above about 88 in float32 and 709 in float64",
)

log = Primitive(
    "log",
    lambda a: (np.log(a), a),
    lambda g, a, needs: (g / a,),
    formulas=("dJ/dx = dJ/dy / x",),
    latex=(rf"{_d('x')} = {_G} / x",),
    saves=("x",),
    inputs=("x",),
    hint="log(0) = -inf: add a small epsilon or use log_softmax / cross_entropy",
)

sqrt = Primitive(
    "sqrt",
    _same_twice(np.sqrt),
    lambda g, y, needs: (g / (2 * y),),
    formulas=("dJ/dx = dJ/dy / (2 sqrt(x))",),
    latex=(rf"{_d('x')} = {_G} / (2\sqrt{{x}})",),
    saves=("y",),
    inputs=("x",),
    hint="sqrt's gradient 1/(2 sqrt(x)) is infinite at 0: add an epsilon inside",
)

abs = Primitive(  # noqa: A001
    "abs",
    lambda a: (np.abs(a), np.sign(a)),
    lambda g, sign, needs: (g * sign,),
    formulas=("dJ/dx = dJ/dy * sign(x)",),
    latex=(rf"{_d('x')} = {_G} \circ \operatorname{{sign}}(x)",),
    saves=("sign(x)",),
    inputs=("x",),
    kinks=(Kink("x = 0", "derivative sign(0) = 0", _from_zero),),
)


def _from_bounds(x, lo=None, hi=None):
    """How far each element is from the nearer clipping bound (inf without bounds)."""
    far = np.full(np.shape(x), np.inf)
    to_lo = far if lo is None else np.abs(x - lo)
    to_hi = far if hi is None else np.abs(x - hi)
    return np.minimum(to_lo, to_hi)


def _clip_fwd(a, lo=None, hi=None):
    inside = np.ones(a.shape, dtype=bool)
    if lo is not None:
        inside &= a >= lo
    if hi is not None:
        inside &= a <= hi
    return np.clip(a, lo, hi), inside


clip = Primitive(
    "clip",
    _clip_fwd,
    lambda g, inside, needs: (g * inside,),
    formulas=("dJ/dx = dJ/dy * 1{lo <= x <= hi}",),
    latex=(rf"{_d('x')} = {_G} \circ \mathbb{{1}}\{{lo \le x \le hi\}}",),
    saves=("1{lo<=x<=hi}",),
    inputs=("x",),
    kinks=(Kink("x = lo or x = hi", "derivative 1 (the bounds count as inside)",
            _from_bounds),),
)


def _tie_split(a, b, pick_a):
    """maximum/minimum: the winner takes the gradient; a tie splits it evenly (as PyTorch)."""
    tie = a == b
    wa = np.where(tie, 0.5, pick_a.astype(a.dtype if a.dtype.kind == "f" else np.float64))
    return wa


def _maximum_fwd(a, b):
    return np.maximum(a, b), _tie_split(a, b, a > b)


def _minimum_fwd(a, b):
    return np.minimum(a, b), _tie_split(a, b, a < b)


def _select_vjp(g, wa, needs):
    return (g * wa if needs[0] else None, g * (1 - wa) if needs[1] else None)


_TIE = Kink("a = b", "half the gradient for each input (ties split)", lambda a, b: np.abs(a - b))

maximum = Primitive(
    "maximum",
    _maximum_fwd,
    _select_vjp,
    formulas=("dJ/da = dJ/dy * 1{a > b}", "dJ/db = dJ/dy * 1{b > a}  (ties split 1/2)"),
    latex=(rf"{_d('a')} = {_G} \circ \mathbb{{1}}\{{a > b\}}",
           rf"{_d('b')} = {_G} \circ \mathbb{{1}}\{{b > a\}}"),
    saves=("1{a wins}",),
    inputs=("a", "b"),
    broadcasts=("a", "b"),
    kinks=(_TIE,),
)

minimum = Primitive(
    "minimum",
    _minimum_fwd,
    _select_vjp,
    formulas=("dJ/da = dJ/dy * 1{a < b}", "dJ/db = dJ/dy * 1{b < a}  (ties split 1/2)"),
    latex=(rf"{_d('a')} = {_G} \circ \mathbb{{1}}\{{a < b\}}",
           rf"{_d('b')} = {_G} \circ \mathbb{{1}}\{{b < a\}}"),
    saves=("1{a wins}",),
    inputs=("a", "b"),
    broadcasts=("a", "b"),
    kinks=(_TIE,),
)


def _where_fwd(a, b, cond):
    return np.where(cond, a, b), cond


where = Primitive(
    "where",
    _where_fwd,
    lambda g, cond, needs: (
        np.where(cond, g, 0) if needs[0] else None,
        np.where(cond, 0, g) if needs[1] else None,
    ),
    formulas=("dJ/da = dJ/dy * 1{cond}", "dJ/db = dJ/dy * 1{not cond}"),
    latex=(rf"{_d('a')} = {_G} \circ \mathbb{{1}}\{{c\}}",
           rf"{_d('b')} = {_G} \circ \mathbb{{1}}\{{\lnot c\}}"),
    saves=("cond",),
    inputs=("a", "b"),
    broadcasts=("a", "b"),
)

# ---------------------------------------------------------------- activations


def _sigmoid(z):
    # sigma(z) = (1 + tanh(z / 2)) / 2 exactly; tanh saturates to +-1, so any |z| (1e4
    # included) is finite, and it costs one transcendental ufunc instead of exp, divisions and
    # a select. Outputs below ~1e-8 (float32) lose relative precision: take logs through the
    # fused losses (cross_entropy, binary_cross_entropy_with_logits), never log(sigmoid(z)).
    half = _k(0.5, z.dtype)
    s = np.tanh(z * half)
    s *= half
    s += half
    return s


def _sigmoid_vjp(g, s, needs):
    return (g * s * (_k(1, s.dtype) - s),)


sigmoid = Primitive(
    "sigmoid",
    _same_twice(_sigmoid),
    _sigmoid_vjp,
    formulas=("dJ/dx = dJ/dy * s(1 - s)",),
    latex=(rf"{_d('x')} = {_G} \circ \sigma(x)(1-\sigma(x))",),
    saves=("s",),
    role="activation",
    inputs=("x",),
)

tanh = Primitive(
    "tanh",
    _same_twice(np.tanh),
    lambda g, t, needs: (g * (_k(1, t.dtype) - t * t),),
    formulas=("dJ/dx = dJ/dy * (1 - t^2)",),
    latex=(rf"{_d('x')} = {_G} \circ (1 - \tanh^2 x)",),
    saves=("t",),
    role="activation",
    inputs=("x",),
)


def _relu_notes(slot, names, out, up, shapes, params):
    x = names[slot]
    return [f"1{{{x} > 0}} is the slide's 1{{{out} > 0}}: "
            f"{out} = relu({x}) is positive exactly where {x} is"]


def _relu_fwd(z):
    zero = _k(0, z.dtype)
    return np.maximum(z, zero), z > zero  # not z * mask: relu(-1) is +0.0, never -0.0


relu = Primitive(
    "relu",
    _relu_fwd,
    lambda g, mask, needs: (g * mask,),
    formulas=("dJ/dx = dJ/dy * 1{x > 0}",),
    latex=(rf"{_d('x')} = {_G} \circ \mathbb{{1}}\{{x > 0\}}",),
    saves=("1{x>0}",),
    role="activation",
    inputs=("x",),
    kinks=(Kink("x = 0", "derivative 0 (1{x > 0} is 0 there)", _from_zero),),
    notes=_relu_notes,
)


def _leaky_fwd(z, slope=0.01):
    slopes = np.where(z > 0, 1, slope).astype(z.dtype)
    return z * slopes, slopes


leaky_relu = Primitive(
    "leaky_relu",
    _leaky_fwd,
    lambda g, slopes, needs: (g * slopes,),
    formulas=("dJ/dx = dJ/dy * (1 if x > 0 else slope)",),
    latex=(rf"{_d('x')} = {_G} \circ (\mathbb{{1}}\{{x>0\}} + \alpha\,\mathbb{{1}}\{{x\le 0\}})",),
    saves=("slopes",),
    role="activation",
    inputs=("x",),
    kinks=(Kink("x = 0", "derivative slope (0 counts as negative)", _from_zero),),
)

identity = Primitive(
    "identity",
    lambda z: (z.copy(), None),
    lambda g, s, needs: (g,),
    formulas=("dJ/dx = dJ/dy",),
    latex=(f"{_d('x')} = {_G}",),
    role="activation",
    inputs=("x",),
)


def _softplus_fwd(z):
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z))), z


softplus = Primitive(
    "softplus",
    _softplus_fwd,
    lambda g, z, needs: (g * _sigmoid(z),),
    formulas=("dJ/dx = dJ/dy * sigmoid(x)",),
    latex=(rf"{_d('x')} = {_G} \circ \sigma(x)",),
    saves=("x",),
    role="activation",
    inputs=("x",),
)

_GELU_C = float(np.sqrt(2 / np.pi))  # a Python float: keeps float32 inputs float32


def _gelu_fwd(z):
    # The tanh form (torch.nn.GELU(approximate="tanh")): NumPy has no erf.
    inner = _GELU_C * (z + 0.044715 * z**3)
    t = np.tanh(inner)
    return 0.5 * z * (1 + t), (z, t)


def _gelu_vjp(g, s, needs):
    z, t = s
    dinner = _GELU_C * (1 + 3 * 0.044715 * z * z)
    return (g * (0.5 * (1 + t) + 0.5 * z * (1 - t * t) * dinner),)


gelu = Primitive(
    "gelu",
    _gelu_fwd,
    _gelu_vjp,
    formulas=("dJ/dx = dJ/dy * (0.5(1 + t) + 0.5 x (1 - t^2) c(1 + 3k x^2)), "
              "t = tanh(c(x + k x^3))",),
    latex=(rf"{_d('x')} = {_G} \circ \left(\tfrac12(1+t) + \tfrac12 x(1-t^2)c(1+3kx^2)\right)",),
    saves=("x", "t"),
    role="activation",
    inputs=("x",),
)


def _step_fwd(z):
    return (z >= 0).astype(z.dtype), z


# The step g(z) = 1{z >= 0} (step(0) = 1, as on the slides). Its true derivative is zero
# wherever it exists, so a step network gets no gradient at all; the surrogates below are
# what "straight-through" training substitutes, each its own row so explain prints it.
step = Primitive(
    "step",
    _step_fwd,
    lambda g, z, needs: (np.zeros_like(g),),
    formulas=("dJ/dx = 0  (the step is flat wherever it is differentiable)",),
    latex=(f"{_d('x')} = 0",),
    saves=("x",),
    role="activation",
    inputs=("x",),
    kinks=(Kink("x = 0", "derivative 0 (the jump: step(0) = 1)", _from_zero),),
)

step_straight_through = Primitive(
    "step_straight_through",
    _step_fwd,
    lambda g, z, needs: (g,),
    formulas=("dJ/dx = dJ/dy  (straight-through surrogate)",),
    latex=(rf"{_d('x')} \approx {_G}",),
    saves=("x",),
    role="activation",
    inputs=("x",),
    kinks=(Kink("x = 0", "derivative 1 (the surrogate)", _from_zero),),
    surrogate=True,
)

step_sigmoid = Primitive(
    "step_sigmoid",
    _step_fwd,
    lambda g, z, needs: _sigmoid_vjp(g, _sigmoid(z), needs),
    formulas=("dJ/dx = dJ/dy * s(x)(1 - s(x))  (sigmoid surrogate)",),
    latex=(rf"{_d('x')} \approx {_G} \circ \sigma(x)(1-\sigma(x))",),
    saves=("x",),
    role="activation",
    inputs=("x",),
    kinks=(Kink("x = 0", "derivative s(0)(1 - s(0)) = 1/4 (the surrogate)", _from_zero),),
    surrogate=True,
)

STEP_DERIVATIVES = {"zero": step, "straight_through": step_straight_through,
                    "sigmoid": step_sigmoid}

# ---------------------------------------------------------------- softmax family


def _logsumexp(z, axis):
    m = np.max(z, axis=axis, keepdims=True)
    return m + np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True))


def _softmax_fwd(z, axis=-1):
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    p = e / e.sum(axis=axis, keepdims=True)
    return p, (p, axis)


softmax = Primitive(
    "softmax",
    _softmax_fwd,
    lambda g, s, needs: (s[0] * (g - np.sum(g * s[0], axis=s[1], keepdims=True)),),
    formulas=("dJ/dz = y_hat * (dJ/dy_hat - sum(dJ/dy_hat * y_hat))",),
    latex=(rf"{_d('z')} = \hat y \circ \left({_d(chr(92) + 'hat y')} - "
           rf"\langle {_d(chr(92) + 'hat y')}, \hat y\rangle\right)",),
    saves=("y_hat",),
    role="normalize",
    inputs=("z",),
    output="y_hat",
    shown_as="y_hat",
)


def _log_softmax_fwd(z, axis=-1):
    out = z - _logsumexp(z, axis)
    return out, (out, axis)


log_softmax = Primitive(
    "log_softmax",
    _log_softmax_fwd,
    lambda g, s, needs: (g - np.exp(s[0]) * np.sum(g, axis=s[1], keepdims=True),),
    formulas=("dJ/dz = dJ/dy - softmax(z) * sum(dJ/dy)",),
    latex=(rf"{_d('z')} = {_G} - \operatorname{{softmax}}(z) \sum {_G}",),
    saves=("log y_hat",),
    role="normalize",
    inputs=("z",),
    shown_as="log_y_hat",
)

# ---------------------------------------------------------------- fused losses

def _labels(target, n, c):
    """Integer class labels, checked against the logits' (N, C)."""
    labels = target.reshape(-1)
    if labels.shape[0] != n:
        raise ShapeError(f"cross_entropy: {n} rows of logits but {labels.shape[0]} labels")
    # One reduction checks both ends: seen as unsigned, a negative label is huge.
    if n and _MAX(labels.astype(np.int64, copy=False).view(np.uint64)) >= c:
        raise ShapeError(
            f"cross_entropy: labels must lie in [0, {c - 1}] for {c} classes, "
            f"found {labels.min()}..{labels.max()}"
        )
    return labels


def _probability_rows(target, n, c, dtype):
    y = target.reshape(n, -1).astype(dtype, copy=False)
    if y.shape != (n, c):
        raise ShapeError(
            f"cross_entropy: probability targets must have the logits' shape {(n, c)}, "
            f"found {target.shape}"
        )
    return y


def _cross_entropy_fwd(z, target, reduction="mean"):
    _check_reduction(reduction)
    z2 = z.reshape(1, -1) if z.ndim == 1 else z
    n, c = z2.shape
    shifted = z2 - _MAX(z2, axis=1, keepdims=True)  # log-sum-exp trick: exp never overflows
    p = np.exp(shifted)
    total = _SUM(p, axis=1, keepdims=True)
    p /= total
    log_total = np.log(total)
    target = np.asarray(target)
    if target.dtype.kind in "iu":  # class labels: pick -log p[label], no one-hot matrix
        rows = np.arange(n)
        y = _labels(target, n, c)
        per_row = log_total[:, 0] - shifted[rows, y]
    else:  # probability rows (one-hot or soft)
        rows = None
        y = _probability_rows(target, n, c, z.dtype)
        per_row = _SUM(y * (log_total - shifted), axis=1)
    if reduction == "mean":
        out = _SUM(per_row) / n
    elif reduction == "sum":
        out = _SUM(per_row)
    else:
        out = per_row if z.ndim > 1 else per_row[0]
    return np.asarray(out, dtype=z.dtype), (p, y, reduction, z.shape, rows)


def _cross_entropy_vjp(g, s, needs):
    p, y, reduction, shape, rows = s
    if rows is not None:  # the recitation's delta_1 = y_hat - y, y one-hot at the labels
        delta = p.copy()
        delta[rows, y] -= 1
    else:
        delta = p - y
    if reduction == "mean":
        delta *= g.item() / p.shape[0]
    elif reduction == "sum":
        delta *= g
    else:
        delta *= np.reshape(g, (-1, 1))
    return (delta.reshape(shape),)


def _cross_entropy_notes(slot, names, out, up, shapes, params):
    rows = 1 if len(shapes[0]) == 1 else shapes[0][0]
    reduction = params.get("reduction", "mean")
    total = {"mean": f"{out} is the mean over N examples",
             "sum": f"{out} is the sum over the N examples (no / N)"}.get(
        reduction, "one loss per example (no / N)")
    labels = np.asarray(params.get("target")).dtype.kind in "iub"
    target = "y is the one-hot target" if labels else "y holds the target probabilities"
    return [f"N = {rows}: {total}; {target}, y_hat = softmax({names[slot]}) was cached by the "
            "forward pass"]


def _cross_entropy_unfused(z, target, reduction="mean"):
    """cross_entropy as the rows it fuses: the reduction of -sum(y * log(softmax(z))).

    ``z`` is a tensor; returns the output and names for the tensors in between. (In this module
    ``sum``, ``log`` and ``mean`` are the table's rows, not Python's or NumPy's.)
    """
    z2 = z.data.reshape(1, -1) if z.ndim == 1 else z.data
    target = np.asarray(target)
    if target.dtype.kind in "iub":
        rows = np.zeros(z2.shape, z.dtype)
        rows[np.arange(z2.shape[0]), target.reshape(-1)] = 1
    else:
        rows = target.reshape(z2.shape).astype(z.dtype)
    y = Tensor(rows.reshape(z.shape))
    y_hat = softmax(z, axis=-1)
    log_y_hat = log(y_hat)
    prod = mul(y, log_y_hat)
    prod_sum = sum(prod, axis=-1, keepdims=False)
    nll = neg(prod_sum)
    out = {"mean": mean, "sum": sum}.get(reduction)
    root = nll if out is None else out(nll, axis=None, keepdims=False)
    names = {y: "y", y_hat: "y_hat", log_y_hat: "log_y_hat", prod: "y*log_y_hat",
             prod_sum: "sum(y*log_y_hat)"}
    if root is not nll:
        names[nll] = "nll"
    return root, names


cross_entropy = Primitive(
    "cross_entropy",
    _cross_entropy_fwd,
    _cross_entropy_vjp,
    formulas=("delta = dJ/dz = (y_hat - y) / N,  y_hat = softmax(z)",),
    latex=(rf"\delta = {_d('z')} = \frac{{1}}{{N}}(\hat y - y)",),
    saves=("y_hat", "y"),
    role="loss",
    inputs=("z",),
    output=None,
    notes=_cross_entropy_notes,
    unfused=_cross_entropy_unfused,
)


def _mse_fwd(pred, target, reduction="mean"):
    _check_reduction(reduction)
    diff = pred - target
    sq = diff * diff
    out = sq.mean() if reduction == "mean" else sq.sum() if reduction == "sum" else sq
    scale = 2 / sq.size if reduction == "mean" else 2
    return np.asarray(out, dtype=sq.dtype), (diff, scale)


def _mse_vjp(g, s, needs):
    diff, scale = s
    gp = g * scale * diff
    return gp if needs[0] else None, -gp if needs[1] else None


mse_loss = Primitive(
    "mse_loss",
    _mse_fwd,
    _mse_vjp,
    formulas=("dJ/dy_hat = 2 (y_hat - y) / N", "dJ/dy = -2 (y_hat - y) / N"),
    latex=(r"\frac{\partial J}{\partial \hat y} = \frac{2}{N}(\hat y - y)",
           r"\frac{\partial J}{\partial y} = -\frac{2}{N}(\hat y - y)"),
    saves=("y_hat - y",),
    role="loss",
    inputs=("y_hat", "y"),
    output=None,
)


def _bce_logits_fwd(z, target, reduction="mean"):
    _check_reduction(reduction)
    y = np.asarray(target, dtype=z.dtype).reshape(z.shape) if np.size(target) == z.size \
        else np.broadcast_to(np.asarray(target, dtype=z.dtype), z.shape)
    per = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    out = per.mean() if reduction == "mean" else per.sum() if reduction == "sum" else per
    n = z.size if reduction == "mean" else 1
    return np.asarray(out, dtype=z.dtype), (_sigmoid(z), y, n)


binary_cross_entropy_with_logits = Primitive(
    "binary_cross_entropy_with_logits",
    _bce_logits_fwd,
    lambda g, s, needs: (g * (s[0] - s[1]) / s[2],),
    formulas=("dJ/dz = (sigmoid(z) - y) / N",),
    latex=(rf"{_d('z')} = \frac{{1}}{{N}}(\sigma(z) - y)",),
    saves=("sigmoid(z)", "y"),
    role="loss",
    inputs=("z",),
    output=None,
)

# ---------------------------------------------------------------- shape and reductions


def _reshape_fwd(a, shape):
    return a.reshape(shape), a.shape


reshape = Primitive(
    "reshape",
    _reshape_fwd,
    lambda g, shape, needs: (g.reshape(shape),),
    formulas=("dJ/dx = reshape(dJ/dy, x.shape)",),
    latex=(rf"{_d('x')} = \operatorname{{reshape}}({_G})",),
    role="shape",
    inputs=("x",),
)


def _transpose_fwd(a, axes=None):
    return np.transpose(a, axes), axes


def _transpose_vjp(g, axes, needs):
    return (np.transpose(g, None if axes is None else np.argsort(axes)),)


transpose = Primitive(
    "transpose",
    _transpose_fwd,
    _transpose_vjp,
    formulas=("dJ/dx = transpose(dJ/dy) back",),
    latex=(rf"{_d('x')} = \left({_G}\right)^\top",),
    role="shape",
    inputs=("x",),
)


def _is_basic_index(index):
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis
               for i in items)


def _getitem_fwd(a, index):
    return a[index], (a.shape, a.dtype, index)


def _getitem_vjp(g, s, needs):
    shape, dtype, index = s
    gx = np.zeros(shape, dtype=np.result_type(dtype, g.dtype))
    if _is_basic_index(index):
        gx[index] = g  # a basic index selects each element at most once
    else:
        np.add.at(gx, index, g)  # fancy indices may repeat: scatter-add
    return (gx,)


getitem = Primitive(
    "getitem",
    _getitem_fwd,
    _getitem_vjp,
    formulas=("dJ/dx = zeros with dJ/dy scattered (added) at the index",),
    latex=(rf"{_d('x')}[\text{{idx}}] \mathrel{{+}}= {_G}",),
    role="shape",
    inputs=("x",),
)


def _sum_fwd(a, axis=None, keepdims=False):
    return np.sum(a, axis=axis, keepdims=keepdims), (a.shape, axis, keepdims)


sum = Primitive(  # noqa: A001
    "sum",
    _sum_fwd,
    lambda g, s, needs: (_expand(g, *s),),
    formulas=("dJ/dx = dJ/dy broadcast back over the summed axes",),
    latex=(rf"{_d('x')} = {_G} \mathbf{{1}}^\top",),
    role="reduction",
    inputs=("x",),
)


def _mean_fwd(a, axis=None, keepdims=False):
    out = np.mean(a, axis=axis, keepdims=keepdims)
    count = a.size // np.size(out) if np.size(out) else 1
    return out, (a.shape, axis, keepdims, count)


mean = Primitive(
    "mean",
    _mean_fwd,
    lambda g, s, needs: (_expand(g / s[3], *s[:3]),),
    formulas=("dJ/dx = dJ/dy / n broadcast back over the averaged axes",),
    latex=(rf"{_d('x')} = \frac{{1}}{{n}} {_G} \mathbf{{1}}^\top",),
    role="reduction",
    inputs=("x",),
)


def _extreme_fwd(reduce):
    def forward(a, axis=None, keepdims=False):
        out = reduce(a, axis=axis, keepdims=True)
        winners = a == out
        share = winners / winners.sum(axis=axis, keepdims=True)  # ties split evenly
        res = out if keepdims else (out.reshape(()) if axis is None else np.squeeze(out, axis))
        return res, (share.astype(a.dtype, copy=False), axis, keepdims)

    return forward


def _tie_distance(reduce, loser):
    """For max/min: how far each entry is from a tie for the extreme (0 for a tied winner)."""

    def distance(a, axis=None, keepdims=False):
        top = reduce(a, axis=axis, keepdims=True)
        winners = a == top
        runner_up = reduce(np.where(winners, loser, a), axis=axis, keepdims=True)
        tied = _SUM(winners, axis=axis, keepdims=True) > 1
        return np.abs(np.where(winners, np.where(tied, 0.0, top - runner_up), top - a))

    return distance


def _extreme_vjp(g, s, needs):
    share, axis, keepdims = s
    return (_expand(g, share.shape, axis, keepdims) * share,)


max = Primitive(  # noqa: A001
    "max",
    _extreme_fwd(np.max),
    _extreme_vjp,
    formulas=("dJ/dx = dJ/dy at the arg max (ties share it)",),
    latex=(rf"{_d('x')} = {_G} \circ \mathbb{{1}}\{{x = \max x\}}",),
    role="reduction",
    inputs=("x",),
    kinks=(Kink("a tie for max x", "an equal share for each tied entry",
            _tie_distance(_MAX, -np.inf)),),
)

min = Primitive(  # noqa: A001
    "min",
    _extreme_fwd(np.min),
    _extreme_vjp,
    formulas=("dJ/dx = dJ/dy at the arg min (ties share it)",),
    latex=(rf"{_d('x')} = {_G} \circ \mathbb{{1}}\{{x = \min x\}}",),
    role="reduction",
    inputs=("x",),
    kinks=(Kink("a tie for min x", "an equal share for each tied entry",
            _tie_distance(_MIN, np.inf)),),
)


def _concat_fwd(*arrays, axis=0):
    sizes = np.cumsum([a.shape[axis] for a in arrays])[:-1]
    return np.concatenate(arrays, axis=axis), (sizes, axis)


concatenate = Primitive(
    "concatenate",
    _concat_fwd,
    lambda g, s, needs: tuple(np.split(g, s[0], axis=s[1])),
    formulas=("dJ/dx_i = the slice of dJ/dy that x_i filled",),
    latex=(rf"{_d('x_i')} = \left[{_G}\right]_i",),
    role="shape",
    inputs=("x_i",),
)


def _stack_fwd(*arrays, axis=0):
    return np.stack(arrays, axis=axis), (len(arrays), axis)


stack = Primitive(
    "stack",
    _stack_fwd,
    lambda g, s, needs: tuple(np.take(g, i, axis=s[1]) for i in range(s[0])),
    formulas=("dJ/dx_i = dJ/dy[i] along the stacked axis",),
    latex=(rf"{_d('x_i')} = \left[{_G}\right]_i",),
    role="shape",
    inputs=("x_i",),
)


def all_primitives() -> dict:
    """Every row of the table, by name (for explain, docs and the tests)."""
    return {p.name: p for p in globals().values() if isinstance(p, Primitive)}
