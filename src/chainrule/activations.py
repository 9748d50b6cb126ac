"""The activation registry: each activation is declared once, here, and every layer reads it.

An ``Activation`` says everything chainrule knows about one nonlinearity: its name and aliases,
its row(s) of the chain-rule table (step has one per derivative policy), its options, its
formula, NumPy forms of g and g' for closed forms and manual backprop, its initialisation gain,
its PyTorch and ONNX twins and its plot colour. The functional API (``chainrule.functional``),
the ``nn`` modules and ``MLP(activation=...)``, the theory networks, the inspection tools, the
exports, the scikit-learn estimators, the plots and the CLI's ``--activation`` choices all read
it. Register a new one with ``register(Activation(...))`` and it works in all of them::

    swish_op = cr.Primitive("swish", forward, vjp, formulas=(...,), role="activation")
    cr.activations.register(cr.activations.Activation(
        "swish", swish_op, module="Swish", formula="z * sigmoid(z)", torch="SiLU", ...))
"""

from __future__ import annotations

import inspect as _signature
import math
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from chainrule import ops
from chainrule.autograd import Primitive
from chainrule.errors import ConfigError
from chainrule.tensor import Tensor
from chainrule.validation import choice, integer, real

_EMPTY = MappingProxyType({})


@dataclass(frozen=True, eq=False)
class Activation:
    """One activation, declared once. Only ``name`` and ``primitive`` are required.

    - ``primitive``: its row of the chain-rule table, or a dict ``{policy: row}`` when an
      option (``policy``) chooses the derivative (the step's ``derivative``);
    - ``module``: the ``nn`` class name (``"ReLU"``), also the ``type`` in model configs;
    - ``options``: keyword options with their defaults; ``params`` renames an option to the
      primitive's keyword; ``option_aliases`` accepts other spellings (``dim`` for ``axis``);
    - ``value``/``derivative``: NumPy ``g(z, **options)`` and ``g'(z, **options)``, the
      textbook forms that closed-form checks and manual backprop use (None: none exists);
      ``backward(dout, z, out, **options)`` replaces ``dout * g'(z)`` for an activation that
      is not elementwise (softmax);
    - ``gain``: the recommended initialisation gain (a number, or ``fn(options)``);
    - ``torch``: the ``torch.nn`` class name of its twin; ``torch_options`` maps an option to
      the torch argument/attribute; ``torch_fixed`` are arguments the twin must have;
      ``torch_forward(torch, x, **options)``: a twin built from torch ops when none exists;
    - ``onnx``: an ONNX op type (``"Relu"``; options pass through ``onnx_options`` as
      attributes) or ``fn(graph, x, **options) -> output name`` for a composite;
    - ``hidden``: offered as a hidden-layer activation (softmax is an output activation);
    - ``trainable``: gradient descent can train through it with its default options (the
      step's true derivative is 0 everywhere, so it cannot);
    - ``saturation``: what a probe counts for it, ``"dead"`` (exact zeros of g') or
      ``"saturated"`` (g' tiny), or None;
    - ``tags``: groups the theory studies and figures draw from (``"slides"``: the
      recitation's sigmoid, tanh and ReLU).
    """

    name: str
    primitive: Primitive | dict
    module: str = ""
    aliases: tuple = ()
    options: dict = field(default_factory=dict)
    policy: str | None = None
    params: dict = field(default_factory=dict)
    option_aliases: dict = field(default_factory=dict)
    formula: str = ""
    latex: str = ""
    doc: str = ""
    value: object = None
    derivative: object = None
    backward: object = None
    gain: object = 1.0
    sklearn_init_factor: float = 6.0
    torch: str | None = None
    torch_options: dict = field(default_factory=dict)
    torch_fixed: dict = field(default_factory=dict)
    torch_forward: object = None
    onnx: object = None
    onnx_options: dict = field(default_factory=dict)
    color: str = "#7f7f7f"
    hidden: bool = True
    trainable: bool = True
    saturation: str | None = None
    tags: frozenset = frozenset()

    def __post_init__(self):
        if not self.name or not self.name.isidentifier():
            raise ConfigError(f"an activation's name must be an identifier, found {self.name!r}")
        if not self.module:
            object.__setattr__(self, "module", self.name.title().replace("_", ""))
        rows = self.primitive if isinstance(self.primitive, dict) else {None: self.primitive}
        if not rows or not all(isinstance(p, Primitive) for p in rows.values()):
            raise ConfigError(f"activation {self.name!r}: primitive must be a Primitive (a row "
                              "of the chain-rule table) or a dict of them, one per policy")
        if isinstance(self.primitive, dict) and self.policy not in self.options:
            raise ConfigError(f"activation {self.name!r}: several primitives need a policy "
                              "option naming which one to use, with its default in options")
        for name in ("options", "params", "option_aliases", "torch_options", "torch_fixed",
                     "onnx_options"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))
        object.__setattr__(self, "aliases", tuple(self.aliases))
        object.__setattr__(self, "tags", frozenset(self.tags))

    # ----- calling it
    @property
    def primitives(self) -> tuple:
        """Every row of the chain-rule table this activation can record."""
        rows = self.primitive
        return tuple(rows.values()) if isinstance(rows, dict) else (rows,)

    def resolve(self, options=None) -> dict:
        """``options`` checked and completed with the defaults (aliases renamed)."""
        given = dict(options or {})
        for alias, target in self.option_aliases.items():
            if alias in given:
                value = given.pop(alias)
                if value is not None:
                    given[target] = value
        unknown = sorted(set(given) - set(self.options))
        if unknown:
            known = ", ".join(self.options) or "none"
            raise ConfigError(f"activation {self.name!r} has no option {unknown[0]!r}; its "
                              f"options: {known}")
        out = {}
        for key, default in self.options.items():
            out[key] = _check_option(self, key, given.get(key, default), default)
        return out

    def bind(self, options=None) -> tuple:
        """``(primitive, keyword params)`` for resolved options: what one call records."""
        options = self.resolve(options)
        prim = self.primitive[options[self.policy]] if self.policy else self.primitive
        params = {self.params.get(k, k): v for k, v in options.items() if k != self.policy}
        return prim, params

    def __call__(self, x, **options) -> Tensor:
        prim, params = self.bind(options)
        return prim(x if isinstance(x, Tensor) else Tensor(x), **params)

    @property
    def has_textbook_backward(self) -> bool:
        return self.value is not None and (self.backward or self.derivative) is not None

    def textbook_backward(self, dout, z, out, options=None):
        """dJ/dz from dJ/dout by the textbook formula, in NumPy: ``dout * g'(z)``."""
        options = self.resolve(options)
        if self.backward is not None:
            return self.backward(dout, z, out, **options)
        if self.derivative is None:
            raise ConfigError(f"activation {self.name!r} declares no textbook derivative")
        return dout * self.derivative(z, **options)

    def init_gain(self, options=None) -> float:
        gain = self.gain
        return float(gain(self.resolve(options)) if callable(gain) else gain)

    def __repr__(self):
        return f"Activation({self.name!r})"


