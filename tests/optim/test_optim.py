"""chainrule.optim: update rules against their formulas and torch.optim, state, schedulers."""

import json
import math

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn, optim
from chainrule.errors import ConfigError, ShapeError, TrainingDivergedError

P0 = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
G1 = np.array([[0.1, -0.2, 0.3], [-0.4, 0.5, 0.05]])
G2 = np.array([[-0.3, 0.1, 0.2], [0.6, -0.1, 0.4]])


def _two_steps(make):
    """Run two steps with the fixed gradients G1, G2 on a float32 parameter."""
    p = nn.Parameter(P0.astype(np.float32))
    opt = make([p])
    for g in (G1, G2):
        p.grad = g.astype(np.float32)
        opt.step()
    return p.data


# ---------------------------------------------------------------- formulas by hand (2 steps)


def test_sgd_plain_and_weight_decay_by_hand():
    lr, wd = 0.1, 0.01
    want = P0 - lr * G1
    want = want - lr * G2
    np.testing.assert_allclose(_two_steps(lambda ps: optim.SGD(ps, lr=lr)), want, atol=1e-6)
    p1 = P0 - lr * (G1 + wd * P0)
    want = p1 - lr * (G2 + wd * p1)
    got = _two_steps(lambda ps: optim.SGD(ps, lr=lr, weight_decay=wd))
    np.testing.assert_allclose(got, want, atol=1e-6)


def test_sgd_momentum_nesterov_dampening_by_hand():
    lr, mu, damp = 0.1, 0.9, 0.3
    b1 = G1
    b2 = mu * b1 + G2
    want = P0 - lr * b1 - lr * b2
    got = _two_steps(lambda ps: optim.SGD(ps, lr=lr, momentum=mu))
    np.testing.assert_allclose(got, want, atol=1e-6)
    want = P0 - lr * (G1 + mu * b1) - lr * (G2 + mu * b2)  # Nesterov
    got = _two_steps(lambda ps: optim.SGD(ps, lr=lr, momentum=mu, nesterov=True))
    np.testing.assert_allclose(got, want, atol=1e-6)
    b2d = mu * b1 + (1 - damp) * G2
    want = P0 - lr * b1 - lr * b2d
    got = _two_steps(lambda ps: optim.SGD(ps, lr=lr, momentum=mu, dampening=damp))
    np.testing.assert_allclose(got, want, atol=1e-6)


def _adam_by_hand(lr, b1, b2, eps, wd, decoupled):
    p, m, v = P0.copy(), np.zeros_like(P0), np.zeros_like(P0)
    for t, g in enumerate((G1, G2), start=1):
        if decoupled:
            p = p * (1 - lr * wd)
        else:
            g = g + wd * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
    return p


def test_adam_and_adamw_by_hand():
    kw = dict(lr=0.01, betas=(0.8, 0.99), eps=1e-8)
    got = _two_steps(lambda ps: optim.Adam(ps, **kw))
    np.testing.assert_allclose(got, _adam_by_hand(0.01, 0.8, 0.99, 1e-8, 0, False), atol=1e-6)
    got = _two_steps(lambda ps: optim.Adam(ps, weight_decay=0.5, **kw))
    l2 = _adam_by_hand(0.01, 0.8, 0.99, 1e-8, 0.5, False)
    np.testing.assert_allclose(got, l2, atol=1e-6)
    got = _two_steps(lambda ps: optim.AdamW(ps, weight_decay=0.5, **kw))
    decoupled = _adam_by_hand(0.01, 0.8, 0.99, 1e-8, 0.5, True)
    np.testing.assert_allclose(got, decoupled, atol=1e-6)
    assert np.abs(l2 - decoupled).max() > 1e-4  # L2 and decoupled decay really differ
    assert optim.AdamW([nn.Parameter([1.0])]).param_groups[0]["weight_decay"] == 1e-2


def test_rmsprop_by_hand():
    lr, alpha, eps, mu, wd = 0.01, 0.9, 1e-8, 0.5, 0.1

    def by_hand(momentum, centered, wd):
        p, s, a, b = P0.copy(), np.zeros_like(P0), np.zeros_like(P0), np.zeros_like(P0)
        for g in (G1, G2):
            g = g + wd * p
            s = alpha * s + (1 - alpha) * g * g
            a = alpha * a + (1 - alpha) * g
            r = np.sqrt(s - a * a if centered else s) + eps
            if momentum:
                b = momentum * b + g / r
                p = p - lr * b
            else:
                p = p - lr * g / r
        return p

    for momentum, centered, decay in [(0, False, 0), (mu, False, wd), (mu, True, 0), (0, True, wd)]:
        got = _two_steps(lambda ps, m=momentum, c=centered, d=decay: optim.RMSprop(
            ps, lr=lr, alpha=alpha, eps=eps, momentum=m, centered=c, weight_decay=d))
        np.testing.assert_allclose(got, by_hand(momentum, centered, decay), atol=1e-6)


