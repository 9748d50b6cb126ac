"""The page's messages: every one is checked here before it reaches a Session.

A message is a JSON object ``{"type": ..., fields}``. ``parse`` returns ``(type, fields)``
or raises a ``ChainruleError`` saying what is wrong; the values themselves are checked again by
the session method they go to (``chainrule.validation``), so a message can only do what a
Python caller of that method could.
"""

from __future__ import annotations

import json

from chainrule.errors import ConfigError, ConfigTypeError
from chainrule.playground import export, userdata
from chainrule.validation import choice

#: The largest text message (an upload's CSV text plus its envelope).
MAX_MESSAGE_CHARS = userdata.MAX_UPLOAD_BYTES + 4096

# type -> {field: required?}; the values go on to the session, which checks them.
MESSAGES = {
    "load": {"settings": True, "points": False},  # the URL's setup (bad keys are skipped)
    "settings": {"settings": True},     # a change made in the page (all or nothing)
    "play": {}, "pause": {}, "step": {}, "reset": {}, "reseed": {}, "regenerate": {},
    "ack": {},                          # the page drew a frame: it may have another
    "focus": {"layer": False, "unit": False},
    "param": {"layer": True, "kind": True, "row": True, "col": False, "value": True},
    "explain": {"point": True},
    "step_point": {"point": True},
    "add_point": {"x1": True, "x2": True, "label": True},
    "clear_points": {},
    "upload": {"name": True, "text": True},
    "preset": {"name": True},
    "export": {"format": True},
}


def parse(text) -> tuple:
    """``(type, fields)`` of one message from the page."""
    if not isinstance(text, str):
        raise ConfigTypeError("messages must be JSON text, found binary data")
    if len(text) > MAX_MESSAGE_CHARS:
        raise ConfigError(f"a message may have at most {MAX_MESSAGE_CHARS:,} characters, "
                          f"found {len(text):,}")
    try:
        message = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"a message must be JSON: {exc.msg} at character {exc.pos}") from None
    except RecursionError:
        raise ConfigError("a message may not nest this deeply") from None
    if not isinstance(message, dict):
        raise ConfigTypeError(f"a message must be a JSON object, found "
                              f"{type(message).__name__}")
    kind = choice(message.get("type"), tuple(MESSAGES), "message type")
    spec = MESSAGES[kind]
    fields = {k: v for k, v in message.items() if k != "type"}
    unknown = sorted(set(fields) - set(spec))
    if unknown:
        raise ConfigError(f"a {kind!r} message has no field {str(unknown[0])[:40]!r}; its "
                          f"fields: {', '.join(spec) or 'none'}")
    missing = [k for k, required in spec.items() if required and k not in fields]
    if missing:
        raise ConfigError(f"a {kind!r} message needs the field {missing[0]!r}")
    if kind == "export":
        fields["format"] = choice(fields["format"], tuple(export.FORMATS), "export format")
    if kind in ("upload", "preset"):
        for key in ("name", "text") if kind == "upload" else ("name",):
            if not isinstance(fields[key], str):
                raise ConfigTypeError(f"{kind} {key} must be text, found "
                                      f"{type(fields[key]).__name__}")
    return kind, fields
