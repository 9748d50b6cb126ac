"""Tests for chainrule.data: data sets, files, splitting, scaling and batching."""

import ast
import importlib.util
import json
import math
import random
import sys
from pathlib import Path

import numpy as np
import pytest

from chainrule.data import (
    DATASETS,
    ArrayDataset,
    DataLoader,
    Dataset,
    Standardizer,
    circles,
    gaussians,
    load_csv,
    load_data,
    load_dataset,
    load_npz,
    moons,
    sine,
    spirals,
    train_test_split,
    xor,
)
from chainrule.errors import ConfigError, DataError

HAS_SKLEARN = importlib.util.find_spec("sklearn") is not None
HAS_MNIST1D = importlib.util.find_spec("mnist1d") is not None

SEEDED = {
    "xor": dict(n=50, noise=0.1),
    "moons": dict(n=300),
    "circles": dict(n=300),
    "spirals": dict(n=300),
    "gaussians": dict(n=300),
    "sine": dict(n=64, noise=0.1),
}


# ------------------------------------------------------------------------------ layering


def test_data_layer_imports_only_numpy_errors_and_stdlib():
    # The data layer sits below the engine: it must never import the tensor code. It checks
    # its arguments with chainrule.validation, which (like errors) imports only NumPy.
    allowed = set(sys.stdlib_module_names) | {"numpy", "chainrule.errors", "chainrule.validation"}
    for path in Path(__file__).parents[2].joinpath("src/chainrule/data").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                assert name in allowed or name.split(".")[0] in allowed - {"chainrule"}, (
                    f"{path.name} imports {name}")


# ------------------------------------------------------------------------- synthetic sets


@pytest.mark.parametrize("name", sorted(SEEDED))
def test_same_seed_gives_identical_arrays_bit_for_bit(name):
    a = load_dataset(name, seed=7, **SEEDED[name])
    b = load_dataset(name, seed=7, **SEEDED[name])
    assert a.X.tobytes() == b.X.tobytes() and a.y.tobytes() == b.y.tobytes()
    c = load_dataset(name, seed=8, **SEEDED[name])
    assert not np.array_equal(a.X, c.X) or not np.array_equal(a.y, c.y)


@pytest.mark.parametrize("name", sorted(SEEDED))
def test_shapes_dtypes_and_record_fields(name):
    d = load_dataset(name, **SEEDED[name])
    n = SEEDED[name]["n"]
    assert isinstance(d, Dataset) and d.name == name and d.description
    assert d.X.dtype == np.float64 and d.X.shape == (n, len(d.feature_names))
    if d.task == "classification":
        assert d.y.dtype == np.int64 and d.y.shape == (n,)
        assert all(isinstance(c, str) for c in d.classes)
        assert set(np.unique(d.y)) == set(range(len(d.classes)))
    else:
        assert d.task == "regression" and d.classes is None
        assert d.y.dtype == np.float64 and d.y.shape == (n, 1)
    assert d.X_test is None and d.y_test is None


def test_xor_is_exactly_the_recitation_points_in_order():
    d = xor(n=4, noise=0.0)
    np.testing.assert_array_equal(d.X, [[1, 1], [1, -1], [-1, 1], [-1, -1]])
    assert d.classes == ["-1", "1"]
    # targets 1, -1, -1, 1 -> class indices 1, 0, 0, 1
    np.testing.assert_array_equal(np.array(d.classes)[d.y], ["1", "-1", "-1", "1"])
    np.testing.assert_array_equal(d.y, [1, 0, 0, 1])


def test_xor_label_is_same_sign_for_many_noisy_points():
    d = xor(n=400, noise=0.1, seed=3)
    # with noise 0.1, a point 1 away from both axes keeps its corner's signs (10 sigma)
    signs = np.sign(d.X)
    agree = signs[:, 0] == signs[:, 1]
    np.testing.assert_array_equal(agree, d.y == 1)


@pytest.mark.parametrize("make, k", [(moons, 2), (circles, 2), (spirals, 3),
                                     (lambda **kw: spirals(arms=5, **kw), 5), (gaussians, 3)])