# ---------------------------------------------------------------- against torch.optim


TORCH_CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.5, dampening=0.2)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.9), weight_decay=0.1)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.02, weight_decay=0.3, eps=1e-6)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, weight_decay=0.05)),
    ("RMSprop", dict(lr=0.005, alpha=0.9, centered=True, momentum=0.3)),
]


@pytest.mark.parametrize("name,kw", TORCH_CASES, ids=[f"{n}-{i}" for i, (n, _) in
                                                     enumerate(TORCH_CASES)])
def test_optimizers_match_torch_for_10_steps(name, kw, torch):
    model = nn.MLP([3, 8, 4], activation="tanh", seed=0)
    ref = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 4))
    with torch.no_grad():
        for tp, p in zip(ref.parameters(), model.parameters()):
            tp.copy_(torch.tensor(p.data))
    opt = getattr(optim, name)(model.parameters(), **kw)
    topt = getattr(torch.optim, name)(ref.parameters(), **kw)
    rng = np.random.default_rng(1)
    for _ in range(10):
        x = rng.standard_normal((16, 3)).astype(np.float32)
        y = rng.integers(0, 4, 16)
        opt.zero_grad()
        nn.CrossEntropyLoss()(model(x), y).backward()
        opt.step()
        topt.zero_grad()
        torch.nn.CrossEntropyLoss()(ref(torch.tensor(x)), torch.tensor(y)).backward()
        topt.step()
    for tp, p in zip(ref.parameters(), model.parameters()):
        assert p.dtype == np.float32
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=0, atol=1e-6)


# ---------------------------------------------------------------- mechanics


def test_step_is_in_place_skips_missing_grads_and_reuses_buffers():
    a, b = nn.Parameter([1.0, 2.0]), nn.Parameter([3.0])
    opt = optim.Adam([a, b], lr=0.1)
    data = a.data
    a.grad = np.array([1.0, 1.0], np.float32)
    opt.step()
    assert a.data is data and b.data.tolist() == [3.0] and b not in opt.state
    bufs = [id(x) for x in (*opt._scratch[a], opt.state[a]["exp_avg"])]
    opt.step()
    assert [id(x) for x in (*opt._scratch[a], opt.state[a]["exp_avg"])] == bufs
    assert opt.state[a]["step"] == 2
    opt.zero_grad()
    assert a.grad is None and b.grad is None
    a.grad = np.ones(2, np.float32)
    opt.zero_grad(set_to_none=False)
    assert a.grad.tolist() == [0.0, 0.0]


def test_optimizer_accepts_module_groups_and_closure():
    model = nn.Linear(2, 1, seed=0)
    opt = optim.SGD(model, lr=0.5)
    assert opt.param_groups[0]["params"] == model.parameters()
    groups = optim.SGD([{"params": [model.weight]}, {"params": [model.bias], "lr": 0.0}], lr=1.0)
    w0, b0 = model.weight.data.copy(), model.bias.data.copy()
    x = np.ones((1, 2), np.float32)

    def closure():
        groups.zero_grad()
        loss = model(x).sum()
        loss.backward()
        return loss

    loss = groups.step(closure)
    assert isinstance(loss, cr.Tensor)
    np.testing.assert_allclose(model.weight.data, w0 - 1.0)  # d(sum)/dW = x = 1
    np.testing.assert_array_equal(model.bias.data, b0)  # lr 0 in its group


def test_optimizer_validation_errors():
    p = nn.Parameter([1.0])
    cases = [
        (lambda: optim.SGD([], lr=0.1), "empty parameter list"),
        (lambda: optim.SGD([p], lr=-1), "learning rate"),
        (lambda: optim.SGD([p], lr=0.1, nesterov=True), "Nesterov"),
        (lambda: optim.SGD([p], lr=0.1, momentum=-0.5), "momentum"),
        (lambda: optim.Adam([p], betas=(0.9, 1.0)), "betas"),
        (lambda: optim.Adam([p], weight_decay=-1), "weight_decay"),
        (lambda: optim.RMSprop([p], alpha=2), "alpha"),
        (lambda: optim.SGD([np.ones(2)], lr=0.1), "Tensors"),
        (lambda: optim.SGD([p, p], lr=0.1), "twice"),
        (lambda: optim.SGD([{"params": [p], "beta": 1}], lr=0.1), "unknown option"),
        (lambda: optim.SGD(3, lr=0.1), "iterable"),
    ]
    for make, msg in cases:
        with pytest.raises(ConfigError, match=msg):
            make()


