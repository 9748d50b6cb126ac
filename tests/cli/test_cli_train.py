"""`chainrule train`, `predict` and `evaluate`: outputs, resume, and one-line errors (exit 2)."""

import csv
import json
import subprocess
import sys

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main
from chainrule.data import moons

pytest.importorskip("safetensors")


def _train(tmp_path, *extra, name="run"):
    out = tmp_path / name
    code = main(["train", "--out", str(out), *extra])
    return code, out


def _error(capsys, argv) -> str:
    """Run a command that must fail: exit 2, one line on stderr, nothing on stdout."""
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("chainrule: error: "), captured.err
    assert "Traceback" not in captured.err
    return lines[0]


@pytest.fixture
def moons_csv(tmp_path):
    d = moons(n=300, noise=0.2, seed=0)
    path = tmp_path / "moons.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["x1", "x2", "label"])
        for (a, b), c in zip(d.X, d.y):
            w.writerow([a, b, "yes" if c else "no"])
    return path


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("digits") / "run"
    assert main(["train", "--epochs", "3", "--out", str(out), "--quiet"]) == 0
    return out


# ------------------------------------------------------------------ train


def test_train_digits_prints_the_summary_and_writes_the_outputs(tmp_path, capsys):
    code, out = _train(tmp_path, "--epochs", "2")
    assert code == 0
    text = capsys.readouterr().out
    for words in ("digits: 1437 train / 360 test", "MLP [64, 128, 10] relu", "accuracy",
                  "per-class report", "precision", "recall", "confusion matrix",
                  "macro avg", "model.safetensors"):
        assert words in text, words
    assert {p.name for p in out.iterdir()} >= {"model.safetensors", "metrics.json",
                                               "checkpoint.safetensors"}
    summary = json.loads((out / "metrics.json").read_text())
    assert summary["task"] == "classification" and summary["n_test"] == 360
    assert [e["epoch"] for e in summary["history"]] == [1, 2]
    assert set(summary["history"][0]) >= {"loss", "accuracy", "val_loss", "val_accuracy",
                                          "seconds"}
    assert np.array(summary["confusion_matrix"]).sum() == 360
    assert len(summary["classification_report"]["classes"]) == 10
    model = cr.load(out / "model.safetensors")
    assert model.get_config()["sizes"] == [64, 128, 10]
    assert isinstance(model.layers[0], cr.nn.Standardize)
    assert model.info.classes == [str(d) for d in range(10)] and model.info.dataset == "digits"
    assert model.info.seed == 0 and model.info.task == "classification"
    assert len(model.info.feature_names) == 64
    # the numbers in metrics.json are those of the saved model
    X_test_acc = summary["final"]["test"]["accuracy"]
    assert X_test_acc == pytest.approx(
        np.trace(np.array(summary["confusion_matrix"])) / 360)


def test_loss_png_is_written_when_matplotlib_is_installed(digits_run):
    pytest.importorskip("matplotlib")
    data = (digits_run / "loss.png").read_bytes()
    assert data.startswith(b"\x89PNG")


def test_quiet_prints_one_line(tmp_path, capsys):
    code, out = _train(tmp_path, "--epochs", "1", "--quiet", "--data", "moons")
    assert code == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and "test accuracy" in lines[0] and str(out) in lines[0]


def test_options_shape_the_model(tmp_path):
    code, out = _train(tmp_path, "--data", "moons", "--hidden", "16,8", "--activation", "tanh",
                       "--epochs", "2", "--batch-size", "50", "--lr", "0.01", "--optimizer",
                       "sgd", "--seed", "3", "--quiet", "--no-standardize")
    assert code == 0
    summary = json.loads((out / "metrics.json").read_text())
    assert summary["model"]["sizes"] == [2, 16, 8, 2]
    assert summary["model"]["activation"] == "tanh"
    assert summary["options"]["optimizer"] == "sgd" and summary["options"]["lr"] == 0.01
    assert summary["history"][0]["lr"] == 0.01
    from chainrule.nn.standardize import input_standardize

    assert input_standardize(cr.load(out / "model.safetensors")) is None


def test_hidden_none_is_a_linear_model(tmp_path):
    code, out = _train(tmp_path, "--data", "moons", "--hidden", "none", "--epochs", "1",
                       "--quiet")
    assert code == 0 and cr.load(out / "model.safetensors").get_config()["sizes"] == [2, 2]


