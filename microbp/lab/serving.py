"""The lab's sockets and server: a bound socket, a uvicorn server, and the private page a
browser is opened on (so the token stays off the browser's command line).

:mod:`microbp.lab.server` re-exports these; they are apart from the routes because they
are about the machine (sockets, files, processes), not about requests.
"""

from __future__ import annotations

import html
import os
import socket
import tempfile
from pathlib import Path

__all__ = ["listen", "make_server", "launch_page"]


def listen(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening TCP socket on (host, port); port 0 picks a free one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto IPPROTO_TCP (not 0): asyncio then sets TCP_NODELAY on each accepted connection,
    # so a response's headers and body do not wait 40 ms on Nagle and a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ValueError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(128)
    return sock


def make_server(app):
    """A uvicorn server for ``app``: ``.run(sockets=[sock])`` serves on a bound socket
    until Ctrl-C (or ``.should_exit = True``), then closes open streams within a second."""
    import uvicorn

    config = uvicorn.Config(
        app, log_level="warning", timeout_graceful_shutdown=1, lifespan="off", access_log=False
    )
    return uvicorn.Server(config)


def launch_page(address: str) -> Path:
    """A one-file page that sends the browser on to ``address``, for ``webbrowser.open``.

    A browser started with the address itself has the token on its command line, which
    every user of the machine can read (``/proc/PID/cmdline``); started with this file's
    path, it has only the path. The file is readable by this user alone (0600, in a
    0700 folder of its own); remove its folder (``path.parent``) when the lab stops.
    """
    folder = Path(tempfile.mkdtemp(prefix="microbp-lab-"))  # mode 0700
    path = folder / "open-lab.html"
    text = html.escape(address, quote=True)
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="0; url={text}">'
        "<title>microbp lab</title></head>"
        f'<body><p><a href="{text}">Open the microbp lab</a></p></body></html>\n'
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(page)
    return path
