"""What a user can set in the playground, with TensorFlow Playground's defaults and ranges.

The attribute names are TF Playground's URL keys where it has the setting (``learningRate``,
``networkShape``, ``percTrainData``, ``xTimesY`` ...), so one of its links reproduces here;
the rest are ours (``classes``, ``activations``, ``derivative``, ``wseed``, ``speed``,
``preset``). ``Settings.merged(changes)`` checks every given value with
``chainrule.validation`` and returns new settings; nothing else builds them from user input.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass, field, replace

from chainrule import activations
from chainrule.errors import ConfigError, ConfigTypeError
from chainrule.playground import datasets, features
from chainrule.validation import choice, integer

LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10)
REGULARIZATION_RATES = (0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10)
REGULARIZATIONS = ("none", "L1", "L2")
PROBLEMS = ("classification", "regression")
SPEEDS = ("max", "10", "1")  # epochs per frame: as many as fit in the frame budget, or fixed

MAX_LAYERS = 6
MAX_NEURONS = 8
MIN_CLASSES, MAX_CLASSES = 2, 5
MAX_SEED_CHARS = 32


def hidden_activations() -> tuple:
    """The registry's hidden activations (TF Playground's four are among them)."""
    return activations.names(hidden=True)


@dataclass(frozen=True)
class Settings:
    activation: str = activations.TANH.name  # TF Playground's default
    activations: tuple = ()          # one per hidden layer; empty: every layer uses activation
    derivative: str = ""             # the derivative policy of an activation that has one
    regularization: str = "none"
    regularizationRate: float = 0
    learningRate: float = 0.03
    batchSize: int = 10
    problem: str = "classification"
    dataset: str = "circle"
    regDataset: str = "reg-plane"
    classes: int = 2
    noise: int = 0
    percTrainData: int = 50
    networkShape: tuple = (4, 2)
    seed: str = "0"                  # the data's seed (TF Playground's)
    wseed: str = "0"                 # the initial weights' seed
    showTestData: bool = False
    discretize: bool = False
    speed: str = "max"
    preset: str = ""
    inputs: dict = field(default_factory=lambda: dict(features.DEFAULT))

    # ----- derived
    @property
    def layer_activations(self) -> tuple:
        """The registry name of every hidden layer's activation."""
        if len(self.activations) == len(self.networkShape):
            return self.activations
        return (self.activation,) * len(self.networkShape)

    @property
    def data_name(self) -> str:
        return self.dataset if self.problem == "classification" else self.regDataset

    @property
    def n_classes(self) -> int:
        """Classes the data has: XOR is two; 0 for regression."""
        if self.problem == "regression":
            return 0
        return datasets.fixed_classes(self.dataset) or self.classes

    @property
    def feature_keys(self) -> tuple:
        return tuple(k for k in features.KEYS if self.inputs.get(k))

    def to_dict(self) -> dict:
        """JSON-able, flat: the page's URL keys."""
        out = asdict(self)
        inputs = out.pop("inputs")
        out.update(inputs)
        out["activations"] = list(self.activations)
        out["networkShape"] = list(self.networkShape)
        return out

    # ----- building from user input
    def merged(self, changes: dict, errors: list | None = None) -> Settings:
        """These settings with ``changes`` (URL keys -> values) checked and applied.

        A bad value raises a ``ChainruleError``, or, when an ``errors`` list is given (a URL
        from elsewhere), is skipped with its message appended there."""
        if not isinstance(changes, dict):
            raise ConfigTypeError(f"settings must be an object of key: value, found "
                                  f"{type(changes).__name__}")
        fields_, inputs = {}, dict(self.inputs)
        for key, value in changes.items():
            try:
                if key in features.KEYS:
                    inputs[key] = boolean(value, key)
                elif key in _CHECKS:
                    fields_[key] = _CHECKS[key](value)
                else:
                    raise ConfigError(f"unknown setting {str(key)[:40]!r}{_suggest(key)}")
            except ConfigError as exc:
                if errors is None:
                    raise
                errors.append(str(exc))
        new = replace(self, inputs=inputs, **fields_)
        try:
            return new._consistent()
        except ConfigError as exc:
            if errors is None:
                raise
            errors.append(str(exc))
            return self

    def _consistent(self) -> Settings:
        if not self.feature_keys:
            raise ConfigError("choose at least one input feature")
        if len(self.activations) in (0, len(self.networkShape)):
            return self
        # A shape change keeps the per-layer choices of the layers that still exist.
        acts = list(self.activations[:len(self.networkShape)])
        acts += [self.activation] * (len(self.networkShape) - len(acts))
        return replace(self, activations=tuple(acts))


