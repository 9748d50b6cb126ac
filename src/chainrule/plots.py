"""Figures for the theory experiments (matplotlib, drawn off-screen with the Agg renderer).

Every function takes results computed by ``chainrule.theory`` and returns a
``matplotlib.figure.Figure`` built without pyplot (no global state, no window);
``save_figure(fig, out_dir, name)`` writes ``name.png`` and ``name.svg`` atomically. Figures are
``DPI`` dots per inch, so a figure of size (w, h) inches is (w * DPI, h * DPI) pixels.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from chainrule import activations
from chainrule.errors import ConfigError, require

DPI = 100

# No time stamps or version strings in the files: the same results give the same bytes.
_METADATA = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None}}



def _figure(width: float, height: float):
    require("matplotlib", "plot")
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def _stable_ids():
    """SVG element ids from a fixed salt instead of a random one (reproducible files)."""
    import matplotlib

    return matplotlib.rc_context({"svg.hashsalt": "chainrule"})


def _color(name: str) -> str:
    """An activation's colour, the same in every figure (declared in its registry entry)."""
    try:
        return activations.get(name).color
    except ConfigError:
        return "#444444"


def save_figure(fig, out_dir, name: str, formats=("png", "svg")) -> list:
    """Write ``fig`` as ``out_dir/name.png`` and ``.svg`` (atomically); return the paths."""
    from chainrule.io.atomic import atomic_write

    paths = []
    for fmt in formats:
        if fmt not in ("png", "svg"):
            raise ConfigError(f"figure format must be 'png' or 'svg', found {fmt!r}")
        buf = io.BytesIO()
        with _stable_ids():
            fig.savefig(buf, format=fmt, dpi=DPI, metadata=_METADATA[fmt])
        path = Path(out_dir) / f"{name}.{fmt}"
        atomic_write(path, buf.getvalue(), parents=True)
        paths.append(path)
    return paths


# ---------------------------------------------------------------- activations
def activation_functions(names=None, lo: float = -5.0, hi: float = 5.0):
    """Each activation and its derivative side by side; derivatives come from backprop.

    ``names`` defaults to the slides' sigmoid, tanh and ReLU, and the step."""
    from chainrule import functional as F
    from chainrule.tensor import Tensor

    fig = _figure(10, 4)
    ax_f, ax_d = fig.subplots(1, 2)
    z = np.linspace(lo, hi, 1001)
    if names is None:
        names = (*activations.names(tag="slides"), activations.STEP.name)
    for name in names:
        act = activations.get(name)
        x = Tensor(z, requires_grad=True)
        y = F.activation(name)(x)
        y.backward(np.ones_like(z))
        ax_f.plot(z, y.data, color=act.color, label=act.name, lw=2)
        flat = not act.trainable  # its derivative is 0 wherever it exists
        label = f"{act.name} (g' = 0: no gradient)" if flat else act.name
        ax_d.plot(z, x.grad, color=act.color, label=label, lw=2, ls="--" if flat else "-")
    ax_f.set(title="activation g(z)", xlabel="z", ylabel="g(z)")
    ax_d.set(title="derivative g'(z), computed by backprop", xlabel="z", ylabel="g'(z)")
    for ax, where in ((ax_f, "upper left"), (ax_d, "center left")):
        ax.grid(alpha=0.3)
        ax.axhline(0, color="black", lw=0.6)
        ax.legend(loc=where, fontsize=9)
    return fig


# ---------------------------------------------------------------- Question 1
def step_bound(f, domain, units=(1, 2, 4, 8), title: str | None = None):
    """The best n-unit step networks for ``f`` on ``domain``, each with its sup error."""
    from chainrule.theory.domain import evaluate_target, grid
    from chainrule.theory.representability import best_step_network, predict, step_best_error_fn

    lo, hi = (float(v) for v in domain)
    fig = _figure(10, 4.2)
    axes = fig.subplots(1, len(units), sharey=True)
    axes = np.atleast_1d(axes)
    X = grid((lo, hi), 1001)
    y = evaluate_target(f, X)
    for ax, n in zip(axes, units):
        net = best_step_network(f, lo, hi, n)
        ax.plot(X[:, 0], y, color="black", lw=2, label=getattr(f, "__name__", "f"))
        ax.plot(X[:, 0], predict(net, X), color=activations.STEP.color, lw=2,
                label="step network")
        ax.set_title(f"{n} unit{'s' if n > 1 else ''}: sup error "
                     f"{step_best_error_fn(f, lo, hi, n):.3g}", fontsize=10)
        ax.set_xlabel("x")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("f(x)")
    axes[0].legend(loc="upper left", fontsize=8)
    fig.suptitle(title or f"best step networks for {getattr(f, '__name__', 'f')}: never exact")
    return fig


