"""`swarmfi serve`: the HTTP API under /v1/ (OpenAPI at /openapi.json) and the web page at /.

One Starlette app over one `RemoteService`. Binds 127.0.0.1 by default and answers only
to loopback Host headers there (no DNS rebinding). Reads need nothing; writes need
`Authorization: Bearer TOKEN`:

    api.token        previews, runs, order cancels: give it to scripts and agents
    approver.token   all of that and approving plans: only for the person (the web page)

Both are created 0600 beside the ledger at first start and printed once. No CORS unless
`--cors-origin` names an origin. Bodies over 64 KiB get 413; more than `rate` requests
a second from one client (bursts of 10x) get 429. Every error is
{"error": {"kind", "message", "hint"}} with swarmfi's error kinds.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import os
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from swarmfi import errors
from swarmfi.errors import SwarmfiError, UserInputError
from swarmfi.server.service import RemoteService, error_json

MAX_BODY = 64 * 1024
STATIC = Path(__file__).parent / "static"
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
Handler = Callable[[Request], Awaitable[Response]]


class AuthError(UserInputError):
    blame = "auth"


_STATUS: list[tuple[type[SwarmfiError], int]] = [
    (errors.RefusalError, 422), (errors.PlanError, 422), (errors.StateError, 409),
    (AuthError, 401), (errors.UserInputError, 400), (errors.PolicyError, 403),
    (errors.SimulationError, 409), (errors.ProviderError, 502), (errors.BugError, 500)]


def status_of(error: SwarmfiError) -> int:
    return next((code for kind, code in _STATUS if isinstance(error, kind)), 500)


def error_response(error: SwarmfiError, status: int | None = None) -> JSONResponse:
    return JSONResponse({"error": error_json(error)}, status or status_of(error))


# -- tokens -----------------------------------------------------------------------------

def ensure_token(directory: Path, name: str) -> tuple[str, bool]:
    """(token, created now): the token in `directory`/`name`, made 0600 if missing."""
    file = directory / name
    try:
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return file.read_text(encoding="ascii").strip(), False
    token = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(token + "\n")
    return token, True


@dataclass
class Tokens:
    api: str
    approver: str

    def role(self, request: Request) -> str | None:
        """'approver', 'api' or None, from the request's bearer token."""
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer" or not given:
            return None
        if hmac.compare_digest(given.strip(), self.approver):
            return "approver"
        return "api" if hmac.compare_digest(given.strip(), self.api) else None


@dataclass
class RateLimit:
    """A token bucket per client address."""

    rate: float
    burst: float
    buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def allow(self, client: str) -> bool:
        now = time.monotonic()
        level, last = self.buckets.get(client, (self.burst, now))
        level = min(self.burst, level + (now - last) * self.rate)
        if level < 1:
            self.buckets[client] = (level, now)
            return False
        self.buckets[client] = (level - 1, now)
        return True


# -- the app ----------------------------------------------------------------------------

