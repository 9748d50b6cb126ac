"""The recitation's Questions 1-3, answered with evidence computed now (``chainrule exercises``).

Nothing here is typed in: every number comes from a network built or trained on the spot.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from chainrule import activations
from chainrule.theory.constructions import (
    identity_linear,
    piecewise_constant,
    step_piecewise_constant,
    xor_table,
)
from chainrule.theory.representability import (
    best_step_network,
    linear,
    max_error,
    quadratic,
    step_best_error,
    step_best_error_fn,
    step_network_experiment,
)

#: Grid for "error 0.0" claims: dense, and containing the break points exactly.
_EXACT_POINTS = 30001


@dataclass
class Answer:
    """One question's answer, the lines of evidence behind it, and the numbers themselves."""

    key: str
    question: str
    answer: str
    evidence: list = field(default_factory=list)
    data: dict = field(default_factory=dict, repr=False)

    def __str__(self):
        lines = [f"{self.key}. {self.question}", f"   Answer: {self.answer}"]
        for item in self.evidence:
            lines += ["   " + line for line in str(item).splitlines()]
        return "\n".join(lines)


def _steps(quick: bool) -> int:
    return 120 if quick else 500


def question1a(quick: bool = False) -> Answer:
    """Step activation, ax + b: No."""
    a, b, lo, hi = 2.0, 1.0, 0.0, 1.0
    f = linear(a, b)
    units = (1, 2, 4, 8) if quick else (1, 2, 4, 8, 16, 32, 64)
    rows = [(n, step_best_error(a, lo, hi, n), max_error(best_step_network(f, lo, hi, n), f,
                                                         (lo, hi), 4001)) for n in units]
    trained = step_network_experiment(f, (lo, hi), units=(1, 2, 4, 8), steps=_steps(quick))
    best8 = step_best_error(a, lo, hi, 8)
    t8 = [r for r in trained if r.units == 8]
    zero = next(r for r in t8 if r.derivative == "zero")
    # The surrogate policy named after the sigmoid: g' taken as sigma'(z).
    surrogate = next(r for r in t8 if r.derivative == activations.SIGMOID.name)
    ev = [
        "g(z) = 1{z >= 0}: between its n thresholds an n-unit step network is constant, so on "
        f"[{lo:g}, {hi:g}] it takes at most n + 1 values and misses {f.__name__} by at least "
        "|a|(hi - lo) / (2(n + 1)).",
        f"The best 8-unit step network has sup error >= {best8:.3f} on {f.__name__} over "
        f"[{lo:g}, {hi:g}].",
        "\n".join(["  n   bound |a|(hi-lo)/(2(n+1))   best constructed network (sup error, "
                   "4001 points)",
                   *[f"{n:>3}   {bound:>26.4f}   {err:>12.4f}" for n, bound, err in rows]]),
        "The error shrinks like 1/n but is > 0 for every n: no finite network is exact.",
        f"Training 8-unit step networks ({_steps(quick)} Adam steps): none beats the bound "
        f"({min(r.final_error for r in t8):.4f} >= {t8[0].best_error:.4f} on the same grid).",
        f"Backprop with the true derivative gives the thresholds a gradient of exactly "
        f"{zero.hidden_grad_norm:g}: only the output weights can learn.",
        f"The sigmoid surrogate (Step(derivative='sigmoid')) gives them "
        f"{surrogate.hidden_grad_norm:.3g}, so they move, yet the sup error ends at "
        f"{surrogate.final_error:.3f}, still above the bound.",
    ]
    return Answer("Q1a", "Step activation: can ax + b be represented exactly?", "No", ev,
                  {"bound_8": best8, "rows": rows, "trained": trained})


def question1b(quick: bool = False) -> Answer:
    """Step activation, ax^2 + bx + c: No, same reason."""
    f, lo, hi = quadratic(2.0, -1.0, 1.0), 0.0, 1.0
    units = (1, 2, 4, 8) if quick else (1, 2, 4, 8, 16, 32, 64)
    rows = [(n, step_best_error_fn(f, lo, hi, n)) for n in units]
    trained = step_network_experiment(f, (lo, hi), units=(8,), steps=_steps(quick))
    ev = [
        f"Same reason: a step network is piecewise constant, {f.__name__} is not constant on "
        "any interval.",
        "\n".join(["  n   smallest possible sup error (optimal n + 1 pieces, 20001-point grid)",
                   *[f"{n:>3}   {err:.4f}" for n, err in rows]]),
        "Trained 8-unit step networks: " + ", ".join(
            f"derivative={r.derivative}: {r.final_error:.4f}" for r in trained)
        + f" (bound {trained[0].best_error:.4f}).",
    ]
    return Answer("Q1b", "Step activation: can ax^2 + bx + c be represented exactly?", "No", ev,
                  {"rows": rows, "trained": trained})


