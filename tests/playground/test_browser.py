"""The page in a real Chromium, driven by Playwright, against a real ``chainrule playground``.

Skips (with the reason) when Playwright or Chromium is missing; ``.ci/run`` installs both.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("uvicorn", reason="the playground extra (uvicorn) is not installed")
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)

ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SRC = str(Path(__file__).resolve().parents[2] / "src")

SLIDE = [("δ₁ = ∂J/∂z₂", "ŷ − y"), ("∂J/∂b₂", "δ₁"), ("∂J/∂U", "δ₁hᵀ"), ("∂J/∂h", "Uᵀδ₁"),
         ("δ₂ = ∂J/∂z₁", "(Uᵀδ₁) ∘ 1{h > 0}"), ("∂J/∂b₁", "δ₂"), ("∂J/∂W", "δ₂xᵀ")]


@pytest.fixture(scope="module")
def server():
    env = {**os.environ, "PYTHONPATH": SRC}
    proc = subprocess.Popen([sys.executable, "-m", "chainrule", "playground", "--port", "0",
                             "--no-browser"], stdout=subprocess.PIPE, text=True, env=env)
    url = proc.stdout.readline().split()[2]
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page.problems = []
    page.on("console", lambda m: m.type in ("error", "warning") and page.problems.append(m.text))
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.open = lambda hash="": (page.goto(server + hash),
                                 page.wait_for_function("window.playground.frames > 0"))
    yield page
    page.close()


def frames_after(page, n):
    page.wait_for_function(f"window.playground.frames > {n}")


def test_the_page_loads_without_console_errors(page):
    page.open()
    assert page.locator("#epoch").inner_text() == "000,000"
    assert page.locator("canvas.node.unit").count() == 4 + 2 + 2
    assert page.locator("#metrics").inner_text().startswith("Accuracy")
    assert page.problems == []


def test_play_moves_the_epoch_the_loss_chart_and_the_map(page):
    page.open()
    before = page.evaluate("document.getElementById('heatmap').toDataURL()")
    page.click("#play")
    page.wait_for_function("window.playground.lastFrame.epoch >= 30")
    page.click("#play")
    page.wait_for_function("!window.playground.playing")
    epoch = int(page.locator("#epoch").inner_text().replace(",", ""))
    assert epoch >= 30
    assert page.evaluate("window.playground.chart.points.length") > 3
    after = page.evaluate("document.getElementById('heatmap').toDataURL()")
    assert after != before
    assert page.problems == []


def click_point(page, index):
    x, y = page.evaluate(f"window.playground.map.position({index})")
    box = page.locator("#points").bounding_box()
    page.mouse.click(box["x"] + x * box["width"] / 300, box["y"] + y * box["height"] / 300)


def test_the_backprop_panel_shows_the_slides_formulas(page):
    page.open()
    count = page.evaluate("window.playground.frames")
    page.click("button[data-preset=question3]")
    frames_after(page, count)
    index = page.evaluate("window.playground.map.data.train.indexOf(1)")
    click_point(page, index)
    page.wait_for_selector("#backprop:not([hidden])")
    rows = page.locator(".bp-lines tr.bp-line")
    assert rows.count() == 7
    got = [tuple(rows.nth(i).locator(cell).inner_text() for cell in (".bp-lhs", ".bp-rhs"))
           for i in range(7)]
    assert got == SLIDE
    assert "Backward pass of J" in page.locator(".bp-text").text_content()
    page.click("#stepPoint")
    page.wait_for_selector(".bp-changes table")
    assert "One SGD step on this example" in page.locator(".bp-changes").inner_text()
    assert page.problems == []


def test_a_link_is_edited_by_clicking_it(page):
    page.open()
    page.locator("path.link").first.click(force=True)
    page.fill("#hovercard input.edit-value", "2.5")
    count = page.evaluate("window.playground.frames")
    page.press("#hovercard input.edit-value", "Enter")
    frames_after(page, count)
    assert page.evaluate("playground.net.param(0, 'weight', 0, 0)") == 2.5
    page.mouse.move(5, 5)
    page.locator("path.link").first.hover(force=True)
    assert "is 2.5000" in page.locator("#hovercard").inner_text()


def test_a_preset_loads(page):
    page.open()
    page.click("button[data-preset=xor-relu]")
    page.wait_for_selector("#preset-note:not([hidden])")
    assert "XOR with two ReLU units" in page.locator("#preset-note").inner_text()
    page.wait_for_function("window.playground.state.layers.join() === '2,1'")
    assert page.locator("#lossTrain").inner_text() == "0.000"
    assert page.locator("#numLayers").inner_text() == "1"


def test_divergence_pauses_with_a_message(page):
    page.open("#problem=regression&regDataset=reg-gauss&learningRate=10&batchSize=1"
              "&xSquared=true&ySquared=true&networkShape=8,8,6&activation=relu")
    page.wait_for_function("playground.settings.learningRate === 10")
    page.click("#play")
    page.wait_for_selector("#banner:not([hidden])", timeout=15000)
    assert "lower the learning rate" in page.locator("#banner").inner_text()
    page.wait_for_function("!playground.playing")
    assert "diverged" in page.locator("#map").get_attribute("data-diverged")
    assert page.problems == []


def test_a_csv_upload_works_and_a_bad_one_shows_an_error(page):
    page.open()
    good = "x1,x2,label\n1,1,a\n-1,-1,a\n2,-2,b\n-3,1,c\n0.5,0.5,b\n4,4,c\n"
    page.set_input_files("#upload", files=[{"name": "mine.csv", "mimeType": "text/csv",
                                            "buffer": good.encode()}])
    page.wait_for_function("window.playground.state.classes.join() === 'a,b,c'")
    assert "class c" in page.locator("#legend").inner_text()
    assert page.evaluate("window.playground.map.data.points.length") == 6
    bad = "x1,x2,label\n1,oops,a\n"
    page.set_input_files("#upload", files=[{"name": "bad.csv", "mimeType": "text/csv",
                                            "buffer": bad.encode()}])
    page.wait_for_selector("#banner:not([hidden])")
    assert "bad.csv: line 2" in page.locator("#banner").inner_text()
    assert page.evaluate("window.playground.map.data.points.length") == 6  # unchanged


def test_the_url_round_trips_the_state(page, browser, server):
    page.open()
    page.select_option("#learningRate", "0.1")
    page.wait_for_function("location.hash.includes('learningRate=0.1&')")
    page.click("#addLayer")
    page.wait_for_function("location.hash.includes('networkShape=4%2C2%2C2')")
    page.select_option(".layer-activation >> nth=0", "relu")
    page.wait_for_function("location.hash.includes('activations=relu')")
    url = page.url
    settings = page.evaluate("window.playground.settings")
    other = browser.new_page()
    try:
        other.goto(url)
        other.wait_for_function("window.playground.settings && "
                                "window.playground.settings.networkShape.length === 3")
        assert other.evaluate("window.playground.settings") == settings
        assert other.locator("#learningRate").input_value() == "0.1"
        assert other.locator("#numLayers").inner_text() == "3"
    finally:
        other.close()


def test_points_clicked_in_travel_in_the_link(page, browser):
    page.open()
    page.click("#clearPoints")
    page.wait_for_function("playground.map.data.points.length === 0")
    page.check("input[name=clickMode][value=add]")
    page.click("#add-class .swatch >> nth=1")
    box = page.locator("#points").bounding_box()
    for dx, dy in [(60, 60), (200, 90), (150, 240)]:
        n = page.evaluate("playground.map.data.points.length")
        page.mouse.click(box["x"] + dx, box["y"] + dy)
        page.wait_for_function(f"playground.map.data.points.length === {n + 1}")
    data = page.evaluate("playground.map.data")
    assert data["labels"] == [1, 1, 1] and data["points"][0] == pytest.approx([-3.6, 3.6])
    other = browser.new_page()
    try:
        other.goto(page.url)
        other.wait_for_function("playground.map.data.points.length === 3")
        assert other.evaluate("playground.map.data") == data
    finally:
        other.close()


def test_a_tf_playground_link_loads(page):
    page.open("#activation=linear&learningRate=0.3&networkShape=3&dataset=xor&hideText=true")
    page.wait_for_function("window.playground.settings.dataset === 'xor'")
    s = page.evaluate("window.playground.settings")
    assert (s["activation"], s["learningRate"], s["networkShape"]) == ("identity", 0.3, [3])
    # A link pasted into the same tab: what it leaves out is TF Playground's default.
    page.evaluate("location.hash = '#dataset=spiral&noise=20'")
    page.wait_for_function("window.playground.settings.dataset === 'spiral'")
    s = page.evaluate("window.playground.settings")
    assert (s["noise"], s["networkShape"], s["activation"]) == (20, [4, 2], "tanh")
    assert page.problems == []


def test_export_downloads_a_model_chainrule_predict_accepts(page, tmp_path):
    page.open()
    with page.expect_download() as info:
        page.click("button[data-export=safetensors]")
    path = tmp_path / "model.safetensors"
    info.value.save_as(path)
    data = tmp_path / "points.csv"
    data.write_text("x1,x2\n0,0\n5,5\n-4.5,1\n")
    out = subprocess.run([sys.executable, "-m", "chainrule", "predict", str(path), str(data)],
                         capture_output=True, text=True, env={**os.environ, "PYTHONPATH": SRC})
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[0] == "prediction,p_0,p_1" and len(lines) == 4
