"""The options of a ``chainrule train`` run: their defaults, their checks and ``--resume``.

A run's options are stored in its checkpoint, so ``--resume DIR`` rebuilds the same run
without repeating them; it continues the run as it was, and only ``--epochs`` may change.
"""

from __future__ import annotations

from pathlib import Path

from chainrule import activations
from chainrule.cli.options import whole
from chainrule.cli.outputs import CHECKPOINT
from chainrule.cli.split import data_name
from chainrule.errors import ConfigError
from chainrule.validation import choice, integer, parse_int_list, positive_float

# The options of a run, with their defaults (the keys a checkpoint's run must have).
RUN_DEFAULTS = {
    "data": "digits", "target": None, "hidden": [128], "activation": activations.DEFAULT,
    "epochs": 30, "batch_size": 32, "lr": 1e-3, "optimizer": "adam", "seed": 0, "standardize": True,
}
# What --resume may change: everything else must match the checkpoint's run.
RESUMABLE = ("epochs",)


def add_arguments(p) -> None:
    """The run's options, and --out, --resume and --quiet, on the ``train`` parser."""
    from chainrule.data import DATASETS
    from chainrule.training.fit import OPTIMIZERS

    d = RUN_DEFAULTS
    p.add_argument("--data", metavar="NAME|FILE",
                   help=f"a data set name ({', '.join(DATASETS)}) or a .csv/.npz file "
                        f"(default: {d['data']})")
    p.add_argument("--target", metavar="COL", help="the target column of a CSV file "
                   "(default: the last column)")
    p.add_argument("--hidden", metavar="SIZES",
                   help="hidden layer sizes, comma-separated, e.g. 128,64; 'none' for no "
                        f"hidden layer (default: {','.join(map(str, d['hidden']))})")
    p.add_argument("--activation", help="hidden activation: "
                   f"{', '.join(activations.names(hidden=True, trainable=True))} (default: "
                   f"{d['activation']})")
    p.add_argument("--epochs", type=whole(), help=f"number of epochs (default: {d['epochs']})")
    p.add_argument("--batch-size", type=whole(), help=f"batch size (default: {d['batch_size']})")
    p.add_argument("--lr", type=float, help=f"learning rate (default: {d['lr']:g})")
    p.add_argument("--optimizer", help=f"{', '.join(OPTIMIZERS)} (default: {d['optimizer']})")
    p.add_argument("--seed", type=whole(), help="seed of the weights, split and batch order "
                   f"(default: {d['seed']})")
    p.add_argument("--no-standardize", dest="standardize", action="store_const", const=False,
                   help="train on the raw inputs (default: standardize with training "
                        "statistics, stored in the model file)")
    p.add_argument("--out", metavar="DIR", help="output folder (default: runs/<timestamp>, "
                   "or the --resume folder)")
    p.add_argument("--resume", metavar="DIR", help=f"continue the run whose {CHECKPOINT} "
                   "is in DIR (--epochs may raise the total)")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no tables: one "
                   "result line")


def run_of(args) -> tuple:
    """``(run, checkpoint)``: the checked options of this run and, with --resume, the
    checkpoint it continues (else None)."""
    given = checked(_given(args))
    if not args.resume:
        return checked({**RUN_DEFAULTS, **given}), None
    checkpoint = Path(args.resume) / CHECKPOINT
    return checked(resumed_run(checkpoint, given)), checkpoint


def _given(args) -> dict:
    """The run options typed on the command line, in the run's terms."""
    given = {k: getattr(args, k) for k in RUN_DEFAULTS if getattr(args, k, None) is not None}
    if "hidden" in given:
        given["hidden"] = parse_hidden(given["hidden"])
    if "data" in given:
        given["data"] = data_name(given["data"])
    return given


def parse_hidden(text: str) -> list:
    """``"128,64"`` -> [128, 64]; ``"none"`` or ``""`` -> [] (no hidden layer)."""
    text = str(text).strip()
    if text.lower() in ("", "none", "0"):
        return []
    try:
        return parse_int_list(text, "--hidden", minimum=1)
    except ConfigError:
        raise ConfigError(f"--hidden must be comma-separated positive integers such as "
                          f"128,64 (or 'none'), found {text!r}") from None


def checked(run: dict) -> dict:
    """``run`` (all or some of the options) checked by ``validation``, with the names of the
    activation and the optimizer in their registered spelling."""
    from chainrule.training.fit import OPTIMIZERS

    checks = {
        "epochs": lambda v: integer(v, "--epochs", minimum=0),
        "batch_size": lambda v: integer(v, "--batch-size", minimum=1),
        "lr": lambda v: positive_float(v, "--lr", expected="a positive number"),
        "seed": lambda v: integer(v, "--seed", minimum=0),
        "activation": lambda v: choice(v, activations.names(hidden=True, trainable=True),
                                       "--activation"),
        "optimizer": lambda v: choice(v, OPTIMIZERS, "--optimizer"),
    }
    return {k: checks[k](v) if k in checks else v for k, v in run.items()}


def resumed_run(checkpoint: Path, given: dict) -> dict:
    """The run recorded in ``checkpoint``, with the options that may change taken from
    ``given``; any other given option must repeat the recorded value."""
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
        if key not in RESUMABLE and value != run[key]:
            raise ConfigError(f"--resume continues the run as it was: --{key.replace('_', '-')} "
                              f"was {run[key]!r}, cannot change it to {value!r} (only --epochs "
                              "may change)")
    return {**run, **{k: v for k, v in given.items() if k in RESUMABLE}}
