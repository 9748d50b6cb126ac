"""fit, Trainer, callbacks, metrics, checkpoints, resume, divergence, progress, inference."""

import io
import math
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import chainrule as cr
import chainrule.functional as F
from chainrule import nn, optim
from chainrule.data import ArrayDataset, DataLoader, moons, sine
from chainrule.errors import (
    ChainruleError,
    ConfigError,
    DataError,
    ModelFileError,
    TrainingDivergedError,
)
from chainrule.training import (
    Callback,
    EarlyStopping,
    History,
    LambdaCallback,
    ModelCheckpoint,
    ProgressBar,
    SchedulerCallback,
    Trainer,
    evaluate,
    fit,
    load_checkpoint,
    metrics,
    model_from_checkpoint,
    predict,
    predict_proba,
)
from chainrule.training.predict import outputs

MOONS = moons(n=200, noise=0.2, seed=0)


def _weights(model):
    return {k: v.copy() for k, v in model.state_dict().items()}


def _same(a, b):
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def _mlp(seed=0, **kw):
    return nn.MLP([2, 8, 2], seed=seed, **kw)


# ------------------------------------------------------------------ fit and History


def test_fit_returns_history_with_per_epoch_numbers():
    model = _mlp()
    h = fit(model, (MOONS.X, MOONS.y), epochs=4, batch_size=16, lr=0.01,
            validation=(MOONS.X[:50], MOONS.y[:50]), quiet=True)
    assert isinstance(h, History) and len(h) == 4
    assert h["epoch"] == [1, 2, 3, 4]
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "seconds", "lr",
                "samples_per_second"):
        assert len(h[key]) == 4 and all(isinstance(v, float) for v in h[key]), key
    assert h["loss"][-1] < h["loss"][0]
    assert all(s > 0 for s in h["seconds"])
    assert h.epochs[-1] is h.last and h[0]["epoch"] == 1
    assert h.best("val_accuracy")["val_accuracy"] == max(h["val_accuracy"])
    assert h.best("loss")["loss"] == min(h["loss"])
    with pytest.raises(KeyError, match="no 'nope'"):
        h["nope"]
    assert History.from_dict(h.to_dict()).epochs == h.epochs


def test_validation_numbers_equal_evaluate_on_the_final_weights():
    model = _mlp()
    val = (MOONS.X[:60], MOONS.y[:60])
    h = fit(model, MOONS, epochs=3, batch_size=32, lr=0.01, validation=val, quiet=True)
    e = evaluate(model, *val)
    assert h["val_loss"][-1] == pytest.approx(e["loss"], rel=1e-6)
    assert h["val_accuracy"][-1] == e["accuracy"]
    out = model(cr.tensor(val[0].astype(np.float32))).data
    assert e["accuracy"] == metrics.accuracy(val[1], out)
    assert e["loss"] == pytest.approx(float(F.cross_entropy(out, val[1]).data), rel=1e-6)


def test_the_loop_is_forward_loss_backward_step_zero_grad_exactly():
    """fit's weights equal a hand-written loop's, bit for bit, over the same batches."""
    X, y = MOONS.X.astype(np.float32), MOONS.y
    model = _mlp(seed=3)
    fit(model, (X, y), epochs=3, batch_size=16, lr=0.01, seed=5, quiet=True)

    ref = _mlp(seed=3)
    opt = optim.Adam(ref.parameters(), lr=0.01)
    loader = DataLoader((X, y), batch_size=16, shuffle=True, seed=5)
    for epoch in range(3):
        loader.set_epoch(epoch)
        for xb, yb in loader:
            loss = F.cross_entropy(ref(cr.Tensor(xb)), yb)
            loss.backward()
            opt.step()
            opt.zero_grad()
    assert _same(_weights(model), _weights(ref))


def test_callback_hooks_see_gradients_before_the_step_and_none_after():
    seen = []

    class Spy(Callback):
        def on_train_begin(self, t):
            seen.append("train_begin")

        def on_epoch_begin(self, t):
            seen.append(f"epoch_begin {t.epoch}")

        def on_after_backward(self, t):
            p = t.model.parameters()[0]
            assert p.grad is not None and p.grad.shape == p.shape
            self.before = p.data.copy()
            seen.append("after_backward")

        def on_batch_end(self, t):
            p = t.model.parameters()[0]
            assert p.grad is None  # zero_grad ran
            assert not np.array_equal(p.data, self.before)  # the step ran
            seen.append(f"batch_end {t.step}")

        def on_epoch_end(self, t):
            assert t.logs is t.history.last
            seen.append(f"epoch_end {t.epoch}")

        def on_train_end(self, t):
            seen.append("train_end")

    fit(_mlp(), (MOONS.X[:40], MOONS.y[:40]), epochs=2, batch_size=20, callbacks=[Spy()],
        quiet=True)
    assert seen == ["train_begin", "epoch_begin 1", "after_backward", "batch_end 1",
                    "after_backward", "batch_end 2", "epoch_end 1", "epoch_begin 2",
                    "after_backward", "batch_end 3", "after_backward", "batch_end 4",
                    "epoch_end 2", "train_end"]


def test_stop_training_from_a_callback_stops_after_the_epoch():
    stopper = LambdaCallback(on_epoch_end=lambda t: setattr(t, "stop_training", t.epoch == 2))
    h = fit(_mlp(), MOONS, epochs=10, callbacks=[stopper], quiet=True)
    assert len(h) == 2


def test_same_seed_same_weights_other_seed_other_weights():
    def run(seed):
        model = _mlp(seed=1, dropout=0.2)
        fit(model, MOONS, epochs=2, batch_size=16, seed=seed, quiet=True)
        return _weights(model)

    assert _same(run(7), run(7))
    assert not _same(run(7), run(8))


