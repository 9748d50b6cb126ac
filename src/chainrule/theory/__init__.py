"""The recitation, runnable: what networks can represent, approximate and learn.

- ``constructions``: exact networks written down by hand (step, identity, XOR-ReLU, ReLU
  interpolant);
- ``representability``: ``max_error``, ``represents``, the step-network bound and experiment;
- ``approximation``: universal-approximation sweeps over the hidden-layer width;
- ``activations_study``: gradient norms, dead and saturated units, speed, by depth;
- ``features``: decision boundaries and every hidden unit's map over the input plane;
- ``gradient_flow``: a ``fit`` callback that watches per-layer gradients;
- ``exercises``: the recitation's Questions 1-3, answered with live evidence.
"""

from chainrule.theory.activations_study import (
    ActivationStudy,
    activation_cost,
    activation_study,
)
from chainrule.theory.approximation import (
    TARGETS,
    Sweep,
    approximation_study,
    approximation_sweep,
)
from chainrule.theory.constructions import (
    XOR_LABELS,
    XOR_POINTS,
    XorTable,
    identity_linear,
    piecewise_constant,
    relu_interpolant,
    step_piecewise_constant,
    xor_relu,
    xor_table,
)
from chainrule.theory.domain import evaluate_target, grid, parse_domain
from chainrule.theory.exercises import run_exercises
from chainrule.theory.features import FeatureStudy, PlaneMaps, feature_learning, plane_maps
from chainrule.theory.gradient_flow import GradientFlow, GradientFlowWarning
from chainrule.theory.network import OneHiddenLayer
from chainrule.theory.representability import (
    StepTraining,
    best_step_network,
    linear,
    max_error,
    predict,
    quadratic,
    represents,
    rms_error,
    step_best_error,
    step_best_error_fn,
    step_network_experiment,
    train_step_network,
)

__all__ = [
    "TARGETS", "XOR_LABELS", "XOR_POINTS", "ActivationStudy", "FeatureStudy", "GradientFlow",
    "GradientFlowWarning", "OneHiddenLayer", "PlaneMaps", "StepTraining", "Sweep", "XorTable",
    "activation_cost", "activation_study", "approximation_study", "approximation_sweep",
    "best_step_network", "evaluate_target", "feature_learning", "grid", "identity_linear", "linear",
    "max_error", "parse_domain", "piecewise_constant", "plane_maps", "predict", "quadratic",
    "relu_interpolant", "represents", "rms_error", "run_exercises", "step_best_error",
    "step_best_error_fn", "step_network_experiment", "step_piecewise_constant",
    "train_step_network", "xor_relu", "xor_table",
]
