"""``chainrule exercises | approx | activations | features``: the recitation's claims, run.

Each command prints its numbers and writes its figures (PNG and SVG) and one self-contained
``report.html`` to ``--out``.
"""

from __future__ import annotations

import inspect
import sys

from chainrule.cli.options import positive_number, whole
from chainrule.errors import ConfigError
from chainrule.validation import int_list, parse_int

ORDER = 30


def parse_int_list(text: str, what: str) -> list:
    """ "2,4,8,16" -> [2, 4, 8, 16]; "1,2,4,...,128" -> doubling; "10,20,...,50" -> steps of 10.

    With three or more terms before "...", a constant ratio continues as a geometric series;
    otherwise the difference of the last two terms continues. The series must hit the last term.
    """
    parts = [p.strip() for p in str(text).split(",") if p.strip()]
    if not parts:
        raise ConfigError(f"{what} must be a comma-separated list of integers, found {text!r}")
    if "..." in parts:
        k = parts.index("...")
        head, tail = parts[:k], parts[k + 1:]
        if len(head) < 2 or len(tail) != 1 or "..." in tail:
            raise ConfigError(f"{what}: write a series as 'a,b,...,z' (or 'a,b,c,...,z'), found "
                              f"{text!r}")
        head, last = [_int(p, what, text) for p in head], _int(tail[0], what, text)
        values = _continue_series(head, last, what, text)
    else:
        values = [_int(p, what, text) for p in parts]
    return int_list(values, what, expected="positive integers")


def _int(part, what, text) -> int:
    """One term of the list, in ASCII digits (``validation.parse_int``)."""
    try:
        return parse_int(part, what)
    except ConfigError:
        raise ConfigError(f"{what} must be a comma-separated list of integers, found {text!r} "
                          f"('{part}' is not an integer)") from None


def _continue_series(head, last, what, text) -> list:
    ratios = {head[i + 1] / head[i] for i in range(len(head) - 1) if head[i] != 0}
    geometric = len(head) >= 3 and len(ratios) == 1 and 0 not in head
    values = list(head)
    if geometric:
        r = ratios.pop()
        if r <= 1 or r != int(r):
            raise ConfigError(f"{what}: a geometric series needs a whole ratio above 1, found "
                              f"{text!r}")
        while values[-1] < last:
            values.append(values[-1] * int(r))
    else:
        d = head[-1] - head[-2]
        if d <= 0 or any(head[i + 1] - head[i] != d for i in range(len(head) - 1)):
            raise ConfigError(f"{what}: '...' continues an increasing series, found {text!r}")
        while values[-1] < last:
            values.append(values[-1] + d)
    if values[-1] != last:
        raise ConfigError(f"{what}: the series {', '.join(map(str, head))}, ... never reaches "
                          f"{last}; found {text!r}")
    return values


def _names(text: str, allowed, what: str) -> list:
    names = [p.strip().lower() for p in str(text).split(",") if p.strip()]
    if names == ["all"]:
        return list(allowed)
    bad = [n for n in names if n not in allowed]
    if not names or bad:
        raise ConfigError(f"unknown {what} {', '.join(bad) or repr(text)}; choose from "
                          f"{', '.join(allowed)} (comma-separated) or 'all'")
    return names


def _domain(text: str):
    if text is None:
        return None
    try:
        values = [float(v) for v in str(text).split(",")]
    except ValueError:
        raise ConfigError(f"--domain must be 'lo,hi' or 'lo1,hi1,lo2,hi2', found {text!r}") \
            from None
    if len(values) not in (2, 4):
        raise ConfigError(f"--domain must be 'lo,hi' or 'lo1,hi1,lo2,hi2', found {text!r}")
    return tuple(values) if len(values) == 2 else ((values[0], values[1]),
                                                   (values[2], values[3]))


def _written(path) -> None:
    from chainrule.theory.reports import figures_available

    print(f"\nreport: {path}")
    if not figures_available():
        print("chainrule: note: figures skipped (matplotlib is not installed: "
              "pip install 'chainrule[plot]')", file=sys.stderr)


# ---------------------------------------------------------------- commands
def run_exercises(args) -> int:
    from chainrule.theory.exercises import format_answers, run_exercises
    from chainrule.theory.reports import exercises_report

    answers = run_exercises(quick=args.quick)
    print(format_answers(answers))
    _written(exercises_report(answers, args.out))
    return 0


def run_approx(args) -> int:
    from chainrule.theory.approximation import SWEEP_ACTIVATIONS, TARGETS, approximation_sweep
    from chainrule.theory.reports import approximation_report

    if args.target not in TARGETS:
        raise ConfigError(f"unknown target {args.target!r}; choose one of {', '.join(TARGETS)}")
    units = parse_int_list(args.units, "--units")
    acts = _names(args.activation, SWEEP_ACTIVATIONS, "activation")
    domain = _domain(args.domain)
    sweeps = []
    for a in acts:
        sweep = approximation_sweep(args.target, domain, units, a, steps=args.steps, lr=args.lr,
                                    restarts=args.restarts, seed=args.seed)
        print(sweep, end="\n\n", flush=True)
        sweeps.append(sweep)
    _written(approximation_report(sweeps, args.out))
    return 0