def boolean(value, name: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigTypeError(f"{name} must be true or false, found {value!r}")
    return value


def _listed(values, name):
    def check(value):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ConfigTypeError(f"{name} must be a number, one of "
                                  f"{', '.join(f'{v:g}' for v in values)}; found {value!r}")
        for v in values:
            if math.isclose(value, v, rel_tol=1e-9, abs_tol=0):
                return v
        raise ConfigError(f"{name} must be one of {', '.join(f'{v:g}' for v in values)}; "
                          f"found {value!r}")
    return check


def _activation(value, name="activation"):
    return activations.get(choice(value, hidden_activations(), name, aliases={
        a: act.name for act in activations.all_activations(hidden=True) for a in act.aliases}
    )).name


def _layer_activations(value):
    if not isinstance(value, (list, tuple)) or len(value) > MAX_LAYERS:
        raise ConfigTypeError(f"activations must be a list of at most {MAX_LAYERS} names, "
                              f"found {value!r}")
    return tuple(_activation(v, f"activation of layer {i + 1}") for i, v in enumerate(value))


def _derivative(value):
    policies = sorted({p for act in activations.all_activations(hidden=True) if act.policy
                       for p in act.primitive})
    if value == "":
        return ""
    return choice(value, policies, "derivative policy")


def _shape(value):
    if not isinstance(value, (list, tuple)) or len(value) > MAX_LAYERS:
        raise ConfigError(f"networkShape must be a list of 0 to {MAX_LAYERS} layer sizes, "
                          f"found {value!r}")
    return tuple(integer(n, f"neurons in hidden layer {i + 1}", minimum=1,
                         maximum=MAX_NEURONS) for i, n in enumerate(value))


def _seed(value):
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_SEED_CHARS or \
            not value.isascii() or not value.isprintable():
        raise ConfigError(f"a seed is 1 to {MAX_SEED_CHARS} printable ASCII characters, "
                          f"found {value!r}")
    return value


def _preset(value):
    from chainrule.playground import presets

    return "" if value == "" else choice(value, presets.names(), "preset")


_CHECKS = {
    "activation": _activation,
    "activations": _layer_activations,
    "derivative": _derivative,
    "regularization": lambda v: choice(v, REGULARIZATIONS, "regularization"),
    "regularizationRate": _listed(REGULARIZATION_RATES, "regularizationRate"),
    "learningRate": _listed(LEARNING_RATES, "learningRate"),
    "batchSize": lambda v: integer(v, "batchSize", minimum=1, maximum=30),
    "problem": lambda v: choice(v, PROBLEMS, "problem"),
    "dataset": lambda v: choice(v, datasets.CLASSIFICATION, "dataset"),
    "regDataset": lambda v: choice(v, datasets.REGRESSION, "regDataset"),
    "classes": lambda v: integer(v, "classes", minimum=MIN_CLASSES, maximum=MAX_CLASSES),
    "noise": lambda v: integer(v, "noise", minimum=0, maximum=50),
    "percTrainData": lambda v: integer(v, "percTrainData", minimum=10, maximum=90),
    "networkShape": _shape,
    "seed": _seed,
    "wseed": _seed,
    "showTestData": lambda v: boolean(v, "showTestData"),
    "discretize": lambda v: boolean(v, "discretize"),
    "speed": lambda v: choice(v, SPEEDS, "speed"),
    "preset": _preset,
}


def known_keys() -> tuple:
    return tuple(_CHECKS) + features.KEYS


def _suggest(key) -> str:
    from chainrule.validation import suggestion

    return suggestion(key, known_keys())
