"""The tables the commands print: with rich when it is installed, aligned plain text otherwise."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np


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
