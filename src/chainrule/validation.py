"""The one home of argument checks: every public function and CLI command validates through here.

Each check returns the value in its plain form (``int``, ``float``, ``str``, a Generator) or
raises a ``ConfigError`` that says what was expected and what was found; a value of the wrong
*type* raises ``ConfigTypeError``, which is also a ``TypeError``. Names are looked up with
``choice``, which suggests the closest known name ("did you mean 'relu'?").

A caller whose users know a check by other words passes ``expected`` (what the message says
the value must be, e.g. "a positive integer") and ``hint`` (what to do, after "found ...").
"""

from __future__ import annotations

import difflib
import math
import numbers

import numpy as np

from chainrule.errors import ConfigError, ConfigTypeError


def _bounds(minimum, maximum, low_open=False, high_open=False) -> str:
    if minimum is not None and maximum is not None:
        return (f"in {'(' if low_open else '['}{minimum:g}, "
                f"{maximum:g}{')' if high_open else ']'}")
    if minimum is not None:
        return f"{'>' if low_open else '>='} {minimum:g}"
    if maximum is not None:
        return f"{'<' if high_open else '<='} {maximum:g}"
    return ""


def _refuse(error, name, wanted, value, hint=""):
    raise error(f"{name} must be {wanted}, found {value!r}{hint}")


def integer(value, name: str, *, minimum=None, maximum=None, expected=None, hint="") -> int:
    """``value`` as an ``int`` in [minimum, maximum]; bools and floats are refused."""
    wanted = expected or " ".join(filter(None, ["a whole number", _bounds(minimum, maximum)]))
    # bool is an Integral too, but n=True is always a mistake.
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        _refuse(ConfigTypeError, name, wanted, value, hint)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        _refuse(ConfigError, name, wanted, value, hint)
    return int(value)


def positive_int(value, name: str) -> int:
    """A whole number >= 1 (sizes, counts, the period of a schedule): "a positive integer"."""
    return integer(value, name, minimum=1, expected="a positive integer")


def int_list(values, name: str, *, minimum=1, min_length=1, expected=None) -> list:
    """``values`` (any iterable but a string) as a list of at least ``min_length`` ints, each
    >= ``minimum``: layer sizes, the widths of a sweep, depths."""
    if expected is None:
        count = "" if min_length <= 1 else ("at least two " if min_length == 2
                                            else f"at least {min_length} ")
        each = "positive integers" if minimum == 1 else f"whole numbers >= {minimum:g}"
        expected = f"a list of {count}{each}"
    try:
        out = None if isinstance(values, (str, bytes)) else list(values)
    except TypeError:
        out = None
    if out is None or any(isinstance(v, bool) or not isinstance(v, numbers.Integral)
                          for v in out):
        _refuse(ConfigTypeError, name, expected, values)
    if len(out) < max(min_length, 1) or (minimum is not None and any(v < minimum for v in out)):
        _refuse(ConfigError, name, expected, values)
    return [int(v) for v in out]


def real(value, name: str, *, minimum=None, maximum=None, low_open=False, high_open=False,
         finite=True, expected=None) -> float:
    """``value`` as a finite ``float`` within the bounds (``*_open`` excludes that end;
    ``finite=False`` lets an unbounded side take infinity)."""
    wanted = expected or " ".join(filter(None, ["a number", _bounds(minimum, maximum, low_open,
                                                                          high_open)]))
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        _refuse(ConfigTypeError, name, wanted, value)
    v = float(value)
    if math.isnan(v) or (finite and math.isinf(v)):
        _refuse(ConfigError, name, wanted, value)
    too_low = minimum is not None and (v <= minimum if low_open else v < minimum)
    too_high = maximum is not None and (v >= maximum if high_open else v > maximum)
    if too_low or too_high:
        _refuse(ConfigError, name, wanted, value)
    return v


def positive_float(value, name: str, *, expected=None) -> float:
    """A finite number > 0 (learning rates, scales)."""
    return real(value, name, minimum=0, low_open=True, expected=expected)


