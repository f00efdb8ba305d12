"""One OpenAI-compatible chat-completions client on aiohttp: plain and streaming (SSE).

All network I/O of `swarmfi.compute` goes through `ChatClient`:
`complete(endpoint, body) -> dict` and `stream(endpoint, body) -> AsyncIterator[dict]`.
Retries with exponential backoff and jitter on 429, 5xx and connection errors,
honouring `Retry-After` (a wait longer than `RetryPolicy.max_wait_s` is not waited
out: the error goes up so that the router can use another provider). Timeouts are
not retried here, for the same reason.

The connector is sized for many calls in flight (`limit=1024` by default; aiohttp's
default of 100 — and the `openai` package's pool — serialise a burst of 1,000 calls
into rounds). One session per event loop; `aclose()` before the loop ends.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp

from swarmfi import __version__
from swarmfi.compute.failures import (
    ChatError,
    connection_error,
    http_error,
    malformed_error,
    timeout_error,
)
from swarmfi.compute.sse import DONE, SSEDecoder
from swarmfi.errors import BugError

T = TypeVar("T")


@dataclass(frozen=True)
class Endpoint:
    """Where one call goes. The key is never shown (`repr=False`) nor logged."""

    name: str
    base_url: str
    api_key: str | None = field(default=None, repr=False)
    key_env: str | None = None
    timeout_s: float = 60.0

    @property
    def url(self) -> str:
        return self.base_url.rstrip("/") + "/chat/completions"

    def headers(self, stream: bool) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        headers["Accept"] = "text/event-stream" if stream else "application/json"
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return headers


@dataclass(frozen=True)
class RetryPolicy:
    """`retries` more tries after the first; backoff base * 2^n (capped) with jitter."""

    retries: int = 2
    base_s: float = 0.25
    cap_s: float = 8.0
    max_wait_s: float = 20.0

    def delay(
        self, attempt: int, error: ChatError, rand: Callable[[], float] = random.random
    ) -> float | None:
        """Seconds to wait before try `attempt + 1`, or None to give up on this provider."""
        if not error.retryable or attempt >= self.retries:
            return None
        if error.retry_after is not None:
            if error.retry_after > self.max_wait_s:
                return None
            return error.retry_after + rand() * min(1.0, 0.1 * error.retry_after + 0.01)
        backoff = min(self.cap_s, self.base_s * 2**attempt)
        return backoff / 2 + rand() * backoff / 2


class ChatClient:
    """Async OpenAI-compatible client; cheap to create, one aiohttp session per loop."""

    def __init__(
        self,
        *,
        limit: int = 1024,
        retry: RetryPolicy | None = None,
        connect_timeout_s: float = 10.0,
    ) -> None:
        self.limit = limit
        self.retry = retry or RetryPolicy()
        self.connect_timeout_s = connect_timeout_s
        self._session_obj: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def complete(self, endpoint: Endpoint, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST one non-streaming request; the decoded JSON answer (has `choices`)."""
        payload = _encode(body, stream=False)
        return await self._with_retries(lambda: self._complete_once(endpoint, payload))

    async def stream(
        self, endpoint: Endpoint, body: Mapping[str, Any]
    ) -> AsyncGenerator[dict[str, Any], None]:
        """POST a streaming request; yield each decoded SSE chunk until `[DONE]`."""
        payload = _encode(body, stream=True)
        resp = await self._with_retries(lambda: self._open(endpoint, payload, stream=True))
        try:
            async for chunk in _events(endpoint, resp):
                yield chunk
        finally:
            resp.release()

    async def aclose(self) -> None:
        """Close the session (and its connections); the client may be used again later."""
        if self._session_obj is not None:
            await self._session_obj.close()
        self._session_obj = None
        self._loop = None

    async def __aenter__(self) -> ChatClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _with_retries(self, attempt_fn: Callable[[], Awaitable[T]]) -> T:
        attempt = 0
        while True:
            try:
                return await attempt_fn()
            except ChatError as error:
                delay = self.retry.delay(attempt, error)
                if delay is None:
                    raise
            await asyncio.sleep(delay)
            attempt += 1

    async def _complete_once(self, endpoint: Endpoint, payload: bytes) -> dict[str, Any]:
        resp = await self._open(endpoint, payload, stream=False)
        try:
            raw = await resp.read()
        except TimeoutError:
            raise timeout_error(endpoint.name, endpoint.url, endpoint.timeout_s) from None
        except aiohttp.ClientError as exc:
            raise connection_error(endpoint.name, endpoint.url, exc) from exc
        finally:
            resp.release()
        return _decode_answer(endpoint, raw)

    async def _open(
        self, endpoint: Endpoint, payload: bytes, *, stream: bool
    ) -> aiohttp.ClientResponse:
        """Send the request; the response once its status is OK (errors raised as ChatError)."""
        try:
            resp = await self._session().post(
                endpoint.url,
                data=payload,
                headers=endpoint.headers(stream),
                timeout=self._timeout(endpoint, stream),
            )
        except TimeoutError:
            raise timeout_error(endpoint.name, endpoint.url, endpoint.timeout_s) from None
        except aiohttp.ClientError as exc:
            raise connection_error(endpoint.name, endpoint.url, exc) from exc
        if resp.status >= 400:
            await _raise_http_error(endpoint, resp)
        return resp

    def _timeout(self, endpoint: Endpoint, stream: bool) -> aiohttp.ClientTimeout:
        if stream:  # a long answer may stream for minutes: bound the gaps instead
            return aiohttp.ClientTimeout(
                total=None, sock_connect=self.connect_timeout_s, sock_read=endpoint.timeout_s
            )
        return aiohttp.ClientTimeout(total=endpoint.timeout_s, sock_connect=self.connect_timeout_s)

    def _session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session_obj is not None and not self._session_obj.closed:
            if self._loop is loop:
                return self._session_obj
            raise BugError(
                "a ChatClient was used from a second event loop before aclose()",
                "await client.aclose() (or router.aclose()) before leaving each event loop",
            )
        connector = aiohttp.TCPConnector(
            limit=self.limit, limit_per_host=0, ttl_dns_cache=300, keepalive_timeout=30
        )
        self._session_obj = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            headers={"User-Agent": f"swarmfi/{__version__}"},
        )
        self._loop = loop
        return self._session_obj


