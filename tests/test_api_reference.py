"""The API reference is generated from the docstrings and covers the whole public surface.

``make docs`` builds the site with mkdocs and mkdocstrings in strict mode (mkdocs.yml); the
mkdocs-api-autonav plugin generates one reference page per module of the package. Here
the same strict build runs into a temporary folder, and the inventory it writes (objects.inv,
read with mkdocstrings' own parser) must hold every public name: ``microbp.__all__`` and the
``__all__`` of every module of the package (found by walking it, so a new module is covered as
soon as it exists). tools/griffe_rest.py, which turns the docstrings' reST roles and doctests
into Markdown for the build, is checked at the end.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import sys
from pathlib import Path

import pytest

import microbp

ROOT = Path(__file__).resolve().parent.parent
MKDOCS = Path(sys.executable).parent / "mkdocs"

sys.path.insert(0, str(ROOT / "tools"))
from griffe_rest import rest_to_markdown  # noqa: E402

needs_mkdocs = pytest.mark.skipif(not MKDOCS.exists(), reason="mkdocs not installed")


def public_modules() -> list[str]:
    """``microbp`` and every module of the package that declares ``__all__``."""
    names = ["microbp"]
    for info in pkgutil.walk_packages(microbp.__path__, prefix="microbp."):
        if info.name.rsplit(".", 1)[-1] == "__main__":
            continue  # importing it would run the command line
        if hasattr(importlib.import_module(info.name), "__all__"):
            names.append(info.name)
    return names


def public_names() -> list[str]:
    """``module.name`` for every name in every public module's ``__all__``."""
    return [f"{m}.{n}" for m in public_modules() for n in importlib.import_module(m).__all__]


@pytest.fixture(scope="module")
def site(built_site):
    """The site of a strict build (tests/conftest.py builds it once per session)."""
    return built_site


@pytest.fixture(scope="module")
def inventory(site):
    """The names the strict build documented (its objects.inv)."""
    from mkdocstrings import Inventory

    with open(site / "objects.inv", "rb") as f:
        return set(Inventory.parse_sphinx(f))


@needs_mkdocs
@pytest.mark.slow
def test_every_public_name_is_in_the_generated_reference(inventory):
    missing = [name for name in public_modules() + public_names() if name not in inventory]
    assert not missing, (
        "public modules and names (in a module's __all__) missing from the built reference:\n  "
        + "\n  ".join(missing)
    )


@needs_mkdocs
@pytest.mark.slow
def test_each_module_page_leads_with_its_public_surface_in_the_order_of_its_all(site):
    """A module's page shows the names of its ``__all__`` first and in that order (a class
    before the tables it uses), and no class shows its ``__slots__``."""
    problems = []
    for module in public_modules():
        page = site / "reference" / Path(*module.split(".")) / "index.html"
        if not page.exists():  # a module that is a package's __init__ or a plain file
            page = site / "reference" / Path(*module.split(".")[:-1]) / module.split(".")[-1]
            page = page / "index.html"
        text = page.read_text("utf-8")
        shown = re.findall(r'<h2 id="' + re.escape(module) + r'\.([^".]+)"', text)
        mod = importlib.import_module(module)
        # submodules have pages of their own (microbp.gradcheck is one, and a function too)
        subs = {m.name for m in pkgutil.iter_modules(getattr(mod, "__path__", []))}
        names = [n for n in mod.__all__ if n not in subs and not inspect.ismodule(getattr(mod, n))]
        if shown[: len(names)] != names:
            problems.append(f"{module}: shows {shown[:6]}…, its __all__ is {names[:6]}…")
        if re.search(r'id="[^"]*\.__slots__"', text):
            problems.append(f"{module}: a class shows its __slots__")
    assert not problems, "\n".join(problems)


# tools/griffe_rest.py ------------------------------------------------------------------------


def test_roles_become_code_spans_and_a_tilde_drops_the_module_path():
    text = "See :class:`~microbp.engine.Value`, :func:`microbp.bp.backprop` and :meth:`x.y`."
    assert rest_to_markdown(text) == "See `Value`, `microbp.bp.backprop` and `x.y`."
    wrapped = "is :meth:`reset\n    <microbp.optim.Optimizer.reset>` first"
    assert rest_to_markdown(wrapped) == "is `reset` first"


def test_a_doctest_run_becomes_a_fenced_block_with_its_output_and_indentation():
    text = "Text:\n>>> net.W(3)[0][1]\n2\n\nafter :data:`X`\n  >>> z\n  3\n"
    assert rest_to_markdown(text) == (
        "Text:\n\n```pycon\n>>> net.W(3)[0][1]\n2\n```\n\nafter `X`\n\n  ```pycon\n  >>> z\n  3\n"
        "  ```\n"
    )


def test_a_literal_block_marker_becomes_a_colon_and_fenced_code_is_left_alone():
    text = "As a table::\n\n    a | b\n\n```text\n:class:`kept` >>> kept::\n```\n"
    assert rest_to_markdown(text) == (
        "As a table:\n\n    a | b\n\n```text\n:class:`kept` >>> kept::\n```\n"
    )
