"""A row of the chain-rule table, written with the names of one graph.

The table (``ops.py``) states each rule with placeholder symbols, ``dJ/dW = (dJ/dz)^T x``, and
declares which symbol stands for which input (``Primitive.inputs``) and for the output
(``Primitive.output``). ``instantiate_*`` substitutes the graph's names for them in one pass,
so ``z2 = linear(h, U, b2)`` reads ``dJ/dU = (delta_1)^T h``.
"""

from __future__ import annotations

import re

from chainrule.inspect._graph import tex_name

_REL_TEX = re.compile(r"\s(=|\\approx)\s")


def symbol_map(prim, in_names, out_name, slot=0) -> dict:
    """symbol -> graph name for the inputs and the output of ``prim``, at input ``slot``."""
    mapping = {}
    for sym, name in zip(prim.inputs, in_names):
        mapping.setdefault(sym, name)
    if prim.inputs and len(in_names) > len(prim.inputs):  # one name for many (concatenate)
        mapping[prim.inputs[-1]] = in_names[slot]
    if prim.output:
        mapping.setdefault(prim.output, out_name)
    return mapping


def _tex_symbol(sym: str) -> str:
    """How the LaTeX rules write a symbol: y_hat is \\hat y."""
    return r"\hat " + sym[:-len("_hat")] if sym.endswith("_hat") else sym


def _rule(rules: tuple, slot: int):
    if not rules:
        return None
    return rules[min(slot, len(rules) - 1)]


def instantiate_text(prim, slot, in_names, out_name, labels) -> tuple:
    """(lhs, rhs, generic rule) of input ``slot``'s rule, in the graph's names."""
    in_name = in_names[slot]
    label = labels.get(in_name)
    lhs = f"{label} = dJ/d{in_name}" if label else f"dJ/d{in_name}"
    rule = _rule(prim.formulas, slot)
    if rule is None:
        return lhs, f"vjp of {prim.name} (no formula in the table)", ""
    mapping = symbol_map(prim, in_names, out_name, slot)
    body = rule[len("delta = "):] if rule.startswith("delta = ") else rule
    _, _, rhs = body.partition(" = ")
    if not rhs:
        return lhs, body, rule
    words = "|".join(re.escape(s) for s in sorted(mapping, key=len, reverse=True))
    # With no symbols to rename, only the dJ/d. terms are rewritten (an empty group would
    # match everywhere).
    pattern = re.compile(rf"dJ/d(\w+)|(?<!\w)({words})(?!\w)" if words else r"dJ/d(\w+)|((?!))")

    def sub(m):
        if m[1] is not None:
            name = mapping.get(m[1], m[1])
            return labels.get(name) or f"dJ/d{name}"
        return mapping[m[2]]

    return lhs, pattern.sub(sub, rhs), rule


def instantiate_latex(prim, slot, in_names, out_name, labels) -> tuple:
    """(lhs, relation, rhs) of input ``slot``'s rule as LaTeX, in the graph's names."""
    in_name = in_names[slot]
    label = labels.get(in_name)
    grad = r"\frac{\partial J}{\partial " + tex_name(in_name) + "}"
    lhs = f"{tex_name(label)} = {grad}" if label else grad
    rule = _rule(prim.latex, slot)
    if rule is None:
        return lhs, "=", r"\text{vjp of " + prim.name.replace("_", r"\_") + "}"
    mapping = {_tex_symbol(sym): name
               for sym, name in symbol_map(prim, in_names, out_name, slot).items()}
    body = rule[len(r"\delta = "):] if rule.startswith(r"\delta = ") else rule
    if mapping:
        words = "|".join(re.escape(s) for s in sorted(mapping, key=len, reverse=True))
        pattern = re.compile(rf"\\frac\{{\\partial J\}}\{{\\partial ({words})\}}"
                             rf"|(?<![\\A-Za-z])({words})(?![A-Za-z])")

        def sub(m):
            if m[1] is not None:
                name = mapping[m[1]]
                if labels.get(name) and name != in_name:
                    return "{" + tex_name(labels[name]) + "}"
                return r"\frac{\partial J}{\partial " + tex_name(name) + "}"
            return "{" + tex_name(mapping[m[2]]) + "}"

        body = pattern.sub(sub, body)
    parts = _REL_TEX.split(body, maxsplit=1)
    if len(parts) < 3:  # a rule with no plain "=" (an update such as "+="): show it whole
        return lhs, "=", body
    return lhs, parts[1], parts[2]


def substitute_names(text: str, symbols_to_names: dict) -> str:
    """Rename whole-word symbols inside a short label such as a saved value's '1{x>0}'."""
    if not symbols_to_names:
        return text
    words = "|".join(re.escape(s) for s in sorted(symbols_to_names, key=len, reverse=True))
    return re.sub(rf"(?<!\w)({words})(?!\w)", lambda m: symbols_to_names[m[1]], text)
