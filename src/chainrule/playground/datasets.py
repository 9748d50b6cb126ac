"""The playground's data: TF Playground's generators on [-6, 6]², extended to k classes, and
1-D targets for the recitation's questions.

Classification labels are class indices. With two classes they follow TF Playground: its label
+1 (blue) is class 1 and -1 (orange) is class 0. Regression targets lie in [-1, 1] as in TF
Playground. A 1-D data set (``fn-*``) puts its points at x2 = 0 and its target depends on x1.
"""

from __future__ import annotations

import numpy as np

from chainrule.data import FUNCTIONS

CLASSIFICATION = ("circle", "xor", "gauss", "spiral", "custom")
REGRESSION = ("reg-plane", "reg-gauss", "xor4", *(f"fn-{n}" for n in FUNCTIONS),
              "fn-staircase", "fn-line", "custom")
TITLES = {
    "circle": "Circle", "xor": "Exclusive or", "gauss": "Gaussian", "spiral": "Spiral",
    "reg-plane": "Plane", "reg-gauss": "Multi Gaussian", "xor4": "XOR, the slide's 4 points",
    "fn-staircase": "Staircase (1-D)", "fn-line": "Line 0.1x + 0.2 (1-D)", "custom": "Your data",
    **{f"fn-{n}": f"{n} (1-D)" for n in FUNCTIONS},
}
SAMPLES = {"classification": 500, "regression": 1200, "1d": 200, "xor4": 100}
RADIUS = 6.0  # the view is [-6, 6]²

# The staircase the step preset represents exactly (breaks, then one value per piece) and
# the line the identity preset represents exactly (a, b): targets and weights share them.
STAIRCASE = ((-3.0, 0.0, 3.0), (-0.75, -0.25, 0.25, 0.75))
LINE = (0.1, 0.2)
XOR_POINTS = np.array([[1.0, 1.0], [-1.0, 1.0], [1.0, -1.0], [-1.0, -1.0]])
XOR_LABELS = np.array([1.0, -1.0, -1.0, 1.0])


def is_1d(name: str) -> bool:
    return name.startswith("fn-")


def fixed_classes(name: str) -> int | None:
    """The class count a data set always has (XOR's two), or None when it is a setting."""
    return 2 if name == "xor" else None


def generate(name: str, classes: int, noise: int, seed: int):
    """``(points (n, 2), labels (n,))`` of data set ``name``; ``noise`` is TF's 0-50."""
    rng = np.random.default_rng(seed)
    level = noise / 100
    if name in _CLASSIFY:
        return _CLASSIFY[name](SAMPLES["classification"], level, classes, rng)
    if name == "xor4":
        return _xor4(level, rng)
    if is_1d(name):
        return _one_d(name[3:], SAMPLES["1d"], level, rng)
    return _REGRESS[name](SAMPLES["regression"], level, rng)


def split(n: int, perc_train: int, seed: int):
    """TF Playground's split: shuffle, then the first floor(n * perc / 100) points train."""
    order = np.random.default_rng(seed).permutation(n)
    cut = n * perc_train // 100
    return np.sort(order[:cut]), np.sort(order[cut:])


def _uniform(rng, n, lo=-RADIUS, hi=RADIUS):
    return rng.uniform(lo, hi, n)


