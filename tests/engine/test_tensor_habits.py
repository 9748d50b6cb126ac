"""NumPy and PyTorch habits on Tensor, and the creation functions, against torch itself.

Each case makes the same call in both libraries and compares the value (where deterministic),
dtype, shape and ``requires_grad``; where torch raises, chainrule raises a ``ChainruleError``
whose message names the argument. The deliberate differences (NumPy habits that torch refuses,
stricter seeds) are tested at the end, each with its reason.
"""

import operator
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule as cr
from chainrule import creation
from chainrule.errors import ConfigTypeError


def _np_dtype(torch, tdtype) -> np.dtype:
    return torch.empty(0, dtype=tdtype).numpy().dtype


def _torch_kwargs(torch, kwargs: dict) -> dict:
    """The same keywords for torch: dtype names become torch dtypes; torch has no ``name``."""
    out = {k: v for k, v in kwargs.items() if k != "name"}
    if isinstance(out.get("dtype"), str):
        maybe = getattr(torch, out["dtype"], None)
        if isinstance(maybe, torch.dtype):
            out["dtype"] = maybe
    return out


def assert_same(ours, theirs, torch, *, values=True):
    """Same shape, dtype and requires_grad; same values (ints exact, floats to float32)."""
    assert isinstance(ours, cr.Tensor)
    assert ours.shape == tuple(theirs.shape)
    assert ours.dtype == _np_dtype(torch, theirs.dtype)
    assert ours.requires_grad == theirs.requires_grad
    if values:
        want = theirs.detach().numpy()
        if want.dtype.kind == "f":
            np.testing.assert_allclose(ours.data, want, rtol=1e-6, atol=1e-6)
        else:
            np.testing.assert_array_equal(ours.data, want)


def _outcome(fn, x):
    try:
        return "value", fn(x)
    except Exception as exc:  # noqa: BLE001 - compared below
        return "error", exc


@pytest.fixture
def own_stream(monkeypatch):
    """Tests that reseed get the default stream back afterwards."""
    monkeypatch.setattr(creation, "_generator", creation._generator)


# ----- conversions to Python: one element only, as in torch -----

DATA = [2.5, -3, True, [7], [[[-1.75]]], [[4]], [], [1.0, 2.0], [[1, 2], [3, 4]],
        [False, True], np.array([9], dtype=np.uint8), np.array(0.5, dtype=np.float64),
        np.array([[3]], dtype=np.int32), float("inf")]
CONVERSIONS = {
    "float": float, "int": int, "bool": bool, "complex": complex, "index": operator.index,
    "list index": lambda t: list(range(100))[t], "item": lambda t: t.item(),
    "tolist": lambda t: t.tolist(), "numel": lambda t: t.numel(), "dim": lambda t: t.dim(),
    "ndim": lambda t: t.ndim, "shape": lambda t: tuple(t.shape),
    "size()": lambda t: tuple(t.size()), "len": len,
    "format .3f": lambda t: f"{t:.3f}", "format 0-d": lambda t: f"{t}" if t.ndim == 0 else "",
}


@pytest.mark.parametrize("what", list(CONVERSIONS))
@pytest.mark.parametrize("data", DATA, ids=repr)
def test_conversions_match_torch(torch, what, data):
    fn, t = CONVERSIONS[what], cr.tensor(data)
    ours, theirs = _outcome(fn, t), _outcome(fn, torch.tensor(data))
    if theirs[0] == "error":
        assert ours[0] == "error", f"torch raises {theirs[1]!r}, chainrule gave {ours[1]!r}"
        if isinstance(ours[1], cr.ChainruleError):  # and a TypeError where torch's is one
            assert isinstance(ours[1], type(theirs[1])) or not isinstance(theirs[1], TypeError)
        else:  # Python's own error on the one number (int(inf)), or len() of a 0-d tensor
            assert t.numel() == 1 or what == "len", repr(ours[1])
            assert type(ours[1]) is type(theirs[1])
    else:
        assert ours[0] == "value", f"torch gives {theirs[1]!r}, chainrule raised {ours[1]!r}"
        assert ours[1] == theirs[1] and type(ours[1]) is type(theirs[1])


