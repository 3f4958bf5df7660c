"""The ``microbp`` command line (shell): one subcommand a module, one error → exit-code policy
in :mod:`microbp.cli.app`."""

from microbp.cli.app import main

__all__ = ["main"]
