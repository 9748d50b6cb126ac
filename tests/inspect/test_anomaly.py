"""detect_anomaly(): the first NaN/inf names its op and the user's line."""

import inspect

import numpy as np
import pytest

import chainrule as cr
from chainrule import autograd
from chainrule.errors import AnomalyError


def here() -> int:
    return inspect.currentframe().f_back.f_lineno


def test_log_of_zero_names_the_op_and_the_line():
    x = cr.tensor([0.0, 1.0], requires_grad=True)
    with pytest.raises(AnomalyError) as info, cr.detect_anomaly():
        line = here() + 1
        x.log()
    msg = str(info.value)
    assert msg.startswith("log produced -inf in 1 of 2 values")
    assert f"test_anomaly.py:{line} in test_log_of_zero_names_the_op_and_the_line: " \
           "x.log()" in msg
    assert "epsilon" in msg
    assert autograd.state.anomaly is None  # restored even after the error


def test_backward_inf_names_the_rule_and_where_the_op_was_created():
    x = cr.tensor([0.0, 4.0], requires_grad=True)
    with cr.detect_anomaly():
        line = here() + 1
        y = x.sqrt().sum()
        with pytest.raises(AnomalyError) as info:
            y.backward()
    msg = str(info.value)
    assert "the backward rule of sqrt produced inf in 1 of 2 values" in msg
    assert f"test_anomaly.py:{line}" in msg and "y = x.sqrt().sum()" in msg


def test_backward_of_a_graph_built_outside_says_so():
    x = cr.tensor([0.0, 4.0], requires_grad=True)
    y = x.sqrt().sum()
    with pytest.raises(AnomalyError, match="created outside detect_anomaly"), \
            cr.detect_anomaly():
        y.backward()


def test_nan_in_the_data_is_traced_to_the_leaf():
    x = cr.tensor([np.nan, 1.0], name="x")
    w = cr.tensor([1.0, 1.0], requires_grad=True)
    with pytest.raises(AnomalyError, match=r"mul received a non-finite 'x' \(a leaf"), \
            cr.detect_anomaly():
        x * w


def test_finite_computations_pass_and_sites_are_recorded():
    @cr.detect_anomaly()
    def run():
        x = cr.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        site = y._node.site
        y.backward()
        return x, site

    x, site = run()
    assert x.grad.tolist() == [2.0, 4.0]
    assert site.function == "run" and "(x * x).sum()" in site.code


def test_switches_and_nesting():
    x = cr.tensor([0.0], requires_grad=True)
    with cr.detect_anomaly(forward=False):
        y = x.log()  # no error: forward checks are off
        assert np.isneginf(y.data).all()
        with cr.detect_anomaly() as inner:
            assert autograd.state.anomaly is inner
        assert autograd.state.anomaly is not None
    assert autograd.state.anomaly is None
