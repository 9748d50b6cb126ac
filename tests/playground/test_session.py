"""The playground's Session: settings -> data -> network -> frames, with no web code."""

import math

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import ChainruleError, ConfigError, DataError
from chainrule.playground import Session, Settings, datasets, frames, render


def test_defaults_are_tf_playgrounds():
    s = Settings()
    assert (s.dataset, s.problem, s.activation, s.learningRate, s.batchSize) == \
        ("circle", "classification", "tanh", 0.03, 10)
    assert (s.percTrainData, s.noise, s.networkShape, s.regularization) == (50, 0, (4, 2), "none")
    assert s.feature_keys == ("x", "y")


def test_default_session_data_network_and_frame():
    s = Session()
    assert len(s.points) == 500 and len(s.train_idx) == 250 and len(s.test_idx) == 250
    # TF Playground's circle: the inner disc (radius 2.5) is class 1, the ring outside class 0.
    r = np.hypot(*s.points.T)
    assert np.all(s.labels[r < 2.5] == 1) and np.all(s.labels[r > 3.5] == 0)
    assert [lin.weight.shape for lin in s.model.linears] == [(4, 2), (2, 4), (2, 2)]
    header, blocks = s.frame()
    assert blocks["output"].shape == (100, 100) and blocks["output"].dtype == np.uint8
    assert blocks["confidence"].shape == (100, 100)
    assert blocks["units"].shape == (4 + 2 + 2, 25, 25)
    assert blocks["params"].dtype == np.float32 and blocks["params"].size == 12 + 10 + 6
    assert header["epoch"] == 0 and header["dead"] == [0, 0]
    assert set(header["train"]) == {"accuracy", "confusion"}


def _tiny():
    """2 inputs -> 1 tanh unit -> 2 logits, weights set by hand, two training points."""
    s = Session(Settings(networkShape=(1,)))
    s.clear_points()
    s.add_point(1.0, 0.0, 0)
    s.add_point(-2.0, 3.0, 1)
    for kind, layer, row, col, value in [("weight", 0, 0, 0, 1.0), ("weight", 0, 0, 1, 0.0),
                                         ("bias", 0, 0, 0, 0.0), ("weight", 1, 0, 0, 1.0),
                                         ("weight", 1, 1, 0, -1.0), ("bias", 1, 0, 0, 0.0),
                                         ("bias", 1, 1, 0, 0.0)]:
        s.set_param(layer, kind, row, col, value)
    return s


def test_a_hand_computed_frame_of_a_tiny_net():
    # h = tanh(x1), z = [h, -h]: p(class 1) = sigmoid(-2h), so class 0 where x1 > 0 and the
    # confidence 2 max(p) - 1 is |tanh(h)|.
    header, blocks = _tiny().frame()
    ticks = np.linspace(-6, 6, 100)
    h = np.tanh(ticks)
    np.testing.assert_array_equal(blocks["output"][37], (h < 0).astype(np.uint8))
    expected = np.rint(np.abs(np.tanh(h)) * 255)
    np.testing.assert_allclose(blocks["confidence"][0], expected, atol=1)
    # The hidden unit's thumbnail: tanh(x1) averaged over 4 x 4 cells, as signed bytes.
    thumb = np.rint((h.reshape(25, 4).mean(axis=1) + 1) * 127.5)
    np.testing.assert_allclose(blocks["units"][0][12], thumb, atol=1)
    np.testing.assert_array_equal(blocks["params"], [1, 0, 0, 1, -1, 0, 0])
    # The loss: cross-entropy of z = [h, -h] at the two points, by hand.
    ce = [math.log(1 + math.exp(-2 * math.tanh(1.0))), math.log(1 + math.exp(2 * math.tanh(-2.0)))]
    assert header["loss"]["train"] == pytest.approx(np.mean(ce), rel=1e-5)
    assert header["loss"]["test"] is None
    assert header["train"] == {"accuracy": 1.0, "confusion": [[1, 0], [0, 1]]}
    assert header["test"] == {"accuracy": None, "confusion": None}
    assert header["dead"] == [0]


def test_frames_round_trip_through_bytes():
    header, blocks = Session().frame()
    back, arrays = frames.decode(frames.encode(header, blocks))
    assert back == header
    for name, array in blocks.items():
        np.testing.assert_array_equal(arrays[name], array)


