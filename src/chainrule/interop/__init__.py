"""Exchange with PyTorch and ONNX: ``to_torch``, ``from_torch``, ``export_onnx`` (and
``export_layers``, the chain of layers every export writes).

torch, onnx and onnxruntime are optional: each function imports what it needs when called
and names the pip extra to install if it is missing (``chainrule[torch]``, ``chainrule[onnx]``).
"""

from chainrule.interop._layers import export_layers
from chainrule.interop.onnx_export import export_onnx, to_onnx
from chainrule.interop.torch_bridge import from_torch, to_torch
from chainrule.interop.torch_file import load_torch, save_torch

__all__ = ["export_layers", "export_onnx", "from_torch", "load_torch", "save_torch", "to_onnx",
           "to_torch"]
