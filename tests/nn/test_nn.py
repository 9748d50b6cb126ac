"""chainrule.nn: modules, parameters, state dicts, init, activations, MLP, losses, configs."""

import json
import math
from collections import OrderedDict

import numpy as np
import pytest

import chainrule as cr
from chainrule import functional as F
from chainrule import nn
from chainrule.errors import ConfigError, DTypeError, ShapeError
from chainrule.nn import init


def _numeric_param_grads(module, x, v, eps=1e-6):
    """Central differences of sum(v * module(x)) with respect to every parameter (float64)."""
    out = {}
    with cr.no_grad():
        for name, p in module.named_parameters():
            num = np.zeros_like(p.data)
            flat = p.data.reshape(-1)
            for k in range(flat.size):
                orig = flat[k]
                flat[k] = orig + eps
                plus = float(np.sum(v * module(x).data))
                flat[k] = orig - eps
                minus = float(np.sum(v * module(x).data))
                flat[k] = orig
                num.reshape(-1)[k] = (plus - minus) / (2 * eps)
            out[name] = num
    return out


def _check_param_grads(module, x, seed=0):
    out = module(x)
    v = np.random.default_rng(seed).standard_normal(out.shape)
    module.zero_grad()
    (out * v).sum().backward()
    numeric = _numeric_param_grads(module, x, v)
    for name, p in module.named_parameters():
        np.testing.assert_allclose(p.grad, numeric[name], rtol=1e-6, atol=1e-8, err_msg=name)


class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4, seed=0)
        self.act = nn.Tanh()
        self.fc2 = nn.Linear(4, 2, seed=1)
        self.scale = nn.Parameter([1.0, 2.0])

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x))) * self.scale


# ---------------------------------------------------------------- Parameter and Module


def test_parameter_defaults_float32_requires_grad_and_keeps_array_dtype():
    p = nn.Parameter([1.0, 2.0])
    assert p.dtype == np.float32 and p.requires_grad and isinstance(p, cr.Tensor)
    assert nn.Parameter(np.zeros(2, np.float64)).dtype == np.float64
    assert nn.Parameter([1, 2], dtype=np.float64).dtype == np.float64
    assert repr(p).startswith("Parameter containing:")
    with pytest.raises(DTypeError):
        nn.Parameter(np.array([1, 2]))


