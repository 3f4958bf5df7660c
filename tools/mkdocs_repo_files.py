"""An mkdocs hook for ``make docs``: the site works offline, links into the repository included.

The guide pages link to files of the repository outside docs/ (``../examples/x.py``,
``../tests/test_x.py``, ``../microbp/bp.py``), links that work on GitHub and in an editor but
point nowhere on the built site. This hook gives each one a target:

* with ``repo_url`` set in mkdocs.yml, the file in the repository:
  ``{repo_url}/blob/{extra.repo_branch or "main"}/{path}``;
* without it (the default), a copy in the site itself: ``source/{path}.html``, the file's text
  with its syntax highlighted by Pygments (no script, no font, nothing from the network), next
  to the file as it is, ``source/{path}``, for download.

A link to a file that does not exist is left as it is, and mkdocs' strict link check
(``validation.links.not_found: warn``) fails the build on it.

The pages' own code blocks are highlighted by Pygments too (``pymdownx.highlight``); the
style sheet, ``css/pygments.css``, is generated here from Pygments' ``default`` style, so the
site needs no highlight.js from a CDN. tests/test_docs.py builds the site and opens every page
in headless Chromium: no request leaves it, no console error, every link and anchor resolves.
"""

from __future__ import annotations

import html
import posixpath
import re
from pathlib import Path

from mkdocs.structure.files import File, Files

#: Where the copies go inside the site.
PREFIX = "source"
#: The site's Pygments style sheet (listed in mkdocs.yml's ``extra_css``).
PYGMENTS_CSS = "css/pygments.css"
STYLE = "default"

# [text](target) and ![alt](target): a relative target that starts by leaving docs/.
_LINK = re.compile(r"(\]\()(\.\./[^()\s#]+)(#[^()\s]*)?(\))")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def _repo_root(config) -> Path:
    return Path(config["config_file_path"]).resolve().parent


def _docs_dir(config) -> Path:
    return Path(config["docs_dir"]).resolve()


def _outside_links(markdown: str) -> list[tuple[int, int, re.Match]]:
    """(start, end, match) of each link of ``markdown`` that starts with ``../``, outside
    fenced code blocks."""
    found, fence, offset = [], None, 0
    for line in markdown.splitlines(keepends=True):
        m = _FENCE.match(line)
        if fence is None and m:
            fence = m.group(1)  # a block opens
        elif fence is not None and m and line.strip() == fence[0] * len(line.strip()):
            fence = None  # and closes
        elif fence is None:
            found += [(offset + k.start(), offset + k.end(), k) for k in _LINK.finditer(line)]
        offset += len(line)
    return found


def _repo_path(src_uri: str, target: str, config) -> str | None:
    """The repository path (``examples/x.py``) a link of page ``src_uri`` points at, when it
    leaves docs/ and names an existing file of the repository; else ``None``."""
    docs, root = _docs_dir(config), _repo_root(config)
    dest = (docs / posixpath.dirname(src_uri) / target).resolve()
    if dest.is_relative_to(docs) or not dest.is_relative_to(root) or not dest.is_file():
        return None
    return dest.relative_to(root).as_posix()


def source_page(path: str, text: str, depth: int) -> str:
    """A standalone HTML page showing the repository file ``path`` (its ``text``), with line
    anchors ``#L-12``, a link to the raw file and one back to the docs (``depth`` folders
    below the site root)."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import TextLexer, get_lexer_for_filename
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_for_filename(path, text)
    except ClassNotFound:
        lexer = TextLexer()
    formatter = HtmlFormatter(style=STYLE, linenos="inline", lineanchors="L", anchorlinenos=True)
    up = "../" * depth
    name = html.escape(path)
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<title>{name} · microbp</title>\n<link rel="icon" href="data:,">\n<style>\n'
        "body { font-family: sans-serif; margin: 1.5em; }\n"
        "pre { font-size: 14px; line-height: 1.35; }\n"
        f"{formatter.get_style_defs('.highlight')}\n</style>\n</head>\n<body>\n"
        f'<p><a href="{up}index.html">microbp documentation</a> · <code>{name}</code>, '
        f'as in the repository · <a href="{posixpath.basename(path)}">the file itself</a></p>\n'
        f"{highlight(text, lexer, formatter)}</body>\n</html>\n"
    )


def on_config(config):
    config["extra"].setdefault("repo_branch", "main")  # for links into a repo_url
    return config


def on_files(files: Files, config) -> Files:
    """Add the Pygments style sheet and, without ``repo_url``, a copy of every repository file
    a page links to."""
    from pygments.formatters import HtmlFormatter

    css = HtmlFormatter(style=STYLE).get_style_defs(".highlight")
    files.append(File.generated(config, PYGMENTS_CSS, content=css))
    if config.get("repo_url"):
        return files
    root, wanted = _repo_root(config), set()
    for file in files.documentation_pages():
        text = file.content_string
        for _, _, m in _outside_links(text):
            path = _repo_path(file.src_uri, m.group(2), config)
            if path is not None:
                wanted.add(path)
    for path in sorted(wanted):
        text = (root / path).read_text(encoding="utf-8", errors="replace")
        depth = path.count("/") + 1  # source/ and the file's own folders
        files.append(
            File.generated(config, f"{PREFIX}/{path}.html", content=source_page(path, text, depth))
        )
        files.append(File.generated(config, f"{PREFIX}/{path}", abs_src_path=str(root / path)))
    return files


def on_page_markdown(markdown: str, page, config, files: Files) -> str:
    """Point each link that leaves docs/ at the repository (``repo_url``) or at its copy."""
    src_uri = page.file.src_uri
    out, last = [], 0
    for start, end, m in _outside_links(markdown):
        path = _repo_path(src_uri, m.group(2), config)
        if path is None:
            continue  # inside docs/ (mkdocs checks it), or missing (strict mkdocs fails)
        if config.get("repo_url"):
            branch = config["extra"]["repo_branch"]
            target = f"{config['repo_url'].rstrip('/')}/blob/{branch}/{path}"
        else:
            target = posixpath.relpath(f"{PREFIX}/{path}.html", posixpath.dirname(src_uri) or ".")
        out += [markdown[last:start], m.group(1), target, m.group(3) or "", m.group(4)]
        last = end
    out.append(markdown[last:])
    return "".join(out)


# The theme's table of contents (Bootstrap's scrollspy) looks each entry's target up with
# querySelector("#" + id), which throws for an id that starts with a digit ("1-the-idea…",
# GitHub's anchor of "1. The idea …") and stops the page's scripts. Such an entry gets a
# target of its own, "sec-" + id, placed at the start of the heading; the heading keeps its
# GitHub anchor, so links from other pages and from GitHub still work.
_TOC_PREFIX = "sec-"


def _toc_items(items):
    for item in items:
        yield item
        yield from _toc_items(item.children)


def on_page_content(html_text: str, page, config, files: Files) -> str:
    for item in _toc_items(page.toc):
        if not item.id[:1].isdigit():
            continue
        old, new = item.id, _TOC_PREFIX + item.id
        heading = re.compile(r'(<h[1-6][^>]*\bid="' + re.escape(old) + r'"[^>]*>)')
        html_text, n = heading.subn(rf'\1<span id="{new}"></span>', html_text)
        if n:
            item.id = new
    return html_text
