"""What a command shows on a terminal while it works: its own bar, or a heartbeat.

A command that counts its work shows a bar (tqdm, on standard error): ``train`` (epochs,
from :func:`microbp.fit`), ``prove`` (steps), ``rprop-bench`` (cells, :func:`bar`). Every
other command gets a heartbeat from :func:`microbp.cli.app.main`: when it is still running
after :data:`FIRST` seconds, one line on standard error says so and how long it has taken,
and again every :data:`EVERY` seconds, so no command is silent for long. Both appear only
when standard error is a terminal (never in a pipe or a log). A command that shows its
own bar, or serves (``lab``), says so where it is registered,
``set_defaults(func=run, own_display=True)``: the heartbeat then never starts, so it cannot
print before the command's first line does (a thread started first could, on a busy machine).
"""

from __future__ import annotations

import sys
import threading
import time

#: Seconds before the first heartbeat line, and between the next ones.
FIRST = 5.0
EVERY = 30.0


def is_terminal(stream) -> bool:
    """True when ``stream`` is a terminal (a bar or heartbeat belongs there only)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def bar(total: int, desc: str, unit: str):
    """A tqdm bar of ``total`` ``unit``s on standard error, or None when it is not a
    terminal (or tqdm is missing). Its command is registered with ``own_display=True``."""
    if not is_terminal(sys.stderr):
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc=desc, unit=unit, leave=False, file=sys.stderr)


class heartbeat:
    """``with heartbeat("microbp check"):`` runs a command with the heartbeat beside it;
    ``heartbeat(name, off=True)`` runs it without (a command with its own display)."""

    def __init__(self, name: str, off: bool = False) -> None:
        self.name = name
        self.off = off
        self.done = threading.Event()
        self.thread: threading.Thread | None = None

    def __enter__(self) -> heartbeat:
        if not self.off and is_terminal(sys.stderr):
            self.start = time.monotonic()
            self.thread = threading.Thread(target=self._beat, name="heartbeat", daemon=True)
            self.thread.start()
        return self

    def _beat(self) -> None:
        wait = FIRST
        while not self.done.wait(wait):
            seconds = time.monotonic() - self.start
            try:
                print(
                    f"{self.name}: still working ({seconds:.0f} s so far; Ctrl-C stops it)",
                    file=sys.stderr,
                    flush=True,
                )
            except (OSError, ValueError):
                return
            wait = EVERY

    def __exit__(self, *exc) -> None:
        self.done.set()
        if self.thread is not None:
            self.thread.join(timeout=1)
