"""The DOT side of the pictures: graphviz loaded when a picture is asked for, label text
escaped for DOT, ``dot`` run with a time limit, and files written atomically.

* :func:`load_graphviz` — the ``graphviz`` Python package, imported on first use, so
  ``import microbp`` works without it.
* :func:`save` — write a Digraph as ``.svg``/``.png``/``.pdf`` (needs graphviz's ``dot``) or
  ``.dot``/``.gv`` (DOT source, needs nothing), checked before any work and written atomically.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from typing import TYPE_CHECKING

from microbp.files import check_writable, write_atomic

if TYPE_CHECKING:
    import graphviz

__all__ = [
    "save",
    "render_bytes",
    "check_output_path",
    "need_dot",
    "dot_timeout",
    "load_graphviz",
    "GraphvizNotFound",
    "GraphvizFailed",
    "FORMATS",
]

#: Output formats :func:`save` writes, by file suffix. ``dot``/``gv`` is the DOT source.
FORMATS = ("svg", "png", "pdf", "dot", "gv")

INSTALL_HINT = (
    "install graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz)"
)

#: Fill colours shared by the pictures: parameters, inputs, the node a trace step is on.
PARAM_FILL = "#dbeafe"
INPUT_FILL = "#dcfce7"
HIGHLIGHT_FILL = "#fde047"


def load_graphviz():
    """The ``graphviz`` Python package, imported when a picture is first asked for (so the
    rest of microbp works without it); an ``ImportError`` that says how to install it."""
    try:
        import graphviz
    except ImportError as exc:
        raise ImportError(
            "drawing needs the graphviz Python package, which microbp depends on: pip install "
            "graphviz (and graphviz's `dot` to render pictures)"
        ) from exc
    return graphviz


class GraphvizNotFound(RuntimeError):
    """Graphviz's ``dot`` executable is not on PATH, so a picture cannot be rendered."""

    def __init__(self, what: str = "rendering") -> None:
        super().__init__(
            f"{what} needs graphviz's `dot` executable, which is not on PATH; {INSTALL_HINT}. "
            "DOT source (.dot) can still be written without it."
        )


class GraphvizFailed(RuntimeError):
    """Graphviz's ``dot`` ran but failed (non-zero exit); the message quotes its stderr."""

    def __init__(self, what: str, stderr: str = "", returncode: int | None = None) -> None:
        status = "" if returncode is None else f" (exit status {returncode})"
        said = stderr.strip()
        super().__init__(
            f"{what}: graphviz's `dot` failed{status}"
            + (f": {said}" if said else " and printed nothing")
        )
        self.stderr = stderr
        self.returncode = returncode


def esc_record(text: str) -> str:
    """Escape the characters that structure a record label; a newline shows as a line break
    and a tab as a space (graphviz would drop both)."""
    return _visible_whitespace(re.sub(r"([{}|<>\\\"])", r"\\\1", text))


def _visible_whitespace(text: str) -> str:
    return text.replace("\n", "\\n").replace("\t", " ")


def plain_label(text: str) -> str:
    """A user's text for a plain DOT label, shown as given: backslashes doubled (so ``\\N``,
    ``\\G``, ``\\E`` and a trailing backslash are text, not graphviz escapes), newlines and
    tabs visible. Combine with :func:`graphviz.nohtml` so ``<b>…</b>`` is not HTML."""
    return _visible_whitespace(text.replace("\\", "\\\\"))


def check_output_path(path: str | os.PathLike, formats: Iterable[str] = FORMATS) -> str:
    """The output format of ``path`` (from its suffix), after checking it can be written.

    Raises ``ValueError`` for a suffix not in ``formats``, a folder that is missing or not
    writable, or a path that is a folder, before any drawing or rendering is done.
    """
    path = os.fspath(path)
    formats = tuple(formats)
    suffix = os.path.splitext(path)[1].lower().lstrip(".")
    if suffix not in formats:
        raise ValueError(
            f"unknown output format {suffix or '(none)'!r} for {path!r}; expected a file "
            f"ending in one of: {', '.join('.' + f for f in formats)}"
        )
    check_writable(path)
    return suffix


