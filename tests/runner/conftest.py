from contextlib import asynccontextmanager

import pytest
from pyrevm import EVM

from swarmfi.chain.genesis import build
from swarmfi.guard.sandbox import EvmSandbox


class GenesisChain(EvmSandbox):
    """The genesis market on a bare pyrevm EVM, read through the same code as a sandbox."""

    @asynccontextmanager
    async def sandbox_evm(self):
        yield self.evm


@pytest.fixture(scope="session")
def market():
    evm = EVM(spec_id="PRAGUE")
    genesis = build(evm)
    return GenesisChain(evm, genesis.registry), genesis.accounts


@pytest.fixture
def chain(market):
    chain, _ = market
    checkpoint = chain.evm.snapshot()
    yield chain
    chain.evm.revert(checkpoint)


@pytest.fixture
def sender(market):
    return market[1][0]
