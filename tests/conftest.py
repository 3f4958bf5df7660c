"""Test-wide settings and fixtures: hypothesis runs derandomized (same examples every run), no
deadline; ``failing_dot`` puts a graphviz `dot` that fails on PATH."""

import os

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
