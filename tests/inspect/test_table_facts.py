"""The inspection tools read what a primitive's row declares (role, symbols, notes, broadcasts,
unfused form, hint), so a custom primitive is shown like the table's own, and no module of
inspect keeps its own list of op names."""

import ast
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
import chainrule.inspect
from chainrule import functional as F
from chainrule import ops
from chainrule.autograd import Primitive
from chainrule.errors import AnomalyError
from chainrule.inspect import _fd, fd_error_curve, gradcheck


def _square(**facts):
    return Primitive("square", lambda a: (a * a, a), lambda g, a, needs: (2 * g * a,),
                     formulas=("dJ/dx = dJ/dy * 2 x",), **facts)


def _two_layers(activation):
    rng = np.random.default_rng(0)
    x = cr.tensor(rng.normal(size=(2, 3)))
    W1 = cr.tensor(rng.normal(size=(4, 3)), requires_grad=True)
    W2 = cr.tensor(rng.normal(size=(2, 4)), requires_grad=True)
    return F.cross_entropy(F.linear(activation(F.linear(x, W1)), W2), np.array([0, 1]))


def test_a_custom_primitive_declaring_role_activation_is_named_h1():
    trace = cr.explain(_two_layers(_square(role="activation")))
    assert [s.name for s in trace.steps] == ["z2", "param2", "h1", "z1", "param1"]
    assert trace["z1"].formula == "delta_2 = dJ/dz1 = dJ/dh1 * 2 z1"
    assert cr.draw(_two_layers(_square(role="activation"))).nodes[3][1:3] == ("h1", "square")
    # the role decides, not the name: the same op as a plain elementwise function
    plain = cr.explain(_two_layers(_square()))
    assert "square1" in [s.name for s in plain.steps] and "h1" not in plain.grads


def test_a_custom_layer_gets_z_names_and_a_delta_label():
    scale = Primitive("scale", lambda x, w: (x * w, (x, w)),
                      lambda g, s, needs: (g * s[1], g * s[0]),
                      formulas=("dJ/dx = dJ/dz * w", "dJ/dw = dJ/dz * x"), role="affine",
                      inputs=("x", "w"), output="z")
    x = cr.tensor([1.0, 2.0], name="x")
    w = cr.tensor([3.0, -1.0], requires_grad=True, name="w")
    trace = cr.explain(F.mse_loss(F.tanh(scale(x, w)), np.zeros(2)))
    assert trace["delta_1"].name == "z1"
    assert trace["w"].formula == "dJ/dw = delta_1 * x"


def test_formulas_map_the_declared_symbols_not_guessed_ones():
    fwd, vjp = (lambda a: (3 * a, None)), (lambda g, s, needs: (3 * g,))
    declared = Primitive("triple", fwd, vjp, formulas=("dJ/du = dJ/dv * 3",), inputs=("u",),
                         output="v")
    t = cr.tensor([1.0, 2.0], requires_grad=True, name="t")
    assert cr.explain(declared(t).sum())["t"].formula == "dJ/dt = dJ/dtriple1 * 3"
    # undeclared, the table's convention (x in, y out) applies and u, v are left as written
    undeclared = Primitive("triple", fwd, vjp, formulas=("dJ/du = dJ/dv * 3",))
    t = cr.tensor([1.0, 2.0], requires_grad=True, name="t")
    assert cr.explain(undeclared(t).sum())["t"].formula == "dJ/dt = dJ/dv * 3"


def test_notes_broadcasts_and_shown_as_come_from_the_row():
    def notes(slot, names, out, up, shapes, params):
        return [f"{names[slot]} moves {out} ({up})"]

    shift = Primitive("shift", lambda a, b: (a + b, None), lambda g, s, needs: (g, g),
                      formulas=("dJ/da = dJ/dy", "dJ/db = dJ/dy"), broadcasts=("b",),
                      notes=notes, shown_as="moved")
    a = cr.tensor(np.ones((2, 3)), requires_grad=True, name="a")
    b = cr.tensor(np.ones(3), requires_grad=True, name="b")
    trace = cr.explain(shift(a, b).sum())
    assert trace["moved"].node == "J"
    assert trace["b"].notes == [
        "b of shape (3,) was broadcast over the batch axis 0, so its gradient is summed over "
        "axis 0", "b moves moved (dJ/dmoved)"]
    assert trace["a"].notes == ["a moves moved (dJ/dmoved)"]
    quiet = Primitive("shift", lambda a, b: (a + b, None), lambda g, s, needs: (g, g),
                      formulas=("dJ/da = dJ/dy", "dJ/db = dJ/dy"))
    b2 = cr.tensor(np.ones(3), requires_grad=True, name="b")
    assert cr.explain(quiet(a, b2).sum())["b"].notes == []


