"""Core compute types: what a caller sends (messages) and what it gets back (`Completion`).

Pure data, no I/O. `LLM` is the one interface the rest of swarmfi talks to; the
`Router` implements it, and so does anything else that can answer a chat request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

Message = Mapping[str, Any]
"""One OpenAI chat message: {"role": "system"|"user"|"assistant"|"tool", "content": str, ...}."""

Privacy = Literal["local", "tee", "cloud"]
PRIVACY_CLASSES: tuple[Privacy, ...] = ("local", "tee", "cloud")
PRIVATE_CLASSES: frozenset[str] = frozenset({"local", "tee"})
"""Where a sensitive request may go: the user's machine or a confidential (TEE) endpoint."""

Capability = Literal["json_schema", "json_object", "tools", "stream_usage"]
CAPABILITIES: frozenset[str] = frozenset({"json_schema", "json_object", "tools", "stream_usage"})

AnswerFormat = Literal["json_schema", "json_object", "text"]


@dataclass(frozen=True)
class Usage:
    """Tokens of one call; `estimated` when the provider did not report them."""

    input_tokens: int = 0
    output_tokens: int = 0
    estimated: bool = False
    kind: Literal["usage"] = "usage"

    @property
    def total(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True)
class Completion:
    """A model's answer, who gave it, and what it cost."""

    text: str
    usage: Usage
    provider: str
    model: str
    cost_usd: float
    latency_s: float
    finish_reason: str | None = None
    format: AnswerFormat = "text"
    sensitive: bool = False
    kind: Literal["completion"] = "completion"


@dataclass(frozen=True)
class Schema:
    """A JSON Schema the answer must follow, with the name providers want for it.

    Providers that cannot enforce it (no json_schema capability) get `instruction`
    in the system prompt instead, or the schema itself when `instruction` is None.
    """

    schema: Mapping[str, Any]
    name: str = "answer"
    strict: bool = False
    instruction: str | None = None
    kind: Literal["schema"] = field(default="schema", repr=False)


@runtime_checkable
class LLM(Protocol):
    """Anything that answers chat messages; the router is the usual one."""

    async def complete(
        self,
        messages: Sequence[Message],
        *,
        schema: Schema | Mapping[str, Any] | None = None,
        sensitive: bool | None = None,
    ) -> Completion: ...


def as_schema(schema: Schema | Mapping[str, Any] | None) -> Schema | None:
    """Accept a bare JSON Schema dict or a `Schema`."""
    if schema is None or isinstance(schema, Schema):
        return schema
    name = re.sub(r"[^A-Za-z0-9_-]+", "_", str(schema.get("title") or "answer"))[:64]
    return Schema(schema=schema, name=name or "answer")
