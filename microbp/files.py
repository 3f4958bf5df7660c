"""Writing files safely: check first, then write whole or not at all.

Every file microbp writes (a model, a diagram, the HTML stepper) goes through
:func:`write_atomic`: the bytes go to a temporary file in the target's folder, are flushed to
disk, and the temporary file is renamed over the target, so a failure never leaves a
half-written file and an old file stays intact. :func:`check_writable` lets a command refuse
a bad path before it does any work. Errors name the user's path, never the temporary file.
"""

from __future__ import annotations

import os
import tempfile


def check_writable(path: str | os.PathLike, what: str | None = None) -> None:
    """A ``ValueError`` naming the problem unless a file can be written at ``path``.

    ``what`` names the file in the message ("cannot write the plot to 'x.png': …").
    """
    path = os.fspath(path)
    head = f"cannot write {path!r}" if what is None else f"cannot write {what} to {path!r}"
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ValueError(f"{head}: the folder {folder!r} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"{head}: the folder {folder!r} is not writable")
    if os.path.isdir(path):
        raise ValueError(f"{head}: it is a folder")


def write_atomic(path: str | os.PathLike, data: bytes | str) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` whole or not at all.

    The file gets the mode of the file it replaces, or the one a plain ``open()`` would give
    (``mkstemp`` alone would leave it private, 0600).
    """
    path = os.fspath(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    except OSError as exc:
        raise _named(exc, path) from None
    try:
        os.fchmod(fd, _file_mode(path))
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.replace(tmp, path)
        except OSError as exc:
            raise _named(exc, path) from None
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


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
    return type(exc)(exc.errno, f"cannot write {path!r}: {exc.strerror}")