def test_a_custom_fused_row_expands_into_the_rows_it_declares():
    sum_sq = Primitive("sum_sq", lambda a: (np.sum(a * a), a),
                       lambda g, a, needs: (2 * g * a,), formulas=("dJ/dx = 2 x dJ/dy",),
                       role="loss", unfused=lambda x: (ops.sum(ops.mul(x, x)), {}))
    x = cr.tensor([1.0, -2.0], requires_grad=True, name="x")
    fused = cr.explain(sum_sq(x), retain_graph=True)
    assert [s.op for s in fused.steps] == ["sum_sq"]
    expanded = cr.explain(sum_sq(x), expand=True)
    assert [s.op for s in expanded.steps] == ["sum", "mul", "mul", "sum of paths"]
    np.testing.assert_allclose(expanded["x"].grad, fused["x"].grad)


def test_detect_anomaly_prints_the_rows_hint():
    blow_up = Primitive("blow_up", lambda a: (a / 0.0, None), lambda g, s, needs: (g,),
                        hint="blow_up divides by zero on purpose")
    with pytest.raises(AnomalyError, match="blow_up divides by zero on purpose"), \
            cr.detect_anomaly():
        blow_up(cr.tensor([1.0]))
    with pytest.raises(AnomalyError, match=r"Check this op's inputs"), cr.detect_anomaly():
        Primitive("quiet", lambda a: (a / 0.0, None), lambda g, s, n: (g,))(cr.tensor([1.0]))
    with pytest.raises(AnomalyError) as info, cr.detect_anomaly():
        cr.tensor([0.0]).log()
    assert ops.log.hint in str(info.value)


def test_every_difference_quotient_goes_through_the_one_helper(monkeypatch):
    calls = []
    real = _fd.shifted

    def counting(f, x, eps, direction=1.0):
        calls.append(x.dtype)
        return real(f, x, eps, direction)

    monkeypatch.setattr(_fd, "shifted", counting)
    gradcheck(lambda t: (t * t).sum(), np.array([1.0, 2.0]))
    assert len(calls) == 2
    gradcheck(lambda t: (t * t).sum(), np.array([1.0, 2.0]), per_op=True)
    # end to end (2 elements), then per op: the mul (2 inputs of 2) and the sum (2)
    assert len(calls) == 2 + 2 * 2 + 2 + 2
    fd_error_curve(lambda t: t.exp().sum(), np.ones(3), eps=[1e-2, 1e-3], dtype=np.float32)
    assert calls[-2:] == [np.float32, np.float32]


def test_central_difference_puts_the_input_back_and_refuses_copies():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_allclose(_fd.central_difference(lambda: float(np.sum(x**3)), x, 1e-5),
                               3 * x**2, rtol=1e-8)
    np.testing.assert_array_equal(x, [[1.0, 2.0], [3.0, 4.0]])

    def fails():
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        _fd.central_difference(fails, x, 0.5)
    np.testing.assert_array_equal(x, [[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(ValueError, match="C-contiguous"):
        _fd.central_difference(lambda: 0.0, x.T, 1e-5)


# ----- no module of inspect keeps a list of op names

SRC = Path(chainrule.inspect.__file__).parent.parent
READERS = sorted((SRC / "inspect").glob("*.py")) + [SRC / "cli" / "rules.py",
                                                    SRC / "autograd.py"]
_LOOKUPS = {"get", "pop", "setdefault"}


def op_names_used_as_data(source: str, names) -> list:
    """(line, name) for every op name a module uses as data: compared with (``==``, ``in``),
    collected in a set, tuple or list, used as a dict key, an index or a ``.get`` key.
    Docstrings, messages and f-strings may mention ops freely."""
    found = []

    def check(node):
        if isinstance(node, ast.Constant) and node.value in names:
            found.append((node.lineno, node.value))

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            for operand in (node.left, *node.comparators):
                check(operand)
        elif isinstance(node, (ast.Set, ast.Tuple, ast.List)):
            for element in node.elts:
                check(element)
        elif isinstance(node, ast.Dict):
            for key in node.keys:
                check(key)
        elif isinstance(node, ast.Subscript):
            check(node.slice)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in _LOOKUPS and node.args:
            check(node.args[0])
        elif isinstance(node, ast.MatchValue):
            check(node.value)
    return found


def test_the_checker_finds_op_names_kept_as_data():
    names = set(ops.all_primitives())
    bad = '''
AFFINE = frozenset({"linear", "matmul"})
if prim.name == "relu" or op in ("softmax",):
    pass
HINTS = {"log": "log(0) = -inf"}
hint = HINTS.get("exp", "")
rule = table["sigmoid"]
'''
    assert sorted(v for _, v in op_names_used_as_data(bad, names)) == [
        "exp", "linear", "log", "matmul", "relu", "sigmoid", "softmax"]
    fine = '''
"""relu, linear and softmax may be named in a docstring."""
raise ValueError(f"{prim.name} produced NaN; relu is fine")
print("cross_entropy", prim.role == "affine" or prim.role == "activation")
'''
    assert op_names_used_as_data(fine, names) == []


@pytest.mark.parametrize("path", READERS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_reader_keeps_a_list_of_op_names(path):
    found = op_names_used_as_data(path.read_text(), set(ops.all_primitives()))
    assert not found, (f"{path.name} keeps op names {found}: declare the fact on the op's "
                       "row in ops.py (Primitive(..., role=..., kinks=...)) and read it there")
