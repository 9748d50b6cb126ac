"""The theory studies train through chainrule's one loop (``Trainer.fit_batches``)."""

import numpy as np
import pytest

from chainrule import functional as F
from chainrule import optim
from chainrule.errors import TrainingDivergedError
from chainrule.tensor import Tensor
from chainrule.theory._train import train_full_batch
from chainrule.theory.network import OneHiddenLayer
from chainrule.training.fit import Trainer

X = np.linspace(0.0, 1.0, 50).reshape(-1, 1)
Y = np.sin(5 * X[:, 0])


@pytest.fixture
def runs(monkeypatch):
    """Every Trainer.fit_batches run: (trainer, optimizer steps taken)."""
    out, real = [], Trainer.fit_batches

    def spy(self, *args, **kwargs):
        history = real(self, *args, **kwargs)
        out.append((self, self.step))
        return history

    monkeypatch.setattr(Trainer, "fit_batches", spy)
    return out


def _by_hand(net, steps, lr, cosine):
    """The full-batch Adam loop the theory trainer stands for, written out."""
    opt = optim.Adam(net.parameters(), lr=lr)
    schedule = optim.CosineAnnealingLR(opt, T_max=steps) if cosine else None
    Xt, yt, losses = Tensor(X), Tensor(Y.reshape(-1, 1)), []
    for _ in range(steps):
        opt.zero_grad()
        loss = F.mse_loss(net(Xt), yt)
        losses.append(float(loss.data))
        loss.backward()
        opt.step()
        if schedule is not None:
            schedule.step()
    return losses


@pytest.mark.parametrize("cosine", [False, True])
def test_train_full_batch_is_the_trainer_and_matches_the_loop_it_replaced(runs, cosine):
    a = OneHiddenLayer(1, 6, "tanh", seed=0, dtype=np.float64)
    b = OneHiddenLayer(1, 6, "tanh", seed=0, dtype=np.float64)
    expected = _by_hand(a, 40, 0.02, cosine)
    seen = []

    def on_backward(step, net):
        assert net is b and net.hidden.weight.grad is not None  # before the update
        seen.append(step)

    losses = train_full_batch(b, X, Y, 40, 0.02, on_backward=on_backward, cosine=cosine)
    assert losses == expected  # bit for bit: the loss before each step
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
    assert seen == list(range(40))
    (trainer, steps), = runs
    assert steps == 40 and trainer.lean and trainer.epoch == 40  # one epoch per step
    if cosine:
        assert trainer.optimizer.param_groups[0]["lr"] == pytest.approx(0.0, abs=1e-15)


def test_train_full_batch_names_the_step_where_the_loss_diverged():
    net = OneHiddenLayer(1, 4, "relu", seed=0, dtype=np.float64)
    net.output.weight.data[:] = np.inf
    with pytest.raises(TrainingDivergedError, match=r"at step 0; lower the learning rate"):
        train_full_batch(net, X, Y, 10, 0.01)


def test_the_feature_and_activation_studies_train_in_the_same_loop(runs):
    from chainrule.theory.activations_study import activation_study
    from chainrule.theory.features import feature_learning

    study = feature_learning("circles", hidden=(4,), steps=7, resolution=5)
    assert runs[-1][1] == 7 and len(study.losses) == 7
    act = activation_study("moons", depths=(2,), activations=("relu", "tanh"), steps=5,
                           width=8)
    assert [steps for _, steps in runs[-2:]] == [5, 5]
    assert all(not trainer.check_finite for trainer, _ in runs[-2:])  # NaN is a finding
    assert all(len(r.losses) == 5 for r in act.runs)
