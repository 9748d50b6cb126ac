"""The recitation's answers, computed live."""

import pytest

from chainrule.theory import exercises


def test_question1_answers_and_evidence():
    q1a = exercises.question1a(quick=True)
    assert q1a.answer == "No"
    assert q1a.data["bound_8"] == pytest.approx(1 / 9)
    assert "sup error >= 0.111 on 2x + 1 over [0, 1]" in str(q1a)
    assert all(r.final_error >= r.best_error for r in q1a.data["trained"])
    assert all(r.hidden_grad_norm == 0.0 for r in q1a.data["trained"] if r.derivative == "zero")
    q1b = exercises.question1b(quick=True)
    assert q1b.answer == "No" and all(err > 0 for _, err in q1b.data["rows"])
    q1c, q1d = exercises.question1c(), exercises.question1d()
    assert (q1c.answer, q1d.answer) == ("Yes", "Yes")
    assert q1c.data["max_error"] == 0.0 and q1c.data["max_error_general"] == 0.0
    assert q1d.data["max_error"] == 0.0


def test_question2_and_question3():
    q2 = exercises.question2()
    assert q2.data["table"].solved and "[2 -2]" in str(q2)
    q3 = exercises.question3()
    assert max(q3.data["diffs"].values()) < 1e-12
    assert "delta_1" in str(q3)
