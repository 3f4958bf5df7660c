"""The outputs shown in the docs are what the commands print now.

``tests/test_docs.py`` runs the ```python blocks; this module checks the *shown outputs*:
the tables and reports of ``microbp vanishing``, ``microbp demo``, ``microbp train`` … and
what a python block prints. The convention (see docs/index.md):

* Put a Markdown comment right before the fenced block (usually ```text) that shows an
  output, naming where the output comes from::

      <!-- output of: microbp vanishing -->
      <!-- output of: the python block above -->
      <!-- output of: microbp rprop-bench; shape checked against: microbp rprop-bench --quick -->

  ``microbp ARGS`` runs the command (``python -m microbp.cli ARGS``, in an empty temporary
  folder, so files it writes go there) and compares everything it prints to stdout with the
  block. ``the python block above`` compares the block with what the nearest ```python block
  before it printed (the page's python blocks run top to bottom in one namespace, from the
  repository root, as in test_docs.py).
* The comparison is exact, line by line (trailing spaces and trailing blank lines aside),
  except for wall-clock times, which differ on every run and are masked on both sides: the
  cells of a table column headed ``seconds`` or ``s/run`` (down to the next
  line that is not indented: blank lines do not end a table), and
  a number followed by `` s`` (``0.02 s``, ``total wall time 141.5 s``). Nothing else is
  masked. A shown block may start with ``$ microbp ARGS`` (the command itself, which must be
  the marker's) and may use a line holding only ``…`` for any run of output lines left out.
* A command too slow for the test suite (minutes) is not run; ``; shape checked against:
  FAST`` runs the fast variant instead and checks the shown block's shape: every shown line,
  with its numbers (and ``–``, ``did not converge``) masked and, for an indented table row,
  its first cell dropped, must be a line that FAST prints. That catches a changed title,
  column, row format or algorithm name, but not changed numbers; say so in the page.

Markers are found when the tests are collected, across README.md and docs/*.md, so a page
gets its outputs checked by adding the marker and nothing else. A failure names the page and
the line of the block and shows a diff. If a change to the code changes an output on
purpose, regenerate the block from the command.
"""

from __future__ import annotations

import contextlib
import difflib
import doctest
import functools
import io
import os
import re
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.test_docs import Block, doc_pages, is_doctest_block, split_page

ROOT = Path(__file__).resolve().parent.parent

_MARKER = re.compile(r"^\s{0,3}<!--\s*output of:\s*(.*?)\s*-->\s*$")
_SHAPE = re.compile(r"^(.*?)\s*;\s*shape checked against:\s*(.+)$")
PYTHON_ABOVE = "the python block above"
ELLIPSIS_LINE = "…"


@dataclass(frozen=True)
class Shown:
    """A shown output: the page, the marker's line, the source, and the block it marks."""

    page: Path
    line: int  # the marker's line, 1-based
    source: str  # 'microbp ARGS' or PYTHON_ABOVE
    shape_from: str | None  # the fast command of a shape check, else None
    block: Block | None  # None when no fenced block follows the marker

    @property
    def where(self) -> str:
        page = self.page.relative_to(ROOT) if self.page.is_relative_to(ROOT) else self.page
        return f"{page}:{self.line}"


def shown_outputs(page: Path) -> list[Shown]:
    """Every ``<!-- output of: … -->`` marker of ``page`` with the fenced block after it."""
    text = page.read_text(encoding="utf-8")
    lines = text.splitlines()
    blocks, prose = split_page(text)
    by_fence = {b.line - 1: b for b in blocks}  # the fence's own line number
    found = []
    for number, line in prose:  # a marker inside a code block is only shown, not a marker
        m = _MARKER.match(line)
        if not m:
            continue
        source, shape_from = m.group(1), None
        s = _SHAPE.match(source)
        if s:
            source, shape_from = s.group(1), s.group(2)
        nxt = number + 1
        while nxt <= len(lines) and not lines[nxt - 1].strip():
            nxt += 1
        found.append(Shown(page, number, source, shape_from, by_fence.get(nxt)))
    return found


# --------------------------------------------------------------------------------------------
# Producing the output: a command, or a python block of the page
# --------------------------------------------------------------------------------------------


@functools.cache
def run_command(command: str) -> str:
    """What ``microbp ARGS`` prints to stdout, run in an empty temporary folder.

    Cached: a command shown twice (or used for a shape check too) runs once per session.
    """
    words = shlex.split(command)
    if not words or words[0] != "microbp":
        raise AssertionError(f"an output marker names {command!r}; expected 'microbp ARGS'")
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(
            [sys.executable, "-m", "microbp.cli", *words[1:]],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
        )
    if done.returncode not in (0, 1):  # 1: a check failed, a legitimate output to show
        raise AssertionError(f"`{command}` exited with {done.returncode}:\n{done.stderr}")
    return done.stdout


