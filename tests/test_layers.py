"""Lower layers never import higher ones (DESIGN.md): checked on every module's imports."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "chainrule"

# Rank of each top-level part of the package; a module may import only equal or lower ranks.
RANKS = {
    "errors": 0, "validation": 0,
    "tensor": 1, "autograd": 1, "ops": 1, "activations": 1, "functional": 1, "creation": 1,
    "nn": 2, "data": 2,
    "optim": 3,
    "io": 4, "training": 4,
    "inspect": 5, "theory": 5, "interop": 5, "sklearn": 5, "plots": 5, "report": 5,
    "playground": 5,
    "cli": 6, "__main__": 6, "__init__": 6,
}


def _part(dotted: str) -> str:
    """'chainrule.inspect.gradcheck' -> 'inspect.gradcheck'; 'chainrule.nn.linear' -> 'nn'."""
    parts = dotted.split(".")[1:]
    if not parts:
        return "__init__"
    joined = ".".join(parts[:2])
    return joined if joined in RANKS else parts[0]


def _imports(path: Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                # A bare `import chainrule` (for __version__ or __file__) loads no layer.
                if alias.name.startswith("chainrule."):
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "chainrule":
                for alias in node.names:  # from chainrule import nn
                    yield f"chainrule.{alias.name}", node.lineno
            elif node.module.startswith("chainrule"):
                yield node.module, node.lineno


MODULES = sorted(p for p in SRC.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_module_imports_a_higher_layer(path):
    rel = path.relative_to(SRC).with_suffix("")
    me = _part("chainrule." + ".".join(rel.parts).removesuffix(".__init__"))
    violations = []
    for name, line in _imports(path):
        other = _part(name)
        if other in RANKS and RANKS[other] > RANKS[me]:
            violations.append(f"line {line}: {me} (layer {RANKS[me]}) imports {name} "
                              f"(layer {RANKS[other]})")
    assert not violations, "\n".join(violations)


# ------------------------------------------------------------------ private names stay home

def _package_of(dotted: str) -> str:
    """The package a module belongs to: 'chainrule.training' for chainrule.training.fit (and
    for chainrule.training itself); 'chainrule' for a module at the top (tensor, ops, ...)."""
    parts = dotted.split(".")
    if len(parts) > 1 and (SRC / parts[1]).is_dir():
        return ".".join(parts[:2])
    return "chainrule"


def _is_module(dotted: str) -> bool:
    rel = Path(*dotted.split(".")[1:])
    return (SRC / rel).is_dir() or (SRC / rel).with_suffix(".py").exists()


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_imports(source: str, me: str) -> list:
    """``(line, what, package)`` for each private name (``_x``, or a module path through a
    ``_x`` module) that the module ``me`` (dotted) takes from a package other than its own;
    ``x._y`` on a name bound to another package's module counts too."""
    mine = _package_of(me)
    base = me if (SRC / Path(*me.split(".")[1:])).is_dir() else me.rsplit(".", 1)[0]
    found, modules = [], {}  # modules: local name -> dotted chainrule module it is bound to
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("chainrule."):
                    modules[alias.asname or alias.name.split(".")[0]] = (
                        alias.name if alias.asname else "chainrule")
                    if any(_private(p) for p in alias.name.split(".")):
                        found.append((node.lineno, alias.name, _package_of(alias.name)))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                module = ".".join(base.split(".")[:len(base.split(".")) - node.level + 1])
                module = f"{module}.{node.module}" if node.module else module
            else:
                module = node.module or ""
            if not module.startswith("chainrule"):
                continue
            for alias in node.names:
                dotted = f"{module}.{alias.name}"
                if _is_module(dotted):
                    modules[alias.asname or alias.name] = dotted
                if any(_private(p) for p in dotted.split(".")):
                    found.append((node.lineno, f"from {module} import {alias.name}",
                                  _package_of(dotted)))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in modules and _private(node.attr)):
            dotted = f"{modules[node.value.id]}.{node.attr}"
            found.append((node.lineno, f"{node.value.id}.{node.attr}", _package_of(dotted)))
    return [(line, what, pkg) for line, what, pkg in found if pkg != mine]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_private_name_is_imported_from_another_package(path):
    rel = path.relative_to(SRC).with_suffix("")
    me = "chainrule." + ".".join(rel.parts).removesuffix(".__init__")
    found = private_imports(path.read_text(), me)
    assert not found, "\n".join(
        f"line {line}: {what} is private to {pkg}; make it public (a real name and a "
        "docstring) or move it" for line, what, pkg in found)


def test_the_private_import_check_sees_names_modules_and_attributes():
    source = '''
from chainrule.training.predict import _n_inputs, predict
from chainrule.interop._layers import export_layers
from chainrule import interop
from chainrule.cli import _helper
from chainrule.cli._format import table
from . import _sibling
import chainrule.io._crc
x = interop._layers.export_layers
y = interop.export_onnx
'''
    found = private_imports(source, "chainrule.cli.train")
    assert [(line, pkg) for line, _, pkg in found] == [
        (2, "chainrule.training"), (3, "chainrule.interop"), (8, "chainrule.io"),
        (9, "chainrule.interop")]
    # the engine's top-level modules are one package: tensor's _lift is theirs to share
    assert private_imports("from chainrule.tensor import _lift\n", "chainrule.functional") == []
