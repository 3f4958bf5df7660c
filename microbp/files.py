"""Writing files safely: check first, then write whole or not at all.

Every file microbp writes (a model, a diagram, the HTML stepper, a plot) goes through
:func:`write_atomic`, and :func:`check_writable` lets a command refuse a bad path before it
does any work. Both read a path the same way:

* ``"-"`` is standard output (for text: ``.dot``, ``.json``, ``.html``; bytes go to the
  binary buffer beneath it).
* A regular file, or a name that does not exist yet, is written atomically: the bytes go to
  a temporary file in the same folder, are flushed to disk, and the temporary file is renamed
  over the target, so a failure never leaves a half-written file and an old file stays intact.
  Ctrl-C or SIGTERM during the write removes the temporary file first (then SIGTERM ends
  the process, as it would have).
* A symbolic link is followed: the file it points to is replaced atomically (in that file's
  folder), and the link stays a link. A dangling link creates its target.
* A character device or a FIFO (``/dev/null``, ``/dev/stdout``, ``>(cat)``) is written into
  directly, as ``open(path, "wb")`` would, never replaced by a regular file; a FIFO that no
  process reads is refused rather than waited on. A block device or a socket is refused.
  So is written through a link to an open file descriptor (``ln -s /proc/self/fd/1 out.dot``).

Errors are ``OSError``s (or, from :func:`check_writable`, ``ValueError``s) that name the
user's path, never the temporary file, a full disk included.
"""

from __future__ import annotations

import errno
import os
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["STDOUT", "check_writable", "write_atomic"]

#: The path that means standard output.
STDOUT = "-"