def test_advance_trains_whole_epochs_within_the_budget():
    s = Session()
    assert s.advance(budget=0.05) >= 1
    assert s.schedule.cursor == 0  # whole epochs when they fit
    start = s.frame()[0]["loss"]["train"]
    for _ in range(60):
        s.step_epoch()
    assert s.epoch > 60 and s.frame()[0]["loss"]["train"] < start


def test_a_long_epoch_is_cut_where_the_budget_ends():
    s = Session(Settings(batchSize=1, networkShape=(8, 8, 8, 8, 8, 8),
                         inputs={k: True for k in Settings().inputs}))
    assert s.advance(budget=0.001) == 0 and 0 < s.steps < 250
    assert s.epoch == 0 and s.schedule.cursor == s.steps


def test_circle_is_learned():
    s = Session(Settings(learningRate=0.1))
    for _ in range(150):
        s.step_epoch()
    header = s.frame()[0]
    assert header["train"]["accuracy"] > 0.95 and header["test"]["accuracy"] > 0.9


def test_reset_keeps_the_initial_weights_and_reseed_changes_them():
    s = Session()
    before = s.frame()[1]["params"].copy()
    for _ in range(3):
        s.step_epoch()
    assert not np.array_equal(s.frame()[1]["params"], before)
    s.reset()
    np.testing.assert_array_equal(s.frame()[1]["params"], before)
    assert s.epoch == 0
    again = Session()  # the same seeds: the same weights, bit for bit
    np.testing.assert_array_equal(again.frame()[1]["params"], before)
    s.reseed()
    assert not np.array_equal(s.frame()[1]["params"], before)


def test_regenerate_draws_new_data():
    s = Session()
    points = s.points.copy()
    s.regenerate()
    assert s.points.shape == points.shape and not np.array_equal(s.points, points)


@pytest.mark.parametrize("changes, message", [
    ({"batchSize": 0}, "batchSize must be a whole number in [1, 30]"),
    ({"batchSize": 2.5}, "batchSize must be a whole number"),
    ({"learningRate": 0.02}, "learningRate must be one of"),
    ({"networkShape": [4] * 7}, "networkShape must be a list of 0 to 6"),
    ({"networkShape": [9]}, "neurons in hidden layer 1 must be a whole number in [1, 8]"),
    ({"activation": "relux"}, "did you mean 'relu'"),
    ({"classes": 6}, "classes must be a whole number in [2, 5]"),
    ({"noise": 51}, "noise must be a whole number in [0, 50]"),
    ({"percTrainData": 95}, "percTrainData must be a whole number in [10, 90]"),
    ({"x": "yes"}, "x must be true or false"),
    ({"x": False, "y": False}, "choose at least one input feature"),
    ({"dataset": "moons"}, "unknown dataset 'moons'"),
    ({"seed": ""}, "a seed is 1 to 32"),
    ({"bogus": 1}, "unknown setting 'bogus'"),
    ({"preset": "nope"}, "unknown preset"),
])
def test_bad_settings_are_refused_and_change_nothing(changes, message):
    s = Session()
    model, settings = s.model, s.settings
    with pytest.raises(ChainruleError, match=message.replace("[", r"\[").replace("]", r"\]")):
        s.update(changes)
    assert s.settings == settings and s.model is model


def test_settings_from_a_url_skip_bad_values_and_keep_the_good():
    s = Session()
    errors = []
    s.update({"batchSize": 99, "learningRate": 0.1, "activation": "linear"}, errors)
    assert s.settings.learningRate == 0.1 and s.settings.batchSize == 10
    assert s.settings.activation == "identity"  # TF Playground's "linear"
    assert len(errors) == 1 and "batchSize" in errors[0]


def test_the_learning_rate_changes_without_a_reset():
    s = Session()
    s.step_epoch()
    assert s.update({"learningRate": 0.3}) == set()
    assert s.epoch == 1 and s.optimizer.param_groups[0]["lr"] == 0.3


def test_per_layer_activations_and_the_steps_derivative_policy():
    s = Session(Settings(networkShape=(3, 2), activations=("step", "relu")))
    assert [type(m).__name__ for m in s.model.layers][1::2] == ["Step", "ReLU"]
    assert s.frame()[0]["dead"][0] == 3  # a step's true derivative is 0: no unit learns
    s.update({"derivative": "straight_through"})
    assert s.model.layers[1].derivative == "straight_through"
    assert s.frame()[0]["dead"][0] == 0


