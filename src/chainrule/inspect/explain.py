"""``explain(loss)``: the backward pass written out, one line per gradient, with its rule.

    trace = cr.explain(J)
    print(trace)              # a table in the terminal
    trace["U"].grad           # dJ/dU as an ndarray
    trace.to_markdown(); trace.to_latex(); trace.to_html()

explain *is* a backward pass (the engine's own walk, ``iter_backward``): leaf gradients land in
``.grad`` exactly as after ``loss.backward()``, and the graph is released unless
``retain_graph=True``.
"""

from __future__ import annotations

import io

import numpy as np

from chainrule.errors import ConfigError
from chainrule.inspect._format import esc, fmt, indent, tex
from chainrule.inspect.stepper import _walk
from chainrule.tensor import Tensor


class UnknownStepError(ConfigError, KeyError):
    """A name that no line of the trace carries."""

    def __str__(self):  # KeyError would quote the message
        return self.args[0]


BLANK = "____"


class Trace:
    """The chain-rule trace of one backward pass (see ``explain``)."""

    def __init__(self, root_name, visits, names, blanks=frozenset()):
        self.root_name = root_name
        self.visits = visits                       # one BackwardState per node, in order
        self.steps = [s for v in visits for s in v.steps]
        self.names = names                         # id(tensor) -> name
        self.grads = dict(visits[-1].grads) if visits else {}   # name -> dJ/d(name)
        self.blanks = frozenset(blanks)            # step indices hidden in an exercise
        self._final = {}
        for s in self.steps:                       # the last line of a name holds its total
            self._final[s.name] = s
            if s.label:
                self._final[s.label] = s

    # ----- access
    def __len__(self):
        return len(self.steps)

    def __iter__(self):
        return iter(self.steps)

    def __getitem__(self, key):
        """The line that gives a name's total gradient: ``trace["U"]``, ``trace["delta_1"]``
        (``trace.steps[i]`` for the i-th line, counting from 0)."""
        try:
            return self._final[key]
        except KeyError:
            raise UnknownStepError(
                f"no gradient named {key!r} in this trace; it has "
                f"{', '.join(self._known()) or 'no gradients'}"
            ) from None

    def _known(self):
        return list(dict.fromkeys(k for k in self._final))

    def grad_of(self, tensor: Tensor) -> np.ndarray:
        """dJ/d(tensor) for a tensor of the explained graph."""
        name = self.names.get(id(tensor))
        if name is None or name not in self.grads:
            raise UnknownStepError("that tensor has no gradient in this trace (it is not part "
                                   "of the graph, or nothing it feeds needs a gradient)")
        return self.grads[name]

    # ----- rendering
    def _value(self, step, oneline=False):
        return BLANK if step.index in self.blanks else fmt(step.grad, oneline=oneline)

    def _title(self):
        grads = len(self.steps)
        kind = "Exercise: fill in the blanks of the backward pass" if self.blanks \
            else "Backward pass"
        return (f"{kind} of {self.root_name}: {len(self.visits)} nodes, {grads} gradients, "
                "in the order backprop visits them")

    def _header(self, v):
        args = ", ".join(v.inputs)
        return f"{v.node} = {v.op}({args})"

    def to_text(self) -> str:
        """Plain text, one block per node (what ``str`` prints without rich)."""
        out = [self._title(), ""]
        for v in self.visits:
            head = f"[{v.index}] {self._header(v)}    upstream {v.upstream_name} = "
            out.append(head + indent(fmt(v.upstream), len(head)))
            shown = None
            for s in v.steps:
                out.append(f"    {s.index}. {s.formula}")
                out.append("         = " + indent(self._value(s), 11) + f"    shape {s.shape}")
                if s.cached and s.cached is not shown and s.index not in self.blanks:
                    shown = s.cached
                    out.append("         cached by the forward pass: " + ", ".join(
                        f"{k} = {fmt(a, limit=12, oneline=True)}" for k, a in s.cached.items()))
                out.extend(f"         note: {n}" for n in s.notes)
            out.append("")
        return "\n".join(out).rstrip() + "\n"

    def to_rich(self):
        """A ``rich`` Table of the trace (needs the ``cli`` extra)."""
        from chainrule.errors import require

        table_mod = require("rich.table", "cli")
        table = table_mod.Table(title=self._title(), show_lines=True)
        for col in ("#", "node", "gradient and rule", "value", "shape"):
            table.add_column(col, overflow="fold")
        for v in self.visits:
            for s in v.steps:
                rule = _rich_escape(s.formula) + "".join(
                    f"\n[dim]{_rich_escape(n)}[/dim]" for n in s.notes)
                table.add_row(str(s.index), _rich_escape(self._header(v)), rule,
                              _rich_escape(self._value(s)), str(s.shape))
        return table

    def __str__(self):
        try:
            table = self.to_rich()
            from rich.console import Console
        except ImportError:
            return self.to_text()
        buf = io.StringIO()
        Console(file=buf, width=140, force_terminal=False, color_system=None,
                highlight=False).print(table)
        return buf.getvalue()

    def __repr__(self):
        return f"<Trace of {self.root_name}: {len(self.steps)} gradients>"

    def to_markdown(self) -> str:
        lines = [f"### {self._title()}", "",
                 "| # | node | gradient | rule | value | shape |",
                 "|---|---|---|---|---|---|"]
        notes = []
        for v in self.visits:
            for s in v.steps:
                lines.append(
                    f"| {s.index} | `{_md(self._header(v))}` | `{_md(s.lhs)}` | `{_md(s.rhs)}` "
                    f"| `{_md(self._value(s, oneline=True))}` | {s.shape} |")
                notes.extend(f"- step {s.index}: {_md(n)}" for n in s.notes)
        if notes:
            lines += ["", *notes]
        return "\n".join(lines) + "\n"

    def to_latex(self, document: bool = False) -> str:
        """An ``align*`` block, one line per gradient (``document=True``: a whole file)."""
        rows = []
        for s in self.steps:
            value = r"\underline{\hspace{4em}}" if s.index in self.blanks else tex(s.grad)
            rows.append(f"  {s.tex_lhs} &{s.tex_rel} {s.tex_rhs} = {value}")
        body = "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}\n"
        if not document:
            return body
        return ("\\documentclass{article}\n\\usepackage{amsmath,amssymb}\n"
                "\\begin{document}\n" + body + "\\end{document}\n")

    def to_html(self) -> str:
        """A self-contained HTML page with the trace as a table."""
        rows = []
        for v in self.visits:
            for s in v.steps:
                value = '<span class="blank">____</span>' if s.index in self.blanks \
                    else f"<pre>{esc(fmt(s.grad))}</pre>"
                notes = "".join(f'<div class="note">{esc(n)}</div>' for n in s.notes)
                rows.append(
                    f"<tr><td>{s.index}</td><td><code>{esc(self._header(v))}</code></td>"
                    f'<td><code title="{esc(s.latex)}">{esc(s.formula)}</code>{notes}</td>'
                    f"<td>{value}</td><td>{esc(s.shape)}</td></tr>")
        return (
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            f"<title>{esc(self._title())}</title><style>"
            "body{font-family:sans-serif}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}"
            "pre{margin:0}.note{color:#666;font-size:90%}.blank{color:#c00}"
            "</style></head><body>\n"
            f"<h3>{esc(self._title())}</h3>\n<table>\n"
            "<tr><th>#</th><th>node</th><th>gradient and rule</th><th>value</th>"
            "<th>shape</th></tr>\n" + "\n".join(rows) + "\n</table>\n</body></html>\n"
        )

    # ----- exercises
    def exercise(self, blank=None) -> Trace:
        """The same trace with values hidden for a learner: ``blank`` lists names, labels or
        step numbers (1-based) to hide; by default every value is hidden."""
        if blank is None:
            hidden = {s.index for s in self.steps}
        else:
            hidden = set()
            for key in blank:
                if isinstance(key, (int, np.integer)):
                    if not 1 <= key <= len(self.steps):
                        raise UnknownStepError(
                            f"step number {key} out of range 1..{len(self.steps)}")
                    hidden.add(int(key))
                else:
                    hidden.add(self[key].index)
        return Trace(self.root_name, self.visits, self.names, hidden)

    def check(self, answers: dict, rtol: float = 1e-3, atol: float = 1e-4):
        """Mark each answer (name or label -> array-like) right or wrong, with the expected
        value. In an exercise, a blank left without an answer is marked missing."""
        if not isinstance(answers, dict):
            raise ConfigError(f"check() takes a dict of name -> value, found "
                              f"{type(answers).__name__}")
        marks, seen = [], set()
        for key, given in answers.items():
            step = self[key]
            seen.add(step.index)
            marks.append(_mark(key, step.grad, given, rtol, atol))
        for s in self.steps:
            if s.index in self.blanks and s.index not in seen:
                marks.append(Mark(s.label or s.name, False, s.grad, None, "no answer given"))
        return CheckResult(marks)


