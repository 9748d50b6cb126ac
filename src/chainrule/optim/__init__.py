"""chainrule.optim: optimizers and schedulers in torch.optim's style, updating in place.

    opt = cr.optim.Adam(model.parameters(), lr=1e-3)
    opt.zero_grad(); loss.backward(); opt.step()
"""

from chainrule.optim.adam import Adam, AdamW
from chainrule.optim.clip import clip_grad_norm_
from chainrule.optim.optimizer import Optimizer
from chainrule.optim.rmsprop import RMSprop
from chainrule.optim.schedulers import CosineAnnealingLR, LRScheduler, StepLR
from chainrule.optim.sgd import SGD

__all__ = ["SGD", "Adam", "AdamW", "CosineAnnealingLR", "LRScheduler", "Optimizer", "RMSprop",
           "StepLR", "clip_grad_norm_"]