def test_dead_relus_are_counted():
    s = Session(Settings(networkShape=(3,), activation="relu"))
    s.set_param(0, "bias", 1, 0, -100.0)  # z < 0 for every training point
    assert s.frame()[0]["dead"] == [1]


def test_divergence_stops_training_and_says_what_to_do():
    s = Session(Settings(learningRate=10, problem="regression"))
    for layer in range(3):
        s.set_param(layer, "weight", 0, 0, 50.0)
    for _ in range(20):
        s.advance(0.01)
    assert s.diverged and "lower the learning rate" in s.diverged
    assert s.advance(0.01) == 0
    assert s.frame()[0]["diverged"] == s.diverged
    s.reset()
    assert s.diverged is None


def test_one_d_problems_send_curves():
    s = Session(Settings(problem="regression", regDataset="fn-sin"))
    header, blocks = s.frame()
    assert header["view"] == "curve" and blocks["curve"].shape == (render.CURVE,)
    assert blocks["units"].shape == (4 + 2 + 1, render.CURVE_THUMB)
    assert np.all(s.points[:, 1] == 0)
    np.testing.assert_allclose(s.labels, np.sin(s.points[:, 0] * np.pi / 6), atol=1e-12)


def test_more_classes_have_their_own_outputs_and_a_confusion_matrix():
    s = Session(Settings(dataset="spiral", classes=4))
    assert s.model.linears[-1].out_features == 4 and set(s.labels) == {0, 1, 2, 3}
    header, blocks = s.frame()
    assert np.array(header["train"]["confusion"]).shape == (4, 4)
    assert blocks["output"].max() <= 3
    xor = Session(Settings(dataset="xor", classes=4))
    assert xor.n_classes == 2  # XOR has two classes whatever is chosen


def test_regression_reports_r2():
    s = Session(Settings(problem="regression"))
    header = s.frame()[0]
    assert set(header["train"]) == {"r2"} and header["train"]["r2"] < 1


# ----------------------------------------------------------------- the user's points


def test_adding_points_starts_from_the_shown_data():
    s = Session()
    assert s.add_point(0.5, 0.5, 1) == {"data"}
    assert s.settings.dataset == "custom" and len(s.points) == 501
    assert s.train_idx[-1] == 500  # a clicked point trains
    s.step_epoch()
    assert s.steps == 26  # 251 training points in batches of 10
    with pytest.raises(ConfigError, match="class must be a whole number in \\[0, 1\\]"):
        s.add_point(0, 0, 2)
    with pytest.raises(ConfigError, match="x1 must be a number in \\[-6, 6\\]"):
        s.add_point(7, 0, 0)
    s.clear_points()
    assert len(s.points) == 0 and s.advance() == 0
    header, _ = s.frame()
    assert header["loss"] == {"train": None, "test": None}


CSV_OK = "x1,x2,label\n" + "\n".join(f"{x},{y},{c}" for x, y, c in
                                    [(1, 1, "a"), (-1, -1, "a"), (2, -2, "b"), (-3, 1, "c"),
                                     (0.5, 0.5, "b"), (4, 4, "c")])


def test_a_csv_upload_becomes_the_data():
    s = Session()
    assert s.upload("mine.csv", CSV_OK) == {"data", "network"}
    assert s.settings.dataset == "custom" and s.settings.classes == 3
    assert s.class_names == ["a", "b", "c"] and len(s.points) == 6
    assert len(s.train_idx) == 3 and s.model.linears[-1].out_features == 3
    s.upload("values.csv", "x1,x2,y\n1,2,0.5\n-1,0,-0.25\n3,3,1.5\n")
    assert s.task == "regression" and s.value_scale == 1.5


@pytest.mark.parametrize("text, message", [
    ("", "the file is empty"),
    ("x1,x2,label\n", "no data rows after the header"),
    ("x1,label\n1,0\n2,1\n", "found 1 feature column"),
    ("x1,x2,x3,label\n1,2,3,0\n", "found 3 feature column"),
    ("x1,x2,label\n1,oops,0\n", "line 2"),
    ("x1,x2,label\n1,2\n", "line 2: expected 3 cells"),
    ("x1,x2,label\n" + "\n".join(f"{i % 6},0,{i}" for i in range(7)), "7 classes"),
    ("x1,x2,label\n10,0,0\n0,0,1\n", "x1 ranges from 0 to 10"),
    ("x1,x2,label\n" + "1,1,0\n" * 200000, "more than the 1,000,000"),
])
def test_bad_csv_uploads_get_clear_errors(text, message):
    s = Session()
    settings = s.settings
    with pytest.raises(DataError, match=message) as info:
        s.upload("bad.csv", text)
    assert "chainrule-upload" not in str(info.value)  # the page's file name, not a temp path
    assert str(info.value).startswith("bad.csv")
    assert s.settings == settings


