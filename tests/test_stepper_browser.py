"""The HTML stepper in a real headless browser: stepping to the end shows backward()'s grads.

Uses Debian's ``chromium`` and ``chromium-driver`` (``make chromium`` installs them); skipped,
with the reason, only where they are missing — except under CI (``CI=true``), where a missing
browser must fail the run rather than hide behind a skip.
"""

from __future__ import annotations

import shutil
from fractions import Fraction

import pytest

from microbp import MLP, bp, squared_error, trace_backward
from microbp.data import tutorial_example
from tests import chromium

pytestmark = [
    pytest.mark.slow,
    chromium.needs_chromium,
    pytest.mark.skipif(
        not chromium.IN_CI and shutil.which("dot") is None,
        reason="graphviz's dot is not installed",
    ),
]


@pytest.fixture(scope="module")
def browser(chromium_browser):
    return chromium.borrow(chromium_browser)


def _open(browser, path):
    browser.get(path.as_uri())
    return browser.find_element("tag name", "body")


def _grad_cell(browser, node_id):
    return browser.find_element("css selector", f'td.grad[data-node="{node_id}"]').text


def _svg_grad(browser, node_id):
    return browser.execute_script(
        "var t = document.getElementById(arguments[0]).getElementsByTagName('text');"
        "return t[t.length - 1].textContent;",
        node_id,
    )


def _severe(browser):
    return chromium.severe(browser)


def test_stepping_to_the_end_with_arrow_keys_shows_backwards_gradients(browser, tmp_path):
    from selenium.webdriver.common.keys import Keys

    ex = tutorial_example()
    net = ex.net()
    fw = net.forward(ex.x)
    E = squared_error(ex.y, fw.output)
    E.label = "E"
    trace = trace_backward(E, forward=fw)
    path = tmp_path / "backward.html"
    trace.to_html(path)

    reference = ex.net()
    fw_ref = reference.forward(ex.x)
    squared_error(ex.y, fw_ref.output).backward()

    body = _open(browser, path)
    model = trace.model
    x1 = model.id(fw.a[1][0])
    w = model.id(net.w(2, 1, 1))
    assert browser.find_element("id", "counter").text == f"step 0 / {len(trace)}"
    assert float(_grad_cell(browser, x1)) == 0.0
    for _ in range(len(trace)):
        body.send_keys(Keys.ARROW_RIGHT)
    assert browser.find_element("id", "counter").text == f"step {len(trace)} / {len(trace)}"
    assert browser.find_element("id", "next").get_attribute("disabled") is not None
    # the displayed gradients are backward()'s, to the last bit
    assert float(_grad_cell(browser, x1)) == fw_ref.a[1][0].grad
    assert float(_grad_cell(browser, w)) == reference.w(2, 1, 1).grad
    assert _svg_grad(browser, x1) == f"grad {fw_ref.a[1][0].grad!r}"
    z = model.id(fw.z[2][0])
    assert _svg_grad(browser, z) == f"δ₁⁽²⁾ = {fw_ref.z[2][0].grad!r}"
    # one step back with the key and the Prev button, then forward again
    body.send_keys(Keys.ARROW_LEFT)
    browser.find_element("id", "prev").click()
    assert browser.find_element("id", "counter").text == f"step {len(trace) - 2} / {len(trace)}"
    browser.find_element("id", "next").click()
    panel = browser.find_element("id", "panel").text
    assert f"Step {len(trace) - 1} of {len(trace)}" in panel and "+=" in panel
    assert _severe(browser) == []


