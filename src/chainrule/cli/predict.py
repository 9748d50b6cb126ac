"""``chainrule predict`` and ``chainrule evaluate``: a saved model on new data.

``predict`` writes CSV (the prediction and, for a classifier, one probability column per
class); ``evaluate`` prints the scores, the per-class report and the confusion matrix, on the
same held-out part ``chainrule train`` used when the model was trained on this data set.
"""

from __future__ import annotations

import sys

import numpy as np

from chainrule.errors import DataError

ORDER = 12  # after train


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "predict", help="predict with a saved model",
        description="Predict with a model file. DATA is a data set name (its test split if it "
                    "has one), a CSV file (feature columns, with or without the target) or an "
                    ".npz file. Writes CSV: the prediction and, for a classifier, one "
                    "probability column per class.")
    _model_and_data(p)
    p.add_argument("--target", metavar="COL", help="a CSV column to leave out (the target)")
    p.add_argument("--out", metavar="FILE", help="write the predictions here (default: stdout)")
    p.set_defaults(func=cmd_predict)

    p = subparsers.add_parser(
        "evaluate", help="evaluate a saved model on labelled data",
        description="Loss, accuracy (or r2), per-class report and confusion matrix of a model "
                    "file on DATA. For the data set the model was trained on, the same test "
                    "split is used.")
    _model_and_data(p)
    p.add_argument("--target", metavar="COL", help="the target column of a CSV file")
    p.set_defaults(func=cmd_evaluate)


def _model_and_data(p) -> None:
    p.add_argument("model", metavar="MODEL", help="a model file written by chainrule train")
    p.add_argument("data", metavar="DATA", help="data set name or .csv/.npz file")


def cmd_predict(args) -> int:
    import csv
    import io

    import chainrule as cr
    from chainrule.cli.outputs import write_file
    from chainrule.training.predict import (
        class_indices,
        class_names,
        model_task,
        n_classes,
        outputs,
        probabilities,
    )

    model = cr.load(args.model)
    X = _features(model, args.data, args.target)
    out = outputs(model, X)
    task = model_task(model, out)  # the record's, or read off the outputs
    header, columns = ["prediction"], []
    if task in ("classification", "binary"):
        classes = class_names(model, n_classes(out, task))
        columns.append(np.asarray(classes, dtype=object)[class_indices(out, task)])
        header += [f"p_{c}" for c in classes]
        columns += [[f"{v:.6g}" for v in col] for col in probabilities(out, task).T]
    else:
        values = out.reshape(len(out), -1)
        header = (["prediction"] if values.shape[1] == 1
                  else [f"prediction_{i + 1}" for i in range(values.shape[1])])
        columns += [[f"{v:.8g}" for v in col] for col in values.T]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(zip(*columns))
    if args.out:
        write_file(args.out, buffer.getvalue())
        print(f"wrote {len(X)} predictions to {args.out}")
    else:
        sys.stdout.write(buffer.getvalue())
    return 0


def _features(model, spec: str, target):
    """Inputs for ``predict``: a name's test split (or all of it), or a file's feature columns
    (a CSV as wide as the model's input holds features only)."""
    from chainrule.data import DATASETS, csv_columns, load_csv_features, load_data, load_npz
    from chainrule.training.predict import n_inputs

    if spec.strip().lower() in DATASETS:
        data = load_data(spec)
        return data.X_test if data.X_test is not None else data.X
    if spec.lower().endswith(".npz"):
        return load_npz(spec).X
    if spec.lower().endswith(".csv") and target is None:
        header = csv_columns(spec)
        if header is not None and len(header) == n_inputs(model):
            return load_csv_features(spec)
    return load_data(spec, target=target).X


def cmd_evaluate(args) -> int:
    import chainrule as cr
    from chainrule.cli.printer import Printer
    from chainrule.cli.scores import class_tables
    from chainrule.cli.split import held_out
    from chainrule.data import load_data
    from chainrule.training.predict import class_indices, model_task, n_classes, outputs, score

    model = cr.load(args.model)
    info = model.info
    data = load_data(args.data, target=args.target)
    X, y, where = held_out(data, info, args.data)
    if info.task is not None:  # known: say so before running the model on the data
        _check_task(info.task, data, args.data)
    out = outputs(model, X)
    task = model_task(model, out)
    _check_task(task, data, args.data)
    if data.task == "classification":
        y = _map_labels(y, data.classes, info.classes, args.data)
    scores = score(out, y, task)
    printer = Printer()
    printer.line(f"{args.model} on {args.data}: {len(X)} samples ({where})")
    printer.scores({"": scores})
    if data.task == "classification":
        n = n_classes(out, task)
        # A model without class names scores the data's classes, in the data's order.
        classes = info.classes or [*data.classes, *map(str, range(len(data.classes), n))]
        tables = class_tables(y, class_indices(out, task), classes)
        on = "test" if "test" in where else args.data
        printer.report(tables["report"], on)
        printer.confusion(tables["confusion"], classes, on)
    return 0


def _check_task(task: str, data, spec) -> None:
    if (task == "regression") != (data.task == "regression"):
        raise DataError(f"the model does {task} but {spec} is a {data.task} data set")


def _map_labels(y, data_classes, model_classes, spec):
    """The data's labels as indices into the model's classes, matched by class name."""
    if not model_classes or list(data_classes) == list(model_classes):
        return y
    index = {c: i for i, c in enumerate(model_classes)}
    unknown = [c for c in data_classes if c not in index]
    if unknown:
        raise DataError(f"{spec} has class {unknown[0]!r}, which the model does not know (its "
                        f"classes: {', '.join(model_classes)})")
    return np.array([index[c] for c in data_classes], dtype=np.int64)[y]
