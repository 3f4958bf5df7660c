"""The lab's web app: Starlette routes over one :class:`~microbp.lab.state.LabState`.

Starlette (routing, requests, streaming, static files, the Host check) and uvicorn (the
server) rather than a hand-written ``http.server``: both are well kept, and Starlette's test
client lets every route be tested without a socket.

Security, for a server on a learner's machine (docs/lab.md, "Security"):

* the Host header must name the bound address or localhost (DNS rebinding), else 400
  (Starlette's ``TrustedHostMiddleware``);
* every API request needs the token in the ``X-Microbp-Token`` header, compared with
  :func:`secrets.compare_digest`; without it 403 and nothing runs. No cookie: cookies are
  not isolated by port, so another server on 127.0.0.1 would receive one. The page finds
  the token in its address (``#token=…``, a fragment no request carries), keeps it in
  ``sessionStorage`` (which only this origin, port included, can read) and drops it from
  the address bar. The page and its static files hold no data and need no token;
* a state-changing request (POST) whose ``Origin`` is not this server's, or that a browser
  marks cross-site, gets 403; its body must be JSON (415) and small (413);
* every response carries a Content-Security-Policy that allows only this server's own script
  and style files (``script-src 'self'``: no inline script), plus ``nosniff`` and no framing.

No route takes a file path: the model is downloaded from and uploaded into memory.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import threading
from importlib import resources

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from microbp import activations, data, losses, modelfile, optim
from microbp.interop.pytorch import state_dict_bytes
from microbp.lab import practice as practice_mode
from microbp.lab import stepper
from microbp.lab.inputs import DATA_SETS, MAX_LAYERS, MAX_PARAMETERS, Busy, LabError, show
from microbp.lab.serving import launch_page, listen, make_server
from microbp.lab.state import LabState
from microbp.lab.training import MAX_EPOCHS, TrainSettings
from microbp.nn import MLP

__all__ = [
    "create_app",
    "serve",
    "listen",
    "make_server",
    "url",
    "launch_page",
    "MAX_BODY",
    "MAX_MODEL_BODY",
    "CSP",
]

#: The largest request body of the JSON routes, in bytes.
MAX_BODY = 16 * 1024
#: The largest model file ``POST /api/model`` takes (a net of MAX_PARAMETERS floats fits).
MAX_MODEL_BODY = 256 * 1024
#: The header that carries the token (the page's script, scripts, the benchmark).
TOKEN_HEADER = "x-microbp-token"
#: The paths anyone on this machine may GET (with /static/…): the page, the same for everyone.
PUBLIC = ("/",)
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
#: This machine's loopback names, always accepted in the Host header.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
#: Addresses that bind every interface (then the Host must be a loopback name).
WILDCARD_HOSTS = ("0.0.0.0", "::", "")


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _torch_file(state: LabState) -> bytes:
    """The lab's net as a PyTorch ``.pt`` state_dict (read from its model file's text, which
    is bit-exact); an ``ImportError`` naming the extra without PyTorch."""
    return state_dict_bytes(modelfile.from_json(state.download(), MLP))


def _json_text(content) -> str:
    """``content`` as JSONResponse writes it (UTF-8, no spaces; a NaN is an error): one
    encoding for the answers and the stream (whose text an event line carries as is; JSON
    escapes every line break, so one state is one line)."""
    return JSONResponse(content).body.decode("utf-8")


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def host_names(host: str) -> list[str]:
    """The names a Host header may give for a server bound to ``host``: the address itself
    and this machine's loopback names (127.0.0.1, localhost, ::1), as Host writes them
    (an IPv6 address in brackets)."""
    names = {host, *LOCAL_HOSTS}
    return sorted(f"[{h}]" if ":" in h else h for h in names if h not in WILDCARD_HOSTS)


def _host_of(header: str) -> str:
    """The host of a Host header without its port: ``[::1]:8000`` → ``[::1]``."""
    if header.startswith("["):
        end = header.find("]")
        return header[: end + 1] if end > 0 else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class _Guard:
    """The outermost layer of the app (pure ASGI, so streaming responses pass through):
    the Host, token and Origin rules; the security headers on every response; and any
    exception a route did not expect answered as a JSON 500 with those headers."""

    def __init__(self, app, token: str, hosts: list[str], origins: set[str]) -> None:
        self.app = app
        self.token = token.encode()
        self.hosts = hosts
        self.origins = origins

    def _valid(self, candidate: str | None) -> bool:
        return candidate is not None and secrets.compare_digest(
            candidate.encode("utf-8", "replace"), self.token
        )

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_secured(message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = list(message.get("headers", [])) + _SECURITY_HEADERS
            await send(message)

        try:
            refusal = self._refusal(scope)
            if refusal is not None:
                await refusal(scope, receive, send_secured)
                return
            await self.app(scope, receive, send_secured)
        except Exception:
            # A bug, not a refusal: said on the server's terminal, answered without a traceback.
            logging.getLogger("microbp.lab").exception("unexpected error")
            if not started:
                response = _error(500, "internal error of the lab (see the server's terminal)")
                await response(scope, receive, send_secured)

    def _refusal(self, scope) -> Response | None:
        """The response that refuses this request, or None to let it through."""
        headers = Headers(scope=scope)
        host = _host_of(headers.get("host", ""))
        if host not in self.hosts:
            return _error(
                400,
                f"invalid Host header {host[:60]!r}: this lab answers only to "
                + ", ".join(self.hosts),
            )
        path = scope["path"]
        public = path in PUBLIC or path.startswith("/static/")
        if public and scope["method"] in ("GET", "HEAD"):
            return None
        if not self._valid(headers.get(TOKEN_HEADER)):
            return _error(
                403,
                "forbidden: this lab needs its token; open the address `microbp lab` printed "
                "(…/#token=…), or send the X-Microbp-Token header",
            )
        if scope["method"] != "GET":  # HEAD too: a HEAD with a body must not change anything
            origin = headers.get("origin")
            if headers.get("sec-fetch-site") == "cross-site" or (
                origin is not None and origin not in self.origins
            ):
                return _error(
                    403, f"forbidden: a change from another origin ({origin or 'cross-site'})"
                )
        return None


#: The deepest nesting of lists and objects a JSON body may have (the lab's deepest is 2).
MAX_DEPTH = 8


def _depth(value) -> int:
    """How deeply ``value`` nests lists and objects (iterative: no recursion limit)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, (list, dict)):
            deepest = max(deepest, d)
            if d > MAX_DEPTH:
                break
            stack.extend((x, d + 1) for x in (v.values() if isinstance(v, dict) else v))
    return deepest


