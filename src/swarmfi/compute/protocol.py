"""The OpenAI chat-completions wire format: request bodies out, `Completion`s in. Pure.

`response_format` follows the provider's capabilities: `json_schema` with the schema
where supported, else `json_object` (JSON mode) with the schema written into the
system prompt, else plain text with the same instruction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from swarmfi.compute.failures import malformed_error
from swarmfi.compute.providers import Provider
from swarmfi.compute.types import AnswerFormat, Completion, Message, Schema, Usage


@dataclass(frozen=True)
class ChatRequest:
    """What a caller asks for, before it is fitted to one provider."""

    messages: tuple[Message, ...]
    schema: Schema | None = None
    json_mode: bool = False
    model: str | None = None
    max_tokens: int | None = None
    temperature: float | None = 0.0

    def input_tokens_estimate(self) -> int:
        return sum(estimate_tokens(_content_text(m.get("content"))) + 4 for m in self.messages)


def estimate_tokens(text: str) -> int:
    """About 4 bytes of UTF-8 per token (English ≈ 4 chars, Chinese ≈ 1.3 chars)."""
    return max(1, len(text.encode("utf-8")) // 4) if text else 0


def answer_format(provider: Provider, request: ChatRequest) -> AnswerFormat:
    wants_json = request.schema is not None or request.json_mode
    if request.schema is not None and provider.supports("json_schema"):
        return "json_schema"
    if wants_json and provider.supports("json_object"):
        return "json_object"
    return "text"


def build_body(
    provider: Provider, request: ChatRequest, *, stream: bool = False
) -> tuple[dict[str, Any], AnswerFormat]:
    """The JSON body for `provider`, and the answer format it asks for."""
    fmt = answer_format(provider, request)
    body: dict[str, Any] = {
        "model": request.model or provider.model,
        "messages": _messages(request, fmt),
    }
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.max_tokens is not None:
        body["max_tokens"] = request.max_tokens
    if fmt == "json_schema" and request.schema is not None:
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": _schema_spec(request.schema),
        }
    elif fmt == "json_object":
        body["response_format"] = {"type": "json_object"}
    if stream and provider.supports("stream_usage"):
        body["stream_options"] = {"include_usage": True}
    return body, fmt


def _schema_spec(schema: Schema) -> dict[str, Any]:
    return {"name": schema.name, "schema": dict(schema.schema), "strict": schema.strict}


def _messages(request: ChatRequest, fmt: AnswerFormat) -> list[dict[str, Any]]:
    messages = [dict(m) for m in request.messages]
    note = _json_instruction(request, fmt)
    if not note:
        return messages
    if messages and messages[0].get("role") == "system":
        messages[0]["content"] = f"{_content_text(messages[0].get('content'))}\n\n{note}"
        return messages
    return [{"role": "system", "content": note}, *messages]


def _json_instruction(request: ChatRequest, fmt: AnswerFormat) -> str | None:
    if request.schema is not None and fmt != "json_schema":
        if request.schema.instruction:
            return request.schema.instruction
        schema = json.dumps(request.schema.schema, ensure_ascii=False, separators=(",", ":"))
        return f"Answer with one JSON object that follows this JSON Schema, nothing else:\n{schema}"
    if request.json_mode and fmt == "text":
        return "Answer with one JSON object, nothing else."
    return None


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return "" if content is None else str(content)


def parse_usage(data: Mapping[str, Any] | None) -> Usage | None:
    """`usage` as the provider reported it, or None when absent or unreadable."""
    if not isinstance(data, Mapping):
        return None
    prompt, completion = data.get("prompt_tokens"), data.get("completion_tokens")
    if not isinstance(prompt, int) or not isinstance(completion, int):
        return None
    return Usage(input_tokens=max(0, prompt), output_tokens=max(0, completion))


def completion_from_answer(
    provider: Provider,
    request: ChatRequest,
    data: Mapping[str, Any],
    *,
    fmt: AnswerFormat,
    latency_s: float,
    sensitive: bool,
) -> Completion:
    """A decoded non-streaming answer (already known to hold `choices[0]`) as a Completion."""
    choice = data["choices"][0]
    message = choice.get("message")
    if not isinstance(message, Mapping):
        raise malformed_error(provider.name, provider.base_url, "`choices[0].message` is missing")
    content = message.get("content")
    if content is not None and not isinstance(content, (str, list)):
        raise malformed_error(provider.name, provider.base_url, "`message.content` is not text")
    finish = "refusal" if message.get("refusal") else choice.get("finish_reason")
    return finish_completion(
        provider,
        request,
        _content_text(content),
        parse_usage(data.get("usage")),
        model=str(data.get("model") or request.model or provider.model),
        finish_reason=finish,
        fmt=fmt,
        latency_s=latency_s,
        sensitive=sensitive,
    )


def finish_completion(
    provider: Provider,
    request: ChatRequest,
    text: str,
    usage: Usage | None,
    *,
    model: str,
    finish_reason: str | None,
    fmt: AnswerFormat,
    latency_s: float,
    sensitive: bool,
) -> Completion:
    """Price the call (estimating tokens when the provider did not report them)."""
    if usage is None:
        usage = Usage(request.input_tokens_estimate(), estimate_tokens(text), estimated=True)
    return Completion(
        text=text,
        usage=usage,
        provider=provider.name,
        model=model,
        cost_usd=provider.cost(usage),
        latency_s=latency_s,
        finish_reason=finish_reason if isinstance(finish_reason, str) else None,
        format=fmt,
        sensitive=sensitive,
    )


def chunk_delta(chunk: Mapping[str, Any]) -> tuple[str, str | None]:
    """(content delta, finish_reason) of one streamed chunk; ("", None) for usage-only chunks."""
    choices = chunk.get("choices")
    if not isinstance(choices, list) or not choices:
        return "", None
    choice = choices[0]
    if not isinstance(choice, Mapping):
        return "", None
    delta = choice.get("delta") or {}
    content = delta.get("content") if isinstance(delta, Mapping) else None
    return (content if isinstance(content, str) else ""), choice.get("finish_reason")