def test_classes_are_balanced(make, k):
    for n in (999, 1000):
        counts = np.bincount(make(n=n).y, minlength=k)
        assert len(counts) == k and counts.sum() == n and counts.max() - counts.min() <= 1


def test_synthetic_sets_are_shuffled():
    # sorted-by-class data would make a plain head/tail split one-class
    y = moons(n=200).y
    assert 0 < y[:100].mean() < 1


def test_circles_geometry_without_noise():
    d = circles(n=200, noise=0.0, factor=0.3)
    r = np.linalg.norm(d.X, axis=1)
    np.testing.assert_allclose(r[d.y == 0], 1.0)
    np.testing.assert_allclose(r[d.y == 1], 0.3)


@pytest.mark.skipif(not HAS_SKLEARN, reason="scikit-learn not installed")
def test_moons_and_circles_match_sklearn_geometry_without_noise():
    from sklearn.datasets import make_circles, make_moons

    for ours, (X, y) in [(moons(n=101, noise=0.0), make_moons(101, noise=None)),
                         (circles(n=101, noise=0.0, factor=0.5),
                          make_circles(101, noise=None, factor=0.5))]:
        for c in (0, 1):
            a = np.sort(ours.X[ours.y == c].round(12), axis=0)
            b = np.sort(X[y == c].round(12), axis=0)
            np.testing.assert_allclose(a, b, atol=1e-12)


def test_spirals_radius_grows_from_centre_to_one():
    d = spirals(n=300, arms=3, noise=0.0)
    r = np.linalg.norm(d.X, axis=1)
    assert r.min() == 0.0 and math.isclose(r.max(), 1.0)


def test_gaussians_explicit_centers_in_any_dimension():
    centers = np.array([[0.0, 0.0, 0.0], [10.0, 0.0, 0.0]])
    d = gaussians(n=200, centers=centers, std=0.5)
    assert d.X.shape == (200, 3)
    for c in (0, 1):
        np.testing.assert_allclose(d.X[d.y == c].mean(0), centers[c], atol=0.2)


def test_sine_grid_values_and_function_names():
    d = sine(n=5, domain=(-1.0, 1.0), fn="abs")
    np.testing.assert_array_equal(d.X.ravel(), [-1, -0.5, 0, 0.5, 1])
    np.testing.assert_array_equal(d.y.ravel(), [1, 0.5, 0, 0.5, 1])
    np.testing.assert_array_equal(sine(n=3, domain=(-1, 1), fn="step").y.ravel(), [0, 1, 1])
    np.testing.assert_array_equal(sine(n=3, domain=(-2, 2), fn="square").y.ravel(), [4, 0, 4])
    assert np.all(np.abs(sine(fn="sawtooth").y) <= 1)
    d = sine(n=100)
    assert np.all(np.diff(d.X.ravel()) > 0)
    np.testing.assert_allclose(d.y, np.sin(d.X))


def test_sine_accepts_any_callable_even_scalar_only():
    np.testing.assert_allclose(sine(n=9, fn=math.cos).y, np.cos(sine(n=9).X))
    np.testing.assert_allclose(sine(n=9, fn=lambda x: 2 * x + 1).y, 2 * sine(n=9).X + 1)


@pytest.mark.parametrize("call, words", [
    (lambda: sine(fn="cosh"), ["cosh", "sin", "sawtooth"]),
    (lambda: sine(domain=(1, -1)), ["low < high"]),
    (lambda: moons(n=0), ["n", "at least"]),
    (lambda: moons(noise=-1), ["noise"]),
    (lambda: circles(factor=1.5), ["factor"]),
    (lambda: xor(n=2.5), ["integer"]),
    (lambda: moons(seed=-1), ["seed"]),
])
def test_bad_arguments_raise_config_error(call, words):
    with pytest.raises(ConfigError) as info:
        call()
    for w in words:
        assert w in str(info.value)


# -------------------------------------------------------------------------------- registry


