"""MLPRegressor: squared error on chainrule's engine, with scikit-learn's manners."""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.validation import column_or_1d

from chainrule import activations
from chainrule import functional as F
from chainrule.errors import ShapeError
from chainrule.sklearn._base import MLPBase


class MLPRegressor(RegressorMixin, MLPBase):
    """A multilayer perceptron regressor: ``fit``, ``partial_fit``, ``predict``, ``score`` (R^2).

    Parameters are those of ``sklearn.neural_network.MLPRegressor`` (solver "sgd" or "adam")
    plus ``dtype``. The loss is scikit-learn's half squared error, ``0.5 * mean((y - y_hat)^2)``,
    so ``loss_curve_`` and ``alpha`` compare one to one. ``y`` may have several columns.
    The fitted network is ``model_`` (a ``chainrule.nn.MLP`` with a linear output).
    """

    _loss_name = "squared_error"

    def _targets(self, y, first, classes=None):
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        target = np.asarray(y, dtype=self._dtype)
        if first:
            self._y_1d = target.ndim == 1
            self.out_activation_ = activations.IDENTITY.name
        target = target.reshape(len(target), -1)
        if not first and target.shape[1] != self.n_outputs_:
            raise ShapeError(f"MLPRegressor was fitted on {self.n_outputs_} target column(s), "
                             f"this y has {target.shape[1]}")
        return target, target.shape[1]

    def _loss(self, out, target):
        return 0.5 * F.mse_loss(out, target)

    def _score_val(self, X, target) -> float:
        return float(r2_score(target, self._forward(X, validate=False)))

    def fit(self, X, y):
        """Train on X (n_samples, n_features) and y (n_samples,) or (n_samples, n_targets)."""
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X, y):
        """One epoch over (X, y), continuing from the current weights."""
        return self._fit(X, y, incremental=True)

    def predict(self, X):
        """Predictions in float64, shaped like the y the model was fitted on."""
        out = self._forward(X).astype(np.float64)
        return out.ravel() if self._y_1d else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
