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
