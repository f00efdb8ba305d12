"""Helpers shared by the compute tests (a unique module name: tests dirs are not packages)."""

import asyncio

from swarmfi.compute.client import ChatClient, RetryPolicy
from swarmfi.compute.fake import free_port
from swarmfi.compute.providers import Provider

FAST_RETRY = RetryPolicy(retries=2, base_s=0.01, cap_s=0.05, max_wait_s=2.0)


def run(coro):
    return asyncio.run(coro)


def client() -> ChatClient:
    return ChatClient(retry=FAST_RETRY)


def provider(url, name="p", privacy="cloud", price=(0.0, 0.0), caps=(), **kw) -> Provider:
    return Provider(
        name=name,
        base_url=url,
        privacy=privacy,
        models=kw.pop("models", ("m",)),
        price_in=price[0],
        price_out=price[1],
        capabilities=frozenset(caps),
        timeout_s=kw.pop("timeout_s", 5.0),
        **kw,
    )


def dead_url() -> str:
    """A provider that is down: nothing listens on this port."""
    return f"http://127.0.0.1:{free_port()}/v1"


def user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]
