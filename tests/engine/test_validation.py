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