def test_module_registers_parameters_and_submodules_in_order_with_dotted_names():
    m = TwoLayer()
    names = [n for n, _ in m.named_parameters()]
    assert names == ["scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert [p.name for p in m.parameters()] == names
    assert [n for n, _ in m.named_children()] == ["fc1", "act", "fc2"]
    assert len(list(m.modules())) == 4
    assert m.num_parameters() == 2 + 12 + 4 + 8 + 2


def test_parameters_are_plain_attributes_without_getattr():
    lin = nn.Linear(2, 3)
    assert "__getattr__" not in vars(nn.Module)
    assert lin.__dict__["weight"] is lin.weight is lin._parameters["weight"]
    assert type(lin).__call__ is type(lin).forward  # calling a module is calling forward


def test_nested_module_names_follow_the_root():
    outer = nn.Module()
    outer.block = TwoLayer()
    assert outer.block.fc1.weight.name == "block.fc1.weight"
    user = nn.Parameter([1.0], name="W")
    outer.w = user
    assert user.name == "W"  # a name the user chose is kept


def test_module_setattr_errors_and_unregistering():
    m = TwoLayer()
    with pytest.raises(ConfigError, match="is a Parameter"):
        m.scale = np.ones(2)
    m.scale = None
    assert "scale" not in dict(m.named_parameters())
    m.fc2 = "gone"
    assert "fc2" not in dict(m.named_children())
    del m.fc1
    assert list(dict(m.named_parameters())) == []

    class Forgot(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(ConfigError, match="super"):
        Forgot()


def test_module_repr_is_a_tree():
    m = nn.MLP([2, 3, 1], activation="tanh", output_activation="sigmoid")
    assert repr(m) == (
        "MLP(\n"
        "  (layers): Sequential(\n"
        "    (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "    (1): Tanh()\n"
        "    (2): Linear(in_features=3, out_features=1, bias=True)\n"
        "    (3): Sigmoid()\n"
        "  )\n"
        ")"
    )
    assert repr(nn.Step(derivative="sigmoid")) == "Step(derivative='sigmoid')"


def test_train_eval_propagate_and_zero_grad_sets_none():
    m = nn.MLP([2, 4, 2], dropout=0.5)
    assert m.eval() is m and not any(x.training for x in m.modules())
    m.train()
    assert all(x.training for x in m.modules())
    cr.cross_entropy(m(np.ones((3, 2), np.float32)), np.array([0, 1, 1])).backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())


def test_to_double_converts_in_place():
    m = nn.MLP([2, 3, 2], seed=0)
    w = m.linears[0].weight
    assert m.double() is m and w.dtype == np.float64 and m.dtype == np.float64
    assert m(np.ones((1, 2))).dtype == np.float64
    assert m.get_config()["dtype"] == "float64"
    with pytest.raises(DTypeError):
        m.to(np.int32)


# ---------------------------------------------------------------- state_dict


def test_state_dict_copies_and_round_trips_in_place():
    a, b = TwoLayer(), TwoLayer()
    b.fc1.weight.data[...] = 0
    sd = a.state_dict()
    assert list(sd) == ["scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    a.fc1.weight.data += 1  # later training must not change the saved dict
    assert not np.array_equal(sd["fc1.weight"], a.fc1.weight.data)
    before = b.fc1.weight.data
    b.load_state_dict(sd)
    assert b.fc1.weight.data is before  # copied in place: optimizer references stay valid
    np.testing.assert_array_equal(b.fc1.weight.data, sd["fc1.weight"])


def test_load_state_dict_casts_dtype_and_accepts_tensors():
    lin = nn.Linear(2, 2)
    lin.load_state_dict({"weight": np.eye(2), "bias": cr.tensor([1.0, 2.0], dtype=np.float64)})
    assert lin.weight.dtype == np.float32
    np.testing.assert_array_equal(lin.bias.data, [1, 2])


def test_load_state_dict_missing_unexpected_and_shape_errors():
    lin = nn.Linear(2, 3)
    sd = lin.state_dict()
    with pytest.raises(ConfigError, match=r"missing keys \['bias'\]"):
        lin.load_state_dict({"weight": sd["weight"]})
    with pytest.raises(ConfigError, match=r"unexpected keys \['extra'\]"):
        lin.load_state_dict({**sd, "extra": np.zeros(1)})
    res = lin.load_state_dict({"weight": sd["weight"], "extra": np.zeros(1)}, strict=False)
    assert res.missing_keys == ["bias"] and res.unexpected_keys == ["extra"]
    old = lin.weight.data.copy()
    with pytest.raises(ShapeError, match=r"'bias' expects shape \(3,\), found \(4,\)"):
        lin.load_state_dict({"weight": np.zeros((3, 2)), "bias": np.zeros(4)})
    np.testing.assert_array_equal(lin.weight.data, old)  # nothing copied on error


class WithBuffer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2, seed=0)
        self.register_buffer("stats", np.array([1.0, 2.0]))

    def forward(self, x):
        return self.fc(x)


def test_buffers_are_saved_and_loaded_but_not_parameters():
    outer = nn.Module()
    outer.block = WithBuffer()
    assert [n for n, _ in outer.named_buffers()] == ["block.stats"]
    assert [n for n, _ in outer.named_parameters()] == ["block.fc.weight", "block.fc.bias"]
    assert all(p is not outer.block.stats for p in outer.parameters())
    sd = outer.state_dict()
    assert list(sd) == ["block.stats", "block.fc.weight", "block.fc.bias"]  # PyTorch order
    outer.block.stats[0] = 9.0  # the state dict holds a copy
    assert sd["block.stats"][0] == 1.0
    before = outer.block.stats
    outer.load_state_dict(sd)
    assert outer.block.stats is before and outer.block.stats.tolist() == [1.0, 2.0]
    with pytest.raises(ShapeError, match=r"'block.stats' expects shape \(2,\), found \(3,\)"):
        outer.load_state_dict({**sd, "block.stats": np.zeros(3)})
    with pytest.raises(ConfigError, match=r"missing keys \['block.stats'\]"):
        outer.load_state_dict({k: v for k, v in sd.items() if k != "block.stats"})


def test_buffer_assignment_dtype_and_errors():
    m = WithBuffer()
    m.stats = np.array([3.0, 4.0])
    assert m.state_dict()["stats"].tolist() == [3.0, 4.0]
    m.double()
    assert m.stats.dtype == np.float64 and m.fc.weight.dtype == np.float64
    m.float()
    assert m.stats.dtype == np.float32  # floating buffers follow to(dtype), as in PyTorch
    with pytest.raises(ConfigError, match="is a buffer"):
        m.stats = "text"
    with pytest.raises(ConfigError, match="already has an attribute 'fc'"):
        m.register_buffer("fc", np.zeros(1))
    with pytest.raises(ConfigError, match="identifier"):
        m.register_buffer("a.b", np.zeros(1))
    m.register_buffer("absent", None)
    assert "absent" not in m.state_dict()
    del m.stats
    assert list(m.named_buffers()) == []


def test_listing_parameters_never_renames_them():
    outer = nn.Module()
    outer.block = TwoLayer()
    list(outer.block.named_parameters())  # a submodule lists its own, shorter, names
    list(outer.named_parameters(prefix="root"))
    assert outer.block.fc1.weight.name == "block.fc1.weight"
    # a parameter assigned to an attached submodule gets its full path at once
    outer.block.fc2.weight = nn.Parameter(np.zeros((2, 4), np.float32))
    assert outer.block.fc2.weight.name == "block.fc2.weight"
    m = nn.MLP([2, 3, 1], seed=0)
    list(m.layers.named_parameters())
    assert [p.name for p in m.parameters()] == ["layers.0.weight", "layers.0.bias",
                                                "layers.2.weight", "layers.2.bias"]


def test_named_parameters_has_no_side_effects():
    # Listing reads: no module or parameter changes (names, grads, order, values, the graph).
    outer = nn.Module()
    outer.block = TwoLayer()
    outer.mlp = nn.MLP([4, 3, 2], seed=0)
    for p in outer.parameters():
        p.grad = np.ones_like(p.data)

    def snapshot():
        return ([(name, p.name, p.requires_grad, p.data.tobytes(), p.grad.tobytes())
                 for name, p in outer._named_parameters_all()],
                [(name, sorted(vars(m))) for name, m in outer.named_modules()],
                sorted(outer.state_dict()))

    before = snapshot()
    for m in (outer, outer.block, outer.mlp, outer.mlp.layers):
        list(m.named_parameters())
        list(m.named_parameters(prefix="elsewhere"))
    assert snapshot() == before


def test_every_module_has_a_training_record_with_defaults():
    m = nn.MLP([2, 3, 1], seed=0)
    assert m.info == nn.TrainingInfo() and m.info.task is None and m.info.metadata == {}
    m.info = nn.TrainingInfo(task="Binary", classes=[0, 1], seed=3)
    assert m.info.task == "binary" and m.info.classes == ["0", "1"]
    with pytest.raises(ConfigError, match="TrainingInfo"):
        m.info = {"task": "binary"}
    with pytest.raises(ConfigError, match="unknown TrainingInfo task 'clasification'.*did you"):
        nn.TrainingInfo(task="clasification")
    with pytest.raises(ConfigError, match="distinct"):
        nn.TrainingInfo(classes=["a", "a"])
    with pytest.raises(ConfigError, match="seed"):
        nn.TrainingInfo(seed=1.5)
    m.info.classes = (1, 2)  # a change is checked and normalized like a new record
    assert m.info.classes == ["1", "2"]
    with pytest.raises(ConfigError, match="list of names"):
        m.info.classes = "ab"
    assert m.info.classes == ["1", "2"]  # a refused change leaves the record as it was
    record = nn.TrainingInfo(task="regression", feature_names=["u"], dataset="sine",
                             metadata={"epochs": 3})
    assert nn.TrainingInfo.from_dict(json.loads(json.dumps(record.to_dict()))) == record
    with pytest.raises(ConfigError, match="unknown training-record field 'colour'"):
        nn.TrainingInfo.from_dict({"colour": "red"})
    with pytest.raises(ConfigError, match="JSON-able"):
        nn.TrainingInfo(metadata={"f": object()}).to_dict()


# ---------------------------------------------------------------- init


def _big():
    return nn.Parameter(np.zeros((400, 600), np.float32))


def test_init_uniform_families_bounds_and_std():
    fan_in, fan_out = 600, 400
    cases = [
        (lambda t: init.xavier_uniform_(t, rng=0), math.sqrt(6 / (fan_in + fan_out))),
        (lambda t: init.kaiming_uniform_(t, a=math.sqrt(5), rng=1), 1 / math.sqrt(fan_in)),
        (lambda t: init.he_uniform(t, rng=2), math.sqrt(6 / fan_in)),
        (lambda t: init.uniform_(t, -0.3, 0.3, rng=3), 0.3),
    ]
    for fill, bound in cases:
        t = fill(_big())
        assert np.abs(t.data).max() <= bound
        assert np.abs(t.data).max() > 0.99 * bound
        assert abs(t.data.std() - bound / math.sqrt(3)) < 0.01 * bound
        assert abs(t.data.mean()) < 0.01 * bound


def test_init_normal_families_mean_and_std():
    fan_in, fan_out = 600, 400
    cases = [
        (lambda t: init.xavier_normal_(t, gain=2.0, rng=0), 2 * math.sqrt(2 / (fan_in + fan_out))),
        (lambda t: init.he_normal(t, rng=1), math.sqrt(2 / fan_in)),
        (lambda t: init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu", rng=2),
         math.sqrt(2 / fan_out)),
        (lambda t: init.normal_(t, 0.0, 0.5, rng=3), 0.5),
    ]
    for fill, std in cases:
        t = fill(_big())
        assert abs(t.data.std() - std) < 0.01 * std
        assert abs(t.data.mean()) < 0.01 * std
    t = init.normal(_big(), mean=3.0, std=0.1, rng=4)
    assert abs(t.data.mean() - 3.0) < 1e-3


def test_init_constants_seeds_and_errors():
    t = nn.Parameter(np.ones((2, 3), np.float32))
    assert np.all(init.zeros_(t).data == 0)
    assert np.all(init.constant(t, 0.25).data == 0.25)
    arr = np.zeros((3, 4))
    init.ones_(arr)
    assert np.all(arr == 1)
    a = init.xavier_uniform(np.zeros((5, 5)), rng=7)
    b = init.xavier_uniform(np.zeros((5, 5)), rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ConfigError, match="at least 2 dimensions"):
        init.xavier_uniform_(np.zeros(3))
    with pytest.raises(ConfigError, match="Generator"):
        init.normal_(np.zeros(3), rng="seed")
    with pytest.raises(ConfigError, match="floating-point"):
        init.zeros_(np.zeros(3, int))


def test_calculate_gain_matches_torch(torch):
    for nl, param in [("relu", None), ("tanh", None), ("linear", None), ("sigmoid", None),
                      ("leaky_relu", None), ("leaky_relu", math.sqrt(5)), ("selu", None)]:
        assert init.calculate_gain(nl, param) == pytest.approx(
            torch.nn.init.calculate_gain(nl, param))


# ---------------------------------------------------------------- Linear


def test_linear_matches_numpy_and_pytorch_default_init():
    lin = nn.Linear(5, 3, seed=0)
    assert lin.weight.shape == (3, 5) and lin.bias.shape == (3,)
    assert lin.weight.dtype == np.float32
    bound = 1 / math.sqrt(5)
    assert np.abs(lin.weight.data).max() <= bound and np.abs(lin.bias.data).max() <= bound
    x = np.random.default_rng(1).standard_normal((4, 5)).astype(np.float32)
    z = lin(x)
    assert z._node.prim.name == "linear"  # one fused node
    np.testing.assert_allclose(z.data, x @ lin.weight.data.T + lin.bias.data, rtol=1e-6)
    nb = nn.Linear(5, 3, bias=False)
    assert nb.bias is None and list(nb.state_dict()) == ["weight"]
    np.testing.assert_allclose(nb(x).data, x @ nb.weight.data.T, rtol=1e-6)


def test_linear_seeds_are_bit_reproducible():
    a, b, c = nn.Linear(4, 3, seed=5), nn.Linear(4, 3, seed=5), nn.Linear(4, 3, seed=6)
    assert a.weight.data.tobytes() == b.weight.data.tobytes()
    assert a.bias.data.tobytes() == b.bias.data.tobytes()
    assert not np.array_equal(a.weight.data, c.weight.data)
    assert not np.array_equal(nn.Linear(4, 3).weight.data, nn.Linear(4, 3).weight.data)
    d = nn.Linear(4, 3, seed=5, dtype=np.float64)
    np.testing.assert_array_equal(d.weight.data.astype(np.float32), a.weight.data)


def test_linear_gradcheck_float64():
    lin = nn.Linear(3, 2, seed=0, dtype=np.float64)
    x = np.random.default_rng(0).standard_normal((4, 3))
    cr.gradcheck(lambda t: lin(t), x)
    _check_param_grads(lin, x)


def test_linear_matches_torch(torch):
    lin = nn.Linear(4, 3, seed=0)
    t = torch.nn.Linear(4, 3)
    with torch.no_grad():
        t.weight.copy_(torch.tensor(lin.weight.data))
        t.bias.copy_(torch.tensor(lin.bias.data))
    x = np.random.default_rng(0).standard_normal((2, 4)).astype(np.float32)
    np.testing.assert_allclose(lin(x).data, t(torch.tensor(x)).detach().numpy(), atol=1e-6)


def test_linear_rejects_bad_sizes():
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ConfigError, match="positive integer"):
            nn.Linear(bad, 2)
    with pytest.raises(ConfigError, match="floating point"):
        nn.Linear(2, 2, dtype=np.int32)


