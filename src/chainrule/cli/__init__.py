"""The ``chainrule`` command. Each module here adds its subcommands through ``register``."""

from chainrule.cli.main import main

__all__ = ["main"]
