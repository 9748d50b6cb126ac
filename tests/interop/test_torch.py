"""chainrule <-> PyTorch: same weights, same outputs, same gradients, clear errors."""

import json
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import chainrule as cr  # noqa: E402
from chainrule import nn  # noqa: E402
from chainrule.data import Standardizer  # noqa: E402
from chainrule.errors import ConfigError, MissingExtraError, ModelFileError  # noqa: E402
from chainrule.interop import from_torch, load_torch, save_torch, to_torch  # noqa: E402

ACTIVATIONS = ["relu", "sigmoid", "tanh", "leaky_relu", "identity", "softplus", "gelu", "step"]


def _inputs(n=13, d=5, dtype=np.float32, seed=1):
    return (np.random.default_rng(seed).standard_normal((n, d)) * 2).astype(dtype)


def _ours(model, X):
    with cr.no_grad():
        return model(cr.tensor(X)).data


def _theirs(module, X):
    with torch.no_grad():
        return module(torch.from_numpy(X)).numpy()


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("dtype, tol", [(np.float32, 1e-6), (np.float64, 1e-12)])
def test_to_torch_matches_outputs_for_every_activation(activation, dtype, tol):
    model = nn.MLP([5, 8, 6, 3], activation=activation, output_activation="softmax", seed=0,
                   dtype=dtype)
    module = to_torch(model)
    assert isinstance(module, torch.nn.Sequential)
    assert next(module.parameters()).dtype == (torch.float32 if dtype == np.float32
                                               else torch.float64)
    X = _inputs(dtype=dtype)
    np.testing.assert_allclose(_theirs(module, X), _ours(model, X), rtol=0, atol=tol)


def test_to_torch_copies_weights_and_layer_options():
    model = nn.Sequential(nn.Linear(3, 4, seed=0), nn.LeakyReLU(0.2), nn.Dropout(0.3),
                          nn.Linear(4, 2, bias=False, seed=1), nn.Softmax(axis=1))
    module = to_torch(model)
    lin0, leaky, drop, lin1, soft = module
    np.testing.assert_array_equal(lin0.weight.detach().numpy(), model[0].weight.data)
    np.testing.assert_array_equal(lin0.bias.detach().numpy(), model[0].bias.data)
    assert lin1.bias is None and leaky.negative_slope == 0.2 and drop.p == 0.3 and soft.dim == 1
    lin0.weight.data.fill_(0)  # a copy: changing torch's weights leaves chainrule's alone
    assert np.any(model[0].weight.data != 0)
    assert module.training and not to_torch(model.eval()).training


def test_round_trip_chainrule_torch_chainrule_is_exact():
    model = nn.MLP([5, 16, 16, 4], activation="gelu", seed=3)
    back = from_torch(to_torch(model))
    assert isinstance(back, nn.Sequential)
    assert [type(m).__name__ for m in back] == [type(m).__name__ for m in model.layers]
    theirs = dict(back.state_dict())
    for (_, a), b in zip(model.state_dict().items(), theirs.values()):
        np.testing.assert_array_equal(a, b)
    X = _inputs()
    np.testing.assert_array_equal(_ours(back, X), _ours(model, X))


def test_from_torch_converts_nested_sequentials_and_options():
    torch.manual_seed(0)
    module = torch.nn.Sequential(
        torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.LeakyReLU(0.1)),
        torch.nn.Linear(6, 5, bias=False), torch.nn.GELU(approximate="tanh"),
        torch.nn.Dropout(0.25), torch.nn.Linear(5, 3), torch.nn.Softplus(),
        torch.nn.Softmax(dim=-1),
    ).double().eval()
    model = from_torch(module)
    kinds = [type(m).__name__ for m in model]
    assert kinds == ["Linear", "LeakyReLU", "Linear", "GELU", "Dropout", "Linear", "Softplus",
                     "Softmax"]
    assert model[1].negative_slope == 0.1 and model[4].p == 0.25 and model[2].bias is None
    assert model.dtype == np.float64 and not model.training
    X = _inputs(d=4, dtype=np.float64)
    np.testing.assert_allclose(_ours(model, X), _theirs(module, X), rtol=0, atol=1e-12)