def check_writable(path: str | os.PathLike, what: str | None = None) -> None:
    """A ``ValueError`` naming the problem unless a file can be written at ``path``.

    ``what`` names the file in the message ("cannot write the plot to 'x.png': …"). The rules
    are those of :func:`write_atomic`: ``"-"`` (standard output) is fine, a link is judged by
    its target, a character device or FIFO must be writable, a block device or socket never is.
    """
    path = os.fspath(path)
    if path == STDOUT:
        return
    head = f"cannot write {path!r}" if what is None else f"cannot write {what} to {path!r}"
    kind = _special_kind(path)
    if kind is not None:
        if kind in _REFUSED:
            raise ValueError(f"{head}: it is a {kind}, not a file")
        if not os.access(path, os.W_OK):
            raise ValueError(f"{head}: the {kind} is not writable")
        return
    target = _target(path)
    folder = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(folder):
        raise ValueError(f"{head}: the folder {folder!r} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"{head}: the folder {folder!r} is not writable")
    if os.path.isdir(target):
        raise ValueError(f"{head}: it is a folder")


def write_atomic(path: str | os.PathLike, data: bytes | str) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` whole or not at all (module docstring).

    The file gets the mode of the file it replaces, or the one a plain ``open()`` would give
    (``mkstemp`` alone would leave it private, 0600).
    """
    path = os.fspath(path)
    if path == STDOUT:
        _write_stdout(data)
        return
    if isinstance(data, str):
        data = data.encode("utf-8")
    kind = _special_kind(path)
    if kind is not None:
        _write_special(path, kind, data)
        return
    if _links_to_a_descriptor(path):  # /proc/self/fd/1 → a file the shell holds open
        _write_special(path, "open file", data)
        return
    target = _target(path)  # a symlink's final target: replaced, the link stays
    try:
        with _sigterm_raises():
            _replace(target, path, data)
    except _Terminated:  # the temporary file is gone: now end as SIGTERM would have
        os.kill(os.getpid(), signal.SIGTERM)
        raise


def _replace(target: str, path: str, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``target`` and rename it over ``target``;
    on any exception (Ctrl-C and, through :func:`_sigterm_raises`, SIGTERM included) the
    temporary file is removed."""
    folder = os.path.dirname(os.path.abspath(target))
    try:
        fd, tmp = tempfile.mkstemp(
            dir=folder, prefix=f".{os.path.basename(target)}.", suffix=".tmp"
        )
    except OSError as exc:
        raise _named(exc, path) from None
    try:
        try:
            os.fchmod(fd, _file_mode(target))
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except OSError as exc:
            raise _named(exc, path) from None
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


class _Terminated(BaseException):
    """SIGTERM arrived during a write (raised by :func:`_sigterm_raises`)."""


@contextmanager
def _sigterm_raises() -> Iterator[None]:
    """While a write runs, SIGTERM raises :class:`_Terminated` instead of ending the process
    on the spot (its default), so the temporary file is removed as on Ctrl-C. Only where
    SIGTERM has its default action and signals can be handled (the main thread); a program
    that handles SIGTERM itself (the lab's server) keeps its own handling."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    try:
        previous = signal.getsignal(signal.SIGTERM)
    except (AttributeError, ValueError):  # no SIGTERM here
        previous = None
    if previous is not signal.SIG_DFL:
        yield
        return

    def terminated(signum, frame):
        raise _Terminated

    signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


#: The kinds of non-regular file that are never written.
_REFUSED = ("block device", "socket")


def _special_kind(path: str) -> str | None:
    """What ``path`` (links followed) is when it exists and is neither a regular file nor a
    folder: "character device", "FIFO", "block device" or "socket"; else None."""
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError:
        return None  # unreadable: let the write itself report it
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISBLK(mode):
        return "block device"
    if stat.S_ISSOCK(mode):
        return "socket"
    return None


def _target(path: str) -> str:
    """The file a write to ``path`` must replace: ``path`` itself, or for a symbolic link
    (a chain of them, or a dangling one) the file it finally points to."""
    return os.path.realpath(path) if os.path.islink(path) else path


def _links_to_a_descriptor(path: str) -> bool:
    """True when ``path`` is a symbolic link whose chain passes through ``/proc/…/fd/…``,
    ``/dev/fd/…`` or ``/dev/std…``: a file descriptor some process holds, which must be
    written through, not renamed over (that would leave the descriptor on the old file)."""
    for _ in range(40):  # the kernel's own limit on a chain of links
        if not os.path.islink(path):
            return False
        link = os.readlink(path)
        path = os.path.join(os.path.dirname(path), link)
        p = os.path.normpath(path)
        if p.startswith(("/dev/fd/", "/dev/std")) or (p.startswith("/proc/") and "/fd/" in p):
            return True
    return False


def _write_special(path: str, kind: str, data: bytes) -> None:
    """Write into a character device or FIFO in place (never replace it); refuse the rest."""
    if kind in _REFUSED:
        raise OSError(
            errno.EINVAL, f"cannot write {path!r}: it is a {kind}, not a file (nothing written)"
        )
    flags = os.O_WRONLY | getattr(os, "O_NONBLOCK", 0)  # a FIFO nobody reads: ENXIO, no hang
    if kind == "open file":
        flags |= os.O_TRUNC
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise OSError(
                exc.errno, f"cannot write {path!r}: no process is reading the {kind}"
            ) from None
        raise _named(exc, path) from None
    try:
        os.set_blocking(fd, True)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
    except OSError as exc:
        raise _named(exc, path) from None


def _write_stdout(data: bytes | str) -> None:
    try:
        if isinstance(data, str):
            sys.stdout.write(data)
            sys.stdout.flush()
        else:
            sys.stdout.flush()
            buffer = getattr(sys.stdout, "buffer", None)
            if buffer is None:
                sys.stdout.write(data.decode("utf-8"))
            else:
                buffer.write(data)
                buffer.flush()
    except OSError as exc:
        raise _named(exc, "<standard output>") from None


def _file_mode(path: str) -> int:
    try:
        return os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _named(exc: OSError, path: str) -> OSError:
    """The same kind of OSError, naming the user's path, not the temporary file's (an error
    without an errno is left as it is)."""
    if exc.errno is None:
        return exc
    reason = exc.strerror or os.strerror(exc.errno)
    return type(exc)(exc.errno, f"cannot write {path!r}: {reason}")
