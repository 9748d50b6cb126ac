"""Per-op gradient checks name the wrong op; CS231n's verdicts; the finite-difference curve."""

import inspect

import numpy as np
import pytest

import chainrule as cr
from chainrule import functional as F
from chainrule.autograd import Primitive
from chainrule.errors import ConfigError, GradcheckError
from chainrule.inspect import GradcheckReport, PerOpReport, fd_error_curve, gradcheck, verdict
from chainrule.inspect.recitation import build, question3_network

# A deliberately broken rule: d(a^2)/da is 2a, this vjp forgets the 2.
bad_square = Primitive(
    "bad_square",
    lambda a: (a * a, a),
    lambda g, a, needs: (g * a,),
    formulas=("dJ/dx = dJ/dy * x  (wrong)",),
)
good_cube = Primitive("good_cube", lambda a: (a**3, a), lambda g, a, needs: (3 * g * a * a,))


def test_verdict_thresholds():
    assert verdict(1e-9) == "fine"
    assert verdict(1e-5).startswith("suspicious unless")
    assert verdict(1e-3) == "probably wrong"
    assert verdict(0.5) == "wrong"


def test_per_op_passes_on_the_recitation_network():
    q = question3_network(batch=3, dtype=np.float64)
    report = gradcheck(lambda W, b1, U, b2: build(q.x, q.y, W, b1, U, b2).J,
                       q.W, q.b1, q.U, q.b2, per_op=True)
    assert isinstance(report, PerOpReport) and report.passed
    assert [(c.op, c.name) for c in report.ops] == [
        ("linear", "z1"), ("relu", "h"), ("linear", "z2"), ("cross_entropy", "J")]
    assert all(c.max_rel_error < 1e-7 and c.verdict == "fine" for c in report.ops)
    assert report["z1"].inputs == ["W", "b1"]  # x needs no gradient
    assert report["z2"].inputs == ["h", "U", "b2"]
    assert report["z1"].site.filename.endswith("recitation.py")
    assert isinstance(report.end_to_end, GradcheckReport) and report.end_to_end.passed
    assert "PASSED" in str(report) and "recitation.py:" in str(report)


def test_a_broken_custom_vjp_is_named():
    def fn(x, w):
        z = F.linear(x, w)
        line[0] = inspect.currentframe().f_lineno + 1
        s = bad_square(z)
        return good_cube(s).sum()

    line = [0]
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(2, 3)), rng.normal(size=(4, 3))
    report = gradcheck(fn, x, w, per_op=True, raise_on_failure=False)
    assert not report.passed and not report.end_to_end.passed
    assert [c.op for c in report.failed] == ["bad_square"]
    bad = report.failed[0]
    assert bad.max_rel_error == pytest.approx(0.5, abs=1e-6)  # half of 2a is missing
    assert bad.verdict == "wrong"
    assert bad.site.lineno == line[0] and bad.site.filename == __file__
    assert bad.site.code == "s = bad_square(z)"
    assert [c.passed for c in report.ops] == [True, False, True, True]
    text = str(report)
    assert "FAIL" in text and "bad_square" in text and "wrong: bad_square" in text
    with pytest.raises(GradcheckError, match="the rule of bad_square") as info:
        gradcheck(fn, x, w, per_op=True)
    assert info.value.report.failed[0].op == "bad_square"


def test_surrogates_and_kinks_are_reported_not_failed():
    x = cr.tensor([-1.0, 0.0, 2.0])
    report = gradcheck(lambda t: (F.step(t, "straight_through") * t).sum(), x, per_op=True,
                       raise_on_failure=False)
    step = report.ops[0]
    assert step.op == "step_straight_through" and step.passed
    assert "surrogate" in step.verdict
    kink = gradcheck(lambda t: F.relu(t).sum(), x, per_op=True, raise_on_failure=False)
    assert "kink" in kink.ops[0].verdict and kink.ops[0].passed


def test_cast_and_index_ops_are_checked_in_float64():
    def fn(t):
        return (t.astype(np.float32)[np.array([0, 2, 2])] * 2.0).sum()

    report = gradcheck(fn, np.array([1.0, 2.0, 3.0]), per_op=True, raise_on_failure=False)
    ops = {c.op: c for c in report.ops}
    assert ops["cast"].passed and ops["getitem"].passed and ops["cast"].max_rel_error < 1e-7


def test_without_per_op_the_report_is_unchanged():
    report = gradcheck(lambda t: (t * t).sum(), np.array([1.0, 2.0]))
    assert isinstance(report, GradcheckReport) and report.passed