async def _body(request: Request, limit: int = MAX_BODY, text: bool = False):
    """The request body as JSON (or as text), refused past ``limit`` bytes (413)."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isascii() or not length.isdigit() or int(length) > limit):
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
        value = json.loads(body, parse_constant=refuse)
    except RecursionError:
        value = None
    except ValueError as exc:
        raise _Refused(400, f"the body is not valid JSON: {exc}") from None
    if value is None and body.strip() != "null" or _depth(value) > MAX_DEPTH:
        raise _Refused(400, f"the body is nested too deeply (more than {MAX_DEPTH} levels)")
    return value


async def _no_body(request: Request) -> None:
    """A route that takes no fields: an empty body or ``{}``."""
    body = await _body(request)
    if body != {}:
        raise LabError(f"this route takes no fields, got {show(body)}")


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


def _lab(request: Request) -> LabState:
    return request.app.state.lab


def _unnamed(state: dict) -> dict:
    """``state`` without its ``names``: the answer to a change that cannot alter the sizes
    (an edit, training, pause), whose names the page already has. Names depend on the sizes
    only; ``GET /api/state``, reset, new and a loaded model send them (docs/lab.md)."""
    return {k: v for k, v in state.items() if k != "names"}


# --------------------------------------------------------------------------------------------
# The routes


async def page(request: Request):
    """GET / — the page (lab.html); its script and style come from /static."""
    html = resources.files("microbp.lab").joinpath("static", "lab.html").read_bytes()
    return Response(html, media_type="text/html; charset=utf-8")


async def get_state(request: Request):
    """GET /api/state — the whole state."""
    return JSONResponse(await run_in_threadpool(_lab(request).snapshot))


async def options(request: Request):
    """GET /api/options — the names and limits the page offers."""
    return JSONResponse(
        {
            "activations": list(activations.ACTIVATIONS),
            "output_activations": [*activations.ACTIVATIONS, "softmax"],
            "optimizers": list(optim.OPTIMIZERS),
            # each loss with the output layer it is made for (None: any) and its formula
            "losses": {
                name: {"output": loss.output, "formula": loss.formula}
                for name, loss in losses.LOSSES.items()
            },
            "data": list(DATA_SETS),
            "default_sizes": {k: list(v[2](*v[1])) for k, v in data.DATASETS.items()},
            "default_lr": optim.DEFAULT_LR,
            "max_parameters": MAX_PARAMETERS,
            "max_layers": MAX_LAYERS,
            "max_epochs": MAX_EPOCHS,
        }
    )


async def set_(request: Request):
    """POST /api/set — one edit: w, b, x, y, activation, sample or loss (without names)."""
    body = await _body(request)
    return JSONResponse(_unnamed(await run_in_threadpool(_lab(request).apply, body)))


def _index(q, name: str) -> int | None:
    """A 1-based index of the query: ASCII digits only (``²`` is a digit to str.isdigit)."""
    v = q.get(name)
    if v is None:
        return None
    if not (v.isascii() and v.isdigit() and len(v) <= 6):
        raise LabError(f"{name} must be a positive integer, got {v[:20]!r}")
    return int(v)


async def why(request: Request):
    """GET /api/why?l=&i=[&j=] — BP-1/BP-2 (neuron) or BP-3 (edge) with their numbers."""
    q = request.query_params
    unknown = sorted(set(q) - {"l", "i", "j"})
    if unknown or "l" not in q or "i" not in q:
        raise LabError("expected the query l, i (a neuron) or l, i, j (an edge), 1-based")
    l, i, j = _index(q, "l"), _index(q, "i"), _index(q, "j")
    return JSONResponse(await run_in_threadpool(_lab(request).why, l, i, j))


async def practice(request: Request):
    """POST /api/practice — practice mode: the learner's number for δᵢ⁽ˡ⁾ or ∂E/∂wᵢⱼ⁽ˡ⁾,
    checked against the graph's, with the BP explanation (microbp/lab/practice.py)."""
    body = await _body(request)
    return JSONResponse(await run_in_threadpool(practice_mode.check, _lab(request), body))


