"""``chainrule playground``: bad options are one line and exit 2; a real server starts."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import chainrule
from chainrule.cli.main import main

SRC = str(Path(chainrule.__file__).resolve().parents[1])


@pytest.mark.parametrize("argv, message", [
    (["--port", "70000"], "--port must be a whole number in [0, 65535]"),
    (["--port", "abc"], "invalid int value: 'abc'"),
    (["--host", " "], "--host must be an address"),
    (["--colour"], "unrecognized arguments: --colour"),
])
def test_bad_options_are_one_line_and_exit_2(argv, message, capsys):
    assert main(["playground", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_a_port_in_use_is_one_line_and_exit_2(capsys):
    pytest.importorskip("uvicorn")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["playground", "--port", str(port), "--no-browser"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"cannot listen on 127.0.0.1:{port}" in err


def start(*args):
    """A real ``chainrule playground`` process; returns it and the URL it printed."""
    env = {**os.environ, "PYTHONPATH": SRC}
    proc = subprocess.Popen([sys.executable, "-m", "chainrule", "playground", "--port", "0",
                             "--no-browser", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    line = proc.stdout.readline()
    if "http://" not in line:
        proc.kill()
        raise AssertionError(f"no URL: {line!r} {proc.stderr.read()}")
    return proc, line.split()[2]


def stop(proc):
    proc.send_signal(signal.SIGINT)
    try:
        return proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise


def test_the_server_serves_the_page_on_localhost():
    pytest.importorskip("uvicorn")
    proc, url = start()
    try:
        assert url.startswith("http://127.0.0.1:")
        for _ in range(50):
            try:
                page = urllib.request.urlopen(url, timeout=2).read().decode()
                break
            except OSError:
                time.sleep(0.1)
        assert "chainrule playground" in page
    finally:
        assert stop(proc) == 0
    assert "warning" not in proc.stderr.read().lower()


def test_listening_on_every_address_warns():
    pytest.importorskip("uvicorn")
    proc, _ = start("--host", "0.0.0.0")
    try:
        time.sleep(0.3)
    finally:
        stop(proc)
    err = proc.stderr.read()
    assert "warning: listening on 0.0.0.0" in err and "--host 127.0.0.1" in err


def test_the_session_needs_no_web_packages():
    code = ("import sys, chainrule.playground as p; p.Session().frame(); "
            "print([m for m in ('starlette', 'uvicorn', 'websockets') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": SRC})
    assert out.stdout.strip() == "[]"


def test_a_missing_web_package_names_the_extra(monkeypatch):
    from chainrule.errors import MissingExtraError
    from chainrule.playground import server

    monkeypatch.setitem(sys.modules, "starlette", None)  # "not installed"
    with pytest.raises(MissingExtraError, match=r"pip install 'chainrule\[playground\]'"):
        server.create_app()