def _rich_escape(s: str) -> str:
    return str(s).replace("[", r"\[")


def _md(s) -> str:
    return str(s).replace("|", r"\|").replace("`", "'")


class Mark:
    """One answer, marked."""

    def __init__(self, name, correct, expected, given, message):
        self.name, self.correct, self.expected = name, correct, expected
        self.given, self.message = given, message

    def __repr__(self):
        return f"Mark({self.name!r}, correct={self.correct})"


def _mark(name, expected, given, rtol, atol) -> Mark:
    try:
        arr = np.asarray(given.data if isinstance(given, Tensor) else given, dtype=np.float64)
    except (TypeError, ValueError):
        return Mark(name, False, expected, given, f"not a number or array: {given!r}")
    note = ""
    if arr.shape != expected.shape:
        if arr.size != expected.size:
            return Mark(name, False, expected, arr,
                        f"expected shape {expected.shape}, found {arr.shape}")
        note = f" (shape {arr.shape} read as {expected.shape})"
        arr = arr.reshape(expected.shape)
    ok = bool(np.allclose(arr, expected, rtol=rtol, atol=atol))
    if ok:
        return Mark(name, True, expected, arr, "right" + note)
    worst = np.unravel_index(int(np.argmax(np.abs(arr - expected))), expected.shape) \
        if expected.ndim else ()
    return Mark(name, False, expected, arr,
                f"wrong{note}: expected {fmt(expected)}, largest difference at index "
                f"{tuple(int(i) for i in worst)}")


