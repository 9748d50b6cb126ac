"""Callbacks: code that runs at fixed points of the training loop.

Per batch the loop does forward -> loss -> backward -> penalty -> ``on_after_backward`` ->
optimizer.step -> zero_grad -> ``on_batch_end``. A callback reads and changes the run
through the ``trainer`` it is handed (``.model``, ``.optimizer``, ``.epoch``, ``.step``,
``.loss_value``, ``.history``, ``.logs``, ``.stop_training``). A callback that keeps state
across epochs returns it from ``state_dict`` so checkpoints can resume it exactly. Only the
hooks a callback defines are called, so a callback costs nothing where it does not look.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from chainrule.errors import ConfigError
from chainrule.io.atomic import writable_folder
from chainrule.training.history import _mode
from chainrule.validation import integer, real


class Callback:
    """Base class: override the hooks you need; each receives the ``Trainer``.

    ``order`` sorts callbacks (lower first) within each hook; checkpoints run last so they
    record what the other callbacks decided at the end of the epoch.
    """

    order = 0

    def on_train_begin(self, trainer):
        pass

    def on_epoch_begin(self, trainer):
        pass

    def on_after_backward(self, trainer):
        """Gradients are in ``p.grad``; the optimizer has not stepped yet."""

    def on_batch_end(self, trainer):
        pass

    def on_epoch_end(self, trainer):
        """``trainer.logs`` holds this epoch's numbers (also the last ``history`` record)."""

    def on_train_end(self, trainer):
        pass

    def state_dict(self) -> dict:
        """State a resumed run needs (JSON-able values and NumPy arrays)."""
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass


class LambdaCallback(Callback):
    """A callback from plain functions: ``LambdaCallback(on_epoch_end=lambda t: ...)``."""

    _HOOKS = ("on_train_begin", "on_epoch_begin", "on_after_backward", "on_batch_end",
              "on_epoch_end", "on_train_end")

    def __init__(self, **hooks):
        unknown = sorted(set(hooks) - set(self._HOOKS))
        if unknown:
            raise ConfigError(f"unknown hook(s) {', '.join(unknown)}; the hooks are "
                              f"{', '.join(self._HOOKS)}")
        for name, fn in hooks.items():
            setattr(self, name, fn)


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved for ``patience`` epochs.

    With ``restore_best_weights`` (the default) the model ends with the weights of its best
    epoch, not its last. ``mode`` "auto" minimises losses and maximises accuracy/r2.
    """

    order = 10  # after metric-producing callbacks, before checkpoints

    def __init__(self, monitor: str = "val_loss", patience: int = 5, min_delta: float = 0.0,
                 mode: str = "auto", restore_best_weights: bool = True):
        self.monitor = monitor
        self.patience = integer(patience, "patience", minimum=0)
        self.min_delta = real(min_delta, "min_delta", minimum=0)
        self.mode = _mode(monitor, mode)
        self.restore_best_weights = restore_best_weights
        self.best = None
        self.best_epoch = None
        self.best_weights = None
        self.wait = 0
        self.stopped_epoch = None

    def on_train_begin(self, trainer):
        if trainer.epoch == 0:  # a fresh run (a resumed one keeps its restored state)
            self.best = self.best_epoch = self.best_weights = self.stopped_epoch = None
            self.wait = 0

    def _improved(self, value: float) -> bool:
        if self.best is None:
            return True
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, trainer):
        if self.monitor not in trainer.logs:
            raise ConfigError(
                f"EarlyStopping monitors {self.monitor!r}, but the epoch's numbers are "
                f"{', '.join(k for k in trainer.logs if k not in ('epoch', 'seconds'))}; "
                + ("pass validation= to fit, or monitor='loss'"
                   if self.monitor.startswith("val_") else "choose one of those")
            )
        value = float(trainer.logs[self.monitor])
        if not math.isnan(value) and self._improved(value):
            self.best, self.best_epoch, self.wait = value, trainer.epoch, 0
            if self.restore_best_weights:
                self.best_weights = {k: np.array(v, copy=True)
                                     for k, v in trainer.model.state_dict().items()}
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = trainer.epoch
            trainer.stop_training = True

    def on_train_end(self, trainer):
        if self.restore_best_weights and self.best_weights is not None \
                and self.best_epoch != trainer.epoch:
            trainer.model.load_state_dict(self.best_weights)

    def state_dict(self):
        return {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait,
                "stopped_epoch": self.stopped_epoch, "best_weights": self.best_weights}

    def load_state_dict(self, state):
        self.best, self.best_epoch = state["best"], state["best_epoch"]
        self.wait, self.stopped_epoch = state["wait"], state["stopped_epoch"]
        self.best_weights = state["best_weights"]


class ModelCheckpoint(Callback):
    """Write the full training state to ``path`` every ``every`` epochs, atomically.

    The file holds the weights, the optimizer's buffers, the history, the random-generator
    states and the callbacks' states, so ``fit(..., resume=path)`` continues exactly where
    the run stopped: a resumed run ends with the same weights, bit for bit, as an
    uninterrupted one. An interrupted write never destroys the previous checkpoint.
    """

    order = 100  # last: the checkpoint records what every other callback decided

    def __init__(self, path, every: int = 1):
        self.path = path
        self.every = integer(every, "every", minimum=1)
        self.last_saved_epoch = None

    def on_train_begin(self, trainer):
        # Fail now, not after the first epoch's work: create the folder, or say why not.
        writable_folder(Path(self.path).parent, "ModelCheckpoint's folder")

    def on_epoch_end(self, trainer):
        if trainer.epoch % self.every == 0 or trainer.stop_training \
                or trainer.epoch == trainer.epochs:
            trainer.save_checkpoint(self.path)
            self.last_saved_epoch = trainer.epoch


class SchedulerCallback(Callback):
    """Step a learning-rate scheduler (``chainrule.optim.StepLR`` ...) after every epoch.

    Build the optimizer yourself, wrap the scheduler around it, and pass both to ``fit``:
    ``fit(model, data, optimizer=opt, callbacks=[SchedulerCallback(StepLR(opt, 10))])``.
    Its state goes into checkpoints, so a resumed run keeps the schedule.
    """

    order = 5

    def __init__(self, scheduler):
        if not hasattr(scheduler, "step"):
            raise ConfigError(f"expected a learning-rate scheduler, found {scheduler!r}")
        self.scheduler = scheduler

    def on_epoch_end(self, trainer):
        self.scheduler.step()

    def state_dict(self):
        return self.scheduler.state_dict() if hasattr(self.scheduler, "state_dict") else {}

    def load_state_dict(self, state):
        if hasattr(self.scheduler, "load_state_dict"):
            self.scheduler.load_state_dict(state)