def test_regression_data_reports_r2(tmp_path, capsys):
    code, out = _train(tmp_path, "--data", "sine", "--hidden", "32", "--activation", "tanh",
                       "--epochs", "3")
    assert code == 0
    text = capsys.readouterr().out
    assert "r2" in text and "confusion" not in text
    summary = json.loads((out / "metrics.json").read_text())
    assert summary["task"] == "regression" and "r2" in summary["final"]["test"]


def test_csv_and_npz_files(tmp_path, moons_csv):
    code, out = _train(tmp_path, "--data", str(moons_csv), "--target", "label", "--epochs", "2",
                       "--quiet")
    assert code == 0
    assert cr.load(out / "model.safetensors").info.classes == ["no", "yes"]
    d = moons(n=100, seed=1)
    np.savez(tmp_path / "m.npz", X=d.X, y=d.y)
    code, out = _train(tmp_path, "--data", str(tmp_path / "m.npz"), "--epochs", "1",
                       "--quiet", name="npz")
    assert code == 0 and json.loads((out / "metrics.json").read_text())["n_test"] == 20


def test_mnist1d_uses_its_published_split(tmp_path):
    pytest.importorskip("mnist1d")
    code, out = _train(tmp_path, "--data", "mnist1d", "--epochs", "1", "--quiet")
    summary = json.loads((out / "metrics.json").read_text())
    assert code == 0 and summary["n_train"] == 4000 and summary["n_test"] == 1000
    assert summary["test_split"] == "published"


def test_default_out_is_a_timestamped_runs_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--data", "xor", "--epochs", "1", "--quiet"]) == 0
    runs = list((tmp_path / "runs").iterdir())
    assert len(runs) == 1 and runs[0].name[:8].isdigit()
    assert (runs[0] / "model.safetensors").exists()


def test_resume_continues_bit_for_bit(tmp_path):
    assert _train(tmp_path, "--data", "moons", "--epochs", "2", "--quiet", name="a")[0] == 0
    assert main(["train", "--resume", str(tmp_path / "a"), "--epochs", "4", "--quiet"]) == 0
    assert _train(tmp_path, "--data", "moons", "--epochs", "4", "--quiet", name="b")[0] == 0
    a = cr.load(tmp_path / "a" / "model.safetensors").state_dict()
    b = cr.load(tmp_path / "b" / "model.safetensors").state_dict()
    assert all(np.array_equal(a[k], b[k]) for k in a)
    history = json.loads((tmp_path / "a" / "metrics.json").read_text())["history"]
    assert [e["epoch"] for e in history] == [1, 2, 3, 4]


def test_missing_matplotlib_is_a_note_not_an_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    code, out = _train(tmp_path, "--data", "moons", "--epochs", "1", "--quiet")
    assert code == 0 and not (out / "loss.png").exists()
    err = capsys.readouterr().err
    assert "loss.png skipped" in err and "chainrule[plot]" in err


def test_without_rich_the_tables_are_plain_text(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "rich.console", None)
    assert _train(tmp_path, "--data", "moons", "--epochs", "1")[0] == 0
    text = capsys.readouterr().out
    assert "precision" in text and "true \\ pred" in text and "━" not in text


# ------------------------------------------------------------------ predict / evaluate


def test_predict_writes_csv_with_class_names_and_probabilities(digits_run, tmp_path, capsys):
    model = digits_run / "model.safetensors"
    assert main(["predict", str(model), "digits"]) == 0
    rows = list(csv.reader(capsys.readouterr().out.splitlines()))
    assert rows[0] == ["prediction", *(f"p_{d}" for d in range(10))]
    assert len(rows) == 1 + 1797
    probs = np.array(rows[1:], dtype=float)[:, 1:]
    np.testing.assert_allclose(probs.sum(axis=1), 1, atol=1e-4)
    out = tmp_path / "pred.csv"
    assert main(["predict", str(model), "digits", "--out", str(out)]) == 0
    assert "wrote 1797 predictions" in capsys.readouterr().out
    assert out.read_text().splitlines() == [",".join(r) for r in rows]


