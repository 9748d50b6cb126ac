"""Check the estimators' hyperparameters at fit time (scikit-learn's rule: never in __init__)."""

from __future__ import annotations

from numbers import Integral

import numpy as np

from chainrule import activations, validation
from chainrule.errors import ConfigError
from chainrule.validation import choice

SOLVERS = ("sgd", "adam")


def _number(est, name, low, high=None, *, integer=False, low_open=False, high_open=False):
    """``est.<name>`` checked by ``validation``: a whole number (``integer``) or a number, in
    the interval from ``low`` to ``high`` (None: no upper end, and infinity is allowed there,
    as scikit-learn allows it)."""
    what = f"{type(est).__name__}: {name}"
    value = getattr(est, name)
    if integer:
        return validation.integer(value, what, minimum=low, maximum=high)
    return validation.real(value, what, minimum=low, maximum=high, low_open=low_open,
                           high_open=high_open, finite=high is not None)


def hidden_sizes(est) -> list:
    sizes = est.hidden_layer_sizes
    if isinstance(sizes, Integral) and not isinstance(sizes, bool):
        sizes = [sizes]  # scikit-learn takes one size for one hidden layer
    return validation.int_list(
        sizes, f"{type(est).__name__}: hidden_layer_sizes",
        expected="a positive integer or a sequence of them, e.g. (100,) or (64, 32)")


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
    if not (isinstance(est.batch_size, str) and est.batch_size == "auto"):
        validation.integer(est.batch_size, f"{type(est).__name__}: batch_size", minimum=1,
                           expected="'auto' or a positive integer")
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
