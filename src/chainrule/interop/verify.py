"""Run an exported file in its own runtime and compare it with chainrule, on the same inputs.

``chainrule export --check`` uses this; so can a test or a deployment script. The reference
is chainrule's forward pass in eval mode on the same raw inputs (the bare network, without
the model's input ``Standardize``, when the export left it out).
"""

from __future__ import annotations

import numpy as np

from chainrule.autograd import no_grad
from chainrule.errors import require
from chainrule.interop._layers import as_module, dtype_of, export_layers, input_features
from chainrule.nn.standardize import input_standardize
from chainrule.tensor import Tensor


def reference_outputs(model, X, standardize: bool = True) -> np.ndarray:
    """What chainrule computes for ``X`` (the exported file must agree): the model on raw
    inputs, or with ``standardize=False`` its bare network (no input ``Standardize``)."""
    module = as_module(model)
    X = np.asarray(X)
    std = input_standardize(module)
    was_training = module.training
    module.eval()
    try:
        with no_grad():
            if std is None:
                return module(Tensor._wrap(X.astype(module.dtype))).data
            if standardize:  # raw inputs in float64, as predict passes them
                return module(Tensor._wrap(X.astype(np.float64))).data
            x = Tensor._wrap(X.astype(module.dtype))
            for _, layer in export_layers(module, standardize=False):
                x = layer(x)
            return x.data
    finally:
        module.train(was_training)


def sample_inputs(model, n: int = 64, seed: int = 0, standardize: bool = True) -> np.ndarray:
    """Random inputs on the scale the export takes: raw inputs on the scale of the model's
    input ``Standardize`` (if any and ``standardize``), else N(0, 1)."""
    layers = export_layers(model, standardize=False)
    X = np.random.default_rng(seed).standard_normal((n, input_features(layers)))
    std = input_standardize(as_module(model))
    if standardize and std is not None:
        X = X * std.scale + std.mean
    return X.astype(dtype_of(layers))


def run_onnx(path, X) -> np.ndarray:
    """The ONNX file's output for ``X``, computed by onnxruntime on the CPU."""
    ort = require("onnxruntime", "onnx")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return session.run(None, {name: X})[0]


def run_torch(path, X) -> np.ndarray:
    """The PyTorch file's output for ``X`` (loaded with ``load_torch``)."""
    torch = require("torch", "torch")
    from chainrule.interop.torch_file import load_torch

    module = load_torch(path)
    with torch.no_grad():
        return module(torch.from_numpy(np.ascontiguousarray(X))).numpy()


def max_difference(model, path, fmt: str, n: int = 64, standardize: bool = True) -> float:
    """Largest absolute difference between the file's and chainrule's outputs."""
    X = sample_inputs(model, n, standardize=standardize)
    ours = reference_outputs(model, X, standardize)
    theirs = run_onnx(path, X) if fmt == "onnx" else run_torch(path, X)
    return float(np.max(np.abs(theirs.astype(np.float64) - ours.astype(np.float64))))
