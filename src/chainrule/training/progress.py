"""A progress bar for ``fit``: epoch, loss, first metric and samples per second.

It draws with rich when rich is installed and the output is a terminal; it is silent when
``quiet`` or when the output is a file or a pipe (logs stay clean). Without rich it prints
one plain line per epoch, still only on a terminal.
"""

from __future__ import annotations

import sys
import time

from chainrule.training.callbacks import Callback


def _is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or replaced streams
        return False


class ProgressBar(Callback):
    """Show training progress; ``fit`` adds one unless ``quiet=True``."""

    order = 50

    def __init__(self, stream=None, every: int = 1):
        self.stream = stream
        self.every = max(1, int(every))  # redraw every N batches
        self._progress = None
        self._task = None
        self._plain = False

    def on_train_begin(self, trainer):
        stream = self.stream or sys.stdout
        if not _is_terminal(stream):
            return
        try:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn
        except ImportError:
            self._plain = True
            return
        self._progress = Progress(
            TextColumn("[bold]epoch {task.fields[epoch]}"),
            BarColumn(bar_width=12),
            TextColumn("{task.fields[numbers]}"),
            console=Console(file=stream),
            transient=False,
        )
        self._progress.start()
        remaining = trainer.epochs - trainer.epoch
        self._task = self._progress.add_task(
            "train", total=max(remaining, 0) * trainer.batches_per_epoch,
            epoch=f"{trainer.epoch + 1}/{trainer.epochs}", numbers="")

    def on_epoch_begin(self, trainer):
        self._t0 = time.perf_counter()
        if self._progress is not None:
            self._progress.update(self._task, epoch=f"{trainer.epoch}/{trainer.epochs}")

    def on_batch_end(self, trainer):
        if self._progress is None:
            return
        if trainer.batch % self.every == 0:
            self._progress.update(self._task, advance=self.every,
                                  numbers=self._numbers(trainer.running_logs(), trainer))

    def on_epoch_end(self, trainer):
        text = self._numbers(trainer.logs, trainer)
        if self._progress is not None:
            done = trainer.batch - trainer.batch // self.every * self.every
            self._progress.update(self._task, advance=done, numbers=text)
        elif self._plain:
            stream = self.stream or sys.stdout
            print(f"epoch {trainer.epoch}/{trainer.epochs}  {text}", file=stream, flush=True)

    def on_train_end(self, trainer):
        self.close()

    def close(self):
        """Stop drawing (the trainer also calls this when training fails)."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def _numbers(self, logs, trainer) -> str:
        """Compact, to fit an 80-column terminal: loss 0.3847 acc 0.929 | val loss ... | 25k/s."""
        def part(prefix):
            items = []
            for key in ("loss", *trainer.metric_names):
                value = logs.get(prefix + key)
                if value is not None:
                    items.append(f"{_SHORT.get(key, key)} {value:.4g}")
            return " ".join(items)

        parts = [part("")]
        if "val_loss" in logs:
            parts.append("val " + part("val_"))
        elapsed = time.perf_counter() - getattr(self, "_t0", time.perf_counter())
        if elapsed > 0 and trainer.samples_seen:
            parts.append(f"{_si(trainer.samples_seen / elapsed)} samples/s")
        return " | ".join(parts)


_SHORT = {"accuracy": "acc"}


def _si(x: float) -> str:
    for unit, scale in (("M", 1e6), ("k", 1e3)):
        if x >= scale:
            return f"{x / scale:.3g}{unit}"
    return f"{x:.3g}"
