"""Where the user created an op: the first stack frame outside the chainrule package."""

from __future__ import annotations

import contextlib
import linecache
import os
import sys
from dataclasses import dataclass

import chainrule
from chainrule import autograd

_PACKAGE = os.path.dirname(os.path.abspath(chainrule.__file__)) + os.sep
# The recitation's network is written as user code would be: its lines are worth naming.
_USER_FILES = frozenset({os.path.join(_PACKAGE, "inspect", "recitation.py")})


@dataclass(frozen=True)
class Site:
    filename: str
    lineno: int
    function: str
    code: str

    @property
    def short(self) -> str:
        """file:line, for tables."""
        return f"{os.path.basename(self.filename)}:{self.lineno}"

    def __str__(self):
        path = self.filename
        try:
            rel = os.path.relpath(path)
            if not rel.startswith(".."):
                path = rel
        except ValueError:  # another drive on Windows
            pass
        return f"{path}:{self.lineno} in {self.function}: {self.code}"


def user_site() -> Site | None:
    """The innermost frame that is not chainrule's own code."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = os.path.abspath(frame.f_code.co_filename)
        if not filename.startswith(_PACKAGE) or filename in _USER_FILES:
            code = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
            return Site(filename, frame.f_lineno, frame.f_code.co_name, code)
        frame = frame.f_back
    return None


class _SiteRecorder:
    """An anomaly hook that only notes each node's site (and passes events on)."""

    def __init__(self, previous):
        self.previous = previous

    def on_forward(self, prim, inputs, out):
        if out._node is not None:
            out._node.site = user_site()
        if self.previous is not None:
            self.previous.on_forward(prim, inputs, out)

    def on_backward(self, node, in_grads):
        if self.previous is not None:
            self.previous.on_backward(node, in_grads)


@contextlib.contextmanager
def record_sites():
    """Inside, every recorded node gets ``node.site`` (what per-op gradcheck reports)."""
    previous = autograd.state.anomaly
    autograd.state.anomaly = _SiteRecorder(previous)
    try:
        yield
    finally:
        autograd.state.anomaly = previous
