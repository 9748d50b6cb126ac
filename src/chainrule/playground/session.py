"""One playground session: settings -> data, features, model, training steps, frames.

Plain Python, no web code: the server drives one Session per browser tab, a notebook or a
benchmark drives it directly::

    s = Session()                  # TF Playground's default setup
    s.advance(budget=0.016)        # train as many epochs as fit in 16 ms
    header, blocks = s.frame()     # heat maps (uint8), parameters, losses, metrics
    s.explain(0)                   # the chain-rule trace of point 0

Every change is validated (``chainrule.validation``, through ``Settings.merged``) and raises a
``ChainruleError`` that leaves the session as it was.
"""

from __future__ import annotations

import hashlib
import random
import time

import numpy as np

from chainrule import activations, optim
from chainrule import functional as F
from chainrule.errors import ConfigError, DataError
from chainrule.playground import backprop, datasets, features, network, presets, render, userdata
from chainrule.playground.schedule import Schedule
from chainrule.playground.settings import Settings
from chainrule.tensor import Tensor
from chainrule.validation import integer, real

# Which settings rebuild what (the rest only change the view, or the learning rate).
_DATA = {"problem", "dataset", "regDataset", "classes", "noise", "seed", "percTrainData"}
_NETWORK = {"activation", "activations", "derivative", "networkShape", "regularization",
            "regularizationRate", "batchSize", "wseed", "inputs"} | _DATA
# Changes after which a preset's weights no longer describe the setup.
_CLEARS_PRESET = _NETWORK - {"seed", "noise", "percTrainData"}
MAX_WEIGHT = 100.0