# ---------------------------------------------------------------- activations


ACTS = [
    (nn.Sigmoid(), F.sigmoid, "Sigmoid", {}),
    (nn.Tanh(), F.tanh, "Tanh", {}),
    (nn.ReLU(), F.relu, "ReLU", {}),
    (nn.LeakyReLU(0.2), lambda x: F.leaky_relu(x, 0.2), "LeakyReLU", {"negative_slope": 0.2}),
    (nn.Identity(), F.identity, "Identity", {}),
    (nn.Softplus(), F.softplus, "Softplus", {}),
    (nn.GELU(), F.gelu, "GELU", {"approximate": "tanh"}),
    (nn.Softmax(dim=1), lambda x: F.softmax(x, axis=1), "Softmax", {"dim": 1}),
]


@pytest.mark.parametrize("module,fn,torch_name,torch_kw", ACTS, ids=[a[2] for a in ACTS])
def test_activation_modules_match_functional_and_torch(module, fn, torch_name, torch_kw, torch):
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    out = module(x)
    np.testing.assert_array_equal(out.data, fn(x).data)
    ref = getattr(torch.nn, torch_name)(**torch_kw)(torch.tensor(x)).numpy()
    np.testing.assert_allclose(out.data, ref, atol=1e-6)


@pytest.mark.parametrize("module", [a[0] for a in ACTS], ids=[a[2] for a in ACTS])
def test_activation_modules_gradcheck(module):
    x = np.array([[-1.3, -0.2, 0.4, 2.0], [0.7, -2.5, 1.1, -0.6]])
    cr.gradcheck(lambda t: module(t), x)


