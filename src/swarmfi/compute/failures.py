"""How a provider's failure becomes a `ChatError` (a `ComputeProviderError` with a hint).

Pure: HTTP status, headers and body in, an error out. Messages name the provider
and its URL, never a header (the API key travels in one).
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Mapping
from typing import Any

from swarmfi.errors import ComputeProviderError

RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529})


class ChatError(ComputeProviderError):
    """One provider failed one call. `retryable`: worth another try on the same provider."""

    def __init__(
        self,
        message: str,
        hint: str,
        *,
        provider: str,
        reason: str,
        status: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, hint)
        self.provider = provider
        self.reason = reason
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds asked for by `Retry-After` (seconds or an HTTP date) or `retry-after-ms`."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("Retry-After") or headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return _http_date_delay(value, now)


def _http_date_delay(value: str, now: float | None) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def error_detail(raw: bytes) -> str:
    """The provider's own words from an error body, shortened to one line."""
    try:
        data: Any = json.loads(raw)
    except ValueError:
        return _one_line(raw.decode("utf-8", "replace"))
    if isinstance(data, dict):
        err = data.get("error", data.get("detail", data.get("message")))
        if isinstance(err, dict):
            err = err.get("message") or err.get("type") or err
        if err is not None:
            return _one_line(str(err))
    return _one_line(str(data))


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def http_error(
    provider: str,
    url: str,
    status: int,
    raw: bytes,
    headers: Mapping[str, str],
    key_env: str | None,
) -> ChatError:
    """Map an HTTP error answer to a ChatError with a hint that says what to do next."""
    detail = error_detail(raw)
    said = f": {detail}" if detail else ""
    message = f"LLM provider {provider!r} answered HTTP {status} at {url}{said}"
    return ChatError(
        message,
        _status_hint(status, provider, key_env),
        provider=provider,
        reason="rate_limited" if status == 429 else f"http_{status}",
        status=status,
        retryable=status in RETRYABLE_STATUS,
        retry_after=retry_after_seconds(headers),
    )


def _status_hint(status: int, provider: str, key_env: str | None) -> str:
    if status in (401, 403):
        where = f"${key_env}" if key_env else "the provider's api_key_env"
        return f"check the API key in {where} (it is read from the environment only)"
    if status == 404:
        return f"check base_url and models of {provider!r} in your providers.toml"
    if status == 429:
        return "the provider is rate limiting; wait, lower concurrency, or add another provider"
    if status >= 500:
        return "the provider is failing on its side; retry later or let the router use another"
    return "the provider rejected the request; check the model name and its capabilities"


def connection_error(provider: str, url: str, exc: BaseException) -> ChatError:
    """Cannot connect, or the connection broke. A refused connection (nothing listens
    there) is not worth retrying: the router moves on to the next provider at once."""
    refused = isinstance(getattr(exc, "os_error", None), ConnectionRefusedError)
    why = "connection refused" if refused else _one_line(f"{type(exc).__name__}: {exc}", 120)
    return ChatError(
        f"cannot reach LLM provider {provider!r} at {url} ({why})",
        "is the server running and the base_url right? a local llama.cpp server starts with "
        "`llama-server -m MODEL.gguf --port 8080`",
        provider=provider,
        reason="refused" if refused else "connection",
        retryable=not refused,
    )


def timeout_error(provider: str, url: str, seconds: float) -> ChatError:
    return ChatError(
        f"LLM provider {provider!r} gave no answer within {seconds:g} s at {url}",
        f"raise timeout_s for {provider!r} in providers.toml, or use a faster provider",
        provider=provider,
        reason="timeout",
    )


def malformed_error(provider: str, url: str, what: str) -> ChatError:
    return ChatError(
        f"LLM provider {provider!r} sent a malformed answer from {url}: {what}",
        "the endpoint does not speak the OpenAI chat-completions protocol; check base_url "
        "(it usually ends in /v1)",
        provider=provider,
        reason="malformed",
        retryable=True,
    )


def missing_key_error(provider: str, key_env: str) -> ChatError:
    return ChatError(
        f"LLM provider {provider!r} needs an API key and ${key_env} is not set",
        f"export {key_env}=… (keys are read from the environment only), or disable {provider!r}",
        provider=provider,
        reason="no_key",
    )