def _train(model, opt, steps, seed):
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        x = rng.standard_normal((8, 3)).astype(np.float32)
        y = rng.integers(0, 2, 8)
        opt.zero_grad()
        nn.CrossEntropyLoss()(model(x), y).backward()
        opt.step()


@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    lambda ps: optim.Adam(ps, lr=0.01, weight_decay=0.01),
    lambda ps: optim.AdamW(ps, lr=0.01),
    lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.5, centered=True),
], ids=["sgd", "adam", "adamw", "rmsprop"])
def test_optimizer_state_dict_round_trip_continues_identically(make):
    a = nn.MLP([3, 5, 2], seed=0)
    opt_a = make(a.parameters())
    _train(a, opt_a, 3, seed=1)
    model_sd, opt_sd = a.state_dict(), opt_a.state_dict()
    # JSON-able apart from the arrays, and a copy: more training leaves it unchanged
    json.dumps(opt_sd, default=lambda arr: arr.tolist())
    first = next(iter(opt_sd["state"].values()))
    frozen = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in first.items()}
    _train(a, opt_a, 2, seed=2)
    for k, v in frozen.items():
        np.testing.assert_array_equal(first[k], v)

    b = nn.MLP([3, 5, 2], seed=9)
    b.load_state_dict(model_sd)
    opt_b = make(b.parameters())
    # state keys as JSON leaves them (strings) and lists instead of tuples are accepted
    opt_b.load_state_dict(json.loads(json.dumps(opt_sd, default=lambda arr: arr.tolist())))
    ref = nn.MLP([3, 5, 2], seed=9)
    ref.load_state_dict(model_sd)
    opt_ref = make(ref.parameters())
    opt_ref.load_state_dict(opt_sd)
    a2 = nn.MLP([3, 5, 2])
    a2.load_state_dict(model_sd)
    _train(b, opt_b, 2, seed=2)
    _train(ref, opt_ref, 2, seed=2)
    for p, q, r in zip(a.parameters(), b.parameters(), ref.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
        np.testing.assert_array_equal(p.data, r.data)


def test_optimizer_load_state_dict_errors():
    p, q = nn.Parameter(np.ones(3, np.float32)), nn.Parameter(np.ones(2, np.float32))
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = np.ones(3, np.float32)
    opt.step()
    sd = opt.state_dict()
    two = optim.SGD([p, q], lr=0.1).state_dict()
    with pytest.raises(ConfigError, match="2 parameters"):
        optim.SGD([p], lr=0.1).load_state_dict(two)
    with pytest.raises(ShapeError, match="momentum_buffer"):
        optim.SGD([q], lr=0.1, momentum=0.9).load_state_dict(sd)
    with pytest.raises(ConfigError, match="parameter groups"):
        optim.SGD([p], lr=0.1).load_state_dict({"param_groups": [], "state": {}})
    with pytest.raises(ConfigError, match="param_groups"):
        optim.SGD([p], lr=0.1).load_state_dict({})


# ---------------------------------------------------------------- schedulers


def _lrs(make_sched, opt, n):
    sched = make_sched(opt)
    out = [opt.param_groups[0]["lr"]]
    for _ in range(n):
        opt.step()
        sched.step()
        out.append(opt.param_groups[0]["lr"])
    assert sched.get_last_lr() == [out[-1]]
    return out


def test_scheduler_formulas():
    p = nn.Parameter([1.0])
    got = _lrs(lambda o: optim.StepLR(o, step_size=3, gamma=0.5), optim.SGD([p], lr=0.8), 7)
    assert got == pytest.approx([0.8 * 0.5 ** (t // 3) for t in range(8)], rel=1e-15)
    got = _lrs(lambda o: optim.CosineAnnealingLR(o, T_max=4, eta_min=0.1),
               optim.Adam([p], lr=0.5), 8)
    want = [0.1 + 0.4 * (1 + math.cos(math.pi * t / 4)) / 2 for t in range(9)]
    assert got == pytest.approx(want, rel=1e-12)
    assert got[4] == pytest.approx(0.1) and got[8] == pytest.approx(0.5)


@pytest.mark.parametrize("ours,theirs", [
    (lambda o: optim.StepLR(o, step_size=4, gamma=0.3),
     lambda o, torch: torch.optim.lr_scheduler.StepLR(o, step_size=4, gamma=0.3)),
    (lambda o: optim.CosineAnnealingLR(o, T_max=7, eta_min=0.01),
     lambda o, torch: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=7, eta_min=0.01)),
], ids=["StepLR", "CosineAnnealingLR"])
def test_schedulers_match_torch(ours, theirs, torch):
    got = _lrs(ours, optim.SGD([nn.Parameter([1.0])], lr=0.2), 25)
    tp = torch.nn.Parameter(torch.ones(1))
    topt = torch.optim.SGD([tp], lr=0.2)
    tsched = theirs(topt, torch)
    want = [topt.param_groups[0]["lr"]]
    for _ in range(25):
        topt.step()
        tsched.step()
        want.append(topt.param_groups[0]["lr"])
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


def test_scheduler_state_dict_resumes():
    p = nn.Parameter([1.0])
    opt = optim.SGD([p], lr=1.0)
    sched = optim.CosineAnnealingLR(opt, T_max=10)
    for _ in range(4):
        sched.step()
    sd, osd = json.loads(json.dumps(sched.state_dict())), opt.state_dict()
    opt2 = optim.SGD([p], lr=123.0)
    opt2.load_state_dict(osd)
    sched2 = optim.CosineAnnealingLR(opt2, T_max=10, last_epoch=3)
    sched2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    sched.step()
    sched2.step()
    assert sched2.get_last_lr() == sched.get_last_lr()
    with pytest.raises(ConfigError, match="initial_lr"):
        optim.StepLR(optim.SGD([p], lr=0.1), step_size=2, last_epoch=5)
    with pytest.raises(ConfigError, match="step_size"):
        optim.StepLR(opt, step_size=0)
    with pytest.raises(ConfigError, match="T_max"):
        optim.CosineAnnealingLR(opt, T_max=0)
    with pytest.raises(ConfigError, match="optimizer"):
        optim.StepLR([p], step_size=1)


# ---------------------------------------------------------------- clipping


def test_clip_grad_norm_formula_and_no_clip_below_max():
    a, b = nn.Parameter(np.zeros(2, np.float32)), nn.Parameter(np.zeros(1, np.float32))
    a.grad = np.array([3.0, 0.0], np.float32)
    b.grad = np.array([4.0], np.float32)
    total = optim.clip_grad_norm_([a, b], max_norm=1.0)
    assert total == pytest.approx(5.0)
    np.testing.assert_allclose(np.concatenate([a.grad, b.grad]), [0.6, 0.0, 0.8], rtol=1e-5)
    assert optim.clip_grad_norm_([a, b], max_norm=10.0) == pytest.approx(1.0, rel=1e-5)
    np.testing.assert_allclose(np.concatenate([a.grad, b.grad]), [0.6, 0.0, 0.8], rtol=1e-5)
    assert optim.clip_grad_norm_([nn.Parameter([1.0])], 1.0) == 0.0
    b.grad[0] = np.nan
    with pytest.raises(TrainingDivergedError):
        optim.clip_grad_norm_([a, b], 1.0, error_if_nonfinite=True)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf])
def test_clip_grad_norm_matches_torch(norm_type, torch):
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(s).astype(np.float32) for s in [(4, 3), (4,), (2, 4)]]
    ps, tps = [], []
    for g in grads:
        p = nn.Parameter(np.zeros_like(g))
        p.grad = g.copy()
        ps.append(p)
        tp = torch.nn.Parameter(torch.zeros(g.shape))
        tp.grad = torch.tensor(g)
        tps.append(tp)
    total = optim.clip_grad_norm_(ps, 0.5, norm_type=norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(tps, 0.5, norm_type=norm_type)
    assert total == pytest.approx(ttotal.item(), rel=1e-6)
    for p, tp in zip(ps, tps):
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=0, atol=1e-6)


