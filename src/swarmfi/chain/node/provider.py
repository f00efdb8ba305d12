"""web3.py providers that talk to a DevnetNode in the same process.

    w3 = Web3(DevnetProvider(node))
    aw3 = AsyncWeb3(AsyncDevnetProvider(node))

Parameters reach the node exactly as they would through the HTTP server: when they
are already plain JSON values (strings, numbers, booleans, None, lists, tuples and
string-keyed dicts, which is what web3's formatters pass for nearly every call),
they are handed over as is, with tuples as lists; anything else is JSON-encoded by
web3's own encoder and parsed back. Answers come back as the node built them (plain
JSON types). Either way the node sees what a JSON round trip would give, without
paying for one. The node's own lock serialises callers across threads.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast

from web3._utils.batching import sort_batch_response_by_response_ids
from web3.providers import JSONBaseProvider
from web3.providers.async_base import AsyncJSONBaseProvider
from web3.types import RPCEndpoint, RPCResponse

if TYPE_CHECKING:
    from swarmfi.chain.node import DevnetNode


_SCALARS = (str, int, bool, float, type(None))
NOT_PLAIN: Any = object()


def as_json(value: Any) -> Any:
    """`value` as a JSON round trip would give it back, if it is made of plain JSON
    values only (exact types: subclasses may encode differently); else `NOT_PLAIN`."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is list or kind is tuple:
        items = [as_json(item) for item in value]
        return NOT_PLAIN if NOT_PLAIN in items else items
    if kind is dict and all(type(key) is str for key in value):
        fields = {key: as_json(item) for key, item in value.items()}
        return NOT_PLAIN if NOT_PLAIN in fields.values() else fields
    return NOT_PLAIN


class _NodeLink:
    """The shared part of both providers: turn the request into JSON values, let the
    node answer."""

    def __init__(self, node: DevnetNode) -> None:
        self.node = node

    def call(self, provider: Any, method: RPCEndpoint, params: Any) -> Any:
        """One request of `provider` (its encoder and request ids are web3's)."""
        plain = as_json(params or [])
        if plain is NOT_PLAIN:
            return self.answer(provider.encode_rpc_request(method, params))
        request = {"jsonrpc": "2.0", "method": method, "params": plain}
        request["id"] = next(provider.request_counter)
        return self.node.handle(request)

    def answer(self, request: bytes) -> Any:
        try:
            parsed = json.loads(request)
        except ValueError:  # web3 always sends JSON; keep the node's own answer anyway
            return json.loads(self.node.handle_json(request))
        return self.node.handle(parsed)


def _sorted(response: Any) -> list[RPCResponse] | RPCResponse:
    if not isinstance(response, list):
        return cast(RPCResponse, response)  # one error object for the whole batch
    return sort_batch_response_by_response_ids(cast(list[RPCResponse], response))


class DevnetProvider(JSONBaseProvider):
    """A synchronous web3.py provider over an in-process DevnetNode."""

    def __init__(self, node: DevnetNode) -> None:
        super().__init__()
        self.link = _NodeLink(node)

    @property
    def node(self) -> DevnetNode:
        return self.link.node

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        return cast(RPCResponse, self.link.call(self, method, params))

    def make_batch_request(
        self, requests: list[tuple[RPCEndpoint, Any]]
    ) -> list[RPCResponse] | RPCResponse:
        return _sorted(self.link.answer(self.encode_batch_rpc_request(requests)))

    def is_connected(self, show_traceback: bool = False) -> bool:
        return True


class AsyncDevnetProvider(AsyncJSONBaseProvider):
    """The asyncio twin of DevnetProvider (node work is CPU-bound and brief)."""

    def __init__(self, node: DevnetNode) -> None:
        super().__init__()
        self.link = _NodeLink(node)

    @property
    def node(self) -> DevnetNode:
        return self.link.node

    async def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        return cast(RPCResponse, self.link.call(self, method, params))

    async def make_batch_request(
        self, requests: list[tuple[RPCEndpoint, Any]]
    ) -> list[RPCResponse] | RPCResponse:
        return _sorted(self.link.answer(self.encode_batch_rpc_request(requests)))

    async def is_connected(self, show_traceback: bool = False) -> bool:
        return True