def seed_number(text: str) -> int:
    """A URL's seed text as the integer a Generator takes (stable across runs)."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")


def new_seed() -> str:
    return f"{random.random():.5f}"  # TF Playground's form, e.g. 0.41592


class Session:
    def __init__(self, settings: Settings | None = None, *, clock=time.perf_counter):
        self.settings = Settings() if settings is None else settings
        self.clock = clock
        self.diverged = None          # the message once the loss became NaN or inf
        self.steps = 0
        # Points the user made, per problem: (points (n, 2), labels, in_train, class names)
        self._custom = {p: (np.zeros((0, 2)), np.zeros(0), np.zeros(0, bool), None)
                        for p in ("classification", "regression")}
        self._make_data()
        self._make_network()

    # ----------------------------------------------------------------- what the page shows
    @property
    def task(self) -> str:
        return self.settings.problem

    @property
    def one_d(self) -> bool:
        return datasets.is_1d(self.settings.data_name)

    @property
    def class_names(self) -> list:
        names = self._custom[self.task][3] if self.settings.data_name == "custom" else None
        return names or [str(c) for c in range(self.n_classes)]

    @property
    def n_classes(self) -> int:
        return self.settings.n_classes

    def describe(self) -> dict:
        """The setup as the page draws it: settings, network layout, notes."""
        s = self.settings
        keys = s.feature_keys
        out_units = self.n_classes if self.task == "classification" else 1
        preset = presets.get(s.preset) if s.preset else None
        return {
            "settings": s.to_dict(),
            "features": list(keys), "featureLabels": features.labels(keys),
            "layers": list(s.networkShape) + [out_units],
            "activations": list(s.layer_activations),
            "output": (activations.SOFTMAX if self.task == "classification"
                       else activations.IDENTITY).name,
            "task": self.task, "classes": self.class_names, "view": self.view,
            "featureMaps": _feature_maps(),
            "preset": {"name": preset.name, "title": preset.title, "note": preset.note}
            if preset else None,
        }

    @property
    def view(self) -> str:
        return "curve" if self.one_d else "plane"

    def data(self) -> dict:
        """Every point once (the page keeps them): x1, x2, label, and whether it trains."""
        is_train = np.zeros(len(self.points), bool)
        is_train[self.train_idx] = True
        return {"points": np.round(self.points, 4).tolist(),
                "labels": np.round(self.labels, 4).tolist(),
                "train": is_train.astype(int).tolist(), "valueScale": self.value_scale}

    # ----------------------------------------------------------------- changing the setup
    def update(self, changes: dict, errors: list | None = None) -> set:
        """Apply validated settings; return what was rebuilt ({"data", "network"}).

        With an ``errors`` list (settings from a URL), bad values are skipped and their
        messages collected there; otherwise the first one raises and nothing changes."""
        if not isinstance(changes, dict):
            raise ConfigError(f"settings must be an object of key: value, found "
                              f"{type(changes).__name__}")
        name = changes.get("preset")
        if name and name != self.settings.preset:
            self.apply_preset(self.settings.merged({"preset": name}).preset)
            rest = {k: v for k, v in changes.items() if k != "preset"}
            return {"data", "network"} | self.update(rest, errors)
        old, new = self.settings, self.settings.merged(changes, errors)
        before, after = old.to_dict(), new.to_dict()
        changed = {k for k in after if after[k] != before[k]}
        if new.inputs != old.inputs:
            changed.add("inputs")
        if new.preset and changed & _CLEARS_PRESET:
            new = new.merged({"preset": ""})  # the preset's weights belong to its setup
        self.settings = new
        rebuilt = set()
        if changed & _DATA:
            self._make_data()
            rebuilt.add("data")
        elif "inputs" in changed:
            self._make_inputs()
        if changed & _NETWORK or rebuilt:
            self._make_network()
            rebuilt.add("network")
        elif "learningRate" in changed:
            self.optimizer.param_groups[0]["lr"] = new.learningRate
        return rebuilt

    def apply_preset(self, name: str) -> set:
        """A recitation preset: its settings over the defaults, and its weights if it has any."""
        preset = presets.get(name)
        base = Settings(seed=self.settings.seed, wseed=self.settings.wseed)
        self.settings = base.merged({**preset.settings, "preset": preset.name})
        self._make_data()
        self._make_network()
        return {"data", "network"}

    def reset(self) -> None:
        """Back to the same initial weights, epoch 0 (the data stays)."""
        network.restore(self.model, self._initial)
        self._fresh_training()

    def reseed(self) -> set:
        """New random initial weights (a new ``wseed``)."""
        return self.update({"wseed": new_seed()})

    def regenerate(self) -> set:
        """New data from a new seed (TF Playground's Regenerate), then a reset."""
        if self.settings.data_name == "custom":
            raise ConfigError("your own data cannot be regenerated; choose a data set first")
        return self.update({"seed": new_seed()})

    def set_param(self, layer, kind, row, col, value) -> None:
        """Edit one weight (``kind="weight"``, W[row, col]) or bias (b[row]) of a layer."""
        pairs = network.parameters(self.model)
        layer = integer(layer, "layer", minimum=0, maximum=len(pairs) - 1)
        W, b = pairs[layer]
        row = integer(row, "row", minimum=0, maximum=W.shape[0] - 1)
        value = real(value, "value", minimum=-MAX_WEIGHT, maximum=MAX_WEIGHT)
        if kind == "weight":
            W[row, integer(col, "col", minimum=0, maximum=W.shape[1] - 1)] = value
        elif kind == "bias":
            b[row] = value
        else:
            raise ConfigError(f"kind must be 'weight' or 'bias', found {kind!r}")
        self.diverged = None

    # ----------------------------------------------------------------- the user's points
    def add_point(self, x1, x2, label) -> set:
        """Add a training point of class (or value) ``label`` at (x1, x2); training goes on
        with it. Returns what was rebuilt (as ``update``)."""
        x1 = real(x1, "x1", minimum=-datasets.RADIUS, maximum=datasets.RADIUS)
        x2 = real(x2, "x2", minimum=-datasets.RADIUS, maximum=datasets.RADIUS)
        label = self._label(label)
        pts, labels, train, names = self._own_points()
        if len(pts) >= userdata.MAX_POINTS:
            raise DataError(f"the playground holds at most {userdata.MAX_POINTS:,} points")
        self._custom[self.task] = (np.vstack([pts, [[x1, x2]]]), np.append(labels, label),
                                   np.append(train, True), names)
        return self._use_custom()

    def clear_points(self) -> set:
        self._custom[self.task] = (np.zeros((0, 2)), np.zeros(0), np.zeros(0, bool), None)
        return self._use_custom(rebuild=True)

    def set_points(self, rows) -> set:
        """Your own data from a link: rows of [x1, x2, label, 1 if it trains else 0]."""
        if not isinstance(rows, list) or len(rows) > userdata.MAX_LINK_POINTS:
            raise ConfigError(f"points must be a list of at most {userdata.MAX_LINK_POINTS} "
                              "rows [x1, x2, label, train]")
        pts, labels, train = [], [], []
        for i, row in enumerate(rows):
            if not isinstance(row, list) or len(row) != 4:
                raise ConfigError(f"point {i + 1} must be [x1, x2, label, train], found "
                                  f"{str(row)[:40]}")
            pts.append([real(v, f"x{j + 1} of point {i + 1}", minimum=-datasets.RADIUS,
                             maximum=datasets.RADIUS) for j, v in enumerate(row[:2])])
            labels.append(self._label(row[2]))
            train.append(integer(row[3], f"train flag of point {i + 1}", minimum=0,
                                 maximum=1) == 1)
        self._custom[self.task] = (np.array(pts).reshape(-1, 2), np.array(labels),
                                   np.array(train, bool), None)
        return self._use_custom(rebuild=True)

    def _label(self, label):
        if self.task == "classification":
            return integer(label, "class", minimum=0, maximum=self.n_classes - 1)
        return real(label, "value", minimum=-self.value_scale, maximum=self.value_scale)

    def upload(self, name: str, text: str) -> set:
        """Use an uploaded CSV (x1, x2, label) as the data; its label column sets the task."""
        if not isinstance(text, str):
            raise ConfigError(f"an upload's text must be a string, found {type(text).__name__}")
        pts, labels, task, names = userdata.parse_csv(name, text)
        train = np.zeros(len(pts), bool)
        train[datasets.split(len(pts), self.settings.percTrainData,
                             seed_number(self.settings.seed) + 1)[0]] = True
        self._custom[task] = (pts, labels, train, names)
        changes = {"problem": task, "dataset" if task == "classification" else "regDataset":
                   "custom"}
        if names:
            changes["classes"] = len(names)
        self.settings = self.settings.merged({**changes, "preset": ""})
        self._make_data()
        self._make_network()
        return {"data", "network"}

    def _own_points(self):
        """The custom points; clicking on generated data starts from a copy of it."""
        if self.settings.data_name == "custom":
            return self._custom[self.task]
        train = np.zeros(len(self.points), bool)
        train[self.train_idx] = True
        return self.points.copy(), self.labels.copy(), train, None

    def _use_custom(self, rebuild=False) -> set:
        key = "dataset" if self.task == "classification" else "regDataset"
        if getattr(self.settings, key) != "custom":
            self.settings = self.settings.merged({key: "custom", "preset": ""})
        self._make_data()
        if rebuild or self.model.linears[-1].out_features != self._out_units():
            self._make_network()
            return {"data", "network"}
        self.schedule.n = len(self.train_idx)  # training goes on; the next epoch has the point
        return {"data"}

    # ----------------------------------------------------------------- building
    def _out_units(self) -> int:
        return self.n_classes if self.task == "classification" else 1

    def _make_data(self) -> None:
        s = self.settings
        seed = seed_number(s.seed)
        if s.data_name == "custom":
            pts, labels, train, _ = self._custom[s.problem]
            if s.problem == "classification":  # fewer classes chosen: their points go
                keep = labels < self.n_classes
                pts, labels, train = pts[keep], labels[keep], train[keep]
            self.points, self.labels = pts, labels
            self.train_idx, self.test_idx = np.flatnonzero(train), np.flatnonzero(~train)
        else:
            self.points, self.labels = datasets.generate(s.data_name, self.n_classes, s.noise,
                                                         seed)
            self.train_idx, self.test_idx = datasets.split(len(self.points), s.percTrainData,
                                                           seed + 1)
        if self.task == "classification":
            self.labels = self.labels.astype(np.int64)
            self.value_scale = 1.0
        else:
            self.labels = self.labels.astype(np.float64)
            peak = float(np.abs(self.labels).max()) if len(self.labels) else 1.0
            self.value_scale = max(peak, 1.0)
        self._make_inputs()

    def _make_inputs(self) -> None:
        """The network's inputs: features of the view's points, then train, then test."""
        keys = self.settings.feature_keys
        view = render.curve_points() if self.one_d else render.grid_points()
        self._n_view = len(view)
        rows = np.vstack([view, self.points[self.train_idx], self.points[self.test_idx]])
        self._eval_X = features.expand(rows, keys)
        self._X_train = self._eval_X[self._n_view:self._n_view + len(self.train_idx)]
        self._y_train = self.labels[self.train_idx]
        self._y_test = self.labels[self.test_idx]
        if self.task == "regression":
            self._y_train = self._y_train.astype(np.float32).reshape(-1, 1)


    def _make_network(self) -> None:
        s = self.settings
        sizes = [len(s.feature_keys), *s.networkShape, self._out_units()]
        self.model = network.build(sizes, s.layer_activations, s.derivative,
                                   seed_number(s.wseed))
        preset = presets.get(s.preset) if s.preset else None
        if preset and preset.weights:
            network.restore(self.model, preset.arrays())
        self.model.info.task = self.task
        self._initial = network.snapshot(self.model)
        self._fresh_training()

    def _fresh_training(self) -> None:
        s = self.settings
        self.optimizer = optim.SGD(self.model.parameters(), lr=s.learningRate)
        self.schedule = Schedule(len(self.train_idx), s.batchSize, seed_number(s.wseed) + 1,
                                 self.clock)
        self.steps = 0
        self.diverged = None

    # ----------------------------------------------------------------- training
    @property
    def epoch(self) -> int:
        return self.schedule.epoch

    def advance(self, budget: float = 1 / 60) -> int:
        """One frame's training: ``speed`` epochs, or (speed "max") as many whole epochs as
        fit in ``budget`` seconds, or part of one epoch when a whole one does not fit.
        Returns the epochs completed."""
        if len(self.train_idx) == 0 or self.diverged:
            return 0
        before = self.epoch
        if self.settings.speed == "max":
            self._train(self._pairs(self.schedule.within(budget)))
        else:
            self._train(self._pairs(self.schedule.epochs(int(self.settings.speed))))
        return self.epoch - before

    def step_epoch(self) -> None:
        """TF Playground's Step: finish the current epoch (a whole one from a boundary)."""
        if len(self.train_idx) and not self.diverged:
            self._train(self._pairs(self.schedule.epochs(1)))

    def _pairs(self, batches):
        for rows in batches:
            yield self._X_train[rows], self._y_train[rows]

    def _train(self, batches) -> float | None:
        """The one place that trains: forward, loss, backward and an SGD step per batch
        ``(inputs, targets)``. Stops at the first NaN or inf loss and says what to do."""
        # TODO(one loop): hand the batches to chainrule's unified Trainer once it lands.
        s, model, opt = self.settings, self.model, self.optimizer
        weights = [lin.weight for lin in model.linears]
        penalize = s.regularization != "none" and bool(s.regularizationRate)
        value = None
        with np.errstate(all="ignore"):  # a diverging run is caught here, not warned about
            for X, y in batches:
                opt.zero_grad()
                out = model(Tensor(X))
                loss = F.cross_entropy(out, y) if self.task == "classification" else \
                    F.mse_loss(out, y)
                if penalize:  # TF Playground regularizes the weights, not the biases
                    terms = [w.abs().sum() if s.regularization == "L1" else (w * w).sum() * 0.5
                             for w in weights]
                    loss = loss + sum(terms[1:], terms[0]) * s.regularizationRate
                loss.backward()
                opt.step()
                self.steps += 1
                value = float(loss.data)
                if not np.isfinite(value):
                    self._diverge(value)
                    break
        return value

    def _diverge(self, value) -> None:
        rates = [r for r in (10, 3, 1, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001)
                 if r < self.settings.learningRate]
        hint = (f"; lower the learning rate (it is {self.settings.learningRate:g}, try "
                f"{rates[1] if len(rates) > 1 else rates[0]:g})" if rates else "")
        self.diverged = (f"Training diverged at epoch {self.epoch}: the loss became {value}"
                         f"{hint}, then press Reset.")

    # ----------------------------------------------------------------- one example
    def explain(self, index) -> dict:
        """The chain-rule trace of point ``index`` through the current network."""
        index = integer(index, "point", minimum=0, maximum=len(self.points) - 1)
        x = features.expand(self.points[index:index + 1], self.settings.feature_keys)[0]
        target = self.labels[index]
        target = int(target) if self.task == "classification" else float(target)
        out = backprop.explain_point(self.model, x, target, self.task)
        out["point"], out["target"] = index, target
        out["train"] = bool(np.isin(index, self.train_idx))
        return out

    def step_point(self, index) -> dict:
        """One SGD step on point ``index`` alone; the trace after it and what changed."""
        before = self.explain(index)
        saved = network.snapshot(self.model)
        x = features.expand(self.points[index:index + 1], self.settings.feature_keys)
        y = self.labels[index:index + 1]
        self._train([(x, y.astype(np.float32).reshape(1, 1) if self.task == "regression" else y)])
        after = self.explain(index)
        lr = self.settings.learningRate
        changes = []
        for (wn, bn, _, _), (W0, b0), (W, b), (gW, gb) in zip(
                backprop.names(len(saved)), saved, network.parameters(self.model),
                before["grads"]):
            for name, old, new, grad in ((wn, W0, W, gW), (bn, b0, b, gb)):
                changes.append({"name": backprop.sub(name),
                                "delta": np.round(new - old, 6).tolist(),
                                "expected": np.round(-lr * np.asarray(grad), 6).tolist()})
        after["changes"] = {"lossBefore": before["loss"], "lossAfter": after["loss"],
                            "learningRate": lr, "params": changes,
                            "regularized": self.settings.regularization != "none"
                            and bool(self.settings.regularizationRate)}
        return after

    # ----------------------------------------------------------------- frames
    def frame(self, focus=None) -> tuple:
        """``(header, blocks)`` of the current network: see ``render`` and ``frames``."""
        with np.errstate(all="ignore"):  # NaN weights after a divergence: reported, not warned
            return self._frame(focus)

    def _frame(self, focus) -> tuple:
        stages = network.stages(self.model)
        layers = network.forward(self.model, self._eval_X)
        out = layers[-1][1]
        v, n_train = self._n_view, len(self.train_idx)
        train, test = slice(v, v + n_train), slice(v + n_train, None)
        task = self.task
        y_tr, y_te = self.labels[self.train_idx], self._y_test
        if self.diverged is None and not np.all(np.isfinite(out)):
            self._diverge(float("nan"))
        header = {
            "type": "frame", "epoch": self.epoch, "steps": self.steps, "view": self.view,
            "loss": {"train": render.loss(out[train], y_tr, task),
                     "test": render.loss(out[test], y_te, task)},
            "train": render.scores(out[train], y_tr, task, self.n_classes),
            "test": render.scores(out[test], y_te, task, self.n_classes),
            "dead": render.dead_units(stages, layers, train),
            "diverged": self.diverged, "valueScale": self.value_scale,
        }
        if self.view == "plane":
            blocks = render.plane_blocks(layers, task, v, self.value_scale, focus)
        else:
            blocks = render.curve_blocks(layers, v)
        blocks["params"] = network.flat(self.model)
        return header, blocks


_FEATURE_MAPS = None


def _feature_maps() -> dict:
    """Each feature over the view, as a thumbnail (scaled to its largest absolute value)."""
    global _FEATURE_MAPS
    if _FEATURE_MAPS is None:
        from chainrule.playground.frames import signed_bytes

        pts = render.grid_points(render.THUMB)
        _FEATURE_MAPS = {}
        for key in features.KEYS:
            v = features.expand(pts, [key], np.float64)[:, 0]
            _FEATURE_MAPS[key] = signed_bytes(v, float(np.abs(v).max())).tolist()
    return _FEATURE_MAPS
