"""argparse types for the commands' options, checked by ``chainrule.validation``.

argparse names the option in front of the message ("argument --steps: must be at least 1,
found 0"); ``main`` turns it into one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse

from chainrule.errors import ConfigError
from chainrule.validation import integer, is_number, parse_int, positive_float


def whole(minimum: int | None = None):
    """An argparse ``type``: a whole number in ASCII digits (``validation.parse_int``) that is
    at least ``minimum`` (None: any)."""

    def parse(text):
        try:
            value = parse_int(text, "the value")
        except ConfigError:
            raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
        try:
            return integer(value, "the value", minimum=minimum)
        except ConfigError:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, found {value}") \
                from None

    parse.__name__ = "whole number"  # what argparse calls the type in its own messages
    return parse


def positive_number(text) -> float:
    """An argparse ``type``: a finite number > 0 (``validation.positive_float``)."""
    if not is_number(text):
        raise argparse.ArgumentTypeError(f"expected a positive number, found {text!r}")
    try:
        return positive_float(float(text), "the value")
    except ConfigError:
        raise argparse.ArgumentTypeError(f"must be a positive number, found {text!r}") from None
