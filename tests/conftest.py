"""Test-wide settings and fixtures: hypothesis runs derandomized (same examples every run), no
deadline; ``failing_dot`` puts a graphviz `dot` that fails on PATH."""

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


@pytest.fixture
def failing_dot(tmp_path, monkeypatch):
    """A PATH whose only `dot` prints an error and exits with status 1."""
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    dot = bin_dir / "dot"
    dot.write_text('#!/bin/sh\necho "Error: fake dot cannot lay this out" >&2\nexit 1\n')
    dot.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    out = tmp_path / "out"
    out.mkdir()
    return out