async def trace(request: Request):
    """GET /api/trace[?start=&count=&digits=] — the backward pass of E for the sample on
    show, step by step: ``count`` steps (default :data:`~microbp.lab.stepper.PAGE`) from
    ``start`` (0-based), its numbers in the shortest round-trip form or with ``digits``
    significant digits, the ``total``, and ``neurons``, the step number of every z-node with its
    [l, i] (so the page can jump to a δ on another page). The trace of one state is made
    once and kept until the state changes."""
    state = _lab(request)
    q = request.query_params
    unknown = sorted(set(q) - {"start", "count", "digits"})
    if unknown:
        raise LabError(
            f"unknown query field(s) {', '.join(unknown)}; expected start, count, digits"
        )
    start = _index(q, "start") or 0
    digits = _index(q, "digits")
    if digits is not None and not 1 <= digits <= 17:
        raise LabError(f"digits must be 1…17 (none: the shortest round-trip form), got {digits}")
    count = _index(q, "count") or stepper.PAGE
    if count > stepper.PAGE:
        raise LabError(f"count must be at most {stepper.PAGE}, got {count}")

    def steps():
        with state.lock:
            shown, version = state.shown, state.version
        kept = request.app.state.trace
        if kept is not None and kept[:3] == (version, shown, digits):
            return kept[3]
        x, y = shown.X[shown.sample].tolist(), shown.Y[shown.sample].tolist()
        try:  # on a copy: the net on show is never touched
            made = stepper.steps(shown.net.copy(), x, y, shown.loss, digits)
        except ValueError as exc:
            raise LabError(str(exc)) from None
        request.app.state.trace = (version, shown, digits, made)
        return made

    made = await run_in_threadpool(steps)
    return JSONResponse(
        {
            "intro": stepper.INTRO,
            "total": len(made),
            "start": start,
            "steps": made[start : start + count],
            "neurons": [[s["number"], *s["neuron"]] for s in made if s["neuron"]],
        }
    )


