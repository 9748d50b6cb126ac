"""``chainrule export MODEL --format onnx|torch --out FILE``: hand a model to another runtime.

ONNX goes to any ONNX runtime; ``torch`` writes a PyTorch ``nn.Sequential`` as safetensors
weights plus a JSON layer list (no pickle, see docs/interop.md), loaded with
``chainrule.interop.load_torch``. ``--check`` runs the written file in its runtime and compares
it with chainrule on random inputs.
"""

from __future__ import annotations

from pathlib import Path

from chainrule.cli.options import whole
from chainrule.errors import ConfigError

ORDER = 40
FORMATS = {"onnx": ".onnx", "torch": ".torch.safetensors"}
CHECK_TOLERANCE = 1e-4


def register(subparsers) -> None:
    from chainrule.interop.onnx_export import DEFAULT_OPSET

    p = subparsers.add_parser(
        "export", help="export a model file to ONNX or PyTorch",
        description="Export a chainrule model file (from chainrule train or chainrule.save) to "
                    "ONNX or to a PyTorch nn.Sequential (safetensors weights + JSON layer list). "
                    "The model's input Standardize layer (from training with standardization) "
                    "is folded into the first Linear, so the exported model takes raw inputs "
                    "like chainrule predict.")
    p.add_argument("model", metavar="MODEL", help="a chainrule model file (.safetensors)")
    p.add_argument("--format", choices=sorted(FORMATS), help="onnx or torch (default: from "
                   "the --out suffix, .onnx or .safetensors)")
    p.add_argument("--out", metavar="FILE", help="where to write (default: MODEL with the "
                   "suffix .onnx or .torch.safetensors)")
    p.add_argument("--opset", type=whole(), default=None, help="ONNX opset (default: "
                   f"{DEFAULT_OPSET})")
    p.add_argument("--no-standardize", dest="standardize", action="store_false",
                   help="export the bare network: inputs must be standardized by the caller")
    p.add_argument("--check", action="store_true", help="run the written file in "
                   "onnxruntime/torch and compare it with chainrule on random inputs")
    p.set_defaults(func=cmd_export)


def _choose_format(fmt, out):
    if fmt:
        return fmt
    if out is not None:
        name = str(out).lower()
        if name.endswith(".onnx"):
            return "onnx"
        if name.endswith(".safetensors"):
            return "torch"
    raise ConfigError("say which format to write: --format onnx or --format torch (or give "
                      "--out a .onnx or .safetensors name)")


def cmd_export(args) -> int:
    import chainrule as cr
    from chainrule import interop
    from chainrule.interop.verify import max_difference

    fmt = _choose_format(args.format, args.out)
    if args.opset is not None and fmt != "onnx":
        raise ConfigError("--opset applies to --format onnx only")
    src = Path(args.model)
    out = Path(args.out) if args.out else src.with_name(src.name.split(".")[0] + FORMATS[fmt])
    if out.resolve() == src.resolve():
        raise ConfigError(f"--out {out} is the model file itself; choose another file name")
    model = cr.load(src)
    if fmt == "onnx":
        opset = args.opset if args.opset is not None else interop.onnx_export.DEFAULT_OPSET
        interop.export_onnx(model, out, opset=opset, standardize=args.standardize)
        what = f"ONNX opset {opset}"
    else:
        interop.save_torch(model, out, standardize=args.standardize)
        what = "PyTorch nn.Sequential (safetensors)"
    layers = " -> ".join(type(m).__name__ for _, m in
                         interop.export_layers(model, standardize=False))
    print(f"wrote {out} ({what}: {layers})")
    if args.check:
        diff = max_difference(model, out, fmt, standardize=args.standardize)
        if not diff <= CHECK_TOLERANCE:
            raise ConfigError(f"check failed: {out} differs from chainrule by {diff:.3g} "
                              f"(tolerance {CHECK_TOLERANCE:g})")
        print(f"check: outputs match chainrule (max abs difference {diff:.2g})")
    return 0
