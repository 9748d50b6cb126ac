"""What MLPClassifier and MLPRegressor share: the network, the training loop, early stopping.

The settings mean what they mean in ``sklearn.neural_network``: Glorot-uniform initialisation,
``alpha`` as the L2 penalty ``alpha / (2 n_batch) * ||W||^2`` on the weights (not the biases),
``batch_size="auto"`` = min(200, n), stopping when the training loss (or, with early stopping,
the validation score) has not improved by ``tol`` for ``n_iter_no_change`` epochs. The training
loop is chainrule's one loop (``Trainer.fit_batches``), in lean mode: the estimator's Generator
permutes the data once per epoch, the batches are contiguous slices, the L2 term is the loop's
penalty, and scikit-learn's bookkeeping (loss_curve_, the stopping rule, early stopping) runs
in a callback at each epoch's end.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import check_is_fitted, validate_data

from chainrule import activations, nn, optim, validation
from chainrule.autograd import no_grad
from chainrule.errors import ConfigError, TrainingDivergedError
from chainrule.sklearn import _params
from chainrule.tensor import Tensor
from chainrule.training.batches import Batches
from chainrule.training.callbacks import Callback
from chainrule.training.fit import Trainer


class MLPBase(BaseEstimator):
    """Hyperparameters, fitting and prediction shared by the two estimators."""

    _loss_name = ""  # "ce" (classifier) or "squared_error" (regressor)

    def __init__(self, hidden_layer_sizes=(100,), activation=activations.DEFAULT, *,
                 solver="adam", alpha=0.0001, batch_size="auto", learning_rate_init=0.001,
                 max_iter=200,
                 shuffle=True, random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, dtype="float32"):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.dtype = dtype

    # ----- hooks the two estimators fill in
    def _targets(self, y, first: bool, classes=None):
        """Validated y -> (what the loss takes, number of network outputs)."""
        raise NotImplementedError

    def _loss(self, out, target):
        raise NotImplementedError

    def _score_val(self, X, target) -> float:
        """Accuracy or R^2 on the held-out set (targets as ``_targets`` returned them)."""
        raise NotImplementedError

    # ----- sklearn-style views of the network
    @property
    def coefs_(self):
        """Weight matrices as scikit-learn stores them: (fan_in, fan_out) per layer."""
        check_is_fitted(self, "model_")
        return [lin.weight.data.T for lin in self.model_.linears]

    @property
    def intercepts_(self):
        check_is_fitted(self, "model_")
        return [lin.bias.data for lin in self.model_.linears]

    # ----- building
    def _build(self, n_in: int, n_out: int) -> None:
        sizes = [n_in, *_params.hidden_sizes(self), n_out]
        act = _params.activation_name(self)
        model = nn.MLP(sizes, activation=act, seed=0, dtype=self._dtype)
        # Glorot uniform for weights and biases, as scikit-learn draws them (factor 2 for the
        # logistic, its registry entry says), so the same sizes and learning rate behave alike.
        factor = activations.get(act).sklearn_init_factor
        for lin in model.linears:
            bound = np.sqrt(factor / (lin.in_features + lin.out_features))
            w = self._rng.uniform(-bound, bound, (lin.in_features, lin.out_features))
            lin.weight.data[...] = w.T
            lin.bias.data[...] = self._rng.uniform(-bound, bound, lin.out_features)
        self.model_ = model
        self.n_layers_ = len(sizes)
        self.n_outputs_ = n_out
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
        self._no_improvement_count = 0
        if self.early_stopping:
            self.validation_scores_ = []
            self.best_validation_score_ = -np.inf
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = np.inf
        self._best_state = None

    def _make_optimizer(self):
        # The optimizer's flat path updates every weight and bias with a few ufunc calls.
        params = self.model_.parameters()
        if self.solver == "adam":
            return optim.Adam(params, lr=self.learning_rate_init,
                              betas=(self.beta_1, self.beta_2), eps=self.epsilon)
        nesterov = bool(self.nesterovs_momentum) and self.momentum > 0
        return optim.SGD(params, lr=self.learning_rate_init, momentum=self.momentum,
                         nesterov=nesterov)

    # ----- fitting
    def _fit(self, X, y, incremental: bool, classes=None):
        _params.validate(self)
        self._dtype = _params.dtype_of(self)
        if incremental and self.early_stopping:
            raise ConfigError(f"{type(self).__name__}: partial_fit does not support "
                              "early_stopping=True (there is no held-out set between calls)")
        first = not hasattr(self, "model_") or (not self.warm_start and not incremental)
        X, y = validate_data(self, X, y, reset=first, multi_output=True,
                             dtype=(np.float64, np.float32), y_numeric=self._loss_name != "ce")
        target, n_out = self._targets(y, first, classes)  # labels 0..K-1, or (n, k) floats
        X = np.ascontiguousarray(X, dtype=self._dtype)
        if first:
            self._rng = validation.generator(self.random_state, "random_state")
            self._build(X.shape[1], n_out)
        if not incremental or not hasattr(self, "_optimizer"):
            self._optimizer = self._make_optimizer()
        self._train(X, target, incremental)
        return self

    def _split(self, X, target):
        stratify = target if self._loss_name == "ce" else None
        seed = int(self._rng.integers(np.iinfo(np.int32).max))
        try:
            X_tr, X_val, t_tr, t_val = train_test_split(
                X, target, test_size=self.validation_fraction, random_state=seed,
                stratify=stratify)
        except ValueError as exc:
            raise ConfigError(f"{type(self).__name__}: cannot hold out a validation set: "
                              f"{exc}; increase validation_fraction or the data") from None
        if X_val.shape[0] < 2:
            raise ConfigError(
                f"{type(self).__name__}: the validation set has {X_val.shape[0]} sample(s); "
                "early stopping needs at least 2: increase validation_fraction or the data")
        return X_tr, t_tr, X_val, t_val

    def _train(self, X, target, incremental: bool):
        X_val = t_val = None
        if self.early_stopping:
            X, target, X_val, t_val = self._split(X, target)
        n = X.shape[0]
        if self.batch_size == "auto":
            bs = min(200, n)
        else:
            if self.batch_size > n:
                warnings.warn(f"batch_size={self.batch_size} is larger than the {n} training "
                              "samples; it is clipped to the sample count", stacklevel=3)
            bs = int(np.clip(self.batch_size, 1, n))
        order = None
        if self.shuffle:
            perm = np.arange(n)

            def order(epoch):  # scikit-learn's order: the Generator shuffles, once per epoch
                self._rng.shuffle(perm)
                return perm

        alpha = float(self.alpha)
        weights = [lin.weight for lin in self.model_.linears]
        bookkeeping = _Epochs(self, n, X_val, t_val, incremental)
        trainer = Trainer(self.model_, loss=self._loss, optimizer=self._optimizer,
                          callbacks=[bookkeeping], lean=True,
                          penalty=_L2Penalty(weights, alpha) if alpha else None)
        self.n_iter_ = 0  # per call, as in scikit-learn (loss_curve_ and t_ keep growing)
        try:
            trainer.fit_batches(Batches(X, target, bs, order), epochs=self.max_iter,
                                task="classification" if self._loss_name == "ce"
                                else "regression")
        except TrainingDivergedError as err:
            raise TrainingDivergedError(
                f"{type(self).__name__}: the training loss became {err.loss} at iteration "
                f"{err.epoch}; lower learning_rate_init (now {self.learning_rate_init}) "
                "or standardise the features (sklearn.preprocessing.StandardScaler)") from None
        if not (incremental or bookkeeping.converged) and self.n_iter_ == self.max_iter:
            warnings.warn(f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
                          "reached and the optimization hasn't converged yet.",
                          ConvergenceWarning, stacklevel=3)
        if self.early_stopping and self._best_state is not None:
            self.model_.load_state_dict(self._best_state)

    def _end_epoch(self, loss, n, X_val, t_val):
        self.n_iter_ += 1
        self.t_ += n
        self.loss_ = loss
        self.loss_curve_.append(loss)
        if self.verbose:
            print(f"Iteration {self.n_iter_}, loss = {loss:.8f}")
        if X_val is not None:
            score = self._score_val(X_val, t_val)
            self.validation_scores_.append(score)
            if self.verbose:
                print(f"Validation score: {score:f}")
            if score < self.best_validation_score_ + self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                self._best_state = self.model_.state_dict()
        else:
            if loss > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            self.best_loss_ = min(self.best_loss_, loss)

    # ----- prediction
    def _forward(self, X, validate: bool = True) -> np.ndarray:
        """The network's raw outputs (logits or predictions) for X, without a graph."""
        check_is_fitted(self, "model_")
        if validate:
            X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        X = np.ascontiguousarray(X, dtype=self.model_.dtype)
        with no_grad():
            return self.model_(Tensor._wrap(X)).data

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags


