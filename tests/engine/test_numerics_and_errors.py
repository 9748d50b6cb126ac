"""Numerical extremes stay finite; bad input gets a clear, typed error."""

import numpy as np
import pytest

import chainrule as cr
import chainrule.functional as F

EXTREMES = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("fn", [
    lambda z: F.cross_entropy(z, np.array([1, 0])),
    lambda z: F.softmax(z).sum(),
    lambda z: (F.log_softmax(z) * np.array([1.0, 2.0, 3.0])).sum(),
    lambda z: F.sigmoid(z).sum(),
    lambda z: F.softplus(z).sum(),
    lambda z: F.binary_cross_entropy_with_logits(z, np.ones((2, 3))),
])
def test_extreme_logits_give_finite_values_and_gradients(fn, dtype):
    z = cr.tensor(EXTREMES, dtype=dtype, requires_grad=True)
    out = fn(z)
    assert np.isfinite(out.data).all()
    out.backward()
    assert np.isfinite(z.grad).all()


def test_cross_entropy_at_extremes_is_exact():
    z = cr.tensor(EXTREMES, dtype=np.float64, requires_grad=True)
    loss = F.cross_entropy(z, np.array([1, 0]))  # both rows wrong by 2e4
    assert loss.item() == pytest.approx(2e4)
    loss.backward()
    np.testing.assert_allclose(z.grad, [[0.5, -0.5, 0], [-0.5, 0.5, 0]], atol=1e-12)


def test_sigmoid_limits():
    s = F.sigmoid(cr.tensor([-1e4, 0.0, 1e4], dtype=np.float64)).data
    np.testing.assert_array_equal(s, [0.0, 0.5, 1.0])


def test_matmul_shape_mismatch_names_both_shapes():
    a = cr.tensor(np.ones((2, 3)))
    b = cr.tensor(np.ones((4, 5)))
    with pytest.raises(cr.ShapeError, match=r"\(2, 3\) and \(4, 5\)"):
        a @ b


def test_broadcast_mismatch_names_both_shapes():
    with pytest.raises(cr.ShapeError, match=r"\(2, 3\) and \(4,\)"):
        cr.tensor(np.ones((2, 3))) + cr.tensor(np.ones(4))


def test_errors_belong_to_one_family():
    for cls in (cr.ShapeError, cr.DTypeError, cr.GraphError, cr.GradcheckError, cr.DataError,
                cr.ModelFileError, cr.ConfigError, cr.MissingExtraError):
        assert issubclass(cls, cr.ChainruleError)


def test_cross_entropy_label_out_of_range():
    with pytest.raises(cr.ShapeError, match=r"\[0, 2\] for 3 classes"):
        F.cross_entropy(cr.tensor(np.zeros((2, 3))), np.array([0, 3]))


def test_unknown_reduction_and_activation():
    with pytest.raises(cr.ConfigError, match="mean"):
        F.mse_loss(cr.tensor([1.0]), cr.tensor([2.0]), reduction="avg")
    with pytest.raises(cr.ConfigError, match="relu"):
        F.activation("swish")


def test_missing_extra_message_names_the_extra():
    from chainrule.errors import require
    with pytest.raises(cr.MissingExtraError, match=r"pip install 'chainrule\[plot\]'"):
        require("surely_not_a_module_xyz", "plot")


def test_linear_names_the_feature_mismatch():
    with pytest.raises(cr.ShapeError, match=r"input has 5 features .* expects 4"):
        F.linear(cr.tensor(np.ones((2, 5))), cr.tensor(np.ones((8, 4))))


@pytest.mark.parametrize("data, match", [
    ([[1.0, 2.0], [3.0]], "rectangular"),
    (["a", "b"], "must be numbers"),
    (np.array([1 + 2j]), "must be numbers"),
])
def test_bad_tensor_data_is_a_dtype_error(data, match):
    with pytest.raises(cr.DTypeError, match=match):
        cr.tensor(data)
