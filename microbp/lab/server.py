"""The lab's web app: Starlette routes over one :class:`~microbp.lab.state.LabState`.

Starlette (routing, requests, streaming, static files, the Host check) and uvicorn (the
server) rather than a hand-written ``http.server``: both are well kept, and Starlette's test
client lets every route be tested without a socket.

Security, for a server on a learner's machine (docs/lab.md, "Security"):

* the Host header must name the bound address or localhost (DNS rebinding), else 400
  (Starlette's ``TrustedHostMiddleware``);
* every request needs the token: ``?token=`` on the page's address once (answered with an
  HttpOnly, SameSite=Strict cookie and a redirect that drops it from the address bar), then
  the cookie or the ``X-Microbp-Token`` header, compared with :func:`secrets.compare_digest`;
  without it 403 and nothing runs;
* a state-changing request (POST) whose ``Origin`` is not this server's, or that a browser
  marks cross-site, gets 403; its body must be JSON (415) and small (413);
* every response carries a Content-Security-Policy that allows only this server's own script
  and style files (``script-src 'self'``: no inline script), plus ``nosniff`` and no framing.

No route takes a file path: the model is downloaded from and uploaded into memory.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
import threading
from http.cookies import SimpleCookie
from importlib import resources

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from microbp import activations, data, modelfile, optim
from microbp.interop.pytorch import state_dict_bytes
from microbp.lab import stepper
from microbp.lab.inputs import DATA_SETS, MAX_LAYERS, MAX_PARAMETERS, Busy, LabError
from microbp.lab.state import LabState
from microbp.lab.training import MAX_EPOCHS, TrainSettings
from microbp.nn import MLP

__all__ = ["create_app", "serve", "listen", "make_server", "MAX_BODY", "MAX_MODEL_BODY", "CSP"]

#: The largest request body of the JSON routes, in bytes.
MAX_BODY = 16 * 1024
#: The largest model file ``POST /api/model`` takes (a net of MAX_PARAMETERS floats fits).
MAX_MODEL_BODY = 256 * 1024
#: The header that may carry the token instead of the cookie (scripts, the benchmark).
TOKEN_HEADER = "x-microbp-token"
#: The Content-Security-Policy of every response.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
)
_SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]
LOCAL_HOSTS = ("127.0.0.1", "localhost")


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _torch_file(state: LabState) -> bytes:
    """The lab's net as a PyTorch ``.pt`` state_dict (read from its model file's text, which
    is bit-exact); an ``ImportError`` naming the extra without PyTorch."""
    return state_dict_bytes(modelfile.from_json(state.download(), MLP))


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


class _Guard:
    """The token and Origin rules, and the security headers on every response (pure ASGI,
    so streaming responses pass through untouched)."""

    def __init__(self, app, token: str, cookie: str, origins: set[str]) -> None:
        self.app = app
        self.token = token.encode()
        self.cookie = cookie
        self.origins = origins

    def _valid(self, candidate: str | None) -> bool:
        return candidate is not None and secrets.compare_digest(
            candidate.encode("utf-8", "replace"), self.token
        )

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_secured(message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + _SECURITY_HEADERS
            await send(message)

        request = Request(scope)
        headers = Headers(scope=scope)
        by_query = request.query_params.get("token")
        if scope["method"] == "GET" and scope["path"] == "/" and self._valid(by_query):
            # The address the command printed: set the cookie, drop the token from the URL.
            response = Response(status_code=303, headers={"location": "/"})
            response.set_cookie(self.cookie, self.token.decode(), httponly=True, samesite="strict")
            await response(scope, receive, send_secured)
            return
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # a malformed Cookie header is no token
            cookie = SimpleCookie()
        given = headers.get(TOKEN_HEADER) or (
            cookie[self.cookie].value if self.cookie in cookie else None
        )
        if not self._valid(given):
            response = _error(
                403,
                "forbidden: this lab needs its token; open the address `microbp lab` printed "
                "(…/?token=…), or send the X-Microbp-Token header",
            )
            await response(scope, receive, send_secured)
            return
        if scope["method"] not in ("GET", "HEAD"):
            origin = headers.get("origin")
            if headers.get("sec-fetch-site") == "cross-site" or (
                origin is not None and origin not in self.origins
            ):
                response = _error(
                    403, f"forbidden: a change from another origin ({origin or 'cross-site'})"
                )
                await response(scope, receive, send_secured)
                return
        await self.app(scope, receive, send_secured)


async def _body(request: Request, limit: int = MAX_BODY, text: bool = False):
    """The request body as JSON (or as text), refused past ``limit`` bytes (413)."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limit):
        raise _Refused(413, f"request body too large: the limit is {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _Refused(413, f"request body too large: the limit is {limit} bytes")
        chunks.append(chunk)
    raw = b"".join(chunks)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if raw and kind != "application/json":
        raise _Refused(415, f"the body must be JSON (Content-Type: application/json), got {kind!r}")
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _Refused(400, "the body is not UTF-8 text") from None
    if text:
        return body
    if not body.strip():
        return {}

    def refuse(name):
        raise ValueError(f"non-finite number {name}")

    try:
        return json.loads(body, parse_constant=refuse)
    except ValueError as exc:
        raise _Refused(400, f"the body is not valid JSON: {exc}") from None


def _handled(endpoint):
    """Map the lab's refusals to their HTTP status with a JSON ``{"error": …}``."""

    async def wrapped(request: Request):
        try:
            return await endpoint(request)
        except _Refused as exc:
            return _error(exc.status, str(exc))
        except Busy as exc:
            return _error(409, str(exc))
        except LabError as exc:
            return _error(400, str(exc))

    wrapped.__name__ = endpoint.__name__
    wrapped.__doc__ = endpoint.__doc__
    return wrapped


def create_app(
    state: LabState,
    token: str,
    host: str = "127.0.0.1",
    port: int | None = None,
) -> Starlette:
    """The lab's ASGI app over ``state``, answering only requests with ``token``, for the
    Host ``host`` (or localhost); ``port`` (when known) names the cookie and the Origin."""
    if not token:
        raise ValueError("the lab needs a non-empty token")
    hosts = sorted({host, *LOCAL_HOSTS})
    suffix = f":{port}" if port else ""
    origins = {f"http://{h}{suffix}" for h in hosts}
    cookie = f"microbp_lab_{port}" if port else "microbp_lab"
    runner: dict[str, threading.Thread | None] = {"thread": None}

    async def page(request: Request):
        """GET / — the page (lab.html); its script and style come from /static."""
        html = resources.files("microbp.lab").joinpath("static", "lab.html").read_bytes()
        return Response(html, media_type="text/html; charset=utf-8")

    async def get_state(request: Request):
        """GET /api/state — the whole state."""
        return JSONResponse(await run_in_threadpool(state.snapshot))

    async def options(request: Request):
        """GET /api/options — the names and limits the page offers."""
        return JSONResponse(
            {
                "activations": list(activations.ACTIVATIONS),
                "optimizers": list(optim.OPTIMIZERS),
                "data": list(DATA_SETS),
                "default_sizes": {k: list(v[2](*v[1])) for k, v in data.DATASETS.items()},
                "default_lr": optim.DEFAULT_LR,
                "max_parameters": MAX_PARAMETERS,
                "max_layers": MAX_LAYERS,
                "max_epochs": MAX_EPOCHS,
            }
        )

    async def set_(request: Request):
        """POST /api/set — one edit: w, b, x, y, activation or sample."""
        body = await _body(request)
        return JSONResponse(await run_in_threadpool(state.apply, body))

    async def why(request: Request):
        """GET /api/why?l=&i=[&j=] — BP-1/BP-2 (neuron) or BP-3 (edge) with their numbers."""
        q = request.query_params
        unknown = sorted(set(q) - {"l", "i", "j"})
        if unknown or "l" not in q or "i" not in q:
            raise LabError("expected the query l, i (a neuron) or l, i, j (an edge), 1-based")

        def whole(name):
            v = q.get(name)
            if v is None:
                return None
            if not v.isdigit():
                raise LabError(f"{name} must be a positive integer, got {v[:20]!r}")
            return int(v)

        return JSONResponse(await run_in_threadpool(state.why, whole("l"), whole("i"), whole("j")))

    async def trace(request: Request):
        """GET /api/trace — the backward pass of E for the sample on show, step by step."""

        def steps():
            with state.lock:
                x = state.X[state.sample].tolist()
                y = state.Y[state.sample].tolist()
                try:
                    return stepper.steps(state.net, x, y)
                except ValueError as exc:
                    raise LabError(str(exc)) from None

        return JSONResponse({"steps": await run_in_threadpool(steps)})

    async def train(request: Request):
        """POST /api/train — train for ``epochs`` epochs, answer when done (Step uses it)."""
        settings, epochs = TrainSettings.parse(await _body(request))
        state.start(settings, epochs)
        await run_in_threadpool(state.run, epochs)
        return JSONResponse(await run_in_threadpool(state.snapshot))

    async def run(request: Request):
        """POST /api/run — start training in the background; follow it on /api/events."""
        settings, epochs = TrainSettings.parse(await _body(request))
        state.start(settings, epochs)
        thread = threading.Thread(target=state.run, args=(epochs,), daemon=True)
        runner["thread"] = thread
        thread.start()
        return JSONResponse(await run_in_threadpool(state.snapshot), status_code=202)

    def _join(timeout: float = 30.0) -> None:
        thread = runner["thread"]
        if thread is not None:
            thread.join(timeout)

    async def pause(request: Request):
        """POST /api/pause — stop a run after its current chunk; answer with the state."""
        await _body(request)
        state.pause()
        await run_in_threadpool(_join)
        return JSONResponse(await run_in_threadpool(state.snapshot))

    async def events(request: Request):
        """GET /api/events — server-sent events: ``state`` as training moves, then ``done``."""

        async def stream():
            sent = None
            while True:
                running = state.training.running
                if state.version != sent:
                    snap = await run_in_threadpool(state.snapshot)
                    sent = snap["version"]
                    yield f"event: state\ndata: {json.dumps(snap)}\n\n"
                if not running:
                    yield "event: done\ndata: {}\n\n"
                    return
                await asyncio.sleep(0.05)

        return StreamingResponse(stream(), media_type="text/event-stream")

    async def reset(request: Request):
        """POST /api/reset — back to the net and data the lab started with (or last loaded)."""
        await _body(request)
        return JSONResponse(await run_in_threadpool(state.reset))

    async def new(request: Request):
        """POST /api/new — another net and data set."""
        body = await _body(request)
        return JSONResponse(await run_in_threadpool(state.new, body))

    async def model(request: Request):
        """GET /api/model — download the model (net.save's JSON; ``?format=pt``: the PyTorch
        state_dict of :func:`microbp.interop.to_torch`); POST — upload one."""
        if request.method == "GET" and request.query_params.get("format") == "pt":
            try:
                pt = await run_in_threadpool(_torch_file, state)
            except ImportError as exc:  # PyTorch is an optional extra
                raise _Refused(501, str(exc)) from None
            return Response(
                pt,
                media_type="application/octet-stream",
                headers={"content-disposition": 'attachment; filename="microbp-model.pt"'},
            )
        if request.method == "GET":
            text = await run_in_threadpool(state.download)
            return Response(
                text,
                media_type="application/json",
                headers={"content-disposition": 'attachment; filename="microbp-model.json"'},
            )
        text = await _body(request, MAX_MODEL_BODY, text=True)
        return JSONResponse(await run_in_threadpool(state.upload, text))

    routes = [
        Route("/", _handled(page)),
        Route("/api/state", _handled(get_state)),
        Route("/api/options", _handled(options)),
        Route("/api/set", _handled(set_), methods=["POST"]),
        Route("/api/why", _handled(why)),
        Route("/api/trace", _handled(trace)),
        Route("/api/train", _handled(train), methods=["POST"]),
        Route("/api/run", _handled(run), methods=["POST"]),
        Route("/api/pause", _handled(pause), methods=["POST"]),
        Route("/api/events", _handled(events)),
        Route("/api/reset", _handled(reset), methods=["POST"]),
        Route("/api/new", _handled(new), methods=["POST"]),
        Route("/api/model", _handled(model), methods=["GET", "POST"]),
        Mount("/static", StaticFiles(packages=[("microbp.lab", "static")])),
    ]
    middleware = [
        Middleware(TrustedHostMiddleware, allowed_hosts=hosts, www_redirect=False),
        Middleware(_Guard, token=token, cookie=cookie, origins=origins),
    ]
    app = Starlette(routes=routes, middleware=middleware)
    app.state.lab = state
    return app


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


def url(host: str, port: int, token: str) -> str:
    """The address to open: http://HOST:PORT/?token=TOKEN (127.0.0.1 for a wildcard host)."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    shown = f"[{shown}]" if ":" in shown else shown
    return f"http://{shown}:{port}/?token={token}"


def serve(state: LabState, host: str = "127.0.0.1", port: int = 0, on_ready=None) -> None:
    """Serve ``state`` until Ctrl-C: bind, call ``on_ready(url)``, run uvicorn."""
    sock = listen(host, port)
    port = sock.getsockname()[1]
    token = secrets.token_urlsafe(24)
    app = create_app(state, token, host=host, port=port)
    if on_ready is not None:
        on_ready(url(host, port, token))
    make_server(app).run(sockets=[sock])