def _encode(body: Mapping[str, Any], *, stream: bool) -> bytes:
    data = dict(body)
    data["stream"] = stream
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


async def _raise_http_error(endpoint: Endpoint, resp: aiohttp.ClientResponse) -> None:
    try:
        raw = await resp.read()
    except (aiohttp.ClientError, TimeoutError):
        raw = b""
    finally:
        resp.release()
    raise http_error(endpoint.name, endpoint.url, resp.status, raw, resp.headers, endpoint.key_env)


def _decode_answer(endpoint: Endpoint, raw: bytes) -> dict[str, Any]:
    data = _decode_json(endpoint, raw)
    if "error" in data and "choices" not in data:
        raise http_error(endpoint.name, endpoint.url, 200, raw, {}, endpoint.key_env)
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise malformed_error(endpoint.name, endpoint.url, "no `choices` in the answer")
    return data


def _decode_json(endpoint: Endpoint, raw: bytes | str) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except ValueError:
        head = raw[:60] if isinstance(raw, str) else raw[:60].decode("utf-8", "replace")
        raise malformed_error(endpoint.name, endpoint.url, f"not JSON: {head!r}") from None
    if not isinstance(data, dict):
        raise malformed_error(endpoint.name, endpoint.url, "the answer is not a JSON object")
    return data


async def _events(
    endpoint: Endpoint, resp: aiohttp.ClientResponse
) -> AsyncIterator[dict[str, Any]]:
    decoder = SSEDecoder()
    try:
        async for line in resp.content:
            data = decoder.feed(line.decode("utf-8", "replace"))
            if data is None:
                continue
            if data.strip() == DONE:
                return
            yield _decode_chunk(endpoint, data)
    except TimeoutError:
        raise timeout_error(endpoint.name, endpoint.url, endpoint.timeout_s) from None
    except (aiohttp.ClientError, ValueError) as exc:
        raise connection_error(endpoint.name, endpoint.url, exc) from exc
    tail = decoder.flush()
    if tail is not None and tail.strip() != DONE:
        yield _decode_chunk(endpoint, tail)


def _decode_chunk(endpoint: Endpoint, data: str) -> dict[str, Any]:
    chunk = _decode_json(endpoint, data)
    if "error" in chunk and "choices" not in chunk:
        raise http_error(endpoint.name, endpoint.url, 200, data.encode(), {}, endpoint.key_env)
    return chunk
