"""A ``fit`` callback that watches gradients flow: per-layer norms, dead and saturated units.

    flow = GradientFlow()
    cr.fit(model, (X, y), epochs=20, callbacks=[flow])
    flow.grad_norms        # (epochs, layers): mean |dJ/dW| of each Linear layer per epoch
    flow.inactive          # (epochs, activation layers): dead ReLU / saturated unit fractions

It warns (``GradientFlowWarning``) the first time gradients vanish (a layer's mean norm below
``vanish`` times the largest layer's, or below ``vanish_abs``) or explode (above ``explode``,
or not finite), naming the layer and the epoch.
"""

from __future__ import annotations

import warnings

import numpy as np

from chainrule.theory import probes
from chainrule.training import Callback


class GradientFlowWarning(UserWarning):
    """Gradients vanished or exploded during training."""


class GradientFlow(Callback):
    """Record per-layer gradient norms and inactive-unit fractions at every epoch.

    ``probe`` is the input batch used to count dead/saturated units (default: up to
    ``probe_size`` rows of the training data, taken at the start of training).
    """

    def __init__(self, probe=None, probe_size: int = 512, vanish: float = 1e-4,
                 vanish_abs: float = 1e-7, explode: float = 1e3, warn: bool = True):
        self.probe = None if probe is None else np.asarray(probe)
        self.probe_size = int(probe_size)
        self.vanish, self.vanish_abs, self.explode = float(vanish), float(vanish_abs), \
            float(explode)
        self.warn = bool(warn)
        self.layer_names: list = []
        self.epochs: list = []
        self._norms: list = []
        self._inactive: list = []
        self.warnings: list = []  # the messages issued, in order
        self._sum = None
        self._count = 0
        self._warned: set = set()

    # ----- results
    @property
    def grad_norms(self) -> np.ndarray:
        """(epochs, Linear layers): the mean norm of each layer's weight gradient per epoch."""
        if not self._norms:
            return np.zeros((0, len(self.layer_names)))
        return np.array(self._norms)

    @property
    def inactive(self) -> np.ndarray:
        """(epochs, activation layers): fraction of dead/saturated units per epoch."""
        return np.array(self._inactive)

    # ----- hooks
    def on_train_begin(self, trainer):
        self.layer_names = [name for name, _ in probes.linear_layers(trainer.model)]
        # The probe is raw data, like the training batches: an input Standardize is one of
        # the model's layers, so the probe runs through it.
        if self.probe is None:
            loader = getattr(trainer, "loader", None)
            X = getattr(getattr(loader, "dataset", None), "X", None)
            if X is not None:
                self.probe = np.asarray(X[: self.probe_size])

    def on_epoch_begin(self, trainer):
        self._sum, self._count = None, 0

    def on_after_backward(self, trainer):
        g = probes.grad_norms(trainer.model)
        self._sum = g if self._sum is None else self._sum + g
        self._count += 1

    def on_epoch_end(self, trainer):
        norms = self._sum / self._count if self._count else np.zeros(len(self.layer_names))
        self.epochs.append(trainer.epoch)
        self._norms.append(norms)
        inactive = (probes.inactive_by_layer(trainer.model, self.probe)
                    if self.probe is not None else np.array([]))
        self._inactive.append(inactive)
        trainer.logs["grad_norm_first"] = float(norms[0]) if norms.size else 0.0
        trainer.logs["grad_norm_last"] = float(norms[-1]) if norms.size else 0.0
        if inactive.size:
            trainer.logs["inactive_units"] = float(np.mean(inactive))
        self._check(norms, trainer.epoch)

    def _check(self, norms, epoch) -> None:
        if not norms.size:
            return
        top = float(np.max(norms)) if np.all(np.isfinite(norms)) else np.inf
        for name, value in zip(self.layer_names, norms):
            if not np.isfinite(value) or value > self.explode:
                self._warn("explode", f"gradients explode: layer '{name}' has mean gradient "
                           f"norm {value:.3g} at epoch {epoch} (limit {self.explode:g}); lower "
                           "the learning rate or clip gradients (optim.clip_grad_norm_)")
            elif value < self.vanish_abs or (top > 0 and value < self.vanish * top):
                self._warn("vanish", f"gradients vanish: layer '{name}' has mean gradient norm "
                           f"{value:.3g} at epoch {epoch}, {value / top if top else 0:.2g} of "
                           "the largest layer's; try ReLU, a shallower network or a better "
                           "initialisation")

    def _warn(self, kind, message) -> None:
        if kind in self._warned:
            return
        self._warned.add(kind)
        self.warnings.append(message)
        if self.warn:
            warnings.warn(message, GradientFlowWarning, stacklevel=2)

    def state_dict(self) -> dict:
        inactive = self.inactive if self._inactive and len({a.size for a in self._inactive}) == 1 \
            else np.zeros((0, 0))
        return {"epochs": list(self.epochs), "layers": list(self.layer_names),
                "grad_norms": self.grad_norms,
                "inactive": inactive.reshape(len(inactive), -1),
                "warned": sorted(self._warned), "warnings": list(self.warnings)}

    def load_state_dict(self, state: dict) -> None:
        self.epochs = [int(e) for e in state.get("epochs", [])]
        self.layer_names = [str(n) for n in state.get("layers", [])]
        self._norms = list(np.asarray(state.get("grad_norms", np.zeros((0, 0)))))
        self._inactive = list(np.asarray(state.get("inactive", np.zeros((0, 0)))))
        self._warned = set(state.get("warned", []))
        self.warnings = list(state.get("warnings", []))