def test_conversion_errors_say_what_was_found_and_what_to_do():
    t = cr.tensor([[1.0, 2.0, 3.0]])
    with pytest.raises(cr.ShapeError, match=r"exactly one element, found shape \(1, 3\)"):
        float(t)
    with pytest.raises(cr.ShapeError, match="truth value of a tensor with 3 elements"):
        if t > 0:
            pass
    with pytest.raises(cr.ShapeError, match="item"):
        t.item()
    with pytest.raises(cr.DTypeError, match="integer tensor"):
        operator.index(cr.tensor(1.0))
    with pytest.raises(TypeError):  # Python's index protocol expects a TypeError
        operator.index(cr.tensor([1, 2]))
    with pytest.raises(cr.ShapeError, match="0-d"):
        f"{t:.2f}"  # noqa: B018


def test_format_prints_a_scalar_loss_like_torch(torch):
    assert f"{cr.tensor(1.23456):.2f}" == f"{torch.tensor(1.23456):.2f}" == "1.23"
    assert f"{cr.tensor(0.1)}" == f"{torch.tensor(0.1)}"
    t = cr.tensor([1.0, 2.0])
    assert f"{t}" == str(t) == repr(t)


def test_tensors_index_lists_and_numpy_arrays(torch):
    i, many = cr.tensor(2), cr.tensor([0, 2])
    assert [10, 20, 30][i] == [10, 20, 30][torch.tensor(2)] == 30
    assert list(range(cr.tensor(3))) == [0, 1, 2]
    np.testing.assert_array_equal(np.arange(5)[many], np.arange(5)[torch.tensor([0, 2])])
    assert np.arange(5)[i] == 2


def test_any_and_all_match_torch(torch):
    data = [[0.0, 1.0, 2.0], [0.0, 0.0, 3.0]]
    t, tt = cr.tensor(data), torch.tensor(data)
    assert_same(t.any(), tt.any(), torch)
    assert_same(t.all(), tt.all(), torch)
    assert_same(t.any(axis=0), tt.any(dim=0), torch)
    assert_same(t.all(axis=1, keepdims=True), tt.all(dim=1, keepdim=True), torch)
    assert bool((t >= 0).all()) and not bool((t > 0).all())


# ----- size, numel, dim, shape -----

@pytest.mark.parametrize("shape", [(), (5,), (2, 3), (2, 1, 4)], ids=str)
@pytest.mark.parametrize("dim", range(-4, 4))
def test_size_of_a_dim_matches_torch(torch, shape, dim):
    t, tt = cr.zeros(shape), torch.zeros(shape)
    assert t.size() == tt.size() == t.shape
    assert t.numel() == tt.numel() and t.dim() == tt.dim() == t.ndim
    theirs = _outcome(lambda x: x.size(dim), tt)
    if theirs[0] == "error":
        with pytest.raises(cr.ShapeError, match=r"dim|dimensions"):
            t.size(dim)
    else:
        assert t.size(dim) == theirs[1] and type(t.size(dim)) is int


@pytest.mark.parametrize("dim", [1.0, True, "0"])
def test_size_needs_a_whole_number_dim(torch, dim):
    with pytest.raises(TypeError):
        torch.zeros(2, 3).size(dim)
    with pytest.raises(ConfigTypeError, match="dim"):
        cr.zeros(2, 3).size(dim)


def test_size_is_also_numpys_element_count():
    t = cr.zeros(2, 3)
    assert t.size == 6 == np.zeros((2, 3)).size and isinstance(t.size, int)
    assert t.size * 2 == 12 and f"{t.size}" == "6"
    assert cr.zeros(3).size(0) == 3 and cr.zeros(3).size(-1) == 3


# ----- np.asarray and friends: NumPy 2's __array__(dtype, copy) -----

@pytest.mark.parametrize("data", [[1.5, -2.0], [[1, 2], [3, 4]], [True, False], 3.0],
                         ids=repr)
