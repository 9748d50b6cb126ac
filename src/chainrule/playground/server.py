"""The playground's web layer: a Starlette app with the static page and one websocket per tab.

Each websocket owns one ``Session``. While a tab plays, its task trains for a frame's budget,
sends the frame (binary, see ``frames``) and yields to the other tabs; the budget shrinks as
more tabs play, so each keeps a frame rate (60/s alone, 10/s with many). The page
acknowledges every frame it has drawn, and at most ``CREDITS`` frames are in flight, so a slow
tab never queues frames; while the page draws, the next frame's training is done in short
slices, so a frame is sent as soon as the page asks for it. A hidden tab (no request for
``STALL`` seconds) trains no further. A message the page should not
have sent gets an ``error`` message back; the session goes on. A closed websocket drops its
session.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from chainrule.errors import ChainruleError, ConfigError, require
from chainrule.playground import export, frames, protocol
from chainrule.playground.meta import meta
from chainrule.playground.session import Session

STATIC = Path(__file__).parent / "static"
CREDITS = 2            # frames the page may have received but not yet drawn
MAX_TABS = 64
MAX_FPS = 64.0         # just above a display's 60 Hz: the page's acks set the pace
MIN_FPS_SHARED = 10.0  # with many playing tabs, each still gets this many frames per second
SLICE = 0.002          # training between frames while the page draws, in slices this long
STALL = 0.25           # no ack for this long: the page is not drawing (hidden), stop training
log = logging.getLogger("chainrule.playground")


class Hub:
    """The tabs of one server: how many play decides each one's training budget."""

    def __init__(self, max_tabs: int = MAX_TABS):
        self.max_tabs = max_tabs
        self.tabs: set = set()

    def frame_time(self) -> float:
        playing = sum(1 for t in self.tabs if t.playing) or 1
        return min(1 / MAX_FPS, 1 / (MIN_FPS_SHARED * playing))


class Tab:
    """One websocket and its session."""

    def __init__(self, websocket, hub: Hub):
        self.ws, self.hub = websocket, hub
        self.session = Session()
        self.playing = False
        self.credits = CREDITS
        self.focus = None
        self.render_time = 0.002
        self.trained = 0.0         # seconds trained since the last frame went out
        self.sent_at = 0.0
        self.wake = asyncio.Event()

    # ----- sending
    async def send(self, message: dict) -> None:
        await self.ws.send_text(json.dumps(message, allow_nan=False, separators=(",", ":")))

    async def send_frame(self) -> None:
        t = time.perf_counter()
        header, blocks = self.session.frame(self.focus)
        header["playing"] = self.playing
        data = frames.encode(header, blocks)
        self.render_time = 0.8 * self.render_time + 0.2 * (time.perf_counter() - t)
        self.credits -= 1
        await self.ws.send_bytes(data)

    async def send_setup(self, rebuilt=frozenset({"data", "network"})) -> None:
        """The setup after a change: its description, its points if they changed, a frame."""
        await self.send({"type": "state", "rebuilt": sorted(rebuilt),
                         **self.session.describe()})
        if "data" in rebuilt:
            await self.send({"type": "data", **self.session.data()})
        await self.send_frame()

    # ----- the play loop
    async def play_loop(self) -> None:
        try:
            while True:
                await self.wake.wait()
                if not self.playing:
                    self.wake.clear()
                elif self.credits > 0:
                    await self.play_frame()
                elif self.session.settings.speed == "max" and self.trained < self.budget() \
                        and time.perf_counter() - self.sent_at < STALL:
                    await self.train_while_drawing()
                else:  # a fixed pace, this frame's training done, or a hidden tab: wait
                    self.wake.clear()
        except asyncio.CancelledError:
            raise
        except Exception:  # the socket closed under us, or a bug: the tab stops playing
            log.debug("playground: play loop ended", exc_info=True)
            self.playing = False

    def budget(self) -> float:
        """Training time per frame: the frame's time less the time it takes to render."""
        return max(0.0005, self.hub.frame_time() - self.render_time)

    async def play_frame(self) -> None:
        start = time.perf_counter()
        self.session.advance(max(0.0005, self.budget() - self.trained))
        await self.send_frame()
        self.trained, self.sent_at = 0.0, time.perf_counter()
        if self.session.diverged:
            await self.stop_diverged()
        # At most MAX_FPS frames; always let the other tabs and the messages in.
        await asyncio.sleep(max(0.0, 1 / MAX_FPS - (time.perf_counter() - start)))

    async def train_while_drawing(self) -> None:
        """The page is still drawing: spend this frame's budget now, in short slices, rather
        than after its next request (a slow page leaves the rest of the CPU to the browser)."""
        start = time.perf_counter()
        self.session.advance(SLICE)
        self.trained += time.perf_counter() - start
        if self.session.diverged:
            await self.send_frame()
            await self.stop_diverged()
        await asyncio.sleep(0)

    async def stop_diverged(self) -> None:
        self.set_playing(False)
        await self.send({"type": "notice", "level": "error", "message": self.session.diverged})
        await self.send({"type": "playing", "playing": False})

    def set_playing(self, on: bool) -> None:
        self.playing = on
        self.wake.set()

    # ----- the page's messages
    async def handle(self, kind: str, f: dict) -> None:
        s = self.session
        if kind == "ack":
            self.credits = min(CREDITS, self.credits + 1)
            self.wake.set()
            return
        if kind in ("play", "pause"):
            self.set_playing(kind == "play" and not s.diverged)
            if kind == "play" and s.diverged:
                await self.send({"type": "notice", "level": "error", "message": s.diverged})
            await self.send({"type": "playing", "playing": self.playing})
            return
        if kind in ("load", "settings", "preset", "regenerate", "reseed", "upload",
                    "clear_points", "add_point"):
            errors = [] if kind == "load" else None
            if kind in ("load", "settings"):
                rebuilt = s.update(f["settings"], errors)
                if "points" in f:
                    rebuilt |= s.set_points(f["points"])
            elif kind == "preset":
                rebuilt = s.update({"preset": f["name"]})
            elif kind == "upload":
                rebuilt = s.upload(f["name"], f["text"])
            elif kind == "add_point":
                rebuilt = s.add_point(f["x1"], f["x2"], f["label"])
            else:
                rebuilt = getattr(s, kind)()
            if "network" in rebuilt:
                self.focus = None
            await self.send_setup(rebuilt)
            if errors:
                await self.send({"type": "error", "message": "; ".join(
                    _one_line(e) for e in errors[:5])})
            return
        if kind == "step":
            s.step_epoch()
            await self.send_frame()
        elif kind == "reset":
            s.reset()
            await self.send_frame()
        elif kind == "focus":
            self.focus = _focus(f)
            if not self.playing:
                await self.send_frame()
        elif kind == "param":
            s.set_param(f["layer"], f["kind"], f["row"], f.get("col", 0), f["value"])
            await self.send_frame()
        elif kind == "explain":
            await self.send({"type": "explain", **s.explain(f["point"])})
        elif kind == "step_point":
            await self.send({"type": "explain", **s.step_point(f["point"])})
            await self.send_frame()
        elif kind == "export":
            name, data, mime = export.export(s, f["format"])
            await self.ws.send_bytes(frames.encode({"type": "file", "name": name, "mime": mime},
                                                   {"data": np.frombuffer(data, np.uint8)}))

    async def receive_loop(self) -> None:
        from starlette.websockets import WebSocketDisconnect, WebSocketState

        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            kind = None
            try:
                text = message.get("text")
                kind, fields = protocol.parse(text if text is not None else message.get("bytes"))
                await self.handle(kind, fields)
            except ChainruleError as exc:
                await self.send({"type": "error", "message": _one_line(exc)})
            except WebSocketDisconnect:
                return
            except Exception as exc:  # a bug: say so, keep the tab and the server going
                if WebSocketState.DISCONNECTED in (self.ws.client_state,
                                                   self.ws.application_state):
                    return  # the page went away while we answered it
                log.exception("playground: unexpected error on a %s message", kind)
                await self.send({"type": "error", "message": f"internal error ({_one_line(exc)}"
                                 "); the session goes on"})