def test_tuple_dataset_record_arraydataset_and_dataloader_train_identically():
    X, y = MOONS.X, MOONS.y
    inputs = [(X, y), MOONS, ArrayDataset(X, y),
              DataLoader((X, y), batch_size=16, shuffle=True, seed=4)]
    results = []
    for data in inputs:
        model = _mlp(seed=2)
        fit(model, data, epochs=2, batch_size=16, seed=4, quiet=True)
        results.append(_weights(model))
    assert all(_same(results[0], r) for r in results[1:])


def test_dataset_record_gives_the_model_its_classes():
    model = _mlp()
    fit(model, MOONS, epochs=1, quiet=True)
    assert model.info.classes == ["0", "1"] and model.info.task == "classification"
    assert model.info.feature_names == ["x1", "x2"] and model.info.dataset == "moons"
    assert set(predict(model, MOONS.X)) <= {"0", "1"}  # predict answers with class names
    plain = _mlp()
    fit(plain, (MOONS.X, MOONS.y), epochs=1, quiet=True)  # arrays: no names to learn
    assert plain.info.classes is None and plain.info.task == "classification"
    assert predict(plain, MOONS.X).dtype == np.int64


def test_evaluate_takes_labels_as_indices_or_class_names():
    model = _mlp()
    fit(model, MOONS, epochs=2, quiet=True)
    names = np.asarray(MOONS.classes)[MOONS.y]
    assert evaluate(model, MOONS.X, names) == evaluate(model, MOONS.X, MOONS.y)
    assert evaluate(model, MOONS.X, predict(model, MOONS.X))["accuracy"] == 1.0
    with pytest.raises(DataError, match="label 'dog' is not one of the model's classes"):
        evaluate(model, MOONS.X[:2], ["0", "dog"])
    with pytest.raises(DataError, match="scores 2 classes but the targets hold label 5"):
        evaluate(model, MOONS.X[:2], [0, 5])
    model.info.classes = ["a", "b", "c"]
    with pytest.raises(ConfigError, match="names 3 classes .* but the model scores 2"):
        predict(model, MOONS.X)


def test_regression_with_mse_and_r2():
    data = sine(n=200, seed=0)
    model = nn.MLP([1, 32, 32, 1], activation="tanh", seed=0)
    h = fit(model, data, loss="mse", epochs=150, batch_size=32, lr=0.01,
            metrics=("mse", "r2", "mae"), quiet=True, validation=(data.X, data.y))
    assert model.info.task == "regression"
    assert h["val_r2"][-1] > 0.98
    pred = predict(model, data.X)
    assert pred.shape == (200, 1)
    assert h["val_r2"][-1] == pytest.approx(metrics.r2(data.y, pred), abs=1e-6)
    assert h["val_mse"][-1] == pytest.approx(metrics.mse(data.y, pred), rel=1e-5)
    assert h["val_mae"][-1] == pytest.approx(metrics.mae(data.y, pred), rel=1e-5)
    e = evaluate(model, data.X, data.y)
    assert set(e) == {"loss", "r2"} and e["loss"] == pytest.approx(h["val_mse"][-1], rel=1e-5)


def test_regression_default_metric_is_r2_and_1d_targets_are_accepted():
    X = np.linspace(-1, 1, 64).reshape(-1, 1)
    h = fit(nn.MLP([1, 8, 1], seed=0), (X, 2 * X[:, 0]), loss="mse", epochs=2, quiet=True)
    assert "r2" in h and "accuracy" not in h


def test_binary_cross_entropy_with_one_logit():
    model = nn.MLP([2, 16, 1], seed=0)
    h = fit(model, MOONS, loss="bce", epochs=60, batch_size=32, lr=0.01, quiet=True)
    assert model.info.task == "binary"
    assert h["accuracy"][-1] > 0.85
    labels = predict(model, MOONS.X)  # the class names of MOONS, "0" and "1"
    assert set(np.unique(labels)) <= {"0", "1"}
    names = np.asarray(MOONS.classes)
    proba = predict_proba(model, MOONS.X)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_array_equal(names[proba.argmax(axis=1)], labels)
    indices = (labels == "1").astype(np.int64)
    assert evaluate(model, MOONS.X, MOONS.y)["accuracy"] == metrics.accuracy(MOONS.y, indices)


def test_loss_module_and_custom_function_are_accepted():
    a, b, c = _mlp(seed=1), _mlp(seed=1), _mlp(seed=1)
    fit(a, MOONS, loss="cross_entropy", epochs=1, quiet=True)
    fit(b, MOONS, loss=nn.CrossEntropyLoss(), epochs=1, quiet=True)
    fit(c, MOONS, loss=lambda out, y: F.cross_entropy(out, y), epochs=1, quiet=True)
    assert _same(_weights(a), _weights(b)) and _same(_weights(a), _weights(c))


def test_custom_metric_function_is_batch_weighted():
    def zero_one(out, y):
        return float(np.mean(out.argmax(1) != y))

    h = fit(_mlp(), MOONS, metrics=("accuracy", zero_one), epochs=2, quiet=True,
            validation=MOONS)
    assert h["val_zero_one"][-1] == pytest.approx(1 - h["val_accuracy"][-1])


def test_optimizer_instance_and_names():
    model = _mlp()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    h = fit(model, MOONS, optimizer=opt, epochs=3, quiet=True)
    assert h["lr"] == [0.1] * 3
    for name in ("adam", "adamw", "sgd", "rmsprop", "SGD"):
        assert fit(_mlp(), MOONS, optimizer=name, lr=0.01, epochs=1, quiet=True)["lr"] == [0.01]


