"""History: what ``fit`` measured, one record per epoch."""

from __future__ import annotations

import io
import math

from chainrule.errors import ConfigError, require
from chainrule.io.atomic import atomic_write


class History:
    """Per-epoch numbers of a training run.

    ``history.epochs`` is a list of dicts such as ``{"epoch": 3, "loss": 0.21, "accuracy":
    0.94, "val_loss": 0.25, "val_accuracy": 0.93, "seconds": 0.12, ...}`` (epochs count from
    1). ``history["loss"]`` is the list of one key over the epochs (None where an epoch lacks it).
    """

    def __init__(self, epochs=None):
        self.epochs = [dict(e) for e in (epochs or [])]

    def append(self, record: dict) -> None:
        """Add an epoch's record (kept, not copied: the trainer's ``logs`` is this dict, so a
        callback that adds a number to ``logs`` adds it to the history)."""
        self.epochs.append(record)

    def keys(self) -> list:
        seen = {}
        for record in self.epochs:
            seen.update(dict.fromkeys(record))
        return list(seen)

    def __getitem__(self, key):
        if isinstance(key, int):
            return self.epochs[key]
        if not any(key in record for record in self.epochs):
            raise KeyError(f"no {key!r} in this history; it has: {', '.join(self.keys())}")
        return [record.get(key) for record in self.epochs]

    def __contains__(self, key) -> bool:
        return any(key in record for record in self.epochs)

    def __len__(self) -> int:
        return len(self.epochs)

    def __iter__(self):
        return iter(self.epochs)

    @property
    def last(self) -> dict:
        """The last epoch's record (an empty dict before the first epoch)."""
        return self.epochs[-1] if self.epochs else {}

    def best(self, key: str = "val_loss", mode: str = "auto") -> dict:
        """The record with the best ``key`` (lowest for losses, highest for accuracy/r2)."""
        mode = _mode(key, mode)
        values = [(r[key], i) for i, r in enumerate(self.epochs)
                  if isinstance(r.get(key), (int, float)) and not math.isnan(r[key])]
        if not values:
            raise KeyError(f"no {key!r} in this history; it has: {', '.join(self.keys())}")
        better = (lambda a, b: a < b) if mode == "min" else (lambda a, b: a > b)
        best_value, best_index = values[0]
        for value, i in values[1:]:  # the first of equal values wins
            if better(value, best_value):
                best_value, best_index = value, i
        return self.epochs[best_index]

    def to_dict(self) -> dict:
        return {"epochs": [dict(e) for e in self.epochs]}

    @classmethod
    def from_dict(cls, state: dict) -> History:
        return cls(state.get("epochs", []))

    def plot(self, path=None, keys=None, names=("train", "validation")):
        """Loss (and metric) curves, train solid and validation dashed; return the figure.

        ``names`` labels the two curves (``chainrule train`` passes ("train", "test"), since its
        validation data is the held-out test split). With ``path`` the figure is also written
        there as PNG (atomically). Uses matplotlib's object API only, so it never changes the
        pyplot backend of an interactive session.
        """
        require("matplotlib", "plot")
        from matplotlib.figure import Figure

        metric_keys = keys or [k for k in self.keys() if k not in _NOT_PLOTTED
                               and not k.startswith("val_") and k != "loss"]
        panels = ["loss", *metric_keys]
        fig = Figure(figsize=(4.5 * len(panels), 3.4))
        axes = fig.subplots(1, len(panels), squeeze=False)[0]
        epochs = self["epoch"] if self.epochs else []
        for ax, key in zip(axes, panels):
            for k, style, name in ((key, "-", names[0]), (f"val_{key}", "--", names[1])):
                if k in self:
                    ax.plot(epochs, self[k], style, marker="o", markersize=3, label=name)
            ax.set_xlabel("epoch")
            ax.set_title(key)
            ax.grid(alpha=0.3)
            ax.legend()
        fig.tight_layout()
        if path is not None:
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=110)
            atomic_write(path, buffer.getvalue())
        return fig

    def __repr__(self) -> str:
        if not self.epochs:
            return "History(0 epochs)"
        last = ", ".join(f"{k}={v:.4g}" for k, v in self.last.items()
                         if isinstance(v, float) and k != "seconds")
        return f"History({len(self.epochs)} epochs; last: {last})"


_NOT_PLOTTED = {"epoch", "seconds", "lr", "samples_per_second"}


def _mode(key: str, mode: str) -> str:
    if mode == "auto":
        name = key.removeprefix("val_")
        return "max" if name in ("accuracy", "acc", "r2") or "acc" in name else "min"
    if mode not in ("min", "max"):
        raise ConfigError(f"mode must be 'auto', 'min' or 'max', found {mode!r}")
    return mode
