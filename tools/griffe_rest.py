"""A griffe extension for ``make docs``: microbp's reST-flavoured docstrings, read as Markdown.

The docstrings are written for ``help()`` and doctest: Sphinx roles (:class:`Value`,
:func:`~microbp.bp.backprop`), ``>>>`` examples and ``::`` literal blocks. Markdown (what
mkdocstrings renders) knows none of them, so before rendering each docstring gets:

* a role becomes a code span of the name as written (``~`` drops the module path);
* each run of ``>>>`` lines with their output becomes a fenced ``pycon`` block;
* a paragraph ending in ``::`` ends in ``:`` (its indented block is already code in Markdown).

The docstrings themselves stay as they are (they are also doctests). Loaded by mkdocs.yml
(``extensions: [tools/griffe_rest.py]``); tests/test_api_reference.py checks the conversion.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|attr|data|exc|obj|const):`(~?)([^`]+)`")
_TITLED = re.compile(r"^(.*?)\s*<[^<>]+>$", re.S)  # :meth:`reset <microbp.optim.Optimizer.reset>`
_FENCED = re.compile(r"(^[ \t]*(?:```|~~~).*?^[ \t]*(?:```|~~~)[ \t]*$)", re.S | re.M)


def _role(m: re.Match) -> str:
    name = " ".join(m.group(2).split())  # a role may wrap onto the next line
    titled = _TITLED.match(name)
    if titled:
        return f"`{titled.group(1)}`"
    return f"`{name.rsplit('.', 1)[-1] if m.group(1) else name}`"


def _roles(text: str) -> str:
    """Every role outside fenced code becomes a code span."""
    parts = _FENCED.split(text)
    return "".join(p if k % 2 else _ROLE.sub(_role, p) for k, p in enumerate(parts))


def rest_to_markdown(text: str) -> str:
    """Roles to code spans, doctest runs to fenced pycon blocks, a closing ``::`` to ``:``."""
    text = _roles(text)
    out: list[str] = []
    in_fence = False
    in_doctest: str | None = None  # the indentation of the open pycon block
    for line in text.splitlines():
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        if stripped.startswith(("```", "~~~")) and in_doctest is None:
            in_fence = not in_fence
        if in_fence:
            out.append(line)
            continue
        if in_doctest is not None and not stripped:
            out.append(f"{in_doctest}```")
            in_doctest = None
        elif in_doctest is None and stripped.startswith(">>>"):
            in_doctest = indent
            if out and out[-1].strip():
                out.append("")  # a fence opens a block only after a blank line
            out.append(f"{indent}```pycon")
        if in_doctest is None:
            if line.endswith("::") and not line.endswith(":::"):
                line = line[:-1]
        out.append(line)
    if in_doctest is not None:
        out.append(f"{in_doctest}```")
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


class RestDocstrings(griffe.Extension):
    """Rewrite each docstring with :func:`rest_to_markdown` once the tree is loaded."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = rest_to_markdown(obj.docstring.value)

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        # The root package's own docstring (on_object does not visit it).
        if pkg.docstring is not None:
            pkg.docstring.value = rest_to_markdown(pkg.docstring.value)


class HideSlots(griffe.Extension):
    """Drop each class's ``__slots__`` from the reference: an implementation detail that would
    otherwise be the first thing shown under every class that declares it."""

    def on_class_members(self, *, cls: griffe.Class, **kwargs: Any) -> None:
        if "__slots__" in cls.members:
            cls.del_member("__slots__")
