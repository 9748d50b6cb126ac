"""NumPy and PyTorch habits on Tensor, against torch itself.

Each case makes the same call in both libraries and compares the value (where deterministic),
dtype, shape and ``requires_grad``; where torch raises, chainrule raises a ``ChainruleError``
whose message names the argument.
"""

import operator
import warnings

import numpy as np
import pytest

import chainrule as cr
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
    t, tt = cr.tensor(np.zeros(shape, np.float32)), torch.zeros(shape)
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
        cr.tensor(np.zeros((2, 3))).size(dim)


def test_size_is_also_numpys_element_count():
    t = cr.tensor(np.zeros((2, 3)))
    assert t.size == 6 == np.zeros((2, 3)).size and isinstance(t.size, int)
    assert t.size * 2 == 12 and f"{t.size}" == "6"
    assert cr.tensor([0.0] * 3).size(0) == 3 and cr.tensor([0.0] * 3).size(-1) == 3


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


def test_asarray_works_on_a_tensor_that_requires_grad(torch):
    with pytest.raises(RuntimeError):  # torch: "use tensor.detach().numpy()"
        np.asarray(torch.ones(2, requires_grad=True))
    w = cr.tensor([1.0, 1.0], requires_grad=True)
    np.testing.assert_array_equal(np.asarray(w), [1.0, 1.0])  # the values, outside the graph