def network_vs_function(net, f, domain, title: str = "", points: int = 2001):
    """A 1-D network drawn over the function it should equal, with their difference below."""
    from chainrule.theory.domain import evaluate_target, grid
    from chainrule.theory.representability import predict

    X = grid(domain, points)
    y, out = evaluate_target(f, X), predict(net, X)
    fig = _figure(7, 5)
    ax, ax_d = fig.subplots(2, 1, sharex=True, height_ratios=[3, 1])
    ax.plot(X[:, 0], y, color="black", lw=4, alpha=0.35, label=f"f(x) = {f.__name__}")
    units = getattr(net, "units", "?")
    ax.plot(X[:, 0], out, color="#d62728", lw=1.5, ls="--",
            label=f"network ({getattr(net, 'activation_name', '')}, {units} "
                  f"unit{'' if units == 1 else 's'})")
    ax.set(ylabel="value", title=title)
    ax.legend(fontsize=9)
    ax.grid(alpha=0.3)
    ax_d.plot(X[:, 0], out - y, color="black", lw=1)
    ax_d.set(xlabel="x", ylabel="network - f")
    ax_d.grid(alpha=0.3)
    return fig


def step_training(results, title: str = "trained step networks against the bound"):
    """Sup error of trained step networks (by derivative policy) against the best possible."""
    fig = _figure(10, 4.2)
    ax_e, ax_g = fig.subplots(1, 2)
    units = sorted({r.units for r in results})
    best = [next(r.best_error for r in results if r.units == n) for n in units]
    ax_e.plot(units, best, color="black", lw=2, marker="o", label="best possible (bound)")
    markers = dict(zip(activations.STEP.primitive, "s^vDo"))  # one per derivative policy
    policies = list(dict.fromkeys(r.derivative for r in results))
    width = 0.8 / len(policies)
    x = np.arange(len(units))
    for i, d in enumerate(policies):
        rs = sorted((r for r in results if r.derivative == d), key=lambda r: r.units)
        ax_e.plot([r.units for r in rs], [r.final_error for r in rs], ls="--",
                  marker=markers.get(d, "o"), label=f"trained, derivative={d}")
        pos = [x[units.index(r.units)] + (i - (len(policies) - 1) / 2) * width for r in rs]
        norms = [r.hidden_grad_norm for r in rs]
        ax_g.bar(pos, norms, width, label=f"derivative={d}")
        for p, v in zip(pos, norms):
            if v == 0:
                ax_g.annotate("0", (p, 0), ha="center", va="bottom", fontsize=8)
    ax_e.set(xscale="log", yscale="log", xlabel="hidden units n", ylabel="sup error",
             title="no step network beats |a|(hi - lo) / (2(n + 1))")
    ax_e.set_xticks(units, [str(n) for n in units])
    ax_e.minorticks_off()
    ax_g.set_xticks(x, [str(n) for n in units])
    ax_g.set(xlabel="hidden units n", ylabel="|dJ/d(hidden weights)| at step 1",
             title="the true derivative gives the thresholds 0")
    for ax in (ax_e, ax_g):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    return fig


# ---------------------------------------------------------------- universal approximation
def approximation_errors(sweeps):
    """Sup and RMS error against the number of hidden units N, log-log, per activation."""
    fig = _figure(11, 4.5)
    ax_s, ax_r = fig.subplots(1, 2)
    for s in sweeps:
        style = dict(color=_color(s.activation), marker="o", lw=2, label=s.label)
        if not s.trained:
            style.update(ls="--", marker="s")
        ax_s.plot(s.units, s.sup_error, **style)
        ax_r.plot(s.units, s.rms_error, **style)
    units = sorted({n for s in sweeps for n in s.units})
    for ax, what in ((ax_s, "sup error  max |F(x) - f(x)|"), (ax_r, "RMS error")):
        ax.set(xscale="log", yscale="log", xlabel="hidden units N", ylabel=what)
        ax.set_xticks(units, [str(n) for n in units])
        ax.minorticks_off()
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=9)
    target = sweeps[0].target if sweeps else ""
    fig.suptitle(f"universal approximation of {target}: error against N")
    return fig


