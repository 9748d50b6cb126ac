"""Plain-text tables of results: the classification report and the confusion matrix.

The command line draws these with rich when it is installed; these are the fallback and
what a script or a notebook can print.
"""

from __future__ import annotations

import numpy as np


def format_report(report: dict) -> str:
    """The dict of ``metrics.classification_report`` as an aligned text table."""
    names = [r["class"] for r in report["classes"]] + ["macro avg", "weighted avg"]
    width = max(12, *(len(n) for n in names))
    head = f"{'class':>{width}}  {'precision':>9}  {'recall':>7}  {'f1':>6}  {'support':>7}"
    lines = [head]
    for r in report["classes"]:
        lines.append(_row(r["class"], r, width))
    lines.append("")
    lines.append(f"{'accuracy':>{width}}  {'':>9}  {'':>7}  {report['accuracy']:>6.3f}  "
                 f"{report['weighted avg']['support']:>7}")
    for key in ("macro avg", "weighted avg"):
        lines.append(_row(key, report[key], width))
    return "\n".join(lines)


def _row(name, r, width):
    return (f"{name:>{width}}  {r['precision']:>9.3f}  {r['recall']:>7.3f}  {r['f1']:>6.3f}  "
            f"{r['support']:>7}")


def format_confusion(cm, classes=None) -> str:
    """A confusion matrix with true classes as rows and predicted classes as columns."""
    cm = np.asarray(cm)
    names = [str(c) for c in classes] if classes is not None else [str(i) for i in range(len(cm))]
    cell = max(4, len(str(cm.max(initial=0))), *(len(n) for n in names))
    corner = "true \\ pred"
    label = max(len(corner), *(len(n) for n in names))
    lines = [f"{corner:>{label}} " + " ".join(f"{n:>{cell}}" for n in names)]
    for name, row in zip(names, cm):
        lines.append(f"{name:>{label}} " + " ".join(f"{v:>{cell}}" for v in row))
    return "\n".join(lines)


def format_table(title, columns, rows) -> str:
    """A plain table: first column left-aligned, the others right-aligned."""
    cells = [[str(c) for c in columns]] + [[str(v) for v in row] for row in rows]
    widths = [max(len(r[j]) for r in cells) for j in range(len(columns))]

    def fmt(row):
        return "  ".join(v.ljust(w) if j == 0 else v.rjust(w)
                         for j, (v, w) in enumerate(zip(row, widths)))

    lines = [title] if title else []
    lines += [fmt(cells[0]), "  ".join("-" * w for w in widths)]
    lines += [fmt(r) for r in cells[1:]]
    return "\n".join(lines)