def question1c() -> Answer:
    """Step activation, piecewise constant: Yes, f(x) = c g(x - a) - c g(x - b)."""
    a, b, c = 0.25, 0.75, 3.0
    slide = step_piecewise_constant([a, b], [0.0, c, 0.0])
    err = max_error(slide, piecewise_constant([a, b], [0.0, c, 0.0]), (-1.0, 2.0),
                    _EXACT_POINTS)
    breaks, values = [-0.5, 0.0, 0.5, 1.25], [1.0, -2.0, 0.5, 4.0, -1.5]
    general = step_piecewise_constant(breaks, values)
    err2 = max_error(general, piecewise_constant(breaks, values), (-1.0, 2.0), _EXACT_POINTS)
    w = slide.weights()
    ev = [
        f"f(x) = c g(x - a) - c g(x - b) with a = {a:g}, b = {b:g}, c = {c:g}: hidden weights "
        f"v = {w['W1'].ravel().tolist()}, biases {w['b1'].tolist()}, output weights "
        f"{w['w2'].tolist()}, output bias {w['b2']:g}.",
        f"max |f_net(x) - f(x)| over {_EXACT_POINTS} points of [-1, 2] (the breaks included): "
        f"{err!r}",
        f"Any number of pieces: step_piecewise_constant({breaks}, {values}) has max error "
        f"{err2!r}.",
    ]
    return Answer("Q1c", "Step activation: can a piecewise-constant function be represented "
                  "exactly?", "Yes", ev, {"max_error": err, "max_error_general": err2})


def question1d() -> Answer:
    """Identity activation, ax + b: Yes, a = w1 v1 and b = w0 + w1 b1."""
    a, b = 2.0, 1.0
    net = identity_linear(a, b)
    w = net.weights()
    w1, v1, b1, w0 = w["w2"][0], w["W1"][0, 0], w["b1"][0], w["b2"]
    err = max_error(net, linear(a, b), (-10.0, 10.0), _EXACT_POINTS)
    ev = [
        f"g(z) = z: f(x) = w0 + w1 (v1 x + b1) with v1 = {v1:g}, b1 = {b1:g}, w1 = {w1:g}, "
        f"w0 = {w0:g}.",
        f"a = w1 v1 = {w1 * v1:g} and b = w0 + w1 b1 = {w0 + w1 * b1:g}.",
        f"max |f_net(x) - ({a:g}x + {b:g})| over {_EXACT_POINTS} points of [-10, 10]: {err!r}",
    ]
    return Answer("Q1d", "Identity activation: can ax + b be represented exactly?", "Yes", ev,
                  {"max_error": err})


def question2() -> Answer:
    """XOR with two ReLU units."""
    table = xor_table()
    ev = ["W1 = [[1, 1], [-1, -1]], b1 = [0, 0], w2 = [1, 1], b2 = -1; h(x) = W1 x + b1, "
          "g = ReLU:", str(table),
          f"f(x) = y at all four points: {table.solved}."]
    return Answer("Q2", "Find W1, b1, w2, b2 so that w2^T ReLU(W1 x + b1) + b2 solves XOR.",
                  "W1 = [[1, 1], [-1, -1]], b1 = 0, w2 = [1, 1], b2 = -1", ev,
                  {"table": table})


def question3() -> Answer:
    """Backprop through ReLU, softmax and cross-entropy: the trace and the closed forms."""
    from chainrule.inspect.explain import explain
    from chainrule.inspect.recitation import question3_network

    q = question3_network(dtype=np.float64)
    x, W, U = q.x.data, q.W.data, q.U.data
    h = q.h.data.copy()
    y_hat = q.y_hat
    y = q.y_onehot
    trace = explain(q.J)
    # The slide's closed forms, in NumPy, against what backprop put in .grad.
    delta1 = y_hat - y
    delta2 = (U.T @ delta1) * (h > 0)
    closed = {"b2": delta1, "U": np.outer(delta1, h), "b1": delta2, "W": np.outer(delta2, x)}
    grads = {"b2": q.b2.grad, "U": q.U.grad, "b1": q.b1.grad, "W": q.W.grad}
    diffs = {k: float(np.max(np.abs(grads[k] - closed[k]))) for k in closed}
    ev = [
        "delta_1 = y_hat - y;  dJ/db2 = delta_1;  dJ/dU = delta_1 h^T;  "
        "delta_2 = (U^T delta_1) o 1{h > 0};  dJ/db1 = delta_2;  dJ/dW = delta_2 x^T",
        f"n = {W.shape[1]} inputs, m = {W.shape[0]} hidden units, k = {U.shape[0]} classes "
        f"(float64, seed 0). The backward pass, step by step:",
        _plain(trace),
        "max |backprop - closed form|: " + ", ".join(f"dJ/d{k} {v:.1e}" for k, v in
                                                     diffs.items()),
    ]
    return Answer("Q3", "Compute dJ/db2, dJ/dU, dJ/db1, dJ/dW by backpropagation.",
                  "dJ/db2 = delta_1, dJ/dU = delta_1 h^T, dJ/db1 = delta_2, dJ/dW = delta_2 x^T",
                  ev, {"diffs": diffs, "trace": trace})


def _plain(trace) -> str:
    """The trace as the terminal table ``str(trace)`` prints."""
    return str(trace).rstrip()


def run_exercises(quick: bool = False) -> list:
    """All answers, in the recitation's order."""
    return [question1a(quick), question1b(quick), question1c(), question1d(), question2(),
            question3()]


def format_answers(answers) -> str:
    return "\n\n".join(str(a) for a in answers)
