"""draw(): DOT text with stable node order; rendering only when Graphviz's dot exists."""

import re
import shutil

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import ConfigError, GraphError, MissingExtraError
from chainrule.inspect.recitation import question3_network


def small_graph():
    a = cr.tensor([1.0, 2.0], requires_grad=True, name="a")
    b = cr.tensor([3.0, 4.0], name="b")
    c = a * b
    c.name = "c"
    d = c.sum()
    return a, b, c, d


def test_nodes_and_edges_of_a_small_known_graph():
    *_, d = small_graph()
    g = cr.draw(d)
    assert [(i, n, op, k) for i, n, op, k in g.nodes] == [
        ("n0", "a", None, "param"), ("n1", "b", None, "input"),
        ("n2", "c", "mul", "op"), ("n3", "J", "sum", "output")]
    assert g.edges == [("n0", "n2"), ("n1", "n2"), ("n2", "n3")]
    edges = re.findall(r"^  (n\d+) -> (n\d+);$", g.dot, flags=re.M)
    assert edges == g.edges
    labels = dict(re.findall(r'^  (n\d+) \[label="([^"]*)"', g.dot, flags=re.M))
    assert labels["n0"] == "a (parameter)\\nshape (2,)\\nvalue [1., 2.]"
    assert labels["n2"] == "c = mul\\nshape (2,)\\nvalue [3., 8.]"
    assert labels["n3"] == "J = sum\\nshape ()\\nvalue 11"
    assert g.dot.startswith("digraph chainrule {") and g.dot.rstrip().endswith("}")
    assert str(g) == g.dot


def test_two_runs_draw_the_same_picture():
    assert cr.draw(question3_network(seed=4).J).dot == cr.draw(question3_network(seed=4).J).dot


def test_gradients_appear_after_backward_and_with_a_trace():
    a, b, c, d = small_graph()
    d.backward(retain_graph=True)
    assert "grad [3., 4.]" in cr.draw(d).dot  # leaves carry .grad
    q = question3_network()
    trace = cr.explain(q.J, retain_graph=True)
    dot = cr.draw(q.J, trace=trace).dot
    delta_1 = cr.inspect._format.fmt(trace["delta_1"].grad, limit=12, oneline=True)
    assert "z2 = linear\\nshape (3,)\\nvalue" in dot and f"grad {delta_1}" in dot


def test_large_tensors_are_summarised():
    x = cr.tensor(np.arange(100.0), requires_grad=True, name="x")
    dot = cr.draw((x * 2.0).sum()).dot
    assert "shape (100,): mean 49.5" in dot


def test_released_graph_is_an_error():
    *_, d = small_graph()
    d.backward()
    with pytest.raises(GraphError, match="released"):
        cr.draw(d)


def test_save_dot_and_bad_extension(tmp_path):
    *_, d = small_graph()
    g = cr.draw(d, path=tmp_path / "g.dot")
    assert (tmp_path / "g.dot").read_text() == g.dot
    with pytest.raises(ConfigError, match=r"\.dot"):
        g.save(tmp_path / "g.txt")
    with pytest.raises(ConfigError):
        cr.draw(d, rankdir="up")
    with pytest.raises(ConfigError):
        cr.draw("not a tensor")


def test_render_without_dot_is_a_clear_error(tmp_path, monkeypatch):
    pytest.importorskip("graphviz")
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot program on this PATH
    *_, d = small_graph()
    with pytest.raises(MissingExtraError, match="apt-get install graphviz"):
        cr.draw(d).save(tmp_path / "g.svg")
    assert not (tmp_path / "g.svg").exists()


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
def test_render_svg_and_png(tmp_path):
    pytest.importorskip("graphviz")
    g = cr.draw(question3_network().J)
    g.save(tmp_path / "q3.svg")
    assert "<svg" in (tmp_path / "q3.svg").read_text()
    g.save(tmp_path / "q3.png")
    assert (tmp_path / "q3.png").read_bytes().startswith(b"\x89PNG")
