"""A real OpenAI-compatible HTTP server on loopback, for tests, benchmarks and demos.

It speaks `POST /v1/chat/completions` (plain JSON and SSE streaming) and
`GET /v1/models` (and `GET /_fake/stats`: request count, most calls in flight at
once), records every request it receives (`requests`), and answers
from a script: queued `Reply`s first, then a default (a `Reply`, a string, or a
function of the request body). Each reply can be slow, fail with any status and
headers (429 + Retry-After, 500 …), send malformed JSON, or drop the connection.

    async with FakeOpenAI("hello") as fake:        # inside an event loop
        ...fake.url...
    with FakeOpenAI("hello").running() as url:     # in a background thread
        ...

`python -m swarmfi.compute.fake --latency 0.05` serves until killed and prints
its base URL on the first line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from swarmfi.errors import ComputeProviderError


@dataclass(frozen=True)
class Reply:
    """How the fake answers one request."""

    text: str = "ok"
    status: int = 200
    delay_s: float = 0.0
    headers: Mapping[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    usage: tuple[int, int] | None = None
    report_usage: bool = True
    drop: bool = False
    stream_chunks: int = 3
    fail_mid_stream: bool = False


@dataclass(frozen=True)
class Seen:
    """One request as received."""

    path: str
    body: dict[str, Any] | None
    headers: dict[str, str]
    ts: float

    @property
    def prompt(self) -> str:
        """All message contents, joined (for asserting on what reached the server)."""
        messages = (self.body or {}).get("messages") or []
        return "\n".join(str(m.get("content", "")) for m in messages if isinstance(m, dict))


Responder = Callable[[dict[str, Any]], "Reply | str"]


def free_port() -> int:
    """A loopback port nobody listens on (right now): a provider that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakeOpenAI:
    """The fake server; `script(...)` queues replies, `requests` records what came in."""

    def __init__(
        self,
        default: Reply | str | Responder = "ok",
        *,
        latency_s: float = 0.0,
        model: str = "fake-model",
    ) -> None:
        self.default = default
        self.latency_s = latency_s
        self.model = model
        self.requests: list[Seen] = []
        self._queue: deque[Reply | str] = deque()
        self.in_flight = 0
        self.max_in_flight = 0
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def script(self, *replies: Reply | str) -> FakeOpenAI:
        """Answer the next requests with these, in order, then with the default."""
        self._queue.extend(replies)
        return self

    def chat_requests(self) -> list[Seen]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    # ------------------------------------------------------------------ lifecycle

    async def start(self, port: int = 0) -> str:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)
        app.router.add_get("/_fake/stats", self._stats)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=0.5
        )
        await self._runner.setup()
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        self.port = int(sock.getsockname()[1])
        await web.SockSite(self._runner, sock, backlog=4096).start()
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeOpenAI:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @contextlib.contextmanager
    def running(self) -> Iterator[str]:
        """Serve from a background thread (for synchronous callers such as the CLI)."""
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def serve() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self.start())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        thread = threading.Thread(target=serve, name="fake-openai", daemon=True)
        thread.start()
        ready.wait(10)
        try:
            yield self.url
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)

    # ------------------------------------------------------------------ handlers

    async def _models(self, request: web.Request) -> web.Response:
        self.requests.append(Seen(request.path, None, dict(request.headers), time.time()))
        return web.json_response(
            {"object": "list", "data": [{"id": self.model, "object": "model"}]}
        )

    async def _stats(self, request: web.Request) -> web.Response:
        stats = {"requests": len(self.requests), "max_in_flight": self.max_in_flight}
        return web.json_response(stats)

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._answer_chat(request)
        finally:
            self.in_flight -= 1

    async def _answer_chat(self, request: web.Request) -> web.StreamResponse:
        body = await _json_body(request)
        self.requests.append(Seen(request.path, body, dict(request.headers), time.time()))
        reply = self._next(body or {})
        delay = self.latency_s + reply.delay_s
        if delay:
            await asyncio.sleep(delay)
        if reply.drop:
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=499)
        if reply.status != 200 or reply.raw is not None:
            return _error_response(reply)
        if (body or {}).get("stream"):
            return await self._stream(request, body or {}, reply)
        return web.json_response(self._answer(body or {}, reply))

    def _next(self, body: dict[str, Any]) -> Reply:
        item: Reply | str | Responder = self._queue.popleft() if self._queue else self.default
        if callable(item) and not isinstance(item, Reply):
            item = item(body)
        return Reply(text=item) if isinstance(item, str) else item

    def _answer(self, body: dict[str, Any], reply: Reply) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model") or self.model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": reply.text},
                    "finish_reason": "stop",
                }
            ],
        }
        if reply.report_usage:
            answer["usage"] = _usage(body, reply)
        return answer

    async def _stream(
        self, request: web.Request, body: dict[str, Any], reply: Reply
    ) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        model = body.get("model") or self.model
        for i, piece in enumerate(_pieces(reply.text, reply.stream_chunks)):
            if reply.fail_mid_stream and i == 1:
                if request.transport is not None:
                    request.transport.close()
                return resp
            await resp.write(_sse(_chunk(model, {"content": piece}, None)))
        await resp.write(_sse(_chunk(model, {}, "stop")))
        if reply.report_usage and (body.get("stream_options") or {}).get("include_usage"):
            await resp.write(
                _sse(
                    {
                        "object": "chat.completion.chunk",
                        "model": model,
                        "choices": [],
                        "usage": _usage(body, reply),
                    }
                )
            )
        await resp.write(b"data: [DONE]\n\n")
        await resp.write_eof()
        return resp


