"""Backprop one node at a time: ``backward_steps(loss)`` yields the state after every node.

It drives the engine's own walk (``autograd.iter_backward``) and writes down, for every
gradient that flows into an input, the rule of the chain-rule table that produced it, with the
graph's names and numbers. ``explain`` is this walk run to the end. Everything it says about an
op (its notes, what it broadcasts, its kinks, how a fused row expands) is read from the op's
row of the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from chainrule import autograd
from chainrule.inspect import formulas
from chainrule.inspect._format import fmt, indent
from chainrule.inspect._graph import consumers, forward_order, name_graph, role, tex_name
from chainrule.tensor import Tensor


@dataclass
class Step:
    """One line of the trace: one gradient flowing into one tensor, by one rule."""

    index: int
    name: str                 # the tensor receiving the gradient ("U")
    node: str                 # the output of the op whose rule produced it ("z2")
    op: str                   # that op ("linear"); "sum of paths" for a sum step
    lhs: str                  # "dJ/dU" or "delta_1 = dJ/dz2"
    rhs: str                  # the rule with this graph's names: "(delta_1)^T h"
    tex_lhs: str              # the same line as LaTeX: left side, relation, right side
    tex_rel: str
    tex_rhs: str
    rule: str                 # the table's generic rule: "dJ/dW = (dJ/dz)^T x"
    upstream_name: str        # "delta_1" or "dJ/dz2"
    upstream: np.ndarray | None
    grad: np.ndarray
    cached: dict = field(default_factory=dict)  # forward values the rule used, by name
    notes: list = field(default_factory=list)   # broadcasting, notation, sums of paths
    label: str | None = None  # "delta_1" when this gradient has a name on the slides
    kind: str = "path"        # "path": one rule; "sum": the sum of several paths
    leaf: bool = False        # a leaf (parameter or input): its gradient lands in .grad
    node_index: int = 0       # which node visit (1-based) produced this line

    @property
    def formula(self) -> str:
        return f"{self.lhs} = {self.rhs}"

    @property
    def shape(self) -> tuple:
        return self.grad.shape

    @property
    def latex(self) -> str:
        return f"{self.tex_lhs} {self.tex_rel} {self.tex_rhs}"

    def __str__(self):
        return f"{self.formula}  =  {fmt(self.grad)}"


@dataclass
class BackwardState:
    """Where backprop stands after one node: what it did there and every gradient so far."""

    index: int                # this node's number, 1-based, in the order backprop visits
    total: int                # how many nodes backprop visits in all
    node: str                 # the node's output name ("z2")
    op: str
    inputs: list              # the node's input names
    upstream_name: str
    upstream: np.ndarray
    steps: list               # the lines written at this node
    grads: dict               # name -> gradient so far (final for the names in ``complete``)
    complete: frozenset       # names whose gradient is final (every consumer has been visited)
    remaining: list           # nodes still to visit

    @property
    def done(self) -> bool:
        return not self.remaining

    def __str__(self):
        head = (f"step {self.index}/{self.total}: {self.node} = {self.op}("
                f"{', '.join(self.inputs)}), upstream {self.upstream_name} = ")
        lines = [head + indent(fmt(self.upstream), len(head))]
        for s in self.steps:
            lines.append(f"  {s.formula}")
            lines.append(f"      = {indent(fmt(s.grad), 8)}   shape {s.shape}")
            lines.extend(f"      ({n})" for n in s.notes)
        lines.append("  next: " + (", ".join(self.remaining) if self.remaining else "done"))
        return "\n".join(lines)


def _declared(prim, slot):
    """The table's symbol for input ``slot`` (the last one stands for any extra inputs)."""
    return prim.inputs[min(slot, len(prim.inputs) - 1)] if prim.inputs else None


def _broadcast_note(prim, slot, name, in_shape, out_shape):
    if _declared(prim, slot) not in prim.broadcasts or in_shape == out_shape:
        return None
    lead = len(out_shape) - len(in_shape)
    if lead < 0:
        return None
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(in_shape) if n == 1 and out_shape[lead + i] != 1)
    if not axes:
        return None
    if axes == (0,) and len(out_shape) >= 2:
        over, summed = "the batch axis 0", "axis 0"
    elif len(axes) == 1:
        over = summed = f"axis {axes[0]}"
    else:
        over = "axes " + ", ".join(map(str, axes))
        summed = f"axes {axes}"
    return (f"{name} of shape {tuple(in_shape)} was broadcast over {over}, "
            f"so its gradient is summed over {summed}")


