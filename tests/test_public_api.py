"""The top-level names a user types resolve, and the core imports nothing optional."""

import subprocess
import sys

import pytest

import chainrule as cr


@pytest.mark.parametrize("name", sorted(cr._LAZY))
def test_every_lazy_name_resolves(name):
    assert getattr(cr, name) is not None
    assert name in dir(cr)


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'fitt'"):
        cr.fitt  # noqa: B018


def test_importing_chainrule_loads_numpy_only():
    code = ("import sys, chainrule; bad = [m for m in ('torch', 'sklearn', 'matplotlib', 'rich', "
            "'safetensors', 'onnx', 'chainrule.nn', 'chainrule.training') if m in sys.modules]; "
            "print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


CREATION = ["arange", "full", "linspace", "manual_seed", "ones", "ones_like", "rand", "randn",
            "zeros", "zeros_like"]


@pytest.mark.parametrize("name", CREATION)
def test_creation_functions_are_eager_engine_exports(name):
    from chainrule import creation

    assert name in cr.__all__ and name not in cr._LAZY
    assert vars(cr)[name] is getattr(creation, name)  # imported with the engine, not on use