def _check_option(act: Activation, key, value, default):
    what = f"{act.name} option {key!r}"
    if key == act.policy:
        return choice(value, tuple(act.primitive), what)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{what} must be True or False, found {value!r}")
        return value
    if isinstance(default, int):
        return integer(value, what)
    if isinstance(default, float):
        return real(value, what)
    return value


# ---------------------------------------------------------------- the registry

_BY_NAME: dict = {}  # name and every alias -> Activation
_ORDER: list = []  # registration order (for listings)
_LISTENERS: list = []  # called with each new Activation (nn builds its module class)


def register(activation: Activation, *, replace: bool = False) -> Activation:
    """Add ``activation`` to the registry (the public extension point) and return it."""
    if not isinstance(activation, Activation):
        raise ConfigError(f"register takes an Activation, found {type(activation).__name__}")
    keys = [activation.name, *activation.aliases]
    for key in keys:
        old = _BY_NAME.get(key.lower())
        if old is not None and not (replace and old.name == activation.name):
            raise ConfigError(f"activation name {key!r} is already taken by {old!r}; choose "
                              "another name or pass replace=True")
    old = _BY_NAME.get(activation.name.lower())
    if old is not None:
        _ORDER.remove(old)
        for key in [old.name, *old.aliases]:
            _BY_NAME.pop(key.lower(), None)
    for key in keys:
        _BY_NAME[key.lower()] = activation
    _ORDER.append(activation)
    for listener in _LISTENERS:
        listener(activation)
    return activation