def approximation_fits(sweeps, show=None):
    """The fits themselves: the target and a few widths' networks, one panel per activation."""
    if not sweeps:
        raise ConfigError("no sweeps to draw")
    d = sweeps[0].X_eval.shape[1]
    if d == 2:
        return _fits_2d(sweeps)
    cols = min(len(sweeps), 2)
    rows = -(-len(sweeps) // cols)
    fig = _figure(5.5 * cols, 3.8 * rows)
    axes = np.atleast_1d(fig.subplots(rows, cols, sharex=True, sharey=True)).ravel()
    for ax in axes[len(sweeps):]:
        ax.axis("off")
    for ax, s in zip(axes, sweeps):
        pick = show or _spread(s.units, 4)
        x = s.X_eval[:, 0]
        ax.plot(x, s.y_eval, color="black", lw=3, alpha=0.35, label=f"target {s.target}")
        cmap = _colormap("viridis")
        for i, n in enumerate(pick):
            if n in s.predictions:
                ax.plot(x, s.predictions[n], color=cmap(i / max(len(pick) - 1, 1)), lw=1.4,
                        label=f"N = {n}")
        ax.set(title=s.label, xlabel="x", ylabel="F(x)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    fig.suptitle(f"fits of {sweeps[0].target} by width N")
    return fig


def _spread(units, k):
    units = list(units)
    if len(units) <= k:
        return units
    idx = np.unique(np.round(np.linspace(0, len(units) - 1, k)).astype(int))
    return [units[i] for i in idx]


def _colormap(name):
    require("matplotlib", "plot")
    import matplotlib

    return matplotlib.colormaps[name]


def _fits_2d(sweeps):
    s0 = sweeps[0]
    r = int(round(np.sqrt(len(s0.X_eval))))
    extent = (s0.domain[0, 0], s0.domain[0, 1], s0.domain[1, 0], s0.domain[1, 1])
    fig = _figure(3.6 * (len(sweeps) + 1), 3.6)
    axes = np.atleast_1d(fig.subplots(1, len(sweeps) + 1))
    vmin, vmax = float(s0.y_eval.min()), float(s0.y_eval.max())

    def show(ax, values, title):
        # grid() is indexed (x1, x2) -> transpose so rows follow x2, as imshow draws them.
        im = ax.imshow(values.reshape(r, r).T, origin="lower", extent=extent, cmap="coolwarm",
                       vmin=vmin, vmax=vmax, aspect="auto")
        ax.set(title=title, xlabel="x1", ylabel="x2")
        return im

    im = show(axes[0], s0.y_eval, f"target {s0.target}")
    for ax, s in zip(axes[1:], sweeps):
        n = max(s.predictions)
        show(ax, s.predictions[n], f"{s.label}, N = {n}")
    fig.colorbar(im, ax=list(axes), shrink=0.8)
    return fig


# ---------------------------------------------------------------- activation study
def _study_axes(study, height=3.8):
    acts = study.activations
    fig = _figure(4.2 * len(acts), height)
    axes = np.atleast_1d(fig.subplots(1, len(acts), sharey=True))
    return fig, acts, axes


def _depth_colors(depths):
    cmap = _colormap("plasma")
    return {d: cmap(0.1 + 0.75 * i / max(len(depths) - 1, 1)) for i, d in enumerate(depths)}


def gradient_norms(study):
    """|dJ/dW| of every layer at initialisation, one panel per activation, one line per depth."""
    fig, acts, axes = _study_axes(study)
    colors = _depth_colors(study.depths)
    for ax, a in zip(axes, acts):
        for d in study.depths:
            r = study.run(a, d)
            ax.plot(np.arange(1, len(r.grad_norms_init) + 1), r.grad_norms_init, marker="o",
                    ms=3, color=colors[d], label=f"depth {d}")
        ax.set(yscale="log", title=a, xlabel="layer (1 = next to the input)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    axes[0].set_ylabel("|dJ/dW| at initialisation")
    fig.suptitle("vanishing gradients: gradient norm of each layer at initialisation")
    return fig


def _curves_per_depth(study, xy, ylabel: str, title: str):
    """One panel per activation, one curve per depth; ``xy(run)`` gives the curve's x, y."""
    fig, acts, axes = _study_axes(study)
    colors = _depth_colors(study.depths)
    for ax, a in zip(axes, acts):
        for d in study.depths:
            ax.plot(*xy(study.run(a, d)), color=colors[d], lw=1.6, label=f"depth {d}")
        ax.set(yscale="log", title=a, xlabel="training step")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    axes[0].set_ylabel(ylabel)
    fig.suptitle(title)
    return fig


def gradient_norms_training(study):
    """The first layer's gradient norm during training, per activation and depth."""
    return _curves_per_depth(study, lambda r: (r.checkpoints, r.grad_norms[:, 0]),
                             "first layer |dJ/dW|", "gradient reaching the first layer during "
                             "training")


def inactive_units(study):
    """Fraction of dead ReLUs / saturated sigmoid and tanh units, at initialisation and end."""
    fig = _figure(11, 4)
    axes = fig.subplots(1, 2, sharey=True)
    depths, acts = study.depths, study.activations
    width = 0.8 / len(acts)
    x = np.arange(len(depths))
    for ax, which, title in ((axes[0], 0, "at initialisation"), (axes[1], -1, "after training")):
        for i, a in enumerate(acts):
            vals = [float(np.mean(study.run(a, d).inactive[which])) for d in depths]
            ax.bar(x + (i - (len(acts) - 1) / 2) * width, vals, width, color=_color(a),
                   label=a)
        ax.set_xticks(x, [str(d) for d in depths])
        ax.set(title=title, xlabel="hidden layers (depth)")
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3, axis="y")
        ax.legend(fontsize=8)
    axes[0].set_ylabel("fraction of inactive units")
    fig.suptitle("dead ReLUs and saturated sigmoid/tanh units (g'(z) < 1% of its max on every "
                 "example)")
    return fig


def loss_curves(study):
    """Training loss against steps, per activation and depth."""
    return _curves_per_depth(study, lambda r: (np.arange(len(r.losses)), r.losses),
                             "training loss (log scale)", "loss against steps")


def step_times(study):
    """Milliseconds per training step by depth, and each activation's own cost."""
    fig = _figure(11, 4)
    ax_t, ax_c = fig.subplots(1, 2)
    for a in study.activations:
        rs = [study.run(a, d) for d in study.depths]
        ax_t.plot(study.depths, [r.seconds_per_step * 1e3 for r in rs], marker="o",
                  color=_color(a), lw=2, label=a)
    ax_t.set(xlabel="hidden layers (depth)", ylabel="median ms per training step",
             title="time per step (forward + backward + update)")
    ax_t.set_xticks(study.depths, [str(d) for d in study.depths])
    names = list(study.cost)
    x = np.arange(len(names))
    fwd = [study.cost[n][0] * 1e3 for n in names]
    bwd = [study.cost[n][1] * 1e3 for n in names]
    ax_c.bar(x - 0.2, fwd, 0.4, label="forward", color=[_color(n) for n in names])
    ax_c.bar(x + 0.2, bwd, 0.4, label="backward", color=[_color(n) for n in names], alpha=0.5,
             hatch="//")
    ax_c.set_xticks(x, names)
    ax_c.set(ylabel="ms per million values", title="the activation alone (1e6 float32)")
    for ax in (ax_t, ax_c):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("computationally cheap?")
    return fig


# ---------------------------------------------------------------- feature learning
def feature_maps(study, max_units: int = 8):
    """Decision regions and each hidden unit over the plane, before and after training."""
    rows = (("before training", study.before, study.accuracy_before),
            ("after training", study.after, study.accuracy_after))
    return _plane_grid(rows, study.X, study.y, max_units,
                       f"{study.dataset}: hidden units over the input plane "
                       f"({study.activation}, hidden {list(study.hidden)})")


def plane_figure(maps, X=None, y=None, title: str = "", max_units: int = 8):
    """One row of plane maps (e.g. the XOR construction's units and output)."""
    return _plane_grid((("", maps, None),), X, y, max_units, title)


def _plane_grid(rows, X, y, max_units, title):
    n_units = min(max_units, max(len(m.units) for _, m, _ in rows))
    cols = 1 + n_units
    fig = _figure(2.3 * cols + 0.6, 2.5 * len(rows) + 0.5)
    axes = np.array(fig.subplots(len(rows), cols)).reshape(len(rows), cols)
    for r, (label, maps, acc) in enumerate(rows):
        extent = (maps.xs[0], maps.xs[-1], maps.ys[0], maps.ys[-1])
        ax = axes[r, 0]
        if maps.output_label.startswith("P("):
            lo, hi = 0.0, 1.0
        else:  # a raw output: centre the colours on 0, the decision threshold
            lim = float(np.max(np.abs(maps.output))) or 1.0
            lo, hi = -lim, lim
        ax.imshow(maps.output, origin="lower", extent=extent, cmap="PuOr", aspect="auto",
                  vmin=lo, vmax=hi)
        ax.contour(maps.xs, maps.ys, maps.predicted, levels=[0.5], colors="black",
                   linewidths=1.2)
        if X is not None:
            few = len(X) <= 50
            ax.scatter(X[:, 0], X[:, 1], c=np.asarray(y), cmap="PuOr", vmin=0, vmax=1,
                       s=60 if few else 8, edgecolors="black", linewidths=1.0 if few else 0.3)
        head = maps.output_label + (f"\n{label}, accuracy {acc:.2f}" if acc is not None
                                    else (f"\n{label}" if label else ""))
        ax.set_title(head, fontsize=9)
        for c in range(1, cols):
            ax = axes[r, c]
            if c - 1 < len(maps.units):
                layer, unit, values = maps.units[c - 1]
                lim = float(np.max(np.abs(values))) or 1.0
                ax.imshow(values, origin="lower", extent=extent, cmap="PuOr", vmin=-lim,
                          vmax=lim, aspect="auto")
                ax.set_title(f"layer {layer}, unit {unit + 1}", fontsize=9)
            else:
                ax.axis("off")
        for c in range(1, cols):
            axes[r, c].set_xticks([])
            axes[r, c].set_yticks([])
        axes[r, 0].tick_params(labelsize=7)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig
