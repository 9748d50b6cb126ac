"""Figures (PNG and SVG) and one self-contained ``report.html`` for each theory experiment.

Each ``*_report`` function takes results, writes ``out_dir/<figure>.png|.svg`` and
``out_dir/report.html`` (images embedded), and returns the report's path. Without matplotlib
the report still carries every table and number, and says how to get the figures.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from chainrule.report import Report
from chainrule.theory.approximation import is_continuous


def figures_available() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


_NO_FIGURES = ("Figures are missing because matplotlib is not installed: "
               "pip install 'chainrule[plot]'.")


class _Writer:
    """Saves each figure next to the report and embeds the same PNG bytes in it."""

    def __init__(self, out_dir):
        self.out = Path(out_dir)
        self.files: list = []

    def add(self, section, make, name: str, caption: str) -> None:
        if not figures_available():
            return
        from chainrule import plots

        fig = make()
        paths = plots.save_figure(fig, self.out, name)
        self.files += paths
        section.figure(paths[0].read_bytes(), caption)


def _begin(title, intro, out_dir):
    rep = Report(title, intro)
    if not figures_available():
        rep.section("Figures").text(_NO_FIGURES)
    return rep, _Writer(out_dir)


# ---------------------------------------------------------------- exercises
def exercises_report(answers, out_dir) -> Path:
    """Questions 1-3 with their evidence and figures."""
    from chainrule import plots
    from chainrule.theory.constructions import (
        XOR_LABELS,
        XOR_POINTS,
        identity_linear,
        piecewise_constant,
        step_piecewise_constant,
        xor_relu,
    )
    from chainrule.theory.features import plane_maps
    from chainrule.theory.representability import linear, quadratic

    rep, w = _begin("Recitation 12, answered live",
                    "Every number below was computed when this report was made.", out_dir)
    by_key = {a.key: a for a in answers}
    for a in answers:
        sec = rep.section(f"{a.key}. {a.question}")
        sec.html(f'<p class="answer">Answer: {_esc(a.answer)}</p>')
        for item in a.evidence:
            if a.key == "Q3" and item is a.evidence[2] and "trace" in a.data:
                sec.html(_trace_table(a.data["trace"]))
            elif "\n" in str(item):
                sec.code(str(item))
            else:
                sec.text(str(item))
        if a.key == "Q1a":
            w.add(sec, lambda: plots.step_bound(linear(2.0, 1.0), (0.0, 1.0), (1, 2, 4, 8)),
                  "q1a_step_bound", "The best n-unit step networks for 2x + 1: a staircase, "
                  "never the line.")
            if "trained" in a.data:
                w.add(sec, lambda: plots.step_training(by_key["Q1a"].data["trained"]),
                      "q1a_step_training", "Trained step networks never beat the bound; with "
                      "the true derivative the thresholds get no gradient at all.")
        elif a.key == "Q1b":
            f = quadratic(2.0, -1.0, 1.0)
            w.add(sec, lambda f=f: plots.step_bound(f, (0.0, 1.0), (1, 2, 4, 8)),
                  "q1b_step_bound", f"The best n-unit step networks for {f.__name__}.")
        elif a.key == "Q1c":
            net = step_piecewise_constant([0.25, 0.75], [0.0, 3.0, 0.0])
            f = piecewise_constant([0.25, 0.75], [0.0, 3.0, 0.0])
            w.add(sec, lambda net=net, f=f: plots.network_vs_function(
                net, f, (-1.0, 2.0), "c g(x - a) - c g(x - b): exact"), "q1c_piecewise",
                "The slide's two-unit step network on top of the function: the difference is 0.")
        elif a.key == "Q1d":
            w.add(sec, lambda: plots.network_vs_function(
                identity_linear(2.0, 1.0), linear(2.0, 1.0), (-1.0, 1.0),
                "identity activation: exact"), "q1d_identity",
                "One identity unit equals 2x + 1 exactly.")
        elif a.key == "Q2":
            w.add(sec, lambda: plots.plane_figure(
                plane_maps(xor_relu(), (-1.6, 1.6, -1.6, 1.6)), XOR_POINTS,
                (XOR_LABELS > 0).astype(int), "the XOR network over the plane"), "q2_xor",
                "Left: f(x) with its zero line (the decision boundary) and the four points; "
                "right: the two hidden ReLU units.")
    return _finish(rep, w, out_dir)


def _esc(text) -> str:
    import html

    return html.escape(str(text))


def _trace_table(trace) -> str:
    page = trace.to_html()
    start, end = page.find("<table"), page.rfind("</table>")
    return page[start:end + len("</table>")] if start >= 0 and end >= 0 else \
        f"<pre>{_esc(trace.to_markdown())}</pre>"


def _finish(rep, w, out_dir) -> Path:
    path = Path(out_dir) / "report.html"
    rep.write(path)
    return path


# ---------------------------------------------------------------- universal approximation
def approximation_report(sweeps, out_dir) -> Path:
    from chainrule import plots

    target = sweeps[0].target if sweeps else ""
    rep, w = _begin(
        f"Universal approximation of {target}",
        "A network with one hidden layer, F(x) = sum_i w_i sigma(v_i . x + b_i), can approximate "
        "any continuous function on a closed and bounded set as closely as we like, given enough "
        "units N. Below, one network per N is trained and its error measured on a dense grid.",
        out_dir)
    sec = rep.section("Error against N")
    w.add(sec, lambda: plots.approximation_errors(sweeps), "approx_errors",
          "Sup and RMS error against the number of hidden units (log-log).")
    for s in sweeps:
        sec.text(f"{s.label}:")
        sec.table(["N", "sup error", "RMS error", "seconds"], s.rows())
    if not is_continuous(target):
        sec.text("This target jumps, so it is not continuous and the theorem does not cover it: "
                 "no continuous network can get within half the jump of it near the jump, so the "
                 "sup error stalls while the RMS error keeps falling.")
    if any(not s.trained for s in sweeps):
        sec.text("The step network is constructed, not trained: backprop gives a step network "
                 "zero gradient (see Question 1a). Its N thresholds cut the domain into the "
                 "pieces of the optimal cover, each at the middle of the target's range on it.")
    sec = rep.section("The fits")
    w.add(sec, lambda: plots.approximation_fits(sweeps), "approx_fits",
          "The target and the trained networks for a few widths N.")
    sec = rep.section("How the networks were trained")
    sec.text("Each unit's kink (ReLU) or centre (sigmoid, tanh) starts at a random point of the "
             "domain; the output layer starts at its least-squares fit for those units; then Adam "
             "trains every weight on the full grid of training points with a cosine-annealed "
             "learning rate. Each width is trained from a few random starts and the run with the "
             "lowest training loss (mean squared error) is kept.")
    return _finish(rep, w, out_dir)


# ---------------------------------------------------------------- activation choice
def activations_report(study, out_dir) -> Path:
    from chainrule import plots

    rep, w = _begin(
        "Activation choice: vanishing gradients, dead units, speed",
        f"Data set {study.dataset}; {study.width} units per hidden layer; {study.steps} full-batch "
        f"SGD steps (momentum 0.9); initialisation '{study.init}' (He for ReLU, Xavier for "
        "sigmoid and tanh when 'recommended').", out_dir)
    sec = rep.section("The activations and their derivatives")
    w.add(sec, lambda: plots.activation_functions(), "activation_functions",
          "Each activation (left) and its derivative as backprop computes it (right). The "
          "sigmoid's derivative never exceeds 0.25: every sigmoid layer shrinks the gradient.")
    sec = rep.section("Summary")
    sec.table(study.HEADER, [tuple(v if v is not None else "-" for v in row)
                             for row in study.rows()], digits=3)
    sec = rep.section("Vanishing gradients")
    w.add(sec, lambda: plots.gradient_norms(study), "gradient_norms",
          "The gradient norm of each layer's weights at initialisation.")
    first = {a: [float(study.run(a, d).grad_norms_init[0]) for d in study.depths]
             for a in study.activations}
    sec.table(["activation", *[f"depth {d}" for d in study.depths]],
              [(a, *v) for a, v in first.items()], digits=3)
    sec.text("The table gives the first layer's gradient norm at initialisation.")
    w.add(sec, lambda: plots.gradient_norms_training(study), "gradient_norms_training",
          "The first layer's gradient norm during training.")
    sec = rep.section("Dead and saturated units")
    w.add(sec, lambda: plots.inactive_units(study), "inactive_units",
          "A unit counts as inactive when g'(z) is below 1% of its largest value on every "
          "example: no gradient passes through it.")
    sec = rep.section("Loss against steps")
    w.add(sec, lambda: plots.loss_curves(study), "loss_curves", "Training loss, log scale.")
    sec = rep.section("Computationally cheap?")
    w.add(sec, lambda: plots.step_times(study), "step_times",
          "Median time per training step, and each activation alone on a million numbers.")
    sec.table(["activation", "forward ms / 1e6", "backward ms / 1e6"],
              [(a, f * 1e3, b * 1e3) for a, (f, b) in study.cost.items()], digits=3)
    return _finish(rep, w, out_dir)


# ---------------------------------------------------------------- feature learning
def features_report(study, out_dir) -> Path:
    from chainrule import plots

    rep, w = _begin(
        f"Feature learning on {study.dataset}",
        "Representation learning is now part of the algorithm: each hidden unit is a feature, "
        "and training chooses them. Before training the units are random; after it they are "
        "what makes the classes separable.", out_dir)
    sec = rep.section("Every hidden unit over the input plane")
    w.add(sec, lambda: plots.feature_maps(study), "feature_maps",
          "First column: the network's output with its decision boundary and the data; then "
          "each hidden unit's activation over the plane. Top: before training; bottom: after.")
    sec.table(["", "accuracy", "loss"],
              [("before training", study.accuracy_before, study.losses[0]),
               ("after training", study.accuracy_after, study.losses[-1])])
    return _finish(rep, w, out_dir)


def summary_of_first_layer(study) -> dict:
    """activation -> first-layer gradient norm at init for the deepest network (for the CLI)."""
    deepest = max(study.depths)
    return {a: float(np.asarray(study.run(a, deepest).grad_norms_init)[0])
            for a in study.activations}
