"""The ``microbp`` command line (shell): one subcommand a module, one error → exit-code policy
in :mod:`microbp.cli.app`.

:func:`main` is the console entry point. Ctrl-C at any moment ends it with one line and exit
status 130, never a traceback, from its first line: while the commands and their libraries
(numpy, SymPy, matplotlib …) load, Ctrl-C ends the process at once (a KeyboardInterrupt
raised inside an extension module's import can come out as an ImportError, so it is not
raised there); from then on it is a KeyboardInterrupt that each command handles (``train``
saves at an epoch boundary). This package and :mod:`microbp` itself import nothing heavy.
"""

from __future__ import annotations

# Only built-in modules the interpreter has loaded already (no file to find, no code to run):
# until main() has installed its handler, a Ctrl-C in this file would be a traceback.
# _signal is the built-in module behind signal, without signal.py's import.
import _signal
import sys

__all__ = ["main"]

#: Exit status of a command stopped by Ctrl-C (128 + SIGINT), as a shell reports it.
INTERRUPTED = 130

_INTERRUPTED_LINE = "microbp: interrupted (Ctrl-C)"


def main(argv=None) -> int:
    """Run the ``microbp`` command line; returns the exit status (:func:`microbp.cli.app.main`)."""
    try:
        with _ctrl_c_ends_at_once():
            from microbp.cli import app  # the commands and their libraries: the slow part
        return app.main(argv)
    except KeyboardInterrupt:  # before a command's own handling took over, or after it
        try:
            print(_INTERRUPTED_LINE, file=sys.stderr)
        except (OSError, KeyboardInterrupt):
            pass
        return INTERRUPTED


class _ctrl_c_ends_at_once:
    """While the block runs (imports only: nothing to save or clean up), SIGINT writes one
    line and ends the process with status 130. Only over Python's default handler in the
    main thread; a SIGINT that is ignored (a background job) stays ignored."""

    def __enter__(self) -> None:
        self.old = None
        try:
            if _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler:
                self.old = _signal.signal(_signal.SIGINT, _end_now)
        except ValueError:  # not the main thread
            pass

    def __exit__(self, *exc) -> None:
        if self.old is not None:
            _signal.signal(_signal.SIGINT, self.old)


def _end_now(signum, frame) -> None:
    import os

    try:
        os.write(2, (_INTERRUPTED_LINE + "\n").encode())
    finally:
        os._exit(INTERRUPTED)
