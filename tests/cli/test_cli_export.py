"""`chainrule export MODEL --format onnx|torch --out FILE`: works, or fails in one line."""

import subprocess
import sys

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.cli import main

pytest.importorskip("safetensors")


@pytest.fixture
def model_file(tmp_path):
    X = np.random.default_rng(0).standard_normal((40, 4)) * 5 + 10
    model = nn.MLP([4, 8, 3], activation="tanh", seed=0, standardize=True)
    model.layers.standardize.load_state_dict(nn.Standardize.from_data(X).state_dict())
    model.info = nn.TrainingInfo(task="classification", classes=["a", "b", "c"])
    path = cr.save(model, tmp_path / "model.safetensors")
    return path, X


def _one_error_line(capsys, *words):
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("chainrule: error: ")
    for word in words:
        assert word in err
    return err


def test_export_onnx_takes_raw_inputs_like_predict(model_file, capsys):
    ort = pytest.importorskip("onnxruntime")
    from chainrule.training.predict import outputs

    path, X = model_file
    out = path.parent / "exported.onnx"
    assert main(["export", str(path), "--format", "onnx", "--out", str(out)]) == 0
    assert f"wrote {out} (ONNX opset 17: Linear -> Tanh -> Linear)" in capsys.readouterr().out
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    got = session.run(None, {"input": X.astype(np.float32)})[0]
    np.testing.assert_allclose(got, outputs(cr.load(path), X), atol=1e-5)


def test_export_torch_with_check_and_defaults(model_file, capsys):
    pytest.importorskip("torch")
    path, _ = model_file
    assert main(["export", str(path), "--format", "torch", "--check"]) == 0
    out = capsys.readouterr().out
    default = path.parent / "model.torch.safetensors"
    assert default.exists() and f"wrote {default}" in out
    assert "check: outputs match chainrule" in out


def test_format_follows_the_out_suffix(model_file, capsys):
    pytest.importorskip("onnx")
    path, _ = model_file
    out = path.parent / "x.onnx"
    assert main(["export", str(path), "--out", str(out), "--opset", "20", "--check"]) == 0
    assert "ONNX opset 20" in capsys.readouterr().out
    import onnx

    assert onnx.load(str(out)).opset_import[0].version == 20


@pytest.mark.parametrize("argv, words", [
    (["--format", "tf"], ["invalid choice: 'tf'"]),
    ([], ["--format onnx or --format torch"]),
    (["--format", "torch", "--opset", "17"], ["--opset applies to --format onnx only"]),
    (["--format", "onnx", "--opset", "5"], ["opset must be an integer from 13"]),
])
def test_bad_options_are_one_line_and_exit_2(model_file, capsys, argv, words):
    path, _ = model_file
    assert main(["export", str(path), *argv]) == 2
    _one_error_line(capsys, *words)


def test_bad_model_files_are_one_line_and_exit_2(tmp_path, capsys, model_file):
    assert main(["export", str(tmp_path / "nope.safetensors"), "--format", "onnx"]) == 2
    _one_error_line(capsys, "model file not found")
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"not a model at all")
    assert main(["export", str(junk), "--format", "onnx"]) == 2
    _one_error_line(capsys, str(junk))
    path, _ = model_file
    assert main(["export", str(path), "--out", str(path), "--format", "torch"]) == 2
    _one_error_line(capsys, "is the model file itself")
    assert main(["export", str(path), "--format", "onnx",
                 "--out", str(tmp_path / "no" / "dir" / "m.onnx")]) == 2
    _one_error_line(capsys, "cannot write ONNX file")


def test_missing_extra_is_one_line(model_file, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    path, _ = model_file
    assert main(["export", str(path), "--format", "onnx"]) == 2
    _one_error_line(capsys, "chainrule[onnx]")


def test_real_process(model_file):
    pytest.importorskip("onnx")
    path, _ = model_file
    out = path.parent / "p.onnx"
    ok = subprocess.run([sys.executable, "-m", "chainrule", "export", str(path), "--out",
                         str(out)], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert out.exists() and "wrote" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "chainrule", "export", str(path) + ".missing",
                          "--format", "onnx"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2
    assert bad.stderr.startswith("chainrule: error: ") and bad.stderr.count("\n") == 1
    assert "Traceback" not in bad.stderr
