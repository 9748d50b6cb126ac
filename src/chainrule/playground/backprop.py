"""The backprop panel: ``cr.explain`` of one example through the current network, written in
the slide's notation.

The example runs through copies of the network's weights (named as on the slide: W, b1, U, b2
for one hidden layer; W1, b1, W2, ... otherwise), so explaining never touches the model's own
gradients. The lines for a one-hidden-layer net are the recitation's seven:
δ₁ = ŷ − y, ∂J/∂b₂ = δ₁, ∂J/∂U = δ₁hᵀ, ∂J/∂h = Uᵀδ₁, δ₂ = (Uᵀδ₁)∘1{h>0}, ∂J/∂b₁ = δ₂,
∂J/∂W = δ₂xᵀ; a deeper net repeats the middle four once per layer.
"""

from __future__ import annotations

import re

import numpy as np

from chainrule import activations
from chainrule import functional as F
from chainrule.inspect.explain import explain
from chainrule.playground import network
from chainrule.tensor import Tensor

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def sub(name: str) -> str:
    """'W2' -> 'W₂', 'delta_1' -> 'δ₁' (the page's notation)."""
    name = name.replace("delta_", "δ")
    head = name.rstrip("0123456789")
    return head + name[len(head):].translate(_SUB)


def names(n_layers: int) -> list:
    """``[(W, b, z, h), ...]`` per layer: the slide's names for one hidden layer."""
    if n_layers == 1:
        return [("W", "b", "z", None)]
    if n_layers == 2:
        return [("W", "b1", "z1", "h"), ("U", "b2", "z2", None)]
    return [(f"W{i}", f"b{i}", f"z{i}", f"h{i}" if i < n_layers else None)
            for i in range(1, n_layers + 1)]


def _factor(act, z: str, h: str) -> str:
    """g'(z) in the slide's notation, from the activation's row of the chain-rule table."""
    prim, _ = act.activation.bind(act.options)
    rule = prim.formulas[0].split("  (")[0]             # "dJ/dx = dJ/dy * (1 - t^2)"
    rhs = rule.split(" = ", 1)[1].strip()
    if rhs == "dJ/dy":
        return "1"
    if not rhs.startswith("dJ/dy * "):
        return rhs                                      # the step's "0"
    text = rhs[len("dJ/dy * "):]
    if act.activation is activations.RELU:
        # The slide writes 1{h > 0}: h = relu(z) is positive exactly where z is.
        text = text.replace("x", "h")
    saves = tuple(prim.saves or ())
    if len(saves) == 1 and saves[0].isidentifier() and saves[0] != "x":
        text = re.sub(rf"\b{saves[0]}\b", "h", text)   # the cached output g(x), e.g. tanh's t
    text = re.sub(r"\bs(?=\()", "σ", text)             # s(x): the sigmoid of x
    text = re.sub(r"\bx\b", sub(z), text)
    text = re.sub(r"\bh\b", sub(h), text)
    return text.replace(" - ", " − ").replace("^2", "²")


def _value(a) -> list | float:
    return np.round(np.asarray(a, dtype=np.float64), 6).tolist()


def explain_point(model, x: np.ndarray, target, task: str) -> dict:
    """The trace of one example (``x``: its input features) as the panel shows it."""
    stages = network.stages(model)
    labels = names(len(stages))
    h = Tensor(np.asarray(x, dtype=np.float32), name="x")
    forward = [{"name": "x", "value": _value(h.data)}]
    prev = "x"
    for (linear, act), (wn, bn, zn, hn) in zip(stages, labels):
        W = Tensor(linear.weight.data.copy(), requires_grad=True, name=wn)
        b = Tensor(linear.bias.data.copy(), requires_grad=True, name=bn)
        z = F.linear(h, W, b)
        z.name = zn
        forward.append({"name": f"{sub(zn)} = {sub(wn)}{sub(prev)} + {sub(bn)}",
                        "value": _value(z.data)})
        h = z
        if act is not None:
            h = act(z)
            h.name = hn
            forward.append({"name": f"{sub(hn)} = {act.activation.name}({sub(zn)})",
                            "value": _value(h.data)})
            prev = hn
    if task == "classification":
        J = F.cross_entropy(z, np.int64(target))
        y_hat = np.exp(z.data - z.data.max())
        y_hat /= y_hat.sum()
        forward.append({"name": f"ŷ = softmax({sub(labels[-1][2])})", "value": _value(y_hat)})
    else:
        J = F.mse_loss(z, np.asarray([target], dtype=np.float32))
        y_hat = z.data
    J.name = "J"
    loss = float(J.item())
    trace = explain(J)
    lines = _slide_lines(trace, stages, labels, task)
    grads = [[_value(trace[wn].grad), _value(trace[bn].grad)] for wn, bn, _, _ in labels]
    head = (f"One example through the current network: x = {_value(x)}, "
            f"y = {target}, J = {loss:.6g}")
    return {"lines": lines, "forward": forward, "grads": grads, "loss": loss,
            "prediction": _value(y_hat), "text": head + "\n\n" + trace.to_text()}


def _slide_lines(trace, stages, labels, task) -> list:
    lines = []

    def line(lhs, rhs, key):
        lines.append({"lhs": lhs, "rhs": rhs, "value": _value(trace[key].grad)})

    first = "ŷ − y" if task == "classification" else "2(ŷ − y)"
    line(f"δ₁ = ∂J/∂{sub(labels[-1][2])}", first, "delta_1")
    k = 1
    for layer in range(len(stages) - 1, -1, -1):
        wn, bn, _, _ = labels[layer]
        delta = sub(f"delta_{k}")
        below = "x" if layer == 0 else labels[layer - 1][3]
        line(f"∂J/∂{sub(bn)}", delta, bn)
        line(f"∂J/∂{sub(wn)}", f"{delta}{sub(below)}ᵀ", wn)
        if layer == 0:
            break
        _, _, zb, hb = labels[layer - 1]
        line(f"∂J/∂{sub(hb)}", f"{sub(wn)}ᵀ{delta}", hb)
        factor = _factor(stages[layer - 1][1], zb, hb)
        k += 1
        line(f"{sub(f'delta_{k}')} = ∂J/∂{sub(zb)}", f"({sub(wn)}ᵀ{delta}) ∘ {factor}",
             f"delta_{k}")
    return lines
