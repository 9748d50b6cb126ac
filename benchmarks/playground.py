"""The playground's speed: epochs/s and frames/s, session-level, many tabs, and in Chromium.

    python benchmarks/playground.py [--repeats 5] [--seconds 3] [--tabs 20] [--no-browser]

- session: a ``Session`` driven the way the server drives a playing tab (train for the frame's
  budget, render, encode), back to back, for the default setup (circle, 4-2 tanh, batch 10,
  50 % train: TF Playground's) and the largest (7 inputs, 6 x 8 tanh, batch 1); beside it the
  training alone, and a hand-written NumPy loop of the same net (same weights, same batches;
  checked equal to chainrule's after one epoch) in the same process;
- tabs: a real ``chainrule playground`` server and ``--tabs`` websocket clients that play the
  default setup at once and acknowledge every frame, as the page does: frames/s per tab;
- browser: the page in Chromium (Playwright), playing each setup: frames drawn and epochs per
  second, read from the page.

Every figure is the median of ``--repeats`` runs. One BLAS thread, as the server uses.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from chainrule.playground import Session, Settings, frames
from chainrule.playground.features import KEYS
from chainrule.playground.server import MAX_FPS
from chainrule.playground.session import seed_number

SRC = str(Path(__file__).resolve().parents[1] / "src")
SETUPS = {
    "default: circle, 2-4-2-2 tanh, batch 10": Settings(),
    "largest: 7 inputs, 6 x 8 tanh, batch 1": Settings(
        batchSize=1, networkShape=(8,) * 6, inputs={k: True for k in KEYS}),
}
HASHES = {
    "default: circle, 2-4-2-2 tanh, batch 10": "",
    "largest: 7 inputs, 6 x 8 tanh, batch 1": "#batchSize=1&networkShape=8,8,8,8,8,8&" +
    "&".join(f"{k}=true" for k in KEYS),
}


# ----------------------------------------------------------------- session level


def stream(settings, seconds):
    """(frames/s, epochs/s): the server's loop for one playing tab, without the 64/s cap."""
    s = Session(settings)
    render, n = 0.002, 0
    s.advance(0.01)
    s.frame()
    e0, start = s.schedule.progress, time.perf_counter()
    while time.perf_counter() - start < seconds:
        s.advance(max(0.0005, 1 / MAX_FPS - render))
        t = time.perf_counter()
        frames.encode(*s.frame())
        render = 0.8 * render + 0.2 * (time.perf_counter() - t)
        n += 1
    took = time.perf_counter() - start
    return n / took, (s.schedule.progress - e0) / took


def train_only(settings, seconds):
    s = Session(settings)
    s.step_epoch()
    e0, start = s.epoch, time.perf_counter()
    while time.perf_counter() - start < seconds:
        s.step_epoch()
    return (s.epoch - e0) / (time.perf_counter() - start)


class NumpyNet:
    """The same MLP by hand: tanh hidden layers, softmax cross-entropy, SGD, float32."""

    def __init__(self, session):
        self.W = [lin.weight.data.copy() for lin in session.model.linears]
        self.b = [lin.bias.data.copy() for lin in session.model.linears]
        self.lr = np.float32(session.settings.learningRate)

    def step(self, x, t):
        hs = [x]
        for k, (W, b) in enumerate(zip(self.W, self.b)):
            z = hs[-1] @ W.T + b
            hs.append(np.tanh(z) if k < len(self.W) - 1 else z)
        z = hs[-1]
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(len(t)), t] -= 1
        dz = p / np.float32(len(t))
        for k in range(len(self.W) - 1, -1, -1):
            dW, db = dz.T @ hs[k], dz.sum(axis=0)
            if k:
                dz = (dz @ self.W[k]) * (1 - hs[k] * hs[k])
            self.W[k] -= self.lr * dW
            self.b[k] -= self.lr * db

    def epoch(self, X, y, batch, rng):
        perm = rng.permutation(len(X))
        for start in range(0, len(perm), batch):
            rows = perm[start:start + batch]
            self.step(X[rows], y[rows])


