"""`chainrule rules`: print the chain-rule table, every primitive's rule per input, with its
role and kinks as the table declares them."""

from __future__ import annotations

import sys
from typing import NamedTuple

from chainrule import ops
from chainrule.errors import ConfigError

ORDER = 24


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "rules", help="the chain-rule table: every primitive's derivative rule",
        description="Every primitive of chainrule's one table of derivative rules (ops.py), "
                    "with the vector-Jacobian product for each input and what its forward "
                    "pass caches for the backward pass.")
    p.add_argument("op", nargs="*", help="only these ops (default: all)")
    p.add_argument("--format", choices=("text", "markdown", "latex"), default="text")
    p.set_defaults(func=run_rules)


class Row(NamedTuple):
    """One rule of the table: an op's rule for one input, with the op's declared facts."""

    op: str
    input: int
    text: str
    tex: str
    saves: str
    role: str
    kinks: tuple       # the op's Kink records (shown after its last rule)
    surrogate: bool


def rows(names=()):
    """One ``Row`` per (op, input) for the chosen ops, in name order."""
    table = ops.all_primitives()
    unknown = [n for n in names if n not in table]
    if unknown:
        raise ConfigError(f"unknown op {', '.join(map(repr, unknown))}; the table has: "
                          f"{', '.join(sorted(table))}")
    for name in names or sorted(table):
        prim = table[name]
        latex = prim.latex or ("",) * len(prim.formulas)
        for i, (text, tex) in enumerate(zip(prim.formulas, latex)):
            yield Row(name, i, text, tex, ", ".join(prim.saves) or "-", prim.role, prim.kinks,
                      prim.surrogate)


def _text(table) -> list:
    """op, role, rule; an op's kinks (and a surrogate's warning) under its last rule."""
    width = max(len(r.op) for r in table)
    roles = max(len(r.role) for r in table)
    under = " " * (width + roles + 4)
    lines = []
    for k, r in enumerate(table):
        caches = f"    [caches {r.saves}]" if r.input == 0 and r.saves != "-" else ""
        lines.append(f"{r.op:<{width}}  {r.role:<{roles}}  {r.text}{caches}")
        if k + 1 < len(table) and table[k + 1].op == r.op:
            continue
        lines += [f"{under}kink at {kink.at}: takes {kink.takes}" for kink in r.kinks]
        if r.surrogate:
            lines.append(f"{under}surrogate: not the true derivative, on purpose")
    return lines


def render(names=(), fmt="text") -> str:
    table = list(rows(names))
    if fmt == "markdown":
        lines = ["| op | input | rule | caches |", "|---|---:|---|---|"]
        lines += [f"| {r.op} | {r.input} | `{r.text}` | {r.saves} |" for r in table]
    elif fmt == "latex":
        lines = [r"\begin{align*}"]
        lines += [rf"&\text{{{r.op.replace('_', chr(92) + '_')}}}: && {r.tex} \\"
                  for r in table]
        lines.append(r"\end{align*}")
    else:
        lines = _text(table)
    return "\n".join(lines) + "\n"


def run_rules(args) -> int:
    sys.stdout.write(render(tuple(args.op), args.format))
    return 0
