"""The docs run: every ```python block of README.md and docs/*.md, and every link between pages.

The convention (see docs/index.md):

* The ```python blocks of one page run top to bottom in one namespace, from the repository
  root. A block with ``>>> `` lines (and ``... `` continuations) is checked doctest-style:
  the output shown under each ``>>>`` line must be what it prints. Any other python block
  just has to run. ```sh, ```text and other blocks are not run.
* Relative links (``[text](other.md#anchor)``, ``[code](../microbp/bp.py)``) must point at
  a file of the repository, and an ``#anchor`` into a Markdown page at one of its headings
  (GitHub's slugs). References ``tests/test_x.py::test_name`` must name an existing test.

Pages are found when the tests are collected, so a page added to docs/ is checked without
any change here. A failure names the page and the line of the Markdown file.
"""

from __future__ import annotations

import contextlib
import doctest
import http.server
import re
import sys
import threading
import time
import traceback
import unicodedata
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def doc_pages(root: Path = ROOT) -> list[Path]:
    """README.md and every Markdown page under docs/, in a stable order."""
    pages = [root / "README.md"] if (root / "README.md").exists() else []
    pages += sorted((root / "docs").rglob("*.md")) if (root / "docs").is_dir() else []
    return pages


# --------------------------------------------------------------------------------------------
# Reading a page: fenced blocks and the prose between them
# --------------------------------------------------------------------------------------------

