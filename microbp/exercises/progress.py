"""Which exercises a learner has solved: a small JSON file in the XDG state folder.

The file is ``$XDG_STATE_HOME/microbp/exercises.json`` (``~/.local/state/microbp/…`` when
the variable is unset), ``{"solved": ["bp1", …]}``, written whole or not at all
(:func:`microbp.files.write_atomic`). A file that cannot be read is reported and replaced by
a fresh start at the next save, never half-trusted.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from microbp.files import write_atomic

__all__ = ["path", "load", "save"]


def path() -> Path:
    """Where the progress is kept."""
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "state"
    )
    return Path(state) / "microbp" / "exercises.json"


def load(known: list[str]) -> tuple[set[str], str | None]:
    """The solved ids among ``known`` and a warning (None when the file was fine or absent)."""
    p = path()
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        return set(), None
    except (OSError, UnicodeDecodeError) as exc:
        return set(), f"cannot read the progress file {p} ({exc}); starting afresh"
    try:
        solved = json.loads(text)["solved"]
        if not isinstance(solved, list) or not all(isinstance(s, str) for s in solved):
            raise TypeError("'solved' is not a list of ids")
    except (ValueError, KeyError, TypeError) as exc:
        return set(), f"the progress file {p} is damaged ({exc}); starting afresh"
    return {s for s in solved if s in known}, None


def save(solved: set[str], known: list[str]) -> None:
    """Write the solved ids (in the catalogue's order), creating the folder if needed."""
    p = path()
    p.parent.mkdir(parents=True, exist_ok=True)
    ordered = [k for k in known if k in solved]
    write_atomic(p, json.dumps({"solved": ordered}, indent=1) + "\n")
