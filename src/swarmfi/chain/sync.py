"""A thin sync wrapper over any async `Chain`, for the CLI and scripts.

`SyncChain(chain).balance(owner, "USDC")` runs the coroutine on one private event loop
that lives as long as the wrapper, so loop-bound state (nonce locks) stays valid across
calls. Do not use it from inside a running event loop: await the chain instead.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from swarmfi.errors import BugError

T = TypeVar("T")


def run_sync(coro: Coroutine[Any, Any, T], loop: asyncio.AbstractEventLoop | None = None) -> T:
    """Run `coro` to completion from sync code (on `loop`, or a fresh one)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        coro.close()
        raise BugError(
            "a sync chain call was made inside a running event loop",
            hint="await the async Chain method instead",
        )
    if loop is None:
        return asyncio.run(coro)
    return loop.run_until_complete(coro)


class SyncChain:
    """Every async method of the wrapped chain, callable synchronously."""

    def __init__(self, chain: Any) -> None:
        self.chain = chain
        self._loop = asyncio.new_event_loop()

    @property
    def registry(self) -> Any:
        return self.chain.registry

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.chain, name)
        if not inspect.iscoroutinefunction(target):
            return target
        return self._wrap(target)

    def _wrap(self, method: Callable[..., Coroutine[Any, Any, T]]) -> Callable[..., T]:
        @functools.wraps(method)
        def call(*args: Any, **kwargs: Any) -> T:
            return run_sync(method(*args, **kwargs), self._loop)

        return call

    def close(self) -> None:
        """Close the wrapped chain, then the private loop."""
        if self._loop.is_closed():
            return
        run_sync(self.chain.close(), self._loop)
        self._loop.close()

    def __enter__(self) -> SyncChain:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