def test_predict_and_evaluate_on_csv_files(tmp_path, moons_csv, capsys):
    assert _train(tmp_path, "--data", str(moons_csv), "--target", "label", "--epochs", "5",
                  "--quiet")[0] == 0
    capsys.readouterr()
    model = str(tmp_path / "run" / "model.safetensors")
    features = tmp_path / "features.csv"
    features.write_text("x1,x2\n0.0,0.5\n1.0,-0.5\n")
    assert main(["predict", model, str(features)]) == 0
    rows = list(csv.reader(capsys.readouterr().out.splitlines()))
    assert rows[0] == ["prediction", "p_no", "p_yes"] and len(rows) == 3
    assert {r[0] for r in rows[1:]} <= {"no", "yes"}
    assert main(["predict", model, str(moons_csv), "--target", "label"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 301
    assert main(["evaluate", model, str(moons_csv), "--target", "label"]) == 0
    text = capsys.readouterr().out
    assert "test split it was trained with" in text and "accuracy" in text and "yes" in text


def test_evaluate_reproduces_the_test_numbers_of_train(digits_run, capsys):
    summary = json.loads((digits_run / "metrics.json").read_text())
    assert main(["evaluate", str(digits_run / "model.safetensors"), "digits"]) == 0
    text = capsys.readouterr().out
    assert "360 samples" in text
    assert f"{summary['final']['test']['accuracy']:.4f}" in text
    assert "confusion matrix" in text


def test_evaluate_maps_class_names_of_another_file(tmp_path, moons_csv, capsys):
    assert _train(tmp_path, "--data", str(moons_csv), "--target", "label", "--epochs", "3",
                  "--quiet")[0] == 0
    only_yes = tmp_path / "yes.csv"
    only_yes.write_text("x1,x2,label\n1.0,-0.4,yes\n1.5,-0.3,yes\n")
    capsys.readouterr()
    assert main(["evaluate", str(tmp_path / "run" / "model.safetensors"), str(only_yes),
                 "--target", "label"]) == 0
    assert "2 samples" in capsys.readouterr().out
    other = tmp_path / "other.csv"
    other.write_text("x1,x2,label\n1.0,-0.4,maybe\n1.5,-0.3,yes\n")
    message = _error(capsys, ["evaluate", str(tmp_path / "run" / "model.safetensors"),
                              str(other), "--target", "label"])
    assert "'maybe'" in message


def _write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_a_model_without_a_record_from_torch_predicts_and_evaluates(tmp_path, capsys, torch):
    from chainrule.interop import from_torch

    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    model = from_torch(module)
    assert model.info == cr.nn.TrainingInfo()  # nothing known about its training
    path = cr.save(model, tmp_path / "torch.safetensors")
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 2)), rng.integers(0, 3, 30)
    data = _write_csv(tmp_path / "d.csv", ["x1", "x2", "label"],
                      [[*x, label] for x, label in zip(X, y)])
    features = _write_csv(tmp_path / "f.csv", ["x1", "x2"], X.tolist())
    capsys.readouterr()
    for argv in (["predict", str(path), str(features)],
                 ["predict", str(path), str(data), "--target", "label"]):
        assert main(argv) == 0
        rows = list(csv.reader(capsys.readouterr().out.splitlines()))
        assert rows[0] == ["prediction", "p_0", "p_1", "p_2"] and len(rows) == 31
        with cr.no_grad():
            best = model.eval()(X).data.argmax(1)
        assert [r[0] for r in rows[1:]] == [str(i) for i in best]  # indices: no class names
    assert main(["evaluate", str(path), str(data), "--target", "label"]) == 0
    text = capsys.readouterr().out
    assert "30 samples" in text and "accuracy" in text and "confusion matrix" in text


def test_loaded_model_of_raw_features_equals_chainrule_predict(tmp_path, capsys):
    rng = np.random.default_rng(1)
    X = rng.normal(1000, 50, size=(120, 3))  # unscaled features
    target = (X - 1000) @ np.array([0.02, -0.01, 0.03]) + rng.normal(scale=0.1, size=120)
    train = _write_csv(tmp_path / "train.csv", ["a", "b", "c", "t"],
                       [[*x, t] for x, t in zip(X, target)])
    assert _train(tmp_path, "--data", str(train), "--target", "t", "--epochs", "3",
                  "--quiet")[0] == 0
    path = tmp_path / "run" / "model.safetensors"
    features = _write_csv(tmp_path / "f.csv", ["a", "b", "c"], X[:20].tolist())
    capsys.readouterr()
    assert main(["predict", str(path), str(features)]) == 0
    printed = [r[0] for r in csv.reader(capsys.readouterr().out.splitlines())][1:]
    model = cr.load(path)
    with cr.no_grad():
        direct = model.eval()(np.loadtxt(features, delimiter=",", skiprows=1)).data
    assert printed == [f"{v:.8g}" for v in direct[:, 0]]
    assert direct.tobytes() == cr.predict(model, X[:20]).tobytes()


