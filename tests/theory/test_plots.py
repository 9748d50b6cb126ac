"""Figures and the HTML report: sizes, files, embedding."""

import struct

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from chainrule import plots  # noqa: E402
from chainrule.io.atomic import atomic_write  # noqa: E402
from chainrule.report import Report  # noqa: E402
from chainrule.theory import linear, step_network_experiment, xor_relu  # noqa: E402
from chainrule.theory.activations_study import activation_study  # noqa: E402
from chainrule.theory.approximation import approximation_study  # noqa: E402
from chainrule.theory.features import feature_learning, plane_maps  # noqa: E402


def _png_size(data: bytes):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def _check(fig, tmp_path, name):
    w, h = fig.get_size_inches()
    paths = plots.save_figure(fig, tmp_path, name)
    assert [p.suffix for p in paths] == [".png", ".svg"]
    assert _png_size(paths[0].read_bytes()) == (round(w * plots.DPI), round(h * plots.DPI))
    assert paths[1].read_text().lstrip().startswith("<?xml")
    texts = [t.get_text() for ax in fig.axes for t in (ax.xaxis.label, ax.yaxis.label)]
    return texts


@pytest.fixture(scope="module")
def small_study():
    return activation_study("moons", depths=(2, 4), steps=3, width=8)


def test_activation_figure(tmp_path):
    fig = plots.activation_functions()
    labels = _check(fig, tmp_path, "act")
    assert "z" in labels and "g'(z)" in labels
    assert fig.get_size_inches().tolist() == [10, 4]


def test_step_figures(tmp_path):
    _check(plots.step_bound(linear(2, 1), (0, 1), (1, 2)), tmp_path, "bound")
    res = step_network_experiment(units=(1, 2), steps=5)
    labels = _check(plots.step_training(res), tmp_path, "training")
    assert "sup error" in labels


def test_approximation_figures(tmp_path):
    sweeps = approximation_study("sin", units=(2, 4), steps=5, restarts=1)
    labels = _check(plots.approximation_errors(sweeps), tmp_path, "errors")
    assert "hidden units N" in labels
    fig = plots.approximation_fits(sweeps)
    _check(fig, tmp_path, "fits")
    legend_texts = [t.get_text() for ax in fig.axes if ax.get_legend()
                    for t in ax.get_legend().get_texts()]
    assert "N = 4" in legend_texts
    assert any("constructed" in ax.get_title() for ax in fig.axes)
    sweeps2 = approximation_study("sin2d", units=(2,), steps=2, restarts=1)
    _check(plots.approximation_fits(sweeps2), tmp_path, "fits2d")


def test_study_figures(tmp_path, small_study):
    for name in ("gradient_norms", "gradient_norms_training", "inactive_units", "loss_curves",
                 "step_times"):
        fig = getattr(plots, name)(small_study)
        labels = _check(fig, tmp_path, name)
        assert any(labels), name  # every figure labels its axes


def test_feature_figures(tmp_path):
    study = feature_learning("circles", steps=5, resolution=10)
    _check(plots.feature_maps(study), tmp_path, "features")
    maps = plane_maps(xor_relu(), (-1.5, 1.5, -1.5, 1.5), 10)
    fig = plots.plane_figure(maps, np.array([[1.0, 1.0]]), [1], "XOR")
    _check(fig, tmp_path, "xor")
    assert fig.axes[1].get_title() == "layer 1, unit 1"


def test_report_is_self_contained(tmp_path):
    fig = plots.activation_functions(("relu",))
    rep = Report("A <title>", "intro & more")
    sec = rep.section("one")
    sec.text("x < y").table(["N", "err"], [[1, 0.5], [2, 0.25]]).code("a\nb")
    sec.figure(fig, "png caption")
    sec.figure(fig, "svg caption", fmt="svg")
    path = rep.write(tmp_path / "sub" / "report.html")
    html = path.read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert "data:image/png;base64," in html and "<svg" in html
    assert "A &lt;title&gt;" in html and "x &lt; y" in html and "<td>0.25</td>" in html
    # Nothing is fetched: no external images, scripts or style sheets.
    for attr in ('src="http', "src='http", '<link', '<script'):
        assert attr not in html
    assert path.stat().st_mode & 0o044  # readable by others, like any written file


def test_atomic_write_replaces_and_leaves_no_temp_files(tmp_path):
    target = tmp_path / "new" / "f.bin"
    atomic_write(target, b"one", parents=True)
    atomic_write(target, b"two")
    assert target.read_bytes() == b"two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["f.bin"]