@pytest.mark.parametrize("name,kw", [("Adam", dict(lr=0.05, weight_decay=0.1)),
                                     ("AdamW", dict(lr=0.05)),
                                     ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True))])
def test_skipped_gradients_match_torch(name, kw, torch):
    """A parameter without a gradient is skipped (its step count lags), as in torch."""
    rng = np.random.default_rng(0)
    inits = [rng.standard_normal(s).astype(np.float32) for s in [(3, 2), (4,)]]
    ours = [nn.Parameter(a) for a in inits]
    theirs = [torch.nn.Parameter(torch.tensor(a)) for a in inits]
    opt = getattr(optim, name)(ours, **kw)
    topt = getattr(torch.optim, name)(theirs, **kw)
    for step in range(8):
        grads = [rng.standard_normal(a.shape).astype(np.float32) for a in inits]
        if step in (1, 2, 5):
            grads[1] = None
        for p, tp, g in zip(ours, theirs, grads):
            p.grad = None if g is None else g.copy()
            tp.grad = None if g is None else torch.tensor(g)
        opt.step()
        topt.step()
    for p, tp in zip(ours, theirs):
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=0, atol=1e-6)
    assert opt.state[ours[1]]["step"] == 5 and opt.state[ours[0]]["step"] == 8


def test_buffers_are_allocated_once_and_mixed_dtypes_work():
    a = nn.Parameter(np.ones((2, 2), np.float32))
    b = nn.Parameter(np.ones(3, np.float64))
    opt = optim.Adam([a], lr=0.1)
    ids = None
    for _ in range(3):
        a.grad = np.full((2, 2), 0.5, np.float32)
        opt.step()
        now = [id(opt.state[a][k]) for k in ("exp_avg", "exp_avg_sq")]
        assert ids is None or now == ids
        ids = now
    mixed = optim.Adam([a, b], lr=0.1)
    a.grad, b.grad = np.ones((2, 2), np.float32), np.ones(3)
    before = b.data.copy()
    mixed.step()
    assert b.dtype == np.float64
    np.testing.assert_allclose(b.data, before - 0.1, rtol=1e-6)  # Adam's first step is lr*sign


