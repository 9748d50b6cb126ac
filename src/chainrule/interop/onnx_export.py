"""ONNX export: a chainrule Sequential/MLP as an ONNX graph any runtime can execute.

One node (or a few elementary ones) per layer: ``Gemm`` with ``transB=1`` for a Linear (W is
stored (out, in), exactly as chainrule keeps it), each activation by the ONNX twin its registry
entry declares (``chainrule.activations``). The batch dimension is symbolic, so the file serves
any batch size. The default opset, 17, is old enough for most deployed runtimes; GELU then
becomes its tanh formula in elementary ops (opset 20 has a ``Gelu`` node, used when you ask for
``opset>=20``). The step is ``GreaterOrEqual`` then ``Cast``: ``1{x >= 0}``, step(0) = 1 as in
chainrule. Dropout is exported as the identity it is at inference time.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from chainrule import nn
from chainrule.errors import ConfigError, ModelFileError, require
from chainrule.interop._layers import as_module, dtype_of, export_layers, input_features
from chainrule.nn.standardize import input_standardize
from chainrule.validation import integer

DEFAULT_OPSET = 17
MIN_OPSET = 13  # Softmax(axis) with today's meaning; GreaterOrEqual exists (12+)


class _Graph:
    """Collects nodes and initializers, handing out fresh tensor names."""

    def __init__(self, onnx, dtype, opset):
        self.onnx, self.dtype, self.opset = onnx, np.dtype(dtype), opset
        self.elem = onnx.helper.np_dtype_to_tensor_dtype(self.dtype)
        self.nodes, self.inits, self._count = [], [], 0

    def name(self, hint):
        self._count += 1
        return f"{hint}_{self._count}"

    def const(self, hint, value):
        name = self.name(hint)
        array = np.asarray(value, dtype=self.dtype)
        self.inits.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def op(self, op_type, inputs, hint=None, **attrs):
        out = self.name(hint or op_type.lower())
        self.nodes.append(self.onnx.helper.make_node(
            op_type, list(inputs), [out], name=self.name(f"{op_type}"), **attrs))
        return out


def _linear(g, x, layer, path):
    inputs = [x, g.const(f"{path}.weight", layer.weight.data)]
    if layer.bias is not None:
        inputs.append(g.const(f"{path}.bias", layer.bias.data))
    return g.op("Gemm", inputs, hint="z", transB=1)


def _activation(g, x, layer):
    """The ONNX form of a layer: the activation's twin from its registry entry (an op type with
    its options as attributes, or a composite the entry builds), Identity for Dropout."""
    if isinstance(layer, nn.Dropout):
        return g.op("Identity", [x], hint="h")
    act, options = layer.activation, layer.options
    if act.onnx is None:
        raise ConfigError(f"the {act.name} activation declares no ONNX form (its registry "
                          "entry's onnx=); it cannot be exported to ONNX")
    if callable(act.onnx):
        return act.onnx(g, x, **options)
    attrs = {act.onnx_options[k]: v for k, v in options.items() if k in act.onnx_options}
    return g.op(act.onnx, [x], hint="h", **attrs)


def _metadata(module, standardize) -> dict:
    """What a consumer of the file may want to know: the architecture, classes, task."""
    props = {}
    try:
        props["chainrule_config"] = json.dumps(module.get_config())
    except ConfigError:  # an architecture without a config is still exportable
        pass
    info = module.info
    if info.classes is not None:
        props["classes"] = json.dumps(info.classes)
    if info.task is not None:
        props["task"] = info.task
    if input_standardize(module) is None:
        props["inputs"] = "as model(x)"
    else:
        props["inputs"] = ("raw (Standardize folded in)" if standardize
                           else "standardized by the caller (Standardize left out)")
    return props


def _check_opset(onnx, opset):
    newest = onnx.defs.onnx_opset_version()
    return integer(opset, "opset", minimum=MIN_OPSET, maximum=newest,
                   expected=f"an integer from {MIN_OPSET} to {newest} (the installed onnx's "
                            "newest)",
                   hint=f"; the default {DEFAULT_OPSET} suits most runtimes")


def to_onnx(model, opset: int = DEFAULT_OPSET, input_name: str = "input",
            output_name: str = "output", standardize: bool = True):
    """The ``onnx.ModelProto`` of ``model`` (checked by ``onnx.checker``), not yet written."""
    onnx = require("onnx", "onnx")
    opset = _check_opset(onnx, opset)
    layers = export_layers(model, standardize)
    dtype = np.dtype(dtype_of(layers))
    if dtype not in (np.float32, np.float64):
        raise ConfigError(f"ONNX export supports float32 and float64 models, found {dtype}")
    g = _Graph(onnx, dtype, opset)
    x = input_name
    width = input_features(layers)
    for path, layer in layers:
        if isinstance(layer, nn.Linear):
            x = _linear(g, x, layer, path)
            width = layer.out_features
        else:
            x = _activation(g, x, layer)
    g.nodes.append(onnx.helper.make_node("Identity", [x], [output_name], name="output"))
    helper = onnx.helper
    graph = helper.make_graph(
        g.nodes, "chainrule_model",
        [helper.make_tensor_value_info(input_name, g.elem, ["batch", input_features(layers)])],
        [helper.make_tensor_value_info(output_name, g.elem, ["batch", width])],
        initializer=g.inits,
    )
    opsets = [helper.make_opsetid("", opset)]
    proto = helper.make_model(graph, opset_imports=opsets, producer_name="chainrule",
                              ir_version=helper.find_min_ir_version_for(opsets))
    import chainrule

    proto.producer_version = chainrule.__version__
    proto.doc_string = " -> ".join(type(m).__name__ for _, m in layers)
    helper.set_model_props(proto, _metadata(as_module(model), standardize))
    try:
        onnx.checker.check_model(proto, full_check=True)
    except onnx.checker.ValidationError as exc:  # a bug here, but say what failed
        raise ConfigError(f"the exported ONNX graph failed onnx.checker: {exc}") from exc
    return proto


def export_onnx(model, path, opset: int = DEFAULT_OPSET, input_name: str = "input",
                output_name: str = "output", standardize: bool = True) -> Path:
    """Write ``model`` as an ONNX file at ``path`` (atomically) and return the path.

    The graph takes ``input_name`` of shape (batch, in_features) in the model's dtype and
    returns ``output_name``: what ``model(x)`` returns (logits, for a classifier), equal to
    chainrule's outputs up to float rounding. A model's input ``nn.Standardize`` (put there by
    ``chainrule.fit(..., standardize=True)``) is folded into the first Linear, so the graph
    takes raw inputs as ``model(x)`` does (``standardize=False``: the bare network). The
    classes and task of the model's training record, when known, are stored in the file's
    metadata.
    """
    from chainrule.io.atomic import atomic_write

    proto = to_onnx(model, opset=opset, input_name=input_name, output_name=output_name,
                    standardize=standardize)
    try:
        return atomic_write(path, proto.SerializeToString())
    except OSError as exc:
        raise ModelFileError(
            f"cannot write ONNX file {path}: {exc.strerror or exc}; check that the folder "
            "exists and is writable"
        ) from exc