async def _json_body(request: web.Request) -> dict[str, Any] | None:
    try:
        data = json.loads(await request.read())
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _error_response(reply: Reply) -> web.Response:
    if reply.raw is not None:
        return web.Response(
            status=reply.status,
            body=reply.raw,
            headers=dict(reply.headers),
            content_type="application/json",
        )
    error = {"error": {"message": reply.text, "type": "fake_error", "code": reply.status}}
    return web.json_response(error, status=reply.status, headers=dict(reply.headers))


def _usage(body: dict[str, Any], reply: Reply) -> dict[str, int]:
    if reply.usage is not None:
        prompt, completion = reply.usage
    else:
        messages = body.get("messages") or []
        chars = sum(len(str(m.get("content", ""))) for m in messages if isinstance(m, dict))
        prompt, completion = chars // 4 + 1, len(reply.text) // 4 + 1
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _pieces(text: str, n: int) -> list[str]:
    n = max(1, min(n, len(text) or 1))
    size = -(-len(text) // n) or 1
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _chunk(model: str, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _sse(data: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(data, ensure_ascii=False).encode() + b"\n\n"


@contextlib.contextmanager
def serve_in_subprocess(latency_s: float = 0.0, text: str = "ok") -> Iterator[str]:
    """Run the fake in its own process (its CPU apart from the caller's); yield its URL."""
    cmd = [sys.executable, "-m", "swarmfi.compute.fake", "--latency", str(latency_s)]
    proc = subprocess.Popen([*cmd, "--text", text], stdout=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip() if proc.stdout else ""
        if not url.startswith("http"):
            raise ComputeProviderError(
                "the fake OpenAI server did not start",
                "run `python -m swarmfi.compute.fake` by hand to see why",
            )
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout:
            proc.stdout.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A fake OpenAI-compatible server on loopback.")
    parser.add_argument("--port", type=int, default=0, help="port (0: any free one)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--text", default="ok", help="the answer's content")
    args = parser.parse_args(argv)

    async def serve() -> None:
        fake = FakeOpenAI(args.text, latency_s=args.latency)
        print(await fake.start(args.port), flush=True)
        await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())
    sys.exit(0)


if __name__ == "__main__":
    main()
