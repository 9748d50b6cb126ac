"""chainrule.sklearn: scikit-learn's own estimator checks, its meta-estimators, and its semantics.

Checks that scikit-learn itself skips in this environment (reported as SKIPPED, not xfail):
- ``check_array_api_input``: runs only when SCIPY_ARRAY_API=1 is set before scipy loads;
- ``check_estimators_dtypes``-style pandas variants (``check_*_pandas*``): need pandas.
No check is listed as an expected failure.
"""

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_iris, make_regression  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.neural_network import MLPClassifier as SkMLPClassifier  # noqa: E402
from sklearn.neural_network import MLPRegressor as SkMLPRegressor  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from chainrule.errors import ConfigError, DataError  # noqa: E402
from chainrule.sklearn import MLPClassifier, MLPRegressor  # noqa: E402


def _iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@parametrize_with_checks([
    MLPClassifier(hidden_layer_sizes=(16,), max_iter=60, learning_rate_init=0.01),
    MLPRegressor(hidden_layer_sizes=(16,), max_iter=100, learning_rate_init=0.01),
])
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


# ----- the estimator contract
def test_constructor_stores_parameters_only_and_fit_returns_self():
    clf = MLPClassifier(hidden_layer_sizes=(7,), alpha=0.5, dtype="float64", max_iter=3)
    assert clf.get_params()["hidden_layer_sizes"] == (7,)
    assert not [k for k in vars(clf) if k.endswith("_")]
    X, y = _iris()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        assert clf.fit(X, y) is clf
    assert clf.n_features_in_ == 4
    assert clf.n_iter_ == 3 and len(clf.loss_curve_) == 3
    assert clf.loss_ == clf.loss_curve_[-1] and clf.best_loss_ == min(clf.loss_curve_)
    assert clf.validation_scores_ is None
    assert [c.shape for c in clf.coefs_] == [(4, 7), (7, 3)]
    assert [b.shape for b in clf.intercepts_] == [(7,), (3,)]
    assert clf.model_.dtype == np.float64
    clf.set_params(alpha=0.1)
    assert clf.alpha == 0.1


def test_string_labels_probabilities_and_score():
    X, y = _iris()
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=200,
                        random_state=0).fit(X, names)
    assert list(clf.classes_) == ["setosa", "versicolor", "virginica"]
    proba = clf.predict_proba(X)
    assert proba.shape == (150, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
    pred = clf.predict(X)
    assert pred.dtype == names.dtype
    np.testing.assert_array_equal(pred, clf.classes_[proba.argmax(axis=1)])
    assert clf.score(X, names) > 0.9
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), proba, rtol=1e-10)


