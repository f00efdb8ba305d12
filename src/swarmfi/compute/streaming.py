"""Streaming through the router: fallback until the first chunk, accounting at the end."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

from swarmfi.compute.failures import ChatError
from swarmfi.compute.protocol import (
    ChatRequest,
    build_body,
    chunk_delta,
    finish_completion,
    parse_usage,
)
from swarmfi.compute.providers import Provider
from swarmfi.compute.types import Completion, Usage

if TYPE_CHECKING:
    from swarmfi.compute.router import Route, Router


class ChatStream:
    """`async for delta in router.stream(...)`; then `.completion` holds the accounted total."""

    def __init__(self, router: Router, request: ChatRequest, sensitive: bool | None) -> None:
        self.router = router
        self.request = request
        self.sensitive = sensitive
        self.completion: Completion | None = None

    def __aiter__(self) -> AsyncIterator[str]:
        return self._run()

    async def _run(self) -> AsyncIterator[str]:
        router = self.router
        route = router.route(self.request, sensitive=self.sensitive)
        errors: list[ChatError] = []
        for provider in route.providers:
            if router._budget_breach(provider, route) is not None:
                continue
            body, fmt = build_body(provider, self.request, stream=True)
            started = router.clock()
            chunks = router.client.stream(router._endpoint(provider), body)
            async with contextlib.aclosing(chunks):
                try:
                    first = await anext(chunks, None)
                except ChatError as error:
                    router._failed(provider, route, error, router.clock() - started)
                    errors.append(error)
                    continue
                state = _StreamState()
                async for delta in self._relay(provider, route, first, chunks, state, started):
                    yield delta
                self.completion = finish_completion(
                    provider,
                    self.request,
                    "".join(state.text),
                    state.usage,
                    model=state.model or self.request.model or provider.model,
                    finish_reason=state.finish,
                    fmt=fmt,
                    latency_s=router.clock() - started,
                    sensitive=route.sensitive is not None,
                )
                router._succeeded(provider, self.completion)
                return
        raise router._exhausted(route, errors)

    async def _relay(
        self,
        provider: Provider,
        route: Route,
        first: dict[str, Any] | None,
        chunks: AsyncIterator[dict[str, Any]],
        state: _StreamState,
        started: float,
    ) -> AsyncIterator[str]:
        chunk = first
        try:
            while chunk is not None:
                delta = state.take(chunk)
                if delta:
                    yield delta
                chunk = await anext(chunks, None)
        except ChatError as error:
            self.router._failed(provider, route, error, self.router.clock() - started)
            raise


class _StreamState:
    def __init__(self) -> None:
        self.text: list[str] = []
        self.usage: Usage | None = None
        self.finish: str | None = None
        self.model: str | None = None

    def take(self, chunk: Mapping[str, Any]) -> str:
        delta, finish = chunk_delta(chunk)
        self.text.append(delta)
        self.finish = finish or self.finish
        self.usage = parse_usage(chunk.get("usage")) or self.usage
        self.model = self.model or (str(chunk["model"]) if chunk.get("model") else None)
        return delta