def test_scheduler_callback_changes_the_learning_rate():
    model = _mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    sched = optim.StepLR(opt, step_size=2, gamma=0.5)
    h = fit(model, MOONS, optimizer=opt, epochs=5, quiet=True,
            callbacks=[SchedulerCallback(sched)])
    assert h["lr"] == [0.1, 0.1, 0.05, 0.05, 0.025]


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(loss="hinge"), ConfigError, "unknown loss"),
    (dict(optimizer="adagrad"), ConfigError, "unknown optimizer"),
    (dict(lr=-1.0), ConfigError, "lr must be a positive"),
    (dict(lr=float("nan")), ConfigError, "lr must be a positive"),
    (dict(epochs=-1), ConfigError, "epochs"),
    (dict(epochs=2.5), ConfigError, "epochs"),
    (dict(batch_size=0), ConfigError, "batch_size"),
    (dict(metrics=("f2",)), ConfigError, "unknown metric"),
    (dict(metrics=("r2",)), ConfigError, "regression"),
    (dict(callbacks=[print]), ConfigError, "Callback"),
])
def test_bad_arguments_raise_clear_errors(kwargs, error, words):
    with pytest.raises(error, match=words):
        fit(_mlp(), MOONS, quiet=True, **kwargs)


def test_lr_with_an_optimizer_instance_is_refused():
    model = _mlp()
    with pytest.raises(ConfigError, match="lr= applies"):
        fit(model, MOONS, optimizer=optim.SGD(model.parameters(), lr=0.1), lr=0.5, quiet=True)


def test_accuracy_metric_on_regression_is_refused():
    with pytest.raises(ConfigError, match="regression"):
        fit(nn.MLP([1, 4, 1], seed=0), sine(n=20), loss="mse", metrics=("accuracy",),
            quiet=True)


def test_data_errors_are_clear():
    with pytest.raises(DataError, match="3 classes|label 2"):
        fit(_mlp(), (MOONS.X, MOONS.y * 2), epochs=1, quiet=True)  # labels 0 and 2, 2 outputs
    with pytest.raises(DataError, match="shape"):
        fit(nn.MLP([2, 4, 3], seed=0), (MOONS.X, MOONS.y.astype(float)), loss="mse",
            epochs=1, quiet=True)
    bad = MOONS.X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(DataError, match="NaN"):
        fit(_mlp(), (bad, MOONS.y), quiet=True)
    with pytest.raises(DataError, match="samples but"):
        fit(_mlp(), (MOONS.X, MOONS.y[:-1]), quiet=True)
    with pytest.raises(DataError, match="features"):
        fit(_mlp(), MOONS, validation=(np.zeros((3, 5)), np.zeros(3, int)), quiet=True)


# ------------------------------------------------------------------ standardizer


def test_standardize_keeps_the_scaling_on_the_model_and_predict_takes_raw_data(tmp_path):
    from chainrule.data import Standardizer

    X = MOONS.X * 100 + 5000  # badly scaled inputs
    model = _mlp(seed=0)
    fit(model, (X, MOONS.y), epochs=20, lr=0.01, standardize=True, quiet=True)
    std = model.layers[0]  # the scaling is the model's first layer
    assert isinstance(std, nn.Standardize)
    np.testing.assert_allclose(std.mean, X.mean(axis=0))
    assert evaluate(model, X, MOONS.y)["accuracy"] > 0.8
    # predict standardizes the raw data itself: same as applying the scaling by hand
    bare = model.layers[1:]  # the network without its Standardize
    scaled = Standardizer().fit(X).transform(X).astype(np.float32)
    manual = bare(cr.tensor(scaled)).data.argmax(1)
    np.testing.assert_array_equal(predict(model, X), manual)
    cr.save(model, tmp_path / "m.safetensors")
    np.testing.assert_array_equal(predict(cr.load(tmp_path / "m.safetensors"), X), manual)


def test_model_of_raw_inputs_is_predict_bit_for_bit():
    X = np.random.default_rng(0).normal(1000, 50, size=(80, 2))
    y = (X[:, 0] > 1000).astype(np.int64)
    for dtype in ("float32", "float64"):
        model = nn.MLP([2, 8, 2], seed=0, dtype=dtype)
        fit(model, (X, y), epochs=3, lr=0.01, standardize=True, quiet=True)
        with cr.no_grad():
            raw = model.eval()(X).data
        assert raw.dtype == np.dtype(dtype)
        assert raw.tobytes() == outputs(model, X).tobytes()
        np.testing.assert_array_equal(predict(model, X), raw.argmax(1))


def test_standardize_trains_exactly_as_scaling_the_data_first():
    """The Standardize layer computes what fit did before it existed: scale the training data
    in float64 once, cast it to float32, train the network on it. The weights are the same."""
    from chainrule.data import Standardizer

    X, y = MOONS.X * 100 + 5000, MOONS.y
    model = _mlp(seed=3)
    fit(model, (X, y), epochs=3, batch_size=16, lr=0.01, seed=5, standardize=True, quiet=True)
    ref = _mlp(seed=3)
    Xs = np.ascontiguousarray(Standardizer().fit(X).transform(X), dtype=np.float32)
    fit(ref, (Xs, y), epochs=3, batch_size=16, lr=0.01, seed=5, quiet=True)
    assert _same({k: v for k, v in _weights(model).items() if "standardize" not in k},
                 _weights(ref))


