"""``chainrule explain | draw | gradcheck``: the recitation's Question 3 network, made visible.

    chainrule explain                       # the backward pass, line by line, like the slide
    chainrule explain --step                # one node at a time (Enter for the next)
    chainrule explain --format latex --out q3.tex
    chainrule draw --out q3.svg             # .dot text, or .svg/.png with Graphviz installed
    chainrule gradcheck                     # each op's rule against finite differences
"""

from __future__ import annotations

import sys

import numpy as np

from chainrule.cli.options import positive_number, whole
from chainrule.cli.outputs import write_file
from chainrule.errors import ConfigError

ORDER = 40
FORMATS = ("text", "table", "markdown", "latex", "html")


def _network_options(p):
    g = p.add_argument_group("the network (the recitation's Question 3)")
    g.add_argument("--inputs", type=whole(1), default=3, metavar="N",
                   help="input size n (default 3)")
    g.add_argument("--hidden", type=whole(1), default=4, metavar="M",
                   help="hidden ReLU units m (default 4)")
    g.add_argument("--classes", type=whole(), default=3, metavar="K",
                   help="classes k, at least 2 (default 3)")
    g.add_argument("--seed", type=whole(0), default=0, help="seed of the weights and data (0)")
    g.add_argument("--batch", type=whole(1), default=None, metavar="B",
                   help="B examples as rows instead of the slides' single example")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "explain", help="the backward pass of the recitation's network, step by step",
        description="Backprop on the recitation's Question 3 network (x -> linear -> ReLU -> "
                    "linear -> softmax + cross-entropy), one line per gradient, with the "
                    "chain-rule formula and its numbers.")
    _network_options(p)
    p.add_argument("--format", choices=FORMATS, default="text",
                   help="text (default), table (rich), markdown, latex (an align* block; a whole "
                        "document with --out) or html")
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of the terminal")
    p.add_argument("--step", action="store_true",
                   help="one node at a time (waits for Enter when run in a terminal)")
    p.add_argument("--expand", action="store_true",
                   help="show the fused cross-entropy as its softmax and log steps")
    p.set_defaults(func=run_explain)

    d = subparsers.add_parser(
        "draw", help="the computation graph of the recitation's network (DOT, SVG, PNG)",
        description="Draw the Question 3 network's graph with values and gradients. .dot/.gv "
                    "files hold the Graphviz text; .svg/.png/.pdf need the dot program.")
    _network_options(d)
    d.add_argument("--out", metavar="FILE", help="FILE.dot, .gv, .svg, .png or .pdf "
                                                 "(default: DOT text on the terminal)")
    d.set_defaults(func=run_draw)

    g = subparsers.add_parser(
        "gradcheck", help="check every op's gradient rule against finite differences",
        description="Per-op gradient check of the Question 3 network in float64: each op's "
                    "rule alone at the values it saw, with CS231n's verdict. Exit 1 on failure.")
    _network_options(g)
    g.add_argument("--eps", type=positive_number, default=1e-6,
                   help="finite-difference step (1e-6)")
    g.set_defaults(func=run_gradcheck)


def _network(args, dtype=np.float32):
    from chainrule.inspect.recitation import question3_network

    return question3_network(n=args.inputs, m=args.hidden, k=args.classes, seed=args.seed,
                             batch=args.batch, dtype=dtype)


def _describe(args, q) -> str:
    examples = "one example" if args.batch is None else f"a batch of {args.batch} examples"
    return (f"Question 3 network: n={args.inputs} inputs, m={args.hidden} hidden ReLU units, "
            f"k={args.classes} classes, seed {args.seed}, {examples}; "
            f"label y = {q.y.tolist()}, J = {float(q.J.item()):.6g}")


def _emit(text: str, out) -> None:
    if out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    write_file(out, text)
    print(f"wrote {out}")


def run_explain(args) -> int:
    from chainrule.inspect.explain import explain
    from chainrule.inspect.stepper import backward_steps

    q = _network(args)
    if args.step:
        if args.out or args.format != "text":
            raise ConfigError("--step shows the steps in the terminal; it cannot be combined "
                              "with --out or --format")
        return _run_steps(args, q, backward_steps(q.J, expand=args.expand))
    trace = explain(q.J, expand=args.expand)
    if args.format == "text":
        text = _describe(args, q) + "\n\n" + trace.to_text()
    elif args.format == "table":
        text = _describe(args, q) + "\n\n" + str(trace)
    elif args.format == "markdown":
        text = trace.to_markdown()
    elif args.format == "latex":
        text = trace.to_latex(document=args.out is not None)
    else:
        text = trace.to_html()
    _emit(text, args.out)
    return 0


def _run_steps(args, q, states) -> int:
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    print(_describe(args, q))
    for state in states:
        print()
        print(state)
        if interactive and not state.done:
            try:
                answer = input("-- Enter for the next node, q to stop -- ")
            except EOFError:
                answer = "q"
            if answer.strip().lower().startswith("q"):
                print("stopped: the remaining nodes were not visited")
                return 0
    print()
    print("done: every parameter's gradient is in its .grad, as after J.backward()")
    return 0


def run_draw(args) -> int:
    from chainrule.inspect.draw import draw
    from chainrule.inspect.explain import explain

    q = _network(args)
    trace = explain(q.J, retain_graph=True)  # the picture shows every gradient too
    graph = draw(q.J, trace=trace)
    if args.out is None:
        sys.stdout.write(graph.dot)
        return 0
    import os

    ext = os.path.splitext(args.out)[1].lower()
    if ext in (".dot", ".gv"):
        write_file(args.out, graph.dot)
    elif ext in (".svg", ".png", ".pdf"):
        write_file(args.out, graph.render(ext[1:]))
    else:
        raise ConfigError(f"cannot tell the format of {args.out!r}: use a .dot, .gv, .svg, .png "
                          "or .pdf file name")
    print(f"wrote {args.out}")
    return 0


def run_gradcheck(args) -> int:
    from chainrule.inspect.gradcheck import gradcheck
    from chainrule.inspect.recitation import build

    q = _network(args, dtype=np.float64)

    def network(W, b1, U, b2):
        return build(q.x, q.y, W, b1, U, b2).J

    report = gradcheck(network, q.W, q.b1, q.U, q.b2, eps=args.eps, per_op=True,
                       raise_on_failure=False)
    print(_describe(args, q))
    print(report)
    return 0 if report.passed else 1
