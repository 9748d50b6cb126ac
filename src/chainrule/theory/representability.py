"""What a network can and cannot represent, measured on dense grids (Question 1).

``max_error``/``represents`` check a network against a function. ``step_best_error`` is the
negative answer made concrete: an n-unit step network takes at most n + 1 values on an
interval, so no choice of weights gets closer to ax + b than |a|(hi - lo) / (2(n + 1)).
``step_network_experiment`` trains step networks to show they never beat that bound, and that
backprop gives their hidden layer a gradient of exactly zero.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from chainrule import activations
from chainrule.autograd import no_grad
from chainrule.errors import ConfigError
from chainrule.tensor import Tensor
from chainrule.theory._train import fit_output_layer, train_full_batch
from chainrule.theory.domain import evaluate_target, grid, parse_domain
from chainrule.theory.network import OneHiddenLayer
from chainrule.validation import integer


def predict(net, X) -> np.ndarray:
    """The network's outputs on the rows of ``X``, as a float64 vector (no graph recorded)."""
    with no_grad():
        out = net(Tensor(np.asarray(X, dtype=np.float64)))
    return np.asarray(out.data, dtype=np.float64).reshape(len(X))


def max_error(net, f, domain, points=None) -> float:
    """sup |net(x) - f(x)| over a dense grid of ``domain`` (computed in float64)."""
    X = grid(domain, points)
    return float(np.max(np.abs(predict(net, X) - evaluate_target(f, X))))


def rms_error(net, f, domain, points=None) -> float:
    """The root-mean-square error over the same dense grid."""
    X = grid(domain, points)
    return float(np.sqrt(np.mean((predict(net, X) - evaluate_target(f, X)) ** 2)))


def represents(net, f, domain, tol: float = 0.0, points=None) -> bool:
    """True when ``net`` equals ``f`` to within ``tol`` on a dense grid of ``domain``."""
    return max_error(net, f, domain, points) <= tol


def step_best_error(a: float, lo: float, hi: float, n_units: int) -> float:
    """The smallest sup error any n-unit step network reaches for ax + b on [lo, hi].

    Its output is constant between its n thresholds, so it has at most n + 1 pieces; ax + b
    climbs |a|(hi - lo) over the interval, so some piece spans a rise of at least
    |a|(hi - lo)/(n + 1) and misses by half of that. Equal pieces at the midpoints reach it.
    """
    box = parse_domain((lo, hi))[0]
    n = integer(n_units, "n_units", minimum=0)
    return abs(float(a)) * float(box[1] - box[0]) / (2 * (n + 1))


def step_best_error_fn(f, lo: float, hi: float, n_units: int, points: int = 20001) -> float:
    """The same bound for any continuous ``f``, on a grid of ``points`` points.

    Bisection on eps: a greedy sweep closes a piece as soon as f's range on it exceeds 2 eps;
    eps is reachable when n + 1 pieces suffice (greedy is optimal for this covering problem).
    """
    return _best_partition(f, lo, hi, integer(n_units, "n_units", minimum=0), points)[0]


def _best_partition(f, lo, hi, n, points):
    """(eps, x grid, y, piece starts): the optimal n + 1 piece cover found by bisection."""
    x = grid((lo, hi), points)
    y = evaluate_target(f, x)
    lo_eps, hi_eps = 0.0, float(y.max() - y.min()) / 2
    if len(_piece_starts(y, 0.0, n + 1)) <= n + 1:
        hi_eps = 0.0
    else:
        for _ in range(60):
            mid = (lo_eps + hi_eps) / 2
            if len(_piece_starts(y, mid, n + 1)) <= n + 1:
                hi_eps = mid
            else:
                lo_eps = mid
    return float(hi_eps), x[:, 0], y, _piece_starts(y, hi_eps, n + 1)