def test_standardize_is_fitted_on_the_training_data_only_and_goes_first_in_a_sequential():
    X, y = MOONS.X * 10 + 3, MOONS.y
    model = nn.Sequential(nn.Linear(2, 8, seed=0), nn.ReLU(), nn.Linear(8, 2, seed=1))
    fit(model, (X[:100], y[:100]), validation=(X[100:] * 7, y[100:]), epochs=1,
        standardize=True, quiet=True)
    assert [n for n, _ in model.named_children()] == ["standardize", "0", "1", "2"]
    np.testing.assert_array_equal(model[0].mean, X[:100].mean(axis=0))
    assert list(model.state_dict())[2:] == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_standardize_on_another_module_says_how_to_add_it():
    class Custom(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 2, seed=0)

        def forward(self, x):
            return self.lin(x)

    with pytest.raises(ConfigError, match="Standardize.from_data"):
        fit(Custom(), MOONS, standardize=True, quiet=True)


def test_predict_checks_the_number_of_features():
    model = _mlp()
    with pytest.raises(cr.ShapeError, match="expects 2 input features, found 3"):
        predict(model, np.zeros((4, 3)))


# ------------------------------------------------------------------ metrics


def test_metric_functions_match_scikit_learn():
    skm = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, 300)
    logits = rng.normal(size=(300, 4)) + 2 * np.eye(4)[y]
    pred = logits.argmax(1)
    assert metrics.accuracy(y, logits) == pytest.approx(skm.accuracy_score(y, pred))
    np.testing.assert_array_equal(metrics.confusion_matrix(y, pred, 4),
                                  skm.confusion_matrix(y, pred, labels=range(4)))
    rep = metrics.classification_report(y, pred, ["a", "b", "c", "d"])
    p, r, f, s = skm.precision_recall_fscore_support(y, pred, zero_division=0)
    np.testing.assert_allclose([c["precision"] for c in rep["classes"]], p)
    np.testing.assert_allclose([c["recall"] for c in rep["classes"]], r)
    np.testing.assert_allclose([c["f1"] for c in rep["classes"]], f)
    assert [c["support"] for c in rep["classes"]] == list(s)
    assert rep["macro avg"]["f1"] == pytest.approx(skm.f1_score(y, pred, average="macro"))
    assert rep["weighted avg"]["f1"] == pytest.approx(skm.f1_score(y, pred, average="weighted"))
    t, q = rng.normal(size=(50, 2)), rng.normal(size=(50, 2))
    assert metrics.r2(t, q) == pytest.approx(skm.r2_score(t, q))
    assert metrics.mse(t, q) == pytest.approx(skm.mean_squared_error(t, q))
    assert metrics.mae(t, q) == pytest.approx(skm.mean_absolute_error(t, q))


def test_class_never_predicted_has_precision_zero():
    rep = metrics.classification_report([0, 1, 1], [1, 1, 1], ["a", "b"])
    assert rep["classes"][0] == {"class": "a", "precision": 0.0, "recall": 0.0, "f1": 0.0,
                                 "support": 1}


def test_running_r2_equals_the_one_pass_value():
    rng = np.random.default_rng(1)
    y, out = rng.normal(3, 2, size=(97, 2)), rng.normal(3, 2, size=(97, 2))
    tracker = metrics.R2()
    tracker.reset()
    for i in range(0, 97, 10):
        tracker.update(out[i:i + 10], y[i:i + 10])
    assert tracker.result() == pytest.approx(metrics.r2(y, out), rel=1e-9)


def test_summary_tables_are_aligned_text():
    from chainrule.training.summary import format_confusion, format_report

    rep = metrics.classification_report([0, 1, 1, 2], [0, 1, 2, 2], ["cat", "dog", "eel"])
    text = format_report(rep)
    assert "precision" in text and "dog" in text and "weighted avg" in text
    cm = format_confusion(metrics.confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2], 3),
                          ["cat", "dog", "eel"])
    lines = cm.splitlines()
    assert len(lines) == 4 and lines[2].split() == ["dog", "0", "1", "1"]


# ------------------------------------------------------------------ callbacks


def test_early_stopping_stops_and_restores_the_best_weights():
    per_epoch = {}
    record = LambdaCallback(on_epoch_end=lambda t: per_epoch.update({t.epoch: _weights(t.model)}))
    es = EarlyStopping(monitor="val_loss", patience=2)
    model = _mlp(seed=0)
    # A tiny validation set and a large lr: val_loss stops improving quickly.
    h = fit(model, (MOONS.X[:60], MOONS.y[:60]), epochs=100, lr=0.05, batch_size=8,
            validation=(MOONS.X[150:], MOONS.y[150:]), callbacks=[record, es], quiet=True)
    assert len(h) < 100 and es.stopped_epoch == len(h)
    best = int(np.argmin(h["val_loss"])) + 1
    assert es.best_epoch == best and es.best == min(h["val_loss"])
    assert len(h) == best + 2  # patience 2
    assert _same(_weights(model), per_epoch[best])


def test_early_stopping_without_validation_says_what_to_do():
    with pytest.raises(ConfigError, match="pass validation="):
        fit(_mlp(), MOONS, epochs=2, callbacks=[EarlyStopping()], quiet=True)


def test_early_stopping_on_accuracy_maximises():
    assert EarlyStopping(monitor="val_accuracy").mode == "max"
    assert EarlyStopping(monitor="loss").mode == "min"


