"""``draw(tensor)``: the computation graph as Graphviz DOT text, rendered when ``dot`` exists.

    g = cr.draw(J)              # DOT text is always available: g.dot, str(g)
    g.save("graph.dot")         # the text
    g.save("graph.svg")         # rendered: needs the graphviz package and the dot program

Every tensor is a box: its name, the op that made it, its shape, its value and its gradient
(small tensors in full, large ones as shape and summary statistics). The order of nodes and
edges depends only on the graph, so two runs of the same code draw the same picture.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from chainrule.errors import ConfigError, MissingExtraError, require
from chainrule.inspect._format import fmt
from chainrule.inspect._graph import forward_order, name_graph
from chainrule.io.atomic import atomic_write
from chainrule.tensor import Tensor

_FILL = {"param": "#dbeafe", "input": "#f3f4f6", "op": "#fef9c3", "output": "#fee2e2"}
_RENDERED = {".svg": "svg", ".png": "png", ".pdf": "pdf"}


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


@dataclass
class Graph:
    """A drawn graph: ``dot`` (the text), ``nodes`` and ``edges`` (for programs and tests)."""

    dot: str
    nodes: list     # (dot id, name, op or None, kind)
    edges: list     # (dot id of the input, dot id of the consumer)

    def __str__(self):
        return self.dot

    def render(self, format: str = "svg") -> bytes:  # noqa: A002 - graphviz's word
        """The picture as bytes; needs the ``graphviz`` package and the ``dot`` program."""
        graphviz = require("graphviz", "graph")
        try:
            return graphviz.Source(self.dot).pipe(format=format)
        except graphviz.ExecutableNotFound:
            raise MissingExtraError(
                "rendering a graph needs the Graphviz 'dot' program, which is not installed; "
                "install it (Debian/Ubuntu: apt-get install graphviz) or save as .dot instead"
            ) from None

    def save(self, path) -> str:
        """Write ``.dot``/``.gv`` as text, or ``.svg``/``.png``/``.pdf`` rendered. Atomic."""
        ext = os.path.splitext(os.fspath(path))[1].lower()
        if ext in (".dot", ".gv"):
            atomic_write(path, self.dot)
        elif ext in _RENDERED:
            atomic_write(path, self.render(_RENDERED[ext]))
        else:
            raise ConfigError(f"cannot tell the format of {os.fspath(path)!r}: use a .dot, .gv, "
                              ".svg, .png or .pdf file name")
        return os.fspath(path)

    def _repr_svg_(self):  # Jupyter shows the picture when it can be rendered
        try:
            return self.render("svg").decode("utf-8")
        except MissingExtraError:
            return None


def draw(tensor: Tensor, path=None, names=None, trace=None, rankdir: str = "LR") -> Graph:
    """Draw the graph that computed ``tensor`` (see the module docstring).

    ``trace`` (from ``explain``) adds every intermediate gradient; without it only leaves show
    their ``.grad``. ``path`` saves the picture as well (by extension). Draw before
    ``backward()`` or pass ``retain_graph=True``: backward releases the graph.
    """
    if not isinstance(tensor, Tensor):
        raise ConfigError(f"draw needs a Tensor, found {type(tensor).__name__}")
    if rankdir not in ("LR", "TB", "BT", "RL"):
        raise ConfigError(f"rankdir must be LR, TB, BT or RL, found {rankdir!r}")
    order = forward_order(tensor)
    by_id = name_graph(tensor, names, order)
    grads = trace.grads if trace is not None else {}
    ids = {id(t): f"n{i}" for i, t in enumerate(order)}
    lines = ["digraph chainrule {", f"  rankdir={rankdir};",
             '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
             '  edge [color="#555555"];']
    nodes, edges = [], []
    for t in order:
        name = by_id[id(t)]
        op = None if t._node is None else t._node.prim.name
        if t is tensor:
            node_kind = "output"
        elif op is not None:
            node_kind = "op"
        else:
            node_kind = "param" if t.requires_grad else "input"
        head = f"{name} = {op}" if op else f"{name} ({'parameter' if t.requires_grad else 'input'})"
        label = [head, f"shape {t.shape}", f"value {fmt(t.data, limit=12)}"]
        g = t.grad if t._node is None else grads.get(name)
        if g is not None:
            label.append(f"grad {fmt(g, limit=12)}")
        nodes.append((ids[id(t)], name, op, node_kind))
        lines.append(f"  {ids[id(t)]} [label={_quote(chr(10).join(label))}, "
                     f'fillcolor="{_FILL[node_kind]}"];')
    for t in order:
        if t._node is None:
            continue
        for inp in t._node.inputs:
            edges.append((ids[id(inp)], ids[id(t)]))
            lines.append(f"  {ids[id(inp)]} -> {ids[id(t)]};")
    lines.append("}")
    graph = Graph("\n".join(lines) + "\n", nodes, edges)
    if path is not None:
        graph.save(path)
    return graph
