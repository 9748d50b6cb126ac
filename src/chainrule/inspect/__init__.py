"""Tools that read the graph: the chain-rule trace, the backward stepper, graph drawing,
gradient checks (whole-function and per op), anomaly detection, closed forms, manual backprop.

Everything here reads the engine's one graph and the one chain-rule table (``ops.py``);
nothing computes a gradient another way (the closed forms and ``manual`` exist to be compared).
"""

from chainrule.inspect import manual
from chainrule.inspect.anomaly import detect_anomaly
from chainrule.inspect.closed_form import ClosedFormReport, closed_form_check
from chainrule.inspect.draw import Graph, draw
from chainrule.inspect.explain import CheckResult, Trace, explain
from chainrule.inspect.fd_curve import FDCurve, fd_error_curve
from chainrule.inspect.gradcheck import GradcheckReport, gradcheck, verdict
from chainrule.inspect.manual import compare_with_autodiff
from chainrule.inspect.per_op import OpCheck, PerOpReport
from chainrule.inspect.recitation import question3_network
from chainrule.inspect.stepper import BackwardState, Step, backward_steps

__all__ = [
    "BackwardState", "CheckResult", "ClosedFormReport", "FDCurve", "GradcheckReport", "Graph",
    "OpCheck", "PerOpReport", "Step", "Trace", "backward_steps", "closed_form_check",
    "compare_with_autodiff", "detect_anomaly", "draw", "explain", "fd_error_curve", "gradcheck",
    "manual", "question3_network", "verdict",
]
