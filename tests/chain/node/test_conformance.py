"""The conformance suite against the devnet node: in process and over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from web3 import Web3

from swarmfi.chain.node import DevnetNode
from swarmfi.chain.node.provider import DevnetProvider
from swarmfi.chain.node.server import running
from swarmfi.chain.wallet import test_accounts

from ..conformance import *  # noqa: F403
from ..conformance import RpcTarget


def funded_node() -> tuple[DevnetNode, list]:
    signers = test_accounts(3)
    node = DevnetNode(accounts=[s.address for s in signers])
    for signer in signers:
        node.fund(signer.address, 1000 * 10**18)
    return node, signers


@pytest.fixture(params=["in-process provider", "HTTP on loopback"])
def rpc(request: pytest.FixtureRequest) -> Iterator[RpcTarget]:
    node, signers = funded_node()
    if request.param == "in-process provider":
        yield RpcTarget(Web3(DevnetProvider(node)), signers)
        return
    with running(node) as server:
        provider = Web3.HTTPProvider(server.url)
        yield RpcTarget(Web3(provider), signers)
