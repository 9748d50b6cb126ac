"""Entry point: build the parser from every ``chainrule.cli.*`` module, run, map errors.

A module of this package that defines ``register(subparsers)`` contributes subcommands; each
parser it adds sets ``func(args) -> int``. Any ``ChainruleError`` (and any usage error) becomes
one line on stderr and exit status 2 — a traceback would be a bug.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import chainrule
from chainrule.errors import ChainruleError


class UsageError(ChainruleError):
    """A command-line option is missing or malformed."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not argparse's usage block
        raise UsageError(f"{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="chainrule",
        description="Neural networks and backpropagation you can see.",
    )
    parser.add_argument("--version", action="version", version=f"chainrule {chainrule.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    package = importlib.import_module("chainrule.cli")
    modules = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name == "main":
            continue
        module = importlib.import_module(f"chainrule.cli.{info.name}")
        if hasattr(module, "register"):
            modules.append(module)
    for module in sorted(modules, key=lambda m: (getattr(m, "ORDER", 50), m.__name__)):
        module.register(sub)
    return parser


def main(argv=None) -> int:
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return 0
        return int(args.func(args) or 0)
    except ChainruleError as exc:
        message = " ".join(str(exc).split("\n")[0].split())
        print(f"chainrule: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("chainrule: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
