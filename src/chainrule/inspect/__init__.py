"""Tools that read the graph: gradient checks (and, later, explain, draw, the stepper)."""

from chainrule.inspect.gradcheck import GradcheckReport, gradcheck, verdict

__all__ = ["GradcheckReport", "gradcheck", "verdict"]