def test_deterministic_given_random_state():
    X, y = _iris()
    kw = dict(hidden_layer_sizes=(8,), max_iter=15, random_state=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a, b = MLPClassifier(**kw).fit(X, y), MLPClassifier(**kw).fit(X, y)
        c = MLPClassifier(**{**kw, "random_state": 4}).fit(X, y)
    assert a.loss_curve_ == b.loss_curve_
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert a.loss_curve_ != c.loss_curve_


def test_float32_by_default_and_float64_on_request():
    X, y = _iris()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        assert MLPClassifier(max_iter=2).fit(X, y).model_.dtype == np.float32
        assert MLPClassifier(max_iter=2, dtype="float64").fit(X, y).model_.dtype == np.float64


@pytest.mark.parametrize("bad", [
    {"solver": "lbfgs"}, {"activation": "swish"}, {"alpha": -1.0}, {"batch_size": 0},
    {"hidden_layer_sizes": (4, 0)}, {"max_iter": 0}, {"validation_fraction": 1.0},
    {"dtype": "int32"}, {"learning_rate_init": 0.0},
])
def test_bad_hyperparameters_fail_at_fit_with_their_name(bad):
    clf = MLPClassifier(**bad)  # storing never validates (scikit-learn's rule)
    X, y = _iris()
    with pytest.raises(ConfigError) as info:
        clf.fit(X, y)
    assert next(iter(bad)) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_verbose_prints_progress(capsys):
    X, y = _iris()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        MLPClassifier(max_iter=2, verbose=True, early_stopping=True, random_state=0).fit(X, y)
    out = capsys.readouterr().out
    assert "Iteration 1, loss = " in out and "Iteration 2, loss = " in out
    assert "Validation score: " in out


def test_convergence_warning_when_max_iter_is_reached():
    X, y = _iris()
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        MLPClassifier(max_iter=2, random_state=0).fit(X, y)


def test_stops_when_the_loss_stops_improving():
    X, y = _iris()
    clf = MLPClassifier(max_iter=500, tol=10.0, n_iter_no_change=3, random_state=0).fit(X, y)
    # epoch 1 improves on best_loss_=inf; then every epoch fails to improve by tol=10 and the
    # count passes n_iter_no_change=3 at epoch 5, exactly when scikit-learn stops.
    assert clf.n_iter_ == 5
    never = MLPClassifier(max_iter=8, tol=10.0, n_iter_no_change=np.inf, random_state=0)
    with pytest.warns(ConvergenceWarning):
        assert never.fit(X, y).n_iter_ == 8  # inf, as in scikit-learn: plateaus never stop it


# ----- early stopping and partial_fit
def test_early_stopping_keeps_the_best_epoch():
    X, y = _iris()
    clf = MLPClassifier(hidden_layer_sizes=(16,), early_stopping=True, validation_fraction=0.2,
                        n_iter_no_change=5, learning_rate_init=0.05, max_iter=300,
                        random_state=0).fit(X, y)
    assert len(clf.validation_scores_) == clf.n_iter_ < 300
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.best_loss_ is None
    # The stored weights are the best epoch's: a twin stopped right after that epoch (same
    # seed, so the same split and batches) holds exactly the same weights.
    best = int(np.argmax(clf.validation_scores_)) + 1
    assert best < clf.n_iter_  # training went on past the best epoch
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        twin = clone(clf).set_params(max_iter=best).fit(X, y)
    np.testing.assert_array_equal(twin.predict_proba(X), clf.predict_proba(X))


def test_partial_fit_needs_classes_first_and_keeps_learning():
    X, y = _iris()
    clf = MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0)
    with pytest.raises(DataError, match="classes"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])  # class 2 not seen yet
    assert list(clf.classes_) == [0, 1, 2] and clf.n_iter_ == 1
    first = clf.loss_
    for _ in range(30):
        clf.partial_fit(X, y)
    # one epoch per call; n_iter_ counts this call's epochs, as in scikit-learn
    assert clf.n_iter_ == 1 and len(clf.loss_curve_) == 31 and clf.loss_ < first
    with pytest.raises(DataError, match="not among the classes"):
        clf.partial_fit(X[:2], np.array([0, 7]))
    with pytest.raises(ConfigError, match="early_stopping"):
        MLPClassifier(early_stopping=True).partial_fit(X, y, classes=[0, 1, 2])


def test_regressor_partial_fit_and_multioutput():
    X, Y = make_regression(n_samples=120, n_features=5, n_targets=2, random_state=0)
    Y = Y / Y.std(axis=0)
    reg = MLPRegressor(hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=300,
                       random_state=0).fit(X, Y)
    assert reg.predict(X).shape == (120, 2) and reg.predict(X).dtype == np.float64
    assert reg.score(X, Y) > 0.9
    one = MLPRegressor(hidden_layer_sizes=(8,), random_state=0).partial_fit(X, Y[:, 0])
    assert one.predict(X).shape == (120,)
    before = one.loss_
    for _ in range(20):
        one.partial_fit(X, Y[:, 0])
    assert one.loss_ < before


# ----- the settings mean what they mean in scikit-learn
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_one_epoch_matches_scikit_learn(kind, solver):
    """From the same weights and data order, loss_ and the updated weights equal sklearn's.

    This pins alpha (L2 on weights only, divided by the batch size), the half squared error,
    the softmax cross-entropy, batch slicing and the optimizers' rules.
    """
    if kind == "classifier":
        X, y = _iris()
        Ours, Theirs = MLPClassifier, SkMLPClassifier
    else:
        X, y = make_regression(n_samples=90, n_features=4, noise=5.0, random_state=0)
        y = y / y.std()
        Ours, Theirs = MLPRegressor, SkMLPRegressor
    kw = dict(hidden_layer_sizes=(6,), activation="tanh", solver=solver, alpha=0.3,
              batch_size=32, learning_rate_init=0.05, momentum=0.0, shuffle=False,
              max_iter=1, warm_start=True, random_state=0,
              epsilon=1e-12)  # Adam's eps sits elsewhere in PyTorch's rule: make it vanish
    ours, theirs = Ours(**kw, dtype="float64"), Theirs(**kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y)
        theirs.fit(X, y)  # allocates its weights; then it gets ours (warm_start keeps them)
        theirs.coefs_ = [c.copy() for c in ours.coefs_]
        theirs.intercepts_ = [b.copy() for b in ours.intercepts_]
        ours.fit(X, y)  # one more epoch each, with a fresh optimizer
        theirs.fit(X, y)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-9)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)


