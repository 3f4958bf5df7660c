"""tools/check_sizes.py, the size rules `make lint` checks: a module of microbp/ has at most
600 lines, a function at most 60 unless a ``# long:`` comment above its def says why.

Each rule is shown failing: a copy of the package gets one offender planted, and the tool
must name it and exit 1 (and pass again once the offender is excused or gone). The tool's
verdict on the package itself is `make lint`'s job, not a test's."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "check_sizes.py"


def run(package: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(TOOL), str(package)], capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def clean_package(tmp_path):
    """A copy of microbp without its offenders of today: modules and functions over the limits
    are left out, so what a test plants is the only offence."""
    copy = tmp_path / "microbp"
    shutil.copytree(ROOT / "microbp", copy, ignore=shutil.ignore_patterns("*.pyc"))
    for path in copy.rglob("*.py"):
        if len(path.read_text(encoding="utf-8").splitlines()) > 600 or run_one(path):
            path.unlink()
    result = run(copy)
    assert result.returncode == 0, result.stdout
    return copy


def run_one(path: Path) -> bool:
    sys.path.insert(0, str(TOOL.parent))
    try:
        import check_sizes
    finally:
        sys.path.pop(0)
    return any(reason is None for *_, reason in check_sizes.long_functions(path))


def function(lines: int, name: str = "planted") -> str:
    body = "\n".join(f"    x{k} = {k}" for k in range(lines - 2))
    return f"def {name}():\n{body}\n    return 0\n"


def test_a_module_over_600_lines_fails(clean_package):
    target = clean_package / "viz" / "big.py"
    target.write_text("\n".join(f"x{k} = {k}" for k in range(601)) + "\n", encoding="utf-8")
    result = run(clean_package)
    assert result.returncode == 1
    assert "big.py:1: 601 lines, over 600" in result.stdout
    target.write_text("\n".join(f"x{k} = {k}" for k in range(600)) + "\n", encoding="utf-8")
    assert run(clean_package).returncode == 0


def test_a_function_over_60_lines_fails_until_a_comment_says_why(clean_package):
    target = clean_package / "engine_extra.py"
    target.write_text(function(61), encoding="utf-8")
    result = run(clean_package)
    assert result.returncode == 1
    assert "engine_extra.py:1: planted() has 61 lines, over 60" in result.stdout
    target.write_text("# long: one table, read top to bottom\n" + function(61), encoding="utf-8")
    assert run(clean_package).returncode == 0
    two_lines = "# Why:\n# long: one table,\n# read top to bottom\n"
    target.write_text(two_lines + function(61), encoding="utf-8")
    assert run(clean_package).returncode == 0
    target.write_text("# long:\n" + function(61), encoding="utf-8")  # no reason given
    assert run(clean_package).returncode == 1
    target.write_text("# long: a reason\n\n" + function(61), encoding="utf-8")  # not above it
    assert run(clean_package).returncode == 1
    target.write_text(function(60), encoding="utf-8")
    assert run(clean_package).returncode == 0


def test_a_method_and_a_decorated_function_count_too(clean_package):
    method = "class C:\n" + "".join("    " + line + "\n" for line in function(70).splitlines())
    (clean_package / "method.py").write_text(method, encoding="utf-8")
    decorated = "# long: the reason sits above the decorators\n@staticmethod\n" + function(70)
    (clean_package / "decorated.py").write_text(decorated, encoding="utf-8")
    result = run(clean_package)
    assert result.returncode == 1
    assert "method.py:2: planted() has 70 lines" in result.stdout
    assert "decorated.py" not in result.stdout
