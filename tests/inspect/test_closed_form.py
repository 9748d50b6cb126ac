"""closed_form_check and manual mode: autodiff against the textbook, term by term."""

import numpy as np
import pytest

import chainrule as cr
from chainrule import ops
from chainrule.errors import ConfigError
from chainrule.inspect import closed_form_check, compare_with_autodiff, manual
from chainrule.inspect.recitation import question3_network

nn = pytest.importorskip("chainrule.nn")

rng = np.random.default_rng(0)
X = rng.normal(size=(6, 4)).astype(np.float32)
LABELS = np.array([0, 2, 1, 1, 0, 2])
TARGETS = rng.normal(size=(6, 2)).astype(np.float32)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "leaky_relu", "softplus"])
def test_closed_forms_hold_for_cross_entropy(activation):
    model = nn.MLP([4, 5, 3, 3], activation=activation, seed=1)
    report = closed_form_check(model, X, LABELS)
    assert report.equal, str(report)
    # loss + 3 Linear terms per layer + one per activation
    assert len(report.terms) == 1 + 3 * 3 + 2
    assert report.terms[0].formula == "dJ/dz = (y_hat - y) / N"
    formulas = {t.formula for t in report.terms}
    assert {"dW = delta^T X", "db = sum over rows of delta", "dX = delta W"} <= formulas


def test_closed_forms_hold_for_mse_and_float64():
    model = nn.MLP([4, 3, 2], activation="tanh", output_activation="sigmoid", seed=2).double()
    report = closed_form_check(model, X.astype(np.float64), TARGETS.astype(np.float64),
                               loss="mse")
    assert report.equal, str(report)
    assert report.terms[0].formula == "dJ/dy_hat = 2 (y_hat - y) / N"
    assert "dJ/dz = dJ/dh * s(1 - s)" in {t.formula for t in report.terms}
    assert max(t.max_abs_error for t in report.terms) < 1e-12


def test_a_wrong_rule_is_named(monkeypatch):
    monkeypatch.setattr(ops.sigmoid, "vjp", lambda g, s, needs: (g * s,))  # forgot (1 - s)
    model = nn.MLP([4, 5, 3], activation="sigmoid", seed=3)
    report = closed_form_check(model, X, LABELS)
    assert not report.equal
    assert [(t.term, t.formula) for t in report.diverging] == [
        ("layer 1 Sigmoid (h1)", "dJ/dz = dJ/dh * s(1 - s)")]
    assert "DIVERGING: layer 1 Sigmoid (h1)" in str(report)


def test_the_model_is_left_as_it_was():
    model = nn.MLP([4, 5, 3], activation="relu", dropout=0.5, seed=4)
    model.train()
    closed_form_check(model, X, LABELS)
    compare_with_autodiff(model, X, LABELS)
    assert all(p.grad is None for p in model.parameters())
    assert all(m.training for m in model.modules())


def test_bad_arguments():
    model = nn.MLP([4, 3], seed=0)
    with pytest.raises(ConfigError):
        closed_form_check(model, X, LABELS, loss="hinge")
    with pytest.raises(ConfigError):
        closed_form_check("not a model", X, LABELS)
    class Doubling(nn.Module):  # a layer with no textbook form
        def forward(self, x):
            return x * 2

    with pytest.raises(ConfigError, match="hand-written"):
        manual.manual_backprop(nn.Sequential(nn.Linear(4, 3), Doubling()), X, LABELS)


def test_manual_layers_reproduce_the_slide_on_question_3():
    q = question3_network(seed=6)
    trace = cr.explain(q.J)
    x, W, b1, U, b2 = (t.data.astype(np.float64) for t in (q.x, q.W, q.b1, q.U, q.b2))
    z1, c1 = manual.linear_forward(x, W, b1)
    h, c2 = manual.relu_forward(z1)
    z2, c3 = manual.linear_forward(h, U, b2)
    J, c4 = manual.softmax_cross_entropy_forward(z2, q.y)
    assert J == pytest.approx(q.J.item(), rel=1e-6)
    delta_1 = manual.softmax_cross_entropy_backward(1.0, c4)
    dh, dU, db2 = manual.linear_backward(delta_1, c3)
    delta_2 = manual.relu_backward(dh, c2)
    _, dW, db1 = manual.linear_backward(delta_2, c1)
    by_hand = {"delta_1": delta_1, "b2": db2, "U": dU, "h": dh, "delta_2": delta_2,
               "b1": db1, "W": dW}
    for name, value in by_hand.items():
        np.testing.assert_allclose(trace[name].grad, value, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(dU, np.outer(delta_1, h))  # delta_1 h^T
    assert c1[0] is x and c1[1] is W  # the cache is what backward reuses


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "leaky_relu", "identity",
                                        "softplus", "gelu"])
def test_compare_with_autodiff_agrees(activation):
    model = nn.MLP([4, 6, 3], activation=activation, seed=5)
    result = compare_with_autodiff(model, X, LABELS)
    assert result.agree, str(result)
    assert set(result.manual.grads) == {n for n, _ in model.named_parameters()}
    text = str(result)
    assert "AGREE" in text and "cached by the forward pass" in text
    assert result.loss_manual == pytest.approx(result.loss_autodiff, rel=1e-5)


def test_compare_with_autodiff_mse_and_a_broken_rule(monkeypatch):
    model = nn.MLP([4, 3, 2], activation="tanh", seed=6).double()
    assert compare_with_autodiff(model, X.astype(np.float64), TARGETS, loss="mse").agree
    monkeypatch.setattr(ops.tanh, "vjp", lambda g, t, needs: (g * (1 + t * t),))
    broken = compare_with_autodiff(model, X.astype(np.float64), TARGETS, loss="mse")
    assert not broken.agree
    assert [r[0] for r in broken.rows if not r[3]] == ["layers.0.weight", "layers.0.bias"]
    assert "DISAGREE" in str(broken)


def test_a_standardized_model_is_checked_through_its_standardize_layer():
    model = nn.MLP([4, 5, 3], activation="tanh", seed=7, dtype=np.float64)
    cr.fit(model, (X * 10 + 3, LABELS), epochs=2, batch_size=3, standardize=True, quiet=True)
    report = closed_form_check(model, X * 10 + 3, LABELS)
    assert report.equal, str(report)
    assert "dJ/dx = dJ/dx_std / scale" in {t.formula for t in report.terms}
    assert compare_with_autodiff(model, X * 10 + 3, LABELS).agree
