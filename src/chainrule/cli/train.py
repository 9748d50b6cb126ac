"""``chainrule train``: train an MLP, report it, write the run folder.

With no options it is the main job: an MLP([64, 128, 10]) with ReLU and Adam on the digits
data set, with a progress bar, then train/test accuracy, a per-class report and a confusion
matrix; it writes ``model.safetensors``, ``metrics.json``, ``loss.png`` and
``checkpoint.safetensors`` (for ``--resume``) to ``--out``. The steps live next door: the
options in ``run_options``, the data and its split in ``split``, the numbers in ``scores``,
the tables in ``printer``, the files in ``outputs``.
"""

from __future__ import annotations

import time

from chainrule.cli import outputs, run_options
from chainrule.cli.printer import Printer
from chainrule.cli.scores import train_test_results
from chainrule.cli.split import TEST_SIZE, load_split, split_name

ORDER = 10


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "train", help="train an MLP (default: digits, MLP [64, 128, 10], Adam)",
        description="Train an MLP and report train/test accuracy, a per-class report and a "
                    "confusion matrix. Writes model.safetensors, metrics.json, loss.png and "
                    "checkpoint.safetensors to --out.")
    run_options.add_arguments(p)
    p.set_defaults(func=cmd_train)


def cmd_train(args) -> int:
    started = time.perf_counter()
    run, checkpoint = run_options.run_of(args)
    out = outputs.run_folder(args.out, args.resume)
    printer = Printer(quiet=args.quiet)

    from chainrule import nn
    from chainrule.training import ModelCheckpoint, Trainer

    data, (X_train, y_train, X_test, y_test) = load_split(run["data"], run["target"],
                                                          run["seed"])
    out_features = data.n_classes if data.task == "classification" else data.y.shape[1]
    sizes = [data.n_features, *run["hidden"], out_features]
    model = nn.MLP(sizes, activation=run["activation"], seed=run["seed"])
    # What the model learns from, so checkpoints and the model file carry it (fit adds the task).
    model.info = nn.TrainingInfo(classes=data.classes, feature_names=data.feature_names,
                                 dataset=run["data"], seed=run["seed"])
    outputs.make_folder(out)
    trainer = Trainer(
        model, loss="cross_entropy" if data.task == "classification" else "mse",
        optimizer=run["optimizer"], lr=run["lr"], quiet=args.quiet,
        callbacks=[ModelCheckpoint(str(out / outputs.CHECKPOINT))], metadata={"run": run})
    history = trainer.fit((X_train, y_train), epochs=run["epochs"],
                          batch_size=run["batch_size"], validation=(X_test, y_test),
                          seed=run["seed"], standardize=run["standardize"],
                          resume=str(checkpoint) if checkpoint else None)
    results = train_test_results(model, data, X_train, y_train, X_test, y_test)
    summary = {
        "data": run["data"], "task": data.task, "classes": data.classes,
        "n_train": len(X_train), "n_test": len(X_test), "test_split": split_name(data),
        "model": model.get_config(), "parameters": model.num_parameters(), "options": run,
        "history": history.epochs, "final": results["scores"],
        "seconds": time.perf_counter() - started,
    }
    if data.task == "classification":
        summary["classification_report"] = results["report"]
        summary["confusion_matrix"] = results["confusion"].tolist()
    # The record's dataset and seed name the data; test_size says how it was split.
    model.info.metadata = {"test_split": summary["test_split"], "test_size": TEST_SIZE,
                           "final": summary["final"], "epochs": len(history)}
    written = outputs.write_run(out, model, history, summary, printer)
    printer.summary(summary, results, written, out)
    return 0
