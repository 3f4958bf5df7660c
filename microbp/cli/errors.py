"""What the subcommands raise for the policy in :func:`microbp.cli.app.main` to report.

The policy, in one place (``app.main``): bad usage or input (``ValueError``, ``TypeError``,
argparse's errors) → ``microbp CMD: error: …`` and exit status 2; a failed check → 1 (the
command returns it); an ``OSError`` → one line naming the file, exit status 1; Ctrl-C → one
line, exit status 130; a closed pipe (``| head``) → quiet.
"""

from __future__ import annotations

import os

from microbp.cli import INTERRUPTED  # noqa: F401  (130, defined where Ctrl-C is first met)


def naming(exc: OSError, path: str | os.PathLike) -> OSError:
    """``exc`` if its message names ``path``; else the same kind of OSError that does."""
    path = os.fspath(path)
    if exc.filename is not None or path in str(exc):
        return exc
    return type(exc)(exc.errno, exc.strerror or str(exc), path)


def write_output(path: str | os.PathLike, data: str | bytes, out) -> None:
    """Write ``data`` to ``path`` whole or not at all; ``-`` means the stream ``out``
    (standard output) for text. An OSError names ``path``."""
    from microbp.files import write_atomic

    if os.fspath(path) == "-":
        if isinstance(data, bytes):
            raise ValueError("'-' (standard output) takes text formats only, e.g. .dot or .json")
        print(data, file=out, end="" if data.endswith("\n") else "\n")
        return
    try:
        write_atomic(path, data)
    except OSError as exc:
        raise naming(exc, path) from None