def test_registry_names_and_kwargs():
    assert {"xor", "moons", "circles", "spirals", "gaussians", "sine", "digits",
            "mnist1d"} <= set(DATASETS)
    assert load_dataset("Moons", n=10).X.shape == (10, 2)
    with pytest.raises(ConfigError, match="noise"):  # lists the options it does take
        load_dataset("moons", radius=2)


def test_unknown_name_lists_known_names_and_suggests():
    with pytest.raises(DataError) as info:
        load_dataset("moon")
    msg = str(info.value)
    assert "'moon'" in msg and "did you mean 'moons'" in msg and "spirals" in msg
    with pytest.raises(DataError, match="did you mean 'spirals'"):
        load_data("spiral")


def test_load_data_dispatches_names_and_files(tmp_path):
    assert load_data("xor", n=4).name == "xor"
    p = tmp_path / "t.csv"
    p.write_text("a,b\n1,0\n2,1\n")
    assert load_data(p).X.shape == (2, 1)
    np.savez(tmp_path / "t.npz", X=np.eye(2), y=np.array([0, 1]))
    assert load_data(str(tmp_path / "t.npz")).y.tolist() == [0, 1]


# -------------------------------------------------------------------------------- bundled


@pytest.mark.skipif(not HAS_SKLEARN, reason="scikit-learn not installed")
def test_digits_shape_and_scale():
    d = load_dataset("digits")
    assert d.X.shape == (1797, 64) and d.X.dtype == np.float64
    assert d.X.min() == 0.0 and d.X.max() == 1.0
    assert d.classes == [str(i) for i in range(10)] and d.y.dtype == np.int64


@pytest.mark.skipif(not HAS_MNIST1D, reason="mnist1d not installed")
def test_mnist1d_published_split_offline_and_cached():
    np.random.seed(123)
    random.seed(123)
    before_np, before_py = np.random.random(), random.random()
    np.random.seed(123)
    random.seed(123)
    d = load_dataset("mnist1d")
    # generating must not reseed the caller's global generators
    assert np.random.random() == before_np and random.random() == before_py
    assert d.X.shape == (4000, 40) and d.X_test.shape == (1000, 40)
    assert d.y.shape == (4000,) and d.y_test.shape == (1000,)
    assert d.X.dtype == np.float64 and d.y.dtype == np.int64 and len(d.classes) == 10
    assert set(np.unique(d.y)) == set(range(10)) == set(np.unique(d.y_test))
    np.testing.assert_array_equal(d.y[:10], [2, 6, 4, 5, 6, 6, 6, 0, 3, 1])  # seed 42
    d.X[:] = 0  # the cache hands out copies
    again = load_dataset("mnist1d")
    assert again.X.any() and np.array_equal(again.y, d.y)


# ---------------------------------------------------------------------------------- loader


def _epoch(loader):
    return np.concatenate([yb for _, yb in loader])


def test_loader_batch_counts_with_and_without_drop_last():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    loader = DataLoader((X, y), batch_size=3)
    sizes = [len(xb) for xb, _ in loader]
    assert len(loader) == 4 and sizes == [3, 3, 3, 1]
    dropped = DataLoader((X, y), batch_size=3, drop_last=True)
    assert len(dropped) == 3 and [len(xb) for xb, _ in dropped] == [3, 3, 3]
    assert len(DataLoader((X, y), batch_size=5, drop_last=True)) == 2
    assert len(DataLoader((X, y), batch_size=64)) == 1
    assert len(DataLoader((X, y), batch_size=64, drop_last=True)) == 0


def test_loader_batches_pair_rows_and_cover_everything_once():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    for xb, yb in DataLoader(ArrayDataset(X, y), batch_size=4, shuffle=True, seed=0):
        assert isinstance(xb, np.ndarray) and isinstance(yb, np.ndarray)
        np.testing.assert_array_equal(xb[:, 0], 2 * yb)
    assert sorted(_epoch(DataLoader((X, y), batch_size=4, shuffle=True, seed=0))) == list(range(10))
    np.testing.assert_array_equal(_epoch(DataLoader((X, y), batch_size=4)), np.arange(10))


