"""Feature learning, shown: each hidden unit's activation over the input plane, and the
decision boundary, before and after training (the way TensorFlow Playground draws neurons).

"Representation learning is now part of the algorithm": before training the hidden units are
random half-planes; after it they are the features that make the classes separable.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from chainrule import activations, nn
from chainrule import functional as F
from chainrule.autograd import no_grad
from chainrule.errors import ConfigError, ShapeError
from chainrule.tensor import Tensor
from chainrule.theory import probes

_ACTIVATION_TYPES = (nn.Sigmoid, nn.Tanh, nn.ReLU, nn.LeakyReLU, nn.Step, nn.Identity,
                     nn.Softplus, nn.GELU)


@dataclass
class PlaneMaps:
    """A model evaluated on a grid over the plane: its output and every hidden unit."""

    xs: np.ndarray  # (R,) first coordinate
    ys: np.ndarray  # (R,) second coordinate
    output: np.ndarray  # (R, R): P(class 1), or the single output value
    output_label: str
    predicted: np.ndarray  # (R, R) predicted class index (the decision regions)
    units: list = field(default_factory=list)  # [(layer, unit, (R, R) activation)]


def plane_maps(model, extent, resolution: int = 80) -> PlaneMaps:
    """Evaluate a sequential 2-input model on a ``resolution`` x ``resolution`` grid over
    ``extent = (x_lo, x_hi, y_lo, y_hi)``, recording each activation layer's output."""
    layers = probes.flat_layers(model)
    if layers is None:
        raise ConfigError("plane maps need a sequential model (MLP, Sequential or a theory "
                          f"network), found {type(model).__name__}")
    x_lo, x_hi, y_lo, y_hi = (float(v) for v in extent)
    xs, ys = np.linspace(x_lo, x_hi, resolution), np.linspace(y_lo, y_hi, resolution)
    gx, gy = np.meshgrid(xs, ys)  # rows follow y, columns follow x (imshow's layout)
    P = np.column_stack([gx.ravel(), gy.ravel()])
    units, layer = [], 0
    with no_grad():
        x = Tensor(P.astype(model.dtype))
        if x.shape[1] != _in_features(layers):
            raise ShapeError(f"plane maps need a model with 2 inputs, found "
                             f"{_in_features(layers)}")
        for i, m in enumerate(layers):
            x = m(x)
            hidden = isinstance(m, _ACTIVATION_TYPES) and i < len(layers) - 1
            if hidden:
                layer += 1
                h = np.asarray(x.data, dtype=np.float64)
                units += [(layer, j, h[:, j].reshape(gx.shape)) for j in range(h.shape[1])]
        out = np.asarray(x.data, dtype=np.float64)
    if out.shape[1] == 1:
        value, label = out[:, 0], "output f(x)"
        predicted = (value > 0).astype(int)
    else:
        prob = np.asarray(F.softmax(Tensor(out), axis=1).data)
        predicted = np.argmax(prob, axis=1)
        value, label = (prob[:, 1], "P(class 1)") if out.shape[1] == 2 else \
            (prob.max(axis=1), "confidence")
    return PlaneMaps(xs, ys, value.reshape(gx.shape), label, predicted.reshape(gx.shape), units)


def _in_features(layers) -> int:
    for m in layers:
        if isinstance(m, nn.Linear):
            return m.in_features
    return 2


@dataclass
class FeatureStudy:
    """A small network on a 2-D data set, drawn before and after training."""

    dataset: str
    X: np.ndarray
    y: np.ndarray
    hidden: tuple
    activation: str
    before: PlaneMaps
    after: PlaneMaps
    accuracy_before: float
    accuracy_after: float
    losses: list = field(repr=False)


def feature_learning(dataset="circles", hidden=(6,), activation: str = activations.TANH.name,
                     steps: int = 400, lr: float = 0.03, resolution: int = 80,
                     seed: int = 0) -> FeatureStudy:
    """Train ``MLP([2, *hidden, classes])`` full batch with Adam on a 2-D classification data
    set and map every hidden unit over the plane before and after."""
    from chainrule.data import Dataset, load_dataset
    from chainrule.theory._train import train_full_batch

    ds = dataset if isinstance(dataset, Dataset) else load_dataset(dataset)
    if ds.task != "classification" or ds.X.shape[1] != 2:
        raise ConfigError(f"feature maps need a 2-D classification data set; {ds.name!r} has "
                          f"{ds.X.shape[1]} features and task {ds.task!r}")
    X, y = ds.X.astype(np.float32), ds.y
    classes = int(y.max()) + 1
    model = nn.MLP([2, *hidden, max(classes, 2)], activation=activation, seed=seed)
    pad = 0.15 * (X.max(axis=0) - X.min(axis=0))
    extent = (X[:, 0].min() - pad[0], X[:, 0].max() + pad[0],
              X[:, 1].min() - pad[1], X[:, 1].max() + pad[1])
    before = plane_maps(model, extent, resolution)
    acc_before = _accuracy(model, X, y)
    losses = train_full_batch(model, X, y, steps, lr, loss="cross_entropy")
    return FeatureStudy(ds.name, ds.X, y, tuple(hidden), activation, before,
                        plane_maps(model, extent, resolution), acc_before,
                        _accuracy(model, X, y), losses)


def _accuracy(model, X, y) -> float:
    with no_grad():
        return float(np.mean(np.argmax(model(Tensor(X)).data, axis=1) == y))