def test_step_module_derivative_policies():
    z = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    g = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    s = 1 / (1 + np.exp(-z))
    expected = {"zero": np.zeros(5), "straight_through": g, "sigmoid": g * s * (1 - s)}
    for policy, grad in expected.items():
        x = cr.tensor(z, requires_grad=True)
        out = nn.Step(derivative=policy)(x)
        np.testing.assert_array_equal(out.data, [0, 0, 1, 1, 1])  # step(0) = 1 as on the slides
        out.backward(g)
        np.testing.assert_allclose(x.grad, grad, rtol=1e-12)
    assert nn.Step().derivative == "zero"
    with pytest.raises(ConfigError, match="straight_through"):
        nn.Step(derivative="magic")


def test_activation_module_lookup():
    assert isinstance(nn.activation_module("ReLU"), nn.ReLU)
    assert isinstance(nn.activation_module(nn.Tanh), nn.Tanh)
    assert nn.activation_module({"type": "LeakyReLU", "negative_slope": 0.3}).negative_slope == 0.3
    with pytest.raises(ConfigError, match="unknown activation 'swish'"):
        nn.activation_module("swish")
    with pytest.raises(ConfigError):
        nn.activation_module(3)


# ---------------------------------------------------------------- Sequential and MLP


def test_sequential_indexing_append_and_trace_names():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2), nn.Softmax())
    assert len(seq) == 4 and isinstance(seq[-1], nn.Softmax)
    assert isinstance(seq[0:2], nn.Sequential) and len(seq[0:2]) == 2
    out = seq(np.ones((1, 2), np.float32))
    names = []
    t = out
    while t._node is not None:
        names.append(t.name)
        t = t._node.inputs[0]
    assert names == ["y_hat", "z2", "h1", "z1"]
    seq.append(nn.Identity())
    assert seq(np.ones((1, 2), np.float32)).name == "y_hat"
    with pytest.raises(ConfigError, match="out of range"):
        seq[9]
    with pytest.raises(ConfigError, match="takes Modules"):
        nn.Sequential(nn.ReLU(), lambda x: x)