@dataclass
class Api:
    service: RemoteService
    tokens: Tokens
    limit: RateLimit
    loopback_only: bool = True
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def guard(self, handler: Handler, need: str | None = None) -> Handler:
        """Host check, rate limit, token (`need`: 'api' or 'approver'), errors as JSON."""
        async def wrapped(request: Request) -> Response:
            host = (request.url.hostname or "").lower()
            if self.loopback_only and host not in LOOPBACK:
                return error_response(AuthError(f"host {host!r} is not this server",
                                                "use http://127.0.0.1:PORT/"), 421)
            client = request.client.host if request.client else "?"
            if not self.limit.allow(client):
                return error_response(UserInputError("too many requests",
                                                     "slow down and retry in a second"), 429)
            if need is not None and not self._allowed(request, need):
                return error_response(_auth_error(need))
            try:
                return await handler(request)
            except SwarmfiError as exc:
                return error_response(exc)
        return wrapped

    def _allowed(self, request: Request, need: str) -> bool:
        role = self.tokens.role(request)
        return role == "approver" or (role == "api" and need == "api")

    async def body(self, request: Request) -> dict[str, Any]:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
            raise _TooLarge()
        raw = b""
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > MAX_BODY:
                raise _TooLarge()
        try:
            data = json.loads(raw or b"{}")
        except (ValueError, UnicodeDecodeError) as exc:
            raise UserInputError(f"the body is not JSON: {exc}",
                                 'send a JSON object, e.g. {"text": "swap 1 ETH for USDC"}'
                                 ) from exc
        if not isinstance(data, dict):
            raise UserInputError("the body must be a JSON object", 'e.g. {"text": "…"}')
        return data

    # -- routes ------------------------------------------------------------------------

    async def page(self, request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers=_PAGE_HEADERS)

    async def openapi(self, request: Request) -> Response:
        from swarmfi.server.openapi import document

        return JSONResponse(document())

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "address": self.service.runner.sender,
                             "chain_id": self.service.registry.chain_id})

    async def parse(self, request: Request) -> Response:
        data = await self.body(request)
        return JSONResponse(await self.service.parse(_text(data), "http"))

    async def preview(self, request: Request) -> Response:
        data = await self.body(request)
        return JSONResponse(await self.service.preview(_text(data), "http"))

    async def start_run(self, request: Request) -> Response:
        data = await self.body(request)
        text, plan_id = data.get("text"), data.get("plan_id")
        if text is not None:
            text = _text(data)
        if plan_id is not None and not isinstance(plan_id, str):
            raise UserInputError("plan_id must be a string", "copy it from the preview")
        started: list[str] = []
        ready = asyncio.Event()

        def on_start(plan_id: str) -> None:
            started.append(plan_id)
            ready.set()

        task = asyncio.create_task(self.service.run("http", text=text, plan_id=plan_id,
                                                    on_start=on_start))
        self.tasks.add(task)
        task.add_done_callback(self._finished)
        waiter = asyncio.create_task(ready.wait())
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        if task.done() or request.query_params.get("wait"):
            return JSONResponse(await task)
        return JSONResponse({"status": "running", "plan_id": started[0],
                             "events": f"/v1/runs/{started[0]}"}, 202)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: its error is in the ledger and the plan's result

    async def runs(self, request: Request) -> Response:
        return JSONResponse({"runs": self.service.recent(_int(request, "limit", 20))})

    async def run_status(self, request: Request) -> Response:
        plan_id = request.path_params["plan_id"]
        if "text/event-stream" in request.headers.get("accept", ""):
            self.service.store.get(plan_id)  # 4xx before the stream starts
            return StreamingResponse(self._events(plan_id), media_type="text/event-stream",
                                     headers={"Cache-Control": "no-store"})
        return JSONResponse(await self.service.status("http", plan_id))

    async def _events(self, plan_id: str) -> AsyncIterator[bytes]:
        sent = 0
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            progress = self.service.progress.get(plan_id)
            events = progress.events if progress else []
            for event in events[sent:]:
                yield _sse("progress", event)
            sent = len(events)
            plan = self.service.store.get(plan_id)
            if plan.status() not in ("running", "approved") or (progress and progress.finished):
                yield _sse("end", self.service.plan_json(plan))
                return
            changed = progress.changed if progress else asyncio.Event()
            try:
                await asyncio.wait_for(changed.wait(), 1.0)
            except TimeoutError:
                continue

    async def approve(self, request: Request) -> Response:
        data = await self.body(request)
        decision = data.get("decision", "approve")
        if decision not in ("approve", "decline"):
            raise UserInputError(f"decision {decision!r} is neither approve nor decline",
                                 'send {"decision": "approve"} or {"decision": "decline"}')
        plan_id = request.path_params["plan_id"]

        async def work() -> dict[str, Any]:
            plan = self.service.store.decide(plan_id, decision == "approve", "web")
            return {**self.service.plan_json(plan), "plan_id": plan_id}
        return JSONResponse(await self.service.call("http", "approve",
                                                    {"plan_id": plan_id,
                                                     "decision": decision}, work))

    async def balances(self, request: Request) -> Response:
        return JSONResponse(await self.service.balances("http"))

    async def orders(self, request: Request) -> Response:
        status = request.query_params.get("status", "active")
        return JSONResponse(await self.service.orders("http", None if status == "all"
                                                      else status))

    async def cancel_order(self, request: Request) -> Response:
        order_id = request.path_params["order_id"]
        return JSONResponse(await self.service.cancel_order("http", order_id))

    async def ledger_verify(self, request: Request) -> Response:
        return JSONResponse(await self.service.ledger_verify("http"))

    async def policy(self, request: Request) -> Response:
        return JSONResponse(self.service.runner.policy.to_json())

    def routes(self) -> list[Any]:
        g = self.guard
        return [
            Route("/", g(self.page)), Route("/openapi.json", g(self.openapi)),
            Route("/v1/health", g(self.health)),
            Route("/v1/parse", g(self.parse, "api"), methods=["POST"]),
            Route("/v1/preview", g(self.preview, "api"), methods=["POST"]),
            Route("/v1/runs", g(self.start_run, "api"), methods=["POST"]),
            Route("/v1/runs", g(self.runs), methods=["GET"]),
            Route("/v1/runs/{plan_id}", g(self.run_status)),
            Route("/v1/runs/{plan_id}/approve", g(self.approve, "approver"), methods=["POST"]),
            Route("/v1/balances", g(self.balances)),
            Route("/v1/orders", g(self.orders)),
            Route("/v1/orders/{order_id:int}/cancel", g(self.cancel_order, "api"),
                  methods=["POST"]),
            Route("/v1/ledger/verify", g(self.ledger_verify)),
            Route("/v1/policy", g(self.policy)),
            Mount("/static", StaticFiles(directory=STATIC)),
        ]


