"""Exact constructions from the recitation: networks whose weights are written down, not trained.

- ``step_piecewise_constant``: Question 1c, f(x) = c g(x - a) - c g(x - b), for any number of
  pieces;
- ``identity_linear``: Question 1d, a = w1 v1 and b = w0 + w1 b1;
- ``xor_relu`` and ``xor_table``: Question 2, two ReLU units that solve XOR;
- ``relu_interpolant``: the piecewise-linear ReLU network through given points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chainrule import activations
from chainrule.errors import ConfigError
from chainrule.theory.network import OneHiddenLayer


def _vector(name, values) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a list of numbers, found {values!r}") from None
    if not np.all(np.isfinite(arr)):
        raise ConfigError(f"{name} must be finite numbers, found {values!r}")
    return arr


def piecewise_constant(breaks, values):
    """The function itself: ``values[i]`` on [breaks[i-1], breaks[i]) (a NumPy callable)."""
    b, v = _check_pieces(breaks, values)

    def f(x):
        return v[np.searchsorted(b, np.asarray(x, dtype=np.float64), side="right")]

    f.__name__ = "piecewise_constant"
    return f


def _check_pieces(breaks, values):
    b, v = _vector("breaks", breaks), _vector("values", values)
    if b.size < 1:
        raise ConfigError("breaks must hold at least one break point")
    if np.any(np.diff(b) <= 0):
        raise ConfigError(f"breaks must be strictly ascending, found {list(b)}")
    if v.size != b.size + 1:
        raise ConfigError(f"{b.size} breaks make {b.size + 1} pieces, so values needs "
                          f"{b.size + 1} entries; found {v.size}")
    return b, v


def step_piecewise_constant(breaks, values, derivative: str = "zero") -> OneHiddenLayer:
    """A step-activation network equal to a piecewise-constant function, exactly.

    Unit i fires for x >= breaks[i] (weight v_i = 1, bias b_i = -breaks[i]); its output weight
    is the jump values[i+1] - values[i]; the output bias is values[0]. ``step_piecewise_constant(
    [a, b], [0, c, 0])`` is the slide's c g(x - a) - c g(x - b). The sum of jumps reproduces
    each value to the last bit when the values are integers, halves, or float32 numbers.
    ``derivative`` is the step's backprop policy (see ``chainrule.functional.step``).
    """
    b, v = _check_pieces(breaks, values)
    n = b.size
    return OneHiddenLayer.from_weights(
        W1=np.ones((n, 1)), b1=-b, w2=np.diff(v), b2=v[0], activation=activations.STEP.name,
        derivative=derivative,
    )


def identity_linear(a: float, b: float) -> OneHiddenLayer:
    """An identity-activation network equal to ax + b (one hidden unit).

    With g(z) = z, f(x) = w0 + w1 (v1 x + b1); choosing v1 = a, b1 = 0, w1 = 1, w0 = b gives
    a = w1 v1 and b = w0 + w1 b1, the slide's answer.
    """
    a, b = _vector("a", [a])[0], _vector("b", [b])[0]
    return OneHiddenLayer.from_weights(W1=[[a]], b1=[0.0], w2=[1.0], b2=b,
                                       activation=activations.IDENTITY.name)


#: The slide's XOR points (in the table's order) and their labels.
XOR_POINTS = np.array([[1.0, 1.0], [-1.0, 1.0], [1.0, -1.0], [-1.0, -1.0]])
XOR_LABELS = np.array([1.0, -1.0, -1.0, 1.0])


def xor_relu() -> OneHiddenLayer:
    """Question 2: W1 = [[1, 1], [-1, -1]], b1 = 0, w2 = [1, 1], b2 = -1 (ReLU)."""
    return OneHiddenLayer.from_weights(W1=[[1.0, 1.0], [-1.0, -1.0]], b1=[0.0, 0.0],
                                       w2=[1.0, 1.0], b2=-1.0, activation=activations.RELU.name)


@dataclass
class XorTable:
    """The slide's table: for each point x, h(x) = W1 x + b1, g(h(x)) and f(x)."""

    x: np.ndarray
    h: np.ndarray
    g: np.ndarray
    f: np.ndarray
    y: np.ndarray

    @property
    def solved(self) -> bool:
        return bool(np.array_equal(self.f, self.y))

    def rows(self) -> list:
        return [(tuple(x), tuple(h), tuple(g), f) for x, h, g, f in
                zip(self.x.tolist(), self.h.tolist(), self.g.tolist(), self.f.tolist())]

    def __str__(self):
        def vec(v, paren):
            inner = " ".join(f"{e:g}" for e in v) if paren == "[" else \
                ", ".join(f"{e:g}" for e in v)
            return f"[{inner}]" if paren == "[" else f"({inner})"

        header = ("x", "h(x)", "g(h(x))", "f(x)", "y")
        body = [(vec(x, "("), vec(h, "["), vec(g, "["), f"{f:g}", f"{y:g}")
                for x, h, g, f, y in zip(self.x, self.h, self.g, self.f, self.y)]
        widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
                 for r in [header, *body]]
        return "\n".join(lines)


def xor_table(net: OneHiddenLayer | None = None) -> XorTable:
    """Run the XOR network (default ``xor_relu()``) on the four points; str() prints the table."""
    net = xor_relu() if net is None else net
    z = net.pre_activation(XOR_POINTS)
    h = net.activation(z)
    f = net(XOR_POINTS)
    # "+ 0.0" turns the -0.0 that relu(-2) = -2 * 0 leaves into the table's 0.
    return XorTable(XOR_POINTS.copy(), z.data + 0.0, h.data + 0.0, f.data.reshape(-1) + 0.0,
                    XOR_LABELS.copy())


def relu_interpolant(xs, ys) -> OneHiddenLayer:
    """The ReLU network through the points (xs[k], ys[k]), linear between them.

    With slopes s_k on [x_k, x_{k+1}]: f(x) = y_0 + s_0 (x - x_0) + sum_k (s_k - s_{k-1})
    relu(x - x_k), one unit per kink x_1..x_{n-2}, plus the pair s_0 relu(x - x_0) -
    s_0 relu(x_0 - x) for the linear term (it continues both end pieces as straight lines).
    """
    x, y = _vector("xs", xs), _vector("ys", ys)
    if x.size < 2 or x.size != y.size:
        raise ConfigError(f"relu_interpolant needs at least two points and as many ys as xs, "
                          f"found {x.size} xs and {y.size} ys")
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    if np.any(np.diff(x) <= 0):
        raise ConfigError("relu_interpolant: the xs must be distinct")
    slopes = np.diff(y) / np.diff(x)
    kinks = x[1:-1]
    W1 = np.concatenate([[1.0, -1.0], np.ones(kinks.size)]).reshape(-1, 1)
    b1 = np.concatenate([[-x[0], x[0]], -kinks])
    w2 = np.concatenate([[slopes[0], -slopes[0]], np.diff(slopes)])
    return OneHiddenLayer.from_weights(W1=W1, b1=b1, w2=w2, b2=y[0],
                                       activation=activations.RELU.name)
