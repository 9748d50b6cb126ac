"""``TrainingInfo``: what a model learned from, in one small typed record (``model.info``).

The preprocessing is not here: it is a module inside the model (``nn.Standardize``), so
``model(X)`` applies it. This record holds the facts that are not computations: the task, the
class names, the feature names, the target scaling, the data set and seed, and free-form
metadata (history, final scores, ...). ``fit`` fills it; a model file keeps it as one JSON
field; a model made any other way has the defaults, and every reader copes with them.
"""

from __future__ import annotations

import json
import numbers
from dataclasses import dataclass, field, fields

from chainrule import validation
from chainrule.errors import ConfigError

TASKS = ("classification", "binary", "regression")


def _names(value, what: str):
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise ConfigError(f"TrainingInfo {what} must be a list of names, found {value!r}")
    names = [str(v) for v in value]
    if len(set(names)) != len(names):
        raise ConfigError(f"TrainingInfo {what} must be distinct, found {names}")
    return names


@dataclass
class TrainingInfo:
    """The training record of a model; every field may be left at its default.

    ``task``: "classification" (one logit per class), "binary" (one logit) or "regression";
    None means unknown, and readers infer it from the outputs. ``classes``: the class names,
    in output order (``predict`` returns them). ``feature_names``: the input columns.
    ``target_scaling``: reserved for scaled regression targets (None: targets as given).
    ``dataset``/``seed``: where the training data came from. ``metadata``: any JSON-able dict.
    """

    task: str | None = None
    classes: list | None = None
    feature_names: list | None = None
    target_scaling: dict | None = None
    dataset: str | None = None
    seed: int | None = None
    metadata: dict = field(default_factory=dict)

    def __post_init__(self):
        self._check()

    def __setattr__(self, name, value):
        # Checked on creation and on every change, so a record that exists is a usable one.
        if "metadata" not in self.__dict__:  # __init__ is still setting the fields
            object.__setattr__(self, name, value)
            return
        old = dict(self.__dict__)
        object.__setattr__(self, name, value)
        try:
            self._check()
        except ConfigError:
            self.__dict__.update(old)  # a refused change leaves the record as it was
            raise

    def _check(self) -> None:
        put = object.__setattr__  # normalized values, without coming back here
        if self.task is not None:
            put(self, "task", validation.choice(self.task, TASKS, "TrainingInfo task"))
        put(self, "classes", _names(self.classes, "classes"))
        put(self, "feature_names", _names(self.feature_names, "feature_names"))
        if self.target_scaling is not None and not isinstance(self.target_scaling, dict):
            raise ConfigError(f"TrainingInfo target_scaling must be a dict or None, found "
                              f"{self.target_scaling!r}")
        if self.dataset is not None and not isinstance(self.dataset, str):
            raise ConfigError(f"TrainingInfo dataset must be a name (text) or None, found "
                              f"{self.dataset!r}")
        if self.seed is not None:
            if not isinstance(self.seed, numbers.Integral) or isinstance(self.seed, bool):
                raise ConfigError(f"TrainingInfo seed must be a whole number or None, found "
                                  f"{self.seed!r}")
            put(self, "seed", int(self.seed))
        if self.metadata is None:
            put(self, "metadata", {})
        if not isinstance(self.metadata, dict):
            raise ConfigError(f"TrainingInfo metadata must be a dict, found "
                              f"{type(self.metadata).__name__}")

    def to_dict(self) -> dict:
        """The record as a JSON-able dict (``ConfigError`` if the metadata is not JSON-able)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        try:
            json.dumps(out, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"the training record must be JSON-able: {exc}") from exc
        return out

    @classmethod
    def from_dict(cls, data) -> TrainingInfo:
        """Rebuild a record from ``to_dict()``'s output; unknown keys are refused."""
        if not isinstance(data, dict):
            raise ConfigError(f"a training record must be a JSON object, found "
                              f"{type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"unknown training-record field {unknown[0]!r}; known fields: "
                              f"{', '.join(sorted(known))}")
        return cls(**data)
