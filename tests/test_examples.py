"""Every script in examples/ runs to the end, as ``python examples/NAME.py``, in seconds.

The scripts are found when the tests are collected, so a new example is run without any change
here. Each runs in its own interpreter from the repository root, with this checkout's microbp
first on the path; a script that raises (the examples assert what they show) or exceeds the
timeout fails, and the failure shows its output.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
TIMEOUT_SECONDS = 60  # generous for a slow CI machine; the scripts take a few seconds
#: The examples that need an optional extra (`make test` installs them; skipped elsewhere).
NEEDS = {"road_out.py": "torch"}
#: Longer timeouts: road_out.py starts three Python processes that each import torch (14 s
#: on an idle 2-core machine, 42-122 s on a loaded one, three runs at a time).
TIMEOUTS = {"road_out.py": 300}


def run_example(script: Path, timeout: float = TIMEOUT_SECONDS) -> subprocess.CompletedProcess:
    """Run ``script`` from a fresh temporary folder (what it writes by default lands there)."""
    with tempfile.TemporaryDirectory(prefix="microbp-example-") as cwd:
        return _run(script.resolve(), timeout, cwd)


def _run(script: Path, timeout: float, cwd: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["MPLBACKEND"] = "Agg"  # never open a window
    return subprocess.run(
        [sys.executable, str(script)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_the_examples_are_found():
    names = {p.name for p in EXAMPLES}
    assert {"tutorial_example.py", "chain_rule_by_hand.py", "micrograd_demo.py"} <= names


@pytest.mark.slow
@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_the_example_script_runs_to_the_end(script):
    if script.name in NEEDS:
        pytest.importorskip(NEEDS[script.name])
    timeout = TIMEOUTS.get(script.name, TIMEOUT_SECONDS)
    try:
        result = run_example(script, timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"examples/{script.name} did not finish in {timeout} s", pytrace=False)
    assert result.returncode == 0, (
        f"python examples/{script.name} exited with status {result.returncode}\n"
        f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    )
    assert result.stdout.strip(), f"examples/{script.name} printed nothing"


def test_a_failing_script_is_reported_and_microbp_is_importable(tmp_path):
    script = tmp_path / "probe.py"
    script.write_text("import microbp\nraise SystemExit('broken on purpose')\n")
    result = run_example(script, timeout=30)
    assert result.returncode != 0 and "broken on purpose" in result.stderr
