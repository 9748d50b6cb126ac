"""Activation choice, measured: vanishing gradients, dead and saturated units, speed.

``activation_study`` builds one MLP per (activation, depth) with the same data, width and seed,
and records the norm of every layer's weight gradient at initialisation and during training,
the fraction of inactive hidden units (dead ReLUs, saturated sigmoid/tanh units; see
``probes``), the loss at every step and the time per step. ``activation_cost`` times each
activation's forward and backward pass on a large array (the slide's "computationally cheap").
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from chainrule import activations as registry
from chainrule import functional as F
from chainrule import nn
from chainrule.errors import ConfigError
from chainrule.tensor import Tensor
from chainrule.theory import probes
from chainrule.training.callbacks import Callback
from chainrule.validation import choice, int_list, positive_int

#: The study's default: the slides' sigmoid, tanh and ReLU. Any hidden activation that
#: gradient descent can train may be chosen.
STUDY_ACTIVATIONS = registry.names(tag="slides")
STUDY_CHOICES = registry.names(hidden=True, trainable=True)

#: init name -> what each Linear weight is drawn from (biases start at zero unless "default").
INITS = ("recommended", "default", "xavier", "he")


@dataclass
class DepthRun:
    """One network of the study: what its gradients and units did."""

    activation: str
    depth: int  # hidden layers; the network has depth + 1 Linear layers
    grad_norms_init: np.ndarray  # per Linear layer, input side first, at initialisation
    checkpoints: list  # the steps at which grad_norms / inactive rows were recorded
    grad_norms: np.ndarray  # (len(checkpoints), depth + 1)
    inactive: np.ndarray  # (len(checkpoints) + 1, depth): at init, then at each checkpoint
    losses: list = field(repr=False)
    seconds_per_step: float
    accuracy: float | None

    @property
    def inactive_init(self) -> np.ndarray:
        return self.inactive[0]

    @property
    def inactive_final(self) -> np.ndarray:
        return self.inactive[-1]


@dataclass
class ActivationStudy:
    dataset: str
    width: int
    steps: int
    init: str
    runs: list
    cost: dict  # activation -> (forward seconds, backward seconds) on a large array

    def run(self, activation: str, depth: int) -> DepthRun:
        for r in self.runs:
            if r.activation == activation and r.depth == depth:
                return r
        raise ConfigError(f"the study has no run for activation {activation!r} at depth {depth}")

    @property
    def activations(self) -> list:
        return list(dict.fromkeys(r.activation for r in self.runs))

    @property
    def depths(self) -> list:
        return sorted({r.depth for r in self.runs})

    def rows(self) -> list:
        """One summary row per run (the table the CLI prints)."""
        return [(r.activation, r.depth, float(r.grad_norms_init[0]), float(r.grad_norms_init[-1]),
                 float(np.mean(r.inactive_init)), float(np.mean(r.inactive_final)),
                 r.losses[0], r.losses[-1], r.accuracy, r.seconds_per_step * 1e3)
                for r in self.runs]

    HEADER = ("activation", "depth", "|dW first| init", "|dW last| init", "inactive init",
              "inactive end", "loss start", "loss end", "accuracy", "ms/step")

    def __str__(self):
        head = (f"{'activation':<10} {'depth':>5} {'|dW1| init':>11} {'|dWL| init':>11} "
                f"{'inactive':>9} {'->':>2} {'end':>5} {'loss':>7} {'->':>2} {'end':>7} "
                f"{'acc':>5} {'ms/step':>8}")
        lines = [f"{self.dataset}: width {self.width}, {self.steps} steps, init {self.init}",
                 head]
        for a, d, g1, gl, i0, i1, l0, l1, acc, ms in self.rows():
            acc_text = f"{acc:5.2f}" if acc is not None else "    -"
            lines.append(f"{a:<10} {d:>5} {g1:>11.3g} {gl:>11.3g} {i0:>9.2f} {'':>2} {i1:>5.2f} "
                         f"{l0:>7.3f} {'':>2} {l1:>7.3f} {acc_text} {ms:>8.2f}")
        return "\n".join(lines)


def _data(dataset):
    """(X standardised float32, y, task, name) from a name, a Dataset or an (X, y) pair."""
    from chainrule.data import Dataset, load_dataset

    if isinstance(dataset, str):
        ds = load_dataset(dataset)
        X, y, task, name = ds.X, ds.y, ds.task, ds.name
    elif isinstance(dataset, Dataset):
        X, y, task, name = dataset.X, dataset.y, dataset.task, dataset.name
    elif isinstance(dataset, (tuple, list)) and len(dataset) == 2:
        X, y = (np.asarray(a) for a in dataset)
        task = "classification" if y.dtype.kind in "iub" else "regression"
        name = "data"
    else:
        raise ConfigError("dataset must be a data set name, a chainrule.data.Dataset or an "
                          f"(X, y) pair, found {type(dataset).__name__}")
    X = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    X = (X - X.mean(axis=0)) / np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
    if task == "regression":
        y = np.asarray(y, dtype=np.float32).reshape(len(X), -1)
    return X.astype(np.float32), y, task, name


def build_network(in_features, out_features, depth, width, activation, init="recommended",
                  seed=0) -> nn.MLP:
    """An MLP with ``depth`` hidden layers of ``width`` units, initialised as ``init`` says.

    "recommended" is He for ReLU and Xavier for sigmoid/tanh (each activation's usual pairing,
    so that what remains is the activation's own doing); "default" is nn.Linear's own.
    """
    if init not in INITS:
        raise ConfigError(f"unknown init {init!r}; choose one of {', '.join(INITS)}")
    rng = np.random.default_rng(seed)
    model = nn.MLP([in_features] + [width] * depth + [out_features], activation=activation,
                   seed=rng)
    if init == "default":
        return model
    relu = registry.get(activation) is registry.RELU
    rule = init if init != "recommended" else ("he" if relu else "xavier")
    for lin in model.linears:
        if rule == "he":
            nn.init.kaiming_normal_(lin.weight, nonlinearity=registry.RELU.name, rng=rng)
        else:
            nn.init.xavier_normal_(lin.weight, rng=rng)
        nn.init.zeros_(lin.bias)
    return model


def activation_study(dataset="spirals", depths=(2, 4, 8, 16), activations=STUDY_ACTIVATIONS,
                     width: int = 32, steps: int = 200, lr: float = 0.02,
                     init: str = "recommended", record_every: int | None = None,
                     seed: int = 0) -> ActivationStudy:
    """Train one MLP per (activation, depth) full batch with SGD + momentum and record:
    per-layer gradient norms (at init and every ``record_every`` steps), inactive units,
    the loss at every step, the median time per step (the median shrugs off a busy machine)
    and the final training accuracy.

    SGD, not Adam: Adam rescales each weight's step by its own gradient size, which hides the
    very vanishing this study is about.
    """
    depths = int_list(depths, "depths")
    activations = [choice(a, STUDY_CHOICES, "activations entry") for a in activations]
    if not activations:
        raise ConfigError(f"activations must be chosen from {', '.join(STUDY_CHOICES)}, "
                          "found none")
    width, steps = positive_int(width, "width"), positive_int(steps, "steps")
    X, y, task, name = _data(dataset)
    n_out = int(y.max()) + 1 if task == "classification" else y.shape[1]
    every = record_every or max(1, steps // 20)
    runs = [_one_run(X, y, task, n_out, a, d, width, steps, lr, init, every, seed)
            for a in activations for d in depths]
    return ActivationStudy(name, width, steps, init, runs, activation_cost(activations))


def _one_run(X, y, task, n_out, activation, depth, width, steps, lr, init, every, seed):
    from chainrule import optim
    from chainrule.training.batches import Batches
    from chainrule.training.fit import Trainer

    model = build_network(X.shape[1], n_out, depth, width, activation, init, seed)
    probe = _Probe(X, every, steps)
    opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    # check_finite=False: a run that blows up is a result of the study, recorded as NaN.
    loss = "cross_entropy" if task == "classification" else "mse"
    trainer = Trainer(model, loss=loss, optimizer=opt, callbacks=[probe], lean=True,
                      check_finite=False)
    trainer.fit_batches(Batches(X, y, len(X)), epochs=steps)
    accuracy = None
    if task == "classification":
        from chainrule.autograd import no_grad

        with no_grad():
            accuracy = float(np.mean(np.argmax(model(Tensor(X)).data, axis=1) == y))
    return DepthRun(activation, depth, probe.init_norms, probe.checkpoints,
                    np.array(probe.norms), np.array(probe.inactive), probe.losses,
                    float(np.median(probe.times)), accuracy)


class _Probe(Callback):
    """Per step (one full-batch epoch): the loss, the time of the step without the probing,
    the gradient norms (after backward) and the inactive units (after the update) at the
    checkpoints."""

    def __init__(self, X, every, steps):
        self.X, self.every, self.steps = X, every, steps
        self.init_norms, self.checkpoints, self.norms = None, [], []
        self.losses, self.times, self.inactive = [], [], []

    def _checkpoint(self, step) -> bool:
        return step % self.every == 0 or step == self.steps - 1

    def on_train_begin(self, trainer):
        self.inactive.append(probes.inactive_by_layer(trainer.model, self.X))

    def on_epoch_begin(self, trainer):
        self.start = time.perf_counter()

    def on_after_backward(self, trainer):
        self.elapsed = time.perf_counter() - self.start
        g = probes.grad_norms(trainer.model)  # measured outside the timed part
        if self.init_norms is None:
            self.init_norms = g
        if self._checkpoint(trainer.step):
            self.checkpoints.append(trainer.step)
            self.norms.append(g)
        self.start = time.perf_counter()

    def on_batch_end(self, trainer):
        self.times.append(self.elapsed + time.perf_counter() - self.start)
        self.losses.append(trainer.loss_value)
        if self._checkpoint(trainer.step - 1):
            self.inactive.append(probes.inactive_by_layer(trainer.model, self.X))


def activation_cost(activations=STUDY_ACTIVATIONS, size: int = 1_000_000,
                    repeats: int = 5) -> dict:
    """Median seconds of one forward and one backward pass of each activation on ``size``
    float32 numbers: name -> (forward, backward)."""
    z = np.random.default_rng(0).normal(size=size).astype(np.float32)
    out = {}
    for name in activations:
        fn = F.activation(name)
        fwd, bwd = [], []
        for _ in range(repeats):
            x = Tensor(z, requires_grad=True)
            t0 = time.perf_counter()
            y = fn(x)
            t1 = time.perf_counter()
            y.backward(np.ones_like(z))
            t2 = time.perf_counter()
            fwd.append(t1 - t0)
            bwd.append(t2 - t1)
        out[name] = (float(np.median(fwd)), float(np.median(bwd)))
    return out
