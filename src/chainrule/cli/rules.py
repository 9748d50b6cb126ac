"""`chainrule rules`: print the chain-rule table, every primitive's rule per input."""

from __future__ import annotations

import sys

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


def rows(names=()):
    """(op, input position, rule text, rule LaTeX, cached values) for the chosen ops."""
    table = ops.all_primitives()
    unknown = [n for n in names if n not in table]
    if unknown:
        raise ConfigError(f"unknown op {', '.join(map(repr, unknown))}; the table has: "
                          f"{', '.join(sorted(table))}")
    for name in names or sorted(table):
        prim = table[name]
        latex = prim.latex or ("",) * len(prim.formulas)
        for i, (text, tex) in enumerate(zip(prim.formulas, latex)):
            yield name, i, text, tex, ", ".join(prim.saves) or "-"


def render(names=(), fmt="text") -> str:
    table = list(rows(names))
    if fmt == "markdown":
        lines = ["| op | input | rule | caches |", "|---|---:|---|---|"]
        lines += [f"| {op} | {i} | `{text}` | {saves} |" for op, i, text, _, saves in table]
    elif fmt == "latex":
        lines = [r"\begin{align*}"]
        lines += [rf"&\text{{{op.replace('_', chr(92) + '_')}}}: && {tex} \\"
                  for op, _, _, tex, _ in table]
        lines.append(r"\end{align*}")
    else:
        width = max(len(op) for op, *_ in table)
        lines = [f"{op:<{width}}  {text}" + (f"    [caches {saves}]" if i == 0 and saves != "-"
                                              else "")
                 for op, i, text, _, saves in table]
    return "\n".join(lines) + "\n"


def run_rules(args) -> int:
    sys.stdout.write(render(tuple(args.op), args.format))
    return 0
