"""Check the estimators' hyperparameters at fit time (scikit-learn's rule: never in __init__)."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np

from chainrule import activations
from chainrule.errors import ConfigError
from chainrule.validation import choice

SOLVERS = ("sgd", "adam")


def _number(est, name, low, high=None, *, integer=False, low_open=False, high_open=False):
    value = getattr(est, name)
    kind = Integral if integer else Real
    ok = isinstance(value, kind) and not isinstance(value, bool)
    if ok:
        ok = (value > low if low_open else value >= low)
        if high is not None:
            ok = ok and (value < high if high_open else value <= high)
    if not ok:
        lo = f"{'(' if low_open else '['}{low}"
        hi = f"{high}{')' if high_open else ']'}" if high is not None else "inf)"
        what = "an integer" if integer else "a number"
        raise ConfigError(f"{type(est).__name__}: {name} must be {what} in {lo}, {hi}, "
                          f"found {value!r}")
    return value


def hidden_sizes(est) -> list:
    sizes = est.hidden_layer_sizes
    if isinstance(sizes, Integral) and not isinstance(sizes, bool):
        sizes = [sizes]
    try:
        sizes = list(sizes)
    except TypeError:
        sizes = None
    if sizes is None or not all(isinstance(n, Integral) and not isinstance(n, bool) and n > 0
                                for n in sizes):
        raise ConfigError(
            f"{type(est).__name__}: hidden_layer_sizes must be a positive integer or a sequence "
            f"of them, e.g. (100,) or (64, 32), found {est.hidden_layer_sizes!r}"
        )
    return [int(n) for n in sizes]


def activation_name(est) -> str:
    """The registered hidden activation ``est.activation`` names: scikit-learn's names
    (identity, logistic, tanh, relu) are the registry's names and aliases, and chainrule's
    own (sigmoid, leaky_relu, softplus, gelu, step, ...) are accepted too."""
    hidden = activations.names(hidden=True)
    aliases = {a: act.name for act in activations.all_activations(hidden=True)
               for a in act.aliases}
    return choice(est.activation, hidden, f"{type(est).__name__} activation", aliases=aliases)


def dtype_of(est) -> np.dtype:
    try:
        dtype = np.dtype(est.dtype)
    except TypeError:
        dtype = None
    if dtype not in (np.float32, np.float64):
        raise ConfigError(f"{type(est).__name__}: dtype must be 'float32' or 'float64', "
                          f"found {est.dtype!r}")
    return dtype


def validate(est) -> None:
    """Raise ``ConfigError`` (a ValueError) naming the first unusable hyperparameter."""
    hidden_sizes(est)
    activation_name(est)
    dtype_of(est)
    if est.solver not in SOLVERS:
        hint = " (lbfgs is not offered: chainrule trains with minibatches)" \
            if est.solver == "lbfgs" else ""
        raise ConfigError(f"{type(est).__name__}: solver must be 'sgd' or 'adam', "
                          f"found {est.solver!r}{hint}")
    if not (est.batch_size == "auto" or (isinstance(est.batch_size, Integral)
                                         and not isinstance(est.batch_size, bool)
                                         and est.batch_size >= 1)):
        raise ConfigError(f"{type(est).__name__}: batch_size must be 'auto' or a positive "
                          f"integer, found {est.batch_size!r}")
    _number(est, "alpha", 0)
    _number(est, "learning_rate_init", 0, low_open=True)
    _number(est, "max_iter", 1, integer=True)
    _number(est, "tol", 0)
    _number(est, "momentum", 0, 1)
    _number(est, "validation_fraction", 0, 1, low_open=True, high_open=True)
    _number(est, "beta_1", 0, 1, high_open=True)
    _number(est, "beta_2", 0, 1, high_open=True)
    _number(est, "epsilon", 0, low_open=True)
    if est.n_iter_no_change != np.inf:  # scikit-learn allows inf: never stop on a plateau
        _number(est, "n_iter_no_change", 1, integer=True)


def generator(random_state) -> np.random.Generator:
    """A NumPy Generator from scikit-learn's ``random_state`` (None, int, RandomState)."""
    if random_state is None or isinstance(random_state, np.random.Generator):
        return np.random.default_rng(random_state)
    if isinstance(random_state, Integral) and not isinstance(random_state, bool):
        return np.random.default_rng(int(random_state))
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(np.iinfo(np.int32).max))
    raise ConfigError(f"random_state must be None, an int or a numpy RandomState/Generator, "
                      f"found {random_state!r}")
