"""Model files and atomic writes: ``save``, ``load``, ``atomic_write``.

Model files are safetensors (weights and buffers) with the architecture and the training
record as JSON in the header; loading never executes anything from the file, and writing
never leaves a half-written file.
"""

from chainrule.io.atomic import atomic_write
from chainrule.io.model_file import load, save

__all__ = ["atomic_write", "load", "save"]