def test_asarray_gives_numbers_like_torch(torch, data):
    t, tt = cr.tensor(data), torch.tensor(data)
    ours, theirs = np.asarray(t), np.asarray(tt)
    assert ours.dtype == theirs.dtype and ours.dtype != object
    np.testing.assert_array_equal(ours, theirs)
    assert np.shares_memory(ours, t.data)  # no copy, as torch's np.asarray(t) shares
    wide = np.asarray(t, dtype=np.float64)
    np.testing.assert_array_equal(wide, np.asarray(tt, dtype=np.float64))
    assert wide.dtype == np.float64


@pytest.mark.parametrize("kwargs", [{}, {"copy": True}, {"copy": False}, {"copy": None},
                                    {"dtype": np.float32}, {"dtype": np.float64},
                                    {"dtype": np.float32, "copy": False},
                                    {"dtype": np.float64, "copy": True},
                                    {"dtype": np.float64, "copy": False}], ids=str)
def test_array_copy_follows_numpy_for_an_ndarray(kwargs):
    """NumPy's own rule for an ndarray is the oracle: the tensor behaves as its array does."""
    data = np.array([1.0, 2.0], dtype=np.float32)
    t = cr.tensor(data)
    want = _outcome(lambda a: np.array(a, **kwargs), data)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no DeprecationWarning: the protocol is NumPy 2's
        got = _outcome(lambda a: np.array(a, **kwargs), t)
    if want[0] == "error":
        assert got[0] == "error" and isinstance(got[1], ValueError)
        assert isinstance(got[1], cr.ChainruleError) and "copy=False" in str(got[1])
    else:
        assert got[0] == "value", got[1]
        assert got[1].dtype == want[1].dtype
        np.testing.assert_array_equal(got[1], want[1])
        assert np.shares_memory(got[1], t.data) == np.shares_memory(want[1], data)


def test_numpy_functions_take_tensors():
    t = cr.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert np.allclose(t, [[1, 2], [3, 4]])
    np.testing.assert_allclose(t, np.array([[1, 2], [3, 4]]))
    np.testing.assert_array_equal(np.stack([t, t]).shape, (2, 2, 2))
    assert np.array([cr.tensor(1.0), cr.tensor(2.0)]).dtype == np.float32
    assert float(np.asarray(t).sum()) == float(t.sum()) == 10.0


# ----- creation functions -----

CREATION = [
    ("zeros", (2, 3), {}), ("zeros", ((2, 3),), {}), ("zeros", ([2, 3],), {}),
    ("zeros", ((),), {}), ("zeros", (0,), {}), ("zeros", (np.int64(2), 3), {}),
    ("zeros", (2,), {"dtype": "float64"}), ("zeros", (2,), {"dtype": "int64"}),
    ("zeros", (2,), {"dtype": "bool"}), ("zeros", (2, 1), {"requires_grad": True}),
    ("zeros", (3,), {"dtype": "float16", "requires_grad": True, "name": "z"}),
    ("ones", (3,), {}), ("ones", ((2, 2),), {"dtype": "int32"}),
    ("ones", (1,), {"dtype": "float64", "requires_grad": True}),
    ("ones", (2,), {"dtype": "uint8"}), ("ones", (2, 0, 3), {}),
    ("full", ((2, 3), 1.5), {}), ("full", ((2,), 7), {}), ("full", ((2,), True), {}),
    ("full", ((2,), -np.inf), {}), ("full", ((2,), float("nan")), {}),
    ("full", ((2,), np.float64(0.25)), {}), ("full", ((2,), np.int64(3)), {}),
    ("full", ((2,), 1), {"dtype": "float64"}), ("full", ((2,), 1.5), {"dtype": "int64"}),
    ("full", ((2, 2), 0.5), {"requires_grad": True}), ("full", ((), 3.0), {}),
    ("arange", (5,), {}), ("arange", (5.0,), {}), ("arange", (1, 4), {}),
    ("arange", (0, 1, 0.1), {}), ("arange", (5, 0, -1), {}), ("arange", (3, 3), {}),
    ("arange", (10, 0, -0.3), {}), ("arange", (-3, 7.3, 0.7), {}),
    ("arange", (1, 4), {"dtype": "float64"}), ("arange", (0, 5, 1.5), {"dtype": "int64"}),
    ("arange", (0.5, 3.7), {"dtype": "int64"}), ("arange", (np.float32(3),), {}),
    ("arange", (np.int64(4),), {}), ("arange", (), {"end": 4}),
    ("arange", (0.0, 2.0, 0.25), {"requires_grad": True}),
    ("linspace", (0, 1, 5), {}), ("linspace", (0, 10, 4), {"dtype": "int64"}),
    ("linspace", (-7.5, 1, 4), {"dtype": "int64"}), ("linspace", (0, 1, 0), {}),
    ("linspace", (0, 1, 1), {}), ("linspace", (-3.3, 7.1, 13), {}),
    ("linspace", (2, -2, 9), {"dtype": "float64"}),
    ("linspace", (0, 1, 3), {"requires_grad": True}),
]