async def boundary(request: Request):
    """GET /api/boundary — the net's output on a grid of inputs (a net of 2 inputs)."""
    if request.query_params:
        raise LabError("this route takes no query")
    return JSONResponse(await run_in_threadpool(_lab(request).boundary))


async def train(request: Request):
    """POST /api/train — train for ``epochs`` epochs, answer when done (Step uses it);
    the state without names."""
    state = _lab(request)
    settings, epochs = TrainSettings.parse(await _body(request))
    state.start(settings, epochs)
    await run_in_threadpool(state.run, epochs)
    return JSONResponse(_unnamed(await run_in_threadpool(state.snapshot)))


async def run(request: Request):
    """POST /api/run — start training in the background; follow it on /api/events. The
    state without names."""
    state = _lab(request)
    settings, epochs = TrainSettings.parse(await _body(request))
    state.start(settings, epochs)
    thread = threading.Thread(target=state.run, args=(epochs,), daemon=True)
    request.app.state.runner = thread
    thread.start()
    return JSONResponse(_unnamed(await run_in_threadpool(state.snapshot)), status_code=202)


async def pause(request: Request):
    """POST /api/pause — stop a run after its current epoch; answer with the state without
    names."""
    await _no_body(request)
    state = _lab(request)
    state.pause()
    thread = request.app.state.runner
    if thread is not None:
        await run_in_threadpool(thread.join, 30.0)
    return JSONResponse(_unnamed(await run_in_threadpool(state.snapshot)))


async def events(request: Request):
    """GET /api/events — server-sent events: ``state`` as training moves, then ``done``. The
    first state carries the names; the next ones leave them out while the sizes stay."""
    state = _lab(request)

    async def stream():
        sent = sizes = None
        while True:
            running = state.training.running
            if state.version != sent:
                snap = await run_in_threadpool(state.snapshot)
                sent = snap["version"]
                if snap["sizes"] == sizes:  # names change with the sizes only: sent once
                    snap = _unnamed(snap)
                sizes = snap["sizes"]
                yield f"event: state\ndata: {_json_text(snap)}\n\n"
            if not running:
                yield "event: done\ndata: {}\n\n"
                return
            await asyncio.sleep(0.05)

    return StreamingResponse(stream(), media_type="text/event-stream")


async def reset(request: Request):
    """POST /api/reset — back to the net and data the lab started with (or last loaded)."""
    await _no_body(request)
    return JSONResponse(await run_in_threadpool(_lab(request).reset))


async def new(request: Request):
    """POST /api/new — another net and data set."""
    body = await _body(request)
    return JSONResponse(await run_in_threadpool(_lab(request).new, body))