def unregister(name) -> Activation:
    """Remove an activation (and its aliases) from the registry; return it."""
    act = get(name)
    _ORDER.remove(act)
    for key in [act.name, *act.aliases]:
        _BY_NAME.pop(key.lower(), None)
    return act


def get(name) -> Activation:
    """The activation called ``name`` or one of its aliases (case-insensitive); an
    ``Activation`` is returned as is. Unknown names get a "did you mean" error."""
    if isinstance(name, Activation):
        return name
    if isinstance(name, str):
        found = _BY_NAME.get(name.strip().lower())
        if found is not None:
            return found
    choice(name, names(), "activation", aliases={a: act.name for act in _ORDER
                                                  for a in act.aliases})
    raise AssertionError("unreachable: choice raises for an unknown name")


def all_activations(*, hidden: bool | None = None, trainable: bool | None = None,
                    tag: str | None = None) -> tuple:
    """The registered activations in registration order, filtered by the flags given."""
    return tuple(a for a in _ORDER if (hidden is None or a.hidden == hidden)
                 and (trainable is None or a.trainable == trainable)
                 and (tag is None or tag in a.tags))


def names(**filters) -> tuple:
    """Their names (``filters`` as for ``all_activations``), e.g. for a CLI's choices."""
    return tuple(a.name for a in all_activations(**filters))


def of_primitive(prim) -> Activation | None:
    """The activation that records ``prim`` (a Primitive or its name), if any."""
    name = prim if isinstance(prim, str) else getattr(prim, "name", None)
    for act in _ORDER:
        if any(p.name == name for p in act.primitives):
            return act
    return None


def by_module(class_name: str) -> Activation | None:
    """The activation whose ``nn`` class is called ``class_name``, if any."""
    for act in _ORDER:
        if act.module == class_name:
            return act
    return None


def on_register(listener) -> None:
    """Call ``listener(activation)`` for every activation, registered now or later."""
    _LISTENERS.append(listener)
    for act in tuple(_ORDER):
        listener(act)


def describe(act: Activation) -> str:
    """One line for help texts: 'relu: max(0, z)'."""
    return f"{act.name}: {act.formula}" if act.formula else act.name


# ---------------------------------------------------------------- NumPy forms (textbook)


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # the same exact identity the op table uses


def _d_sigmoid(z):
    s = _sigmoid(z)
    return s * (1.0 - s)


_GELU_C = math.sqrt(2 / math.pi)


def _gelu(z):
    return 0.5 * z * (1 + np.tanh(_GELU_C * (z + 0.044715 * z**3)))


def _d_gelu(z):
    t = np.tanh(_GELU_C * (z + 0.044715 * z**3))
    return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * _GELU_C * (1 + 3 * 0.044715 * z * z)


_STEP_DERIVATIVES = {
    "zero": lambda z: np.zeros_like(z, dtype=float),
    "straight_through": lambda z: np.ones_like(z, dtype=float),
    "sigmoid": _d_sigmoid,
}


def _softmax(z, axis=-1):
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _softmax_backward(dout, z, out, axis=-1):
    return out * (dout - np.sum(dout * out, axis=axis, keepdims=True))


