"""backward_steps: backprop one node at a time; every intermediate state is already right."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import ConfigError
from chainrule.inspect import backward_steps
from chainrule.inspect.recitation import question3_network


def final_gradients(seed, batch=None):
    q = question3_network(seed=seed, batch=batch)
    return cr.explain(q.J).grads


@pytest.mark.parametrize("batch", [None, 3])
def test_each_state_agrees_with_the_final_gradients(batch):
    final = final_gradients(7, batch)
    q = question3_network(seed=7, batch=batch)
    states = []
    for state in backward_steps(q.J):
        for name in state.complete:
            np.testing.assert_array_equal(state.grads[name], final[name])
        states.append(state)
    assert [s.node for s in states] == ["J", "z2", "h", "z1"]
    assert [s.index for s in states] == [1, 2, 3, 4]
    assert all(s.total == 4 for s in states)
    assert [s.remaining for s in states] == [["z2", "h", "z1"], ["h", "z1"], ["z1"], []]
    assert [s.done for s in states] == [False, False, False, True]
    assert states[1].complete == {"z2", "b2", "U", "h"}
    assert set(states[-1].grads) == set(final)
    np.testing.assert_array_equal(states[2].upstream, final["h"])
    assert states[2].upstream_name == "dJ/dh" and states[3].upstream_name == "delta_2"


def test_leaf_gradients_arrive_as_backprop_reaches_them():
    q = question3_network(seed=1)
    steps = backward_steps(q.J)
    next(steps)                      # J: only delta_1 is known
    assert q.U.grad is None and q.W.grad is None
    state = next(steps)              # z2 = linear(h, U, b2)
    np.testing.assert_array_equal(q.U.grad, state.grads["U"])
    assert q.W.grad is None          # a learner can pause here: W is not reached yet
    assert [s.name for s in state.steps] == ["b2", "U", "h"]
    steps.close()                    # stop early: the rest is never visited
    assert q.W.grad is None


def test_partial_sums_are_marked_incomplete():
    w = cr.tensor([1.0, 2.0], requires_grad=True, name="w")
    a = w.exp()
    a.name = "a"
    b = w * 3.0
    b.name = "b"
    J = (a * b).sum()
    seen_partial = False
    for state in backward_steps(J):
        if "w" in state.grads and "w" not in state.complete:
            seen_partial = True
        if state.done:
            assert "w" in state.complete
            np.testing.assert_allclose(state.grads["w"], w.grad)
    assert seen_partial
    np.testing.assert_allclose(w.grad, np.exp([1.0, 2.0]) * 3 * ([1.0, 2.0] + np.ones(2)))


def test_state_text():
    q = question3_network()
    first = next(backward_steps(q.J))
    text = str(first)
    assert text.startswith("step 1/4: J = cross_entropy(z2, y), upstream dJ/dJ = 1")
    assert "delta_1 = dJ/dz2" in text and "next: z2, h, z1" in text


def test_rejects_non_tensors():
    with pytest.raises(ConfigError):
        backward_steps([1.0])


def test_the_stepper_and_the_step_activations_backward_have_different_names():
    # manual writes one <activation>_backward per registered activation, so the step
    # activation's is manual.step_backward; the stepper is backward_steps.
    import chainrule.inspect as tools
    from chainrule.inspect import manual

    assert manual.step_backward is manual.activation_backward
    assert tools.backward_steps is not manual.step_backward and not hasattr(tools, "step_backward")
    shared = [n for n in tools.__all__ if hasattr(manual, n)]
    assert all(getattr(manual, n) is getattr(tools, n) for n in shared), shared
