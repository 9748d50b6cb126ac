"""Training: ``fit`` and its ``Trainer``, history, callbacks, metrics, checkpoints, inference.

    import chainrule as cr
    history = cr.fit(model, (X, y), epochs=20, validation=(X_val, y_val))
    history["val_accuracy"][-1]
"""

from chainrule.training import metrics
from chainrule.training.callbacks import (
    Callback,
    EarlyStopping,
    LambdaCallback,
    ModelCheckpoint,
    SchedulerCallback,
)
from chainrule.training.checkpoint import load_checkpoint, model_from_checkpoint, save_checkpoint
from chainrule.training.fit import Trainer, fit
from chainrule.training.history import History
from chainrule.training.metrics import accuracy, classification_report, confusion_matrix
from chainrule.training.predict import evaluate, predict, predict_proba
from chainrule.training.progress import ProgressBar

__all__ = [
    "Callback", "EarlyStopping", "History", "LambdaCallback", "ModelCheckpoint", "ProgressBar",
    "SchedulerCallback", "Trainer", "accuracy", "classification_report", "confusion_matrix",
    "evaluate", "fit", "load_checkpoint", "metrics", "model_from_checkpoint", "predict",
    "predict_proba", "save_checkpoint",
]