def probability(value, name: str, *, low_open=False, high_open=False) -> float:
    """A number in [0, 1] (``*_open`` excludes that end: dropout is [0, 1))."""
    return real(value, name, minimum=0, maximum=1, low_open=low_open, high_open=high_open)


def generator(seed=None, name: str = "seed", *, allow_none: bool = True) -> np.random.Generator:
    """A ``numpy.random.Generator`` from a Generator (returned as is), a seed >= 0, a legacy
    ``RandomState`` (scikit-learn's ``random_state``: one draw seeds the Generator), or None
    (fresh entropy, unless ``allow_none`` is False because the result must be reproducible)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        if not allow_none:
            raise ConfigError(f"{name} must be a whole number >= 0, found None")
        return np.random.default_rng()
    if isinstance(seed, np.random.RandomState):
        return np.random.default_rng(seed.randint(np.iinfo(np.int32).max))
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        kinds = ("a whole number >= 0, a numpy.random.Generator, a numpy RandomState or None"
                 if allow_none else
                 "a whole number >= 0, a numpy.random.Generator or a numpy RandomState")
        raise ConfigTypeError(f"{name} must be {kinds}, found {seed!r}")
    if seed < 0:
        raise ConfigError(f"{name} must be a whole number >= 0, found {seed!r}")
    return np.random.default_rng(int(seed))


def suggestion(word, known) -> str:
    """' (did you mean 'relu'?)' for the closest of ``known``, or '' when nothing is close."""
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word.lower(), [str(k).lower() for k in known], n=1)
    if not close:
        return ""
    original = next(str(k) for k in known if str(k).lower() == close[0])
    return f" (did you mean {original!r}?)"


def choice(value, choices, name: str, *, aliases=None) -> str:
    """``value`` (case-insensitive) as one of ``choices``; ``aliases`` maps other accepted
    spellings to a choice. The error lists the choices and suggests the closest one."""
    aliases = aliases or {}
    if isinstance(value, str):
        key = value.strip().lower()
        for c in choices:
            if c.lower() == key:
                return c
        for alias, target in aliases.items():
            if alias.lower() == key:
                return target
    known = list(choices) + [a for a in aliases if a not in choices]
    listed = ", ".join(str(c) for c in choices)
    error = ConfigError if isinstance(value, str) else ConfigTypeError
    raise error(f"unknown {name} {value!r}{suggestion(value, known)}; choose one of {listed}")


#: What a loss may do with its per-sample values: average them, add them, or return them all.
REDUCTIONS = ("mean", "sum", "none")


def reduction(value, name: str = "reduction") -> str:
    """One of ``REDUCTIONS``, spelled exactly (a loss branches on the string it is given)."""
    if isinstance(value, str) and value in REDUCTIONS:
        return value
    error = ConfigError if isinstance(value, str) else ConfigTypeError
    raise error(f"{name} must be one of {', '.join(map(repr, REDUCTIONS))}, found "
                f"{value!r}{suggestion(value, REDUCTIONS)}")


def is_number(text) -> bool:
    """Does ``text`` parse as a float ("1e-3", " 2 ", "nan" do)?"""
    try:
        float(text)
    except (TypeError, ValueError):
        return False
    return True


def parse_int(text: str, name: str, *, minimum=None) -> int:
    """A whole number written in ASCII digits (``int()`` would also take '²' or '٣')."""
    s = str(text).strip()
    digits = s[1:] if s[:1] in "+-" else s
    if not digits or not (digits.isascii() and digits.isdigit()):
        wanted = " ".join(filter(None, ["a whole number", _bounds(minimum, None)]))
        raise ConfigError(f"{name} must be {wanted}, found {text!r}")
    return integer(int(s), name, minimum=minimum)


def parse_int_list(text: str, name: str, *, minimum=None) -> list:
    """'4,16,64' -> [4, 16, 64] (ASCII digits, commas; spaces are allowed around them)."""
    parts = [p for p in str(text).split(",")]
    if not parts or any(not p.strip() for p in parts):
        raise ConfigError(f"{name} must be comma-separated whole numbers such as 4,16,64, "
                          f"found {text!r}")
    return [parse_int(p, name, minimum=minimum) for p in parts]
