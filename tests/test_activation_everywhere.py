"""One activation registered through the public extension point works in every layer.

The ``swish`` fixture (tests/conftest.py) declares z * sigmoid(z) once: a row of the chain-rule
table and a registry entry. Nothing else is written for it, and yet it is a function, a module,
an MLP choice, a traced layer, a manual-backprop layer, a scikit-learn ``activation=``, a torch
and an ONNX layer, a plotted curve and a CLI ``--activation``.
"""

import json

import numpy as np
import pytest

import chainrule as cr
import chainrule.functional as F
from chainrule import nn

X = np.random.default_rng(0).normal(size=(40, 2))
Y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)


def test_functional_module_mlp_and_training(swish):
    np.testing.assert_allclose(F.swish(X).data, swish.value(X), rtol=1e-12)
    model = nn.MLP([2, 8, 2], activation="swish", seed=0)
    assert isinstance(model.layers[1], nn.Swish)
    history = cr.fit(model, (X, Y), epochs=30, batch_size=8, lr=0.05, quiet=True)
    assert history["loss"][-1] < history["loss"][0]
    assert nn.init.calculate_gain("swish") == 1.0
    net = cr.theory.OneHiddenLayer(1, 4, "swish", seed=0)
    assert isinstance(net.activation, nn.Swish) and net(np.zeros((3, 1))).shape == (3, 1)


def test_explain_traces_it_as_a_hidden_layer_with_its_rule(swish):
    model = nn.MLP([2, 3, 2], activation="swish", seed=1, dtype=np.float64)
    trace = cr.explain(F.cross_entropy(model(X[:1]), Y[:1]))
    text = trace.to_text()
    assert "h1 = swish(z1)" in text
    assert "dJ/dz1 = dJ/dh1 * (s + z1 s (1 - s))" in text
    z1 = model.layers[0](X[:1]).data
    np.testing.assert_allclose(trace["z1"].grad, trace["h1"].grad * swish.derivative(z1),
                               rtol=1e-10)


def test_manual_backprop_and_the_closed_forms_use_its_textbook_derivative(swish):
    model = nn.MLP([2, 4, 2], activation="swish", seed=2, dtype=np.float64)
    assert cr.inspect.compare_with_autodiff(model, X, Y).agree
    assert cr.inspect.closed_form_check(model, X, Y).equal


@pytest.mark.filterwarnings("ignore:Stochastic Optimizer")  # 20 iterations: not converged
def test_scikit_learn_torch_and_onnx(swish, torch):
    from chainrule.interop import from_torch, to_onnx, to_torch
    from chainrule.sklearn import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=(6,), activation="swish", max_iter=20,
                        random_state=0).fit(X, Y)
    assert any(isinstance(m, nn.Swish) for m in clf.model_.modules())
    model = nn.MLP([2, 5, 2], activation="swish", seed=3)
    module = to_torch(model)
    assert isinstance(module[1], torch.nn.SiLU)
    Xf = X.astype(np.float32)
    np.testing.assert_allclose(module(torch.tensor(Xf)).detach().numpy(), model(Xf).data,
                               atol=1e-6)
    assert isinstance(from_torch(module)[1], nn.Swish)
    ort = pytest.importorskip("onnxruntime")
    session = ort.InferenceSession(to_onnx(model).SerializeToString())
    (out,) = session.run(None, {session.get_inputs()[0].name: Xf})
    np.testing.assert_allclose(out, model(Xf).data, atol=1e-5)


def test_a_plot_draws_it_in_its_colour(swish):
    pytest.importorskip("matplotlib")
    from matplotlib.colors import to_hex

    from chainrule import plots

    fig = plots.activation_functions(names=["swish", "relu"])
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    assert to_hex(lines["swish"].get_color()) == swish.color


def test_the_cli_offers_it(swish, tmp_path, capsys):
    from chainrule.cli.main import main

    with pytest.raises(SystemExit):
        main(["train", "--help"])
    assert "swish" in capsys.readouterr().out
    out = tmp_path / "run"
    assert main(["train", "--data", "moons", "--activation", "swish", "--epochs", "1",
                 "--quiet", "--out", str(out)]) == 0
    config = json.loads(json.dumps(cr.load(out / "model.safetensors").get_config()))
    assert config["activation"] == "swish"