# ---------------------------------------------------------------- twins in other libraries


def _onnx_gelu(g, x):
    if g.opset >= 20 and g.dtype == np.float32:
        return g.op("Gelu", [x], approximate="tanh")
    # 0.5 x (1 + tanh(c (x + 0.044715 x^3))): onnxruntime has no float64 Gelu kernel.
    x3 = g.op("Mul", [g.op("Mul", [x, x]), x])
    inner = g.op("Add", [x, g.op("Mul", [x3, g.const("gelu_k", 0.044715)])])
    t = g.op("Tanh", [g.op("Mul", [inner, g.const("gelu_c", _GELU_C)])])
    half_x = g.op("Mul", [x, g.const("half", 0.5)])
    return g.op("Mul", [half_x, g.op("Add", [t, g.const("one", 1.0)])])


def _onnx_softplus(g, x):
    if g.dtype == np.float32:
        return g.op("Softplus", [x])
    # max(x, 0) + log(1 + exp(-|x|)), chainrule's stable form (no float64 Softplus kernel).
    e = g.op("Exp", [g.op("Neg", [g.op("Abs", [x])])])
    return g.op("Add", [g.op("Relu", [x]), g.op("Log", [g.op("Add", [e, g.const("one", 1.0)])])])


def _onnx_step(g, x, derivative="zero"):
    # 1{x >= 0}; the derivative policy only matters for training, which ONNX does not do.
    return g.op("Cast", [g.op("GreaterOrEqual", [x, g.const("zero", 0.0)])], to=g.elem)


def _torch_step(torch, x, derivative="zero"):
    """1{x >= 0} in torch, whose backward uses the same derivative policy as chainrule's."""
    y = (x >= 0).to(x.dtype)
    if derivative == "zero":
        return y + 0 * x  # keeps the graph connected: the gradient is exactly 0
    surrogate = x if derivative == "straight_through" else torch.sigmoid(x)
    return surrogate + (y - surrogate).detach()  # value y, gradient of the surrogate


# ---------------------------------------------------------------- the built-in activations

SIGMOID = register(Activation(
    "sigmoid", ops.sigmoid, module="Sigmoid", aliases=("logistic",),
    formula="1 / (1 + exp(-z))", latex=r"\sigma(z) = \frac{1}{1 + e^{-z}}",
    doc="The logistic sigmoid 1 / (1 + exp(-z)), computed as (1 + tanh(z/2)) / 2.",
    value=_sigmoid, derivative=_d_sigmoid, gain=1.0, sklearn_init_factor=2.0,
    torch="Sigmoid", onnx="Sigmoid", color="#1f77b4", saturation="saturated",
    tags={"slides"}))

TANH = register(Activation(
    "tanh", ops.tanh, module="Tanh", formula="tanh(z)", latex=r"\tanh(z)",
    doc="The hyperbolic tangent.", value=np.tanh, derivative=lambda z: 1 - np.tanh(z) ** 2,
    gain=5.0 / 3, torch="Tanh", onnx="Tanh", color="#ff7f0e", saturation="saturated",
    tags={"slides"}))

RELU = register(Activation(
    "relu", ops.relu, module="ReLU", formula="max(0, z)", latex=r"\max(0, z)",
    doc="The rectified linear unit max(0, z) (its derivative at 0 is taken as 0).",
    value=lambda z: np.maximum(z, 0), derivative=lambda z: (z > 0).astype(float),
    gain=math.sqrt(2.0), torch="ReLU", onnx="Relu", color="#2ca02c", saturation="dead",
    tags={"slides"}))

