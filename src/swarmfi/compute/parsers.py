"""The "llm" and "hybrid" intent parser backends, registered with `swarmfi.intent.parsers`.

The intent registry imports this module the first time it meets a name it does
not know, so `swarmfi parse --parser llm|hybrid` and `swarmfi eval intents --parser
llm|hybrid` work without any setup beyond the provider configuration, which comes
from the environment (see `swarmfi.compute.config`):

    SWARMFI_LLM_BASE_URL=http://127.0.0.1:8080/v1 swarmfi parse --parser llm "…"
    SWARMFI_PROVIDERS=my-providers.toml swarmfi eval intents --parser hybrid

Both are synchronous `text -> canonical dict` callables; "llm" raises
`ComputeProviderError` (exit 5) when no provider can answer, "hybrid" then keeps
the embedded parser's refusal. See `swarmfi.compute.intent_llm` for the rules.
"""

from __future__ import annotations

from typing import Any

from swarmfi.compute.intent_llm import LLMIntentParser
from swarmfi.errors import ComputeProviderError, PolicyError

_parser: LLMIntentParser | None = None


def default_parser() -> LLMIntentParser:
    """The process's LLM parser over `router_from_env()` (built once, on first use)."""
    global _parser
    if _parser is None:
        from swarmfi.compute.config import router_from_env

        _parser = LLMIntentParser(router_from_env())
    return _parser


def reset() -> None:
    """Forget the process's parser (the environment is read again on next use)."""
    global _parser
    _parser = None


def parse_llm(text: str) -> dict[str, Any]:
    """The "llm" backend: the model alone (validated, repaired once, grounded)."""
    return default_parser().parse_sync(text)


def parse_hybrid(text: str) -> dict[str, Any]:
    """The "hybrid" backend: embedded first, the model only for its `ambiguous` refusals
    that are not settled (a question, a correction, an unclear scope stay refused)."""
    from swarmfi.intent.parser import parse_settled

    embedded, settled = parse_settled(text)
    if settled or not escalates(embedded):
        return embedded
    try:
        answer = default_parser().parse_sync(text)
    except (ComputeProviderError, PolicyError) as exc:
        return _with_note(embedded, f"no model could be asked: {exc.message}")
    return embedded if "error" in answer else answer


def escalates(embedded: dict[str, Any]) -> bool:
    """Only an `ambiguous` refusal goes to the model (never `invalid` or `unsupported`)."""
    error = embedded.get("error")
    return isinstance(error, dict) and error.get("kind") == "ambiguous"


def _with_note(result: dict[str, Any], note: str) -> dict[str, Any]:
    error = dict(result["error"])
    error["message"] = f"{error.get('message', '')} ({note})".strip()
    return {"error": error}


def _register() -> None:
    try:
        from swarmfi.intent.parsers import register_parser
    except ImportError:  # the intent registry is not there: nothing to plug into
        return
    register_parser("llm", parse_llm)
    register_parser("hybrid", parse_hybrid)


_register()
