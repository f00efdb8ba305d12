"""A sandbox: the Chain reads over a throwaway snapshot of an EVM, plus `execute(tx)`,
which runs a transaction as its sender without signing. Everything is reverted on exit.

Each chain hands out the EVM through `sandbox_evm()`: the devnet its node's own EVM
(locked while the sandbox is open; reads never yield to the event loop), `RpcChain` a
fresh pyrevm fork pinned at the latest block.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from swarmfi.chain.base import Chain, Registry, TxOutcome, TxRequest
from swarmfi.chain.reads import ReaderReads
from swarmfi.chain.simulation import EvmAccess, run_tx
from swarmfi.errors import BugError, SimulationError


class EvmSandbox(ReaderReads):
    """Chain-shaped access to an EVM snapshot (see the module docstring)."""

    def __init__(self, evm: Any, registry: Registry) -> None:
        self.evm, self.registry = evm, registry
        self._access = EvmAccess(evm)
        self.reader = self._access.reader(registry)

    async def call(self, tx: TxRequest) -> bytes:
        return self._access.call_sync(tx.to, tx.data, tx.sender, tx.value, tx.gas)

    async def timestamp(self) -> int:
        return int(self.evm.env.block.timestamp)

    async def block_number(self) -> int:
        return int(self.evm.env.block.number)

    async def execute(self, tx: TxRequest) -> TxOutcome:
        return run_tx(self.evm, tx)

    async def simulate(self, txs: list[TxRequest]) -> Any:
        raise BugError("a sandbox runs transactions one by one with execute()")

    async def send(self, tx: TxRequest, signer: Any) -> Any:
        raise BugError("a sandbox never sends: use execute()")

    async def close(self) -> None:
        return None


def _opener(chain: Any) -> Any:
    opener = getattr(chain, "sandbox_evm", None)
    if opener is None:
        raise SimulationError(f"{type(chain).__name__} cannot simulate plans",
                              "use the devnet or an RPC chain; nothing was signed")
    return opener


@asynccontextmanager
async def open_sandbox(chain: Chain) -> AsyncIterator[EvmSandbox]:
    """A sandbox over `chain`'s current state, discarded on exit."""
    async with _opener(chain)() as evm:
        checkpoint = evm.snapshot()
        try:
            yield EvmSandbox(evm, chain.registry)
        finally:
            evm.revert(checkpoint)
