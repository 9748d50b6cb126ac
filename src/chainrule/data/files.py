"""User data files: CSV (with a header row) and NPZ (``np.savez``), read into a ``Dataset``.

Every problem raises ``DataError`` naming the file and, where there is one, the line (1-based,
as an editor shows it) and column.
"""

import csv
import zipfile
from pathlib import Path

import numpy as np

from chainrule.errors import ConfigError, DataError
from chainrule.validation import is_number, suggestion

from .record import Dataset

#: A numeric target column is classification when every value is a whole number and there are at
#: most this many distinct values; otherwise it is regression. ``task=`` overrides the guess.
MAX_INTEGER_CLASSES = 20


def load_csv(path, target=None, *, task=None):
    """Read a CSV file whose first line names the columns.

    ``target`` names the target column (default: the last one); every other column is a numeric
    feature. The task follows from the target column:

    - any cell that is not a number: classification, with the distinct texts, sorted, as
      ``classes``;
    - whole numbers with at most ``MAX_INTEGER_CLASSES`` distinct values: classification, with the
      distinct values, sorted numerically, as ``classes`` (e.g. targets -1/1 give classes
      ["-1", "1"] and labels 0/1);
    - otherwise: regression, y of shape (n, 1).

    ``task="classification"`` or ``"regression"`` overrides the guess for a numeric target.
    """
    if task not in (None, "classification", "regression"):
        raise ConfigError(f"task must be None, 'classification' or 'regression', found {task!r}")
    _check_file(path)
    header, header_line, rows, lines = _read_csv(path)
    if len(header) < 2:
        raise DataError(f"{path}: only one column ('{header[0]}'); a data file needs at least "
                        "one feature column besides the target")
    if target is None:
        t = len(header) - 1
    elif target in header:
        t = header.index(target)
    else:
        raise DataError(f"{path}: no target column named '{target}'"
                        f"{suggestion(str(target), header)}; the columns are: "
                        f"{', '.join(header)}")
    cells = np.array(rows, dtype=str)
    features = [j for j in range(len(header)) if j != t]
    X = _parse_numbers(cells[:, features], path, lines, [(j, header[j]) for j in features])
    y, classes, task = _parse_target(cells[:, t], path, lines, t, header[t], task)
    return Dataset(X, y, task, classes, [header[j] for j in features], Path(path).stem,
                   f"CSV file {path}: {len(X)} rows, target column '{header[t]}' (line "
                   f"{header_line} is the header)")


def load_csv_features(path) -> np.ndarray:
    """The feature matrix of a CSV file of feature columns only (no target column), the header
    first: float64 of shape (samples, features), every cell a finite number. ``predict`` reads
    its inputs this way; ``load_csv`` reads files that hold a target too."""
    _check_file(path)
    header, _, rows, lines = _read_csv(path)
    return _parse_numbers(np.array(rows, dtype=str), path, lines, list(enumerate(header)))


