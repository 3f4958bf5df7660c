"""docs/api.md and the code agree: every public name is documented, every documented name exists.

The public surface is read from the code: ``microbp.__all__`` and the ``__all__`` of every
module of the package (found by walking it, so a new module is covered as soon as it
exists). docs/api.md documents a name with a heading whose text is one code span holding the
dotted name, with the call signature for anything callable::

    ## `microbp.bp`
    ### `microbp.bp.backprop(net, X, Y)`
    ### `microbp.nn.MLP.L`

A name counts as documented when a heading names it, or names the same object under
another path (``microbp.Value`` is documented by ``microbp.engine.Value(…)``). Every
heading must name something that exists, and a signature shown must be the code's (without
annotations, as ``inspect.signature`` prints it).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import microbp

ROOT = Path(__file__).resolve().parent.parent
API = ROOT / "docs" / "api.md"

_ENTRY = re.compile(r"^#{2,4}\s+`(microbp(?:\.\w+)*)(\(.*\))?`\s*$")


def public_modules() -> list[str]:
    """``microbp`` and every module of the package that declares ``__all__``."""
    names = ["microbp"]
    for info in pkgutil.walk_packages(microbp.__path__, prefix="microbp."):
        if info.name.rsplit(".", 1)[-1] == "__main__":
            continue  # importing it would run the command line
        module = importlib.import_module(info.name)
        if hasattr(module, "__all__"):
            names.append(info.name)
    return names


def public_names() -> list[tuple[str, str]]:
    """(module, name) for every name in every public module's ``__all__``."""
    return [(m, n) for m in public_modules() for n in importlib.import_module(m).__all__]


def documented_entries(text: str) -> list[tuple[int, str, str | None]]:
    """(line, dotted name, signature or None) of every entry heading of api.md."""
    entries = []
    in_code = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith(("```", "~~~")):
            in_code = not in_code
        if in_code:
            continue
        m = _ENTRY.match(line)
        if m:
            entries.append((number, m.group(1), m.group(2)))
    return entries


def resolve(dotted: str):
    """The object a dotted name refers to: the longest importable module, then attributes."""
    parts = dotted.split(".")
    for k in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:k]))
        except ImportError:
            continue
        owner = None
        for attr in parts[k:]:
            owner, obj = obj, getattr(obj, attr)  # AttributeError: not in the code
        return owner, obj
    raise ImportError(dotted)


def code_signature(owner, obj, name: str) -> str:
    """The signature as ``inspect.signature`` prints it, annotations removed, no self."""
    sig = inspect.signature(obj)
    params = list(sig.parameters.values())
    if inspect.isclass(owner) and inspect.isfunction(inspect.getattr_static(owner, name)):
        params = params[1:]  # an instance method: drop self
    params = [p.replace(annotation=inspect.Parameter.empty) for p in params]
    return str(sig.replace(parameters=params, return_annotation=inspect.Signature.empty))


def _entries():
    return documented_entries(API.read_text(encoding="utf-8"))


def test_every_public_name_is_documented_in_api_md():
    documented = []
    for _, dotted, _ in _entries():
        try:
            documented.append((dotted, resolve(dotted)[1]))
        except (ImportError, AttributeError):
            pass  # reported by the next test
    missing = []
    for module, name in public_names():
        obj = getattr(importlib.import_module(module), name)
        dotted = f"{module}.{name}"
        if not any(d == dotted or o is obj for d, o in documented):
            missing.append(dotted)
    assert not missing, (
        "public names (in a module's __all__) without an entry in docs/api.md — add a "
        "heading like ### `microbp.module.name(signature)`:\n  " + "\n  ".join(missing)
    )


def test_every_documented_name_exists_in_the_code_with_the_shown_signature():
    problems = []
    for number, dotted, shown in _entries():
        try:
            owner, obj = resolve(dotted)
        except (ImportError, AttributeError):
            problems.append(f"docs/api.md:{number}: {dotted} does not exist in the code")
            continue
        callable_ = inspect.isfunction(obj) or inspect.ismethod(obj) or inspect.isclass(obj)
        try:
            signed = callable_ or shown is not None
            actual = code_signature(owner, obj, dotted.rsplit(".", 1)[-1]) if signed else None
        except (TypeError, ValueError):
            actual = None  # e.g. an exception class without __init__: inspect cannot sign it
        if shown is None:
            if actual is not None:
                problems.append(f"docs/api.md:{number}: {dotted} is callable: show its signature")
        elif actual is None:
            problems.append(f"docs/api.md:{number}: {dotted} has no signature to show")
        elif shown != actual:
            problems.append(f"docs/api.md:{number}: {dotted}{shown}, but the code has {actual}")
    assert not problems, "\n".join(problems)


def test_each_public_module_has_a_section_in_api_md():
    documented = {dotted for _, dotted, _ in _entries()}
    missing = [m for m in public_modules() if m not in documented]
    assert not missing, f"docs/api.md has no ## `module` section for: {', '.join(missing)}"


# The checker itself -----------------------------------------------------------------------


def test_the_checker_reads_headings_outside_code_blocks_only():
    text = "## `microbp.bp`\n```text\n### `microbp.nothing()`\n```\n### `microbp.bp.backprop(a)`\n"
    assert documented_entries(text) == [(1, "microbp.bp", None), (5, "microbp.bp.backprop", "(a)")]


def test_the_checker_reads_signatures_as_inspect_prints_them():
    assert code_signature(microbp.bp, microbp.bp.backprop, "backprop") == (
        "(net, X, Y, loss='squared_error')"
    )
    assert code_signature(microbp.MLP, microbp.MLP.w, "w") == "(l, i, j)"
    owner, obj = resolve("microbp.nn.MLP.from_weights")
    assert code_signature(owner, obj, "from_weights") == "(W, b, activation='sigmoid')"
    with pytest.raises(AttributeError):
        resolve("microbp.bp.no_such_function")


def test_the_checker_cannot_sign_an_exception_class_without_init():
    # Such a class is documented by its name alone (### `microbp.viz.draw.GraphTooLarge`).
    owner, obj = resolve("microbp.viz.draw.GraphTooLarge")
    with pytest.raises(ValueError):
        code_signature(owner, obj, "GraphTooLarge")
