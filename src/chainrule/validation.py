"""The one home of argument checks: every public function and CLI command validates through here.

Each check returns the value in its plain form (``int``, ``float``, ``str``, a Generator) or
raises a ``ConfigError`` that says what was expected and what was found; a value of the wrong
*type* raises ``ConfigTypeError``, which is also a ``TypeError``. Names are looked up with
``choice``, which suggests the closest known name ("did you mean 'relu'?").
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


def integer(value, name: str, *, minimum=None, maximum=None) -> int:
    """``value`` as an ``int`` in [minimum, maximum]; bools and floats are refused."""
    wanted = " ".join(filter(None, ["a whole number", _bounds(minimum, maximum)]))
    # bool is an Integral too, but n=True is always a mistake.
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ConfigTypeError(f"{name} must be {wanted}, found {value!r}")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ConfigError(f"{name} must be {wanted}, found {value!r}")
    return int(value)


def positive_int(value, name: str) -> int:
    """A whole number >= 1 (sizes, counts, epochs of a schedule)."""
    return integer(value, name, minimum=1)


def real(value, name: str, *, minimum=None, maximum=None, low_open=False, high_open=False,
         finite=True) -> float:
    """``value`` as a finite ``float`` within the bounds (``*_open`` excludes that end)."""
    wanted = " ".join(filter(None, ["a number", _bounds(minimum, maximum, low_open,
                                                              high_open)]))
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ConfigTypeError(f"{name} must be {wanted}, found {value!r}")
    v = float(value)
    if math.isnan(v) or (finite and math.isinf(v)):
        raise ConfigError(f"{name} must be {wanted}, found {value!r}")
    too_low = minimum is not None and (v <= minimum if low_open else v < minimum)
    too_high = maximum is not None and (v >= maximum if high_open else v > maximum)
    if too_low or too_high:
        raise ConfigError(f"{name} must be {wanted}, found {value!r}")
    return v


def positive_float(value, name: str) -> float:
    """A finite number > 0 (learning rates, scales)."""
    return real(value, name, minimum=0, low_open=True)


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
        raise ConfigTypeError(f"{name} must be a whole number >= 0, a numpy.random.Generator "
                              f"or None, found {seed!r}")
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