def csv_columns(path):
    """The column names in a CSV file's header (its first non-blank row), or None when the
    file cannot be read as CSV text (``load_csv`` then says why)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            for row in csv.reader(f):
                if any(cell.strip() for cell in row):
                    return [cell.strip() for cell in row]
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    return None


def _check_file(path):
    p = Path(path)
    if not p.exists():
        raise DataError(f"data file not found: {path}")
    if p.is_dir():
        raise DataError(f"{path} is a directory, not a data file")


def _read_csv(path):
    """Return (header, header line number, data rows, their line numbers), rows all full width."""
    header, header_line, rows, lines = None, 0, [], []
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:  # -sig: drop an Excel BOM
            reader = csv.reader(f)
            for row in reader:
                row = [cell.strip() for cell in row]
                if not any(row):  # blank lines (and rows of empty cells) carry no data
                    continue
                if header is None:
                    header, header_line = row, reader.line_num
                    _check_header(header, header_line, path)
                elif len(row) != len(header):
                    raise DataError(f"{path}: line {reader.line_num}: expected {len(header)} "
                                    f"cells (one per header column), found {len(row)}")
                else:
                    rows.append(row)
                    lines.append(reader.line_num)
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text ({exc.reason}); save it as UTF-8 CSV") from exc
    except csv.Error as exc:
        raise DataError(f"{path}: line {reader.line_num}: malformed CSV ({exc})") from exc
    except OSError as exc:
        raise DataError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
    if header is None:
        raise DataError(f"{path}: the file is empty; expected a header row naming the columns, "
                        "then one row per sample")
    if not rows:
        raise DataError(f"{path}: no data rows after the header on line {header_line}")
    return header, header_line, rows, lines


def _check_header(header, line, path):
    if all(is_number(cell) for cell in header):
        raise DataError(f"{path}: line {line} looks like data ({', '.join(header[:4])}...), but "
                        "the first line must be a header naming the columns; add one")
    for j, name in enumerate(header):
        if not name:
            raise DataError(f"{path}: line {line}, column {j + 1}: the header cell is empty; "
                            "give every column a name")
        if name in header[:j]:
            raise DataError(f"{path}: line {line}: column name '{name}' appears twice "
                            f"(columns {header.index(name) + 1} and {j + 1})")


def _parse_numbers(cells, path, lines, columns):
    """Convert a (rows, cols) string array to float64, naming the first bad cell on failure."""
    try:
        values = cells.astype(np.float64)  # one vectorised parse; the loop below is only for errors
    except ValueError:
        for i, row in enumerate(cells):
            for k, text in enumerate(row):
                if not is_number(text):
                    where = _where(path, lines[i], columns[k])
                    if text == "":
                        raise DataError(f"{where}: empty cell; fill in a number or remove the "
                                        "row") from None
                    raise DataError(f"{where}: expected a number, found '{text}'") from None
        # numpy follows Python's float() today; should they ever differ, take Python's word.
        values = np.array([[float(text) for text in row] for row in cells], dtype=np.float64)
    bad = np.argwhere(~np.isfinite(values))
    if len(bad):
        i, k = bad[0]
        raise DataError(f"{_where(path, lines[i], columns[k])}: '{cells[i, k]}' is not a finite "
                        "number (NaN or infinity); fill in a value or remove the row")
    return values


def _parse_target(texts, path, lines, col, name, task):
    empty = np.flatnonzero(texts == "")
    if len(empty):
        raise DataError(f"{_where(path, lines[empty[0]], (col, name))}: empty target cell; fill "
                        "it in or remove the row")
    try:
        values = texts.astype(np.float64)
    except ValueError:
        if task == "regression":
            first = next(i for i, t in enumerate(texts) if not is_number(t))
            where = _where(path, lines[first], (col, name))
            raise DataError(f"{where}: the target column holds text ('{texts[first]}'), which "
                            "cannot be a regression target") from None
        classes, y = np.unique(texts, return_inverse=True)
        return y.astype(np.int64), classes.tolist(), "classification"
    values = _parse_numbers(texts.reshape(-1, 1), path, lines, [(col, name)]).ravel()
    distinct = np.unique(values)
    if task is None:
        whole = np.all(values == np.round(values))
        task = "classification" if whole and len(distinct) <= MAX_INTEGER_CLASSES else "regression"
    if task == "regression":
        return values.reshape(-1, 1), None, task
    y = np.searchsorted(distinct, values).astype(np.int64)
    return y, [_format_number(v) for v in distinct], task


def _format_number(v):
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _where(path, line, column):
    j, name = column
    return f"{path}: line {line}, column {j + 1} ('{name}')"


# ---------------------------------------------------------------------------------------- NPZ

_NPZ_KEYS = ("X", "y", "classes", "feature_names", "X_test", "y_test")


def load_npz(path):
    """Read an archive written by ``np.savez(path, X=..., y=...)``.

    Optional arrays: ``classes`` (class names), ``feature_names``, ``X_test`` and ``y_test``.
    ``y`` of integer or bool dtype is classification: without ``classes``, the distinct values,
    sorted, become the class names and y their indices; with ``classes``, y must already index
    into it. ``y`` of text dtype is classification by name. ``y`` of float dtype is regression
    (shape (n,) becomes (n, 1)). Pickled (object) arrays are refused.
    """
    _check_file(path)
    try:
        archive = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise DataError(f"{path}: not a valid .npz archive ({exc}); write one with "
                        "np.savez(path, X=X, y=y)") from exc
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise DataError(f"{path}: holds a single array, not an .npz archive; write one with "
                        "np.savez(path, X=X, y=y)")
    with archive:
        missing = [k for k in ("X", "y") if k not in archive.files]
        if missing:
            raise DataError(f"{path}: missing array(s) {', '.join(missing)}; the archive holds: "
                            f"{', '.join(archive.files) or 'nothing'}. Write it with "
                            "np.savez(path, X=X, y=y)")
        arrays = {k: _npz_array(archive, k, path) for k in _NPZ_KEYS if k in archive.files}
    if ("X_test" in arrays) != ("y_test" in arrays):
        raise DataError(f"{path}: has only one of X_test and y_test; give both or neither")
    X = _npz_features(arrays["X"], "X", path)
    feature_names = _npz_names(arrays.get("feature_names"), "feature_names", path)
    X_test = _npz_features(arrays["X_test"], "X_test", path) if "X_test" in arrays else None
    for xk, yk in (("X", "y"), ("X_test", "y_test")):
        if xk in arrays and len(arrays[yk]) != len(arrays[xk]):
            raise DataError(f"{path}: {xk} has {len(arrays[xk])} rows but {yk} has "
                            f"{len(arrays[yk])} entries")
    y, y_test, task, classes = _npz_targets(arrays["y"], arrays.get("y_test"),
                                            _npz_names(arrays.get("classes"), "classes", path),
                                            path)
    return Dataset(X, y, task, classes, feature_names, Path(path).stem, f"NPZ file {path}",
                   X_test, y_test)


def _npz_array(archive, key, path):
    try:
        return archive[key]
    except ValueError as exc:  # object arrays need pickle, which we never allow
        raise DataError(f"{path}: array '{key}' holds Python objects, which are not loaded "
                        "(pickle is unsafe); save it with a numeric or string dtype") from exc


def _npz_features(a, key, path):
    if not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
        raise DataError(f"{path}: {key} must be numeric, found dtype {a.dtype}")
    if a.ndim != 2:
        raise DataError(f"{path}: {key} must be 2-D (samples, features), found shape {a.shape}; "
                        "reshape it, e.g. X.reshape(len(X), -1)")
    a = a.astype(np.float64)
    bad = np.argwhere(~np.isfinite(a))
    if len(bad):
        i, j = bad[0]
        raise DataError(f"{path}: {key}[{i}, {j}] (row {i}, column {j}, 0-based) is {a[i, j]}; "
                        "every value must be a finite number")
    return a


def _npz_names(a, key, path):
    if a is None:
        return None
    if a.dtype.kind == "S":
        a = a.astype(str)
    if a.ndim != 1:
        raise DataError(f"{path}: {key} must be a 1-D array of names, found shape {a.shape}")
    names = [_format_number(v) if np.issubdtype(a.dtype, np.number) else str(v) for v in a]
    if len(set(names)) != len(names):
        raise DataError(f"{path}: {key} has repeated names: {names}")
    return names


def _npz_targets(y, y_test, classes, path):
    """Return (y, y_test, task, classes) following the rules in ``load_npz``."""
    parts = [y] if y_test is None else [y, y_test]
    parts = [p.astype(str) if p.dtype.kind == "S" else p for p in parts]  # bytes -> text
    kinds = {p.dtype.kind for p in parts}
    if kinds <= {"f"}:
        if classes is not None:
            raise DataError(f"{path}: has classes but y is float (regression); store integer "
                            "class labels instead")
        out = [p.reshape(len(p), -1).astype(np.float64) for p in parts]
        for key, p in zip(("y", "y_test"), out):
            if not np.all(np.isfinite(p)):
                raise DataError(f"{path}: {key} contains NaN or infinity")
        return out[0], (out[1] if y_test is not None else None), "regression", None
    if not kinds <= {"b", "i", "u", "U", "S"} or len(kinds) > 1:
        raise DataError(f"{path}: y must be integer labels, text labels or float targets, found "
                        f"dtype(s) {', '.join(str(p.dtype) for p in parts)}")
    if any(p.ndim != 1 for p in parts):
        raise DataError(f"{path}: class labels must be 1-D, found shape(s) "
                        f"{', '.join(str(p.shape) for p in parts)}")
    text = kinds <= {"U", "S"}
    if classes is None:
        distinct = np.unique(np.concatenate(parts))
        classes = [str(v) for v in distinct] if text else [_format_number(v) for v in distinct]
        out = [np.searchsorted(distinct, p) for p in parts]
    elif text:
        unknown = sorted(set(np.unique(np.concatenate(parts)).tolist()) - set(classes))
        if unknown:
            raise DataError(f"{path}: labels {unknown} are not in classes {classes}")
        names = np.array(classes)
        order = np.argsort(names)
        out = [order[np.searchsorted(names[order], p)] for p in parts]
    else:
        for key, p in zip(("y", "y_test"), parts):
            if len(p) and (p.min() < 0 or p.max() >= len(classes)):
                raise DataError(f"{path}: {key} must hold class indices 0..{len(classes) - 1} "
                                f"(one per name in classes), found {p.min()}..{p.max()}")
        out = parts
    out = [p.astype(np.int64) for p in out]
    return out[0], (out[1] if y_test is not None else None), "classification", classes