def _focus(f: dict):
    from chainrule.validation import integer

    if f.get("layer") is None:
        return None
    return (integer(f["layer"], "layer", minimum=0, maximum=16),
            integer(f.get("unit"), "unit", minimum=0, maximum=16))


def _one_line(exc) -> str:
    """An error as the page shows it: one line, of a readable length."""
    return " ".join(str(exc).split("\n")[0].split())[:300]


def _same_origin(websocket) -> bool:
    """Only the page this server sent may open a session (not a script on another site)."""
    origin = websocket.headers.get("origin")
    return origin is None or urlparse(origin).netloc == websocket.headers.get("host")


def create_app(max_tabs: int = MAX_TABS):
    """The Starlette app: ``/`` the page, ``/static`` its files, ``/ws`` the sessions."""
    require("starlette", "playground")
    from starlette.applications import Starlette
    from starlette.responses import FileResponse
    from starlette.routing import Mount, Route, WebSocketRoute
    from starlette.staticfiles import StaticFiles

    hub = Hub(max_tabs)

    async def index(request):
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    async def socket(websocket):
        if not _same_origin(websocket):
            await websocket.close(code=1008)
            return
        await websocket.accept()
        if len(hub.tabs) >= hub.max_tabs:
            await websocket.send_text(json.dumps({
                "type": "error", "message": f"this server already runs {hub.max_tabs} "
                "sessions; close another tab and reload"}))
            await websocket.close(code=1013)
            return
        tab = Tab(websocket, hub)
        hub.tabs.add(tab)
        player = asyncio.create_task(tab.play_loop())
        try:
            await tab.send(meta())
            await tab.send_setup()
            await tab.receive_loop()
        finally:
            player.cancel()
            hub.tabs.discard(tab)
            tab.session = None  # the session's memory goes with the tab

    app = Starlette(routes=[
        Route("/", index),
        WebSocketRoute("/ws", socket),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ])
    app.state.hub = hub
    return app


def serve(host: str = "127.0.0.1", port: int = 8000, open_browser: bool = True) -> None:
    """Run the playground until Ctrl-C (what ``chainrule playground`` does)."""
    import socket
    import webbrowser

    uvicorn = require("uvicorn", "playground")
    require("websockets", "playground")
    try:  # one BLAS thread: these matrices are tiny, and the tabs share the cores
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:
        pass
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; choose "
                          "another --port or --host") from None
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown}:{port}/"
    from uvicorn.config import WS_PROTOCOLS

    ws = "websockets-sansio" if "websockets-sansio" in WS_PROTOCOLS else "websockets"
    config = uvicorn.Config(create_app(), log_level="warning", ws=ws, lifespan="off",
                            ws_max_size=4 * protocol.MAX_MESSAGE_CHARS)
    print(f"chainrule playground: {url}  (Ctrl-C stops it)", flush=True)
    if open_browser:
        import threading

        threading.Timer(0.5, webbrowser.open, [url]).start()
    uvicorn.Server(config).run(sockets=[sock])