def python_block_outputs(page: Path, upto: int) -> dict[int, str]:
    """Run the python blocks of ``page`` before line ``upto`` as test_docs.py does (one
    namespace, from the repository root); return what each block printed, keyed by its first
    line (None for a ``>>>`` block: test_docs.py checks its outputs)."""
    blocks, _ = split_page(page.read_text(encoding="utf-8"))
    namespace: dict = {"__name__": "__docs__"}
    printed: dict[int, str | None] = {}
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        for block in blocks:
            if block.line >= upto:
                break
            if block.lang not in ("python", "py", "python3", "pycon"):
                continue
            if is_doctest_block(block):
                test = doctest.DocTestParser().get_doctest(
                    block.code, namespace, str(page), str(page), block.line - 1
                )
                test.globs = namespace
                doctest.DocTestRunner(verbose=False).run(
                    test, out=lambda _: None, clear_globs=False
                )
                printed[block.line] = None
                continue
            buffer = io.StringIO()
            with contextlib.redirect_stdout(buffer):
                exec(compile("\n" * (block.line - 1) + block.code, str(page), "exec"), namespace)
            printed[block.line] = buffer.getvalue()
    finally:
        os.chdir(cwd)
    return printed


def produce(shown: Shown) -> str:
    """The output the marker names (the fast variant's, for a shape check)."""
    if shown.source == PYTHON_ABOVE:
        printed = python_block_outputs(shown.page, shown.line)
        if not printed or printed[max(printed)] is None:
            raise AssertionError(
                "the python block right above the marker is missing or has >>> lines"
            )
        return printed[max(printed)]
    return run_command(shown.shape_from or shown.source)


# --------------------------------------------------------------------------------------------
# Comparing: wall-clock times masked, exact otherwise; or the shape only
# --------------------------------------------------------------------------------------------

_TIME_HEADER = re.compile(r"(?<!\S)(?:seconds|s/run)(?!\S)")
_TIME_INLINE = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?= s\b)")
_TOKEN = re.compile(r"\S+")


def mask_times(lines: list[str]) -> list[str]:
    """The lines with every wall-clock time replaced by '#': the cells under a ``seconds`` or
    ``s/run`` column header (a cell with its leading spaces becomes ' #', so that a wider
    time does not shift the line) down to the next line that is not indented, and a number
    followed by ' s'."""
    out = []
    columns: list[tuple[int, int]] = []
    for line in lines:
        if line.strip() and not line.startswith(" "):
            columns = []
        elif heads := [m.span() for m in _TIME_HEADER.finditer(line)]:
            columns = heads
        elif columns and line.strip():
            cells = [
                t.span()
                for t in _TOKEN.finditer(line)
                if any(t.start() < e and s < t.end() for s, e in columns)
            ]
            for start, end in reversed(cells):
                lead = len(line[:start]) - len(line[:start].rstrip(" "))
                line = line[: start - lead] + " #" + line[end:]
        out.append(_TIME_INLINE.sub("#", line))
    return out