# ----------------------------------------------------------------- presets


def test_the_xor_preset_has_the_slides_weights_and_zero_loss():
    s = Session()
    s.update({"preset": "xor-relu"})
    W1, b1 = s.model.linears[0].weight.data, s.model.linears[0].bias.data
    np.testing.assert_array_equal(W1, [[1, 1], [-1, -1]])
    np.testing.assert_array_equal(b1, [0, 0])
    np.testing.assert_array_equal(s.model.linears[1].weight.data, [[1, 1]])
    np.testing.assert_array_equal(s.model.linears[1].bias.data, [-1])
    assert s.frame()[0]["loss"]["train"] == 0.0
    for _ in range(3):
        s.step_epoch()
    s.reset()  # back to the slide's weights
    np.testing.assert_array_equal(s.model.linears[0].weight.data, W1)
    s.reseed()  # random weights: the preset's weights are gone
    assert s.settings.preset == "" and not np.array_equal(s.model.linears[0].weight.data, W1)


@pytest.mark.parametrize("name", ["step-staircase", "identity-line"])
def test_exact_constructions_have_zero_loss(name):
    s = Session()
    s.update({"preset": name})
    assert s.view == "curve"
    assert s.frame()[0]["loss"]["train"] == pytest.approx(0, abs=1e-12)


def test_step_units_train_only_their_output_layer():
    s = Session()
    s.update({"preset": "step-staircase"})
    s.update({"noise": 20})  # the data changes; the preset's weights stay
    assert s.settings.preset == "step-staircase"
    hidden = s.model.linears[0].weight.data.copy()
    for _ in range(5):
        s.step_epoch()
    np.testing.assert_array_equal(s.model.linears[0].weight.data, hidden)
    assert s.frame()[0]["dead"] == [3]


def test_changing_the_network_of_a_preset_drops_its_weights():
    s = Session()
    s.update({"preset": "universal"})
    assert s.settings.networkShape == (4,)
    s.update({"networkShape": [8]})
    assert s.settings.preset == "" and s.model.linears[0].out_features == 8


# ----------------------------------------------------------------- backprop of one point


def test_explain_writes_the_slides_seven_lines_with_backprops_numbers():
    s = Session()
    s.update({"preset": "question3"})
    out = s.explain(7)
    assert [(line["lhs"], line["rhs"]) for line in out["lines"]] == [
        ("δ₁ = ∂J/∂z₂", "ŷ − y"), ("∂J/∂b₂", "δ₁"), ("∂J/∂U", "δ₁hᵀ"), ("∂J/∂h", "Uᵀδ₁"),
        ("δ₂ = ∂J/∂z₁", "(Uᵀδ₁) ∘ 1{h > 0}"), ("∂J/∂b₁", "δ₂"), ("∂J/∂W", "δ₂xᵀ")]
    # The same numbers by hand, in NumPy.
    (W, b1), (U, b2) = [(lin.weight.data.astype(float), lin.bias.data.astype(float))
                        for lin in s.model.linears]
    x, y = s.points[7], np.eye(3)[s.labels[7]]
    h = np.maximum(W @ x + b1, 0)
    z2 = U @ h + b2
    y_hat = np.exp(z2 - z2.max()) / np.exp(z2 - z2.max()).sum()
    d1 = y_hat - y
    d2 = (U.T @ d1) * (h > 0)
    expected = [d1, d1, np.outer(d1, h), U.T @ d1, d2, d2, np.outer(d2, x)]
    for line, value in zip(out["lines"], expected):
        np.testing.assert_allclose(line["value"], value, rtol=1e-4, atol=1e-6)
    assert "Backward pass of J" in out["text"] and "delta_1 = dJ/dz2" in out["text"]
    np.testing.assert_allclose(out["grads"][0][0], np.outer(d2, x), rtol=1e-4, atol=1e-6)
    assert s.model.linears[0].weight.grad is None  # explaining leaves the model alone


def test_a_deeper_net_repeats_the_middle_lines_per_layer():
    out = Session().explain(0)  # 2 tanh layers: 3 x 4 - 1 lines
    assert len(out["lines"]) == 11
    assert out["lines"][4]["rhs"] == "(W₃ᵀδ₁) ∘ (1 − h₂²)"


