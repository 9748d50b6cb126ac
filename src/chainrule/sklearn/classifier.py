"""MLPClassifier: softmax cross-entropy on chainrule's engine, with scikit-learn's manners."""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets, type_of_target, unique_labels
from sklearn.utils.validation import column_or_1d

from chainrule import activations
from chainrule import functional as F
from chainrule.errors import DataError
from chainrule.sklearn._base import MLPBase


class MLPClassifier(ClassifierMixin, MLPBase):
    """A multilayer perceptron classifier: ``fit``, ``partial_fit``, ``predict``, ``predict_proba``.

    Parameters are those of ``sklearn.neural_network.MLPClassifier`` (solver "sgd" or "adam")
    plus ``dtype`` ("float32", the default, or "float64"). ``activation`` takes scikit-learn's
    names (identity, logistic, tanh, relu) and chainrule's (sigmoid, leaky_relu, softplus, gelu,
    step). Labels may be of any type (strings, integers); ``classes_`` holds them sorted.
    The output layer has one unit per class and a softmax (two units for two classes).
    The fitted network is ``model_`` (a ``chainrule.nn.MLP`` returning logits): explain it,
    save it with ``chainrule.save``, or hand it to ``chainrule.interop.to_torch``.
    """

    _loss_name = "ce"

    def _targets(self, y, first, classes=None):
        if getattr(y, "ndim", 1) == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        kind = type_of_target(y)
        if kind not in ("binary", "multiclass"):
            raise DataError(f"MLPClassifier takes one label per sample (binary or multiclass "
                            f"targets), found {kind} targets")
        if first:
            self.classes_ = unique_labels(y) if classes is None else unique_labels(classes)
            self.out_activation_ = activations.SOFTMAX.name
        labels = np.searchsorted(self.classes_, y)
        labels = np.clip(labels, 0, len(self.classes_) - 1)
        unknown = self.classes_[labels] != y
        if np.any(unknown):
            raise DataError(
                f"y has labels {sorted(set(np.asarray(y)[unknown].tolist()))[:5]} that are not "
                f"among the classes {self.classes_.tolist()} the model was built for; pass every "
                "label in classes= on the first partial_fit call"
            )
        return labels.astype(np.int64), len(self.classes_)

    def _loss(self, out, labels):
        return F.cross_entropy(out, labels)

    def _score_val(self, X, labels) -> float:
        return float(np.mean(self._forward(X, validate=False).argmax(axis=1) == labels))

    def fit(self, X, y):
        """Train on X (n_samples, n_features) and labels y; return self."""
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X, y, classes=None):
        """One epoch over (X, y). The first call must list every label in ``classes``."""
        if not hasattr(self, "model_"):
            if classes is None:
                raise DataError("MLPClassifier.partial_fit: pass classes= (every label the "
                                "model will ever see) on the first call")
            return self._fit(X, y, incremental=True, classes=classes)
        if classes is not None and not np.array_equal(unique_labels(classes), self.classes_):
            raise DataError(f"partial_fit: classes={list(classes)} differs from the first "
                            f"call's {self.classes_.tolist()}")
        return self._fit(X, y, incremental=True)

    def predict_proba(self, X):
        """Class probabilities (n_samples, n_classes), rows summing to 1, classes_ order."""
        z = self._forward(X).astype(np.float64)  # softmax in float64: rows sum to 1 exactly
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        return z

    def predict_log_proba(self, X):
        z = self._forward(X).astype(np.float64)
        z -= z.max(axis=1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=1, keepdims=True))

    def predict(self, X):
        """The most probable label of each row."""
        best = self._forward(X).argmax(axis=1)  # checks fitted first
        return self.classes_[best]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = False
        return tags
