"""The browser playground: TensorFlow Playground's setups, trained by chainrule, with backprop
you can click on.

``chainrule playground`` serves it (``chainrule.playground.server``, needing the
``playground`` extra); ``Session`` is the plain-Python model of one tab, usable on its own.
"""

from chainrule.playground.session import Session
from chainrule.playground.settings import Settings

__all__ = ["Session", "Settings"]
