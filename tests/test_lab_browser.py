"""The lab in a real headless Chromium against a real uvicorn server on 127.0.0.1.

The page, opened with its token, is edited (w₁₁⁽²⁾), and the δ it shows must be
bp.index_form's for the edited net; 50 epochs of training make E fall exactly as ``fit``
says; clicking a neuron shows BP-2 with its numbers; labels that look like markup show as
text; the console stays free of errors. With ``MICROBP_SCREENSHOTS=docs/img`` the test saves
the screenshots of docs/lab.md and the README there.

Uses Debian's chromium and chromium-driver through tests/chromium.py (skipped, with the
reason, where they are missing, except under CI).
"""

from __future__ import annotations

import json
import math
import os
import re
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from microbp import MLP, bp, data, modelfile, optim  # noqa: E402
from microbp.lab import LabState  # noqa: E402
from microbp.lab import server as lab_server  # noqa: E402
from microbp.train import fit  # noqa: E402
from tests import chromium  # noqa: E402

TOKEN = "browser-test-token"
SHOTS = os.environ.get("MICROBP_SCREENSHOTS")

pytestmark = [pytest.mark.slow, chromium.needs_chromium]

NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[+-]?\d+)?")


@pytest.fixture(scope="module")
def lab():
    """A uvicorn server with the seed's lab on 127.0.0.1 and a free port, stopped at the end."""
    state = LabState.create()
    sock = lab_server.listen("127.0.0.1", 0)
    port = sock.getsockname()[1]
    app = lab_server.create_app(state, TOKEN, port=port)
    server = lab_server.make_server(app)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{port}", state
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = chromium.start(tmp_path_factory.mktemp("chromium-profile"), size="1500,1000")
    yield driver
    driver.quit()


def wait(browser, condition, timeout=15.0, what="the page"):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, timeout, poll_frequency=0.05).until(
        lambda d: condition(d), message=f"timed out waiting for {what}"
    )


def text(browser, css):
    return browser.find_element("css selector", css).text


def click(browser, element_id):
    """A real click on the element, centred in the window first."""
    element = browser.find_element("id", element_id)
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def set_weight(browser, edge_id, value: str):
    """Click an edge, type the weight into the editor, press Enter, wait for the new state."""
    from selenium.webdriver.common.keys import Keys

    click(browser, edge_id)
    field = wait(browser, lambda d: d.find_element("id", "edit-w"), what="the weight editor")
    field.clear()
    field.send_keys(value, Keys.ENTER)
    wait(browser, lambda d: f"w set to {value}" in text(d, "#message"), what="the edit")