async def get_model(request: Request):
    """GET /api/model — download the model (net.save's JSON; ``?format=pt``: the PyTorch
    state_dict of :func:`microbp.interop.to_torch`); HEAD only its headers."""
    if request.query_params.get("format") == "pt":
        try:
            pt = await run_in_threadpool(_torch_file, _lab(request))
        except ImportError as exc:  # PyTorch is an optional extra
            raise _Refused(501, str(exc)) from None
        return Response(
            pt,
            media_type="application/octet-stream",
            headers={"content-disposition": 'attachment; filename="microbp-model.pt"'},
        )
    text = await run_in_threadpool(_lab(request).download)
    return Response(
        text,
        media_type="application/json",
        headers={"content-disposition": 'attachment; filename="microbp-model.json"'},
    )


async def post_model(request: Request):
    """POST /api/model — upload a model file's text."""
    text = await _body(request, MAX_MODEL_BODY, text=True)
    return JSONResponse(await run_in_threadpool(_lab(request).upload, text))


async def _http_error(request: Request, exc: HTTPException) -> Response:
    """Starlette's own refusals (404, 405) as the lab's JSON errors."""
    return _error(exc.status_code, f"{exc.detail}: {request.method} {request.url.path}")


ROUTES = [
    Route("/", _handled(page)),
    Route("/api/state", _handled(get_state)),
    Route("/api/options", _handled(options)),
    Route("/api/set", _handled(set_), methods=["POST"]),
    Route("/api/why", _handled(why)),
    Route("/api/practice", _handled(practice), methods=["POST"]),
    Route("/api/trace", _handled(trace)),
    Route("/api/boundary", _handled(boundary)),
    Route("/api/train", _handled(train), methods=["POST"]),
    Route("/api/run", _handled(run), methods=["POST"]),
    Route("/api/pause", _handled(pause), methods=["POST"]),
    Route("/api/events", _handled(events)),
    Route("/api/reset", _handled(reset), methods=["POST"]),
    Route("/api/new", _handled(new), methods=["POST"]),
    Route("/api/model", _handled(get_model), methods=["GET"]),
    Route("/api/model", _handled(post_model), methods=["POST"]),
    Mount("/static", StaticFiles(packages=[("microbp.lab", "static")])),
]


def create_app(
    state: LabState,
    token: str,
    host: str = "127.0.0.1",
    port: int | None = None,
) -> Starlette:
    """The lab's ASGI app over ``state``, answering only requests with ``token``, for the
    Host ``host`` (or this machine's loopback names); ``port`` (when known) is part of the
    Origin a change must come from."""
    if not token:
        raise ValueError("the lab needs a non-empty token")
    hosts = host_names(host)
    suffix = f":{port}" if port else ""
    origins = {f"http://{h}{suffix}" for h in hosts}
    middleware = [Middleware(_Guard, token=token, hosts=hosts, origins=origins)]
    app = Starlette(
        routes=ROUTES, middleware=middleware, exception_handlers={HTTPException: _http_error}
    )
    app.state.lab = state
    app.state.runner = None
    app.state.trace = None  # (version, shown, digits, steps): the trace of the state on show
    return app


def url(host: str, port: int, token: str) -> str:
    """The address to open: http://HOST:PORT/#token=TOKEN (127.0.0.1 for a wildcard host).

    The token is in the fragment: the browser never sends it, the page's script reads it."""
    shown = "127.0.0.1" if host in WILDCARD_HOSTS else host
    shown = f"[{shown}]" if ":" in shown else shown
    return f"http://{shown}:{port}/#token={token}"


def serve(state: LabState, host: str = "127.0.0.1", port: int = 0, on_ready=None) -> None:
    """Serve ``state`` until Ctrl-C: bind, call ``on_ready(url)``, run uvicorn."""
    sock = listen(host, port)
    port = sock.getsockname()[1]
    token = secrets.token_urlsafe(24)
    app = create_app(state, token, host=host, port=port)
    if on_ready is not None:
        on_ready(url(host, port, token))
    make_server(app).run(sockets=[sock])