class CheckResult:
    """The marks of ``Trace.check``; true when every answer is right."""

    def __init__(self, marks):
        self.marks = marks

    @property
    def score(self) -> tuple:
        return sum(m.correct for m in self.marks), len(self.marks)

    @property
    def all_correct(self) -> bool:
        return all(m.correct for m in self.marks)

    def __bool__(self):
        return self.all_correct

    def __getitem__(self, name) -> Mark:
        for m in self.marks:
            if m.name == name:
                return m
        raise UnknownStepError(f"no answer for {name!r} was marked")

    def __str__(self):
        right, total = self.score
        lines = [f"{right}/{total} right"]
        lines += [f"  {'right' if m.correct else 'WRONG'}  {m.name}: {m.message}"
                  for m in self.marks]
        return "\n".join(lines)


def explain(loss: Tensor, grad=None, retain_graph: bool = False, names=None,
            expand: bool = False) -> Trace:
    """Run backprop on ``loss`` and write each step down (see the module docstring).

    ``names`` maps tensors to display names (else ``tensor.name``, else z1, h1, ..., J);
    ``expand=True`` shows a fused cross-entropy as its softmax, log and sum steps.
    """
    if not isinstance(loss, Tensor):
        raise ConfigError(f"explain needs the Tensor to differentiate, found "
                          f"{type(loss).__name__}")
    from chainrule.inspect._graph import forward_order, name_graph

    order = forward_order(loss)
    by_id = name_graph(loss, names, order)
    visits = list(_walk(loss, grad, retain_graph, names, expand, order=order, by_id=by_id))
    return Trace(by_id[id(loss)], visits, by_id)
