"""Model files and atomic writes: round trips, and a clear ModelFileError for every bad file."""

import json
import os
import stat
import struct
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.data import Standardizer
from chainrule.errors import ChainruleError, ConfigError, MissingExtraError, ModelFileError
from chainrule.io import atomic_write
from chainrule.io.container import checksum
from chainrule.training import predict

st = pytest.importorskip("safetensors.numpy")


def _model(seed=0, dropout=0.0):
    return nn.MLP([3, 5, 4, 2], activation="tanh", dropout=dropout, seed=seed)


def _saved(tmp_path, **kw):
    model = _model()
    path = tmp_path / "m.safetensors"
    cr.save(model, path, **kw)
    return model, path


def _rewrite(path, edit_meta=None, edit_tensors=None, fix_checksum=True):
    """Re-pack a model file with edited metadata/tensors (checksum kept valid if asked)."""
    from safetensors import safe_open

    with safe_open(str(path), "np") as f:
        meta = dict(f.metadata())
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    if edit_tensors:
        edit_tensors(tensors)
    if edit_meta:
        edit_meta(meta)
    if fix_checksum:
        meta["sha256"] = checksum(tensors)
    path.write_bytes(st.save(tensors, metadata=meta))


# ------------------------------------------------------------------ atomic writes


def test_atomic_write_writes_bytes_and_text_and_replaces(tmp_path):
    p = tmp_path / "f.bin"
    atomic_write(p, b"\x00\x01")
    assert p.read_bytes() == b"\x00\x01"
    atomic_write(p, "héllo")
    assert p.read_text(encoding="utf-8") == "héllo"
    assert [f.name for f in tmp_path.iterdir()] == ["f.bin"]  # no temporary file left


def test_atomic_write_failure_keeps_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
    p = tmp_path / "f.txt"
    p.write_text("old")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        atomic_write(p, "new")
    assert p.read_text() == "old"
    assert [f.name for f in tmp_path.iterdir()] == ["f.txt"]


def test_atomic_write_gives_the_usual_file_mode(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write(tmp_path / "f", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "f").stat().st_mode) == 0o644


def test_atomic_write_into_missing_folder_raises_oserror(tmp_path):
    with pytest.raises(OSError):
        atomic_write(tmp_path / "nope" / "f", b"x")


# ------------------------------------------------------------------ round trip


def _standardize(model, X):
    from chainrule.nn.standardize import attach

    attach(model, nn.Standardize.from_data(X))
    return model


def test_save_load_round_trip_is_bit_exact(tmp_path):
    model = _model(seed=4, dropout=0.25)
    X_fit = np.random.default_rng(0).normal(3, 2, size=(50, 3))
    std = Standardizer().fit(X_fit)
    _standardize(model, X_fit)
    model.info = nn.TrainingInfo(task="classification", classes=["no", "yes"])
    path = tmp_path / "m.safetensors"
    returned = cr.save(model, path, metadata={"note": "hi", "epochs": 3})
    assert Path(returned) == path
    loaded = cr.load(path)
    assert type(loaded) is nn.MLP
    assert loaded.get_config() == model.get_config()
    for (k, a), (k2, b) in zip(model.state_dict().items(), loaded.state_dict().items()):
        assert k == k2 and a.dtype == b.dtype and np.array_equal(a, b)
    assert loaded.info.classes == ["no", "yes"] and loaded.info.task == "classification"
    assert loaded.info.metadata == {"note": "hi", "epochs": 3}
    assert model.info.metadata == {}  # save's metadata= goes to the file, not the model
    np.testing.assert_array_equal(loaded.layers.standardize.mean, std.mean_)
    np.testing.assert_array_equal(loaded.layers.standardize.scale, std.scale_)
    X = np.random.default_rng(1).normal(3, 2, size=(20, 3))
    np.testing.assert_array_equal(predict(loaded, X), predict(model, X))
    assert set(predict(loaded, X)) <= {"no", "yes"}


def test_save_takes_the_record_and_the_standardize_layer_from_the_model(tmp_path):
    model = _model()
    model.info = nn.TrainingInfo(task="classification", classes=["a", "b"], dataset="toy",
                                 seed=7, feature_names=["u", "v", "w"],
                                 metadata={"epochs": 2})
    _standardize(model, np.arange(12.0).reshape(4, 3))
    cr.save(model, tmp_path / "m.safetensors")
    loaded = cr.load(tmp_path / "m.safetensors")
    assert loaded.info == model.info
    assert isinstance(loaded.layers[0], nn.Standardize)


