"""Synthetic data sets made with NumPy alone, reproducible bit for bit from ``seed``."""

import numpy as np

from chainrule.errors import ConfigError, DataError
from chainrule.validation import generator, integer, real

from .record import Dataset

_XY = ["x1", "x2"]


def _count(value, name, least=1) -> int:
    """A data set's count option (n, arms, centers), checked by ``validation.integer``."""
    return integer(value, name, minimum=least, expected=f"an integer of at least {least}")


def xor(n=200, noise=0.0, seed=0):
    """The recitation's XOR: corners (1,1)→1, (1,-1)→-1, (-1,1)→-1, (-1,-1)→1.

    Points cycle through the corners in that order, plus Gaussian noise of std ``noise``, so
    ``xor(4)`` is exactly the recitation's four points. The targets ±1 become class indices:
    class 0 is "-1" (signs differ), class 1 is "1" (signs agree).
    """
    n = _count(n, "n")
    noise = real(noise, "noise", minimum=0.0)
    corners = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]])
    labels = np.array([1, 0, 0, 1], dtype=np.int64)
    X = corners[np.arange(n) % 4]
    y = labels[np.arange(n) % 4]
    if noise > 0:
        X = X + generator(seed, allow_none=False).normal(scale=noise, size=X.shape)
    return Dataset(X, y, "classification", ["-1", "1"], _XY, "xor",
                   "XOR on the corners of [-1, 1]^2 (recitation, question 2)")


def moons(n=1000, noise=0.2, seed=0):
    """Two interleaving half circles, the geometry of ``sklearn.datasets.make_moons``."""
    n = _count(n, "n", 2)
    noise = real(noise, "noise", minimum=0.0)
    n_out, n_in = n // 2, n - n // 2
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    X = np.concatenate([
        np.column_stack([np.cos(t_out), np.sin(t_out)]),
        np.column_stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)]),
    ])
    y = np.repeat(np.array([0, 1], dtype=np.int64), [n_out, n_in])
    X, y = _shuffle_and_jitter(X, y, noise, generator(seed, allow_none=False))
    return Dataset(X, y, "classification", ["0", "1"], _XY, "moons",
                   f"two interleaving half circles, noise {noise}")


def circles(n=1000, noise=0.1, factor=0.5, seed=0):
    """A small circle (radius ``factor``) inside a unit circle, as ``sklearn``'s make_circles."""
    n = _count(n, "n", 2)
    noise = real(noise, "noise", minimum=0.0)
    factor = real(factor, "factor", minimum=0.0)
    if factor >= 1:
        raise ConfigError(f"factor (inner radius / outer radius) must be below 1, found {factor}")
    n_out, n_in = n // 2, n - n // 2
    # endpoint=False so the first and last point of a circle do not coincide.
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    X = np.concatenate([
        np.column_stack([np.cos(t_out), np.sin(t_out)]),
        factor * np.column_stack([np.cos(t_in), np.sin(t_in)]),
    ])
    y = np.repeat(np.array([0, 1], dtype=np.int64), [n_out, n_in])
    X, y = _shuffle_and_jitter(X, y, noise, generator(seed, allow_none=False))
    return Dataset(X, y, "classification", ["0", "1"], _XY, "circles",
                   f"two concentric circles, radius ratio {factor}, noise {noise}")


def spirals(n=1000, arms=3, noise=0.1, seed=0):
    """The CS231n spirals: ``arms`` classes, each an arm with radius 0→1 over 4 radians.

    ``noise`` is the standard deviation of the Gaussian noise on the angle, in radians
    (CS231n uses 0.2).
    """
    n = _count(n, "n")
    arms = _count(arms, "arms")
    noise = real(noise, "noise", minimum=0.0)
    rng = generator(seed, allow_none=False)
    counts = _split_evenly(n, arms)
    y = np.repeat(np.arange(arms, dtype=np.int64), counts)
    # Position along the arm in [0, 1], computed for all arms at once.
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    sizes = np.repeat(np.maximum(counts - 1, 1), counts)
    s = (np.arange(n) - starts) / sizes
    theta = 4.0 * (y + s) + rng.normal(scale=noise, size=n)
    X = np.column_stack([s * np.sin(theta), s * np.cos(theta)])
    order = rng.permutation(n)
    return Dataset(X[order], y[order], "classification", [str(k) for k in range(arms)], _XY,
                   "spirals", f"{arms} interleaved spiral arms (CS231n), angle noise {noise}")


