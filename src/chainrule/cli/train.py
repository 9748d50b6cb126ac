"""``chainrule train``, ``chainrule predict`` and ``chainrule evaluate``.

``chainrule train`` with no options is the main job: an MLP([64, 128, 10]) with ReLU and
Adam on the digits data set, with a progress bar, then train/test accuracy, a per-class
report and a confusion matrix; it writes ``model.safetensors``, ``metrics.json``,
``loss.png`` and ``checkpoint.safetensors`` (for ``--resume``) to ``--out``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np

from chainrule import activations
from chainrule.errors import ConfigError, DataError, MissingExtraError
from chainrule.validation import choice

ORDER = 10

# The options of a run, with their defaults. They are stored in the checkpoint, so
# ``--resume DIR`` rebuilds the same run without repeating them.
RUN_DEFAULTS = {
    "data": "digits", "target": None, "hidden": [128], "activation": activations.DEFAULT,
    "epochs": 30, "batch_size": 32, "lr": 1e-3, "optimizer": "adam", "seed": 0, "standardize": True,
}
# What --resume may change: everything else must match the checkpoint's run.
_RESUMABLE = ("epochs",)
CHECKPOINT = "checkpoint.safetensors"
MODEL = "model.safetensors"
TEST_SIZE = 0.2


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "train", help="train an MLP (default: digits, MLP [64, 128, 10], Adam)",
        description="Train an MLP and report train/test accuracy, a per-class report and a "
                    "confusion matrix. Writes model.safetensors, metrics.json, loss.png and "
                    "checkpoint.safetensors to --out.")
    p.add_argument("--data", metavar="NAME|FILE",
                   help="a data set name (digits, mnist1d, moons, circles, spirals, xor, "
                        "gaussians, sine) or a .csv/.npz file (default: digits)")
    p.add_argument("--target", metavar="COL", help="the target column of a CSV file "
                   "(default: the last column)")
    p.add_argument("--hidden", metavar="SIZES",
                   help="hidden layer sizes, comma-separated, e.g. 128,64; 'none' for no "
                        "hidden layer (default: 128)")
    p.add_argument("--activation", help="hidden activation: "
                   f"{', '.join(activations.names(hidden=True, trainable=True))} (default: "
                   f"{RUN_DEFAULTS['activation']})")
    p.add_argument("--epochs", type=int, help="number of epochs (default: 30)")
    p.add_argument("--batch-size", type=int, help="batch size (default: 32)")
    p.add_argument("--lr", type=float, help="learning rate (default: 0.001)")
    p.add_argument("--optimizer", help="adam, adamw, sgd or rmsprop (default: adam)")
    p.add_argument("--seed", type=int, help="seed of the weights, split and batch order "
                   "(default: 0)")
    p.add_argument("--no-standardize", dest="standardize", action="store_const", const=False,
                   help="train on the raw inputs (default: standardize with training "
                        "statistics, stored in the model file)")
    p.add_argument("--out", metavar="DIR", help="output folder (default: runs/<timestamp>, "
                   "or the --resume folder)")
    p.add_argument("--resume", metavar="DIR", help=f"continue the run whose {CHECKPOINT} "
                   "is in DIR (--epochs may raise the total)")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no tables: one "
                   "result line")
    p.set_defaults(func=cmd_train)

    p = subparsers.add_parser(
        "predict", help="predict with a saved model",
        description="Predict with a model file. DATA is a data set name (its test split if it "
                    "has one), a CSV file (feature columns, with or without the target) or an "
                    ".npz file. Writes CSV: the prediction and, for a classifier, one "
                    "probability column per class.")
    p.add_argument("model", metavar="MODEL", help="a model file written by chainrule train")
    p.add_argument("data", metavar="DATA", help="data set name or .csv/.npz file")
    p.add_argument("--target", metavar="COL", help="a CSV column to leave out (the target)")
    p.add_argument("--out", metavar="FILE", help="write the predictions here (default: stdout)")
    p.set_defaults(func=cmd_predict)

    p = subparsers.add_parser(
        "evaluate", help="evaluate a saved model on labelled data",
        description="Loss, accuracy (or r2), per-class report and confusion matrix of a model "
                    "file on DATA. For the data set the model was trained on, the same test "
                    "split is used.")
    p.add_argument("model", metavar="MODEL", help="a model file written by chainrule train")
    p.add_argument("data", metavar="DATA", help="data set name or .csv/.npz file")
    p.add_argument("--target", metavar="COL", help="the target column of a CSV file")
    p.set_defaults(func=cmd_evaluate)


# ---------------------------------------------------------------- train


def cmd_train(args) -> int:
    started = time.perf_counter()
    given = {k: getattr(args, k) for k in RUN_DEFAULTS if getattr(args, k, None) is not None}
    if "hidden" in given:
        given["hidden"] = parse_hidden(given["hidden"])
    if "data" in given:
        given["data"] = _data_spec(given["data"])
    checkpoint = None
    if args.resume:
        checkpoint = Path(args.resume) / CHECKPOINT
        run = _resumed_run(checkpoint, given)
        out = Path(args.out) if args.out else Path(args.resume)
    else:
        run = {**RUN_DEFAULTS, **given}
        out = Path(args.out) if args.out else _timestamped(Path("runs"))
    _check_run(run)
    printer = Printer(quiet=args.quiet)

    from chainrule import nn
    from chainrule.training import ModelCheckpoint, Trainer

    data, (X_train, y_train, X_test, y_test) = _load_split(run)
    out_features = data.n_classes if data.task == "classification" else data.y.shape[1]
    sizes = [data.n_features, *run["hidden"], out_features]
    model = nn.MLP(sizes, activation=run["activation"], seed=run["seed"])
    # What the model learns from, so checkpoints and the model file carry it (fit adds the task).
    model.info = nn.TrainingInfo(classes=data.classes, feature_names=data.feature_names,
                                 dataset=run["data"], seed=run["seed"])
    _make_dir(out)
    trainer = Trainer(
        model, loss="cross_entropy" if data.task == "classification" else "mse",
        optimizer=run["optimizer"], lr=run["lr"], quiet=args.quiet,
        callbacks=[ModelCheckpoint(str(out / CHECKPOINT))], metadata={"run": run})
    history = trainer.fit((X_train, y_train), epochs=run["epochs"],
                          batch_size=run["batch_size"], validation=(X_test, y_test),
                          seed=run["seed"], standardize=run["standardize"],
                          resume=str(checkpoint) if checkpoint else None)
    results = _results(model, data, X_train, y_train, X_test, y_test)
    seconds = time.perf_counter() - started
    summary = {
        "data": run["data"], "task": data.task, "classes": data.classes,
        "n_train": len(X_train), "n_test": len(X_test), "test_split": _split_name(data),
        "model": model.get_config(), "parameters": model.num_parameters(), "options": run,
        "history": history.epochs, "final": results["scores"], "seconds": seconds,
    }
    if data.task == "classification":
        summary["classification_report"] = results["report"]
        summary["confusion_matrix"] = results["confusion"].tolist()
    written = _write_outputs(out, model, history, summary, printer)
    printer.summary(summary, results, written, out)
    return 0


def parse_hidden(text: str) -> list:
    """``"128,64"`` -> [128, 64]; ``"none"`` or ``""`` -> [] (no hidden layer)."""
    text = str(text).strip()
    if text.lower() in ("", "none", "0"):
        return []
    sizes = []
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit() or int(part) < 1:
            raise ConfigError(f"--hidden must be comma-separated positive integers such as "
                              f"128,64 (or 'none'), found {text!r}")
        sizes.append(int(part))
    return sizes


def _check_run(run: dict) -> None:
    if run["epochs"] < 0:
        raise ConfigError(f"--epochs must be >= 0, found {run['epochs']}")
    if run["batch_size"] < 1:
        raise ConfigError(f"--batch-size must be >= 1, found {run['batch_size']}")
    if not (run["lr"] > 0 and np.isfinite(run["lr"])):
        raise ConfigError(f"--lr must be a positive number, found {run['lr']}")
    if run["seed"] < 0:
        raise ConfigError(f"--seed must be >= 0, found {run['seed']}")
    run["activation"] = choice(run["activation"], activations.names(hidden=True, trainable=True),
                               "--activation")
    from chainrule.training.fit import OPTIMIZERS

    if run["optimizer"].lower() not in OPTIMIZERS:
        raise ConfigError(f"unknown --optimizer {run['optimizer']!r}; choose one of "
                          f"{', '.join(OPTIMIZERS)}")


def _resumed_run(checkpoint: Path, given: dict) -> dict:
    from chainrule.training import load_checkpoint

    if not checkpoint.parent.is_dir():
        raise ConfigError(f"--resume: no such folder: {checkpoint.parent}")
    if not checkpoint.exists():
        raise ConfigError(f"--resume: no {CHECKPOINT} in {checkpoint.parent}; resume the "
                          "--out folder of an earlier 'chainrule train' run")
    state = load_checkpoint(checkpoint)
    run = (state.get("metadata") or {}).get("run")
    if not isinstance(run, dict) or set(run) != set(RUN_DEFAULTS):
        raise ConfigError(f"--resume: {checkpoint} was not written by 'chainrule train' (it "
                          "does not record the run's options); resume it with fit(resume=...)")
    for key, value in given.items():
        if key not in _RESUMABLE and value != run[key]:
            raise ConfigError(f"--resume continues the run as it was: --{key.replace('_', '-')} "
                              f"was {run[key]!r}, cannot change it to {value!r} (only --epochs "
                              "may change)")
    return {**run, **{k: v for k, v in given.items() if k in _RESUMABLE}}


def _timestamped(parent: Path) -> Path:
    base = parent / datetime.now().strftime("%Y%m%d-%H%M%S")
    path, n = base, 1
    while path.exists():
        n += 1
        path = Path(f"{base}-{n}")
    return path


def _make_dir(path: Path) -> None:
    from chainrule.io.atomic import writable_folder

    writable_folder(path, "the output folder")


def _data_spec(spec: str) -> str:
    """A file path made absolute (so --resume works from another folder); names unchanged."""
    from chainrule.data import DATASETS

    if spec.strip().lower() in DATASETS or not os.path.exists(spec):
        return spec  # a name, or a missing file that load_data will report as given
    return os.path.abspath(spec)


def _load_split(run: dict):
    """The data set and its (train, test) arrays: the published split, else a seeded 80/20."""
    from chainrule.data import load_data, train_test_split

    data = load_data(run["data"], target=run["target"])
    if data.X_test is not None:
        return data, (data.X, data.y, data.X_test, data.y_test)
    if len(data.X) < 5:
        raise DataError(f"{run['data']}: only {len(data.X)} samples; training needs at least 5 "
                        "(4 to train on and 1 to test)")
    stratify = data.task == "classification" and np.bincount(data.y).min() >= 2
    X_train, X_test, y_train, y_test = train_test_split(
        data.X, data.y, test_size=TEST_SIZE, seed=run["seed"], stratify=True if stratify else None)
    return data, (X_train, y_train, X_test, y_test)


def _split_name(data) -> str:
    return "published" if data.X_test is not None else f"random {int(TEST_SIZE * 100)}%"


def _results(model, data, X_train, y_train, X_test, y_test) -> dict:
    from chainrule.training import classification_report, confusion_matrix, evaluate
    from chainrule.training.predict import class_indices, model_task, outputs

    scores = {"train": evaluate(model, X_train, y_train), "test": evaluate(model, X_test, y_test)}
    results = {"scores": scores}
    if data.task == "classification":
        out = outputs(model, X_test)
        pred = class_indices(out, model_task(model, out))  # indices, like y_test
        results["report"] = classification_report(y_test, pred, data.classes)
        results["confusion"] = confusion_matrix(y_test, pred, len(data.classes))
    return results


def _write_outputs(out: Path, model, history, summary: dict, printer) -> list:
    import chainrule as cr
    from chainrule.io import atomic_write

    # The record's dataset and seed name the data; test_size says how it was split.
    model.info.metadata = {"test_split": summary["test_split"], "test_size": TEST_SIZE,
                           "final": summary["final"], "epochs": len(history)}
    cr.save(model, out / MODEL)
    written = [MODEL, CHECKPOINT]
    try:
        atomic_write(out / "metrics.json", json.dumps(_json_safe(summary), indent=2) + "\n")
    except OSError as exc:
        raise ConfigError(f"cannot write {out / 'metrics.json'}: {exc.strerror or exc}") from exc
    written.append("metrics.json")
    try:
        history.plot(out / "loss.png", names=("train", "test"))
        written.append("loss.png")
    except MissingExtraError:
        printer.note("loss.png skipped: matplotlib is not installed "
                     "(pip install 'chainrule[plot]')")
    return written


def _json_safe(value):
    """NaN/inf are not JSON: write them as null."""
    if isinstance(value, float):
        return value if np.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


# ---------------------------------------------------------------- predict / evaluate


def cmd_predict(args) -> int:
    import chainrule as cr
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
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(zip(*columns))
    if args.out:
        from chainrule.io import atomic_write

        try:
            atomic_write(args.out, buffer.getvalue())
        except OSError as exc:
            raise ConfigError(f"cannot write {args.out}: {exc.strerror or exc}") from exc
        print(f"wrote {len(X)} predictions to {args.out}")
    else:
        sys.stdout.write(buffer.getvalue())
    return 0


def _features(model, spec: str, target):
    """Inputs for ``predict``: a name's test split (or all of it), or a file's feature columns."""
    from chainrule.data import DATASETS, load_data, load_npz
    from chainrule.training.predict import n_inputs

    if spec.strip().lower() in DATASETS:
        data = load_data(spec)
        return data.X_test if data.X_test is not None else data.X
    if spec.lower().endswith(".npz"):
        return load_npz(spec).X
    if spec.lower().endswith(".csv") and target is None:
        header = _csv_header(spec)
        if header is not None and len(header) == n_inputs(model):
            return _read_feature_csv(spec, len(header))
    return load_data(spec, target=target).X


def _csv_header(path):
    import csv

    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            for row in csv.reader(f):
                if any(cell.strip() for cell in row):
                    return row
    except (OSError, UnicodeDecodeError, csv.Error):
        return None  # load_data reports the problem properly
    return None


def _read_feature_csv(path, width: int) -> np.ndarray:
    """A CSV of feature columns only (header first); every cell must be a number."""
    import csv

    rows = []
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = None
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = row
                continue
            if len(row) != width:
                raise DataError(f"{path}: line {reader.line_num}: expected {width} cells, found "
                                f"{len(row)}")
            try:
                rows.append([float(cell) for cell in row])
            except ValueError:
                bad = next(c for c in row if not _is_number(c))
                raise DataError(f"{path}: line {reader.line_num}: expected a number, found "
                                f"{bad.strip()!r}") from None
    if not rows:
        raise DataError(f"{path}: no data rows after the header")
    X = np.asarray(rows, dtype=np.float64)
    if not np.all(np.isfinite(X)):
        raise DataError(f"{path}: contains NaN or infinity; fill in the values")
    return X


def _is_number(text) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def cmd_evaluate(args) -> int:
    import chainrule as cr
    from chainrule.data import load_data, train_test_split
    from chainrule.training import classification_report, confusion_matrix
    from chainrule.training.predict import class_indices, model_task, n_classes, outputs, score

    model = cr.load(args.model)
    info = model.info
    data = load_data(args.data, target=args.target)
    X, y, where = data.X, data.y, "all samples"
    if data.X_test is not None:
        X, y, where = data.X_test, data.y_test, "the published test split"
    elif (info.dataset == _data_spec(args.data) and info.seed is not None
          and "test_size" in info.metadata):
        # The data set chainrule train trained it on: evaluate on the same held-out part.
        stratify = data.task == "classification" and np.bincount(data.y).min() >= 2
        _, X, _, y = train_test_split(data.X, data.y, test_size=info.metadata["test_size"],
                                      seed=info.seed, stratify=True if stratify else None)
        where = "the test split it was trained with"
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
        pred = class_indices(out, task)
        on = "test" if "test" in where else args.data
        printer.report(classification_report(y, pred, classes), on)
        printer.confusion(confusion_matrix(y, pred, len(classes)), classes, on)
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


# ---------------------------------------------------------------- output


class Printer:
    """Tables with rich when it is installed, aligned plain text otherwise."""

    def __init__(self, quiet: bool = False):
        self.quiet = quiet
        try:
            from rich.console import Console
        except ImportError:
            self.console = None
        else:
            self.console = Console(highlight=False, soft_wrap=True)

    def line(self, text: str) -> None:
        if self.console is not None:
            self.console.print(text, markup=False)
        else:
            print(text)

    def note(self, text: str) -> None:
        print(f"note: {text}", file=sys.stderr)

    def _table(self, title, columns, rows) -> None:
        print()
        if self.console is None:
            from chainrule.training.summary import format_table

            print(format_table(title, columns, rows))
            return
        from rich.table import Table

        table = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
        for i, c in enumerate(columns):
            table.add_column(c, justify="left" if i == 0 else "right")
        for row in rows:
            table.add_row(*[str(v) for v in row])
        self.console.print(table)

    def scores(self, by_split: dict) -> None:
        names = list(next(iter(by_split.values())))
        rows = [[n, *(f"{s[n]:.4f}" for s in by_split.values())] for n in names]
        self._table(None, ["metric", *(k or "value" for k in by_split)], rows)

    def report(self, report: dict, on: str = "test") -> None:
        rows = [[r["class"], f"{r['precision']:.3f}", f"{r['recall']:.3f}", f"{r['f1']:.3f}",
                 r["support"]] for r in report["classes"]]
        for key in ("macro avg", "weighted avg"):
            r = report[key]
            rows.append([key, f"{r['precision']:.3f}", f"{r['recall']:.3f}", f"{r['f1']:.3f}",
                         r["support"]])
        self._table(f"per-class report ({on})",
                    ["class", "precision", "recall", "f1", "support"], rows)

    def confusion(self, cm, classes, on: str = "test") -> None:
        rows = [[c, *row] for c, row in zip(classes, np.asarray(cm).tolist())]
        self._table(f"confusion matrix ({on}; rows: true class, columns: predicted)",
                    ["true \\ pred", *classes], rows)

    def summary(self, s: dict, results: dict, written: list, out: Path) -> None:
        test, train = s["final"]["test"], s["final"]["train"]
        key = "accuracy" if "accuracy" in test else "r2"
        if self.quiet:
            print(f"{s['data']}: train {key} {train[key]:.4f}, test {key} {test[key]:.4f}; "
                  f"wrote {out}")
            return
        cfg = s["model"]
        opts = s["options"]
        classes = f", {len(s['classes'])} classes" if s["classes"] else ""
        self.line(f"{Path(s['data']).name}: {s['n_train']} train / {s['n_test']} test samples "
                  f"({s['test_split']} split){classes}")
        self.line(f"model: MLP {cfg['sizes']} {cfg['activation']}, {s['parameters']:,} "
                  f"parameters; {opts['optimizer']} lr={opts['lr']:g}, {len(s['history'])} "
                  f"epochs, batch {opts['batch_size']}")
        self.scores({"train": train, "test": test})
        if "report" in results:
            self.report(results["report"])
            self.confusion(results["confusion"], s["classes"])
        self.line(f"wrote {', '.join(written)} to {out}/ ({s['seconds']:.1f} s)")
