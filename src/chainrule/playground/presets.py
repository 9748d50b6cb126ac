"""The recitation as setups: each preset is settings plus, where the slide writes the weights
down, those weights (restored by Reset; Re-seed starts from random ones instead)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chainrule import activations
from chainrule.playground.datasets import LINE, STAIRCASE

_ONLY_X1 = {"x": True, "y": False, "xSquared": False, "ySquared": False, "xTimesY": False,
            "sinX": False, "sinY": False}
_X1_X2 = {**_ONLY_X1, "y": True}


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    note: str
    settings: dict
    weights: tuple = ()  # ((W, b), ...) per layer, or () for random ones

    def arrays(self) -> list:
        return [(np.asarray(W, np.float32), np.asarray(b, np.float32)) for W, b in self.weights]


def _staircase():
    breaks, values = (np.asarray(v) for v in STAIRCASE)
    # Unit i fires for x >= break i; its output weight is the jump there (Question 1).
    return ((np.ones((len(breaks), 1)), -breaks), (np.diff(values)[None, :], [values[0]]))


PRESETS = {p.name: p for p in (
    Preset("xor-relu", "XOR with two ReLU units (Question 2)",
           "The slide's weights W₁ = [[1, 1], [−1, −1]], b₁ = 0, w₂ = [1, 1], b₂ = −1: "
           "f(x) = w₂ᵀReLU(W₁x + b₁) + b₂ is exactly 1, −1, −1, 1 on the four points (loss 0). "
           "Press Re-seed for random weights, then Play: often a ReLU dies (see the count "
           "under the layer) and the network cannot solve XOR.",
           {"problem": "regression", "regDataset": "xor4", **_X1_X2, "networkShape": [2],
            "activation": activations.RELU.name, "batchSize": 4, "noise": 0},
           (([[1, 1], [-1, -1]], [0, 0]), ([[1, 1]], [-1]))),
    Preset("step-staircase", "Step units make a staircase (Question 1)",
           "f(x) = w₀ + Σ wᵢ g(x − aᵢ) with the step g(z) = 1{z ≥ 0} is piecewise constant; "
           "these three units represent the staircase exactly. The step's true derivative is "
           "0, so training moves only the output layer: no step network can fit a line. Set "
           "the derivative policy to straight_through to train the hidden layer anyway.",
           {"problem": "regression", "regDataset": "fn-staircase", **_ONLY_X1,
            "networkShape": [3], "activation": activations.STEP.name, "derivative": "zero"},
           _staircase()),
    Preset("identity-line", "Identity units draw a straight line (Question 1)",
           "With g(z) = z, f(x) = w₀ + w₁v₁x + w₁b₁: choose a = w₁v₁, b = w₀ + w₁b₁ and the "
           "network is exactly ax + b. More layers or units stay one linear map; try the "
           "circle data: the boundary stays straight.",
           {"problem": "regression", "regDataset": "fn-line", **_ONLY_X1, "networkShape": [1],
            "activation": activations.IDENTITY.name},
           (([[LINE[0]]], [0]), ([[1]], [LINE[1]]))),
    Preset("universal", "Universal approximation with N units",
           "F̂(x) = Σᵢ wᵢ σ(vᵢx + bᵢ): one hidden layer of N ReLU units fits sin. Change N with "
           "the + and − buttons above the layer, Play, and watch each unit's hinge.",
           {"problem": "regression", "regDataset": "fn-sin", **_ONLY_X1, "networkShape": [4],
            "activation": activations.RELU.name, "learningRate": 0.03, "batchSize": 10}),
    Preset("question3", "The backprop question (Question 3)",
           "h = ReLU(Wx + b₁), ŷ = softmax(Uh + b₂), J = cross-entropy: click any point and "
           "the backprop panel writes the slide's seven gradients for that example; Step "
           "applies one SGD step to it.",
           {"problem": "classification", "dataset": "gauss", "classes": 3, **_X1_X2,
            "networkShape": [4], "activation": activations.RELU.name}),
)}


def names() -> tuple:
    return tuple(PRESETS)


def get(name: str) -> Preset:
    return PRESETS[name]
