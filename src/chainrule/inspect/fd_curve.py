"""``fd_error_curve(fn, x)``: how the finite-difference error depends on the step size eps.

Central differences err by truncation, about eps^2 |f'''|, when eps is large, and by round-off,
about machine epsilon * |f| / eps, when eps is small; the sum is smallest near eps = 1e-5 in
float64 (1e-2 or so in float32). Forward differences truncate worse (about eps). This is why
gradcheck uses central differences with eps = 1e-6 in float64.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from chainrule.autograd import no_grad
from chainrule.errors import ConfigError, require
from chainrule.inspect import _fd
from chainrule.tensor import Tensor

DEFAULT_EPS = tuple(10.0 ** -k for k in range(1, 13))  # 1e-1 ... 1e-12


@dataclass
class FDCurve:
    eps: np.ndarray        # step sizes
    central: np.ndarray    # relative error of (f(x + eps v) - f(x - eps v)) / (2 eps)
    forward: np.ndarray    # relative error of (f(x + eps v) - f(x)) / eps
    analytic: float        # the directional derivative v . grad f from backward()
    dtype: np.dtype

    @property
    def best_eps(self) -> float:
        """The step size with the smallest central-difference error."""
        return float(self.eps[int(np.argmin(self.central))])

    def slope(self, lo: float, hi: float, which: str = "central") -> float:
        """The log-log slope of the error between two step sizes (2 for central, 1 for forward
        differences while truncation dominates; about -1 where round-off dominates)."""
        err = self.central if which == "central" else self.forward
        i, j = (int(np.argmin(np.abs(np.log10(self.eps) - np.log10(e)))) for e in (lo, hi))
        return float((np.log10(err[j]) - np.log10(err[i])) /
                     (np.log10(self.eps[j]) - np.log10(self.eps[i])))

    def __str__(self):
        lines = [f"finite-difference error vs step size ({np.dtype(self.dtype).name}; "
                 f"analytic directional derivative {self.analytic:.10g})",
                 "      eps    central    forward"]
        for e, c, f in zip(self.eps, self.central, self.forward):
            mark = "  <- best" if e == self.best_eps else ""
            lines.append(f"  {e:7.0e}  {c:9.2e}  {f:9.2e}{mark}")
        lines.append("  large eps: truncation error (central ~ eps^2, forward ~ eps); "
                     "small eps: round-off (~ machine eps / eps)")
        return "\n".join(lines)

    def plot(self, ax=None, path=None):
        """A log-log plot of both errors against eps, with the two regimes marked.

        Returns the matplotlib Figure; ``path`` also saves it (atomically).
        """
        plt = require("matplotlib.pyplot", "plot")
        if ax is None:
            fig, ax = plt.subplots(figsize=(6, 4))
        else:
            fig = ax.figure
        floor = np.finfo(self.dtype).eps
        ax.loglog(self.eps, np.maximum(self.central, floor), "o-", label="central difference")
        ax.loglog(self.eps, np.maximum(self.forward, floor), "s--", label="forward difference")
        anchor = self.central[0] / self.eps[0] ** 2
        ax.loglog(self.eps, anchor * self.eps ** 2, ":", color="gray",
                  label="truncation ~ eps$^2$")
        ax.loglog(self.eps, floor / self.eps, "-.", color="gray",
                  label="round-off ~ machine eps / eps")
        ax.axvline(self.best_eps, color="green", alpha=0.3)
        ax.set_xlabel("step size eps")
        ax.set_ylabel("relative error of the derivative")
        ax.set_title(f"Finite differences in {np.dtype(self.dtype).name}: truncation vs round-off")
        ax.set_ylim(floor / 10, 10)
        ax.invert_xaxis()
        ax.legend(fontsize=8)
        if path is not None:
            _save_figure(fig, path)
        return fig


def _save_figure(fig, path):
    path = os.fspath(path)
    ext = os.path.splitext(path)[1].lstrip(".") or "png"
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        with open(tmp, "wb") as fh:
            fig.savefig(fh, format=ext)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def fd_error_curve(fn, x, eps=DEFAULT_EPS, dtype=np.float64, seed: int = 0) -> FDCurve:
    """The error of finite differences of ``fn`` at ``x`` for each step size in ``eps``.

    ``fn`` maps one Tensor to a scalar Tensor. The derivative is taken along a random unit
    direction ``v`` (seeded), so the cost is two evaluations per step size whatever x's size.
    """
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise ConfigError(f"fd_error_curve needs a floating-point dtype, found {dtype}")
    eps = np.asarray(eps, dtype=np.float64).reshape(-1)
    if eps.size == 0 or np.any(eps <= 0):
        raise ConfigError("eps must be a non-empty list of positive step sizes")
    x0 = np.array(getattr(x, "data", x), dtype=dtype)
    xt = Tensor(x0, requires_grad=True)
    out = fn(xt)
    if not isinstance(out, Tensor) or out.data.size != 1:
        raise ConfigError("fd_error_curve: fn must return a scalar Tensor (reduce with .sum())")
    out.backward()
    grad = np.zeros_like(x0) if xt.grad is None else xt.grad
    v = np.random.default_rng(seed).standard_normal(x0.shape)
    v /= np.linalg.norm(v) or 1.0
    v = v.astype(dtype)
    analytic = float(np.sum(grad.astype(np.float64) * v))

    x = x0.copy()  # moved along v by the differences, and put back

    def f():
        with no_grad():
            return float(fn(Tensor(x)).item())

    f0 = f()
    central, forward = [], []
    for e in eps:
        plus, minus = _fd.shifted(f, x, e, v)
        c = (plus - minus) / (2 * e)
        fw = (plus - f0) / e
        scale = max(abs(analytic), abs(c), 1e-300)
        central.append(abs(c - analytic) / scale)
        forward.append(abs(fw - analytic) / max(abs(analytic), abs(fw), 1e-300))
    return FDCurve(eps, np.array(central), np.array(forward), analytic, dtype)