@pytest.mark.parametrize("fn, args, kwargs", CREATION, ids=str)
def test_creation_matches_torch(torch, fn, args, kwargs):
    ours = getattr(cr, fn)(*args, **kwargs)
    theirs = getattr(torch, fn)(*args, **_torch_kwargs(torch, kwargs))
    assert_same(ours, theirs, torch)
    assert ours.name == kwargs.get("name") and ours.is_leaf and ours.grad is None


RANDOM = [((2, 3), {}), (((4,),), {}), (((),), {}), ((2,), {"dtype": "float64"}),
          ((2,), {"dtype": "float16"}), ((3,), {"requires_grad": True, "name": "w"}),
          ((0, 2), {})]


@pytest.mark.parametrize("fn", ["randn", "rand"])
@pytest.mark.parametrize("args, kwargs", RANDOM, ids=str)
def test_random_creation_matches_torch_but_the_numbers(torch, fn, args, kwargs):
    ours = getattr(cr, fn)(*args, **kwargs)
    theirs = getattr(torch, fn)(*args, **_torch_kwargs(torch, kwargs))
    assert_same(ours, theirs, torch, values=False)
    assert np.all(np.isfinite(ours.data))
    if fn == "rand":
        assert np.all((ours.data >= 0) & (ours.data < 1))


LIKE = [([1.0, 2.0], {}), ([[1, 2, 3]], {}), ([True], {}), (np.zeros((2, 2)), {}),
        (3.5, {}), ([1, 2], {"dtype": "float32"}), ([1.0], {"requires_grad": True}),
        ([[1.0, 2.0]], {"dtype": "int64"})]


@pytest.mark.parametrize("fn", ["zeros_like", "ones_like"])
@pytest.mark.parametrize("data, kwargs", LIKE, ids=str)
def test_like_functions_match_torch(torch, fn, data, kwargs):
    source, tsource = cr.tensor(data), torch.tensor(data)
    assert_same(getattr(cr, fn)(source, **kwargs),
                getattr(torch, fn)(tsource, **_torch_kwargs(torch, kwargs)), torch)


def test_like_functions_do_not_inherit_requires_grad(torch):
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    tw = torch.tensor([1.0, 2.0], requires_grad=True)
    assert_same(cr.zeros_like(w), torch.zeros_like(tw), torch)
    assert_same(cr.ones_like(w), torch.ones_like(tw), torch)


def test_created_tensors_take_part_in_autograd(torch):
    w = cr.full((3,), 2.0, requires_grad=True)
    tw = torch.full((3,), 2.0, requires_grad=True)
    (w * cr.arange(3.0)).sum().backward()
    (tw * torch.arange(3.0)).sum().backward()
    np.testing.assert_array_equal(w.grad, tw.grad.numpy())


