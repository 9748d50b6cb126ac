"""Universal approximation, measured: F(x) = sum_i w_i sigma(v_i . x + b_i) for growing N.

``approximation_sweep`` trains one one-hidden-layer network per width N on a target and reports
its sup and RMS error on a dense grid. Training: hidden units start spread over the domain
(each unit's kink or centre at a random point of it), the output layer starts at its
least-squares optimum for those units, then Adam moves every weight, full batch. The "step"
activation is not trained (backprop gives it no gradient): its network is the constructive one,
N thresholds at equal spacing with each piece at the middle of the target's range on it.
"""

from __future__ import annotations

import inspect
import time
from dataclasses import dataclass, field

import numpy as np

from chainrule import activations as registry
from chainrule.errors import ConfigError
from chainrule.theory._train import fit_output_layer, train_full_batch
from chainrule.theory.domain import evaluate_target, grid, parse_domain
from chainrule.theory.network import OneHiddenLayer
from chainrule.theory.representability import best_step_network, predict
from chainrule.validation import choice, int_list, integer


def _heaviside(x):
    return np.where(x >= 0, 1.0, 0.0)


def _sawtooth(x):
    # Period 2, rising from -1 to 1: three teeth on [-pi, pi].
    return x - 2.0 * np.floor((x + 1.0) / 2.0)


def _square(x):
    return x * x


def _sin2d(x1, x2):
    return np.sin(x1) * np.cos(x2)


def _bump2d(x1, x2):
    return np.exp(-2.0 * (x1 * x1 + x2 * x2))


_PI = float(np.pi)

#: name -> (function, default domain). Functions take one array per input coordinate.
TARGETS = {
    "sin": (np.sin, (-_PI, _PI)),
    "abs": (np.abs, (-1.0, 1.0)),
    "step": (_heaviside, (-1.0, 1.0)),
    "sawtooth": (_sawtooth, (-_PI, _PI)),
    "square": (_square, (-1.0, 1.0)),
    "sin2d": (_sin2d, ((-_PI, _PI), (-_PI, _PI))),
    "bump2d": (_bump2d, ((-2.0, 2.0), (-2.0, 2.0))),
}

#: The sweep's activations: the slides' three, trained, and the step, whose network is
#: constructed (gradient descent cannot train it: its derivative is 0).
SWEEP_ACTIVATIONS = (*registry.names(tag="slides"), registry.STEP.name)

DEFAULT_UNITS = (1, 2, 4, 8, 16, 32, 64, 128, 256)

# The targets that jump: the theorem covers continuous functions only.
_JUMPS = (_heaviside, _sawtooth, _square)


def is_continuous(target) -> bool:
    """Is the named (or given) target continuous on its domain? (The step, sawtooth and square
    waves jump; a Python function is taken to be continuous.)"""
    f = TARGETS[target][0] if isinstance(target, str) and target in TARGETS else target
    return f not in _JUMPS


def resolve_target(target, domain=None):
    """(function, domain array (d, 2), name) for a target name or a Python function."""
    if isinstance(target, str):
        key = target.strip().lower()
        if key not in TARGETS:
            raise ConfigError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)} "
                              "or pass a Python function")
        f, default = TARGETS[key]
        return f, parse_domain(default if domain is None else domain), key
    if not callable(target):
        raise ConfigError(f"target must be a name ({', '.join(TARGETS)}) or a function, found "
                          f"{type(target).__name__}")
    if domain is None:
        domain = ((-1.0, 1.0),) * _arity(target)
    return target, parse_domain(domain), getattr(target, "__name__", "f")


def _arity(f) -> int:
    try:
        params = [p for p in inspect.signature(f).parameters.values()
                  if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY,
                                                         p.POSITIONAL_OR_KEYWORD)]
        return max(1, len(params))
    except (TypeError, ValueError):  # NumPy ufuncs have no signature: one argument
        return 1


@dataclass
class Sweep:
    """Errors of the best network found for each width N, for one activation and target."""

    target: str
    activation: str
    domain: np.ndarray
    units: list
    sup_error: list
    rms_error: list
    seconds: list
    trained: bool  # False for the constructive step network
    X_eval: np.ndarray = field(repr=False)
    y_eval: np.ndarray = field(repr=False)
    predictions: dict = field(repr=False, default_factory=dict)  # N -> outputs on X_eval

    def rows(self) -> list:
        return [(n, s, r, t) for n, s, r, t in
                zip(self.units, self.sup_error, self.rms_error, self.seconds)]

    @property
    def label(self) -> str:
        return "step (constructed, not trained)" if not self.trained else self.activation

    def __str__(self):
        lines = [f"{self.target}, {self.label}:", f"{'N':>6} {'sup error':>12} {'RMS error':>12}"
                 f" {'seconds':>8}"]
        lines += [f"{n:>6} {s:>12.4g} {r:>12.4g} {t:>8.2f}" for n, s, r, t in self.rows()]
        return "\n".join(lines)