def test_loader_accepts_records_tuples_and_x_only():
    d = moons(n=10)
    xb, yb = next(iter(DataLoader(d, batch_size=4)))
    np.testing.assert_array_equal(yb, d.y[:4])
    xb, yb = next(iter(DataLoader((np.zeros((5, 2)),), batch_size=4)))
    assert xb.shape == (4, 2) and yb is None
    with pytest.raises(DataError):
        DataLoader((np.zeros((5, 2)), np.zeros(4)))
    with pytest.raises(ConfigError):
        DataLoader((np.zeros((5, 2)),), batch_size=0)


def test_shuffled_loader_reshuffles_each_epoch_deterministically():
    data = (np.zeros((100, 1)), np.arange(100))
    a = DataLoader(data, batch_size=10, shuffle=True, seed=5)
    b = DataLoader(data, batch_size=10, shuffle=True, seed=5)
    a_epochs = [_epoch(a) for _ in range(3)]
    b_epochs = [_epoch(b) for _ in range(3)]
    for ea, eb in zip(a_epochs, b_epochs):
        np.testing.assert_array_equal(ea, eb)
    assert not np.array_equal(a_epochs[0], a_epochs[1])
    assert not np.array_equal(a_epochs[1], a_epochs[2])
    other = DataLoader(data, batch_size=10, shuffle=True, seed=6)
    assert not np.array_equal(_epoch(other), a_epochs[0])


def test_set_epoch_and_state_dict_reproduce_a_resumed_run():
    data = (np.zeros((50, 1)), np.arange(50))
    run = DataLoader(data, batch_size=8, shuffle=True, seed=11)
    orders = [_epoch(run) for _ in range(4)]

    resumed = DataLoader(data, batch_size=8, shuffle=True, seed=11)
    resumed.set_epoch(2)
    np.testing.assert_array_equal(_epoch(resumed), orders[2])
    np.testing.assert_array_equal(_epoch(resumed), orders[3])

    half = DataLoader(data, batch_size=8, shuffle=True, seed=11)
    _epoch(half), _epoch(half)
    state = json.loads(json.dumps(half.state_dict()))  # must survive a JSON checkpoint
    assert state["epoch"] == 2
    fresh = DataLoader(data, batch_size=8, shuffle=True, seed=999)
    fresh.load_state_dict(state)
    np.testing.assert_array_equal(_epoch(fresh), orders[2])


def test_unseeded_shuffle_records_its_seed_for_replay():
    data = (np.zeros((30, 1)), np.arange(30))
    a = DataLoader(data, batch_size=30, shuffle=True)
    state = a.state_dict()
    first = _epoch(a)
    b = DataLoader(data, batch_size=30, shuffle=True)
    b.load_state_dict(state)
    np.testing.assert_array_equal(_epoch(b), first)


# -------------------------------------------------------------------------- train_test_split


def test_split_sizes_disjoint_and_seeded():
    X, y = np.arange(100.0).reshape(50, 2), np.arange(50)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, seed=1)
    assert len(X_tr) == 40 and len(X_te) == 10
    assert sorted(np.concatenate([y_tr, y_te])) == list(range(50))
    np.testing.assert_array_equal(X_tr[:, 0], 2 * y_tr)  # rows stay paired
    again = train_test_split(X, y, test_size=0.2, seed=1)
    np.testing.assert_array_equal(again[3], y_te)
    assert not np.array_equal(train_test_split(X, y, test_size=0.2, seed=2)[3], y_te)
    assert len(train_test_split(X, y, test_size=7)[1]) == 7
    assert len(train_test_split(X, y, test_size=0.25)[1]) == math.ceil(0.25 * 50)


def test_stratified_split_keeps_class_proportions():
    y = np.array([0] * 80 + [1] * 15 + [2] * 5)
    X = np.arange(100.0).reshape(100, 1)
    _, _, y_tr, y_te = train_test_split(X, y, test_size=0.2, seed=0, stratify=y)
    np.testing.assert_array_equal(np.bincount(y_te), [16, 3, 1])
    np.testing.assert_array_equal(np.bincount(y_tr), [64, 12, 4])
    # whereas a plain split usually misses them
    plain = [np.bincount(train_test_split(X, y, 0.2, seed=s)[3], minlength=3) for s in range(20)]
    assert any(not np.array_equal(c, [16, 3, 1]) for c in plain)
    _, _, _, y_te2 = train_test_split(X, y, test_size=0.2, seed=0, stratify=True)
    np.testing.assert_array_equal(np.bincount(y_te2), [16, 3, 1])


