"""The numbers ``chainrule train`` and ``chainrule evaluate`` report: loss and metrics, and
for a classifier the per-class report and the confusion matrix."""

from __future__ import annotations


def class_tables(y, pred, classes) -> dict:
    """The per-class report and the confusion matrix of class indices ``pred`` against ``y``."""
    from chainrule.training import classification_report, confusion_matrix

    return {"report": classification_report(y, pred, classes),
            "confusion": confusion_matrix(y, pred, len(classes))}


def train_test_results(model, data, X_train, y_train, X_test, y_test) -> dict:
    """Scores on both parts; for a classifier, the tables of the test part."""
    from chainrule.training import evaluate
    from chainrule.training.predict import class_indices, model_task, outputs

    scores = {"train": evaluate(model, X_train, y_train), "test": evaluate(model, X_test, y_test)}
    results = {"scores": scores}
    if data.task == "classification":
        out = outputs(model, X_test)
        pred = class_indices(out, model_task(model, out))  # indices, like y_test
        results.update(class_tables(y_test, pred, data.classes))
    return results