def test_mlp_shapes_layers_and_names():
    m = nn.MLP([64, 128, 10], seed=0)
    assert [type(x).__name__ for x in m.layers] == ["Linear", "ReLU", "Linear"]
    out = m(np.zeros((5, 64), np.float32))
    assert out.shape == (5, 10) and out.dtype == np.float32 and out.name == "z2"
    assert m.in_features == 64 and m.out_features == 10 and len(m.linears) == 2
    assert [n for n, _ in m.named_parameters()] == [
        "layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"]


def test_mlp_per_layer_activations_output_activation_and_dropout():
    m = nn.MLP([3, 5, 4, 2], activation=["tanh", nn.Step(derivative="sigmoid")],
               output_activation="softmax", dropout=0.25, seed=1)
    kinds = [type(x).__name__ for x in m.layers]
    assert kinds == ["Linear", "Tanh", "Dropout", "Linear", "Step", "Dropout", "Linear",
                     "Softmax"]
    assert m.layers[4].derivative == "sigmoid"
    m.eval()
    out = m(np.random.default_rng(0).standard_normal((6, 3)).astype(np.float32))
    np.testing.assert_allclose(out.data.sum(axis=1), 1, rtol=1e-6)
    # dropout draws its masks from generators spawned after the weights
    plain = nn.MLP([3, 5, 4, 2], activation=["tanh", "step"], seed=1)
    for a, b in zip(m.linears, plain.linears):
        np.testing.assert_array_equal(a.weight.data, b.weight.data)


def test_mlp_shares_no_activation_instance():
    act = nn.LeakyReLU(0.3)
    m = nn.MLP([2, 3, 3, 1], activation=act)
    a1, a2 = m.layers[1], m.layers[3]
    assert a1 is not a2 and a1.negative_slope == a2.negative_slope == 0.3