def test_the_ascii_stepper_shows_ascii_at_every_step_and_the_same_gradients(browser, tmp_path):
    from selenium.webdriver.common.keys import Keys

    ex = tutorial_example()
    fw = ex.net().forward(ex.x)
    E = squared_error(ex.y, fw.output)
    E.label = "E"
    trace = trace_backward(E, forward=fw)
    path = tmp_path / "backward.html"
    trace.to_html(path, ascii=True)
    E.backward()

    body = _open(browser, path)
    z = trace.model.id(fw.z[2][0])
    assert browser.find_element("id", "prev").text == "< Prev" and body.text.isascii()
    for _ in range(len(trace)):
        body.send_keys(Keys.ARROW_RIGHT)
        assert body.text.isascii(), body.text
    assert _svg_grad(browser, z) == f"delta_1^(2) = {fw.z[2][0].grad!r}"
    assert "dE/d" in browser.find_element("id", "panel").text
    assert _severe(browser) == []


def test_fraction_gradients_are_displayed_exactly(browser, tmp_path):
    from selenium.webdriver.common.keys import Keys

    W = {2: [[Fraction(1, 2), Fraction(-1, 3)]], 3: [[Fraction(3, 4)]]}
    b = {2: [Fraction(1, 10)], 3: [Fraction(1, 4)]}  # both neurons active: no gradient is 0
    net = MLP.from_weights(W, b, activation="relu")
    x = [Fraction(2, 3), Fraction(5, 4)]
    fw = net.forward(x)
    E = squared_error([1], fw.output)
    E.backward()
    E.backward()  # the weights now hold two passes; the page must show one, as BP-3 does
    trace = trace_backward(E, forward=fw)
    path = tmp_path / "fractions.html"
    trace.to_html(path)
    body = _open(browser, path)
    body.send_keys(Keys.END)
    w = net.w(2, 1, 2)
    shown = Fraction(_grad_cell(browser, trace.model.id(w)))
    assert shown == trace.grad(w) == bp.index_form(net, x, [1]).dW[2][0][1] == w.grad / 2
    assert isinstance(trace.grad(w), Fraction) and trace.grad(w) != 0
    assert _severe(browser) == []


def test_a_name_that_opens_an_html_comment_cannot_break_the_stepper(browser, tmp_path):
    """`<!--<script>` in a name once made the browser swallow the stepper's
    own code (Next did nothing); the data block now escapes every `<`."""
    from selenium.webdriver.common.keys import Keys

    from microbp import Value

    x = Value(2.0, label="x<!--<script>")
    y = Value(3.0, label="</script><b>y")
    trace = trace_backward(x * y + x)
    path = tmp_path / "hostile.html"
    trace.to_html(path)
    assert "<!--" not in path.read_text(encoding="utf-8").split('id="trace-data">')[1]
    body = _open(browser, path)
    browser.find_element("id", "next").click()
    assert browser.find_element("id", "counter").text == f"step 1 / {len(trace)}"
    body.send_keys(Keys.END)
    assert browser.find_element("id", "counter").text == f"step {len(trace)} / {len(trace)}"
    assert float(_grad_cell(browser, trace.model.id(x))) == 4.0  # ∂(xy + x)/∂x = y + 1
    assert "x<!--<script>" in browser.find_element("tag name", "body").text
    assert _severe(browser) == []


def test_the_stepper_runs_inline_as_jupyter_shows_it(browser, tmp_path):
    """``trace._repr_html_()`` (what a notebook displays, no server) is a
    working stepper: the same page in an iframe, whose Next button steps."""
    ex = tutorial_example()
    net = ex.net()
    fw = net.forward(ex.x)
    trace = trace_backward(squared_error(ex.y, fw.output), forward=fw)
    cell = tmp_path / "cell.html"
    cell.write_text(f"<!DOCTYPE html><html><body>{trace._repr_html_()}</body></html>")
    _open(browser, cell)
    browser.switch_to.frame(browser.find_element("tag name", "iframe"))
    assert browser.find_element("id", "counter").text == f"step 0 / {len(trace)}"
    browser.find_element("id", "next").click()
    assert browser.find_element("id", "counter").text == f"step 1 / {len(trace)}"
    browser.switch_to.default_content()
    assert _severe(browser) == []