def _lines(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return lines


def shown_lines(shown: Shown) -> list[str]:
    """The block's lines, without a leading ``$ command`` line (checked against the marker)."""
    lines = _lines(shown.block.code)
    if lines and lines[0].startswith("$ "):
        command = lines.pop(0)[2:].strip()
        if shlex.split(command) != shlex.split(shown.source):
            raise AssertionError(
                f"{shown.where}: the block shows `$ {command}` but the marker says `{shown.source}`"
            )
    return lines


def matches(shown: list[str], got: list[str]) -> bool:
    """Whether ``got`` equals ``shown``, a shown line ``…`` standing for any run of lines."""
    if ELLIPSIS_LINE not in shown:
        return shown == got

    @functools.cache
    def match(i: int, j: int) -> bool:
        if i == len(shown):
            return j == len(got)
        if shown[i] == ELLIPSIS_LINE:
            return any(match(i + 1, k) for k in range(j, len(got) + 1))
        return j < len(got) and shown[i] == got[j] and match(i + 1, j + 1)

    return match(0, 0)


_NUMBERISH = re.compile(r"did not converge")


def skeleton(line: str) -> str:
    """A line's shape: numbers (any token holding a digit), '–' and 'did not converge'
    become '#', a table's rule under its header ('-----') becomes '-' (its width follows the
    widest number); an indented line (a table row) loses its first cell; spaces collapse."""
    tokens = _NUMBERISH.sub("#", line).split()
    tokens = ["#" if re.search(r"\d", t) or t == "–" else t for t in tokens]
    tokens = ["-" if set(t) == {"-"} else t for t in tokens]
    if line.startswith(" ") and tokens:
        tokens = tokens[1:]
    return " ".join(tokens)


def check(shown: Shown) -> None:
    """Fail (naming page, line and the difference) unless the block shows the output."""
    if shown.block is None:
        raise AssertionError(f"{shown.where}: the output marker is not followed by a block")
    expected = shown_lines(shown)
    try:
        got = _lines(produce(shown))
    except AssertionError as exc:
        raise AssertionError(f"{shown.where}: {exc}") from None
    if shown.shape_from is not None:
        shapes = {skeleton(line) for line in mask_times(got)}
        odd = [line for line in mask_times(expected) if skeleton(line) not in shapes]
        if odd or not expected:
            raise AssertionError(
                f"{shown.where}: lines of the block shown for `{shown.source}` have no line "
                f"of that shape in the output of `{shown.shape_from}`:\n"
                + "\n".join(odd or ["(the block is empty)"])
            )
        return
    if not matches(mask_times(expected), mask_times(got)):
        diff = difflib.unified_diff(
            expected, got, f"shown at {shown.where}", f"printed by {shown.source}", lineterm=""
        )
        raise AssertionError(
            f"{shown.where}: the block differs from what `{shown.source}` prints now "
            "(wall-clock times masked); regenerate it from the command:\n" + "\n".join(diff)
        )


# --------------------------------------------------------------------------------------------
# The tests over the real pages
# --------------------------------------------------------------------------------------------

SHOWN = [s for page in doc_pages(ROOT) for s in shown_outputs(page)]


@pytest.mark.parametrize("shown", SHOWN, ids=[s.where for s in SHOWN])
def test_the_shown_output_is_what_the_command_prints_now(shown):
    try:
        check(shown)
        problem = None
    except AssertionError as exc:
        problem = str(exc)
    if problem:
        pytest.fail(problem, pytrace=False)


def test_the_known_shown_outputs_carry_markers():
    """The outputs shown today are all marked (a marker lost in an edit would go unchecked)."""
    marked = {(s.page.name, s.shape_from or s.source) for s in SHOWN}
    assert {
        ("index.md", "microbp demo"),
        ("gradcheck.md", "microbp check --net 3,4,2 --activation tanh"),
        ("gradcheck.md", PYTHON_ABOVE),
        (
            "training.md",
            "microbp train --data xor --net 2,4,1 --activation sigmoid "
            "--optimizer irprop- --max-epochs 2000 --tol 1e-9",
        ),
        ("vanishing.md", "microbp vanishing"),
        ("vanishing.md", "microbp vanishing --quick --train"),
        ("rprop.md", "microbp rprop-bench --quick"),
    } <= marked, sorted(marked)


def test_every_text_block_of_the_docs_is_a_marked_output():
    """A ```text block shows an output; unmarked, it would go unchecked. (Text that is not an
    output can use another fence language.)"""
    marked = {(s.page, s.block.line) for s in SHOWN if s.block is not None}
    unmarked = [
        f"{page.relative_to(ROOT)}:{block.line - 1}"
        for page in doc_pages(ROOT)
        for block in split_page(page.read_text(encoding="utf-8"))[0]
        if block.lang == "text" and (page, block.line) not in marked
    ]
    assert not unmarked, "```text blocks without <!-- output of: … -->: " + ", ".join(unmarked)


def test_every_shown_command_is_a_microbp_command():
    for shown in SHOWN:
        for command in filter(None, (shown.source, shown.shape_from)):
            assert command == PYTHON_ABOVE or shlex.split(command)[0] == "microbp", shown.where


# --------------------------------------------------------------------------------------------
# The checker itself catches what it should
# --------------------------------------------------------------------------------------------


def _shown(tmp_path: Path, text: str) -> list[Shown]:
    page = tmp_path / "p.md"
    page.write_text(text, encoding="utf-8")
    return shown_outputs(page)


def test_a_marker_is_found_with_its_block_and_shape_source(tmp_path):
    found = _shown(
        tmp_path,
        "# t\n\n<!-- output of: microbp x -->\n```text\nA\n```\n\n"
        "<!-- output of: microbp slow; shape checked against: microbp slow --quick -->\n\n"
        "```text\nB\n```\n\n<!-- output of: microbp lost -->\nprose\n"
        "```text\n<!-- output of: microbp shown in a block -->\n```\n",
    )
    assert [(s.line, s.source, s.shape_from) for s in found] == [
        (3, "microbp x", None),
        (8, "microbp slow", "microbp slow --quick"),
        (14, "microbp lost", None),
    ]
    assert found[0].block.code == "A\n" and found[1].block.code == "B\n"
    assert found[2].block is None


def test_only_wall_clock_times_are_masked():
    table = [
        "  problem   algorithm  median   s/run  seconds",
        "  xor       GD          290.5   0.035     1.16",
        "",
        "  xor       SGD         351.0   0.170    17.49",
        "after the table",
        "  xor   290.5   0.035     1.16",
        "epochs  = 70  (70 updates, 0.02 s)",
        "total wall time 141.5 s",
    ]
    assert mask_times(table) == [
        "  problem   algorithm  median   s/run  seconds",
        "  xor       GD          290.5 # #",
        "",
        "  xor       SGD         351.0 # #",
        "after the table",
        "  xor   290.5   0.035     1.16",
        "epochs  = 70  (70 updates, # s)",
        "total wall time # s",
    ]


def test_a_changed_number_or_word_fails_and_a_changed_time_does_not(tmp_path, monkeypatch):
    printed = "title\n  f     epochs seconds\n  relu      16    0.01\nin 0.5 s\n"
    monkeypatch.setattr(sys.modules[__name__], "produce", lambda shown: printed)
    good = "title\n  f     epochs seconds\n  relu      16   10.25\nin 3.0 s\n"
    (ok,) = _shown(tmp_path, f"<!-- output of: microbp x -->\n```text\n{good}```\n")
    check(ok)
    for bad in (good.replace("16", "17"), good.replace("relu", "tanh"), good + "more\n"):
        (shown,) = _shown(tmp_path, f"<!-- output of: microbp x -->\n```text\n{bad}```\n")
        with pytest.raises(AssertionError, match=r"p\.md:1: the block differs"):
            check(shown)


def test_a_dollar_line_must_be_the_markers_command_and_an_ellipsis_skips_lines(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(sys.modules[__name__], "produce", lambda shown: "a\nb\nc\nd\n")
    (ok,) = _shown(
        tmp_path, "<!-- output of: microbp x -y -->\n```text\n$ microbp x -y\na\n…\nd\n```\n"
    )
    check(ok)
    (wrong,) = _shown(tmp_path, "<!-- output of: microbp x -->\n```text\n$ microbp z\na\n```\n")
    with pytest.raises(AssertionError, match="the block shows `\\$ microbp z`"):
        check(wrong)
    assert matches(["a", "…"], ["a"]) and not matches(["a", "…", "c"], ["a", "b"])


def test_the_shape_check_masks_numbers_but_not_words(tmp_path, monkeypatch):
    fast = "run: seeds 0…2\n  xor   GD   3/3   40.0\n  xor   GD   0/3   –\n"
    monkeypatch.setattr(sys.modules[__name__], "produce", lambda shown: fast)
    marker = "<!-- output of: microbp s; shape checked against: microbp s --quick -->\n"
    ok = "run: seeds 0…19\n  spirals  GD  20/20  1070.5\n"
    (shown,) = _shown(tmp_path, f"{marker}```text\n{ok}```\n")
    check(shown)
    for bad in ("runs: seeds 0…19\n", "  spirals  SGD  20/20  1070.5\n", "  xor  GD  3/3\n"):
        (shown,) = _shown(tmp_path, f"{marker}```text\n{bad}```\n")
        with pytest.raises(AssertionError, match="have no line of that shape"):
            check(shown)


def test_the_shape_check_takes_a_rule_of_any_width_but_not_a_missing_one(tmp_path, monkeypatch):
    fast = "run\n  problem  median\n  -------  ------\n  xor        40.0\n"
    monkeypatch.setattr(sys.modules[__name__], "produce", lambda shown: fast)
    marker = "<!-- output of: microbp s; shape checked against: microbp s --quick -->\n"
    wider = "run\n  problem   median\n  -------  -------\n  spirals  1070.5\n"
    (shown,) = _shown(tmp_path, f"{marker}```text\n{wider}```\n")
    check(shown)
    (shown,) = _shown(tmp_path, f"{marker}```text\nrun\n  -------  ------  ----\n```\n")
    with pytest.raises(AssertionError, match="have no line of that shape"):
        check(shown)


def test_the_python_block_above_is_the_nearest_one_and_shares_the_namespace(tmp_path):
    (shown,) = _shown(
        tmp_path,
        "```python\nx = 2\nprint('first')\n```\n\n```python\n>>> x\n2\n```\n\n"
        "```python\nprint(x * 21)\n```\n\n<!-- output of: the python block above -->\n"
        "```text\n42\n```\n",
    )
    check(shown)
    assert produce(shown) == "42\n"


def test_a_marker_without_a_plain_python_block_or_microbp_command_fails(tmp_path):
    for text in (
        "<!-- output of: the python block above -->\n```text\n1\n```\n",
        "```python\n>>> 1\n1\n```\n<!-- output of: the python block above -->\n```text\n1\n```\n",
        "<!-- output of: ls -l -->\n```text\n1\n```\n",
        "<!-- output of: microbp x -->\nno block\n",
    ):
        (shown,) = _shown(tmp_path, text)
        with pytest.raises(AssertionError, match=r"p\.md:\d+: "):
            check(shown)
