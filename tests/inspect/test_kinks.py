"""Kinks are declared in the op table: where they are, which subgradient each rule takes there;
and they are exactly the places where per-op gradcheck excuses a disagreement with finite
differences."""

import numpy as np
import pytest

import chainrule as cr
from chainrule import functional as F
from chainrule import ops
from chainrule.autograd import Primitive
from chainrule.inspect import gradcheck
from chainrule.inspect.per_op import tolerance_note

TABLE = ops.all_primitives()
EPS = 1e-6

# Points on each declared kink (inputs, keyword options) and the derivative the vjp takes
# there, for an upstream of ones. Every row with a kink must appear here.
ON_KINK = {
    "relu": ((np.array([0.0]),), {}, [0.0]),
    "leaky_relu": ((np.array([0.0]),), {"slope": 0.1}, [0.1]),
    "abs": ((np.array([0.0]),), {}, [0.0]),
    "step": ((np.array([0.0]),), {}, [0.0]),
    "step_straight_through": ((np.array([0.0]),), {}, [1.0]),
    "step_sigmoid": ((np.array([0.0]),), {}, [0.25]),
    "clip": ((np.array([-1.0, 1.0]),), {"lo": -1.0, "hi": 1.0}, [1.0, 1.0]),
    "maximum": ((np.array([2.0]), np.array([2.0])), {}, [0.5, 0.5]),
    "minimum": ((np.array([2.0]), np.array([2.0])), {}, [0.5, 0.5]),
    "max": ((np.array([3.0, 3.0, 1.0]),), {}, [0.5, 0.5, 0.0]),
    "min": ((np.array([1.0, 1.0, 3.0]),), {}, [0.5, 0.5, 0.0]),
}


def _away(arrays):
    """The same inputs moved well clear of every kink (distinct values, none near 0 or 1)."""
    return [a + 0.5 * np.arange(1, a.size + 1).reshape(a.shape) * (1 + 2 * i) + 0.25
            for i, a in enumerate(arrays)]


def test_every_kinked_row_has_a_point_on_its_kink_here():
    assert {n for n, p in TABLE.items() if p.kinks} == set(ON_KINK)


@pytest.mark.parametrize("name", sorted(ON_KINK))
def test_a_kink_is_where_its_row_says_and_the_rule_takes_the_declared_subgradient(name):
    prim = TABLE[name]
    arrays, params, expected = ON_KINK[name]
    (kink,) = prim.kinks
    assert kink.at and kink.takes
    assert np.any(np.asarray(kink.distance(*arrays, **params)) == 0)
    assert np.all(np.asarray(kink.distance(*_away(arrays), **params)) > 0.1)
    out, saved = prim.forward(*arrays, **params)
    grads = prim.vjp(np.ones_like(out), saved, (True,) * len(arrays))
    taken = np.concatenate([np.broadcast_to(g, a.shape).reshape(-1)
                            for g, a in zip(grads, arrays)])
    np.testing.assert_allclose(taken, expected)


@pytest.mark.parametrize("name", sorted(TABLE))
def test_per_op_gradcheck_tolerates_exactly_the_declared_kinks(name):
    """On a declared kink (or within eps of it) the node is excused and the note names the kink;
    away from every kink, and for a row that declares none, nothing is excused (surrogates
    aside, which are excused everywhere, by design)."""
    prim = TABLE[name]
    if prim.surrogate:
        assert "surrogate" in tolerance_note(prim, [np.zeros(3)], {}, EPS)
        return
    if not prim.kinks:  # zeros and ties are where a kink would be: nothing is excused
        assert tolerance_note(prim, [np.zeros(3)] * len(prim.inputs), {}, EPS) == ""
        return
    arrays, params, _ = ON_KINK[name]
    (kink,) = prim.kinks
    on = tolerance_note(prim, list(arrays), params, EPS)
    assert "kink" in on and kink.at in on and kink.takes in on
    near = [a + EPS / 2 for a in arrays[:1]] + list(arrays[1:])
    assert kink.at in tolerance_note(prim, near, params, EPS)
    assert tolerance_note(prim, _away(arrays), params, EPS) == ""


def _relu_like(**facts):
    return Primitive("my_relu", lambda z: (np.maximum(z, 0), z > 0),
                     lambda g, mask, needs: (g * mask,), formulas=("dJ/dx = dJ/dy * 1{x > 0}",),
                     **facts)


def test_the_excuse_comes_from_the_declaration_not_the_name():
    x = np.array([-1.0, 1e-7, 2.0])  # 1e-7 is within eps = 1e-6 of the kink at 0
    undeclared = gradcheck(lambda t: _relu_like()(t).sum(), x, per_op=True,
                           raise_on_failure=False)
    assert not undeclared.ops[0].passed and undeclared.ops[0].note == ""
    declared = gradcheck(lambda t: _relu_like(kinks=ops.relu.kinks)(t).sum(), x, per_op=True,
                         raise_on_failure=False)
    assert declared.ops[0].passed and "kink at x = 0" in declared.ops[0].verdict
    surrogate = gradcheck(lambda t: _relu_like(surrogate=True)(t).sum(), x, per_op=True,
                          raise_on_failure=False)
    assert surrogate.ops[0].passed and "surrogate" in surrogate.ops[0].verdict


def test_near_ties_of_maximum_and_max_are_excused_by_their_kinks():
    a = np.array([1.0, 2.0, 3.0])
    b = a + np.array([3e-7, 1.0, -1.0])  # the first pair is closer than eps
    report = gradcheck(lambda p, q: F.maximum(p, q).sum(), a, b, per_op=True,
                       raise_on_failure=False)
    assert report.ops[0].passed and "a = b" in report.ops[0].verdict
    x = np.array([3.0, 3.0 + 4e-7, 1.0])
    report = gradcheck(lambda t: t.max(), x, per_op=True, raise_on_failure=False)
    assert report.ops[0].passed and "a tie for max x" in report.ops[0].verdict


def test_explain_says_when_a_value_sits_on_a_kink():
    x = cr.tensor([1.0, 0.0, -2.0], name="x")
    W = cr.tensor(np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 1.0]]), requires_grad=True, name="W")
    U = cr.tensor(np.ones((1, 2)), requires_grad=True, name="U")
    J = F.linear(F.relu(F.linear(x, W)), U).sum()  # z1 = W x = [1, -2]: no zero
    assert not [n for s in cr.explain(J).steps for n in s.notes if "kink" in n]
    W2 = cr.tensor(np.array([[1.0, 2.0, 0.5], [0.0, 1.0, 1.0]]), requires_grad=True, name="W")
    J = F.linear(F.relu(F.linear(x, W2)), U).sum()  # z1 = W x = [0, -2]
    trace = cr.explain(J)
    assert trace["z1"].notes[-1] == ("1 of 2 values sit on the kink (z1 = 0): the rule takes "
                                     "derivative 0 (1{x > 0} is 0 there)")