def _circle(n, noise, k, rng):
    # k rings of width 5/k from the centre out, the outer 60% of each ring but the first
    # (TF's two: r in [0, 2.5] and [3.5, 5]); a point's class is its ring after the noise.
    width = 5.0 / k
    ring = np.repeat(np.arange(k), -(-n // k))[:n]
    low = ring * width + (ring > 0) * 0.4 * width
    r = rng.uniform(low, (ring + 1) * width)
    angle = _uniform(rng, n, 0, 2 * np.pi)
    pts = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    moved = pts + rng.uniform(-5, 5, (n, 2)) * noise
    seen = np.minimum(np.hypot(moved[:, 0], moved[:, 1]) // width, k - 1).astype(np.int64)
    return pts, (k - 1) - seen  # TF: inside (+1, blue) is class 1 of two


def _xor(n, noise, k, rng):
    pts = rng.uniform(-5, 5, (n, 2))
    pts += np.where(pts > 0, 0.3, -0.3)  # TF's padding away from the axes
    moved = pts + rng.uniform(-5, 5, (n, 2)) * noise
    return pts, (moved[:, 0] * moved[:, 1] >= 0).astype(np.int64)


def _gauss(n, noise, k, rng):
    # Centres on a circle through TF's (2, 2) and (-2, -2); variance 0.5 .. 4 with the noise.
    variance = 0.5 + 7.0 * noise
    label = np.repeat(np.arange(k), -(-n // k))[:n]
    angle = np.pi * 1.25 + 2 * np.pi * label / k
    centre = np.sqrt(8.0) * np.column_stack([np.cos(angle), np.sin(angle)])
    return centre + rng.normal(0, np.sqrt(variance), (n, 2)), label.astype(np.int64)


def _spiral(n, noise, k, rng):
    per = -(-n // k)
    label = np.repeat(np.arange(k), per)[:n]
    i = np.tile(np.arange(per), k)[:n]
    r = i / per * 5
    t = 1.75 * i / per * 2 * np.pi + np.pi + 2 * np.pi * label / k  # TF: class 0 at pi
    pts = np.column_stack([r * np.sin(t), r * np.cos(t)]) + rng.uniform(-1, 1, (n, 2)) * noise
    return pts, label.astype(np.int64)


def _plane(n, noise, rng):
    pts = rng.uniform(-RADIUS, RADIUS, (n, 2))
    moved = pts + rng.uniform(-RADIUS, RADIUS, (n, 2)) * noise
    return pts, (moved[:, 0] + moved[:, 1]) / 10  # TF maps x + y in [-10, 10] to [-1, 1]


_BUMPS = np.array([[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1],
                   [4, -2.5, -1]], dtype=np.float64)


def _multi_gauss(n, noise, rng):
    pts = rng.uniform(-RADIUS, RADIUS, (n, 2))
    moved = pts + rng.uniform(-RADIUS, RADIUS, (n, 2)) * noise
    dist = np.hypot(moved[:, None, 0] - _BUMPS[:, 0], moved[:, None, 1] - _BUMPS[:, 1])
    heights = _BUMPS[:, 2] * np.clip(1 - dist / 2, 0, 1)  # TF: 1 at a centre, 0 beyond 2
    pick = np.argmax(np.abs(heights), axis=1)  # the bump largest in absolute value wins
    return pts, heights[np.arange(n), pick]


def _xor4(noise, rng):
    copies = SAMPLES["xor4"] // len(XOR_POINTS)
    pts = np.repeat(XOR_POINTS, copies, axis=0)
    pts = pts + rng.normal(0, 1, pts.shape) * noise
    return pts, np.repeat(XOR_LABELS, copies)


def target(fn: str):
    """The 1-D target of ``fn-<fn>`` as a function of x1 on [-6, 6], with values in [-1, 1]."""
    if fn == "staircase":
        breaks, values = (np.asarray(v) for v in STAIRCASE)
        return lambda x: values[np.searchsorted(breaks, x, side="right")]
    if fn == "line":
        return lambda x: LINE[0] * x + LINE[1]
    f = FUNCTIONS[fn]
    # chainrule.data's functions live on [-pi, pi]; scaled so the largest |value| there is 1.
    u = np.linspace(-np.pi, np.pi, 1001)
    peak = float(np.max(np.abs(f(u)))) or 1.0
    return lambda x: f(np.asarray(x) * (np.pi / RADIUS)) / peak


def _one_d(fn, n, noise, rng):
    x = np.sort(rng.uniform(-RADIUS, RADIUS, n))
    y = target(fn)(x) + rng.uniform(-1, 1, n) * noise
    return np.column_stack([x, np.zeros(n)]), y


_CLASSIFY = {"circle": _circle, "xor": _xor, "gauss": _gauss, "spiral": _spiral}
_REGRESS = {"reg-plane": _plane, "reg-gauss": _multi_gauss}
