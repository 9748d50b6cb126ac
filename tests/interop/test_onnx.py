"""chainrule -> ONNX: onnx.checker accepts the file, onnxruntime reproduces chainrule."""

import json

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import chainrule as cr  # noqa: E402
from chainrule import nn  # noqa: E402
from chainrule.data import Standardizer  # noqa: E402
from chainrule.errors import ConfigError, ModelFileError  # noqa: E402
from chainrule.interop import export_onnx, to_onnx  # noqa: E402

ACTIVATIONS = ["relu", "sigmoid", "tanh", "leaky_relu", "identity", "softplus", "gelu", "step"]


def _run(path_or_proto, X):
    source = path_or_proto.SerializeToString() if hasattr(path_or_proto, "SerializeToString") \
        else str(path_or_proto)
    session = ort.InferenceSession(source, providers=["CPUExecutionProvider"])
    return session.run(None, {"input": X})[0]


def _ours(model, X):
    with cr.no_grad():
        return model(cr.tensor(X)).data


def _inputs(n=13, d=5, dtype=np.float32):
    X = np.random.default_rng(1).standard_normal((n, d)) * 3
    X[0, :] = 0.0  # exact zeros: the step's threshold, step(0) = 1
    return X.astype(dtype)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_onnxruntime_reproduces_every_activation(tmp_path, activation, dtype):
    model = nn.MLP([5, 8, 6, 3], activation=activation, output_activation="softmax", seed=0,
                   dtype=dtype)
    path = export_onnx(model, tmp_path / "m.onnx")
    onnx.checker.check_model(str(path), full_check=True)
    for n in (1, 13):  # the batch dimension is symbolic
        X = _inputs(n=n, dtype=dtype)
        out = _run(path, X)
        assert out.dtype == dtype and out.shape == (n, 3)
        np.testing.assert_allclose(out, _ours(model, X), rtol=0, atol=1e-5)


def test_step_layer_values_at_the_threshold():
    model = nn.Sequential(nn.Linear(1, 1, seed=0), nn.Step())
    model[0].weight.data[...] = 1.0
    model[0].bias.data[...] = 0.0
    X = np.array([[-1.0], [0.0], [1e-30], [2.0]], dtype=np.float32)
    np.testing.assert_array_equal(_run(to_onnx(model), X).ravel(), [0.0, 1.0, 1.0, 1.0])
    np.testing.assert_array_equal(_ours(model, X).ravel(), [0.0, 1.0, 1.0, 1.0])


def test_graph_is_one_gemm_per_linear_with_transposed_weights():
    model = nn.Sequential(nn.Linear(4, 3, seed=0), nn.LeakyReLU(0.2), nn.Dropout(0.5),
                          nn.Linear(3, 2, bias=False, seed=1))
    proto = to_onnx(model)
    ops = [n.op_type for n in proto.graph.node]
    assert ops == ["Gemm", "LeakyRelu", "Identity", "Gemm", "Identity"]
    gemm = proto.graph.node[0]
    assert {a.name: a.i for a in gemm.attribute}["transB"] == 1
    inits = {i.name: onnx.numpy_helper.to_array(i) for i in proto.graph.initializer}
    np.testing.assert_array_equal(inits[gemm.input[1]], model[0].weight.data)  # (out, in)
    assert len(proto.graph.node[3].input) == 2  # no bias input for bias=False
    slope = {a.name: a.f for a in proto.graph.node[1].attribute}["alpha"]
    assert slope == pytest.approx(0.2)
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "batch" and dims[1].dim_value == 4
    X = _inputs(d=4)
    np.testing.assert_allclose(_run(proto, X), _ours(model.eval(), X), atol=1e-6)


def test_opset_20_uses_the_gelu_node_and_still_matches():
    model = nn.MLP([5, 8, 3], activation="gelu", seed=0)
    assert "Gelu" not in [n.op_type for n in to_onnx(model).graph.node]  # opset 17: formula
    proto = to_onnx(model, opset=20)
    assert "Gelu" in [n.op_type for n in proto.graph.node]
    assert proto.opset_import[0].version == 20
    X = _inputs()
    np.testing.assert_allclose(_run(proto, X), _ours(model, X), atol=1e-5)


def test_metadata_rebuilds_the_architecture_and_names_the_classes():
    model = nn.MLP([5, 8, 3], activation="tanh", seed=0)
    model.info = nn.TrainingInfo(task="classification", classes=["cat", "dog", "eel"])
    proto = to_onnx(model)
    props = {p.key: p.value for p in proto.metadata_props}
    assert proto.producer_name == "chainrule" and proto.producer_version == cr.__version__
    assert json.loads(props["classes"]) == ["cat", "dog", "eel"]
    assert props["task"] == "classification"
    rebuilt = nn.from_config(json.loads(props["chainrule_config"]))
    assert rebuilt.get_config() == model.get_config()


def test_standardizer_is_folded_in_so_the_graph_takes_raw_inputs():
    from chainrule.nn.standardize import attach
    from chainrule.training.predict import outputs

    model = nn.MLP([5, 8, 3], seed=0)
    X = _inputs(n=30) * 7 + 50
    attach(model, nn.Standardize.from_data(X))
    proto = to_onnx(model)
    assert [n.op_type for n in proto.graph.node][0] == "Gemm"  # folded, not an op of its own
    assert {p.key: p.value for p in proto.metadata_props}["inputs"].startswith("raw")
    np.testing.assert_allclose(_run(proto, X), outputs(model, X), atol=1e-5)
    np.testing.assert_allclose(_run(proto, X), _ours(model, X), atol=1e-5)
    bare = _run(to_onnx(model, standardize=False), Standardizer().fit(X).transform(X))
    np.testing.assert_allclose(bare, outputs(model, X), atol=1e-5)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_fitted_estimator_exports_through_its_model(tmp_path):
    pytest.importorskip("sklearn")
    from sklearn.datasets import load_iris

    from chainrule.sklearn import MLPClassifier

    X, y = load_iris(return_X_y=True)
    clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=50, learning_rate_init=0.01,
                        random_state=0).fit(X, y)
    logits = _run(export_onnx(clf, tmp_path / "clf.onnx"), X.astype(np.float32))
    np.testing.assert_array_equal(clf.classes_[logits.argmax(axis=1)], clf.predict(X))


def test_errors_are_clear_and_leave_existing_files_alone(tmp_path):
    class Twice(nn.Module):
        def forward(self, x):
            return x * 2

    path = tmp_path / "m.onnx"
    path.write_bytes(b"previous good file")
    with pytest.raises(ConfigError, match="cannot export layer Twice at '1'"):
        export_onnx(nn.Sequential(nn.Linear(2, 2), Twice()), path)
    assert path.read_bytes() == b"previous good file"
    with pytest.raises(ConfigError, match="no Linear layer"):
        to_onnx(nn.Sequential(nn.ReLU()))
    with pytest.raises(ConfigError, match="opset must be an integer from 13"):
        to_onnx(nn.MLP([2, 2], seed=0), opset=9)
    with pytest.raises(ModelFileError, match="cannot write ONNX file"):
        export_onnx(nn.MLP([2, 2], seed=0), tmp_path / "missing" / "m.onnx")
    mixed = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2, dtype=np.float64))
    with pytest.raises(ConfigError, match="mixes parameter dtypes"):
        to_onnx(mixed)