# Where torch raises, chainrule raises a ChainruleError naming the argument (the regex).
ERRORS = [
    ("zeros", (), {}, "size"), ("zeros", (-1,), {}, "size"), ("zeros", (2, -1), {}, r"size\[1\]"),
    ("zeros", (2.5,), {}, "size"), ("zeros", (True,), {}, "size"), ("zeros", ((2,), 3), {}, "size"),
    ("ones", (2,), {"requires_grad": "yes"}, "requires_grad"),
    ("ones", (2,), {"requires_grad": 1}, "requires_grad"),
    ("zeros", (2,), {"dtype": "int64", "requires_grad": True}, "dtype"),
    ("ones", (2,), {"dtype": "float33"}, "dtype"), ("ones", (2,), {"dtype": "object"}, "dtype"),
    ("full", ((2,), "a"), {}, "fill_value"), ("full", ((2,), 1), {"requires_grad": True}, "dtype"),
    ("full", ((2,), 2**70), {}, "fill_value"),
    ("arange", (0, 5, 0), {}, "step"), ("arange", (5, 0), {}, "step"),
    ("arange", (-3.5,), {}, "step"), ("arange", (0, float("inf")), {}, "end"),
    ("arange", ("a",), {}, "end"), ("arange", (), {}, "end"), ("arange", (0, 5, "x"), {}, "step"),
    ("arange", (3,), {"dtype": "bool"}, "dtype"),
    ("arange", (3,), {"requires_grad": True}, "dtype"),
    ("linspace", (0, 1, -1), {}, "steps"), ("linspace", (0, 1, 2.0), {}, "steps"),
    ("linspace", ("a", 1, 3), {}, "start"), ("linspace", (0, 1, 3), {"dtype": "bool"}, "dtype"),
    ("randn", (2,), {"dtype": "int64"}, "dtype"), ("rand", (2,), {"dtype": "int64"}, "dtype"),
    ("randn", (), {}, "size"), ("rand", (-2,), {}, "size"),
    ("randn", (2,), {"requires_grad": "no"}, "requires_grad"),
]


@pytest.mark.parametrize("fn, args, kwargs, names", ERRORS, ids=str)
def test_creation_raises_where_torch_raises(torch, fn, args, kwargs, names):
    with pytest.raises(Exception):  # noqa: B017 - torch's types vary (TypeError, RuntimeError)
        getattr(torch, fn)(*args, **_torch_kwargs(torch, kwargs))
    with pytest.raises(cr.ChainruleError, match=names):
        getattr(cr, fn)(*args, **kwargs)


def test_like_functions_raise_where_torch_raises(torch):
    for fn in ("zeros_like", "ones_like"):
        with pytest.raises(RuntimeError):
            getattr(torch, fn)(torch.tensor([1, 2]), requires_grad=True)
        with pytest.raises(cr.DTypeError, match="dtype"):
            getattr(cr, fn)(cr.tensor([1, 2]), requires_grad=True)
        with pytest.raises(cr.DTypeError, match="dtype"):
            getattr(cr, fn)(cr.tensor([1.0]), dtype="complex128")


@settings(max_examples=150, deadline=None)
@given(start=st.one_of(st.integers(-40, 40), st.floats(-40, 40)),
       end=st.one_of(st.integers(-40, 40), st.floats(-40, 40)),
       step=st.one_of(st.integers(-7, 7), st.floats(0.05, 7), st.floats(-7, -0.05)))
def test_arange_lengths_and_values_match_torch(start, end, step):
    import torch

    theirs = _outcome(lambda a: torch.arange(*a), (start, end, step))
    if theirs[0] == "error":
        with pytest.raises(cr.ConfigError, match="step"):
            cr.arange(start, end, step)
    else:
        ours = cr.arange(start, end, step)
        assert_same(ours, theirs[1], torch, values=False)  # the same length, always
        _assert_close_in_float32(ours, theirs[1], max(abs(start), abs(end), abs(step)))


@settings(max_examples=100, deadline=None)
@given(start=st.floats(-1e3, 1e3), end=st.floats(-1e3, 1e3), steps=st.integers(0, 50))
def test_linspace_matches_torch(start, end, steps):
    import torch

    ours, theirs = cr.linspace(start, end, steps), torch.linspace(start, end, steps)
    assert_same(ours, theirs, torch, values=False)
    _assert_close_in_float32(ours, theirs, max(abs(start), abs(end)))


def _assert_close_in_float32(ours, theirs, scale):
    """Ours are start + i * step rounded once from float64; torch's may round in float32 on
    the way, one unit of the range's last place apart."""
    eps = np.finfo(np.float32).eps
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=0, atol=2 * eps * max(scale, 1))


# ----- manual_seed: one default stream, NumPy's -----