def _kink_notes(node, symbols):
    """Where an input sits exactly on a kink, which subgradient the rule took there."""
    notes = []
    arrays = [t.data for t in node.inputs]
    for kink in node.prim.kinks:
        on = np.asarray(kink.distance(*arrays, **(node.params or {}))) == 0
        if on.any():
            at = formulas.substitute_names(kink.at, symbols)
            notes.append(f"{int(on.sum())} of {on.size} values sit on the kink ({at}): "
                         f"the rule takes {kink.takes}")
    return notes


def _notes(node, slot, in_names, out_name, up, out_shape, kink_notes):
    """Sentences that connect a line to the slides' notation."""
    prim = node.prim
    shapes = tuple(t.shape for t in node.inputs)
    notes = []
    b = _broadcast_note(prim, slot, in_names[slot], shapes[slot], out_shape)
    if b:
        notes.append(b)
    if prim.notes is not None:
        notes.extend(prim.notes(slot, in_names, out_name, up, shapes, node.params or {}))
    return notes + kink_notes


def _cached(node, symbols):
    names = node.prim.saves
    saved = node.saved
    if not names or saved is None:
        return {}
    values = saved if isinstance(saved, tuple) else (saved,)
    out = {}
    for key, value in zip(names, values):
        if isinstance(value, np.ndarray):
            out[formulas.substitute_names(key, symbols)] = np.array(value)
    return out


def _expand(node, in_names, out_name, g, labels):
    """A fused row's lines, re-derived from the simpler rows it stands for (``prim.unfused``)
    at the node's recorded values: one engine, one table."""
    leaves = [Tensor(t.data, requires_grad=need) for t, need in zip(node.inputs, node.needs)]
    root, names = node.prim.unfused(*leaves, **(node.params or {}))
    names = {**names, **dict(zip(leaves, in_names)), root: out_name}
    sub_labels = {n: labels[n] for n in in_names if n in labels}
    steps = []
    for state in _walk(root, g, False, names, False, sub_labels):
        steps.extend(state.steps)
    return steps


