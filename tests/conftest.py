"""Test-wide settings and fixtures: hypothesis runs derandomized (same examples every run), no
deadline; ``failing_dot`` puts a graphviz `dot` that fails on PATH; ``built_site`` and
``chromium_browser`` are made once per session (a strict mkdocs build takes seconds, a
Chromium a second or two to start) and shared by the modules that need them."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "microbp",
    derandomize=True,
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("microbp")

# Ctrl-C is tested (fit's interrupt, the command line's status 130). A shell starts a background
# job (`make test &`) with SIGINT ignored, which Python, the test processes and their
# subprocesses would inherit, and those tests would then see no KeyboardInterrupt at all.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def put_fake_dot(tmp_path, monkeypatch, script: str, keep_path: bool = False):
    """Put a shell ``script`` on PATH as graphviz's `dot` (first on PATH with ``keep_path``,
    else the only one); returns its folder."""
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    dot = bin_dir / "dot"
    dot.write_text("#!/bin/sh\n" + script)
    dot.chmod(0o755)
    path = f"{bin_dir}{os.pathsep}{os.environ['PATH']}" if keep_path else str(bin_dir)
    monkeypatch.setenv("PATH", path)
    return bin_dir


@pytest.fixture
def failing_dot(tmp_path, monkeypatch):
    """A PATH whose only `dot` prints an error and exits with status 1."""
    put_fake_dot(tmp_path, monkeypatch, 'echo "Error: fake dot cannot lay this out" >&2\nexit 1\n')
    out = tmp_path / "out"
    out.mkdir()
    return out


ROOT = Path(__file__).resolve().parent.parent
MKDOCS = Path(sys.executable).parent / "mkdocs"


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """``mkdocs build --strict`` of this repository, once per session (tests/test_docs.py and
    tests/test_api_reference.py read it; neither writes into it)."""
    site = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [str(MKDOCS), "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, "mkdocs build --strict failed:\n" + result.stderr[-4000:]
    return site


@pytest.fixture(scope="session")
def chromium_browser(tmp_path_factory):
    """One headless Chromium for the session's browser tests (tests/chromium.py starts it);
    :func:`tests.chromium.borrow` hands it to a module at its window size."""
    from tests import chromium

    driver = chromium.start(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()