def test_file_is_plain_safetensors_named_by_state_dict_with_json_header(tmp_path):
    model, path = _saved(tmp_path)
    tensors = st.load_file(str(path))  # any safetensors reader can open it
    assert set(tensors) == set(model.state_dict())
    from safetensors import safe_open

    with safe_open(str(path), "np") as f:
        meta = f.metadata()
    assert meta["format"] == "chainrule-model" and meta["version"] == "2"
    assert json.loads(meta["config"]) == model.get_config()
    # version 2: the architecture and one training record, nothing else beside the checksum
    assert set(meta) == {"format", "version", "sha256", "config", "info"}
    assert json.loads(meta["info"]) == nn.TrainingInfo().to_dict()


def test_the_standardize_statistics_are_tensors_of_the_file(tmp_path):
    model = _standardize(_model(), np.random.default_rng(0).normal(1000, 50, size=(30, 3)))
    cr.save(model, tmp_path / "m.safetensors")
    tensors = st.load_file(str(tmp_path / "m.safetensors"))
    assert tensors["layers.standardize.mean"].dtype == np.float64
    np.testing.assert_array_equal(tensors["layers.standardize.scale"], model.layers[0].scale)


def test_standardize_statistics_from_a_file_are_checked(tmp_path):
    model = _standardize(_model(), np.random.default_rng(0).normal(3, 2, size=(30, 3)))
    path = cr.save(model, tmp_path / "m.safetensors")
    _rewrite(path, edit_tensors=lambda t: t.update({"layers.standardize.scale": np.zeros(3)}))
    message = _err(path)
    assert "corrupted statistics of the Standardize layer 'layers.standardize'" in message
    assert "positive" in message


def test_loaded_model_without_standardizer_has_none(tmp_path):
    from chainrule.nn.standardize import input_standardize

    _, path = _saved(tmp_path)
    assert input_standardize(cr.load(path)) is None


def test_a_bad_training_record_says_corrupted(tmp_path):
    _, path = _saved(tmp_path)
    _rewrite(path, edit_meta=lambda m: m.update(info=json.dumps({"task": "colour"})))
    message = _err(path)
    assert "corrupted training record" in message and "'colour'" in message
    _, path = _saved(tmp_path)
    _rewrite(path, edit_meta=lambda m: m.update(info=json.dumps({"owner": "me"})))
    assert "unknown training-record field 'owner'" in _err(path)
    _, path = _saved(tmp_path)
    _rewrite(path, edit_meta=lambda m: m.pop("info"))
    assert "no 'info'" in _err(path)


def test_save_without_get_config_is_a_config_error(tmp_path):
    class Bare(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 2, seed=0)

        def forward(self, x):
            return self.lin(x)

    with pytest.raises(ConfigError, match="get_config"):
        cr.save(Bare(), tmp_path / "m.safetensors")
    assert not (tmp_path / "m.safetensors").exists()


def test_save_with_non_json_metadata_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="JSON"):
        cr.save(_model(), tmp_path / "m.safetensors", metadata={"f": object()})


def test_save_into_missing_folder_is_a_model_file_error(tmp_path):
    with pytest.raises(ModelFileError, match="cannot write"):
        cr.save(_model(), tmp_path / "missing" / "m.safetensors")


def test_interrupted_save_keeps_the_previous_file(tmp_path, monkeypatch):
    model, path = _saved(tmp_path)
    before = path.read_bytes()

    def boom(src, dst):
        raise OSError("killed")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(ModelFileError):
        cr.save(_model(seed=9), path)
    assert path.read_bytes() == before
    monkeypatch.undo()
    cr.load(path)


# ------------------------------------------------------------------ bad files


def _err(path) -> str:
    with pytest.raises(ModelFileError) as info:
        cr.load(path)
    assert isinstance(info.value, ChainruleError)
    return str(info.value)


def test_missing_file_and_folder(tmp_path):
    assert "not found" in _err(tmp_path / "nope.safetensors")
    assert "folder" in _err(tmp_path)