def test_mlp_seeds_and_errors():
    a, b = nn.MLP([3, 8, 2], seed=3), nn.MLP([3, 8, 2], seed=3)
    for (_, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        assert p.data.tobytes() == q.data.tobytes()
    # one generator, drawn layer after layer in order
    rng = np.random.default_rng(3)
    for lin, ref in zip(a.linears, [nn.Linear(3, 8, seed=rng), nn.Linear(8, 2, seed=rng)]):
        assert lin.weight.data.tobytes() == ref.weight.data.tobytes()
        assert lin.bias.data.tobytes() == ref.bias.data.tobytes()
    assert nn.MLP([3, 8, 2], dtype=np.float64)(np.ones((1, 3))).dtype == np.float64
    for bad in ([3], [3, 0, 2], "3,2", [3, 2.5]):
        with pytest.raises(ConfigError, match="sizes"):
            nn.MLP(bad)
    with pytest.raises(ConfigError, match="2 activations for 1 hidden"):
        nn.MLP([2, 3, 1], activation=["relu", "tanh"])
    with pytest.raises(ConfigError, match="dropout"):
        nn.MLP([2, 3, 1], dropout=1.0)


def test_mlp_param_grads_float64():
    m = nn.MLP([3, 4, 2], activation="tanh", seed=0, dtype=np.float64)
    _check_param_grads(m, np.random.default_rng(1).standard_normal((5, 3)))


def test_recitation_xor_weights_solve_xor():
    # Question 2: W1 = [[1, 1], [-1, -1]], b1 = 0, w2 = [1, 1], b2 = -1
    m = nn.MLP([2, 2, 1], activation="relu")
    m.load_state_dict({"layers.0.weight": [[1, 1], [-1, -1]], "layers.0.bias": [0, 0],
                       "layers.2.weight": [[1, 1]], "layers.2.bias": [-1]})
    X = np.array([[1, 1], [-1, 1], [1, -1], [-1, -1]], np.float32)
    np.testing.assert_array_equal(m(X).data.ravel(), [1, -1, -1, 1])
    np.testing.assert_array_equal(m.layers[1](m.layers[0](X)).data,
                                  [[2, 0], [0, 0], [0, 0], [0, 2]])


def test_recitation_backprop_formulas_for_one_example():
    # Question 3: delta1 = y_hat - y; dJ/dU = delta1 h^T; delta2 = (U^T delta1) o 1{h > 0}
    m = nn.MLP([4, 5, 3], seed=2, dtype=np.float64)
    x = np.random.default_rng(0).standard_normal(4)
    y = np.array([0.0, 1.0, 0.0])
    nn.CrossEntropyLoss(reduction="sum")(m(x[None]), np.array([1])).backward()
    W, b1, U, b2 = (p.data for p in m.parameters())
    z1 = W @ x + b1
    h = np.maximum(z1, 0)
    z2 = U @ h + b2
    y_hat = np.exp(z2 - z2.max()) / np.exp(z2 - z2.max()).sum()
    d1 = y_hat - y
    d2 = (U.T @ d1) * (h > 0)
    grads = [p.grad for p in m.parameters()]
    for got, want in zip(grads, [np.outer(d2, x), d2, np.outer(d1, h), d1]):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------- Dropout


def test_dropout_train_eval_and_gradient():
    d = nn.Dropout(0.25, seed=0)
    x = cr.tensor(np.ones((200, 100), np.float32), requires_grad=True)
    out = d(x)
    kept = out.data != 0
    assert abs(kept.mean() - 0.75) < 0.01
    np.testing.assert_allclose(out.data[kept], 1 / 0.75, rtol=1e-6)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, out.data)  # the gradient flows through the mask
    d.eval()
    assert d(x) is x
    a, b = nn.Dropout(0.5, seed=3), nn.Dropout(0.5, seed=3)
    np.testing.assert_array_equal(a(np.ones((4, 4))).data, b(np.ones((4, 4))).data)
    assert np.all(nn.Dropout(1.0)(np.ones(5)).data == 0)
    assert nn.Dropout(0.0)(x) is x
    with pytest.raises(ConfigError, match=r"\[0, 1\]"):
        nn.Dropout(1.5)


# ---------------------------------------------------------------- losses


def test_loss_modules_match_functional_and_torch(torch):
    rng = np.random.default_rng(0)
    z = rng.standard_normal((6, 3)).astype(np.float32)
    labels = rng.integers(0, 3, 6)
    targets = rng.random((6, 3)).astype(np.float32)
    bin_t = (rng.random((6, 3)) > 0.5).astype(np.float32)
    ours = {
        "CrossEntropyLoss": nn.CrossEntropyLoss()(z, labels).item(),
        "MSELoss": nn.MSELoss(reduction="sum")(z, targets).item(),
        "BCEWithLogitsLoss": nn.BCEWithLogitsLoss()(z, bin_t).item(),
    }
    assert ours["CrossEntropyLoss"] == pytest.approx(F.cross_entropy(z, labels).item())
    assert ours["MSELoss"] == pytest.approx(F.mse_loss(z, targets, reduction="sum").item())
    with pytest.raises(ConfigError, match="reduction"):
        nn.MSELoss(reduction="avg")
    tz = torch.tensor(z)
    ref = {
        "CrossEntropyLoss": torch.nn.CrossEntropyLoss()(tz, torch.tensor(labels)).item(),
        "MSELoss": torch.nn.MSELoss(reduction="sum")(tz, torch.tensor(targets)).item(),
        "BCEWithLogitsLoss": torch.nn.BCEWithLogitsLoss()(tz, torch.tensor(bin_t)).item(),
    }
    for k in ours:
        assert ours[k] == pytest.approx(ref[k], rel=1e-6), k


