"""Reading the recorded graph: a stable forward order and stable names for every tensor.

explain, the stepper and draw all name tensors through ``name_graph`` so a picture and a trace
of the same graph use the same words. Names come from ``tensor.name`` (``name=`` or a Module's
attribute path), else from the op's row of the table: its ``shown_as`` (``y_hat`` for softmax),
else its role: ``z{k}`` for the k-th layer (role "affine"), ``h{k}`` for the activation after
it (``y_hat`` for a final one), ``loss`` for a loss; ``J`` for the output.
"""

from __future__ import annotations

import numpy as np

from chainrule.errors import GraphError


def role(t) -> str | None:
    """The role (``Primitive.role``) of the op that made ``t`` (None for a leaf)."""
    return None if t._node is None else t._node.prim.role


def forward_order(root) -> list:
    """Every tensor reachable from ``root`` (leaves included), inputs before their consumers.

    A depth-first walk that visits a node's inputs in argument order, so the order depends on
    the graph alone: two runs of the same code give the same order.
    """
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        t, expanded = stack.pop()
        if expanded:
            order.append(t)
            continue
        if id(t) in seen:
            continue
        seen.add(id(t))
        stack.append((t, True))
        node = t._node
        if node is None:
            continue
        if node.released:
            raise GraphError(
                f"the graph below '{t.name or node.prim.name}' was released by backward(); "
                "call backward(retain_graph=True) (or explain(..., retain_graph=True)) first, "
                "or run the forward pass again"
            )
        for inp in reversed(node.inputs):  # reversed: the stack pops the first input first
            if id(inp) not in seen:
                stack.append((inp, False))
    return order


def consumers(order) -> dict:
    """id(tensor) -> list of (consumer tensor, input slot), in forward order."""
    uses = {id(t): [] for t in order}
    for t in order:
        if t._node is not None:
            for slot, inp in enumerate(t._node.inputs):
                uses[id(inp)].append((t, slot))
    return uses


def _constant_name(t) -> str | None:
    """A size-1 constant reads best as its value: 'dJ/da = dJ/dy * 2'."""
    if t.data.size != 1 or t.data.dtype.kind not in "fiub":
        return None
    value = t.data.reshape(-1)[0]
    if t.data.dtype.kind == "f":
        return np.format_float_positional(value, trim="-", precision=6)
    return str(value)


def name_graph(root, names=None, order=None) -> dict:
    """id(tensor) -> display name for every tensor reachable from ``root``.

    ``names`` optionally maps tensors (or their ids) to names and wins over everything else.
    Names of tensors that can carry a gradient are unique (a repeat gets a suffix ``_2``);
    constants may share a name.
    """
    order = forward_order(root) if order is None else order
    uses = consumers(order)
    given = {}
    for key, value in (names or {}).items():
        given[key if isinstance(key, int) else id(key)] = str(value)

    result, taken = {}, set()

    def unique(base):
        name, j = base, 2
        while name in taken:
            name, j = f"{base}_{j}", j + 1
        taken.add(name)
        return name

    # Explicit names first, so an automatic name never takes a name the user chose.
    for t in order:
        explicit = given.get(id(t)) or t.name
        if explicit:
            result[id(t)] = unique(explicit) if t.requires_grad else explicit
            if not t.requires_grad:
                taken.add(explicit)

    # Is there a layer (role affine) downstream? (an activation with none is the prediction)
    affine_below = {}
    for t in reversed(order):
        affine_below[id(t)] = any(role(c) == "affine" or affine_below[id(c)]
                                  for c, _ in uses[id(t)])

    # A tensor's layer: the most ops of role affine on any path from the inputs to it.
    depth, counters, first_input = {}, {}, True
    for t in order:
        prim = None if t._node is None else t._node.prim
        below = max((depth[id(i)] for i in t._node.inputs), default=0) if prim else 0
        depth[id(t)] = layer = below + (role(t) == "affine")
        if id(t) in result:
            if prim is None and not t.requires_grad:
                first_input = False
            continue
        if t is root:
            base = "J"
        elif prim is None:
            if t.requires_grad:
                base = f"param{counters.setdefault('param', 0) + 1}"
                counters["param"] += 1
            else:
                loss_target = any(role(c) == "loss" and slot == 1 for c, slot in uses[id(t)])
                const = _constant_name(t)
                if loss_target:
                    base = "y"
                elif first_input and const is None:
                    base, first_input = "x", False
                else:
                    if const is None:
                        counters["const"] = counters.get("const", 0) + 1
                    result[id(t)] = const or f"const{counters['const']}"
                    continue
        else:
            base = _op_base(prim, layer, affine_below[id(t)], counters)
        result[id(t)] = unique(base) if t.requires_grad or prim is not None else base
    return result


def _op_base(prim, layer, affine_below, counters) -> str:
    """The automatic name of an op's output, from its row of the table."""
    if prim.shown_as:
        return prim.shown_as
    if prim.role == "affine":
        return f"z{layer}"
    if prim.role == "activation" and layer > 0:  # after a layer: h{k}, or y_hat at the end
        return f"h{layer}" if affine_below else "y_hat"
    if prim.role == "loss":
        return "loss"
    counters[prim.name] = counters.get(prim.name, 0) + 1
    return f"{prim.name}{counters[prim.name]}"


_GREEK = frozenset({
    "alpha", "beta", "gamma", "delta", "epsilon", "eta", "theta", "lambda", "mu", "sigma",
    "tau", "phi", "psi", "omega",
})


def _tex_escape(s: str) -> str:
    return s.replace("\\", r"\backslash ").replace("_", r"\_").replace("#", r"\#") \
        .replace("$", r"\$").replace("%", r"\%").replace("&", r"\&").replace("{", r"\{") \
        .replace("}", r"\}")


def tex_name(name: str) -> str:
    """A display name as LaTeX math: z1 -> z_{1}, y_hat -> \\hat{y}, delta_1 -> \\delta_{1}."""
    import re

    if name == "y_hat":
        return r"\hat{y}"
    if name == "log_y_hat":
        return r"\log\hat{y}"
    m = re.fullmatch(r"([A-Za-z])(\d+)", name)
    if m:
        return f"{m[1]}_{{{m[2]}}}"
    m = re.fullmatch(r"([A-Za-z]+)_(\w+)", name)
    if m and (m[1] in _GREEK or len(m[1]) == 1) and "_" not in m[2]:
        head = "\\" + m[1] if m[1] in _GREEK else m[1]
        return f"{head}_{{{_tex_escape(m[2])}}}"
    if re.fullmatch(r"[A-Za-z]", name):
        return name
    if name in _GREEK:
        return "\\" + name
    if re.fullmatch(r"-?\d+(\.\d+)?", name):
        return name
    return r"\mathrm{" + _tex_escape(name) + "}"
