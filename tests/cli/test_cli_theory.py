"""``chainrule exercises | approx | activations | features``: output, files, exit status."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from chainrule.cli import main
from chainrule.cli.theory import parse_int_list
from chainrule.errors import ConfigError


def _mpl():
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _self_contained(out: Path, figures):
    html = (out / "report.html").read_text()
    assert html.startswith("<!DOCTYPE html>")
    if _mpl():
        assert html.count("data:image/png;base64,") == len(figures)
        for name in figures:
            assert (out / f"{name}.png").stat().st_size > 1000
            assert (out / f"{name}.svg").exists()
    return html


def test_exercises_prints_every_answer_with_evidence(tmp_path, capsys):
    assert main(["exercises", "--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for key in ("Q1a", "Q1b", "Q1c", "Q1d", "Q2", "Q3"):
        assert f"\n{key}. " in "\n" + out
    q1a = out.split("Q1b.")[0]
    assert "Answer: No" in q1a and "sup error >= 0.111 on 2x + 1 over [0, 1]" in q1a
    q1c = out.split("Q1c.")[1].split("Q1d.")[0]
    assert "Answer: Yes" in q1c and "(the breaks included): 0.0" in q1c
    assert "(1, 1)    [2 -2]  [2 0]    1     1" in out  # the slide's table
    assert "dJ/dW" in out and "max |backprop - closed form|" in out
    html = _self_contained(tmp_path, ["q1a_step_bound", "q1a_step_training", "q1b_step_bound",
                                      "q1c_piecewise", "q1d_identity", "q2_xor"])
    assert "Answer: No" in html and "<table" in html
    assert f"report: {tmp_path / 'report.html'}" in out


def test_approx_sweep_and_report(tmp_path, capsys):
    args = ["approx", "--target", "sin", "--units", "2,4,8,...,16", "--activation", "relu,step",
            "--steps", "30", "--restarts", "1", "--out", str(tmp_path)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "sin, relu:" in out and "sin, step (constructed, not trained):" in out
    rows = [line.split() for line in out.splitlines() if line.strip()[:2].strip().isdigit()]
    assert [int(r[0]) for r in rows] == [2, 4, 8, 16, 2, 4, 8, 16]
    html = _self_contained(tmp_path, ["approx_errors", "approx_fits"])
    assert "Error against N" in html


def test_activations_study_and_report(tmp_path, capsys):
    args = ["activations", "--dataset", "moons", "--depths", "2,8", "--steps", "2", "--width",
            "8", "--out", str(tmp_path)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "first-layer |dJ/dW| at initialisation, depth 8: sigmoid" in out
    assert sum(line.startswith(("sigmoid", "tanh", "relu")) for line in out.splitlines()) == 6
    _self_contained(tmp_path, ["activation_functions", "gradient_norms",
                               "gradient_norms_training", "inactive_units", "loss_curves",
                               "step_times"])


def test_features_command(tmp_path, capsys):
    assert main(["features", "--steps", "20", "--out", str(tmp_path)]) == 0
    assert "accuracy before training" in capsys.readouterr().out
    _self_contained(tmp_path, ["feature_maps"])


@pytest.mark.parametrize("args, words", [
    (["approx", "--units", "1,2,x"], "'x' is not an integer"),
    (["approx", "--units", "1,2,4,...,100"], "never reaches 100"),
    (["approx", "--units", "0,1"], "positive integers"),
    (["approx", "--activation", "swish"], "unknown activation swish"),
    (["approx", "--target", "cosh"], "unknown target"),
    (["approx", "--steps", "0"], "--steps: must be at least 1"),
    (["approx", "--lr", "-1"], "--lr: must be a positive number"),
    (["approx", "--domain", "1"], "--domain must be"),
    (["activations", "--depths", "2,,x"], "--depths"),
    (["activations", "--dataset", "nosuch"], "unknown data set"),
    (["activations", "--init", "magic"], "unknown --init"),
    (["features", "--dataset", "sine", "--steps", "1"], "2-D classification"),
    (["exercises", "--bogus"], "unrecognized arguments"),
])
def test_bad_options_give_one_line_and_exit_2(args, words, tmp_path, capsys):
    assert main([*args, "--out", str(tmp_path)] if args[-1] != "--bogus" else args) == 2
    err = capsys.readouterr().err
    assert err.startswith("chainrule: error:") and err.count("\n") == 1
    assert words in err


def test_series_parsing():
    assert parse_int_list("1,2,4,...,128", "u") == [1, 2, 4, 8, 16, 32, 64, 128]
    assert parse_int_list("10,20,...,50", "u") == [10, 20, 30, 40, 50]
    assert parse_int_list(" 3, 5 ", "u") == [3, 5]
    with pytest.raises(ConfigError, match="a,b,...,z"):
        parse_int_list("1,...,8", "u")


def test_a_real_process(tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg")
    done = subprocess.run(
        [sys.executable, "-m", "chainrule", "approx", "--units", "2,4", "--activation", "step",
         "--out", str(tmp_path)], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "sin, step (constructed, not trained):" in done.stdout
    assert (tmp_path / "report.html").exists()
    bad = subprocess.run([sys.executable, "-m", "chainrule", "approx", "--units", "a"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