def test_stratified_split_rounds_to_the_requested_size():
    y = np.array([0] * 7 + [1] * 7 + [2] * 7)
    _, X_te, _, y_te = train_test_split(np.zeros((21, 1)), y, test_size=0.5, stratify=y)
    assert len(X_te) == 11 and np.bincount(y_te).max() - np.bincount(y_te).min() <= 1


@pytest.mark.parametrize("size", [0.0, 1.0, 0, 50, -0.1, "a"])
def test_split_rejects_impossible_sizes(size):
    with pytest.raises(ConfigError):
        train_test_split(np.zeros((50, 1)), np.zeros(50), test_size=size)


# ------------------------------------------------------------------------------ Standardizer


def test_standardizer_round_trip_and_zero_std():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(5, 3, 200), np.full(200, 7.0), rng.normal(-2, 0.1, 200)])
    s = Standardizer()
    Z = s.fit_transform(X)
    np.testing.assert_allclose(Z.mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(Z.std(0), [1, 0, 1])
    assert s.scale_[1] == 1.0 and s.mean_[1] == 7.0
    np.testing.assert_allclose(s.inverse_transform(Z), X)


def test_standardizer_uses_training_statistics_only():
    X_train = np.array([[0.0], [2.0]])
    X_test = np.array([[10.0], [20.0]])
    s = Standardizer().fit(X_train)
    np.testing.assert_array_equal(s.transform(X_test), [[9.0], [19.0]])  # (x - 1) / 1


def test_standardizer_json_round_trip_and_dtype():
    X = np.random.default_rng(1).normal(size=(30, 4)).astype(np.float32)
    s = Standardizer().fit(X)
    state = json.loads(json.dumps(s.to_dict()))
    assert isinstance(state["mean"], list) and isinstance(state["scale"], list)
    t = Standardizer.from_dict(state)
    np.testing.assert_array_equal(t.transform(X), s.transform(X))
    assert s.transform(X).dtype == np.float32
    assert s.transform(X.astype(int)).dtype == np.float64


def test_standardizer_errors():
    with pytest.raises(ConfigError, match="not fitted"):
        Standardizer().transform(np.zeros((2, 2)))
    s = Standardizer().fit(np.zeros((3, 2)))
    with pytest.raises(DataError, match=r"3 features.*fitted on 2"):
        s.transform(np.zeros((3, 3)))
    with pytest.raises(DataError, match="2-D"):
        s.transform(np.zeros(3))
    with pytest.raises(DataError):
        Standardizer.from_dict({"mean": [0.0]})


# ------------------------------------------------------------------------------------- CSV


def _csv(tmp_path, text, name="data.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_csv_text_target_becomes_sorted_classes(tmp_path):
    p = _csv(tmp_path, "sepal,petal,species\n1.0,2,setosa\n3,4,virginica\n\n5,6.5,setosa\n")
    d = load_csv(p)
    assert d.task == "classification" and d.classes == ["setosa", "virginica"]
    np.testing.assert_array_equal(d.y, [0, 1, 0])
    np.testing.assert_array_equal(d.X, [[1, 2], [3, 4], [5, 6.5]])
    assert d.feature_names == ["sepal", "petal"] and d.name == "data"


def test_csv_integer_target_is_classification_float_is_regression(tmp_path):
    d = load_csv(_csv(tmp_path, "x1,x2,y\n1,1,1\n1,-1,-1\n-1,1,-1\n-1,-1,1\n"))
    assert d.task == "classification" and d.classes == ["-1", "1"]
    np.testing.assert_array_equal(d.y, [1, 0, 0, 1])
    d = load_csv(_csv(tmp_path, "x,y\n0,0.5\n1,1.5\n", "r.csv"))
    assert d.task == "regression" and d.y.shape == (2, 1) and d.classes is None
    many = "x,y\n" + "".join(f"{i},{i}\n" for i in range(30))  # 30 distinct integers
    assert load_csv(_csv(tmp_path, many, "m.csv")).task == "regression"
    assert load_csv(_csv(tmp_path, many, "m.csv"), task="classification").y.max() == 29
    d = load_csv(_csv(tmp_path, "x,c\n1,10\n2,9\n3,10\n", "n.csv"))
    assert d.classes == ["9", "10"]  # sorted as numbers, not as text


def test_csv_target_column_by_name_and_bom(tmp_path):
    p = tmp_path / "bom.csv"
    p.write_text("label,a,b\nx,1,2\ny,3,4\n", encoding="utf-8-sig")
    d = load_csv(p, target="label")
    assert d.feature_names == ["a", "b"] and d.classes == ["x", "y"]


def _error(call):
    with pytest.raises(DataError) as info:
        call()
    return str(info.value)


def test_csv_missing_target_column_lists_columns(tmp_path):
    p = _csv(tmp_path, "alpha,beta,gamma\n1,2,3\n")
    msg = _error(lambda: load_csv(p, target="gama"))
    assert str(p) in msg and "'gama'" in msg and "alpha, beta, gamma" in msg
    assert "did you mean 'gamma'" in msg


def test_csv_non_numeric_cell_names_line_column_and_text(tmp_path):
    p = _csv(tmp_path, "a,b,y\n1,2,0\n\n3,abc,1\n")
    msg = _error(lambda: load_csv(p))
    assert str(p) in msg and "line 4" in msg and "column 2" in msg and "'b'" in msg
    assert "'abc'" in msg


def test_csv_ragged_row(tmp_path):
    p = _csv(tmp_path, "a,b,y\n1,2,0\n3,4\n")
    msg = _error(lambda: load_csv(p))
    assert str(p) in msg and "line 3" in msg and "expected 3 cells" in msg and "found 2" in msg


@pytest.mark.parametrize("cell, words", [("nan", ["NaN", "'nan'"]), ("", ["empty cell"]),
                                         ("inf", ["'inf'"])])
def test_csv_nan_and_empty_cells(tmp_path, cell, words):
    p = _csv(tmp_path, f"a,b,y\n1,2,0\n3,{cell},1\n")
    msg = _error(lambda: load_csv(p))
    assert str(p) in msg and "line 3" in msg and "column 2" in msg
    for w in words:
        assert w in msg


def test_csv_empty_target_cell(tmp_path):
    p = _csv(tmp_path, "a,y\n1,0\n2,\n")
    msg = _error(lambda: load_csv(p))
    assert "line 3" in msg and "column 2" in msg and "empty target" in msg


def test_csv_empty_file_header_only_and_missing_header(tmp_path):
    msg = _error(lambda: load_csv(_csv(tmp_path, "", "empty.csv")))
    assert "empty.csv" in msg and "empty" in msg
    msg = _error(lambda: load_csv(_csv(tmp_path, "a,b\n", "head.csv")))
    assert "head.csv" in msg and "no data rows" in msg
    msg = _error(lambda: load_csv(_csv(tmp_path, "1,2\n3,4\n", "nohead.csv")))
    assert "nohead.csv" in msg and "header" in msg and "line 1" in msg


def test_file_not_found_and_unknown_extension(tmp_path):
    missing = tmp_path / "nope.csv"
    msg = _error(lambda: load_data(missing))
    assert "not found" in msg and "nope.csv" in msg
    assert "not found" in _error(lambda: load_npz(tmp_path / "nope.npz"))
    txt = tmp_path / "data.txt"
    txt.write_text("a,b\n1,2\n")
    msg = _error(lambda: load_data(txt))
    assert "data.txt" in msg and "'.txt'" in msg and ".csv" in msg and ".npz" in msg


# ------------------------------------------------------------------------------------- NPZ


def test_npz_round_trip_with_optional_arrays(tmp_path):
    p = tmp_path / "set.npz"
    X = np.arange(12.0).reshape(6, 2)
    np.savez(p, X=X, y=np.array([0, 1, 2, 0, 1, 2]), classes=np.array(["a", "b", "c"]),
             feature_names=np.array(["u", "v"]), X_test=X[:2], y_test=np.array([2, 2]))
    d = load_npz(p)
    assert d.classes == ["a", "b", "c"] and d.feature_names == ["u", "v"]
    np.testing.assert_array_equal(d.X, X)
    assert d.X_test.shape == (2, 2) and d.y_test.tolist() == [2, 2] and d.name == "set"


def test_npz_label_rules(tmp_path):
    p = tmp_path / "a.npz"
    np.savez(p, X=np.zeros((3, 1)), y=np.array(["dog", "cat", "dog"]))
    d = load_npz(p)
    assert d.classes == ["cat", "dog"] and d.y.tolist() == [1, 0, 1]
    np.savez(p, X=np.zeros((3, 1)), y=np.array([-1, 1, 1]))
    d = load_npz(p)
    assert d.classes == ["-1", "1"] and d.y.tolist() == [0, 1, 1]
    np.savez(p, X=np.zeros((3, 1)), y=np.array([0.5, 1.0, 2.0]))
    d = load_npz(p)
    assert d.task == "regression" and d.y.shape == (3, 1)


@pytest.mark.parametrize("arrays, words", [
    (dict(X=np.zeros((3, 2))), ["missing", "y", "X"]),
    (dict(X=np.zeros(3), y=np.zeros(3, dtype=int)), ["2-D", "(3,)"]),
    (dict(X=np.zeros((3, 2)), y=np.zeros(2, dtype=int)), ["3 rows", "2 entries"]),
    (dict(X=np.array([[1.0, np.nan]]), y=np.zeros(1, dtype=int)), ["X[0, 1]", "nan"]),
    (dict(X=np.zeros((2, 1)), y=np.array([0, 3]), classes=np.array(["a", "b"])), ["0..1"]),
])
def test_npz_bad_contents(tmp_path, arrays, words):
    p = tmp_path / "bad.npz"
    np.savez(p, **arrays)
    msg = _error(lambda: load_npz(p))
    assert "bad.npz" in msg
    for w in words:
        assert w in msg


def test_npz_refuses_pickled_objects_and_garbage(tmp_path):
    p = tmp_path / "obj.npz"
    np.savez(p, X=np.zeros((2, 1)), y=np.array([{"a": 1}, None], dtype=object))
    msg = _error(lambda: load_npz(p))
    assert "obj.npz" in msg and "'y'" in msg and "pickle" in msg
    g = tmp_path / "junk.npz"
    g.write_bytes(b"this is not a zip file")
    assert "junk.npz" in _error(lambda: load_npz(g))


# ------------------------------------------------------------------------- property checks

try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
except ImportError:  # optional: the property checks simply do not run
    given = None

if given is not None:

    @given(n=st.integers(1, 120), batch=st.integers(1, 40), drop_last=st.booleans(),
           shuffle=st.booleans(), seed=st.integers(0, 2**32))
    @settings(max_examples=60, deadline=None)
    def test_loader_len_matches_batches_and_each_sample_appears_at_most_once(
            n, batch, drop_last, shuffle, seed):
        loader = DataLoader((np.zeros((n, 1)), np.arange(n)), batch_size=batch, shuffle=shuffle,
                            seed=seed, drop_last=drop_last)
        batches = [yb for _, yb in loader]
        assert len(batches) == len(loader)
        seen = np.concatenate(batches) if batches else np.array([], dtype=int)
        assert len(np.unique(seen)) == len(seen) == (n - n % batch if drop_last else n)


def test_digits_equals_scikit_learns_loader():
    sk = pytest.importorskip("sklearn.datasets")
    d = load_dataset("digits")
    bunch = sk.load_digits()
    np.testing.assert_array_equal(d.X, bunch.data / 16.0)
    np.testing.assert_array_equal(d.y, bunch.target)
    assert d.feature_names == list(bunch.feature_names)
