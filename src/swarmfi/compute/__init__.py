"""Compute: OpenAI-compatible LLM providers and a router by privacy, price and latency.

    from swarmfi.compute import Router, load_registry
    async with Router.from_registry(load_registry()) as llm:
        answer = await llm.complete([{"role": "user", "content": "hi"}])

`LLM` is the interface (`complete(messages, *, schema=None, sensitive=None)`);
`Router` implements it over the providers of a `Registry` (presets in
`providers.toml`, your overrides in ~/.swarmfi/providers.toml). See `router` for
the routing rules and `privacy` for what makes a prompt sensitive.
"""

from swarmfi.compute.client import ChatClient, Endpoint, RetryPolicy
from swarmfi.compute.failures import ChatError
from swarmfi.compute.providers import Provider, Registry, load_registry, registry_from_env
from swarmfi.compute.router import Router
from swarmfi.compute.streaming import ChatStream
from swarmfi.compute.types import LLM, Completion, Schema, Usage
from swarmfi.compute.usage import Budget, UsageStore

__all__ = [
    "LLM",
    "Budget",
    "ChatClient",
    "ChatError",
    "ChatStream",
    "Completion",
    "Endpoint",
    "Provider",
    "Registry",
    "RetryPolicy",
    "Router",
    "Schema",
    "Usage",
    "UsageStore",
    "load_registry",
    "registry_from_env",
]