def test_regression_and_other_activations_in_the_slides_notation():
    s = Session(Settings(problem="regression", networkShape=(2,), activation="sigmoid"))
    lines = s.explain(0)["lines"]
    assert lines[0]["rhs"] == "2(ŷ − y)" and lines[4]["rhs"] == "(Uᵀδ₁) ∘ h(1 − h)"
    s.update({"activation": "step", "derivative": "zero"})
    assert s.explain(0)["lines"][4]["rhs"] == "(Uᵀδ₁) ∘ 0"


def test_step_point_applies_one_sgd_step_to_that_example():
    s = Session(Settings(networkShape=(4,), activation="relu", learningRate=0.3))
    before = s.explain(3)
    out = s.step_point(3)
    changes = out["changes"]
    assert changes["lossAfter"] < changes["lossBefore"] == before["loss"]
    for p in changes["params"]:
        np.testing.assert_allclose(p["delta"], p["expected"], atol=2e-6)
    assert out["loss"] == changes["lossAfter"] and s.steps == 1


def test_no_hidden_layer_is_one_linear_map():
    s = Session(Settings(networkShape=()))
    header, blocks = s.frame()
    assert header["dead"] == [] and blocks["units"].shape == (2, 25, 25)
    assert [(line["lhs"], line["rhs"]) for line in s.explain(0)["lines"]] == [
        ("δ₁ = ∂J/∂z", "ŷ − y"), ("∂J/∂b", "δ₁"), ("∂J/∂W", "δ₁xᵀ")]


def test_explain_checks_the_point():
    with pytest.raises(ConfigError, match="point must be a whole number in \\[0, 499\\]"):
        Session().explain(500)


# ----------------------------------------------------------------- exports


def test_the_model_file_loads_and_predicts_what_the_page_shows(tmp_path):
    from chainrule.playground.export import export

    s = Session()
    s.step_epoch()
    name, data, _ = export(s, "safetensors")
    path = tmp_path / name
    path.write_bytes(data)
    model = cr.load(path)
    assert model.info.task == "classification" and model.info.classes == ["0", "1"]
    assert model.info.feature_names == ["x1", "x2"] == model.info.metadata["features"]
    X = s.points[s.test_idx]
    pred = cr.predict(model, X)
    out = s.model(cr.tensor(X.astype(np.float32))).data
    np.testing.assert_array_equal(pred, np.array(model.info.classes)[out.argmax(axis=1)])


def test_the_onnx_export_runs_in_onnxruntime():
    ort = pytest.importorskip("onnxruntime")
    from chainrule.playground.export import export

    s = Session(Settings(networkShape=(3,), activation="relu"))
    _, data, _ = export(s, "onnx")
    sess = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    X = s.points[:20].astype(np.float32)
    (out,) = sess.run(None, {"input": X})
    np.testing.assert_allclose(out, s.model(cr.tensor(X)).data, rtol=1e-5, atol=1e-6)


def test_the_script_retrains_to_the_same_weights(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    from chainrule.playground.export import export

    s = Session(Settings(regularization="L2", regularizationRate=0.01))
    for _ in range(3):
        s.step_epoch()
    name, data, _ = export(s, "python")
    (tmp_path / name).write_bytes(data)
    src = Path(cr.__file__).resolve().parents[1]
    subprocess.run([sys.executable, name], cwd=tmp_path, check=True, capture_output=True,
                   env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"})
    model = cr.load(tmp_path / "model.safetensors")
    for got, want in zip(model.linears, s.model.linears):
        np.testing.assert_array_equal(got.weight.data, want.weight.data)


def test_a_diverged_model_is_not_exported():
    from chainrule.playground.export import export

    s = Session()
    s.diverged = "Training diverged"
    with pytest.raises(ConfigError, match="press Reset"):
        export(s, "onnx")


def test_generators_follow_tf_playground():
    pts, labels = datasets.generate("gauss", 2, 0, 0)
    assert np.allclose(pts[labels == 1].mean(axis=0), [2, 2], atol=0.2)
    pts, values = datasets.generate("reg-plane", 2, 0, 0)
    np.testing.assert_allclose(values, (pts[:, 0] + pts[:, 1]) / 10)
    assert len(datasets.generate("xor4", 2, 0, 0)[0]) == 100