def need_dot(what: str = "rendering") -> None:
    """Raise :class:`GraphvizNotFound` unless graphviz's ``dot`` is on PATH."""
    if shutil.which("dot") is None:
        raise GraphvizNotFound(what)


#: Seconds ``dot`` may take for one picture before :func:`render_bytes` gives up; the
#: environment variable ``MICROBP_DOT_TIMEOUT`` (seconds > 0) overrides it.
DOT_TIMEOUT = 60.0


def dot_timeout() -> float:
    """The time limit on one run of ``dot``: ``MICROBP_DOT_TIMEOUT`` if set, else 60 s."""
    text = os.environ.get("MICROBP_DOT_TIMEOUT")
    if text is None:
        return DOT_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"MICROBP_DOT_TIMEOUT must be a number of seconds > 0, got {text!r}")
    return seconds


def _check_graph(graph, what: str) -> None:
    """A ``TypeError`` unless ``graph`` is a graphviz graph (its DOT ``source``, ``engine``
    and ``encoding``), saying what to pass instead."""
    if not all(isinstance(getattr(graph, a, None), str) for a in ("source", "engine", "encoding")):
        hint = (
            "; for DOT text, pass graphviz.Source(text)" if isinstance(graph, (str, bytes)) else ""
        )
        raise TypeError(
            f"{what} expects a graphviz graph (the Digraph of draw_graph or draw_network), got "
            f"{type(graph).__name__}{hint}"
        )


def render_bytes(graph: graphviz.Digraph, fmt: str, timeout: float | None = None) -> bytes:
    """``dot -T{fmt}`` of the graph, as bytes: the one place that runs ``dot``.

    ``dot`` gets ``timeout`` seconds (default :func:`dot_timeout`, 60 s). Raises
    :class:`GraphvizNotFound` without ``dot``, :class:`GraphvizFailed` (quoting what ``dot``
    wrote to stderr) when it exits with a non-zero status or runs past its time limit.
    """
    _check_graph(graph, "render_bytes")
    what = f"rendering {fmt.upper()}"
    need_dot(what)
    seconds = dot_timeout() if timeout is None else timeout
    try:
        # The source in one piece on stdin; dot's stderr goes into the error, not ours.
        done = subprocess.run(
            [graph.engine, f"-T{fmt}"],
            input=graph.source.encode(graph.encoding),
            capture_output=True,
            timeout=seconds,
            check=False,
        )
    except FileNotFoundError:
        raise GraphvizNotFound(what) from None
    except subprocess.TimeoutExpired:
        raise GraphvizFailed(
            what,
            f"{graph.engine} did not finish within {seconds:g} s (the time limit; "
            "set MICROBP_DOT_TIMEOUT=SECONDS to change it)",
        ) from None
    if done.returncode != 0:
        stderr = done.stderr.decode("utf-8", errors="replace")
        raise GraphvizFailed(what, stderr, done.returncode)
    return done.stdout


def save(graph: graphviz.Digraph, path: str | os.PathLike) -> str:
    """Write ``graph`` to ``path``: ``.dot``/``.gv`` as DOT source, ``.svg .png .pdf`` rendered.

    The format and folder are checked first; a picture is rendered in memory and then written
    through a temporary file in the same folder and renamed, so a failure (no ``dot``: a
    :class:`GraphvizNotFound` naming the executable and how to install it) leaves no file
    half-written. Returns the path. ``graph`` is what :func:`~microbp.viz.draw.draw_graph`,
    :func:`~microbp.viz.draw.draw_network` or ``graphviz.Source(text)`` give (a
    ``TypeError`` for anything else, DOT text included, before the path is touched).
    """
    _check_graph(graph, "save")
    fmt = check_output_path(path)
    if fmt in ("dot", "gv"):
        write_atomic(path, graph.source)
    else:
        write_atomic(path, render_bytes(graph, fmt))
    return os.fspath(path)
