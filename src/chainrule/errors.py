"""One exception family for everything chainrule raises on purpose.

Every message says what was expected, what was found, and what to do.
The CLI turns any ``ChainruleError`` into one line on stderr and exit status 2.
"""


class ChainruleError(Exception):
    """Base class of every error chainrule raises deliberately."""


class ShapeError(ChainruleError, ValueError):
    """Array shapes do not fit together (matmul, broadcasting, state_dict, ...)."""


class DTypeError(ChainruleError, TypeError):
    """A dtype cannot do what was asked (e.g. an integer tensor asked for a gradient)."""


class GraphError(ChainruleError, RuntimeError):
    """The computation graph cannot be used as asked (released graph, non-scalar backward)."""


class GradcheckError(ChainruleError, AssertionError):
    """Autodiff and finite differences disagree; ``.report`` holds the details."""

    def __init__(self, message, report=None):
        super().__init__(message)
        self.report = report


class DataError(ChainruleError, ValueError):
    """A data set or data file is unusable; the message names the file, row and column."""


class ModelFileError(ChainruleError, ValueError):
    """A model file is missing, truncated, corrupted, of another format or version."""


class ConfigError(ChainruleError, ValueError):
    """An option or argument has a value chainrule cannot use."""


class ConfigTypeError(ConfigError, TypeError):
    """An option or argument has the wrong type (a string where a number belongs, ...)."""


class MissingExtraError(ChainruleError, ImportError):
    """An optional dependency is not installed; the message names the pip extra."""


class AnomalyError(ChainruleError, FloatingPointError):
    """A NaN or inf appeared under ``detect_anomaly``; names the op and the user's line."""


class TrainingDivergedError(ChainruleError, FloatingPointError):
    """The training loss became NaN or inf."""


def require(module: str, extra: str):
    """Import an optional dependency or raise ``MissingExtraError`` naming the extra."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(
            f"this feature needs the optional package '{module.split('.')[0]}', which is not "
            f"installed; install it with: pip install 'chainrule[{extra}]'"
        ) from exc
