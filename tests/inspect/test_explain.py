"""explain(): every line of the Question 3 trace against the slide's closed forms."""

import numpy as np
import pytest

import chainrule as cr
from chainrule import functional as F
from chainrule.errors import ConfigError, GraphError
from chainrule.inspect.recitation import question3_network


def slide_gradients(q):
    """The recitation's closed forms, in float64, from the network's own values (rows)."""
    x = np.atleast_2d(q.x.data).astype(np.float64)
    W, b1 = q.W.data.astype(np.float64), q.b1.data.astype(np.float64)
    U, b2 = q.U.data.astype(np.float64), q.b2.data.astype(np.float64)
    z1 = x @ W.T + b1
    h = np.maximum(z1, 0)
    z2 = h @ U.T + b2
    e = np.exp(z2 - z2.max(axis=1, keepdims=True))
    y_hat = e / e.sum(axis=1, keepdims=True)
    y = np.eye(U.shape[0])[np.atleast_1d(q.y)]
    n = x.shape[0]
    delta_1 = (y_hat - y) / n                       # y_hat - y (over N)
    dh = delta_1 @ U                                # U^T delta_1, row by row
    delta_2 = dh * (h > 0)                          # (U^T delta_1) o 1{h > 0}
    out = {
        "z2": delta_1, "b2": delta_1.sum(0), "U": delta_1.T @ h, "h": dh,
        "z1": delta_2, "b1": delta_2.sum(0), "W": delta_2.T @ x,
    }
    if q.x.ndim == 1:  # one example: the slide's vectors
        out = {k: (v[0] if k in ("z2", "h", "z1") else v) for k, v in out.items()}
    return out


SLIDE_ORDER = ["z2", "b2", "U", "h", "z1", "b1", "W"]


def test_single_example_reads_like_the_slide():
    q = question3_network()
    expected = slide_gradients(q)
    trace = cr.explain(q.J)
    assert [s.name for s in trace.steps] == SLIDE_ORDER
    assert [s.label for s in trace.steps] == ["delta_1", None, None, None, "delta_2", None, None]
    assert [s.op for s in trace.steps] == ["cross_entropy", "linear", "linear", "linear", "relu",
                                           "linear", "linear"]
    for step in trace.steps:
        np.testing.assert_allclose(step.grad, expected[step.name], rtol=1e-5, atol=1e-7)
        assert step.shape == expected[step.name].shape
    # the slide's outer products, for one example
    np.testing.assert_allclose(trace["U"].grad, np.outer(trace["delta_1"].grad, q.h.data),
                               rtol=1e-6)
    np.testing.assert_allclose(trace["W"].grad, np.outer(trace["delta_2"].grad, q.x.data),
                               rtol=1e-6)
    np.testing.assert_allclose(trace["delta_1"].grad, q.y_hat - q.y_onehot, rtol=1e-5,
                               atol=1e-7)
    # the formulas are written with the graph's names
    assert trace["delta_1"].formula.startswith("delta_1 = dJ/dz2 = (y_hat - y)")
    assert trace["U"].formula == "dJ/dU = (delta_1)^T h"
    assert trace["h"].formula == "dJ/dh = delta_1 U"
    assert trace["delta_2"].formula == "delta_2 = dJ/dz1 = dJ/dh * 1{z1 > 0}"
    assert trace["W"].formula == "dJ/dW = (delta_2)^T x"
    assert "outer product delta_1 h^T" in " ".join(trace["U"].notes)
    assert "U^T delta_1" in " ".join(trace["h"].notes)
    # the upstream of each node is the total gradient of its output
    np.testing.assert_allclose(trace["b1"].upstream, expected["z1"], rtol=1e-5, atol=1e-7)
    assert trace["b1"].upstream_name == "delta_2"
    # the cached forward values it used
    np.testing.assert_array_equal(trace["U"].cached["h"], q.h.data)
    np.testing.assert_array_equal(trace["delta_2"].cached["1{z1>0}"], q.z1.data > 0)


def test_explain_is_the_backward_pass():
    q = question3_network(seed=3)
    trace = cr.explain(q.J)
    for name, p in q.params.items():
        np.testing.assert_array_equal(p.grad, trace[name].grad)
    with pytest.raises(GraphError):
        q.J.backward()  # released, as after backward()
    q2 = question3_network(seed=3)
    cr.explain(q2.J, retain_graph=True)
    q2.J.backward()
    np.testing.assert_allclose(q2.W.grad, 2 * trace["W"].grad, rtol=1e-6)