@pytest.mark.parametrize("layer, words", [
    (torch.nn.Conv1d(1, 1, 1), ["Conv1d", "'1'"]),
    (torch.nn.GELU(), ["GELU", "approximate='none'", "tanh"]),
    (torch.nn.Softplus(beta=2.0), ["Softplus", "beta=2.0"]),
    (torch.nn.Softmax(dim=None), ["Softmax", "dim=None"]),
])
def test_from_torch_unsupported_layer_names_it(layer, words):
    module = torch.nn.Sequential(torch.nn.Linear(3, 3), layer)
    with pytest.raises(ConfigError) as info:
        from_torch(module)
    for word in words:
        assert word in str(info.value)


def test_to_torch_refuses_a_custom_module_by_name():
    class Twice(nn.Module):
        def forward(self, x):
            return x * 2

    with pytest.raises(ConfigError, match="Twice at '1'"):
        to_torch(nn.Sequential(nn.Linear(2, 2), Twice()))
    with pytest.raises(ConfigError, match="chainrule model"):
        to_torch("not a model")


@pytest.mark.parametrize("derivative", ["zero", "straight_through", "sigmoid"])
def test_gradients_agree_including_the_step_surrogates(derivative):
    model = nn.Sequential(nn.Linear(4, 6, seed=0), nn.Step(derivative), nn.Linear(6, 2, seed=1),
                          nn.Tanh(), nn.Linear(2, 3, seed=2))
    module = to_torch(model)
    assert type(module[1]).__name__ == "Step" and module[1].derivative == derivative
    X, y = _inputs(n=9, d=4), np.arange(9) % 3
    loss = cr.cross_entropy(model(cr.tensor(X)), y)
    loss.backward()
    t_loss = torch.nn.functional.cross_entropy(module(torch.from_numpy(X)), torch.from_numpy(y))
    t_loss.backward()
    assert float(loss.data) == pytest.approx(t_loss.item(), abs=1e-6)
    for p, q in zip([model[0].weight, model[0].bias, model[2].weight, model[4].weight],
                    [module[0].weight, module[0].bias, module[2].weight, module[4].weight]):
        np.testing.assert_allclose(q.grad.numpy(), p.grad, rtol=1e-5, atol=1e-6)
    if derivative == "zero":
        assert not np.any(model[0].weight.grad)  # the honest answer: no gradient through a step


def test_training_continues_in_torch_with_the_same_step():
    """The door to PyTorch: one SGD step there equals one SGD step here."""
    model = nn.MLP([5, 8, 3], activation="tanh", seed=0)
    module = to_torch(model)
    X, y = _inputs(n=16), np.arange(16) % 3
    opt = cr.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    t_opt = torch.optim.SGD(module.parameters(), lr=0.1, momentum=0.9)
    for _ in range(3):
        opt.zero_grad()
        cr.cross_entropy(model(cr.tensor(X)), y).backward()
        opt.step()
        t_opt.zero_grad()
        torch.nn.functional.cross_entropy(module(torch.from_numpy(X)),
                                          torch.from_numpy(y)).backward()
        t_opt.step()
    np.testing.assert_allclose(_theirs(module, X), _ours(model, X), atol=1e-5)