# ---------------------------------------------------------------- the flat path

FLAT_CASES = [
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.5, dampening=0.3)),
    ("SGD", dict(lr=0.1, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, weight_decay=0.1)),
    ("AdamW", dict(lr=0.05)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.1)),
]


@pytest.mark.parametrize("name,kw", FLAT_CASES)
def test_the_flat_path_gives_the_per_parameter_updates_bit_for_bit(name, kw):
    """Every parameter with a gradient: one flat update for the group. A parameter that never
    gets one (``idle``) keeps the twin on the per-parameter path; the results are equal."""
    rng = np.random.default_rng(0)
    inits = [rng.standard_normal(s).astype(np.float32) for s in [(4, 3), (4,), (2, 4), (2,)]]
    flat = [nn.Parameter(a.copy()) for a in inits]
    per = [nn.Parameter(a.copy()) for a in inits]
    idle = nn.Parameter(np.zeros(3, np.float32))
    opt_flat = getattr(optim, name)(flat, **kw)
    opt_per = getattr(optim, name)(per + [idle], **kw)
    for _ in range(6):
        for p, q in zip(flat, per):
            p.grad = rng.standard_normal(p.data.shape).astype(np.float32)
            q.grad = p.grad.copy()
        opt_flat.step()
        opt_per.step()
    assert opt_flat._flat and not opt_per._flat  # each took the path it was meant to
    for p, q in zip(flat, per):
        np.testing.assert_array_equal(p.data, q.data)
    for p, q in zip(flat, per):
        for k, v in opt_flat.state.get(p, {}).items():
            np.testing.assert_array_equal(v, opt_per.state[q][k])


def test_an_unpickled_optimizer_rebuilds_its_flat_buffers_and_continues_identically():
    import pickle

    rng = np.random.default_rng(1)
    params = [nn.Parameter(rng.standard_normal(s).astype(np.float32)) for s in [(3, 2), (3,)]]
    opt = optim.Adam(params, lr=0.1)

    def step(o, ps, g):
        for p, gi in zip(ps, g):
            p.grad = gi.copy()
        o.step()

    grads = [[rng.standard_normal(p.data.shape).astype(np.float32) for p in params]
             for _ in range(4)]
    for g in grads[:2]:
        step(opt, params, g)
    copy_params, copy = pickle.loads(pickle.dumps((params, opt)))
    assert copy._flat == {}  # the cache, keyed by id(group), is not carried over
    for g in grads[2:]:
        step(opt, params, g)
        step(copy, copy_params, g)
    for p, q in zip(params, copy_params):
        np.testing.assert_array_equal(p.data, q.data)