def test_manual_seed_makes_randn_and_rand_repeatable(own_stream):
    cr.manual_seed(0)
    a, b = cr.randn(3, 4), cr.rand(5)
    assert isinstance(cr.manual_seed(0), np.random.Generator)
    np.testing.assert_array_equal(cr.randn(3, 4).data, a.data)
    np.testing.assert_array_equal(cr.rand(5).data, b.data)
    cr.manual_seed(1)
    assert not np.array_equal(cr.randn(3, 4).data, a.data)


def test_the_stream_is_numpys_not_torchs(torch, own_stream):
    cr.manual_seed(0)
    ours = cr.randn(3, 4).data
    want = np.random.default_rng(0).standard_normal((3, 4), dtype=np.float32)
    np.testing.assert_array_equal(ours, want)
    torch.manual_seed(0)
    assert not np.allclose(ours, torch.randn(3, 4).numpy())  # documented: other numbers


def test_a_generator_argument_leaves_the_default_stream_alone(own_stream):
    cr.manual_seed(3)
    expected = cr.randn(4).data
    cr.manual_seed(3)
    mine = cr.rand(2, generator=np.random.default_rng(9))
    np.testing.assert_array_equal(mine.data, np.random.default_rng(9).random(2, np.float32))
    np.testing.assert_array_equal(cr.randn(4).data, expected)
    with pytest.raises(cr.ConfigError, match="generator"):
        cr.randn(2, generator=-1)


def test_draws_have_the_right_distribution(own_stream):
    cr.manual_seed(0)
    normal, uniform = cr.randn(20_000, dtype="float64").data, cr.rand(20_000).data
    assert abs(normal.mean()) < 0.03 and abs(normal.std() - 1) < 0.03
    assert abs(uniform.mean() - 0.5) < 0.01 and uniform.min() >= 0 and uniform.max() < 1
    assert cr.rand(50_000, dtype="float16").data.max() < 1  # rounding never reaches 1


# ----- deliberate differences from torch, each a NumPy habit or a stricter check -----

def test_asarray_works_on_a_tensor_that_requires_grad(torch):
    with pytest.raises(RuntimeError):  # torch: "use tensor.detach().numpy()"
        np.asarray(torch.ones(2, requires_grad=True))
    w = cr.ones(2, requires_grad=True)
    np.testing.assert_array_equal(np.asarray(w), [1.0, 1.0])  # the values, outside the graph


def test_numpy_habits_torch_refuses():
    # full takes one length like np.full(3, 7.0); torch.full wants a tuple.
    np.testing.assert_array_equal(cr.full(3, 7.0).data, np.full(3, 7.0, np.float32))
    # *_like take arrays and lists (torch wants a tensor); arrays keep their dtype.
    assert cr.zeros_like(np.ones((2, 3), dtype=np.int32)).dtype == np.int32
    assert cr.ones_like([[1.0, 2.0]]).shape == (1, 2)
    # dtype= takes NumPy dtypes and their names (cr.float64 is the name "float64").
    assert cr.zeros(2, dtype=cr.float64).dtype == cr.ones(2, dtype=np.float64).dtype
    assert cr.ones(2, dtype=float).dtype == np.float64  # Python types too, as in torch


@pytest.mark.parametrize("seed, error", [(-1, cr.ConfigError), (1.5, ConfigTypeError),
                                         (True, ConfigTypeError), ("0", ConfigTypeError)])
def test_manual_seed_takes_whole_numbers_from_zero(seed, error, own_stream):
    """torch.manual_seed also takes -1, 1.5 and True; a seed is a whole number >= 0 here."""
    with pytest.raises(error, match="seed"):
        cr.manual_seed(seed)


def test_stricter_bounds_than_torch(torch):
    # torch.arange(True) is [0] and torch.linspace(0, inf, 3) is nan: mistakes, refused here.
    torch.arange(True), torch.linspace(0, float("inf"), 3)
    with pytest.raises(ConfigTypeError, match="end"):
        cr.arange(True)
    with pytest.raises(cr.ConfigError, match="end"):
        cr.linspace(0, float("inf"), 3)
    with pytest.raises(cr.ConfigError, match="fill_value"):
        cr.full((2,), float("nan"), dtype="int64")  # torch stores garbage
