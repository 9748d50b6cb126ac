"""Linear: z = x W^T + b with W of shape (out, in), one fused node of the chain-rule table."""

from __future__ import annotations

import math

import numpy as np

from chainrule import functional as F
from chainrule import validation
from chainrule.nn import init
from chainrule.nn.config import dtype_name, parse_dtype, register
from chainrule.nn.module import Module, Parameter


@register
class Linear(Module):
    """``Linear(in_features, out_features, bias=True, seed=None, dtype=float32)``.

    Initialised as PyTorch does: W and b ~ U(-1/sqrt(in), 1/sqrt(in)) (kaiming_uniform with
    a = sqrt(5)), drawn in that order from ``seed`` (an int, a Generator, or None).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, seed=None,
                 dtype=np.float32):
        super().__init__()
        self.in_features = validation.positive_int(in_features, "Linear in_features")
        self.out_features = validation.positive_int(out_features, "Linear out_features")
        dtype = parse_dtype(dtype)
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype))
        self.bias = Parameter(np.empty(self.out_features, dtype)) if bias else None
        self.reset_parameters(seed)

    def reset_parameters(self, seed=None) -> None:
        rng = validation.generator(seed, "seed")
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), rng=rng)
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound, rng=rng)

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")

    def get_config(self) -> dict:
        return {"type": "Linear", "in_features": self.in_features,
                "out_features": self.out_features, "bias": self.bias is not None,
                "dtype": dtype_name(self.weight.dtype)}