def approximation_sweep(target="sin", domain=None, units=DEFAULT_UNITS,
                        activation=registry.DEFAULT,
                        steps: int = 1000, lr: float = 0.003, restarts: int = 3,
                        points: int | None = None, eval_points: int | None = None,
                        seed: int = 0) -> Sweep:
    """Fit F(x) = sum_i w_i sigma(v_i . x + b_i) + w_0 for each N in ``units``; report errors.

    ``target`` is a name in ``TARGETS`` or a function of one array per coordinate (then pass
    ``domain``). ``points`` training points per axis (default 512 in 1-D, 32 in 2-D) and
    ``eval_points`` for the dense error grid (default 4001 in 1-D, 121 in 2-D). Each width is
    trained ``restarts`` times from different random units (Adam, learning rate annealed from
    ``lr`` to 0 over ``steps``) and the run with the lowest training loss is kept: the loss is
    the mean squared error, so the sup error need not fall at every single step of N.
    """
    f, box, name = resolve_target(target, domain)
    units = int_list(units, "units")
    activation = choice(activation, SWEEP_ACTIVATIONS, "activation for the sweep")
    constructed = not registry.get(activation).trainable
    d = box.shape[0]
    if constructed and d != 1:
        raise ConfigError("the constructive step network is one-dimensional; use sigmoid, tanh "
                          "or relu for a 2-D target")
    steps = integer(steps, "steps", minimum=0)
    restarts = integer(restarts, "restarts", minimum=1)
    X_train = grid(box, points or (512 if d == 1 else 32))
    y_train = evaluate_target(f, X_train)
    X_eval = grid(box, eval_points or (4001 if d == 1 else 121))
    y_eval = evaluate_target(f, X_eval)
    sweep = Sweep(name, activation, box, [], [], [], [], not constructed, X_eval, y_eval)
    for n in units:
        start = time.perf_counter()
        if constructed:
            net = best_step_network(f, box[0, 0], box[0, 1], n)
        else:
            net = _trained_network(X_train, y_train, box, n, activation, steps, lr, seed,
                                   restarts)
        pred = predict(net, X_eval)
        err = pred - y_eval
        sweep.units.append(n)
        sweep.sup_error.append(float(np.max(np.abs(err))))
        sweep.rms_error.append(float(np.sqrt(np.mean(err * err))))
        sweep.seconds.append(time.perf_counter() - start)
        sweep.predictions[n] = pred
    return sweep


def spread_init(net: OneHiddenLayer, box: np.ndarray, rng) -> None:
    """Put each unit's kink (or centre) at a random point of the domain, facing a random way.

    Slopes grow with the number of units so that wide layers can also make sharp features.
    """
    n, d = net.units, box.shape[0]
    width = float(np.max(box[:, 1] - box[:, 0]))
    directions = rng.normal(size=(n, d))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    scale = (2.0 / width) * rng.uniform(0.5, 1.5, size=(n, 1)) * max(1.0, np.sqrt(n) / 2)
    if registry.get(net.activation_name) is registry.RELU:
        scale = np.ones((n, 1))  # a ReLU's slope is absorbed by its output weight
    V = directions * scale
    centres = box[:, 0] + rng.uniform(size=(n, d)) * (box[:, 1] - box[:, 0])
    net.hidden.weight.data[:] = V
    net.hidden.bias.data[:] = -np.sum(V * centres, axis=1)


def _trained_network(X, y, box, n, activation, steps, lr, seed, restarts):
    best, best_loss = None, np.inf
    for r in range(restarts):
        rng = np.random.default_rng([seed, n, r])
        net = OneHiddenLayer(box.shape[0], n, activation, seed=rng, dtype=np.float64)
        spread_init(net, box, rng)
        fit_output_layer(net, X, y)
        if steps:
            train_full_batch(net, X, y, steps, lr, cosine=True)
        loss = float(np.mean((predict(net, X) - y) ** 2))
        if loss < best_loss:
            best, best_loss = net, loss
    return best


def approximation_study(target="sin", domain=None, units=DEFAULT_UNITS,
                        activations=SWEEP_ACTIVATIONS, **kwargs) -> list:
    """``approximation_sweep`` for each activation (the step one skipped for 2-D targets)."""
    _, box, _ = resolve_target(target, domain)
    return [approximation_sweep(target, domain, units, a, **kwargs) for a in activations
            if registry.get(a).trainable or box.shape[0] == 1]