def _walk(root, grad, retain_graph, names, expand, labels=None, order=None, by_id=None):
    order = forward_order(root) if order is None else order
    by_id = name_graph(root, names, order) if by_id is None else by_id
    uses = consumers(order)
    expected = {id(t): len(uses[id(t)]) for t in order if t.requires_grad}
    nodes = [t for t in order if t._node is not None]
    remaining = [by_id[id(t)] for t in reversed(nodes)]
    labels = {} if labels is None else labels
    deltas = sum(1 for v in labels.values() if v.startswith("delta_"))
    paths = {}       # id -> list of (consumer name, grad)
    totals = {}      # name -> gradient so far
    complete = set()
    counter = 0

    def new_label(t, name):
        nonlocal deltas
        if role(t) == "affine" and name not in labels:
            deltas += 1
            labels[name] = f"delta_{deltas}"

    visit = 0
    for t, g, in_grads in autograd.iter_backward(root, grad, retain_graph):
        node = t._node  # read before advancing: the engine releases it afterwards
        prim = node.prim
        visit += 1
        out_name = by_id[id(t)]
        in_names = [by_id[id(i)] for i in node.inputs]
        remaining.remove(out_name)
        up_name = labels.get(out_name) or f"dJ/d{out_name}"
        upstream = np.array(g)
        symbols = formulas.symbol_map(prim, in_names, out_name)
        cached = _cached(node, symbols)
        kink_notes = _kink_notes(node, symbols)
        steps = []
        expanded = None
        if expand and prim.unfused is not None and any(ig is not None for ig in in_grads):
            for inp, name in zip(node.inputs, in_names):
                if expected.get(id(inp)) == 1:
                    new_label(inp, name)
            expanded = _expand(node, in_names, out_name, upstream, labels)
        for slot in reversed(range(len(node.inputs))):  # the slides' order: b, W, then x
            ig = in_grads[slot]
            if ig is None:
                continue
            inp = node.inputs[slot]
            name = in_names[slot]
            ig = np.array(ig)
            paths.setdefault(id(inp), []).append((out_name, ig))
            totals[name] = ig if name not in totals else totals[name] + ig
            multi = expected[id(inp)] > 1
            if not multi:
                new_label(inp, name)
            if expanded is not None:  # the expansion's lines stand for the fused rule's
                for s in expanded:
                    counter += 1
                    s.index, s.node_index = counter, visit
                    steps.append(s)
                expanded = ()  # written once, at the first input
            else:
                lbl = labels if not multi else {k: v for k, v in labels.items() if k != name}
                lhs, rhs, rule = formulas.instantiate_text(prim, slot, in_names, out_name, lbl)
                tl, rel, tr = formulas.instantiate_latex(prim, slot, in_names, out_name, lbl)
                if multi:
                    lhs += f" (via {out_name})"
                    tl += r"\;(\text{via } " + tex_name(out_name) + ")"
                counter += 1
                steps.append(Step(
                    index=counter, name=name, node=out_name, op=prim.name, lhs=lhs, rhs=rhs,
                    tex_lhs=tl, tex_rel=rel, tex_rhs=tr, rule=rule, upstream_name=up_name,
                    upstream=upstream, grad=ig, cached=cached,
                    notes=_notes(node, slot, in_names, out_name, up_name, t.shape, kink_notes),
                    label=None if multi else labels.get(name), leaf=inp._node is None,
                    node_index=visit,
                ))
            if len(paths[id(inp)]) == expected[id(inp)]:
                complete.add(name)
                if multi:
                    new_label(inp, name)
                    counter += 1
                    steps.append(_sum_step(counter, visit, name, inp, paths[id(inp)],
                                           totals[name], labels.get(name)))
        yield BackwardState(
            index=visit, total=len(nodes), node=out_name, op=prim.name,
            inputs=in_names + (["y"] if "target" in (node.params or {}) else []),
            upstream_name=up_name, upstream=upstream, steps=steps, grads=dict(totals),
            complete=frozenset(complete), remaining=list(remaining),
        )


def _sum_step(index, visit, name, inp, contributions, total, label):
    lhs = f"{label} = dJ/d{name}" if label else f"dJ/d{name}"
    rhs = " + ".join(f"dJ/d{name} via {c}" for c, _ in contributions)
    tex_lhs = r"\frac{\partial J}{\partial " + tex_name(name) + "}"
    if label:
        tex_lhs = f"{tex_name(label)} = {tex_lhs}"
    tex_rhs = " + ".join(
        r"\left.\frac{\partial J}{\partial " + tex_name(name) + r"}\right|_{\text{via }"
        + tex_name(c) + "}" for c, _ in contributions)
    consumers_ = list(dict.fromkeys(c for c, _ in contributions))
    via = ", ".join(consumers_)
    twice = [c for c in consumers_ if sum(1 for d, _ in contributions if d == c) > 1]
    extra = f"; it enters {', '.join(twice)} more than once" if twice else ""
    return Step(
        index=index, name=name, node=via, op="sum of paths", lhs=lhs, rhs=rhs,
        tex_lhs=tex_lhs, tex_rel="=", tex_rhs=tex_rhs,
        rule="dJ/dx = sum over the paths from x to J",
        upstream_name="", upstream=None, grad=total, label=label, kind="sum",
        leaf=inp._node is None, node_index=visit,
        notes=[f"{name} feeds {len(consumers_)} ops ({via}){extra}, so its gradient is the sum "
               f"of the gradients along all {len(contributions)} paths"],
    )


def backward_steps(loss, grad=None, retain_graph: bool = False, names=None,
                   expand: bool = False):
    """Run backprop on ``loss`` one node at a time, yielding a ``BackwardState`` after each.

    Leaf gradients accumulate into ``.grad`` exactly as in ``loss.backward()``; stop early and
    the remaining nodes are simply not visited. ``names`` maps tensors to display names;
    ``expand=True`` writes a fused cross-entropy as its softmax, log and sum steps.
    """
    if not isinstance(loss, Tensor):
        from chainrule.errors import ConfigError

        raise ConfigError(f"backward_steps needs a Tensor, found {type(loss).__name__}")
    return _walk(loss, grad, retain_graph, names, expand)