def test_model_checkpoint_writes_every_epoch(tmp_path):
    path = tmp_path / "ck.safetensors"
    epochs_seen = []
    spy = LambdaCallback(on_epoch_end=lambda t: epochs_seen.append(
        load_checkpoint(path)["epoch"] if path.exists() else None))
    spy.order = 200  # after the checkpoint
    fit(_mlp(), MOONS, epochs=3, callbacks=[ModelCheckpoint(path), spy], quiet=True)
    assert epochs_seen == [1, 2, 3]
    state = load_checkpoint(path)
    assert set(state) >= {"model", "optimizer", "history", "generators", "loader", "epoch"}
    assert len(state["history"]["epochs"]) == 3


def test_checkpoint_state_round_trips_exact_python_types(tmp_path):
    from chainrule.training import save_checkpoint

    state = {"t": (1, 2.5), "int_keys": {0: {"step": 3}, 7: np.float32(0.1)},
             "arr": np.arange(6, dtype=np.float32).reshape(2, 3), "n": None, "s": "x",
             "big": 2**100, "nan": float("nan"), "scalar": np.int64(5), "0d": np.array(2.5)}
    save_checkpoint(tmp_path / "c.safetensors", state)
    back = load_checkpoint(tmp_path / "c.safetensors")
    assert back["t"] == (1, 2.5) and back["int_keys"][0] == {"step": 3}
    assert type(back["int_keys"][7]) is np.float32 and back["int_keys"][7] == np.float32(0.1)
    assert back["arr"].dtype == np.float32 and np.array_equal(back["arr"], state["arr"])
    assert back["arr"].flags.writeable
    assert back["big"] == 2**100 and math.isnan(back["nan"]) and back["n"] is None
    assert type(back["scalar"]) is np.int64 and back["0d"].shape == ()


def test_checkpoint_refuses_unknown_objects(tmp_path):
    from chainrule.training import save_checkpoint

    with pytest.raises(ConfigError, match="cannot checkpoint"):
        save_checkpoint(tmp_path / "c.safetensors", {"f": object()})


def _resumable_run(epochs, ck, resume=None):
    model = nn.MLP([2, 16, 16, 2], dropout=0.2, seed=3)
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    sched = optim.StepLR(opt, step_size=2, gamma=0.7)
    es = EarlyStopping(monitor="val_loss", patience=50)
    h = fit(model, MOONS, optimizer=opt, epochs=epochs, batch_size=16, standardize=True,
            validation=(MOONS.X[:40], MOONS.y[:40]), seed=11, quiet=True, resume=resume,
            callbacks=[ModelCheckpoint(ck), es, SchedulerCallback(sched)])
    return model, h, es


def test_resume_in_process_is_bit_exact_with_dropout_scheduler_and_early_stopping(tmp_path):
    full, h_full, es_full = _resumable_run(6, tmp_path / "a.safetensors")
    _resumable_run(3, tmp_path / "b.safetensors")
    resumed, h_res, es_res = _resumable_run(6, tmp_path / "c.safetensors",
                                            resume=tmp_path / "b.safetensors")
    assert _same(_weights(full), _weights(resumed))
    assert h_res["loss"] == h_full["loss"] and h_res["lr"] == h_full["lr"]
    assert es_res.best_epoch == es_full.best_epoch and es_res.best == es_full.best


def test_model_from_checkpoint_rebuilds_the_model(tmp_path):
    model, _, _ = _resumable_run(2, tmp_path / "ck.safetensors")
    rebuilt = model_from_checkpoint(tmp_path / "ck.safetensors")
    assert _same(_weights(rebuilt), _weights(model))
    np.testing.assert_array_equal(rebuilt.layers.standardize.mean, model.layers.standardize.mean)
    np.testing.assert_array_equal(predict(rebuilt, MOONS.X), predict(model, MOONS.X))
    assert rebuilt.info == model.info and rebuilt.info.classes == ["0", "1"]


def _as_version_1_checkpoint(src, dst):
    """Rewrite a checkpoint the way chainrule wrote them before the training record: the
    standardizer, task and classes beside the weights, not inside the model."""
    import json

    from chainrule.io import container
    from chainrule.training import checkpoint

    state = load_checkpoint(src)
    model = state["model"]
    state["standardizer"] = {"mean": model.pop("layers.standardize.mean").tolist(),
                             "scale": model.pop("layers.standardize.scale").tolist()}
    info = state.pop("info")
    state["task"], state["classes"] = info["task"], info["classes"]
    del state["config"]["standardize"]
    tensors = {}
    tree = checkpoint._encode(state, "", tensors)
    container.write(dst, tensors, {"state": json.dumps(tree)}, checkpoint.FORMAT, 1)


def test_version_1_checkpoints_still_rebuild_and_resume(tmp_path):
    full, h_full, _ = _resumable_run(6, tmp_path / "a.safetensors")
    _resumable_run(3, tmp_path / "b.safetensors")
    _as_version_1_checkpoint(tmp_path / "b.safetensors", tmp_path / "v1.safetensors")
    rebuilt = model_from_checkpoint(tmp_path / "v1.safetensors")
    assert isinstance(rebuilt.layers[0], nn.Standardize) and rebuilt.info.classes == ["0", "1"]
    resumed, h_res, _ = _resumable_run(6, tmp_path / "c.safetensors",
                                       resume=tmp_path / "v1.safetensors")
    assert _same(_weights(full), _weights(resumed)) and h_res["loss"] == h_full["loss"]
    with pytest.raises(ModelFileError, match="resume it with fit\\(..., standardize=True\\)"):
        fit(nn.MLP([2, 16, 16, 2], dropout=0.2, seed=3), MOONS, epochs=6, quiet=True,
            resume=tmp_path / "v1.safetensors")  # without standardize=True