class _Epochs(Callback):
    """scikit-learn's bookkeeping after each epoch, and its stopping rule."""

    def __init__(self, est, n, X_val, t_val, incremental):
        self.est, self.n, self.X_val, self.t_val = est, n, X_val, t_val
        self.incremental = incremental
        self.converged = False

    def on_epoch_end(self, trainer):
        est = self.est
        est._end_epoch(trainer.logs["loss"], self.n, self.X_val, self.t_val)
        if est._no_improvement_count > est.n_iter_no_change:
            if est.verbose:
                what = "Validation score" if est.early_stopping else "Training loss"
                print(f"{what} did not improve more than tol={est.tol:f} for "
                      f"{est.n_iter_no_change} consecutive epochs. Stopping.")
            self.converged = trainer.stop_training = True
        elif self.incremental:  # partial_fit: one epoch
            trainer.stop_training = True


class _L2Penalty:
    """scikit-learn's ``alpha / (2 n_batch) * sum ||W||^2`` over the weights (not the biases):
    adds the gradient ``alpha / n_batch * W`` to each weight's grad and returns the value."""

    def __init__(self, weights, alpha: float):
        self.weights, self.alpha = weights, alpha
        self.scratch = [np.empty_like(w.data) for w in weights]

    def __call__(self, n_batch: int) -> float:
        values, scale = 0.0, self.alpha / n_batch
        for w, tmp in zip(self.weights, self.scratch):
            values += float(np.vdot(w.data, w.data))  # vdot: flat, without a reshape
            np.multiply(w.data, scale, out=tmp)
            np.add(w.grad, tmp, out=w.grad)
        return 0.5 * self.alpha * values / n_batch