def test_standardizer_is_folded_into_the_first_layer():
    from chainrule.nn.standardize import attach
    from chainrule.training.predict import outputs

    model = nn.MLP([5, 8, 3], seed=0)
    X = _inputs(n=20) * 10 + 4
    attach(model, nn.Standardize.from_data(X))
    module = to_torch(model)  # takes raw inputs, like chainrule.predict
    assert [type(m).__name__ for m in module] == ["Linear", "ReLU", "Linear"]
    np.testing.assert_allclose(_theirs(module, X), outputs(model, X), atol=2e-5)
    np.testing.assert_allclose(_theirs(module, X), _ours(model, X), atol=2e-5)
    bare = to_torch(model, standardize=False)
    assert len(bare) == 3
    np.testing.assert_array_equal(bare[0].weight.detach().numpy(), model.linears[0].weight.data)
    np.testing.assert_allclose(_theirs(bare, Standardizer().fit(X).transform(X)),
                               outputs(model, X), atol=2e-5)


def test_a_standardize_that_is_not_the_first_layer_is_refused():
    model = nn.Sequential(nn.Linear(5, 5, seed=0), nn.Standardize(5), nn.Linear(5, 2, seed=1))
    with pytest.raises(ConfigError, match="only a Standardize applied first"):
        to_torch(model)
    model = nn.Sequential(nn.Standardize(5), nn.ReLU(), nn.Linear(5, 2, seed=1))
    with pytest.raises(ConfigError, match="the layer after it must be a Linear"):
        to_torch(model)
    assert len(to_torch(model, standardize=False)) == 2


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_fitted_estimator_converts_through_its_model():
    pytest.importorskip("sklearn")
    from sklearn.datasets import load_iris

    from chainrule.sklearn import MLPClassifier

    X, y = load_iris(return_X_y=True)
    clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=50, learning_rate_init=0.01,
                        random_state=0).fit(X, y)
    logits = _theirs(to_torch(clf), X.astype(np.float32))
    proba = torch.softmax(torch.from_numpy(logits).double(), dim=1).numpy()
    np.testing.assert_allclose(proba, clf.predict_proba(X), atol=1e-6)


# ----- the file format behind `chainrule export --format torch`
def test_torch_file_round_trip_without_pickle(tmp_path):
    model = nn.MLP([5, 8, 3], activation="step", seed=0)
    path = save_torch(model, tmp_path / "m.torch.safetensors")
    raw = path.read_bytes()
    header = json.loads(raw[8:8 + int.from_bytes(raw[:8], "little")])
    layers = json.loads(header["__metadata__"]["layers"])
    assert [layer["type"] for layer in layers] == ["Linear", "Step", "Linear"]
    assert set(header) - {"__metadata__"} == {"0.weight", "0.bias", "2.weight", "2.bias"}
    module = load_torch(path)
    X = _inputs()
    np.testing.assert_allclose(_theirs(module, X), _ours(model, X), atol=1e-6)
    # plain PyTorch + safetensors can rebuild it too (the recipe in docs/interop.md)
    from safetensors.torch import load_file

    state = load_file(str(path))
    rebuilt = torch.nn.Sequential(torch.nn.Linear(5, 8), type(module[1])(), torch.nn.Linear(8, 3))
    rebuilt.load_state_dict(state)
    np.testing.assert_array_equal(_theirs(rebuilt, X), _theirs(module, X))


def test_torch_file_errors(tmp_path):
    with pytest.raises(ModelFileError, match="not found"):
        load_torch(tmp_path / "missing.safetensors")
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x00" * 20)
    with pytest.raises(ModelFileError, match="not a chainrule PyTorch file"):
        load_torch(bad)
    cr.save(nn.MLP([2, 2], seed=0), tmp_path / "model.safetensors")  # a chainrule model file
    with pytest.raises(ModelFileError, match="format 'chainrule-model'"):
        load_torch(tmp_path / "model.safetensors")
    with pytest.raises(ModelFileError, match="cannot write"):
        save_torch(nn.MLP([2, 2], seed=0), tmp_path / "no" / "dir" / "m.safetensors")


def test_missing_torch_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    with pytest.raises(MissingExtraError, match=r"chainrule\[torch\]"):
        to_torch(nn.MLP([2, 2], seed=0))
