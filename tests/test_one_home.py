"""One home for every fact: activation names are spelled in the registry and the op table only.

A string literal equal to an activation's name or alias, used as data (compared, collected,
passed, returned), is a second home for a fact the registry holds. Docstrings, f-string text,
``__all__`` lists (the package's exports), dict keys and subscripts (the optimizer's "step"
counter, a target function called "step") are not counted.
"""

import ast
import re
from pathlib import Path

from chainrule import activations

SRC = Path(__file__).resolve().parents[1] / "src" / "chainrule"
HOMES = {"activations.py", "ops.py"}  # the registry and the chain-rule table
WORDS = {w for a in activations.all_activations() for w in (a.name, *a.aliases)}
# Words that mean something else where they stand: (file, word) -> why.
OTHER_MEANINGS = {
    ("creation.py", "step"): "arange's step argument, named in its error message",
    ("playground/server.py", "step"): "the page's 'step' message: one training step",
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


# ------------------------------------------------------------------ the CLI lists no names

def _families() -> dict:
    """The name lists that have a home elsewhere: family -> {lowercase name: canonical}."""
    from chainrule.data import DATASETS
    from chainrule.theory.approximation import TARGETS
    from chainrule.training.fit import OPTIMIZERS

    return {
        "data set": {n: n for n in DATASETS},
        "activation": {w.lower(): a.name for a in activations.all_activations()
                       for w in (a.name, *a.aliases)},
        "optimizer": {n: n for n in OPTIMIZERS},
        "target": {n: n for n in TARGETS},
    }


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_JOIN = re.compile(r"\s*,\s*(?:(?:or|and)\s+)?|\s+(?:or|and)\s+|\s*/\s*")


def spelled_lists(source: str, families: dict) -> list:
    """``(line, family, names)`` for each list of two or more names of one family written in
    a string ("sigmoid, tanh or relu") or as a tuple/list/set/dict literal of strings."""
    found = []
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            words = [w for w in _WORD.finditer(text) if w.group() not in ("or", "and")]
            for family, names in families.items():
                run = []
                for prev, w in zip([None, *words[:-1]], words):
                    joined = prev is not None and _JOIN.fullmatch(text[prev.end():w.start()])
                    if w.group().lower() in names and run and joined:
                        run.append(w.group())
                        continue
                    if len(run) >= 2:
                        found.append((node.lineno, family, tuple(run)))
                    run = [w.group()] if w.group().lower() in names else []
                if len(run) >= 2:
                    found.append((node.lineno, family, tuple(run)))
        elif isinstance(node, (ast.Tuple, ast.List, ast.Set, ast.Dict)):
            items = node.keys if isinstance(node, ast.Dict) else node.elts
            strings = [e.value.lower() for e in items
                       if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            for family, names in families.items():
                hits = {names[s] for s in strings if s in names}
                if len(hits) >= 2:
                    found.append((node.lineno, family, tuple(sorted(hits))))
    return found


def test_no_cli_module_spells_a_list_of_names():
    families = _families()
    offenders = {}
    for path in sorted((SRC / "cli").glob("*.py")):
        found = spelled_lists(path.read_text(), families)
        if found:
            offenders[path.name] = found
    assert not offenders, (
        f"name lists spelled in the CLI: {offenders}; read them from their homes "
        "(chainrule.data.DATASETS, chainrule.activations.names(), "
        "chainrule.training.fit.OPTIMIZERS, chainrule.theory.TARGETS)")


def test_the_list_checker_finds_lists_and_ignores_prose():
    source = '''
a = "a data set name (digits, mnist1d, moons, circles) or a .csv file"
b = "adam, adamw, sgd or rmsprop (default: adam)"
c = ("sigmoid", "tanh")
d = "x -> linear -> ReLU -> linear -> softmax + cross-entropy"
e = "train an MLP (default: digits, MLP [64, 128, 10], Adam)"
f = f"{', '.join(NAMES)} (default: {default})"
g = "sin, abs, step, sawtooth, square, sin2d or bump2d (default sin)"
'''
    found = spelled_lists(source, _families())
    assert [(line, family) for line, family, _ in found] == [
        (2, "data set"), (3, "optimizer"), (4, "activation"), (8, "target")]
