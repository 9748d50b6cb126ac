"""The README's Python examples run as written."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_python_block_runs(index, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples may write files
    exec(compile(BLOCKS[index], f"README.md block {index}", "exec"), {})


def test_readme_has_the_two_commands():
    text = README.read_text()
    assert 'python -m pip install -e ".[app]" && chainrule train' in text
    assert 'python -m pip install -e ".[test]" && python -m pytest' in text
