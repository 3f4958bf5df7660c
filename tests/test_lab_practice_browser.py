"""The lab's practice mode in a real headless Chromium: the switch hides the δ's and ∂E/∂w's,
a click on a neuron asks for δ, the server judges the typed number against the graph's, and
the BP explanation appears only then; an edge asks for ∂E/∂w the same way."""

from __future__ import annotations

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")
pytest.importorskip("sympy")

from tests import chromium  # noqa: E402
from tests import test_lab_browser as lab_browser  # noqa: E402
from tests.test_lab_browser import TOKEN, click, text, wait  # noqa: E402

# the server and the browser of the lab's own browser test, one of each for this module
lab = lab_browser.lab
browser = lab_browser.browser

pytestmark = [pytest.mark.slow, chromium.needs_chromium]


def answer(driver, value: str):
    from selenium.webdriver.common.keys import Keys

    field = wait(driver, lambda d: d.find_element("id", "practice-answer"), what="the question")
    field.clear()
    field.send_keys(value, Keys.ENTER)
    return wait(
        driver, lambda d: d.find_elements("id", "practice-verdict"), what="the server's verdict"
    )[0].text


def visible(driver, css) -> bool:
    return (
        driver.execute_script(
            "return getComputedStyle(document.querySelector(arguments[0])).visibility", css
        )
        == "visible"
    )


def test_practice_hides_the_numbers_asks_checks_and_then_explains(lab, browser):
    url, state = lab
    browser.get(f"{url}/#token={TOKEN}")
    wait(browser, lambda d: d.find_element("tag name", "body").get_attribute("data-ready"))
    assert visible(browser, "#neuron-2-1 text.delta") and visible(browser, "#numbers")

    click(browser, "practice")
    assert not visible(browser, "#neuron-2-1 text.delta")
    assert not visible(browser, "#numbers")
    tip = browser.execute_script(
        "return document.querySelector('#edge-3-1-1 title').textContent"
    )  # an edge's tooltip names w and its value, not ∂E/∂w (edge labels show w alone)
    assert "w₁₁⁽³⁾" in tip and "∂E/∂" not in tip

    # a neuron: the question, no explanation yet
    click(browser, "neuron-2-1")
    wait(browser, lambda d: "What is δ₁⁽²⁾" in text(d, "#why"), what="the question")
    assert "BP-2" not in text(browser, "#why")
    delta = state.shown.view["delta"]["2"][0]  # the graph's z₁⁽²⁾.grad on the server
    verdict = answer(browser, f"{-delta:.3g}")
    assert verdict.startswith("wrong") and "the sign" in verdict
    assert "BP-2" in text(browser, "#why")  # the explanation comes after the check

    click(browser, "neuron-2-1")  # ask again, answer right
    verdict = answer(browser, f"{delta:.3g}")
    assert verdict.startswith("correct") and "δ₁⁽²⁾" in verdict

    # an edge: ∂E/∂w
    click(browser, "edge-3-1-1")
    wait(browser, lambda d: "What is ∂E/∂w₁₁⁽³⁾" in text(d, "#why"), what="the edge's question")
    g = state.shown.view["dW"]["3"][0][0]
    assert answer(browser, repr(g)).startswith("correct")
    assert "BP-3" in text(browser, "#why")

    # a refused answer shows the parser's reason and runs nothing
    click(browser, "neuron-3-1")
    from selenium.webdriver.common.keys import Keys

    field = wait(browser, lambda d: d.find_element("id", "practice-answer"))
    field.send_keys("__import__('os')", Keys.ENTER)
    wait(browser, lambda d: "not allowed" in text(d, "#message"), what="the refusal")

    click(browser, "practice")  # off again: the numbers are back
    assert visible(browser, "#neuron-2-1 text.delta") and visible(browser, "#numbers")
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert all("/api/practice" in e["message"] and "400" in e["message"] for e in errors), errors
