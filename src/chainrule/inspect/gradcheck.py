"""gradcheck: compare backward() with central finite differences, in float64.

The verdict uses CS231n's rule of thumb for the relative error
``|a - n| / max(|a|, |n|)``: below 1e-7 is fine in float64; 1e-7 to 1e-4 is suspicious unless
the function has kinks (ReLU, max, abs) near the point; above 1e-2 the gradient is wrong.
Pass/fail itself follows PyTorch's rule ``|a - n| <= atol + rtol * |n|`` element by element.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from chainrule.autograd import no_grad
from chainrule.errors import GradcheckError
from chainrule.inspect import _fd
from chainrule.tensor import Tensor


def verdict(rel_error: float) -> str:
    """CS231n's reading of a relative error in float64."""
    if rel_error < 1e-7:
        return "fine"
    if rel_error < 1e-4:
        return "suspicious unless the function has kinks (ReLU, max, abs) near this point"
    if rel_error < 1e-2:
        return "probably wrong"
    return "wrong"


@dataclass
class InputCheck:
    """How well backward() matched finite differences for one input."""

    index: int
    name: str
    shape: tuple
    max_abs_error: float
    max_rel_error: float
    worst_index: tuple
    analytic: np.ndarray = field(repr=False)
    numeric: np.ndarray = field(repr=False)
    passed: bool = True

    @property
    def verdict(self) -> str:
        return verdict(self.max_rel_error)


@dataclass
class GradcheckReport:
    inputs: list
    eps: float
    atol: float
    rtol: float

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.inputs)

    def __bool__(self):
        return self.passed

    def __str__(self):
        lines = [f"gradcheck (central differences, eps={self.eps:g}, float64): "
                 + ("PASSED" if self.passed else "FAILED")]
        for c in self.inputs:
            mark = "ok  " if c.passed else "FAIL"
            lines.append(
                f"  {mark} {c.name:<10} shape {str(c.shape):<12} max abs err {c.max_abs_error:.2e}"
                f"  max rel err {c.max_rel_error:.2e} at {c.worst_index}  ({c.verdict})"
            )
        return "\n".join(lines)


def _scalar_objective(fn, inputs, seed):
    """Wrap ``fn`` so it returns a scalar: a non-scalar output y becomes sum(v * y), v fixed."""
    out = fn(*inputs)
    if out.data.size == 1:
        return fn, out
    v = np.random.default_rng(seed).standard_normal(out.shape)

    def projected(*xs):
        return (fn(*xs) * v).sum()

    return projected, projected(*inputs)


def gradcheck(fn, *inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_on_failure: bool = True, seed: int = 0, per_op: bool = False):
    """Check ``fn``'s gradients with respect to every floating-point input.

    ``inputs`` are tensors or arrays; they are copied to float64. A non-scalar output ``y`` is
    checked through the scalar ``sum(v * y)`` for a fixed random ``v`` (every vector-Jacobian
    product is exercised in one direction). Returns a report; raises ``GradcheckError`` (with
    ``.report``) when any input fails, unless ``raise_on_failure=False``.

    ``per_op=True`` also checks every op's rule in isolation at the values it saw and returns
    a ``PerOpReport`` (op, node name, relative error, worst index, the line of your code that
    created it), so a failure names the op that is wrong.
    """
    xs = []
    for i, x in enumerate(inputs):
        data = x.data if isinstance(x, Tensor) else np.asarray(x)
        name = (x.name if isinstance(x, Tensor) else None) or f"input {i}"
        if data.dtype.kind == "f":
            # C order: the central differences perturb a flat view of the data in place.
            data = np.ascontiguousarray(data, dtype=np.float64)
            xs.append(Tensor(data, dtype=np.float64, requires_grad=True, name=name))
        else:
            xs.append(Tensor(data, name=name))
    objective, out = _scalar_objective(fn, xs, seed)
    out.backward()

    checks = []
    for i, x in enumerate(xs):
        if not x.requires_grad:
            continue
        analytic = np.zeros_like(x.data) if x.grad is None else x.grad
        with no_grad():
            numeric = _fd.central_difference(lambda: objective(*xs).item(), x.data, eps)
        abs_err = np.abs(analytic - numeric)
        scale = np.maximum(np.abs(analytic), np.abs(numeric))
        rel_err = np.where(scale > 0, abs_err / np.where(scale > 0, scale, 1), 0.0)
        worst = np.unravel_index(int(np.argmax(abs_err)), x.shape) if x.size else ()
        checks.append(InputCheck(
            index=i, name=x.name, shape=x.shape,
            max_abs_error=float(abs_err.max(initial=0.0)),
            max_rel_error=float(rel_err.max(initial=0.0)),
            worst_index=tuple(int(w) for w in worst),
            analytic=analytic, numeric=numeric,
            passed=bool(np.all(abs_err <= atol + rtol * np.abs(numeric))),
        ))
    report = GradcheckReport(checks, eps, atol, rtol)
    if per_op:
        from chainrule.inspect.per_op import per_op_check

        report = per_op_check(fn, xs, eps, atol, rtol, seed, report)
        if raise_on_failure and not report.passed:
            raise GradcheckError(
                "gradcheck failed: " + (
                    "the rule of " + ", ".join(f"{c.op} ({c.name})" for c in report.failed)
                    + " disagrees with finite differences" if report.failed else
                    "backward() disagrees with finite differences")
                + "\n" + str(report), report)
        return report
    if raise_on_failure and not report.passed:
        raise GradcheckError(
            "gradcheck failed: backward() disagrees with finite differences\n" + str(report),
            report,
        )
    return report
