"""Old public names that still work for one release, each with a ``DeprecationWarning``.

A module lists its renames and sets ``__getattr__ = renamed(__name__, globals(), {...})``:
Python calls a module's ``__getattr__`` only for a name the module does not have, so only a
use of an old name warns, and importing the module stays silent. CHANGELOG.md lists them.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping

__all__ = ["renamed"]


def renamed(module: str, namespace: Mapping, old_to_new: Mapping[str, str]) -> Callable:
    """A module-level ``__getattr__`` for ``module``: an old name warns and gives the value of
    its new name in ``namespace`` (the module's ``globals()``); any other is an AttributeError.

    >>> getattr_ = renamed("m", {"tutorial_data": 1}, {"seed_data": "tutorial_data"})
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     getattr_("seed_data"), caught[0].category.__name__
    (1, 'DeprecationWarning')
    """

    def __getattr__(name: str):
        new = old_to_new.get(name)
        if new is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        warnings.warn(
            f"{module}.{name} is deprecated and will be removed in the next release; "
            f"use {module}.{new}, the same thing under its new name (CHANGELOG.md)",
            DeprecationWarning,
            stacklevel=2,
        )
        return namespace[new]

    return __getattr__
