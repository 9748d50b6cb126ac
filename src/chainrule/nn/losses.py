"""Loss modules over the fused losses of the chain-rule table (one node each)."""

from __future__ import annotations

from chainrule import functional as F
from chainrule import validation
from chainrule.nn.config import register
from chainrule.nn.module import Module


class _Loss(Module):
    def __init__(self, reduction: str = "mean"):
        super().__init__()
        self.reduction = validation.reduction(reduction)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"

    def get_config(self) -> dict:
        return {"type": type(self).__name__, "reduction": self.reduction}


@register
class CrossEntropyLoss(_Loss):
    """Softmax + cross-entropy on logits; targets are labels (N,) or probability rows (N, C).
    Its gradient is the recitation's delta = y_hat - y (over N for the mean)."""

    def forward(self, logits, target):
        return F.cross_entropy(logits, target, self.reduction)


@register
class MSELoss(_Loss):
    def forward(self, pred, target):
        return F.mse_loss(pred, target, self.reduction)


@register
class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross-entropy on logits, computed stably in one node."""

    def forward(self, logits, target):
        return F.binary_cross_entropy_with_logits(logits, target, self.reduction)
