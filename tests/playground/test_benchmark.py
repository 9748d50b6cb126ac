"""The playground benchmark's hand-written NumPy loop trains exactly the session's net."""

import importlib.util
from pathlib import Path

from chainrule.playground import Settings

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "playground.py"


def _bench():
    spec = importlib.util.spec_from_file_location("playground_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_numpy_loop_matches_chainrule_after_an_epoch():
    bench = _bench()
    for settings in bench.SETUPS.values():
        assert bench.numpy_loop(settings, seconds=0) >= 0  # asserts equal weights first
    assert bench.numpy_loop(Settings(batchSize=7), seconds=0) >= 0  # a short last batch


def test_the_session_stream_runs():
    frames_per_s, epochs_per_s = _bench().stream(Settings(), seconds=0.05)
    assert frames_per_s > 0 and epochs_per_s > 0
