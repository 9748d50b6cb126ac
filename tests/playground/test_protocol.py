"""The websocket protocol, through Starlette's TestClient: a real app, real sessions."""

import gc
import json
import time
import warnings
import weakref

import numpy as np
import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")
with warnings.catch_warnings():  # Starlette would rather have httpx's successor
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from chainrule.playground import frames  # noqa: E402
from chainrule.playground.server import create_app  # noqa: E402


@pytest.fixture
def app():
    return create_app()


@pytest.fixture
def client(app):
    with TestClient(app) as c:
        yield c


class Page:
    """The test's side of one websocket: JSON out, JSON or frames in."""

    def __init__(self, ws):
        self.ws = ws

    def send(self, type_, **fields):
        self.ws.send_text(json.dumps({"type": type_, **fields}))

    def receive(self):
        message = self.ws.receive()
        if message.get("text") is not None:
            return json.loads(message["text"]), None
        return frames.decode(message["bytes"])

    def until(self, kind):
        """Messages up to and including the first of type ``kind``."""
        seen = []
        while True:
            header, blocks = self.receive()
            seen.append((header, blocks))
            if header["type"] == kind:
                return seen

    def start(self):
        meta, _ = self.receive()
        assert meta["type"] == "meta"
        return meta, self.until("frame")


@pytest.fixture
def page(client):
    with client.websocket_connect("/ws") as ws:
        p = Page(ws)
        p.meta, p.setup = p.start()
        yield p


def test_the_page_and_its_files_are_served(client):
    html = client.get("/")
    assert html.status_code == 200 and '<script type="module" src="/static/app.js">' in html.text
    for name in ("app.js", "style.css", "js/socket.js", "js/netview.js", "js/mapview.js"):
        assert client.get(f"/static/{name}").status_code == 200


def test_a_new_tab_gets_meta_state_data_and_a_frame(page):
    assert [a["name"] for a in page.meta["activations"]][:3] == ["sigmoid", "tanh", "relu"]
    assert page.meta["learningRates"][0] == 0.00001 and page.meta["learningRates"][-1] == 10
    step = next(a for a in page.meta["activations"] if a["name"] == "step")
    assert step["policies"] == ["zero", "straight_through", "sigmoid"]
    kinds = [h["type"] for h, _ in page.setup]
    assert kinds == ["state", "data", "frame"]
    state, data, (frame, blocks) = page.setup[0][0], page.setup[1][0], page.setup[2]
    assert state["layers"] == [4, 2, 2] and state["settings"]["networkShape"] == [4, 2]
    assert len(data["points"]) == 500 and sum(data["train"]) == 250
    assert frame["epoch"] == 0 and blocks["output"].shape == (100, 100)


def test_play_streams_frames_and_pause_stops_them(page):
    page.send("play")
    assert page.until("playing")[-1][0]["playing"] is True
    epochs = []
    for _ in range(4):
        header, blocks = page.until("frame")[-1]
        epochs.append(header["epoch"])
        assert blocks["output"].dtype == np.uint8
        page.send("ack")
    assert epochs == sorted(epochs) and epochs[-1] >= 4  # at least one epoch per frame
    page.send("pause")
    assert page.until("playing")[-1][0]["playing"] is False


def test_step_reset_and_settings(page):
    page.send("step")
    assert page.until("frame")[-1][0]["epoch"] == 1
    page.send("reset")
    assert page.until("frame")[-1][0]["epoch"] == 0
    page.send("settings", settings={"networkShape": [3], "activation": "relu"})
    seen = page.until("frame")
    state = seen[0][0]
    assert state["type"] == "state" and state["layers"] == [3, 2]
    assert state["activations"] == ["relu"] and state["rebuilt"] == ["network"]
    assert "data" not in [h["type"] for h, _ in seen]  # the points did not change
    page.send("settings", settings={"learningRate": 0.3})
    assert page.until("state")[-1][0]["rebuilt"] == []


def test_a_url_loads_leniently(page):
    page.send("load", settings={"dataset": "spiral", "batchSize": "x", "noise": 10})
    seen = page.until("error")
    state = seen[0][0]
    assert state["settings"]["dataset"] == "spiral" and state["settings"]["noise"] == 10
    assert "batchSize must be a whole number" in seen[-1][0]["message"]


def test_a_url_brings_its_own_points(page):
    page.send("load", settings={"dataset": "custom", "classes": 3},
              points=[[1, 2, 0, 1], [-1, 0.5, 2, 0], [3, -3, 1, 1]])
    seen = page.until("frame")
    data = next(h for h, _ in seen if h["type"] == "data")
    assert data["points"] == [[1, 2], [-1, 0.5], [3, -3]] and data["labels"] == [0, 2, 1]
    assert data["train"] == [1, 0, 1]