# ---------------------------------------------------------------- Standardize


def _standardized(model, X=None):
    """``model`` with a Standardize fitted on X (default: columns around 1000, std 50)."""
    from chainrule.nn.standardize import attach

    if X is None:
        X = np.random.default_rng(5).normal(1000, 50, size=(40, 3))
    attach(model, nn.Standardize.from_data(X, dtype=model.dtype))
    return model


def test_standardize_is_the_float64_arithmetic_of_predict_bit_for_bit():
    from chainrule.data import Standardizer

    X = np.random.default_rng(0).normal(1000, 50, size=(30, 3))
    std = Standardizer().fit(X)
    layer = nn.Standardize.from_data(X)
    # predict's arithmetic: standardize in float64, then cast to the network's dtype once
    want = np.ascontiguousarray(std.transform(X.astype(np.float64)), dtype=np.float32)
    for given in (X, cr.tensor(X, dtype=np.float64), X.tolist()):
        got = layer(given)
        assert got.dtype == np.float32 and got.data.tobytes() == want.tobytes()
    assert layer.mean.dtype == layer.scale.dtype == np.float64
    np.testing.assert_array_equal(layer.mean, std.mean_)
    # through the engine (an input that requires grad) the numbers are the same
    x = cr.tensor(X, dtype=np.float64, requires_grad=True)
    assert layer(x).data.tobytes() == want.tobytes()


def test_standardize_is_differentiable_in_its_input():
    layer = nn.Standardize(3, mean=[1.0, -2.0, 0.5], scale=[2.0, 0.25, 4.0], dtype=np.float64)
    x = cr.tensor(np.random.default_rng(1).normal(size=(4, 3)), requires_grad=True)
    layer(x).sum().backward()
    np.testing.assert_array_equal(x.grad, np.broadcast_to(1 / layer.scale, (4, 3)))
    cr.gradcheck(layer, np.random.default_rng(2).normal(size=(5, 3)))
    model = _standardized(nn.MLP([3, 4, 2], activation="tanh", seed=0, dtype=np.float64))
    cr.gradcheck(model, np.random.default_rng(3).normal(1000, 50, size=(5, 3)))
    # explain shows the scaling as steps of the chain rule, named
    x = cr.tensor(np.full((1, 3), 1000.0), requires_grad=True, name="x")
    trace = cr.explain(cr.cross_entropy(_standardized(nn.MLP([3, 4, 2], seed=0))(x), [1]))
    assert {"x", "mean", "scale", "x_std", "layers.0.weight"} <= set(trace.names.values())
    assert "sub(x, mean)" in str(trace)


def test_standardize_follows_the_model_dtype_and_keeps_float64_statistics():
    model = _standardized(nn.MLP([3, 4, 2], seed=0))
    X = np.random.default_rng(1).normal(1000, 50, size=(6, 3))
    assert model(X).dtype == np.float32
    model.double()
    first = model.layers[0]
    assert isinstance(first, nn.Standardize) and first.mean.dtype == np.float64
    assert first(X).dtype == np.float64 and model(X).dtype == np.float64
    assert model.get_config()["dtype"] == "float64" and model.dtype == np.float64


def test_standardize_refuses_inputs_that_would_broadcast():
    layer = nn.Standardize(3)
    with pytest.raises(ShapeError, match="expects 3 input features, found shape \\(5, 1\\)"):
        layer(np.ones((5, 1)))
    with pytest.raises(ShapeError, match="scale must hold 3 numbers"):
        nn.Standardize(3, scale=[1.0, 2.0])
    with pytest.raises(ConfigError, match="positive"):
        nn.Standardize(2, scale=[1.0, 0.0])
    with pytest.raises(ConfigError, match="features"):
        nn.Standardize(0)


def test_standardize_goes_first_and_the_other_layers_keep_their_names():
    mlp = _standardized(nn.MLP([3, 4, 2], seed=0))
    assert [n for n, _ in mlp.layers.named_children()] == ["standardize", "0", "1", "2"]
    assert list(mlp.state_dict()) == ["layers.standardize.mean", "layers.standardize.scale",
                                      "layers.0.weight", "layers.0.bias", "layers.2.weight",
                                      "layers.2.bias"]
    assert [n for n, _ in mlp.named_parameters()] == ["layers.0.weight", "layers.0.bias",
                                                      "layers.2.weight", "layers.2.bias"]
    assert mlp.get_config()["standardize"] is True
    assert "standardize" not in nn.MLP([3, 4, 2]).get_config()
    assert nn.MLP([3, 4, 2], standardize=True).get_config() == mlp.get_config()
    seq = _standardized(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)))
    assert list(seq.state_dict())[:3] == ["standardize.mean", "standardize.scale", "0.weight"]
    assert seq.get_config()["names"] == ["standardize", "0", "1", "2"]
    assert seq(np.ones((2, 3))).name == "z2"  # the trace names still count the Linear layers
    # attaching again replaces the statistics, it does not stack a second layer
    again = _standardized(seq, np.random.default_rng(9).normal(size=(10, 3)))
    assert len(again) == 4 and abs(float(again[0].mean[0])) < 5
    from chainrule.nn.standardize import input_standardize

    assert input_standardize(nn.Sequential(mlp, nn.ReLU())) is mlp.layers[0]
    assert input_standardize(nn.MLP([3, 2])) is None