_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})\s*([^`\s]*)[^`]*$")


@dataclass(frozen=True)
class Block:
    """A fenced code block: its language, its text, and the page line of its first code line."""

    lang: str
    code: str
    line: int


def split_page(text: str) -> tuple[list[Block], list[tuple[int, str]]]:
    """The fenced blocks of a page, and its prose lines (1-based number, text) outside them."""
    blocks: list[Block] = []
    prose: list[tuple[int, str]] = []
    lines = text.splitlines()
    k = 0
    while k < len(lines):
        m = _FENCE.match(lines[k])
        if not m:
            prose.append((k + 1, lines[k]))
            k += 1
            continue
        indent, fence, lang = len(m.group(1)), m.group(2), m.group(3).lower()
        start = k + 1
        k += 1
        body = []
        while k < len(lines):
            stripped = lines[k].strip()
            if stripped.startswith(fence[0] * len(fence)) and set(stripped) == {fence[0]}:
                break
            line = lines[k]
            cut = len(line) - len(line.lstrip(" "))  # a fence indented by n strips up to n spaces
            body.append(line[min(indent, cut) :])
            k += 1
        blocks.append(Block(lang=lang, code="\n".join(body) + "\n", line=start + 1))
        k += 1  # the closing fence (or the end of the page: an unclosed block runs to it)
    return blocks, prose


# --------------------------------------------------------------------------------------------
# Running a page's python blocks
# --------------------------------------------------------------------------------------------


class DocsFailure(Exception):
    """A python block of a page failed; the message names the page and the line."""


class _Runner(doctest.DocTestRunner):
    """A doctest runner that records failures with page line numbers instead of printing."""

    def __init__(self, where: str, first_line: int) -> None:
        super().__init__(optionflags=doctest.ELLIPSIS, verbose=False)
        self.where = where
        self.first_line = first_line
        self.problems: list[str] = []

    def _at(self, example: doctest.Example) -> str:
        return f"{self.where}:{self.first_line + example.lineno}"

    def report_start(self, out, test, example) -> None:
        pass

    def report_success(self, out, test, example, got) -> None:
        pass

    def report_failure(self, out, test, example, got) -> None:
        self.problems.append(
            f"{self._at(example)}: the shown output differs from what the code prints\n"
            f"    >>> {example.source.rstrip()}\n"
            f"  expected:\n{_indent(example.want or '(nothing)')}\n"
            f"  got:\n{_indent(got or '(nothing)')}"
        )

    def report_unexpected_exception(self, out, test, example, exc_info) -> None:
        self.problems.append(
            f"{self._at(example)}: raised an exception\n"
            f"    >>> {example.source.rstrip()}\n"
            f"{_indent(''.join(traceback.format_exception_only(*exc_info[:2])))}"
        )


def _indent(text: str) -> str:
    return "\n".join("      " + line for line in text.rstrip("\n").splitlines())


def is_doctest_block(block: Block) -> bool:
    return any(line.startswith(">>>") for line in block.code.splitlines())


def run_page(page: Path, root: Path = ROOT) -> int:
    """Run every python block of ``page`` in one namespace; return how many ran.

    Raises :class:`DocsFailure` at the first block that fails, naming page and line.
    """
    where = str(page.relative_to(root)) if page.is_relative_to(root) else str(page)
    blocks, _ = split_page(page.read_text(encoding="utf-8"))
    namespace: dict = {"__name__": "__docs__"}
    ran = 0
    for block in blocks:
        if block.lang not in ("python", "py", "python3", "pycon"):
            continue
        if is_doctest_block(block):
            test = doctest.DocTestParser().get_doctest(
                block.code, namespace, where, str(page), block.line - 1
            )
            test.globs = namespace  # DocTest copies its globals; the page shares one namespace
            runner = _Runner(where, block.line)
            runner.run(test, clear_globs=False)
            if runner.problems:
                raise DocsFailure("\n".join(runner.problems))
        else:
            # Pad with blank lines so that a traceback's line numbers are the page's.
            source = "\n" * (block.line - 1) + block.code
            try:
                exec(compile(source, str(page), "exec"), namespace)
            except Exception as exc:
                tb = traceback.extract_tb(exc.__traceback__)
                lines = [f.lineno for f in tb if f.filename == str(page)]
                if isinstance(exc, SyntaxError) and exc.filename == str(page):
                    lines.append(exc.lineno)
                at = lines[-1] if lines else block.line
                raise DocsFailure(
                    f"{where}:{at}: the python block starting at line {block.line} raised "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
        ran += 1
    return ran


# --------------------------------------------------------------------------------------------
# Links and anchors
# --------------------------------------------------------------------------------------------

_LINK = re.compile(
    r"""!?\[ (?:[^\[\]] | \[[^\]]*\])* \]    # [text] or ![alt], one level of nested [ ]
        \( \s* <?([^()\s>]+ (?:\([^()\s]*\))?) >?  # (target), which may hold one ( )
        (?:\s+"[^"]*")? \s* \)                     # an optional "title"
    """,
    re.X,
)
_REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_HTML_ID = re.compile(r"""<a\s+(?:name|id)=["']([^"']+)["']""")
_TEST_REF = re.compile(r"\b(tests/[\w/]+\.py)::(\w+)")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: rendered text, lower case, only letters, marks, digits,
    ``_``, ``-`` and spaces kept, spaces turned into ``-``.

    >>> slug("BP-1 and BP-3: the output layer")
    'bp-1-and-bp-3-the-output-layer'
    >>> slug("简介 (Chinese)")
    '简介-chinese'
    >>> slug("`microbp.bp.backprop(net, X, Y)`")
    'microbpbpbackpropnet-x-y'
    """
    text = _CODE_SPAN.sub(lambda m: m.group(2), heading)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # [text](url) -> text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML
    text = text.replace("*", "").replace("~", "")
    out = []
    for ch in text.lower():
        cat = unicodedata.category(ch)
        if ch in " -_" or cat[0] in "LMN" or cat == "Pc":
            out.append(ch)
    return "".join(out).replace(" ", "-")


def anchors(text: str) -> set[str]:
    """Every anchor of a page: heading slugs (with GitHub's -1, -2 for repeats) and HTML ids."""
    _, prose = split_page(text)
    seen: dict[str, int] = {}
    out = set()
    for _, line in prose:
        m = _HEADING.match(line)
        if m:
            s = slug(m.group(2))
            n = seen.get(s, 0)
            out.add(s if n == 0 else f"{s}-{n}")
            seen[s] = n + 1
        out.update(_HTML_ID.findall(line))
    return out


def links(text: str) -> list[tuple[int, str]]:
    """(line, target) of every link and image outside code blocks and code spans."""
    _, prose = split_page(text)
    found = []
    for number, line in prose:
        line = _CODE_SPAN.sub("", line)
        found += [(number, m.group(1)) for m in _LINK.finditer(line)]
        m = _REF_DEF.match(line)
        if m:
            found.append((number, m.group(1)))
    return found


def broken_links(page: Path, root: Path = ROOT) -> list[str]:
    """Every relative link of ``page`` that does not resolve, as 'page:line: why'."""
    where = page.relative_to(root)
    text = page.read_text(encoding="utf-8")
    problems = []
    for number, target in links(text):
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target) or target.startswith("//"):
            continue  # http:, https:, mailto: … are not checked (tests run offline)
        path_part, _, anchor = target.partition("#")
        dest = (page.parent / path_part).resolve() if path_part else page
        if not dest.is_relative_to(root):
            problems.append(f"{where}:{number}: link {target!r} leaves the repository")
            continue
        if not dest.exists():
            problems.append(f"{where}:{number}: link {target!r}: no such file {path_part!r}")
            continue
        if anchor and dest.suffix == ".md":
            if anchor not in anchors(dest.read_text(encoding="utf-8")):
                problems.append(
                    f"{where}:{number}: link {target!r}: {dest.relative_to(root)} has no "
                    f"heading with anchor #{anchor}"
                )
    for number, line in enumerate(text.splitlines(), start=1):
        for path, name in _TEST_REF.findall(line):
            test_file = root / path
            if not test_file.exists():
                problems.append(f"{where}:{number}: {path}::{name}: no such test file")
            elif not re.search(rf"^\s*def {name}\(", test_file.read_text("utf-8"), re.M):
                problems.append(f"{where}:{number}: {path}::{name}: no such test in {path}")
    return problems


# --------------------------------------------------------------------------------------------
# The tests over the real pages
# --------------------------------------------------------------------------------------------

PAGES = doc_pages()
_IDS = [str(p.relative_to(ROOT)) for p in PAGES]


@pytest.mark.parametrize("page", PAGES, ids=_IDS)
def test_every_python_block_of_the_page_runs_and_shows_real_output(page, monkeypatch):
    monkeypatch.chdir(ROOT)
    try:
        run_page(page)
    except DocsFailure as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.mark.parametrize("page", PAGES, ids=_IDS)
def test_every_relative_link_of_the_page_resolves(page):
    problems = broken_links(page)
    assert not problems, "broken links:\n" + "\n".join(problems)


def test_the_docs_pages_are_found():
    names = {p.name for p in PAGES}
    assert {"README.md", "index.md", "derivation.md", "notation.md", "errata.md"} <= names


def test_every_docs_page_is_reachable_from_the_index():
    """Every page under docs/ is linked from docs/index.md or from a page it reaches, so a
    reader of the index finds it."""
    index = ROOT / "docs" / "index.md"
    reached, todo = {index.resolve()}, [index]
    while todo:
        page = todo.pop()
        for _, target in links(page.read_text("utf-8")):
            if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target):
                continue
            dest = (page.parent / target.partition("#")[0]).resolve()
            if dest.suffix == ".md" and dest.exists() and dest not in reached:
                reached.add(dest)
                todo.append(dest)
    missing = [
        str(p.relative_to(ROOT)) for p in PAGES if p.parent != ROOT and p.resolve() not in reached
    ]
    assert not missing, f"no chain of links from docs/index.md reaches: {', '.join(missing)}"


def test_the_reference_index_is_checked_too():
    names = {str(p.relative_to(ROOT)) for p in PAGES}
    assert "docs/reference/index.md" in names


# --------------------------------------------------------------------------------------------
# The checker itself catches what it should (each of these would pass on a broken checker)
# --------------------------------------------------------------------------------------------


def _page(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_blocks_of_a_page_share_one_namespace_in_order(tmp_path):
    page = _page(
        tmp_path,
        "p.md",
        "# t\n\n```python\nx = 20\n```\n\ntext\n\n```python\n>>> x + 1\n21\n```\n"
        "\n```sh\nthis is not python\n```\n",
    )
    assert run_page(page, tmp_path) == 2


def test_a_wrong_shown_output_fails_naming_page_and_line(tmp_path):
    page = _page(tmp_path, "docs/p.md", "# t\n\n```python\n>>> 1 + 1\n3\n```\n")
    with pytest.raises(DocsFailure, match=r"docs/p\.md:4: the shown output differs") as err:
        run_page(page, tmp_path)
    assert "expected:\n      3" in str(err.value) and "got:\n      2" in str(err.value)


def test_a_raising_block_fails_naming_the_line_that_raised(tmp_path):
    page = _page(tmp_path, "p.md", "# t\n\n```python\na = 1\nb = 2\n1 / 0\n```\n")
    with pytest.raises(DocsFailure, match=r"^p\.md:6: .*ZeroDivisionError"):
        run_page(page, tmp_path)


def test_indentation_is_kept_and_a_syntax_error_names_its_line(tmp_path):
    ok = "```python\ndef f(x):\n    return x\n\n\nassert f(2) == 2\n```\n"
    assert run_page(_page(tmp_path, "ok.md", ok), tmp_path) == 1
    indented = "- item\n\n  ```python\n  if True:\n      y = 1\n  ```\n"
    assert run_page(_page(tmp_path, "list.md", indented), tmp_path) == 1
    bad = "# t\n```python\nx = 1\nif x\n```\n"
    with pytest.raises(DocsFailure, match=r"^bad\.md:4: .*SyntaxError"):
        run_page(_page(tmp_path, "bad.md", bad), tmp_path)


def test_a_doctest_continuation_and_exception_are_handled(tmp_path):
    page = _page(
        tmp_path,
        "p.md",
        "```python\n>>> for k in range(2):\n...     print(k)\n0\n1\n>>> int('x')\n"
        "Traceback (most recent call last):\n    ...\nValueError: invalid literal for int() "
        "with base 10: 'x'\n```\n",
    )
    assert run_page(page, tmp_path) == 1


def test_a_missing_file_or_anchor_is_reported(tmp_path):
    _page(tmp_path, "docs/other.md", "# Other page\n\n## The `z` node\n\n## Again\n\n## Again\n")
    page = _page(
        tmp_path,
        "docs/p.md",
        "# P\n\n[ok](other.md#the-z-node) [ok](other.md#again-1) [ok](#p) [ok](../docs/)\n"
        "[bad](other.md#nope)\n[bad](missing.md)\n[web](https://example.org/x)\n"
        "`[in code](nowhere.md)`\n\n```text\n[in a block](nowhere.md)\n```\n"
        "See tests/test_nothing.py::test_x.\n",
    )
    problems = broken_links(page, tmp_path)
    assert len(problems) == 3, problems
    assert problems[0].startswith("docs/p.md:4:") and "#nope" in problems[0]
    assert problems[1].startswith("docs/p.md:5:") and "missing.md" in problems[1]
    assert problems[2].startswith("docs/p.md:12:") and "test_nothing.py" in problems[2]


# --------------------------------------------------------------------------------------------
# The built site, opened offline in headless Chromium
# --------------------------------------------------------------------------------------------

_MKDOCS = Path(sys.executable).parent / "mkdocs"
_HREF_ID = re.compile(r"""\bid=["']([^"']+)["']""")


@contextlib.contextmanager
def serve(site: Path):
    """The folder ``site`` over http on 127.0.0.1 (a free port), as its base URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(site), **kwargs)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _site_file(site: Path, base: str, url: str) -> Path:
    path = urllib.parse.unquote(urllib.parse.urlsplit(url).path)
    rel = path[len(urllib.parse.urlsplit(base).path) :]
    return site / (rel + "index.html" if rel == "" or rel.endswith("/") else rel)


def site_problems(site: Path, base: str, driver) -> list[str]:
    """Open every HTML page of ``site`` (served at ``base``) in ``driver``; return what went
    wrong: a request to anything but ``base``, a console error (a failed request, a script
    error), a link or ``#anchor`` on the site that leads nowhere, a table-of-contents entry
    that does not bring its heading into view."""
    from tests import chromium

    problems: list[str] = []
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    ids: dict[Path, set[str]] = {}
    for rel in pages:
        driver.get(base + rel)
        driver.execute_script("window.scrollTo(0, document.body.scrollHeight)")
        requests = driver.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)"
        )
        problems += [f"{rel}: requests {r}" for r in requests if not r.startswith(base)]
        problems += [f"{rel}: console: {e['message']}" for e in chromium.severe(driver)]
        for href in driver.execute_script(
            "return [...document.querySelectorAll('a[href]')].map(a => a.href)"
        ):
            if not href.startswith(base):
                continue  # another site: a plain link, never loaded by the page itself
            target = _site_file(site, base, href.partition("#")[0])
            if not target.is_file():
                problems.append(f"{rel}: link {href} leads nowhere (404)")
                continue
            anchor = urllib.parse.unquote(urllib.parse.urlsplit(href).fragment)
            if anchor and target.suffix == ".html":
                if target not in ids:
                    ids[target] = set(_HREF_ID.findall(target.read_text("utf-8")))
                if anchor not in ids[target]:
                    problems.append(f"{rel}: link {href}: no element with id {anchor!r}")
    # The table of contents of the page with Chinese headings: each entry scrolls its
    # heading to the top, and the theme's scripts raise nothing on the way.
    driver.get(base + "derivation/")
    entries = driver.find_elements("css selector", ".bs-sidebar a[href^='#']")
    assert len(entries) >= 16, "the derivation's table of contents is missing"
    # The theme scrolls smoothly, and on a busy machine a smooth scroll can stall between
    # frames: jump instead, so that where the entry lands is all that is measured.
    driver.execute_script("document.documentElement.style.scrollBehavior = 'auto'")
    for entry in entries[1:]:
        target = urllib.parse.unquote(entry.get_attribute("href").partition("#")[2])
        driver.execute_script("arguments[0].click()", entry)
        for _ in range(60):
            top, height = driver.execute_script(
                "return [document.getElementById(arguments[0]).getBoundingClientRect().top, "
                "window.innerHeight]",
                target,
            )
            if 0 <= top <= height / 4:  # in view, at the top, below the fixed navigation bar
                break
            time.sleep(0.05)
        else:
            problems.append(f"derivation/: the entry for #{target} leaves it at y = {top}")
    problems += [f"derivation/ (TOC): {e['message']}" for e in chromium.severe(driver)]
    return problems


@pytest.mark.slow
@pytest.mark.skipif(not _MKDOCS.exists(), reason="mkdocs not installed (the docs extra)")
def test_the_built_site_works_offline_every_link_resolves_and_no_script_fails(request):
    from tests import chromium

    if not chromium.IN_CI and not (
        Path(chromium.CHROMIUM).exists() and Path(chromium.CHROMEDRIVER).exists()
    ):
        pytest.skip("needs Debian's chromium and chromium-driver (make chromium)")
    site = request.getfixturevalue("built_site")  # tests/conftest.py: one strict build
    pages = list(site.rglob("*.html"))
    assert (site / "derivation" / "index.html") in pages and len(pages) > 40
    with serve(site) as base:
        driver = chromium.borrow(request.getfixturevalue("chromium_browser"))
        problems = site_problems(site, base, driver)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:60])


def _hook():
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import mkdocs_repo_files
    finally:
        sys.path.remove(str(ROOT / "tools"))
    return mkdocs_repo_files


@pytest.mark.skipif(not _MKDOCS.exists(), reason="mkdocs not installed (the docs extra)")
@pytest.mark.parametrize(
    "repo_url, page, expected",
    [
        (None, "training.md", "source/microbp/train.py.html"),
        (None, "reference/index.md", "../source/microbp/train.py.html"),
        (
            "https://example.org/o/microbp/",
            "training.md",
            "https://example.org/o/microbp/blob/dev/microbp/train.py",
        ),
    ],
)
def test_links_into_the_repository_point_at_a_copy_or_at_repo_url(repo_url, page, expected):
    from types import SimpleNamespace

    hook = _hook()
    config = {
        "config_file_path": str(ROOT / "mkdocs.yml"),
        "docs_dir": str(ROOT / "docs"),
        "repo_url": repo_url,
        "extra": {"repo_branch": "dev"},
    }
    up = "../" * page.count("/")
    md = (
        f"[code]({up}../microbp/train.py#L3) [page]({up}notation.md) [gone]({up}../nothing.py)\n"
        f"```text\n[in a block]({up}../microbp/train.py)\n```\n"
    )
    out = hook.on_page_markdown(
        md, SimpleNamespace(file=SimpleNamespace(src_uri=page)), config, None
    )
    assert out == md.replace(f"{up}../microbp/train.py#L3", f"{expected}#L3", 1)


@pytest.mark.parametrize(
    "page, starts",
    [
        ("docs/lab.md", "`--data` (a data set of"),
        ("docs/training.md", "`--data` is"),
    ],
)
def test_the_guides_data_set_lists_name_every_data_set_the_commands_take(page, starts):
    from microbp import data

    text = (ROOT / page).read_text("utf-8")
    assert starts in text, f"{page} no longer lists the data sets after {starts!r}"
    sentence = text[text.index(starts) :].split(";")[0]
    missing = [n for n in data.DATASETS if not re.search(rf"\b{n}\b", sentence)]
    assert not missing, f"{page}: the list of data sets leaves out {missing}"


def test_the_training_guides_table_shows_every_data_set_function():
    from microbp import data

    text = (ROOT / "docs" / "training.md").read_text("utf-8")
    makers = {make.__name__ for make, _, _ in data.DATASETS.values()}
    missing = [m for m in sorted(makers) if f"| `{m}(" not in text]
    assert not missing, f"docs/training.md's data-set table leaves out {missing}"


def test_the_install_line_of_the_docs_installs_every_extra_the_pages_use():
    """docs/index.md's pip line names every extra of setup.cfg but ``bench`` (benchmarks
    only), the extras `make test` installs too."""
    import configparser

    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg", encoding="utf-8")
    extras = set(cfg["options.extras_require"]) - {"bench"}
    text = (ROOT / "docs" / "index.md").read_text("utf-8")
    m = re.search(r"pip install -e '\.\[([\w,]+)\]'", text)
    assert m, "docs/index.md has no `pip install -e '.[…]'` line"
    assert set(m.group(1).split(",")) == extras
    make = re.search(
        r"pip install -q -e '\.\[([\w,]+)\]'\n\ttouch \$@ \$\(VENV\)/\.installed",
        (ROOT / "Makefile").read_text("utf-8"),
    )
    assert make and set(make.group(1).split(",")) == extras, "make test installs other extras"


def test_drawing_md_lists_every_file_microbp_demo_writes(tmp_path, capsys):
    from microbp.cli.app import main

    assert main(["demo", "--out-dir", str(tmp_path / "pictures")]) == 0
    capsys.readouterr()
    written = sorted(p.name for p in (tmp_path / "pictures").iterdir())
    text = (ROOT / "docs" / "drawing.md").read_text("utf-8")
    start = text.index("microbp demo --out-dir pictures")
    listed = text[start : text.index("```", start)]
    missing = [name for name in written if name not in listed]
    assert len(written) >= 4 and not missing, f"docs/drawing.md leaves out {missing}"


def test_the_docs_call_the_tutorial_the_tutorial():
    """The project once called the tutorial its "seed"; a reader knows only the random seed.
    README, the pages, the examples and the notebook say "the tutorial"."""
    words = re.compile(r"\bthe\s+seed\b|\bseed'?s\b|\bseed example", re.I)
    random_seed = re.compile(r"random|--seed|seed=|seeds\b|`seed`", re.I)
    texts = PAGES + sorted((ROOT / "examples").glob("*.py")) + [ROOT / "examples" / "tour.ipynb"]
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in texts
        for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1)
        if words.search(line) and not random_seed.search(line)
    ]
    assert not found, "'seed' for the tutorial:\n" + "\n".join(found)