BAD = [
    ("not json", "must be JSON"),
    ("[1, 2]", "must be a JSON object"),
    ('{"type": "fly"}', "unknown message type 'fly'"),
    ('{"kind": "play"}', "unknown message type None"),
    ('{"type": "play", "speed": 3}', "has no field 'speed'"),
    ('{"type": "explain"}', "needs the field 'point'"),
    ('{"type": "explain", "point": 10000}', "point must be a whole number in [0, 499]"),
    ('{"type": "explain", "point": "3"}', "point must be a whole number"),
    ('{"type": "settings", "settings": [1]}', "settings must be an object"),
    ('{"type": "settings", "settings": {"networkShape": [99]}}', "in [1, 8]"),
    ('{"type": "settings", "settings": {"networkShape": [1,1,1,1,1,1,1]}}', "0 to 6"),
    ('{"type": "param", "layer": 9, "kind": "weight", "row": 0, "value": 1}', "layer must be"),
    ('{"type": "param", "layer": 0, "kind": "weight", "row": 0, "col": 0, "value": 1e9}',
     "value must be a number in [-100, 100]"),
    ('{"type": "param", "layer": 0, "kind": "gain", "row": 0, "value": 1}', "kind must be"),
    ('{"type": "add_point", "x1": 0, "x2": 0, "label": 7}', "class must be"),
    ('{"type": "add_point", "x1": NaN, "x2": 0, "label": 0}', "x1 must be a number"),
    ('{"type": "upload", "name": "a.csv", "text": 5}', "upload text must be text"),
    ('{"type": "upload", "name": "a.csv", "text": "x1,x2\\n1,2\\n"}', "found 1 feature"),
    ('{"type": "preset", "name": "nope"}', "unknown preset 'nope'"),
    ('{"type": "export", "format": "pickle"}', "unknown export format 'pickle'"),
    ('{"type": "focus", "layer": -1, "unit": 0}', "layer must be"),
    ('{"type": "load", "settings": {}, "points": [[9, 0, 0, 1]]}', "x1 of point 1 must be"),
    ('{"type": "load", "settings": {}, "points": [[0, 0, 0]]}', "point 1 must be [x1, x2"),
    ('{"type": "load", "settings": {}, "points": {"a": 1}}', "points must be a list"),
    ('{"type": "load", "settings": {}, "x": "' + "a" * 1_100_000 + '"}', "at most"),
    ("[" * 100_000 + "]" * 100_000, "nest this deeply"),
    ('{"type": "settings", "settings": {"seed": "' + "s" * 5000 + '"}}', "a seed is 1 to 32"),
]


@pytest.mark.parametrize("text, message", BAD, ids=[m for _, m in BAD])
def test_bad_messages_get_an_error_and_the_session_goes_on(page, text, message):
    page.ws.send_text(text)
    header, _ = page.receive()
    assert header["type"] == "error" and message in header["message"]
    assert len(header["message"]) <= 300  # one readable line, whatever was sent
    page.send("step")  # still alive
    assert page.until("frame")[-1][0]["epoch"] == 1


def test_binary_messages_are_refused(page):
    page.ws.send_bytes(b"\x00\x01")
    header, _ = page.receive()
    assert header["type"] == "error" and "JSON text" in header["message"]


def test_explain_and_step_point(page):
    page.send("preset", name="question3")
    page.until("frame")
    page.send("explain", point=5)
    explain = page.until("explain")[-1][0]
    assert len(explain["lines"]) == 7 and explain["lines"][0]["rhs"] == "ŷ − y"
    page.send("step_point", point=5)
    stepped = page.until("explain")[-1][0]
    assert stepped["changes"]["lossAfter"] < stepped["changes"]["lossBefore"]
    assert page.until("frame")[-1][0]["steps"] == 1


def test_edit_a_weight(page):
    page.send("param", layer=0, kind="weight", row=1, col=0, value=2.5)
    _, blocks = page.until("frame")[-1]
    assert blocks["params"][2] == 2.5  # W1 is (4, 2), row-major: [1, 0] is index 2


def test_add_points_and_upload(page):
    page.send("clear_points")
    page.until("frame")
    page.send("add_point", x1=1.0, x2=2.0, label=1)
    seen = page.until("frame")
    data = next(h for h, _ in seen if h["type"] == "data")
    assert data["points"] == [[1.0, 2.0]] and data["labels"] == [1]
    page.send("upload", name="pts.csv", text="a,b,c\n1,1,x\n-1,-1,y\n2,2,z\n")
    state = page.until("state")[-1][0]
    assert state["classes"] == ["x", "y", "z"] and state["layers"][-1] == 3


@pytest.mark.parametrize("fmt, name", [("safetensors", "model.safetensors"),
                                       ("onnx", "model.onnx"), ("python", "train.py")])
def test_export_sends_a_file(page, tmp_path, fmt, name):
    page.send("export", format=fmt)
    header, blocks = page.until("file")[-1]
    assert header["name"] == name
    data = blocks["data"].tobytes()
    if fmt == "safetensors":
        import chainrule as cr

        (tmp_path / name).write_bytes(data)
        assert cr.load(tmp_path / name).sizes == [2, 4, 2, 2]
    elif fmt == "python":
        assert b"optim.SGD" in data


def test_a_closed_tab_frees_its_session(app):
    hub = app.state.hub
    with TestClient(app) as client:
        with client.websocket_connect("/ws") as ws:
            Page(ws).start()
            (tab,) = hub.tabs
            ref = weakref.ref(tab.session)
        for _ in range(50):
            if not hub.tabs:
                break
            time.sleep(0.02)
    assert not hub.tabs
    del tab
    gc.collect()
    assert ref() is None


def test_tabs_are_isolated(client):
    with client.websocket_connect("/ws") as a, client.websocket_connect("/ws") as b:
        pa, pb = Page(a), Page(b)
        pa.start()
        pb.start()
        pa.send("settings", settings={"networkShape": [1]})
        assert pa.until("state")[-1][0]["layers"] == [1, 2]
        pb.send("step")
        header, blocks = pb.until("frame")[-1]
        assert header["epoch"] == 1 and blocks["params"].size == 28


def test_another_sites_page_cannot_open_a_session(client):
    from starlette.websockets import WebSocketDisconnect

    with pytest.raises(WebSocketDisconnect):
        with client.websocket_connect("/ws", headers={"origin": "http://evil.example"}) as ws:
            ws.receive_text()


def test_a_full_server_refuses_politely():
    app = create_app(max_tabs=1)
    with TestClient(app) as client, client.websocket_connect("/ws") as first:
        Page(first).start()
        with client.websocket_connect("/ws") as second:
            message = json.loads(second.receive_text())
            assert message["type"] == "error" and "already runs 1 sessions" in message["message"]