def numpy_loop(settings, seconds):
    s = Session(settings)
    net = NumpyNet(s)
    X, y = s._X_train, s.labels[s.train_idx]
    rng = np.random.default_rng(seed_number(settings.wseed) + 1)  # the session's batch order
    net.epoch(X, y, settings.batchSize, rng)
    s.step_epoch()
    for mine, theirs in zip(net.W, s.model.linears):
        np.testing.assert_allclose(mine, theirs.weight.data, rtol=1e-4, atol=1e-6)
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        net.epoch(X, y, settings.batchSize, rng)
        n += 1
    return n / (time.perf_counter() - start)


# ----------------------------------------------------------------- a real server


def start_server():
    env = {**os.environ, "PYTHONPATH": SRC}
    proc = subprocess.Popen([sys.executable, "-m", "chainrule", "playground", "--port", "0",
                             "--no-browser"], stdout=subprocess.PIPE, text=True, env=env)
    return proc, proc.stdout.readline().split()[2]


async def one_tab(url, seconds, counts, i):
    import websockets

    async with websockets.connect(url.replace("http", "ws") + "ws", max_size=2**24) as ws:
        while True:  # meta, state, data, the first frame
            if isinstance(await ws.recv(), bytes):
                break
        await ws.send(json.dumps({"type": "play"}))
        await asyncio.sleep(0.5)
        start, n = None, 0
        while True:
            message = await ws.recv()
            if isinstance(message, bytes):
                await ws.send('{"type":"ack"}')
                now = time.perf_counter()
                if start is None:
                    start = now
                elif now - start < seconds:
                    n += 1
                else:
                    counts[i] = n / (now - start)
                    return


def tabs(url, n, seconds):
    counts = [0.0] * n

    async def run():
        await asyncio.gather(*(one_tab(url, seconds, counts, i) for i in range(n)))

    asyncio.run(run())
    return counts


def browser(url, setup_hash, seconds, repeats):
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    args = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"]
    fps, eps = [], []
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=args)
        for _ in range(repeats):
            page = b.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url + setup_hash)
            page.wait_for_function("window.playground.frames > 0 && window.playground.state")
            page.wait_for_timeout(300)
            page.click("#play")
            page.wait_for_timeout(1000)
            read = "[playground.frames, playground.lastFrame.steps, performance.now()]"
            f0, s0, t0 = page.evaluate(read)
            page.wait_for_timeout(seconds * 1000)
            f1, s1, t1 = page.evaluate(read)
            n_train = page.evaluate("playground.map.data.train.reduce((a, b) => a + b, 0)")
            batch = page.evaluate("playground.settings.batchSize")
            page.close()
            fps.append((f1 - f0) / ((t1 - t0) / 1000))
            eps.append((s1 - s0) / -(-n_train // batch) / ((t1 - t0) / 1000))
        b.close()
    return statistics.median(fps), statistics.median(eps)


# ----------------------------------------------------------------- report


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--tabs", type=int, default=20)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    med = statistics.median

    print("### Session level (no browser)\n")
    print("| setup | frames/s | epochs/s while streaming | epochs/frame | training alone, "
          "epochs/s | hand-written NumPy, epochs/s | chainrule / NumPy time |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, settings in SETUPS.items():
        runs = [stream(settings, args.seconds) for _ in range(args.repeats)]
        f, e = med(r[0] for r in runs), med(r[1] for r in runs)
        alone = med(train_only(settings, args.seconds) for _ in range(args.repeats))
        floor = med(numpy_loop(settings, args.seconds) for _ in range(args.repeats))
        print(f"| {name} | {f:.1f} | {e:.1f} | {e / f:.2f} | {alone:.1f} | {floor:.1f} | "
              f"{floor / alone:.2f}x |", flush=True)

    proc, url = start_server()
    try:
        time.sleep(0.5)
        per_tab = [tabs(url, args.tabs, args.seconds) for _ in range(args.repeats)]
        lows = [min(r) for r in per_tab]
        mids = [med(r) for r in per_tab]
        print(f"\n### {args.tabs} tabs playing the default setup at once (one server)\n")
        print("| frames/s per tab: slowest tab | median tab |")
        print("|---:|---:|")
        print(f"| {med(lows):.1f} | {med(mids):.1f} |", flush=True)
        if not args.no_browser:
            print("\n### In Chromium (the page draws every frame)\n")
            print("| setup | frames/s | epochs/s |")
            print("|---|---:|---:|")
            for name, setup_hash in HASHES.items():
                f, e = browser(url, setup_hash, args.seconds, args.repeats)
                print(f"| {name} | {f:.1f} | {e:.1f} |", flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