def shot(browser, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        browser.execute_script("window.scrollTo(0, 0)")
        browser.save_screenshot(str(Path(SHOTS) / name))


def shown_deltas(browser, sizes):
    """δ as the page's table shows them: {(l, i): (graph, formulas)}."""
    out = {}
    for l in range(2, len(sizes) + 1):
        for i in range(1, sizes[l - 1] + 1):
            row = f"#delta-{l}-{i}"
            out[l, i] = (
                float(text(browser, f"{row} td.graph")),
                text(browser, f"{row} td.formula"),
            )
    return out


def test_the_lab_page_edits_explains_trains_and_escapes(lab, browser, tmp_path):
    from selenium.common.exceptions import NoAlertPresentException

    url, state = lab
    browser.get(f"{url}/#token={TOKEN}")  # the address microbp lab prints
    wait(browser, lambda d: d.find_element("tag name", "body").get_attribute("data-ready"))
    assert browser.current_url == f"{url}/"  # the token left the address bar…
    assert browser.execute_script("return document.cookie") == ""  # …for no cookie,
    stored = browser.execute_script("return sessionStorage.getItem('microbp-lab-token')")
    assert stored == TOKEN  # but this origin's sessionStorage
    ex = data.tutorial_example()
    shot(browser, "lab.png")

    # -- edit w₁₁⁽²⁾ by clicking its edge, and read the δ's the page shows
    set_weight(browser, "edge-2-1-1", "0.75")
    W = {l: [list(r) for r in ex.W[l]] for l in (2, 3)}
    W[2][0][0] = 0.75
    edited = MLP.from_weights(W, ex.b)
    ref = bp.index_form(edited, ex.x, ex.y)
    shown = shown_deltas(browser, [3, 3, 2])
    for (l, i), (graph, formula) in shown.items():
        assert float(formula) == ref.delta[l][i - 1]  # the formulas' δ, to the last bit
        assert math.isclose(graph, ref.delta[l][i - 1], rel_tol=1e-12, abs_tol=1e-300)

    # -- click a neuron: BP-2 written out with its numbers
    click(browser, "neuron-2-1")
    wait(browser, lambda d: "BP-2" in text(d, "#why"), what="BP-2")
    why = text(browser, "#why")
    numbers = {float(n) for n in NUMBER.findall(why)}
    z, a = bp.forward_index(edited, ex.x)
    fprime = a[2][0] * (1 - a[2][0])
    for expected in (ref.delta[3][0], ref.delta[3][1], W[3][0][0], W[3][1][0], fprime):
        assert expected in numbers, (expected, why)
    assert ref.delta[2][0] in numbers and "difference" in why
    shot(browser, "lab-why.png")

    # -- the backward stepper: step to the first z-node, which carries δ
    for _ in range(60):
        click(browser, "step-next")
        if "is a z-node" in text(browser, "#step-panel"):
            break
    panel = text(browser, "#step-panel")
    assert "δ₁⁽³⁾" in panel and repr(ref.delta[3][0]) in panel
    assert "stepping" in browser.find_element("id", "neuron-3-1").get_attribute("class")

    # -- 50 epochs of GD: E falls, exactly as fit says
    before = state.snapshot()["E"]
    browser.find_element("id", "epochs").clear()
    browser.find_element("id", "epochs").send_keys("50")
    click(browser, "run")
    wait(browser, lambda d: "stopped by epochs" in text(d, "#rule"), what="50 epochs")
    rule = text(browser, "#rule")
    m = re.search(r"epoch 50: E_total = (\S+)", rule)
    assert m, rule
    h = fit(edited, ex.X, ex.Y, optim.make("gd", lr=0.5), max_epochs=50, quiet=True)
    assert float(m[1]) == h.loss[-1] < before
    assert len(browser.find_elements("css selector", "#loss polyline")) == 1
    shot(browser, "lab-training.png")

    # -- a weight of 40 drives z₂⁽²⁾ to ~40: the neuron is marked saturated, its δ vanishes
    set_weight(browser, "edge-2-2-1", "40")
    neuron = browser.find_element("id", "neuron-2-2")
    assert "saturated" in neuron.get_attribute("class") and "saturated" in neuron.text
    assert "saturated" not in browser.find_element("id", "neuron-2-1").get_attribute("class")
    assert abs(float(text(browser, "#delta-2-2 td.graph"))) < 1e-15
    shot(browser, "lab-saturated.png")

    # -- a softmax output layer: E is the cross-entropy, BP-1 reads δ = a − y
    from selenium.webdriver.support.ui import Select

    Select(browser.find_element("id", "activation-3")).select_by_value("softmax")
    wait(browser, lambda d: "softmax" in text(d, "#message"), what="the softmax edit")
    click(browser, "neuron-3-1")
    wait(browser, lambda d: "f′ cancels" in text(d, "#why"), what="BP-1 for softmax")
    s = state.snapshot()
    assert s["loss"] == "cross_entropy" and "ln" in text(browser, "#summary")
    assert repr(s["a"]["3"][0] - s["y"][0]) in text(browser, "#why")
    Select(browser.find_element("id", "activation-3")).select_by_value("sigmoid")
    wait(browser, lambda d: "sigmoid, sigmoid" in text(d, "#message"), what="sigmoid again")

    # -- the model downloads through fetch with the token header (no cookie to carry it)
    click(browser, "download")
    wait(browser, lambda d: "downloaded" in text(d, "#message"), what="the download")

    assert chromium.severe(browser) == []  # no JavaScript error, no failed request so far

    # -- labels that look like markup show as text; nothing runs
    for label in ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>'):
        doc = json.loads(modelfile.to_json(ex.net()))
        doc["activations"] = ["sigmoid", label]
        path = tmp_path / "bad-model.json"
        path.write_text(json.dumps(doc))
        browser.find_element("id", "upload").send_keys(str(path))
        wait(browser, lambda d, lb=label: lb in text(d, "#message"), what="the refusal")
        assert "not loaded" in text(browser, "#message")
        with pytest.raises(NoAlertPresentException):
            browser.switch_to.alert.text  # noqa: B018
        assert browser.find_elements("css selector", "img, #message script") == []
    assert state.snapshot()["activation"] == ["sigmoid", "sigmoid"]  # unchanged
    # the two refusals are the only entries: Chromium logs a 400 as a failed request
    logged = chromium.severe(browser)
    assert len(logged) == 2 and all(
        e["source"] == "network" and "/api/model" in e["message"] and "400" in e["message"]
        for e in logged
    ), logged
