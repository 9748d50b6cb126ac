"""chainrule explain | draw | gradcheck: output, files and exit status (one line, exit 2)."""

import shutil
import subprocess
import sys

import pytest

import chainrule as cr
from chainrule.cli import main
from chainrule.inspect._format import fmt
from chainrule.inspect.recitation import question3_network


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_explain_prints_every_line_with_its_numbers(capsys):
    code, out, err = run(capsys, "explain")
    assert code == 0 and err == ""
    trace = cr.explain(question3_network().J)
    assert out.startswith("Question 3 network: n=3 inputs, m=4 hidden ReLU units, k=3 classes")
    for step in trace.steps:
        assert step.formula in out
        assert fmt(step.grad).splitlines()[0] in out


def test_explain_options_change_the_network(capsys):
    code, out, _ = run(capsys, "explain", "--hidden", "2", "--classes", "4", "--inputs", "5",
                       "--seed", "3", "--batch", "2")
    assert code == 0
    assert "shape (2, 5)" in out  # dJ/dW of a 2 x 5 W
    assert "a batch of 2 examples" in out and "broadcast over the batch axis 0" in out


@pytest.mark.parametrize("fmt_name, marker", [
    ("markdown", "| # | node | gradient |"), ("latex", "\\begin{align*}"),
    ("html", "<!DOCTYPE html>"), ("table", "gradient and rule")])
def test_explain_formats(capsys, tmp_path, fmt_name, marker):
    code, out, _ = run(capsys, "explain", "--format", fmt_name)
    assert code == 0 and marker in out
    target = tmp_path / f"trace.{fmt_name}"
    code, out, _ = run(capsys, "explain", "--format", fmt_name, "--out", str(target))
    assert code == 0 and out.strip() == f"wrote {target}"
    assert marker in target.read_text()


def test_explain_expand(capsys):
    code, out, _ = run(capsys, "explain", "--expand")
    assert code == 0 and "dJ/dy_hat = dJ/dlog_y_hat / y_hat" in out


def test_explain_step_in_a_pipe_prints_every_node(capsys):
    code, out, _ = run(capsys, "explain", "--step")
    assert code == 0
    for k in range(1, 5):
        assert f"step {k}/4" in out
    assert out.rstrip().endswith("as after J.backward()")


def test_explain_step_interactive_pauses_and_stops(capsys, monkeypatch):
    answers = iter(["", "q"])
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    code, out, _ = run(capsys, "explain", "--step")
    assert code == 0
    assert "step 2/4" in out and "step 3/4" not in out
    assert "stopped: the remaining nodes were not visited" in out


@pytest.mark.parametrize("argv", [
    ["explain", "--hidden", "0"], ["explain", "--hidden", "two"], ["explain", "--classes", "1"],
    ["explain", "--seed", "-1"], ["explain", "--format", "pdf"], ["explain", "--bogus"],
    ["explain", "--step", "--format", "latex"], ["draw", "--out", "graph.txt"],
    ["gradcheck", "--eps", "0"], ["gradcheck", "--batch", "0"]])
def test_bad_options_are_one_line_and_exit_2(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("chainrule: error: ") and err.count("\n") == 1


def test_unwritable_output_is_one_line(capsys, tmp_path):
    code, _, err = run(capsys, "explain", "--out", str(tmp_path / "missing" / "t.txt"))
    assert code == 2 and "cannot write" in err and err.count("\n") == 1


def test_draw_prints_or_writes_dot(capsys, tmp_path):
    code, out, _ = run(capsys, "draw")
    assert code == 0 and out.startswith("digraph chainrule {")
    assert out.count(" -> ") == 8 and "grad " in out
    code, out, _ = run(capsys, "draw", "--out", str(tmp_path / "q3.dot"))
    assert code == 0 and (tmp_path / "q3.dot").read_text().startswith("digraph")


def test_draw_svg_without_dot_is_one_line(capsys, tmp_path, monkeypatch):
    pytest.importorskip("graphviz")
    monkeypatch.setenv("PATH", str(tmp_path))
    code, _, err = run(capsys, "draw", "--out", str(tmp_path / "q3.svg"))
    assert code == 2 and "Graphviz 'dot' program" in err and err.count("\n") == 1
    assert not (tmp_path / "q3.svg").exists()


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
def test_draw_svg(capsys, tmp_path):
    pytest.importorskip("graphviz")
    code, _, _ = run(capsys, "draw", "--out", str(tmp_path / "q3.svg"))
    assert code == 0 and "<svg" in (tmp_path / "q3.svg").read_text()


def test_gradcheck_prints_the_per_op_table(capsys):
    code, out, _ = run(capsys, "gradcheck", "--batch", "2")
    assert code == 0
    assert "per-op gradcheck (central differences, eps=1e-06, float64): PASSED" in out
    for op, name in [("linear", "z1"), ("relu", "h"), ("linear", "z2"), ("cross_entropy", "J")]:
        assert any(op in line and f" {name} " in line for line in out.splitlines())


def test_gradcheck_exit_1_when_a_rule_is_wrong(capsys, monkeypatch):
    from chainrule import ops

    monkeypatch.setattr(ops.relu, "vjp", lambda g, mask, needs: (g,))  # forgot the mask
    code, out, _ = run(capsys, "gradcheck")
    assert code == 1 and "FAILED" in out and "wrong: relu (h" in out


def test_real_subprocess():
    done = subprocess.run([sys.executable, "-m", "chainrule", "explain", "--hidden", "2"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "delta_2 = dJ/dz1" in done.stdout
    bad = subprocess.run([sys.executable, "-m", "chainrule", "explain", "--format", "x"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
