"""Every row of the chain-rule table declares the facts the inspection tools read, and they hold."""

import re

import numpy as np
import pytest

import chainrule as cr
from chainrule import ops
from chainrule.autograd import ROLES, Kink, Primitive
from chainrule.errors import ConfigError

TABLE = ops.all_primitives()
_GRAD_TXT = re.compile(r"dJ/d(\w+)")
_GRAD_TEX = re.compile(r"\\partial ([^{}]+?)\}")


def _tex(symbol):
    return r"\hat " + symbol[:-4] if symbol.endswith("_hat") else symbol


@pytest.mark.parametrize("name", sorted(TABLE))
def test_every_row_declares_a_role_and_one_input_name_per_rule(name):
    prim = TABLE[name]
    assert prim.role in ROLES
    assert prim.formulas, "every row of the table has its rules written out"
    assert len(prim.inputs) == len(prim.formulas) == len(prim.latex)
    assert all(isinstance(s, str) and s for s in prim.inputs)
    assert len(set(prim.inputs)) == len(prim.inputs)
    assert set(prim.broadcasts) <= set(prim.inputs)
    assert all(isinstance(k, Kink) for k in prim.kinks)


@pytest.mark.parametrize("name", sorted(TABLE))
def test_each_rule_is_written_for_its_declared_input_and_output(name):
    """Rule i differentiates with respect to inputs[i], and every dJ/d. it uses is declared."""
    prim = TABLE[name]
    declared = set(prim.inputs) | ({prim.output} if prim.output else set())
    for symbol, text, tex in zip(prim.inputs, prim.formulas, prim.latex):
        body = text[len("delta = "):] if text.startswith("delta = ") else text
        assert body.startswith(f"dJ/d{symbol} "), (text, symbol)
        assert set(_GRAD_TXT.findall(text)) <= declared, text
        tex_symbols = [s.strip() for s in _GRAD_TEX.findall(tex) if s.strip() != "J"]
        assert tex_symbols[0] == _tex(symbol), (tex, symbol)
        assert set(tex_symbols) <= {_tex(s) for s in declared}, tex


def test_roles_cover_the_layers_of_a_network():
    by_role = {}
    for name, prim in TABLE.items():
        by_role.setdefault(prim.role, set()).add(name)
    assert by_role["affine"] == {"linear", "matmul"}
    assert by_role["loss"] == {"cross_entropy", "mse_loss", "binary_cross_entropy_with_logits"}
    assert by_role["normalize"] == {"softmax", "log_softmax"}
    assert by_role["reduction"] == {"sum", "mean", "max", "min"}
    assert {"reshape", "transpose", "getitem", "concatenate", "stack", "cast"} == \
        by_role["shape"]
    assert {"sigmoid", "tanh", "relu", "leaky_relu", "identity", "softplus", "gelu", "step",
            "step_straight_through", "step_sigmoid"} == by_role["activation"]
    assert {n for n, p in TABLE.items() if p.surrogate} == {"step_straight_through",
                                                            "step_sigmoid"}


def _grads(prim, arrays, params):
    tensors = [cr.tensor(a, requires_grad=True) for a in arrays]
    (prim(*tensors, **params) * np.arange(1.0, 13.0).reshape(4, 3)).sum().backward()
    return [t.grad for t in tensors]


@pytest.mark.parametrize("name", sorted(n for n, p in TABLE.items() if p.broadcasts))
def test_declared_broadcasting_inputs_do_broadcast(name):
    """An input the row says NumPy broadcasts gets the gradient of its broadcast copy, summed
    back over the broadcast axis."""
    prim = TABLE[name]
    rng = np.random.default_rng(0)
    if name == "linear":  # b is broadcast over the batch of z = x W^T + b
        x, w, b = rng.normal(size=(4, 2)), rng.normal(size=(3, 2)), rng.normal(size=(3,))
        gb = _grads(prim, [x, w, b], {})[2]
        np.testing.assert_allclose(gb, np.arange(1.0, 13.0).reshape(4, 3).sum(axis=0))
        return
    params = {"cond": rng.normal(size=(4, 3)) > 0} if name == "where" else {}
    full = [rng.uniform(1.0, 2.0, size=(4, 3)), rng.uniform(3.0, 4.0, size=(4, 3))]
    for slot, symbol in enumerate(prim.inputs):
        assert symbol in prim.broadcasts
        row = full[slot][:1]
        small = list(full)
        small[slot] = row
        tiled = list(full)
        tiled[slot] = np.broadcast_to(row, (4, 3)).copy()
        np.testing.assert_allclose(_grads(prim, small, params)[slot],
                                   _grads(prim, tiled, params)[slot].sum(axis=0, keepdims=True))


def test_a_fused_row_equals_the_rows_it_stands_for():
    rng = np.random.default_rng(1)
    z = rng.normal(size=(4, 3))
    targets = [np.array([0, 2, 1, 2]), rng.dirichlet(np.ones(3), size=4)]
    for target in targets:
        for reduction in ("mean", "sum", "none"):
            fused = ops.cross_entropy(cr.tensor(z), target=target, reduction=reduction)
            unfused, names = ops.cross_entropy.unfused(cr.tensor(z), target=target,
                                                       reduction=reduction)
            np.testing.assert_allclose(unfused.data, fused.data, rtol=1e-12)
            assert "y_hat" in names.values() and "log_y_hat" in names.values()
    single, _ = ops.cross_entropy.unfused(cr.tensor(z[0]), target=np.array(1))
    np.testing.assert_allclose(single.data, ops.cross_entropy(cr.tensor(z[0]),
                                                              target=np.array(1)).data)


def test_a_custom_primitive_keeps_the_readme_constructor_and_gets_defaults():
    cube = Primitive("cube", lambda a: (a**3, a), lambda g, a, needs: (3 * g * a * a,),
                     formulas=("dJ/dx = dJ/dy * 3x^2",))
    assert (cube.role, cube.inputs, cube.output) == ("elementwise", ("x",), "y")
    assert (cube.kinks, cube.surrogate, cube.broadcasts) == ((), False, ())
    assert cube.notes is None and cube.unfused is None and cube.shown_as is None
    assert cube.hint == ""
    pair = Primitive("pair", lambda a, b: (a * b, None), lambda g, s, n: (g, g),
                     formulas=("dJ/da = ...", "dJ/db = ..."))
    assert pair.inputs == ("a", "b")
    bare = Primitive("bare", lambda a: (a, None), lambda g, s, n: (g,))
    assert bare.inputs == ()


def test_a_row_that_contradicts_itself_is_refused():
    fwd, vjp = (lambda a: (a, None)), (lambda g, s, n: (g,))
    with pytest.raises(ConfigError, match="did you mean 'activation'"):
        Primitive("p", fwd, vjp, role="activaton")
    with pytest.raises(ConfigError, match="2 rules but 1 input names"):
        Primitive("p", fwd, vjp, formulas=("dJ/da = dJ/dy", "dJ/db = dJ/dy"), inputs=("a",))
    with pytest.raises(ConfigError, match="LaTeX"):
        Primitive("p", fwd, vjp, formulas=("dJ/dx = dJ/dy",), latex=("a", "b"))
    with pytest.raises(ConfigError, match="not among its inputs"):
        Primitive("p", fwd, vjp, formulas=("dJ/dx = dJ/dy",), broadcasts=("b",))
    with pytest.raises(ConfigError, match="Kink"):
        Primitive("p", fwd, vjp, kinks=("x = 0",))
    assert Primitive("p", fwd, vjp, role="Activation").role == "activation"
