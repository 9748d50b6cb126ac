"""The one validation module: every check's accepted values, refusals and messages."""

import numpy as np
import pytest

from chainrule import validation as v
from chainrule.errors import ChainruleError, ConfigError, ConfigTypeError


def test_integer_accepts_whole_numbers_in_range_and_refuses_the_rest():
    assert v.integer(np.int64(3), "n", minimum=1) == 3 and type(v.integer(3, "n")) is int
    with pytest.raises(ConfigTypeError, match=r"n must be a whole number >= 1, found True"):
        v.integer(True, "n", minimum=1)
    with pytest.raises(ConfigTypeError, match="found 2.0"):
        v.positive_int(2.0, "n")
    with pytest.raises(ConfigError, match=r"in \[1, 5\], found 6"):
        v.integer(6, "n", minimum=1, maximum=5)
    assert issubclass(ConfigTypeError, TypeError) and issubclass(ConfigTypeError, ChainruleError)


def test_real_bounds_open_and_closed_and_non_finite():
    assert v.positive_float(1e-3, "lr") == 1e-3
    for bad in (0, -1, float("nan"), float("inf")):
        with pytest.raises(ConfigError, match="lr must be a number > 0"):
            v.positive_float(bad, "lr")
    assert v.probability(0, "p") == 0.0 and v.probability(1, "p") == 1.0
    with pytest.raises(ConfigError, match=r"in \[0, 1\)"):
        v.probability(1.0, "dropout", high_open=True)
    with pytest.raises(ConfigTypeError):
        v.real("0.1", "lr")


def test_generator_from_seeds_generators_random_states_and_none():
    g = np.random.default_rng(1)
    assert v.generator(g) is g
    assert v.generator(5).integers(1 << 30) == np.random.default_rng(5).integers(1 << 30)
    a = v.generator(np.random.RandomState(3)).integers(1 << 30)
    assert a == v.generator(np.random.RandomState(3)).integers(1 << 30)
    assert isinstance(v.generator(None), np.random.Generator)
    with pytest.raises(ConfigError, match="seed must be a whole number >= 0, found None"):
        v.generator(None, allow_none=False)
    with pytest.raises(ConfigError, match="found -1"):
        v.generator(-1)
    with pytest.raises(ConfigTypeError):
        v.generator("0")


def test_choice_is_case_insensitive_takes_aliases_and_suggests():
    assert v.choice("ReLU", ("relu", "tanh"), "activation") == "relu"
    assert v.choice("logistic", ("sigmoid",), "activation", aliases={"logistic": "sigmoid"}) \
        == "sigmoid"
    with pytest.raises(ConfigError, match=r"unknown activation 'rleu' \(did you mean 'relu'\?\); "
                                          "choose one of relu, tanh"):
        v.choice("rleu", ("relu", "tanh"), "activation")
    with pytest.raises(ConfigTypeError):
        v.choice(3, ("relu",), "activation")


def test_parsing_takes_ascii_digits_only():
    assert v.parse_int(" 12 ", "--epochs") == 12
    assert v.parse_int_list("4, 16,64", "--hidden", minimum=1) == [4, 16, 64]
    for bad in ("²", "١٢", "1.5", "", "x"):
        with pytest.raises(ConfigError, match="--epochs must be a whole number"):
            v.parse_int(bad, "--epochs")
    with pytest.raises(ConfigError, match="comma-separated"):
        v.parse_int_list("4,,8", "--hidden")
    with pytest.raises(ConfigError, match=">= 1"):
        v.parse_int_list("4,0", "--hidden", minimum=1)
    assert v.is_number(" 1e-3 ") and not v.is_number("one") and not v.is_number(None)


# ------------------------------------------------------------------ the checks where they are used

def _opt():
    from chainrule import nn, optim

    return optim.SGD(nn.Linear(2, 1, seed=0).parameters(), lr=0.1)


