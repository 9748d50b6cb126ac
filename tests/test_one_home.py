"""One home for every fact: activation names are spelled in the registry and the op table only.

A string literal equal to an activation's name or alias, used as data (compared, collected,
passed, returned), is a second home for a fact the registry holds. Docstrings, f-string text,
``__all__`` lists (the package's exports), dict keys and subscripts (the optimizer's "step"
counter, a target function called "step") are not counted.
"""

import ast
from pathlib import Path

from chainrule import activations

SRC = Path(__file__).resolve().parents[1] / "src" / "chainrule"
HOMES = {"activations.py", "ops.py"}  # the registry and the chain-rule table
WORDS = {w for a in activations.all_activations() for w in (a.name, *a.aliases)}
# Words that mean something else where they stand: (file, word) -> why.
OTHER_MEANINGS = {
    ("creation.py", "step"): "arange's step argument, named in its error message",
}


def _docstrings(tree) -> set:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _not_data(tree) -> set:
    """ids of constants that are not used as activation data (see the module docstring)."""
    skip = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            skip.update(id(v) for v in ast.walk(node))
        elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            skip.update(id(v) for v in ast.walk(node.value))
        elif isinstance(node, ast.Dict):
            skip.update(id(k) for k in node.keys if k is not None)
        elif isinstance(node, ast.Subscript):
            skip.add(id(node.slice))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in ("hasattr", "getattr", "setattr") and len(node.args) > 1:
            skip.add(id(node.args[1]))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "get" and node.args:
            skip.add(id(node.args[0]))
    return skip


def literal_uses(source: str, words) -> list:
    tree = ast.parse(source)
    skip = _not_data(tree)
    return sorted({(n.lineno, n.value) for n in ast.walk(tree)
                   if isinstance(n, ast.Constant) and isinstance(n.value, str)
                   and n.value in words and id(n) not in skip})


def test_activation_names_live_in_the_registry_and_the_op_table_only():
    offenders = {}
    for path in sorted(SRC.rglob("*.py")):
        if path.name in HOMES and path.parent == SRC:
            continue
        rel = str(path.relative_to(SRC))
        found = [(line, w) for line, w in literal_uses(path.read_text(), WORDS)
                 if (rel, w) not in OTHER_MEANINGS]
        if found:
            offenders[rel] = found
    assert not offenders, (
        f"activation names spelled outside the registry: {offenders}; read them from "
        "chainrule.activations (names(), get(), the entry's fields) instead")


def test_the_checker_counts_data_and_ignores_prose():
    source = '''
"""Docstring naming relu."""
ACTS = ("sigmoid", "tanh")
if name == "relu":
    msg = f"unknown {name}; try relu"
state = {"step": 0}
state["step"] += 1
hasattr(opt, "step")
__all__ = ["relu"]
'''
    assert literal_uses(source, WORDS) == [(3, "sigmoid"), (3, "tanh"), (4, "relu")]
