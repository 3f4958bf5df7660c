"""The ``microbp`` command line (shell): one subcommand a module, one error → exit-code policy
in :mod:`microbp.cli.app`.

:func:`main` is the console entry point. It imports the commands (numpy, SymPy, matplotlib
…) only inside its own handling of Ctrl-C, so Ctrl-C at any moment, the first quarter second
of imports included, ends with one line and exit status 130, never a traceback. (This
package and :mod:`microbp` itself import nothing heavy for that reason.)
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from microbp.cli.errors import INTERRUPTED  # light: os only

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``microbp`` command line; returns the exit status (:func:`microbp.cli.app.main`)."""
    try:
        from microbp.cli import app  # the commands and their libraries: the slow part

        return app.main(argv)
    except KeyboardInterrupt:  # before a command's own handling took over, or after it
        try:
            print("microbp: interrupted (Ctrl-C)", file=sys.stderr)
        except (OSError, KeyboardInterrupt):
            pass
        return INTERRUPTED
