"""`chainrule rules` prints the one table of derivative rules."""

import subprocess
import sys

from chainrule import ops
from chainrule.cli import main


def test_rules_lists_every_primitive_with_its_formula(capsys):
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    for name, prim in ops.all_primitives().items():
        for formula in prim.formulas:
            assert formula in out, (name, formula)
    assert "dJ/dx = dJ/dy * 1{x > 0}" in out  # relu, as the issue states it


def test_rules_for_chosen_ops_in_markdown_and_latex(capsys):
    assert main(["rules", "relu", "sigmoid", "--format", "markdown"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "| op | input | rule | caches |"
    assert [line.split(" | ")[0] for line in out[2:]] == ["| relu", "| sigmoid"]
    assert main(["rules", "linear", "--format", "latex"]) == 0
    latex = capsys.readouterr().out
    assert latex.startswith(r"\begin{align*}") and latex.count(r"\\") == 3  # x, W, b


def test_unknown_op_is_one_line_and_exit_2(capsys):
    assert main(["rules", "softmaxx"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown op 'softmaxx'" in err and "softmax" in err


def test_rules_as_a_real_command():
    done = subprocess.run([sys.executable, "-m", "chainrule", "rules", "tanh"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "dJ/dx = dJ/dy * (1 - t^2)" in done.stdout


def test_rules_show_each_ops_role_and_kinks_from_the_table(capsys):
    assert main(["rules", "relu", "step_sigmoid", "linear", "maximum"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:2] == ["relu", "activation"]
    assert lines[1].strip() == f"kink at x = 0: takes {ops.relu.kinks[0].takes}"
    assert [line.split()[1] for line in lines if line.startswith("linear")] == ["affine"] * 3
    assert "kink at a = b: takes half the gradient for each input (ties split)" in \
        [line.strip() for line in lines]
    assert [line.strip() for line in lines[3:5]] == [
        "kink at x = 0: takes " + ops.step_sigmoid.kinks[0].takes,
        "surrogate: not the true derivative, on purpose"]
