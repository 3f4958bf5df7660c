"""Debian's headless Chromium for the browser tests: where it is, when to skip, how to start it.

One home for what tests/test_stepper_browser.py and tests/test_lab_browser.py need. Missing
chromium or chromedriver skips a test, with the reason, except under CI (``CI=true``),
where it must fail the run rather than hide behind a skip.
"""

from __future__ import annotations

import os

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
IN_CI = os.environ.get("CI") == "true"

#: A skip mark for tests that need the browser.
needs_chromium = pytest.mark.skipif(
    not IN_CI and not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
    reason=f"needs Debian's chromium and chromium-driver ({CHROMIUM}, {CHROMEDRIVER}): "
    "run `make chromium` or apt-get install -y chromium chromium-driver",
)


def start(profile, size: str = "1400,900"):
    """A headless Chromium with its own profile folder, its console log kept
    (``driver.get_log("browser")``); the caller quits it."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        f"--window-size={size}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)


def severe(driver) -> list[dict]:
    """The console entries of level SEVERE or ERROR since the last call."""
    return [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]


def borrow(driver, size: str = "1400,900"):
    """The session's browser for one module: at ``size``, on a blank page, its console log
    emptied (what an earlier module left there is not this module's)."""
    width, height = (int(n) for n in size.split(","))
    driver.set_window_size(width, height)
    driver.get("about:blank")
    driver.get_log("browser")
    return driver