LEAKY_RELU = register(Activation(
    "leaky_relu", ops.leaky_relu, module="LeakyReLU", options={"negative_slope": 0.01},
    params={"negative_slope": "slope"}, formula="z if z > 0 else negative_slope * z",
    latex=r"\max(z, \alpha z)", doc="z for z > 0, negative_slope * z otherwise.",
    value=lambda z, negative_slope=0.01: np.where(z > 0, z, negative_slope * z),
    derivative=lambda z, negative_slope=0.01: np.where(z > 0, 1.0, negative_slope),
    gain=lambda o: math.sqrt(2.0 / (1 + o["negative_slope"] ** 2)),
    torch="LeakyReLU", torch_options={"negative_slope": "negative_slope"},
    onnx="LeakyRelu", onnx_options={"negative_slope": "alpha"}, color="#17becf"))

IDENTITY = register(Activation(
    "identity", ops.identity, module="Identity", aliases=("linear",), formula="z",
    latex="z", doc="g(z) = z: a network of identity units is one linear map.",
    value=lambda z: np.asarray(z, dtype=float), derivative=lambda z: np.ones_like(z, float),
    gain=1.0, torch="Identity", onnx="Identity", color="#7f7f7f"))

SOFTPLUS = register(Activation(
    "softplus", ops.softplus, module="Softplus", formula="log(1 + exp(z))",
    latex=r"\log(1 + e^z)", doc="log(1 + exp(z)), a smooth ReLU; its derivative is the sigmoid.",
    value=lambda z: np.logaddexp(0, z), derivative=_sigmoid,
    torch="Softplus", torch_fixed={"beta": 1}, onnx=_onnx_softplus, color="#9467bd",
    saturation="saturated"))

GELU = register(Activation(
    "gelu", ops.gelu, module="GELU", formula="0.5 z (1 + tanh(c (z + 0.044715 z^3)))",
    latex=r"\tfrac12 z\,(1 + \tanh(c(z + 0.044715 z^3)))",
    doc='GELU in its tanh form (torch.nn.functional.gelu(x, approximate="tanh")).',
    value=_gelu, derivative=_d_gelu, torch="GELU", torch_fixed={"approximate": "tanh"},
    onnx=_onnx_gelu, color="#8c564b"))

STEP = register(Activation(
    "step", dict(ops.STEP_DERIVATIVES), module="Step", options={"derivative": "zero"},
    policy="derivative", formula="1 if z >= 0 else 0", latex=r"\mathbb{1}\{z \ge 0\}",
    doc="The Heaviside step 1{z >= 0}, step(0) = 1 as on the recitation's slides. "
        "``derivative`` chooses what backprop uses: 'zero' (the true derivative, so a step "
        "network gets no gradient at all), 'straight_through' or 'sigmoid' (surrogates).",
    value=lambda z, derivative="zero": (z >= 0).astype(float),
    derivative=lambda z, derivative="zero": _STEP_DERIVATIVES[derivative](z),
    torch_forward=_torch_step, onnx=_onnx_step, color="#d62728", trainable=False))

SOFTMAX = register(Activation(
    "softmax", ops.softmax, module="Softmax", options={"axis": -1},
    option_aliases={"dim": "axis"}, formula="exp(z_i) / sum_j exp(z_j)",
    latex=r"\frac{e^{z_i}}{\sum_j e^{z_j}}", doc="Softmax along ``axis`` (torch's ``dim``).",
    value=_softmax, backward=_softmax_backward, torch="Softmax", torch_options={"axis": "dim"},
    onnx="Softmax", onnx_options={"axis": "axis"}, color="#e377c2", hidden=False))

#: The hidden activation used unless one is chosen (MLP, the CLI, the estimators).
DEFAULT = RELU.name


def signature_of(act: Activation) -> _signature.Signature:
    """``(x, *, option=default, ...)``: the functional form's signature, for help()."""
    kinds = _signature.Parameter
    params = [kinds("x", kinds.POSITIONAL_OR_KEYWORD)]
    params += [kinds(k, kinds.POSITIONAL_OR_KEYWORD, default=v) for k, v in act.options.items()]
    return _signature.Signature(params)
