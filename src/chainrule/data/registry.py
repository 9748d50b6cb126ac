"""Data sets by name, and ``load_data`` which accepts a name or a file path."""

import inspect
import os
from pathlib import Path

from chainrule.errors import ConfigError, DataError
from chainrule.validation import suggestion

from . import bundled, synthetic
from .files import load_csv, load_npz

#: Name -> loader. Each loader returns a ``Dataset``; keyword arguments pass through.
DATASETS = {
    "xor": synthetic.xor,
    "moons": synthetic.moons,
    "circles": synthetic.circles,
    "spirals": synthetic.spirals,
    "gaussians": synthetic.gaussians,
    "sine": synthetic.sine,
    "digits": bundled.digits,
    "mnist1d": bundled.mnist1d,
}

_FILE_LOADERS = {".csv": load_csv, ".npz": load_npz}


def load_dataset(name, **kwargs):
    """Load the registered data set ``name`` (see ``DATASETS``), e.g. ``load_dataset("moons",
    n=500, noise=0.1)``."""
    key = str(name).strip().lower()
    if key not in DATASETS:
        raise DataError(f"unknown data set '{name}'{suggestion(key, DATASETS)}; known data sets: "
                        f"{', '.join(sorted(DATASETS))}")
    loader = DATASETS[key]
    try:
        inspect.signature(loader).bind(**kwargs)
    except TypeError:
        # Python's own message ("unexpected keyword argument") would not say what is allowed.
        allowed = ", ".join(inspect.signature(loader).parameters) or "none"
        raise ConfigError(f"data set '{key}' does not take {', '.join(sorted(kwargs))}; its "
                          f"options are: {allowed}") from None
    return loader(**kwargs)


def load_data(spec, target=None, **kwargs):
    """A ``Dataset`` from a registered name, a ``.csv`` file or an ``.npz`` file.

    ``target`` (and ``task``) apply to CSV files; other keyword arguments go to the named data set.
    """
    text = os.fspath(spec)
    suffix = Path(text).suffix.lower()
    if suffix in _FILE_LOADERS:
        if suffix == ".csv":
            if set(kwargs) - {"task"}:
                raise ConfigError(f"{text}: a CSV file takes only target= and task=, found "
                                  f"{', '.join(sorted(kwargs))}")
            return load_csv(text, target=target, **kwargs)
        if target is not None or kwargs:
            raise ConfigError(f"{text}: an .npz file names X and y itself; it takes no target or "
                              "other options")
        return load_npz(text)
    if text.strip().lower() in DATASETS:
        if target is not None:
            raise ConfigError(f"data set '{text}' has a fixed target; target= is for CSV files")
        return load_dataset(text, **kwargs)
    if suffix or os.sep in text or "/" in text or Path(text).exists():
        # It looks like a path, so a data set name is not what the user meant.
        if not Path(text).exists():
            raise DataError(f"data file not found: {text}")
        raise DataError(f"{text}: unknown file type '{suffix or '(no extension)'}'; expected "
                        f".csv or .npz, or a data set name ({', '.join(sorted(DATASETS))})")
    raise DataError(f"unknown data set '{text}'{suggestion(text, DATASETS)}; known data "
                    f"sets: {', '.join(sorted(DATASETS))}; or give a .csv or .npz file")