@pytest.mark.parametrize("keep", [0, 5, 8, 20, "header", "data"])
def test_truncated_files_say_truncated(tmp_path, keep):
    _, path = _saved(tmp_path)
    data = path.read_bytes()
    n = struct.unpack("<Q", data[:8])[0]
    cut = {"header": 8 + n // 2, "data": 8 + n + 10}.get(keep, keep)
    path.write_bytes(data[:cut])
    message = _err(path)
    assert "truncated" in message


@pytest.mark.parametrize("content", [b"hello, this is a text file\n",
                                     b"\x89PNG\r\n\x1a\n" + bytes(64),
                                     b"PK\x03\x04" + bytes(100)])
def test_other_formats_say_not_a_safetensors_file(tmp_path, content):
    path = tmp_path / "m.safetensors"
    path.write_bytes(content)
    assert "not a safetensors file" in _err(path)


def test_flipped_byte_in_the_weights_is_detected(tmp_path):
    _, path = _saved(tmp_path)
    data = bytearray(path.read_bytes())
    data[-3] ^= 0x40
    path.write_bytes(bytes(data))
    message = _err(path)
    assert "corrupted" in message and "checksum" in message


def test_broken_header_json_says_corrupted(tmp_path):
    _, path = _saved(tmp_path)
    data = bytearray(path.read_bytes())
    data[9:12] = b"@@@"  # inside the JSON header
    path.write_bytes(bytes(data))
    assert "corrupted" in _err(path)


def test_plain_safetensors_file_is_not_a_chainrule_model(tmp_path):
    path = tmp_path / "w.safetensors"
    st.save_file({"w": np.zeros(3, np.float32)}, str(path))
    assert "not a chainrule model file" in _err(path)


def test_newer_version_is_named(tmp_path):
    _, path = _saved(tmp_path)
    _rewrite(path, edit_meta=lambda m: m.update(version="7"))
    message = _err(path)
    assert "newer version" in message and "7" in message


def test_wrong_format_names_what_it_is(tmp_path):
    _, path = _saved(tmp_path)
    _rewrite(path, edit_meta=lambda m: m.update(format="something-else"))
    assert "something-else" in _err(path)


def test_checkpoint_given_to_load_is_named(tmp_path):
    from chainrule.training import save_checkpoint

    path = tmp_path / "ck.safetensors"
    save_checkpoint(path, {"epoch": 1, "w": np.zeros(2)})
    assert "training checkpoint" in _err(path)


def test_missing_and_unexpected_and_misshapen_tensors(tmp_path):
    _, path = _saved(tmp_path)
    _rewrite(path, edit_tensors=lambda t: t.pop("layers.0.bias"))
    assert "missing tensor 'layers.0.bias'" in _err(path)

    _, path = _saved(tmp_path)
    _rewrite(path, edit_tensors=lambda t: t.update(extra=np.zeros(2, np.float32)))
    assert "unexpected tensor 'extra'" in _err(path)

    _, path = _saved(tmp_path)
    _rewrite(path, edit_tensors=lambda t: t.update({"layers.0.weight": np.zeros((5, 4),
                                                                               np.float32)}))
    message = _err(path)
    assert "layers.0.weight" in message and "(5, 4)" in message and "(5, 3)" in message


def test_unknown_architecture_is_never_executed(tmp_path):
    _, path = _saved(tmp_path)
    evil = {"type": "os.system", "command": "echo pwned"}
    _rewrite(path, edit_meta=lambda m: m.update(config=json.dumps(evil)))
    assert "cannot be rebuilt" in _err(path)


def test_non_json_config_says_corrupted(tmp_path):
    _, path = _saved(tmp_path)
    _rewrite(path, edit_meta=lambda m: m.update(config="{not json"))
    assert "corrupted" in _err(path) and "config" in _err(path)


def test_missing_safetensors_is_a_missing_extra_error(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(MissingExtraError, match=r"chainrule\[io\]"):
        cr.save(_model(), tmp_path / "m.safetensors")


def test_io_and_training_never_use_pickle():
    import chainrule.io
    import chainrule.training

    for package in (chainrule.io, chainrule.training):
        for f in Path(package.__file__).parent.glob("*.py"):
            text = f.read_text()
            assert "import pickle" not in text and "allow_pickle=True" not in text, f