# ----- inside scikit-learn's tools
def test_pipeline_grid_search_and_cross_val_score():
    X, y = load_iris(return_X_y=True)
    pipe = Pipeline([("scale", StandardScaler()),
                     ("mlp", MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.02,
                                           max_iter=150, random_state=0))])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.85
    grid = GridSearchCV(pipe, {"mlp__alpha": [1e-4, 1.0], "mlp__hidden_layer_sizes": [(4,), (16,)]},
                        cv=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        grid.fit(X, y)
    assert set(grid.best_params_) == {"mlp__alpha", "mlp__hidden_layer_sizes"}
    assert len(grid.cv_results_["mean_test_score"]) == 4
    assert grid.best_score_ > 0.85
    assert grid.predict(X).shape == (150,)


def test_feature_names_in_from_a_dataframe():
    pd = pytest.importorskip("pandas")
    X, y = _iris()
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier(max_iter=2).fit(df, y)
    assert list(clf.feature_names_in_) == ["a", "b", "c", "d"]


def test_pickled_estimator_keeps_training_where_it_left_off():
    import pickle

    X, y = _iris()
    clf = MLPClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.01, random_state=0)
    for _ in range(3):
        clf.partial_fit(X, y, classes=[0, 1, 2])
    copy = pickle.loads(pickle.dumps(clf))  # scikit-learn's way to store an estimator
    np.testing.assert_array_equal(copy.predict_proba(X), clf.predict_proba(X))
    clf.partial_fit(X, y)
    copy.partial_fit(X, y)  # same weights, same Adam moments, same batch order
    np.testing.assert_array_equal(copy.predict_proba(X), clf.predict_proba(X))
    assert len(copy.loss_curve_) == len(clf.loss_curve_) == 4


# ----- one training loop
def _spy_on_the_trainer(monkeypatch):
    """Record every Trainer.fit_batches run: (trainer, steps taken, batches per epoch)."""
    from chainrule.training.fit import Trainer

    runs, real = [], Trainer.fit_batches

    def spy(self, batches, *args, **kwargs):
        history = real(self, batches, *args, **kwargs)
        runs.append((self, self.step, len(batches)))
        return history

    monkeypatch.setattr(Trainer, "fit_batches", spy)
    return runs


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_the_estimators_train_in_chainrules_one_loop(monkeypatch, solver):
    runs = _spy_on_the_trainer(monkeypatch)
    X, y = _iris()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier(hidden_layer_sizes=(8,), batch_size=64, max_iter=4, solver=solver,
                            random_state=0).fit(X, y)
    (trainer, steps, per_epoch), = runs
    assert per_epoch == 3 and steps == clf.n_iter_ * 3 == 12
    assert trainer.optimizer is clf._optimizer and trainer.model is clf.model_
    assert trainer.penalty is not None and trainer.lean
    # the flat optimizer path over the network's own parameters (no private flat buffer)
    assert clf._optimizer._flat
    assert set(clf._optimizer.state) == set(clf.model_.parameters())
    clf.partial_fit(X, y)
    assert runs[-1][1] == 3  # partial_fit: one epoch of the same loop
    MLPRegressor(hidden_layer_sizes=(4,), max_iter=2, alpha=0.0).partial_fit(X, y)
    assert runs[-1][0].penalty is None  # alpha=0: no penalty term at all


def test_divergence_is_reported_in_the_estimators_terms():
    from chainrule.errors import TrainingDivergedError

    X, y = make_regression(n_samples=60, n_features=3, random_state=0)
    reg = MLPRegressor(hidden_layer_sizes=(8,), solver="sgd", learning_rate_init=1e3,
                       momentum=0.0, random_state=0)
    with pytest.raises(TrainingDivergedError, match=r"MLPRegressor: the training loss became "
                                                    r"\S+ at iteration \d+; lower "
                                                    r"learning_rate_init \(now 1000.0\)"):
        reg.fit(X * 1e3, y * 1e3)
