"""Per-op gradient checks: each node's rule, alone, at the values it saw in the forward pass.

A whole-function gradcheck says *that* a gradient is wrong; this says *which op* is wrong.
For every node of the graph ``fn`` records, the primitive's forward is re-run in float64 at the
node's recorded inputs and keyword options, its vjp is applied to a random upstream ``v``, and
the result is compared with central differences of ``sum(v * forward(...))``. A node is
reported but not failed where its row of the table says a disagreement is expected: a
surrogate derivative, or an input within eps of one of the row's kinks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from chainrule.autograd import unbroadcast
from chainrule.inspect import _fd
from chainrule.inspect._graph import forward_order, name_graph
from chainrule.inspect._site import record_sites
from chainrule.tensor import Tensor


@dataclass
class OpCheck:
    """How one node's vector-Jacobian product matched finite differences."""

    index: int                 # the node's position in the forward pass, 1-based
    op: str
    name: str                  # the node's output name
    inputs: list               # names of the inputs checked
    max_abs_error: float
    max_rel_error: float
    worst_input: str | None
    worst_index: tuple
    site: object               # where the user's code created the op (a Site) or None
    passed: bool
    note: str = ""
    errors: dict = field(default_factory=dict, repr=False)  # input name -> max rel error

    @property
    def verdict(self) -> str:
        from chainrule.inspect.gradcheck import verdict

        if self.note:
            return self.note
        return verdict(self.max_rel_error)


@dataclass
class PerOpReport:
    """The per-op table plus the whole-function check (``end_to_end``)."""

    ops: list
    end_to_end: object
    eps: float
    atol: float
    rtol: float

    @property
    def failed(self) -> list:
        return [c for c in self.ops if not c.passed]

    @property
    def passed(self) -> bool:
        return not self.failed and bool(self.end_to_end)

    def __bool__(self):
        return self.passed

    def __getitem__(self, name) -> OpCheck:
        for c in self.ops:
            if c.name == name:
                return c
        raise KeyError(name)

    def __str__(self):
        head = (f"per-op gradcheck (central differences, eps={self.eps:g}, float64): "
                + ("PASSED" if self.passed else "FAILED"))
        rows = [("", "#", "op", "node", "rel error", "worst at", "created at", "verdict")]
        for c in self.ops:
            worst = f"{c.worst_input} {c.worst_index}" if c.worst_input else "-"
            rows.append(("ok" if c.passed else "FAIL", str(c.index), c.op, c.name,
                         f"{c.max_rel_error:.2e}", worst, c.site.short if c.site else "-",
                         c.verdict))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = [head]
        for r in rows:
            cells = [r[i].ljust(widths[i]) for i in range(len(r) - 1)]
            lines.append("  " + "  ".join(cells + [r[-1]]))
        e2e = self.end_to_end
        lines.append(f"  end to end: {'PASSED' if e2e else 'FAILED'} (largest relative error "
                     f"{max((c.max_rel_error for c in e2e.inputs), default=0.0):.2e})")
        if self.failed:
            lines.append("  wrong: " + ", ".join(
                f"{c.op} ({c.name}, created at {c.site or 'an unknown line'})"
                for c in self.failed))
        return "\n".join(lines)


def _as64(a):
    # C order: the finite differences perturb a flat view of each array in place.
    a = np.asarray(a)
    return np.array(a, dtype=np.float64 if a.dtype.kind == "f" else a.dtype, order="C")


def _objective(prim, arrays, params, v):
    out, _ = prim.forward(*arrays, **params)
    return float(np.sum(np.asarray(out, dtype=np.float64) * v))


def check_node(node, eps, atol, rtol, rng, in_names):
    """(per-input results, note) for one node; results: name -> (analytic, numeric)."""
    prim = node.prim
    params = dict(node.params or {})
    if "dtype" in params:  # a cast is checked as the identity it is in float64
        params["dtype"] = np.dtype(np.float64)
    arrays = [_as64(t.data) for t in node.inputs]
    out, saved = prim.forward(*arrays, **params)
    out = np.asarray(out)
    if out.dtype.kind != "f":
        return {}, "not differentiable (non-float output)"
    v = rng.standard_normal(out.shape)
    # The inputs backprop differentiated (a constant exponent, say, is not checked: its
    # gradient may not even exist where the forward pass is fine).
    needs = tuple(bool(n) and a.dtype.kind == "f" for n, a in zip(node.needs, arrays))
    raw = prim.vjp(v, saved, needs)  # before any perturbation: saved may alias the inputs

    def objective():  # reads the arrays the central differences move
        return _objective(prim, arrays, params, v)

    results = {}
    for i, a in enumerate(arrays):
        if not needs[i] or raw[i] is None:
            continue
        analytic = np.asarray(raw[i], dtype=np.float64)
        if analytic.shape != a.shape:
            analytic = unbroadcast(analytic, a.shape)
        numeric = _fd.central_difference(objective, a, eps)
        results[in_names[i]] = (analytic, numeric)
    return results, tolerance_note(prim, arrays, params, eps)


def tolerance_note(prim, arrays, params, eps) -> str:
    """Why this node may disagree with finite differences without being wrong, from its row of
    the table: a surrogate derivative, or an input within eps of a declared kink."""
    if prim.surrogate:
        return "surrogate derivative by design (not the true one); not failed"
    for kink in prim.kinks:
        if np.any(np.asarray(kink.distance(*arrays, **params)) < 2 * eps):
            return (f"an input lies within eps of the kink at {kink.at}, where the rule takes "
                    f"{kink.takes}; finite differences straddle it and are unreliable")
    return ""


def per_op_check(fn, xs, eps, atol, rtol, seed, end_to_end) -> PerOpReport:
    """Run ``fn(*xs)`` once (recording each op's site) and check every node's rule."""
    with record_sites():
        out = fn(*xs)
    if not isinstance(out, Tensor) or out._node is None:
        from chainrule.errors import GradcheckError

        raise GradcheckError("per-op gradcheck: fn returned no recorded computation; it must "
                             "return a Tensor computed from the inputs")
    order = forward_order(out)
    names = name_graph(out, order=order)
    rng = np.random.default_rng(seed)
    checks = []
    nodes = [t for t in order if t._node is not None]
    for index, t in enumerate(nodes, 1):
        node = t._node
        in_names = [names[id(i)] for i in node.inputs]
        results, note = check_node(node, eps, atol, rtol, rng, in_names)
        worst = (0.0, 0.0, None, ())
        passed, errors = True, {}
        for name, (a, n) in results.items():
            abs_err = np.abs(a - n)
            scale = np.maximum(np.abs(a), np.abs(n))
            rel = np.where(scale > 0, abs_err / np.where(scale > 0, scale, 1), 0.0)
            errors[name] = float(rel.max(initial=0.0))
            passed &= bool(np.all(abs_err <= atol + rtol * np.abs(n)))
            if a.size and rel.max() >= worst[1]:
                idx = np.unravel_index(int(np.argmax(rel)), a.shape)
                worst = (float(abs_err.max()), float(rel.max()), name,
                         tuple(int(i) for i in idx))
        checks.append(OpCheck(
            index=index, op=node.prim.name, name=names[id(t)], inputs=list(results),
            max_abs_error=worst[0], max_rel_error=worst[1], worst_input=worst[2],
            worst_index=worst[3], site=node.site, passed=passed or bool(note), note=note,
            errors=errors,
        ))
    return PerOpReport(checks, end_to_end, eps, atol, rtol)