def test_attach_to_another_module_says_how_to_add_it_yourself():
    from chainrule.nn.standardize import attach

    with pytest.raises(ConfigError, match="add it yourself.*Standardize.from_data"):
        attach(TwoLayer(), nn.Standardize(3))
    taken = nn.Sequential(OrderedDict(standardize=nn.ReLU(), out=nn.Linear(3, 1)))
    with pytest.raises(ConfigError, match="already has a layer named 'standardize'"):
        attach(taken, nn.Standardize(3))


# ---------------------------------------------------------------- configs


CONFIG_MODULES = [
    lambda: nn.Linear(3, 2, bias=False),
    lambda: nn.Linear(3, 2, dtype=np.float64),
    nn.Sigmoid, nn.Tanh, nn.ReLU, nn.Identity, nn.Softplus, nn.GELU,
    lambda: nn.LeakyReLU(0.3),
    lambda: nn.Step(derivative="straight_through"),
    lambda: nn.Softmax(axis=0),
    lambda: nn.Dropout(0.3),
    lambda: nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Sequential(nn.Linear(4, 2), nn.ReLU())),
    lambda: nn.MLP([3, 4, 2]),
    lambda: nn.MLP([3, 4, 5, 2], activation=["gelu", nn.Step(derivative="sigmoid")],
                   output_activation=nn.Softmax(), dropout=0.1, bias=False),
    lambda: nn.MLP([3, 2], activation=nn.LeakyReLU(0.2), output_activation="sigmoid"),
    lambda: nn.CrossEntropyLoss(reduction="sum"), nn.MSELoss, nn.BCEWithLogitsLoss,
    lambda: nn.Standardize(3, mean=[1, 2, 3], scale=[0.5, 2, 4]),
    lambda: _standardized(nn.MLP([3, 4, 2], seed=0)),
    lambda: _standardized(nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))),
    lambda: nn.Sequential(OrderedDict(first=nn.Linear(3, 4), act=nn.ReLU(), out=nn.Linear(4, 1))),
]


@pytest.mark.parametrize("make", CONFIG_MODULES)
def test_config_round_trip_gives_identical_outputs(make):
    m = make().eval()
    cfg = m.get_config()
    rebuilt = nn.from_config(json.loads(json.dumps(cfg)))
    assert type(rebuilt) is type(m)
    assert rebuilt.get_config() == json.loads(json.dumps(cfg))
    assert repr(rebuilt) == repr(m)
    rebuilt.load_state_dict(m.state_dict())
    rebuilt.eval()
    if isinstance(m, (nn.CrossEntropyLoss, nn.MSELoss, nn.BCEWithLogitsLoss)):
        return
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_array_equal(rebuilt(x).data, m(x).data)


def test_from_config_errors_and_custom_registration():
    with pytest.raises(ConfigError, match="unknown module type 'Conv2d'"):
        nn.from_config({"type": "Conv2d"})
    with pytest.raises(ConfigError, match="'type' key"):
        nn.from_config({"sizes": [1, 2]})
    with pytest.raises(ConfigError, match="dict"):
        nn.from_config("MLP")
    with pytest.raises(ConfigError, match="cannot build Linear"):
        nn.from_config({"type": "Linear", "in_features": 2})
    with pytest.raises(ConfigError, match="cannot describe its architecture"):
        TwoLayer().get_config()
    with pytest.raises(ConfigError, match="'names' must be 2 distinct layer names"):
        nn.from_config({"type": "Sequential", "layers": [{"type": "ReLU"}, {"type": "Tanh"}],
                        "names": ["a", "a"]})

    @nn.register
    class Scaled(nn.Module):
        def __init__(self, factor=2.0):
            super().__init__()
            self.factor = factor

        def forward(self, x):
            return x * self.factor

        def get_config(self):
            return {"type": "Scaled", "factor": self.factor}

    assert nn.from_config({"type": "Scaled", "factor": 3.0}).factor == 3.0
    assert "Scaled" in nn.registered()
    m = nn.Sequential(nn.Linear(1, 1), Scaled(4.0))
    assert nn.from_config(m.get_config())[1].factor == 4.0
