"""web3.py providers that talk to a DevnetNode in the same process.

    w3 = Web3(DevnetProvider(node))
    aw3 = AsyncWeb3(AsyncDevnetProvider(node))

Requests are JSON-encoded by web3's own encoder and parsed back, exactly as they
would reach the HTTP server, so parameters look the same to the node either way;
answers come back as the node built them (plain JSON types), which spares a
JSON round trip per call. The node's own lock serialises callers across threads.
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


class _NodeLink:
    """The shared part of both providers: parse the request, let the node answer."""

    def __init__(self, node: DevnetNode) -> None:
        self.node = node

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
        return cast(RPCResponse, self.link.answer(self.encode_rpc_request(method, params)))

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
        return cast(RPCResponse, self.link.answer(self.encode_rpc_request(method, params)))

    async def make_batch_request(
        self, requests: list[tuple[RPCEndpoint, Any]]
    ) -> list[RPCResponse] | RPCResponse:
        return _sorted(self.link.answer(self.encode_batch_rpc_request(requests)))

    async def is_connected(self, show_traceback: bool = False) -> bool:
        return True