def _call_sites():
    import chainrule as cr
    from chainrule import data, nn, optim, theory
    from chainrule import functional as F
    from chainrule.inspect import question3_network
    from chainrule.training import EarlyStopping, ModelCheckpoint
    from chainrule.training.predict import outputs

    t = nn.Linear(3, 2, seed=0).weight
    X, y = np.zeros((10, 2)), np.arange(10) % 2
    return [
        # seeds -> Generator: one home, validation.generator, named at each call site
        (lambda: nn.init.uniform_(t, rng=1.5), ConfigTypeError, "rng"),
        (lambda: nn.init.normal_(t, rng="seed"), ConfigTypeError, "rng"),
        (lambda: nn.init.normal_(t, rng=-1), ConfigError, "rng must be a whole number >= 0"),
        (lambda: nn.Linear(2, 2, seed=2.5), ConfigTypeError, "seed"),
        (lambda: nn.Dropout(0.5, seed="x"), ConfigTypeError, "seed"),
        (lambda: nn.MLP([2, 2], seed=True), ConfigTypeError, "seed"),
        (lambda: data.moons(seed=None), ConfigError, "seed must be a whole number >= 0"),
        (lambda: data.train_test_split(X, y, seed=-1), ConfigError, "seed"),
        # whole numbers
        (lambda: nn.Linear(0, 2), ConfigError, "Linear in_features must be a positive integer"),
        (lambda: nn.MLP([2, 0, 1]), ConfigError, "MLP sizes must be a list of at least two"),
        (lambda: nn.MLP([2, 3, 1], dropout=1.0), ConfigError, "MLP dropout"),
        (lambda: nn.Dropout(1.5), ConfigError, r"Dropout probability must be a number in [0, 1]"),
        (lambda: optim.StepLR(_opt(), step_size=0), ConfigError, "StepLR step_size"),
        (lambda: optim.CosineAnnealingLR(_opt(), T_max=True), ConfigTypeError, "T_max"),
        (lambda: EarlyStopping(patience=-1), ConfigError, "patience must be a whole number"),
        (lambda: EarlyStopping(min_delta=-0.1), ConfigError, "min_delta must be a number >= 0"),
        (lambda: ModelCheckpoint("c.safetensors", every=0), ConfigError, "every"),
        (lambda: outputs(nn.Linear(2, 1), X, batch_size=0), ConfigError, "batch_size"),
        (lambda: cr.fit(nn.Linear(2, 2), (X, y), epochs=1.5, quiet=True), ConfigTypeError,
         "epochs"),
        (lambda: cr.fit(nn.Linear(2, 2), (X, y), lr=0, quiet=True), ConfigError,
         "lr must be a positive number"),
        (lambda: data.xor(n=2.5), ConfigTypeError, "n must be an integer"),
        (lambda: data.moons(n=1), ConfigError, "n must be an integer of at least 2"),
        (lambda: data.DataLoader(data.ArrayDataset(X, y), batch_size=0), ConfigError,
         "batch_size"),
        (lambda: theory.grid((0, 1), points=1), ConfigError, "points must be a whole number >= 2"),
        (lambda: theory.approximation_sweep(units=[0]), ConfigError, "positive integers"),
        (lambda: theory.step_best_error(1.0, 0.0, 1.0, -1), ConfigError, "n_units"),
        (lambda: theory.activation_study(width=0), ConfigError, "width"),
        (lambda: question3_network(n=0), ConfigError, "n (inputs) must be a positive integer"),
        # the one reduction check: exact spelling, because the losses branch on it
        (lambda: nn.MSELoss(reduction="avg"), ConfigError, "reduction must be one of"),
        (lambda: F.mse_loss(cr.tensor([1.0]), np.ones(1), reduction="MEAN"), ConfigError,
         "did you mean 'mean'"),
    ]


@pytest.mark.parametrize("index", range(len(_call_sites())))
def test_each_call_site_refuses_with_the_shared_check(index):
    call, error, words = _call_sites()[index]
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)
    assert isinstance(info.value, ChainruleError)


def test_the_shared_checks_still_accept_what_the_call_sites_took():
    from chainrule import nn

    g = np.random.default_rng(4)
    assert nn.init.as_generator(g) is g
    a = nn.init.uniform_(np.zeros(5), rng=np.int64(3))
    np.testing.assert_array_equal(a, nn.init.uniform_(np.zeros(5), rng=3))
    assert isinstance(nn.init.as_generator(None), np.random.Generator)
    assert nn.MLP((2, np.int64(3), 1), seed=0).sizes == [2, 3, 1]
    assert nn.MSELoss(reduction="none").reduction == "none"
    assert v.reduction("sum") == "sum" and v.REDUCTIONS == ("mean", "sum", "none")
    assert v.int_list(range(1, 4), "units") == [1, 2, 3]
    with pytest.raises(ConfigTypeError, match="found 'abc'"):
        v.int_list("abc", "units")


@pytest.mark.filterwarnings("ignore:Stochastic Optimizer")
def test_the_estimators_take_random_states_as_before():
    pytest.importorskip("sklearn")
    from chainrule.sklearn import MLPClassifier

    X, y = np.random.default_rng(0).normal(size=(40, 2)), np.arange(40) % 2
    fitted = [MLPClassifier(hidden_layer_sizes=(4,), max_iter=2, random_state=r).fit(X, y)
              for r in (np.random.RandomState(1), np.random.RandomState(1))]
    np.testing.assert_array_equal(fitted[0].predict_proba(X), fitted[1].predict_proba(X))
    MLPClassifier(max_iter=1, tol=np.inf).fit(X, y)  # an unbounded side may be infinite
    for bad, words in (({"random_state": "x"}, "random_state"),
                       ({"hidden_layer_sizes": (4, 0)}, "hidden_layer_sizes"),
                       ({"batch_size": 0}, "'auto' or a positive integer")):
        with pytest.raises(ConfigError, match=words):
            MLPClassifier(**bad).fit(X, y)
