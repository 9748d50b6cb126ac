"""What the page needs once, at connection: the choices it offers and their limits.

The activations come from the registry (``chainrule.activations``: name, formula, colour,
derivative policies), the data sets' thumbnails from the same generators the session uses.
"""

from __future__ import annotations

import numpy as np

import chainrule
from chainrule import activations
from chainrule.playground import datasets, features, presets, settings, userdata

PREVIEW_POINTS = 150


def _activation(act) -> dict:
    return {"name": act.name, "formula": act.formula, "color": act.color,
            "aliases": list(act.aliases), "trainable": act.trainable,
            "policy": act.policy, "policies": list(act.primitive) if act.policy else [],
            "defaultPolicy": act.options.get(act.policy) if act.policy else None}


def _preview(name: str) -> list:
    if name == "custom":
        return []
    points, labels = datasets.generate(name, 2, 0, 0)
    pick = np.random.default_rng(0).choice(len(points), min(PREVIEW_POINTS, len(points)),
                                           replace=False)
    return np.column_stack([points[pick], labels[pick]]).round(2).tolist()


def meta() -> dict:
    """The ``meta`` message."""
    names = (*datasets.CLASSIFICATION, *datasets.REGRESSION)
    return {
        "type": "meta", "version": chainrule.__version__,
        "activations": [_activation(a) for a in activations.all_activations(hidden=True)],
        "features": [{"key": k, "label": v[0]} for k, v in features.FEATURES.items()],
        "datasets": {"classification": list(datasets.CLASSIFICATION),
                     "regression": list(datasets.REGRESSION),
                     "titles": {n: datasets.TITLES[n] for n in names},
                     "previews": {n: _preview(n) for n in dict.fromkeys(names)},
                     "oneD": [n for n in names if datasets.is_1d(n)]},
        "learningRates": list(settings.LEARNING_RATES),
        "regularizationRates": list(settings.REGULARIZATION_RATES),
        "regularizations": list(settings.REGULARIZATIONS),
        "problems": list(settings.PROBLEMS), "speeds": list(settings.SPEEDS),
        "defaults": settings.Settings().to_dict(),
        "limits": {"layers": settings.MAX_LAYERS, "neurons": settings.MAX_NEURONS,
                   "classes": [settings.MIN_CLASSES, settings.MAX_CLASSES],
                   "points": userdata.MAX_POINTS, "uploadBytes": userdata.MAX_UPLOAD_BYTES,
                   "linkPoints": userdata.MAX_LINK_POINTS,
                   "batchSize": [1, 30], "noise": [0, 50], "percTrainData": [10, 90],
                   "radius": datasets.RADIUS},
        "presets": [{"name": p.name, "title": p.title, "note": p.note}
                    for p in presets.PRESETS.values()],
    }