def test_fd_error_curve_shows_truncation_then_round_off():
    curve = fd_error_curve(lambda t: (t.tanh() ** 3).sum() + t.exp().sum(),
                           np.linspace(-1, 1, 5))
    assert list(curve.eps) == [10.0**-k for k in range(1, 13)]
    best = int(np.argmin(curve.central))
    assert 1e-8 <= curve.best_eps <= 1e-3
    assert curve.central[0] > 100 * curve.central[best]      # truncation at large eps
    assert curve.central[-1] > 100 * curve.central[best]     # round-off at tiny eps
    assert curve.slope(1e-1, 1e-3) == pytest.approx(2.0, abs=0.2)               # central ~ eps^2
    assert curve.slope(1e-1, 1e-3, "forward") == pytest.approx(1.0, abs=0.2)    # forward ~ eps
    assert np.all(curve.forward[:4] > curve.central[:4])
    assert "<- best" in str(curve)
    low = fd_error_curve(lambda t: (t.tanh() ** 3).sum(), np.linspace(-1, 1, 5),
                         dtype=np.float32)
    assert low.best_eps > curve.best_eps                       # round-off sets in sooner
    assert low.central[-1] == pytest.approx(1.0)               # the step is lost entirely


def test_fd_error_curve_plot(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    curve = fd_error_curve(lambda t: t.exp().sum(), np.array([0.1, 0.2]))
    fig = curve.plot(path=tmp_path / "fd.png")
    assert (tmp_path / "fd.png").read_bytes().startswith(b"\x89PNG")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and len(ax.lines) >= 4
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_fd_error_curve_bad_input():
    with pytest.raises(ConfigError):
        fd_error_curve(lambda t: t * 2.0, np.ones(3))   # not a scalar
    with pytest.raises(ConfigError):
        fd_error_curve(lambda t: t.sum(), np.ones(3), eps=[0.1, -1.0])
    with pytest.raises(ConfigError):
        fd_error_curve(lambda t: t.sum(), np.ones(3), dtype=np.int32)


def many_ops(a, b):
    """A graph touching most rows of the chain-rule table (keyword params included)."""
    c = (a * b + a / (b * b + 1.0) - a ** 2.0).exp().log()
    d = F.softmax(c, axis=0) + F.log_softmax(c.T, axis=-1).T
    e = F.maximum(d, a) + F.where(a.data > 0, d, b) + (a.abs() + 1.0).sqrt() + d.clip(-0.5, 0.5)
    f = F.concatenate([e, e.sigmoid()], axis=1).reshape(2, 6)[:, 1:5].tanh()
    g = F.stack([f.max(axis=1), f.min(axis=1), f.mean(axis=1)], axis=0) @ np.ones((2, 3))
    return F.mse_loss(g, np.zeros((3, 3))) + F.gelu(e).sum() + F.softplus(e).sum()


def test_per_op_covers_the_table_and_explain_matches_backward():
    rng = np.random.default_rng(5)
    a = rng.normal(size=(2, 3)) + 0.1
    b = rng.normal(size=(2, 3))
    report = gradcheck(many_ops, a, b, per_op=True, raise_on_failure=False)
    assert report.passed, str(report)
    assert {"exp", "log", "softmax", "log_softmax", "maximum", "where", "sqrt", "clip",
            "concatenate", "reshape", "getitem", "stack", "max", "min", "mean", "matmul",
            "mse_loss", "gelu", "softplus", "pow", "div", "transpose"} <= \
        {c.op for c in report.ops}
    ta = cr.tensor(a, requires_grad=True, name="a")
    tb = cr.tensor(b, requires_grad=True, name="b")
    trace = cr.explain(many_ops(ta, tb))
    np.testing.assert_allclose(trace["a"].grad, ta.grad, rtol=1e-12)
    np.testing.assert_allclose(trace["b"].grad, tb.grad, rtol=1e-12)
    table = cr.ops.all_primitives()
    for step in trace.steps:
        if step.kind == "path":
            assert step.rule in table[step.op].formulas
            assert ("dJ/d" + step.name) in step.lhs


def test_non_contiguous_inputs_are_perturbed_correctly():
    data = np.arange(6.0).reshape(2, 3).T  # Fortran-ordered: a flat reshape would copy
    report = gradcheck(lambda t: (t * t).sum(), data)
    np.testing.assert_allclose(report.inputs[0].numeric, 2 * data, atol=1e-6)
    per_op = gradcheck(lambda t: F.log_softmax(t.T, axis=-1).sum(), data, per_op=True)
    assert per_op.passed
