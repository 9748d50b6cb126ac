"""Tensor basics: PyTorch's vocabulary, NumPy's broadcasting, the dtype rules."""

import numpy as np
import pytest

import chainrule as cr


def test_default_dtypes_follow_pytorch():
    assert cr.tensor([1.0, 2.0]).dtype == np.float32
    assert cr.tensor(3.0).dtype == np.float32
    assert cr.tensor([1, 2]).dtype == np.int64
    assert cr.tensor(np.ones(2)).dtype == np.float64  # arrays keep their dtype
    assert cr.tensor([1, 2], dtype=np.float64).dtype == np.float64


def test_python_scalars_keep_the_tensor_dtype():
    t = cr.tensor([1.0, 2.0])
    for out in (t + 1.5, 2 * t, t / 3, 1 - t, t**2, 2.0**t):
        assert out.dtype == np.float32


def test_mixing_float32_and_float64_promotes():
    a = cr.tensor([1.0], dtype=np.float32)
    b = cr.tensor([1.0], dtype=np.float64)
    assert (a + b).dtype == np.float64


def test_tensor_copies_its_input_and_numpy_shares():
    arr = np.ones(3)
    t = cr.tensor(arr)
    arr[0] = 5
    assert t.data[0] == 1
    assert t.numpy() is t.data


def test_attributes_and_item():
    t = cr.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, name="w")
    assert (t.shape, t.ndim, t.size, t.name, t.requires_grad) == ((2, 3), 2, 6, "w", True)
    assert t.grad is None and t.is_leaf
    assert cr.tensor([[4.0]]).item() == 4.0
    assert "requires_grad=True" in repr(t) and "name='w'" in repr(t)


def test_operators_match_numpy():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal(4)
    ta, tb = cr.tensor(a), cr.tensor(b)
    pairs = [(ta + tb, a + b), (ta - tb, a - b), (ta * tb, a * b), (ta / tb, a / b),
             (-ta, -a), (ta @ tb, a @ b), (abs(ta), np.abs(a)), (ta.T, a.T),
             (ta.reshape(2, 6), a.reshape(2, 6)), (ta.transpose(1, 0), a.T),
             (ta.sum(axis=0), a.sum(0)), (ta.mean(axis=1, keepdims=True), a.mean(1, keepdims=True)),
             (ta.max(axis=1), a.max(1)), (ta.min(), a.min()), (ta[1:, ::2], a[1:, ::2]),
             (ta.exp(), np.exp(a)), (ta.clip(-0.5, 0.5), np.clip(a, -0.5, 0.5)),
             (b + ta, b + a), (a @ cr.tensor(b), a @ b)]
    for got, want in pairs:
        assert isinstance(got, cr.Tensor)
        np.testing.assert_allclose(got.data, want, rtol=1e-12)


def test_comparisons_give_boolean_tensors_without_gradient():
    t = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    mask = t > 1.5
    assert mask.dtype == np.bool_ and not mask.requires_grad
    np.testing.assert_array_equal((t == 2.0).data, [False, True, False])
    assert {t: 1}[t] == 1  # still hashable


def test_functions_concatenate_stack_where_maximum_minimum():
    a, b = cr.tensor([1.0, 5.0]), cr.tensor([3.0, 2.0])
    np.testing.assert_array_equal(cr.concatenate([a, b]).data, [1, 5, 3, 2])
    np.testing.assert_array_equal(cr.stack([a, b], axis=1).data, [[1, 3], [5, 2]])
    np.testing.assert_array_equal(cr.where(a > b, a, b).data, [3, 5])
    np.testing.assert_array_equal(cr.maximum(a, b).data, [3, 5])
    np.testing.assert_array_equal(cr.minimum(a, 2.5).data, [1, 2.5])


def test_detach_and_requires_grad_flag():
    t = cr.tensor([1.0], requires_grad=True)
    d = t.detach()
    assert not d.requires_grad and d.data is t.data
    with pytest.raises(cr.DTypeError):
        cr.tensor([1, 2]).requires_grad_()


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "identity",
                                  "softplus", "gelu", "step"])
def test_activations_keep_float32(name):
    x = cr.tensor(np.linspace(-3, 3, 7), dtype=np.float32, requires_grad=True)
    out = cr.functional.activation(name)(x)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32