_PAGE_HEADERS = {"Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
                 "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


class _TooLarge(UserInputError):
    def __init__(self) -> None:
        super().__init__(f"the body is over {MAX_BODY // 1024} KiB", "send a shorter request")


_STATUS.insert(0, (_TooLarge, 413))


def _auth_error(need: str) -> AuthError:
    if need == "approver":
        return AuthError("approving a plan needs the approver token (the person's, not a "
                         "program's)", "approve in the web page or with `swarmfi approve ID`")
    return AuthError("this call needs Authorization: Bearer TOKEN",
                     "use the token in api.token beside the ledger (printed at first start)")


def _text(data: dict[str, Any]) -> str:
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise UserInputError('the field "text" is missing or empty',
                             'send {"text": "swap 1 ETH for USDC"}')
    if data.get("parser", "embedded") != "embedded":
        raise UserInputError(f"parser {data['parser']!r} is not served over HTTP",
                             'leave "parser" out (the embedded parser)')
    return text


def _int(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not 0 < int(raw) <= 200:
        raise UserInputError(f"{name}={raw!r} is not a number from 1 to 200", f"e.g. {name}=20")
    return int(raw)


def _sse(event: str, data: Any) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, default=str)}\n\n".encode()


def create_app(service: RemoteService, tokens: Tokens, *, cors: tuple[str, ...] = (),
               rate: float = 20.0, loopback_only: bool = True) -> Starlette:
    api = Api(service, tokens, RateLimit(rate, rate * 10), loopback_only)
    middleware = []
    if cors:
        from starlette.middleware.cors import CORSMiddleware

        middleware.append(Middleware(CORSMiddleware, allow_origins=list(cors),
                                     allow_methods=["GET", "POST"],
                                     allow_headers=["Authorization", "Content-Type"]))
    app = Starlette(routes=api.routes(), middleware=middleware)
    app.state.api = api
    return app


async def serve(host: str, port: int, state: Path | None, endpoint: Any, *,
                cors: tuple[str, ...] = (), rate: float = 20.0) -> None:
    """Open the service, print where it listens (and the tokens, the first time), serve."""
    import uvicorn

    service = await RemoteService.start(state=state, endpoint=endpoint)
    try:
        directory = service.store.directory
        api_token, new_api = ensure_token(directory, "api.token")
        approver, new_approver = ensure_token(directory, "approver.token")
        app = create_app(service, Tokens(api_token, approver), cors=cors, rate=rate,
                         loopback_only=host in LOOPBACK)
        server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                               lifespan="off"))
        task = asyncio.create_task(server.serve())
        while not server.started and not task.done():
            await asyncio.sleep(0.02)
        bound = server.servers[0].sockets[0].getsockname()[1] if server.started else port
        service.approve_url = f"http://{_url_host(host)}:{bound}/"
        _announce(service.approve_url, directory, api_token if new_api else None,
                  approver if new_approver else None)
        await task
    finally:
        await service.close()


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _announce(url: str, directory: Path, api_token: str | None, approver: str | None) -> None:
    lines = [f"swarmfi serving on {url}"]
    if api_token:
        lines.append(f"API token for scripts (shown once; kept in {directory / 'api.token'}): "
                     f"{api_token}")
    if approver:
        lines.append(f"open the page to preview and approve (shown once): {url}#key={approver}")
    else:
        lines.append(f"open {url} and paste the key in {directory / 'approver.token'}")
    print("\n".join(lines), flush=True)
