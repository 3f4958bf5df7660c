"""The import contracts of ``.importlinter`` (run by ``make lint``) hold, and each can fail.

``lint-imports`` checks three contracts: the layers (cli > lab > exercises > viz |
experiments | symbolic | interop > core), the core's freedom from the shell's libraries
(argparse, graphviz, matplotlib, starlette, uvicorn, sympy, torch, onnx, onnxruntime) and no
import cycles. Here each contract is shown to break: a copy of the package gets one offending
import, and lint-imports, with the repository's own configuration, must report that contract
broken (and the untouched copy must pass, so the import is the cause).
A last test keeps the contracts complete: every top-level module of the package is placed
in a layer, so a new core module cannot slip past them.
"""

from __future__ import annotations

import configparser
import os
import pkgutil
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import microbp

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".importlinter"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
SHELL = {"cli", "lab", "exercises", "viz", "experiments", "symbolic", "interop"}

pytestmark = [
    pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter not installed"),
    pytest.mark.slow,  # a lint-imports subprocess each
]


def _contracts() -> configparser.ConfigParser:
    config = configparser.ConfigParser()
    config.read(CONFIG, encoding="utf-8")
    return config


def lint(package_root: Path, contract: str) -> subprocess.CompletedProcess:
    """Run one contract of the repository's configuration on the package under package_root."""
    env = {**os.environ, "PYTHONPATH": str(package_root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(CONFIG), "--contract", contract, "--no-cache"],
        cwd=package_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def package_copy(tmp_path):
    """A copy of microbp under tmp_path, to add an offending import to."""
    shutil.copytree(ROOT / "microbp", tmp_path / "microbp", ignore=shutil.ignore_patterns("*.pyc"))
    return tmp_path


def _add_line(root: Path, module: str, line: str) -> None:
    path = root / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = root / module.replace(".", "/") / "__init__.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    path.write_text(old + "\n" + line + "\n", encoding="utf-8")


BREAKS = [
    # (contract id, module given the import, the import) — each alone breaks the contract
    ("layers", "microbp.bp", "import microbp.viz"),
    ("layers", "microbp.engine", "from microbp.cli import app"),
    ("layers", "microbp.train", "import microbp.experiments"),
    ("layers", "microbp.viz.draw", "import microbp.experiments"),
    ("layers", "microbp.viz.trace", "import microbp.cli"),
    ("layers", "microbp.experiments.common", "import microbp.viz"),
    ("layers", "microbp.experiments.vanishing", "import microbp.cli.app"),
    ("layers", "microbp.lab", "import microbp.cli"),
    ("layers", "microbp.symbolic", "import microbp.viz"),
    ("layers", "microbp.nn", "from microbp.symbolic import prove_net"),
    ("layers", "microbp.symbolic", "import microbp.exercises"),
    ("layers", "microbp.exercises.kinds", "import microbp.lab"),
    ("core-libraries", "microbp.engine", "import argparse"),
    ("core-libraries", "microbp.nn", "import graphviz"),
    ("core-libraries", "microbp.bp", "from matplotlib.figure import Figure"),
    ("core-libraries", "microbp.train", "from matplotlib.figure import Figure"),  # no ignore
    ("core-libraries", "microbp.checks", "def f():\n    import argparse"),  # inside a function
    ("core-libraries", "microbp.optim", "import starlette"),
    ("core-libraries", "microbp.files", "import uvicorn"),
    ("core-libraries", "microbp.numtypes", "import sympy"),
    ("layers", "microbp.interop.pytorch", "import microbp.viz"),
    ("layers", "microbp.gradcheck", "from microbp.interop import torch_method"),
    ("core-libraries", "microbp.gradcheck", "import torch"),
    ("core-libraries", "microbp.nn", "import onnx"),
    ("acyclic", "microbp.optim", "import microbp.train"),
    ("acyclic", "microbp.viz.draw", "from microbp.viz import trace"),
]


@pytest.mark.parametrize("contract", ["layers", "core-libraries", "acyclic"])
def test_the_package_keeps_the_contract(package_copy, contract):
    result = lint(package_copy, contract)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "KEPT" in result.stdout


@pytest.mark.parametrize(
    ("contract", "module", "line"), BREAKS, ids=[f"{c}:{m}:{i}" for c, m, i in BREAKS]
)
def test_one_offending_import_breaks_the_contract(package_copy, contract, module, line):
    _add_line(package_copy, module, line)
    result = lint(package_copy, contract)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN" in result.stdout and "Contracts: 0 kept, 1 broken." in result.stdout


def test_every_top_level_module_is_placed_in_a_layer():
    config = _contracts()
    layers = config["importlinter:contract:layers"]["layers"].strip().splitlines()
    placed = {
        name.strip().strip("()") for layer in layers for name in layer.replace("|", ":").split(":")
    }
    core_layer = {name.strip().strip("()") for name in layers[-1].split(":")}
    modules = {
        f"microbp.{m.name}" for m in pkgutil.iter_modules(microbp.__path__) if m.name != "__main__"
    }
    assert not modules - placed, (
        f"{sorted(modules - placed)} sit in no layer of .importlinter: add each to the core "
        "layer (the last line of `layers`) or to the shell"
    )
    # The forbidden contract names its sources one by one (it refuses a missing module, where
    # the layers accept an optional one): every core module that exists must be among them.
    sources = set(config["importlinter:contract:core-libraries"]["source_modules"].split())
    existing_core = {m for m in core_layer if m in modules}
    assert existing_core <= sources, (
        f"add {sorted(existing_core - sources)} to source_modules of "
        "[importlinter:contract:core-libraries] in .importlinter"
    )
    assert {m.rsplit(".", 1)[1] for m in placed - core_layer} == SHELL


def _readme_section(title: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end]


def test_the_readme_draws_every_module_in_its_layer():
    """README's Architecture names every module of microbp/ (a package as ``name/``), each on
    its side of the drawing: the core's below the arrows, the shell's above them."""
    drawing = _readme_section("Architecture").split("```")[1]
    shell, core = drawing.split("▼", 1)  # the arrows' heads mark where the core begins
    config = _contracts()
    layers = config["importlinter:contract:layers"]["layers"].strip().splitlines()
    core_layer = {name.strip().rsplit(".", 1)[1] for name in layers[-1].split(":")}
    for m in pkgutil.iter_modules(microbp.__path__):
        if m.name == "__main__":
            continue
        shown = f"{m.name}/" if m.ispkg else m.name
        side = core if m.name in core_layer else shell
        assert re.search(rf"(?<![\w/]){re.escape(shown)}(?![\w])", side), (
            f"README's Architecture does not draw {shown} among the "
            f"{'core' if side is core else 'shell'}'s modules"
        )


def test_the_readme_layout_lists_every_module():
    """README's Layout table names every module and package of microbp/ by its path."""
    table = _readme_section("Layout")
    for m in pkgutil.iter_modules(microbp.__path__):
        if m.name == "__main__":
            continue
        path = f"microbp/{m.name}/" if m.ispkg else f"microbp/{m.name}.py"
        assert f"`{path}" in table, f"README's Layout has no row for {path}"