def test_checkpoints_carry_the_buffers_and_the_record(tmp_path):
    ck = tmp_path / "ck.safetensors"
    model = _mlp()
    fit(model, MOONS, epochs=1, standardize=True, callbacks=[ModelCheckpoint(ck)], quiet=True)
    state = load_checkpoint(ck)
    assert state["model"]["layers.standardize.mean"].dtype == np.float64
    assert state["info"] == model.info.to_dict() and state["info"]["dataset"] == "moons"
    assert "standardizer" not in state and "classes" not in state


def test_resume_with_another_optimizer_or_architecture_is_refused(tmp_path):
    ck = tmp_path / "ck.safetensors"
    fit(_mlp(), MOONS, epochs=1, callbacks=[ModelCheckpoint(ck)], quiet=True)
    with pytest.raises(ModelFileError, match="trained with Adam"):
        fit(_mlp(), MOONS, optimizer="sgd", epochs=2, resume=ck, quiet=True)
    with pytest.raises(ModelFileError, match="shape"):
        fit(nn.MLP([2, 9, 2], seed=0), MOONS, epochs=2, resume=ck, quiet=True)
    with pytest.raises(ModelFileError, match="not found"):
        fit(_mlp(), MOONS, epochs=2, resume=tmp_path / "none.safetensors", quiet=True)


_KILL_SCRIPT = textwrap.dedent("""
    import sys, time
    import numpy as np
    import chainrule as cr
    from chainrule import nn
    from chainrule.data import moons
    from chainrule.training import LambdaCallback, ModelCheckpoint

    ck, out, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    data = moons(n=400, noise=0.2, seed=0)

    def stall(t):
        # Mid-epoch 3 (the checkpoint of epoch 2 exists): tell the test, then wait to be killed.
        if mode == "kill" and t.epoch == 3 and t.batch == 5:
            open(out + ".ready", "w").close()
            time.sleep(120)

    model = nn.MLP([2, 32, 32, 2], dropout=0.1, seed=1)
    cr.fit(model, data, epochs=5, batch_size=16, lr=0.01, seed=2, quiet=True,
           callbacks=[ModelCheckpoint(ck), LambdaCallback(on_batch_end=stall)],
           resume=ck if mode == "resume" else None)
    cr.save(model, out)
""")