@pytest.mark.parametrize("batch", [2, 5])
def test_batch_lines_match_closed_forms_and_name_the_broadcast(batch):
    q = question3_network(batch=batch, seed=1)
    expected = slide_gradients(q)
    trace = cr.explain(q.J)
    assert [s.name for s in trace.steps] == SLIDE_ORDER
    for step in trace.steps:
        np.testing.assert_allclose(step.grad, expected[step.name], rtol=1e-5, atol=1e-7)
    assert ("b1 of shape (4,) was broadcast over the batch axis 0, so its gradient is summed "
            "over axis 0") in trace["b1"].notes
    assert any("b2 of shape (3,) was broadcast" in n for n in trace["b2"].notes)
    assert any("becomes (delta_1)^T h" in n for n in trace["U"].notes)
    assert any(f"N = {batch}" in n for n in trace["delta_1"].notes)


def test_broadcast_sentence_for_elementwise_ops():
    x = cr.tensor(np.ones((2, 3, 4)), dtype=np.float64)
    b = cr.tensor(np.arange(3.0).reshape(3, 1), requires_grad=True, name="b")
    J = (x * b).sum()
    trace = cr.explain(J)
    assert trace["b"].notes == [
        "b of shape (3, 1) was broadcast over axes 0, 2, so its gradient is summed over "
        "axes (0, 2)"]
    np.testing.assert_array_equal(trace["b"].grad, np.full((3, 1), 8.0))


def test_a_tensor_with_several_consumers_shows_the_sum_of_paths():
    w = cr.tensor([1.0, -2.0, 3.0], requires_grad=True, name="w")
    x = cr.tensor([0.5, 0.25, 2.0], name="x")
    a = w * x
    a.name = "a"
    b = w * w
    b.name = "b"
    J = (a + b).sum()
    trace = cr.explain(J)
    paths = [s for s in trace.steps if s.name == "w" and s.kind == "path"]
    assert len(paths) == 3  # w*x once, w*w twice
    total = trace["w"]
    assert total.kind == "sum" and total.op == "sum of paths"
    np.testing.assert_allclose(total.grad, x.data + 2 * w.data)
    np.testing.assert_allclose(sum(s.grad for s in paths), total.grad)
    np.testing.assert_allclose(w.grad, total.grad)
    assert total.notes == ["w feeds 2 ops (a, b); it enters b more than once, so its gradient "
                           "is the sum of the gradients along all 3 paths"]
    assert total.rhs == "dJ/dw via a + dJ/dw via b + dJ/dw via b"