def gaussians(n=1000, centers=3, std=1.0, seed=0):
    """Isotropic Gaussian blobs, one class per center.

    ``centers`` is a count k, placing the centers evenly on a circle of radius 4 (so the classes
    are well apart whatever the seed), or an array (k, d) of explicit centers in d dimensions.
    """
    n = _count(n, "n")
    std = real(std, "std", minimum=0.0)
    if isinstance(centers, (int, np.integer)) and not isinstance(centers, bool):
        k = _count(centers, "centers")
        angle = np.pi / 2 + 2 * np.pi * np.arange(k) / k
        means = 4.0 * np.column_stack([np.cos(angle), np.sin(angle)])
    else:
        means = np.asarray(centers, dtype=np.float64)
        if means.ndim != 2 or len(means) == 0 or not np.all(np.isfinite(means)):
            raise ConfigError("centers must be a count or a finite array of shape (k, d), "
                              f"found {centers!r}")
        k = len(means)
    counts = _split_evenly(n, k)
    y = np.repeat(np.arange(k, dtype=np.int64), counts)
    X = means[y]
    X, y = _shuffle_and_jitter(X, y, std, generator(seed, allow_none=False))
    names = _XY if X.shape[1] == 2 else [f"x{j + 1}" for j in range(X.shape[1])]
    return Dataset(X, y, "classification", [str(c) for c in range(k)], names, "gaussians",
                   f"{k} Gaussian blobs with standard deviation {std}")


def _heaviside(x):
    return np.where(x >= 0, 1.0, 0.0)


def _sawtooth(x):
    # Period 2, rising from -1 to 1: three teeth on the default domain [-pi, pi].
    return x - 2.0 * np.floor((x + 1.0) / 2.0)


def _square(x):
    return x**2


FUNCTIONS = {"sin": np.sin, "abs": np.abs, "step": _heaviside, "sawtooth": _sawtooth,
             "square": _square}


def sine(n=256, fn=np.sin, domain=(-np.pi, np.pi), noise=0.0, seed=0):
    """1-D regression of ``fn`` on ``domain``: X is (n, 1), evenly spaced and sorted; y is (n, 1).

    ``fn`` is a callable or one of the names in ``FUNCTIONS`` ("sin", "abs", "step" (1 for x >= 0,
    else 0), "sawtooth" (period 2, range [-1, 1)), "square" (x**2)). ``noise`` is the standard
    deviation of Gaussian noise added to y.
    """
    n = _count(n, "n")
    noise = real(noise, "noise", minimum=0.0)
    if isinstance(fn, str):
        if fn not in FUNCTIONS:
            raise ConfigError(f"unknown function {fn!r}; use a callable or one of "
                              f"{', '.join(FUNCTIONS)}")
        fn_name, fn = fn, FUNCTIONS[fn]
    elif callable(fn):
        fn_name = getattr(fn, "__name__", "f")
    else:
        raise ConfigError(f"fn must be a callable or a function name, found {fn!r}")
    try:
        lo, hi = (real(v, "domain bound") for v in domain)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"domain must be a pair (low, high), found {domain!r}") from exc
    if not lo < hi:
        raise ConfigError(f"domain must have low < high, found {domain!r}")
    x = np.linspace(lo, hi, n)
    y = _evaluate(fn, x, fn_name)
    if noise > 0:
        y = y + generator(seed, allow_none=False).normal(scale=noise, size=n)
    return Dataset(x.reshape(n, 1), y.reshape(n, 1), "regression", None, ["x"], "sine",
                   f"y = {fn_name}(x) on [{lo:g}, {hi:g}], noise {noise}")


def _evaluate(fn, x, fn_name):
    """Apply ``fn`` to the grid; fall back to one call per point for scalar-only functions."""
    try:
        y = fn(x)
    except TypeError:  # e.g. math.sin rejects arrays
        y = [fn(float(v)) for v in x]
    y = np.asarray(y, dtype=np.float64)
    if y.size != x.size:
        raise ConfigError(f"fn {fn_name!r} returned shape {y.shape} for {x.size} inputs; it must "
                          "return one value per input")
    y = y.reshape(x.shape)
    if not np.all(np.isfinite(y)):
        bad = x[~np.isfinite(y)][0]
        raise DataError(f"fn {fn_name!r} is not finite at x = {bad:g}; choose another domain")
    return y


def _split_evenly(n, k):
    """Class sizes differing by at most one: the first n % k classes get the extra sample."""
    return np.full(k, n // k) + (np.arange(k) < n % k)


def _shuffle_and_jitter(X, y, noise, rng):
    # Shuffle first, then add noise: the draw order is fixed so a seed pins the arrays exactly.
    order = rng.permutation(len(y))
    X, y = X[order], y[order]
    if noise > 0:
        X = X + rng.normal(scale=noise, size=X.shape)
    return X, y
