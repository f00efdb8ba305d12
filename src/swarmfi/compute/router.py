"""The router: one `LLM` over many providers, chosen per call.

For each call, in this order:
  1. privacy — a sensitive request (marked by the caller, or holding wallet data:
     see `swarmfi.compute.privacy`) goes only to `local` or `tee` providers. If none
     is configured, or all of them fail, the call fails; it never reaches `cloud`.
  2. availability — enabled, serving the requested model, API key present.
  3. budget — a provider whose estimated cost would break the per-run or per-day USD
     budget is left out; when that leaves none, `PolicyError` (exit 3).
  4. objective — "cheapest" (estimated USD), "fastest" (EWMA of observed latency,
     the provider's `latency_s` prior until observed) or "weighted" (both, scaled to
     0..1 across the candidates). Providers cooling down go last.
Then each candidate in turn until one answers (fallback on error or timeout). A
failed provider cools down for `cooldown_s`, doubling on consecutive failures (up
to `cooldown_max_s`); a success ends it. Every call, failed ones too, is accounted
(tokens, USD, latency) in the `UsageStore`.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from swarmfi.compute.client import ChatClient, Endpoint
from swarmfi.compute.failures import ChatError, missing_key_error
from swarmfi.compute.privacy import sensitive_reason
from swarmfi.compute.protocol import (
    ChatRequest,
    build_body,
    completion_from_answer,
)
from swarmfi.compute.providers import OBJECTIVES, Objective, Provider, Registry
from swarmfi.compute.types import (
    PRIVATE_CLASSES,
    Completion,
    Message,
    Schema,
    as_schema,
)
from swarmfi.compute.usage import Budget, CallRecord, UsageStore, utc_day
from swarmfi.errors import ComputeProviderError, PolicyError, UserInputError

if TYPE_CHECKING:
    from swarmfi.compute.streaming import ChatStream

T = TypeVar("T")
FLUSH_AFTER_S = 0.25  # accounting is committed this long after a call, at the latest
NO_RETRY_COOLDOWN = frozenset({400, 413, 422})  # the request's fault, not the provider's


@dataclass
class _Health:
    latency_s: float | None = None
    failures: int = 0
    cooled_until: float = 0.0


class Route(NamedTuple):
    """The providers one call may use, best first, and why it is sensitive (if it is)."""

    providers: tuple[Provider, ...]
    sensitive: str | None
    input_tokens: int
    output_tokens: int


class Router:
    """Implements `LLM`: privacy, then budget, then the objective; fallback and cooldown."""

    def __init__(
        self,
        providers: Sequence[Provider],
        *,
        client: ChatClient | None = None,
        objective: Objective = "cheapest",
        cost_weight: float = 0.5,
        latency_weight: float = 0.5,
        usage: UsageStore | None = None,
        budget: Budget | None = None,
        cooldown_s: float = 30.0,
        cooldown_max_s: float = 600.0,
        run_id: str | None = None,
        environ: Mapping[str, str] = os.environ,
        clock: Callable[[], float] = time.monotonic,
        expected_output_tokens: int = 256,
        ewma_alpha: float = 0.3,
    ) -> None:
        if objective not in OBJECTIVES:
            raise UserInputError(
                f"unknown routing objective {objective!r}", f"use one of {', '.join(OBJECTIVES)}"
            )
        self.providers = tuple(providers)
        self.client = client or ChatClient()
        self.objective = objective
        self.weights = (cost_weight, latency_weight)
        self.usage = usage
        self.budget = budget or Budget()
        self.cooldown = (cooldown_s, cooldown_max_s)
        self.run_id = run_id or uuid.uuid4().hex
        self.environ = environ
        self.clock = clock
        self.expected_output_tokens = expected_output_tokens
        self.alpha = ewma_alpha
        self.spent_run = 0.0
        self._day: tuple[str, float] | None = None
        self._health = {p.name: _Health() for p in self.providers}
        self._flush_handle: asyncio.TimerHandle | None = None
        self._enabled = [p for p in self.providers if p.enabled]
        self._endpoints: dict[str, Endpoint] = {}

    @classmethod
    def from_registry(cls, registry: Registry, **overrides: Any) -> Router:
        """A router over the registry's active providers with its [router] settings."""
        s = registry.settings
        kwargs: dict[str, Any] = {
            "objective": s.objective,
            "cost_weight": s.cost_weight,
            "latency_weight": s.latency_weight,
            "cooldown_s": s.cooldown_s,
            "budget": Budget(s.budget_run_usd, s.budget_day_usd),
        }
        kwargs.update(overrides)
        return cls(registry.active(), **kwargs)

    # ------------------------------------------------------------------ calls

    async def complete(
        self,
        messages: Sequence[Message],
        *,
        schema: Schema | Mapping[str, Any] | None = None,
        sensitive: bool | None = None,
        json_mode: bool = False,
        model: str | None = None,
        max_tokens: int | None = None,
        temperature: float | None = 0.0,
    ) -> Completion:
        """Answer `messages` with the best provider that works; see the module docstring."""
        request = ChatRequest(
            tuple(messages), as_schema(schema), json_mode, model, max_tokens, temperature
        )
        route = self.route(request, sensitive=sensitive)
        errors: list[ChatError] = []
        for provider in route.providers:
            if self._budget_breach(provider, route) is not None:
                continue
            try:
                return await self._call(provider, request, route)
            except ChatError as error:
                errors.append(error)
        raise self._exhausted(route, errors)

    def stream(
        self,
        messages: Sequence[Message],
        *,
        sensitive: bool | None = None,
        model: str | None = None,
        max_tokens: int | None = None,
        temperature: float | None = 0.0,
    ) -> ChatStream:
        """Stream text deltas; falls back to the next provider until the first chunk arrives."""
        from swarmfi.compute.streaming import ChatStream

        request = ChatRequest(tuple(messages), None, False, model, max_tokens, temperature)
        return ChatStream(self, request, sensitive)

    async def _call(self, provider: Provider, request: ChatRequest, route: Route) -> Completion:
        body, fmt = build_body(provider, request)
        started = self.clock()
        try:
            data = await self.client.complete(self._endpoint(provider), body)
            completion = completion_from_answer(
                provider,
                request,
                data,
                fmt=fmt,
                latency_s=self.clock() - started,
                sensitive=route.sensitive is not None,
            )
        except ChatError as error:
            self._failed(provider, route, error, self.clock() - started)
            raise
        self._succeeded(provider, completion)
        return completion

    # ------------------------------------------------------------------ routing

    def route(self, request: ChatRequest, *, sensitive: bool | None = None) -> Route:
        """The candidates for `request`, best first (raises when there are none)."""
        reason = "the caller marked it sensitive" if sensitive else None
        reason = reason or sensitive_reason(request.messages)
        pool = self._private(self._serving(request.model), reason)
        keyed = [p for p in pool if self._endpoint(p).api_key or not p.api_key_env]
        if not keyed:
            raise self._no_keys(pool)
        est_in = request.input_tokens_estimate()
        est_out = request.max_tokens or self.expected_output_tokens
        route = Route(tuple(keyed), reason, est_in, est_out)
        if self.budget.limited:
            keyed = [p for p in keyed if self._budget_breach(p, route) is None]
            if not keyed:
                raise self._over_budget(route.providers[0], route)
        if len(keyed) == 1:
            return route if len(route.providers) == 1 else Route(tuple(keyed), *route[1:])
        return Route(tuple(self._ordered(keyed, est_in, est_out)), reason, est_in, est_out)

    def _endpoint(self, provider: Provider) -> Endpoint:
        """The provider's endpoint, its key read from the environment once per router."""
        endpoint = self._endpoints.get(provider.name)
        if endpoint is None:
            endpoint = self._endpoints[provider.name] = provider.endpoint(self.environ)
        return endpoint

    def _serving(self, model: str | None) -> list[Provider]:
        pool = [p for p in self._enabled if model is None or model in p.models]
        if not pool:
            what = f"serves model {model!r}" if model else "is configured"
            raise ComputeProviderError(
                f"no enabled LLM provider {what}",
                "add or enable one in ~/.swarmfi/providers.toml "
                "(`swarmfi llm providers` lists them)",
            )
        return pool

    def _private(self, pool: list[Provider], reason: str | None) -> list[Provider]:
        if reason is None:
            return pool
        private = [p for p in pool if p.privacy in PRIVATE_CLASSES]
        if not private:
            raise ComputeProviderError(
                f"this request may go only to a local or TEE provider because {reason}, "
                "and none is configured; it was not sent to any cloud provider",
                "start a local model (e.g. `llama-server -m MODEL.gguf --port 8080`) or "
                'configure a provider with privacy = "tee" in ~/.swarmfi/providers.toml',
            )
        return private

    def _no_keys(self, pool: list[Provider]) -> ComputeProviderError:
        if len(pool) == 1 and pool[0].api_key_env:
            return missing_key_error(pool[0].name, pool[0].api_key_env)
        names = ", ".join(f"${p.api_key_env}" for p in pool if p.api_key_env)
        return ComputeProviderError(
            "no usable LLM provider: every candidate needs an API key that is not set",
            f"export one of {names} (keys are read from the environment only)",
        )

    def _ordered(self, pool: list[Provider], est_in: int, est_out: int) -> list[Provider]:
        now = self.clock()
        costs = [p.estimate(est_in, est_out) for p in pool]
        lats = [self._latency(p) for p in pool]
        top_cost, top_lat = max(costs) or 1.0, max(lats) or 1.0
        wc, wl = self.weights

        def key(i: int) -> tuple[bool, float, float, int]:
            cooling = self._health[pool[i].name].cooled_until > now
            if self.objective == "fastest":
                return cooling, lats[i], costs[i], i
            if self.objective == "weighted":
                return cooling, wc * costs[i] / top_cost + wl * lats[i] / top_lat, costs[i], i
            return cooling, costs[i], lats[i], i

        return [pool[i] for i in sorted(range(len(pool)), key=key)]

    def _latency(self, provider: Provider) -> float:
        observed = self._health[provider.name].latency_s
        return provider.latency_s if observed is None else observed

    def cooling(self) -> dict[str, float]:
        """Seconds of cooldown left per provider (only those cooling)."""
        now = self.clock()
        return {n: h.cooled_until - now for n, h in self._health.items() if h.cooled_until > now}

    # ------------------------------------------------------------------ budget

    def spent_day(self) -> float:
        today = utc_day(time.time())
        if self._day is None or self._day[0] != today:
            self._day = (today, self.usage.spent_day(today) if self.usage else 0.0)
        return self._day[1]

    def _budget_breach(self, provider: Provider, route: Route) -> str | None:
        if not self.budget.limited:
            return None
        estimate = provider.estimate(route.input_tokens, route.output_tokens)
        return self.budget.allows(self.spent_run, self.spent_day(), estimate)

    def _over_budget(self, provider: Provider, route: Route) -> PolicyError:
        which = self._budget_breach(provider, route) or "run"
        limit = self.budget.run_usd if which == "run" else self.budget.day_usd
        spent = self.spent_run if which == "run" else self.spent_day()
        where = "this run" if which == "run" else f"today ({utc_day(time.time())} UTC)"
        return PolicyError(
            f"the LLM budget for {where} is used up: ${spent:.6f} spent of ${limit:.6f}, "
            "and the next call would exceed it",
            rule=f"compute.budget_{which}_usd",
            hint=f"raise budget_{which}_usd in providers.toml "
            f"(or $SWARMFI_BUDGET_{which.upper()}_USD), or use a free local model",
        )

    # ------------------------------------------------------------------ bookkeeping

    def _succeeded(self, provider: Provider, completion: Completion) -> None:
        health = self._health[provider.name]
        prior = health.latency_s
        lat = completion.latency_s
        health.latency_s = lat if prior is None else prior + self.alpha * (lat - prior)
        health.failures, health.cooled_until = 0, 0.0
        self._account(provider, completion.sensitive, completion=completion)

    def _failed(self, provider: Provider, route: Route, error: ChatError, latency: float) -> None:
        health = self._health[provider.name]
        if error.status not in NO_RETRY_COOLDOWN:
            health.failures += 1
            base, cap = self.cooldown
            health.cooled_until = self.clock() + min(cap, base * 2 ** (health.failures - 1))
        self._account(provider, route.sensitive is not None, error=error, latency=latency)

    def _account(
        self,
        provider: Provider,
        sensitive: bool,
        *,
        completion: Completion | None = None,
        error: ChatError | None = None,
        latency: float = 0.0,
    ) -> None:
        cost = completion.cost_usd if completion else 0.0
        self.spent_run += cost
        self._day = (self._day[0], self._day[1] + cost) if self._day else None
        if self.usage is None:
            return
        self._schedule_flush()
        usage = completion.usage if completion else None
        self.usage.record(
            CallRecord(
                run_id=self.run_id,
                provider=provider.name,
                model=completion.model if completion else provider.model,
                privacy=provider.privacy,
                sensitive=sensitive,
                ok=completion is not None,
                input_tokens=usage.input_tokens if usage else 0,
                output_tokens=usage.output_tokens if usage else 0,
                estimated=usage.estimated if usage else False,
                cost_usd=cost,
                latency_s=completion.latency_s if completion else latency,
                error=error.reason if error else None,
            )
        )

    def _exhausted(
        self, route: Route, errors: list[ChatError]
    ) -> ComputeProviderError | PolicyError:
        if not errors:
            return self._over_budget(route.providers[0], route)
        tried = "; ".join(f"{e.provider}: {e.message}" for e in errors)
        hint = (
            errors[0].hint
            if len(errors) == 1
            else ("check the providers above (`swarmfi llm providers`), or retry later")
        )
        if route.sensitive:
            return ComputeProviderError(
                f"every local/TEE provider failed for this sensitive request ({route.sensitive}); "
                f"it was not sent to any cloud provider. {tried}",
                hint,
            )
        return ComputeProviderError(f"every LLM provider failed. {tried}", hint)

    # ------------------------------------------------------------------ lifecycle

    def _schedule_flush(self) -> None:
        if self._flush_handle is None and self.usage is not None:
            loop = asyncio.get_running_loop()
            self._flush_handle = loop.call_later(FLUSH_AFTER_S, self.flush_usage)

    def flush_usage(self) -> None:
        """Commit the accounted calls (done shortly after each call and on close)."""
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        if self.usage is not None:
            self.usage.flush()

    async def aclose(self) -> None:
        """Commit the accounting and close the connections (the router stays usable)."""
        self.flush_usage()
        await self.client.aclose()

    async def __aenter__(self) -> Router:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def run_sync(self, fn: Callable[[Router], Awaitable[T]]) -> T:
        """Run `fn(router)` in a fresh event loop and close the connections after."""

        async def main() -> T:
            try:
                return await fn(self)
            finally:
                await self.aclose()

        return asyncio.run(main())

    def complete_sync(self, messages: Sequence[Message], **kwargs: Any) -> Completion:
        """`complete` for synchronous callers (not from inside a running event loop)."""
        return self.run_sync(lambda router: router.complete(messages, **kwargs))