def _piece_starts(y, eps, limit) -> list:
    """Start indices of the greedy pieces of range <= 2 eps covering ``y`` (stops past
    ``limit`` pieces: the caller only asks whether ``limit`` suffice)."""
    start, starts = 0, []
    window = max(64, 4 * y.size // max(limit, 1))
    while start < y.size and len(starts) <= limit:
        starts.append(start)
        while True:  # look ahead in a window that doubles until the piece ends inside it
            seg = y[start:start + window]
            spread = np.maximum.accumulate(seg) - np.minimum.accumulate(seg)
            over = np.flatnonzero(spread > 2 * eps)
            if over.size or start + window >= y.size:
                break
            window *= 2
        start += int(over[0]) if over.size else seg.size
    return starts


def best_step_network(f, lo: float, hi: float, n_units: int, points: int = 20001):
    """The best n-unit step network for ``f`` (to the grid's resolution), constructed.

    The pieces are the optimal cover of ``step_best_error_fn``; each piece sits at the middle
    of f's range on it, and each threshold halfway between two grid points.
    """
    from chainrule.theory.constructions import step_piecewise_constant

    n = integer(n_units, "n_units", minimum=0)
    if n < 1:
        raise ConfigError("a step network needs at least one unit")
    _, x, y, starts = _best_partition(f, lo, hi, n, points)
    ends = starts[1:] + [y.size]
    values = [(y[a:b].max() + y[a:b].min()) / 2 for a, b in zip(starts, ends)]
    breaks = [(x[a - 1] + x[a]) / 2 for a in starts[1:]]
    while len(breaks) < n:  # fewer pieces than units suffice: split one, same value both sides
        k = int(np.argmax(np.diff([lo, *breaks, hi])))
        edges = [lo, *breaks, hi]
        breaks.insert(k, (edges[k] + edges[k + 1]) / 2)
        values.insert(k, values[k])
    return step_piecewise_constant(breaks, values)


def _poly_name(coefs) -> str:
    """"2x^2 - x + 1" from [2, -1, 1] (highest power first)."""
    deg = len(coefs) - 1
    parts = []
    for i, c in enumerate(coefs):
        p = deg - i
        if c == 0 and not (p == 0 and not parts):
            continue
        mag = abs(c)
        coef = "" if (mag == 1 and p > 0) else f"{mag:g}"
        term = coef + ("" if p == 0 else "x" if p == 1 else f"x^{p}")
        sign = "-" if c < 0 else "+"
        parts.append(term if not parts and c >= 0 else
                     f"-{term}" if not parts else f"{sign} {term}")
    return " ".join(parts) or "0"


def linear(a: float, b: float):
    """The function x -> ax + b, named for reports ("2x + 1")."""
    f = lambda x: a * x + b
    f.__name__ = _poly_name([a, b])
    return f


def quadratic(a: float, b: float, c: float):
    """The function x -> ax^2 + bx + c, named for reports ("2x^2 - x + 1")."""
    f = lambda x: a * x * x + b * x + c
    f.__name__ = _poly_name([a, b, c])
    return f


@dataclass
class StepTraining:
    """One trained step network: its errors against the best possible, and its gradients."""

    units: int
    derivative: str
    best_error: float  # no n-unit step network can do better (on the same grid)
    initial_error: float
    final_error: float
    hidden_grad_norm: float  # |dJ/d(hidden weights and biases)| at the first step
    output_grad_norm: float
    losses: list = field(repr=False, default_factory=list)
    seconds: float = 0.0

    @property
    def beats_bound(self) -> bool:
        return self.final_error < self.best_error


def train_step_network(f, domain=(0.0, 1.0), units: int = 8, derivative: str = "zero",
                       steps: int = 500, lr: float = 0.01, seed: int = 0,
                       points: int = 256, eval_points: int = 4001) -> StepTraining:
    """Train a step-activation network on ``f`` with Adam and report what it reached.

    Thresholds start at random points of the domain, output weights at their least-squares
    fit. With ``derivative="zero"`` (the true derivative)
    the hidden layer's gradient is exactly 0 and only the output weights move; a surrogate
    ("straight_through", "sigmoid") moves the thresholds, but no network beats the bound.
    """
    lo, hi = parse_domain(domain)[0]
    n = integer(units, "units", minimum=0)
    rng = np.random.default_rng(seed)
    net = OneHiddenLayer(1, n, activations.STEP.name, derivative, seed=seed)
    thresholds = np.sort(rng.uniform(lo, hi, n))
    net.hidden.weight.data[:] = 1.0
    net.hidden.bias.data[:] = -thresholds
    X = grid((lo, hi), points)
    y = evaluate_target(f, X)
    fit_output_layer(net, X, y)  # the best output weights for these thresholds
    initial = max_error(net, f, (lo, hi), eval_points)
    norms = {}

    def record(step, model):
        if step == 0:
            hid = [model.hidden.weight.grad, model.hidden.bias.grad]
            out = [model.output.weight.grad, model.output.bias.grad]
            norms["hidden"] = _norm(hid)
            norms["output"] = _norm(out)

    start = time.perf_counter()
    losses = train_full_batch(net, X, y, steps, lr, on_backward=record)
    seconds = time.perf_counter() - start
    return StepTraining(n, derivative, step_best_error_fn(f, lo, hi, n, eval_points), initial,
                        max_error(net, f, (lo, hi), eval_points), norms.get("hidden", 0.0),
                        norms.get("output", 0.0), losses, seconds)


def _norm(grads) -> float:
    return float(np.sqrt(sum(float(np.sum(np.asarray(g, np.float64) ** 2))
                             for g in grads if g is not None)))


def step_network_experiment(f=None, domain=(0.0, 1.0), units=(1, 2, 4, 8),
                            derivatives=tuple(activations.STEP.primitive),
                            steps: int = 500, lr: float = 0.01, seed: int = 0) -> list:
    """``train_step_network`` for every (units, derivative) pair; ``f`` defaults to 2x + 1."""
    f = linear(2.0, 1.0) if f is None else f
    return [train_step_network(f, domain, n, d, steps, lr, seed) for n in units
            for d in derivatives]