def test_sigkill_mid_training_then_resume_gives_the_uninterrupted_weights(tmp_path):
    script = tmp_path / "run.py"
    script.write_text(_KILL_SCRIPT)
    ck, out = tmp_path / "ck.safetensors", tmp_path / "resumed.safetensors"
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    proc = subprocess.Popen([sys.executable, str(script), str(ck), str(out), "kill"], env=env)
    try:
        deadline = time.monotonic() + 60
        while not os.path.exists(f"{out}.ready"):
            assert proc.poll() is None, "the training process ended before it was killed"
            assert time.monotonic() < deadline, "the training process never reached epoch 3"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
    assert load_checkpoint(ck)["epoch"] == 2  # the last finished epoch, intact
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]
    done = subprocess.run([sys.executable, str(script), str(ck), str(out), "resume"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    # The uninterrupted run, in this process.
    model = nn.MLP([2, 32, 32, 2], dropout=0.1, seed=1)
    fit(model, moons(n=400, noise=0.2, seed=0), epochs=5, batch_size=16, lr=0.01, seed=2,
        quiet=True)
    assert _same(_weights(cr.load(out)), _weights(model))
    assert load_checkpoint(ck)["epoch"] == 5


# ------------------------------------------------------------------ divergence


def test_divergence_names_the_epoch_and_suggests_a_lower_learning_rate():
    X = np.linspace(-3, 3, 64).reshape(-1, 1) * 1000
    model = nn.MLP([1, 16, 1], seed=0)
    with pytest.raises(TrainingDivergedError) as info:
        fit(model, (X, X[:, 0] ** 2), loss="mse", optimizer="sgd", lr=10.0, epochs=20,
            quiet=True)
    message = str(info.value)
    assert f"epoch {info.value.epoch}" in message
    assert "lower the learning rate" in message and "lr=10" in message and "lr=1" in message
    assert isinstance(info.value, ChainruleError)


def test_divergence_keeps_the_last_good_checkpoint(tmp_path):
    ck = tmp_path / "ck.safetensors"

    def poison(t):
        if t.epoch == 3:  # blow the weights up at the start of epoch 3
            t.model.parameters()[0].data[...] = np.inf

    with pytest.raises(TrainingDivergedError, match="epoch 3") as info:
        fit(_mlp(), MOONS, epochs=6, quiet=True,
            callbacks=[ModelCheckpoint(ck), LambdaCallback(on_epoch_begin=poison)])
    assert "checkpoint of epoch 2 is intact" in str(info.value)
    assert len(info.value.history) == 2
    state = load_checkpoint(ck)
    assert state["epoch"] == 2
    assert all(np.all(np.isfinite(v)) for v in state["model"].values())
    model = model_from_checkpoint(ck)
    assert evaluate(model, MOONS.X, MOONS.y)["accuracy"] > 0.5


# ------------------------------------------------------------------ fit_batches: ready-made batches


def _hand_loop(model, opt, X, y, batch, epochs, orders, alpha):
    """What fit_batches must do, written out: forward, loss, backward, penalty, step."""
    losses = []
    for epoch in range(epochs):
        index = orders(epoch)
        Xs, ys = X[index], y[index]
        for start in range(0, len(X), batch):
            xb, yb = Xs[start:start + batch], ys[start:start + batch]
            loss = F.cross_entropy(model(cr.Tensor(xb)), yb)
            loss.backward()
            w = model.linears[0].weight
            w.grad += alpha * w.data
            losses.append(float(loss.data) + alpha * float(np.sum(w.data ** 2)) / 2)
            opt.step()
            opt.zero_grad()
    return losses


def test_fit_batches_is_the_loop_with_the_callers_order_and_penalty():
    from chainrule.training.batches import Batches

    X, y = MOONS.X.astype(np.float32), MOONS.y
    orders = lambda epoch: np.random.default_rng(epoch).permutation(len(X))  # noqa: E731
    a, b = _mlp(seed=3), _mlp(seed=3)
    expected = _hand_loop(a, optim.Adam(a.parameters(), lr=0.01), X, y, 64, 3, orders, 0.1)
    seen, sizes = [], []

    def penalty(n):
        sizes.append(n)
        w = b.linears[0].weight
        w.grad += 0.1 * w.data
        return 0.1 * float(np.sum(w.data ** 2)) / 2

    trainer = Trainer(b, optimizer=optim.Adam(b.parameters(), lr=0.01), penalty=penalty,
                      lean=True, callbacks=[LambdaCallback(
                          on_batch_end=lambda t: seen.append(t.loss_value))])
    history = trainer.fit_batches(Batches(X, y, 64, order=orders), epochs=3)
    assert seen == expected  # bit for bit, penalty included
    assert _same(_weights(a), _weights(b))
    assert sizes == [64, 64, 64, 8] * 3 and trainer.step == 12 and trainer.epoch == 3
    # lean: no metrics, no history records; the epoch's mean loss is in logs
    assert len(history) == 0 and trainer.metric_names == []
    assert trainer.logs["loss"] == pytest.approx(np.average(seen[-4:], weights=[64, 64, 64, 8]))


def test_fit_batches_records_history_and_metrics_when_not_lean():
    from chainrule.training.batches import Batches

    X, y = MOONS.X.astype(np.float32), MOONS.y
    trainer = Trainer(_mlp(), quiet=True)
    history = trainer.fit_batches(Batches(X, y, 50), epochs=2)
    assert len(history) == 2 and "accuracy" in history.last
    assert history.last["loss"] == trainer.logs["loss"]
    # the task's shape checks still run on the first batch
    with pytest.raises(DataError, match="classes"):
        Trainer(nn.MLP([2, 4, 1], seed=0), quiet=True).fit_batches(Batches(X, y, 50), 1)


def test_each_epoch_trains_in_training_mode_even_after_a_callback_evaluated():
    from chainrule.training.batches import Batches

    X, y = MOONS.X.astype(np.float32), MOONS.y
    model = nn.Sequential(nn.Linear(2, 8, seed=0), nn.Dropout(0.5, seed=0), nn.Linear(8, 2, seed=1))
    calls = {"begin": 0, "end": 0, "modes": []}

    def end(t):  # an evaluation that leaves the model in eval mode
        calls["end"] += 1
        t.model.eval()

    def begin(t):
        calls["begin"] += 1
        calls["modes"].append(t.model.training)

    trainer = Trainer(model, lean=True, callbacks=[
        LambdaCallback(on_epoch_begin=begin, on_epoch_end=end)])
    trainer.fit_batches(Batches(X, y, len(X)), epochs=5)
    assert calls["begin"] == calls["end"] == 5 and trainer.step == 5
    assert calls["modes"] == [True] * 5  # back in training mode (dropout on) every epoch
    with pytest.raises(ConfigError, match="lean"):
        Trainer(_mlp(), lean=True, metrics=("accuracy",))
    with pytest.raises(ConfigError, match="penalty"):
        Trainer(_mlp(), penalty=0.1)


def test_check_finite_false_trains_through_a_nan_loss():
    from chainrule.training.batches import Batches

    X = np.full((8, 2), np.inf, np.float32)  # every output is NaN
    y = np.zeros(8, np.int64)
    with pytest.raises(TrainingDivergedError) as info:
        Trainer(_mlp(), lean=True).fit_batches(Batches(X, y, 4), epochs=3)
    assert info.value.epoch == 1 and info.value.batch == 1 and math.isnan(info.value.loss)
    trainer = Trainer(_mlp(), lean=True, check_finite=False)
    trainer.fit_batches(Batches(X, y, 4), epochs=3)
    assert trainer.step == 6 and math.isnan(trainer.logs["loss"])


def test_batches_orders_once_per_epoch_and_checks_its_inputs():
    from chainrule.training.batches import Batches

    X, y = np.arange(10.0).reshape(5, 2), np.arange(5)
    epochs = []

    def order(epoch):
        epochs.append(epoch)
        return [4, 3, 2, 1, 0]

    batches = Batches(X, y, 2, order=order)
    assert len(batches) == 3
    assert [yb.tolist() for _, yb in batches] == [[4, 3], [2, 1], [0]]
    batches.set_epoch(7)
    list(batches)
    assert epochs == [0, 7] and batches.epoch == 8
    whole = Batches(X, y, 5)
    (xb, yb), = list(whole)
    assert xb is X and yb is y  # full batch, no order: no copy, no slicing
    with pytest.raises(DataError, match="5 samples"):
        Batches(X, y[:3], 2)
    with pytest.raises(ConfigError, match="batch_size"):
        Batches(X, y, 0)
    with pytest.raises(ConfigError, match="order"):
        Batches(X, y, 2, order=[0, 1])


# ------------------------------------------------------------------ progress bar


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_silent_when_quiet_or_not_a_terminal(capsys):
    fit(_mlp(), MOONS, epochs=2, quiet=False)  # capsys: stdout is not a terminal
    fit(_mlp(), MOONS, epochs=2, quiet=True)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_progress_bar_draws_epoch_loss_metric_and_speed_on_a_terminal():
    pytest.importorskip("rich")
    term = _Terminal()
    fit(_mlp(), MOONS, epochs=2, validation=MOONS, callbacks=[ProgressBar(stream=term)],
        quiet=True)
    text = term.getvalue()
    for word in ("epoch 2/2", "loss", "acc", "val", "samples/s"):
        assert word in text, word


def test_progress_without_rich_prints_one_line_per_epoch(monkeypatch):
    monkeypatch.setitem(sys.modules, "rich.progress", None)
    term = _Terminal()
    fit(_mlp(), MOONS, epochs=3, callbacks=[ProgressBar(stream=term)], quiet=True)
    lines = term.getvalue().splitlines()
    assert len(lines) == 3 and lines[2].startswith("epoch 3/3") and "acc" in lines[2]


def test_trainer_object_can_be_driven_directly(tmp_path):
    trainer = Trainer(_mlp(), lr=0.01, quiet=True, metadata={"who": "test"})
    h = trainer.fit(MOONS, epochs=2)
    assert trainer.epoch == 2 and trainer.step == 2 * math.ceil(200 / 32) and h is trainer.history
    trainer.save_checkpoint(tmp_path / "ck.safetensors")
    assert load_checkpoint(tmp_path / "ck.safetensors")["metadata"] == {"who": "test"}


def test_fit_matches_pytorch_on_the_same_batches(torch):
    X, y = MOONS.X.astype(np.float32), MOONS.y
    model = nn.MLP([2, 16, 3], seed=0)
    tm = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    with torch.no_grad():
        for i, lin in enumerate(model.linears):
            tm[2 * i].weight.copy_(torch.from_numpy(lin.weight.data))
            tm[2 * i].bias.copy_(torch.from_numpy(lin.bias.data))
    fit(model, (X, y), epochs=3, batch_size=25, lr=0.01, seed=6, quiet=True)
    opt = torch.optim.Adam(tm.parameters(), lr=0.01)
    loader = DataLoader((X, y), batch_size=25, shuffle=True, seed=6)
    for epoch in range(3):
        loader.set_epoch(epoch)
        for xb, yb in loader:
            opt.zero_grad()
            torch.nn.functional.cross_entropy(tm(torch.from_numpy(xb)),
                                              torch.from_numpy(yb)).backward()
            opt.step()
    for i, lin in enumerate(model.linears):
        np.testing.assert_allclose(lin.weight.data, tm[2 * i].weight.detach().numpy(),
                                   rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(lin.bias.data, tm[2 * i].bias.detach().numpy(),
                                   rtol=1e-4, atol=1e-5)


def test_model_checkpoint_creates_its_folder_or_fails_before_training(tmp_path):
    ck = tmp_path / "new" / "deeper" / "ck.safetensors"
    fit(_mlp(), MOONS, epochs=1, callbacks=[ModelCheckpoint(ck)], quiet=True)
    assert load_checkpoint(ck)["epoch"] == 1
    blocker = tmp_path / "file"
    blocker.write_text("x")
    started = []
    with pytest.raises(ConfigError, match="cannot create ModelCheckpoint.s folder"):
        fit(_mlp(), MOONS, epochs=1, quiet=True,
            callbacks=[ModelCheckpoint(blocker / "ck.safetensors"),
                       LambdaCallback(on_epoch_begin=lambda t: started.append(t.epoch))])
    assert started == []


def test_one_hot_targets_train_and_score_like_labels():
    onehot = np.eye(2, dtype=np.float32)[MOONS.y]
    a, b = _mlp(seed=1), _mlp(seed=1)
    ha = fit(a, (MOONS.X, MOONS.y), epochs=2, quiet=True, validation=(MOONS.X, MOONS.y))
    hb = fit(b, (MOONS.X, onehot), epochs=2, quiet=True, validation=(MOONS.X, onehot))
    assert ha["accuracy"] == hb["accuracy"] and ha["val_accuracy"] == hb["val_accuracy"]
    assert metrics.accuracy(onehot, a(cr.tensor(MOONS.X.astype(np.float32))).data) == \
        ha["val_accuracy"][-1]


def test_float64_models_train_in_float64():
    model = nn.MLP([2, 8, 2], seed=0, dtype="float64")
    fit(model, MOONS, epochs=2, quiet=True)
    assert all(p.data.dtype == np.float64 for p in model.parameters())
    assert predict_proba(model, MOONS.X).dtype == np.float64


def test_early_stopping_starts_afresh_in_a_new_run():
    es = EarlyStopping(monitor="loss", patience=1)
    fit(_mlp(), MOONS, epochs=2, callbacks=[es], quiet=True)
    first_best = es.best
    fit(_mlp(seed=5), MOONS, epochs=1, callbacks=[es], quiet=True)
    assert es.best_epoch == 1 and es.best != first_best


def test_history_plot_labels_train_and_held_out_curves(tmp_path):
    pytest.importorskip("matplotlib")
    from chainrule.training import History

    history = History()
    for epoch in (1, 2, 3):
        history.append({"epoch": epoch, "loss": 1.0 / epoch, "accuracy": 0.5 + epoch / 10,
                        "val_loss": 1.2 / epoch, "val_accuracy": 0.4 + epoch / 10})
    fig = history.plot(tmp_path / "loss.png", names=("train", "test"))
    assert (tmp_path / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["loss", "accuracy"]
    for ax in fig.axes:
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "test"]
        assert ax.get_xlabel() == "epoch"