def run_activations(args) -> int:
    from chainrule.theory.activations_study import INITS, STUDY_CHOICES, activation_study
    from chainrule.theory.reports import activations_report, summary_of_first_layer

    if args.init not in INITS:
        raise ConfigError(f"unknown --init {args.init!r}; choose one of {', '.join(INITS)}")
    study = activation_study(args.dataset, parse_int_list(args.depths, "--depths"),
                             _names(args.activations, STUDY_CHOICES, "activation"),
                             width=args.width, steps=args.steps, lr=args.lr, init=args.init,
                             seed=args.seed)
    print(study)
    first = summary_of_first_layer(study)
    print(f"\nfirst-layer |dJ/dW| at initialisation, depth {max(study.depths)}: "
          + ", ".join(f"{a} {v:.3g}" for a, v in first.items()))
    _written(activations_report(study, args.out))
    return 0


def run_features(args) -> int:
    from chainrule.theory.features import feature_learning
    from chainrule.theory.reports import features_report

    hidden = parse_int_list(args.hidden, "--hidden")
    study = feature_learning(args.dataset, tuple(hidden), args.activation, steps=args.steps,
                             lr=args.lr, seed=args.seed)
    print(f"{study.dataset}: MLP [2, {', '.join(map(str, hidden))}, classes], {study.activation}"
          f"\naccuracy before training {study.accuracy_before:.3f}, after "
          f"{study.accuracy_after:.3f} (loss {study.losses[0]:.3f} -> {study.losses[-1]:.3f})")
    _written(features_report(study, args.out))
    return 0


def _default(fn, name: str):
    """The default of ``fn``'s argument ``name``: the study's own default is the command's."""
    return inspect.signature(fn).parameters[name].default


def register(sub) -> None:
    from chainrule.theory.activations_study import (
        INITS,
        STUDY_ACTIVATIONS,
        STUDY_CHOICES,
        activation_study,
    )
    from chainrule.theory.approximation import SWEEP_ACTIVATIONS, TARGETS, approximation_sweep
    from chainrule.theory.features import feature_learning

    p = sub.add_parser("exercises", help="answer the recitation's Questions 1-3 with live "
                       "evidence", description="Run Questions 1-3 and print each answer with "
                       "its evidence, computed now.")
    p.add_argument("--out", default="runs/exercises", help="folder for figures and report.html")
    p.add_argument("--quick", action="store_true", help="fewer training steps (a few seconds)")
    p.set_defaults(func=run_exercises)

    p = sub.add_parser("approx", help="universal approximation: error against hidden units N",
                       description="Train one-hidden-layer networks of growing width N on a "
                       "target and report sup and RMS error.")
    target = _default(approximation_sweep, "target")
    p.add_argument("--target", default=target,
                   help=f"{', '.join(TARGETS)} (default {target})")
    p.add_argument("--units", default="1,2,4,...,128",
                   help="widths N, e.g. 1,2,4,...,128 or 2,8,32 (default 1,2,4,...,128)")
    p.add_argument("--activation", default="all",
                   help=f"{', '.join(SWEEP_ACTIVATIONS)} (the step network is constructed), "
                        "comma-separated, or all")
    p.add_argument("--domain", default=None, help="lo,hi (or lo1,hi1,lo2,hi2 for 2-D targets)")
    p.add_argument("--steps", type=whole(1), default=1000)
    p.add_argument("--lr", type=positive_number, default=0.003)
    p.add_argument("--restarts", type=whole(1), default=3)
    p.add_argument("--seed", type=whole(0), default=0)
    p.add_argument("--out", default="runs/approx", help="folder for figures and report.html")
    p.set_defaults(func=run_approx)

    p = sub.add_parser("activations", help="activation choice: vanishing gradients, dead units, "
                       "speed", description="Train MLPs of several depths with each activation "
                       "and record gradient norms, inactive units, loss and time per step.")
    dataset = _default(activation_study, "dataset")
    p.add_argument("--dataset", default=dataset, help=f"a data set name (default {dataset})")
    p.add_argument("--depths", default="2,4,8,16", help="hidden layers, e.g. 2,4,8,16")
    p.add_argument("--activations", default=",".join(STUDY_ACTIVATIONS),
                   help=f"comma-separated: {', '.join(STUDY_CHOICES)}, or all (default "
                        f"{','.join(STUDY_ACTIVATIONS)})")
    p.add_argument("--width", type=whole(1), default=32)
    p.add_argument("--steps", type=whole(1), default=200)
    p.add_argument("--lr", type=positive_number, default=0.02)
    init = _default(activation_study, "init")
    p.add_argument("--init", default=init,
                   help=f"{', '.join(INITS)} (default {init}: He for ReLU, Xavier otherwise)")
    p.add_argument("--seed", type=whole(0), default=0)
    p.add_argument("--out", default="runs/activations", help="folder for figures and report.html")
    p.set_defaults(func=run_activations)

    p = sub.add_parser("features", help="feature learning: every hidden unit over the plane, "
                       "before and after training", description="Train a small MLP on a 2-D "
                       "data set and draw each hidden unit's activation over the input plane.")
    dataset = _default(feature_learning, "dataset")
    p.add_argument("--dataset", default=dataset, help=f"a 2-D classification data set "
                   f"(default {dataset})")
    p.add_argument("--hidden", default="6", help="hidden layer sizes, e.g. 6 or 8,4")
    activation = _default(feature_learning, "activation")
    p.add_argument("--activation", default=activation, help=f"the hidden activation (default "
                   f"{activation})")
    p.add_argument("--steps", type=whole(1), default=400)
    p.add_argument("--lr", type=positive_number, default=0.03)
    p.add_argument("--seed", type=whole(0), default=0)
    p.add_argument("--out", default="runs/features", help="folder for figures and report.html")
    p.set_defaults(func=run_features)
