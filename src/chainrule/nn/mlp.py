"""MLP: the multilayer perceptron of the slides, Linear -> activation -> ... -> Linear."""

from __future__ import annotations

import numpy as np

from chainrule import activations, validation
from chainrule.errors import ConfigError
from chainrule.nn.activations import activation_module
from chainrule.nn.config import dtype_name, from_config, parse_dtype, register
from chainrule.nn.containers import Sequential
from chainrule.nn.dropout import Dropout
from chainrule.nn.linear import Linear
from chainrule.nn.module import Module
from chainrule.nn.standardize import Standardize, attach, input_standardize


def _spec_config(spec):
    """What get_config records for an activation spec: its name, or the module's config."""
    if spec is None or isinstance(spec, str):
        # The canonical name: "logistic" is recorded as "sigmoid".
        return None if spec is None else activations.get(spec).name
    if isinstance(spec, dict):
        return spec
    return activation_module(spec).get_config()


def _fresh(spec):
    """A new activation module per layer (a shared instance is copied through its config)."""
    if isinstance(spec, Module):
        try:
            return from_config(spec.get_config())
        except ConfigError:
            return spec  # a custom module without a config: share it (activations are stateless)
    return activation_module(spec)


@register
class MLP(Module):
    """``MLP(sizes, activation="relu", output_activation=None, dropout=0.0, bias=True,
    seed=None, dtype=float32, standardize=False)``.

    ``MLP([64, 128, 10])`` is Linear(64, 128) -> ReLU -> Linear(128, 10), returning logits.
    ``activation`` is one name/module/config for every hidden layer, or a list of
    ``len(sizes) - 2`` of them. One Generator from ``seed`` draws the layers in order (dropout
    masks get generators spawned after the weights, so dropout never changes the weights).
    The forward pass names the outputs z1, h1, ..., z{L} (and y_hat after an output activation).
    ``standardize=True`` starts ``layers`` with an ``nn.Standardize`` named "standardize"
    (identity until fitted; ``fit(..., standardize=True)`` adds and fits one).
    """

    def __init__(self, sizes, activation=activations.DEFAULT, output_activation=None,
                 dropout: float = 0.0, bias: bool = True, seed=None, dtype=np.float32,
                 standardize: bool = False):
        super().__init__()
        sizes = self.sizes = validation.int_list(
            sizes, "MLP sizes", min_length=2,
            expected="a list of at least two positive integers (input, hidden..., output)")
        n_hidden = len(sizes) - 2
        if isinstance(activation, (list, tuple)):
            if len(activation) != n_hidden:
                raise ConfigError(
                    f"MLP got {len(activation)} activations for {n_hidden} hidden layers; give "
                    f"one per hidden layer (len(sizes) - 2 = {n_hidden}) or a single one"
                )
            specs = list(activation)
        else:
            specs = [activation] * n_hidden
        dropout = validation.probability(dropout, "MLP dropout", high_open=True)
        dtype = parse_dtype(dtype)

        rng = validation.generator(seed, "seed")
        linears = [Linear(sizes[i], sizes[i + 1], bias=bias, seed=rng, dtype=dtype)
                   for i in range(len(sizes) - 1)]
        drops = ([Dropout(dropout, seed=g) for g in rng.spawn(n_hidden)]
                 if dropout > 0 and n_hidden else [])
        layers = []
        for i, lin in enumerate(linears):
            layers.append(lin)
            if i < n_hidden:
                layers.append(_fresh(specs[i]))
                if drops:
                    layers.append(drops[i])
        if output_activation is not None:
            layers.append(_fresh(output_activation))

        self._activation = (
            [_spec_config(s) for s in specs] if isinstance(activation, (list, tuple))
            else _spec_config(activation)
        )
        self._output_activation = _spec_config(output_activation)
        self.dropout = dropout
        self.layers = Sequential(*layers)
        if standardize:
            attach(self, Standardize(self.sizes[0], dtype=dtype))

    def forward(self, x):
        return self.layers(x)

    @property
    def linears(self) -> list:
        """The Linear layers, in order."""
        return [m for m in self.layers if isinstance(m, Linear)]

    @property
    def in_features(self) -> int:
        return self.sizes[0]

    @property
    def out_features(self) -> int:
        return self.sizes[-1]

    def get_config(self) -> dict:
        first = self.linears[0]
        config = {"type": "MLP", "sizes": list(self.sizes), "activation": self._activation,
                  "output_activation": self._output_activation, "dropout": self.dropout,
                  "bias": first.bias is not None, "dtype": dtype_name(first.weight.dtype)}
        if input_standardize(self) is not None:
            config["standardize"] = True  # its statistics are buffers in the state dict
        return config
