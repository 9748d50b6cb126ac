"""The training loop: ``fit(model, train, ...)`` and the ``Trainer`` it runs.

Per batch, exactly: forward -> loss -> backward -> penalty -> ``on_after_backward`` -> step ->
zero_grad. Batches are arrays of the model's dtype (float32), converted once and wrapped
without a copy; metrics are read off the outputs the forward pass already computed; there
is no per-sample Python. Epoch k's batch order is a function of (seed, k) alone, so a run
resumed from a checkpoint continues with the same batches, and ends with the same weights,
bit for bit, as an uninterrupted one.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np

from chainrule.autograd import no_grad
from chainrule.errors import ConfigError, DataError, TrainingDivergedError
from chainrule.tensor import Tensor
from chainrule.training.callbacks import Callback
from chainrule.training.history import History
from chainrule.training.losses import infer_task, prepare_targets, resolve_loss
from chainrule.training.metrics import make_trackers
from chainrule.training.predict import input_dtype, model_dtype, outputs
from chainrule.validation import integer, positive_float

OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop")
_DEFAULT_LR = 1e-3


def fit(model, train, loss="cross_entropy", optimizer="adam", lr=None, epochs=10, batch_size=32,
        validation=None, metrics="auto", callbacks=(), seed=0, quiet=False, shuffle=True,
        standardize=False, resume=None) -> History:
    """Train ``model`` on ``train`` and return its ``History``.

    ``train``/``validation``: ``(X, y)`` arrays, an ``ArrayDataset``, a data-set record from
    ``chainrule.data`` or a ``DataLoader``. ``loss``: "cross_entropy" (integer labels),
    "mse", "bce" (one logit), a loss module or ``fn(outputs, targets) -> Tensor``.
    ``optimizer``: "adam", "adamw", "sgd", "rmsprop" (with ``lr``, default 1e-3) or an
    optimizer instance. ``metrics``: "auto" (accuracy for classes, r2 for regression) or
    names ("accuracy", "mse", "mae", "r2") and functions. ``seed`` fixes the batch order.
    ``standardize=True`` puts an ``nn.Standardize`` fitted on ``train`` (only) first in the
    model (an MLP or a Sequential), so ``model(X)``, ``predict`` and model files take raw data.
    The task and, from a data-set record, its classes, feature names and name go into the
    model's training record, ``model.info``.
    ``resume``: a checkpoint written by ``ModelCheckpoint``; training continues after its
    epoch up to ``epochs`` in total. A NaN/inf loss raises ``TrainingDivergedError``.
    """
    trainer = Trainer(model, loss=loss, optimizer=optimizer, lr=lr, metrics=metrics,
                      callbacks=callbacks, quiet=quiet)
    return trainer.fit(train, epochs=epochs, batch_size=batch_size, validation=validation,
                       seed=seed, shuffle=shuffle, standardize=standardize, resume=resume)


def make_optimizer(name, model, lr=None):
    """An optimizer instance from a name ("adam", "sgd", ...) over ``model.parameters()``."""
    from chainrule import optim

    if not isinstance(name, str):
        if lr is not None:
            raise ConfigError("lr= applies when optimizer is a name; set the learning rate on "
                              "the optimizer instance instead")
        if not (hasattr(name, "step") and hasattr(name, "zero_grad")):
            raise ConfigError(f"optimizer must be one of {', '.join(OPTIMIZERS)} or an "
                              f"optimizer instance, found {name!r}")
        return name
    classes = {"adam": optim.Adam, "adamw": optim.AdamW, "sgd": optim.SGD,
               "rmsprop": optim.RMSprop}
    cls = classes.get(name.lower())
    if cls is None:
        raise ConfigError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")
    lr = _DEFAULT_LR if lr is None else lr
    lr = positive_float(lr, "lr", expected="a positive number")
    return cls(model.parameters(), lr=lr)


class Trainer:
    """Runs the loop. Callbacks read and steer it through these attributes:

    ``model``, ``optimizer``, ``loss_fn``, ``task``, ``epoch`` (1-based; the epoch running,
    or the last one finished), ``epochs`` (the target), ``batch`` (within the epoch),
    ``step`` (optimizer steps so far), ``history``, ``logs`` (the current epoch's numbers),
    ``stop_training`` (set it to stop after this epoch), ``loss`` (the last batch's loss
    Tensor), ``loss_value`` (its float, plus the penalty), ``samples_seen`` (this epoch),
    ``metric_names``, ``metadata`` (a JSON-able dict stored in checkpoints, e.g. how to
    rebuild the run).

    ``penalty(batch_size) -> float`` (optional) runs after each backward pass: it adds its
    gradient to the parameters' ``.grad`` and returns its value, which joins the batch's loss
    (scikit-learn's L2 term). ``lean=True`` is for many small runs (the theory studies): no
    metrics, no progress bar, no per-epoch history records (``logs`` still holds the epoch's
    loss). ``check_finite=False`` keeps training through a NaN/inf loss instead of raising
    ``TrainingDivergedError`` (for studies that record divergence).
    """

    def __init__(self, model, loss="cross_entropy", optimizer="adam", lr=None, metrics="auto",
                 callbacks=(), quiet=False, metadata=None, penalty=None, lean=False,
                 check_finite=True):
        if not callable(model) or not hasattr(model, "parameters"):
            raise ConfigError(f"model must be a chainrule.nn Module, found {type(model).__name__}")
        if penalty is not None and not callable(penalty):
            raise ConfigError(f"penalty must be a function penalty(batch_size) -> float, found "
                              f"{penalty!r}")
        self.model = model
        self.loss_fn, self._loss_task = resolve_loss(loss)
        self.optimizer = make_optimizer(optimizer, model, lr)
        self.penalty = penalty
        self.lean = bool(lean)
        self.check_finite = bool(check_finite)
        if self.lean:
            if metrics not in ("auto", None, ()):
                raise ConfigError(f"lean=True trains without metrics, found metrics={metrics!r}")
            metrics, quiet = (), True
        self._metrics_spec = metrics
        callbacks = list(callbacks or ())
        for cb in callbacks:
            if not isinstance(cb, Callback):
                raise ConfigError(f"callbacks must be Callback instances, found {cb!r}")
        if not quiet:
            from chainrule.training.progress import ProgressBar

            if not any(isinstance(cb, ProgressBar) for cb in callbacks):
                callbacks.append(ProgressBar())
        self.callbacks = sorted(callbacks, key=lambda cb: cb.order)  # stable
        self.history = History()
        self.epoch = 0
        self.epochs = 0
        self.step = 0
        self.batch = 0
        self.samples_seen = 0
        self._loss_sum = 0.0
        self.logs = {}
        self.stop_training = False
        self.loss = None
        self.loss_value = math.nan
        self.task = None
        self.trackers = []
        self.loader = None
        self._fit_args = {}
        self.metadata = dict(metadata or {})  # saved in checkpoints (JSON-able)

    # ----- public
    @property
    def metric_names(self) -> list:
        return [t.name for t in self.trackers]

    @property
    def batches_per_epoch(self) -> int:
        return len(self.loader) if self.loader is not None else 0

    def running_logs(self) -> dict:
        """This epoch's numbers so far (for progress displays)."""
        logs = {"loss": self._loss_sum / self.samples_seen if self.samples_seen else math.nan}
        for t in self.trackers:
            logs[t.name] = t.result()
        return logs

    def fit(self, train, epochs=10, batch_size=32, validation=None, seed=0, shuffle=True,
            standardize=False, resume=None) -> History:
        self.epochs = integer(epochs, "epochs", minimum=0)
        self.stop_training = False
        self._prepare(train, validation, batch_size, seed, shuffle, standardize)
        if resume is not None:
            from chainrule.training.checkpoint import load_checkpoint

            self.load_state_dict(load_checkpoint(resume), where=str(resume))
        self._run()
        return self.history

    # ----- data
    def _prepare(self, train, validation, batch_size, seed, shuffle, standardize):
        from chainrule.data import DataLoader, Dataset
        from chainrule.nn.standardize import Standardize, attach

        batch_size = integer(batch_size, "batch_size", minimum=1)
        user_loader = train if isinstance(train, DataLoader) else None
        X, y = _arrays(user_loader.dataset if user_loader else train, "train")
        if y is None:
            raise DataError("training data has no targets y; pass (X, y)")
        # The scaling is a layer of the model (fitted on the training data only), so the model
        # maps raw inputs, in fit as in predict, evaluate and every export.
        if standardize:
            attach(self.model, Standardize.from_data(X, dtype=model_dtype(self.model)))
        self.task = infer_task(self._loss_task, y=y)
        dtype = input_dtype(self.model)  # the model's (float32), or float64 for a Standardize
        X = np.ascontiguousarray(X, dtype=dtype)
        y = prepare_targets(y, self.task, len(X), model_dtype(self.model))
        if user_loader is not None:
            # Same order, batch size and position as the user's loader, over arrays
            # converted once (not once per batch).
            loader = DataLoader((X, y), batch_size=user_loader.batch_size,
                                shuffle=user_loader.shuffle, seed=user_loader.seed,
                                drop_last=user_loader.drop_last)
            loader.set_epoch(user_loader.epoch)
        else:
            loader = DataLoader((X, y), batch_size=batch_size, shuffle=shuffle, seed=seed)
        self.loader = loader
        self.trackers = make_trackers(self._metrics_spec, self.task)
        self.validation = None
        if validation is not None:
            if isinstance(validation, DataLoader):
                validation = validation.dataset
            Xv, yv = _arrays(validation, "validation")
            if yv is None:
                raise DataError("validation data has no targets y; pass (X, y)")
            if Xv.shape[1] != X.shape[1]:
                raise DataError(f"validation X has {Xv.shape[1]} features, train X has "
                                f"{X.shape[1]}; use the same columns")
            self.validation = (np.ascontiguousarray(Xv, dtype=dtype),
                               prepare_targets(yv, self.task, len(Xv), model_dtype(self.model)))
        info = replace(self.model.info, task=self.task)
        if isinstance(train, Dataset):  # what a data-set record says about the data
            info = replace(info, classes=train.classes, feature_names=train.feature_names,
                           dataset=train.name or info.dataset)
        self.model.info = info
        self._eval_batch = max(1024, loader.batch_size)
        self._fit_args = {"epochs": self.epochs, "batch_size": loader.batch_size,
                          "seed": loader.seed, "shuffle": loader.shuffle,
                          "standardize": bool(standardize)}

    # ----- the loop
    def _call(self, hook: str) -> None:
        for cb in self.callbacks:
            getattr(cb, hook)(self)

    def fit_batches(self, batches, epochs=10, task=None) -> History:
        """Train on ready-made batches: ``batches`` is iterated once per epoch and yields
        ``(X, y)`` arrays as the model and the loss take them (see ``Batches``, which orders
        the samples with a function of the caller's). ``epochs`` counts as in ``fit`` (the
        total this trainer reaches); ``task`` ("classification", "regression", "binary") is
        the loss's own when None. No conversion, standardizing or validation happens here.
        """
        self.epochs = integer(epochs, "epochs", minimum=0)
        self.stop_training = False
        self.task = task or self._loss_task
        spec = self._metrics_spec
        self.trackers = [] if self.task is None and spec in ("auto", None) \
            else make_trackers(spec, self.task)
        self.loader = batches
        self.validation = None
        self._fit_args = {"epochs": self.epochs}
        self._run()
        return self.history

    def _run(self) -> None:
        model, opt, loss_fn, loader = self.model, self.optimizer, self.loss_fn, self.loader
        trackers, callbacks, penalty = self.trackers, self.callbacks, self.penalty
        check_finite = self.check_finite
        # Per-batch and per-epoch hooks: only the callbacks that define them cost a call (a
        # full-batch theory run has thousands of one-batch epochs).
        after_backward = _hooks(callbacks, "on_after_backward")
        batch_end = _hooks(callbacks, "on_batch_end")
        epoch_begin = _hooks(callbacks, "on_epoch_begin")
        self._epoch_end_hooks = _hooks(callbacks, "on_epoch_end")
        set_epoch = getattr(loader, "set_epoch", None)
        wrap = Tensor._wrap
        checked_shapes = False
        # A NaN or inf is reported by _diverged with the epoch and what to do; NumPy's
        # overflow warnings on the way there would only bury that message.
        errstate = np.errstate(over="ignore", invalid="ignore", divide="ignore")
        errstate.__enter__()
        try:
            self._call("on_train_begin")
            opt.zero_grad()
            model.train()
            while self.epoch < self.epochs and not self.stop_training:
                self.epoch += 1
                self.batch = self.samples_seen = 0
                self._loss_sum = 0.0
                for t in trackers:
                    t.reset()
                # Back to training mode only if a callback left the model in eval: walking
                # every module each epoch would cost more than a small network's step.
                if not getattr(model, "training", False):
                    model.train()
                for hook in epoch_begin:
                    hook(self)
                t0 = time.perf_counter()
                if set_epoch is not None:
                    set_epoch(self.epoch - 1)  # epoch k's order depends on (seed, k) only
                # One step: forward -> loss -> backward -> penalty -> hooks -> step -> zero_grad.
                for xb, yb in loader:
                    out = model(wrap(xb))
                    if not checked_shapes:
                        self._check_first_batch(out, yb)
                        checked_shapes = True
                    loss = loss_fn(out, yb)
                    value = float(loss.data)
                    self.loss = loss
                    loss.backward()
                    n = len(xb)
                    if penalty is not None:
                        value += penalty(n)
                    if check_finite and not math.isfinite(value):
                        self._diverged(value)
                    self.loss_value = value
                    for hook in after_backward:
                        hook(self)
                    opt.step()
                    opt.zero_grad()
                    self._loss_sum += value * n
                    self.samples_seen += n
                    for t in trackers:
                        t.update(out.data, yb)
                    self.step += 1
                    self.batch += 1
                    for hook in batch_end:
                        hook(self)
                self._end_epoch(t0)
            self._call("on_train_end")
        finally:
            errstate.__exit__(None, None, None)
            for cb in callbacks:
                close = getattr(cb, "close", None)
                if close is not None:
                    close()

    def _check_first_batch(self, out, yb) -> None:
        """Catch silent broadcasting: regression outputs and targets must have one shape."""
        if self.task is None:  # a loss function of the caller's: it knows its targets
            return
        if self.task in ("regression", "binary"):
            if out.shape != yb.shape:
                raise DataError(
                    f"the model outputs shape {out.shape[1:]} per sample but the targets have "
                    f"shape {yb.shape[1:]}; make the last layer's size match the targets"
                )
        elif out.ndim != 2:
            raise DataError(f"a classifier must output (batch, classes) logits, found shape "
                            f"{out.shape}")
        elif yb.ndim == 1 and len(yb) and int(yb.max()) >= out.shape[1]:
            raise DataError(
                f"the model outputs {out.shape[1]} classes but the targets contain label "
                f"{int(yb.max())}; make the last layer's size the number of classes"
            )

    def _end_epoch(self, t0: float) -> None:
        logs = {"epoch": self.epoch, "loss": self._loss_sum / max(self.samples_seen, 1)}
        if self.lean:  # no metrics, timing or history record: the epoch's loss is the news
            self.logs = logs
            for hook in self._epoch_end_hooks:
                hook(self)
            return
        for t in self.trackers:
            logs[t.name] = t.result()
        train_seconds = time.perf_counter() - t0
        if self.validation is not None:
            logs.update(self._validate())
        logs["seconds"] = time.perf_counter() - t0
        logs["samples_per_second"] = self.samples_seen / train_seconds if train_seconds else 0.0
        groups = getattr(self.optimizer, "param_groups", None)
        if groups:
            logs["lr"] = float(groups[0]["lr"])
        self.logs = logs
        self.history.append(logs)
        for hook in self._epoch_end_hooks:
            hook(self)

    def _validate(self) -> dict:
        X, y = self.validation
        out = outputs(self.model, X, self._eval_batch, prepared=True)
        with no_grad():
            value = float(self.loss_fn(Tensor._wrap(out), y).data)
        logs = {"val_loss": value}
        for t in self.trackers:
            t.reset()  # the training numbers are already in the logs
            t.update(out, y)
            logs[f"val_{t.name}"] = t.result()
        return logs

    def _diverged(self, value: float) -> None:
        lr = None
        groups = getattr(self.optimizer, "param_groups", None)
        if groups:
            lr = groups[0].get("lr")
        hint = (f"lower the learning rate (lr={lr:g} now; try lr={lr / 10:g})" if lr
                else "lower the learning rate")
        saved = [cb.last_saved_epoch for cb in self.callbacks
                 if getattr(cb, "last_saved_epoch", None) is not None]
        kept = f"; the checkpoint of epoch {max(saved)} is intact" if saved else ""
        err = TrainingDivergedError(
            f"training diverged at epoch {self.epoch} (batch {self.batch + 1}): the loss "
            f"became {value}; {hint}, or standardize the inputs{kept}"
        )
        err.epoch, err.batch, err.loss = self.epoch, self.batch + 1, value
        err.history = self.history
        raise err

    # ----- state (checkpoints)
    def state_dict(self) -> dict:
        """Everything a resumed run needs, as JSON-able values and NumPy arrays."""
        model = self.model
        state = {
            "epoch": self.epoch, "step": self.step, "stop_training": self.stop_training,
            "model": dict(model.state_dict()),  # parameters and buffers (a Standardize's)
            "optimizer": self.optimizer.state_dict(),
            "optimizer_class": type(self.optimizer).__name__,
            "history": self.history.to_dict(),
            "loader": self.loader.state_dict() if hasattr(self.loader, "state_dict") else None,
            "generators": _generator_states(model),
            "callbacks": [{"class": type(cb).__name__, "state": cb.state_dict()}
                          for cb in self.callbacks],
            "info": model.info.to_dict(),  # the training record, task included
            "fit": self._fit_args,
            "metadata": self.metadata,
        }
        try:
            state["config"] = model.get_config()
        except Exception:  # a custom model without a config can still be resumed in-process
            pass
        return state

    def load_state_dict(self, state: dict, where: str = "checkpoint") -> None:
        """Restore a ``state_dict()``; the model and optimizer must match the saved ones."""
        from chainrule.errors import ModelFileError
        from chainrule.io.model_file import check_state
        from chainrule.training.checkpoint import model_state, training_info

        try:
            tensors = model_state(self.model, state, where)
            check_state(self.model, tensors, where)
            if state["optimizer_class"] != type(self.optimizer).__name__:
                raise ModelFileError(
                    f"{where}: the checkpoint was trained with {state['optimizer_class']}, "
                    f"this run uses {type(self.optimizer).__name__}; resume with the same "
                    "optimizer"
                )
            info = training_info(state, where)
            self.model.load_state_dict(tensors)
            self.model.info = info
            self.optimizer.load_state_dict(state["optimizer"])
            self.history = History.from_dict(state["history"])
            self.epoch, self.step = int(state["epoch"]), int(state["step"])
            self.stop_training = bool(state["stop_training"])
            if state.get("loader") and hasattr(self.loader, "load_state_dict"):
                self.loader.load_state_dict(state["loader"])
            _set_generator_states(self.model, state["generators"])
            saved = list(state["callbacks"])
            for cb in self.callbacks:
                for i, entry in enumerate(saved):
                    if entry["class"] == type(cb).__name__:
                        cb.load_state_dict(entry["state"])
                        del saved[i]
                        break
        except (KeyError, TypeError) as exc:
            raise ModelFileError(f"{where}: incomplete training checkpoint ({exc})") from exc
        self.metadata = {**(state.get("metadata") or {}), **self.metadata}

    def save_checkpoint(self, path):
        """Write ``state_dict()`` to ``path`` atomically (see ``ModelCheckpoint``)."""
        from chainrule.training.checkpoint import save_checkpoint

        return save_checkpoint(path, self.state_dict())


def _hooks(callbacks, hook: str) -> list:
    """The bound ``hook`` of every callback that defines it, in the callbacks' order."""
    return [getattr(cb, hook) for cb in callbacks if _overrides(cb, hook)]


def _overrides(cb, hook: str) -> bool:
    """Does ``cb`` define ``hook`` (in its class or as an attribute), not just inherit it?"""
    method = getattr(cb, hook)
    return getattr(method, "__func__", None) is not getattr(Callback, hook)


def _arrays(data, what: str):
    """``(X, y)`` from a tuple, an ArrayDataset or a data-set record."""
    if isinstance(data, (tuple, list)):
        if len(data) != 2:
            raise ConfigError(f"{what} must be a pair (X, y), found {len(data)} items")
        X, y = data
    elif hasattr(data, "X"):
        X, y = data.X, getattr(data, "y", None)
    else:
        raise ConfigError(f"{what} must be (X, y) arrays, an ArrayDataset, a data set or a "
                          f"DataLoader, found {type(data).__name__}")
    X = np.asarray(X)
    if X.ndim != 2:
        raise DataError(f"{what} X must have shape (samples, features), found {X.shape}")
    if X.dtype.kind not in "biuf":
        raise DataError(f"{what} X must hold numbers, found dtype {X.dtype}")
    if not np.all(np.isfinite(X)):
        raise DataError(f"{what} X contains NaN or infinity; clean the data first")
    if y is not None and len(y) != len(X):
        raise DataError(f"{what} has {len(X)} samples but {len(y)} targets")
    return X, y


def _generators(model):
    """``(key, Generator)`` for every NumPy Generator a module holds (e.g. Dropout's)."""
    modules = model.named_modules() if hasattr(model, "named_modules") else [("", model)]
    for name, module in modules:
        for attr, value in vars(module).items():
            if isinstance(value, np.random.Generator):
                yield f"{name}:{attr}", value


def _generator_states(model) -> dict:
    return {key: g.bit_generator.state for key, g in _generators(model)}


def _set_generator_states(model, states: dict) -> None:
    for key, g in _generators(model):
        if key in states:
            g.bit_generator.state = states[key]