# ------------------------------------------------------------------ errors: one line, exit 2


@pytest.mark.parametrize("argv, words", [
    (["train", "--data", "nope"], "unknown data set 'nope'"),
    (["train", "--data", "missing.csv"], "not found"),
    (["train", "--hidden", "12,x"], "--hidden"),
    (["train", "--hidden", "-3"], "--hidden"),
    (["train", "--epochs", "-1"], "--epochs"),
    (["train", "--epochs", "two"], "--epochs"),
    (["train", "--batch-size", "0"], "--batch-size"),
    (["train", "--lr", "0"], "--lr"),
    (["train", "--lr", "abc"], "--lr"),
    (["train", "--lr", "nan"], "--lr"),
    (["train", "--seed", "-1"], "--seed"),
    (["train", "--activation", "swish"], "--activation"),
    (["train", "--optimizer", "adagrad"], "--optimizer"),
    (["train", "--data", "moons", "--target", "y"], "target"),
    (["train", "--resume", "no_such_dir"], "no such folder"),
    (["train", "--bogus"], "unrecognized"),
    (["predict", "no_model.safetensors", "digits"], "not found"),
    (["evaluate", "no_model.safetensors", "digits"], "not found"),
    (["predict"], "required"),
])
def test_user_errors_are_one_line_with_exit_2(tmp_path, monkeypatch, capsys, argv, words):
    monkeypatch.chdir(tmp_path)
    assert words in _error(capsys, argv)


def test_bad_data_file_is_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,c\n1,2,3\n4,oops,6\n")
    message = _error(capsys, ["train", "--data", str(bad), "--out", str(tmp_path / "o")])
    assert "line 3" in message and "oops" in message


def test_bad_model_files_are_one_line(tmp_path, capsys, digits_run):
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes((digits_run / "model.safetensors").read_bytes()[:500])
    assert "truncated" in _error(capsys, ["predict", str(broken), "digits"])
    text = tmp_path / "notes.safetensors"
    text.write_text("just some text, not a model\n")
    assert "not a safetensors file" in _error(capsys, ["evaluate", str(text), "digits"])


def test_wrong_data_for_the_model_is_one_line(capsys, digits_run):
    message = _error(capsys, ["predict", str(digits_run / "model.safetensors"), "moons"])
    assert "expects 64 input features, found 2" in message
    message = _error(capsys, ["evaluate", str(digits_run / "model.safetensors"), "sine"])
    assert "the model does classification but sine is a regression data set" in message


def test_resume_may_not_change_the_run(tmp_path, capsys):
    assert _train(tmp_path, "--data", "xor", "--epochs", "1", "--quiet")[0] == 0
    message = _error(capsys, ["train", "--resume", str(tmp_path / "run"), "--lr", "0.5"])
    assert "--lr was 0.001" in message
    # repeating an option with its value is fine
    assert main(["train", "--resume", str(tmp_path / "run"), "--data", "xor", "--lr", "0.001",
                 "--epochs", "2", "--quiet"]) == 0
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no checkpoint.safetensors" in _error(capsys, ["train", "--resume", str(empty)])


def test_unwritable_output_folder_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    message = _error(capsys, ["train", "--data", "xor", "--out", str(blocker / "sub")])
    assert "output folder" in message


def test_missing_extras_are_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)  # as if scikit-learn were not installed
    message = _error(capsys, ["train", "--out", str(tmp_path / "a")])
    assert "chainrule[data]" in message
    monkeypatch.undo()
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    message = _error(capsys, ["train", "--data", "xor", "--epochs", "1",
                              "--out", str(tmp_path / "b")])
    assert "chainrule[io]" in message


def test_real_subprocess_run_and_error(tmp_path):
    exe = [sys.executable, "-m", "chainrule"]
    ok = subprocess.run([*exe, "train", "--data", "moons", "--epochs", "2", "--quiet",
                         "--out", str(tmp_path / "r")], capture_output=True, text=True,
                        timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert "test accuracy" in ok.stdout and ok.stderr == ""  # no progress bar into a pipe
    bad = subprocess.run([*exe, "train", "--data", "nope"], capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.count("\n") == 1 and "unknown data set" in bad.stderr