def test_expanded_cross_entropy_shows_softmax_and_log_steps():
    q = question3_network(seed=2)
    fused = cr.explain(q.J)
    q2 = question3_network(seed=2)
    expanded = cr.explain(q2.J, expand=True)
    ops = [s.op for s in expanded.steps]
    assert "softmax" in ops and "log" in ops and "cross_entropy" not in ops
    assert len(expanded.steps) == len(fused.steps) + 5
    assert expanded["y_hat"].formula == "dJ/dy_hat = dJ/dlog_y_hat / y_hat"
    assert expanded["delta_1"].op == "softmax" and expanded["delta_1"].name == "z2"
    for name in SLIDE_ORDER:
        np.testing.assert_allclose(expanded[name].grad, fused[name].grad, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(expanded["y_hat"].grad, -q.y_onehot / q.y_hat, rtol=1e-5)


def test_expanded_cross_entropy_on_a_batch_divides_by_n():
    q = question3_network(batch=4, seed=5)
    expected = slide_gradients(q)
    trace = cr.explain(q.J, expand=True)
    np.testing.assert_allclose(trace["delta_1"].grad, expected["z2"], rtol=1e-5, atol=1e-7)


def test_automatic_names_follow_the_slides():
    rng = np.random.default_rng(0)
    x = cr.tensor(rng.normal(size=(2, 3)))
    W1 = cr.tensor(rng.normal(size=(4, 3)), requires_grad=True)
    W2 = cr.tensor(rng.normal(size=(2, 4)), requires_grad=True)
    J = F.cross_entropy(F.linear(F.tanh(F.linear(x, W1)), W2), np.array([0, 1]))
    trace = cr.explain(J)
    assert [s.name for s in trace.steps] == ["z2", "param2", "h1", "z1", "param1"]
    assert trace.root_name == "J"
    assert trace["h1"].formula == "dJ/dh1 = delta_1 param2"
    assert trace["z1"].formula == "delta_2 = dJ/dz1 = dJ/dh1 * (1 - t^2)"


def test_module_names_are_used():
    nn = pytest.importorskip("chainrule.nn")
    model = nn.MLP([3, 4, 2], activation="sigmoid", seed=0)
    x = np.random.default_rng(1).normal(size=(5, 3)).astype(np.float32)
    J = F.cross_entropy(model(cr.tensor(x)), np.array([0, 1, 1, 0, 1]))
    trace = cr.explain(J)
    names = [s.name for s in trace.steps]
    assert "layers.0.weight" in names and "layers.2.bias" in names
    assert "h1" in names and "z1" in names
    np.testing.assert_array_equal(trace["layers.0.weight"].grad, model.layers[0].weight.grad)


def test_explicit_names_argument_wins():
    a = cr.tensor([1.0, 2.0], requires_grad=True)
    J = (a * a).sum()
    trace = cr.explain(J, names={a: "theta", J: "L"})
    assert trace.root_name == "L"
    assert trace["theta"].grad.tolist() == [2.0, 4.0]


def test_renderers_show_every_line():
    q = question3_network()
    trace = cr.explain(q.J)
    text = trace.to_text()
    for s in trace.steps:
        assert s.formula in text
    assert "[ 0.3329,  0.4474, -0.7803]" in text  # delta_1 for seed 0, printed in full
    md = trace.to_markdown()
    assert md.count("\n| ") == 1 + len(trace.steps)  # header + one row per line
    assert "`delta_1 = dJ/dz2`" in md
    tex = trace.to_latex()
    assert tex.startswith("\\begin{align*}")
    assert r"\delta_{1} = \frac{\partial J}{\partial z_{2}}" in tex
    assert r"\frac{\partial J}{\partial U} &= \left({\delta_{1}}\right)^\top {h}" in tex
    assert tex.count("bmatrix}") == 2 * len(trace.steps)
    assert "\\documentclass" in trace.to_latex(document=True)
    html = trace.to_html()
    assert html.startswith("<!DOCTYPE html>") and html.count("<tr>") == 1 + len(trace.steps)
    assert "1{z1 &gt; 0}" in html
    rendered = str(trace)
    assert "delta_1" in rendered and "0.3329" in rendered


def test_large_values_are_summarised():
    x = cr.tensor(np.linspace(-1, 1, 100), requires_grad=True, name="x")
    trace = cr.explain((x * x).sum())
    assert "shape (100,): mean" in trace.to_text()


def test_exercise_blanks_and_check_marks():
    q = question3_network()
    trace = cr.explain(q.J)
    ex = trace.exercise(["U", "delta_2", 6])
    text = ex.to_text()
    assert text.count("____") == 3
    assert "Exercise" in text
    assert "0.0362" not in text  # dJ/dU[0, 0] is hidden
    assert "0.0362" in trace.to_text()
    assert ex.to_latex().count(r"\underline") == 3
    right_u = trace["U"].grad.tolist()
    wrong_delta2 = (trace["delta_2"].grad + 0.1).tolist()
    result = ex.check({"U": right_u, "delta_2": wrong_delta2})
    assert result["U"].correct is True
    assert result["delta_2"].correct is False
    np.testing.assert_array_equal(result["delta_2"].expected, trace["delta_2"].grad)
    assert "expected" in result["delta_2"].message
    missing = [m for m in result.marks if m.message == "no answer given"]
    assert [m.name for m in missing] == ["b1"]
    assert result.score == (1, 3) and not result
    assert "1/3 right" in str(result)


def test_check_accepts_a_column_vector_and_rejects_wrong_shapes():
    q = question3_network()
    trace = cr.explain(q.J)
    col = trace["b2"].grad.reshape(-1, 1)
    marks = trace.check({"b2": col, "W": [1.0, 2.0], "delta_1": "seven"})
    assert marks["b2"].correct and "read as (3,)" in marks["b2"].message
    assert not marks["W"].correct and "expected shape (4, 3)" in marks["W"].message
    assert not marks["delta_1"].correct
    full = trace.exercise()
    assert full.to_text().count("____") == len(trace.steps)
    assert full.check({}).score == (0, len(trace.steps))


def test_bad_requests_raise_clear_errors():
    q = question3_network()
    trace = cr.explain(q.J)
    with pytest.raises(ConfigError, match="no gradient named 'V'.*b2, U"):
        trace["V"]
    with pytest.raises(ConfigError):
        trace.exercise([99])
    with pytest.raises(ConfigError):
        trace.check([1, 2])
    with pytest.raises(ConfigError):
        cr.explain(np.ones(3))
    with pytest.raises(GraphError):
        cr.explain(cr.tensor([1.0, 2.0]).sum())  # nothing requires grad


def test_agrees_with_pytorch():
    torch = pytest.importorskip("torch")
    q = question3_network(batch=3, seed=4, dtype=np.float64)
    trace = cr.explain(q.J)
    t = {k: torch.tensor(v.data, requires_grad=True) for k, v in q.params.items()}
    x = torch.tensor(q.x.data)
    z1 = x @ t["W"].T + t["b1"]
    z1.retain_grad()
    h = torch.relu(z1)
    h.retain_grad()
    z2 = h @ t["U"].T + t["b2"]
    z2.retain_grad()
    torch.nn.functional.cross_entropy(z2, torch.tensor(q.y)).backward()
    torch_grads = {**{k: v.grad for k, v in t.items()}, "z1": z1.grad, "h": h.grad,
                   "z2": z2.grad}
    for name, g in torch_grads.items():
        np.testing.assert_allclose(trace[name].grad, g.numpy(), rtol=1e-10, atol=1e-12)
